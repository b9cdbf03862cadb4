import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { appPaths, windowUrlFor } from '../../../../app/main/paths.js';

test('paths from a repo build and from a packaged app', () => {
  const dev = appPaths({ mainDir: path.join('/repo', 'dist', 'app', 'main'), isPackaged: false, resourcesPath: '/ignored' });
  assert.equal(dev.preload, path.join('/repo', 'dist', 'app', 'preload', 'preload.js'));
  assert.equal(dev.resources, path.join('/repo', 'resources'));
  assert.equal(dev.icon, path.join('/repo', 'resources', 'icon.png'));
  const packed = appPaths({ mainDir: path.join('/opt/Hearth/resources/app.asar/dist/app/main'), isPackaged: true, resourcesPath: '/opt/Hearth/resources' });
  assert.equal(packed.resources, '/opt/Hearth/resources');
  assert.equal(packed.preload, path.join('/opt/Hearth/resources/app.asar/dist/app/preload/preload.js'));
});

test('the window loads loopback even when the server binds every interface', () => {
  assert.equal(windowUrlFor('http://0.0.0.0:7433'), 'http://127.0.0.1:7433/');
  assert.equal(windowUrlFor('http://[::]:7433'), 'http://[::1]:7433/');
  assert.equal(windowUrlFor('http://127.0.0.1:5000'), 'http://127.0.0.1:5000/');
});

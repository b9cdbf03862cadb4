import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  allowPermission, contentSecurityPolicy, isAllowedNavigation, originOf, secureWebPreferences, windowOptions, withCsp,
} from '../../../../app/main/window-options.js';

const ORIGIN = 'http://127.0.0.1:7433';

test('web preferences satisfy Electron security checklist, item by item', () => {
  const p = secureWebPreferences('/app/preload.js');
  assert.equal(p.preload, '/app/preload.js', 'preload is the given script');
  assert.equal(p.nodeIntegration, false, '#2 do not enable Node integration for remote content');
  assert.equal(p.nodeIntegrationInWorker, false, '#2 not in workers either');
  assert.equal(p.nodeIntegrationInSubFrames, false, '#2 not in subframes either');
  assert.equal(p.contextIsolation, true, '#3 enable context isolation');
  assert.equal(p.sandbox, true, '#4 enable process sandboxing');
  assert.equal(p.webSecurity, true, '#6 do not disable webSecurity');
  assert.equal(p.allowRunningInsecureContent, false, '#8 do not allow insecure content');
  assert.equal(p.experimentalFeatures, false, '#9 do not enable experimental features');
  assert.equal('enableBlinkFeatures' in p, false, '#10 do not use enableBlinkFeatures');
  assert.equal(p.webviewTag, false, '#11 no <webview>');
  assert.equal(p.navigateOnDragDrop, false, 'dropping a file does not navigate');
});

test('window options use the secure preferences and start hidden', () => {
  const o = windowOptions({ preloadPath: '/p.js', iconPath: '/i.png' });
  assert.deepEqual(o.webPreferences, secureWebPreferences('/p.js'));
  assert.equal(o.show, false);
  assert.equal(o.icon, '/i.png');
  assert.equal('icon' in windowOptions({ preloadPath: '/p.js' }), false);
});

test('#7 the CSP allows only the server origin and forbids plugins, frames and foreign bases', () => {
  const csp = contentSecurityPolicy();
  const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]));
  assert.deepEqual(directives.get('default-src'), ["'self'"]);
  assert.deepEqual(directives.get('script-src'), ["'self'"], 'no inline or eval scripts');
  assert.deepEqual(directives.get('object-src'), ["'none'"]);
  assert.deepEqual(directives.get('frame-ancestors'), ["'none'"]);
  assert.deepEqual(directives.get('base-uri'), ["'none'"]);
  assert.ok(!csp.includes('unsafe-eval'));
  assert.ok(!csp.includes('unsafe-inline'), 'no inline scripts or styles');
  assert.ok(!csp.includes('*'), 'no wildcard sources');
});

test('withCsp sets the CSP on server responses only, replacing any other casing', () => {
  const h = withCsp(`${ORIGIN}/index.html`, { 'content-security-policy': ['default-src *'], 'X-A': ['1'] }, ORIGIN);
  assert.deepEqual(Object.keys(h).sort(), ['Content-Security-Policy', 'X-A']);
  assert.deepEqual(h['Content-Security-Policy'], [contentSecurityPolicy()]);
  const other = withCsp('https://example.com/x', { 'X-A': ['1'] }, ORIGIN);
  assert.deepEqual(other, { 'X-A': ['1'] });
  assert.deepEqual(withCsp(`${ORIGIN}/`, undefined, ORIGIN), { 'Content-Security-Policy': [contentSecurityPolicy()] });
});

test('#13 navigation is limited to the server origin', () => {
  assert.equal(isAllowedNavigation(`${ORIGIN}/models`, ORIGIN), true);
  assert.equal(isAllowedNavigation('http://127.0.0.1:7434/', ORIGIN), false, 'another port is another origin');
  assert.equal(isAllowedNavigation('http://localhost:7433/', ORIGIN), false);
  assert.equal(isAllowedNavigation('https://evil.example/', ORIGIN), false);
  assert.equal(isAllowedNavigation('file:///etc/passwd', ORIGIN), false);
  assert.equal(isAllowedNavigation('javascript:alert(1)', ORIGIN), false);
  assert.equal(isAllowedNavigation('not a url', ORIGIN), false);
});

test('#5 permission requests are denied except clipboard writes from the server', () => {
  for (const p of ['media', 'geolocation', 'notifications', 'openExternal', 'fullscreen', 'clipboard-read', 'hid', 'serial', 'usb']) {
    assert.equal(allowPermission(p, `${ORIGIN}/`, ORIGIN), false, p);
  }
  assert.equal(allowPermission('clipboard-sanitized-write', `${ORIGIN}/chat`, ORIGIN), true);
  assert.equal(allowPermission('clipboard-sanitized-write', 'https://evil.example/', ORIGIN), false);
});

test('originOf rejects opaque origins', () => {
  assert.equal(originOf('http://127.0.0.1:1/x?y'), 'http://127.0.0.1:1');
  assert.equal(originOf('file:///x'), undefined);
  assert.equal(originOf('data:text/html,hi'), undefined);
  assert.equal(originOf('::'), undefined);
});

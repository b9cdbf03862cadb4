import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAddressInUse, ServerController, type ServerHandleLike } from '../../../../app/main/server-controller.js';
import { trayStateFor } from '../../../../app/main/tray-state.js';
import type { ServerStatus } from '../../../../server/contract/ipc.js';

/** A fake server handle whose status the test drives. */
function fakeHandle(url = 'http://127.0.0.1:7433') {
  let status: ServerStatus = { state: 'starting' };
  const cbs = new Set<(s: ServerStatus) => void>();
  let closed = 0;
  const handle: ServerHandleLike = {
    url, adminToken: 'tok-0123456789abcdef',
    status: () => status,
    onStatus: (cb) => { cbs.add(cb); return () => cbs.delete(cb); },
    close: async () => { closed++; },
  };
  return { handle, emit(s: ServerStatus) { status = s; for (const cb of cbs) cb(s); }, closed: () => closed, listeners: () => cbs.size };
}

test('the tray follows the server status through start, load, busy, crash and stop', async () => {
  const f = fakeHandle();
  const c = new ServerController(async () => f.handle);
  const icons: string[] = [];
  c.onChange((s) => icons.push(trayStateFor(s).icon));
  assert.equal(c.status().state, 'stopped');
  await c.startServer();
  assert.equal(c.url(), 'http://127.0.0.1:7433');
  assert.equal(c.adminToken(), 'tok-0123456789abcdef');
  f.emit({ state: 'loading', reason: 'loading tiny' });
  f.emit({ state: 'ready' });
  f.emit({ state: 'busy' });
  f.emit({ state: 'error', reason: 'engine worker exited (SIGKILL)' });
  f.emit({ state: 'ready' });
  await c.stopServer();
  assert.deepEqual(icons, ['loading', 'loading', 'loading', 'ready', 'busy', 'error', 'ready', 'stopped']);
  assert.equal(f.closed(), 1, 'stopping closes the server once');
  assert.equal(f.listeners(), 0, 'unsubscribed from the stopped server');
  assert.equal(c.url(), undefined);
});

test('a taken port falls back to a free one', async () => {
  const ports: Array<number | undefined> = [];
  const f = fakeHandle('http://127.0.0.1:45555');
  const c = new ServerController(async (port) => {
    ports.push(port);
    if (port === undefined) throw Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:7433'), { code: 'EADDRINUSE' });
    return f.handle;
  });
  await c.startServer();
  assert.deepEqual(ports, [undefined, 0]);
  assert.equal(c.url(), 'http://127.0.0.1:45555');
});

test('a start failure becomes the error status, and start can be retried', async () => {
  let fail = true;
  const f = fakeHandle();
  const c = new ServerController(async () => { if (fail) throw new Error('invalid env HEARTH_PORT: too big\nstack...'); return f.handle; });
  await c.startServer();
  assert.deepEqual(c.status(), { state: 'error', reason: 'the server did not start: invalid env HEARTH_PORT: too big' });
  assert.equal(trayStateFor(c.status()).menu.toggleServer.action, 'start');
  fail = false;
  await c.startServer();
  assert.equal(c.status().state, 'starting');
  assert.equal(c.url(), 'http://127.0.0.1:7433');
});

test('start and stop are serialized; a second start while running does nothing', async () => {
  let starts = 0;
  const f = fakeHandle();
  const c = new ServerController(async () => { starts++; await new Promise((r) => setImmediate(r)); return f.handle; });
  const a = c.startServer();
  assert.equal(c.inTransition(), true);
  const b = c.startServer();
  await Promise.all([a, b]);
  await c.startServer();
  assert.equal(starts, 1);
  assert.equal(c.inTransition(), false);
  await Promise.all([c.stopServer(), c.stopServer()]);
  assert.equal(f.closed(), 1);
});

test('a stale server cannot change the status after it was stopped', async () => {
  const f = fakeHandle();
  const c = new ServerController(async () => f.handle);
  await c.startServer();
  await c.stopServer();
  f.emit({ state: 'ready' });
  assert.equal(c.status().state, 'stopped');
});

test('isAddressInUse looks through causes', () => {
  assert.equal(isAddressInUse(Object.assign(new Error('x'), { code: 'EADDRINUSE' })), true);
  assert.equal(isAddressInUse(new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'EADDRINUSE' }) })), true);
  assert.equal(isAddressInUse(Object.assign(new Error('x'), { code: 'EACCES' })), false);
  assert.equal(isAddressInUse('EADDRINUSE'), false);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIpcHandlers, IpcRefused, isTrustedSender, registerIpcHandlers, type IpcEventLike } from '../../../../app/main/ipc.js';
import { IPC_CHANNELS, IPC_INVOKE, type StatusEvent } from '../../../../server/contract/ipc.js';

const SERVER = 'http://127.0.0.1:7433';
const TOKEN = 'admin-token-0123456789abcdef';
const top = (url: string): IpcEventLike => ({ senderFrame: { url, parent: null } });
const sub = (url: string): IpcEventLike => ({ senderFrame: { url, parent: { url: SERVER } } });

function handlers(over: Partial<{ url: string | undefined; token: string | undefined; status: StatusEvent }> = {}) {
  return createIpcHandlers({
    serverUrl: () => ('url' in over ? over.url : SERVER),
    adminToken: () => ('token' in over ? over.token : TOKEN),
    status: () => over.status ?? { server: { state: 'ready' }, warnings: [] },
  });
}

test('a trusted sender is a top-level frame on the server origin', () => {
  assert.equal(isTrustedSender(top(`${SERVER}/chat`), SERVER), true);
  assert.equal(isTrustedSender(top(`${SERVER}/`), `${SERVER}/`), true);
  assert.equal(isTrustedSender(top('https://evil.example/'), SERVER), false);
  assert.equal(isTrustedSender(top('http://127.0.0.1:7434/'), SERVER), false, 'another port');
  assert.equal(isTrustedSender(top('http://localhost:7433/'), SERVER), false, 'another host name');
  assert.equal(isTrustedSender(top('file:///app/index.html'), SERVER), false);
  assert.equal(isTrustedSender(top('data:text/html,x'), SERVER), false);
  assert.equal(isTrustedSender(sub(`${SERVER}/`), SERVER), false, 'subframes are untrusted');
  assert.equal(isTrustedSender({ senderFrame: null }, SERVER), false, 'destroyed frame');
  assert.equal(isTrustedSender(top(`${SERVER}/`), undefined), false, 'no server, no trust');
});

test('every contract channel has a handler that answers a trusted sender', async () => {
  const h = handlers();
  assert.deepEqual(Object.keys(h).sort(), Object.keys(IPC_INVOKE).sort());
  assert.equal(await h[IPC_CHANNELS.serverUrl](top(`${SERVER}/`)), SERVER);
  assert.equal(await h[IPC_CHANNELS.adminToken](top(`${SERVER}/settings`)), TOKEN);
  assert.deepEqual(await h[IPC_CHANNELS.status](top(`${SERVER}/`)), { server: { state: 'ready' }, warnings: [] });
});

test('handlers refuse untrusted senders without revealing anything', async () => {
  const h = handlers();
  for (const ev of [top('https://evil.example/'), sub(`${SERVER}/`), { senderFrame: null }, top('file:///x')]) {
    for (const ch of Object.values(IPC_CHANNELS).filter((c) => c in h) as (keyof typeof h)[]) {
      await assert.rejects(h[ch](ev), (err: Error) => {
        assert.ok(err instanceof IpcRefused);
        assert.match(err.message, /untrusted sender/);
        assert.ok(!err.message.includes(TOKEN));
        return true;
      }, `${ch} from ${JSON.stringify(ev)}`);
    }
  }
});

test('handlers refuse bad arguments', async () => {
  const h = handlers();
  const ev = top(`${SERVER}/`);
  await assert.rejects(h[IPC_CHANNELS.adminToken](ev, 'extra'), /invalid arguments/);
  await assert.rejects(h[IPC_CHANNELS.serverUrl](ev, { __proto__: {} }), /invalid arguments/);
  await assert.rejects(h[IPC_CHANNELS.status](ev, 1, 2), /invalid arguments/);
});

test('handlers refuse when the server is not running, and never answer an invalid result', async () => {
  const ev = top(`${SERVER}/`);
  await assert.rejects(handlers({ token: undefined })[IPC_CHANNELS.adminToken](ev), /not running/);
  await assert.rejects(handlers({ url: undefined })[IPC_CHANNELS.serverUrl](ev), /untrusted sender/, 'no server URL: nobody is trusted');
  const bad = { server: { state: 'exploded' }, warnings: [] } as unknown as StatusEvent;
  await assert.rejects(handlers({ status: bad })[IPC_CHANNELS.status](ev), /invalid result/);
});

test('registerIpcHandlers registers every channel and removes them again', async () => {
  const registered = new Map<string, (e: IpcEventLike, ...a: unknown[]) => unknown>();
  const fake = {
    handle: (ch: string, fn: (e: IpcEventLike, ...a: unknown[]) => unknown) => { assert.ok(!registered.has(ch)); registered.set(ch, fn); },
    removeHandler: (ch: string) => { registered.delete(ch); },
  };
  const remove = registerIpcHandlers(fake, handlers());
  assert.deepEqual([...registered.keys()].sort(), Object.keys(IPC_INVOKE).sort());
  assert.equal(await registered.get(IPC_CHANNELS.serverUrl)!(top(`${SERVER}/`)), SERVER);
  await assert.rejects(Promise.resolve(registered.get(IPC_CHANNELS.adminToken)!(top('https://evil.example/'))), /untrusted/);
  remove();
  assert.equal(registered.size, 0);
});

// The preload runs sandboxed and cannot be imported here (importing `electron` under Node would
// try to download Electron), so these checks read its source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IPC_CHANNELS } from '../../../../server/contract/ipc.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const source = readFileSync(path.join(ROOT, 'app/preload/preload.ts'), 'utf8');

test('the preload channel names equal the contract', () => {
  const block = /const PRELOAD_CHANNELS = \{([^}]*)\}/.exec(source)?.[1];
  assert.ok(block, 'PRELOAD_CHANNELS found');
  const channels = Object.fromEntries([...block.matchAll(/(\w+):\s*'([^']+)'/g)].map((m) => [m[1], m[2]]));
  assert.deepEqual(channels, { ...IPC_CHANNELS });
});

test('the preload requires nothing but electron at run time (sandboxed preloads cannot)', () => {
  const imports = [...source.matchAll(/^import\s+(type\s+)?[^;]*?from\s+'([^']+)'/gm)].map((m) => ({ typeOnly: Boolean(m[1]), from: m[2] }));
  assert.ok(imports.length >= 2);
  for (const i of imports) if (!i.typeOnly) assert.equal(i.from, 'electron', `runtime import of ${i.from}`);
  assert.doesNotMatch(source, /\brequire\(|import\(/, 'no dynamic loading');
});

test('the preload compiles to CommonJS and exposes only window.hearth', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'app/preload/package.json'), 'utf8')) as { type?: string };
  assert.equal(pkg.type, 'commonjs');
  const exposed = [...source.matchAll(/exposeInMainWorld\('([^']+)'/g)].map((m) => m[1]);
  assert.deepEqual(exposed, ['hearth']);
  const body = source.replace(/^import .*$/gm, '');
  const uses = [...body.matchAll(/\bipcRenderer\b(\.\w+)?/g)].map((m) => m[1]);
  assert.ok(uses.length > 0);
  for (const u of uses) assert.ok(u === '.invoke' || u === '.on' || u === '.removeListener', `ipcRenderer${u ?? ''} handed out`);
});

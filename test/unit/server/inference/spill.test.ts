import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSpillPolicy, parseSpillRules } from '../../../../server/inference/spill.js';
import type { Target, UpstreamLookup } from '../../../../server/inference/router.js';
import type { Principal } from '../../../../server/auth/principal.js';

const lookup: UpstreamLookup = {
  resolve: (name) => (name.startsWith('a/') ? ({ pool: 'upstream:a', kind: 'upstream', upstream: 'a', engine: null as never } satisfies Target) : undefined),
  list: async () => [],
};
const key = (allowSpill: boolean): Principal => ({ kind: 'key', id: 'k', name: 'k', limits: {}, allowSpill });

test('spill rules parse, and malformed ones are refused', () => {
  assert.deepEqual([...parseSpillRules(['tiny=a/gpt-4o', 'big=b/org/m'])], [['tiny', 'a/gpt-4o'], ['big', 'b/org/m']]);
  assert.throws(() => parseSpillRules(['tiny']));
  assert.throws(() => parseSpillRules(['tiny=nomodel']));
});

test('only principals allowed to leave the machine spill, and only for models with a rule', async () => {
  const spill = createSpillPolicy(['tiny=a/gpt'], () => lookup);
  assert.equal((await spill('tiny', key(true)))?.pool, 'upstream:a');
  assert.equal((await spill('tiny', { kind: 'admin' }))?.pool, 'upstream:a');
  assert.equal(await spill('tiny', key(false)), undefined);
  assert.equal(await spill('other', key(true)), undefined);
  assert.equal(await createSpillPolicy(['tiny=zz/gpt'], () => lookup)('tiny', key(true)), undefined);
});

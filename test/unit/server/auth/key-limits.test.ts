import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createKeyLimits, modelAllowed, formatReset } from '../../../../server/auth/key-limits.js';
import type { Principal } from '../../../../server/auth/principal.js';
import { HearthError } from '../../../../server/errors/catalog.js';

const key = (id: string, limits: { rpm?: number; tpm?: number; models?: string[] }): Principal => ({ kind: 'key', id, name: id, limits, allowSpill: false });

test('rpm 2: the third request is refused with Retry-After and ratelimit headers; another key is unaffected', async () => {
  const l = createKeyLimits();
  try {
    const a = key('a', { rpm: 2 }); const b = key('b', { rpm: 2 });
    const h1 = await l.checkRequest(a, 'm');
    assert.equal(h1['x-ratelimit-limit-requests'], '2');
    assert.equal(h1['x-ratelimit-remaining-requests'], '1');
    assert.match(h1['x-ratelimit-reset-requests']!, /^\d+(m\d+)?s$/);
    assert.equal((await l.checkRequest(a, 'm'))['x-ratelimit-remaining-requests'], '0');
    await assert.rejects(l.checkRequest(a, 'm'), (e: HearthError) => {
      assert.equal(e.code, 'ERR_RATE_LIMITED');
      assert.equal(e.status, 429);
      const ra = Number(e.headers['retry-after']);
      assert.ok(ra >= 1 && ra <= 60);
      assert.equal(e.headers['x-ratelimit-limit-requests'], '2');
      assert.equal(e.headers['x-ratelimit-remaining-requests'], '0');
      return true;
    });
    assert.equal((await l.checkRequest(b, 'm'))['x-ratelimit-remaining-requests'], '1');
    assert.deepEqual(await l.checkRequest({ kind: 'admin' }, 'm'), {});
  } finally { await l.close(); }
});

test('tpm: requests are refused once the window budget is used; token headers are set', async () => {
  const l = createKeyLimits();
  try {
    const a = key('t', { tpm: 100 });
    const h = await l.checkRequest(a, 'm');
    assert.equal(h['x-ratelimit-limit-tokens'], '100');
    assert.equal(h['x-ratelimit-remaining-tokens'], '100');
    await l.addTokens(a, 60);
    assert.equal((await l.checkRequest(a, 'm'))['x-ratelimit-remaining-tokens'], '40');
    await l.addTokens(a, 60); // a stream may overshoot; the next request is refused
    await assert.rejects(l.checkRequest(a, 'm'), (e: HearthError) => e.code === 'ERR_RATE_LIMITED' && e.headers['x-ratelimit-remaining-tokens'] === '0' && Number(e.headers['retry-after']) >= 1);
  } finally { await l.close(); }
});

test('allowed models: others get ERR_MODEL_NOT_ALLOWED; upstream/* wildcard', async () => {
  const l = createKeyLimits();
  try {
    const a = key('m', { models: ['tiny', 'oa/*'] });
    await l.checkRequest(a, 'tiny');
    await l.checkRequest(a, 'oa/gpt-4o');
    await assert.rejects(l.checkRequest(a, 'big'), (e: HearthError) => e.code === 'ERR_MODEL_NOT_ALLOWED' && e.status === 403);
    assert.equal(modelAllowed(undefined, 'x'), true);
    assert.equal(modelAllowed(['oa/*'], 'oax/y'), false);
    assert.equal(formatReset(61_000), '1m1s');
    assert.equal(formatReset(0), '0s');
  } finally { await l.close(); }
});

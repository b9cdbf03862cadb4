import { test } from 'node:test';
import assert from 'node:assert/strict';
import { responseId } from '../../../../server/dialects/ids.js';

test('response ids carry their prefix and never repeat', () => {
  const ids = new Set(Array.from({ length: 10_000 }, () => responseId('chatcmpl')));
  assert.equal(ids.size, 10_000);
  for (const id of [...ids].slice(0, 5)) assert.match(id, /^chatcmpl-[A-Za-z0-9_-]{12}[0-9a-z]+$/);
  assert.match(responseId('msg', '_'), /^msg_/);
});

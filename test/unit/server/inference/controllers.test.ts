import { test } from 'node:test';
import assert from 'node:assert/strict';
import { giveBackController, takeController } from '../../../../server/inference/controllers.js';

test('a controller that never fired and has no listeners left is handed out again', () => {
  const a = takeController();
  const onAbort = () => undefined;
  a.signal.addEventListener('abort', onAbort);
  a.signal.removeEventListener('abort', onAbort);
  giveBackController(a);
  const b = takeController();
  assert.equal(b, a);
  assert.equal(b.signal.aborted, false);
});

test('a controller whose signal fired, or that someone still listens to, is never reused', () => {
  const [fired, listened, withHandler] = [takeController(), takeController(), takeController()];
  fired.abort();
  listened.signal.addEventListener('abort', () => undefined);
  withHandler.signal.onabort = () => undefined;
  for (const c of [fired, listened, withHandler]) giveBackController(c);
  const next = [takeController(), takeController(), takeController()];
  for (const c of next) {
    assert.notEqual(c, fired); assert.notEqual(c, listened); assert.notEqual(c, withHandler);
    assert.equal(c.signal.aborted, false);
  }
});

test('at most 64 controllers wait for reuse', () => {
  const many = Array.from({ length: 80 }, () => takeController());
  for (const c of many) giveBackController(c);
  const back = new Set(Array.from({ length: 80 }, () => takeController()));
  assert.equal([...back].filter((c) => many.includes(c)).length, 64);
});

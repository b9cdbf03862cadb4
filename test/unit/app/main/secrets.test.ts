import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSecretBox, decideSecretProtection, type SafeStorageLike } from '../../../../app/main/secrets.js';

/** A reversible fake of safeStorage (XOR), standing in for the OS key store. */
function fakeStorage(opts: { available: boolean; backend?: string }): SafeStorageLike & { calls: string[] } {
  const calls: string[] = [];
  const xor = (b: Buffer) => Buffer.from(b.map((x) => x ^ 0x5a));
  return {
    calls,
    isEncryptionAvailable: () => opts.available,
    encryptString: (s) => { calls.push('encrypt'); return xor(Buffer.from(s, 'utf8')); },
    decryptString: (b) => { calls.push('decrypt'); return xor(b).toString('utf8'); },
    ...(opts.backend ? { getSelectedStorageBackend: () => opts.backend! } : {}),
  };
}

test('OS key stores give os-encrypted without a warning', () => {
  assert.deepEqual(decideSecretProtection({ platform: 'darwin', encryptionAvailable: true }), { protection: 'os-encrypted' });
  assert.deepEqual(decideSecretProtection({ platform: 'win32', encryptionAvailable: true }), { protection: 'os-encrypted' });
  for (const backend of ['gnome_libsecret', 'kwallet', 'kwallet5', 'kwallet6']) {
    assert.deepEqual(decideSecretProtection({ platform: 'linux', encryptionAvailable: true, backend }), { protection: 'os-encrypted' }, backend);
  }
});

test('Linux basic_text is flagged with a visible plaintext warning', () => {
  const d = decideSecretProtection({ platform: 'linux', encryptionAvailable: true, backend: 'basic_text' });
  assert.equal(d.protection, 'obfuscated');
  assert.equal(d.warning?.code, 'SECRETS_PLAINTEXT');
  assert.match(d.warning!.message, /keyring/i);
  assert.equal(decideSecretProtection({ platform: 'linux', encryptionAvailable: true, backend: 'unknown' }).protection, 'obfuscated');
});

test('no encryption at all: nothing may be written, with a warning', () => {
  const d = decideSecretProtection({ platform: 'linux', encryptionAvailable: false });
  assert.equal(d.protection, 'unavailable');
  assert.equal(d.warning?.code, 'SECRETS_UNAVAILABLE');
  const box = createSecretBox(fakeStorage({ available: false }), 'linux');
  assert.throws(() => box.seal('sk-secret'), /cannot be stored/);
});

test('a box seals and opens, and a sealed value does not contain the secret', () => {
  const storage = fakeStorage({ available: true, backend: 'gnome_libsecret' });
  const box = createSecretBox(storage, 'linux');
  assert.equal(box.decision.protection, 'os-encrypted');
  const sealed = box.seal('sk-live-0123456789');
  assert.ok(box.isSealed(sealed));
  assert.ok(!sealed.includes('sk-live'));
  assert.equal(box.open(sealed), 'sk-live-0123456789');
  assert.deepEqual(storage.calls, ['encrypt', 'decrypt']);
  assert.throws(() => box.open('sk-live-0123456789'), /not a sealed secret/);
  assert.equal(box.isSealed('sk-live-0123456789'), false);
});

test('the box asks Linux for its backend and warns on basic_text', () => {
  const box = createSecretBox(fakeStorage({ available: true, backend: 'basic_text' }), 'linux');
  assert.equal(box.decision.protection, 'obfuscated');
  assert.equal(box.decision.warning?.code, 'SECRETS_PLAINTEXT');
  assert.equal(box.open(box.seal('k')), 'k', 'still sealed (obfuscated), still works');
});

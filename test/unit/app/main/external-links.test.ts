import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSafeExternalUrl } from '../../../../app/main/external-links.js';

test('https URLs are allowed', () => {
  assert.equal(isSafeExternalUrl('https://huggingface.co/models?q=llama'), true);
  assert.equal(isSafeExternalUrl('https://example.com'), true);
  assert.equal(isSafeExternalUrl('HTTPS://EXAMPLE.COM/a'), true, 'the scheme is case-insensitive');
});

test('file:, javascript: and http: are refused', () => {
  assert.equal(isSafeExternalUrl('file:///etc/passwd'), false);
  assert.equal(isSafeExternalUrl('file://server/share/x.exe'), false);
  assert.equal(isSafeExternalUrl('javascript:alert(1)'), false);
  assert.equal(isSafeExternalUrl('JaVaScRiPt:alert(1)'), false);
  assert.equal(isSafeExternalUrl('http://example.com/'), false);
  assert.equal(isSafeExternalUrl('http://127.0.0.1:7433/'), false);
});

test('other schemes and malformed input are refused', () => {
  for (const u of [
    'data:text/html,<script>alert(1)</script>', 'smb://host/share', 'ms-settings:', 'vbscript:msgbox', 'ftp://x.example/',
    'mailto:a@b.c', 'chrome://settings', 'about:blank', '//evil.example/', '/relative', 'https:', 'https://', 'not a url', '',
  ]) assert.equal(isSafeExternalUrl(u), false, u);
  for (const v of [undefined, null, 42, {}, ['https://example.com']]) assert.equal(isSafeExternalUrl(v), false, String(v));
});

test('credentials, whitespace and control characters are refused', () => {
  assert.equal(isSafeExternalUrl('https://user:pass@example.com/'), false);
  assert.equal(isSafeExternalUrl('https://example.com/ --flag'), false);
  assert.equal(isSafeExternalUrl('https://example.com/\n'), false);
  assert.equal(isSafeExternalUrl(' https://example.com/'), false);
  assert.equal(isSafeExternalUrl('https://example.com/' + 'a'.repeat(3000)), false, 'overlong');
});

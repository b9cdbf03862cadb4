// Checks the committed images under resources/ (made by resources/generate-icons.mjs): each is a
// well-formed PNG (signature, chunk CRCs, IHDR, IDAT that inflates to the right size) with the
// sizes electron-builder and the tray need.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync, crc32 as zcrc32 } from 'node:zlib';
import { TRAY_ICONS, trayIconFile } from '../../../app/main/tray-state.js';

const RESOURCES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../resources');

function crc32(buf: Buffer): number {
  if (typeof zcrc32 === 'function') return zcrc32(buf) >>> 0;
  let c = 0xffffffff;
  for (const b of buf) { c ^= b; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; }
  return (c ^ 0xffffffff) >>> 0;
}

function readPng(file: string): { width: number; height: number; pixels: Buffer } {
  const buf = readFileSync(file);
  assert.deepEqual([...buf.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${file}: PNG signature`);
  let off = 8; let width = 0; let height = 0; const idat: Buffer[] = []; let ended = false;
  for (let i = 0; i < 1000 && off < buf.length; i++) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('ascii', off + 4, off + 8);
    const body = buf.subarray(off + 8, off + 8 + len);
    assert.equal(buf.readUInt32BE(off + 8 + len), crc32(buf.subarray(off + 4, off + 8 + len)), `${file}: ${type} CRC`);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0); height = body.readUInt32BE(4);
      assert.equal(body[8], 8, 'bit depth 8'); assert.equal(body[9], 6, 'RGBA');
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') { ended = true; break; }
    off += 12 + len;
  }
  assert.ok(ended, `${file}: IEND`);
  const raw = inflateSync(Buffer.concat(idat));
  assert.equal(raw.length, (width * 4 + 1) * height, `${file}: pixel data size`);
  return { width, height, pixels: raw };
}

test('the app icon is a 512x512 RGBA PNG (electron-builder makes .icns and .ico from it)', () => {
  const { width, height, pixels } = readPng(path.join(RESOURCES, 'icon.png'));
  assert.deepEqual([width, height], [512, 512]);
  const centre = (256 * (512 * 4 + 1)) + 1 + 256 * 4;
  assert.equal(pixels[centre + 3], 255, 'opaque in the middle');
});

test('each tray state has a 16x16 and a 32x32 (@2x) image, with transparent corners', () => {
  for (const icon of TRAY_ICONS) {
    for (const [scale, size] of [[1, 16], [2, 32]] as const) {
      const { width, height, pixels } = readPng(path.join(RESOURCES, trayIconFile(icon, scale)));
      assert.deepEqual([width, height], [size, size], `${icon}@${scale}`);
      assert.equal(pixels[1 + 3], 0, `${icon}@${scale}: top-left corner transparent`);
    }
  }
});

test('the tray states are told apart by colour', () => {
  const colour = (icon: string) => {
    const { pixels } = readPng(path.join(RESOURCES, trayIconFile(icon as (typeof TRAY_ICONS)[number], 2)));
    const i = 10 * (32 * 4 + 1) + 1 + 16 * 4; // a pixel in the flame's coloured upper body
    return [pixels[i], pixels[i + 1], pixels[i + 2]].join(',');
  };
  assert.equal(new Set(TRAY_ICONS.map(colour)).size, TRAY_ICONS.length);
});

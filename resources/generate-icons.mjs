#!/usr/bin/env node
// Owns the generated images under resources/: the app icon (icon.png, 512x512, which
// electron-builder converts to .icns/.ico) and the tray images (tray/<state>.png 16x16 and
// tray/<state>@2x.png 32x32). Draws a flame with 4x4 supersampling and writes RGBA PNGs with a
// minimal encoder (zlib only). Re-run after changing it: `node resources/generate-icons.mjs`.
import { writeFileSync, mkdirSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
/** Encodes RGBA pixels (Uint8Array, width*height*4) as a PNG (8-bit, color type 6, no filter). */
export function encodePng(width, height, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0); ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0;
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const hex = (h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)];

/** Inside a teardrop flame centred at (cx, top..bottom), half-width w: apex up, round base. */
function inFlame(x, y, cx, top, bottom, w) {
  if (y < top || y > bottom) return false;
  const t = Math.acos(1 - (2 * (y - top)) / (bottom - top)); // 0 at the apex, PI at the base
  const half = w * Math.sin(t) * Math.pow(Math.sin(t / 2), 1.5) * 1.3;
  return Math.abs(x - cx) <= half;
}
function inRoundedSquare(x, y, size, r) {
  const qx = Math.max(r - x, 0, x - (size - r)), qy = Math.max(r - y, 0, y - (size - r));
  return qx * qx + qy * qy <= r * r;
}

/** Renders `size`x`size` pixels; `paint(x, y)` returns [r,g,b,a] or null for a sub-sample. */
function render(size, paint, ss = 4) {
  const out = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) for (let px = 0; px < size; px++) {
    let r = 0, g = 0, b = 0, a = 0;
    for (let sy = 0; sy < ss; sy++) for (let sx = 0; sx < ss; sx++) {
      const c = paint((px + (sx + 0.5) / ss) / size, (py + (sy + 0.5) / ss) / size);
      if (!c) continue;
      const ca = c[3] / 255;
      r += c[0] * ca; g += c[1] * ca; b += c[2] * ca; a += ca;
    }
    const i = (py * size + px) * 4;
    if (a > 0) { out[i] = Math.round(r / a); out[i + 1] = Math.round(g / a); out[i + 2] = Math.round(b / a); }
    out[i + 3] = Math.round((a / (ss * ss)) * 255);
  }
  return out;
}

const appIcon = (x, y) => {
  if (!inRoundedSquare(x, y, 1, 0.2)) return null;
  if (inFlame(x, y, 0.5, 0.42, 0.78, 0.1)) return [...hex('#fde68a'), 255];
  if (inFlame(x, y, 0.5, 0.16, 0.84, 0.22)) return [...hex('#f97316'), 255];
  if (y > 0.84 && y < 0.88 && Math.abs(x - 0.5) < 0.26) return [...hex('#a8a29e'), 255];
  return [...hex('#292524'), 255];
};

export const TRAY_COLORS = { ready: '#22c55e', busy: '#f59e0b', loading: '#3b82f6', error: '#ef4444', stopped: '#9ca3af' };
const trayIcon = (color) => (x, y) => {
  if (inFlame(x, y, 0.5, 0.04, 0.96, 0.3)) {
    return inFlame(x, y, 0.5, 0.5, 0.9, 0.12) ? [255, 255, 255, 235] : [...hex(color), 255];
  }
  return null;
};

const dir = new URL('.', import.meta.url);
mkdirSync(new URL('tray/', dir), { recursive: true });
writeFileSync(new URL('icon.png', dir), encodePng(512, 512, render(512, appIcon, 3)));
for (const [name, color] of Object.entries(TRAY_COLORS)) {
  writeFileSync(new URL(`tray/${name}.png`, dir), encodePng(16, 16, render(16, trayIcon(color), 8)));
  writeFileSync(new URL(`tray/${name}@2x.png`, dir), encodePng(32, 32, render(32, trayIcon(color), 8)));
}

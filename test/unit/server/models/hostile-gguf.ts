// Owns the hostile GGUF fixtures for the model tests: each is the valid tiny model with one field forged.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureModel } from '../../../support/make-model.js';

/** Offset just after the GGUF string `s` (its u64 length and bytes) in `buf`. */
export function afterString(buf: Buffer, s: string): number {
  const len = Buffer.alloc(8); len.writeBigUInt64LE(BigInt(Buffer.byteLength(s)));
  const needle = Buffer.concat([len, Buffer.from(s, 'utf8')]);
  const at = buf.indexOf(needle);
  if (at < 0) throw new Error(`string ${s} not found`);
  return at + needle.length;
}

export type HostileCase = 'wrong-magic' | 'truncated-header' | 'tensor-past-eof' | 'array-count-2^40' | 'string-length-2^63';

/** Forges one hostile case from the tiny model's bytes; returns the bytes and the expected reason pattern. */
export function hostileBytes(kind: HostileCase): { bytes: Buffer; reason: RegExp } {
  const buf = Buffer.from(readFileSync(ensureModel('tiny')));
  switch (kind) {
    case 'wrong-magic':
      buf.write('GGML', 0, 'latin1');
      return { bytes: buf, reason: /wrong magic/ };
    case 'truncated-header':
      return { bytes: buf.subarray(0, 200), reason: /^truncated header/ };
    case 'tensor-past-eof': {
      // name, then u32 n_dims (2), 2 × u64 dims, u32 type, u64 offset
      const at = afterString(buf, 'output.weight') + 4 + 16 + 4;
      buf.writeBigUInt64LE(0x4000_0000n, at);
      return { bytes: buf, reason: /tensor output\.weight extends past end of file/ };
    }
    case 'array-count-2^40': {
      // key, then u32 type (9 = array), u32 element type, u64 count
      const at = afterString(buf, 'tokenizer.ggml.scores') + 8;
      buf.writeBigUInt64LE(2n ** 40n, at);
      return { bytes: buf, reason: /array "tokenizer\.ggml\.scores" count 1099511627776 exceeds/ };
    }
    case 'string-length-2^63': {
      // key, then u32 type (8 = string), u64 length
      const at = afterString(buf, 'general.name') + 4;
      buf.writeBigUInt64LE(2n ** 63n, at);
      return { bytes: buf, reason: /length 9223372036854775808 exceeds/ };
    }
  }
}

export const HOSTILE_CASES: HostileCase[] = ['wrong-magic', 'truncated-header', 'tensor-past-eof', 'array-count-2^40', 'string-length-2^63'];

/** Writes every hostile case into `dir` as `<case>.gguf` (names made safe); returns name → expected reason. */
export function writeHostileModels(dir: string): Map<string, RegExp> {
  const out = new Map<string, RegExp>();
  for (const c of HOSTILE_CASES) {
    const name = 'hostile-' + c.replace('^', 'p');
    const { bytes, reason } = hostileBytes(c);
    writeFileSync(path.join(dir, name + '.gguf'), bytes);
    out.set(name, reason);
  }
  return out;
}

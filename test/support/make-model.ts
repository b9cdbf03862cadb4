// Owns the project's own test and benchmark models: writes a deterministic random-weight
// llama-architecture GGUF (SPM vocabulary with unique tokens, byte fallback, ChatML chat template).
import { createHash } from 'node:crypto';
import { mkdirSync, existsSync, renameSync, openSync, writeSync, fsyncSync, closeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Shape of a generated model. */
export interface ModelSpec {
  /** Embedding width. */
  embd: number;
  /** Transformer blocks. */
  layers: number;
  /** Attention heads (query). */
  heads: number;
  /** Attention heads (key/value). */
  headsKv: number;
  /** Feed-forward width. */
  ff: number;
  /** Vocabulary size (at least 5 + 256 + 95). */
  vocab: number;
  /** Trained context length written to the metadata. */
  contextLength: number;
  /** Storage type of the 2-D weight matrices. */
  weightType: WeightType;
  /** PRNG seed: same seed, same bytes. */
  seed: number;
  /** When set, the extra vocabulary pieces are this many characters long and only they are ever generated (large stream chunks). */
  pieceLength?: number;
}

/** Storage types the writer can encode: float, and the two simplest llama.cpp block quantizations. */
export type WeightType = 'f32' | 'f16' | 'q8_0' | 'q4_0';
/** ggml type id, block length (elements) and block bytes of each. */
const GGML: Record<WeightType, { id: number; block: number; bytes: number }> = {
  f32: { id: 0, block: 1, bytes: 4 }, f16: { id: 1, block: 1, bytes: 2 }, q4_0: { id: 2, block: 32, bytes: 18 }, q8_0: { id: 8, block: 32, bytes: 34 },
};
/** general.file_type ("mostly X") for each weight type. */
const FILE_TYPE: Record<WeightType, number> = { f32: 0, f16: 1, q4_0: 2, q8_0: 7 };

/** The named sizes: "tiny" (~0.3 MB) for tests, "bench" (~120 MB) for benchmarks. */
export const MODEL_SPECS = {
  tiny: { embd: 64, layers: 2, heads: 4, headsKv: 4, ff: 128, vocab: 384, contextLength: 16384, weightType: 'f16', seed: 42 },
  /** Like tiny with Q8_0 / Q4_0 weights: quantized block layouts as real models ship them. */
  'tiny-q8': { embd: 64, layers: 2, heads: 4, headsKv: 4, ff: 128, vocab: 384, contextLength: 4096, weightType: 'q8_0', seed: 44 },
  'tiny-q4': { embd: 64, layers: 2, heads: 4, headsKv: 4, ff: 128, vocab: 384, contextLength: 4096, weightType: 'q4_0', seed: 45 },
  /** Like tiny, but every generated token is 4 KB of text: fills socket buffers fast (slow-reader tests). */
  wide: { embd: 64, layers: 2, heads: 4, headsKv: 4, ff: 128, vocab: 421, contextLength: 4096, weightType: 'f16', seed: 43, pieceLength: 4096 },
  bench: { embd: 512, layers: 8, heads: 8, headsKv: 8, ff: 1408, vocab: 32000, contextLength: 4096, weightType: 'f16', seed: 7 },
} as const satisfies Record<string, ModelSpec>;

export type ModelSize = keyof typeof MODEL_SPECS;

export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const GGUF_TYPE = { u8: 0, i8: 1, u16: 2, i16: 3, u32: 4, i32: 5, f32: 6, bool: 7, str: 8, arr: 9, u64: 10, i64: 11, f64: 12 } as const;
const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, byte: 6 } as const;
const ALIGN = 32;

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const f32buf = new Float32Array(1);
const u32view = new Uint32Array(f32buf.buffer);
function toHalf(v: number): number {
  f32buf[0] = v;
  const x = u32view[0]!;
  const sign = (x >>> 16) & 0x8000;
  let exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant = (mant | 0x800000) >> (1 - exp);
    return sign | (mant >> 13);
  }
  if (exp >= 31) return sign | 0x7c00;
  // round to nearest
  mant += 0x1000;
  if (mant & 0x800000) { mant = 0; exp += 1; if (exp >= 31) return sign | 0x7c00; }
  return sign | (exp << 10) | (mant >> 13);
}

interface TensorPlan { name: string; dims: number[]; type: WeightType; fill: (i: number, rand: () => number) => number }

/** Encodes `values` (a multiple of 32 long) as Q8_0 or Q4_0 blocks, as ggml's reference quantizers do. */
function quantize(values: Float32Array, type: 'q8_0' | 'q4_0'): Buffer {
  const { bytes } = GGML[type];
  const out = Buffer.alloc((values.length / 32) * bytes);
  for (let b = 0; b < values.length / 32; b++) {
    const x = values.subarray(b * 32, b * 32 + 32);
    const o = b * bytes;
    if (type === 'q8_0') {
      let amax = 0;
      for (const v of x) amax = Math.max(amax, Math.abs(v));
      const d = amax / 127; const id = d ? 1 / d : 0;
      out.writeUInt16LE(toHalf(d), o);
      for (let j = 0; j < 32; j++) out.writeInt8(Math.round(x[j]! * id), o + 2 + j);
    } else {
      let max = 0;
      for (const v of x) if (Math.abs(v) > Math.abs(max)) max = v;
      const d = max / -8; const id = d ? 1 / d : 0;
      out.writeUInt16LE(toHalf(d), o);
      const q = (v: number) => Math.min(15, Math.floor(v * id + 8.5));
      for (let j = 0; j < 16; j++) out.writeUInt8(q(x[j]!) | (q(x[j + 16]!) << 4), o + 2 + j);
    }
  }
  return out;
}

/** Builds the vocabulary: specials, 256 byte tokens, printable single chars, then unique pieces. */
export function buildVocab(size: number, pieceLength?: number): { tokens: string[]; scores: number[]; types: number[]; firstPiece: number } {
  const tokens = ['<unk>', '<s>', '</s>', '<|im_start|>', '<|im_end|>'];
  const types: number[] = [TOKEN_TYPE.unknown, TOKEN_TYPE.control, TOKEN_TYPE.control, TOKEN_TYPE.control, TOKEN_TYPE.control];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(TOKEN_TYPE.byte);
  }
  for (let c = 0x21; c < 0x7f; c++) { tokens.push(String.fromCharCode(c)); types.push(TOKEN_TYPE.normal); }
  tokens.push('\u2581'); types.push(TOKEN_TYPE.normal);
  const firstPiece = tokens.length;
  const letters = 'etaoinshrdlucmfwypvbgkjqxz';
  let n = 0;
  const seen = new Set(tokens);
  while (tokens.length < size) {
    let w = ''; let k = n++;
    do { w += letters[k % 26]; k = Math.floor(k / 26); } while (k > 0);
    const piece = pieceLength ? `${w}_${'x'.repeat(pieceLength - w.length - 1)}` : (n % 3 === 0 ? w : '\u2581' + w);
    if (piece.length > 1 && !seen.has(piece)) { seen.add(piece); tokens.push(piece); types.push(TOKEN_TYPE.normal); }
  }
  if (tokens.length > size) throw new Error(`vocab ${size} is too small`);
  const scores = tokens.map((t, i) => (types[i] === TOKEN_TYPE.normal ? -Math.log(2 + i) - t.length * 0.01 : 0));
  return { tokens, scores, types, firstPiece };
}

/** Serialises a GGUF file for `spec` and returns its bytes. */
export function buildGguf(spec: ModelSpec, name = 'hearth-test'): Buffer {
  const { tokens, scores, types, firstPiece } = buildVocab(spec.vocab, spec.pieceLength);
  const generated = (row: number) => types[row] === TOKEN_TYPE.normal && (!spec.pieceLength || row >= firstPiece);
  const headDim = spec.embd / spec.heads;
  const kvDim = headDim * spec.headsKv;
  const parts: Buffer[] = [];
  const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
  const i32 = (v: number) => { const b = Buffer.alloc(4); b.writeInt32LE(v); return b; };
  const u64 = (v: number) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return b; };
  const f32 = (v: number) => { const b = Buffer.alloc(4); b.writeFloatLE(v); return b; };
  const str = (s: string) => { const b = Buffer.from(s, 'utf8'); return Buffer.concat([u64(b.length), b]); };

  const kvs: Buffer[] = [];
  const kv = (key: string, type: number, value: Buffer) => kvs.push(Buffer.concat([str(key), u32(type), value]));
  const arr = (elemType: number, items: Buffer[]) => Buffer.concat([u32(elemType), u64(items.length), ...items]);
  kv('general.architecture', GGUF_TYPE.str, str('llama'));
  kv('general.name', GGUF_TYPE.str, str(name));
  kv('general.alignment', GGUF_TYPE.u32, u32(ALIGN));
  kv('general.file_type', GGUF_TYPE.u32, u32(FILE_TYPE[spec.weightType]));
  kv('llama.context_length', GGUF_TYPE.u32, u32(spec.contextLength));
  kv('llama.embedding_length', GGUF_TYPE.u32, u32(spec.embd));
  kv('llama.block_count', GGUF_TYPE.u32, u32(spec.layers));
  kv('llama.feed_forward_length', GGUF_TYPE.u32, u32(spec.ff));
  kv('llama.attention.head_count', GGUF_TYPE.u32, u32(spec.heads));
  kv('llama.attention.head_count_kv', GGUF_TYPE.u32, u32(spec.headsKv));
  kv('llama.attention.layer_norm_rms_epsilon', GGUF_TYPE.f32, f32(1e-5));
  kv('llama.rope.dimension_count', GGUF_TYPE.u32, u32(headDim));
  kv('llama.rope.freq_base', GGUF_TYPE.f32, f32(10000));
  kv('llama.vocab_size', GGUF_TYPE.u32, u32(tokens.length));
  kv('tokenizer.ggml.model', GGUF_TYPE.str, str('llama'));
  kv('tokenizer.ggml.tokens', GGUF_TYPE.arr, arr(GGUF_TYPE.str, tokens.map(str)));
  kv('tokenizer.ggml.scores', GGUF_TYPE.arr, arr(GGUF_TYPE.f32, scores.map(f32)));
  kv('tokenizer.ggml.token_type', GGUF_TYPE.arr, arr(GGUF_TYPE.i32, types.map(i32)));
  kv('tokenizer.ggml.unknown_token_id', GGUF_TYPE.u32, u32(0));
  kv('tokenizer.ggml.bos_token_id', GGUF_TYPE.u32, u32(1));
  kv('tokenizer.ggml.eos_token_id', GGUF_TYPE.u32, u32(4));
  kv('tokenizer.ggml.add_bos_token', GGUF_TYPE.bool, Buffer.from([1]));
  kv('tokenizer.ggml.add_eos_token', GGUF_TYPE.bool, Buffer.from([0]));
  kv('tokenizer.chat_template', GGUF_TYPE.str, str(CHATML_TEMPLATE));

  const wt = spec.weightType;
  const sd = (fanIn: number) => 1 / Math.sqrt(fanIn);
  const uni = (s: number) => (r: () => number) => (r() * 2 - 1) * s * Math.sqrt(3);
  const outScale = 6 / Math.sqrt(spec.embd);
  const tensors: TensorPlan[] = [
    { name: 'token_embd.weight', dims: [spec.embd, tokens.length], type: wt, fill: (_i, r) => uni(1)(r) },
  ];
  for (let l = 0; l < spec.layers; l++) {
    const p = `blk.${l}.`;
    tensors.push(
      { name: p + 'attn_norm.weight', dims: [spec.embd], type: 'f32', fill: () => 1 },
      { name: p + 'attn_q.weight', dims: [spec.embd, spec.embd], type: wt, fill: (_i, r) => uni(sd(spec.embd))(r) },
      { name: p + 'attn_k.weight', dims: [spec.embd, kvDim], type: wt, fill: (_i, r) => uni(sd(spec.embd))(r) },
      { name: p + 'attn_v.weight', dims: [spec.embd, kvDim], type: wt, fill: (_i, r) => uni(sd(spec.embd))(r) },
      { name: p + 'attn_output.weight', dims: [spec.embd, spec.embd], type: wt, fill: (_i, r) => uni(sd(spec.embd) * 0.5)(r) },
      { name: p + 'ffn_norm.weight', dims: [spec.embd], type: 'f32', fill: () => 1 },
      { name: p + 'ffn_gate.weight', dims: [spec.embd, spec.ff], type: wt, fill: (_i, r) => uni(sd(spec.embd))(r) },
      { name: p + 'ffn_up.weight', dims: [spec.embd, spec.ff], type: wt, fill: (_i, r) => uni(sd(spec.embd))(r) },
      { name: p + 'ffn_down.weight', dims: [spec.ff, spec.embd], type: wt, fill: (_i, r) => uni(sd(spec.ff) * 0.5)(r) },
    );
  }
  tensors.push({ name: 'output_norm.weight', dims: [spec.embd], type: 'f32', fill: () => 1 });
  // Output rows: only normal (printable) tokens get weight, so generation yields readable text
  // and never an end-of-generation token.
  tensors.push({
    name: 'output.weight', dims: [spec.embd, tokens.length], type: wt,
    fill: (i, r) => { const row = Math.floor(i / spec.embd); const v = uni(outScale)(r); return generated(row) ? v : 0; },
  });

  const rand = rng(spec.seed);
  const datas: Buffer[] = [];
  const infos: Buffer[] = [];
  let offset = 0;
  for (const t of tensors) {
    const count = t.dims.reduce((a, b) => a * b, 1);
    let buf: Buffer;
    if (t.type === 'f16') { buf = Buffer.alloc(count * 2); for (let i = 0; i < count; i++) buf.writeUInt16LE(toHalf(t.fill(i, rand)), i * 2); }
    else if (t.type === 'f32') { buf = Buffer.alloc(count * 4); for (let i = 0; i < count; i++) buf.writeFloatLE(t.fill(i, rand), i * 4); }
    else { const v = new Float32Array(count); for (let i = 0; i < count; i++) v[i] = t.fill(i, rand); buf = quantize(v, t.type); }
    const bytes = buf.length;
    infos.push(Buffer.concat([str(t.name), u32(t.dims.length), ...t.dims.map(u64), u32(GGML[t.type].id), u64(offset)]));
    const padded = Math.ceil(bytes / ALIGN) * ALIGN;
    datas.push(buf, Buffer.alloc(padded - bytes));
    offset += padded;
  }
  const header = Buffer.concat([Buffer.from('GGUF', 'ascii'), u32(3), u64(tensors.length), u64(kvs.length), ...kvs, ...infos]);
  const pad = Buffer.alloc((ALIGN - (header.length % ALIGN)) % ALIGN);
  parts.push(header, pad, ...datas);
  return Buffer.concat(parts);
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where generated models are cached (never committed). Defaults to `<repo>/.cache/models`. */
export const MODEL_CACHE_DIR = process.env.HEARTH_TEST_MODEL_DIR ?? path.join(repoRoot, '.cache', 'models');

/**
 * Returns the path of the named model, writing it on first use.
 * The file name carries a hash of the spec, so a changed spec never reuses a stale file.
 */
export function ensureModel(size: ModelSize, dir = MODEL_CACHE_DIR): string {
  const spec: ModelSpec = MODEL_SPECS[size];
  const tag = createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 8);
  const file = path.join(dir, `hearth-${size}-${tag}.gguf`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try { writeSync(fd, buildGguf(spec, `hearth-${size}`)); fsyncSync(fd); } finally { closeSync(fd); }
  renameSync(tmp, file);
  return file;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const size = (process.argv[2] ?? 'tiny') as ModelSize;
  if (!(size in MODEL_SPECS)) { console.error(`usage: make-model [${Object.keys(MODEL_SPECS).join('|')}]`); process.exit(2); }
  console.log(ensureModel(size));
}

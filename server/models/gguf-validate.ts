// Owns GGUF pre-validation: a pure TypeScript walk over a GGUF file's header, key-values and
// tensor infos with bounded reads (a small window through a file handle, never the whole file),
// checking every count, length, type, shape and offset before llama.cpp or node-llama-cpp's
// reader ever sees the file. Mirrors the checks of ggml's gguf.cpp, with tighter bounds.
import { open, type FileHandle } from 'node:fs/promises';

/** Limits applied while walking a file. */
export const GGUF_LIMITS = {
  maxKv: 65_536,
  maxTensors: 1_000_000,
  maxStringBytes: 1024 * 1024,
  maxArrayElements: 16 * 1024 * 1024,
  /** ggml's GGML_MAX_NAME: a tensor name must be shorter than this. */
  maxTensorNameBytes: 64,
  maxDims: 4,
  /** Elements in one tensor (2^50 is far beyond any real model and keeps arithmetic exact). */
  maxTensorElements: 2 ** 50,
  /** Largest general.alignment accepted. */
  maxAlignment: 1 << 20,
} as const;

/** GGUF metadata value types. */
const VT = { U8: 0, I8: 1, U16: 2, I16: 3, U32: 4, I32: 5, F32: 6, BOOL: 7, STR: 8, ARR: 9, U64: 10, I64: 11, F64: 12 } as const;
const FIXED_SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

/** ggml tensor types: [name, elements per block, bytes per block], from ggml.h / ggml-common.h. */
export const GGML_TYPES: Readonly<Record<number, readonly [string, number, number]>> = {
  0: ['F32', 1, 4], 1: ['F16', 1, 2], 2: ['Q4_0', 32, 18], 3: ['Q4_1', 32, 20],
  6: ['Q5_0', 32, 22], 7: ['Q5_1', 32, 24], 8: ['Q8_0', 32, 34], 9: ['Q8_1', 32, 36],
  10: ['Q2_K', 256, 84], 11: ['Q3_K', 256, 110], 12: ['Q4_K', 256, 144], 13: ['Q5_K', 256, 176],
  14: ['Q6_K', 256, 210], 15: ['Q8_K', 256, 292],
  16: ['IQ2_XXS', 256, 66], 17: ['IQ2_XS', 256, 74], 18: ['IQ3_XXS', 256, 98], 19: ['IQ1_S', 256, 50],
  20: ['IQ4_NL', 32, 18], 21: ['IQ3_S', 256, 110], 22: ['IQ2_S', 256, 82], 23: ['IQ4_XS', 256, 136],
  24: ['I8', 1, 1], 25: ['I16', 1, 2], 26: ['I32', 1, 4], 27: ['I64', 1, 8], 28: ['F64', 1, 8],
  29: ['IQ1_M', 256, 56], 30: ['BF16', 1, 2],
  34: ['TQ1_0', 256, 54], 35: ['TQ2_0', 256, 66],
  39: ['MXFP4', 32, 17], 40: ['NVFP4', 64, 36], 41: ['Q1_0', 128, 18], 42: ['Q2_0', 64, 18],
};

/** llama.cpp `general.file_type` names (LLAMA_FTYPE_*). */
const FILE_TYPES: Readonly<Record<number, string>> = {
  0: 'F32', 1: 'F16', 2: 'Q4_0', 3: 'Q4_1', 7: 'Q8_0', 8: 'Q5_0', 9: 'Q5_1', 10: 'Q2_K', 11: 'Q3_K_S', 12: 'Q3_K_M',
  13: 'Q3_K_L', 14: 'Q4_K_S', 15: 'Q4_K_M', 16: 'Q5_K_S', 17: 'Q5_K_M', 18: 'Q6_K', 19: 'IQ2_XXS', 20: 'IQ2_XS',
  21: 'Q2_K_S', 22: 'IQ3_XS', 23: 'IQ3_XXS', 24: 'IQ1_S', 25: 'IQ4_NL', 26: 'IQ3_S', 27: 'IQ3_M', 28: 'IQ2_S',
  29: 'IQ2_M', 30: 'IQ4_XS', 31: 'IQ1_M', 32: 'BF16', 36: 'TQ1_0', 37: 'TQ2_0', 38: 'MXFP4_MOE', 39: 'NVFP4',
  40: 'Q1_0', 41: 'Q2_0',
};

/** The quantization name of a `general.file_type` value, when known. */
export function fileTypeName(fileType: number | undefined): string | undefined {
  return fileType === undefined ? undefined : FILE_TYPES[fileType];
}

/** What pre-validation read from the header. */
export interface GgufHeaderInfo {
  version: number;
  kvCount: number;
  tensorCount: number;
  architecture?: string;
  name?: string;
  contextLength?: number;
  layers?: number;
  embeddingLength?: number;
  headCount?: number;
  headCountKv?: number;
  fileType?: number;
  quantization?: string;
  alignment: number;
  hasChatTemplate: boolean;
  /** Sum of the tensors' elements. */
  parameterCount: number;
  /** Offset of the tensor data section. */
  dataOffset: number;
  fileSize: number;
}

export type GgufValidation = { valid: true; info: GgufHeaderInfo } | { valid: false; reason: string };

class Invalid extends Error {}
function fail(reason: string): never { throw new Invalid(reason); }

const WINDOW = 64 * 1024;

/** Sequential reader over a file handle with bounds checks and a small read window. */
class BoundedReader {
  pos = 0;
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  constructor(private readonly fh: FileHandle, readonly size: number) {}

  remaining(): number { return this.size - this.pos; }

  /** Ensures `n` bytes at `pos` are in the window; `what` names the field for the error. */
  private async need(n: number, what: string): Promise<void> {
    if (n > this.remaining()) fail(`truncated header: ${what} extends past end of file`);
    if (this.pos >= this.bufStart && this.pos + n <= this.bufStart + this.buf.length) return;
    const len = Math.min(Math.max(n, WINDOW), this.remaining());
    const b = Buffer.alloc(len);
    let got = 0;
    while (got < len) {
      const { bytesRead } = await this.fh.read(b, got, len - got, this.pos + got);
      if (bytesRead === 0) fail(`truncated header: ${what} extends past end of file`);
      got += bytesRead;
    }
    this.buf = b;
    this.bufStart = this.pos;
  }

  async bytes(n: number, what: string): Promise<Buffer> {
    await this.need(n, what);
    const off = this.pos - this.bufStart;
    this.pos += n;
    return this.buf.subarray(off, off + n);
  }
  async u32(what: string): Promise<number> { return (await this.bytes(4, what)).readUInt32LE(0); }
  async u64(what: string): Promise<bigint> { return (await this.bytes(8, what)).readBigUInt64LE(0); }
  skip(n: number, what: string): void {
    if (n > this.remaining()) fail(`truncated header: ${what} extends past end of file`);
    this.pos += n;
  }
  /** Reads a string's length and checks it; returns the length. */
  async strLen(what: string): Promise<number> {
    const len = await this.u64(`${what} length`);
    if (len > BigInt(GGUF_LIMITS.maxStringBytes)) fail(`${what} length ${len} exceeds the ${GGUF_LIMITS.maxStringBytes}-byte limit`);
    const n = Number(len);
    if (n > this.remaining()) fail(`truncated header: ${what} (${n} bytes) extends past end of file`);
    return n;
  }
  async str(what: string): Promise<string> {
    const n = await this.strLen(what);
    return (await this.bytes(n, what)).toString('utf8');
  }
  async skipStr(what: string): Promise<void> { this.skip(await this.strLen(what), what); }
}

/** Scalar metadata values kept for the info (strings only when short). */
type Scalar = number | bigint | string | boolean;

async function readScalar(r: BoundedReader, type: number, what: string, keep: boolean): Promise<Scalar | undefined> {
  if (type === VT.STR) {
    const n = await r.strLen(what);
    if (keep && n <= 4096) return (await r.bytes(n, what)).toString('utf8');
    r.skip(n, what);
    return undefined;
  }
  const size = FIXED_SIZE[type];
  if (size === undefined) return fail(`${what} has unknown value type ${type}`);
  const b = await r.bytes(size, what);
  switch (type) {
    case VT.U8: return b.readUInt8(0);
    case VT.I8: return b.readInt8(0);
    case VT.U16: return b.readUInt16LE(0);
    case VT.I16: return b.readInt16LE(0);
    case VT.U32: return b.readUInt32LE(0);
    case VT.I32: return b.readInt32LE(0);
    case VT.F32: return b.readFloatLE(0);
    case VT.BOOL: {
      const v = b.readUInt8(0);
      if (v > 1) fail(`${what} is a bool with value ${v}`);
      return v === 1;
    }
    case VT.U64: return b.readBigUInt64LE(0);
    case VT.I64: return b.readBigInt64LE(0);
    default: return b.readDoubleLE(0);
  }
}

const ARCH_KEYS = ['context_length', 'block_count', 'embedding_length', 'attention.head_count', 'attention.head_count_kv'] as const;

async function walk(r: BoundedReader): Promise<GgufHeaderInfo> {
  const magic = await r.bytes(4, 'header (magic)');
  if (magic.toString('latin1') !== 'GGUF') fail(`wrong magic ${JSON.stringify(magic.toString('latin1'))}, expected "GGUF"`);
  const version = await r.u32('header (version)');
  if (version !== 2 && version !== 3) fail(`unsupported GGUF version ${version} (2 or 3 are supported)`);
  const tensorCount64 = await r.u64('header (tensor count)');
  const kvCount64 = await r.u64('header (key-value count)');
  if (tensorCount64 > BigInt(GGUF_LIMITS.maxTensors)) fail(`tensor count ${tensorCount64} exceeds the limit of ${GGUF_LIMITS.maxTensors}`);
  if (kvCount64 > BigInt(GGUF_LIMITS.maxKv)) fail(`key-value count ${kvCount64} exceeds the limit of ${GGUF_LIMITS.maxKv}`);
  const tensorCount = Number(tensorCount64);
  const kvCount = Number(kvCount64);

  const kept = new Map<string, Scalar>();
  const keys = new Set<string>();
  let hasChatTemplate = false;
  let alignment = 32;
  for (let i = 0; i < kvCount; i++) {
    const key = await r.str(`key ${i}`);
    if (key.length === 0) fail(`key ${i} is empty`);
    if (keys.has(key)) fail(`duplicate key "${key}"`);
    keys.add(key);
    const type = await r.u32(`type of "${key}"`);
    if (type === VT.ARR) {
      const elemType = await r.u32(`element type of "${key}"`);
      if (elemType === VT.ARR) fail(`"${key}" is an array of arrays`);
      if (elemType !== VT.STR && FIXED_SIZE[elemType] === undefined) fail(`"${key}" has unknown element type ${elemType}`);
      const count64 = await r.u64(`array count of "${key}"`);
      if (count64 > BigInt(GGUF_LIMITS.maxArrayElements)) fail(`array "${key}" count ${count64} exceeds the limit of ${GGUF_LIMITS.maxArrayElements}`);
      const count = Number(count64);
      if (elemType === VT.STR) {
        // Each string costs at least its 8-byte length: refuse early when they cannot fit.
        if (count * 8 > r.remaining()) fail(`truncated header: array "${key}" of ${count} strings extends past end of file`);
        for (let j = 0; j < count; j++) await r.skipStr(`"${key}"[${j}]`);
      } else {
        const bytes = count * FIXED_SIZE[elemType]!;
        if (bytes > r.remaining()) fail(`truncated header: array "${key}" (${count} elements) extends past end of file`);
        r.skip(bytes, `array "${key}"`);
      }
      continue;
    }
    if (key === 'tokenizer.chat_template') {
      if (type !== VT.STR) fail('"tokenizer.chat_template" is not a string');
      await r.skipStr(`"${key}"`);
      hasChatTemplate = true;
      continue;
    }
    const keep = key.startsWith('general.') || key.includes('.');
    const v = await readScalar(r, type, `"${key}"`, keep);
    if (key === 'general.alignment') {
      if (type !== VT.U32 || typeof v !== 'number') fail('"general.alignment" must be a u32');
      const a = v as number;
      if (a === 0 || (a & (a - 1)) !== 0) fail(`alignment ${a} is not a power of two`);
      if (a > GGUF_LIMITS.maxAlignment) fail(`alignment ${a} exceeds the limit of ${GGUF_LIMITS.maxAlignment}`);
      alignment = a;
    }
    if (v !== undefined && keep) kept.set(key, v);
  }

  let parameterCount = 0;
  const tensors: { name: string; offset: bigint; nbytes: number }[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const nameLen = await r.strLen(`tensor ${i} name`);
    if (nameLen >= GGUF_LIMITS.maxTensorNameBytes) fail(`tensor ${i} name is ${nameLen} bytes (limit ${GGUF_LIMITS.maxTensorNameBytes - 1})`);
    const name = (await r.bytes(nameLen, `tensor ${i} name`)).toString('utf8');
    if (names.has(name)) fail(`duplicate tensor name "${name}"`);
    names.add(name);
    const nDims = await r.u32(`tensor ${name} dimension count`);
    if (nDims < 1 || nDims > GGUF_LIMITS.maxDims) fail(`tensor ${name} has ${nDims} dimensions (1..${GGUF_LIMITS.maxDims} allowed)`);
    const dims: number[] = [];
    let elements = 1;
    for (let d = 0; d < nDims; d++) {
      const dim = await r.u64(`tensor ${name} dimension ${d}`);
      if (dim === 0n) fail(`tensor ${name} has a zero dimension`);
      if (dim > BigInt(GGUF_LIMITS.maxTensorElements)) fail(`tensor ${name} dimension ${d} is too large (${dim})`);
      elements *= Number(dim);
      if (elements > GGUF_LIMITS.maxTensorElements) fail(`tensor ${name} has too many elements`);
      dims.push(Number(dim));
    }
    const ggmlType = await r.u32(`tensor ${name} type`);
    const t = GGML_TYPES[ggmlType];
    if (!t) fail(`tensor ${name} has unknown or removed ggml type ${ggmlType}`);
    const [typeName, blockSize, typeSize] = t;
    if (dims[0]! % blockSize !== 0) fail(`tensor ${name} row of ${dims[0]} elements is not a multiple of the ${typeName} block size ${blockSize}`);
    const offset = await r.u64(`tensor ${name} offset`);
    if (offset % BigInt(alignment) !== 0n) fail(`tensor ${name} offset ${offset} is not aligned to ${alignment}`);
    tensors.push({ name, offset, nbytes: (elements / blockSize) * typeSize });
    parameterCount += elements;
  }

  const dataOffset = Math.ceil(r.pos / alignment) * alignment;
  if (tensorCount > 0 && dataOffset > r.size) fail('truncated file: the tensor data section starts past end of file');
  const size = BigInt(r.size);
  for (const t of tensors) {
    const start = BigInt(dataOffset) + t.offset;
    if (start + BigInt(t.nbytes) > size) fail(`tensor ${t.name} extends past end of file`);
  }
  // Tensors may not overlap (gguf.cpp requires them packed in order; overlap means a forged offset).
  const sorted = [...tensors].sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!; const cur = sorted[i]!;
    if (prev.offset + BigInt(prev.nbytes) > cur.offset) fail(`tensor ${cur.name} overlaps tensor ${prev.name}`);
  }

  const str = (k: string) => { const v = kept.get(k); return typeof v === 'string' ? v : undefined; };
  const num = (k: string) => { const v = kept.get(k); return typeof v === 'number' ? v : typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined; };
  const architecture = str('general.architecture');
  const arch = (k: (typeof ARCH_KEYS)[number]) => (architecture ? num(`${architecture}.${k}`) : undefined);
  const fileType = num('general.file_type');
  return {
    version, kvCount, tensorCount,
    architecture, name: str('general.name'),
    contextLength: arch('context_length'), layers: arch('block_count'), embeddingLength: arch('embedding_length'),
    headCount: arch('attention.head_count'), headCountKv: arch('attention.head_count_kv'),
    fileType, quantization: fileTypeName(fileType),
    alignment, hasChatTemplate, parameterCount, dataOffset, fileSize: r.size,
  };
}

/**
 * Pre-validates the GGUF file at `file`. Never throws for a bad file (returns `{valid: false, reason}`);
 * throws only for I/O errors other than the file being short (e.g. ENOENT, EACCES).
 */
export async function validateGguf(file: string): Promise<GgufValidation> {
  const fh = await open(file, 'r');
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { valid: false, reason: 'not a regular file' };
    const info = await walk(new BoundedReader(fh, st.size));
    return { valid: true, info };
  } catch (err) {
    if (err instanceof Invalid) return { valid: false, reason: err.message };
    throw err;
  } finally {
    await fh.close();
  }
}

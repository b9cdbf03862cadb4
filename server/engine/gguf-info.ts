// Owns reading GGUF metadata through node-llama-cpp's reader for the model catalog. Callers must
// pass only files that server/models/gguf-validate.ts has accepted: this reader is not hardened.
import { readGgufFileInfo, GgufFileType } from 'node-llama-cpp';
import type { ModelMetadata } from '../contract/models.js';

/** Large arrays the catalog never needs (vocabularies): skipping them keeps the read small. */
const IGNORED_KEYS = ['tokenizer.ggml.tokens', 'tokenizer.ggml.scores', 'tokenizer.ggml.token_type', 'tokenizer.ggml.merges'];

const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'bigint' && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;

/** The catalog metadata of a pre-validated GGUF file, from node-llama-cpp's GGUF reader. */
export async function readGgufMetadata(file: string): Promise<ModelMetadata> {
  const info = await readGgufFileInfo(file, { sourceType: 'filesystem', logWarnings: false, ignoreKeys: IGNORED_KEYS, spliceSplitFiles: false });
  const general = info.metadata.general as unknown as Record<string, unknown>;
  const arch = (info.architectureMetadata ?? {}) as Record<string, unknown>;
  const attention = (arch.attention ?? {}) as Record<string, unknown>;
  let parameterCount = 0;
  for (const t of info.tensorInfo ?? []) parameterCount += t.dimensions.reduce<number>((a, d) => a * Number(d), 1);
  const fileType = num(general.file_type);
  const tokenizer = (info.metadata as unknown as { tokenizer?: { chat_template?: unknown } }).tokenizer;
  return {
    architecture: String(general.architecture ?? 'unknown'),
    displayName: typeof general.name === 'string' ? general.name : undefined,
    parameterCount: info.tensorInfo ? parameterCount : undefined,
    quantization: fileType !== undefined ? (GgufFileType[fileType]?.replace(/^(MOSTLY_|ALL_)/, '') ?? undefined) : undefined,
    contextLength: num(arch.context_length),
    layers: num(arch.block_count),
    embeddingLength: num(arch.embedding_length),
    headCount: num(attention.head_count),
    headCountKv: num(attention.head_count_kv),
    hasChatTemplate: typeof tokenizer?.chat_template === 'string' && tokenizer.chat_template.length > 0,
  };
}

// Owns the model catalog: the `*.gguf` files of the models directory, each pre-validated in
// TypeScript and, only when valid, described by node-llama-cpp's GGUF reader. Partial downloads
// (`*.partial`, `*.download`, temp files, dot files) are never listed. Results are cached by
// (path, mtime, size), so listing again re-reads only files that changed.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ModelMetadata, ModelRecord } from '../contract/models.js';
import { hearthError } from '../errors/catalog.js';
import { validateGguf, type GgufHeaderInfo } from './gguf-validate.js';
import { modelNameProblem, modelPath, nameFromFileName } from './names.js';

/** Reads metadata from a pre-validated file (node-llama-cpp's reader by default). */
export type MetadataReader = (file: string) => Promise<ModelMetadata>;

export interface CatalogOptions {
  /** Injected for tests; defaults to server/engine/gguf-info.ts (loaded on first use). */
  readMetadata?: MetadataReader;
}

const defaultReader: MetadataReader = async (file) => (await import('../engine/gguf-info.js')).readGgufMetadata(file);

interface CacheEntry { mtimeMs: number; size: number; record: ModelRecord }
const cache = new Map<string, CacheEntry>();

/** Forgets cached records (all, or one file's). */
export function invalidateCatalog(file?: string): void {
  if (file === undefined) cache.clear();
  else cache.delete(path.resolve(file));
}

/** Catalog metadata from the pre-validation info, used when the library reader fails. */
export function metadataFromHeader(info: GgufHeaderInfo): ModelMetadata {
  return {
    architecture: info.architecture ?? 'unknown',
    displayName: info.name,
    parameterCount: info.parameterCount,
    quantization: info.quantization,
    contextLength: info.contextLength,
    layers: info.layers,
    embeddingLength: info.embeddingLength,
    headCount: info.headCount,
    headCountKv: info.headCountKv,
    hasChatTemplate: info.hasChatTemplate,
  };
}

/** Builds the record for one file (validates first; the reader sees only valid files). */
async function describe(name: string, file: string, size: number, readMetadata: MetadataReader): Promise<ModelRecord> {
  const problem = modelNameProblem(name);
  if (problem) return { name, file, size, valid: false, reason: `file name is not a valid model name: ${problem}` };
  let v;
  try { v = await validateGguf(file); } catch (err) {
    return { name, file, size, valid: false, reason: `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
  }
  if (!v.valid) return { name, file, size, valid: false, reason: v.reason };
  let metadata: ModelMetadata;
  try { metadata = await readMetadata(file); } catch { metadata = metadataFromHeader(v.info); }
  return { name, file, size, valid: true, metadata };
}

/** Lists the models of `modelsDir` (a missing directory lists as empty), sorted by name. */
export async function listModels(modelsDir: string, opts: CatalogOptions = {}): Promise<ModelRecord[]> {
  const dir = path.resolve(modelsDir);
  const readMetadata = opts.readMetadata ?? defaultReader;
  let entries: string[];
  try { entries = await readdir(dir); } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: ModelRecord[] = [];
  for (const entry of entries.sort()) {
    const name = nameFromFileName(entry);
    if (name === null) continue;
    const file = path.join(dir, entry);
    let st;
    try { st = await stat(file); } catch { continue; } // vanished, or a dangling link
    if (!st.isFile()) continue;
    const hit = cache.get(file);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size && !opts.readMetadata) { out.push(hit.record); continue; }
    const record = { ...(await describe(name, file, st.size, readMetadata)), modifiedAt: st.mtime.toISOString() };
    if (!opts.readMetadata) cache.set(file, { mtimeMs: st.mtimeMs, size: st.size, record });
    out.push(record);
  }
  return out;
}

/**
 * The file of model `name` when it may be loaded: ERR_MODEL_NAME for a bad name, ERR_MODEL_NOT_FOUND
 * when absent, ERR_MODEL_INVALID (422) with the reason when pre-validation refuses it. The engine calls
 * this before any native load.
 */
export async function resolveLoadableModel(modelsDir: string, name: string): Promise<{ file: string; info: GgufHeaderInfo }> {
  return checkLoadableFile(modelPath(modelsDir, name), name);
}

/** Pre-validates `file` (any path, e.g. `--model ./x.gguf`) for model `name`, with the same errors. */
export async function checkLoadableFile(file: string, name: string): Promise<{ file: string; info: GgufHeaderInfo }> {
  let v;
  try { v = await validateGguf(file); } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw hearthError('ERR_MODEL_NOT_FOUND', `The model "${name}" does not exist.`);
    throw err;
  }
  if (!v.valid) throw hearthError('ERR_MODEL_INVALID', `The model "${name}" is not a valid GGUF file: ${v.reason}.`, { detail: { reason: v.reason } });
  return { file, info: v.info };
}

// Owns model names: a name is a GGUF file stem inside the models directory and nothing else.
// Every check here is pure string work, done before any filesystem call, so a hostile name
// (traversal, absolute path, NUL, Windows device name, overlong) never reaches `fs`.
import path from 'node:path';
import { hearthError } from '../errors/catalog.js';

/** File extension of a model file. */
export const MODEL_EXT = '.gguf';

/** Longest name in UTF-8 bytes, so that `<name>.gguf.partial` stays under the 255-byte file-name limit. */
export const MAX_MODEL_NAME_BYTES = 200;

const ALLOWED = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;

/** Why `name` is not a model name, or null when it is one. Pure; touches nothing. */
export function modelNameProblem(name: unknown): string | null {
  if (typeof name !== 'string') return 'the name must be a string';
  if (name.length === 0) return 'the name is empty';
  // Byte length first, so a huge name costs no regex work.
  if (name.length > MAX_MODEL_NAME_BYTES || Buffer.byteLength(name, 'utf8') > MAX_MODEL_NAME_BYTES) return `the name is longer than ${MAX_MODEL_NAME_BYTES} bytes`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'the name contains a control character';
  if (name.includes('/') || name.includes('\\')) return 'the name contains a path separator';
  if (name.startsWith('.')) return 'the name starts with a dot';
  if (name.includes('..')) return 'the name contains ".."';
  if (!ALLOWED.test(name)) return 'the name may contain only letters, digits, ".", "_" and "-", and must start with a letter or digit';
  if (name.endsWith('.')) return 'the name ends with a dot';
  if (name.toLowerCase().endsWith(MODEL_EXT)) return `the name is the file stem, without "${MODEL_EXT}"`;
  if (WINDOWS_RESERVED.test(name.split('.')[0]!)) return `"${name}" is a reserved device name on Windows`;
  return null;
}

/** Throws ERR_MODEL_NAME unless `name` is a model name. */
export function assertModelName(name: unknown): asserts name is string {
  const problem = modelNameProblem(name);
  if (problem) throw hearthError('ERR_MODEL_NAME', `The model name is not allowed: ${problem}.`);
}

/** The file of model `name` inside `modelsDir` (checked: never outside it). */
export function modelPath(modelsDir: string, name: string): string {
  assertModelName(name);
  const dir = path.resolve(modelsDir);
  const file = path.join(dir, name + MODEL_EXT);
  if (path.dirname(file) !== dir) throw hearthError('ERR_MODEL_NAME', 'The model name is not allowed: it leaves the models directory.');
  return file;
}

/** The model name of a directory entry, or null when the entry is not a model file (`x.gguf`). */
export function nameFromFileName(fileName: string): string | null {
  if (!fileName.toLowerCase().endsWith(MODEL_EXT) || fileName.startsWith('.')) return null;
  return fileName.slice(0, -MODEL_EXT.length);
}

// Owns importing a local GGUF file into the models dir (copy or symlink, after pre-validation)
// and deleting a model (refused while it is in use). Names are checked before any fs call.
import { constants } from 'node:fs';
import { copyFile, lstat, mkdir, rename, rm, stat, symlink, unlink } from 'node:fs/promises';
import path from 'node:path';
import { hearthError, HearthError } from '../errors/catalog.js';
import type { PulledModel } from '../contract/models.js';
import { invalidateCatalog } from './catalog.js';
import { validateGguf } from './gguf-validate.js';
import { assertModelName, MODEL_EXT, modelPath } from './names.js';
import { PARTIAL_SUFFIX, sha256File } from './pull.js';

export interface ImportOptions {
  /** Path of the GGUF file to import. */
  src: string;
  modelsDir: string;
  /** Defaults to the file's stem. */
  name?: string;
  /** Copy the file, or symlink to it (the source must then stay where it is). */
  mode: 'copy' | 'link';
}

/** Imports a local GGUF file after pre-validating it. ERR_MODEL_INVALID, ERR_CONFLICT, ERR_MODEL_NAME, ERR_NOT_FOUND. */
export async function importModel(opts: ImportOptions): Promise<PulledModel> {
  const base = path.basename(opts.src);
  const name = opts.name ?? (base.toLowerCase().endsWith(MODEL_EXT) ? base.slice(0, -MODEL_EXT.length) : undefined);
  if (name === undefined) throw hearthError('ERR_VALIDATION', 'The file does not end in .gguf: give a name.');
  assertModelName(name);
  const dest = modelPath(opts.modelsDir, name);
  const src = path.resolve(opts.src);
  let st;
  try { st = await stat(src); } catch { throw hearthError('ERR_NOT_FOUND', `The file ${src} does not exist.`); }
  if (!st.isFile()) throw hearthError('ERR_VALIDATION', `${src} is not a regular file.`);
  const v = await validateGguf(src);
  if (!v.valid) throw hearthError('ERR_MODEL_INVALID', `The file is not a valid GGUF model: ${v.reason}.`, { detail: { reason: v.reason } });
  await mkdir(path.dirname(dest), { recursive: true });
  if (await exists(dest)) throw hearthError('ERR_CONFLICT', `The model "${name}" already exists.`);
  if (opts.mode === 'link') {
    try { await symlink(src, dest); } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw hearthError('ERR_CONFLICT', `The model "${name}" already exists.`);
      throw err;
    }
  } else {
    const tmp = dest + PARTIAL_SUFFIX;
    try {
      await copyFile(src, tmp, constants.COPYFILE_EXCL);
      if (await exists(dest)) throw hearthError('ERR_CONFLICT', `The model "${name}" already exists.`);
      await rename(tmp, dest);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw hearthError('ERR_CONFLICT', `The model "${name}" is being imported or pulled already.`);
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') throw hearthError('ERR_DISK_FULL', `Not enough disk space to import "${name}".`);
      throw err;
    }
  }
  invalidateCatalog(dest);
  return { name, file: dest, size: st.size, sha256: await sha256File(dest) };
}

export interface DeleteOptions {
  modelsDir: string;
  name: string;
  /** True while the model is loaded or serving; the delete is then refused (ERR_MODEL_IN_USE). */
  inUse: (name: string) => boolean;
}

/** Deletes a model file (for a linked import, only the link). ERR_MODEL_NAME, ERR_MODEL_IN_USE, ERR_MODEL_NOT_FOUND. */
export async function deleteModel(opts: DeleteOptions): Promise<void> {
  assertModelName(opts.name);
  const file = modelPath(opts.modelsDir, opts.name);
  if (opts.inUse(opts.name)) throw hearthError('ERR_MODEL_IN_USE', `The model "${opts.name}" is in use; unload it first.`);
  try { await unlink(file); } catch (err) {
    if (err instanceof HearthError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw hearthError('ERR_MODEL_NOT_FOUND', `The model "${opts.name}" does not exist.`);
    throw err;
  }
  invalidateCatalog(file);
}

async function exists(p: string): Promise<boolean> {
  try { await lstat(p); return true; } catch { return false; }
}

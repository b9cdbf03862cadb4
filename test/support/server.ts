// Owns starting a real `hearth serve` process for tests: a temp data dir, port 0, the listening
// line parsed from stdout, and a stop that sends SIGTERM and waits for exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, copyFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureModel, type ModelSize } from './make-model.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = path.join(REPO_ROOT, 'server', 'cli.ts');

export interface Hearth {
  url: string;
  port: number;
  adminToken: string;
  dataDir: string;
  modelsDir: string;
  proc: ChildProcess;
  stderr: () => string;
  stdout: () => string;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface StartOptions {
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Copy the tiny model into the models dir as `<name>.gguf` (default "tiny"; false for none). */
  model?: string | false;
  /** Which generated model to copy. Defaults to "tiny". */
  modelSize?: ModelSize;
  dataDir?: string;
  adminToken?: string;
}

export const TEST_ADMIN_TOKEN = 'hth_admin_test_token_0123456789abcdef';

/** Runs the CLI (`node --import tsx server/cli.ts ...`) to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = ''; let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

export async function startHearth(opts: StartOptions = {}): Promise<Hearth> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'hearth-test-'));
  const modelsDir = path.join(dataDir, 'models');
  mkdirSync(modelsDir, { recursive: true });
  const modelName = opts.model === undefined ? 'tiny' : opts.model;
  if (modelName) copyFileSync(ensureModel(opts.modelSize ?? 'tiny'), path.join(modelsDir, `${modelName}.gguf`));
  const adminToken = opts.adminToken ?? TEST_ADMIN_TOKEN;
  const args = ['serve', '--port', '0', '--data-dir', dataDir, '--threads', '1', ...(opts.args ?? [])];
  const proc = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, HEARTH_ADMIN_TOKEN: adminToken, HEARTH_LOG_LEVEL: 'warn', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = ''; let err = '';
  proc.stderr!.on('data', (d) => { err += d; });
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`hearth did not start in 60 s:\n${err}`)), 60_000);
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /hearth listening on (http:\/\/\S+)\n/.exec(out);
      if (m) { clearTimeout(t); resolve(m[1]!); }
    });
    proc.once('exit', (code) => { clearTimeout(t); reject(new Error(`hearth exited with ${code}:\n${err}`)); });
  });
  let exited: Promise<number | null> = new Promise((r) => proc.once('exit', (code) => r(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
    proc.kill(signal);
    const t = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    const code = await exited;
    clearTimeout(t);
    return code;
  };
  return {
    url, port: Number(new URL(url).port), adminToken, dataDir, modelsDir, proc,
    stderr: () => err, stdout: () => out, stop,
    async [Symbol.asyncDispose]() { await stop(); if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true }); },
  };
}

/** Polls /readyz until 200 (bounded: 200 tries, 100 ms apart). */
export async function waitReady(url: string): Promise<Record<string, unknown>> {
  let last: unknown;
  for (let i = 0; i < 200; i++) {
    const r = await fetch(`${url}/readyz`).catch(() => undefined);
    if (r?.status === 200) return (await r.json()) as Record<string, unknown>;
    last = r ? await r.json().catch(() => r.status) : 'no answer';
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`not ready: ${JSON.stringify(last)}`);
}

export function readAdminToken(dataDir: string): string { return readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim(); }

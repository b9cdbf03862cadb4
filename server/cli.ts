#!/usr/bin/env node
// Owns the `hearth` command line: dispatches to serve, models and keys.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { realpathSync } from 'node:fs';
import { runServe, type CliIo } from './cli/serve.js';

const USAGE = `usage: hearth <command> [options]

commands:
  serve                         run the server (hearth serve --help)
  models list [--json]          list models in --models-dir
  models pull <url|hf:o/r/f>    download a model [--sha256 HEX] [--name NAME]
  models rm <name>              delete a model
  keys create --name N          create an API key [--rpm N] [--tpm N] [--models a,b]
  keys list [--json]            list API keys
  keys revoke <name>            revoke an API key

every command takes --data-dir and --models-dir
`;

export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'serve': return await runServe(rest, io);
      case 'models': { const m = await import('./cli/models.js'); return await m.runModelsCommand(rest, io); }
      case 'keys': { const k = await import('./cli/keys.js'); return await k.runKeysCommand(rest, io); }
      case undefined: case 'help': case '--help': case '-h': io.stdout.write(USAGE); return cmd ? 0 : 2;
      default: io.stderr.write(`hearth: unknown command "${cmd}"\n${USAGE}`); return 2;
    }
  } catch (err) {
    io.stderr.write(`hearth: ${(err as Error).message}\n`);
    return 1;
  }
}

const invoked = process.argv[1] ? realpathSync(path.resolve(process.argv[1])) : '';
if (invoked === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => { if (code !== 0 || process.argv[2] !== 'serve') process.exitCode = code; if (process.argv[2] === 'serve') process.exit(code); });
}

#!/usr/bin/env node
// Owns the `hearth` executable (package.json "bin"): runs the compiled CLI from dist/ after
// `npm run build`, or the TypeScript source through tsx in a checkout that was not built.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/server/cli.js', import.meta.url);
let cli;
if (existsSync(compiled)) {
  cli = await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(new URL('../server/cli.ts', import.meta.url).href);
}
const args = process.argv.slice(2);
const code = await cli.main(args);
// `serve` returns once it has drained after SIGINT/SIGTERM: exit even if a handle lingers.
if (args[0] === 'serve') process.exit(code);
process.exitCode = code;

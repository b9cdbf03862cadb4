// Owns `npm run bench`: runs every benchmark in bench/*.ts that exports `run()`, one after
// another (they measure the same cores), and reports which failed.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

async function main(): Promise<number> {
  const only = process.argv.slice(2);
  const files = readdirSync(HERE).filter((f) => f.endsWith('.ts') && f !== 'run-all.ts').sort()
    .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)));
  let failed = 0;
  for (const f of files) {
    const mod = (await import(pathToFileURL(path.join(HERE, f)).href)) as { run?: () => Promise<unknown> };
    if (typeof mod.run !== 'function') continue;
    process.stdout.write(`\n== bench/${f}\n`);
    const t0 = performance.now();
    try {
      await mod.run();
      process.stdout.write(`== bench/${f} done in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
    } catch (err) {
      failed++;
      process.stderr.write(`== bench/${f} failed: ${(err as Error).stack}\n`);
    }
  }
  return failed ? 1 : 0;
}

main().then((code) => process.exit(code), (err) => { process.stderr.write(`${(err as Error).stack}\n`); process.exit(1); });

#!/usr/bin/env node
// Bundles the simulator's command line for `npm run sim`: `bin/sim.ts` into `.build/sim.mjs` and
// the sweep worker into `.build/sweep-worker.mjs`, with esbuild (about 0.2 s), so that a run
// starts as plain JavaScript. Under tsx's loader the same run starts 0.5 s later and holds about
// 40 MiB more (its loader thread and the transformed sources), which put a 600 s run on issue
// 12's memory bar instead of under it (spec/simulator.md, "History checks and memory"). The code
// is the same: `npx tsx bin/sim.ts` runs it from source, with the same digests.
//
// Plain JavaScript itself, so that it needs no loader; it prints nothing unless the build fails.
import { buildSync } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

try {
  buildSync({
    absWorkingDir: root,
    entryPoints: [
      { in: 'bin/sim.ts', out: 'sim' },
      { in: 'sim/run/sweep-worker.ts', out: 'sweep-worker' },
    ],
    outdir: '.build',
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // The dependencies (xstate, seedrandom) are loaded from node_modules, as from source.
    packages: 'external',
    // `sim/run/build-info.ts`: what a bundled run knows of its build.
    define: { REFKA_BUILD: JSON.stringify({ version }) },
    sourcemap: 'linked',
    logLevel: 'error',
  });
} catch {
  // esbuild has printed what failed, with file and line.
  process.exit(1);
}

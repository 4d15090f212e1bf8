import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The command `npm run sim` runs, for the bench's child processes: package.json's sim script is
 * `node bin/build.mjs && node [node flags] .build/sim.mjs`, the simulator bundled by esbuild and
 * run as plain JavaScript (`bin/build.mjs` says why). The bench builds once and then runs the
 * bundle with the script's own Node flags, so that it times and measures what a user runs.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const BUILD = 'node bin/build.mjs';
const BUNDLE = '.build/sim.mjs';

/**
 * The Node flags of the sim script: flags V8 reads only at start, such as the young generation's
 * size, which `bin/sim.ts` cannot set itself.
 */
export function simScriptNodeFlags(script: string): string[] {
  const [build, run, ...rest] = script.split('&&').map((part) => part.trim());
  const words = run?.split(/\s+/) ?? [];
  if (build !== BUILD || rest.length > 0 || words[0] !== 'node' || words.at(-1) !== BUNDLE) {
    throw new Error(`bench: the sim script is not "${BUILD} && node [node flags] ${BUNDLE}": ${script}`);
  }
  const flags = words.slice(1, -1);
  for (const flag of flags) if (!flag.startsWith('--')) throw new Error(`bench: the sim script passes ${flag}, not a Node flag`);
  return flags;
}

/** The package's own sim script's Node flags. */
function packageNodeFlags(): string[] {
  const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  return simScriptNodeFlags(packageJson.scripts['sim'] ?? '');
}

/** Builds the bundle (`bin/build.mjs`), as `npm run sim` does before each run. */
export function buildSim(): void {
  const child = spawnSync(process.execPath, ['bin/build.mjs'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (child.error !== undefined) throw new Error(`bench: ${BUILD} did not run: ${child.error.message}`);
  if (child.status !== 0) throw new Error(`bench: ${BUILD} exited ${child.status}: ${child.stderr.split('\n')[0] ?? ''}`);
}

/** Node's arguments for the bundle with `cliArgs`, after the sim script's flags and `preload` (`--import` modules). */
export function simArgs(cliArgs: readonly string[], preload: readonly string[] = []): { root: string; args: string[] } {
  return { root: ROOT, args: [...packageNodeFlags(), ...preload.flatMap((module) => ['--import', module]), BUNDLE, ...cliArgs] };
}

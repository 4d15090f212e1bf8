import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { round, type BenchFigure } from './bench-figure.ts';

/**
 * Memory as a user's long run meets it: `bin/sim.ts --seed 42` as a whole child process (with the
 * V8 settings `bin/sim.ts` makes, and the Node flags `npm run sim` gives it), for a short and a long simulated time, and the peak resident
 * set size of each, as the operating system counts it. Issue 12's bar: a 600 s run under 250 MB.
 * The long run's peak over the short one's says how memory grows with simulated time.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const RUN_TIMEOUT_MS = 30 * 60 * 1000;

export interface MemoryRun {
  readonly shortMs: number;
  readonly longMs: number;
}

/**
 * The Node flags of `npm run sim` (`tsx <flags> bin/sim.ts` in package.json): flags V8 reads only
 * at start, such as the young generation's size, which `bin/sim.ts` cannot set itself.
 */
export function simScriptNodeFlags(script: string): string[] {
  const words = script.trim().split(/\s+/);
  if (words[0] !== 'tsx' || words.at(-1) !== 'bin/sim.ts') throw new Error(`bench: the sim script is not "tsx [node flags] bin/sim.ts": ${script}`);
  const flags = words.slice(1, -1);
  for (const flag of flags) if (!flag.startsWith('--')) throw new Error(`bench: the sim script passes ${flag}, not a Node flag`);
  return flags;
}

function peakRssMiB(durationMs: number): { mib: number; source: string } {
  const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const args = [...simScriptNodeFlags(packageJson.scripts['sim'] ?? ''), '--import', 'tsx', '--import', './sim/bench/print-max-rss.ts', 'bin/sim.ts', '--seed', '42', '--duration', `${durationMs}ms`];
  const child = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: RUN_TIMEOUT_MS });
  const command = `node ${args.join(' ')}`;
  if (child.error !== undefined) throw new Error(`bench: ${command} did not run: ${child.error.message}`);
  if (child.status !== 0) throw new Error(`bench: ${command} exited ${child.status}: ${child.stderr.split('\n')[0] ?? ''}`);
  const match = /max-rss-kib (\d+) (\w+)\s*$/.exec(child.stderr);
  if (match === null) throw new Error(`bench: ${command} did not report its peak RSS`);
  return { mib: Number(match[1]) / 1024, source: match[2] as string };
}

export function runMemoryBench(run: MemoryRun): { figures: BenchFigure[]; details: Record<string, unknown> } {
  const short = peakRssMiB(run.shortMs);
  const long = peakRssMiB(run.longMs);
  const figures: BenchFigure[] = [
    { name: 'memory.peakRssShort', value: round(short.mib, 1), unit: 'MiB', note: `peak RSS (${short.source}) of bin/sim.ts --seed 42, ${run.shortMs / 1000} s simulated` },
    { name: 'memory.peakRssLong', value: round(long.mib, 1), unit: 'MiB', note: `peak RSS (${long.source}) of bin/sim.ts --seed 42, ${run.longMs / 1000} s simulated (bar for 600 s: under 250 MB = 238.4 MiB)` },
  ];
  return { figures, details: { shortMs: run.shortMs, longMs: run.longMs, source: long.source, peakRssShortMiB: round(short.mib, 1), peakRssLongMiB: round(long.mib, 1) } };
}

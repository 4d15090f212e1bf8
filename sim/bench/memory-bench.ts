import { spawnSync } from 'node:child_process';
import { round, type BenchFigure } from './bench-figure.ts';
import { buildSim, simArgs } from './sim-command.ts';

/**
 * Memory as a user's long run meets it: `npm run sim -- --seed 42`'s bundle as a whole child
 * process (with the V8 settings `bin/sim.ts` makes, and the Node flags `npm run sim` gives it;
 * `sim-command.ts`), for a short and a long simulated time, and the peak resident
 * set size of each, as the operating system counts it. Issue 12's bar: a 600 s run under 250 MB.
 * The long run's peak over the short one's says how memory grows with simulated time.
 */

const RUN_TIMEOUT_MS = 30 * 60 * 1000;

export interface MemoryRun {
  readonly shortMs: number;
  readonly longMs: number;
}

function peakRssMiB(durationMs: number): { mib: number; source: string } {
  const { root, args } = simArgs(['--seed', '42', '--duration', `${durationMs}ms`], ['./sim/bench/print-max-rss.mjs']);
  const child = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: RUN_TIMEOUT_MS });
  const command = `node ${args.join(' ')}`;
  if (child.error !== undefined) throw new Error(`bench: ${command} did not run: ${child.error.message}`);
  if (child.status !== 0) throw new Error(`bench: ${command} exited ${child.status}: ${child.stderr.split('\n')[0] ?? ''}`);
  const match = /max-rss-kib (\d+) (\w+)\s*$/.exec(child.stderr);
  if (match === null) throw new Error(`bench: ${command} did not report its peak RSS`);
  return { mib: Number(match[1]) / 1024, source: match[2] as string };
}

export function runMemoryBench(run: MemoryRun): { figures: BenchFigure[]; details: Record<string, unknown> } {
  buildSim();
  const short = peakRssMiB(run.shortMs);
  const long = peakRssMiB(run.longMs);
  const figures: BenchFigure[] = [
    { name: 'memory.peakRssShort', value: round(short.mib, 1), unit: 'MiB', note: `peak RSS (${short.source}) of .build/sim.mjs --seed 42 (npm run sim), ${run.shortMs / 1000} s simulated` },
    { name: 'memory.peakRssLong', value: round(long.mib, 1), unit: 'MiB', note: `peak RSS (${long.source}) of .build/sim.mjs --seed 42 (npm run sim), ${run.longMs / 1000} s simulated (bar for 600 s: under 250 MB = 238.4 MiB)` },
  ];
  return { figures, details: { shortMs: run.shortMs, longMs: run.longMs, source: long.source, peakRssShortMiB: round(short.mib, 1), peakRssLongMiB: round(long.mib, 1) } };
}

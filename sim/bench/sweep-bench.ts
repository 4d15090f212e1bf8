import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { ratioFigure, round, roundSummary, type BenchFigure } from './bench-figure.ts';
import { interleave, median, pairedRatios } from './pairs.ts';
import { wallClockMs } from './wall-clock.ts';
import { buildSim, simArgs } from './sim-command.ts';

/**
 * Seeds per minute as a user gets them: `npm run sim -- --seeds 1..K`'s bundle run as a whole
 * child process (`sim-command.ts`), once on one thread (`--jobs 1`) and once on every core, side
 * by side in each round. A child's wall time includes starting Node and, with several jobs, the
 * worker threads' own module loading: that is what a sweep costs. Simulated time is summed from the `--json` lines.
 */

/** A sweep of a few seeds takes minutes on a loaded machine; past this something is wrong. */
const SWEEP_TIMEOUT_MS = 30 * 60 * 1000;

export interface SweepRun {
  readonly seeds: number;
  readonly durationMs: number;
  readonly rounds: number;
}

interface Sweep {
  readonly wallMs: number;
  readonly simulatedMs: number;
  readonly events: number;
  readonly failed: number;
}

function sweep(seeds: number, jobs: number, durationMs: number): Sweep {
  const { root, args } = simArgs(['--seeds', `1..${seeds}`, '--jobs', String(jobs), '--duration', `${durationMs}ms`, '--json']);
  const start = wallClockMs();
  const child = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: SWEEP_TIMEOUT_MS });
  const wallMs = wallClockMs() - start;
  const command = `node ${args.join(' ')}`;
  if (child.error !== undefined) throw new Error(`bench: ${command} did not run: ${child.error.message}`);
  const lines = child.stdout.split('\n').filter((line) => line.length > 0);
  if (lines.length !== seeds) {
    throw new Error(`bench: ${command} printed ${lines.length} result lines for ${seeds} seeds (exit ${child.status}): ${child.stderr.split('\n')[0] ?? ''}`);
  }
  let simulatedMs = 0;
  let events = 0;
  let failed = 0;
  for (const line of lines) {
    const result = JSON.parse(line) as { simulatedMs?: unknown; events?: unknown; verdict?: unknown };
    if (typeof result.simulatedMs !== 'number' || typeof result.events !== 'number') throw new Error(`bench: ${command} printed a line without simulatedMs and events`);
    simulatedMs += result.simulatedMs;
    events += result.events;
    if (result.verdict !== 'pass') failed++;
  }
  return { wallMs, simulatedMs, events, failed };
}

export function runSweepBench(run: SweepRun): { figures: BenchFigure[]; details: Record<string, unknown> } {
  buildSim();
  const cores = availableParallelism();
  const runs = interleave(run.rounds, {
    one: () => sweep(run.seeds, 1, run.durationMs),
    all: () => sweep(run.seeds, cores, run.durationMs),
  });
  for (const [index, one] of runs.one.entries()) {
    const all = runs.all[index] as Sweep;
    // The same seeds give the same runs on any number of threads; a difference is a determinism bug.
    if (one.simulatedMs !== all.simulatedMs || one.events !== all.events) {
      throw new Error(`bench: --jobs 1 and --jobs ${cores} disagree on seeds 1..${run.seeds}: ${one.events} events, ${one.simulatedMs} ms against ${all.events}, ${all.simulatedMs} ms`);
    }
  }
  const perMinute = (one: Sweep): number => run.seeds / (one.wallMs / 60_000);
  const simPerWall = (one: Sweep): number => one.simulatedMs / one.wallMs;
  const speedup = pairedRatios(runs.all.map(perMinute), runs.one.map(perMinute));
  const label = `.build/sim.mjs (npm run sim) --seeds 1..${run.seeds}, ${run.durationMs / 1000} s each, as a child process`;
  const figures: BenchFigure[] = [
    { name: 'sweep.jobs1.seedsPerMinute', value: round(median(runs.one.map(perMinute)), 1), unit: 'seeds/min', note: `${label}, --jobs 1 (median of ${run.rounds})` },
    { name: `sweep.jobs${cores}.seedsPerMinute`, value: round(median(runs.all.map(perMinute)), 1), unit: 'seeds/min', note: `the same with --jobs ${cores} (os.availableParallelism())` },
    { name: 'sweep.jobs1.simulatedPerWall', value: round(median(runs.one.map(simPerWall)), 1), unit: 'x', note: 'simulated seconds per wall second, --jobs 1 (a seed runs past its duration until the cluster converges)' },
    { name: `sweep.jobs${cores}.simulatedPerWall`, value: round(median(runs.all.map(simPerWall)), 1), unit: 'x', note: `simulated seconds per wall second, --jobs ${cores}` },
    { name: 'sweep.jobs1.eventsPerWallSecond', value: Math.round(median(runs.one.map((one) => one.events / (one.wallMs / 1000)))), unit: 'events/s', note: 'events per wall second, --jobs 1, process start included' },
    ratioFigure(`sweep.jobs${cores}OverJobs1`, speedup, `seeds/min with --jobs ${cores} over --jobs 1, per round`),
  ];
  const first = runs.one[0];
  const details = {
    seeds: run.seeds,
    durationMs: run.durationMs,
    cores,
    simulatedMs: first?.simulatedMs ?? 0,
    events: first?.events ?? 0,
    failedSeeds: first?.failed ?? 0,
    wallMs: { jobs1: runs.one.map((one) => round(one.wallMs, 1)), jobsAll: runs.all.map((one) => round(one.wallMs, 1)) },
    speedup: roundSummary(speedup),
  };
  return { figures, details };
}

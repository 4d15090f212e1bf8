import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseBenchArgs, type BenchOptions } from './bench-args.ts';
import { formatFigure, type BenchFigure } from './bench-figure.ts';
import { runClusterBench } from './cluster-bench.ts';
import { FULL_LOG_BENCH_SIZES, QUICK_LOG_BENCH_SIZES, runLogBench } from './log-bench.ts';
import { runMemoryBench, type MemoryRun } from './memory-bench.ts';
import { runOverheadBench } from './overhead-bench.ts';
import { runSharesBench } from './shares-bench.ts';
import { runSweepBench } from './sweep-bench.ts';

/**
 * `npm run bench`: how fast the simulator is and where a run's time goes, printed and written to
 * `reports/bench.json`. Wall-clock figures vary with the machine and its load; they are measured
 * here and never asserted in tests. Every figure that compares two things is timed side by side
 * with what it is compared to, in rounds (`--pairs`), and is the median of the per-round ratios,
 * printed with their min and max (`pairs.ts`).
 */

const EXIT_USAGE = 2;

/** The sizes of every part: the full bench, or `--quick`, which checks the bench works in seconds. */
function plan(options: BenchOptions): {
  overheadDurationMs: number;
  shares: { seeds: number[]; durationMs: number };
  sweepDurationMs: number;
  cluster: { durationMs: number; variantSeeds: number };
  memory: MemoryRun;
} {
  const variantSeeds = (full: number): number => (options.skipVariants ? 0 : full);
  if (options.quick) {
    return {
      overheadDurationMs: 500,
      shares: { seeds: [1], durationMs: 2_000 },
      sweepDurationMs: 1_000,
      cluster: { durationMs: 1_000, variantSeeds: variantSeeds(1) },
      memory: { shortMs: 1_000, longMs: 5_000 },
    };
  }
  return {
    overheadDurationMs: 20_000,
    // The default run, as the issue fixes it: seeds 1..3, 60 s each, swarm faults.
    shares: { seeds: [1, 2, 3], durationMs: 60_000 },
    sweepDurationMs: 60_000,
    cluster: { durationMs: 60_000, variantSeeds: variantSeeds(100) },
    // Issue 12's bar: a 600 s run under 250 MB.
    memory: { shortMs: 60_000, longMs: 600_000 },
  };
}

function section(title: string, figures: readonly BenchFigure[]): void {
  process.stdout.write(`\n${title}\n`);
  for (const figure of figures) process.stdout.write(formatFigure(figure));
}

function main(argv: readonly string[]): number {
  const parsed = parseBenchArgs(argv);
  if (parsed.type === 'help') {
    process.stdout.write(parsed.text);
    return 0;
  }
  if (parsed.type === 'error') {
    process.stderr.write(`refka bench: ${parsed.message} (see --help)\n`);
    return EXIT_USAGE;
  }
  const options = parsed.options;
  const sizes = plan(options);
  process.stdout.write(`refka bench: ${options.pairs} pair(s) per comparison${options.quick ? ', --quick (tiny sizes: a check, not a measurement)' : ''}\n`);

  const overhead = runOverheadBench(options.pairs, sizes.overheadDurationMs);
  section('Simulator overhead (idle ping simulation vs a bare loop over the same queue, side by side)', overhead.figures);
  const ratio = overhead.figures.find((figure) => figure.name === 'overheadRatio')?.value ?? Number.NaN;
  process.stdout.write(ratio <= 3 ? 'simulator overhead is within the 3x bar\n' : `simulator overhead is ABOVE the 3x bar (${ratio}x)\n`);

  const shares = runSharesBench(sizes.shares);
  section('Shares of a default run (CPU profile, percent of profiled time)', shares.figures);

  const sweep = runSweepBench({ seeds: options.sweepSeeds, durationMs: sizes.sweepDurationMs, rounds: options.pairs });
  section('Seeds per minute (npm run sim\'s bundle, .build/sim.mjs, as a child process, --jobs 1 and all cores side by side)', sweep.figures);

  const log = runLogBench(options.pairs, options.quick ? QUICK_LOG_BENCH_SIZES : FULL_LOG_BENCH_SIZES);
  section('Partition log (UnifiedLog vs an in-memory bar, side by side)', log.figures);

  const cluster = runClusterBench(sizes.cluster);
  section('Kafka cluster (single runs)', cluster.figures);

  const memory = runMemoryBench(sizes.memory);
  section('Memory (npm run sim\'s bundle, .build/sim.mjs, as a child process, peak RSS)', memory.figures);

  const figures = [...overhead.figures, ...shares.figures, ...sweep.figures, ...log.figures, ...cluster.figures, ...memory.figures];
  const report = {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cores: availableParallelism(),
    options,
    shares: shares.details,
    overhead: overhead.details,
    sweep: sweep.details,
    log: log.details,
    cluster: cluster.details,
    memory: memory.details,
    figures,
  };
  const out = options.out === undefined ? join(import.meta.dirname, '..', '..', 'reports', 'bench.json') : resolve(options.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`, 'utf8');
  process.stdout.write(`\nwritten to ${options.out ?? 'reports/bench.json'}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));

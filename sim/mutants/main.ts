import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { runOnWorkers } from '../run/worker-pool.ts';
import { isMutantName, mutantByName, MUTANTS, type MutantName } from './mutant-catalogue.ts';
import { formatMutantsReport, mutantCatches, mutantsReport } from './mutant-report.ts';
import type { SeedOutcome } from './mutant-run.ts';

/**
 * `npm run mutants [-- --seeds A..B|COUNT] [--mutant NAME ...] [--jobs N]`: runs every mutant of
 * the catalogue (`mutant-catalogue.ts`) over the default seeds 1..20, each the default
 * `npm run sim` run, and prints per mutant how many seeds caught it (verdict not pass) and by which
 * claim first, then the median catch count and the mutants no seed caught; writes
 * `reports/mutants.json`. The unmutated code runs the same seeds, so that each mutant's line also
 * says on how many seeds it changed the run at all (its trace digest).
 */

const USAGE = `Usage: npm run mutants -- [options]

Runs each test-only mutant (a planted bug, sim/mutants/mutant-catalogue.ts) over seeds of the default
run and reports which seeds and claims catch it. Writes reports/mutants.json.

  --seeds A..B | COUNT   Seeds to run: A to B inclusive, or 1 to COUNT. Default: 1..20.
  --mutant NAME          Run only this mutant (repeatable). Known: ${MUTANTS.map((mutant) => mutant.name).join(', ')}.
  --jobs N               Worker threads, 1 to 64. Default: 2, or fewer cores.
  -h, --help             Print this help and exit.
`;

const EXIT_USAGE = 2;
/** A worker threw: a crash, as `npm run sim` exits on one. */
const EXIT_CRASH = 4;
const MAX_SEEDS = 10_000;

class UsageError extends Error {}

interface Options {
  readonly seeds: readonly number[];
  readonly mutants: readonly MutantName[];
  readonly jobs: number;
}

function parseOptions(argv: readonly string[]): Options | 'help' {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: { seeds: { type: 'string' }, mutant: { type: 'string', multiple: true }, jobs: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help === true) return 'help';
  const mutants = (values.mutant ?? []).map((name) => {
    if (!isMutantName(name)) throw new UsageError(`--mutant: unknown mutant '${name}'; known mutants: ${MUTANTS.map((mutant) => mutant.name).join(', ')}`);
    return name;
  });
  return {
    seeds: parseSeeds(values.seeds ?? '1..20'),
    mutants: mutants.length === 0 ? MUTANTS.map((mutant) => mutant.name) : [...new Set(mutants)],
    jobs: values.jobs === undefined ? Math.max(1, Math.min(2, availableParallelism())) : parseWhole('--jobs', values.jobs, 1, 64),
  };
}

function parseSeeds(text: string): number[] {
  const range = /^(\d+)\.\.(\d+)$/.exec(text);
  const [from, to] = range === null ? [1, parseWhole('--seeds', text, 1, MAX_SEEDS)] : [parseWhole('--seeds', range[1] as string, 0, Number.MAX_SAFE_INTEGER), parseWhole('--seeds', range[2] as string, 0, Number.MAX_SAFE_INTEGER)];
  if (to < from) throw new UsageError(`--seeds: ${text} is an empty range`);
  if (to - from + 1 > MAX_SEEDS) throw new UsageError(`--seeds: ${text} is more than ${MAX_SEEDS} seeds`);
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

function parseWhole(option: string, text: string, min: number, max: number): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) throw new UsageError(`${option}: expected a whole number from ${min} to ${max}, got '${text}'`);
  return value;
}

interface Job {
  readonly mutant: MutantName | null;
  readonly seed: number;
  /** With the consumer-group workload: a group mutant, and the unmutated baseline it is compared with. */
  readonly groups: boolean;
}

/**
 * Runs the jobs on `threads` worker threads (`mutant-worker.ts`) and calls `finished` with every
 * outcome, by job index (so the order in which workers finish changes nothing), or with the first
 * worker error.
 */
function runJobs(jobs: readonly Job[], threads: number, progress: (done: number) => void, finished: (outcomes: Map<number, SeedOutcome> | Error) => void): void {
  const outcomes = new Map<number, SeedOutcome>();
  runOnWorkers<Job, SeedOutcome>(new URL('./mutant-worker.ts', import.meta.url), jobs, threads, {
    result: (index, outcome) => {
      outcomes.set(index, outcome);
      progress(outcomes.size);
      return 'continue';
    },
    done: (error) => finished(error ?? outcomes),
  });
}

function main(argv: readonly string[]): void {
  let options: Options | 'help';
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`refka mutants: ${error.message} (see --help)\n`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const jobs: Job[] = [];
  // Every mutant, and the unmutated baseline, on the default run (consumer groups included).
  for (const seed of options.seeds) jobs.push({ mutant: null, seed, groups: true });
  for (const mutant of options.mutants) for (const seed of options.seeds) jobs.push({ mutant, seed, groups: true });
  process.stdout.write(`${options.mutants.length} mutant(s) and the unmutated code over seeds ${options.seeds[0]}..${options.seeds.at(-1)}: ${jobs.length} runs on ${options.jobs} thread(s)\n`);
  const tty = process.stderr.isTTY;
  const { seeds, mutants } = options;
  runJobs(jobs, options.jobs, (done) => {
    if (tty) process.stderr.write(`\r${done}/${jobs.length} runs`);
  }, (outcomes) => {
    if (tty) process.stderr.write('\n');
    if (outcomes instanceof Error) {
      process.stderr.write(`refka mutants: a worker failed: ${outcomes.stack ?? outcomes.message}\n`);
      process.exitCode = EXIT_CRASH;
      return;
    }
    const byMutant = (mutant: MutantName | null): SeedOutcome[] => jobs.flatMap((job, index) => (job.mutant === mutant ? [outcomes.get(index) as SeedOutcome] : []));
    const baseline = new Map(byMutant(null).map((outcome) => [outcome.seed, outcome]));
    const report = mutantsReport(seeds, mutants.map((mutant) => mutantCatches(mutant, byMutant(mutant), baseline)));
    process.stdout.write(formatMutantsReport(report));
    mkdirSync('reports', { recursive: true });
    const catalogue = new Map(MUTANTS.map((mutant) => [mutant.name as string, mutant]));
    const json = { ...report, mutants: report.mutants.map((entry) => ({ ...entry, where: catalogue.get(entry.mutant)?.where, summary: catalogue.get(entry.mutant)?.summary, outcomes: byMutant(entry.mutant) })), baseline: byMutant(null) };
    writeFileSync('reports/mutants.json', `${JSON.stringify(json, null, 2)}\n`);
    process.stdout.write('wrote reports/mutants.json\n');
  });
}

main(process.argv.slice(2));

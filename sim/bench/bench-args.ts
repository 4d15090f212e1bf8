import { parseArgs } from 'node:util';

/** What `npm run bench` was asked to do. */
export interface BenchOptions {
  /** Rounds of every side-by-side comparison (`--pairs N`). */
  readonly pairs: number;
  /** Seeds in each timed sweep of `npm run sim` (`--sweep-seeds K`). */
  readonly sweepSeeds: number;
  /** One pair, tiny sizes, short runs: the whole bench in seconds, for its own test. */
  readonly quick: boolean;
  /** Leave out the variant sweeps of the cluster bench (up to 100 seeds per variant). */
  readonly skipVariants: boolean;
  /** Where the JSON report goes; reports/bench.json unless `--out` says otherwise. */
  readonly out: string | undefined;
}

export type BenchArgs = { type: 'run'; options: BenchOptions } | { type: 'help'; text: string } | { type: 'error'; message: string };

export const BENCH_HELP = `npm run bench -- [options]

  --pairs N          rounds of each side-by-side comparison (default 5; 1 with --quick)
  --sweep-seeds K    seeds in each timed sweep of npm run sim (default 8; 2 with --quick)
  --quick            one pair, tiny sizes, short runs: checks the bench works, measures little
  --skip-variants    leave out the cluster bench's variant sweeps (the longest part)
  --out FILE         write the JSON report to FILE instead of reports/bench.json
  -h, --help         this text
`;

/** Bounds: enough to be useful, few enough that a typo cannot occupy the machine for a day. */
const MAX_PAIRS = 100;
const MAX_SWEEP_SEEDS = 1000;

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        pairs: { type: 'string' },
        'sweep-seeds': { type: 'string' },
        quick: { type: 'boolean' },
        'skip-variants': { type: 'boolean' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    // parseArgs says which flag it did not know or which value was missing; keep its first line.
    return { type: 'error', message: (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'bad arguments' };
  }
  if (values.help === true) return { type: 'help', text: BENCH_HELP };
  const quick = values.quick === true;
  const pairs = count('--pairs', values.pairs, quick ? 1 : 5, MAX_PAIRS);
  if (typeof pairs === 'string') return { type: 'error', message: pairs };
  const sweepSeeds = count('--sweep-seeds', values['sweep-seeds'], quick ? 2 : 8, MAX_SWEEP_SEEDS);
  if (typeof sweepSeeds === 'string') return { type: 'error', message: sweepSeeds };
  const out = values.out;
  if (out === '') return { type: 'error', message: '--out needs a file name' };
  return { type: 'run', options: { pairs, sweepSeeds, quick, skipVariants: values['skip-variants'] === true, out: typeof out === 'string' ? out : undefined } };
}

/** A whole number from 1 to `max`, or the problem with it as one sentence. */
function count(flag: string, raw: string | boolean | undefined, fallback: number, max: number): number | string {
  if (raw === undefined) return fallback;
  const text = String(raw);
  if (!/^[0-9]+$/.test(text)) return `${flag} must be a whole number from 1 to ${max}, got ${JSON.stringify(text)}`;
  const value = Number(text);
  if (value < 1 || value > max) return `${flag} must be a whole number from 1 to ${max}, got ${text}`;
  return value;
}

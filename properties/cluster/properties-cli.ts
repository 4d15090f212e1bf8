import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { quoteForMessage } from '../../impl/config/quote-for-message.ts';
import type { MutantName } from '../../sim/mutants/mutant-catalogue.ts';
import { clusterCaseArbitrary, type ClusterCase } from './arbitraries.ts';
import { GUARANTEES, clusterProperty, type Guarantee } from './cluster-properties.ts';
import { scheduleFileOf } from './cluster-run.ts';

/**
 * `npm run properties -- [options]`: the cluster properties (`cluster-properties.ts`) at many more
 * runs than `npm test` gives them. Each property runs with the same fast-check seed, so they draw
 * the same cases and share each run (`runCase`'s cache): the cost is about one run per case. On a
 * failure fast-check's report is printed (its seed and path replay the counterexample: `--seed S
 * --path P --property NAME`), and with `--emit-schedule DIR` the counterexample's schedule file
 * is written for `npm run sim -- --schedule FILE`.
 */

export const PROPERTIES_HELP = `Usage: npm run properties -- [options]

Runs the fast-check properties over whole clusters (properties/cluster/): order per partition,
no loss of acknowledged writes, one consumer per partition in a group, and every other always
claim. Each case is a real simulated run of 10 to 20 s (about 1 to 3 s of CPU).

Options:
  --runs N             cases per property (default 100)
  --seed S             fast-check's seed, an integer (default: chosen and printed);
                       a negative one attached, as --seed=-5
  --property NAME      only this property (repeatable): ${GUARANTEES.map((guarantee) => guarantee.name).join(', ')}
  --path P             replay fast-check's path P of a failure (with --seed and one --property)
  --shrink-faults      shrink each fault's times and targets too, not only which faults there are
  --emit-schedule DIR  write each counterexample as DIR/NAME.json, for npm run sim -- --schedule
  --help               this text

Exit codes: 0 every property held, 1 a property failed, 2 usage error.
`;

export interface PropertiesCommand {
  readonly runs: number;
  readonly seed: number;
  readonly seedChosen: boolean;
  readonly properties: readonly Guarantee[];
  readonly path?: string;
  readonly shrinkFaults: boolean;
  readonly emitScheduleDir?: string;
}

export type PropertiesArgs =
  | { readonly type: 'run'; readonly command: PropertiesCommand }
  | { readonly type: 'help' }
  | { readonly type: 'error'; readonly message: string };

export const DEFAULT_RUNS = 100;
const MAX_RUNS = 1_000_000;
/** fast-check's seeds are 32-bit integers. */
const SEED_RANGE = [-(2 ** 31), 2 ** 31 - 1] as const;

const OPTIONS = {
  runs: { type: 'string' },
  seed: { type: 'string' },
  property: { type: 'string', multiple: true },
  path: { type: 'string' },
  'shrink-faults': { type: 'boolean' },
  'emit-schedule': { type: 'string' },
  help: { type: 'boolean' },
} as const;

/** Reads the command line; a problem is one line naming the option. */
export function parsePropertiesArgs(argv: readonly string[], chooseSeed: () => number): PropertiesArgs {
  let values;
  try {
    values = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    return { type: 'error', message: (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'bad arguments' };
  }
  if (values.help === true) return { type: 'help' };
  const runs = values.runs === undefined ? DEFAULT_RUNS : wholeNumber(values.runs);
  if (runs === undefined || runs < 1 || runs > MAX_RUNS) return { type: 'error', message: `--runs must be a whole number from 1 to ${MAX_RUNS}, got ${quoteForMessage(values.runs ?? '')}` };
  const given = values.seed === undefined ? undefined : integer(values.seed);
  if (values.seed !== undefined && (given === undefined || given < SEED_RANGE[0] || given > SEED_RANGE[1])) {
    return { type: 'error', message: `--seed must be an integer from ${SEED_RANGE[0]} to ${SEED_RANGE[1]} (fast-check's seeds), got ${quoteForMessage(values.seed)}` };
  }
  const properties: Guarantee[] = [];
  for (const name of values.property ?? []) {
    const guarantee = GUARANTEES.find((candidate) => candidate.name === name);
    if (guarantee === undefined) return { type: 'error', message: `--property: unknown property ${quoteForMessage(name)}; the properties are ${GUARANTEES.map((known) => known.name).join(', ')}` };
    if (properties.includes(guarantee)) return { type: 'error', message: `--property ${name} is given twice` };
    properties.push(guarantee);
  }
  if (values.path !== undefined) {
    if (!/^\d+(:\d+)*$/.test(values.path)) return { type: 'error', message: `--path must be fast-check's path, numbers joined by ':' such as 3:0:1, got ${quoteForMessage(values.path)}` };
    if (given === undefined || properties.length !== 1) return { type: 'error', message: '--path replays one failure: give the --seed and the one --property it was printed with' };
  }
  if (values['emit-schedule'] === '') return { type: 'error', message: '--emit-schedule needs a directory' };
  return {
    type: 'run',
    command: {
      runs,
      seed: given ?? chooseSeed(),
      seedChosen: given === undefined,
      properties: properties.length === 0 ? GUARANTEES : properties,
      ...(values.path === undefined ? {} : { path: values.path }),
      shrinkFaults: values['shrink-faults'] === true,
      ...(values['emit-schedule'] === undefined ? {} : { emitScheduleDir: values['emit-schedule'] }),
    },
  };
}

function wholeNumber(text: string): number | undefined {
  return /^\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : undefined;
}

function integer(text: string): number | undefined {
  return /^-?\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : undefined;
}

export interface PropertiesIo {
  chooseSeed(): number;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Milliseconds of wall time, for the report of how long each property took; the host's clock. */
  nowMs(): number;
}

/**
 * Test-only: mutants to plant and the cases to draw, so that a test can watch the command fail as
 * a user would see it. The command line offers neither.
 */
export interface PropertiesPlant {
  readonly mutants: readonly MutantName[];
  readonly cases: fc.Arbitrary<ClusterCase>;
}

/** Runs the properties the command line names; returns the exit code. */
export function propertiesMain(argv: readonly string[], io: PropertiesIo, plant?: PropertiesPlant): number {
  const parsed = parsePropertiesArgs(argv, io.chooseSeed);
  switch (parsed.type) {
    case 'help':
      io.stdout(PROPERTIES_HELP);
      return 0;
    case 'error':
      io.stderr(`refka properties: ${parsed.message} (see --help)\n`);
      return 2;
    case 'run':
      break;
  }
  const command = parsed.command;
  io.stdout(`fast-check seed ${command.seed}${command.seedChosen ? ` (chosen; --seed=${command.seed} repeats it)` : ''}, ${command.runs} runs per property (the properties draw the same cases and share their runs)\n`);
  const cases = plant?.cases ?? clusterCaseArbitrary({ shrinkFaults: command.shrinkFaults });
  let failed = false;
  for (const guarantee of command.properties) {
    const started = io.nowMs();
    const details = fc.check(clusterProperty(guarantee, { cases, mutants: plant?.mutants ?? [] }), {
      seed: command.seed,
      numRuns: command.runs,
      ...(command.path === undefined ? {} : { path: command.path }),
      // The property's own message (the claim, the violation, the schedule file) in the report.
      includeErrorInReport: true,
    });
    const seconds = ((io.nowMs() - started) / 1000).toFixed(1);
    if (!details.failed) {
      io.stdout(`${guarantee.name}: held over ${details.numRuns} runs (${seconds} s)\n`);
      continue;
    }
    failed = true;
    io.stdout(`${guarantee.name}: FAILED (${seconds} s)\n${fc.defaultReportMessage(details) ?? ''}\n`);
    // A negative seed must be attached to its option, or parseArgs takes it for an option itself.
    io.stdout(`replay: npm run properties -- --seed=${details.seed} --path ${details.counterexamplePath ?? ''} --property ${guarantee.name}${command.shrinkFaults ? ' --shrink-faults' : ''}\n`);
    const counterexample = details.counterexample?.[0];
    if (command.emitScheduleDir !== undefined && counterexample !== undefined) {
      const file = join(command.emitScheduleDir, `${guarantee.name}.json`);
      try {
        writeFileSync(file, scheduleFileOf(counterexample));
        io.stdout(`schedule written to ${file}: npm run sim -- --schedule ${file}\n`);
      } catch (error) {
        io.stderr(`refka properties: cannot write ${file}: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
  }
  return failed ? 1 : 0;
}

import { parseArgs } from 'node:util';
import { assert, assertIntegerInRange } from '../../impl/common/assert.ts';
import { quoteForMessage } from '../../impl/config/quote-for-message.ts';
import { PROTOCOL_VARIANTS, type ProtocolVariant } from '../../impl/variants/variant-registry.ts';
import { FAULT_KINDS, isFaultKind, type FaultKind, type FaultSelection } from '../nemesis/fault-kind.ts';
import { SIM_DEFAULTS, SIM_LIMITS, defaultReplicationFactor } from './cli-defaults.ts';
import { checkMinInsyncReplicas, mergeVariantConfig, parseConfigOverrides, parseVariants } from './config-args.ts';
import { helpText } from './help-text.ts';
import { UsageError, parseCount, parsePath } from './option-value.ts';
import { parseSeeds, parseShard } from './seed-args.ts';
import { OPTIONS, describeParseArgsError, rejectRepeatedOptions, type OptionName, type ParsedTokens, type ParsedValues } from './sim-options.ts';

export { SIM_DEFAULTS, SIM_LIMITS, defaultReplicationFactor, formatDuration } from './cli-defaults.ts';
export { HELP_TEXT, helpText } from './help-text.ts';
export { reproArgs, reproCommand, shellQuote } from './repro-args.ts';

/**
 * The command line of `npm run sim -- [options]`. Option names, their syntax, the defaults and the
 * exit codes are a user-facing contract: a repro line printed today must still work tomorrow.
 *
 * The parser is pure: it never reads the clock or a random source and never throws for any argv.
 * When no seed is given the caller chooses one (and prints it) through `chooseSeed`.
 */

/** What one invocation asks for. `config` holds only the `--config` overrides, canonical, keys sorted. */
export interface SimCommand {
  readonly seeds: readonly number[];
  /** `given`: from --seed or --seeds. `chosen`: neither was given, so the caller chose one. */
  readonly seedSource: 'given' | 'chosen';
  readonly durationMs: number;
  readonly brokers: number;
  /** The KRaft controller quorum's voters: 1, 3 or 5. */
  readonly controllers: number;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly config: Readonly<Record<string, string>>;
  /**
   * The configuration the run uses on top of Kafka's defaults: the variants' overrides, then the
   * `--config` ones (they never contradict, the parser checks). Keys sorted.
   */
  readonly runConfig: Readonly<Record<string, string>>;
  /** Sorted; no two of them set the same config key to different values. */
  readonly variants: readonly string[];
  /** Kinds, when listed, are in {@link FAULT_KINDS} order. */
  readonly faults: FaultSelection;
  readonly traceFile?: string;
  readonly reportDir?: string;
  readonly json: boolean;
  /** `--jobs N`: worker threads for a sweep; undefined means one per core (the caller knows how many). */
  readonly jobs?: number;
  /** `--stop-on-failure`: end a sweep at the first seed, in seed order, that does not pass. */
  readonly stopOnFailure: boolean;
  /** `--shard I/N`: `seeds` holds the I-th of N interleaved slices of the seeds asked for. */
  readonly shard?: { readonly index: number; readonly count: number };
  /** `--full-checks`: the debug switch that runs every state check after every event. */
  readonly fullChecks?: boolean;
  /**
   * The consumer-group workload (`sim/kafka/group-workload.ts`): on unless `--no-groups` (`--groups`
   * says so explicitly).
   */
  readonly groups: boolean;
  /** `--emit-schedule FILE`: write the run's fault schedule there (one seed only). */
  readonly emitScheduleFile?: string;
  /** `--shrink`: shrink each failing seed to a smallest run that fails the same way (`sim/shrink/`). */
  readonly shrink?: boolean;
  /** `--emit-scenario PATH`: write each shrunk run as a scenario there (a file for one seed, a directory for a sweep). */
  readonly emitScenario?: string;
}

/**
 * `--schedule FILE`: replay a fault schedule. The run (seed, cluster, workload) is the file's
 * (its `args`); the command line adds only where the output goes.
 */
export interface ReplayRequest {
  readonly scheduleFile: string;
  readonly traceFile?: string;
  readonly reportDir?: string;
  readonly json: boolean;
  readonly fullChecks?: boolean;
  readonly emitScheduleFile?: string;
}

export type ParseOutcome =
  | { readonly type: 'run'; readonly command: SimCommand }
  | { readonly type: 'replay'; readonly replay: ReplayRequest }
  | { readonly type: 'help'; readonly text: string }
  /** One line, no stack trace; it names the offending option or value. Exit with EXIT_CODES.usage. */
  | { readonly type: 'error'; readonly message: string };

export interface ParseSimArgsOptions {
  /** Called only when neither --seed nor --seeds is given; must return a valid seed. */
  readonly chooseSeed: () => number;
  /** The variants `--variant` accepts; tests pass their own. Defaults to {@link PROTOCOL_VARIANTS}. */
  readonly variants?: readonly ProtocolVariant[];
}

export function parseSimArgs(argv: readonly string[], options: ParseSimArgsOptions): ParseOutcome {
  const registry = options.variants ?? PROTOCOL_VARIANTS;
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false, tokens: true });
  } catch (error) {
    return { type: 'error', message: describeParseArgsError(argv, error) };
  }
  if (parsed.values.help === true) {
    return { type: 'help', text: helpText(registry) };
  }
  try {
    if (parsed.values.schedule !== undefined) return { type: 'replay', replay: buildReplay(parsed.values, parsed.tokens) };
    return { type: 'run', command: buildCommand(parsed.values, parsed.tokens, options.chooseSeed, registry) };
  } catch (error) {
    if (error instanceof UsageError) {
      return { type: 'error', message: error.message };
    }
    throw error;
  }
}

/** Options that say what run to make: a schedule file says that itself. */
const RUN_OPTIONS: readonly OptionName[] = ['seed', 'seeds', 'duration', 'brokers', 'controllers', 'partitions', 'replication-factor', 'config', 'variant', 'faults', 'groups', 'no-groups', 'jobs', 'stop-on-failure', 'shard'];

function buildReplay(values: ParsedValues, tokens: ParsedTokens): ReplayRequest {
  rejectRepeatedOptions(tokens);
  if (values.shrink === true || values['emit-scenario'] !== undefined) throw new UsageError('--shrink shrinks a seed\'s own run: give --seed N --shrink, not --schedule');
  const given = RUN_OPTIONS.find((name) => values[name] !== undefined);
  if (given !== undefined) throw new UsageError(`--schedule FILE replays the run its file describes; --${given} cannot be given with it (edit the file's args instead)`);
  const traceFile = values.trace === undefined ? undefined : parsePath('--trace', values.trace, 'a file name');
  const reportDir = values.report === undefined ? undefined : parsePath('--report', values.report, 'a directory');
  const emitScheduleFile = values['emit-schedule'] === undefined ? undefined : parsePath('--emit-schedule', values['emit-schedule'], 'a file name');
  return {
    scheduleFile: parsePath('--schedule', values.schedule ?? '', 'a file name'),
    ...(traceFile === undefined ? {} : { traceFile }),
    ...(reportDir === undefined ? {} : { reportDir }),
    json: values.json === true,
    ...(values['full-checks'] === true ? { fullChecks: true } : {}),
    ...(emitScheduleFile === undefined ? {} : { emitScheduleFile }),
  };
}

function buildCommand(
  values: ParsedValues,
  tokens: ParsedTokens,
  chooseSeed: () => number,
  registry: readonly ProtocolVariant[],
): SimCommand {
  rejectRepeatedOptions(tokens);

  const givenSeeds = parseSeeds(values.seed, values.seeds);
  const durationMs = values.duration === undefined ? SIM_DEFAULTS.durationMs : parseDuration(values.duration);
  const brokers =
    values.brokers === undefined ? SIM_DEFAULTS.brokers : parseCount('--brokers', values.brokers, 1, SIM_LIMITS.maxBrokers);
  const controllers = values.controllers === undefined ? SIM_DEFAULTS.controllers : parseControllers(values.controllers);
  const partitions =
    values.partitions === undefined
      ? SIM_DEFAULTS.partitions
      : parseCount('--partitions', values.partitions, 1, SIM_LIMITS.maxPartitions);
  const replicationFactor = parseReplicationFactor(values['replication-factor'], brokers, values.brokers !== undefined);
  const config = parseConfigOverrides(values.config ?? []);
  const variants = parseVariants(values.variant ?? [], registry);
  const variantConfig = mergeVariantConfig(variants, registry, config);
  checkMinInsyncReplicas(config, variantConfig, replicationFactor, values['replication-factor'] !== undefined);
  const faults = values.faults === undefined ? ({ type: 'swarm' } as const) : parseFaults(values.faults);
  const traceFile = values.trace === undefined ? undefined : parsePath('--trace', values.trace, 'a file name');
  const reportDir = values.report === undefined ? undefined : parsePath('--report', values.report, 'a directory');
  const emitScheduleFile = values['emit-schedule'] === undefined ? undefined : parsePath('--emit-schedule', values['emit-schedule'], 'a file name');
  const jobs = values.jobs === undefined ? undefined : parseCount('--jobs', values.jobs, 1, SIM_LIMITS.maxJobs);
  const shard = values.shard === undefined ? undefined : parseShard(values.shard);
  if (shard !== undefined && givenSeeds === undefined) throw new UsageError('--shard slices a sweep: give the whole sweep\'s --seeds too');
  const emitScenario = values['emit-scenario'] === undefined ? undefined : parsePath('--emit-scenario', values['emit-scenario'], 'a file name (a directory for a sweep)');
  if (emitScenario !== undefined && values.shrink !== true) throw new UsageError('--emit-scenario writes a shrunk run: give --shrink too');
  if (values.shrink === true && values.json === true) throw new UsageError('--shrink prints a human account of each shrink; it cannot be given with --json');

  let seeds: readonly number[];
  let seedSource: SimCommand['seedSource'];
  if (givenSeeds === undefined) {
    const chosen = chooseSeed();
    assertIntegerInRange(chosen, 0, SIM_LIMITS.maxSeed, 'chooseSeed() result');
    seeds = [chosen];
    seedSource = 'chosen';
  } else {
    // Interleaved slices: shard I of N runs the seeds at positions I, I + N, I + 2N, ... so that
    // every shard gets a like share of early and late seeds.
    seeds = shard === undefined ? givenSeeds : givenSeeds.filter((_, position) => position % shard.count === shard.index);
    seedSource = 'given';
  }

  return {
    seeds,
    seedSource,
    durationMs,
    brokers,
    controllers,
    partitions,
    replicationFactor,
    config: sortedRecord(config),
    runConfig: sortedRecord(new Map([...[...variantConfig].map(([key, entry]) => [key, entry.value] as const), ...config])),
    variants,
    faults,
    ...(traceFile === undefined ? {} : { traceFile }),
    ...(reportDir === undefined ? {} : { reportDir }),
    json: values.json === true,
    ...(jobs === undefined ? {} : { jobs }),
    stopOnFailure: values['stop-on-failure'] === true,
    ...(shard === undefined ? {} : { shard }),
    ...(values['full-checks'] === true ? { fullChecks: true } : {}),
    groups: parseGroups(values.groups === true, values['no-groups'] === true, variants.filter((name) => registry.find((variant) => variant.name === name)?.groups === true)),
    ...(emitScheduleFile === undefined ? {} : { emitScheduleFile }),
    ...(values.shrink === true ? { shrink: true } : {}),
    ...(emitScenario === undefined ? {} : { emitScenario }),
  };
}

/**
 * `--groups` / `--no-groups`: the consumer groups run unless turned off; a variant whose bug lives
 * in them needs them.
 */
function parseGroups(on: boolean, off: boolean, groupVariants: readonly string[]): boolean {
  if (on && off) throw new UsageError('--groups and --no-groups contradict each other; give one');
  if (off && groupVariants.length > 0) throw new UsageError(`--no-groups: variant ${groupVariants[0] ?? ''} lives in the consumer groups and needs them`);
  return !off;
}

const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000 } as const;

function parseDuration(raw: string): number {
  const match = /^([0-9]+)(ms|s|m)$/.exec(raw);
  if (match === null) {
    throw new UsageError(`--duration must be a whole number with a unit (ms, s or m), such as 60s; got ${quoteForMessage(raw)}`);
  }
  const amount = Number(match[1]);
  const unit = match[2] as keyof typeof DURATION_UNITS_MS;
  const durationMs = amount * DURATION_UNITS_MS[unit];
  if (durationMs === 0) {
    throw new UsageError(`--duration must be more than zero, got ${quoteForMessage(raw)}`);
  }
  if (!(durationMs <= SIM_LIMITS.maxDurationMs)) {
    throw new UsageError(`--duration must be at most 24 hours (1440m), got ${quoteForMessage(raw)}`);
  }
  return durationMs;
}

/** `--controllers`: a KRaft quorum of 1, 3 or 5 voters (an even quorum tolerates no more faults than the odd one below it). */
function parseControllers(raw: string): number {
  const count = parseCount('--controllers', raw, 1, 5);
  if (count !== 1 && count !== 3 && count !== 5) throw new UsageError(`--controllers must be 1, 3 or 5 (a KRaft quorum of voters), got ${count}`);
  return count;
}

function parseReplicationFactor(raw: string | undefined, brokers: number, brokersGiven: boolean): number {
  if (raw === undefined) {
    return defaultReplicationFactor(brokers);
  }
  const replicationFactor = parseCount('--replication-factor', raw, 1, SIM_LIMITS.maxBrokers);
  if (replicationFactor > brokers) {
    throw new UsageError(
      `--replication-factor ${replicationFactor} is more than --brokers ${brokers}${brokersGiven ? '' : ' (the default)'}`,
    );
  }
  return replicationFactor;
}

function parseFaults(raw: string): FaultSelection {
  if (raw === 'none' || raw === 'swarm' || raw === 'swarm-beyond') {
    return { type: raw };
  }
  const chosen = new Set<FaultKind>();
  for (const item of raw.split(',')) {
    if (item === '') {
      throw new UsageError(`--faults has an empty item in ${quoteForMessage(raw)}`);
    }
    if (!isFaultKind(item)) {
      const alone = item === 'none' || item === 'swarm' || item === 'swarm-beyond' ? ` ('${item}' must stand alone)` : '';
      throw new UsageError(
        `--faults: unknown fault kind ${quoteForMessage(item)}${alone}; use none, swarm, swarm-beyond or a comma list of ${FAULT_KINDS.join(', ')}`,
      );
    }
    if (chosen.has(item)) {
      throw new UsageError(`--faults lists ${item} more than once`);
    }
    chosen.add(item);
  }
  return { type: 'kinds', kinds: FAULT_KINDS.filter((kind) => chosen.has(kind)) };
}

function sortedRecord(map: ReadonlyMap<string, string>): Record<string, string> {
  const record: Record<string, string> = {};
  for (const key of [...map.keys()].sort()) {
    const value = map.get(key);
    assert(value !== undefined, `sortedRecord: ${key} has no value`);
    record[key] = value;
  }
  return record;
}

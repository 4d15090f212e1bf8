import fc from 'fast-check';
import { assertNever } from '../../impl/common/assert.ts';
import type { NodeId } from '../../impl/env/node-environment.ts';
import { PARTITION_SHAPES, type FaultEntry, type Link, type PartitionShape } from '../../sim/nemesis/fault-schedule.ts';
import type { FaultKind } from '../../sim/nemesis/fault-kind.ts';
import { checkScheduleTargets, type ScheduleTargets } from '../../sim/nemesis/schedule-file.ts';
import { seedSystem } from '../../sim/run/run-seed.ts';

/**
 * fast-check arbitraries for whole-cluster runs (issue 14): a cluster configuration, a workload
 * and a fault schedule, which `cluster-run.ts` turns into one real run of the simulator.
 *
 * What they draw stays inside what the claims promise: acks=all (the producers' default, never
 * overridden) with `min.insync.replicas` of at least 2, unclean elections off (Kafka's default), and
 * the fault budget on (the run's `--faults` is the default swarm, so a replay puts every
 * data-destroying fault to the budget and holds back what would leave fewer than
 * `min.insync.replicas` brokers intact). A failure is therefore a bug, not a broken promise.
 *
 * Shrinking: the configuration shrinks toward the smallest cluster (3 brokers, 1 partition,
 * replication factor 3, `min.insync.replicas` 2, no consumer groups, 10 s), the workload's seed
 * does not shrink (a smaller seed is another run, not a simpler one), and the schedule, an array,
 * shrinks by removing entries (and, with `shrinkFaults`, then each entry's numbers toward their
 * minimum: earlier, shorter faults). The schedule is drawn from the configuration's own node ids
 * (`seedSystem`); the schedule shrinks first, then the configuration, keeping the schedule
 * (`ClusterCaseArbitrary`).
 */

/** The shape of the cluster and of the run. */
export interface ClusterConfig {
  readonly brokers: number;
  readonly partitions: number;
  readonly replicationFactor: number;
  /** The brokers' `min.insync.replicas` (`--config`); the workload topic then draws none of its own. */
  readonly minInsyncReplicas: number;
  /** The consumer-group workload (two groups) beside the producers and the plain consumer. */
  readonly groups: boolean;
  /** The safety phase: faults strike within it, then the heal. */
  readonly durationMs: number;
}

/**
 * The workload: the run's seed, which draws everything the schedule does not say (the producers'
 * keys, values and timing, the consumers' and groups' choices, the topic's drawn configs, the
 * network's latencies), as in any seeded run.
 */
export interface Workload {
  readonly seed: number;
}

/** One generated case: what `npm run sim -- --schedule FILE` needs, and nothing else. */
export interface ClusterCase {
  readonly config: ClusterConfig;
  readonly workload: Workload;
  /** Fault entries in time order, each with its repair (`end`). */
  readonly schedule: readonly FaultEntry[];
}

/** Bounds of the configuration; a run of 10 to 20 s costs about 1 to 3 s on one core. */
export const CONFIG_BOUNDS = {
  brokers: [3, 4],
  partitions: [1, 3],
  durationMs: [10_000, 20_000],
} as const;

/** The most faults one schedule holds: several overlapping faults in a 10 to 20 s run. */
export const MAX_FAULTS = 8;

/**
 * The earliest a fault is drawn: the cluster's setup (controller, brokers, topic) is done by then in
 * every run measured, and a fault due before the faults start would only be skipped.
 */
export const FIRST_FAULT_MS = 1_000;

/** Seeds as the command line takes them; any would do. */
const MAX_SEED = 2 ** 31 - 1;

export function clusterConfigArbitrary(): fc.Arbitrary<ClusterConfig> {
  return fc
    .record({
      brokers: fc.integer({ min: CONFIG_BOUNDS.brokers[0], max: CONFIG_BOUNDS.brokers[1] }),
      partitions: fc.integer({ min: CONFIG_BOUNDS.partitions[0], max: CONFIG_BOUNDS.partitions[1] }),
      // Drawn as how far above its minimum each is, so that each shrinks toward its minimum
      // whatever the others are, and the cluster stays valid at every step.
      extraReplicas: fc.nat({ max: 1 }),
      extraInsync: fc.nat({ max: 2 }),
      groups: fc.boolean(),
      seconds: fc.integer({ min: CONFIG_BOUNDS.durationMs[0] / 1000, max: CONFIG_BOUNDS.durationMs[1] / 1000 }),
    })
    .map(({ brokers, partitions, extraReplicas, extraInsync, groups, seconds }) => {
      const replicationFactor = Math.min(brokers, 3 + extraReplicas);
      // At least 2: with 1, an acks=all write on a leader alone is acknowledged with one copy,
      // and `lost-write` does not apply (Kafka promises nothing there).
      const minInsyncReplicas = Math.min(replicationFactor, 2 + extraInsync);
      return { brokers, partitions, replicationFactor, minInsyncReplicas, groups, durationMs: seconds * 1000 };
    });
}

export function workloadArbitrary(): fc.Arbitrary<Workload> {
  return fc.record({ seed: fc.noShrink(fc.integer({ min: 1, max: MAX_SEED })) });
}

/** The nodes a configuration's run has, for the schedule to name (and `checkScheduleTargets`). */
export function clusterTargets(config: ClusterConfig): ScheduleTargets {
  // Node ids depend on the cluster's shape, not on the seed.
  const system = seedSystem({
    seed: 1,
    durationMs: config.durationMs,
    brokers: config.brokers,
    partitions: config.partitions,
    replicationFactor: config.replicationFactor,
    faults: { type: 'swarm' },
    config: { 'min.insync.replicas': String(config.minInsyncReplicas) },
    variants: [],
    repro: 'node ids',
    groups: config.groups,
  });
  return {
    servers: system.servers,
    clients: system.clients,
    faultableClients: system.faultableClients ?? [],
    metadataSources: system.metadataSources ?? [],
    durationMs: config.durationMs,
  };
}

/**
 * How often each kind is drawn, relative to the others. Every kind the default swarm may draw (the
 * swarm gives each the same chance of being in a run's mix), weighted here toward the kinds that
 * move leadership and the ISR (crash, shutdown, partitions, stalls), which the guarantees are
 * about, and away from those that take data or the whole cluster away, which the fault budget
 * mostly holds back anyway. Client kinds need the consumer groups (their members are the only
 * clients faults may strike).
 */
const KIND_WEIGHTS: Readonly<Record<FaultKind, number>> = {
  crash: 4,
  'power-loss': 2,
  'cluster-power-loss': 1,
  partition: 4,
  'connection-break': 2,
  'link-lag': 2,
  'slow-metadata': 2,
  bitflip: 1,
  'disk-full': 1,
  'disk-loss': 1,
  'controlled-shutdown': 3,
  'link-stall': 3,
  'client-crash': 1,
  'client-pause': 1,
  'client-stall': 1,
};

/** How a schedule is drawn and shrunk. */
export interface ScheduleOptions {
  /** The most faults (default `MAX_FAULTS`). */
  readonly maxFaults?: number;
  /**
   * Whether shrinking also moves each fault's numbers toward their minimum (earlier, shorter,
   * other targets) once no fault can be removed. Off by default: every candidate is a run of a
   * second or more, and fast-check tries the first fault's numbers before it tries removing the
   * second fault, so this multiplies the runs a shrink takes; removing faults is what makes a
   * counterexample small.
   */
  readonly shrinkFaults?: boolean;
}

/** A fault schedule for a run with these nodes: up to `maxFaults` entries, sorted by `at`. */
export function scheduleArbitrary(targets: ScheduleTargets, options: ScheduleOptions = {}): fc.Arbitrary<readonly FaultEntry[]> {
  const kinds = (Object.keys(KIND_WEIGHTS) as FaultKind[]).filter((kind) => kindAvailable(kind, targets));
  const drawn = fc.oneof(...kinds.map((kind) => ({ arbitrary: faultArbitrary(kind, targets), weight: KIND_WEIGHTS[kind] })));
  const entry = options.shrinkFaults === true ? drawn : fc.noShrink(drawn);
  // Sorted after drawing: fast-check shrinks the array it drew, and every shrunk array sorts into
  // a valid schedule (a stable sort keeps entries due at the same millisecond in drawn order).
  return fc.array(entry, { maxLength: options.maxFaults ?? MAX_FAULTS }).map((entries) => [...entries].sort((a, b) => a.at - b.at));
}

/** How a case is drawn: the schedule's options, and the configurations to draw from. */
export interface CaseOptions extends ScheduleOptions {
  /** The configuration (default `clusterConfigArbitrary()`). */
  readonly config?: fc.Arbitrary<ClusterConfig>;
}

/** The whole case: a configuration, a workload, and a schedule drawn from the configuration's nodes. */
export function clusterCaseArbitrary(options: CaseOptions = {}): fc.Arbitrary<ClusterCase> {
  return new ClusterCaseArbitrary(options.config ?? clusterConfigArbitrary(), workloadArbitrary(), options);
}

/** What a generated case remembers for shrinking: each part's own value and context. */
interface CaseContext {
  readonly config: fc.Value<ClusterConfig>;
  readonly workload: fc.Value<Workload>;
  readonly schedule: fc.Value<readonly FaultEntry[]>;
  /** The arbitrary the schedule was drawn from (the configuration's nodes when drawn). */
  readonly scheduleArbitrary: fc.Arbitrary<readonly FaultEntry[]>;
}

/**
 * The case arbitrary. It draws the configuration, then the workload, then a schedule from the
 * configuration's nodes (what `chain` would do), but shrinks in the order that makes a
 * counterexample small for the fewest runs: the schedule first (each candidate one run), then the
 * configuration with the shrunk schedule kept as it is, wherever it still fits the smaller
 * cluster (`checkScheduleTargets`). `chain` would shrink the configuration first and draw a new
 * schedule for each candidate, so a failure found with eight faults would spend its first runs on
 * new eight-fault schedules and keep few of them.
 */
class ClusterCaseArbitrary extends fc.Arbitrary<ClusterCase> {
  constructor(
    private readonly configs: fc.Arbitrary<ClusterConfig>,
    private readonly workloads: fc.Arbitrary<Workload>,
    private readonly options: ScheduleOptions,
  ) {
    super();
  }

  override generate(mrng: fc.Random, biasFactor: number | undefined): fc.Value<ClusterCase> {
    const config = this.configs.generate(mrng, biasFactor);
    const workload = this.workloads.generate(mrng, biasFactor);
    const schedules = scheduleArbitrary(clusterTargets(config.value_), this.options);
    const schedule = schedules.generate(mrng, biasFactor);
    const context: CaseContext = { config, workload, schedule, scheduleArbitrary: schedules };
    // The workload copied: fast-check's records have no prototype, which its report prints.
    return new fc.Value({ config: config.value_, workload: { seed: workload.value_.seed }, schedule: schedule.value_ }, context);
  }

  /** A case given by hand is not shrunk: shrinking needs its parts' contexts. */
  override canShrinkWithoutContext(_value: unknown): _value is ClusterCase {
    return false;
  }

  override shrink(value: ClusterCase, context: unknown): fc.Stream<fc.Value<ClusterCase>> {
    if (!isCaseContext(context)) return fc.Stream.nil();
    const { config, workload } = value;
    const targets = clusterTargets(config);
    const schedules = context.scheduleArbitrary
      .shrink(context.schedule.value_, context.schedule.context)
      .filter((schedule) => checkScheduleTargets(schedule.value_, targets) === undefined)
      .map((schedule) => new fc.Value<ClusterCase>({ config, workload, schedule: schedule.value_ }, { ...context, schedule }));
    const configs = this.configs
      .shrink(context.config.value_, context.config.context)
      .filter((smaller) => checkScheduleTargets(value.schedule, clusterTargets(smaller.value_)) === undefined)
      .map((smaller) => new fc.Value<ClusterCase>({ config: smaller.value_, workload, schedule: value.schedule }, { ...context, config: smaller }));
    return schedules.join(configs);
  }
}

function isCaseContext(context: unknown): context is CaseContext {
  return typeof context === 'object' && context !== null && 'scheduleArbitrary' in context && 'schedule' in context && 'config' in context;
}

function kindAvailable(kind: FaultKind, targets: ScheduleTargets): boolean {
  switch (kind) {
    case 'client-crash':
    case 'client-pause':
    case 'client-stall':
      return targets.faultableClients.length > 0;
    case 'slow-metadata':
      return targets.metadataSources.length > 0 && targets.servers.some((node) => !targets.metadataSources.includes(node));
    case 'link-stall':
      return targets.servers.length >= 2;
    case 'crash':
    case 'power-loss':
    case 'cluster-power-loss':
    case 'partition':
    case 'connection-break':
    case 'link-lag':
    case 'bitflip':
    case 'disk-full':
    case 'disk-loss':
    case 'controlled-shutdown':
      return true;
    default:
      return assertNever(kind, 'fault kind');
  }
}

/**
 * One fault of `kind`, with the targets, shapes and durations the drawing nemesis gives it
 * (`sim/nemesis/nemesis.ts`), at a time within the safety phase.
 */
function faultArbitrary(kind: FaultKind, targets: ScheduleTargets): fc.Arbitrary<FaultEntry> {
  const at = fc.integer({ min: FIRST_FAULT_MS, max: targets.durationMs - 1 });
  const all = [...targets.servers, ...targets.clients];
  const server = fc.constantFrom(...targets.servers);
  const lasting = (min: number, max: number): fc.Arbitrary<number> => fc.integer({ min, max });
  const lag = (min: number, max: number): fc.Arbitrary<{ latencyMs: number; clogged: boolean }> =>
    fc.record({ clogged: fc.boolean(), latency: fc.integer({ min, max }) }).map(({ clogged, latency }) => ({ clogged, latencyMs: clogged ? 0 : latency }));
  const pair = (from: readonly NodeId[], to: readonly NodeId[]): fc.Arbitrary<Link> =>
    fc.tuple(fc.constantFrom(...from), fc.constantFrom(...to)).filter(([a, b]) => a !== b);
  switch (kind) {
    case 'crash':
    case 'power-loss':
    case 'disk-loss':
    case 'controlled-shutdown':
      return fc.record({ at, node: server, length: lasting(200, 10_000) }).map(({ at, node, length }) => ({ at, type: 'fault', kind, node, end: at + length }));
    case 'bitflip':
    case 'disk-full':
      return fc.record({ at, node: server, length: lasting(500, 10_000) }).map(({ at, node, length }) => ({ at, type: 'fault', kind, node, end: at + length }));
    case 'client-crash':
    case 'client-pause':
    case 'client-stall': {
      const [min, max] = kind === 'client-crash' ? [200, 15_000] : kind === 'client-pause' ? [1_000, 30_000] : [5_000, 30_000];
      return fc
        .record({ at, node: fc.constantFrom(...targets.faultableClients), length: lasting(min, max) })
        .map(({ at, node, length }) => ({ at, type: 'fault', kind, node, end: at + length }));
    }
    case 'cluster-power-loss':
      return fc.record({ at, length: lasting(200, 10_000) }).map(({ at, length }) => ({ at, type: 'fault', kind, end: at + length }));
    case 'partition': {
      const clients = targets.clients;
      const shapes = targets.servers.length >= 3 ? PARTITION_SHAPES : (['isolate', 'one-way'] as const);
      return fc
        .record({
          at,
          length: lasting(500, 15_000),
          shape: fc.constantFrom(...shapes),
          order: fc.shuffledSubarray([...targets.servers], { minLength: targets.servers.length, maxLength: targets.servers.length }),
          sides: fc.array(fc.boolean(), { minLength: clients.length, maxLength: clients.length }),
          oneWay: pair(all, all),
        })
        .map(({ at, length, shape, order, sides, oneWay }) => ({ at, type: 'fault', kind, shape, blocked: partitionLinks(shape, order, clients, sides, oneWay), end: at + length }));
    }
    case 'connection-break':
      return fc.record({ at, nodes: pair(targets.servers, all) }).map(({ at, nodes }) => ({ at, type: 'fault', kind, nodes }));
    case 'link-lag':
      return fc
        .record({ at, link: pair(all, all), lag: lag(20, 2_000), length: lasting(500, 10_000) })
        .map(({ at, link: [from, to], lag: { latencyMs, clogged }, length }) => ({ at, type: 'fault', kind, from, to, latencyMs, clogged, end: at + length }));
    case 'link-stall':
      return fc
        .record({ at, link: pair(targets.servers, targets.servers), length: lasting(2_000, 30_000) })
        .map(({ at, link: [from, to], length }) => ({ at, type: 'fault', kind, from, to, end: at + length }));
    case 'slow-metadata': {
      const sources = targets.metadataSources;
      const receivers = targets.servers.filter((node) => !sources.includes(node));
      if (sources.length === 0 || receivers.length === 0) throw new Error('slow-metadata needs a metadata source and a server that is not one');
      return fc
        .record({ at, to: fc.constantFrom(...receivers), bothWays: fc.boolean(), lag: lag(500, 5_000), length: lasting(2_000, 20_000) })
        .map(({ at, to, bothWays, lag: { latencyMs, clogged }, length }) => ({ at, type: 'fault', kind, from: sources, to, bothWays, latencyMs, clogged, end: at + length }));
    }
    default:
      return assertNever(kind, 'fault kind');
  }
}

/**
 * The links a partition cuts, as `drawPartition` (`sim/nemesis/nemesis.ts`) builds them from its
 * draws: Jepsen's shapes over the servers in `order`, each client on the side `sides` gives it
 * (true: the first), and `oneWay` the one link a one-way partition cuts.
 */
export function partitionLinks(shape: PartitionShape, order: readonly NodeId[], clients: readonly NodeId[], sides: readonly boolean[], oneWay: Link): Link[] {
  if (shape === 'one-way') return [oneWay];
  let sideA: NodeId[];
  let sideB: NodeId[];
  let bridge: NodeId | undefined;
  switch (shape) {
    case 'isolate':
      sideA = order.slice(0, 1);
      sideB = order.slice(1);
      break;
    case 'halves': {
      const cut = Math.floor(order.length / 2);
      sideA = order.slice(0, cut);
      sideB = order.slice(cut);
      break;
    }
    case 'bridge': {
      bridge = order[0];
      const rest = order.slice(1);
      const cut = Math.max(1, Math.floor(rest.length / 2));
      sideA = rest.slice(0, cut);
      sideB = rest.slice(cut);
      break;
    }
    default:
      return assertNever(shape, 'partition shape');
  }
  for (const [index, client] of clients.entries()) (sides[index] === true ? sideA : sideB).push(client);
  const blocked: Link[] = [];
  for (const a of sideA) {
    for (const b of sideB) {
      if (a === bridge || b === bridge) continue;
      blocked.push([a, b], [b, a]);
    }
  }
  return blocked;
}

import { GROUP_WORKLOAD } from '../kafka/group-workload.ts';
import type { TraceSink } from '../core/trace.ts';
import type { FaultSelection } from '../nemesis/fault-kind.ts';
import { DEFAULT_NETWORK_OPTIONS } from '../network/sim-network.ts';
import { ackLogSystem } from '../testkit/ack-log-system.ts';
import { kafkaSystem } from '../kafka/kafka-system.ts';
import { TOPIC_CONFIGS_STREAM, drawTopicConfigs } from '../kafka/topic-configs.ts';
import { AleaRandomStream } from '../random/random-stream.ts';
import type { SystemDefinition } from './system.ts';
import type { Message, SimulatedNode } from '../../impl/env/node-environment.ts';
import type { VariantName } from '../../impl/variants/variant-registry.ts';
import type { MutantName } from '../mutants/mutant-catalogue.ts';
import type { RunResult } from './run-result.ts';
import { Simulation } from './simulation.ts';
import { DEFAULT_SIMULATION_OPTIONS } from './simulation-options.ts';
import type { FaultScript } from './fault-injector.ts';
import { refkaVersion } from './refka-version.ts';

/** What one seeded run of the default system needs; the CLI and the tests build it. */
export interface SeedRun {
  readonly seed: number;
  readonly durationMs: number;
  readonly brokers: number;
  /** The controller quorum's voters (`--controllers`); 3 when absent. */
  readonly controllers?: number;
  /** Kafka topic shape; defaults: 3 partitions, replication factor min(3, brokers). */
  readonly partitions?: number;
  readonly replicationFactor?: number;
  readonly faults: FaultSelection;
  readonly config: Readonly<Record<string, string>>;
  readonly variants: readonly VariantName[];
  readonly repro: string;
  readonly traceSink?: TraceSink;
  /** The system to run: the Kafka cluster (default) or the simulator's self-test, ack-log. */
  readonly system?: 'kafka' | 'ack-log';
  /** Test-only: planted bugs in the Kafka cluster (`sim/mutants/`); the CLI never sets them. */
  readonly mutants?: readonly MutantName[];
  /** Test-only: the self-test system's planted bug (acknowledge before fsync). */
  readonly plantedBug?: 'ack-before-fsync';
  /** Test-only: opt into datagram chaos (no FIFO, duplicates). */
  readonly datagramChaos?: boolean;
  /** Debug switch (`--full-checks`): every state check after every event. */
  readonly fullChecks?: boolean;
  /**
   * The consumer-group workload (`GROUP_WORKLOAD`) beside the producers and plain consumers: on
   * unless false (`--no-groups`).
   */
  readonly groups?: boolean;
  /** A schedule to play instead of drawing faults (`--schedule FILE`); the rest of the run is the seed's. */
  readonly schedule?: FaultScript;
  /** Record the run's timeline for the report's timeline page (`RunResult.timeline`). */
  readonly timeline?: boolean;
}

/**
 * Runs one seed of the default system, the Kafka cluster (`sim/kafka/`), or of the simulator's
 * self-test system, ack-log (`sim/testkit/`), which the simulator's own tests use.
 */
export function runSeed(run: SeedRun): RunResult {
  return seedSimulation(run).run();
}

/** The simulation `runSeed` runs, not started: for tools that step through a seed's run. */
export function seedSimulation(run: SeedRun): Simulation<Message, SimulatedNode<Message>, unknown> {
  const network = run.datagramChaos === true
    ? { ...DEFAULT_NETWORK_OPTIONS, datagramChaos: { duplicateProbability: 0.05 } }
    : DEFAULT_NETWORK_OPTIONS;
  const system = seedSystem(run);
  const replicationFactor = run.replicationFactor ?? Math.min(3, run.brokers);
  return new Simulation(
    {
      ...DEFAULT_SIMULATION_OPTIONS,
      seed: run.seed,
      durationMs: run.durationMs,
      faults: run.faults,
      network,
      repro: run.repro,
      ...(run.traceSink === undefined ? {} : { traceSink: run.traceSink, traceHeader: traceHeader(run, replicationFactor, system.config ?? {}) }),
      ...(run.fullChecks === true ? { fullChecks: true } : {}),
      ...(run.schedule === undefined ? {} : { schedule: run.schedule }),
      ...(run.timeline === true ? { timeline: true } : {}),
    },
    system,
  );
}

/** The system a seed's run runs (its nodes, for one, which a schedule's entries must name). */
export function seedSystem(run: SeedRun): SystemDefinition<Message, SimulatedNode<Message>, unknown> {
  const replicationFactor = run.replicationFactor ?? Math.min(3, run.brokers);
  // The default run protects acks=all writes with min.insync.replicas=2 (Kafka's default is 1),
  // drops a lagging follower from the ISR after 10 s (Kafka's default before KIP-537 raised it to
  // 30 s in 2.5), so that lag-driven ISR shrinks happen within a one-minute run, and looks for
  // leaders to move back to their preferred replica every 5 s instead of every 300 s, so that a
  // failover is followed by the failback a real cluster would see within the minute, and runs
  // retention every 5 s instead of every 300 s, so that a drawn retention bound deletes segments
  // within the minute, and has each controller snapshot its metadata every 16 KiB of records
  // instead of every 20 MiB, so that snapshots are written, loaded and fetched within the minute
  // (KIP-630). The run's config shows all five, and --config or a variant can change them.
  const config = run.system === 'ack-log'
    ? run.config
    : {
        'leader.imbalance.check.interval.seconds': '5',
        'log.retention.check.interval.ms': '5000',
        'metadata.log.max.record.bytes.between.snapshots': '16384',
        'min.insync.replicas': String(Math.min(2, replicationFactor)),
        'replica.lag.time.max.ms': '10000',
        ...run.config,
      };
  // The workload topic's configs are drawn per seed from their own stream; a key that --config or
  // a variant sets is not drawn, so the command line wins over the draw.
  const topicConfigs = run.system === 'ack-log'
    ? {}
    : drawTopicConfigs(new AleaRandomStream(run.seed, TOPIC_CONFIGS_STREAM), replicationFactor, new Set(Object.keys(run.config)));
  const system = run.system === 'ack-log'
    ? ackLogSystem({ servers: run.brokers, clients: 2, stopAtMs: run.durationMs, fsyncBeforeAck: run.plantedBug !== 'ack-before-fsync' })
    : kafkaSystem({
        seed: run.seed,
        brokers: run.brokers,
        ...(run.controllers === undefined ? {} : { controllers: run.controllers }),
        partitions: run.partitions ?? 3,
        replicationFactor,
        producers: 2,
        consumers: 1,
        stopAtMs: run.durationMs,
        config: sortedConfig(config),
        variants: run.variants,
        topicConfigs,
        ...(run.groups === false ? {} : { groups: GROUP_WORKLOAD }),
        ...(run.mutants === undefined ? {} : { mutants: run.mutants }),
      });
  // The run's config as the report and the checkers see it is what the workload topic runs
  // with: the brokers' settings, then the topic's own (drawn) overrides.
  return { ...system, config: sortedConfig({ ...config, ...topicConfigs }), variants: run.variants } as SystemDefinition<Message, SimulatedNode<Message>, unknown>;
}

/** The trace's first line (`--trace`): the version, and every option the run was given. */
function traceHeader(run: SeedRun, replicationFactor: number, config: Readonly<Record<string, string>>): Record<string, unknown> {
  return {
    version: refkaVersion(),
    seed: run.seed,
    durationMs: run.durationMs,
    brokers: run.brokers,
    controllers: run.controllers ?? 3,
    partitions: run.partitions ?? 3,
    replicationFactor,
    faults: run.faults,
    groups: run.groups !== false,
    config: sortedConfig(config),
    variants: run.variants,
    ...(run.mutants === undefined ? {} : { mutants: run.mutants }),
    ...(run.fullChecks === true ? { fullChecks: true } : {}),
    repro: run.repro,
  };
}

function sortedConfig(config: Readonly<Record<string, string>>): Record<string, string> {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(config).sort()) sorted[key] = config[key] as string;
  return sorted;
}

import type { TraceSink } from '../core/trace.ts';
import type { FaultSelection } from '../nemesis/fault-kind.ts';
import { DEFAULT_NETWORK_OPTIONS } from '../network/sim-network.ts';
import { ackLogSystem } from '../testkit/ack-log-system.ts';
import type { RunResult } from './run-result.ts';
import { DEFAULT_SIMULATION_OPTIONS, Simulation } from './simulation.ts';

/** What one seeded run of the default system needs; the CLI and the tests build it. */
export interface SeedRun {
  readonly seed: number;
  readonly durationMs: number;
  readonly brokers: number;
  readonly faults: FaultSelection;
  readonly config: Readonly<Record<string, string>>;
  readonly variants: readonly string[];
  readonly repro: string;
  readonly traceSink?: TraceSink;
  /** Test-only: the self-test system's planted bug (acknowledge before fsync). */
  readonly plantedBug?: 'ack-before-fsync';
  /** Test-only: opt into datagram chaos (no FIFO, duplicates). */
  readonly datagramChaos?: boolean;
}

/**
 * Runs one seed of the default system. Until the replication issue lands the Kafka cluster, the
 * default system is the simulator's self-test, ack-log, with one server per `--brokers`.
 */
export function runSeed(run: SeedRun): RunResult {
  const system = ackLogSystem({
    servers: run.brokers,
    clients: 2,
    stopAtMs: run.durationMs,
    fsyncBeforeAck: run.plantedBug !== 'ack-before-fsync',
  });
  const network = run.datagramChaos === true
    ? { ...DEFAULT_NETWORK_OPTIONS, datagramChaos: { duplicateProbability: 0.05 } }
    : DEFAULT_NETWORK_OPTIONS;
  const simulation = new Simulation(
    {
      ...DEFAULT_SIMULATION_OPTIONS,
      seed: run.seed,
      durationMs: run.durationMs,
      faults: run.faults,
      network,
      repro: run.repro,
      ...(run.traceSink === undefined ? {} : { traceSink: run.traceSink }),
    },
    { ...system, config: run.config, variants: run.variants },
  );
  return simulation.run();
}

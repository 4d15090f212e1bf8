/**
 * What a run is asked to do (seed, phase lengths, budgets, faults, what it records) and the
 * defaults a run starts from. Apart from the engine (`simulation.ts`) because every caller that
 * builds a run (the command line, the sweep workers, scenarios, tests, benches) reads these, and
 * none of them needs the engine's internals to do so.
 */
import type { TraceSink } from '../core/trace.ts';
import type { FaultSelection } from '../nemesis/fault-kind.ts';
import { DEFAULT_NETWORK_OPTIONS, type NetworkOptions } from '../network/sim-network.ts';
import type { FaultScript } from './fault-injector.ts';

export interface SimulationOptions {
  readonly seed: number;
  /** Length of the safety phase, in which faults strike. */
  readonly durationMs: number;
  /** After the heal, how long the system has to converge before the run fails on liveness. */
  readonly healTimeoutMs: number;
  /** Events the run may process; more is a runaway and a reported failure, never a hang. */
  readonly eventBudget: number;
  readonly faults: FaultSelection;
  readonly network: NetworkOptions;
  /** A schedule to play instead of drawing faults (`--schedule FILE`). */
  readonly schedule?: FaultScript;
  /** Where trace lines go (`--trace FILE`); the digest is computed either way. */
  readonly traceSink?: TraceSink;
  /** What the trace's first line says about the run (version, seed, options), beside the system's name. */
  readonly traceHeader?: Readonly<Record<string, unknown>>;
  /** The command line that reproduces this run, for the result. */
  readonly repro: string;
  readonly historyLimit: number;
  /** How often the OS flusher writes back expired dirty pages (vm.dirty_writeback_centisecs). */
  readonly writebackIntervalMs: number;
  readonly convergenceCheckIntervalMs: number;
  /**
   * Debug switch (`--full-checks`): run every state check after every event, as if any event
   * could change what they read. Off, checks run only after events a state node handled (see
   * `SystemDefinition.stateNodes`) or once a timed verdict may have changed; both give the same
   * violations at the same times (`checks-incremental.test.ts`), this one far slower.
   */
  readonly fullChecks?: boolean;
  /**
   * Record a timeline for the report (`--report`, `RunResult.timeline`): node status changes,
   * completed operations and the system's own rows. Outside the digest; off in sweeps' passing seeds.
   */
  readonly timeline?: boolean;
}

/**
 * The latest a system's setup may take (see `SystemDefinition.readyForFaults`): faults start then
 * even if the system is not ready, so that a setup that cannot finish is still tested.
 */
export const SETUP_DEADLINE_MS = 20_000;
/** How long a process supervisor waits before starting a process that halted on a failure (systemd's `RestartSec`). */
export const SUPERVISOR_RESTART_DELAY_MS = 5_000;

export const DEFAULT_SIMULATION_OPTIONS: Omit<SimulationOptions, 'seed' | 'repro'> = {
  durationMs: 60_000,
  healTimeoutMs: 60_000,
  eventBudget: 5_000_000,
  faults: { type: 'swarm' },
  network: DEFAULT_NETWORK_OPTIONS,
  historyLimit: 2_000_000,
  writebackIntervalMs: 5_000,
  convergenceCheckIntervalMs: 100,
};

/**
 * A stepped simulation (a scenario script) used up its event budget: a runaway, or a script that
 * asks for more simulated time than the budget holds. A run's loop reports it as liveness instead.
 */
export class EventBudgetExceeded extends Error {
  constructor(readonly budget: number, readonly atMs: number) {
    super(`event budget of ${budget} exceeded at ${atMs} ms`);
    this.name = 'EventBudgetExceeded';
  }
}

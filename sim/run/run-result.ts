import type { RunTimeline } from './run-timeline.ts';
import type { FaultKind } from '../nemesis/fault-kind.ts';
import type { ScheduleEntry } from '../nemesis/fault-schedule.ts';
import type { FindingSubject, InvariantKind } from '../invariants/invariant.ts';

/** `safety`: an invariant that applies was violated. `liveness`: the heal phase did not converge
 * (or an `eventually` invariant failed). `crash`: node or simulator code threw. */
export type Verdict = 'pass' | 'safety' | 'liveness' | 'crash';

/** Exit codes, a command-line contract: a sweep exits with the worst verdict seen. */
export const EXIT_CODES = {
  pass: 0,
  safety: 1,
  usage: 2,
  liveness: 3,
  crash: 4,
} as const;

/** Worse verdicts win when runs are combined; crash is worst because it stops checking. */
export const VERDICT_SEVERITY: Readonly<Record<Verdict, number>> = { pass: 0, liveness: 1, safety: 2, crash: 3 };

export function worseVerdict(a: Verdict, b: Verdict): Verdict {
  return VERDICT_SEVERITY[a] >= VERDICT_SEVERITY[b] ? a : b;
}

export interface Violation {
  readonly invariant: string;
  readonly atMs: number;
  readonly message: string;
  /** False when the claim does not apply to this run's configuration or faults. */
  readonly applies: boolean;
  /** What it is about (a partition, an offset, a record), where the claim or its explanation knows it. */
  readonly subject?: FindingSubject;
  /**
   * Why, in lines a person reads (`SystemDefinition.explain`): the claim, the record, each
   * replica's state, and what happened before. Present on the first applicable violation of each
   * claim, for a few claims per run (`MAX_EXPLAINED_CLAIMS`).
   */
  readonly explanation?: readonly string[];
}

/** A finding the claim's promise did not cover: counted and listed with its faults, not a violation. */
export interface Excused {
  readonly invariant: string;
  readonly atMs: number;
  readonly message: string;
  /** The faults that put this record or moment outside the promise. */
  readonly faults: readonly string[];
}

export interface InvariantStats {
  readonly name: string;
  readonly kind: InvariantKind;
  readonly source: string;
  readonly statement: string;
  readonly applies: boolean;
  readonly notApplicableReason?: string;
  /** How many times the checker ran. */
  readonly checked: number;
  /** For `sometimes`: times the behaviour was seen. For the others: times it held. */
  readonly hit: number;
  readonly violations: number;
  /** Findings excused per record or moment (see {@link Excused}). */
  readonly excused: number;
}

export interface MachineCoverage {
  readonly machine: string;
  /** Every state id of the machine, from `@xstate/graph`'s `toDirectedGraph`. */
  readonly states: readonly string[];
  readonly statesReached: readonly string[];
  /** Every transition, as `source --event--> target`. */
  readonly transitions: readonly string[];
  readonly transitionsTaken: readonly string[];
  /** Transitions the implementation reported and the model rejected. */
  readonly rejected: number;
}

export interface RunResult {
  readonly seed: number;
  readonly digest: string;
  readonly simulatedMs: number;
  /** Events taken from the simulator's queue (deliveries, timers, faults, node steps). */
  readonly events: number;
  /** Lines of the trace: every event plus what it caused (sends, disk operations, transitions). */
  readonly traceEntries: number;
  readonly verdict: Verdict;
  readonly violations: readonly Violation[];
  /** Excused findings, up to 50 per invariant. */
  readonly excused: readonly Excused[];
  readonly faults: Readonly<Record<FaultKind, number>>;
  /** Data-destroying faults the fault budget held back, by kind (`SystemDefinition.faultBudget`). */
  readonly faultsHeldBack: Readonly<Record<FaultKind, number>>;
  /** Scripted faults (`--schedule`) whose targets could not take them when their time came, by kind. */
  readonly faultsSkipped: Readonly<Record<FaultKind, number>>;
  /**
   * What the nemesis decided, in time order: every fault with its targets and repair time, those
   * held back, skipped or idle (`sim/nemesis/fault-schedule.ts`). Replayed, it is this run.
   */
  readonly schedule: readonly ScheduleEntry[];
  readonly config: Readonly<Record<string, string>>;
  readonly variants: readonly string[];
  /** A command line that reproduces the run. */
  readonly repro: string;
  readonly system: string;
  readonly invariants: readonly InvariantStats[];
  readonly machines: readonly MachineCoverage[];
  /** Present for `crash`: the exception's message, and where it was thrown. */
  readonly crash?: { readonly message: string; readonly stack: string };
  /** What did not converge: present for `liveness`, and for a run whose convergence claim did not apply (the text says why). */
  readonly liveness?: string;
  /** Why, in lines a person reads (`SystemDefinition.explain` on what did not converge): present with `liveness` when the system explains. */
  readonly livenessExplanation?: readonly string[];
  /** What the run's fault mix was (swarm testing chooses it per seed). */
  readonly faultPlan: string;
  /** The system's description of the cluster at the end (Kafka: `kafka-topics.sh --describe`). */
  readonly summary: readonly string[];
  /**
   * What the timeline page draws (`sim/report/timeline-svg.ts`): present only when the run was
   * asked to record one (`--report` on a single seed, or a failing seed of a sweep).
   */
  readonly timeline?: RunTimeline;
}

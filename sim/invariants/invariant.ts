import { assert } from '../../impl/common/assert.ts';
import type { HistoryEntry } from '../run/history.ts';

/**
 * How an invariant is judged.
 * - `always`: must hold at every check; one failure is a violation (a safety verdict).
 * - `sometimes`: must be seen at least once across a sweep of seeds; it is evidence that the
 *   sweep exercised a behaviour (TigerBeetle's coverage marks, Antithesis' "sometimes").
 * - `eventually`: must hold once the heal phase has converged; a failure is a liveness verdict.
 */
export type InvariantKind = 'always' | 'sometimes' | 'eventually';

/**
 * What a checker found wrong. With `excusedBy` it is excused: the claim's promise did not cover
 * this one case (per record, per moment), and `excusedBy` names the faults that put it outside
 * (e.g. the power losses that destroyed every copy of a record). It is counted and listed, never
 * a violation. Without it, it is a violation.
 */
export interface Finding {
  readonly message: string;
  readonly excusedBy?: readonly string[];
  /** What the finding is about, where the claim knows it: its explanation starts there. */
  readonly subject?: FindingSubject;
}

/**
 * What a finding is about, in the system's own names (for Kafka: a `topic-partition`, an offset in
 * it, broker node ids, a producer's record), so that a person, a report or a tool can find it
 * without parsing the message. Every field is optional: a claim fills in what it knows.
 */
export interface FindingSubject {
  /** The partition (or log) it is about, e.g. `t-2`. */
  readonly partition?: string;
  /** The offset in that partition it is about. */
  readonly offset?: number;
  /** The record value at that offset it is about, where the claim knows which one it means. */
  readonly value?: string;
  /** The nodes it names, e.g. the replica that lacks a record and the leader that holds it. */
  readonly nodes?: readonly string[];
  /** The record it is about, where one is. */
  readonly record?: RecordSubject;
  /** The consumer group it is about (Kafka's `group.id`), for the group claims. */
  readonly group?: string;
}

/** A violation explained for a person (`SystemDefinition.explain`). */
export interface Explanation {
  readonly lines: readonly string[];
  /** The finding's subject completed by what the explanation looked up (the record at an offset, say). */
  readonly subject?: FindingSubject;
}

/** A record a finding is about: who wrote it, where it landed, when and how it was acknowledged. */
export interface RecordSubject {
  readonly producer: string;
  readonly key?: string;
  readonly value: string;
  readonly partition: string;
  readonly offset: number;
  /** When the producer got its acknowledgement, if it did. */
  readonly acknowledgedAtMs?: number;
  /** The producer's `acks` setting for it (`all`, `1`, `0`). */
  readonly acks?: string;
}

/** How an invariant's checker reads the run. */
export type InvariantChecker<View> =
  /** `always`, over cluster state: returns a violation message (or a finding), or undefined when it holds. */
  | {
      readonly type: 'state';
      /**
       * One finding per call. After an excused one the monitor calls again with the same view
       * (`InvariantMonitor.recheckPastExcused`), so a claim that may see more than one finding at
       * once must move past what it excused (remember it), or prefer a violation to an excuse:
       * an excused finding must never hide another.
       */
      check(view: View): string | Finding | undefined;
      /**
       * For a checker whose verdict can change with time alone (a bound in ms): after a check, the
       * earliest simulated time at which the same state may be judged differently, or undefined
       * when only a change of state can change it. State checks are skipped after events that
       * change no state the checkers read, so without this a timed violation would be found late.
       */
      nextChangeAtMs?(): number | undefined;
      /**
       * A value that moves (compared with `===`) whenever anything this check reads may have
       * moved; undefined when it cannot tell. While it is the value of this checker's last check
       * that held, and no time that check named (`nextChangeAtMs`) has come, the monitor does not
       * run the check again: it would judge the same input the same way (issue 12: the group and
       * quorum claims read parts of the view that most events leave alone). Ignored under the
       * full-checks debug switch. A claim that reads anything this value does not cover must not
       * give one.
       */
      readsVersion?(view: View): unknown;
    }
  /**
   * `always`, over the history: its index (shared by every checker that names the same one) reads
   * each entry as it is recorded; `check` judges the finished index and returns everything found,
   * violations and excused. Built with {@link historyChecker}.
   */
  | HistoryChecker<View, unknown>
  /**
   * `always`, judged by the simulator itself at each occurrence of what it watches (e.g. every
   * lifecycle transition the conformance monitor replays through the model).
   */
  | { readonly type: 'observed' }
  /** `sometimes`, hit whenever a node emits a `mark` effect with the invariant's name. */
  | { readonly type: 'mark' }
  /** `sometimes`, hit whenever the predicate holds over cluster state. */
  | { readonly type: 'state-predicate'; holds(view: View): boolean }
  /** `eventually`, checked once after the heal phase converged (or timed out). */
  | { readonly type: 'final'; check(view: View): string | Finding | undefined }
  /**
   * `eventually`, over the history: judged once after the heal phase converged, over the finished
   * index (shared like a history checker's), returning everything found, violations and excused,
   * so that each finding is excused on its own. Built with {@link finalHistoryChecker}.
   */
  | FinalHistoryChecker<View, unknown>;

/** Something a history checker found, at the simulated time it happened. */
export type HistoryFinding = Finding & { readonly atMs: number };

/**
 * What history checkers read of a run's history, kept as the run goes (issue 12): a run keeps no
 * history of its own, so that a long run's memory holds only what its checkers need, not every
 * operation. One index serves every checker that names it, built once per run.
 */
export interface HistoryIndexDefinition<Index> {
  /** For messages and the monitor's bookkeeping. */
  readonly name: string;
  /** A new, empty index for one run (or one test). */
  create(): HistoryIndexer<Index>;
}

export interface HistoryIndexer<Index> {
  /** Reads the next entry, in history order (entry `index` 0, 1, 2, ...). */
  observe(entry: HistoryEntry): void;
  /** The index over every entry observed so far. */
  finish(): Index;
  /**
   * The index so far, without finishing it (it goes on reading entries): for explaining a
   * violation found mid-run. Absent: the index cannot be read before the run ends.
   */
  peek?(): Index;
}

export interface HistoryChecker<View, Index> {
  readonly type: 'history';
  readonly index: HistoryIndexDefinition<Index>;
  check(index: Index, view: View): readonly HistoryFinding[];
}

/** A history checker over `index`, typed at its definition. */
export function historyChecker<View, Index>(index: HistoryIndexDefinition<Index>, check: (index: Index, view: View) => readonly HistoryFinding[]): InvariantChecker<View> {
  const checker: HistoryChecker<View, Index> = { type: 'history', index, check };
  return checker as HistoryChecker<View, unknown>;
}

export interface FinalHistoryChecker<View, Index> {
  readonly type: 'final-history';
  readonly index: HistoryIndexDefinition<Index>;
  check(index: Index, view: View): readonly HistoryFinding[];
}

/** An `eventually` checker over `index`, judged once after the heal converged; typed at its definition. */
export function finalHistoryChecker<View, Index>(index: HistoryIndexDefinition<Index>, check: (index: Index, view: View) => readonly HistoryFinding[]): InvariantChecker<View> {
  const checker: FinalHistoryChecker<View, Index> = { type: 'final-history', index, check };
  return checker as FinalHistoryChecker<View, unknown>;
}

/** Judges a whole history at once with one history (or final history) checker: for tests and tools. */
export function checkHistoryEntries<View>(checker: InvariantChecker<View>, history: readonly HistoryEntry[], view: View): readonly HistoryFinding[] {
  assert(checker.type === 'history' || checker.type === 'final-history', 'not a history checker');
  const indexer = checker.index.create();
  for (const entry of history) indexer.observe(entry);
  return checker.check(indexer.finish(), view);
}

/** Whether a claim applies to this run's configuration and faults (issue 4's `applies: false`). */
export interface Applicability {
  readonly applies: boolean;
  /** Why it does not apply, in a sentence, when `applies` is false. */
  readonly reason?: string;
}

export interface InvariantDefinition<View> {
  /** The name from the TLA+ specs, Jepsen or Kafka, e.g. `LeaderInIsr` or `lost-write`. */
  readonly name: string;
  readonly kind: InvariantKind;
  /** Where the invariant comes from: a KIP, a TLA+ module, a Jepsen checker, a JIRA. */
  readonly source: string;
  /** One sentence stating what must hold. */
  readonly statement: string;
  readonly checker: InvariantChecker<View>;
  /** Absent means the claim always applies. */
  applicability?(context: RunContext): Applicability;
}

/** What an invariant may ask about the run as a whole. */
export interface RunContext {
  readonly seed: number;
  readonly config: Readonly<Record<string, string>>;
  readonly variants: readonly string[];
  /** Faults injected so far, by kind. */
  readonly faults: Readonly<Record<string, number>>;
  /** What the faults did to data that nothing can detect. */
  readonly corruption: Readonly<Corruption>;
}

/**
 * Damage the run's checksums cannot see. A bit flipped where no checksum covers it (for Kafka:
 * a batch's base offset or partition leader epoch, which its CRC leaves out, or a checkpoint
 * file) is served and replicated as if it were true, so the claims that replicas agree, and the
 * promise that they converge, do not hold after one; claims judge by this count, not by whether
 * the `bitflip` fault ran at all.
 */
export interface Corruption {
  /** Bit flips, on write or on read, that landed where no checksum covers them. */
  uncheckedFlips: number;
}

/**
 * The applicability of a claim that undetectable corruption breaks: it applies until a bit flip
 * lands where no checksum covers it. `consequence` says what such a flip does to the claim.
 */
export function uncheckedFlipApplicability(context: RunContext, consequence: string): Applicability {
  const flips = context.corruption.uncheckedFlips;
  if (flips === 0) return { applies: true };
  return { applies: false, reason: `${flips} bit flip(s) landed where no checksum looks: ${consequence}` };
}

/**
 * A `sometimes` invariant hit by `mark` effects of the same name: a behaviour a sweep of seeds
 * must reach at least once, or the faults are not exercising what it guards.
 */
export function markInvariant<View>(name: string, source: string, statement: string): InvariantDefinition<View> {
  return { name, kind: 'sometimes', source, statement, checker: { type: 'mark' } };
}

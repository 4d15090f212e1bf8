import { assert, assertNever, fail } from '../../impl/common/assert.ts';
import type { HistoryEntry } from '../run/history.ts';
import type { Excused, InvariantStats, Violation } from '../run/run-result.ts';
import type { Applicability, Explanation, FinalHistoryChecker, Finding, HistoryIndexDefinition, HistoryIndexer, InvariantChecker, InvariantDefinition, RunContext } from './invariant.ts';

interface Tally {
  checked: number;
  hit: number;
  violations: number;
  excused: number;
}

/** No check with a `readsVersion` is on record (`InvariantMonitor.lastChecks`): equal to no version. */
const NO_VERSION: unique symbol = Symbol('no version');

/** What the monitor keeps of one state check's last run (`InvariantMonitor.lastChecks`). */
interface StateCheckMemory {
  version: unknown;
  changeAtMs: number | undefined;
  held: boolean;
  lastRecorded: string | undefined;
}

/** A finding's identity for `checkState`'s "recorded already": its message and the faults excusing it. */
function findingKey(found: string | Finding): string {
  if (typeof found === 'string') return found;
  return found.excusedBy === undefined ? found.message : `${found.message}\u0000${found.excusedBy.join('\u0000')}`;
}

/**
 * Findings one state check may record at one moment (`recheckPastExcused`): more than the
 * partitions of the largest cluster the CLI builds (1000), with their coordinator shards.
 */
const MAX_FINDINGS_PER_CHECK = 1100;

/** Messages kept per invariant: the first few say what went wrong, the count says how often. */
const VIOLATION_MESSAGES_KEPT = 3;
/** Excused findings kept per invariant, each with the faults that excuse it. */
const EXCUSED_KEPT = 50;
/**
 * Claims whose first applicable violation is explained, per run: an explanation reads the run's
 * recent history, and a run that breaks many claims at once is explained by its first few.
 */
export const MAX_EXPLAINED_CLAIMS = 8;

/** What the simulator does with violations as they are found. */
export interface ViolationHooks<View> {
  /**
   * Explains a claim's first applicable violation from the view it was found in; undefined when
   * there is nothing to say. Called for at most {@link MAX_EXPLAINED_CLAIMS} claims per run.
   */
  explain?(violation: Violation, view: View): Explanation | undefined;
  /** Each violation kept (the first few of each claim), as found, explained or not. */
  found?(violation: Violation): void;
}

/**
 * Runs a system's registered invariants during and after a run and keeps the tallies every
 * report shows. Each invariant is defined once (in `properties/`); this class only schedules the
 * checks and records what they found.
 */
export class InvariantMonitor<View> {
  private readonly tallies = new Map<string, Tally>();
  private readonly byMark = new Map<string, InvariantDefinition<View>>();
  private readonly stateChecks: InvariantDefinition<View>[] = [];
  /** The tally of each of `stateChecks`, in its order: looked up once, not per check. */
  private readonly stateTallies: Tally[] = [];
  private readonly kept: Violation[] = [];
  private readonly excusedKept: Excused[] = [];
  private firstApplicableViolationAtMs: number | undefined;
  private timedCheckAtMs = Infinity;
  /** One indexer per history index the history checkers name, in registration order. */
  private readonly historyIndexers = new Map<HistoryIndexDefinition<unknown>, HistoryIndexer<unknown>>();
  /** How many claims have had a violation explained, and which. */
  private explained = 0;
  private readonly explainedClaims = new Set<string>();

  /**
   * Per state check, in `stateChecks` order: the `readsVersion` of its last check (NO_VERSION: none
   * ran, or the claim names none), the `nextChangeAtMs` it gave then, whether that check held, and
   * the finding it recorded last (`findingKey`), which it does not record again while it stands.
   */
  private readonly lastChecks: StateCheckMemory[] = [];

  /**
   * `fullChecks` is the debug switch: every state check runs after every event, none is skipped
   * for an unchanged `readsVersion`.
   */
  constructor(private readonly definitions: readonly InvariantDefinition<View>[], private readonly hooks: ViolationHooks<View> = {}, private readonly fullChecks = false) {
    const names = new Set<string>();
    for (const definition of definitions) {
      assert(!names.has(definition.name), `invariant '${definition.name}' is registered twice`);
      names.add(definition.name);
      assertKindMatchesChecker(definition);
      this.tallies.set(definition.name, { checked: 0, hit: 0, violations: 0, excused: 0 });
      if (definition.checker.type === 'mark') this.byMark.set(definition.name, definition);
      if (definition.checker.type === 'state' || definition.checker.type === 'state-predicate') {
        this.stateChecks.push(definition);
        this.stateTallies.push(this.tally(definition.name));
        this.lastChecks.push({ version: NO_VERSION, changeAtMs: undefined, held: false, lastRecorded: undefined });
      }
      const checker = definition.checker;
      if ((checker.type === 'history' || checker.type === 'final-history') && !this.historyIndexers.has(checker.index)) {
        this.historyIndexers.set(checker.index, checker.index.create());
      }
    }
  }

  /** Whether an applicable `always` invariant has failed: the run's verdict is then `safety`. */
  get safetyViolated(): boolean {
    return this.firstApplicableViolationAtMs !== undefined;
  }

  get violations(): readonly Violation[] {
    return this.kept;
  }

  /** Findings excused per record or per moment, with the faults that excuse each. */
  get excused(): readonly Excused[] {
    return this.excusedKept;
  }

  /**
   * A history index as read so far (`HistoryIndexer.peek`), for explanations; undefined when no
   * registered claim uses it or it cannot be read before the run ends.
   */
  historyIndex<Index>(definition: HistoryIndexDefinition<Index>): Index | undefined {
    return this.historyIndexers.get(definition as HistoryIndexDefinition<unknown>)?.peek?.() as Index | undefined;
  }

  /** A node emitted a coverage mark; it must name a registered `sometimes` invariant. */
  mark(name: string): void {
    const definition = this.byMark.get(name);
    assert(definition !== undefined, `mark '${name}' names no registered sometimes invariant`);
    const tally = this.tally(name);
    tally.checked++;
    tally.hit++;
  }

  /**
   * Records one check of an `observed` invariant made by the simulator: `violation` is undefined
   * when it held.
   */
  observe(name: string, atMs: number, violation: string | undefined, context: RunContext): void {
    const tally = this.tally(name);
    const definition = this.definitions.find((candidate) => candidate.name === name);
    assert(definition !== undefined && definition.checker.type === 'observed', `'${name}' is not an observed invariant`);
    tally.checked++;
    if (violation === undefined) tally.hit++;
    else this.record(definition, atMs, violation, context);
  }

  /**
   * The earliest time at which a timed state checker may judge the last checked state differently
   * (`nextChangeAtMs`); Infinity when none waits on time.
   */
  get nextTimedCheckAtMs(): number {
    return this.timedCheckAtMs;
  }

  /** Runs every state checker and state predicate; called after each event that changed state. */
  checkState(atMs: number, view: View, context: RunContext): void {
    let next = Infinity;
    const stateChecks = this.stateChecks;
    for (let index = 0; index < stateChecks.length; index++) {
      const definition = stateChecks[index] as InvariantDefinition<View>;
      const tally = this.stateTallies[index] as Tally;
      tally.checked++;
      const checker = definition.checker;
      if (checker.type === 'state-predicate') {
        if (checker.holds(view)) tally.hit++;
        continue;
      }
      assert(checker.type === 'state', 'state checks hold only state checkers and predicates');
      const memory = this.lastChecks[index] as StateCheckMemory;
      const version = this.fullChecks || checker.readsVersion === undefined ? undefined : checker.readsVersion(view);
      if (version !== undefined && version === memory.version && (memory.changeAtMs === undefined || atMs < memory.changeAtMs)) {
        // Nothing it reads moved since its last check, and no time it named has come: the same
        // input, the same verdict. Counted as the check it stands for; a finding it made then
        // stands, and is not recorded again (below).
        if (memory.held) tally.hit++;
        if (memory.changeAtMs !== undefined) next = Math.min(next, memory.changeAtMs);
        continue;
      }
      const found = checker.check(view);
      if (found === undefined) tally.hit++;
      else {
        // A finding that stands is found again at every check until the state moves on: it is
        // recorded when first made and again only when it differs from the claim's last recorded
        // one, so that a report shows one entry per finding, not one per event it outlived, and
        // checking after every event (`--full-checks`) records exactly what this does.
        const key = findingKey(found);
        if (key !== memory.lastRecorded) {
          memory.lastRecorded = key;
          this.record(definition, atMs, found, context, view);
        }
        if (typeof found === 'object' && found.excusedBy !== undefined) this.recheckPastExcused(definition, checker, atMs, view, context, memory, key);
      }
      const changeAtMs = checker.nextChangeAtMs?.();
      if (changeAtMs !== undefined) {
        if (changeAtMs <= atMs) fail(`${definition.name}: its verdict may next change at ${changeAtMs}, not after the check at ${atMs}`);
        next = Math.min(next, changeAtMs);
      }
      memory.version = version ?? NO_VERSION;
      memory.changeAtMs = changeAtMs;
      memory.held = found === undefined;
    }
    this.timedCheckAtMs = next;
  }

  /**
   * A check returns one finding, and an excused one must not hide what else the same state shows
   * (excused per record and per moment, never per check): the claim is asked again about the same
   * view, and records each new finding, until it finds nothing more, a violation, or a finding of
   * this round again. A claim moves past what it excused by its own memory (a finding reported, a
   * replica judged up to a batch), so a second loss found behind an excused one is found at the
   * same moment whether the next check comes after the next event (`--full-checks`) or only after
   * the next change (swarm-beyond seed 122: t-0's excused loss came 20 ms after
   * `__consumer_offsets-0`'s, at the next change, instead of with it). Bounded by
   * {@link MAX_FINDINGS_PER_CHECK}; what lies beyond is found by later checks.
   */
  private recheckPastExcused(definition: InvariantDefinition<View>, checker: Extract<InvariantChecker<View>, { type: 'state' }>, atMs: number, view: View, context: RunContext, memory: StateCheckMemory, firstKey: string): void {
    const seen = new Set<string>([firstKey]);
    for (let round = 1; round < MAX_FINDINGS_PER_CHECK; round++) {
      const found = checker.check(view);
      if (found === undefined) return;
      const key = findingKey(found);
      if (seen.has(key)) return;
      seen.add(key);
      memory.lastRecorded = key;
      this.record(definition, atMs, found, context, view);
      if (typeof found === 'string' || found.excusedBy === undefined) return;
    }
  }

  /** Hands a newly recorded history entry to every history index. */
  observeHistory(entry: HistoryEntry): void {
    for (const indexer of this.historyIndexers.values()) indexer.observe(entry);
  }

  /** Runs every history checker over its index of the history recorded so far. */
  checkHistory(view: View, context: RunContext): void {
    const indexes = new Map<HistoryIndexDefinition<unknown>, unknown>();
    for (const [definition, indexer] of this.historyIndexers) indexes.set(definition, indexer.finish());
    for (const definition of this.definitions) {
      const checker = definition.checker;
      if (checker.type !== 'history') continue;
      const tally = this.tally(definition.name);
      tally.checked++;
      const found = checker.check(indexes.get(checker.index), view);
      if (found.every((finding) => finding.excusedBy !== undefined)) tally.hit++;
      for (const finding of found) this.record(definition, finding.atMs, finding, context, view);
    }
  }

  /** Checks the `eventually` invariants; returns true when all that apply hold. */
  checkFinal(atMs: number, view: View, context: RunContext): boolean {
    let allHold = true;
    for (const definition of this.definitions) {
      const checker = definition.checker;
      if (checker.type === 'final-history') {
        if (!this.checkFinalHistory(definition, checker, view, context)) allHold = false;
        continue;
      }
      if (checker.type !== 'final') continue;
      const tally = this.tally(definition.name);
      tally.checked++;
      const found = checker.check(view);
      if (found === undefined) {
        tally.hit++;
        continue;
      }
      this.record(definition, atMs, found, context, view);
      if (typeof found === 'object' && found.excusedBy !== undefined) continue;
      if (applicability(definition, context).applies) allHold = false;
    }
    return allHold;
  }

  /**
   * One `final-history` checker over its finished index (the indexes finish once and keep their
   * answer, so the history checks before this one read the same index); false when a finding
   * that is not excused makes the applicable claim fail.
   */
  private checkFinalHistory(definition: InvariantDefinition<View>, checker: FinalHistoryChecker<View, unknown>, view: View, context: RunContext): boolean {
    const indexer = this.historyIndexers.get(checker.index);
    assert(indexer !== undefined, `invariant '${definition.name}': its history index was not created`);
    const tally = this.tally(definition.name);
    tally.checked++;
    const found = checker.check(indexer.finish(), view);
    if (found.every((finding) => finding.excusedBy !== undefined)) tally.hit++;
    for (const finding of found) this.record(definition, finding.atMs, finding, context, view);
    return found.every((finding) => finding.excusedBy !== undefined) || !applicability(definition, context).applies;
  }

  stats(context: RunContext): InvariantStats[] {
    const sorted = [...this.definitions].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return sorted.map((definition) => {
      const tally = this.tally(definition.name);
      const verdict = applicability(definition, context);
      const stats: InvariantStats = {
        name: definition.name,
        kind: definition.kind,
        source: definition.source,
        statement: definition.statement,
        applies: verdict.applies,
        checked: tally.checked,
        hit: tally.hit,
        violations: tally.violations,
        excused: tally.excused,
      };
      return verdict.reason === undefined ? stats : { ...stats, notApplicableReason: verdict.reason };
    });
  }

  /** `view`: the state the finding was made in, for its explanation (none for an observed claim). */
  private record(definition: InvariantDefinition<View>, atMs: number, found: string | Finding, context: RunContext, view?: View): void {
    const tally = this.tally(definition.name);
    const message = typeof found === 'string' ? found : found.message;
    if (typeof found === 'object' && found.excusedBy !== undefined) {
      tally.excused++;
      if (tally.excused <= EXCUSED_KEPT) this.excusedKept.push({ invariant: definition.name, atMs, message, faults: found.excusedBy });
      return;
    }
    tally.violations++;
    const applies = applicability(definition, context).applies;
    if (applies && definition.kind === 'always' && this.firstApplicableViolationAtMs === undefined) {
      this.firstApplicableViolationAtMs = atMs;
    }
    if (tally.violations > VIOLATION_MESSAGES_KEPT) return;
    const subject = typeof found === 'object' ? found.subject : undefined;
    let violation: Violation = subject === undefined ? { invariant: definition.name, atMs, message, applies } : { invariant: definition.name, atMs, message, applies, subject };
    // The first applicable violation of a claim is explained, while the run's budget lasts.
    if (applies && view !== undefined && this.hooks.explain !== undefined && !this.explainedClaims.has(definition.name) && this.explained < MAX_EXPLAINED_CLAIMS) {
      this.explainedClaims.add(definition.name);
      this.explained++;
      const explanation = this.hooks.explain(violation, view);
      if (explanation !== undefined) {
        const completed = explanation.subject ?? subject;
        violation = { ...violation, ...(completed === undefined ? {} : { subject: completed }), explanation: explanation.lines };
      }
    }
    this.kept.push(violation);
    this.hooks.found?.(violation);
  }

  private tally(name: string): Tally {
    const tally = this.tallies.get(name);
    assert(tally !== undefined, `invariant '${name}' is not registered`);
    return tally;
  }
}

function applicability<View>(definition: InvariantDefinition<View>, context: RunContext): Applicability {
  return definition.applicability === undefined ? { applies: true } : definition.applicability(context);
}

/** Each kind is judged one way; a mismatch is a mistake in the catalogue, caught at start-up. */
function assertKindMatchesChecker<View>(definition: InvariantDefinition<View>): void {
  const checker = definition.checker;
  const where = `invariant '${definition.name}'`;
  switch (checker.type) {
    case 'state':
    case 'history':
    case 'observed':
      assert(definition.kind === 'always', `${where}: a ${checker.type} checker needs kind 'always'`);
      return;
    case 'mark':
    case 'state-predicate':
      assert(definition.kind === 'sometimes', `${where}: a ${checker.type} checker needs kind 'sometimes'`);
      return;
    case 'final':
    case 'final-history':
      assert(definition.kind === 'eventually', `${where}: a ${checker.type} checker needs kind 'eventually'`);
      return;
    default:
      assertNever(checker, 'invariant checker');
  }
}

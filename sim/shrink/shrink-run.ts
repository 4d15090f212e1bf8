import { assert } from '../../impl/common/assert.ts';
import type { ScheduleEntry } from '../nemesis/fault-schedule.ts';
import { checkScheduleTargets } from '../nemesis/schedule-file.ts';
import type { RunResult } from '../run/run-result.ts';
import { runSeed, seedSystem, type SeedRun } from '../run/run-seed.ts';
import { ddmin } from './ddmin.ts';

/**
 * What a shrink must keep: the run fails the same way. For a safety failure, the first applicable
 * violation is of the same claim; for a liveness failure, the run fails liveness again (its
 * message may name other progress, as a shorter run gets less far).
 */
export interface Failure {
  readonly verdict: 'safety' | 'liveness';
  /** The claim the first applicable violation broke; undefined for liveness. */
  readonly invariant: string | undefined;
}

/** The failure a run shows, if it failed a claim (a crash of the simulator is not shrunk). */
export function failureOf(result: RunResult): Failure | undefined {
  if (result.verdict === 'safety') {
    const first = result.violations.find((violation) => violation.applies);
    return { verdict: 'safety', invariant: first?.invariant };
  }
  if (result.verdict === 'liveness') return { verdict: 'liveness', invariant: undefined };
  return undefined;
}

export function sameFailure(a: Failure | undefined, b: Failure): boolean {
  return a !== undefined && a.verdict === b.verdict && a.invariant === b.invariant;
}

/** The shape of a run a shrink may make smaller besides its faults. */
export interface RunShape {
  readonly durationMs: number;
  readonly partitions: number;
  readonly groups: boolean;
}

export interface ShrinkOutcome {
  readonly failure: Failure;
  /** The seed's own run and schedule. */
  readonly before: { readonly faults: number; readonly entries: number; readonly shape: RunShape; readonly result: RunResult };
  /** The smallest failing run found: its schedule, its shape, its result. */
  readonly after: { readonly faults: number; readonly entries: readonly ScheduleEntry[]; readonly shape: RunShape; readonly result: RunResult };
  /** Whole runs the shrink made, the seed's own included. */
  readonly runs: number;
  /** True when the run budget ran out: `after` still fails, but may not be the smallest. */
  readonly exhausted: boolean;
  /** What each step tried and kept, in order, for the user. */
  readonly steps: readonly string[];
}

/** The most runs one shrink makes: a run of a failing seed takes seconds, so this bounds minutes. */
export const SHRINK_MAX_RUNS = 400;
/** A shortened run lasts at least this long: the setup (topic, first leaders, groups) needs it. */
const MIN_SHRUNK_DURATION_MS = 10_000;

/**
 * Shrinks a failing seed's run to a smallest run that fails the same way (issue 14), in steps
 * each of which keeps only what still fails:
 *
 * 1. the run's own schedule (`schedule`: what the nemesis decided) replaces the drawing, which
 *    gives the same run (the replay is exact, `sim/run/schedule-replay.test.ts`);
 * 2. the entries that are no fault (held back, idle, skipped) go, all at once if they can;
 * 3. delta debugging (`ddmin`) removes every fault the failure does not need, to a 1-minimal
 *    schedule: removing any one more fault makes the failure go away;
 * 4. the run's shape shrinks where it still fails: no consumer groups, one partition, a run that
 *    ends soon after the failure; and then `ddmin` again, since a smaller run may need fewer faults.
 *
 * Everything else (the seed's workload, network and every node's randomness) stays the seed's,
 * so each step's run is a run of the real system, judged by the same claims.
 */
export function shrinkSeed(run: SeedRun, maxRuns: number = SHRINK_MAX_RUNS, onStep: (line: string) => void = () => {}): ShrinkOutcome | string {
  assert(run.schedule === undefined, 'a shrink starts from a seed drawing its own faults');
  let runs = 0;
  let exhausted = false;
  const steps: string[] = [];
  const step = (line: string): void => {
    steps.push(line);
    onStep(line);
  };
  const shapeOf = (seedRun: SeedRun): RunShape => ({ durationMs: seedRun.durationMs, partitions: seedRun.partitions ?? 3, groups: seedRun.groups !== false });
  const attempt = (shape: RunShape, entries: readonly ScheduleEntry[]): RunResult | undefined => {
    if (runs >= maxRuns) {
      exhausted = true;
      return undefined;
    }
    runs++;
    return runSeed({ ...run, durationMs: shape.durationMs, partitions: shape.partitions, groups: shape.groups, schedule: { entries, plan: `a shrink of seed ${run.seed}` } });
  };

  runs++;
  const original = runSeed(run);
  const failure = failureOf(original);
  if (failure === undefined) return `seed ${run.seed} ${original.verdict === 'pass' ? 'passes' : `ends in a ${original.verdict}`}: there is no failure to shrink`;
  const shapeBefore = shapeOf(run);
  const before = { faults: countFaults(original.schedule), entries: original.schedule.length, shape: shapeBefore, result: original };
  step(`seed ${run.seed} fails ${describe(failure)} with ${before.faults} faults (${before.entries} schedule entries)`);

  let shape = shapeBefore;
  let entries: readonly ScheduleEntry[] = original.schedule;
  let best = attempt(shape, entries);
  if (best === undefined || !sameFailure(failureOf(best), failure)) {
    return `seed ${run.seed}: its own schedule, replayed, did not fail the same way (${best === undefined ? 'no run left' : best.verdict}); the replay is not exact`;
  }

  // Step 2: the entries that are no fault, all at once.
  const faultsOnly = entries.filter((entry) => entry.type === 'fault');
  if (faultsOnly.length < entries.length) {
    const result = attempt(shape, faultsOnly);
    if (result !== undefined && sameFailure(failureOf(result), failure)) {
      step(`dropped the ${entries.length - faultsOnly.length} entries that were no fault (held back, idle, skipped)`);
      entries = faultsOnly;
      best = result;
    } else step(`kept the ${entries.length - faultsOnly.length} entries that were no fault: without them the run ${result === undefined ? 'was not tried' : 'no longer failed so'}`);
  }

  const minimize = (label: string): void => {
    const from = countFaults(entries);
    let lastFailing: { candidate: readonly ScheduleEntry[]; result: RunResult } | undefined;
    const found = ddmin(entries, (candidate) => {
      const result = attempt(shape, candidate);
      if (result === undefined) return false;
      const fails = sameFailure(failureOf(result), failure);
      if (fails) lastFailing = { candidate, result };
      return fails;
    }, Math.max(1, maxRuns - runs));
    if (found.exhausted) exhausted = true;
    if (found.items.length < entries.length) {
      // ddmin keeps exactly the candidates that fail, so the last failing one is what it kept.
      assert(lastFailing !== undefined && lastFailing.candidate.length === found.items.length, 'ddmin kept a candidate it did not see fail');
      entries = found.items;
      best = lastFailing.result;
    }
    step(`${label}: ${from} -> ${countFaults(entries)} faults (${found.tests} runs)`);
  };
  minimize('delta debugging over the schedule');

  // Step 4: a smaller run. Entries the smaller run cannot hold (a group member's fault without
  // the groups, a fault at or after an earlier heal) go with the change.
  const tryShape = (next: RunShape, what: string): void => {
    const candidate = admissible(run, next, entries);
    const result = attempt(next, candidate);
    if (result !== undefined && sameFailure(failureOf(result), failure)) {
      step(`${what}: still fails${candidate.length < entries.length ? ` (${countFaults(entries) - countFaults(candidate)} faults it cannot hold went)` : ''}`);
      shape = next;
      entries = candidate;
      best = result;
    } else step(`${what}: ${result === undefined ? 'not tried (run budget spent)' : 'no longer fails so; kept as it was'}`);
  };
  if (shape.groups) tryShape({ ...shape, groups: false }, 'no consumer groups');
  if (shape.partitions > 1) tryShape({ ...shape, partitions: 1 }, 'one partition');
  const failedAtMs = best.violations.find((violation) => violation.applies)?.atMs;
  if (failure.verdict === 'safety' && failedAtMs !== undefined) {
    const shorter = Math.max(MIN_SHRUNK_DURATION_MS, Math.ceil((failedAtMs + 1_000) / 1_000) * 1_000);
    if (shorter < shape.durationMs) tryShape({ ...shape, durationMs: shorter }, `a ${shorter / 1_000} s run`);
  }
  if (countFaults(entries) > 1 && (shape.groups !== shapeBefore.groups || shape.partitions !== shapeBefore.partitions || shape.durationMs !== shapeBefore.durationMs)) {
    minimize('delta debugging again, on the smaller run');
  }
  // The shrunk schedule as its own run writes it: a replay of it is that run, entry for entry.
  const after = { faults: countFaults(entries), entries, shape, result: best };
  return { failure, before, after, runs, exhausted, steps };
}

function countFaults(entries: readonly ScheduleEntry[]): number {
  return entries.filter((entry) => entry.type === 'fault').length;
}

function describe(failure: Failure): string {
  return failure.verdict === 'safety' ? `${failure.invariant ?? 'an unnamed claim'} (safety)` : 'liveness';
}

/** The entries a run of `shape` can hold: each checked alone against its nodes and its heal. */
function admissible(run: SeedRun, shape: RunShape, entries: readonly ScheduleEntry[]): readonly ScheduleEntry[] {
  const system = seedSystem({ ...run, durationMs: shape.durationMs, partitions: shape.partitions, groups: shape.groups });
  const targets = {
    servers: system.servers,
    clients: system.clients,
    faultableClients: system.faultableClients ?? [],
    metadataSources: system.metadataSources ?? [],
    durationMs: shape.durationMs,
  };
  return entries.filter((entry) => checkScheduleTargets([entry], targets) === undefined);
}

import { describe, expect, it } from 'vitest';
import { InvariantMonitor, MAX_EXPLAINED_CLAIMS } from './invariant-monitor.ts';
import { finalHistoryChecker, type InvariantDefinition, type RunContext } from './invariant.ts';
import type { HistoryEntry } from '../run/history.ts';

const CONTEXT: RunContext = { seed: 1, config: {}, variants: [], faults: {}, corruption: { uncheckedFlips: 0 } };

/** A view that is only a clock: what a timed claim reads. */
interface Clock {
  readonly nowMs: number;
}

/** Violated from `deadlineMs` on, with no change of state: time alone breaks it. */
function timed(deadlineMs: number): InvariantDefinition<Clock> {
  let next: number | undefined;
  return {
    name: 'Timed',
    kind: 'always',
    source: 'test',
    statement: 'holds until the deadline',
    checker: {
      type: 'state',
      nextChangeAtMs: () => next,
      check(view) {
        next = view.nowMs < deadlineMs ? deadlineMs : undefined;
        return view.nowMs < deadlineMs ? undefined : `past ${deadlineMs}`;
      },
    },
  };
}

describe('InvariantMonitor: when the state checks must run again', () => {
  it('asks for a check at the deadline a timed checker names, and none without one', () => {
    const monitor = new InvariantMonitor<Clock>([timed(100)]);
    expect(monitor.nextTimedCheckAtMs).toBe(Infinity);
    monitor.checkState(10, { nowMs: 10 }, CONTEXT);
    expect(monitor.nextTimedCheckAtMs).toBe(100);
    monitor.checkState(99, { nowMs: 99 }, CONTEXT);
    expect(monitor.nextTimedCheckAtMs).toBe(100);
  });

  it('records a finding that stands once, and asks for no check for it: checks that find it again record nothing', () => {
    const monitor = new InvariantMonitor<Clock>([timed(100)]);
    monitor.checkState(100, { nowMs: 100 }, CONTEXT);
    expect(monitor.violations.map((violation) => violation.atMs)).toEqual([100]);
    expect(monitor.nextTimedCheckAtMs).toBe(Infinity);
    monitor.checkState(101, { nowMs: 101 }, CONTEXT);
    expect(monitor.violations.map((violation) => violation.atMs)).toEqual([100]);
    expect(monitor.stats(CONTEXT).find((stat) => stat.name === 'Timed')).toMatchObject({ checked: 2, hit: 0, violations: 1 });
  });

  it('rejects a deadline that is not in the future: the check would never be asked for', () => {
    const definition = timed(100);
    const broken: InvariantDefinition<Clock> = { ...definition, checker: { type: 'state', check: () => undefined, nextChangeAtMs: () => 5 } };
    const monitor = new InvariantMonitor<Clock>([broken]);
    expect(() => monitor.checkState(10, { nowMs: 10 }, CONTEXT)).toThrow(/may next change at 5/);
  });
});

/** A view with a version of what the claim below reads, and whether that input is broken. */
interface Versioned {
  readonly nowMs: number;
  readonly version: number | undefined;
  readonly broken: boolean;
}

/** Counts its runs; broken when the view says so; due again at `dueAtMs` when given. */
function versioned(dueAtMs?: number): { definition: InvariantDefinition<Versioned>; runs: () => number } {
  let runs = 0;
  let next: number | undefined;
  return {
    runs: () => runs,
    definition: {
      name: 'Versioned',
      kind: 'always',
      source: 'test',
      statement: 'its input is not broken',
      checker: {
        type: 'state',
        readsVersion: (view) => view.version,
        ...(dueAtMs === undefined ? {} : { nextChangeAtMs: () => next }),
        check(view) {
          runs++;
          next = dueAtMs !== undefined && view.nowMs < dueAtMs ? dueAtMs : undefined;
          return view.broken ? 'broken' : undefined;
        },
      },
    },
  };
}

describe('InvariantMonitor: a check whose input did not move (readsVersion)', () => {
  it('is not run again while its version is that of a check that held, and counts as held', () => {
    const { definition, runs } = versioned();
    const monitor = new InvariantMonitor<Versioned>([definition]);
    monitor.checkState(1, { nowMs: 1, version: 7, broken: false }, CONTEXT);
    monitor.checkState(2, { nowMs: 2, version: 7, broken: false }, CONTEXT);
    expect(runs()).toBe(1);
    monitor.checkState(3, { nowMs: 3, version: 8, broken: false }, CONTEXT);
    expect(runs()).toBe(2);
    expect(monitor.stats(CONTEXT).find((stat) => stat.name === 'Versioned')).toMatchObject({ checked: 3, hit: 3 });
  });

  it('after a finding, is not run again while its version is unchanged, and records a finding again only when it differs', () => {
    let message = 'broken';
    const { definition, runs } = versioned();
    const checker = definition.checker;
    if (checker.type !== 'state') throw new Error('a state checker');
    const renamed: InvariantDefinition<Versioned> = { ...definition, checker: { ...checker, check: (view: Versioned) => (checker.check(view) === undefined ? undefined : message) } };
    const monitor = new InvariantMonitor<Versioned>([renamed]);
    monitor.checkState(1, { nowMs: 1, version: 7, broken: true }, CONTEXT);
    monitor.checkState(2, { nowMs: 2, version: 7, broken: true }, CONTEXT);
    expect(runs()).toBe(1);
    // Found again on a new input: the same finding, not recorded again; nor after a check that held.
    monitor.checkState(3, { nowMs: 3, version: 8, broken: true }, CONTEXT);
    monitor.checkState(4, { nowMs: 4, version: 9, broken: false }, CONTEXT);
    monitor.checkState(5, { nowMs: 5, version: 10, broken: true }, CONTEXT);
    expect(runs()).toBe(4);
    expect(monitor.violations.map((violation) => violation.atMs)).toEqual([1]);
    // A different finding is recorded.
    message = 'broken otherwise';
    monitor.checkState(6, { nowMs: 6, version: 11, broken: true }, CONTEXT);
    expect(monitor.violations.map((violation) => [violation.atMs, violation.message])).toEqual([[1, 'broken'], [6, 'broken otherwise']]);
    expect(monitor.stats(CONTEXT).find((stat) => stat.name === 'Versioned')).toMatchObject({ checked: 6, hit: 1, violations: 2 });
  });

  it('runs without a version, once the time it named has come, and always under the full-checks switch', () => {
    const unversioned = versioned();
    const plain = new InvariantMonitor<Versioned>([unversioned.definition]);
    plain.checkState(1, { nowMs: 1, version: undefined, broken: false }, CONTEXT);
    plain.checkState(2, { nowMs: 2, version: undefined, broken: false }, CONTEXT);
    expect(unversioned.runs()).toBe(2);

    const due = versioned(50);
    const timedMonitor = new InvariantMonitor<Versioned>([due.definition]);
    timedMonitor.checkState(1, { nowMs: 1, version: 7, broken: false }, CONTEXT);
    timedMonitor.checkState(49, { nowMs: 49, version: 7, broken: false }, CONTEXT);
    expect(timedMonitor.nextTimedCheckAtMs).toBe(50);
    timedMonitor.checkState(50, { nowMs: 50, version: 7, broken: false }, CONTEXT);
    expect(due.runs()).toBe(2);

    const full = versioned();
    const fullMonitor = new InvariantMonitor<Versioned>([full.definition], {}, true);
    fullMonitor.checkState(1, { nowMs: 1, version: 7, broken: false }, CONTEXT);
    fullMonitor.checkState(2, { nowMs: 2, version: 7, broken: false }, CONTEXT);
    expect(full.runs()).toBe(2);
  });
});

/** An `eventually` claim over a history index of the processes seen: each is a finding, `excused-*` ones excused. */
function processesSeen(): InvariantDefinition<Clock> {
  const index = {
    name: 'processes',
    create: () => {
      const seen: string[] = [];
      return { observe: (entry: HistoryEntry) => void seen.push(entry.process), finish: () => seen };
    },
  };
  return {
    name: 'ProcessesSeen',
    kind: 'eventually',
    source: 'test',
    statement: 'no process recorded anything',
    checker: finalHistoryChecker(index, (seen: string[]) => seen.map((process) => ({ atMs: 0, message: process, ...(process.startsWith('excused') ? { excusedBy: ['a fault'] } : {}) }))),
  };
}

function entry(process: string, index: number): HistoryEntry {
  return { type: 'ok', process, f: 'poll', value: null, index, atMs: index, node: process };
}

describe('InvariantMonitor: eventually claims over the history', () => {
  it('fails the final check on a finding that is not excused, and counts each finding on its own', () => {
    const monitor = new InvariantMonitor<Clock>([processesSeen()]);
    monitor.observeHistory(entry('excused-a', 0));
    monitor.observeHistory(entry('b', 1));
    expect(monitor.checkFinal(10, { nowMs: 10 }, CONTEXT)).toBe(false);
    const stats = monitor.stats(CONTEXT)[0];
    expect(stats?.violations).toBe(1);
    expect(stats?.excused).toBe(1);
    expect(monitor.violations.map((violation) => violation.message)).toEqual(['b']);
  });

  it('holds when every finding is excused', () => {
    const monitor = new InvariantMonitor<Clock>([processesSeen()]);
    monitor.observeHistory(entry('excused-a', 0));
    expect(monitor.checkFinal(10, { nowMs: 10 }, CONTEXT)).toBe(true);
    expect(monitor.stats(CONTEXT)[0]?.hit).toBe(1);
  });
});

/** Always violated, about partition `name`, where `applies` says. */
function broken(name: string, applies = true): InvariantDefinition<Clock> {
  return {
    name,
    kind: 'always',
    source: 'test',
    statement: `${name} holds`,
    checker: { type: 'state', check: (view) => ({ message: `${name} broke at ${view.nowMs}`, subject: { partition: 'p-0', offset: view.nowMs } }) },
    ...(applies ? {} : { applicability: () => ({ applies: false, reason: 'test' }) }),
  };
}

describe('InvariantMonitor: explanations', () => {
  it('keeps each finding\'s subject, explains the first applicable violation of each claim, and reports every kept one', () => {
    const explained: string[] = [];
    const found: string[] = [];
    const monitor = new InvariantMonitor<Clock>([broken('A'), broken('B', false)], {
      explain: (violation, view) => {
        explained.push(`${violation.invariant}@${view.nowMs}`);
        return { lines: [`why ${violation.invariant}`], subject: { ...violation.subject, value: 'v' } };
      },
      found: (violation) => void found.push(`${violation.invariant}@${violation.atMs}`),
    });
    monitor.checkState(5, { nowMs: 5 }, CONTEXT);
    monitor.checkState(6, { nowMs: 6 }, CONTEXT);
    // Only A's first violation is explained: B does not apply, and A's second is not its first.
    expect(explained).toEqual(['A@5']);
    expect(found).toEqual(['A@5', 'B@5', 'A@6', 'B@6']);
    const [first, second] = monitor.violations.filter((violation) => violation.invariant === 'A');
    expect(first).toEqual({ invariant: 'A', atMs: 5, message: 'A broke at 5', applies: true, subject: { partition: 'p-0', offset: 5, value: 'v' }, explanation: ['why A'] });
    expect(second).toEqual({ invariant: 'A', atMs: 6, message: 'A broke at 6', applies: true, subject: { partition: 'p-0', offset: 6 } });
  });

  it('explains at most MAX_EXPLAINED_CLAIMS claims per run', () => {
    const names = Array.from({ length: MAX_EXPLAINED_CLAIMS + 2 }, (_, index) => `C${index}`);
    const monitor = new InvariantMonitor<Clock>(names.map((name) => broken(name)), { explain: (violation) => ({ lines: [violation.invariant] }) });
    monitor.checkState(1, { nowMs: 1 }, CONTEXT);
    expect(monitor.violations.filter((violation) => violation.explanation !== undefined)).toHaveLength(MAX_EXPLAINED_CLAIMS);
  });
});

/** Partitions, each holding, lost with every copy destroyed (excused), or lost by the protocol. */
interface Losses {
  readonly nowMs: number;
  readonly partitions: readonly { readonly name: string; readonly lost?: 'excused' | 'violation' }[];
}

/** Reports each loss once, the first not yet reported, as `CommittedRecordsSurvive` does. */
function lossesClaim(): InvariantDefinition<Losses> {
  const reported = new Set<string>();
  return {
    name: 'Losses',
    kind: 'always',
    source: 'test',
    statement: 'no partition lost a record',
    checker: {
      type: 'state',
      check(view) {
        for (const partition of view.partitions) {
          if (partition.lost === undefined || reported.has(partition.name)) continue;
          reported.add(partition.name);
          return partition.lost === 'excused' ? { message: `${partition.name} lost`, excusedBy: ['power-loss'] } : `${partition.name} lost`;
        }
        return undefined;
      },
    },
  };
}

describe('InvariantMonitor: an excused finding hides nothing else the same state shows', () => {
  it('asks the claim again about the same state, and records every finding at the moment it is made', () => {
    const monitor = new InvariantMonitor<Losses>([lossesClaim()]);
    monitor.checkState(5, { nowMs: 5, partitions: [{ name: 't-0', lost: 'excused' }, { name: 't-1' }, { name: 't-2', lost: 'excused' }, { name: 't-3', lost: 'violation' }] }, CONTEXT);
    expect(monitor.excused.map((excused) => [excused.atMs, excused.message])).toEqual([[5, 't-0 lost'], [5, 't-2 lost']]);
    expect(monitor.violations.map((violation) => [violation.atMs, violation.message])).toEqual([[5, 't-3 lost']]);
    expect(monitor.stats(CONTEXT).find((stat) => stat.name === 'Losses')).toMatchObject({ checked: 1, hit: 0, violations: 1, excused: 2 });
  });

  it('stops at a finding it made in this round: a claim that finds the same excused loss again', () => {
    let runs = 0;
    const standing: InvariantDefinition<Losses> = {
      name: 'Standing', kind: 'always', source: 'test', statement: 'no partition lost a record',
      checker: { type: 'state', check: () => { runs++; return { message: 't-0 lost', excusedBy: ['disk-loss'] }; } },
    };
    const monitor = new InvariantMonitor<Losses>([standing]);
    monitor.checkState(5, { nowMs: 5, partitions: [] }, CONTEXT);
    expect(runs).toBe(2);
    expect(monitor.excused.map((excused) => excused.atMs)).toEqual([5]);
  });
});

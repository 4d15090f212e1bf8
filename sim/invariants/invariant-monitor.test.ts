import { describe, expect, it } from 'vitest';
import { InvariantMonitor } from './invariant-monitor.ts';
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

  it('asks again after the next event while a finding stands, as a full check would record it again', () => {
    const monitor = new InvariantMonitor<Clock>([timed(100)]);
    monitor.checkState(100, { nowMs: 100 }, CONTEXT);
    expect(monitor.violations.map((violation) => violation.atMs)).toEqual([100]);
    expect(monitor.nextTimedCheckAtMs).toBe(100);
    monitor.checkState(101, { nowMs: 101 }, CONTEXT);
    expect(monitor.violations.map((violation) => violation.atMs)).toEqual([100, 101]);
  });

  it('rejects a deadline that is not in the future: the check would never be asked for', () => {
    const definition = timed(100);
    const broken: InvariantDefinition<Clock> = { ...definition, checker: { type: 'state', check: () => undefined, nextChangeAtMs: () => 5 } };
    const monitor = new InvariantMonitor<Clock>([broken]);
    expect(() => monitor.checkState(10, { nowMs: 10 }, CONTEXT)).toThrow(/may next change at 5/);
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

import { describe, expect, it } from 'vitest';
import { InvariantMonitor } from './invariant-monitor.ts';
import type { InvariantDefinition, RunContext } from './invariant.ts';

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

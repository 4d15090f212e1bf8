import { describe, expect, it } from 'vitest';
import { AssertionError } from '../common/assert.ts';
import { DelayedOperationPurgatory, type DelayedOperation } from './delayed-operation-purgatory.ts';

// The purgatory on its own, with operations that complete when told to: which operations a
// checkAndComplete tries (only those watching its keys, each once, oldest first), that a completed
// operation leaves every key it watched, that a timer expires the first operation waiting with it,
// and that it refuses to hold more than its bound.

class TestOperation implements DelayedOperation {
  ready = false;
  tries = 0;

  constructor(
    readonly name: string,
    readonly timer: string,
    private readonly answers: string[],
  ) {}

  tryComplete(): boolean {
    this.tries++;
    if (!this.ready) return false;
    this.answers.push(`${this.name} completed`);
    return true;
  }

  onExpiration(): void {
    this.answers.push(`${this.name} expired`);
  }
}

function purgatoryWith(max = 10): { purgatory: DelayedOperationPurgatory<TestOperation>; answers: string[]; operation: (name: string, timer?: string) => TestOperation } {
  const answers: string[] = [];
  const purgatory = new DelayedOperationPurgatory<TestOperation>('Test', max);
  return { purgatory, answers, operation: (name, timer = `timer-${name}`) => new TestOperation(name, timer, answers) };
}

describe('DelayedOperationPurgatory', () => {
  it('completes at once an operation that can complete, without holding it', () => {
    const { purgatory, answers, operation } = purgatoryWith();
    const a = operation('a');
    a.ready = true;
    expect(purgatory.tryCompleteElseWatch(a, ['t-0'])).toBe(true);
    expect(answers).toEqual(['a completed']);
    expect(purgatory.numDelayed).toBe(0);
    expect(purgatory.isWatched('t-0')).toBe(false);
  });

  it('tries only the operations watching the keys it is given', () => {
    const { purgatory, answers, operation } = purgatoryWith();
    const a = operation('a');
    const b = operation('b');
    expect(purgatory.tryCompleteElseWatch(a, ['t-0'])).toBe(false);
    expect(purgatory.tryCompleteElseWatch(b, ['t-1'])).toBe(false);
    a.ready = true;
    b.ready = true;
    expect(purgatory.checkAndComplete(['t-1'])).toBe(1);
    expect(answers).toEqual(['b completed']);
    expect(a.tries).toBe(1);
    expect(purgatory.numDelayed).toBe(1);
    expect([...purgatory.watchedKeys()]).toEqual(['t-0']);
    expect(purgatory.checkAndComplete(['t-2'])).toBe(0);
    expect(a.tries).toBe(1);
  });

  it('tries each operation once per check, oldest first, whatever the order of the keys', () => {
    const { purgatory, answers, operation } = purgatoryWith();
    const first = operation('first');
    const second = operation('second');
    const third = operation('third');
    purgatory.watch(first, ['t-1', 't-0']);
    purgatory.watch(second, ['t-0']);
    purgatory.watch(third, ['t-1']);
    first.ready = true;
    second.ready = true;
    third.ready = true;
    expect(purgatory.checkAndComplete(['t-1', 't-0', 't-1'])).toBe(3);
    expect(answers).toEqual(['first completed', 'second completed', 'third completed']);
    expect(first.tries).toBe(1);
    expect(purgatory.numDelayed).toBe(0);
    expect([...purgatory.watchedKeys()]).toEqual([]);
  });

  it('keeps an operation that cannot complete yet under every key it watches', () => {
    const { purgatory, answers, operation } = purgatoryWith();
    const a = operation('a');
    purgatory.watch(a, ['t-0', 't-1', 't-0']);
    expect(purgatory.checkAndComplete(['t-0'])).toBe(0);
    expect(purgatory.isWatched('t-0')).toBe(true);
    expect(purgatory.isWatched('t-1')).toBe(true);
    a.ready = true;
    expect(purgatory.checkAndComplete(['t-1'])).toBe(1);
    expect(answers).toEqual(['a completed']);
    expect(purgatory.isWatched('t-0')).toBe(false);
    expect(purgatory.isWatched('t-1')).toBe(false);
  });

  it('does not try an operation on watch, but at the next check of one of its keys', () => {
    const { purgatory, answers, operation } = purgatoryWith();
    const a = operation('a');
    a.ready = true;
    purgatory.watch(a, ['t-0']);
    expect(a.tries).toBe(0);
    expect(purgatory.checkAndComplete(['t-0'])).toBe(1);
    expect(answers).toEqual(['a completed']);
  });

  it('expires the first operation waiting with the timer that fired, and only it', () => {
    const { purgatory, answers, operation } = purgatoryWith();
    const a = operation('a', 'produce-timeout:p:1');
    const again = operation('again', 'produce-timeout:p:1');
    const b = operation('b', 'produce-timeout:p:2');
    purgatory.watch(a, ['t-0']);
    purgatory.watch(again, ['t-0']);
    purgatory.watch(b, ['t-1']);
    expect(purgatory.expire('produce-timeout:p:1')).toBe(true);
    expect(answers).toEqual(['a expired']);
    expect(purgatory.numDelayed).toBe(2);
    expect(purgatory.expire('produce-timeout:p:3')).toBe(false);
    expect(purgatory.expire('produce-timeout:p:2')).toBe(true);
    expect(purgatory.isWatched('t-1')).toBe(false);
    expect(answers).toEqual(['a expired', 'b expired']);
    // An expired operation is no longer tried.
    b.ready = true;
    expect(purgatory.checkAndComplete(['t-1'])).toBe(0);
  });

  it('refuses to hold more than its bound, and holds that many', () => {
    const { purgatory, operation } = purgatoryWith(2);
    purgatory.watch(operation('a'), ['t-0']);
    purgatory.watch(operation('b'), ['t-0']);
    expect(purgatory.numDelayed).toBe(2);
    expect(() => purgatory.watch(operation('c'), ['t-0'])).toThrow(AssertionError);
    expect(() => purgatory.tryCompleteElseWatch(operation('d'), ['t-1'])).toThrow(AssertionError);
    // One that completes at once takes no room.
    const ready = operation('ready');
    ready.ready = true;
    expect(purgatory.tryCompleteElseWatch(ready, ['t-1'])).toBe(true);
  });

  it('refuses an operation that waits on nothing', () => {
    const { purgatory, operation } = purgatoryWith();
    expect(() => purgatory.watch(operation('a'), [])).toThrow(AssertionError);
    expect(() => new DelayedOperationPurgatory<TestOperation>('Test', 0)).toThrow(AssertionError);
  });
});

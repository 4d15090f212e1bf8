import { assert, fail } from '../../impl/common/assert.ts';

/**
 * The simulator's single source of ordering: a binary min-heap keyed by (time, sequence). The
 * sequence is the insertion count, so two events due at the same millisecond run in the order
 * they were scheduled, and nothing else (object identity, Map order, the host) decides order.
 */
export class EventQueue<E> {
  private times: number[] = [];
  private sequences: number[] = [];
  private events: E[] = [];
  private nextSequence = 0;

  get size(): number {
    return this.events.length;
  }

  /** Inserts `event` due at `timeMs`; returns its sequence number. */
  push(timeMs: number, event: E): number {
    if (!(Number.isSafeInteger(timeMs) && timeMs >= 0)) fail(`event time must be a non-negative integer, got ${timeMs}`);
    const sequence = this.nextSequence++;
    this.times.push(timeMs);
    this.sequences.push(sequence);
    this.events.push(event);
    this.siftUp(this.events.length - 1);
    return sequence;
  }

  /** The due time of the earliest event, or undefined when the queue is empty. */
  peekTime(): number | undefined {
    return this.times[0];
  }

  /** Removes and returns the earliest event; the queue must not be empty. */
  pop(): { timeMs: number; sequence: number; event: E } {
    const count = this.events.length;
    assert(count > 0, 'pop from an empty event queue');
    const timeMs = this.times[0] as number;
    const sequence = this.sequences[0] as number;
    const event = this.events[0] as E;
    const last = count - 1;
    if (last > 0) {
      this.times[0] = this.times[last] as number;
      this.sequences[0] = this.sequences[last] as number;
      this.events[0] = this.events[last] as E;
    }
    this.times.pop();
    this.sequences.pop();
    this.events.pop();
    if (last > 1) this.siftDown(0);
    return { timeMs, sequence, event };
  }

  private less(a: number, b: number): boolean {
    const timeA = this.times[a] as number;
    const timeB = this.times[b] as number;
    if (timeA !== timeB) return timeA < timeB;
    return (this.sequences[a] as number) < (this.sequences[b] as number);
  }

  private swap(a: number, b: number): void {
    const time = this.times[a] as number;
    this.times[a] = this.times[b] as number;
    this.times[b] = time;
    const sequence = this.sequences[a] as number;
    this.sequences[a] = this.sequences[b] as number;
    this.sequences[b] = sequence;
    const event = this.events[a] as E;
    this.events[a] = this.events[b] as E;
    this.events[b] = event;
  }

  private siftUp(index: number): void {
    let child = index;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!this.less(child, parent)) return;
      this.swap(child, parent);
      child = parent;
    }
  }

  private siftDown(index: number): void {
    const count = this.events.length;
    let parent = index;
    for (;;) {
      const left = 2 * parent + 1;
      if (left >= count) return;
      const right = left + 1;
      const smaller = right < count && this.less(right, left) ? right : left;
      if (!this.less(smaller, parent)) return;
      this.swap(smaller, parent);
      parent = smaller;
    }
  }
}

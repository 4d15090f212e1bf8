import { assert } from '../../impl/common/assert.ts';

/**
 * The last `capacity` items pushed, oldest first, and how many older ones were dropped: the
 * memory of what a run's explanations describe (recent faults, leader and ISR changes) stays
 * bounded however long the run.
 */
export class BoundedRing<T> {
  private readonly items: T[] = [];
  /** Where the oldest item is, once the ring is full. */
  private start = 0;
  private droppedCount = 0;

  constructor(readonly capacity: number) {
    assert(Number.isSafeInteger(capacity) && capacity > 0, `a ring needs a positive capacity, not ${capacity}`);
  }

  push(item: T): void {
    if (this.items.length < this.capacity) {
      this.items.push(item);
      return;
    }
    this.items[this.start] = item;
    this.start = (this.start + 1) % this.capacity;
    this.droppedCount++;
  }

  /** Items pushed and since overwritten by newer ones. */
  get dropped(): number {
    return this.droppedCount;
  }

  get size(): number {
    return this.items.length;
  }

  /** The items held, oldest first (a new array). */
  toArray(): T[] {
    return [...this.items.slice(this.start), ...this.items.slice(0, this.start)];
  }
}

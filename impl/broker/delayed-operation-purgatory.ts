import { assert } from '../common/assert.ts';

/**
 * Kafka's `DelayedOperation`: a request whose answer waits on the state of some partitions (a
 * produce for replication, a fetch for data), or for its timer.
 */
export interface DelayedOperation {
  /** The timer that expires the operation; its expiry is delivered to {@link DelayedOperationPurgatory.expire}. */
  readonly timer: string;
  /**
   * Kafka's `tryComplete`: when the operation can be answered now, answers it (cancelling its
   * timer) and returns true; otherwise changes nothing but coverage marks and returns false.
   */
  tryComplete(): boolean;
  /** Kafka's `onExpiration` followed by `onComplete`: its timer fired first; answer as it stands. */
  onExpiration(): void;
}

interface Watched<T> {
  readonly operation: T;
  readonly keys: readonly string[];
}

/**
 * Kafka's `DelayedOperationPurgatory`: holds delayed operations, each watched under the keys
 * (topic-partitions) whose state it waits on, until `checkAndComplete` on one of those keys
 * completes it or its timer expires it. Kafka's timing wheel is the simulator's timers here: the
 * caller sets an operation's timer and passes its expiry to {@link expire}.
 *
 * Operations are kept in the order they were added, and one `checkAndComplete` tries each
 * operation watching any of its keys once, in that order, so that answers leave in the order
 * their requests came whatever the keys (Kafka checks key by key, each key's watchers in order).
 */
export class DelayedOperationPurgatory<T extends DelayedOperation> {
  /** Every operation waiting, by the sequence number it was added with (a Map keeps insertion order). */
  private readonly operations = new Map<number, Watched<T>>();
  /** For each key, the sequence numbers of the operations watching it. */
  private readonly watchers = new Map<string, Set<number>>();
  private nextSequence = 0;

  /**
   * @param purgatoryName Kafka's `purgatoryName` (`Produce`, `Fetch`), for assertion messages.
   * @param operationsMax The most operations it may hold at once: a bound on everything.
   */
  constructor(
    readonly purgatoryName: string,
    readonly operationsMax: number,
  ) {
    assert(Number.isSafeInteger(operationsMax), `${purgatoryName}: operationsMax ${operationsMax} is not an integer`);
    assert(operationsMax > 0, `${purgatoryName}: operationsMax ${operationsMax} must be positive`);
  }

  /** Kafka's `numDelayed`: how many operations wait. */
  get numDelayed(): number {
    return this.operations.size;
  }

  /** Whether any operation waits on `key`. */
  isWatched(key: string): boolean {
    return this.watchers.has(key);
  }

  /** The keys some operation waits on, in the order they were first watched. */
  watchedKeys(): IterableIterator<string> {
    return this.watchers.keys();
  }

  /**
   * Kafka's `tryCompleteElseWatch`: tries the operation once; if it cannot complete yet, watches
   * it under `keys` until it can. Returns whether it completed.
   */
  tryCompleteElseWatch(operation: T, keys: readonly string[]): boolean {
    if (operation.tryComplete()) return true;
    this.watch(operation, keys);
    return false;
  }

  /**
   * Watches an operation without trying it first: its caller has just found that it cannot
   * complete, and it is tried at the next `checkAndComplete` of one of its keys.
   */
  watch(operation: T, keys: readonly string[]): void {
    assert(this.operations.size < this.operationsMax, `${this.purgatoryName} purgatory: too many delayed operations (${this.operationsMax})`);
    assert(keys.length > 0, `${this.purgatoryName} purgatory: an operation must wait on some key`);
    const sequence = this.nextSequence++;
    const unique = [...new Set(keys)];
    this.operations.set(sequence, { operation, keys: unique });
    for (const key of unique) {
      let watching = this.watchers.get(key);
      if (watching === undefined) {
        watching = new Set();
        this.watchers.set(key, watching);
      }
      watching.add(sequence);
    }
  }

  /**
   * Kafka's `checkAndComplete`, for several keys at once: tries every operation watching any of
   * `keys` once, in the order the operations were added, and drops those that complete. Returns
   * how many completed.
   */
  checkAndComplete(keys: Iterable<string>): number {
    const due = new Set<number>();
    for (const key of keys) {
      for (const sequence of this.watchers.get(key) ?? []) due.add(sequence);
    }
    if (due.size === 0) return 0;
    let completed = 0;
    for (const sequence of [...due].sort((a, b) => a - b)) {
      const watched = this.operations.get(sequence);
      assert(watched !== undefined, `${this.purgatoryName} purgatory: operation ${sequence} watched but not held`);
      if (!watched.operation.tryComplete()) continue;
      this.remove(sequence, watched);
      completed++;
    }
    return completed;
  }

  /**
   * The timer `timer` fired: the first operation waiting with that timer expires (Kafka's
   * `forceComplete` from the timing wheel). Returns whether one was waiting.
   */
  expire(timer: string): boolean {
    for (const [sequence, watched] of this.operations) {
      if (watched.operation.timer !== timer) continue;
      this.remove(sequence, watched);
      watched.operation.onExpiration();
      return true;
    }
    return false;
  }

  private remove(sequence: number, watched: Watched<T>): void {
    const removed = this.operations.delete(sequence);
    assert(removed, `${this.purgatoryName} purgatory: operation ${sequence} removed twice`);
    for (const key of watched.keys) {
      const watching = this.watchers.get(key);
      assert(watching !== undefined, `${this.purgatoryName} purgatory: nothing watches ${key}`);
      const unwatched = watching.delete(sequence);
      assert(unwatched, `${this.purgatoryName} purgatory: ${key} did not watch operation ${sequence}`);
      if (watching.size === 0) this.watchers.delete(key);
    }
  }
}

/**
 * One record's entry in the copy ledger (`replica-logs.ts`): which brokers hold a copy of it, since
 * when, and how each copy that is gone ended. A file of its own because the ledger keeps these
 * entries and the loss judgement (`judgeLoss`) reads them; their shapes are kept small
 * on purpose, as a long run has an entry per record it wrote.
 */

/** How one copy of a record ended. */
export type CopyEnding =
  /**
   * The replica truncated it: it followed a leader whose log diverged there (`leader` in
   * `leaderEpoch`, when the broker said whom it followed).
   */
  | { readonly how: 'truncated'; readonly brokerId: number; readonly atMs: number; readonly leader?: number; readonly leaderEpoch?: number }
  /** Below the log start: retention deleted its segment (or the follower restarted at the leader's log start). */
  | { readonly how: 'deleted'; readonly brokerId: number; readonly atMs: number }
  /** Gone from the middle of the log: the log cleaner compacted it away. */
  | { readonly how: 'compacted'; readonly brokerId: number; readonly atMs: number }
  /** Gone when the broker came back, with no fault on its disk to explain it. */
  | { readonly how: 'lost-on-restart'; readonly brokerId: number; readonly atMs: number }
  /** Taken by faults that destroyed data on the broker's disk (named, with their times). */
  | { readonly how: 'destroyed'; readonly brokerId: number; readonly atMs: number; readonly faults: readonly string[] };

/**
 * The brokers holding a copy of one record, each since when. A record has a few, and a long run
 * has a ledger entry per record it wrote: one small array of (broker, since) pairs each, where a
 * `Map` per record took a tenth of a 300-second run's heap.
 */
export class Holders {
  /** Broker id, then since when, for each holder, in the order they gained it. */
  private readonly pairs: number[] = [];

  get size(): number {
    return this.pairs.length / 2;
  }

  has(brokerId: number): boolean {
    return this.indexOf(brokerId) >= 0;
  }

  /** Since when `brokerId` holds its copy, if it does. */
  sinceMs(brokerId: number): number | undefined {
    const index = this.indexOf(brokerId);
    return index < 0 ? undefined : this.pairs[index + 1];
  }

  /** The holders' ids, in the order they gained their copies. */
  keys(): number[] {
    const ids: number[] = [];
    for (let index = 0; index < this.pairs.length; index += 2) ids.push(this.pairs[index] as number);
    return ids;
  }

  set(brokerId: number, sinceMs: number): void {
    const index = this.indexOf(brokerId);
    if (index >= 0) {
      // A Map's set keeps the key's place and replaces its value: so does this.
      this.pairs[index + 1] = sinceMs;
      return;
    }
    this.pairs.push(brokerId, sinceMs);
  }

  delete(brokerId: number): boolean {
    const index = this.indexOf(brokerId);
    if (index < 0) return false;
    this.pairs.splice(index, 2);
    return true;
  }

  private indexOf(brokerId: number): number {
    for (let index = 0; index < this.pairs.length; index += 2) if (this.pairs[index] === brokerId) return index;
    return -1;
  }
}

/** Every copy of one record (one value at one offset of one partition) the run has seen. */
export interface RecordCopies {
  readonly partition: string;
  readonly offset: number;
  readonly value: string;
  /** Brokers holding it now (for a broker that is down: when it went down). */
  readonly holders: Pick<Holders, 'size' | 'has' | 'sinceMs' | 'keys'>;
  readonly endings: readonly CopyEnding[];
}

/** The ledger's own, writable form of a record's entry. */
export interface MutableCopies {
  readonly partition: string;
  readonly offset: number;
  readonly value: string;
  readonly holders: Holders;
  readonly endings: CopyEnding[];
}

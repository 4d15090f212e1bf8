import { assert } from '../common/assert.ts';
import type { NodeId } from '../env/node-environment.ts';
import type { FetchRequest } from './raft-messages.ts';

/** A Fetch the leader holds until it has data, the HW moves, or `maxWaitMs` passes. */
export interface ParkedFetch {
  readonly from: NodeId;
  readonly request: FetchRequest;
  readonly deadlineMs: number;
  /** When it arrived: a connection that broke later did not carry it. */
  readonly arrivedAtMs: number;
}

/**
 * Kafka's fetch purgatory in `KafkaRaftClient` (`ThresholdPurgatory`): empty fetches wait here for
 * the long poll. At most one per replica, since each replica has at most one fetch in flight, so
 * its size is bounded by the replicas that fetch. Fetches leave in replica id order, so the order
 * of their answers never depends on the order they arrived in.
 */
export class FetchPurgatory {
  private readonly parked = new Map<number, ParkedFetch>();

  constructor(private readonly maxParked: number) {
    assert(maxParked > 0, 'the purgatory holds at least one fetch');
  }

  get size(): number {
    return this.parked.size;
  }

  /** Holds `fetch`; returns the one it supersedes from the same replica, to be answered now. */
  park(replicaId: number, fetch: ParkedFetch): ParkedFetch | undefined {
    const previous = this.parked.get(replicaId);
    assert(previous !== undefined || this.parked.size < this.maxParked, `more than ${this.maxParked} held fetches`);
    this.parked.set(replicaId, fetch);
    return previous;
  }

  /** Removes and returns every held fetch (all of them, or those past their wait), by replica id. */
  takeAll(nowMs: number, expiredOnly: boolean): ParkedFetch[] {
    const ids = [...this.parked.keys()].sort((a, b) => a - b);
    const taken: ParkedFetch[] = [];
    for (const replicaId of ids) {
      const fetch = this.parked.get(replicaId) as ParkedFetch;
      if (expiredOnly && fetch.deadlineMs > nowMs) continue;
      this.parked.delete(replicaId);
      taken.push(fetch);
    }
    return taken;
  }

  /**
   * Forgets the fetches from `address` that came over the connection that broke at `brokenAtMs`:
   * their answers could not arrive. One that arrived later came over the connection the peer's
   * new process opened (the notice of a silent failure comes late), and is still answered.
   */
  dropFrom(address: NodeId, brokenAtMs: number): void {
    const ids = [...this.parked.keys()].filter((replicaId) => {
      const fetch = this.parked.get(replicaId);
      return fetch !== undefined && fetch.from === address && fetch.arrivedAtMs <= brokenAtMs;
    });
    for (const replicaId of ids) this.parked.delete(replicaId);
  }

  nextDeadlineMs(): number {
    let next = Number.POSITIVE_INFINITY;
    for (const fetch of this.parked.values()) next = Math.min(next, fetch.deadlineMs);
    return next;
  }
}

import { assert } from '../common/assert.ts';
import type { NodeId } from '../env/node-environment.ts';
import type { FetchRequest } from '../protocol/messages.ts';
import type { DelayedOperationContext } from './broker-io.ts';
import type { DelayedOperation } from './delayed-operation-purgatory.ts';

/**
 * Kafka's `DelayedFetch`: a fetch that found less than `minBytes` and waits up to its
 * `maxWaitMs` for data. It completes as soon as one of its partitions has something to read
 * (up to the log end for a follower, the high watermark for a consumer) or is no longer led here;
 * completing, or expiring, it reads the log afresh (`onComplete` calls `readFromLocalLog`).
 */
export class DelayedFetch implements DelayedOperation {
  /** The partitions it waits on. */
  readonly keys: readonly string[];

  constructor(
    readonly from: NodeId,
    readonly request: FetchRequest,
    readonly timer: string,
    private readonly context: DelayedOperationContext,
    private readonly onComplete: (delayed: DelayedFetch) => void,
  ) {
    this.keys = request.partitions.map((fetch) => `${fetch.topic}-${fetch.partition}`);
    assert(this.keys.length > 0, 'a delayed fetch waits on no partition');
  }

  tryComplete(): boolean {
    const ready = this.request.partitions.some((fetch) => {
      const partition = this.context.getPartition(`${fetch.topic}-${fetch.partition}`);
      return partition === undefined || partition.role !== 'leader' || partition.availableBytes(fetch.fetchOffset, this.request.replicaId >= 0) > 0;
    });
    if (!ready) return false;
    this.context.io.cancelTimer(this.timer);
    this.onComplete(this);
    return true;
  }

  onExpiration(): void {
    this.onComplete(this);
  }
}

import { assert } from '../common/assert.ts';
import type { NodeId } from '../env/node-environment.ts';
import type { KafkaError } from '../protocol/errors.ts';
import type { ProducePartitionResponse, ProduceRequest } from '../protocol/messages.ts';
import type { DelayedOperationContext } from './broker-io.ts';
import type { DelayedOperation } from './delayed-operation-purgatory.ts';

/** One partition's append as the leader answered it, with the last offset an acks=all answer waits for. */
export type ProducePartitionResult = ProducePartitionResponse & { readonly lastOffset: number };

/**
 * Kafka's `DelayedProduce`: an acks=all produce, appended on this leader, waiting until the high
 * watermark of each partition it wrote passes its batch. Then it is answered: NONE, or
 * NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR is meanwhile below `min.insync.replicas`, and
 * NOT_LEADER_OR_FOLLOWER for a partition this broker no longer leads. At its timeout
 * (the request's `timeoutMs`) a partition still waiting is answered REQUEST_TIMED_OUT.
 *
 * Unlike Kafka's, which settles each partition once (`acksPending`), every try judges every
 * partition afresh from the append's results: a partition that lost its leader is marked again
 * at each try while another still waits, and one that got its leadership back is judged by its
 * high watermark again. refka has always answered so; this keeps it.
 */
export class DelayedProduce implements DelayedOperation {
  /** The partitions it waits on: those appended without error (Kafka's `acksPending` ones). */
  readonly keys: readonly string[];

  constructor(
    readonly from: NodeId,
    readonly request: ProduceRequest,
    private readonly results: readonly ProducePartitionResult[],
    readonly timer: string,
    private readonly context: DelayedOperationContext,
    private readonly responseCallback: (results: readonly ProducePartitionResult[]) => void,
  ) {
    assert(request.acks === -1, `a delayed produce needs acks=all, not ${request.acks}`);
    this.keys = results.filter((result) => result.error === 'NONE').map((result) => `${result.topic}-${result.partition}`);
    assert(this.keys.length > 0, 'a delayed produce waits on no partition');
  }

  tryComplete(): boolean {
    let done = true;
    const results = this.results.map((result) => {
      if (result.error !== 'NONE') return result;
      const partition = this.context.getPartition(`${result.topic}-${result.partition}`);
      if (partition === undefined || partition.role !== 'leader') {
        this.context.io.mark('leader-failover-with-writes-in-flight');
        return { ...result, error: 'NOT_LEADER_OR_FOLLOWER' as KafkaError };
      }
      if (partition.highWatermark > result.lastOffset) {
        const minIsr = partition.minInsyncReplicas;
        return partition.isr.length < minIsr ? { ...result, error: 'NOT_ENOUGH_REPLICAS_AFTER_APPEND' as KafkaError } : result;
      }
      done = false;
      return result;
    });
    if (!done) return false;
    this.context.io.cancelTimer(this.timer);
    this.responseCallback(results);
    return true;
  }

  onExpiration(): void {
    const results = this.results.map((result) => {
      if (result.error !== 'NONE') return result;
      const partition = this.context.getPartition(`${result.topic}-${result.partition}`);
      return partition !== undefined && partition.highWatermark > result.lastOffset ? result : { ...result, error: 'REQUEST_TIMED_OUT' as KafkaError };
    });
    this.responseCallback(results);
  }
}

import { incrementSequence, NO_PRODUCER_ID } from '../log/record-batch.ts';
import type { UnifiedLog } from '../log/unified-log.ts';
import type { KafkaError } from '../protocol/errors.ts';

/** Kafka keeps the metadata of a producer's last five batches to answer retries of any of them. */
export const NUM_BATCHES_TO_RETAIN = 5;

interface BatchMetadata {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
}

interface ProducerEntry {
  epoch: number;
  batches: BatchMetadata[];
}

export type SequenceCheck =
  | { readonly type: 'append' }
  /** A retry of a batch already in the log: answer with its original offset, append nothing. */
  | { readonly type: 'duplicate'; readonly firstOffset: number }
  | { readonly type: 'error'; readonly error: KafkaError; readonly message: string };

/**
 * Kafka's `ProducerStateManager` for idempotence (KIP-98), per partition: for each producer id its
 * epoch and the sequence ranges of its last batches. A batch whose sequences match a retained one
 * is a duplicate; one that does not follow the last sequence is out of order. Followers keep the
 * same state from the batches they replicate, so a new leader dedupes what the old one acked.
 * After a restart or truncation the state is rebuilt from the log's batch headers (Kafka loads a
 * snapshot and replays the log after it; refka replays all of it).
 */
export class ProducerStateManager {
  private producers = new Map<number, ProducerEntry>();
  /** `producerIds`' answer while no producer was added since (checkers ask after most appends). */
  private sortedIds: readonly number[] | undefined;
  /** Bumped on every change, so that a reader can tell an unchanged state without reading it. */
  private changes = 0;

  /** How many times the state has changed (a rebuild included). */
  get version(): number {
    return this.changes;
  }

  /** Checks a leader append of a batch from producer `producerId` (no state change). */
  check(producerId: number, producerEpoch: number, firstSeq: number, lastSeq: number): SequenceCheck {
    if (producerId === NO_PRODUCER_ID) return { type: 'append' };
    const entry = this.producers.get(producerId);
    if (entry === undefined) {
      // Unknown producer: only a first sequence of 0 starts it (its state may have been
      // truncated away otherwise, KIP-360's UNKNOWN_PRODUCER_ID).
      return firstSeq === 0 ? { type: 'append' } : { type: 'error', error: 'UNKNOWN_PRODUCER_ID', message: `producer ${producerId} unknown, first sequence ${firstSeq}` };
    }
    if (producerEpoch < entry.epoch) return { type: 'error', error: 'INVALID_PRODUCER_EPOCH', message: `epoch ${producerEpoch} below ${entry.epoch}` };
    if (producerEpoch > entry.epoch) {
      return firstSeq === 0 ? { type: 'append' } : { type: 'error', error: 'OUT_OF_ORDER_SEQUENCE_NUMBER', message: `new epoch ${producerEpoch} must start at sequence 0, got ${firstSeq}` };
    }
    const duplicate = entry.batches.find((batch) => batch.firstSeq === firstSeq && batch.lastSeq === lastSeq);
    if (duplicate !== undefined) return { type: 'duplicate', firstOffset: duplicate.firstOffset };
    const last = entry.batches.at(-1);
    const expected = last === undefined ? 0 : incrementSequence(last.lastSeq, 1);
    if (firstSeq !== expected) {
      return { type: 'error', error: 'OUT_OF_ORDER_SEQUENCE_NUMBER', message: `producer ${producerId} sent sequence ${firstSeq}, expected ${expected}` };
    }
    return { type: 'append' };
  }

  /** Records a batch written to the log (by this leader, or replicated as a follower). */
  update(producerId: number, producerEpoch: number, firstSeq: number, lastSeq: number, firstOffset: number, lastOffset: number): void {
    if (producerId === NO_PRODUCER_ID) return;
    this.changes++;
    let entry = this.producers.get(producerId);
    if (entry === undefined || producerEpoch > entry.epoch) {
      entry = { epoch: producerEpoch, batches: [] };
      if (!this.producers.has(producerId)) this.sortedIds = undefined;
      this.producers.set(producerId, entry);
    }
    entry.batches.push({ firstSeq, lastSeq, firstOffset, lastOffset });
    if (entry.batches.length > NUM_BATCHES_TO_RETAIN) entry.batches.shift();
  }

  /**
   * What the state knows of producer `producerId`: its epoch and its last batch (Kafka's
   * `ProducerStateEntry.lastSeq` / `lastDataOffset`), or nothing. Read-only, for the checkers.
   */
  lastBatchOf(producerId: number): { readonly epoch: number; readonly lastSeq: number; readonly lastOffset: number } | undefined {
    const entry = this.producers.get(producerId);
    const last = entry?.batches.at(-1);
    if (entry === undefined || last === undefined) return undefined;
    return { epoch: entry.epoch, lastSeq: last.lastSeq, lastOffset: last.lastOffset };
  }

  /** The producer ids the state knows, ascending. */
  producerIds(): readonly number[] {
    this.sortedIds ??= [...this.producers.keys()].sort((a, b) => a - b);
    return this.sortedIds;
  }

  /** Rebuilds the state from the log's batch headers. */
  rebuild(log: UnifiedLog): void {
    this.producers = new Map();
    this.sortedIds = undefined;
    this.changes++;
    for (const batch of log.producerBatchHeaders()) {
      if (batch.producerId === undefined || batch.producerId === NO_PRODUCER_ID || batch.baseSequence === undefined || batch.producerEpoch === undefined) continue;
      const count = batch.lastOffset - batch.baseOffset;
      this.update(batch.producerId, batch.producerEpoch, batch.baseSequence, incrementSequence(batch.baseSequence, count), batch.baseOffset, batch.lastOffset);
    }
  }
}

import type { RecordBatch } from '../log/record-batch.ts';
import type { UnifiedLog } from '../log/unified-log.ts';

/** One batch as the digest knows it: offsets, leader epoch and the batch's CRC-32C. */
export interface BatchDigest {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly epoch: number;
  /** The CRC covers everything after it (records, producer fields), not the offset or epoch. */
  readonly crc: number;
  /** A hash of this batch and every batch before it in the log. */
  readonly prefixHash: number;
}

/**
 * A compact summary of a replica's log, kept in memory beside it so that the replication
 * invariants (LogMatching, StrongIsr) can compare replicas after every event without reading
 * logs: two replicas agree on a prefix exactly when their prefix hashes at its last batch match.
 * It is updated on every append and rebuilt from the log after truncation, retention or restart.
 */
export class LogDigest {
  private batches: BatchDigest[] = [];

  get all(): readonly BatchDigest[] {
    return this.batches;
  }

  get length(): number {
    return this.batches.length;
  }

  append(batch: RecordBatch): void {
    const previous = this.batches.at(-1);
    this.batches.push({
      baseOffset: batch.baseOffset,
      lastOffset: batch.lastOffset,
      epoch: batch.partitionLeaderEpoch,
      crc: batch.crc,
      prefixHash: mix(previous?.prefixHash ?? 0x9e3779b9, batch.baseOffset, batch.lastOffset, batch.partitionLeaderEpoch, batch.crc),
    });
  }

  rebuild(log: UnifiedLog): void {
    this.batches = [];
    let from = log.logStartOffset;
    while (from < log.logEndOffset) {
      const read = log.read(from, 1 << 22, log.logEndOffset, true);
      if (read.type === 'error' || read.batches.length === 0) break;
      for (const batch of read.batches) {
        this.append(batch);
        from = batch.lastOffset + 1;
      }
    }
  }
}

/** The batch whose last offset is `lastOffset` (binary search over a digest), if any. */
export function batchEndingAt(digest: readonly BatchDigest[], lastOffset: number): BatchDigest | undefined {
  let low = 0;
  let high = digest.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const batch = digest[middle] as BatchDigest;
    if (batch.lastOffset === lastOffset) return batch;
    if (batch.lastOffset < lastOffset) low = middle + 1;
    else high = middle - 1;
  }
  return undefined;
}

/** The index of the last batch ending below `offset` (exclusive bound), or -1. */
export function lastBatchBelow(digest: readonly BatchDigest[], offset: number): number {
  let low = 0;
  let high = digest.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if ((digest[middle] as BatchDigest).lastOffset < offset) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

function mix(seed: number, ...words: number[]): number {
  let hash = seed >>> 0;
  for (const word of words) {
    const low = word >>> 0;
    const high = Math.floor(word / 0x1_0000_0000) >>> 0;
    hash = Math.imul(hash ^ low, 0x01000193) >>> 0;
    hash = Math.imul(hash ^ high, 0x5bd1e995) >>> 0;
    hash ^= hash >>> 15;
  }
  return hash >>> 0;
}

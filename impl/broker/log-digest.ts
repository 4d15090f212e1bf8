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
 * It is updated on every append and rebuilt from the log after truncation, retention, compaction,
 * a log start offset taken from the leader, or restart.
 */
export class LogDigest {
  private batches: BatchDigest[] = [];

  /**
   * @param compacted the log's topic is compacted (`cleanup.policy` includes `compact`): each
   * replica's cleaner rewrites batches on its own schedule, as Kafka's does, so copies of one
   * batch hold the same offset range and epoch but different records and CRCs. The digest then
   * records offsets and epochs only (CRC 0), and the invariants compare what compaction keeps.
   */
  constructor(private readonly compacted = false) {}

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
      crc: this.compacted ? 0 : batch.crc,
      prefixHash: mix(previous?.prefixHash ?? anchorHash(this.anchor), batch.baseOffset, batch.lastOffset, batch.partitionLeaderEpoch, this.compacted ? 0 : batch.crc),
    });
  }

  /** Where the digest's prefix hashes start: the log start offset when it was last rebuilt. */
  private anchor = 0;

  rebuild(log: UnifiedLog): void {
    this.batches = [];
    this.anchor = log.logStartOffset;
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

/** The prefix hash a digest starts from at `offset` when nothing before it is known. */
export function anchorHash(offset: number): number {
  return offset === 0 ? 0x9e3779b9 : mix(0x9e3779b9, offset);
}

/**
 * The entries of `digest` from the first batch starting at or after `fromOffset`, with their
 * prefix hashes computed again as if the log started there (`seed`: the hash to chain from, by
 * default {@link anchorHash}). Two replicas that hold the same batches from `fromOffset` on get
 * the same entries, whatever each one's own log start: what the view of a cluster needs when
 * retention moved replicas' log starts at different times.
 */
export function reanchor(digest: readonly BatchDigest[], fromOffset: number, into: BatchDigest[] = [], startIndex = 0): BatchDigest[] {
  for (let index = startIndex; index < digest.length; index++) {
    const batch = digest[index] as BatchDigest;
    if (batch.baseOffset < fromOffset) continue;
    const previous = into.at(-1);
    into.push({ ...batch, prefixHash: mix(previous?.prefixHash ?? anchorHash(fromOffset), batch.baseOffset, batch.lastOffset, batch.epoch, batch.crc) });
  }
  return into;
}

import type { BatchProducer, ScannedBatch } from './segment-reader.ts';

/**
 * The form in which the checkers compare replicas' logs: one digest a batch, with a hash of the
 * log up to it, so that two replicas agree up to a batch when their hashes there agree. Built by
 * the copy ledger (`replica-logs.ts`) from the batches it reads off the disks, and read by the
 * cluster view and the replication invariants; a file of its own because those read digests, not
 * the ledger.
 */

/** One batch as the checkers compare it. */
export interface BatchDigest {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly epoch: number;
  /** The CRC covers the records and producer fields, not the base offset or the epoch. */
  readonly crc: number;
  /** A hash of this batch and every batch before it in the log. */
  readonly prefixHash: number;
  /**
   * False from the first batch that fails its checksum on: a bit flipped on the disk, which the
   * broker detects when it reads the batch. Comparisons stop before such a prefix: the copy is
   * damaged by a fault, and the broker will notice.
   */
  readonly intact: boolean;
  /** The idempotent producer that wrote the batch (KIP-98), for an intact batch that has one. */
  readonly producer?: BatchProducer;
}

/**
 * Appends the digests of `scanned` to a replica's batches (`digests`) in place: checkers may keep
 * the array and rely on it only growing while it is the same object (a full read replaces it).
 * In a compacted topic (`compacted`) batches compare by offsets and epoch only: CRC 0.
 */
export function appendDigests(digests: BatchDigest[], scanned: readonly ScannedBatch[], compacted: boolean): void {
  let hash = digests.at(-1)?.prefixHash ?? anchorHash(scanned[0]?.baseOffset ?? 0);
  let intact = digests.at(-1)?.intact ?? true;
  for (const batch of scanned) {
    const crc = compacted ? 0 : batch.crc;
    hash = mix(hash, batch.baseOffset, batch.lastOffset, batch.epoch, crc);
    intact &&= !batch.corrupt;
    // Literal shapes, not a spread: a spread gives each object a hidden class of its own.
    digests.push(batch.producer === undefined
      ? { baseOffset: batch.baseOffset, lastOffset: batch.lastOffset, epoch: batch.epoch, crc, prefixHash: hash, intact }
      : { baseOffset: batch.baseOffset, lastOffset: batch.lastOffset, epoch: batch.epoch, crc, prefixHash: hash, intact, producer: batch.producer });
  }
}

function mix(hash: number, ...values: number[]): number {
  let h = hash | 0;
  for (const value of values) {
    h = Math.imul(h ^ (value | 0), 0x85ebca6b);
    h = Math.imul(h ^ Math.floor(value / 0x100000000), 0xc2b2ae35);
    h ^= h >>> 13;
  }
  return h >>> 0;
}

/** The prefix hash a replica's batches start from at `offset` when nothing before it is known. */
export function anchorHash(offset: number): number {
  return offset === 0 ? 0x9e3779b9 : mix(0x9e3779b9, offset);
}

/**
 * The entries of `batches` from the first batch starting at or after `fromOffset`, with their
 * prefix hashes computed again as if the log started there. Two replicas that hold the same
 * batches from `fromOffset` on get the same entries, whatever each one's own log start: what the
 * cluster view needs when retention moved replicas' log starts at different times. Appends to
 * `into` from `startIndex`, so that a presented list can be extended in place. A damaged last
 * batch below `fromOffset` is kept when nothing after it would carry its mark (`intact` is a
 * prefix flag): an unframeable rest of a segment the log start moved into may hide offsets at or
 * above it (`ScannedBatch.unframed`), and the replica must read as damaged, not as empty.
 */
export function reanchor(batches: readonly BatchDigest[], fromOffset: number, into: BatchDigest[] = [], startIndex = 0): BatchDigest[] {
  for (let index = startIndex; index < batches.length; index++) {
    const batch = batches[index] as BatchDigest;
    if (batch.baseOffset < fromOffset && (batch.intact || index < batches.length - 1 || into.length > 0)) continue;
    const previous = into.at(-1);
    const prefixHash = mix(previous?.prefixHash ?? anchorHash(fromOffset), batch.baseOffset, batch.lastOffset, batch.epoch, batch.crc);
    into.push(batch.producer === undefined
      ? { baseOffset: batch.baseOffset, lastOffset: batch.lastOffset, epoch: batch.epoch, crc: batch.crc, prefixHash, intact: batch.intact }
      : { baseOffset: batch.baseOffset, lastOffset: batch.lastOffset, epoch: batch.epoch, crc: batch.crc, prefixHash, intact: batch.intact, producer: batch.producer });
  }
  return into;
}

/** The batch whose last offset is `lastOffset` (binary search over a replica's batches), if any. */
export function batchEndingAt(batches: readonly BatchDigest[], lastOffset: number): BatchDigest | undefined {
  let low = 0;
  let high = batches.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const batch = batches[middle] as BatchDigest;
    if (batch.lastOffset === lastOffset) return batch;
    if (batch.lastOffset < lastOffset) low = middle + 1;
    else high = middle - 1;
  }
  return undefined;
}

/** The index of the last batch that ends below `offset`, or -1. */
export function lastBatchBelow(batches: readonly BatchDigest[], offset: number): number {
  let low = 0;
  let high = batches.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if ((batches[middle] as BatchDigest).lastOffset < offset) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

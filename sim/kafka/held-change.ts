import type { ScannedBatch } from './segment-reader.ts';

/**
 * What changed in a replica between two full reads of it, found by comparing batches rather than
 * every record: the copy ledger (`replica-logs.ts`) then ends or gains copies only for the records
 * of batches that changed. A file of its own because it is a pure comparison of two reads, with
 * its own conditions for when the shortcut holds.
 */

/**
 * What changed between two reads of a replica, visiting only the batches that differ, or
 * undefined when the cheap comparison does not apply. It applies when both reads are in strict
 * offset order (every batch starts past the end of the one before: a damaged header can break
 * that, and then every record is compared) and the log start did not move back. The reads then
 * agree on a common run of batches (the same objects: a file read again keeps its batches, and a
 * batch read from the same bytes is shared), after those that fell below the new log start; the
 * records held only before are `removed` (in log order), those held only now `added`.
 */
export function heldChange(previous: readonly ScannedBatch[], previousLogStart: number | undefined, scanned: readonly ScannedBatch[], logStart: number | undefined): { removed: string[]; added: string[]; tailOffsets: Set<number> } | undefined {
  if ((previousLogStart === undefined) !== (logStart === undefined)) return undefined;
  if (logStart !== undefined && previousLogStart !== undefined && logStart < previousLogStart) return undefined;
  if (!inOffsetOrder(previous) || !inOffsetOrder(scanned)) return undefined;
  const heldBefore = (offset: number): boolean => previousLogStart === undefined || offset >= previousLogStart;
  const heldNow = (offset: number): boolean => logStart === undefined || offset >= logStart;
  const first = scanned[0];
  let from = 0;
  while (from < previous.length && previous[from] !== first && (previous[from] as ScannedBatch).lastOffset < (logStart ?? Number.NEGATIVE_INFINITY)) from++;
  let common = 0;
  while (from + common < previous.length && common < scanned.length && previous[from + common] === scanned[common]) common++;
  const tail = new Set<string>();
  const tailOffsets = new Set<number>();
  const added: string[] = [];
  for (let index = common; index < scanned.length; index++) {
    for (const record of (scanned[index] as ScannedBatch).records) {
      if (!heldNow(record.offset)) continue;
      tail.add(record.key);
      tailOffsets.add(record.offset);
    }
  }
  const removed: string[] = [];
  const before = new Set<string>();
  const leaves = (batch: ScannedBatch): void => {
    for (const record of batch.records) {
      if (!heldBefore(record.offset)) continue;
      before.add(record.key);
      if (!tail.has(record.key)) removed.push(record.key);
    }
  };
  for (let index = 0; index < from; index++) leaves(previous[index] as ScannedBatch);
  // In the common run only the first batches can reach below the new log start (retention).
  for (let index = from; index < from + common; index++) {
    const batch = previous[index] as ScannedBatch;
    if (heldNow(batch.baseOffset)) break;
    for (const record of batch.records) if (heldBefore(record.offset) && !heldNow(record.offset)) removed.push(record.key);
  }
  for (let index = from + common; index < previous.length; index++) leaves(previous[index] as ScannedBatch);
  for (const key of tail) if (!before.has(key)) added.push(key);
  return { removed, added, tailOffsets };
}

/** Whether every batch starts past the end of the one before it (and ends at or after its start). */
function inOffsetOrder(batches: readonly ScannedBatch[]): boolean {
  let end = Number.NEGATIVE_INFINITY;
  for (const batch of batches) {
    if (batch.baseOffset <= end || batch.lastOffset < batch.baseOffset) return false;
    end = batch.lastOffset;
  }
  return true;
}

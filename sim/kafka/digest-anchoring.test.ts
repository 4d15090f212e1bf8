import { describe, expect, it } from 'vitest';
import { appendDigests, reanchor, type BatchDigest } from './batch-digests.ts';
import { DigestAnchoring } from './cluster-view-builder.ts';
import type { ScannedBatch } from './segment-reader.ts';

function batches(from: number, count: number): ScannedBatch[] {
  return Array.from({ length: count }, (_, index) => ({
    baseOffset: from + 2 * index, lastOffset: from + 2 * index + 1, epoch: 1 + ((from + 2 * index) >> 2), crc: 1000 + from + 2 * index, corrupt: false, records: [],
  }));
}

describe('reanchor', () => {
  it('keeps a damaged last batch below the start, so that the replica reads as damaged, not empty', () => {
    const digest: BatchDigest[] = [];
    appendDigests(digest, [...batches(10, 1), { baseOffset: 12, lastOffset: 12, epoch: -1, crc: 0, corrupt: true, unframed: true, records: [] }], false);
    expect(reanchor(digest, 20).map((batch) => [batch.baseOffset, batch.intact])).toEqual([[12, false]]);
    // Once a batch at or above the start follows, it carries the mark, and the damaged one is left out.
    appendDigests(digest, batches(20, 1), false);
    expect(reanchor(digest, 20).map((batch) => [batch.baseOffset, batch.intact])).toEqual([[20, false]]);
    // An intact batch below the start is never shown.
    expect(reanchor(digest.slice(0, 1), 20)).toEqual([]);
  });
});

describe('DigestAnchoring.present', () => {
  it('shows a replica that starts at the common start as its own array, growing with it, with the hashes reanchoring gives', () => {
    const digest: BatchDigest[] = [];
    appendDigests(digest, batches(10, 3), false);
    const anchoring = new DigestAnchoring();
    const shown = anchoring.present(0, 't-0', digest, 10);
    expect(shown).toBe(digest);
    appendDigests(digest, batches(16, 2), false);
    expect(anchoring.present(0, 't-0', digest, 10)).toBe(digest);
    expect(shown).toEqual(reanchor(digest, 10));
    expect(anchoring.unchanged(0, 't-0', digest, 10)).toBe(digest);
  });

  it('reanchors a replica that holds batches below the common start, and keeps extending its copy', () => {
    const digest: BatchDigest[] = [];
    appendDigests(digest, batches(10, 3), false);
    const anchoring = new DigestAnchoring();
    const shown = anchoring.present(0, 't-0', digest, 12);
    expect(shown).not.toBe(digest);
    expect(shown.map((batch) => batch.baseOffset)).toEqual([12, 14]);
    appendDigests(digest, batches(16, 1), false);
    const grown = anchoring.present(0, 't-0', digest, 12);
    expect(grown).toBe(shown);
    expect(grown).toEqual(reanchor(digest, 12));
    // Two replicas that agree from the common start agree on every hash there.
    const other: BatchDigest[] = [];
    appendDigests(other, batches(12, 3), false);
    expect(anchoring.present(1, 't-0', other, 12)).toEqual(grown);
  });
});

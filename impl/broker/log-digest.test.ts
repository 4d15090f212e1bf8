import { describe, expect, it } from 'vitest';
import { buildRecordBatch, DEFAULT_BATCH_SPEC, parseRecordBatch, stampBatch } from '../log/record-batch.ts';
import { LogDigest, reanchor } from './log-digest.ts';

function batchAt(offset: number, value: string): ReturnType<typeof parseRecordBatch> {
  const bytes = buildRecordBatch(DEFAULT_BATCH_SPEC, [{ timestamp: 1, key: new TextEncoder().encode('k'), value: new TextEncoder().encode(value), headers: [] }]);
  return parseRecordBatch(stampBatch(bytes, offset, 0));
}

describe('LogDigest', () => {
  it('gives two replicas the same prefix hashes from a common start, whatever their own log starts', () => {
    const whole = new LogDigest();
    for (let offset = 0; offset < 5; offset++) whole.append(batchAt(offset, `v${offset}`));
    // A replica whose retention already deleted offsets 0 and 1 holds the same batches from 2 on.
    const trimmed = whole.all.filter((batch) => batch.baseOffset >= 2);
    expect(trimmed[0]?.prefixHash).not.toBe(reanchor(trimmed, 2)[0]?.prefixHash);
    expect(reanchor(whole.all, 2)).toEqual(reanchor(trimmed, 2));
    // From the start of the log, re-anchoring changes nothing.
    expect(reanchor(whole.all, 0)).toEqual(whole.all);
  });

  it('tells different batches apart after re-anchoring', () => {
    const left = new LogDigest();
    const right = new LogDigest();
    for (let offset = 0; offset < 4; offset++) {
      left.append(batchAt(offset, `v${offset}`));
      right.append(batchAt(offset, offset === 2 ? 'other' : `v${offset}`));
    }
    expect(reanchor(left.all, 1)[2]?.prefixHash).not.toBe(reanchor(right.all, 1)[2]?.prefixHash);
    expect(reanchor(left.all, 3)).toEqual(reanchor(right.all, 3));
  });

  it('leaves the CRC out for a compacted topic, whose replicas compact at different times', () => {
    const plain = new LogDigest();
    const compacted = new LogDigest(true);
    plain.append(batchAt(0, 'a'));
    compacted.append(batchAt(0, 'a'));
    expect(plain.all[0]?.crc).not.toBe(0);
    expect(compacted.all[0]?.crc).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { HeldBatches, type BatchIdentity } from './held-batches.ts';

const batch = (baseOffset: number, lastOffset: number, epoch = 1, crc = 7): BatchIdentity => ({ baseOffset, lastOffset, epoch, crc });

describe('HeldBatches', () => {
  it('knows who ever held each batch, past its first growth', () => {
    const held = new HeldBatches();
    for (let index = 0; index < 500; index++) held.hold(batch(index * 3, index * 3 + 2), index % 3);
    for (let index = 0; index < 500; index += 2) held.hold(batch(index * 3, index * 3 + 2), 29);
    expect(held.holders(batch(0, 2))).toEqual(new Set([0, 29]));
    expect(held.holders(batch(3, 5))).toEqual(new Set([1]));
    expect(held.holders(batch(1497, 1499))).toEqual(new Set([1]));
    expect(held.holders(batch(1500, 1502))).toBeUndefined();
    // The same offsets in another epoch, or with another CRC, are another batch.
    expect(held.holders(batch(0, 2, 2))).toBeUndefined();
    expect(held.holders(batch(0, 2, 1, 8))).toBeUndefined();
  });

  it('keeps a divergent batch ending at a known offset, and one out of order, apart', () => {
    const held = new HeldBatches();
    held.hold(batch(0, 4), 0);
    held.hold(batch(5, 9), 0);
    held.hold(batch(0, 4, 2, 99), 1);
    held.hold(batch(0, 1, 1, 5), 2);
    held.hold(batch(0, 1, 1, 5), 31);
    held.hold(batch(5, 9), 40);
    expect(held.holders(batch(0, 4))).toEqual(new Set([0]));
    expect(held.holders(batch(0, 4, 2, 99))).toEqual(new Set([1]));
    expect(held.holders(batch(0, 1, 1, 5))).toEqual(new Set([2, 31]));
    expect(held.holders(batch(5, 9))).toEqual(new Set([0, 40]));
  });
});

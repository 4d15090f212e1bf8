import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../impl/common/assert.ts';
import { GrowableBytes } from './growable-bytes.ts';

describe('growable bytes', () => {
  it('many small appends double the capacity instead of reallocating per append', () => {
    const bytes = new GrowableBytes();
    const record = new Uint8Array(1024).fill(7);
    const capacities = new Set<number>();
    for (let index = 0; index < 10_000; index++) {
      bytes.writeAt(bytes.length, record);
      capacities.add(bytes.capacity);
    }
    expect(bytes.length).toBe(10_240_000);
    // Doubling from 1 KiB to ~10 MB takes about 14 steps; reallocating per append would take 10,000.
    expect(capacities.size).toBeLessThanOrEqual(20);
    expect(bytes.capacity).toBeLessThan(2 * bytes.length);
  });

  it('zero-fills holes, also over garbage left behind by a shrink', () => {
    const bytes = new GrowableBytes();
    bytes.writeAt(0, new Uint8Array([1, 2, 3, 4, 5, 6]));
    bytes.setLength(2);
    bytes.writeAt(4, new Uint8Array([9]));
    expect([...bytes.view()]).toEqual([1, 2, 0, 0, 9]);
    bytes.setLength(7);
    expect([...bytes.view()]).toEqual([1, 2, 0, 0, 9, 0, 0]);
  });

  it('copies and clones are independent of the original', () => {
    const bytes = new GrowableBytes();
    bytes.writeAt(0, new Uint8Array([1, 2, 3]));
    const copy = bytes.copy(0, 3);
    const clone = bytes.clone();
    copy[0] = 42;
    clone.writeAt(0, new Uint8Array([43]));
    expect([...bytes.view()]).toEqual([1, 2, 3]);
  });

  it('rejects negative and fractional positions and copies past the end', () => {
    const bytes = new GrowableBytes();
    expect(() => bytes.writeAt(-1, new Uint8Array(1))).toThrow(AssertionError);
    expect(() => bytes.writeAt(0.5, new Uint8Array(1))).toThrow(AssertionError);
    expect(() => bytes.copy(0, 1)).toThrow(AssertionError);
    expect(() => bytes.setLength(-1)).toThrow(AssertionError);
  });
});

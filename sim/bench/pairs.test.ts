import { describe, expect, it } from 'vitest';
import { interleave, median, pairedRatios } from './pairs.ts';

/** The arithmetic and ordering of side-by-side comparisons; no timing is involved. */
describe('pairs', () => {
  it('takes the median of odd and even counts without reordering its input', () => {
    const values = [5, 1, 3];
    expect(median(values)).toBe(3);
    expect(values).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/no values/);
  });

  it('runs the contestants in turn, A, B, A, B, and keeps each one\'s results in round order', () => {
    const order: string[] = [];
    const results = interleave(3, {
      a: () => order.push('a'),
      b: () => order.push('b'),
    });
    expect(order).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
    expect(results).toEqual({ a: [1, 3, 5], b: [2, 4, 6] });
  });

  it('divides round by round and summarises the ratios', () => {
    expect(pairedRatios([10, 30, 8], [5, 10, 1])).toEqual({ median: 3, min: 2, max: 8, ratios: [2, 3, 8] });
    expect(() => pairedRatios([1, 2], [1])).toThrow(/2 rounds against 1/);
    expect(() => pairedRatios([1], [0])).toThrow(/positive and finite/);
  });
});

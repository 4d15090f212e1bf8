import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ddmin } from './ddmin.ts';

// ddmin must return a failing subsequence that is 1-minimal (removing any one item passes), in
// input order, within its budget; the failures below are monotone and not (a pair that fails
// only together, an item whose failure a second one masks).

describe('ddmin', () => {
  it('finds the one culprit among many', () => {
    const items = Array.from({ length: 40 }, (_, index) => index);
    const result = ddmin(items, (candidate) => candidate.includes(17), 1_000);
    expect(result.items).toEqual([17]);
    expect(result.exhausted).toBe(false);
    // O(log n) for one culprit: far fewer runs than items.
    expect(result.tests).toBeLessThan(20);
  });

  it('keeps a pair that fails only together, in input order', () => {
    const items = Array.from({ length: 30 }, (_, index) => index);
    const result = ddmin(items, (candidate) => candidate.includes(3) && candidate.includes(25), 1_000);
    expect(result.items).toEqual([3, 25]);
  });

  it('gives the empty list when nothing is needed to fail', () => {
    expect(ddmin([1, 2, 3], () => true, 100).items).toEqual([]);
  });

  it('stops at its budget with a subsequence that still fails', () => {
    const items = Array.from({ length: 64 }, (_, index) => index);
    const asked: number[][] = [];
    const result = ddmin(items, (candidate) => {
      asked.push([...candidate]);
      return candidate.filter((item) => item % 7 === 0).length >= 5;
    }, 5);
    expect(result.exhausted).toBe(true);
    expect(result.tests).toBe(5);
    expect(asked).toHaveLength(5);
    expect(result.items.filter((item) => item % 7 === 0).length).toBeGreaterThanOrEqual(5);
  });

  it('is 1-minimal for any set of culprits that must all be present', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(fc.nat(), { maxLength: 5 }), (length, picks) => {
        const items = Array.from({ length }, (_, index) => index);
        const culprits = new Set(picks.map((pick) => pick % length));
        const fails = (candidate: readonly number[]): boolean => [...culprits].every((culprit) => candidate.includes(culprit));
        const result = ddmin(items, fails, 10_000);
        expect(result.exhausted).toBe(false);
        expect(fails(result.items)).toBe(true);
        expect([...result.items]).toEqual([...result.items].sort((a, b) => a - b));
        for (let index = 0; index < result.items.length; index++) {
          expect(fails(result.items.filter((_, at) => at !== index))).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('is 1-minimal for failures that are not monotone', () => {
    // Fails when an odd number of the marked items is present: removing one may flip it either way.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), (length, picks) => {
        const items = Array.from({ length }, (_, index) => index);
        const marked = new Set(picks.map((pick) => pick % length));
        const fails = (candidate: readonly number[]): boolean => candidate.filter((item) => marked.has(item)).length % 2 === 1;
        fc.pre(fails(items));
        const result = ddmin(items, fails, 10_000);
        expect(fails(result.items)).toBe(true);
        for (let index = 0; index < result.items.length; index++) {
          expect(fails(result.items.filter((_, at) => at !== index))).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OffsetTable } from './offset-table.ts';

describe('OffsetTable', () => {
  it('answers as a Map would, and lists its offsets in ascending order', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat({ max: 5000 }), fc.string({ minLength: 1, maxLength: 3 })), { maxLength: 200 }), (writes) => {
      const table = new OffsetTable<string>();
      const model = new Map<number, string>();
      for (const [offset, value] of writes) {
        table.set(offset, value);
        model.set(offset, value);
      }
      expect(table.size).toBe(model.size);
      for (const [offset, value] of model) expect(table.get(offset)).toBe(value);
      expect(table.get(5001)).toBeUndefined();
      expect(table.offsets()).toEqual([...model.keys()].sort((a, b) => a - b));
    }), { numRuns: 200 });
  });

  it('refuses what is not a log offset', () => {
    const table = new OffsetTable<string>();
    expect(() => table.set(-1, 'x')).toThrow(/not a log offset/);
    expect(() => table.set(1.5, 'x')).toThrow(/not a log offset/);
  });
});

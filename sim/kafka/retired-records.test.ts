import { describe, expect, it } from 'vitest';
import { ValueCodec } from '../../properties/invariants/history/record-values.ts';
import { RetiredRecords } from './retired-records.ts';

describe('RetiredRecords', () => {
  it('finds a retired record by offset and value, whatever its value', () => {
    const retired = new RetiredRecords(new ValueCodec());
    const first = [0, 100];
    const second = [1, 200, 2, 210];
    retired.set(5, 'producer-0:3', first);
    retired.set(2000, 'a1b2/c3d4', second);
    expect(retired.get(5, 'producer-0:3')).toBe(first);
    expect(retired.get(2000, 'a1b2/c3d4')).toBe(second);
    expect(retired.get(5, 'producer-0:4')).toBeUndefined();
    expect(retired.get(6, 'producer-0:3')).toBeUndefined();
    expect(retired.get(5, 'producer-0:03')).toBeUndefined();
  });

  it('keeps a second value retired at one offset (divergent logs) beside the first', () => {
    const retired = new RetiredRecords(new ValueCodec());
    const first = [0, 100];
    const second = [1, 200];
    retired.set(7, 'producer-0:1', first);
    retired.set(7, 'producer-1:1', second);
    expect(retired.get(7, 'producer-0:1')).toBe(first);
    expect(retired.get(7, 'producer-1:1')).toBe(second);
    retired.delete(7, 'producer-0:1');
    expect(retired.get(7, 'producer-0:1')).toBeUndefined();
    expect(retired.get(7, 'producer-1:1')).toBe(second);
    retired.delete(7, 'producer-1:1');
    expect(retired.get(7, 'producer-1:1')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { ValueCodec, ValueNumbers, ValueTable } from './record-values.ts';

describe('ValueCodec', () => {
  it('numbers the workload\'s values and gives each back as it was', () => {
    const codec = new ValueCodec();
    const values = ['producer-0:0', 'producer-1:17', 'producer-0:999999999', 'a:b:3', 'producer-10:4', 'producer-1:4'];
    const codes = values.map((value) => codec.encode(value));
    expect(codes.every((code) => code !== undefined)).toBe(true);
    expect(new Set(codes).size).toBe(values.length);
    expect(codes.map((code) => codec.decode(code as number))).toEqual(values);
  });

  it('looks a value up without adding its producer', () => {
    const codec = new ValueCodec();
    expect(codec.lookup('producer-0:1')).toBeUndefined();
    const code = codec.encode('producer-0:1');
    expect(code).toBeDefined();
    expect(codec.lookup('producer-0:1')).toBe(code);
    expect(codec.lookup('producer-1:1')).toBeUndefined();
    expect(codec.encode('producer-1:1')).toBe((code as number) + 2 ** 32);
  });

  it('keeps no code for a value another string would decode to, or not of the form', () => {
    const codec = new ValueCodec();
    for (const value of ['producer-0:01', 'producer-0:', ':5', 'producer-0', 'producer-0:1x', 'producer-0:-1', 'producer-0:1000000000', '']) {
      expect(codec.encode(value), value).toBeUndefined();
    }
  });
});

describe('ValueTable', () => {
  it('holds a value per offset, the workload\'s as codes and others as themselves', () => {
    const table = new ValueTable(new ValueCodec());
    expect(table.get(5)).toBeUndefined();
    expect(table.holds(5, 'producer-0:1')).toBeUndefined();
    table.set(5, 'producer-0:1');
    table.set(2048, 'flipped\u0000value');
    table.set(3, 'producer-1:00');
    expect(table.size).toBe(3);
    expect([table.get(5), table.get(2048), table.get(3)]).toEqual(['producer-0:1', 'flipped\u0000value', 'producer-1:00']);
    expect(table.holds(5, 'producer-0:1')).toBe(true);
    expect(table.holds(5, 'producer-0:2')).toBe(false);
    expect(table.holds(5, 'producer-0:01')).toBe(false);
    expect(table.holds(3, 'producer-1:00')).toBe(true);
    expect(table.holds(3, 'producer-1:0')).toBe(false);
    expect(table.offsets()).toEqual([3, 5, 2048]);
    // Overwritten, a kept string goes.
    table.set(3, 'producer-1:0');
    expect(table.get(3)).toBe('producer-1:0');
    expect(table.size).toBe(3);
  });
});

describe('ValueNumbers', () => {
  it('maps values to numbers, densely per producer, with any other value beside them', () => {
    const numbers = new ValueNumbers(new ValueCodec());
    expect(numbers.get('producer-0:3')).toBeUndefined();
    numbers.set('producer-0:3', 2 ** 33 + 5);
    numbers.set('producer-2:500', 0);
    numbers.set('odd', 7);
    // A seq past the dense columns' reach does not allocate them.
    numbers.set('producer-0:999999999', 1);
    expect(numbers.get('producer-0:3')).toBe(2 ** 33 + 5);
    expect(numbers.get('producer-0:4')).toBeUndefined();
    expect(numbers.get('producer-2:500')).toBe(0);
    expect(numbers.get('producer-1:500')).toBeUndefined();
    expect(numbers.get('odd')).toBe(7);
    expect(numbers.get('producer-0:999999999')).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EventQueue } from './event-queue.ts';

describe('EventQueue', () => {
  it('pops in (time, insertion sequence) order for any schedule', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 300 }), (times) => {
        const queue = new EventQueue<number>();
        times.forEach((time, index) => queue.push(time, index));
        const popped: Array<[number, number]> = [];
        while (queue.size > 0) {
          const { timeMs, event } = queue.pop();
          popped.push([timeMs, event]);
        }
        const expected = times.map((time, index) => [time, index] as [number, number]);
        expected.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        expect(popped).toEqual(expected);
      }),
    );
  });

  it('rejects negative and fractional times', () => {
    const queue = new EventQueue<string>();
    expect(() => queue.push(-1, 'x')).toThrow(/non-negative integer/);
    expect(() => queue.push(1.5, 'x')).toThrow(/non-negative integer/);
    expect(() => queue.pop()).toThrow(/empty/);
  });
});

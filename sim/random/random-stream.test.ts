import { describe, expect, it } from 'vitest';
import { AleaRandomStream, RandomStreams } from './random-stream.ts';

function draw(stream: { next(): number }, count: number): number[] {
  return Array.from({ length: count }, () => stream.next());
}

describe('random streams', () => {
  it('the same seed and name give the same numbers', () => {
    expect(draw(new AleaRandomStream(42, 'network'), 20)).toEqual(draw(new AleaRandomStream(42, 'network'), 20));
  });

  it('different seeds and different names give different numbers', () => {
    const base = draw(new AleaRandomStream(42, 'network'), 20);
    expect(draw(new AleaRandomStream(43, 'network'), 20)).not.toEqual(base);
    expect(draw(new AleaRandomStream(42, 'faults'), 20)).not.toEqual(base);
  });

  it('streams are independent: drawing from one does not move another', () => {
    const streams = new RandomStreams(7);
    const workload = streams.stream('workload');
    const faults = streams.stream('faults');
    draw(faults, 1000);
    expect(draw(workload, 20)).toEqual(draw(new AleaRandomStream(7, 'workload'), 20));
  });

  it('refuses to issue one name twice and keeps ranges', () => {
    const streams = new RandomStreams(1);
    streams.stream('a');
    expect(() => streams.stream('a')).toThrow(/already issued/);
    const stream = new AleaRandomStream(1, 'range');
    for (let index = 0; index < 1000; index++) {
      const value = stream.int(3, 5);
      expect(value).toBeGreaterThanOrEqual(3);
      expect(value).toBeLessThanOrEqual(5);
    }
    expect(() => stream.int(5, 3)).toThrow(/empty range/);
    expect(() => new AleaRandomStream(-1, 'x')).toThrow(/non-negative/);
  });
});

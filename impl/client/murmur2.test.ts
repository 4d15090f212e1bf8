import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partitionForKey } from './default-partitioner.ts';
import { murmur2, toPositive } from './murmur2.ts';

describe('murmur2 (Kafka Utils.murmur2)', () => {
  it("matches Kafka's own test vectors", () => {
    // apache/kafka clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2.
    const cases: [string | number[], number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      [[97, 98, 99], 479470107],
    ];
    for (const [input, expected] of cases) {
      const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : Uint8Array.from(input);
      expect(murmur2(bytes), String(input)).toBe(expected);
    }
  });

  it('toPositive clears the sign bit, as Kafka does (not Math.abs)', () => {
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(-1)).toBe(2147483647);
    expect(toPositive(-973932308)).toBe(-973932308 & 0x7fffffff);
    expect(toPositive(42)).toBe(42);
  });

  it('keyed records land on the partition the Java client would choose, always in range', () => {
    // toPositive(-973932308) % 3 for the key "21", worked from the vector above.
    expect(partitionForKey(new TextEncoder().encode('21'), 3)).toBe((-973932308 & 0x7fffffff) % 3);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 1, max: 1000 }), (key, partitions) => {
        const partition = partitionForKey(key, partitions);
        expect(Number.isInteger(partition) && partition >= 0 && partition < partitions).toBe(true);
        expect(partitionForKey(key, partitions)).toBe(partition);
      }),
    );
  });
});

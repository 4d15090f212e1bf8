import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.ts';

// Check values from RFC 3720 (iSCSI), appendix B.4, and the common "123456789" check value.
describe('crc32c', () => {
  it('matches the standard check value', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  });

  it('matches the RFC 3720 test vectors', () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, index) => index))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, index) => 31 - index))).toBe(0x113fdb5c);
  });

  it('covers exactly the requested range', () => {
    const data = new TextEncoder().encode('xx123456789yy');
    expect(crc32c(data, 2, 11)).toBe(0xe3069283);
  });

  it('agrees with a bit-at-a-time reference at every length and alignment', () => {
    // The reference shifts one bit at a time straight from the polynomial: no tables to share a bug.
    const reference = (data: Uint8Array, start: number, end: number): number => {
      let crc = 0xffffffff;
      for (let index = start; index < end; index++) {
        crc ^= data[index] as number;
        for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
      }
      return (crc ^ 0xffffffff) >>> 0;
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(16), fc.nat(16), (data, skipStart, skipEnd) => {
        const start = Math.min(skipStart, data.length);
        const end = Math.max(start, data.length - skipEnd);
        expect(crc32c(data, start, end)).toBe(reference(data, start, end));
      }),
    );
  });
});

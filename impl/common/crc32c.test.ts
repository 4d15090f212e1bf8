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
});

/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum Kafka's RecordBatch v2
 * carries over everything after its CRC field (KIP-98). Slicing-by-8: eight tables let the loop
 * fold eight bytes per step, about three times faster than one byte at a time, which matters
 * because every append, read and recovery checks a CRC. The tail is done byte by byte.
 */
const TABLES: Uint32Array = (() => {
  const tables = new Uint32Array(8 * 256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
    tables[byte] = crc >>> 0;
  }
  for (let byte = 0; byte < 256; byte++) {
    let crc = tables[byte] as number;
    for (let slice = 1; slice < 8; slice++) {
      crc = (tables[crc & 0xff] as number) ^ (crc >>> 8);
      tables[slice * 256 + byte] = crc >>> 0;
    }
  }
  return tables;
})();

/** CRC-32C of `data[start, end)`, as an unsigned 32-bit integer. */
export function crc32c(data: Uint8Array, start = 0, end = data.length): number {
  const t = TABLES;
  let crc = 0xffffffff;
  let index = start;
  for (; index + 8 <= end; index += 8) {
    const low = (crc ^ ((data[index] as number) | ((data[index + 1] as number) << 8) | ((data[index + 2] as number) << 16) | ((data[index + 3] as number) << 24))) >>> 0;
    crc =
      (t[7 * 256 + (low & 0xff)] as number) ^
      (t[6 * 256 + ((low >>> 8) & 0xff)] as number) ^
      (t[5 * 256 + ((low >>> 16) & 0xff)] as number) ^
      (t[4 * 256 + (low >>> 24)] as number) ^
      (t[3 * 256 + (data[index + 4] as number)] as number) ^
      (t[2 * 256 + (data[index + 5] as number)] as number) ^
      (t[256 + (data[index + 6] as number)] as number) ^
      (t[data[index + 7] as number] as number);
  }
  for (; index < end; index++) {
    crc = (t[(crc ^ (data[index] as number)) & 0xff] as number) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

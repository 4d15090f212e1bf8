/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum Kafka's RecordBatch v2
 * carries over everything after its CRC field (KIP-98). Table-driven, one byte at a time.
 */
const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
    table[byte] = crc >>> 0;
  }
  return table;
})();

/** CRC-32C of `data[start, end)`, as an unsigned 32-bit integer. */
export function crc32c(data: Uint8Array, start = 0, end = data.length): number {
  let crc = 0xffffffff;
  for (let index = start; index < end; index++) {
    crc = (TABLE[(crc ^ (data[index] as number)) & 0xff] as number) ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

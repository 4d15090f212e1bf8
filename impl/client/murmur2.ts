/**
 * Kafka's `Utils.murmur2`: 32-bit MurmurHash2 with Kafka's seed, as the Java client uses it to
 * partition keyed records. The result is Java's signed 32-bit int.
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const seed = 0x9747b28c;
  const m = 0x5bd1e995;
  const r = 24;
  let h = seed ^ length;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i << 2;
    let k = ((data[i4] as number) & 0xff) + (((data[i4 + 1] as number) & 0xff) << 8) + (((data[i4 + 2] as number) & 0xff) << 16) + (((data[i4 + 3] as number) & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const index = length4 << 2;
  // The tail bytes, as Java's fall-through switch over (length % 4) handles them.
  const tail = length - index;
  if (tail >= 3) h ^= ((data[index + 2] as number) & 0xff) << 16;
  if (tail >= 2) h ^= ((data[index + 1] as number) & 0xff) << 8;
  if (tail >= 1) {
    h ^= (data[index] as number) & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's `Utils.toPositive`: clears the sign bit (not `Math.abs`, which fails on MIN_VALUE). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

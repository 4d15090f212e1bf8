import { murmur2, toPositive } from './murmur2.ts';

/**
 * Kafka's partition for a keyed record (`BuiltInPartitioner.partitionForKey`): murmur2 of the key
 * bytes, made positive, modulo the partition count. A key lands on the same partition number as
 * with the Java client.
 */
export function partitionForKey(keyBytes: Uint8Array, numPartitions: number): number {
  return toPositive(murmur2(keyBytes)) % numPartitions;
}

import { assert, assertIntegerInRange } from '../common/assert.ts';

/**
 * Which partition of `__consumer_offsets` coordinates a group. Kafka places a group with
 * `Utils.abs(groupId.hashCode()) % offsets.topic.num.partitions`
 * (`GroupCoordinatorService.partitionFor`, and `GroupMetadataManager.partitionFor` in the older
 * Scala coordinator), and the leader of that partition is the group's coordinator. refka must
 * place groups exactly as Java does, so that the same group id lands on the same partition in
 * refka and in a real cluster; that needs Java's `String.hashCode` and Kafka's `Utils.abs`, both
 * of which differ from the obvious JavaScript.
 */

/** Kafka's name for the internal topic that holds offset commits and group metadata (`Topic.GROUP_METADATA_TOPIC_NAME`). */
export const GROUP_METADATA_TOPIC_NAME = '__consumer_offsets';

/** Kafka's default `offsets.topic.num.partitions` (`GroupCoordinatorConfig.OFFSETS_TOPIC_PARTITIONS_DEFAULT`). */
export const OFFSETS_TOPIC_PARTITIONS_DEFAULT = 50;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Java's `String.hashCode`: `s[0]*31^(n-1) + s[1]*31^(n-2) + ... + s[n-1]` over the string's
 * UTF-16 code units, in 32-bit two's-complement arithmetic (`java.lang.String` Javadoc). A
 * JavaScript string is a sequence of UTF-16 code units too, so `charCodeAt` sees exactly the units
 * Java's `charAt` sees, surrogate halves included. `Math.imul` keeps the product in int32 and
 * `| 0` wraps the sum, which is what Java's `int` overflow does.
 */
export function javaStringHashCode(value: string): number {
  let hash = 0;
  for (let index = 0; index < value.length; index++) {
    hash = (Math.imul(31, hash) + value.charCodeAt(index)) | 0;
  }
  assert(hash >= INT32_MIN && hash <= INT32_MAX, `hash ${hash} of a string left the int32 range`);
  return hash;
}

/**
 * Kafka's `Utils.abs`: the absolute value of an int, except that `Integer.MIN_VALUE` maps to 0.
 * Java's `Math.abs(Integer.MIN_VALUE)` is `Integer.MIN_VALUE` itself (negative), which would make
 * `% numPartitions` negative; Kafka's Javadoc on `Utils.abs` says so, and group ids hashing to
 * `Integer.MIN_VALUE` (e.g. "polygenelubricants") therefore go to partition 0.
 */
export function kafkaAbs(value: number): number {
  assertIntegerInRange(value, INT32_MIN, INT32_MAX, 'Utils.abs argument');
  const result = value === INT32_MIN ? 0 : Math.abs(value);
  assert(result >= 0 && result <= INT32_MAX, `Utils.abs(${value}) gave ${result}`);
  return result;
}

/**
 * The `__consumer_offsets` partition that coordinates `groupId`:
 * `Utils.abs(groupId.hashCode()) % offsetsTopicNumPartitions` (`GroupCoordinatorService.partitionFor`).
 */
export function partitionFor(groupId: string, offsetsTopicNumPartitions: number): number {
  // offsets.topic.num.partitions is an int config with at least one partition (`atLeast(1)`).
  assertIntegerInRange(offsetsTopicNumPartitions, 1, INT32_MAX, 'offsets.topic.num.partitions');
  const partition = kafkaAbs(javaStringHashCode(groupId)) % offsetsTopicNumPartitions;
  assert(partition >= 0, `partition ${partition} for group '${groupId}' is negative`);
  assert(partition < offsetsTopicNumPartitions, `partition ${partition} for group '${groupId}' is out of range`);
  return partition;
}

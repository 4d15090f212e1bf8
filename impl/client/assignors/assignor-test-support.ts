import { assert } from '../../common/assert.ts';
import {
  compareStrings,
  partitionName,
  type GroupAssignment,
  type GroupSubscription,
  type PartitionsPerTopic,
  type TopicPartition,
} from './consumer-partition-assignor.ts';

/**
 * Helpers shared by the assignor tests: the shorthand of Kafka's assignor tests (`tp`, `topics`,
 * `partitions`) and their checks (`verifyValidityAndBalance`, `isFullyBalanced` from
 * AbstractStickyAssignorTest), written over refka's types.
 */

export function tp(topic: string, partition: number): TopicPartition {
  return { topic, partition };
}

/** `topic-partition` names, as Kafka's `TopicPartition.toString()`. */
export function names(partitions: readonly TopicPartition[] | undefined): string[] {
  assert(partitions !== undefined, 'no partitions for that member');
  return partitions.map(partitionName);
}

/** Names sorted, for comparisons where Kafka's test compares sets (`assertAssignment`). */
export function sortedNames(partitions: readonly TopicPartition[] | undefined): string[] {
  return names(partitions).sort(compareStrings);
}

/** Kafka's `toSortedString` (AbstractPartitionAssignorTest): "t1-0, t1-3, t2-0". */
export function toSortedString(partitions: readonly TopicPartition[] | undefined): string {
  return sortedNames(partitions).join(', ');
}

/** Parses "t1-0, t1-3" back into partitions (AbstractPartitionAssignorTest.ownedPartitions). */
export function parsePartitions(text: string): TopicPartition[] {
  if (text === '') return [];
  return text.split(', ').map((name) => {
    const dash = name.lastIndexOf('-');
    return tp(name.slice(0, dash), Number(name.slice(dash + 1)));
  });
}

export function partitionCounts(entries: Record<string, number>): PartitionsPerTopic {
  return new Map(Object.entries(entries));
}

/** Member id to its partitions. */
export function partitionsByMember(assignment: GroupAssignment): Map<string, readonly TopicPartition[]> {
  return new Map([...assignment].map(([memberId, { partitions }]) => [memberId, partitions]));
}

/** Kafka's `isFullyBalanced`: member sizes differ by at most one. */
export function isFullyBalanced(assignment: ReadonlyMap<string, readonly TopicPartition[]>): boolean {
  const sizes = [...assignment.values()].map((partitions) => partitions.length);
  if (sizes.length === 0) return true;
  return Math.max(...sizes) - Math.min(...sizes) <= 1;
}

/**
 * Kafka's `verifyValidityAndBalance` (AbstractStickyAssignorTest): every member subscribes to the
 * topics of its partitions; no partition goes to two members; and two members whose sizes differ by
 * more than one hold no partitions of a common topic (else one could have been moved). Returns the
 * first problem, or undefined.
 */
export function validityAndBalanceProblem(
  subscriptions: GroupSubscription,
  assignment: ReadonlyMap<string, readonly TopicPartition[]>,
): string | undefined {
  if (assignment.size !== subscriptions.size) return `${assignment.size} assignments for ${subscriptions.size} members`;
  const members = [...assignment.keys()].sort(compareStrings);
  for (const [i, member] of members.entries()) {
    const partitions = assignment.get(member) ?? [];
    const topics = subscriptions.get(member)?.topics ?? [];
    for (const partition of partitions) {
      if (!topics.includes(partition.topic)) return `${partitionName(partition)} given to ${member}, not subscribed`;
    }
    for (const other of members.slice(i + 1)) {
      const otherPartitions = assignment.get(other) ?? [];
      const otherNames = new Set(names(otherPartitions));
      const common = names(partitions).filter((name) => otherNames.has(name));
      if (common.length > 0) return `${member} and ${other} both have ${common.join(', ')}`;
      if (Math.abs(partitions.length - otherPartitions.length) <= 1) continue;
      const otherTopics = new Set(otherPartitions.map((p) => p.topic));
      const shared = partitions.find((p) => otherTopics.has(p.topic));
      if (shared !== undefined) {
        return `${member} (${partitions.length}) and ${other} (${otherPartitions.length}) share topic ${shared.topic}`;
      }
    }
  }
  return undefined;
}

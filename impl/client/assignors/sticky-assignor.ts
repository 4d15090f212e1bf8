import { stickyAssign, type MemberData } from './abstract-sticky-assignor.ts';
import {
  DEFAULT_GENERATION,
  sortedMemberIds,
  toGroupAssignment,
  type AssignorUserData,
  type ConsumerPartitionAssignor,
  type GroupAssignment,
  type GroupSubscription,
  type PartitionsPerTopic,
  type PreviousAssignment,
  type Subscription,
} from './consumer-partition-assignor.ts';

/**
 * Kafka's `StickyAssignor` (`sticky`, clients/.../consumer/StickyAssignor.java, KIP-54): the
 * balanced, sticky assignment of abstract-sticky-assignor.ts for the EAGER protocol. Eager members
 * revoke everything before they join, so their `ownedPartitions` are empty; the assignor instead
 * carries each member's previous assignment, and since Kafka 2.3 its generation (KAFKA-7026), in
 * the subscription's user data, and always reads ownership from there, even when the subscription
 * has `ownedPartitions` (`testMemberDataWillHonorUserData`).
 */
export const StickyAssignor: ConsumerPartitionAssignor = {
  name: 'sticky',
  supportedProtocols: ['EAGER'],
  subscriptionUserData: stickySubscriptionUserData,
  assign: stickyAssignorAssign,
};

/** Nothing before the first assignment; then that assignment and its generation (user data V1). */
function stickySubscriptionUserData(
  _topics: readonly string[],
  previous: PreviousAssignment | undefined,
): AssignorUserData | undefined {
  if (previous === undefined) return undefined;
  return { type: 'sticky', previousAssignment: previous.partitions, generation: previous.generationId };
}

/**
 * `StickyAssignor.memberData`: ownership from user data only. No user data: nothing owned, no
 * generation. User data of another shape is what Kafka cannot parse as V1 or V0: nothing owned, at
 * DEFAULT_GENERATION.
 */
export function stickyMemberData(memberSubscription: Subscription): MemberData {
  const userData = memberSubscription.userData;
  if (userData === undefined) return { partitions: [], generation: undefined };
  if (userData.type !== 'sticky') return { partitions: [], generation: DEFAULT_GENERATION };
  return { partitions: userData.previousAssignment, generation: userData.generation };
}

function stickyAssignorAssign(partitionsPerTopic: PartitionsPerTopic, subscriptions: GroupSubscription): GroupAssignment {
  const result = stickyAssign(partitionsPerTopic, subscriptions, stickyMemberData);
  return toGroupAssignment(sortedMemberIds(subscriptions), result.assignment);
}

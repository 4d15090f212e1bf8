import { assert } from '../../common/assert.ts';
import { partitionsTransferringOwnership, stickyAssign, type MemberData, type StickyAssignment } from './abstract-sticky-assignor.ts';
import {
  DEFAULT_GENERATION,
  partitionKey,
  sortedMemberIds,
  toGroupAssignment,
  type AssignorUserData,
  type ConsumerPartitionAssignor,
  type GroupAssignment,
  type GroupSubscription,
  type PartitionsPerTopic,
  type PreviousAssignment,
  type Subscription,
  type TopicPartition,
} from './consumer-partition-assignor.ts';

/**
 * Kafka's `CooperativeStickyAssignor` (`cooperative-sticky`,
 * clients/.../consumer/CooperativeStickyAssignor.java, KIP-429): the sticky assignment of
 * abstract-sticky-assignor.ts for the COOPERATIVE protocol (it also supports EAGER, where members
 * own nothing when they join and the adjustment below removes nothing).
 *
 * Cooperative members keep consuming while they rebalance and report what they hold in
 * `ownedPartitions`, with their generation (`Subscription.generationId` from consumer protocol v2,
 * KIP-792; before that in the assignor's user data, KAFKA-12984). The assignor computes the sticky
 * assignment, then withholds every partition that would change owner (`adjustAssignment`): the old
 * owner, seeing the partition missing from its assignment, revokes it and rejoins, and in that
 * follow-up rebalance nobody claims the partition any more and it goes to its new member. So a
 * partition is never given to one member in the same rebalance in which another still holds it.
 */
export const CooperativeStickyAssignor: ConsumerPartitionAssignor = {
  name: 'cooperative-sticky',
  supportedProtocols: ['COOPERATIVE', 'EAGER'],
  subscriptionUserData: cooperativeSubscriptionUserData,
  assign: (partitionsPerTopic, subscriptions) => cooperativeStickyAssign(partitionsPerTopic, subscriptions).groupAssignment,
};

/** Always the generation of the last assignment (DEFAULT_GENERATION before the first). */
function cooperativeSubscriptionUserData(
  _topics: readonly string[],
  previous: PreviousAssignment | undefined,
): AssignorUserData {
  return { type: 'cooperative-sticky', generation: previous?.generationId ?? DEFAULT_GENERATION };
}

/**
 * `CooperativeStickyAssignor.memberData`: owned partitions from the subscription; the generation
 * from the subscription when it has one (v2+), else from the user data (absent user data: no
 * generation; user data of another shape: DEFAULT_GENERATION, as for bytes Kafka cannot parse).
 */
export function cooperativeMemberData(memberSubscription: Subscription): MemberData {
  const partitions = memberSubscription.ownedPartitions;
  if (memberSubscription.generationId !== undefined) return { partitions, generation: memberSubscription.generationId };
  const userData = memberSubscription.userData;
  if (userData === undefined) return { partitions, generation: undefined };
  if (userData.type !== 'cooperative-sticky') return { partitions, generation: DEFAULT_GENERATION };
  return { partitions, generation: userData.generation };
}

export interface CooperativeStickyAssignment {
  readonly groupAssignment: GroupAssignment;
  /** The sticky assignment before the withheld partitions were removed. */
  readonly sticky: StickyAssignment;
  /** The withheld partitions, each with the member that will get it after a follow-up rebalance. */
  readonly partitionsTransferringOwnership: readonly { readonly partition: TopicPartition; readonly memberId: string }[];
}

/** The assignment with what it withheld, for tests and for the group leader's own checks. */
export function cooperativeStickyAssign(
  partitionsPerTopic: PartitionsPerTopic,
  subscriptions: GroupSubscription,
): CooperativeStickyAssignment {
  const sticky = stickyAssign(partitionsPerTopic, subscriptions, cooperativeMemberData);
  const transferring = partitionsTransferringOwnership(sticky);
  const withheld = new Set(transferring.map(({ partition }) => partitionKey(partition)));
  const adjusted = new Map<string, TopicPartition[]>();
  let removed = 0;
  for (const [memberId, partitions] of sticky.assignment) {
    const kept = partitions.filter((partition) => !withheld.has(partitionKey(partition)));
    removed += partitions.length - kept.length;
    adjusted.set(memberId, kept);
  }
  assert(removed === withheld.size, `withheld ${removed} partitions, expected ${withheld.size}`);
  return {
    groupAssignment: toGroupAssignment(sortedMemberIds(subscriptions), adjusted),
    sticky,
    partitionsTransferringOwnership: transferring,
  };
}

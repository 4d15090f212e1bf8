import { assert } from '../../common/assert.ts';
import { partitionsTransferringOwnership, stickyAssign, type MemberData, type StickyAssignment } from './abstract-sticky-assignor.ts';
import {
  compareTopicPartitions,
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

/** `CooperativeStickyAssignor.memberData` before KAFKA-12984: owned partitions, no generation. */
function memberDataWithoutGeneration(memberSubscription: Subscription): MemberData {
  return { partitions: memberSubscription.ownedPartitions, generation: undefined };
}

/**
 * Kafka 2.4-2.8's `adjustAssignment`: the partitions assigned to a member that does not list them
 * as owned and owned by a member that is not assigned them, each with the member it goes to.
 */
function addedAndRevoked(
  subscriptions: GroupSubscription,
  sticky: StickyAssignment,
): { readonly partition: TopicPartition; readonly memberId: string }[] {
  const added: { partition: TopicPartition; memberId: string }[] = [];
  const revoked = new Set<string>();
  for (const [memberId, partitions] of sticky.assignment) {
    const owned = subscriptions.get(memberId)?.ownedPartitions ?? [];
    const ownedKeys = new Set(owned.map(partitionKey));
    const assignedKeys = new Set(partitions.map(partitionKey));
    for (const partition of partitions) if (!ownedKeys.has(partitionKey(partition))) added.push({ partition, memberId });
    for (const partition of owned) if (!assignedKeys.has(partitionKey(partition))) revoked.add(partitionKey(partition));
  }
  return added.filter(({ partition }) => revoked.has(partitionKey(partition))).sort((a, b) => compareTopicPartitions(a.partition, b.partition));
}

export interface CooperativeStickyAssignment {
  readonly groupAssignment: GroupAssignment;
  /** The sticky assignment before the withheld partitions were removed. */
  readonly sticky: StickyAssignment;
  /** The withheld partitions, each with the member that will get it after a follow-up rebalance. */
  readonly partitionsTransferringOwnership: readonly { readonly partition: TopicPartition; readonly memberId: string }[];
}

/**
 * The assignment with what it withheld, for tests and for the group leader's own checks.
 *
 * `validateOwnedPartitions` false is the assignor before KAFKA-12984 (PR #10985; the
 * `kafka-12984` variant): it reads no generation (the cooperative assignor then sent no user data
 * and the subscription had no generation field), keeps every claim (`stickyAssign`), and withholds
 * only the partitions that one member's raw `ownedPartitions` lose and another member gains
 * (`adjustAssignment` of Kafka 2.4 to 2.8). A partition two members claim and both keep is neither
 * lost nor gained, so both are assigned it in the same generation.
 */
export function cooperativeStickyAssign(
  partitionsPerTopic: PartitionsPerTopic,
  subscriptions: GroupSubscription,
  validateOwnedPartitions = true,
): CooperativeStickyAssignment {
  const memberDataOf = validateOwnedPartitions ? cooperativeMemberData : memberDataWithoutGeneration;
  const sticky = stickyAssign(partitionsPerTopic, subscriptions, memberDataOf, validateOwnedPartitions);
  const transferring = validateOwnedPartitions ? partitionsTransferringOwnership(sticky) : addedAndRevoked(subscriptions, sticky);
  const withheld = new Set(transferring.map(({ partition }) => partitionKey(partition)));
  const adjusted = new Map<string, TopicPartition[]>();
  let removed = 0;
  for (const [memberId, partitions] of sticky.assignment) {
    // Kafka removes each withheld partition from the member it was going to, not from every member.
    const kept = partitions.filter((partition) => !transferring.some((move) => move.memberId === memberId && partitionKey(move.partition) === partitionKey(partition)));
    removed += partitions.length - kept.length;
    adjusted.set(memberId, kept);
  }
  assert(removed === transferring.length, `withheld ${removed} partitions, expected ${transferring.length}`);
  assert(withheld.size <= transferring.length, 'a withheld partition without a move');
  return {
    groupAssignment: toGroupAssignment(sortedMemberIds(subscriptions), adjusted),
    sticky,
    partitionsTransferringOwnership: transferring,
  };
}

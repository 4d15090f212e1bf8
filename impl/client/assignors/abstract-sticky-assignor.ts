import { assert } from '../../common/assert.ts';
import { constrainedAssign } from './constrained-assignment-builder.ts';
import {
  compareTopicPartitions,
  DEFAULT_GENERATION,
  partitionKey,
  sortedMemberIds,
  subscribedPartitionsPerTopic,
  type GroupSubscription,
  type PartitionsPerTopic,
  type Subscription,
  type TopicPartition,
} from './consumer-partition-assignor.ts';
import { generalAssign, type MemberData } from './general-assignment-builder.ts';
import type { PartitionMovements } from './partition-movements.ts';

export type { MemberData } from './general-assignment-builder.ts';

/**
 * The part that Kafka's `StickyAssignor` and `CooperativeStickyAssignor` share
 * (clients/.../consumer/internals/AbstractStickyAssignor.java, KIP-54 and KIP-429). Its goals, in
 * order: the assignment is balanced (member sizes differ by at most one when subscriptions are
 * equal; otherwise no member could take a partition it subscribes to from one holding two or more
 * more), and, within that, as many partitions as possible stay with the member that owned them.
 * The two assignors differ only in where a member's previous ownership comes from (`memberData`).
 */
export interface StickyAssignment {
  /** Partitions by member, in sorted member-id order; every subscribed member has an entry. */
  readonly assignment: ReadonlyMap<string, readonly TopicPartition[]>;
  readonly previousOwnership: PreviousOwnership;
  /** Whether the constrained (all subscriptions equal) algorithm ran. */
  readonly allSubscriptionsEqual: boolean;
  /** The general algorithm's net partition moves; undefined after the constrained algorithm. */
  readonly partitionMovements: PartitionMovements | undefined;
}

/**
 * Which claims of ownership the assignor believes (`allSubscriptionsEqual` in Kafka fills
 * `consumerToOwnedPartitions` and `partitionsWithMultiplePreviousOwners`). Per partition, among the
 * members that claim it (in `MemberData`, with their generation, DEFAULT_GENERATION when unknown):
 * - one claimant: its claim stands, whatever its generation (KAFKA-14639: a member that missed a
 *   rebalance keeps a partition nobody else claims, rather than a disruptive revocation);
 * - several: the claim of the highest generation wins and the others are dropped (KAFKA-7026 for
 *   the eager assignor, KAFKA-12984 for the cooperative one: a member that fell out of the group
 *   must not keep a partition the group has since given to another member);
 * - several at the same, highest generation: nobody's claim stands (KAFKA-12984, KAFKA-13081:
 *   "we can't tell who, if anyone, has the valid claim"), and the cooperative assignor may give the
 *   partition to nobody in this rebalance.
 *
 * Kafka applies these rules in one pass over its HashMap, comparing each claim with the claim that
 * currently holds the partition, so with three or more claimants the outcome can depend on the
 * visiting order; refka applies them to all claims of a partition at once. Kafka also reads the
 * other claimant's generation from `Subscription.generationId` rather than from its `MemberData`,
 * which differ for the eager `StickyAssignor` (its generation travels in user data); refka uses
 * `MemberData` for both sides.
 */
export interface PreviousOwnership {
  /** partitionKey -> the member whose claim stands. */
  readonly validOwners: ReadonlyMap<string, string>;
  /** partitionKeys claimed by two or more members at the highest generation claimed for them. */
  readonly claimedByMultiple: ReadonlySet<string>;
  /** Member -> its standing claims, sorted by topic and partition. */
  readonly ownedByMember: ReadonlyMap<string, readonly TopicPartition[]>;
  /** The highest `MemberData` generation of any member (DEFAULT_GENERATION if none). */
  readonly maxGeneration: number;
}

/**
 * `AbstractStickyAssignor.assignPartitions`, for the member data the assignor reads.
 *
 * `validateOwnedPartitions` false is the assignor before KAFKA-12984 (PR #10985; the `kafka-12984`
 * variant, rule `cooperativeStickyValidatesOwnedPartitions`): no claim is checked against its
 * generation or against the other members' claims. On the constrained path every member keeps what
 * it claims, so a partition claimed by two members is kept by both; on the general path each
 * partition goes to one claimant (Kafka put every cooperative claim at DEFAULT_GENERATION in one
 * HashMap, where the last one visited won; refka: the last in member-id order).
 */
export function stickyAssign(
  partitionsPerTopic: PartitionsPerTopic,
  subscriptions: GroupSubscription,
  memberDataOf: (subscription: Subscription) => MemberData,
  validateOwnedPartitions = true,
): StickyAssignment {
  const memberIds = sortedMemberIds(subscriptions);
  const topics = subscribedPartitionsPerTopic(partitionsPerTopic, subscriptions);
  const memberData = new Map<string, MemberData>();
  for (const memberId of memberIds) memberData.set(memberId, memberDataOf(subscriptionOf(subscriptions, memberId)));
  const previousOwnership = validateOwnedPartitions
    ? validatePreviousOwnership(topics, memberIds, memberData)
    : unvalidatedPreviousOwnership(topics, memberIds, memberData);
  if (memberIds.length === 0) {
    return { assignment: new Map(), previousOwnership, allSubscriptionsEqual: true, partitionMovements: undefined };
  }
  const equal = allSubscriptionsEqual(subscriptions, memberIds);
  let assignment: ReadonlyMap<string, readonly TopicPartition[]>;
  let partitionMovements: PartitionMovements | undefined;
  if (equal) {
    const owned = validateOwnedPartitions ? previousOwnership.ownedByMember : rawClaims(topics, memberIds, memberData);
    assignment = constrainedAssign(topics, memberIds, owned, !validateOwnedPartitions);
  } else {
    const general = generalAssign({
      partitionsPerTopic: topics,
      subscriptions,
      memberIds,
      ownedByMember: previousOwnership.ownedByMember,
      memberData,
      maxGeneration: previousOwnership.maxGeneration,
    });
    assignment = general.assignment;
    partitionMovements = general.partitionMovements;
  }
  checkAssignment(topics, subscriptions, memberIds, assignment, !validateOwnedPartitions);
  return { assignment, previousOwnership, allSubscriptionsEqual: equal, partitionMovements };
}

/**
 * The partitions that change owner in this assignment, each with the member it goes to
 * (`partitionsTransferringOwnership`): given to a member other than the one whose claim stands, or
 * claimed by several members at once. A cooperative rebalance must withhold them (KIP-429) until
 * the old owner has revoked them, which it shows by rejoining without them.
 *
 * Kafka's constrained algorithm records exactly these. After the general algorithm Kafka's
 * `CooperativeStickyAssignor.computePartitionsTransferringOwnership` compares instead with each
 * member's raw `ownedPartitions`, so a partition given to a member whose claim was overruled (a
 * stale, lower generation claim, or one of two same-generation claims) is not withheld, and for a
 * moment two members consume it. refka uses the standing claims on both paths.
 */
export function partitionsTransferringOwnership(
  result: StickyAssignment,
): { readonly partition: TopicPartition; readonly memberId: string }[] {
  const transferring: { partition: TopicPartition; memberId: string }[] = [];
  for (const [memberId, partitions] of result.assignment) {
    for (const partition of partitions) {
      const key = partitionKey(partition);
      const owner = result.previousOwnership.validOwners.get(key);
      if ((owner !== undefined && owner !== memberId) || result.previousOwnership.claimedByMultiple.has(key)) {
        transferring.push({ partition, memberId });
      }
    }
  }
  return transferring.sort((a, b) => compareTopicPartitions(a.partition, b.partition));
}

function validatePreviousOwnership(
  topics: ReadonlyMap<string, number>,
  memberIds: readonly string[],
  memberData: ReadonlyMap<string, MemberData>,
): PreviousOwnership {
  let maxGeneration = DEFAULT_GENERATION;
  const claims = new Map<string, { partition: TopicPartition; claimants: { memberId: string; generation: number }[] }>();
  for (const memberId of memberIds) {
    const data = memberData.get(memberId);
    assert(data !== undefined, `no member data for ${memberId}`);
    const generation = data.generation ?? DEFAULT_GENERATION;
    maxGeneration = Math.max(maxGeneration, generation);
    for (const partition of data.partitions) {
      // Claims on topics nobody subscribes to, or that no longer exist, are dropped, as in Kafka.
      // So are claims on partition numbers the topic does not have (a topic deleted and created
      // again with fewer partitions), which Kafka's constrained algorithm would hand back.
      const count = topics.get(partition.topic);
      if (count === undefined || partition.partition < 0 || partition.partition >= count) continue;
      const key = partitionKey(partition);
      let claim = claims.get(key);
      if (claim === undefined) {
        claim = { partition, claimants: [] };
        claims.set(key, claim);
      }
      if (!claim.claimants.some((claimant) => claimant.memberId === memberId)) {
        claim.claimants.push({ memberId, generation });
      }
    }
  }
  const validOwners = new Map<string, string>();
  const claimedByMultiple = new Set<string>();
  const ownedByMember = new Map<string, TopicPartition[]>(memberIds.map((memberId) => [memberId, []]));
  for (const [key, { partition, claimants }] of claims) {
    const highest = Math.max(...claimants.map((claimant) => claimant.generation));
    const winners = claimants.filter((claimant) => claimant.generation === highest);
    assert(winners.length >= 1, `no claimant at the highest generation for ${key}`);
    if (winners.length > 1) {
      claimedByMultiple.add(key);
      continue;
    }
    const owner = (winners[0] as { memberId: string }).memberId;
    validOwners.set(key, owner);
    ownedByMember.get(owner)?.push(partition);
  }
  for (const owned of ownedByMember.values()) owned.sort(compareTopicPartitions);
  return { validOwners, claimedByMultiple, ownedByMember, maxGeneration };
}

/** Each member's claims on partitions that exist, as it sent them (no generation, no de-duplication across members). */
function rawClaims(
  topics: ReadonlyMap<string, number>,
  memberIds: readonly string[],
  memberData: ReadonlyMap<string, MemberData>,
): Map<string, TopicPartition[]> {
  const claims = new Map<string, TopicPartition[]>();
  for (const memberId of memberIds) {
    const data = memberData.get(memberId);
    assert(data !== undefined, `no member data for ${memberId}`);
    const own = new Map<string, TopicPartition>();
    for (const partition of data.partitions) {
      const count = topics.get(partition.topic);
      if (count === undefined || partition.partition < 0 || partition.partition >= count) continue;
      own.set(partitionKey(partition), partition);
    }
    claims.set(memberId, [...own.values()].sort(compareTopicPartitions));
  }
  return claims;
}

/**
 * The ownership the assignor before KAFKA-12984 believed: every claim counts at DEFAULT_GENERATION
 * and a later claimant's claim replaces an earlier one (member-id order), with no partition
 * marked as claimed by several members.
 */
function unvalidatedPreviousOwnership(
  topics: ReadonlyMap<string, number>,
  memberIds: readonly string[],
  memberData: ReadonlyMap<string, MemberData>,
): PreviousOwnership {
  const claims = rawClaims(topics, memberIds, memberData);
  const validOwners = new Map<string, string>();
  const byKey = new Map<string, TopicPartition>();
  for (const memberId of memberIds) {
    for (const partition of claims.get(memberId) ?? []) {
      validOwners.set(partitionKey(partition), memberId);
      byKey.set(partitionKey(partition), partition);
    }
  }
  const ownedByMember = new Map<string, TopicPartition[]>(memberIds.map((memberId) => [memberId, []]));
  for (const [key, owner] of validOwners) ownedByMember.get(owner)?.push(byKey.get(key) as TopicPartition);
  for (const owned of ownedByMember.values()) owned.sort(compareTopicPartitions);
  return { validOwners, claimedByMultiple: new Set(), ownedByMember, maxGeneration: DEFAULT_GENERATION };
}

/**
 * Whether every member subscribes to the same set of topics. Kafka seeds its set from the first
 * member with a non-empty subscription, so a member subscribed to nothing that happens to come first
 * counts as equal to the others (and the constrained algorithm would then give it partitions);
 * refka compares the sets.
 */
function allSubscriptionsEqual(subscriptions: GroupSubscription, memberIds: readonly string[]): boolean {
  const first = memberIds[0];
  assert(first !== undefined, 'no members');
  const topics = new Set(subscriptionOf(subscriptions, first).topics);
  return memberIds.every((memberId) => {
    const other = new Set(subscriptionOf(subscriptions, memberId).topics);
    return other.size === topics.size && [...other].every((topic) => topics.has(topic));
  });
}

/**
 * Every partition of every subscribed topic goes to exactly one member subscribed to its topic
 * (with `sharedClaims`, the assignor before KAFKA-12984: to at least one).
 */
function checkAssignment(
  topics: ReadonlyMap<string, number>,
  subscriptions: GroupSubscription,
  memberIds: readonly string[],
  assignment: ReadonlyMap<string, readonly TopicPartition[]>,
  sharedClaims: boolean,
): void {
  assert(assignment.size === memberIds.length, `assignment has ${assignment.size} members, not ${memberIds.length}`);
  const assigned = new Set<string>();
  for (const [memberId, partitions] of assignment) {
    const subscribed = subscriptionOf(subscriptions, memberId).topics;
    for (const partition of partitions) {
      assert(subscribed.includes(partition.topic), `${memberId} got ${partitionKey(partition)} without subscribing`);
      assert(sharedClaims || !assigned.has(partitionKey(partition)), `${partitionKey(partition)} assigned twice`);
      assigned.add(partitionKey(partition));
    }
  }
  let total = 0;
  for (const count of topics.values()) total += count;
  assert(assigned.size === total, `assigned ${assigned.size} of ${total} partitions`);
}

function subscriptionOf(subscriptions: GroupSubscription, memberId: string): Subscription {
  const memberSubscription = subscriptions.get(memberId);
  assert(memberSubscription !== undefined, `no subscription for ${memberId}`);
  return memberSubscription;
}

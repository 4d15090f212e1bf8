import { assert } from '../../common/assert.ts';
import type { TopicPartitionRef } from '../../protocol/messages.ts';

/**
 * The client-side partition assignor contract, after Kafka's `ConsumerPartitionAssignor`
 * (clients/src/main/java/org/apache/kafka/clients/consumer/ConsumerPartitionAssignor.java). In the
 * classic group protocol the coordinator does not assign partitions: the group leader runs the
 * assignor named by the group's chosen `partition.assignment.strategy` over every member's
 * subscription and sends the result in its SyncGroup request.
 *
 * refka's assignors are pure functions: the same partition counts and subscriptions give the same
 * assignment whatever order the input Maps were built in. Kafka iterates `HashMap`s in several
 * places where the order decides a tie (which member keeps an extra partition, for one); refka
 * visits members in sorted member-id order and topics in sorted name order there instead, and each
 * such place says so.
 *
 * Not modelled: rack-aware assignment (KIP-881). Kafka uses it only when the cluster metadata gives
 * replica racks, and the input here is Kafka's `assign(Map<String, Integer> partitionsPerTopic,
 * ...)` shape, partition counts without replicas; Kafka's own assignors take that path with
 * `partitionInfosWithoutRacks`, where rack-aware assignment never applies. A member's `rackId` is
 * carried and ignored, exactly as there.
 */

export type TopicPartition = TopicPartitionRef;

/**
 * An assignor's `IllegalStateException`: its input broke an assumption it could not repair. Only
 * the sticky algorithm before KAFKA-12984 (the `kafka-12984` variant) throws it; the group
 * leader's consumer turns it into its fatal error, as Kafka's `onLeaderElected` throws it from
 * `poll()`.
 */
export class AssignorIllegalStateException extends Error {
  override readonly name = 'IllegalStateException';
}

/** `AbstractStickyAssignor.DEFAULT_GENERATION`: no generation known. */
export const DEFAULT_GENERATION = -1;

/**
 * `ConsumerPartitionAssignor.RebalanceProtocol`. EAGER: a member revokes all its partitions before
 * it joins, so the assignment may reshuffle everything. COOPERATIVE (KIP-429): members keep their
 * partitions while they rebalance, and the assignor must not hand a partition to a new owner in the
 * same rebalance in which another member gives it up.
 */
export type RebalanceProtocol = 'EAGER' | 'COOPERATIVE';

/** `RebalanceProtocol.id()`, as the consumer protocol encodes it. */
export const REBALANCE_PROTOCOL_ID: Readonly<Record<RebalanceProtocol, number>> = { EAGER: 0, COOPERATIVE: 1 };

/** The assignors' `name()`s, which are the protocol names members list in JoinGroup. */
export type AssignorName = 'range' | 'roundrobin' | 'sticky' | 'cooperative-sticky';

/**
 * Subscription user data, kept as structured values rather than bytes (the consumer protocol is not
 * encoded yet). Each shape is field for field the schema Kafka writes, so a byte codec can be added
 * beside it without changing the assignors:
 * - `sticky`: `StickyAssignor.STICKY_ASSIGNOR_USER_DATA_V1` = `previous_assignment: [topic: STRING,
 *   partitions: [INT32]]`, `generation: INT32`. Version 0 has no generation: `generation` undefined.
 * - `cooperative-sticky`: `CooperativeStickyAssignor.COOPERATIVE_STICKY_ASSIGNOR_USER_DATA_V0` =
 *   `generation: INT32`.
 * An assignor given another assignor's shape treats it as Kafka treats bytes it cannot parse.
 */
export type AssignorUserData = StickyAssignorUserData | CooperativeStickyAssignorUserData;

export interface StickyAssignorUserData {
  readonly type: 'sticky';
  readonly previousAssignment: readonly TopicPartition[];
  readonly generation: number | undefined;
}

export interface CooperativeStickyAssignorUserData {
  readonly type: 'cooperative-sticky';
  readonly generation: number;
}

/**
 * `ConsumerPartitionAssignor.Subscription`: what one member sends in JoinGroup. `ownedPartitions`
 * (consumer protocol v1+) and `generationId` (v2+, KIP-792) let the leader tell which partitions a
 * member still holds and from which generation; `rackId` is v3+ (KIP-881).
 */
export interface Subscription {
  readonly topics: readonly string[];
  readonly userData: AssignorUserData | undefined;
  readonly ownedPartitions: readonly TopicPartition[];
  /** Absent when the member knows no generation: Kafka maps a negative id to `Optional.empty()`. */
  readonly generationId: number | undefined;
  readonly rackId: string | undefined;
  /** KIP-345 static membership: `group.instance.id`. */
  readonly groupInstanceId: string | undefined;
}

/** `ConsumerPartitionAssignor.Assignment`: one member's part of the leader's SyncGroup. */
export interface Assignment {
  readonly partitions: readonly TopicPartition[];
  /** None of Kafka's four built-in assignors sends assignment user data. */
  readonly userData: AssignorUserData | undefined;
}

/** Member id to subscription (`GroupSubscription.groupSubscription()`). */
export type GroupSubscription = ReadonlyMap<string, Subscription>;
/** Member id to assignment, with one entry per subscribed member (`GroupAssignment`). */
export type GroupAssignment = ReadonlyMap<string, Assignment>;
/** The cluster metadata an assignor reads: partition count per topic. */
export type PartitionsPerTopic = ReadonlyMap<string, number>;

/**
 * What a member's assignor remembers from its last assignment (`onAssignment(assignment,
 * metadata)` in Kafka keeps `assignment.partitions()` and `metadata.generationId()`). The pure
 * assignors take it back as an argument instead of holding it.
 */
export interface PreviousAssignment {
  readonly partitions: readonly TopicPartition[];
  readonly generationId: number;
}

export interface ConsumerPartitionAssignor {
  readonly name: AssignorName;
  /** `supportedProtocols()`; the first is the preferred one. */
  readonly supportedProtocols: readonly RebalanceProtocol[];
  /** `subscriptionUserData(topics)`: what this member adds to its subscription. */
  subscriptionUserData(topics: readonly string[], previous: PreviousAssignment | undefined): AssignorUserData | undefined;
  /** `assign(metadata, groupSubscription)`, run by the group leader. */
  assign(partitionsPerTopic: PartitionsPerTopic, subscriptions: GroupSubscription): GroupAssignment;
}

/** Kafka's `Subscription` constructors, with their defaults and the negative-generation rule. */
export function subscription(fields: {
  readonly topics: readonly string[];
  readonly userData?: AssignorUserData | undefined;
  readonly ownedPartitions?: readonly TopicPartition[];
  readonly generationId?: number | undefined;
  readonly rackId?: string | undefined;
  readonly groupInstanceId?: string | undefined;
}): Subscription {
  const generationId = fields.generationId;
  assert(generationId === undefined || Number.isSafeInteger(generationId), `bad generation id ${generationId}`);
  return {
    topics: fields.topics,
    userData: fields.userData,
    ownedPartitions: fields.ownedPartitions ?? [],
    generationId: generationId === undefined || generationId < 0 ? undefined : generationId,
    rackId: fields.rackId,
    groupInstanceId: fields.groupInstanceId,
  };
}

/** Java's `String.compareTo` (UTF-16 code units), never `localeCompare`. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Kafka's `TopicPartitionComparator`: by topic, then partition. */
export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return compareStrings(a.topic, b.topic) || a.partition - b.partition;
}

/** A Map/Set key for a partition. A partition number has no `/`, so the key is unambiguous. */
export function partitionKey(tp: TopicPartition): string {
  return `${tp.partition}/${tp.topic}`;
}

/** `topic-partition`, as Kafka's `TopicPartition.toString()` prints it. */
export function partitionName(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

/**
 * `AbstractPartitionAssignor.MemberInfo.compareTo`: static members (with a `group.instance.id`)
 * first, ordered by instance id, then dynamic members by member id. Kafka stops at the instance id;
 * two members with the same instance id then keep their HashMap order, so refka breaks that tie by
 * member id to stay a total order.
 */
export function compareMembers(
  a: { readonly memberId: string; readonly groupInstanceId: string | undefined },
  b: { readonly memberId: string; readonly groupInstanceId: string | undefined },
): number {
  if (a.groupInstanceId !== undefined && b.groupInstanceId !== undefined) {
    return compareStrings(a.groupInstanceId, b.groupInstanceId) || compareStrings(a.memberId, b.memberId);
  }
  if (a.groupInstanceId !== undefined) return -1;
  if (b.groupInstanceId !== undefined) return 1;
  return compareStrings(a.memberId, b.memberId);
}

/** Member ids in sorted order: the order refka visits members where Kafka visits a HashMap. */
export function sortedMemberIds(subscriptions: GroupSubscription): string[] {
  return [...subscriptions.keys()].sort(compareStrings);
}

/**
 * The topics an assignment covers: those some member subscribes to and the metadata knows with at
 * least one partition, in sorted order. `AbstractPartitionAssignor.assign(Cluster, ...)` builds the
 * same set ("Skipping assignment for topic {} since no metadata is available").
 */
export function subscribedPartitionsPerTopic(
  partitionsPerTopic: PartitionsPerTopic,
  subscriptions: GroupSubscription,
): Map<string, number> {
  const topics = new Set<string>();
  for (const memberId of sortedMemberIds(subscriptions)) {
    const memberSubscription = subscriptions.get(memberId);
    assert(memberSubscription !== undefined, `no subscription for ${memberId}`);
    for (const topic of memberSubscription.topics) topics.add(topic);
  }
  const result = new Map<string, number>();
  for (const topic of [...topics].sort(compareStrings)) {
    const count = partitionsPerTopic.get(topic);
    if (count === undefined || count === 0) continue;
    assert(Number.isSafeInteger(count) && count > 0, `topic ${topic} has ${count} partitions`);
    result.set(topic, count);
  }
  return result;
}

/** Wraps each member's partitions as an `Assignment` (the four built-ins send no user data). */
export function toGroupAssignment(
  memberIds: readonly string[],
  partitionsByMember: ReadonlyMap<string, readonly TopicPartition[]>,
): Map<string, Assignment> {
  const assignments = new Map<string, Assignment>();
  for (const memberId of memberIds) {
    const partitions = partitionsByMember.get(memberId);
    assert(partitions !== undefined, `no assignment built for member ${memberId}`);
    assignments.set(memberId, { partitions, userData: undefined });
  }
  assert(assignments.size === partitionsByMember.size, 'an assignment names a member that did not subscribe');
  return assignments;
}

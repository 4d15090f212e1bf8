import { assert } from '../../common/assert.ts';
import { AssignorIllegalStateException, compareStrings, partitionKey, type TopicPartition } from './consumer-partition-assignor.ts';

/**
 * `AbstractStickyAssignor.ConstrainedAssignmentBuilder`, the sticky algorithm when every member
 * subscribes to the same topics (KIP-429's "optimized" path, #10509 with the fixes of KAFKA-12984
 * and KAFKA-16277). With P partitions and N members every member must end with minQuota = floor(P/N)
 * or maxQuota = ceil(P/N) partitions, exactly P % N of them with maxQuota. So:
 *
 * 1. Each member keeps its (valid) owned partitions up to its quota: all of them if it owns fewer
 *    than minQuota; maxQuota if it owns that many and members at maxQuota are still wanted;
 *    minQuota otherwise. Owned partitions are kept in (partition, topic) order (KAFKA-16277: by
 *    partition first, so a member keeps partitions spread over topics). What a member gives up here
 *    is revoked.
 * 2. The remaining partitions, in (topic, partition) order, are dealt round robin to the members
 *    below minQuota, then one each to members at minQuota until P % N members reach maxQuota.
 *
 * Kafka visits members in step 1 in HashMap order; refka in sorted member-id order. The order only
 * decides which of several members owning maxQuota or more keeps the extra partition.
 *
 * Rack-aware rounds (steps 1 and 2 with rack matching, KIP-881) are not modelled.
 *
 * `sharedClaims` is the algorithm before KAFKA-12984 (the `kafka-12984` variant, rule
 * `cooperativeStickyValidatesOwnedPartitions`): the owned partitions it is given may name one
 * partition for two members, and step 1 lets both keep it. The quotas then no longer add up to P:
 * a partition nobody kept may find no unfilled member, and Kafka threw
 * `IllegalStateException("No more unfilled consumers to be assigned.")` (its log line guessed at
 * "assigning the same partition to two owners"), which refka throws as
 * {@link AssignorIllegalStateException}; or the members at minQuota, which that algorithm did not
 * drop from the unfilled list once enough members were at maxQuota (the third part of KAFKA-12984's
 * fix), take it, and more members than P % N end at maxQuota, or one ends above it. Nothing is
 * verified at the end.
 */
export function constrainedAssign(
  partitionsPerTopic: ReadonlyMap<string, number>,
  memberIds: readonly string[],
  ownedByMember: ReadonlyMap<string, readonly TopicPartition[]>,
  sharedClaims = false,
): Map<string, TopicPartition[]> {
  assert(memberIds.length > 0, 'constrained assignment without members');
  let totalPartitionsCount = 0;
  for (const count of partitionsPerTopic.values()) totalPartitionsCount += count;
  const state: QuotaState = {
    minQuota: Math.floor(totalPartitionsCount / memberIds.length),
    maxQuota: Math.ceil(totalPartitionsCount / memberIds.length),
    expectedNumMembersWithOverMinQuotaPartitions: totalPartitionsCount % memberIds.length,
    currentNumMembersWithOverMinQuotaPartitions: 0,
    assignment: new Map(memberIds.map((memberId) => [memberId, []])),
    unfilledMembersWithUnderMinQuotaPartitions: [],
    unfilledMembersWithExactlyMinQuotaPartitions: [],
  };
  const assignedPartitions = assignOwnedPartitions(state, memberIds, ownedByMember, sharedClaims);
  const unassignedPartitions: TopicPartition[] = [];
  for (const [topic, count] of partitionsPerTopic) {
    for (let partition = 0; partition < count; partition++) {
      if (!assignedPartitions.has(partitionKey({ topic, partition }))) unassignedPartitions.push({ topic, partition });
    }
  }
  assert(
    unassignedPartitions.length + assignedPartitions.size === totalPartitionsCount,
    'kept partitions are not all partitions of the subscribed topics',
  );
  state.unfilledMembersWithUnderMinQuotaPartitions.sort(compareStrings);
  state.unfilledMembersWithExactlyMinQuotaPartitions.sort(compareStrings);
  assignRoundRobin(state, unassignedPartitions, sharedClaims);
  if (!sharedClaims) verifyUnfilledMembers(state);
  return state.assignment;
}

interface QuotaState {
  readonly minQuota: number;
  readonly maxQuota: number;
  /** P % N: how many members end with maxQuota (zero when minQuota == maxQuota). */
  readonly expectedNumMembersWithOverMinQuotaPartitions: number;
  currentNumMembersWithOverMinQuotaPartitions: number;
  readonly assignment: Map<string, TopicPartition[]>;
  /** Members that must still receive partitions. */
  readonly unfilledMembersWithUnderMinQuotaPartitions: string[];
  /** Members at minQuota that may still receive one, while fewer than P % N are at maxQuota. */
  readonly unfilledMembersWithExactlyMinQuotaPartitions: string[];
}

/** Step 1; returns the keys of the partitions kept. */
function assignOwnedPartitions(
  state: QuotaState,
  memberIds: readonly string[],
  ownedByMember: ReadonlyMap<string, readonly TopicPartition[]>,
  sharedClaims: boolean,
): Set<string> {
  const assignedPartitions = new Set<string>();
  for (const memberId of memberIds) {
    const owned = [...(ownedByMember.get(memberId) ?? [])].sort(
      (a, b) => a.partition - b.partition || compareStrings(a.topic, b.topic),
    );
    let keep: number;
    if (owned.length < state.minQuota) {
      keep = owned.length;
      state.unfilledMembersWithUnderMinQuotaPartitions.push(memberId);
    } else if (
      owned.length >= state.maxQuota &&
      state.currentNumMembersWithOverMinQuotaPartitions < state.expectedNumMembersWithOverMinQuotaPartitions
    ) {
      keep = state.maxQuota;
      state.currentNumMembersWithOverMinQuotaPartitions++;
      // KAFKA-12984 part 3: once enough members are at maxQuota, members at minQuota are full.
      // The algorithm before it (sharedClaims) left them on the list.
      if (!sharedClaims && state.currentNumMembersWithOverMinQuotaPartitions === state.expectedNumMembersWithOverMinQuotaPartitions) {
        state.unfilledMembersWithExactlyMinQuotaPartitions.length = 0;
      }
    } else {
      keep = state.minQuota;
      if (state.currentNumMembersWithOverMinQuotaPartitions < state.expectedNumMembersWithOverMinQuotaPartitions) {
        state.unfilledMembersWithExactlyMinQuotaPartitions.push(memberId);
      }
    }
    const memberAssignment = assignmentOf(state, memberId);
    for (const tp of owned.slice(0, keep)) {
      const key = partitionKey(tp);
      assert(sharedClaims || !assignedPartitions.has(key), `partition ${key} kept by two members`);
      assignedPartitions.add(key);
      memberAssignment.push(tp);
    }
  }
  return assignedPartitions;
}

/**
 * Step 2 (`assignRoundRobin`): Kafka walks an iterator over the under-minQuota list, restarting it
 * when it runs out and removing members that reach minQuota; `cursor` is that iterator.
 */
function assignRoundRobin(state: QuotaState, unassignedPartitions: readonly TopicPartition[], sharedClaims: boolean): void {
  const under = state.unfilledMembersWithUnderMinQuotaPartitions;
  const exactly = state.unfilledMembersWithExactlyMinQuotaPartitions;
  let cursor = 0;
  for (const [index, partition] of unassignedPartitions.entries()) {
    let memberId: string | undefined;
    let fromUnder: boolean;
    if (cursor < under.length) {
      memberId = under[cursor++];
      fromUnder = true;
    } else if (under.length === 0) {
      // Kafka throws IllegalStateException("No more unfilled consumers to be assigned."): the quotas
      // add up to P, so running out of members is a bug in the algorithm.
      memberId = exactly.shift();
      if (memberId === undefined && sharedClaims) throw new AssignorIllegalStateException('No more unfilled consumers to be assigned.');
      assert(memberId !== undefined, `no unfilled member left for partition ${index} of ${unassignedPartitions.length}`);
      fromUnder = false;
    } else {
      cursor = 0;
      memberId = under[cursor++];
      fromUnder = true;
    }
    assert(memberId !== undefined, 'round robin over an empty member list');
    const memberAssignment = assignmentOf(state, memberId);
    memberAssignment.push(partition);
    const count = memberAssignment.length;
    if (count === state.minQuota) {
      assert(fromUnder, `${memberId} reached minQuota from the exactly-minQuota list`);
      under.splice(--cursor, 1);
      exactly.push(memberId);
    } else if (count === state.maxQuota) {
      state.currentNumMembersWithOverMinQuotaPartitions++;
      assert(
        sharedClaims || state.currentNumMembersWithOverMinQuotaPartitions <= state.expectedNumMembersWithOverMinQuotaPartitions,
        'more members at maxQuota than partitions allow',
      );
    }
    // With shared claims fewer partitions are kept, more are left to deal, and a member that reached
    // minQuota from the under list can take one more from the exactly-minQuota list, past maxQuota.
    assert(sharedClaims || count <= state.maxQuota, `${memberId} got ${count} partitions, over maxQuota ${state.maxQuota}`);
  }
}

/** `verifyUnfilledMembers`: every member ends at minQuota or maxQuota, P % N of them at maxQuota. */
function verifyUnfilledMembers(state: QuotaState): void {
  let atMaxQuota = 0;
  for (const [memberId, partitions] of state.assignment) {
    assert(partitions.length >= state.minQuota, `${memberId} has ${partitions.length} < minQuota ${state.minQuota}`);
    assert(partitions.length <= state.maxQuota, `${memberId} has ${partitions.length} > maxQuota ${state.maxQuota}`);
    if (partitions.length === state.maxQuota && state.maxQuota > state.minQuota) atMaxQuota++;
  }
  assert(
    atMaxQuota === state.expectedNumMembersWithOverMinQuotaPartitions,
    `${atMaxQuota} members at maxQuota, expected ${state.expectedNumMembersWithOverMinQuotaPartitions}`,
  );
}

function assignmentOf(state: QuotaState, memberId: string): TopicPartition[] {
  const partitions = state.assignment.get(memberId);
  assert(partitions !== undefined, `no assignment list for ${memberId}`);
  return partitions;
}

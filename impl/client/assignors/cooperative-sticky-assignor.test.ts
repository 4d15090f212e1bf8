import { describe, expect, it } from 'vitest';
import { names, partitionCounts, tp } from './assignor-test-support.ts';
import { DEFAULT_GENERATION, subscription, type Subscription, type TopicPartition } from './consumer-partition-assignor.ts';
import { CooperativeStickyAssignor, cooperativeMemberData, cooperativeStickyAssign } from './cooperative-sticky-assignor.ts';
import { COOPERATIVE_STICKY, GENERATION_ID } from './sticky-test-flavors.ts';

/**
 * Kafka's CooperativeStickyAssignorTest (clients/src/test/.../consumer/
 * CooperativeStickyAssignorTest.java @1eb7644): the cases specific to the cooperative assignor;
 * each `it` names the Kafka method it ports. `testUniformSubscriptionTransferOwnershipListIsRight`
 * is not ported: it is about rack-aware assignment, which refka does not model.
 */

const topic = 'topic';
const [consumer1, consumer2, consumer3] = ['consumer1', 'consumer2', 'consumer3'];
const v2 = (topics: string[], owned: readonly TopicPartition[], generation: number): Subscription =>
  COOPERATIVE_STICKY.buildSubscriptionV2Above(topics, owned, generation);

function assign(counts: Record<string, number>, members: [string, Subscription][]): Map<string, string[]> {
  const result = CooperativeStickyAssignor.assign(partitionCounts(counts), new Map(members));
  return new Map([...result].map(([memberId, { partitions }]) => [memberId, names(partitions)]));
}

describe('CooperativeStickyAssignorTest', () => {
  it('testEncodeAndDecodeGeneration', () => {
    const before = subscription({ topics: [topic], userData: CooperativeStickyAssignor.subscriptionUserData([topic], undefined) });
    expect(cooperativeMemberData(before).generation).toBe(DEFAULT_GENERATION);
    const after = subscription({
      topics: [topic],
      userData: CooperativeStickyAssignor.subscriptionUserData([topic], { partitions: [], generationId: 10 }),
    });
    expect(cooperativeMemberData(after).generation).toBe(10);
  });

  it('testDecodeGeneration: no user data, no generation', () => {
    expect(cooperativeMemberData(subscription({ topics: [topic] })).generation).toBeUndefined();
  });

  it('testAllConsumersHaveOwnedPartitionInvalidatedWhenClaimedByMultipleConsumersInSameGenerationWithEqualPartitionsPerConsumer', () => {
    const result = assign({ topic: 3 }, [
      [consumer1, v2([topic], [tp(topic, 0), tp(topic, 1)], GENERATION_ID)],
      [consumer2, v2([topic], [tp(topic, 0), tp(topic, 2)], GENERATION_ID)],
      [consumer3, v2([topic], [], GENERATION_ID)],
    ]);
    expect(result.get(consumer1)).toEqual(['topic-1']);
    expect(result.get(consumer2)).toEqual(['topic-2']);
    // topic-0 has to be considered owned: nobody gets it until both claimants have revoked it.
    expect(result.get(consumer3)).toEqual([]);
  });

  it('testAllConsumersHaveOwnedPartitionInvalidatedWhenClaimedByMultipleConsumersInSameGenerationWithUnequalPartitionsPerConsumer', () => {
    const result = assign({ topic: 4 }, [
      [consumer1, v2([topic], [tp(topic, 0), tp(topic, 1)], GENERATION_ID)],
      [consumer2, v2([topic], [tp(topic, 0), tp(topic, 2)], GENERATION_ID)],
      [consumer3, v2([topic], [], GENERATION_ID)],
    ]);
    expect(result.get(consumer1)).toEqual(['topic-1', 'topic-3']);
    expect(result.get(consumer2)).toEqual(['topic-2']);
    expect(result.get(consumer3)).toEqual([]);
  });

  it('testMemberDataWithInconsistentData: owned partitions from the subscription, generation from user data', () => {
    const userData = CooperativeStickyAssignor.subscriptionUserData([topic], { partitions: [tp(topic, 1)], generationId: GENERATION_ID });
    const memberData = cooperativeMemberData(subscription({ topics: [topic], userData, ownedPartitions: [tp(topic, 0)] }));
    expect(names(memberData.partitions)).toEqual(['topic-0']);
    expect(memberData.generation).toBe(GENERATION_ID);
  });

  it('testMemberDataWithEmptyPartitionsAndEqualGeneration', () => {
    const memberData = cooperativeMemberData(
      subscription({
        topics: [topic],
        userData: { type: 'cooperative-sticky', generation: GENERATION_ID },
        ownedPartitions: [],
        generationId: GENERATION_ID,
      }),
    );
    expect(memberData).toEqual({ partitions: [], generation: GENERATION_ID });
  });

  it('testMemberDataWithEmptyPartitionsAndHigherGeneration', () => {
    const memberData = cooperativeMemberData(
      subscription({
        topics: [topic],
        userData: { type: 'cooperative-sticky', generation: GENERATION_ID - 1 },
        ownedPartitions: [],
        generationId: GENERATION_ID,
      }),
    );
    expect(memberData).toEqual({ partitions: [], generation: GENERATION_ID });
  });

  it('testAssignorWithOldVersionSubscriptions', () => {
    const topics = ['topic1'];
    const result = assign({ topic1: 3 }, [
      [consumer1, COOPERATIVE_STICKY.buildSubscriptionV1(topics, [tp('topic1', 0)], GENERATION_ID)],
      [consumer2, COOPERATIVE_STICKY.buildSubscriptionV1(topics, [tp('topic1', 1)], GENERATION_ID)],
      [consumer3, v2(topics, [], GENERATION_ID)],
    ]);
    expect(result).toEqual(
      new Map([
        [consumer1, ['topic1-0']],
        [consumer2, ['topic1-1']],
        [consumer3, ['topic1-2']],
      ]),
    );
  });

  it("names itself 'cooperative-sticky', prefers COOPERATIVE, and always sends its generation", () => {
    expect(CooperativeStickyAssignor.name).toBe('cooperative-sticky');
    expect(CooperativeStickyAssignor.supportedProtocols).toEqual(['COOPERATIVE', 'EAGER']);
    expect(CooperativeStickyAssignor.subscriptionUserData([topic], undefined)).toEqual({ type: 'cooperative-sticky', generation: -1 });
    // Another assignor's user data is what Kafka cannot parse: DEFAULT_GENERATION.
    const foreign = subscription({ topics: [topic], userData: { type: 'sticky', previousAssignment: [], generation: 5 } });
    expect(cooperativeMemberData(foreign).generation).toBe(DEFAULT_GENERATION);
  });
});

describe('cooperative rebalancing (KIP-429)', () => {
  it('a partition that changes owner moves in two rebalances: withheld, revoked, then assigned', () => {
    // consumer1 owns all four partitions; consumer2 joins.
    const first = cooperativeStickyAssign(
      partitionCounts({ topic: 4 }),
      new Map([
        [consumer1, v2([topic], [0, 1, 2, 3].map((p) => tp(topic, p)), 1)],
        [consumer2, v2([topic], [], 1)],
      ]),
    );
    expect(first.partitionsTransferringOwnership.map(({ partition, memberId }) => `${partition.topic}-${partition.partition}>${memberId}`)).toEqual([
      'topic-2>consumer2',
      'topic-3>consumer2',
    ]);
    expect(names(first.groupAssignment.get(consumer1)?.partitions)).toEqual(['topic-0', 'topic-1']);
    expect(names(first.groupAssignment.get(consumer2)?.partitions)).toEqual([]);
    // consumer1 revokes topic-2 and topic-3 and rejoins: nobody claims them, consumer2 gets them.
    const second = assign({ topic: 4 }, [
      [consumer1, v2([topic], [tp(topic, 0), tp(topic, 1)], 2)],
      [consumer2, v2([topic], [], 2)],
    ]);
    expect(second).toEqual(
      new Map([
        [consumer1, ['topic-0', 'topic-1']],
        [consumer2, ['topic-2', 'topic-3']],
      ]),
    );
  });

  it('KAFKA-12984: a member that fell out of the group claims a partition given away since', () => {
    // The research notes' sequence (V-C3): in generation 1 C1 owned topic-0 and C2 topic-1; C1
    // fell out (poll timeout) and in generation 2 C2 took both. C1 rejoins still claiming topic-0
    // from generation 1. Before the fix the assignor threw ("claimed by multiple consumers") or left
    // topic-0 with C1 while C2 still held it. Now C2's newer claim stands, and the partition that
    // must move to C1 (topic-1, C2's surplus) is withheld until C2 revokes it.
    const first = assign({ topic: 2 }, [
      [consumer1, v2([topic], [tp(topic, 0)], 1)],
      [consumer2, v2([topic], [tp(topic, 0), tp(topic, 1)], 2)],
    ]);
    expect(first).toEqual(
      new Map([
        [consumer1, []],
        [consumer2, ['topic-0']],
      ]),
    );
    // C2 revoked topic-1; C1, whose stale state was not cleared (the client bug), still claims topic-0.
    const second = assign({ topic: 2 }, [
      [consumer1, v2([topic], [tp(topic, 0)], 1)],
      [consumer2, v2([topic], [tp(topic, 0)], 3)],
    ]);
    expect(second).toEqual(
      new Map([
        [consumer1, ['topic-1']],
        [consumer2, ['topic-0']],
      ]),
    );
  });

  it("withholds a partition from a stale claimant when the general algorithm hands it back (Kafka's raw-owned check would not)", () => {
    // Unequal subscriptions: the general algorithm. C1 (generation 1, stale) claims t-0, which C2
    // (generation 2) owns with t-1..t-3; C3 subscribes only to u. Balancing moves t-0 back to its
    // previous owner C1, and t-1 to C1 as well. Kafka's computePartitionsTransferringOwnership
    // compares with C1's raw ownedPartitions, which list t-0, so Kafka would give t-0 to C1 in the
    // same rebalance in which C2 gives it up; refka withholds it, as it withholds t-1.
    const result = cooperativeStickyAssign(
      partitionCounts({ t: 4, u: 1 }),
      new Map([
        [consumer1, v2(['t', 'u'], [tp('t', 0)], 1)],
        [consumer2, v2(['t'], [0, 1, 2, 3].map((p) => tp('t', p)), 2)],
        [consumer3, v2(['u'], [], 2)],
      ]),
    );
    expect(names(result.sticky.assignment.get(consumer1))).toEqual(['t-0', 't-1']);
    expect(result.partitionsTransferringOwnership.map(({ partition }) => `${partition.topic}-${partition.partition}`)).toEqual([
      't-0',
      't-1',
    ]);
    expect(names(result.groupAssignment.get(consumer1)?.partitions)).toEqual([]);
    expect(names(result.groupAssignment.get(consumer2)?.partitions)).toEqual(['t-2', 't-3']);
    expect(names(result.groupAssignment.get(consumer3)?.partitions)).toEqual(['u-0']);
  });
});

import { describe, expect, it } from 'vitest';
import { isFullyBalanced, names, partitionCounts, sortedNames, tp } from './assignor-test-support.ts';
import { subscription, type Subscription, type TopicPartition } from './consumer-partition-assignor.ts';
import { GENERATION_ID, STICKY } from './sticky-test-flavors.ts';
import { StickyAssignor, stickyMemberData } from './sticky-assignor.ts';

/**
 * Kafka's StickyAssignorTest (clients/src/test/.../consumer/StickyAssignorTest.java @1eb7644): the
 * cases specific to the eager assignor, whose ownership travels in its user data. Each `it` names
 * the Kafka method it ports.
 */

const topic = 'topic';
const topic2 = 'topic2';
const topic3 = 'topic3';
const [consumer1, consumer2, consumer3] = ['consumer1', 'consumer2', 'consumer3'];

const v2 = (topics: string[], owned: readonly TopicPartition[], generation: number): Subscription =>
  STICKY.buildSubscriptionV2Above(topics, owned, generation);
const fresh = (topics: string[]): Subscription => subscription({ topics });
const of = (assignment: ReadonlyMap<string, readonly TopicPartition[]>, member: string): readonly TopicPartition[] =>
  assignment.get(member) ?? [];

function assignAndVerify(
  counts: Record<string, number>,
  subscriptions: Map<string, Subscription>,
): ReadonlyMap<string, readonly TopicPartition[]> {
  const run = STICKY.assign(partitionCounts(counts), subscriptions);
  const final = STICKY.verifyValidityAndBalance(subscriptions, run.assignment, partitionCounts(counts));
  expect(isFullyBalanced(final)).toBe(true);
  return final;
}

describe('StickyAssignorTest', () => {
  it('testAllConsumersHaveOwnedPartitionInvalidatedWhenClaimedByMultipleConsumersInSameGenerationWithEqualPartitionsPerConsumer', () => {
    const assignment = assignAndVerify(
      { topic: 3 },
      new Map([
        [consumer1, v2([topic], [tp(topic, 0), tp(topic, 1)], GENERATION_ID)],
        [consumer2, v2([topic], [tp(topic, 0), tp(topic, 2)], GENERATION_ID)],
        [consumer3, v2([topic], [], GENERATION_ID)],
      ]),
    );
    expect(names(of(assignment, consumer1))).toEqual(['topic-1']);
    expect(names(of(assignment, consumer2))).toEqual(['topic-2']);
    // Eager: everyone revoked before joining, so topic-0 can go to consumer3 at once.
    expect(names(of(assignment, consumer3))).toEqual(['topic-0']);
  });

  it('testAllConsumersHaveOwnedPartitionInvalidatedWhenClaimedByMultipleConsumersInSameGenerationWithUnequalPartitionsPerConsumer', () => {
    const assignment = assignAndVerify(
      { topic: 4 },
      new Map([
        [consumer1, v2([topic], [tp(topic, 0), tp(topic, 1)], GENERATION_ID)],
        [consumer2, v2([topic], [tp(topic, 0), tp(topic, 2)], GENERATION_ID)],
        [consumer3, v2([topic], [], GENERATION_ID)],
      ]),
    );
    expect(names(of(assignment, consumer1))).toEqual(['topic-1', 'topic-3']);
    expect(names(of(assignment, consumer2))).toEqual(['topic-2']);
    expect(names(of(assignment, consumer3))).toEqual(['topic-0']);
  });

  describe.each([true, false])('isAllSubscriptionsEqual = %s', (isAllSubscriptionsEqual) => {
    it('testAssignmentWithMultipleGenerations1', () => {
      const allTopics = [topic, topic2];
      const consumer2Topics = isAllSubscriptionsEqual ? allTopics : [topic];
      const counts = { topic: 6, topic2: 6 };
      const subscriptions = new Map([
        [consumer1, fresh(allTopics)],
        [consumer2, fresh(consumer2Topics)],
        [consumer3, fresh(allTopics)],
      ]);
      const r1 = assignAndVerify(counts, subscriptions);
      expect([...r1.values()].map((partitions) => partitions.length)).toEqual([4, 4, 4]);

      subscriptions.set(consumer1, v2(allTopics, of(r1, consumer1), GENERATION_ID));
      subscriptions.set(consumer2, v2(consumer2Topics, of(r1, consumer2), GENERATION_ID));
      subscriptions.delete(consumer3);
      const r2 = assignAndVerify(counts, subscriptions);
      expect([of(r2, consumer1).length, of(r2, consumer2).length]).toEqual([6, 6]);
      // Only when all subscriptions are equal does Kafka assert consumer1 kept all of r1.
      if (isAllSubscriptionsEqual) expect(names(of(r2, consumer1))).toEqual(expect.arrayContaining(names(of(r1, consumer1))));
      expect(names(of(r2, consumer2))).toEqual(expect.arrayContaining(names(of(r1, consumer2))));
      expect(names(of(r2, consumer2)).some((name) => names(of(r1, consumer3)).includes(name))).toBe(true);

      // consumer1 leaves; consumer3 comes back claiming its generation-1 partitions, some of which
      // consumer2 took in generation 2: those stay with consumer2.
      subscriptions.delete(consumer1);
      subscriptions.set(consumer2, v2(consumer2Topics, of(r2, consumer2), 2));
      subscriptions.set(consumer3, v2(allTopics, of(r1, consumer3), 1));
      const r3 = assignAndVerify(counts, subscriptions);
      expect([of(r3, consumer2).length, of(r3, consumer3).length]).toEqual([6, 6]);
      expect(names(of(r3, consumer2)).some((name) => names(of(r3, consumer3)).includes(name))).toBe(false);
    });

    it('testAssignmentWithMultipleGenerations2', () => {
      const allTopics = [topic, topic2, topic3];
      const consumer1Topics = isAllSubscriptionsEqual ? allTopics : [topic];
      const consumer3Topics = isAllSubscriptionsEqual ? allTopics : [topic, topic2];
      const counts = { topic: 4, topic2: 4, topic3: 4 };
      const subscriptions = new Map([
        [consumer1, fresh(consumer1Topics)],
        [consumer2, fresh(allTopics)],
        [consumer3, fresh(consumer3Topics)],
      ]);
      const r1 = assignAndVerify(counts, subscriptions);
      expect([...r1.values()].map((partitions) => partitions.length)).toEqual([4, 4, 4]);

      subscriptions.delete(consumer1);
      subscriptions.set(consumer2, v2(allTopics, of(r1, consumer2), 1));
      subscriptions.delete(consumer3);
      const r2 = assignAndVerify(counts, subscriptions);
      expect(of(r2, consumer2).length).toBe(12);
      expect(names(of(r2, consumer2))).toEqual(expect.arrayContaining(names(of(r1, consumer2))));

      subscriptions.set(consumer1, v2(consumer1Topics, of(r1, consumer1), 1));
      subscriptions.set(consumer2, v2(allTopics, of(r2, consumer2), 2));
      subscriptions.set(consumer3, v2(consumer3Topics, of(r1, consumer3), 1));
      const r3 = assignAndVerify(counts, subscriptions);
      expect([...r3.values()].map((partitions) => partitions.length)).toEqual([4, 4, 4]);
    });

    it('testAssignmentWithConflictingPreviousGenerations', () => {
      const allTopics = [topic, topic2, topic3];
      const consumer1Topics = isAllSubscriptionsEqual ? allTopics : [topic];
      const consumer2Topics = isAllSubscriptionsEqual ? allTopics : [topic, topic2];
      const [tp0, tp1, tp2, tp3] = [0, 1, 2, 3].map((p) => tp(topic, p)) as [TopicPartition, TopicPartition, TopicPartition, TopicPartition];
      const t2 = [0, 1, 2, 3].map((p) => tp(topic2, p)) as [TopicPartition, TopicPartition, TopicPartition, TopicPartition];
      const t3 = [0, 1, 2, 3].map((p) => tp(topic3, p)) as [TopicPartition, TopicPartition, TopicPartition, TopicPartition];
      const c1partitions0 = isAllSubscriptionsEqual ? [tp0, tp1, tp2, t2[2], t2[3], t3[0]] : [tp0, tp1, tp2, tp3];
      const c2partitions0 = [tp0, tp1, t2[0], t2[1], t2[2], t2[3]];
      const c3partitions0 = [tp2, tp3, t3[0], t3[1], t3[2], t3[3]];
      const assignment = assignAndVerify(
        { topic: 4, topic2: 4, topic3: 4 },
        new Map([
          [consumer1, v2(consumer1Topics, c1partitions0, 1)],
          [consumer2, v2(consumer2Topics, c2partitions0, 2)],
          [consumer3, v2(allTopics, c3partitions0, 2)],
        ]),
      );
      expect([...assignment.values()].map((partitions) => partitions.length)).toEqual([4, 4, 4]);
      expect(names(c2partitions0)).toEqual(expect.arrayContaining(names(of(assignment, consumer2))));
      expect(names(c3partitions0)).toEqual(expect.arrayContaining(names(of(assignment, consumer3))));
    });
  });

  it('testSchemaBackwardCompatibility: user data V0 carries the previous assignment without a generation', () => {
    const c1partitions0 = [tp(topic, 0), tp(topic, 2)];
    const c2partitions0 = [tp(topic, 1)];
    const assignment = assignAndVerify(
      { topic: 3 },
      new Map([
        [consumer1, v2([topic], c1partitions0, 1)],
        [consumer2, subscription({ topics: [topic], userData: { type: 'sticky', previousAssignment: c2partitions0, generation: undefined } })],
        [consumer3, fresh([topic])],
      ]),
    );
    expect([...assignment.values()].map((partitions) => partitions.length)).toEqual([1, 1, 1]);
    expect(names(c1partitions0)).toEqual(expect.arrayContaining(names(of(assignment, consumer1))));
    expect(names(c2partitions0)).toEqual(expect.arrayContaining(names(of(assignment, consumer2))));
  });

  it('testMemberDataWithInconsistentData: the user data wins over ownedPartitions', () => {
    const userData = StickyAssignor.subscriptionUserData([topic], { partitions: [tp(topic, 1)], generationId: GENERATION_ID });
    const memberData = stickyMemberData(subscription({ topics: [topic], userData, ownedPartitions: [tp(topic, 0)] }));
    expect(names(memberData.partitions)).toEqual(['topic-1']);
    expect(memberData.generation).toBe(GENERATION_ID);
  });

  it('testMemberDataWillHonorUserData: even over a higher generationId in the subscription', () => {
    const owned = [tp('topic1', 0), tp(topic2, 1)];
    const memberData = stickyMemberData(
      subscription({
        topics: [topic],
        userData: { type: 'sticky', previousAssignment: owned, generation: GENERATION_ID - 1 },
        generationId: GENERATION_ID,
      }),
    );
    expect(names(memberData.partitions)).toEqual(['topic1-0', 'topic2-1']);
    expect(memberData.generation).toBe(GENERATION_ID - 1);
  });

  it('testAssignorWithOldVersionSubscriptions', () => {
    const topics = ['topic1'];
    const assignment = assignAndVerify(
      { topic1: 3 },
      new Map([
        [consumer1, STICKY.buildSubscriptionV0(topics, [tp('topic1', 0)], GENERATION_ID) ?? fresh(topics)],
        [consumer2, STICKY.buildSubscriptionV1(topics, [tp('topic1', 1)], GENERATION_ID)],
        [consumer3, v2(topics, [], GENERATION_ID)],
      ]),
    );
    expect(names(of(assignment, consumer1))).toEqual(['topic1-0']);
    expect(names(of(assignment, consumer2))).toEqual(['topic1-1']);
    expect(names(of(assignment, consumer3))).toEqual(['topic1-2']);
  });

  it('subscriptionUserData: nothing before the first assignment, then the assignment and its generation', () => {
    expect(StickyAssignor.subscriptionUserData([topic], undefined)).toBeUndefined();
    expect(StickyAssignor.subscriptionUserData([topic], { partitions: [tp(topic, 2)], generationId: 7 })).toEqual({
      type: 'sticky',
      previousAssignment: [tp(topic, 2)],
      generation: 7,
    });
    expect(stickyMemberData(subscription({ topics: [topic] }))).toEqual({ partitions: [], generation: undefined });
    // Another assignor's user data is what Kafka cannot parse: nothing owned, DEFAULT_GENERATION.
    expect(stickyMemberData(subscription({ topics: [topic], userData: { type: 'cooperative-sticky', generation: 4 } }))).toEqual({
      partitions: [],
      generation: -1,
    });
    expect([StickyAssignor.name, ...StickyAssignor.supportedProtocols]).toEqual(['sticky', 'EAGER']);
  });

  it('KAFKA-7026: a member that paused past its session timeout comes back claiming a partition reassigned since', () => {
    // The sequence from the research notes (V-C2): C1 owned p0 in generation 1; C2 took it in
    // generation 2 while C1 was paused; both now claim it. The stale claim is dropped.
    const assignment = assignAndVerify(
      { topic: 2 },
      new Map([
        [consumer1, v2([topic], [tp(topic, 0)], 1)],
        [consumer2, v2([topic], [tp(topic, 0), tp(topic, 1)], 2)],
      ]),
    );
    expect(sortedNames(of(assignment, consumer2))).toContain('topic-0');
    expect(names(of(assignment, consumer1))).toEqual(['topic-1']);
  });
});

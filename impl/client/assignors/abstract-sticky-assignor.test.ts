import { describe, expect, it } from 'vitest';
import { stickyAssign } from './abstract-sticky-assignor.ts';
import { isFullyBalanced, names, partitionCounts, sortedNames, toSortedString, tp } from './assignor-test-support.ts';
import { DEFAULT_GENERATION, subscription, type Subscription, type TopicPartition } from './consumer-partition-assignor.ts';
import { cooperativeMemberData } from './cooperative-sticky-assignor.ts';
import { GENERATION_ID, STICKY_FLAVORS, type StickyFlavor } from './sticky-test-flavors.ts';
import { stickyMemberData } from './sticky-assignor.ts';

/**
 * Kafka's AbstractStickyAssignorTest (clients/src/test/.../consumer/internals/
 * AbstractStickyAssignorTest.java @1eb7644), run, as in Kafka, for both StickyAssignor and
 * CooperativeStickyAssignor; each `it` names the Kafka method it ports.
 *
 * Where Kafka's expected answer depends on the order its HashMap visits members (for the names
 * consumer1..consumer4 that is consumer4, consumer3, consumer2, consumer1: their String.hashCode
 * buckets are 9..12), refka, which visits members in sorted order, expects the mirror answer and
 * says so. Kafka runs most cases once per RackConfig; refka ignores racks (no replica racks in its
 * input), so each case runs with and without consumer rack ids and must not change.
 */

const topic = 'topic';
const topic1 = 'topic1';
const topic2 = 'topic2';
const topic3 = 'topic3';
const [consumer1, consumer2, consumer3, consumer4] = ['consumer1', 'consumer2', 'consumer3', 'consumer4'];
const RACKS = ['rack-a', 'rack-b', 'rack-c'];

/** AbstractStickyAssignorTest.getTopicName / getConsumerName: "t07", "c12". */
function canonicalName(prefix: string, i: number, maxNum: number): string {
  return prefix + String(i).padStart(String(maxNum).length, '0');
}

/** A seeded PRNG (mulberry32) where Kafka's randomized cases call `new Random()`. */
function random(seed: number): (bound: number) => number {
  let state = seed >>> 0;
  return (bound) => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * bound);
  };
}

describe.each(STICKY_FLAVORS.flatMap((flavor) => [false, true].map((withRack) => [flavor.name, flavor, withRack] as const)))(
  'AbstractStickyAssignorTest for %s (consumer racks: %s)',
  (_name, flavor: StickyFlavor, withRack: boolean) => {
    const rack = (index: number): string | undefined => (withRack ? RACKS[index % RACKS.length] : undefined);
    /** AbstractStickyAssignorTest.subscription(topics, consumerIndex): nothing owned, no generation. */
    const fresh = (topics: string[], index: number): Subscription => subscription({ topics, rackId: rack(index) });
    const v2 = (topics: string[], owned: readonly TopicPartition[], generation: number, index: number): Subscription =>
      flavor.buildSubscriptionV2Above(topics, owned, generation, rack(index));
    const assign = (counts: Record<string, number>, subscriptions: Map<string, Subscription>) =>
      flavor.assign(partitionCounts(counts), subscriptions);
    const verify = (
      subscriptions: Map<string, Subscription>,
      assignment: ReadonlyMap<string, readonly TopicPartition[]>,
      counts: Record<string, number>,
    ) => flavor.verifyValidityAndBalance(subscriptions, assignment, partitionCounts(counts));
    const of = (assignment: ReadonlyMap<string, readonly TopicPartition[]>, member: string): readonly TopicPartition[] =>
      assignment.get(member) ?? [];
    const noTransfers = new Map<string, string>();

    it('testMemberData', () => {
      const owned = [tp(topic1, 0), tp(topic2, 1)];
      const subscriptions = [
        flavor.buildSubscriptionV0([topic], owned, GENERATION_ID),
        flavor.buildSubscriptionV1([topic], owned, GENERATION_ID),
        flavor.buildSubscriptionV2Above([topic], owned, GENERATION_ID),
      ];
      const memberData = flavor.name === 'sticky' ? stickyMemberData : cooperativeMemberData;
      for (const s of subscriptions) {
        if (s === undefined) continue;
        expect(names(memberData(s).partitions)).toEqual(['topic1-0', 'topic2-1']);
        expect(memberData(s).generation).toBe(GENERATION_ID);
      }
      // The cooperative assignor has no v0: its builder gives none, as in Kafka.
      expect(subscriptions[0] === undefined).toBe(flavor.name === 'cooperative-sticky');
    });

    it('testOneConsumerNoTopic', () => {
      const subscriptions = new Map([['consumer', fresh([], 0)]]);
      const run = assign({}, subscriptions);
      expect(run.assignment).toEqual(new Map([['consumer', []]]));
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
    });

    it('testOneConsumerNonexistentTopic', () => {
      const subscriptions = new Map([['consumer', fresh([topic], 0)]]);
      const run = assign({ topic: 0 }, subscriptions);
      expect(run.assignment).toEqual(new Map([['consumer', []]]));
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
    });

    it('testOneConsumerOneTopic', () => {
      const run = assign({ topic: 3 }, new Map([['consumer', fresh([topic], 0)]]));
      expect(names(of(run.assignment, 'consumer'))).toEqual(['topic-0', 'topic-1', 'topic-2']);
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
    });

    it('testOnlyAssignsPartitionsFromSubscribedTopics', () => {
      const owned = [tp(topic, 0), tp(topic, 1), tp('other', 0), tp('other', 1)];
      const subscriptions = new Map([['consumer', v2([topic], owned, GENERATION_ID, 0)]]);
      const run = assign({ topic: 2 }, subscriptions);
      expect(names(of(run.assignment, 'consumer'))).toEqual(['topic-0', 'topic-1']);
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
      verify(subscriptions, run.assignment, { topic: 2 });
    });

    it('testOneConsumerMultipleTopics', () => {
      const run = assign({ topic1: 1, topic2: 2 }, new Map([['consumer', fresh([topic1, topic2], 0)]]));
      expect(names(of(run.assignment, 'consumer'))).toEqual(['topic1-0', 'topic2-0', 'topic2-1']);
    });

    it('testTwoConsumersOneTopicOnePartition', () => {
      const subscriptions = new Map([
        [consumer1, fresh([topic], 0)],
        [consumer2, fresh([topic], 1)],
      ]);
      const run = assign({ topic: 1 }, subscriptions);
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
      expect(isFullyBalanced(verify(subscriptions, run.assignment, { topic: 1 }))).toBe(true);
    });

    it('testTwoConsumersOneTopicTwoPartitions', () => {
      const subscriptions = new Map([
        [consumer1, fresh([topic], 0)],
        [consumer2, fresh([topic], 1)],
      ]);
      const run = assign({ topic: 2 }, subscriptions);
      expect(names(of(run.assignment, consumer1))).toEqual(['topic-0']);
      expect(names(of(run.assignment, consumer2))).toEqual(['topic-1']);
      expect(isFullyBalanced(verify(subscriptions, run.assignment, { topic: 2 }))).toBe(true);
    });

    it('testMultipleConsumersMixedTopicSubscriptions (the general algorithm)', () => {
      const subscriptions = new Map([
        [consumer1, fresh([topic1], 0)],
        [consumer2, fresh([topic1, topic2], 1)],
        [consumer3, fresh([topic1], 2)],
      ]);
      const run = assign({ topic1: 3, topic2: 2 }, subscriptions);
      expect(names(of(run.assignment, consumer1))).toEqual(['topic1-0', 'topic1-2']);
      expect(names(of(run.assignment, consumer2))).toEqual(['topic2-0', 'topic2-1']);
      expect(names(of(run.assignment, consumer3))).toEqual(['topic1-1']);
      // Kafka leaves partitionsTransferringOwnership null after the general algorithm; refka
      // computes it on both paths, and here nothing was owned.
      expect(run.sticky.allSubscriptionsEqual).toBe(false);
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
      expect(isFullyBalanced(verify(subscriptions, run.assignment, { topic1: 3, topic2: 2 }))).toBe(true);
    });

    it('testTwoConsumersTwoTopicsSixPartitions', () => {
      const subscriptions = new Map([
        [consumer1, fresh([topic1, topic2], 0)],
        [consumer2, fresh([topic1, topic2], 1)],
      ]);
      const run = assign({ topic1: 3, topic2: 3 }, subscriptions);
      expect(names(of(run.assignment, consumer1))).toEqual(['topic1-0', 'topic1-2', 'topic2-1']);
      expect(names(of(run.assignment, consumer2))).toEqual(['topic1-1', 'topic2-0', 'topic2-2']);
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
    });

    it('testConsumerOwningMinQuotaExpectedMaxQuota', () => {
      const topics = [topic1, topic2];
      const subscriptions = new Map([
        [consumer1, v2(topics, [tp(topic1, 0), tp(topic2, 1)], GENERATION_ID, 0)],
        [consumer2, v2(topics, [tp(topic1, 1), tp(topic2, 2)], GENERATION_ID, 1)],
      ]);
      const run = assign({ topic1: 2, topic2: 3 }, subscriptions);
      expect(names(of(run.assignment, consumer1))).toEqual(['topic1-0', 'topic2-1', 'topic2-0']);
      expect(names(of(run.assignment, consumer2))).toEqual(['topic1-1', 'topic2-2']);
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
      expect(isFullyBalanced(verify(subscriptions, run.assignment, { topic1: 2, topic2: 3 }))).toBe(true);
    });

    it('testMaxQuotaConsumerMoreThanNumExpectedMaxCapacityMembers (mirrored: consumer1 is visited first)', () => {
      const topics = [topic1, topic2];
      const subscriptions = new Map([
        [consumer1, v2(topics, [tp(topic1, 0), tp(topic2, 0)], GENERATION_ID, 0)],
        [consumer2, v2(topics, [tp(topic1, 1), tp(topic2, 1)], GENERATION_ID, 1)],
        [consumer3, v2(topics, [], GENERATION_ID, 2)],
      ]);
      const run = assign({ topic1: 2, topic2: 2 }, subscriptions);
      // Two members own maxQuota (2) and only one may keep it. Kafka visits consumer2 first and
      // moves topic2-0 from consumer1; refka visits consumer1 first and moves topic2-1 from consumer2.
      expect(run.partitionsTransferringOwnership).toEqual(new Map([['topic2-1', consumer3]]));
      const final = verify(subscriptions, run.assignment, { topic1: 2, topic2: 2 });
      expect(names(of(final, consumer1))).toEqual(['topic1-0', 'topic2-0']);
      expect(names(of(final, consumer2))).toEqual(['topic1-1']);
      expect(names(of(final, consumer3))).toEqual(['topic2-1']);
      expect(isFullyBalanced(final)).toBe(true);
    });

    it('testAllConsumersAreUnderMinQuota', () => {
      const topics = [topic1, topic2];
      const subscriptions = new Map([
        [consumer1, v2(topics, [tp(topic1, 0)], GENERATION_ID, 0)],
        [consumer2, v2(topics, [tp(topic1, 1)], GENERATION_ID, 1)],
        [consumer3, v2(topics, [], GENERATION_ID, 2)],
      ]);
      const run = assign({ topic1: 2, topic2: 3 }, subscriptions);
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
      const final = verify(subscriptions, run.assignment, { topic1: 2, topic2: 3 });
      expect(names(of(final, consumer1))).toEqual(['topic1-0', 'topic2-1']);
      expect(names(of(final, consumer2))).toEqual(['topic1-1', 'topic2-2']);
      expect(names(of(final, consumer3))).toEqual(['topic2-0']);
    });

    it('testAddRemoveConsumerOneTopic', () => {
      const counts = { topic: 3 };
      const subscriptions = new Map([[consumer1, fresh([topic], 0)]]);
      let run = assign(counts, subscriptions);
      expect(names(of(run.assignment, consumer1))).toEqual(['topic-0', 'topic-1', 'topic-2']);

      subscriptions.set(consumer1, v2([topic], of(run.assignment, consumer1), GENERATION_ID, 0));
      subscriptions.set(consumer2, v2([topic], [], GENERATION_ID, 1));
      run = assign(counts, subscriptions);
      expect(run.partitionsTransferringOwnership).toEqual(new Map([['topic-2', consumer2]]));
      let final = verify(subscriptions, run.assignment, counts);
      expect(names(of(final, consumer1))).toEqual(['topic-0', 'topic-1']);
      expect(names(of(final, consumer2))).toEqual(['topic-2']);

      subscriptions.delete(consumer1);
      subscriptions.set(consumer2, v2([topic], of(final, consumer2), GENERATION_ID, 1));
      run = assign(counts, subscriptions);
      expect(sortedNames(of(run.assignment, consumer2))).toEqual(['topic-0', 'topic-1', 'topic-2']);
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
      final = verify(subscriptions, run.assignment, counts);
      expect(isFullyBalanced(final)).toBe(true);
    });

    it('testTopicBalanceAfterReassignment', () => {
      const allTopics = [topic1, topic2];
      const counts = { topic1: 12, topic2: 12 };
      const perTopic = (assignment: ReadonlyMap<string, readonly TopicPartition[]>, t: string): number[] =>
        [...assignment.values()].map((partitions) => partitions.filter((p) => p.topic === t).length);
      const subscriptions = new Map([[consumer1, fresh(allTopics, 0)]]);
      let assignment = verify(subscriptions, assign(counts, subscriptions).assignment, counts);
      expect(perTopic(assignment, topic1)).toEqual([12]);

      subscriptions.set(consumer1, v2(allTopics, of(assignment, consumer1), GENERATION_ID, 0));
      subscriptions.set(consumer2, v2(allTopics, [], GENERATION_ID, 1));
      assignment = verify(subscriptions, assign(counts, subscriptions).assignment, counts);
      expect([perTopic(assignment, topic1), perTopic(assignment, topic2)]).toEqual([
        [6, 6],
        [6, 6],
      ]);

      subscriptions.set(consumer1, v2(allTopics, of(assignment, consumer1), GENERATION_ID, 0));
      subscriptions.set(consumer2, v2(allTopics, of(assignment, consumer2), GENERATION_ID, 1));
      subscriptions.set(consumer3, v2(allTopics, [], GENERATION_ID, 2));
      subscriptions.set(consumer4, v2(allTopics, [], GENERATION_ID, 3));
      assignment = verify(subscriptions, assign(counts, subscriptions).assignment, counts);
      expect([perTopic(assignment, topic1), perTopic(assignment, topic2)]).toEqual([
        [3, 3, 3, 3],
        [3, 3, 3, 3],
      ]);

      subscriptions.delete(consumer1);
      subscriptions.delete(consumer2);
      subscriptions.set(consumer3, v2(allTopics, of(assignment, consumer3), GENERATION_ID, 2));
      subscriptions.set(consumer4, v2(allTopics, of(assignment, consumer4), GENERATION_ID, 3));
      const run = assign(counts, subscriptions);
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
      assignment = verify(subscriptions, run.assignment, counts);
      expect([perTopic(assignment, topic1), perTopic(assignment, topic2)]).toEqual([
        [6, 6],
        [6, 6],
      ]);
    });

    it('testAddRemoveTwoConsumersTwoTopics', () => {
      const allTopics = [topic1, topic2];
      const counts = { topic1: 3, topic2: 4 };
      const subscriptions = new Map([
        [consumer1, fresh(allTopics, 0)],
        [consumer2, fresh(allTopics, 1)],
      ]);
      let run = assign(counts, subscriptions);
      expect(names(of(run.assignment, consumer1))).toEqual(['topic1-0', 'topic1-2', 'topic2-1', 'topic2-3']);
      expect(names(of(run.assignment, consumer2))).toEqual(['topic1-1', 'topic2-0', 'topic2-2']);
      let final = verify(subscriptions, run.assignment, counts);

      subscriptions.set(consumer1, v2(allTopics, of(final, consumer1), GENERATION_ID, 0));
      subscriptions.set(consumer2, v2(allTopics, of(final, consumer2), GENERATION_ID, 1));
      subscriptions.set(consumer3, v2(allTopics, [], GENERATION_ID, 2));
      subscriptions.set(consumer4, v2(allTopics, [], GENERATION_ID, 3));
      run = assign(counts, subscriptions);
      expect(run.partitionsTransferringOwnership).toEqual(
        new Map([
          ['topic1-2', consumer3],
          ['topic2-2', consumer4],
          ['topic2-3', consumer3],
        ]),
      );
      final = verify(subscriptions, run.assignment, counts);
      expect(names(of(final, consumer1))).toEqual(['topic1-0', 'topic2-1']);
      expect(names(of(final, consumer2))).toEqual(['topic2-0', 'topic1-1']);
      expect(names(of(final, consumer3))).toEqual(['topic1-2', 'topic2-3']);
      expect(names(of(final, consumer4))).toEqual(['topic2-2']);

      subscriptions.delete(consumer1);
      subscriptions.delete(consumer2);
      subscriptions.set(consumer3, v2(allTopics, of(final, consumer3), GENERATION_ID, 2));
      subscriptions.set(consumer4, v2(allTopics, of(final, consumer4), GENERATION_ID, 3));
      run = assign(counts, subscriptions);
      expect(names(of(run.assignment, consumer3))).toEqual(['topic1-2', 'topic2-3', 'topic1-0', 'topic2-1']);
      expect(names(of(run.assignment, consumer4))).toEqual(['topic2-2', 'topic1-1', 'topic2-0']);
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
      verify(subscriptions, run.assignment, counts);
    });

    it('testPoorRoundRobinAssignmentScenario', () => {
      const all = ['topic1', 'topic2', 'topic3', 'topic4', 'topic5'];
      const odd = ['topic1', 'topic3', 'topic5'];
      const counts = { topic1: 2, topic2: 1, topic3: 2, topic4: 1, topic5: 2 };
      const subscriptions = new Map([
        [consumer1, fresh(all, 0)],
        [consumer2, fresh(odd, 1)],
        [consumer3, fresh(odd, 2)],
        [consumer4, fresh(all, 3)],
      ]);
      const final = verify(subscriptions, assign(counts, subscriptions).assignment, counts);
      // Kafka's comment gives one balanced answer, 2 partitions each; any balanced one passes there.
      expect([...final.values()].map((partitions) => partitions.length)).toEqual([2, 2, 2, 2]);
    });

    it('testAddRemoveTopicTwoConsumers', () => {
      const counts: Record<string, number> = { topic: 3 };
      const subscriptions = new Map([
        [consumer1, fresh([topic], 0)],
        [consumer2, fresh([topic], 1)],
      ]);
      let run = assign(counts, subscriptions);
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
      const first = verify(subscriptions, run.assignment, counts);
      expect(isFullyBalanced(first)).toBe(true);

      counts[topic2] = 3;
      subscriptions.set(consumer1, v2([topic, topic2], of(first, consumer1), GENERATION_ID, 0));
      subscriptions.set(consumer2, v2([topic, topic2], of(first, consumer2), GENERATION_ID, 1));
      run = assign(counts, subscriptions);
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
      const second = verify(subscriptions, run.assignment, counts);
      expect([of(second, consumer1).length, of(second, consumer2).length]).toEqual([3, 3]);
      expect(names(of(second, consumer1))).toEqual(expect.arrayContaining(names(of(first, consumer1))));
      expect(names(of(second, consumer2))).toEqual(expect.arrayContaining(names(of(first, consumer2))));

      delete counts[topic];
      subscriptions.set(consumer1, v2([topic2], of(second, consumer1), GENERATION_ID, 0));
      subscriptions.set(consumer2, v2([topic2], of(second, consumer2), GENERATION_ID, 1));
      run = assign(counts, subscriptions);
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
      const third = verify(subscriptions, run.assignment, counts);
      expect([of(third, consumer1).length, of(third, consumer2).length].sort()).toEqual([1, 2]);
      expect(names(of(second, consumer1))).toEqual(expect.arrayContaining(names(of(third, consumer1))));
      expect(names(of(second, consumer2))).toEqual(expect.arrayContaining(names(of(third, consumer2))));
    });

    it('testReassignmentAfterOneConsumerLeaves', () => {
      const counts: Record<string, number> = {};
      for (let i = 1; i < 20; i++) counts[canonicalName('t', i, 20)] = i;
      const subscriptions = new Map<string, Subscription>();
      for (let i = 1; i < 20; i++) {
        const topics = [];
        for (let j = 1; j <= i; j++) topics.push(canonicalName('t', j, 20));
        subscriptions.set(canonicalName('c', i, 20), fresh(topics, i));
      }
      let assignment = verify(subscriptions, assign(counts, subscriptions).assignment, counts);
      for (let i = 1; i < 20; i++) {
        const consumer = canonicalName('c', i, 20);
        const topics = [...(subscriptions.get(consumer)?.topics ?? [])];
        subscriptions.set(consumer, v2(topics, of(assignment, consumer), GENERATION_ID, i));
      }
      subscriptions.delete('c10');
      const run = assign(counts, subscriptions);
      expect(run.sticky.partitionMovements?.isSticky()).toBe(true);
      assignment = verify(subscriptions, run.assignment, counts);
    });

    it('testReassignmentAfterOneConsumerAdded', () => {
      const counts = { topic: 20 };
      const subscriptions = new Map<string, Subscription>();
      for (let i = 1; i < 10; i++) subscriptions.set(canonicalName('c', i, 10), fresh([topic], i));
      let run = assign(counts, subscriptions);
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
      verify(subscriptions, run.assignment, counts);
      // The new member joins while the others still report nothing owned (as in Kafka's test).
      subscriptions.set(canonicalName('c', 10, 10), fresh([topic], 10));
      run = assign(counts, subscriptions);
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
      verify(subscriptions, run.assignment, counts);
    });

    it('testSameSubscriptions', () => {
      const counts: Record<string, number> = {};
      for (let i = 1; i < 15; i++) counts[canonicalName('t', i, 15)] = i;
      const topics = Object.keys(counts);
      const subscriptions = new Map<string, Subscription>();
      for (let i = 1; i < 9; i++) subscriptions.set(canonicalName('c', i, 9), fresh(topics, i));
      let run = assign(counts, subscriptions);
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
      const assignment = verify(subscriptions, run.assignment, counts);
      for (let i = 1; i < 9; i++) {
        const consumer = canonicalName('c', i, 9);
        subscriptions.set(consumer, v2(topics, of(assignment, consumer), GENERATION_ID, i));
      }
      subscriptions.delete(canonicalName('c', 5, 9));
      run = assign(counts, subscriptions);
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
      verify(subscriptions, run.assignment, counts);
    });

    it('testLargeAssignmentAndGroupWithUniformSubscription (scaled down: 20 topics x 200 partitions, 200 members)', () => {
      const counts: Record<string, number> = {};
      for (let i = 0; i < 20; i++) counts[canonicalName('t', i, 20)] = 200;
      const topics = Object.keys(counts);
      const subscriptions = new Map<string, Subscription>();
      for (let i = 0; i < 200; i++) subscriptions.set(canonicalName('c', i, 200), fresh(topics, i));
      const first = assign(counts, subscriptions).assignment;
      for (let i = 1; i < 200; i++) {
        const consumer = canonicalName('c', i, 200);
        subscriptions.set(consumer, v2(topics, of(first, consumer), GENERATION_ID, i));
      }
      // c000 rejoins with nothing owned: its 20 partitions are free, everyone else keeps theirs.
      const second = assign(counts, subscriptions);
      expect(second.partitionsTransferringOwnership).toEqual(noTransfers);
      for (let i = 1; i < 200; i++) {
        const consumer = canonicalName('c', i, 200);
        expect(sortedNames(of(second.assignment, consumer))).toEqual(sortedNames(of(first, consumer)));
      }
    });

    it('testAssignmentAndGroupWithNonEqualSubscriptionNotTimeout (scaled down: 20 topics x 40 partitions, 100 members)', () => {
      const topicCount = 20;
      const counts: Record<string, number> = {};
      for (let i = 0; i < topicCount; i++) counts[canonicalName('t', i, topicCount)] = 40;
      const topics = Object.keys(counts);
      const topicsOf = (i: number): string[] =>
        i % 4 === 0 ? topics.slice(0, topicCount / 2) : topics.slice(topicCount / 2, topicCount);
      const subscriptions = new Map<string, Subscription>();
      for (let i = 0; i < 100; i++) subscriptions.set(canonicalName('c', i, 100), fresh(topicsOf(i), i));
      const first = assign(counts, subscriptions).assignment;
      for (let i = 1; i < 100; i++) {
        const consumer = canonicalName('c', i, 100);
        subscriptions.set(consumer, v2(topicsOf(i), of(first, consumer), GENERATION_ID, i));
      }
      verify(subscriptions, assign(counts, subscriptions).assignment, counts);
    });

    it('testSubscriptionNotEqualAndAssignSamePartitionWith3Generation', () => {
      const counts = { topic: 6, topic1: 1 };
      for (const [g1, g2, g3] of [
        [1, 2, 3],
        [1, 3, 2],
        [2, 1, 3],
        [2, 3, 1],
        [3, 1, 2],
        [3, 2, 1],
      ] as const) {
        const subscriptions = new Map([
          [consumer1, v2([topic], [tp(topic, 0), tp(topic, 2)], g1, 0)],
          [consumer2, v2([topic], [tp(topic, 1), tp(topic, 2), tp(topic, 3)], g2, 1)],
          [consumer3, v2([topic], [tp(topic, 2), tp(topic, 4), tp(topic, 5)], g3, 2)],
          [consumer4, v2([topic1], [tp(topic1, 0)], 2, 3)],
        ]);
        const run = assign(counts, subscriptions);
        const all = [...run.assignment.values()].flat();
        expect(new Set(names(all)).size).toBe(all.length);
        // Kafka: every member gets 1 or 2. The cooperative assignor withholds topic-2 from all but its
        // highest-generation claimant, which may leave one member empty until the follow-up.
        for (const partitions of run.assignment.values()) {
          expect(partitions.length).toBeLessThanOrEqual(2);
          if (flavor.name === 'sticky') expect(partitions.length).toBeGreaterThanOrEqual(1);
        }
        const sizes = [...run.sticky.assignment.values()].map((partitions) => partitions.length);
        expect(sizes.every((size) => size >= 1 && size <= 2)).toBe(true);
      }
    });

    it('testLargeAssignmentWithMultipleConsumersLeavingAndRandomSubscription (seeded)', () => {
      const next = random(0x5eed);
      const counts: Record<string, number> = {};
      for (let i = 0; i < 40; i++) counts[canonicalName('t', i, 40)] = next(10) + 1;
      const subscriptions = new Map<string, Subscription>();
      for (let i = 0; i < 200; i++) {
        const topics: string[] = [];
        const howMany = next(20);
        for (let j = 0; j < howMany; j++) topics.push(canonicalName('t', next(40), 40));
        subscriptions.set(canonicalName('c', i, 200), fresh(topics, i));
      }
      const assignment = verify(subscriptions, assign(counts, subscriptions).assignment, counts);
      for (let i = 1; i < 200; i++) {
        const consumer = canonicalName('c', i, 200);
        const topics = [...(subscriptions.get(consumer)?.topics ?? [])];
        subscriptions.set(consumer, v2(topics, of(assignment, consumer), GENERATION_ID, i));
      }
      for (let i = 0; i < 50; i++) subscriptions.delete(canonicalName('c', next(200), 200));
      const run = assign(counts, subscriptions);
      expect(run.sticky.partitionMovements?.isSticky() ?? true).toBe(true);
      verify(subscriptions, run.assignment, counts);
    });

    it('testNewSubscription', () => {
      const counts: Record<string, number> = {};
      for (let i = 1; i < 5; i++) counts[canonicalName('t', i, 5)] = 1;
      const subscriptions = new Map<string, Subscription>();
      for (let i = 0; i < 3; i++) {
        const topics = [];
        for (let j = i; j <= 3 * i - 2; j++) topics.push(canonicalName('t', j, 5));
        subscriptions.set(canonicalName('c', i, 3), fresh(topics, i));
      }
      verify(subscriptions, assign(counts, subscriptions).assignment, counts);
      // Kafka adds t1 to c0's (mutable) topic list and assigns again, still with nothing owned.
      const c0 = canonicalName('c', 0, 3);
      subscriptions.set(c0, fresh([...(subscriptions.get(c0)?.topics ?? []), canonicalName('t', 1, 5)], 0));
      const run = assign(counts, subscriptions);
      expect(run.sticky.partitionMovements?.isSticky() ?? true).toBe(true);
      verify(subscriptions, run.assignment, counts);
    });

    it('testMoveExistingAssignments', () => {
      const counts = { topic1: 1, topic2: 1, topic3: 1, topic4: 1, topic5: 1, topic6: 1 };
      const subscriptions = new Map([
        [consumer1, v2([topic1, topic2], [tp(topic1, 0)], GENERATION_ID, 0)],
        [consumer2, v2([topic1, topic2, topic3, 'topic4'], [tp(topic2, 0), tp(topic3, 0)], GENERATION_ID, 1)],
        [
          consumer3,
          v2([topic2, topic3, 'topic4', 'topic5', 'topic6'], [tp('topic4', 0), tp('topic5', 0), tp('topic6', 0)], GENERATION_ID, 2),
        ],
      ]);
      const run = assign(counts, subscriptions);
      expect(run.sticky.allSubscriptionsEqual).toBe(false);
      verify(subscriptions, run.assignment, counts);
    });

    it('testStickiness', () => {
      const counts = { topic1: 3 };
      const subscriptions = new Map([
        [consumer1, fresh([topic1], 0)],
        [consumer2, fresh([topic1], 1)],
        [consumer3, fresh([topic1], 2)],
        [consumer4, fresh([topic1], 3)],
      ]);
      let run = assign(counts, subscriptions);
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
      const first = verify(subscriptions, run.assignment, counts);
      for (const partitions of first.values()) expect(partitions.length).toBeLessThanOrEqual(1);
      // Removing the potential group leader.
      subscriptions.delete(consumer1);
      for (const [index, consumer] of [consumer2, consumer3, consumer4].entries()) {
        subscriptions.set(consumer, v2([topic1], of(first, consumer), GENERATION_ID, index + 1));
      }
      run = assign(counts, subscriptions);
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
      const second = verify(subscriptions, run.assignment, counts);
      for (const [consumer, partitions] of second) {
        expect(partitions.length).toBe(1);
        expect(names(partitions)).toEqual(expect.arrayContaining(names(of(first, consumer))));
      }
    });

    it('testAssignmentUpdatedForDeletedTopic', () => {
      const run = assign({ topic1: 1, topic3: 100 }, new Map([['consumer', fresh([topic1, topic2, topic3], 0)]]));
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
      expect(of(run.assignment, 'consumer').length).toBe(101);
    });

    it('testNoExceptionThrownWhenOnlySubscribedTopicDeleted', () => {
      const subscriptions = new Map([['consumer', fresh([topic], 0)]]);
      const run = assign({ topic: 3 }, subscriptions);
      subscriptions.set('consumer', v2([topic], of(run.assignment, 'consumer'), GENERATION_ID, 0));
      const after = assign({}, subscriptions);
      expect(after.partitionsTransferringOwnership).toEqual(noTransfers);
      expect(after.assignment).toEqual(new Map([['consumer', []]]));
    });

    it('testReassignmentWithRandomSubscriptionsAndChanges (seeded, 30 rounds)', () => {
      const next = random(0xbeef);
      const randomSublist = (list: readonly string[]): string[] => {
        const selected = [...list];
        const howManyToRemove = next(list.length);
        for (let i = 1; i <= howManyToRemove; i++) selected.splice(next(selected.length), 1);
        return selected.sort();
      };
      for (let round = 1; round <= 30; round++) {
        const numTopics = 10 + next(10);
        const counts: Record<string, number> = {};
        for (let i = 0; i < numTopics; i++) counts[canonicalName('t', i, 20)] = i + 1;
        const topics = Object.keys(counts);
        const numConsumers = 20 + next(20);
        const subscriptions = new Map<string, Subscription>();
        for (let i = 0; i < numConsumers; i++) subscriptions.set(canonicalName('c', i, 40), fresh(randomSublist(topics), i));
        const assignment = verify(subscriptions, assign(counts, subscriptions).assignment, counts);
        const changed = new Map<string, Subscription>();
        for (let i = 0; i < numConsumers; i++) {
          const consumer = canonicalName('c', i, 40);
          changed.set(consumer, v2(randomSublist(topics), of(assignment, consumer), GENERATION_ID, i));
        }
        const run = assign(counts, changed);
        expect(run.sticky.partitionMovements?.isSticky() ?? true).toBe(true);
        verify(changed, run.assignment, counts);
      }
    });

    it('testAllConsumersReachExpectedQuotaAndAreConsideredFilled', () => {
      const subscriptions = new Map([
        [consumer1, v2([topic], [tp(topic, 0), tp(topic, 1)], GENERATION_ID, 0)],
        [consumer2, v2([topic], [tp(topic, 2)], GENERATION_ID, 1)],
        [consumer3, v2([topic], [], GENERATION_ID, 2)],
      ]);
      const run = assign({ topic: 4 }, subscriptions);
      expect(names(of(run.assignment, consumer1))).toEqual(['topic-0', 'topic-1']);
      expect(names(of(run.assignment, consumer2))).toEqual(['topic-2']);
      expect(names(of(run.assignment, consumer3))).toEqual(['topic-3']);
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
    });

    it('testOwnedPartitionsAreInvalidatedForConsumerWithStaleGeneration', () => {
      const owned = [tp(topic, 0), tp(topic, 2), tp(topic2, 1)];
      const subscriptions = new Map([
        [consumer1, v2([topic, topic2], owned, 10, 0)],
        [consumer2, v2([topic, topic2], owned, 9, 1)],
      ]);
      const run = assign({ topic: 3, topic2: 3 }, subscriptions);
      expect(sortedNames(of(run.assignment, consumer1))).toEqual(['topic-0', 'topic-2', 'topic2-1']);
      expect(sortedNames(of(run.assignment, consumer2))).toEqual(['topic-1', 'topic2-0', 'topic2-2']);
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
    });

    it('testOwnedPartitionsAreInvalidatedForConsumerWithNoGeneration', () => {
      const owned = [tp(topic, 0), tp(topic, 2), tp(topic2, 1)];
      const subscriptions = new Map([
        [consumer1, v2([topic, topic2], owned, 10, 0)],
        [consumer2, v2([topic, topic2], owned, DEFAULT_GENERATION, 1)],
      ]);
      const run = assign({ topic: 3, topic2: 3 }, subscriptions);
      expect(sortedNames(of(run.assignment, consumer1))).toEqual(['topic-0', 'topic-2', 'topic2-1']);
      expect(sortedNames(of(run.assignment, consumer2))).toEqual(['topic-1', 'topic2-0', 'topic2-2']);
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
    });

    it('testPartitionsTransferringOwnershipIncludeThePartitionClaimedByMultipleConsumersInSameGeneration', () => {
      const subscriptions = new Map([
        [consumer1, v2([topic], [tp(topic, 0), tp(topic, 1)], GENERATION_ID, 0)],
        [consumer2, v2([topic], [tp(topic, 0), tp(topic, 2)], GENERATION_ID, 1)],
        [consumer3, v2([topic], [], GENERATION_ID, 2)],
      ]);
      const run = assign({ topic: 3 }, subscriptions);
      expect(run.partitionsTransferringOwnership).toEqual(new Map([['topic-0', consumer3]]));
      const final = verify(subscriptions, run.assignment, { topic: 3 });
      expect(names(of(final, consumer1))).toEqual(['topic-1']);
      expect(names(of(final, consumer2))).toEqual(['topic-2']);
      expect(names(of(final, consumer3))).toEqual(['topic-0']);
    });

    it('testEnsurePartitionsAssignedToHighestGeneration', () => {
      const topics = [topic, topic2, topic3];
      const subscriptions = new Map([
        [consumer1, v2(topics, [tp(topic, 0), tp(topic2, 0), tp(topic3, 0)], 10, 0)],
        [consumer2, v2(topics, [tp(topic, 1), tp(topic2, 1), tp(topic3, 1)], 9, 1)],
        [consumer3, v2(topics, [tp(topic2, 1), tp(topic3, 0), tp(topic3, 2)], 8, 1)],
      ]);
      const run = assign({ topic: 3, topic2: 3, topic3: 3 }, subscriptions);
      expect(sortedNames(of(run.assignment, consumer1))).toEqual(['topic-0', 'topic2-0', 'topic3-0']);
      expect(sortedNames(of(run.assignment, consumer2))).toEqual(['topic-1', 'topic2-1', 'topic3-1']);
      expect(sortedNames(of(run.assignment, consumer3))).toEqual(['topic-2', 'topic2-2', 'topic3-2']);
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
    });

    it('testNoReassignmentOnCurrentMembers', () => {
      const topics = [topic, topic2, topic3, topic1];
      const subscriptions = new Map([
        [consumer1, v2(topics, [], DEFAULT_GENERATION, 0)],
        [consumer2, v2(topics, [tp(topic, 0), tp(topic2, 0), tp(topic1, 0)], 9, 1)],
        [consumer3, v2(topics, [tp(topic3, 2), tp(topic2, 2), tp(topic1, 1)], 8, 2)],
        [consumer4, v2(topics, [tp(topic3, 1), tp(topic, 1), tp(topic, 2)], 7, 3)],
      ]);
      const run = assign({ topic: 3, topic1: 3, topic2: 3, topic3: 3 }, subscriptions);
      expect(sortedNames(of(run.assignment, consumer1))).toEqual(['topic1-2', 'topic2-1', 'topic3-0']);
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
      expect(isFullyBalanced(run.assignment)).toBe(true);
    });

    it('testOwnedPartitionsAreInvalidatedForConsumerWithMultipleGeneration', () => {
      const subscriptions = new Map([
        [consumer1, v2([topic, topic2], [tp(topic, 0), tp(topic2, 1), tp(topic, 1)], 10, 0)],
        [consumer2, v2([topic, topic2], [tp(topic, 0), tp(topic2, 1), tp(topic2, 2)], 8, 1)],
      ]);
      const run = assign({ topic: 3, topic2: 3 }, subscriptions);
      expect(sortedNames(of(run.assignment, consumer1))).toEqual(['topic-0', 'topic-1', 'topic2-1']);
      expect(sortedNames(of(run.assignment, consumer2))).toEqual(['topic-2', 'topic2-0', 'topic2-2']);
      expect(run.partitionsTransferringOwnership).toEqual(noTransfers);
    });

    /** AbstractPartitionAssignorTest.verifyRackAssignment without racks: consumer0..2, owned given. */
    const verifyAssignment = (
      counts: Record<string, number>,
      consumerTopics: string[][],
      owned: string[] | undefined,
      expected: string[],
    ): void => {
      const subscriptions = new Map(
        consumerTopics.map((topics, i) => [
          `consumer${i}`,
          subscription({ topics, ownedPartitions: owned === undefined ? [] : parse(owned[i] ?? ''), rackId: rack(i) }),
        ]),
      );
      const run = assign(counts, subscriptions);
      expect(consumerTopics.map((_, i) => toSortedString(of(run.assignment, `consumer${i}`)))).toEqual(expected);
    };

    it('testRackAwareAssignmentWithUniformSubscription (its non-rack-aware expectations)', () => {
      const counts = { t1: 6, t2: 7, t3: 2 };
      const all = ['t1', 't2', 't3'];
      const nonRackAware = ['t1-0, t1-3, t2-0, t2-3, t2-6', 't1-1, t1-4, t2-1, t2-4, t3-0', 't1-2, t1-5, t2-2, t2-5, t3-1'];
      verifyAssignment(counts, [all, all, all], undefined, nonRackAware);
      verifyAssignment(counts, [all, all, all], nonRackAware, nonRackAware);
    });

    it('testRackAwareAssignmentWithNonEqualSubscription (its non-rack-aware expectations)', () => {
      const counts = { t1: 6, t2: 7, t3: 2 };
      const all = ['t1', 't2', 't3'];
      const topics = [all, all, ['t1', 't3']];
      const nonRackAware = ['t1-5, t2-0, t2-2, t2-4, t2-6', 't1-3, t2-1, t2-3, t2-5, t3-0', 't1-0, t1-1, t1-2, t1-4, t3-1'];
      verifyAssignment(counts, topics, undefined, nonRackAware);
      verifyAssignment(counts, topics, nonRackAware, nonRackAware);
      // "Verify that result is same as non-rack-aware assignment if all racks match": owned
      // partitions given only in `ownedPartitions`, which the eager assignor ignores.
      const owned = ['t1-0, t1-1, t1-2, t1-3, t1-4', 't1-5, t2-0, t2-1, t2-2, t2-3', 't2-4, t2-5, t2-6, t3-0, t3-1'];
      if (flavor.name === 'sticky') {
        verifyAssignment(counts, topics, owned, nonRackAware);
      } else {
        const intermediate = ['t1-2, t1-3, t1-4', 't2-0, t2-1, t2-2, t2-3', 't3-0, t3-1'];
        verifyAssignment(counts, topics, owned, intermediate);
        verifyAssignment(counts, topics, intermediate, [
          't1-2, t1-3, t1-4, t2-4, t2-5',
          't2-0, t2-1, t2-2, t2-3, t2-6',
          't1-0, t1-1, t1-5, t3-0, t3-1',
        ]);
      }
    });
  },
);

function parse(text: string): TopicPartition[] {
  if (text === '') return [];
  return text.split(', ').map((name) => tp(name.slice(0, name.lastIndexOf('-')), Number(name.slice(name.lastIndexOf('-') + 1))));
}

/**
 * refka's own vectors for two refinements of the general algorithm that none of Kafka's cases above
 * pins: each was found by planting the bug (skipping the refinement) and letting fast-check search
 * for an input where the answers differ, then shrinking it. The expected answers are refka's; Kafka
 * would give the same if its HashMap orders agree, which this repository cannot check.
 */
describe('general sticky algorithm refinements', () => {
  const assignSticky = (counts: Record<string, number>, members: [string[], number, TopicPartition[]][]) => {
    const subscriptions = new Map(
      members.map(([topics, generation, owned], i) => [
        `c${i}`,
        subscription({ topics, userData: { type: 'sticky', previousAssignment: owned, generation }, generationId: generation }),
      ]),
    );
    const result = stickyAssign(partitionCounts(counts), subscriptions, stickyMemberData);
    return [...result.assignment].map(([member, partitions]) => `${member}: ${names(partitions).join(' ')}`);
  };

  it('a partition whose claim was overruled by a newer generation moves back to its previous owner when balancing', () => {
    // d-3 is claimed by c1 (generation 0) and c3 (generation 1): c3 keeps it, c1 is its previous
    // owner. c3 ends with more than it can keep balanced, and d-3 goes back to c1 rather than to
    // the least loaded subscriber (c0), which would leave c2 with one partition and c0 with three.
    expect(
      assignSticky({ a: 1, b: 2, c: 2, d: 4 }, [
        [['d'], 0, []],
        [['c', 'd'], 0, [tp('d', 3)]],
        [['c'], 0, []],
        [['a', 'b', 'd'], 1, [tp('d', 3)]],
      ]),
    ).toEqual(['c0: d-0 d-1', 'c1: d-2 d-3', 'c2: c-1 c-0', 'c3: a-0 b-0 b-1']);
  });

  it('a balancing move prefers undoing an earlier move of the same topic (PartitionMovements)', () => {
    // c2 owns b-0, b-1 and d-1, and gets all of c (only it subscribes): 7 partitions. Balancing
    // first moves d-1 from c2 to c0; later a d partition must go from c0 back to c2, and it sends d-1
    // (undoing the first move, so c2 keeps what it owned) rather than d-0.
    expect(
      assignSticky({ a: 2, b: 2, c: 4, d: 4 }, [
        [['a', 'b', 'd'], 0, []],
        [['b'], 0, []],
        [['b', 'c', 'd'], 0, [tp('b', 1), tp('d', 1), tp('b', 0)]],
      ]),
    ).toEqual(['c0: a-0 a-1 d-0 d-2 d-3', 'c1: b-0 b-1', 'c2: c-0 c-1 c-2 c-3 d-1']);
  });
});

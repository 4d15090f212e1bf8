import { describe, expect, it } from 'vitest';
import { isFullyBalanced, names, sortedNames } from './assignor-test-support.ts';
import type { Subscription, TopicPartition } from './consumer-partition-assignor.ts';
import { canonicalName, GENERATION_ID, seededRandom, STICKY_CASES, stickyHarness, type StickyFlavor } from './sticky-test-flavors.ts';

/**
 * Kafka's AbstractStickyAssignorTest (@1eb7644), continued: members and topics that come and go,
 * stickiness across rebalances, and the large and randomized cases, for both sticky assignors.
 * Kafka's randomized cases use `new Random()`; these use a seeded generator. Kafka's large cases
 * (a million partitions, with timeouts) are scaled down: refka measures speed with `npm run bench`,
 * never in tests.
 */

const topic = 'topic';
const topic1 = 'topic1';
const topic2 = 'topic2';
const topic3 = 'topic3';
const [consumer1, consumer2, consumer3, consumer4] = ['consumer1', 'consumer2', 'consumer3', 'consumer4'];

describe.each(STICKY_CASES)(
  'AbstractStickyAssignorTest (churn) for %s (consumer racks: %s)',
  (_name, flavor: StickyFlavor, withRack: boolean) => {
    const { fresh, v2, assign, verify, of, noTransfers } = stickyHarness(flavor, withRack);

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

    it('testLargeAssignmentWithMultipleConsumersLeavingAndRandomSubscription (seeded)', () => {
      const next = seededRandom(0x5eed);
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

    it('testReassignmentWithRandomSubscriptionsAndChanges (seeded, 30 rounds)', () => {
      const next = seededRandom(0xbeef);
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
  },
);

import { describe, expect, it } from 'vitest';
import { stickyAssign } from './abstract-sticky-assignor.ts';
import { isFullyBalanced, names, partitionCounts, sortedNames, tp } from './assignor-test-support.ts';
import { DEFAULT_GENERATION, subscription, type TopicPartition } from './consumer-partition-assignor.ts';
import { GENERATION_ID, STICKY_CASES, stickyHarness, type StickyFlavor } from './sticky-test-flavors.ts';
import { stickyMemberData } from './sticky-assignor.ts';

/**
 * Kafka's AbstractStickyAssignorTest (@1eb7644), continued: claims from several generations and
 * same-generation double claims (KAFKA-12984, KAFKA-13081, KAFKA-14639), for both sticky
 * assignors.
 */

const topic = 'topic';
const topic1 = 'topic1';
const topic2 = 'topic2';
const topic3 = 'topic3';
const [consumer1, consumer2, consumer3, consumer4] = ['consumer1', 'consumer2', 'consumer3', 'consumer4'];

describe.each(STICKY_CASES)(
  'AbstractStickyAssignorTest (generations) for %s (consumer racks: %s)',
  (_name, flavor: StickyFlavor, withRack: boolean) => {
    const { v2, assign, verify, of, noTransfers } = stickyHarness(flavor, withRack);

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
  },
);

/**
 * refka's own vectors for the general algorithm's refinements that none of Kafka's cases above pins,
 * and for one departure from Kafka (the previous owner's subscription). Each was found by planting
 * the bug (skipping the refinement, or Kafka's unchecked move) and letting fast-check search for an
 * input where the answers differ, then shrinking it. The expected answers are refka's; Kafka would give the same if its HashMap orders agree,
 * which this repository cannot check (no JVM here).
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

  it("a partition is not moved back to a previous owner that left its topic (Kafka's move-back does not check)", () => {
    // c (generation 0) claims t2-0, but now subscribes only to t1; a (generation 1) owns all of t2.
    // Balancing must take partitions from a, and c is t2-0's previous owner with fewer partitions:
    // Kafka's performReassignments moves t2-0 to c without checking c's subscription. refka moves a
    // partition back only to a previous owner that subscribes to its topic; d gets it instead.
    expect(
      assignSticky({ t1: 2, t2: 4 }, [
        [['t1', 't2'], 1, [tp('t2', 0), tp('t2', 1), tp('t2', 2), tp('t2', 3)]],
        [['t1'], 0, [tp('t2', 0)]],
        [['t2'], 1, []],
      ]),
    ).toEqual(['c0: t2-2 t2-3', 'c1: t1-0 t1-1', 'c2: t2-0 t2-1']);
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

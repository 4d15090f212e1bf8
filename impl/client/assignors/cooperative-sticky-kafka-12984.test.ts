import { describe, expect, it } from 'vitest';
import { names, partitionCounts, tp } from './assignor-test-support.ts';
import { AssignorIllegalStateException, subscription, type GroupAssignment, type Subscription, type TopicPartition } from './consumer-partition-assignor.ts';
import { CooperativeStickyAssignor, cooperativeStickyAssign } from './cooperative-sticky-assignor.ts';

/**
 * KAFKA-12984 (PR #10985) at the assignor, the `kafka-12984` variant's assignor side (rule
 * `cooperativeStickyValidatesOwnedPartitions`). The sequence of the JIRA: in generation 1 c1 owns
 * t-0; c1 falls out of the group; in generation 2 c2 owns everything; c1 rejoins still claiming
 * t-0 from generation 1 (the variant's client side) while c2 claims it from generation 2. Each test
 * runs the same subscriptions through the assignor as Kafka has it and as it was before the fix.
 */

const topic = 't';

/** A cooperative member's subscription as refka's consumer sends it: generation in the protocol and in the user data. */
function member(owned: readonly TopicPartition[], generation: number): Subscription {
  return subscription({
    topics: [topic],
    ownedPartitions: owned,
    generationId: generation,
    userData: CooperativeStickyAssignor.subscriptionUserData([topic], generation < 0 ? undefined : { partitions: owned, generationId: generation }),
  });
}

/** c1 fell out after generation 1 (its generation was reset to -1, its user data still says 1) and rejoins. */
function staleRejoin(c1Claims: readonly TopicPartition[]): Map<string, Subscription> {
  return new Map([
    ['c1-b', subscription({
      topics: [topic],
      ownedPartitions: c1Claims,
      generationId: -1,
      userData: CooperativeStickyAssignor.subscriptionUserData([topic], { partitions: [tp(topic, 0)], generationId: 1 }),
    })],
    ['c2-x', member([tp(topic, 0), tp(topic, 1), tp(topic, 2)], 2)],
  ]);
}

/** Partition name -> the members assigned it, for every partition assigned to two or more. */
function doubles(assignment: GroupAssignment): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  for (const [memberId, { partitions }] of assignment) {
    for (const name of names(partitions)) owners.set(name, [...(owners.get(name) ?? []), memberId]);
  }
  return new Map([...owners].filter(([, memberIds]) => memberIds.length > 1));
}

function byMember(assignment: GroupAssignment): Record<string, string[]> {
  return Object.fromEntries([...assignment].map(([memberId, { partitions }]) => [memberId, names(partitions)]));
}

describe('KAFKA-12984: the cooperative-sticky assignor and a stale ownedPartitions claim', () => {
  it('Kafka drops the claim of the older generation: t-0 stays with c2 alone', () => {
    const result = cooperativeStickyAssign(partitionCounts({ t: 3 }), staleRejoin([tp(topic, 0)]));
    expect(doubles(result.groupAssignment)).toEqual(new Map());
    expect(byMember(result.groupAssignment)).toEqual({ 'c1-b': [], 'c2-x': ['t-0', 't-1'] });
    // t-2 goes to c1 in the follow-up rebalance, once c2 has revoked it.
    expect(result.partitionsTransferringOwnership).toEqual([{ partition: tp(topic, 2), memberId: 'c1-b' }]);
  });

  it('before the fix both claims stand: t-0 is given to c1 and to c2 in one generation', () => {
    const result = cooperativeStickyAssign(partitionCounts({ t: 3 }), staleRejoin([tp(topic, 0)]), false);
    expect(doubles(result.groupAssignment)).toEqual(new Map([['t-0', ['c1-b', 'c2-x']]]));
    expect(byMember(result.groupAssignment)).toEqual({ 'c1-b': ['t-0'], 'c2-x': ['t-0', 't-1'] });
  });

  it('before the fix, but with a client that cleared its claim (Kafka\'s reset), nothing is doubled', () => {
    const result = cooperativeStickyAssign(partitionCounts({ t: 3 }), staleRejoin([]), false);
    expect(doubles(result.groupAssignment)).toEqual(new Map());
  });

  it('before the fix, when the duplicate claims leave a partition no unfilled member, the leader throws (the group cannot complete)', () => {
    // Two partitions, two members: both keep t-0 and t-1 finds nobody below quota.
    const subscriptions = new Map([
      ['c1-b', subscription({ topics: [topic], ownedPartitions: [tp(topic, 0)], generationId: -1 })],
      ['c2-x', member([tp(topic, 0), tp(topic, 1)], 2)],
    ]);
    expect(() => cooperativeStickyAssign(partitionCounts({ t: 2 }), subscriptions, false)).toThrow(AssignorIllegalStateException);
    expect(() => cooperativeStickyAssign(partitionCounts({ t: 2 }), subscriptions, false)).toThrow('No more unfilled consumers to be assigned.');
    expect(doubles(cooperativeStickyAssign(partitionCounts({ t: 2 }), subscriptions).groupAssignment)).toEqual(new Map());
  });

  it('before the fix, the partitions the duplicate leaves over can push a member past maxQuota', () => {
    // Six partitions, two members (quota 3): c2 keeps t-0..t-2, c1 keeps its stale t-0 and is dealt
    // t-3, t-4 and t-5; t-3 is withheld (c2 still owns it), t-0 goes to both.
    const subscriptions = new Map([
      ['c1-b', subscription({ topics: [topic], ownedPartitions: [tp(topic, 0)], generationId: -1 })],
      ['c2-x', member([tp(topic, 0), tp(topic, 1), tp(topic, 2), tp(topic, 3)], 2)],
    ]);
    const old = cooperativeStickyAssign(partitionCounts({ t: 6 }), subscriptions, false);
    expect(byMember(old.groupAssignment)).toEqual({ 'c1-b': ['t-0', 't-4', 't-5'], 'c2-x': ['t-0', 't-1', 't-2'] });
    expect(old.sticky.assignment.get('c1-b')?.length).toBe(4);
    expect(doubles(cooperativeStickyAssign(partitionCounts({ t: 6 }), subscriptions).groupAssignment)).toEqual(new Map());
  });

  it('without stale claims the old and the new assignor agree', () => {
    const subscriptions = new Map([
      ['c1-b', member([tp(topic, 0)], 2)],
      ['c2-x', member([tp(topic, 1), tp(topic, 2)], 2)],
      ['c3-y', member([], -1)],
    ]);
    const fixed = cooperativeStickyAssign(partitionCounts({ t: 3 }), subscriptions);
    const old = cooperativeStickyAssign(partitionCounts({ t: 3 }), subscriptions, false);
    expect(byMember(old.groupAssignment)).toEqual(byMember(fixed.groupAssignment));
    expect(old.partitionsTransferringOwnership).toEqual(fixed.partitionsTransferringOwnership);
  });
});

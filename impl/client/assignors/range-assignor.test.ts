import { describe, expect, it } from 'vitest';
import { partitionCounts, sortedNames, toSortedString } from './assignor-test-support.ts';
import { subscription, type Subscription } from './consumer-partition-assignor.ts';
import { RangeAssignor } from './range-assignor.ts';

/**
 * Kafka's RangeAssignorTest (clients/src/test/.../consumer/RangeAssignorTest.java @1eb7644), case
 * by case; each `it` names the Kafka method it ports. Kafka runs most of them once per RackConfig;
 * refka does not model rack-aware assignment (its input has no replica racks), so each case runs
 * with and without consumer rack ids and must give the same answer: rack ids are carried and
 * ignored, as in Kafka when the metadata has no racks.
 */

const topic1 = 'topic1';
const topic2 = 'topic2';
const RACKS = ['rack-a', 'rack-b', 'rack-c'];

/** RangeAssignorTest.subscription(topics, consumerIndex), with or without a consumer rack. */
function member(topics: string[], index: number, withRack: boolean, groupInstanceId?: string): Subscription {
  return subscription({ topics, rackId: withRack ? RACKS[index % RACKS.length] : undefined, groupInstanceId });
}

function assign(counts: Record<string, number>, members: [string, Subscription][]): Map<string, string[]> {
  const result = RangeAssignor.assign(partitionCounts(counts), new Map(members));
  return new Map([...result].map(([memberId, { partitions }]) => [memberId, sortedNames(partitions)]));
}

describe.each([false, true])('RangeAssignor (consumer racks: %s)', (withRack) => {
  it('testOneConsumerNoTopic', () => {
    expect(assign({}, [['consumer1', member([], 0, withRack)]])).toEqual(new Map([['consumer1', []]]));
  });

  it('testOneConsumerNonexistentTopic', () => {
    expect(assign({}, [['consumer1', member([topic1], 0, withRack)]])).toEqual(new Map([['consumer1', []]]));
  });

  it('testOneConsumerOneTopic', () => {
    expect(assign({ topic1: 3 }, [['consumer1', member([topic1], 0, withRack)]])).toEqual(
      new Map([['consumer1', ['topic1-0', 'topic1-1', 'topic1-2']]]),
    );
  });

  it('testOnlyAssignsPartitionsFromSubscribedTopics', () => {
    expect(assign({ topic1: 3, other: 3 }, [['consumer1', member([topic1], 0, withRack)]])).toEqual(
      new Map([['consumer1', ['topic1-0', 'topic1-1', 'topic1-2']]]),
    );
  });

  it('testOneConsumerMultipleTopics', () => {
    expect(assign({ topic1: 1, topic2: 2 }, [['consumer1', member([topic1, topic2], 0, withRack)]])).toEqual(
      new Map([['consumer1', ['topic1-0', 'topic2-0', 'topic2-1']]]),
    );
  });

  it('testTwoConsumersOneTopicOnePartition', () => {
    const result = assign({ topic1: 1 }, [
      ['consumer1', member([topic1], 0, withRack)],
      ['consumer2', member([topic1], 1, withRack)],
    ]);
    expect(result.get('consumer1')).toEqual(['topic1-0']);
    expect(result.get('consumer2')).toEqual([]);
  });

  it('testTwoConsumersOneTopicTwoPartitions', () => {
    const result = assign({ topic1: 2 }, [
      ['consumer1', member([topic1], 0, withRack)],
      ['consumer2', member([topic1], 1, withRack)],
    ]);
    expect(result.get('consumer1')).toEqual(['topic1-0']);
    expect(result.get('consumer2')).toEqual(['topic1-1']);
  });

  it('testMultipleConsumersMixedTopics', () => {
    const result = assign({ topic1: 3, topic2: 2 }, [
      ['consumer1', member([topic1], 0, withRack)],
      ['consumer2', member([topic1, topic2], 1, withRack)],
      ['consumer3', member([topic1], 2, withRack)],
    ]);
    expect(result.get('consumer1')).toEqual(['topic1-0']);
    expect(result.get('consumer2')).toEqual(['topic1-1', 'topic2-0', 'topic2-1']);
    expect(result.get('consumer3')).toEqual(['topic1-2']);
  });

  it('testTwoConsumersTwoTopicsSixPartitions', () => {
    const result = assign({ topic1: 3, topic2: 3 }, [
      ['consumer1', member([topic1, topic2], 0, withRack)],
      ['consumer2', member([topic1, topic2], 1, withRack)],
    ]);
    expect(result.get('consumer1')).toEqual(['topic1-0', 'topic1-1', 'topic2-0', 'topic2-1']);
    expect(result.get('consumer2')).toEqual(['topic1-2', 'topic2-2']);
  });

  it('testTwoStaticConsumersTwoTopicsSixPartitions: static members are ordered by instance id', () => {
    const result = assign({ topic1: 3, topic2: 3 }, [
      ['consumer-b', member([topic1, topic2], 0, withRack, 'instance1')],
      ['consumer-a', member([topic1, topic2], 1, withRack, 'instance2')],
    ]);
    expect(result.get('consumer-b')).toEqual(['topic1-0', 'topic1-1', 'topic2-0', 'topic2-1']);
    expect(result.get('consumer-a')).toEqual(['topic1-2', 'topic2-2']);
  });

  it('testOneStaticConsumerAndOneDynamicConsumerTwoTopicsSixPartitions: static members come first', () => {
    const result = assign({ topic1: 3, topic2: 3 }, [
      ['consumer-b', member([topic1, topic2], 0, withRack, 'instance1')],
      ['consumer-a', member([topic1, topic2], 1, withRack)],
    ]);
    expect(result.get('consumer-b')).toEqual(['topic1-0', 'topic1-1', 'topic2-0', 'topic2-1']);
    expect(result.get('consumer-a')).toEqual(['topic1-2', 'topic2-2']);
  });

  it('testStaticMemberRangeAssignmentPersistent', () => {
    const statics: [string, Subscription][] = [1, 2, 3].map((i) => [
      `consumer${i}`,
      member([topic1, topic2], i - 1, withRack, `instance${i}`),
    ]);
    const first = assign({ topic1: 5, topic2: 4 }, [...statics, ['consumer4', member([topic1, topic2], 3, withRack)]]);
    expect(first).toEqual(
      new Map([
        ['consumer1', ['topic1-0', 'topic1-1', 'topic2-0']],
        ['consumer2', ['topic1-2', 'topic2-1']],
        ['consumer3', ['topic1-3', 'topic2-2']],
        ['consumer4', ['topic1-4', 'topic2-3']],
      ]),
    );
    // Dynamic member 4 replaced by dynamic member 5: the static members keep their ranges.
    const second = assign({ topic1: 5, topic2: 4 }, [...statics, ['consumer5', member([topic1, topic2], 4, withRack)]]);
    expect(second).toEqual(
      new Map([
        ['consumer1', ['topic1-0', 'topic1-1', 'topic2-0']],
        ['consumer2', ['topic1-2', 'topic2-1']],
        ['consumer3', ['topic1-3', 'topic2-2']],
        ['consumer5', ['topic1-4', 'topic2-3']],
      ]),
    );
  });

  it('testStaticMemberRangeAssignmentPersistentAfterMemberIdChanges', () => {
    const byInstance = (members: [string, Subscription][]): Map<string, string[]> => {
      const result = assign({ topic1: 5, topic2: 5 }, members);
      return new Map(members.map(([memberId, s]) => [s.groupInstanceId ?? '', result.get(memberId) ?? []]));
    };
    const s1 = member([topic1, topic2], 0, withRack, 'instance1');
    const s2 = member([topic1, topic2], 1, withRack, 'instance2');
    const s3 = member([topic1, topic2], 2, withRack, 'instance3');
    const expected = new Map([
      ['instance1', ['topic1-0', 'topic1-1', 'topic2-0', 'topic2-1']],
      ['instance2', ['topic1-2', 'topic1-3', 'topic2-2', 'topic2-3']],
      ['instance3', ['topic1-4', 'topic2-4']],
    ]);
    expect(byInstance([['consumer1', s1], ['consumer2', s2], ['consumer3', s3]])).toEqual(expected);
    // Restarted static members come back with new member ids (consumer5 sorts after consumer4,
    // the reverse of their instances' order); the assignment follows the instance ids.
    expect(byInstance([['consumer1', s1], ['consumer5', s2], ['consumer4', s3]])).toEqual(expected);
  });

  it('testCoPartitionedAssignmentWithSameSubscription (its non-rack-aware expectation)', () => {
    const all = ['t1', 't2', 't3', 't4', 't5', 't6', 't7', 't8', 't9'];
    const result = RangeAssignor.assign(
      partitionCounts({ t1: 6, t2: 6, t3: 2, t4: 2, t5: 4, t6: 4 }),
      new Map([0, 1, 2].map((i) => [`consumer${i}`, member(all, i, withRack)])),
    );
    expect([0, 1, 2].map((i) => toSortedString(result.get(`consumer${i}`)?.partitions))).toEqual([
      't1-0, t1-1, t2-0, t2-1, t3-0, t4-0, t5-0, t5-1, t6-0, t6-1',
      't1-2, t1-3, t2-2, t2-3, t3-1, t4-1, t5-2, t6-2',
      't1-4, t1-5, t2-4, t2-5, t5-3, t6-3',
    ]);
  });
});

describe('RangeAssignor contract', () => {
  it("names itself 'range' and supports only the eager protocol, with no user data", () => {
    expect(RangeAssignor.name).toBe('range');
    expect(RangeAssignor.supportedProtocols).toEqual(['EAGER']);
    expect(RangeAssignor.subscriptionUserData(['t'], { partitions: [], generationId: 3 })).toBeUndefined();
  });
});

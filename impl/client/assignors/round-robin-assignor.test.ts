import { describe, expect, it } from 'vitest';
import { names, partitionCounts } from './assignor-test-support.ts';
import { subscription, type Subscription } from './consumer-partition-assignor.ts';
import { RoundRobinAssignor } from './round-robin-assignor.ts';

/**
 * Kafka's RoundRobinAssignorTest (clients/src/test/.../consumer/RoundRobinAssignorTest.java
 * @1eb7644), case by case; each `it` names the Kafka method it ports. Kafka compares each member's
 * list in order, and so do these.
 */

const topic = 'topic';
const topic1 = 'topic1';
const topic2 = 'topic2';

function member(topics: string[], groupInstanceId?: string): Subscription {
  return subscription({ topics, groupInstanceId });
}

function assign(counts: Record<string, number>, members: [string, Subscription][]): Map<string, string[]> {
  const result = RoundRobinAssignor.assign(partitionCounts(counts), new Map(members));
  return new Map([...result].map(([memberId, { partitions }]) => [memberId, names(partitions)]));
}

describe('RoundRobinAssignor', () => {
  it('testOneConsumerNoTopic', () => {
    expect(assign({}, [['consumer', member([])]])).toEqual(new Map([['consumer', []]]));
  });

  it('testOneConsumerNonexistentTopic', () => {
    expect(assign({}, [['consumer', member([topic])]])).toEqual(new Map([['consumer', []]]));
  });

  it('testOneConsumerOneTopic', () => {
    expect(assign({ topic: 3 }, [['consumer', member([topic])]]).get('consumer')).toEqual(['topic-0', 'topic-1', 'topic-2']);
  });

  it('testOnlyAssignsPartitionsFromSubscribedTopics', () => {
    expect(assign({ topic: 3, other: 3 }, [['consumer', member([topic])]]).get('consumer')).toEqual([
      'topic-0',
      'topic-1',
      'topic-2',
    ]);
  });

  it('testOneConsumerMultipleTopics', () => {
    expect(assign({ topic1: 1, topic2: 2 }, [['consumer', member([topic1, topic2])]]).get('consumer')).toEqual([
      'topic1-0',
      'topic2-0',
      'topic2-1',
    ]);
  });

  it('testTwoConsumersOneTopicOnePartition', () => {
    const result = assign({ topic: 1 }, [
      ['consumer1', member([topic])],
      ['consumer2', member([topic])],
    ]);
    expect(result.get('consumer1')).toEqual(['topic-0']);
    expect(result.get('consumer2')).toEqual([]);
  });

  it('testTwoConsumersOneTopicTwoPartitions', () => {
    const result = assign({ topic: 2 }, [
      ['consumer1', member([topic])],
      ['consumer2', member([topic])],
    ]);
    expect(result.get('consumer1')).toEqual(['topic-0']);
    expect(result.get('consumer2')).toEqual(['topic-1']);
  });

  it('testMultipleConsumersMixedTopics', () => {
    const result = assign({ topic1: 3, topic2: 2 }, [
      ['consumer1', member([topic1])],
      ['consumer2', member([topic1, topic2])],
      ['consumer3', member([topic1])],
    ]);
    expect(result.get('consumer1')).toEqual(['topic1-0']);
    expect(result.get('consumer2')).toEqual(['topic1-1', 'topic2-0', 'topic2-1']);
    expect(result.get('consumer3')).toEqual(['topic1-2']);
  });

  it('testTwoDynamicConsumersTwoTopicsSixPartitions', () => {
    const result = assign({ topic1: 3, topic2: 3 }, [
      ['consumer1', member([topic1, topic2])],
      ['consumer2', member([topic1, topic2])],
    ]);
    expect(result.get('consumer1')).toEqual(['topic1-0', 'topic1-2', 'topic2-1']);
    expect(result.get('consumer2')).toEqual(['topic1-1', 'topic2-0', 'topic2-2']);
  });

  it('testTwoStaticConsumersTwoTopicsSixPartitions: static members are ordered by instance id', () => {
    const result = assign({ topic1: 3, topic2: 3 }, [
      ['consumer-b', member([topic1, topic2], 'instance1')],
      ['consumer-a', member([topic1, topic2], 'instance2')],
    ]);
    expect(result.get('consumer-b')).toEqual(['topic1-0', 'topic1-2', 'topic2-1']);
    expect(result.get('consumer-a')).toEqual(['topic1-1', 'topic2-0', 'topic2-2']);
  });

  it('testOneStaticConsumerAndOneDynamicConsumerTwoTopicsSixPartitions: static members come first', () => {
    const result = assign({ topic1: 3, topic2: 3 }, [
      ['consumer-b', member([topic1, topic2], 'instance1')],
      ['consumer-a', member([topic1, topic2])],
    ]);
    expect(result.get('consumer-b')).toEqual(['topic1-0', 'topic1-2', 'topic2-1']);
    expect(result.get('consumer-a')).toEqual(['topic1-1', 'topic2-0', 'topic2-2']);
  });

  it('testStaticMemberRoundRobinAssignmentPersistent', () => {
    const statics: [string, Subscription][] = [1, 2, 3].map((i) => [`consumer${i}`, member([topic1, topic2], `instance${i}`)]);
    const expected = (dynamic: string): Map<string, string[]> =>
      new Map([
        ['consumer1', ['topic1-0', 'topic2-1']],
        ['consumer2', ['topic1-1', 'topic2-2']],
        ['consumer3', ['topic1-2']],
        [dynamic, ['topic2-0']],
      ]);
    expect(assign({ topic1: 3, topic2: 3 }, [...statics, ['consumer4', member([topic1, topic2])]])).toEqual(
      expected('consumer4'),
    );
    // Dynamic member 4 replaced by dynamic member 5.
    expect(assign({ topic1: 3, topic2: 3 }, [...statics, ['consumer5', member([topic1, topic2])]])).toEqual(
      expected('consumer5'),
    );
  });

  it('testStaticMemberRoundRobinAssignmentPersistentAfterMemberIdChanges', () => {
    const byInstance = (members: [string, Subscription][]): Map<string, string[]> => {
      const result = assign({ topic1: 5, topic2: 5 }, members);
      return new Map(members.map(([memberId, s]) => [s.groupInstanceId ?? '', result.get(memberId) ?? []]));
    };
    const s1 = member([topic1, topic2], 'instance1');
    const s2 = member([topic1, topic2], 'instance2');
    const s3 = member([topic1, topic2], 'instance3');
    const expected = new Map([
      ['instance1', ['topic1-0', 'topic1-3', 'topic2-1', 'topic2-4']],
      ['instance2', ['topic1-1', 'topic1-4', 'topic2-2']],
      ['instance3', ['topic1-2', 'topic2-0', 'topic2-3']],
    ]);
    expect(byInstance([['consumer1', s1], ['consumer2', s2], ['consumer3', s3]])).toEqual(expected);
    expect(byInstance([['consumer1', s1], ['consumer5', s2], ['consumer4', s3]])).toEqual(expected);
  });

  it("AbstractStickyAssignorTest.testPoorRoundRobinAssignmentScenario's round-robin result (its comment)", () => {
    const all = ['topic1', 'topic2', 'topic3', 'topic4', 'topic5'];
    const odd = ['topic1', 'topic3', 'topic5'];
    const result = assign({ topic1: 2, topic2: 1, topic3: 2, topic4: 1, topic5: 2 }, [
      ['consumer1', member(all)],
      ['consumer2', member(odd)],
      ['consumer3', member(odd)],
      ['consumer4', member(all)],
    ]);
    expect(result).toEqual(
      new Map([
        ['consumer1', ['topic1-0', 'topic3-0', 'topic5-0']],
        ['consumer2', ['topic1-1', 'topic3-1', 'topic5-1']],
        ['consumer3', []],
        ['consumer4', ['topic2-0', 'topic4-0']],
      ]),
    );
  });

  it("names itself 'roundrobin' and supports only the eager protocol, with no user data", () => {
    expect(RoundRobinAssignor.name).toBe('roundrobin');
    expect(RoundRobinAssignor.supportedProtocols).toEqual(['EAGER']);
    expect(RoundRobinAssignor.subscriptionUserData(['t'], undefined)).toBeUndefined();
  });
});

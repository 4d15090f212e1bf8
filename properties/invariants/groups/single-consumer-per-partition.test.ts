import { describe, expect, it } from 'vitest';
import type { KafkaClusterView, CoordinatorShardView, GroupMemberClientView } from '../../../sim/kafka/kafka-view.ts';
import type { Finding } from '../../../sim/invariants/invariant.ts';
import { groupRecordsMayBeLost, singleConsumerPerPartition } from './single-consumer-per-partition.ts';

// SingleConsumerPerPartition on hand-made views: group g on __consumer_offsets-0 (one partition),
// whose current coordinator is broker 0 in leader epoch 3, holding generation 4 with members a and b.

function view(members: GroupMemberClientView[], deposed: boolean): KafkaClusterView {
  const shard = (brokerId: number, epoch: number, generationId: number): CoordinatorShardView => ({
    brokerId, partition: 0, epoch, state: 'ACTIVE',
    groups: [{ groupId: 'g', state: 'Stable', generationId, protocolName: 'cooperative-sticky', leaderId: 'a', members: ['a', 'b'].map((memberId) => ({ memberId, groupInstanceId: null, clientId: 'c', clientHost: 'h', assignment: [] })) }],
  });
  return {
    controller: { topics: [{ name: '__consumer_offsets', partitions: 1, configs: {} }], partitions: [{ topicName: '__consumer_offsets', partitionId: 0, leader: 0, leaderEpoch: 3 }], brokers: [] },
    // A deposed coordinator (broker 2, epoch 2) that committed generation 5 alone.
    groups: { shards: [shard(0, 3, 4), ...(deposed ? [shard(2, 2, 5)] : [])], members },
  } as unknown as KafkaClusterView;
}

const member = (name: string, generationId: number, assignedInGeneration: number): GroupMemberClientView => ({
  name, groupId: 'g', memberId: name, generationId, state: 'STABLE.assigned', owned: [{ topic: 't', partition: 1 }], assignedInGeneration,
});

const check = (claim: ReturnType<typeof singleConsumerPerPartition>, on: KafkaClusterView): Finding | undefined => {
  if (claim.checker.type !== 'state') throw new Error('a state claim');
  const found = claim.checker.check(on);
  return typeof found === 'object' ? found : undefined;
};

describe('SingleConsumerPerPartition', () => {
  it('is violated by two current members owning one partition', () => {
    const found = check(singleConsumerPerPartition(), view([member('a', 4, 4), member('b', 4, 4)], false));
    expect(found?.message).toBe('group g (coordinator at generation 4, Stable): a (a, generation 4) and b (b, generation 4) both consume t-1');
    expect(found?.excusedBy).toBeUndefined();
  });

  it('excuses an owner assigned in a generation the current coordinator lacks, only where the configuration lets committed records go', () => {
    const members = [member('b', 4, 4), member('a', -1, 5)];
    // min.insync.replicas=2 and clean elections: generation 5 was committed, so its loss is a bug.
    expect(groupRecordsMayBeLost({ unclean: false, minInsyncReplicas: 2 })).toBeUndefined();
    expect(check(singleConsumerPerPartition(undefined), view(members, true))?.excusedBy).toBeUndefined();
    const unclean = groupRecordsMayBeLost({ unclean: true, minInsyncReplicas: 1 });
    expect(unclean).toBe('unclean.leader.election.enable=true');
    expect(check(singleConsumerPerPartition(unclean), view(members, true))?.excusedBy).toEqual([
      'unclean.leader.election.enable=true',
      'a consumes under generation 5 of g, assigned by broker 2\'s coordinator (__consumer_offsets-0, leader epoch 2), which the current coordinator\'s log lacks',
    ]);
    expect(check(singleConsumerPerPartition(groupRecordsMayBeLost({ unclean: false, minInsyncReplicas: 1 })), view(members, false))?.excusedBy?.[1]).toMatch(/assigned by a deposed coordinator/);
    // Both owners under the current generation's assignments: no excuse whatever the configuration.
    expect(check(singleConsumerPerPartition(unclean), view([member('a', 4, 4), member('b', 4, 4)], true))?.excusedBy).toBeUndefined();
  });

  it('reports a violation found after an excused pair', () => {
    const members = [member('a', 5, 5), member('b', 4, 4), { ...member('c', 4, 4), memberId: 'a' }];
    const found = check(singleConsumerPerPartition('min.insync.replicas=1'), view(members, true));
    expect(found?.excusedBy).toBeUndefined();
    expect(found?.message).toMatch(/b \(b, generation 4\) and c \(a, generation 4\)/);
  });
});

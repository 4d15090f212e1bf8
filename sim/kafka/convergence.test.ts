import { describe, expect, it } from 'vitest';
import type { PartitionRegistration } from '../../impl/controller/controller-state.ts';
import { GROUP_METADATA_TOPIC_NAME } from '../../impl/group/coordinator-partition.ts';
import type { BrokerView, KafkaClusterView, ReplicaView } from './kafka-view.ts';
import { KAFKA_TOPIC, pendingConvergence, type KafkaSystemOptions } from './kafka-system.ts';

// The convergence check after the heal holds `__consumer_offsets` to the same rule as the workload
// topic: the leader's high watermark level with its log end, and every replica holding that log in
// the ISR. While the groups auto-commit the partition is written all the time, so the rule needs
// its writes replicated at once (the coordinator's appends complete the fetch purgatory); it must
// not be loosened into one a stuck high watermark passes. These views carry only what the check reads.

const OPTIONS = { partitions: 1, groups: [] } as unknown as KafkaSystemOptions;

function registration(topicName: string, isr: number[] = [0, 1, 2]): PartitionRegistration {
  return { topicName, topicId: `${topicName}#1`, partitionId: 0, replicas: [0, 1, 2], isr, elr: [], lastKnownElr: [], leader: 0, leaderEpoch: 1, partitionEpoch: 1 } as unknown as PartitionRegistration;
}

function replica(brokerId: number, name: string, logEndOffset: number, highWatermark: number): ReplicaView {
  return { brokerId, name, role: brokerId === 0 ? 'leader' : 'follower', leaderEpoch: 1, logEndOffset, highWatermark, logStartOffset: 0 } as unknown as ReplicaView;
}

/** Three running brokers; broker 0 leads both partitions. `offsets` gives each broker's log end and high watermark of `__consumer_offsets-0`. */
function view(offsets: readonly (readonly [number, number])[], isr?: number[]): KafkaClusterView {
  const brokers = [0, 1, 2].map((brokerId) => ({
    brokerId,
    status: 'running',
    lifecycle: 'running',
    replicas: [replica(brokerId, `${KAFKA_TOPIC}-0`, 10, 10), replica(brokerId, `${GROUP_METADATA_TOPIC_NAME}-0`, ...(offsets[brokerId] as [number, number]))],
  })) as unknown as BrokerView[];
  return {
    nowMs: 120_000,
    controller: { brokers: [], partitions: [registration(KAFKA_TOPIC), registration(GROUP_METADATA_TOPIC_NAME, isr)], topics: [], metadataOffset: 0, registrationShutdowns: [] },
    brokers,
    clients: { producersDone: true, adminDone: true, consumers: [] },
  } as unknown as KafkaClusterView;
}

describe('pendingConvergence', () => {
  it('passes when __consumer_offsets is replicated and its high watermark is level with its log end', () => {
    expect(pendingConvergence(view([[264, 264], [264, 264], [264, 264]]), OPTIONS)).toBeUndefined();
  });

  it('reports a __consumer_offsets high watermark stuck below its log end', () => {
    expect(pendingConvergence(view([[2492, 264], [2492, 264], [2492, 264]]), OPTIONS)).toEqual({
      message: `${GROUP_METADATA_TOPIC_NAME}-0: high watermark 264 below the leader's log end 2492`,
      subject: { partition: `${GROUP_METADATA_TOPIC_NAME}-0` },
    });
  });

  it('reports a follower of __consumer_offsets behind the leader, and one out of the ISR', () => {
    expect(pendingConvergence(view([[300, 300], [300, 300], [264, 264]]), OPTIONS)?.message).toBe(`${GROUP_METADATA_TOPIC_NAME}-0: replica 2 holds up to 264, the leader up to 300`);
    expect(pendingConvergence(view([[300, 300], [300, 300], [300, 300]], [0, 1]), OPTIONS)?.message).toBe(`${GROUP_METADATA_TOPIC_NAME}-0: replica 2 has caught up but is not back in the ISR 0,1`);
  });
});

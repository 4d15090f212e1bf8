import { describe, expect, it } from 'vitest';
import { SimDisk } from '../../sim/disk/sim-disk.ts';
import { AleaRandomStream } from '../../sim/random/random-stream.ts';
import { ConfigView } from '../config/config-view.ts';
import { logConfigFrom } from '../log/log-config.ts';
import { LogManager } from '../log/log-manager.ts';
import type { AlterPartitionRequest, KafkaMessage } from '../protocol/messages.ts';
import { KAFKA_RULES } from '../variants/protocol-rules.ts';
import { Partition, type PartitionContext } from './partition.ts';

// The leader's side of AlterPartition (KIP-497, KIP-903): a proposal stays pending until the
// controller answers, and when its request is lost it goes again unchanged, with the broker epochs
// the leader saw when it proposed, as Kafka's DefaultAlterPartitionManager retries it.

function leaderWithFollower(eligible: (brokerId: number, fetchBrokerEpoch: number) => boolean = () => true): { partition: Partition; sent: AlterPartitionRequest[] } {
  const clock = { nowMs: () => 1_000 };
  const disk = new SimDisk({ clock, random: new AleaRandomStream(1, 'disk') });
  const manager = new LogManager(disk, clock, 'kafka-logs');
  const log = manager.getOrCreateLog({ topic: 't', partition: 0 }, logConfigFrom({}));
  const sent: AlterPartitionRequest[] = [];
  let correlationId = 100;
  const context: PartitionContext = {
    brokerId: 0,
    brokerEpoch: () => 7,
    nowMs: clock.nowMs,
    config: new ConfigView({ 'min.insync.replicas': '1' }),
    rules: KAFKA_RULES,
    sendToController(build: (correlationId: number) => KafkaMessage): number {
      const message = build(++correlationId);
      if (message.type === 'AlterPartitionRequest') sent.push(message);
      return correlationId;
    },
    isReplicaIsrEligible: (brokerId, fetchBrokerEpoch) => eligible(brokerId, fetchBrokerEpoch),
    mark: () => {},
    transition: () => {},
  };
  const partition = new Partition('t', 0, 't#1', log, 0, context);
  partition.applyRegistration({ topicId: 't#1', topicName: 't', partitionId: 0, replicas: [0, 1], isr: [0], leader: 0, leaderEpoch: 3, partitionEpoch: 5 });
  return { partition, sent };
}

describe('Partition AlterPartition retries', () => {
  it('proposes a caught-up follower with the broker epoch it fetched with', () => {
    const { partition, sent } = leaderWithFollower();
    partition.fetchRecords({ topic: 't', partition: 0, currentLeaderEpoch: 3, fetchOffset: 0, logStartOffset: 0, partitionMaxBytes: 1024 }, 1, 42);
    expect(partition.isrState.kind).toBe('pending-expand');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.newIsrWithEpochs).toEqual([{ brokerId: 0, brokerEpoch: 7 }, { brokerId: 1, brokerEpoch: 42 }]);
    expect(partition.maximalIsr).toEqual([0, 1]);
  });

  it('resends the same proposal when its request is lost, and ignores the lost request\'s answer', () => {
    const { partition, sent } = leaderWithFollower();
    partition.fetchRecords({ topic: 't', partition: 0, currentLeaderEpoch: 3, fetchOffset: 0, logStartOffset: 0, partitionMaxBytes: 1024 }, 1, 42);
    const first = sent[0] as AlterPartitionRequest;
    // The follower restarts (a new broker epoch) and fetches again before the resend: the resend
    // still carries the epoch of the fetch the proposal was made on, as Kafka's retry does.
    partition.fetchRecords({ topic: 't', partition: 0, currentLeaderEpoch: 3, fetchOffset: 0, logStartOffset: 0, partitionMaxBytes: 1024 }, 1, 43);
    expect(partition.resendAlterPartition(first.correlationId)).toBe(true);
    expect(sent).toHaveLength(2);
    const second = sent[1] as AlterPartitionRequest;
    expect(second.correlationId).not.toBe(first.correlationId);
    expect({ ...second, correlationId: 0 }).toEqual({ ...first, correlationId: 0 });
    // A stale correlation id resends nothing: only the request in flight counts.
    expect(partition.resendAlterPartition(first.correlationId)).toBe(false);
    partition.onAlterPartitionResponse({ type: 'AlterPartitionResponse', correlationId: first.correlationId, error: 'NONE', topicId: 't#1', partitionId: 0, leaderId: 0, leaderEpoch: 3, isr: [0, 1], partitionEpoch: 6 });
    expect(partition.isrState.kind).toBe('pending-expand');
    partition.onAlterPartitionResponse({ type: 'AlterPartitionResponse', correlationId: second.correlationId, error: 'NONE', topicId: 't#1', partitionId: 0, leaderId: 0, leaderEpoch: 3, isr: [0, 1], partitionEpoch: 6 });
    expect(partition.isrState).toEqual({ kind: 'committed', isr: [0, 1] });
    expect(partition.resendAlterPartition(second.correlationId)).toBe(false);
  });

  it('drops a pending proposal when the metadata log commits a newer partition epoch', () => {
    const { partition, sent } = leaderWithFollower();
    partition.fetchRecords({ topic: 't', partition: 0, currentLeaderEpoch: 3, fetchOffset: 0, logStartOffset: 0, partitionMaxBytes: 1024 }, 1, 42);
    partition.applyRegistration({ topicId: 't#1', topicName: 't', partitionId: 0, replicas: [0, 1], isr: [0, 1], leader: 0, leaderEpoch: 3, partitionEpoch: 6 });
    expect(partition.isrState).toEqual({ kind: 'committed', isr: [0, 1] });
    expect(partition.resendAlterPartition((sent[0] as AlterPartitionRequest).correlationId)).toBe(false);
  });
});

describe('Partition follower fetch state', () => {
  it('counts a follower position when its fetch arrives, not again when it leaves purgatory', () => {
    const { partition, sent } = leaderWithFollower();
    // A fetch that waited in purgatory (DelayedFetch) is only read when it completes: the follower
    // that sent it may have restarted meanwhile, so it must not move the follower's state or
    // propose it for the ISR with its old broker epoch.
    const response = partition.fetchRecords({ topic: 't', partition: 0, currentLeaderEpoch: 3, fetchOffset: 0, logStartOffset: 0, partitionMaxBytes: 1024 }, 1, 42, true);
    expect(response.error).toBe('NONE');
    expect(partition.followerLogEndOffset(1)).toBe(-1);
    expect(partition.isrState.kind).toBe('committed');
    expect(sent).toHaveLength(0);
    // The same fetch on arrival does count.
    partition.fetchRecords({ topic: 't', partition: 0, currentLeaderEpoch: 3, fetchOffset: 0, logStartOffset: 0, partitionMaxBytes: 1024 }, 1, 42);
    expect(partition.followerLogEndOffset(1)).toBe(0);
    expect(sent).toHaveLength(1);
  });
});

describe('Partition ISR eligibility (KIP-841, KIP-903)', () => {
  it('does not propose a follower that its metadata says may not join, and does once it may', () => {
    let currentEpoch = 43;
    // The follower fetched with broker epoch 42; the leader's metadata knows its registration 43.
    const { partition, sent } = leaderWithFollower((brokerId, fetchBrokerEpoch) => brokerId === 1 && fetchBrokerEpoch === currentEpoch);
    partition.fetchRecords({ topic: 't', partition: 0, currentLeaderEpoch: 3, fetchOffset: 0, logStartOffset: 0, partitionMaxBytes: 1024 }, 1, 42);
    expect(partition.isrState.kind).toBe('committed');
    expect(sent).toHaveLength(0);
    currentEpoch = 42;
    partition.fetchRecords({ topic: 't', partition: 0, currentLeaderEpoch: 3, fetchOffset: 0, logStartOffset: 0, partitionMaxBytes: 1024 }, 1, 42);
    expect(partition.isrState.kind).toBe('pending-expand');
    expect(sent[0]?.newIsrWithEpochs).toEqual([{ brokerId: 0, brokerEpoch: 7 }, { brokerId: 1, brokerEpoch: 42 }]);
  });
});

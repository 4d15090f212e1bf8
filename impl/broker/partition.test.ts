import { describe, expect, it } from 'vitest';
import { SimDisk } from '../../sim/disk/sim-disk.ts';
import { AleaRandomStream } from '../../sim/random/random-stream.ts';
import { ConfigView } from '../config/config-view.ts';
import { logConfigFrom } from '../log/log-config.ts';
import { buildRecordBatch, DEFAULT_BATCH_SPEC, stampBatch } from '../log/record-batch.ts';
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
    tryCompleteDelayedRequests: () => {},
  };
  const partition = new Partition('t', 0, 't#1', log, 0, context);
  partition.applyRegistration({ topicId: 't#1', topicName: 't', partitionId: 0, replicas: [0, 1], isr: [0], leader: 0, leaderEpoch: 3, partitionEpoch: 5, elr: [], lastKnownElr: [] });
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

  // Default seed 2203: the first send of an expansion was committed, its answer lost; the resend
  // met the new partition epoch and was answered INVALID_UPDATE_VERSION. Kafka's
  // handleAlterPartitionError keeps the proposal pending then (the earlier send may have been
  // applied); only INELIGIBLE_REPLICA says no controller applied it.
  it('keeps a proposal pending on INVALID_UPDATE_VERSION until the metadata log says what was committed', () => {
    const { partition, sent } = leaderWithFollower();
    partition.fetchRecords({ topic: 't', partition: 0, currentLeaderEpoch: 3, fetchOffset: 0, logStartOffset: 0, partitionMaxBytes: 1024 }, 1, 42);
    const first = sent[0] as AlterPartitionRequest;
    partition.onAlterPartitionResponse({ type: 'AlterPartitionResponse', correlationId: first.correlationId, error: 'INVALID_UPDATE_VERSION', topicId: 't#1', partitionId: 0, leaderId: 0, leaderEpoch: 3, isr: [0, 1], partitionEpoch: 6 });
    expect(partition.isrState.kind).toBe('pending-expand');
    expect(partition.maximalIsr).toEqual([0, 1]);
    expect(sent).toHaveLength(1);
    partition.applyRegistration({ topicId: 't#1', topicName: 't', partitionId: 0, replicas: [0, 1], isr: [0, 1], leader: 0, leaderEpoch: 3, partitionEpoch: 6, elr: [], lastKnownElr: [] });
    expect(partition.isrState).toEqual({ kind: 'committed', isr: [0, 1] });
  });

  it('resets to the committed ISR when the controller answers INELIGIBLE_REPLICA', () => {
    const { partition, sent } = leaderWithFollower();
    partition.fetchRecords({ topic: 't', partition: 0, currentLeaderEpoch: 3, fetchOffset: 0, logStartOffset: 0, partitionMaxBytes: 1024 }, 1, 42);
    partition.onAlterPartitionResponse({ type: 'AlterPartitionResponse', correlationId: (sent[0] as AlterPartitionRequest).correlationId, error: 'INELIGIBLE_REPLICA', topicId: 't#1', partitionId: 0, leaderId: 0, leaderEpoch: 3, isr: [0], partitionEpoch: 5 });
    expect(partition.isrState).toEqual({ kind: 'committed', isr: [0] });
  });

  it('drops a pending proposal when the metadata log commits a newer partition epoch', () => {
    const { partition, sent } = leaderWithFollower();
    partition.fetchRecords({ topic: 't', partition: 0, currentLeaderEpoch: 3, fetchOffset: 0, logStartOffset: 0, partitionMaxBytes: 1024 }, 1, 42);
    partition.applyRegistration({ topicId: 't#1', topicName: 't', partitionId: 0, replicas: [0, 1], isr: [0, 1], leader: 0, leaderEpoch: 3, partitionEpoch: 6, elr: [], lastKnownElr: [] });
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

// A partition over a log with topic configs, on a clock the test moves: for the high watermark's
// min.insync.replicas, retention and compaction, which read the log's (topic's) configuration.
function topicPartition(topicConfigs: Readonly<Record<string, string>>, brokerConfig: Readonly<Record<string, string>>, replicas: readonly number[]): { partition: Partition; marks: string[]; changes: string[]; clock: { nowMs: () => number; advance: (ms: number) => void } } {
  let now = 1_000;
  const clock = { nowMs: () => now, advance: (ms: number) => { now += ms; } };
  const disk = new SimDisk({ clock, random: new AleaRandomStream(1, 'disk') });
  const manager = new LogManager(disk, clock, 'kafka-logs');
  const log = manager.getOrCreateLog({ topic: 't', partition: 0 }, logConfigFrom({ ...brokerConfig, ...topicConfigs }));
  const marks: string[] = [];
  const changes: string[] = [];
  let correlationId = 100;
  const context: PartitionContext = {
    brokerId: 0,
    brokerEpoch: () => 7,
    nowMs: clock.nowMs,
    config: new ConfigView(brokerConfig),
    rules: KAFKA_RULES,
    sendToController: () => ++correlationId,
    isReplicaIsrEligible: () => true,
    mark: (name) => marks.push(name),
    transition: () => {},
    tryCompleteDelayedRequests: (name) => changes.push(name),
  };
  const partition = new Partition('t', 0, 't#1', log, 0, context);
  partition.applyRegistration({ topicId: 't#1', topicName: 't', partitionId: 0, replicas, isr: replicas, leader: 0, leaderEpoch: 0, partitionEpoch: 0, elr: [], lastKnownElr: [] });
  return { partition, marks, changes, clock };
}

/** The log's batches as read from it: offsets and epochs, from the log start. */
function batchBounds(partition: Partition): { baseOffset: number; lastOffset: number; epoch: number }[] {
  const log = partition.log;
  const read = log.read(log.logStartOffset, 1 << 22, log.logEndOffset, true);
  if (read.type === 'error') throw new Error(read.message);
  return read.batches.map((batch) => ({ baseOffset: batch.baseOffset, lastOffset: batch.lastOffset, epoch: batch.partitionLeaderEpoch }));
}

function keyedBatch(pairs: readonly (readonly [string, string])[], timestamp: number): Uint8Array {
  const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
  return buildRecordBatch(DEFAULT_BATCH_SPEC, pairs.map(([key, value]) => ({ timestamp, key: encode(key), value: encode(value), headers: [] })));
}

function followerFetch(partition: Partition, fetchOffset: number): void {
  partition.fetchRecords({ topic: 't', partition: 0, currentLeaderEpoch: 0, fetchOffset, logStartOffset: 0, partitionMaxBytes: 1 << 20 }, 1, 42);
}

describe('Partition high watermark and the topic\'s min.insync.replicas', () => {
  it('holds the high watermark while the ISR is below the topic\'s min.insync.replicas, whatever the broker default', () => {
    // Broker default 1, topic 2: Kafka's Partition reads leaderLog.config.minInSyncReplicas.
    const { partition } = topicPartition({ 'min.insync.replicas': '2' }, { 'min.insync.replicas': '1' }, [0]);
    expect(partition.appendRecordsToLeader(keyedBatch([['k', 'a']], 1_000), 1, 1).error).toBe('NONE');
    expect(partition.log.logEndOffset).toBe(1);
    expect(partition.highWatermark).toBe(0);
    expect(partition.minInsyncReplicas).toBe(2);
  });

  it('advances it when the topic asks for fewer replicas than the broker default', () => {
    const { partition } = topicPartition({ 'min.insync.replicas': '1' }, { 'min.insync.replicas': '2' }, [0]);
    partition.appendRecordsToLeader(keyedBatch([['k', 'a']], 1_000), 1, 1);
    expect(partition.highWatermark).toBe(1);
  });

  // Kafka 4.x's Partition.isUnderMinIsr counts the committed ISR, not the maximal one (KIP-966 with
  // KIP-497): while the controller has not accepted the replica being added, the replicas that left
  // the ISR sit in the ELR and must hold everything below the high watermark. Seed 214: the leader
  // alone in the ISR (ELR [2]) proposed a restarted broker that was already shutting down, counted
  // it, moved its high watermark past a record the ELR member lacked, and the controller refused
  // the broker; the ELR member, elected later, lacked a committed record.
  it('holds the high watermark while the ISR is below min ISR and a replica is still being added', () => {
    const answered = (accept: boolean): Partition => {
      const { partition } = topicPartition({ 'min.insync.replicas': '2' }, {}, [0, 1, 2]);
      // The controller moved 1 and 2 out of the ISR (below min ISR, so into the ELR).
      partition.applyRegistration({ topicId: 't#1', topicName: 't', partitionId: 0, replicas: [0, 1, 2], isr: [0], leader: 0, leaderEpoch: 0, partitionEpoch: 1, elr: [1, 2], lastKnownElr: [] });
      followerFetch(partition, 0);
      expect(partition.isrState.kind).toBe('pending-expand');
      expect(partition.maximalIsr).toEqual([0, 1]);
      expect(partition.appendRecordsToLeader(keyedBatch([['k', 'a']], 1_000), 1, 2).error).toBe('NONE');
      followerFetch(partition, 1);
      expect(partition.followerLogEndOffset(1)).toBe(1);
      // Two replicas of the maximal ISR hold offset 0, but only one of the committed ISR does.
      expect(partition.isUnderMinIsr).toBe(true);
      expect(partition.highWatermark).toBe(0);
      const state = partition.isrState;
      if (state.kind === 'committed') throw new Error('the expansion is still pending');
      partition.onAlterPartitionResponse(accept
        ? { type: 'AlterPartitionResponse', correlationId: state.correlationId, error: 'NONE', topicId: 't#1', partitionId: 0, leaderId: 0, leaderEpoch: 0, isr: [0, 1], partitionEpoch: 2 }
        : { type: 'AlterPartitionResponse', correlationId: state.correlationId, error: 'INELIGIBLE_REPLICA', topicId: 't#1', partitionId: 0, leaderId: 0, leaderEpoch: 0, isr: [0], partitionEpoch: 1 });
      return partition;
    };
    // Refused (the broker is fenced or shutting down): the high watermark never passed offset 0.
    expect(answered(false).highWatermark).toBe(0);
    // Accepted: the committed ISR reaches min ISR and the high watermark moves at once.
    const accepted = answered(true);
    expect(accepted.isUnderMinIsr).toBe(false);
    expect(accepted.highWatermark).toBe(1);
  });
});

describe('Partition log cleanup', () => {
  it('deletes segments by retention only below its high watermark, and its digest starts at the new log start', () => {
    // Every batch rolls its own segment; retention.bytes=0 makes every segment breach it.
    const { partition, marks } = topicPartition({ 'segment.bytes': '100', 'retention.bytes': '0', 'min.insync.replicas': '1' }, {}, [0, 1]);
    for (let index = 0; index < 6; index++) partition.appendRecordsToLeader(keyedBatch([[`k${index}`, `v${index}`]], 1_000), -1, 1);
    expect(partition.log.segmentBaseOffsets()).toEqual([0, 1, 2, 3, 4, 5]);
    followerFetch(partition, 3);
    expect(partition.highWatermark).toBe(3);
    expect(partition.deleteOldSegments()).toBe(3);
    expect(partition.log.logStartOffset).toBe(3);
    expect(partition.log.segmentBaseOffsets()).toEqual([3, 4, 5]);
    expect(batchBounds(partition)[0]?.baseOffset).toBe(3);
    expect(marks).toContain('retention-deleted-segment');
    // Nothing more goes until the high watermark moves.
    expect(partition.deleteOldSegments()).toBe(0);
    followerFetch(partition, 6);
    expect(partition.highWatermark).toBe(6);
    expect(partition.deleteOldSegments()).toBe(3);
    expect(partition.log.logStartOffset).toBe(6);
  });

  it('keeps every segment under cleanup.policy=compact, whatever the retention bounds', () => {
    const { partition } = topicPartition({ 'segment.bytes': '100', 'retention.bytes': '0', 'cleanup.policy': 'compact', 'min.insync.replicas': '1' }, {}, [0]);
    for (let index = 0; index < 3; index++) partition.appendRecordsToLeader(keyedBatch([['k', `v${index}`]], 1_000), -1, 1);
    expect(partition.highWatermark).toBe(3);
    expect(partition.deleteOldSegments()).toBe(0);
    expect(partition.log.logStartOffset).toBe(0);
  });

  it('compacts a compacted topic below its high watermark, keeping batch boundaries so replicas compacted at different times still match', () => {
    const { partition, marks } = topicPartition({ 'segment.bytes': '100', 'cleanup.policy': 'compact', 'min.insync.replicas': '1' }, {}, [0, 1]);
    for (let index = 0; index < 4; index++) partition.appendRecordsToLeader(keyedBatch([['k', `v${index}`]], 1_000), -1, 1);
    const before = batchBounds(partition);
    // Nothing is cleaned above the high watermark.
    expect(partition.compact()).toBe(0);
    followerFetch(partition, 4);
    expect(partition.highWatermark).toBe(4);
    // Offsets 0..2 hold k, superseded by offset 2 within the cleanable segments (those below the
    // active one): 0 and 1 go.
    expect(partition.compact()).toBe(2);
    expect(marks).toContain('compaction-removed-record');
    expect(batchBounds(partition)).toEqual(before);
    const values = partition.log.readRecords(0);
    expect(Array.isArray(values) ? values.map((record) => record.offset) : values).toEqual([2, 3]);
  });

  it('does not compact a topic whose cleanup.policy is delete', () => {
    const { partition } = topicPartition({ 'segment.bytes': '100', 'min.insync.replicas': '1' }, {}, [0]);
    for (let index = 0; index < 4; index++) partition.appendRecordsToLeader(keyedBatch([['k', `v${index}`]], 1_000), -1, 1);
    expect(partition.compact()).toBe(0);
  });

  it('moves a follower\'s log start up to the leader\'s, never past its own high watermark', () => {
    const { partition } = topicPartition({ 'segment.bytes': '100', 'min.insync.replicas': '1' }, {}, [0, 1]);
    partition.applyRegistration({ topicId: 't#1', topicName: 't', partitionId: 0, replicas: [0, 1], isr: [0, 1], leader: 1, leaderEpoch: 1, partitionEpoch: 1, elr: [], lastKnownElr: [] });
    const batches = [0, 1, 2, 3].map((offset) => stampBatch(keyedBatch([[`k${offset}`, 'v']], 1_000), offset, 1));
    for (const batch of batches) expect(partition.appendAsFollower([batch], 0)).toBe('NONE');
    expect(partition.log.segmentBaseOffsets()).toEqual([0, 1, 2, 3]);
    // The leader's log start (3) is past this replica's high watermark (2): it moves to 2 only.
    expect(partition.appendAsFollower([], 2, 3)).toBe('NONE');
    expect(partition.highWatermark).toBe(2);
    expect(partition.log.logStartOffset).toBe(2);
    expect(partition.log.segmentBaseOffsets()).toEqual([2, 3]);
    expect(partition.appendAsFollower([], 4, 3)).toBe('NONE');
    expect(partition.log.logStartOffset).toBe(3);
    expect(batchBounds(partition)[0]?.baseOffset).toBe(3);
  });
});

// The broker's purgatories try a waiting request only when a partition it waits on reports a
// change (ReplicaManager.tryCompleteDelayedRequests): a change the partition does not report would
// leave an answerable request waiting until its timeout. Each kind of change is reported, and a
// fetch that moves nothing is not.
describe('Partition reports what may complete delayed requests', () => {
  it('reports its leadership, ISR, log end and high watermark moving, and nothing else', () => {
    const { partition, changes } = topicPartition({ 'min.insync.replicas': '2' }, {}, [0, 1]);
    expect(changes.length).toBeGreaterThan(0);
    expect(new Set(changes)).toEqual(new Set(['t-0']));
    changes.length = 0;
    // The log end moves; the high watermark waits for the follower.
    expect(partition.appendRecordsToLeader(keyedBatch([['k', 'a']], 1_000), -1, 2).error).toBe('NONE');
    expect(partition.highWatermark).toBe(0);
    expect(changes).toEqual(['t-0']);
    changes.length = 0;
    // The follower's fetch moves the high watermark; the same fetch again moves nothing.
    followerFetch(partition, 1);
    expect(partition.highWatermark).toBe(1);
    expect(changes).toEqual(['t-0']);
    changes.length = 0;
    followerFetch(partition, 1);
    expect(changes).toEqual([]);
    // The controller shrinks the ISR; then the replica goes offline.
    partition.applyRegistration({ topicId: 't#1', topicName: 't', partitionId: 0, replicas: [0, 1], isr: [0], leader: 0, leaderEpoch: 0, partitionEpoch: 1, elr: [1], lastKnownElr: [] });
    expect(changes).toEqual(['t-0']);
    changes.length = 0;
    partition.makeOffline();
    expect(changes).toEqual(['t-0']);
  });

  it('reports a follower\'s truncation, and not one that removes nothing', () => {
    const { partition, changes } = topicPartition({}, {}, [0, 1]);
    partition.appendRecordsToLeader(keyedBatch([['k', 'a']], 1_000), 1, 1);
    partition.applyRegistration({ topicId: 't#1', topicName: 't', partitionId: 0, replicas: [0, 1], isr: [0, 1], leader: 1, leaderEpoch: 1, partitionEpoch: 1, elr: [], lastKnownElr: [] });
    expect(partition.role).toBe('follower');
    changes.length = 0;
    expect(partition.truncateTo(0)).toBe(1);
    expect(changes.length).toBeGreaterThan(0);
    changes.length = 0;
    expect(partition.truncateTo(0)).toBe(0);
    expect(changes).toEqual([]);
  });
});

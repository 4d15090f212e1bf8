import { describe, expect, it } from 'vitest';
import { ReplicaLogs, type BatchDigest } from '../../../sim/kafka/replica-logs.ts';
import type { InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { BrokerView, KafkaClusterView, ReplicaView } from '../../../sim/kafka/kafka-view.ts';
import { highWatermarkOnMinIsr, isrHoldsCommitted, logMatching, monotonicHighWatermark, singleLeaderPerEpoch, strongIsr } from './replication-invariants.ts';

// Each replication invariant on a healthy cluster, then on a cluster with the bug it is for
// planted by hand: a checker is trusted only once it is seen catching its bug.

/** Batches of one record each, epochs as given, prefix hashes chained from the values. */
function digest(entries: readonly [epoch: number, value: number][]): BatchDigest[] {
  let hash = 7;
  return entries.map(([epoch, value], offset) => {
    hash = (Math.imul(hash ^ (offset * 31 + epoch * 7 + value), 0x01000193) >>> 0) ^ 0x5bd1e995;
    return { baseOffset: offset, lastOffset: offset, epoch, crc: value, prefixHash: hash >>> 0, intact: true };
  });
}

function replica(brokerId: number, role: ReplicaView['role'], log: readonly [number, number][], overrides: Partial<ReplicaView> = {}): ReplicaView {
  const entries = digest(log);
  return {
    brokerId,
    name: 't-0',
    role,
    leaderEpoch: 1,
    partitionEpoch: 1,
    highWatermark: entries.length,
    logStartOffset: 0,
    logEndOffset: entries.length,
    isrState: { kind: 'committed', isr: [0, 1, 2] },
    maximalIsr: [0, 1, 2],
    digest: entries,
    ...overrides,
  };
}

function broker(brokerId: number, replicas: readonly ReplicaView[], overrides: Partial<BrokerView> = {}): BrokerView {
  const disk = { version: 0, list: () => [], size: () => 0, peek: () => new Uint8Array(0) };
  return { brokerId, status: 'running', incarnation: 1, lifecycle: 'running', brokerEpoch: 10 + brokerId, replicas, disk, damage: [], ...overrides };
}

const LOG: [number, number][] = [[1, 100], [1, 101], [1, 102]];

function cluster(brokers: readonly BrokerView[], partition: Partial<{ leader: number; isr: number[]; leaderEpoch: number }> = {}, topicConfigs: Record<string, string> = {}): KafkaClusterView {
  return {
    nowMs: 0,
    controller: {
      brokers: [0, 1, 2].map((id) => ({ brokerId: id, brokerEpoch: 10 + id, incarnationId: `b${id}`, fenced: false, inControlledShutdown: false })),
      partitions: [{ topicId: 't#0', topicName: 't', partitionId: 0, replicas: [0, 1, 2], isr: partition.isr ?? [0, 1, 2], leader: partition.leader ?? 0, leaderEpoch: partition.leaderEpoch ?? 1, partitionEpoch: 1, elr: [], lastKnownElr: [] }],
      topics: [{ name: 't', topicId: 't#0', partitions: 1, configs: topicConfigs }],
      metadataOffset: 10,
    },
    brokers,
    logs: new ReplicaLogs(),
    clients: { producersDone: true, adminDone: true, consumers: [] },
  };
}

function healthy(): KafkaClusterView {
  return cluster([broker(0, [replica(0, 'leader', LOG)]), broker(1, [replica(1, 'follower', LOG)]), broker(2, [replica(2, 'follower', LOG)])]);
}

function check(invariant: InvariantDefinition<KafkaClusterView>, view: KafkaClusterView): string | undefined {
  const checker = invariant.checker;
  if (checker.type !== 'state') throw new Error(`${invariant.name} is not a state invariant`);
  const found = checker.check(view);
  return typeof found === 'object' ? found.message : found;
}

describe('replication state invariants', () => {
  it('all hold on a healthy cluster', () => {
    for (const factory of [singleLeaderPerEpoch, strongIsr, isrHoldsCommitted, logMatching, monotonicHighWatermark, () => highWatermarkOnMinIsr(2)]) {
      expect(check(factory(), healthy()), factory().name).toBeUndefined();
    }
  });

  it('SingleLeaderPerEpoch catches two leaders of one epoch, even at different times', () => {
    const invariant = singleLeaderPerEpoch();
    expect(check(invariant, healthy())).toBeUndefined();
    const other = cluster([broker(1, [replica(1, 'leader', LOG)])]);
    expect(check(invariant, other)).toMatch(/brokers 0 and 1 both led epoch 1/);
  });

  it('StrongIsr catches an ISR member missing records below the high watermark', () => {
    const short = cluster([broker(0, [replica(0, 'leader', LOG)]), broker(1, [replica(1, 'follower', LOG.slice(0, 2))]), broker(2, [replica(2, 'follower', LOG)])]);
    expect(check(strongIsr(), short)).toMatch(/ISR member 1 does not hold/);
    const diverged = cluster([broker(0, [replica(0, 'leader', LOG)]), broker(1, [replica(1, 'follower', [[1, 100], [1, 999], [1, 102]])]), broker(2, [replica(2, 'follower', LOG)])]);
    expect(check(strongIsr(), diverged)).toMatch(/ISR member 1/);
    // The same member outside the ISR is not judged, and neither is an unregistered incarnation.
    expect(check(strongIsr(), { ...short, controller: { ...short.controller!, partitions: [{ ...short.controller!.partitions[0]!, isr: [0, 2] }] } })).toBeUndefined();
    const restarted = cluster([broker(0, [replica(0, 'leader', LOG)]), broker(1, [replica(1, 'follower', LOG.slice(0, 2))], { brokerEpoch: -1 }), broker(2, [replica(2, 'follower', LOG)])]);
    expect(check(strongIsr(), restarted)).toBeUndefined();
  });

  it('LogMatching catches two replicas that agree on an offset and epoch but not on what precedes it', () => {
    const diverged = cluster([broker(0, [replica(0, 'leader', [[1, 100], [1, 101], [2, 102]])]), broker(1, [replica(1, 'follower', [[1, 100], [1, 555], [2, 102]])])]);
    expect(check(logMatching(), diverged)).toMatch(/brokers 0 and 1 both hold offset 2 in epoch 2 but their logs differ/);
    // Different epochs at the same offset are a divergence truncation will repair, not a violation.
    const pending = cluster([broker(0, [replica(0, 'leader', [[1, 100], [2, 101]])]), broker(1, [replica(1, 'follower', [[1, 100], [1, 555]])])]);
    expect(check(logMatching(), pending)).toBeUndefined();
  });

  it('MonotonicHighWatermark catches a leader moving its high watermark back within an epoch', () => {
    const invariant = monotonicHighWatermark();
    expect(check(invariant, cluster([broker(0, [replica(0, 'leader', LOG, { highWatermark: 3 })])]))).toBeUndefined();
    expect(check(invariant, cluster([broker(0, [replica(0, 'leader', LOG, { highWatermark: 2 })])]))).toMatch(/back from 3 to 2/);
    // A new epoch starts afresh.
    expect(check(invariant, cluster([broker(0, [replica(0, 'leader', LOG, { highWatermark: 1, leaderEpoch: 2 })])]))).toBeUndefined();
  });

  describe('HighWatermarkOnMinIsr', () => {
    /** Leader 0 with the whole log and the given high watermark; followers with the given prefixes. */
    function step(highWatermark: number, follower1: number, follower2: number, topicConfigs: Record<string, string> = {}): KafkaClusterView {
      return cluster(
        [
          broker(0, [replica(0, 'leader', LOG, { highWatermark })]),
          broker(1, [replica(1, 'follower', LOG.slice(0, follower1))]),
          broker(2, [replica(2, 'follower', LOG.slice(0, follower2))]),
        ],
        {},
        topicConfigs,
      );
    }

    it('holds while the high watermark moves over records two replicas hold', () => {
      const invariant = highWatermarkOnMinIsr(2);
      expect(check(invariant, step(1, 1, 0))).toBeUndefined();
      expect(check(invariant, step(2, 2, 0))).toBeUndefined();
      expect(check(invariant, step(3, 1, 3))).toBeUndefined();
    });

    it('catches a high watermark moving over a record only the leader holds (the pre-kip-966 rule)', () => {
      const invariant = highWatermarkOnMinIsr(2);
      expect(check(invariant, step(2, 2, 2))).toBeUndefined();
      expect(check(invariant, step(3, 2, 2))).toMatch(/leader 0 in epoch 1 moved its high watermark from 2 to 3, but only broker\(s\) 0 ever held offset 2 \(min.insync.replicas=2\)/);
    });

    it('counts a copy that was lost after it was held, and reads the topic\'s own min.insync.replicas', () => {
      const lost = highWatermarkOnMinIsr(2);
      expect(check(lost, step(2, 3, 2))).toBeUndefined();
      // Follower 1 loses its tail (a power loss) before the high watermark moves: it still held it.
      expect(check(lost, step(3, 1, 2))).toBeUndefined();
      const topicOverride = highWatermarkOnMinIsr(2);
      expect(check(topicOverride, step(2, 2, 2, { 'min.insync.replicas': '1' }))).toBeUndefined();
      expect(check(topicOverride, step(3, 2, 2, { 'min.insync.replicas': '1' }))).toBeUndefined();
      const strict = highWatermarkOnMinIsr(2);
      expect(check(strict, step(2, 2, 2, { 'min.insync.replicas': '3' }))).toBeUndefined();
      expect(check(strict, step(3, 3, 2, { 'min.insync.replicas': '3' }))).toMatch(/only broker\(s\) 0,1 ever held offset 2 \(min.insync.replicas=3\)/);
    });

    it('does not judge the first high watermark of a leadership, which was committed before it', () => {
      expect(check(highWatermarkOnMinIsr(2), step(3, 0, 0))).toBeUndefined();
    });
  });

  it('IsrHoldsCommitted catches a follower admitted on a new leader\'s lagging high watermark (KAFKA-7128)', () => {
    const invariant = isrHoldsCommitted();
    // Epoch 1: broker 0 leads and commits all three records.
    expect(check(invariant, healthy())).toBeUndefined();
    // Epoch 2: broker 1 leads; its high watermark still lags at 1. Broker 2 holds only offset 0,
    // so StrongIsr (judged at the leader's own mark) has nothing to say.
    const lagging = cluster(
      [broker(0, [], { status: 'crashed' }), broker(1, [replica(1, 'leader', LOG, { highWatermark: 1, leaderEpoch: 2 })]), broker(2, [replica(2, 'follower', LOG.slice(0, 1))])],
      { leader: 1, isr: [1, 2], leaderEpoch: 2 },
    );
    expect(check(strongIsr(), lagging)).toBeUndefined();
    expect(check(invariant, lagging)).toMatch(/ISR member 2 lacks committed offset 2 \(epoch 1\), which leader 1 holds at high watermark 1/);
    // Outside the ISR it is not judged; nor is it when the leader itself no longer holds the batch.
    expect(check(invariant, { ...lagging, controller: { ...lagging.controller!, partitions: [{ ...lagging.controller!.partitions[0]!, isr: [1] }] } })).toBeUndefined();
    const lost = cluster(
      [broker(1, [replica(1, 'leader', LOG.slice(0, 1), { highWatermark: 1, leaderEpoch: 2 })]), broker(2, [replica(2, 'follower', LOG.slice(0, 1))])],
      { leader: 1, isr: [1, 2], leaderEpoch: 2 },
    );
    expect(check(invariant, lost)).toBeUndefined();
  });
});

describe('applicability of the replica-agreement claims under bit flips', () => {
  // They judge a run until a flip lands where no checksum looks (spec/invariants.md), not as soon
  // as the bitflip fault runs: flips the CRC caught never reach a replica's copy.
  const base = { seed: 1, config: {}, variants: [], faults: { bitflip: 9 } };
  it.each([strongIsr(), isrHoldsCommitted(), logMatching(), highWatermarkOnMinIsr(2)])('$name', (definition) => {
    expect(definition.applicability?.({ ...base, corruption: { uncheckedFlips: 0 } }).applies).toBe(true);
    expect(definition.applicability?.({ ...base, corruption: { uncheckedFlips: 1 } }).applies).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import type { BatchDigest } from '../../../sim/kafka/batch-digests.ts';
import { ReplicaLogs } from '../../../sim/kafka/replica-logs.ts';
import type { InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { BrokerView, KafkaClusterView, ReplicaView } from '../../../sim/kafka/kafka-view.ts';
import { highWatermarkOnMinIsr, isrHoldsCommitted, logMatching, monotonicHighWatermark, singleLeaderPerEpoch, strongIsr } from './replication-invariants.ts';
import { leaderIsUnfenced } from './leader-is-unfenced.ts';
import { producerStateMatchesLog } from './producer-state-matches-log.ts';
import { epochCacheMatchesLog } from './epoch-cache-matches-log.ts';
import { highWatermarkWithinLog } from './high-watermark-within-log.ts';
import { laggingFollowerLeavesIsr } from './lagging-follower-leaves-isr.ts';

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
    epochCache: [{ epoch: 1, startOffset: 0 }],
    producerState: { version: 0, lastBatchOf: () => undefined, producerIds: () => [] },
    ...overrides,
  };
}

function broker(brokerId: number, replicas: readonly ReplicaView[], overrides: Partial<BrokerView> = {}): BrokerView {
  const disk = { version: 0, namesVersion: 0, wholeDiskVersion: 0, directoryVersion: () => 0, rewrittenVersion: () => 0, list: () => [], size: () => 0, peek: () => new Uint8Array(0) };
  return { brokerId, status: 'running', incarnation: 1, lastStop: 'none', lifecycle: 'running', loadedAsClean: false, brokerEpoch: 10 + brokerId, replicas, disk, damage: [], ...overrides };
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
      registrationShutdowns: [],
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

    it('keeps holders with broker ids past its bit mask (--brokers goes to 64)', () => {
      const at = (highWatermark: number, follower: number): KafkaClusterView => cluster(
        [broker(45, [replica(45, 'leader', LOG, { highWatermark })]), broker(31, [replica(31, 'follower', LOG.slice(0, follower))]), broker(29, [replica(29, 'follower', [])])],
        { leader: 45, isr: [45, 31, 29] },
      );
      const invariant = highWatermarkOnMinIsr(2);
      expect(check(invariant, at(1, 1))).toBeUndefined();
      expect(check(invariant, at(2, 2))).toBeUndefined();
      expect(check(invariant, at(3, 2))).toMatch(/leader 45 in epoch 1 moved its high watermark from 2 to 3, but only broker\(s\) 45 ever held offset 2/);
      const three = highWatermarkOnMinIsr(3);
      expect(check(three, at(1, 1))).toBeUndefined();
      const all = cluster(
        [broker(45, [replica(45, 'leader', LOG, { highWatermark: 2 })]), broker(31, [replica(31, 'follower', LOG)]), broker(29, [replica(29, 'follower', LOG)])],
        { leader: 45, isr: [45, 31, 29] },
      );
      expect(check(three, all)).toBeUndefined();
    });

    it('counts a follower whose damaged copy reached past the record in this leadership, though it is unreadable now (default seed 4246)', () => {
      // Follower 2 stored offset 1 over a bit flip that broke its frame, fetched past it, then lost
      // power: back up, its replica is not loaded yet when follower 1 catches up.
      const damagedTail = (): BatchDigest[] => [...digest(LOG.slice(0, 1)), { baseOffset: 1, lastOffset: 1, epoch: -1, crc: 0, prefixHash: 1, intact: false }];
      const at = (highWatermark: number, follower1: number, follower2: ReplicaView[]): KafkaClusterView => cluster([
        broker(0, [replica(0, 'leader', LOG, { highWatermark })]),
        broker(1, [replica(1, 'follower', LOG.slice(0, follower1))]),
        broker(2, follower2),
      ], {}, { 'min.insync.replicas': '3' });
      const invariant = highWatermarkOnMinIsr(2);
      expect(check(invariant, at(1, 1, [replica(2, 'follower', [], { digest: damagedTail(), logEndOffset: 3 })]))).toBeUndefined();
      expect(check(invariant, at(3, 3, []))).toBeUndefined();
      // The same damaged copy from an earlier leadership says nothing of this leader's batches.
      const earlier = highWatermarkOnMinIsr(2);
      expect(check(earlier, at(1, 1, [replica(2, 'follower', [], { digest: damagedTail(), logEndOffset: 3, leaderEpoch: 0 })]))).toBeUndefined();
      expect(check(earlier, at(3, 3, []))).toMatch(/only broker\(s\) 0,1 ever held offset 2 \(min.insync.replicas=3\)/);
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

describe('broker state against its own log', () => {
  /** A log of producer 7's batches 0..2 (sequences 0..2), one record each. */
  function producerLog(): BatchDigest[] {
    return digest(LOG).map((batch, index) => ({ ...batch, producer: { id: 7, epoch: 0, baseSequence: index } }));
  }
  function state(entries: Record<number, { epoch: number; lastSeq: number; lastOffset: number }>): ReplicaView['producerState'] {
    return { version: 0, lastBatchOf: (id) => entries[id], producerIds: () => Object.keys(entries).map(Number) };
  }

  it('LeaderIsUnfenced catches a fenced leader and one in controlled shutdown', () => {
    expect(check(leaderIsUnfenced(), healthy())).toBeUndefined();
    const fenced = healthy();
    const controller = fenced.controller as NonNullable<KafkaClusterView['controller']>;
    const withLeader = (change: Partial<NonNullable<KafkaClusterView['controller']>['brokers'][number]>): KafkaClusterView => ({
      ...fenced,
      controller: { ...controller, brokers: controller.brokers.map((registration) => (registration.brokerId === 0 ? { ...registration, ...change } : registration)) },
    });
    expect(check(leaderIsUnfenced(), withLeader({ fenced: true }))).toMatch(/t-0: leader 0 \(epoch 1\) is fenced/);
    expect(check(leaderIsUnfenced(), withLeader({ inControlledShutdown: true }))).toMatch(/in controlled shutdown/);
  });

  it('ProducerStateMatchesLog catches a state behind its log, and one past its log end', () => {
    const good = state({ 7: { epoch: 0, lastSeq: 2, lastOffset: 2 } });
    const view = (producerState: ReplicaView['producerState']): KafkaClusterView =>
      cluster([broker(0, [replica(0, 'leader', LOG, { digest: producerLog(), producerState })])]);
    expect(check(producerStateMatchesLog(), view(good))).toBeUndefined();
    expect(check(producerStateMatchesLog(), view(state({})))).toMatch(/producer 7's last batch in the log is 2\.\.2 .* does not know the producer/);
    expect(check(producerStateMatchesLog(), view(state({ 7: { epoch: 0, lastSeq: 1, lastOffset: 1 } })))).toMatch(/last batch ends at offset 1 with sequence 1/);
    expect(check(producerStateMatchesLog(), view(state({ 7: { epoch: 0, lastSeq: 2, lastOffset: 2 }, 9: { epoch: 0, lastSeq: 0, lastOffset: 3 } })))).toMatch(/producer 9 ends at offset 3, at or past the log end 3/);
    // A later producer epoch in the state is ahead of the log, not behind it.
    expect(check(producerStateMatchesLog(), view(state({ 7: { epoch: 1, lastSeq: 0, lastOffset: 2 } })))).toBeUndefined();
  });

  it('EpochCacheMatchesLog catches a batch the cache gives another epoch, and a leader whose cache lacks its epoch', () => {
    const log: [number, number][] = [[1, 100], [2, 101], [2, 102]];
    const view = (epochCache: ReplicaView['epochCache'], leaderEpoch = 2): KafkaClusterView =>
      cluster([broker(0, [replica(0, 'leader', log, { epochCache, leaderEpoch })])]);
    expect(check(epochCacheMatchesLog(), view([{ epoch: 1, startOffset: 0 }, { epoch: 2, startOffset: 1 }]))).toBeUndefined();
    expect(check(epochCacheMatchesLog(), view([{ epoch: 1, startOffset: 0 }, { epoch: 2, startOffset: 2 }]))).toMatch(/batch 1\.\.1 has epoch 2, but its epoch cache gives that offset epoch 1/);
    expect(check(epochCacheMatchesLog(), view([{ epoch: 1, startOffset: 0 }, { epoch: 2, startOffset: 1 }], 3))).toMatch(/leads epoch 3, but its epoch cache ends with epoch 2 at 1/);
  });

  it('EpochCacheMatchesLog excuses the batches after one whose epoch an unchecked flip raised, naming the flip (seed 51 under swarm-beyond)', () => {
    // The leader read batch 1 with bit 16 of its epoch flipped (1 -> 65537) and served it; the
    // follower's cache took 65537 from it, so batch 2, of the true epoch 1, reads as below it.
    const log: [number, number][] = [[1, 100], [65537, 101], [1, 102]];
    const at = (flippedOffsets: readonly number[]): KafkaClusterView => {
      const view = cluster([broker(1, [replica(1, 'follower', log, { epochCache: [{ epoch: 1, startOffset: 0 }, { epoch: 65537, startOffset: 1 }] })])]);
      const logs = Object.assign(Object.create(ReplicaLogs.prototype) as ReplicaLogs, {
        valueAt: (_broker: number, _name: string, offset: number) => `producer-0:${offset}`,
        uncheckedFlipsOn: (_name: string, offset: number) => (flippedOffsets.includes(offset) ? [`unchecked bitflip at 1.000 s (broker-0: bit 16 of batch ${offset} as read)`] : []),
      });
      return { ...view, logs };
    };
    const found = (view: KafkaClusterView) => {
      const checker = epochCacheMatchesLog().checker;
      if (checker.type !== 'state') throw new Error('a state checker');
      return checker.check(view);
    };
    expect(found(at([1]))).toMatchObject({ message: expect.stringMatching(/batch 2\.\.2 has epoch 1, but its epoch cache gives that offset epoch 65537/), excusedBy: ['unchecked bitflip at 1.000 s (broker-0: bit 16 of batch 1 as read)'] });
    // No flip on the batch that started the entry, nor on the batch itself: a violation.
    expect(found(at([]))).toMatchObject({ message: expect.stringMatching(/batch 2\.\.2 has epoch 1/) });
    expect(found(at([]))).not.toHaveProperty('excusedBy');
  });

  it('EpochCacheMatchesLog excuses a batch an unchecked flip moved to an offset no record was written at, naming the flips stored on that replica (seed 100 under swarm-beyond)', () => {
    // Broker 1 stored batch 1 with bit 12 of its base offset flipped: it reads as batch 4097,
    // epoch 1, after the cache's entry 2@2.
    const entries: BatchDigest[] = [...digest([[1, 100], [1, 101], [2, 102]]).slice(0, 1), { baseOffset: 4097, lastOffset: 4097, epoch: 1, crc: 101, prefixHash: 5, intact: true }];
    const flip = { kind: 'bitflip' as const, atMs: 1000, detail: 'broker-1: bit 99 of kafka-logs/t-0/00000000000000000000.log, unchecked', checked: false, paths: ['kafka-logs/t-0/00000000000000000000.log'] };
    const at = (damage: BrokerView['damage'], files: readonly string[] = flip.paths): KafkaClusterView => {
      const base = broker(1, [], {}).disk;
      const disk = { ...base, list: (prefix: string) => files.filter((path) => path.startsWith(prefix)) };
      const view = cluster([broker(1, [replica(1, 'follower', [], { digest: entries, epochCache: [{ epoch: 1, startOffset: 0 }, { epoch: 2, startOffset: 2 }] })], { damage, disk })]);
      const logs = Object.assign(Object.create(ReplicaLogs.prototype) as ReplicaLogs, {
        valueAt: (_broker: number, _name: string, offset: number) => (offset === 0 ? 'producer-0:0' : undefined),
        uncheckedFlipsOn: () => [],
      });
      return { ...view, logs };
    };
    const checker = epochCacheMatchesLog().checker;
    if (checker.type !== 'state') throw new Error('a state checker');
    expect(checker.check(at([flip]))).toMatchObject({ message: expect.stringMatching(/batch 4097\.\.4097 has epoch 1, but its epoch cache gives that offset epoch 2/), excusedBy: ['unchecked bitflip at 1.000 s (broker-1: bit 99 of kafka-logs/t-0/00000000000000000000.log, unchecked)'] });
    // A flip in what it read, or a checked one, changed nothing stored there; nor does one in a
    // file the log no longer has: a violation.
    for (const view of [at([{ ...flip, onRead: true }, { ...flip, checked: true }]), at([flip], [])]) {
      const strict = epochCacheMatchesLog().checker;
      if (strict.type !== 'state') throw new Error('a state checker');
      const unexcused = strict.check(view);
      expect(unexcused).toMatchObject({ message: expect.stringMatching(/batch 4097\.\.4097 has epoch 1/) });
      expect(unexcused).not.toHaveProperty('excusedBy');
    }
  });
});

describe('high watermark bounds and ISR lag', () => {
  it('HighWatermarkWithinLog catches a high watermark past the log end', () => {
    expect(check(highWatermarkWithinLog(), healthy())).toBeUndefined();
    const view = cluster([broker(0, [replica(0, 'leader', LOG)]), broker(1, [replica(1, 'follower', LOG, { highWatermark: 4 })])]);
    expect(check(highWatermarkWithinLog(), view)).toMatch(/t-0 on broker 1 \(follower, epoch 1\): high watermark 4 outside its log 0\.\.3/);
  });

  it('LaggingFollowerLeavesIsr waits 1.5 lag times plus the margin, then catches a follower left behind in the ISR', () => {
    const claim = laggingFollowerLeavesIsr(10_000, 2_000);
    const at = (nowMs: number, leaderEnd: number, followerEnd: number, isr = [0, 1, 2]): KafkaClusterView => ({
      ...cluster([
        broker(0, [replica(0, 'leader', LOG, { logEndOffset: leaderEnd, highWatermark: followerEnd, maximalIsr: isr, isrState: { kind: 'committed', isr } })]),
        broker(1, [replica(1, 'follower', LOG, { logEndOffset: followerEnd })]),
        broker(2, [replica(2, 'follower', LOG, { logEndOffset: leaderEnd })]),
      ]),
      nowMs,
    });
    // Follower 1 holds 3; the leader's log passes it at 1 s and the follower never catches up.
    expect(check(claim, at(0, 3, 3))).toBeUndefined();
    expect(check(claim, at(1_000, 5, 3))).toBeUndefined();
    expect(check(claim, at(18_000, 9, 3))).toBeUndefined();
    expect(check(claim, at(18_001, 9, 3))).toMatch(/t-0: follower 1 \(log end 3\) has been behind leader 0 .* since 1000 ms, more than 17000 ms, and is still in its ISR 0,1,2/);
    // Out of the leader's ISR, it is not judged.
    expect(check(laggingFollowerLeavesIsr(10_000, 2_000), at(0, 3, 3, [0, 2]))).toBeUndefined();
  });

  it('LaggingFollowerLeavesIsr starts afresh after a stretch without an active controller, in which a follower may catch up unseen (seed 278)', () => {
    const claim = laggingFollowerLeavesIsr(10_000, 2_000);
    const at = (nowMs: number, leaderEnd: number, followerEnd: number | 'down'): KafkaClusterView => ({
      ...cluster([
        broker(0, [replica(0, 'leader', LOG, { logEndOffset: leaderEnd, highWatermark: leaderEnd, maximalIsr: [0, 1, 2], isrState: { kind: 'committed', isr: [0, 1, 2] } })]),
        followerEnd === 'down' ? broker(1, [], { status: 'powered-off' }) : broker(1, [replica(1, 'follower', LOG, { logEndOffset: followerEnd })]),
        broker(2, [replica(2, 'follower', LOG, { logEndOffset: leaderEnd })]),
      ]),
      nowMs,
    });
    const noController = (nowMs: number): KafkaClusterView => ({ ...at(nowMs, 9, 9), controller: undefined });
    expect(check(claim, at(0, 3, 3))).toBeUndefined();
    expect(check(claim, at(1_000, 5, 3))).toBeUndefined();
    // No active controller from 2 s to 30 s: follower 1 caught up meanwhile, unseen, and lost power
    // just before 30 s. Judged by the log end it last showed (3, at 1 s), it would be 29 s behind.
    expect(check(claim, noController(2_000))).toBeUndefined();
    expect(check(claim, at(30_000, 12, 'down'))).toBeUndefined();
    expect(check(claim, at(40_000, 14, 'down'))).toBeUndefined();
  });

  it('LaggingFollowerLeavesIsr does not move a follower\'s catch-up back when it restarts with a shorter log', () => {
    const claim = laggingFollowerLeavesIsr(10_000, 2_000);
    const at = (nowMs: number, leaderEnd: number, followerEnd: number): KafkaClusterView => ({
      ...cluster([
        broker(0, [replica(0, 'leader', LOG, { logEndOffset: leaderEnd, highWatermark: 0 })]),
        broker(1, [replica(1, 'follower', LOG, { logEndOffset: followerEnd })]),
        broker(2, [replica(2, 'follower', LOG, { logEndOffset: leaderEnd })]),
      ]),
      nowMs,
    });
    expect(check(claim, at(0, 3, 1))).toBeUndefined();
    expect(check(claim, at(15_000, 10, 9))).toBeUndefined();
    // It lost its tail (log end 2): it still held 9 at 15 s, which the leader passed only at 15 s.
    expect(check(claim, at(20_000, 10, 2))).toBeUndefined();
  });
});

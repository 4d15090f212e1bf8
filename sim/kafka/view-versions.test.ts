import { describe, expect, it } from 'vitest';
import type { BrokerRegistration, PartitionRegistration } from '../../impl/controller/controller-state.ts';
import { JudgedPartitions } from '../../properties/invariants/replication/judged-partitions.ts';
import type { BatchDigest } from './batch-digests.ts';
import type { BrokerView, KafkaClusterView, ReplicaView } from './kafka-view.ts';
import { ViewVersions, type ReplicaSource } from './view-versions.ts';

const PRODUCER_STATE = { version: 0, lastBatchOf: () => undefined, producerIds: () => [] };

const LOGS = new Map<string, { logStartOffset: number; logEndOffset: number; leaderEpochCache: { all: ReplicaView['epochCache'] } }>();

/** A partition as a broker holds it (what the view reads); one log object per name, as a broker keeps. */
function source(name: string, digest: readonly BatchDigest[], highWatermark = 0): ReplicaSource {
  const log = LOGS.get(name) ?? { logStartOffset: 0, logEndOffset: 0, leaderEpochCache: { all: EPOCHS } };
  log.logEndOffset = digest.length;
  LOGS.set(name, log);
  return { role: 'follower', leaderEpoch: 1, partitionEpoch: 1, highWatermark, isrState: ISR, maximalIsr: [0, 1], log, producerState: PRODUCER_STATE };
}
const EPOCHS: ReplicaView['epochCache'] = [];
const ISR = { kind: 'committed', isr: [0, 1] } as const;
const BATCH: BatchDigest = { baseOffset: 0, lastOffset: 0, epoch: 1, crc: 7, prefixHash: 1, intact: true };

function broker(brokerId: number, replicas: ReplicaView[], status: BrokerView['status'] = 'running'): BrokerView {
  return { brokerId, status, incarnation: 1, lastStop: 'none', lifecycle: 'running', loadedAsClean: false, brokerEpoch: 5, replicas, disk: undefined as never, damage: [] };
}

describe('ViewVersions: what moves a partition\'s version', () => {
  it('reuses an unchanged replica view and moves only its partition when one changes', () => {
    const versions = new ViewVersions();
    const digest: BatchDigest[] = [];
    const first = versions.replica(0, 't-0', source('t-0', digest), digest);
    versions.replica(0, 't-1', source('t-1', []), []);
    const before = { t0: versions.partitionVersions.get('t-0'), t1: versions.partitionVersions.get('t-1') };
    expect(versions.replica(0, 't-0', source('t-0', digest), digest)).toBe(first);
    digest.push(BATCH); // the digest grows in place
    const grown = versions.replica(0, 't-0', source('t-0', digest), digest);
    expect(grown).not.toBe(first);
    expect(versions.partitionVersions.get('t-0')).not.toBe(before.t0);
    expect(versions.partitionVersions.get('t-1')).toBe(before.t1);
    versions.replica(0, 't-1', source('t-1', [], 3), []);
    expect(versions.partitionVersions.get('t-1')).not.toBe(before.t1);
  });

  it('moves a partition whose registration the controller replaced', () => {
    const versions = new ViewVersions();
    const registration = { topicName: 't', partitionId: 0, leader: 0 } as unknown as PartitionRegistration;
    versions.controller([registration]);
    const before = versions.partitionVersions.get('t-0');
    versions.controller([registration]);
    expect(versions.partitionVersions.get('t-0')).toBe(before);
    versions.controller([{ ...registration, leader: 1 }]);
    expect(versions.partitionVersions.get('t-0')).not.toBe(before);
  });

  it('moves the cluster version on a broker\'s change, a new registration, and every view under --full-checks', () => {
    const versions = new ViewVersions();
    const registrations = [{ brokerId: 0, brokerEpoch: 5 } as BrokerRegistration];
    const controller = { brokers: registrations, topics: [], registrationShutdowns: [] };
    versions.cluster([broker(0, [])], controller, false);
    const settled = versions.clusterVersion;
    versions.cluster([broker(0, [])], { ...controller, brokers: [...registrations] }, false);
    expect(versions.clusterVersion).toBe(settled);
    versions.cluster([broker(0, [], 'crashed')], controller, false);
    expect(versions.clusterVersion).toBe(settled + 1);
    versions.cluster([broker(0, [], 'crashed')], { ...controller, brokers: [{ brokerId: 0, brokerEpoch: 6 } as BrokerRegistration] }, false);
    expect(versions.clusterVersion).toBe(settled + 2);
    versions.cluster([broker(0, [], 'crashed')], { ...controller, brokers: [{ brokerId: 0, brokerEpoch: 6 } as BrokerRegistration] }, true);
    expect(versions.clusterVersion).toBe(settled + 3);
  });
});

describe('JudgedPartitions: what a claim may skip', () => {
  const view = (clusterVersion: number, versions: Record<string, number>): KafkaClusterView =>
    ({ clusterVersion, partitionVersions: new Map(Object.entries(versions)) }) as unknown as KafkaClusterView;

  it('skips a partition judged to hold until its version or the cluster\'s moves', () => {
    const judged = new JudgedPartitions();
    judged.begin(view(1, { 't-0': 4 }));
    expect(judged.unchanged(view(1, { 't-0': 4 }), 't-0')).toBe(false);
    judged.judging('t-0');
    judged.held(view(1, { 't-0': 4 }));
    judged.begin(view(1, { 't-0': 4 }));
    expect(judged.unchanged(view(1, { 't-0': 4 }), 't-0')).toBe(true);
    expect(judged.unchanged(view(1, { 't-0': 5 }), 't-0')).toBe(false);
    judged.begin(view(2, { 't-0': 4 }));
    expect(judged.unchanged(view(2, { 't-0': 4 }), 't-0')).toBe(false);
  });

  it('remembers nothing of a check that did not hold, nor of a view built by hand', () => {
    const judged = new JudgedPartitions();
    judged.begin(view(1, { 't-0': 4 }));
    judged.judging('t-0'); // ... and the check returned a violation: no held()
    judged.begin(view(1, { 't-0': 4 }));
    expect(judged.unchanged(view(1, { 't-0': 4 }), 't-0')).toBe(false);
    const byHand = {} as KafkaClusterView;
    judged.begin(byHand);
    judged.judging('t-0');
    judged.held(byHand);
    expect(judged.unchanged(byHand, 't-0')).toBe(false);
  });
});

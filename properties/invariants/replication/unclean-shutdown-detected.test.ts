import { describe, expect, it } from 'vitest';
import type { BrokerRegistrationShutdown } from '../../../impl/controller/quorum-controller.ts';
import { ReplicaLogs } from '../../../sim/kafka/replica-logs.ts';
import type { BrokerView, KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
import { uncleanShutdownDetected } from './unclean-shutdown-detected.ts';

// UncleanShutdownDetected on hand-built views: the controller's decision at a registration against
// how the registering broker's previous process really ended.

function broker(brokerId: number, overrides: Partial<BrokerView> = {}): BrokerView {
  const disk = { version: 0, namesVersion: 0, wholeDiskVersion: 0, directoryVersion: () => 0, rewrittenVersion: () => 0, list: () => [], size: () => 0, peek: () => new Uint8Array(0) };
  return { brokerId, status: 'running', incarnation: 2, lastStop: 'clean-exit', lifecycle: 'running', loadedAsClean: false, brokerEpoch: 20 + brokerId, replicas: [], disk, damage: [], ...overrides };
}

function cluster(brokers: readonly BrokerView[], decisions: readonly BrokerRegistrationShutdown[]): KafkaClusterView {
  return {
    nowMs: 0,
    controller: {
      brokers: brokers.map((b) => ({ brokerId: b.brokerId, brokerEpoch: 20 + b.brokerId, incarnationId: `b${b.brokerId}`, fenced: false, inControlledShutdown: false })),
      partitions: [],
      topics: [],
      metadataOffset: 30,
      registrationShutdowns: decisions,
    },
    brokers,
    logs: new ReplicaLogs(),
    clients: { producersDone: true, adminDone: true, consumers: [] },
  };
}

/** Broker 1 registered at epoch 21, having named epoch 7 (the controller's) as its last. */
const CLEAN: BrokerRegistrationShutdown = { brokerId: 1, brokerEpoch: 21, previousBrokerEpoch: 7, cleanShutdown: true };

function check(view: KafkaClusterView): string | undefined {
  const checker = uncleanShutdownDetected().checker;
  if (checker.type !== 'state') throw new Error('UncleanShutdownDetected is not a state claim');
  const found = checker.check(view);
  return typeof found === 'object' ? found.message : found;
}

describe('UncleanShutdownDetected', () => {
  it('holds when a registration taken as clean follows a completed controlled shutdown', () => {
    expect(check(cluster([broker(0), broker(1)], [CLEAN]))).toBeUndefined();
  });

  it.each(['crash', 'power-loss', 'failed-exit', 'disk-loss'] as const)('catches a registration taken as clean after a %s', (lastStop) => {
    expect(check(cluster([broker(0), broker(1, { lastStop })], [CLEAN]))).toMatch(new RegExp(`broker 1 .*clean shutdown.*ended by ${lastStop}`));
  });

  it('catches a broker that loaded its logs as cleanly shut down after an unclean stop', () => {
    expect(check(cluster([broker(1, { lastStop: 'clean-exit', loadedAsClean: true })], []))).toBeUndefined();
    expect(check(cluster([broker(1, { lastStop: 'crash', loadedAsClean: true })], []))).toMatch(/broker 1 \(incarnation 2\) loaded its logs as after a clean shutdown, but its previous process ended by crash/);
    expect(check(cluster([broker(1, { lastStop: 'crash', loadedAsClean: false })], []))).toBeUndefined();
    // Judged only while the process runs.
    expect(check(cluster([broker(1, { lastStop: 'crash', loadedAsClean: undefined, status: 'crashed', lifecycle: undefined })], []))).toBeUndefined();
  });

  it('holds when the controller took the registration as unclean, however the process ended', () => {
    expect(check(cluster([broker(1, { lastStop: 'crash' })], [{ ...CLEAN, previousBrokerEpoch: -1, cleanShutdown: false }]))).toBeUndefined();
  });

  it('judges only the incarnation that registered: not a later one, nor a broker that is down', () => {
    // A later incarnation, not yet registered (it has no epoch): the decision was about the one before.
    expect(check(cluster([broker(1, { lastStop: 'crash', brokerEpoch: -1, incarnation: 3 })], [CLEAN]))).toBeUndefined();
    expect(check(cluster([broker(1, { lastStop: 'crash', status: 'crashed', lifecycle: undefined })], [CLEAN]))).toBeUndefined();
  });

  it('does not apply without eligible leader replicas', () => {
    const definition = uncleanShutdownDetected();
    const base = { seed: 1, config: {}, faults: {}, corruption: { uncheckedFlips: 0 } };
    expect(definition.applicability?.({ ...base, variants: [] }).applies).toBe(true);
    expect(definition.applicability?.({ ...base, variants: ['pre-kip-966'] })).toMatchObject({ applies: false });
    expect(definition.applicability?.({ ...base, config: { 'eligible.leader.replicas.version': '0' }, variants: [] }).applies).toBe(false);
  });
});

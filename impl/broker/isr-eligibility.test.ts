import { describe, expect, it } from 'vitest';
import { MetadataState } from '../controller/controller-state.ts';
import { isReplicaIsrEligible } from './isr-eligibility.ts';
import { KAFKA_RULES } from '../variants/protocol-rules.ts';
import { rulesForVariants } from '../variants/variant-registry.ts';

// The leader's side of KIP-841 and KIP-903: whom its metadata lets it propose for the ISR.

function image(): MetadataState {
  const state = new MetadataState();
  // Broker 1 registered at offset 0 (broker epoch 0), was unfenced, then a new incarnation
  // registered at offset 2 (broker epoch 2) and was unfenced; broker 2 is shutting down.
  state.replay(0, { type: 'RegisterBrokerRecord', brokerId: 1, brokerEpoch: 0, incarnationId: 'a', fenced: true });
  state.replay(1, { type: 'UnfenceBrokerRecord', brokerId: 1, brokerEpoch: 0 });
  state.replay(2, { type: 'RegisterBrokerRecord', brokerId: 1, brokerEpoch: 2, incarnationId: 'b', fenced: true });
  state.replay(3, { type: 'UnfenceBrokerRecord', brokerId: 1, brokerEpoch: 2 });
  state.replay(4, { type: 'RegisterBrokerRecord', brokerId: 2, brokerEpoch: 4, incarnationId: 'c', fenced: true });
  state.replay(5, { type: 'UnfenceBrokerRecord', brokerId: 2, brokerEpoch: 4 });
  state.replay(6, { type: 'BrokerRegistrationChangeRecord', brokerId: 2, brokerEpoch: 4, inControlledShutdown: true });
  state.replay(7, { type: 'RegisterBrokerRecord', brokerId: 3, brokerEpoch: 7, incarnationId: 'd', fenced: true });
  return state;
}

describe('isReplicaIsrEligible', () => {
  const fixed = KAFKA_RULES;
  const pre903 = rulesForVariants(['pre-kip-903']);

  it('admits the current incarnation, and a fetch that carries no broker epoch', () => {
    expect(isReplicaIsrEligible(image(), 1, 2, fixed)).toBe(true);
    expect(isReplicaIsrEligible(image(), 1, -1, fixed)).toBe(true);
  });

  it('refuses a fetch from an earlier incarnation (KIP-903), unless the variant drops the check', () => {
    expect(isReplicaIsrEligible(image(), 1, 0, fixed)).toBe(false);
    expect(isReplicaIsrEligible(image(), 1, 0, pre903)).toBe(true);
  });

  it('refuses fenced, shutting-down and unknown brokers in both (KIP-841)', () => {
    for (const rules of [fixed, pre903]) {
      expect(isReplicaIsrEligible(image(), 3, 7, rules)).toBe(false);
      expect(isReplicaIsrEligible(image(), 2, 4, rules)).toBe(false);
      expect(isReplicaIsrEligible(image(), 9, -1, rules)).toBe(false);
    }
  });
});

import type { MetadataState } from '../controller/controller-state.ts';
import type { ProtocolRules } from '../variants/protocol-rules.ts';

/**
 * Kafka's `Partition.isReplicaIsrEligible`, answered from a broker's metadata image: a replica may
 * join the ISR only if it is registered, unfenced and not in controlled shutdown (KIP-841), and if
 * the broker epoch it fetched with is its current registration's, or -1, which skips the check
 * (KIP-903). Without `checkBrokerEpochOnIsrAdd` (the `pre-kip-903` variant) only the KIP-841 part
 * is checked, as Kafka 3.3 and 3.4 did.
 */
export function isReplicaIsrEligible(image: MetadataState, brokerId: number, fetchBrokerEpoch: number, rules: Pick<ProtocolRules, 'checkBrokerEpochOnIsrAdd'>): boolean {
  const registration = image.broker(brokerId);
  if (registration === undefined || !image.isEligible(brokerId)) return false;
  if (!rules.checkBrokerEpochOnIsrAdd) return true;
  return fetchBrokerEpoch === -1 || fetchBrokerEpoch === registration.brokerEpoch;
}

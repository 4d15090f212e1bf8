import type { MetadataState } from '../controller/controller-state.ts';

/**
 * Kafka's `Partition.isReplicaIsrEligible`, answered from a broker's metadata image: a replica may
 * join the ISR only if it is registered, unfenced and not in controlled shutdown (KIP-841), and if
 * the broker epoch it fetched with is its current registration's, or -1, which skips the check
 * (KIP-903). The `pre-kip-903` variant keeps the KIP-841 part only, as Kafka 3.3 and 3.4 did.
 */
export function isReplicaIsrEligible(image: MetadataState, brokerId: number, fetchBrokerEpoch: number, variants: ReadonlySet<string>): boolean {
  const registration = image.broker(brokerId);
  if (registration === undefined || !image.isEligible(brokerId)) return false;
  if (variants.has('pre-kip-903')) return true;
  return fetchBrokerEpoch === -1 || fetchBrokerEpoch === registration.brokerEpoch;
}

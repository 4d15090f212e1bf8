import { assert } from '../common/assert.ts';

/**
 * The protocol rules a run follows, derived once per run from its variants and handed to
 * every node. Code that behaves differently under a historical variant reads
 * a named rule here, never a variant's name, so that a misspelt switch does not compile and each
 * variant's effect is one line of the registry (`variant-registry.ts`, `spec/variants.md`).
 *
 * Every rule's default ({@link KAFKA_RULES}) is what Kafka does today.
 */
export interface ProtocolRules {
  // ---- Rules a historical variant changes ----------------------------------------------------------

  /**
   * How a follower that starts following a new leader finds the point to truncate to: by asking the
   * leader `OffsetsForLeaderEpoch` (KIP-101), or by truncating to its own high watermark (before).
   */
  readonly truncateOnNewLeader: 'leader-epoch' | 'high-watermark';
  /**
   * `OffsetsForLeaderEpoch` answers the epoch its end offset belongs to (KIP-279); before, an offset
   * alone, so a follower could not iterate to the true divergence point.
   */
  readonly offsetsForLeaderEpochAnswersEpoch: boolean;
  /**
   * Fetches (and OffsetsForLeaderEpoch) carry the sender's current leader epoch and the leader
   * fences other epochs (KIP-320); before, neither side had the field.
   */
  readonly fetchCarriesLeaderEpoch: boolean;
  /**
   * The high watermark and acks=all count the maximal ISR: a replica being removed counts until
   * the controller commits the removal (KIP-497); before, the proposed ISR counted at once.
   */
  readonly highWatermarkOverMaximalIsr: boolean;
  /**
   * A replica joins the ISR only with the broker epoch it fetched with matching its current
   * registration, checked by the leader and the controller (KIP-903).
   */
  readonly checkBrokerEpochOnIsrAdd: boolean;
  /** The high watermark stays put while the ISR is below `min.insync.replicas` (KIP-966). */
  readonly highWatermarkNeedsMinIsr: boolean;
  // The pre-kip-966 variant will also switch off eligible leader replicas (KIP-966's ELR) in the
  // controller; that rule belongs here, next to highWatermarkNeedsMinIsr, when ELR lands.
  /**
   * A follower joins the ISR only once it has also reached the start of the leader's current
   * epoch, not just the high watermark (KAFKA-7128).
   */
  readonly expansionNeedsEpochStart: boolean;
}

/** Kafka's rules today: what a run follows without variants. */
export const KAFKA_RULES: ProtocolRules = Object.freeze({
  truncateOnNewLeader: 'leader-epoch',
  offsetsForLeaderEpochAnswersEpoch: true,
  fetchCarriesLeaderEpoch: true,
  highWatermarkOverMaximalIsr: true,
  checkBrokerEpochOnIsrAdd: true,
  highWatermarkNeedsMinIsr: true,
  expansionNeedsEpochStart: true,
});

/** What one variant changes: a few rules, each away from Kafka's. */
export type RuleChanges = Partial<ProtocolRules>;

/**
 * The run's rules: Kafka's, with each source's changes applied. Two sources that set one rule to
 * different values are a contradiction the run cannot honour, and fail here.
 */
export function protocolRules(sources: readonly { readonly name: string; readonly rules: RuleChanges }[]): ProtocolRules {
  const rules: Record<string, unknown> = { ...KAFKA_RULES };
  const setBy = new Map<string, { name: string; value: unknown }>();
  for (const source of sources) {
    for (const key of Object.keys(source.rules).sort()) {
      assert(Object.hasOwn(KAFKA_RULES, key), `${source.name} changes an unknown rule ${key}`);
      const value = (source.rules as Record<string, unknown>)[key];
      const earlier = setBy.get(key);
      assert(earlier === undefined || earlier.value === value, `${earlier?.name} and ${source.name} set rule ${key} to different values`);
      setBy.set(key, { name: source.name, value });
      rules[key] = value;
    }
  }
  return Object.freeze(rules as unknown as ProtocolRules);
}

/** The rules `changes` sets to something other than Kafka's. */
export function rulesChangedFromKafka(changes: RuleChanges): (keyof ProtocolRules)[] {
  return (Object.keys(changes) as (keyof ProtocolRules)[]).filter((key) => changes[key] !== undefined && changes[key] !== KAFKA_RULES[key]).sort();
}

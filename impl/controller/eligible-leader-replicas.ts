import type { ProtocolRules } from '../variants/protocol-rules.ts';
import type { ConfigView } from '../config/config-view.ts';
import type { PartitionRegistration } from './controller-state.ts';

/**
 * KIP-966 part 1, Eligible Leader Replicas (ELR). Since KIP-966's high-watermark rule the high
 * watermark does not advance while the ISR is below min.insync.replicas, so a replica removed from
 * the ISR in that state still holds every record up to the high watermark: it may lead. The
 * controller keeps such replicas in the partition's ELR and elects from it when the ISR is empty,
 * before any unclean election. A replica whose broker restarted after an unclean shutdown may have
 * lost records it acknowledged, so it leaves the ELR (and the ISR) and is remembered in
 * LastKnownElr instead.
 */

/**
 * Whether the controller tracks ELR. Kafka gates it with the `eligible.leader.replicas.version`
 * feature (level 1 on; finalized with `kafka-features.sh` or `kafka-storage.sh format --feature`,
 * default on for clusters formatted by Kafka 4.1+; `FeatureControlManager.isElrFeatureEnabled`);
 * refka reads a config key of that name. The `pre-kip-966` variant turns it off together with the
 * high-watermark rule, restoring the protocol from before KIP-966.
 */
export function elrEnabled(config: ConfigView, rules: Pick<ProtocolRules, 'eligibleLeaderReplicas'>): boolean {
  return rules.eligibleLeaderReplicas && config.number('eligible.leader.replicas.version') >= 1;
}

/**
 * The min ISR that ELR decisions use (Kafka's `ReplicationControlManager.getTopicEffectiveMinIsr`):
 * the topic's own `min.insync.replicas` if it has one, else the broker-wide value, never more than
 * the replication factor (as the leader's `Partition.effectiveMinIsr` caps it too).
 */
export function effectiveMinIsr(topicConfigs: Readonly<Record<string, string>>, config: ConfigView, replicationFactor: number): number {
  const override = topicConfigs['min.insync.replicas'];
  const configured = override === undefined ? config.number('min.insync.replicas') : Number(override);
  return Math.min(configured, replicationFactor);
}

/**
 * Kafka's `PartitionChangeBuilder.maybePopulateTargetElr`: the ELR that goes with a new ISR. At or
 * above min ISR it is empty. Below it, it is every replica of the current ISR or ELR that is not in
 * the new ISR (so members rejoining the ISR leave the ELR), less the replicas that just registered
 * after an unclean shutdown.
 */
export function targetEligibleLeaderReplicas(
  partition: Pick<PartitionRegistration, 'isr' | 'elr'>,
  targetIsr: readonly number[],
  minIsr: number,
  uncleanShutdownReplicas: readonly number[],
): readonly number[] {
  if (targetIsr.length >= minIsr) return [];
  // Sorted: the ELR is a set, and a fixed order keeps records and traces deterministic.
  const candidates = [...new Set([...partition.elr, ...partition.isr])].sort((a, b) => a - b);
  return candidates.filter((replica) => !targetIsr.includes(replica) && !uncleanShutdownReplicas.includes(replica));
}

/**
 * Kafka 4.x's `LastKnownElr` (`PartitionChangeBuilder.maybeUpdateLastKnownLeader`, with
 * `useLastKnownLeaderInBalancedRecovery` on, as the controller always leaves it): the partition's
 * last leader, written the first time the ISR empties, and cleared as soon as the partition has a
 * leader again. When ISR and ELR are both empty (every member shut down uncleanly) and that broker
 * is back and unfenced, it is elected, as an unclean election: KIP-966's "last known leader"
 * recovery, which Kafka does even with unclean.leader.election.enable=false, so that a partition
 * whose every replica lost power does not stay offline for good.
 *
 * (KIP-966 first defined LastKnownElr as the ELR members that an unclean shutdown removed; Kafka
 * still computes that in `maybePopulateTargetElr`, but writes it only when
 * `useLastKnownLeaderInBalancedRecovery` is off, which only its tests do.)
 */
export function targetLastKnownElr(
  partition: Pick<PartitionRegistration, 'leader' | 'lastKnownElr'>,
  newIsr: readonly number[],
  newLeader: number,
  noLeader: number,
): readonly number[] {
  const current = partition.lastKnownElr;
  if (newIsr.length === 0 && partition.leader !== noLeader && !(current.length === 1 && current[0] === partition.leader)) return [partition.leader];
  if (newLeader !== noLeader) return [];
  return current;
}

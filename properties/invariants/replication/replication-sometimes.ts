import { markInvariant, type InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
import { recoveryTruncatedTornTail, segmentRolled } from '../log/log-sometimes.ts';

/**
 * Behaviours of replication a sweep of seeds must reach at least once, or the faults are not
 * exercising what the invariants guard. Brokers and the controller report them as marks.
 */
const mark = (name: string, source: string, statement: string): InvariantDefinition<KafkaClusterView> => markInvariant<KafkaClusterView>(name, source, statement);

export function replicationSometimes(): InvariantDefinition<KafkaClusterView>[] {
  return [
    mark('leader-failover-with-writes-in-flight', 'Kafka DelayedProduce; KIP-101', 'A leader lost its leadership while acks=all writes waited for the high watermark.'),
    mark('isr-shrink', 'Kafka Partition.maybeShrinkIsr; AlterPartition (KIP-497)', 'A leader removed a lagging follower from the ISR and the controller committed it.'),
    mark('isr-expand', 'Kafka Partition.maybeExpandIsr; KAFKA-7128', 'A caught-up follower rejoined the ISR and the controller committed it.'),
    mark('follower-truncation-removed-records', 'KIP-101, KIP-279: OffsetsForLeaderEpoch truncation', 'A follower truncated records that diverged from the new leader\'s log.'),
    mark('stale-follower-fenced', 'KIP-320 (current leader epoch in Fetch)', 'A leader refused a fetch from a follower still on an older leader epoch (FENCED_LEADER_EPOCH).'),
    mark('preferred-leader-elected', 'Kafka auto.leader.rebalance.enable (ReplicationControlManager.maybeBalancePartitionLeaders)', 'The controller moved a partition\'s leadership back to its preferred replica.'),
    mark('stale-replica-epoch-refused', 'KIP-903 (broker epochs in AlterPartition)', 'The controller refused to add a replica to the ISR because the broker epoch the leader saw it fetch with is not its current one (it restarted since).'),
    mark('elr-leader-elected', 'KIP-966 (Eligible Leader Replicas)', 'The controller elected a partition\'s leader from its ELR: a replica that left the ISR while it was below min.insync.replicas, and so holds every committed record.'),
    mark('elr-leader-elected-across-failover', 'KIP-966; KIP-595 (the ELR lives in the replicated metadata log)', 'An active controller elected a leader from an ELR committed before it became active: the ELR survived a controller failover.'),
    mark('not-enough-replicas', 'Kafka NOT_ENOUGH_REPLICAS (min.insync.replicas)', 'A leader refused an acks=all write because the ISR was below min.insync.replicas.'),
    mark('unclean-leader-election', 'Kafka unclean.leader.election.enable', 'The controller elected a leader from outside the ISR (only when enabled).'),
    mark('consumer-position-validated', 'KIP-320 (consumer: OffsetsForLeaderEpoch after a leader change)', 'A consumer asked a partition\'s new leader where the epoch of its position ends (OffsetsForLeaderEpoch) and the answer confirmed the position.'),
    mark('consumer-truncation-detected', 'KIP-320 (consumer: SubscriptionState.maybeCompleteValidation)', 'A consumer found its position past the end of its epoch in the new leader\'s log (the log it had read was truncated there) and moved back to that divergence point.'),
    mark('idempotent-duplicate-suppressed', 'KIP-98 idempotent producer', 'A leader answered a retried batch from its producer state instead of appending it again.'),
    segmentRolled as InvariantDefinition<KafkaClusterView>,
    recoveryTruncatedTornTail as InvariantDefinition<KafkaClusterView>,
  ];
}

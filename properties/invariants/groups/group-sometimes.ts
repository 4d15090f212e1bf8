import { markInvariant, type InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';

/**
 * Behaviours of the consumer groups a sweep with `--groups` must reach at least once, or the
 * workload and the faults are not exercising what the group claims guard. The brokers' group
 * coordinator reports them as marks, and so does a group leader for what only it sees (the
 * members' subscriptions in consecutive rebalances). Without groups they do not apply
 * (`kafka-system.ts`).
 */
export function groupSometimes(): InvariantDefinition<KafkaClusterView>[] {
  return [
    markInvariant<KafkaClusterView>('group-rebalance-completed', 'Kafka GroupMetadataManager (classic SyncGroup, the leader\'s assignment persisted)', 'A group completed a rebalance: the leader\'s assignment was written to __consumer_offsets and committed, and the group became Stable.'),
    markInvariant<KafkaClusterView>('group-coordinator-moved', 'Kafka CoordinatorRuntime.scheduleLoadOperation (coordinator failover is the partition\'s leader failover)', 'A coordinator that took over a __consumer_offsets partition rebuilt a group with members from its log.'),
    markInvariant<KafkaClusterView>('cooperative-two-step-move', 'KIP-429 (CooperativeStickyAssignor: a partition changes owner in two rebalances)', 'A cooperative group moved a partition in two rebalances: the leader withheld it from its owner in one generation, the owner revoked it and rejoined, and in the next generation, with nobody claiming it, the leader gave it to another member and its SyncGroup succeeded.'),
    markInvariant<KafkaClusterView>('zombie-commit-rejected', 'Kafka ClassicGroup.validateOffsetCommit (generation fencing)', 'The coordinator refused an OffsetCommit for its generation or member (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID).'),
  ];
}

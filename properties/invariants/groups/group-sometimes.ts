import { markInvariant, type InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';

/**
 * Behaviours of the consumer groups a sweep with `--groups` must reach at least once, or the
 * workload and the faults are not exercising what the group claims guard. The brokers' group
 * coordinator reports them as marks, the members report `idle-member` (a client's own view of its
 * empty assignment; the coordinator holds assignments as bytes it does not read), and a group
 * leader reports what only it sees (the members' subscriptions in consecutive rebalances). Without
 * groups they do not apply (`kafka-system.ts`).
 */
export function groupSometimes(): InvariantDefinition<KafkaClusterView>[] {
  return [
    markInvariant<KafkaClusterView>('group-rebalance-completed', 'Kafka GroupMetadataManager (classic SyncGroup, the leader\'s assignment persisted)', 'A group completed a rebalance: the leader\'s assignment was written to __consumer_offsets and committed, and the group became Stable.'),
    markInvariant<KafkaClusterView>('group-coordinator-moved', 'Kafka CoordinatorRuntime.scheduleLoadOperation (coordinator failover is the partition\'s leader failover)', 'A coordinator that took over a __consumer_offsets partition rebuilt a group with members from its log.'),
    markInvariant<KafkaClusterView>('group-member-session-expired', 'Kafka GroupMetadataManager.expireClassicGroupMemberHeartbeat', 'The coordinator removed a member whose session timed out without a heartbeat (a crashed, paused or cut-off consumer).'),
    markInvariant<KafkaClusterView>('group-member-left-on-poll-timeout', 'Kafka AbstractCoordinator heartbeat thread (KIP-62: max.poll.interval.ms)', 'A member whose application did not poll within max.poll.interval.ms left its group with LeaveGroup (reason "consumer poll timeout has expired.") and the coordinator removed it.'),
    markInvariant<KafkaClusterView>('static-member-replaced', 'KIP-345; Kafka GroupMetadataManager.updateStaticMemberThenRebalanceOrCompleteJoin (replaceStaticMember, KAFKA-8500)', 'A JoinGroup with an unknown member id and a known group.instance.id gave the instance a new member id at the coordinator, fencing the old one (a restarted or replaced static member).'),
    markInvariant<KafkaClusterView>('idle-member', 'Kafka quick start ("extra consumers sit idle"); the assignors give each partition to one member', 'A group member became stable in a generation whose assignment gave it no partition (more members than partitions).'),
    markInvariant<KafkaClusterView>('cooperative-two-step-move', 'KIP-429 (CooperativeStickyAssignor: a partition changes owner in two rebalances)', 'A cooperative group moved a partition in two rebalances: the leader withheld it from its owner in one generation, the owner revoked it and rejoined, and in the next generation, with nobody claiming it, the leader gave it to another member and its SyncGroup succeeded.'),
    markInvariant<KafkaClusterView>('join-complete-failed', 'Kafka AbstractCoordinator.joinGroupIfNeeded (onJoinComplete throws; the join is retried at the next poll), ConsumerProtocol.deserializeAssignment', 'A member could not apply the assignment its SyncGroup answer carried (no assignment bytes: the leader or a reverted static member replacement left it none), so its poll threw IllegalStateException; it kept heartbeating and applied the assignment again at each poll until the group moved on.'),
    markInvariant<KafkaClusterView>('coordinator-write-timed-out', 'Kafka CoordinatorRuntime.OperationTimeout (offsets.commit.timeout.ms, GroupCoordinatorService)', 'A group coordinator write event waited offsets.commit.timeout.ms for the high watermark of its __consumer_offsets partition and failed with REQUEST_TIMED_OUT (a request still waiting on it is answered COORDINATOR_NOT_AVAILABLE); its records stay written, to commit or not.'),
    markInvariant<KafkaClusterView>('zombie-commit-rejected', 'Kafka ClassicGroup.validateOffsetCommit (generation fencing)', 'The coordinator refused an OffsetCommit for its generation or member (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID).'),
  ];
}

import { assert } from '../../impl/common/assert.ts';
import type { RuleChanges } from '../../impl/variants/protocol-rules.ts';

/**
 * A mutant: a bug planted on purpose, to show that the checkers catch it. Like a historical variant
 * it is a thin switch that changes protocol rules (`impl/variants/protocol-rules.ts`), but no Kafka
 * ever shipped it: each is a plausible one-line slip a Kafka implementer could make. Mutants are
 * test-only: `npm run mutants` (`sim/mutants/main.ts`) and the tests reach them through
 * `SeedRun.mutants`; the command line (`npm run sim`) does not offer them.
 */
export interface Mutant<Name extends string = string> {
  /** Kebab-case. */
  readonly name: Name;
  /** Which part of Kafka the slip is in. */
  readonly area: 'controller' | 'leader' | 'follower' | 'log' | 'producer-state' | 'clients' | 'groups';
  /** The Kafka class and method the slip lives in (refka's file in parentheses). */
  readonly where: string;
  /** One sentence: what the planted code does wrong. */
  readonly summary: string;
  /** The rules it changes away from Kafka's. */
  readonly rules: RuleChanges;
  /** Its slip is in the consumer groups: it needs the group workload (never run with `--no-groups`). */
  readonly groups?: boolean;
  /** Its slip is in the controller quorum's Raft: it needs more than one controller. */
  readonly quorum?: boolean;
}

export const MUTANTS = [
  {
    name: 'range-assignor-overlapping-ranges',
    area: 'groups',
    where: 'RangeAssignor.assign (the group leader\'s ConsumerCoordinator.onLeaderElected)',
    summary: 'The range assignor ends each consumer\'s run of partitions one past its share, so neighbouring consumers of a group both get the partition between them.',
    rules: { rangeAssignorRangesDisjoint: false },
    groups: true,
  },
  // ---- group coordinator mutants (issue 13) ----
  {
    name: 'sync-gives-leader-assignment',
    area: 'groups',
    where: 'GroupMetadataManager.classicGroupSync / propagateAssignment (ClassicGroupRebalance.propagateAssignment)',
    summary: 'SyncGroup answers every member of the generation with the leader\'s part of the assignment instead of its own, so each member consumes the leader\'s partitions.',
    rules: { syncGroupAnswersOwnAssignment: false },
    groups: true,
  },
  {
    name: 'heartbeat-hides-rebalance',
    area: 'groups',
    where: 'GroupMetadataManager.classicGroupHeartbeat (GroupMetadataManager.classicGroupHeartbeat)',
    summary: 'A Heartbeat to a group in PreparingRebalance is answered NONE instead of REBALANCE_IN_PROGRESS, so Stable members never learn that they must rejoin and the join phase ends, at its rebalance timeout, without them.',
    rules: { heartbeatAnswersRebalanceInProgress: false },
    groups: true,
  },
  {
    name: 'sync-gives-previous-assignment',
    area: 'groups',
    where: 'GroupMetadataManager.classicGroupSync, the assignment append\'s callback (ClassicGroupRebalance.onAssignmentAppended)',
    summary: 'Once the leader\'s assignment is written, the parked SyncGroups are answered before the members\' assignments are set, so each member gets what it held in the previous generation (nothing after the first join) and the new assignment reaches no one.',
    rules: { syncGroupAnswersNewAssignment: false },
    groups: true,
  },
  // ---- end of group coordinator mutants ----
  // ---- controller quorum mutants (issue 15) ----
  {
    name: 'raft-log-not-fsynced',
    area: 'controller',
    where: 'KafkaMetadataLog.flush (impl/raft/kafka-metadata-log.ts appendAsLeader / appendAsFollower)',
    summary: 'A controller counts a metadata record toward the high watermark (and acknowledges it to the leader) before the record is fsynced, so a power loss takes committed records from it.',
    rules: { raftLogFsynced: false },
    quorum: true,
  },
  {
    name: 'raft-epoch-bump-not-persisted',
    area: 'controller',
    where: 'QuorumState.transitionToUnattached (impl/raft/quorum-state.ts transitionTo)',
    summary: 'A controller that moves to a newer epoch as Unattached makes a memory transition, not a durable one: its quorum-state file keeps the old epoch.',
    rules: { raftEpochBumpDurable: false },
    quorum: true,
  },
  {
    name: 'raft-high-watermark-past-majority',
    area: 'controller',
    where: 'LeaderState.maybeUpdateHighWatermark (impl/raft/leader-state.ts maybeUpdateHighWatermark)',
    summary: 'The Raft leader takes index n/2 - 1 of the voters\' end offsets, descending, as the high watermark: one voter short of a majority (with three voters, its own log end).',
    rules: { raftHighWatermarkOverMajority: false },
    quorum: true,
  },
  {
    name: 'raft-commits-before-epoch-start',
    area: 'controller',
    where: 'LeaderState.maybeUpdateHighWatermark (impl/raft/leader-state.ts maybeUpdateHighWatermark)',
    summary: 'A new Raft leader adopts the majority\'s offset as its high watermark even at or below its epoch start offset (Raft §5.4.2\'s rule left out), below what the last leader had committed when a voter lags.',
    rules: { raftHighWatermarkPastEpochStart: false },
    quorum: true,
  },
  {
    name: 'amnesiac-voter',
    area: 'controller',
    where: 'VoterSet.isVoter / KafkaRaftClient.isValidVoterKey (QuorumController\'s raftConfig: kraftVersion)',
    summary: 'The controller quorum keys its voters by replica id alone (kraft.version 0\'s static voters), not by id and directory id (KIP-853), so a controller whose disk was replaced is a voter again at once and grants its vote, from an empty log, to a candidate that lacks committed metadata.',
    rules: { raftVoterKeysIncludeDirectoryId: false },
    quorum: true,
  },
  {
    name: 'reregistration-keeps-isr',
    area: 'controller',
    where: 'ClusterControlManager.registerBroker / ReplicationControlManager.handleBrokerUncleanShutdown (QuorumController.registerBroker)',
    summary: 'A broker that restarts and registers a new incarnation before its session expired keeps the ISR memberships of its old self, whatever its disk lost.',
    rules: { reregistrationLeavesIsr: false },
  },
  {
    name: 'session-expiry-keeps-leadership',
    area: 'controller',
    where: 'QuorumController.maybeFenceOneStaleBroker / ReplicationControlManager.handleBrokerFenced (QuorumController.checkSessions)',
    summary: 'The controller fences a broker whose session expired but leaves it in its ISRs and in the lead of its partitions.',
    rules: { sessionExpiryMovesLeadership: false },
  },
  {
    name: 'failover-keeps-leader-epoch',
    area: 'controller',
    where: 'PartitionChangeBuilder.build (buildPartitionChange)',
    summary: 'When leadership moves away from a fenced or shutting-down broker, the new leader takes over in the old leader\'s epoch: the epoch is bumped only for elections the controller starts itself.',
    rules: { failoverBumpsLeaderEpoch: false },
  },
  {
    name: 'acks-all-on-local-append',
    area: 'leader',
    where: 'ReplicaManager.appendRecords / delayedProduceRequestRequired (ReplicaManager.appendRecords)',
    summary: 'An acks=all produce is answered once the leader has appended it locally, without waiting for the ISR to replicate it.',
    rules: { acksAllWaitsForHighWatermark: false },
  },
  {
    name: 'new-leader-truncates-to-high-watermark',
    area: 'leader',
    where: 'Partition.makeLeader (Partition.makeLeader)',
    summary: 'A new leader truncates its log to its own high watermark, throwing away records above it, including committed ones it had not yet learned were committed.',
    rules: { newLeaderKeepsLogAboveHighWatermark: false },
  },
  {
    name: 'new-leader-skips-epoch-start',
    area: 'leader',
    where: 'Partition.makeLeader / UnifiedLog.maybeAssignEpochStartOffset (Partition.makeLeader)',
    summary: 'A new leader does not record its epoch\'s start offset in the leader epoch cache until it appends, so OffsetsForLeaderEpoch for the previous epoch answers the leader\'s log end and a follower keeps its divergent tail.',
    rules: { newLeaderAssignsEpochStart: false },
  },
  {
    name: 'high-watermark-max-over-isr',
    area: 'leader',
    where: 'Partition.maybeIncrementLeaderHW (Partition.maybeIncrementLeaderHW)',
    summary: 'The leader\'s high watermark takes the largest log end over the ISR instead of the smallest, committing records only the leader holds.',
    rules: { highWatermarkIsMinimumOverIsr: false },
  },
  {
    name: 'high-watermark-moves-back',
    area: 'leader',
    where: 'Partition.maybeIncrementLeaderHW (Partition.maybeIncrementLeaderHW)',
    summary: 'The leader sets its high watermark to the smallest log end over the ISR even when that is below the one it has exposed (a `!==` where `>` belongs), so a follower that rejoins behind it pulls it back.',
    rules: { highWatermarkNeverMovesBack: false },
  },
  {
    name: 'isr-lag-from-last-fetch',
    area: 'leader',
    where: 'Partition.getOutOfSyncReplicas / Replica.isCaughtUp (Partition.maybeShrinkIsr)',
    summary: 'ISR shrink measures replica.lag.time.max.ms from a follower\'s last fetch rather than its last caught-up time, so a follower that keeps fetching but stays behind is never removed.',
    rules: { isrLagFromLastCaughtUp: false },
  },
  {
    name: 'follower-fetch-leaves-high-watermark',
    area: 'leader',
    where: 'Partition.updateFollowerFetchState / maybeIncrementLeaderHW (Partition.updateFollowerFetchState)',
    summary: 'A follower\'s fetch updates its replica state but does not try to advance the leader\'s high watermark, which then moves only when the leader appends or its ISR changes, so the last records written stay uncommitted.',
    rules: { followerFetchAdvancesHighWatermark: false },
  },
  {
    name: 'consumer-reads-past-high-watermark',
    area: 'leader',
    where: 'ReplicaManager.readFromLocalLog, FetchIsolation (Partition.fetchRecords)',
    summary: 'A consumer fetch is served up to the leader\'s log end instead of the high watermark, so consumers see records that may never be committed.',
    rules: { consumerReadsUpToHighWatermark: false },
  },
  {
    name: 'follower-truncates-to-own-epoch-end',
    area: 'follower',
    where: 'AbstractFetcherThread.getOffsetTruncationState (ReplicaFetcher.onOffsetsForLeaderEpochResponse)',
    summary: 'When both logs know the leader\'s answered epoch, a follower truncates to where its own copy of that epoch ends instead of the smaller of its and the leader\'s ends, keeping a divergent tail.',
    rules: { followerTruncatesToLeaderEpochEnd: false },
  },
  {
    name: 'clean-shutdown-marker-kept',
    area: 'log',
    where: 'LogManager.loadLogs / LogLoader (LogManager.loadLogs)',
    summary: 'The broker does not delete the clean-shutdown marker when it starts, so after a later crash its logs are loaded as clean and a torn tail is not recovered.',
    rules: { cleanShutdownMarkerDeletedOnStart: false },
  },
  {
    name: 'checkpointed-high-watermark-unbounded',
    area: 'log',
    where: 'Partition.createLogIfNotExists / UnifiedLog high watermark initialisation (Partition constructor)',
    summary: 'The high watermark read from replication-offset-checkpoint is not bounded by the recovered log end, so after a torn tail a replica claims records it no longer has.',
    rules: { checkpointedHighWatermarkBounded: false },
  },
  {
    name: 'follower-skips-producer-state',
    area: 'producer-state',
    where: 'UnifiedLog.appendAsFollower / ProducerStateManager.update (Partition.appendAsFollower)',
    summary: 'A follower does not record the producer ids and sequences of the batches it replicates, so after a failover the new leader accepts a retry of a batch it already has.',
    rules: { followerUpdatesProducerState: false },
  },
  {
    name: 'producer-retry-new-sequence',
    area: 'clients',
    where: 'Sender / RecordAccumulator.reenqueue (KafkaProducer.sendRequest)',
    summary: 'A retried batch is given the next sequence numbers instead of its original ones, so a retry of a batch the broker already wrote is appended again.',
    rules: { producerRetryKeepsSequence: false },
  },
  {
    name: 'consumer-skips-record-at-position',
    area: 'clients',
    where: 'Fetcher / CompletedFetch.fetchRecords (KafkaConsumer.fetchRecords)',
    summary: 'The consumer skips records at or below its position (an off-by-one `<=`), dropping the record at the position from every fetch.',
    rules: { consumerReturnsRecordAtPosition: false },
  },
  // ---- Group delivery mutants (the group-lost-write and group-poll-skip claims) ----
  {
    name: 'auto-commit-one-past-position',
    area: 'groups',
    where: 'ConsumerCoordinator.maybeAutoCommitOffsetsAsync / SubscriptionState.allConsumed (Fetcher.allConsumed)',
    summary: 'Auto-commit commits each consumed position plus one, taking the position for the last record consumed instead of the next one to read, so the group is marked done with a record no member has read yet.',
    rules: { autoCommitCommitsConsumedPositions: false },
    groups: true,
  },
  {
    name: 'group-reset-uses-default-policy',
    area: 'groups',
    where: 'SubscriptionState.resetStrategy / OffsetFetcher.resetPositionsIfNeeded (KafkaConsumer.resetPositions)',
    summary: 'A group member resets a partition that has no committed offset by Kafka\'s default auto.offset.reset (latest) instead of the consumer\'s configured earliest, so a group misses every record written before it first found its partitions.',
    rules: { groupResetUsesConfiguredPolicy: false },
    groups: true,
  },
] as const satisfies readonly Mutant[];

export type MutantName = (typeof MUTANTS)[number]['name'];

export function isMutantName(name: string): name is MutantName {
  return MUTANTS.some((mutant) => mutant.name === name);
}

export function mutantByName(name: MutantName): Mutant<MutantName> {
  const mutant = MUTANTS.find((candidate) => candidate.name === name);
  assert(mutant !== undefined, `mutant ${name} is not in the catalogue`);
  return mutant;
}

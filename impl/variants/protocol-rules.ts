import { assert } from '../common/assert.ts';

/**
 * The protocol rules a run follows, derived once per run from its variants (and, in tests, its
 * mutants: `sim/mutants/`) and handed to every node. Code that behaves differently under a historical variant reads
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
   * KIP-320's consumer side: a position carries the leader epoch of the last record consumed (and
   * commits carry it), and after a leader change the consumer asks the new leader
   * OffsetsForLeaderEpoch where that epoch ends, moving back to the divergence point if the log
   * was truncated below its position; before, it went on fetching from its position, past records
   * that replaced the truncated ones.
   */
  readonly consumerValidatesPositions: boolean;
  /**
   * The high watermark and acks=all count the maximal ISR: a replica being removed counts until
   * the controller commits the removal (KIP-497); before, the proposed ISR counted at once.
   */
  readonly highWatermarkOverMaximalIsr: boolean;
  /**
   * While an expansion is in flight the high watermark already counts the replica being added
   * (KIP-497: "followers are added to the local ISR immediately without waiting for acknowledgement
   * from the controller"), so that the replica holds everything below it when the controller commits
   * it; otherwise the high watermark counts the committed ISR only until the controller answers.
   */
  readonly highWatermarkCountsPendingExpansion: boolean;
  /**
   * A replica joins the ISR only with the broker epoch it fetched with matching its current
   * registration, checked by the leader and the controller (KIP-903).
   */
  readonly checkBrokerEpochOnIsrAdd: boolean;
  /** The high watermark stays put while the ISR is below `min.insync.replicas` (KIP-966). */
  readonly highWatermarkNeedsMinIsr: boolean;
  /**
   * The controller quorum's leader resigns when a majority of voters has not fetched from it within
   * 1.5 × `controller.quorum.fetch.timeout.ms` (KAFKA-15489, fixed in 3.7).
   */
  readonly raftCheckQuorum: boolean;
  /** Controller elections start with a non-binding PreVote round (KIP-996). */
  readonly raftPreVote: boolean;
  /** A controller fsyncs its Raft log before an append counts (`KafkaMetadataLog.flush`); mutants only. */
  readonly raftLogFsynced: boolean;
  /**
   * A controller that moves to a newer epoch writes its quorum-state file before it acts in that
   * epoch (`QuorumState.transitionToUnattached` is a `durableTransitionTo`); mutants only.
   */
  readonly raftEpochBumpDurable: boolean;
  /**
   * The Raft leader's high watermark is the offset a majority of voters reached: index n/2 of the
   * voters' end offsets, descending (`LeaderState.maybeUpdateHighWatermark`); mutants only.
   */
  readonly raftHighWatermarkOverMajority: boolean;
  /**
   * The Raft leader adopts a high watermark only past its epoch start offset, so that it commits a
   * record of its own epoch before earlier ones (Raft §5.4.2, `maybeUpdateHighWatermark`); mutants only.
   */
  readonly raftHighWatermarkPastEpochStart: boolean;
  /**
   * The controller quorum's voters are (id, directory id) keys (KIP-853, kraft.version 1), so a
   * controller whose disk was replaced is an observer until the voters name its new directory;
   * mutants only: off, voters are ids alone (kraft.version 0's static `controller.quorum.voters`)
   * and a controller on a replaced disk votes at once, with an empty log (V-K3).
   */
  readonly raftVoterKeysIncludeDirectoryId: boolean;
  /**
   * The controller keeps eligible leader replicas (KIP-966 part 1), when the cluster's
   * `eligible.leader.replicas.version` allows it too (see `elrEnabled`).
   */
  readonly eligibleLeaderReplicas: boolean;
  /**
   * A follower joins the ISR only once it has also reached the start of the leader's current
   * epoch, not just the high watermark (KAFKA-7128).
   */
  readonly expansionNeedsEpochStart: boolean;
  /**
   * The group coordinator accepts an OffsetCommit only from a member of the group's current
   * generation (`ClassicGroup.validateOffsetCommit`); without the check, a zombie's commit lands.
   */
  readonly offsetCommitChecksGeneration: boolean;
  /**
   * A JoinGroup with an unknown member id and a known `group.instance.id` replaces the instance's
   * member id in every group state, fencing the old id (KIP-345 as fixed by KAFKA-8500); before,
   * only in Stable, and elsewhere it added a second member under the same instance id.
   */
  readonly joinReplacesStaticMemberInEveryState: boolean;
  /**
   * The cooperative-sticky assignor checks the `ownedPartitions` claims it is given (KAFKA-12984,
   * PR #10985): a claim from an older generation than another member's claim on the same partition
   * is dropped, and two claims of the same generation are both dropped. Before, every claim stood,
   * and a partition two members claimed was kept by both in the new generation.
   */
  readonly cooperativeStickyValidatesOwnedPartitions: boolean;
  /**
   * A consumer whose generation was reset (it fell out of the group: session expired, poll timeout,
   * fenced) gives up what it owned as lost before it rejoins (`onJoinPrepare`, `onPartitionsLost`),
   * so its next JoinGroup claims nothing. Before KAFKA-12984's era of fixes, its subscription state
   * was not cleared and it rejoined claiming the partitions it held in its last generation.
   */
  readonly generationResetClearsOwnedPartitions: boolean;

  // ---- Rules only a test-only mutant changes (`sim/mutants/`) ---------------------------------------
  // Each is a place where a plausible one-line slip breaks Kafka's guarantees. No variant and no
  // command-line option reaches them; they exist so that the checkers can be shown to catch bugs.

  /** A broker that registers a new incarnation first leaves every ISR its old self was in (KIP-841). */
  readonly reregistrationLeavesIsr: boolean;
  /** A broker fenced for an expired session leaves its ISRs and leaderships (`handleBrokerFenced`). */
  readonly sessionExpiryMovesLeadership: boolean;
  /** An acks=all produce waits for the high watermark to pass it (`DelayedProduce`). */
  readonly acksAllWaitsForHighWatermark: boolean;
  /** A new leader keeps its whole log, including records above its own high watermark. */
  readonly newLeaderKeepsLogAboveHighWatermark: boolean;
  /** A new leader records its epoch's start offset in the epoch cache at once (`maybeAssignEpochStartOffset`). */
  readonly newLeaderAssignsEpochStart: boolean;
  /** The leader's high watermark is the smallest log end over the ISR, not the largest. */
  readonly highWatermarkIsMinimumOverIsr: boolean;
  /** The leader's high watermark never moves back (`maybeIncrementLeaderHW` only increments). */
  readonly highWatermarkNeverMovesBack: boolean;
  /** ISR lag is measured from a follower's last caught-up time, not its last fetch. */
  readonly isrLagFromLastCaughtUp: boolean;
  /** Consumers (not followers) read only up to the high watermark (`FetchIsolation.HIGH_WATERMARK`). */
  readonly consumerReadsUpToHighWatermark: boolean;
  /** A follower truncates to the smaller of the leader's and its own end of the common epoch. */
  readonly followerTruncatesToLeaderEpochEnd: boolean;
  /** A follower records the producer state of the batches it replicates. */
  readonly followerUpdatesProducerState: boolean;
  /** A high watermark read from the checkpoint is bounded by the recovered log end. */
  readonly checkpointedHighWatermarkBounded: boolean;
  /** The clean-shutdown marker is deleted when the broker starts, so a later crash is recovered. */
  readonly cleanShutdownMarkerDeletedOnStart: boolean;
  /** A producer retries a batch with the sequence it was first sent with (KIP-98). */
  readonly producerRetryKeepsSequence: boolean;
  /** A consumer returns the record at its position (it skips only records before it). */
  readonly consumerReturnsRecordAtPosition: boolean;
  /** A follower's fetch can advance the leader's high watermark (`updateFollowerFetchState`). */
  readonly followerFetchAdvancesHighWatermark: boolean;
  /** A leader that moves away from a fenced or shutting-down broker leads in a new epoch. */
  readonly failoverBumpsLeaderEpoch: boolean;
  /** The range assignor gives each consumer its own run of partitions (`RangeAssignor.assign`). */
  readonly rangeAssignorRangesDisjoint: boolean;
  /** A Heartbeat to a group in PreparingRebalance is answered REBALANCE_IN_PROGRESS (`classicGroupHeartbeat`). */
  readonly heartbeatAnswersRebalanceInProgress: boolean;
  /** SyncGroup answers each member with its own part of the leader's assignment (`propagateAssignment`). */
  readonly syncGroupAnswersOwnAssignment: boolean;
  /** SyncGroup answers with the assignment of the generation being completed, set before the answers go (`onAssignmentAppended`). */
  readonly syncGroupAnswersNewAssignment: boolean;
  /** Auto-commit commits the positions the polls consumed (`SubscriptionState.allConsumed`). */
  readonly autoCommitCommitsConsumedPositions: boolean;
  /** A group member resets a partition without a committed offset by its configured `auto.offset.reset`. */
  readonly groupResetUsesConfiguredPolicy: boolean;
}

/** Kafka's rules today: what a run follows without variants. */
export const KAFKA_RULES: ProtocolRules = Object.freeze({
  truncateOnNewLeader: 'leader-epoch',
  offsetsForLeaderEpochAnswersEpoch: true,
  fetchCarriesLeaderEpoch: true,
  consumerValidatesPositions: true,
  highWatermarkOverMaximalIsr: true,
  highWatermarkCountsPendingExpansion: true,
  checkBrokerEpochOnIsrAdd: true,
  highWatermarkNeedsMinIsr: true,
  raftCheckQuorum: true,
  raftPreVote: true,
  raftLogFsynced: true,
  raftEpochBumpDurable: true,
  raftHighWatermarkOverMajority: true,
  raftHighWatermarkPastEpochStart: true,
  raftVoterKeysIncludeDirectoryId: true,
  eligibleLeaderReplicas: true,
  expansionNeedsEpochStart: true,
  reregistrationLeavesIsr: true,
  sessionExpiryMovesLeadership: true,
  acksAllWaitsForHighWatermark: true,
  newLeaderKeepsLogAboveHighWatermark: true,
  newLeaderAssignsEpochStart: true,
  highWatermarkIsMinimumOverIsr: true,
  highWatermarkNeverMovesBack: true,
  isrLagFromLastCaughtUp: true,
  consumerReadsUpToHighWatermark: true,
  followerTruncatesToLeaderEpochEnd: true,
  followerUpdatesProducerState: true,
  checkpointedHighWatermarkBounded: true,
  cleanShutdownMarkerDeletedOnStart: true,
  producerRetryKeepsSequence: true,
  consumerReturnsRecordAtPosition: true,
  followerFetchAdvancesHighWatermark: true,
  failoverBumpsLeaderEpoch: true,
  offsetCommitChecksGeneration: true,
  joinReplacesStaticMemberInEveryState: true,
  cooperativeStickyValidatesOwnedPartitions: true,
  generationResetClearsOwnedPartitions: true,
  rangeAssignorRangesDisjoint: true,
  heartbeatAnswersRebalanceInProgress: true,
  syncGroupAnswersOwnAssignment: true,
  syncGroupAnswersNewAssignment: true,
  autoCommitCommitsConsumedPositions: true,
  groupResetUsesConfiguredPolicy: true,
});

/** What one variant or mutant changes: a few rules, each away from Kafka's. */
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

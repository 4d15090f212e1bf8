import { assert } from '../common/assert.ts';
import type { ConfigView } from '../config/config-view.ts';
import { DiskError } from '../env/node-environment.ts';
import { UNDEFINED_EPOCH } from '../log/leader-epoch-file-cache.ts';
import { decodeRecords, incrementSequence, readRecordBatch, type RecordBatch } from '../log/record-batch.ts';
import type { UnifiedLog } from '../log/unified-log.ts';
import type { PartitionRegistration } from '../controller/controller-state.ts';
import { NO_LEADER } from '../metadata/metadata-records.ts';
import type { KafkaError } from '../protocol/errors.ts';
import {
  NO_LEADER_EPOCH,
  type AlterPartitionResponse,
  type FetchPartition,
  type FetchPartitionResponse,
  type KafkaMessage,
  type ProducePartitionResponse,
} from '../protocol/messages.ts';
import type { ProtocolRules } from '../variants/protocol-rules.ts';
import { ProducerStateManager } from './producer-state-manager.ts';

/** What a partition needs from its broker. */
export interface PartitionContext {
  readonly brokerId: number;
  brokerEpoch(): number;
  nowMs(): number;
  readonly config: ConfigView;
  /** The run's protocol rules (`impl/variants/protocol-rules.ts`). */
  readonly rules: ProtocolRules;
  sendToController(message: (correlationId: number) => KafkaMessage): number;
  /**
   * Kafka's `Partition.isReplicaIsrEligible`, from this broker's metadata: the replica is not
   * fenced and not shutting down (KIP-841), and the broker epoch it fetched with is its current
   * registration's, or -1 (KIP-903).
   */
  isReplicaIsrEligible(brokerId: number, fetchBrokerEpoch: number): boolean;
  mark(name: string): void;
  transition(instance: string, event: string, to: string): void;
  /**
   * Kafka's `Partition.tryCompleteDelayedRequests`, and `ReplicaManager`'s completing of delayed
   * requests when leadership moves: this replica's high watermark, leadership, ISR or log end
   * changed, so produce and fetch requests waiting on it may be answered now. The broker tries
   * them at its next completion point (`ReplicaManager`), not in the middle of this change.
   */
  tryCompleteDelayedRequests(partitionName: string): void;
}

/**
 * An AlterPartition proposal as the leader made it: resent unchanged until the controller answers
 * (Kafka's `DefaultAlterPartitionManager` retries "indefinitely until a response is received, or a
 * new LeaderAndIsr overwrites the existing isrState"). The broker epochs are those the leader saw
 * when it proposed, which is what KIP-903's check is for.
 */
export interface AlterPartitionProposal {
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly newIsrWithEpochs: readonly { readonly brokerId: number; readonly brokerEpoch: number }[];
}

/** Kafka's ISR states on the leader (KIP-497): committed, or an AlterPartition in flight. */
export type IsrState =
  | { readonly kind: 'committed'; readonly isr: readonly number[] }
  | { readonly kind: 'pending-expand'; readonly isr: readonly number[]; readonly adding: number; readonly correlationId: number; readonly proposal: AlterPartitionProposal }
  | { readonly kind: 'pending-shrink'; readonly isr: readonly number[]; readonly removing: readonly number[]; readonly correlationId: number; readonly proposal: AlterPartitionProposal };

/** Kafka's `ReplicaState` for each follower, as the leader tracks it from its fetches. */
interface FollowerState {
  logEndOffset: number;
  lastCaughtUpTimeMs: number;
  lastFetchTimeMs: number;
  lastFetchLeaderLogEndOffset: number;
  brokerEpoch: number;
}

export type Role = 'leader' | 'follower' | 'none';

/** The records of an answer that carries none; shared, as answers are never changed. */
const NO_RECORDS: readonly Uint8Array[] = Object.freeze([]);

/**
 * Kafka's `Partition`: one replica of a topic partition on this broker. As leader it appends
 * producer batches, tracks each follower's fetch position, advances the high watermark over the
 * maximal ISR (KIP-497) and proposes ISR changes with AlterPartition; as follower it keeps what
 * the leader tells it. The replica fetcher (the follower's side of replication) lives in
 * `replica-fetcher.ts` and drives {@link appendAsFollower} and {@link truncateTo}.
 */
export class Partition {
  role: Role = 'none';
  leaderId = NO_LEADER;
  leaderEpoch = -1;
  partitionEpoch = -1;
  replicas: readonly number[] = [];
  isrState: IsrState = { kind: 'committed', isr: [] };
  private hw: number;
  /** The log end when this replica became leader in its epoch (KAFKA-7128). */
  leaderEpochStartOffset = 0;
  private followers = new Map<number, FollowerState>();
  readonly producerState = new ProducerStateManager();

  constructor(
    readonly topic: string,
    readonly partitionId: number,
    readonly topicId: string,
    readonly log: UnifiedLog,
    highWatermark: number,
    private readonly context: PartitionContext,
  ) {
    this.hw = Math.max(log.logStartOffset, context.rules.checkpointedHighWatermarkBounded ? Math.min(highWatermark, log.logEndOffset) : highWatermark);
    this.producerState.rebuild(log);
  }

  /** Kafka's `highWatermark`: the end of the records this replica knows to be committed. */
  get highWatermark(): number {
    return this.hw;
  }

  private setHighWatermark(highWatermark: number): void {
    if (highWatermark === this.hw) return;
    this.hw = highWatermark;
    this.tryCompleteDelayedRequests();
  }

  /** Requests waiting on this replica may complete: its high watermark, leadership, ISR or log end moved. */
  private tryCompleteDelayedRequests(): void {
    this.context.tryCompleteDelayedRequests(this.name);
  }

  get name(): string {
    return `${this.topic}-${this.partitionId}`;
  }

  /**
   * The topic's `min.insync.replicas`, read from the log's configuration as Kafka's `Partition`
   * reads `leaderLog.config.minInSyncReplicas`: a topic override wins over the broker default.
   */
  get minInsyncReplicas(): number {
    return this.log.config.minInSyncReplicas;
  }

  /** The ISR the controller has committed. */
  get isr(): readonly number[] {
    return this.isrState.kind === 'committed' ? this.isrState.isr : this.committedIsr;
  }

  private committedIsr: readonly number[] = [];

  /**
   * The ISR the high watermark and acks=all count on: the committed ISR plus any replica being
   * added (KIP-497's "maximal ISR"); a replica being removed still counts until the removal is
   * committed. Before KIP-497 the leader acted on the ISR it proposed at once, shrinks included
   * (`pre-kip-497`); `kip-497-expand-on-commit` undoes the expansion side instead.
   */
  get maximalIsr(): readonly number[] {
    const state = this.isrState;
    if (!this.context.rules.highWatermarkOverMaximalIsr) return state.isr;
    switch (state.kind) {
      case 'committed':
        return state.isr;
      case 'pending-expand':
        // KIP-497 counts the replica being added at once; `kip-497-expand-on-commit` waits for the
        // controller, and the high watermark passes records the replica then joins without.
        return this.context.rules.highWatermarkCountsPendingExpansion ? [...this.committedIsr, state.adding] : this.committedIsr;
      case 'pending-shrink':
        return this.committedIsr;
    }
  }

  // ---- Becoming leader or follower (Kafka's makeLeader / makeFollower) -------------------------------

  /** Applies the controller's registration for this partition; returns whether the role changed. */
  applyRegistration(registration: PartitionRegistration): { becameLeader: boolean; becameFollower: boolean } {
    const me = this.context.brokerId;
    const epochChanged = registration.leaderEpoch !== this.leaderEpoch;
    this.replicas = registration.replicas;
    if (registration.leader === me) {
      if (this.role !== 'leader' || epochChanged) {
        this.makeLeader(registration);
        return { becameLeader: true, becameFollower: false };
      }
      // Same leader epoch: an ISR change (ours, or the controller's after a fencing).
      if (registration.partitionEpoch > this.partitionEpoch) {
        this.partitionEpoch = registration.partitionEpoch;
        this.committedIsr = registration.isr;
        // The metadata log can commit our own proposal before the AlterPartition answer arrives.
        const pending = this.isrState;
        if (pending.kind !== 'committed') {
          const ours = pending.isr.length === registration.isr.length && pending.isr.every((replica) => registration.isr.includes(replica));
          if (ours) this.context.mark(pending.kind === 'pending-expand' ? 'isr-expand' : 'isr-shrink');
          this.context.transition(this.name, 'ISR_COMMITTED', 'leader.committed');
        }
        this.isrState = { kind: 'committed', isr: registration.isr };
        this.tryCompleteDelayedRequests();
        this.maybeIncrementLeaderHW();
      }
      return { becameLeader: false, becameFollower: false };
    }
    const wasFollowing = this.role === 'follower' && this.leaderId === registration.leader && !epochChanged;
    this.partitionEpoch = registration.partitionEpoch;
    this.committedIsr = registration.isr;
    this.isrState = { kind: 'committed', isr: registration.isr };
    this.tryCompleteDelayedRequests();
    if (wasFollowing) return { becameLeader: false, becameFollower: false };
    this.role = 'follower';
    this.leaderId = registration.leader;
    this.leaderEpoch = registration.leaderEpoch;
    this.followers = new Map();
    if (registration.leader === NO_LEADER) this.context.transition(this.name, 'LEADER_LOST', 'follower.idle');
    else this.context.transition(this.name, 'BECOME_FOLLOWER', 'follower.truncating');
    return { becameLeader: false, becameFollower: true };
  }

  private makeLeader(registration: PartitionRegistration): void {
    this.role = 'leader';
    this.tryCompleteDelayedRequests();
    this.leaderId = this.context.brokerId;
    this.leaderEpoch = registration.leaderEpoch;
    this.partitionEpoch = registration.partitionEpoch;
    this.committedIsr = registration.isr;
    this.isrState = { kind: 'committed', isr: registration.isr };
    // A new leader keeps what it has above its high watermark: those records may be committed
    // already (its high watermark lags the old leader's), and followers truncate to this log.
    if (!this.context.rules.newLeaderKeepsLogAboveHighWatermark) this.truncateTo(this.highWatermark);
    // Kafka records the new epoch's start in the epoch cache at once, so that followers asking
    // OffsetsForLeaderEpoch for the previous epoch learn where it ended on this leader.
    this.leaderEpochStartOffset = this.log.logEndOffset;
    // Unconditionally, as Kafka's maybeAssignEpochStartOffset: the cache drops any entry that
    // would break monotonicity (an epoch at or above this one, which only a corrupt batch header
    // could have put there).
    if (this.context.rules.newLeaderAssignsEpochStart) this.log.leaderEpochCache.assign(registration.leaderEpoch, this.log.logEndOffset);
    const nowMs = this.context.nowMs();
    this.followers = new Map();
    for (const replica of registration.replicas) {
      if (replica === this.context.brokerId) continue;
      // Followers in the ISR start out caught up, as Kafka's `resetReplicaState` does.
      const inIsr = registration.isr.includes(replica);
      this.followers.set(replica, { logEndOffset: -1, lastCaughtUpTimeMs: inIsr ? nowMs : 0, lastFetchTimeMs: 0, lastFetchLeaderLogEndOffset: -1, brokerEpoch: -1 });
    }
    this.context.transition(this.name, 'BECOME_LEADER', 'leader.committed');
    this.maybeIncrementLeaderHW();
  }

  /** The replica is no longer assigned here, or the broker is going away. */
  makeOffline(): void {
    if (this.role === 'none') return;
    this.role = 'none';
    this.tryCompleteDelayedRequests();
    this.followers = new Map();
    this.context.transition(this.name, 'GO_OFFLINE', 'offline');
  }

  // ---- Leader: produce --------------------------------------------------------------------------

  /**
   * Appends a producer's batches as leader (Kafka's `appendRecordsToLeader`). With acks=all the
   * ISR must be at least `min.insync.replicas` first; the caller then waits for the high watermark.
   */
  appendRecordsToLeader(records: Uint8Array, acks: 0 | 1 | -1, minInsyncReplicas: number): ProducePartitionResponse & { lastOffset: number } {
    const base = { topic: this.topic, partition: this.partitionId, logAppendTime: -1, logStartOffset: this.log.logStartOffset, errorMessage: '' };
    if (this.role !== 'leader') return { ...base, error: 'NOT_LEADER_OR_FOLLOWER', baseOffset: -1, lastOffset: -1 };
    if (acks === -1 && this.isr.length < minInsyncReplicas) {
      this.context.mark('not-enough-replicas');
      return { ...base, error: 'NOT_ENOUGH_REPLICAS', baseOffset: -1, lastOffset: -1, errorMessage: `ISR ${this.isr.join(',')} below min.insync.replicas=${minInsyncReplicas}` };
    }
    const batches = splitBatches(records);
    if (typeof batches === 'string') return { ...base, error: 'CORRUPT_MESSAGE', baseOffset: -1, lastOffset: -1, errorMessage: batches };
    // Idempotence: each batch is checked against its producer's state before anything is written.
    const first = batches[0] as RecordBatch;
    const lastSeq = incrementSequence(first.baseSequence, first.lastOffsetDelta);
    if (batches.length === 1) {
      const check = this.producerState.check(first.producerId, first.producerEpoch, first.baseSequence, lastSeq);
      if (check.type === 'duplicate') {
        this.context.mark('idempotent-duplicate-suppressed');
        return { ...base, error: 'NONE', baseOffset: check.firstOffset, lastOffset: check.firstOffset + first.lastOffsetDelta };
      }
      if (check.type === 'error') return { ...base, error: check.error, baseOffset: -1, lastOffset: -1, errorMessage: check.message };
    }
    const result = this.log.appendAsLeader(batches.map((batch) => batch.bytes), this.leaderEpoch);
    if (result.type === 'error') return { ...base, error: result.error === 'UNEXPECTED_APPEND_OFFSET' || result.error === 'OFFSETS_OUT_OF_ORDER' ? 'INVALID_RECORD' : result.error, baseOffset: -1, lastOffset: -1, errorMessage: result.message };
    this.tryCompleteDelayedRequests();
    for (const batch of result.info.batches) {
      this.recordProducerBatch(batch);
    }
    this.maybeIncrementLeaderHW();
    // Written out, in `base`'s key order, rather than spread: this is every produce's answer.
    return { topic: base.topic, partition: base.partition, logAppendTime: result.info.logAppendTime, logStartOffset: base.logStartOffset, errorMessage: base.errorMessage, error: 'NONE', baseOffset: result.info.firstOffset, lastOffset: result.info.lastOffset };
  }

  private recordProducerBatch(batch: RecordBatch): void {
    this.producerState.update(batch.producerId, batch.producerEpoch, batch.baseSequence, incrementSequence(batch.baseSequence, batch.lastOffsetDelta), batch.baseOffset, batch.lastOffset);
  }

  // ---- Leader: fetch from followers and consumers -----------------------------------------------------

  /**
   * Validates a fetch's leader epoch (KIP-320): an older epoch is fenced, a newer one unknown.
   * Before KIP-320 fetches carried no epoch, and nothing was checked.
   */
  checkLeaderEpoch(currentLeaderEpoch: number): KafkaError {
    if (currentLeaderEpoch === NO_LEADER_EPOCH || !this.context.rules.fetchCarriesLeaderEpoch) return 'NONE';
    if (currentLeaderEpoch < this.leaderEpoch) return 'FENCED_LEADER_EPOCH';
    if (currentLeaderEpoch > this.leaderEpoch) return 'UNKNOWN_LEADER_EPOCH';
    return 'NONE';
  }

  /**
   * Serves a fetch (Kafka's `fetchRecords`): a follower's fetch offset is its log end, which
   * updates its state, may expand the ISR and may advance the high watermark; consumers read up
   * to the high watermark, followers up to the log end. A fetch completed `fromPurgatory` only
   * reads: its follower's state was updated when it arrived.
   */
  fetchRecords(fetch: FetchPartition, replicaId: number, replicaEpoch: number, fromPurgatory = false): FetchPartitionResponse {
    // Every answer carries the log start as the fetch found it and the high watermark as it is
    // when answered (a follower's fetch may move it).
    const logStartOffset = this.log.logStartOffset;
    if (this.role !== 'leader') return this.fetchAnswer('NOT_LEADER_OR_FOLLOWER', logStartOffset, NO_RECORDS);
    const epochError = this.checkLeaderEpoch(fetch.currentLeaderEpoch);
    if (epochError !== 'NONE') {
      if (epochError === 'FENCED_LEADER_EPOCH' && replicaId >= 0) this.context.mark('stale-follower-fenced');
      return this.fetchAnswer(epochError, logStartOffset, NO_RECORDS);
    }
    const isFollower = replicaId >= 0;
    if (isFollower) {
      if (!this.replicas.includes(replicaId)) return this.fetchAnswer('NOT_LEADER_OR_FOLLOWER', logStartOffset, NO_RECORDS);
      // A follower's position counts once, when its fetch arrives (Kafka's `fetchMessages`). A
      // fetch that waited in purgatory only reads the log when it completes (`DelayedFetch.onComplete`
      // calls `readFromLocalLog`): its position may be that of a process that has since died.
      if (!fromPurgatory) this.updateFollowerFetchState(replicaId, fetch.fetchOffset, replicaEpoch);
    }
    const maxOffset = isFollower || !this.context.rules.consumerReadsUpToHighWatermark ? this.log.logEndOffset : this.highWatermark;
    if (fetch.fetchOffset > this.log.logEndOffset || fetch.fetchOffset < this.log.logStartOffset) {
      return this.fetchAnswer('OFFSET_OUT_OF_RANGE', logStartOffset, NO_RECORDS);
    }
    let read = this.log.read(fetch.fetchOffset, fetch.partitionMaxBytes, Math.max(fetch.fetchOffset, maxOffset), true);
    // A bit flipped on read is transient: read again. A batch still corrupt is damage on disk,
    // which no fetcher can get past: the broker treats it as a failed log directory (it stops,
    // and recovers the log from scratch when it starts again).
    if (read.type === 'error' && read.error === 'CORRUPT_MESSAGE') read = this.log.read(fetch.fetchOffset, fetch.partitionMaxBytes, Math.max(fetch.fetchOffset, maxOffset), true);
    if (read.type === 'error' && read.error === 'CORRUPT_MESSAGE') throw new DiskError('EIO', this.log.dir, `corrupt batch: ${read.message}`);
    if (read.type === 'error') return this.fetchAnswer(read.error, logStartOffset, NO_RECORDS);
    const records: Uint8Array[] = [];
    for (const batch of read.batches) records.push(batch.bytes);
    return this.fetchAnswer('NONE', logStartOffset, records);
  }

  /** A fetch's answer for this partition, in the key order the answers have always had. */
  private fetchAnswer(error: KafkaError, logStartOffset: number, records: readonly Uint8Array[]): FetchPartitionResponse {
    return { topic: this.topic, partition: this.partitionId, highWatermark: this.highWatermark, logStartOffset, records, error };
  }

  /** Bytes a fetch at `offset` could return now (for delayed fetches and fetch.min.bytes). */
  availableBytes(offset: number, isFollower: boolean): number {
    const bound = isFollower || !this.context.rules.consumerReadsUpToHighWatermark ? this.log.logEndOffset : this.highWatermark;
    return offset < bound ? 1 : 0;
  }

  private updateFollowerFetchState(replicaId: number, fetchOffset: number, replicaEpoch: number): void {
    const nowMs = this.context.nowMs();
    const state = this.followers.get(replicaId) ?? { logEndOffset: -1, lastCaughtUpTimeMs: 0, lastFetchTimeMs: 0, lastFetchLeaderLogEndOffset: -1, brokerEpoch: -1 };
    const leaderEnd = this.log.logEndOffset;
    // Kafka's `ReplicaState.updateFetchState`: caught up if the fetch reached the leader's end now,
    // or the end the leader had at the follower's previous fetch.
    if (fetchOffset >= leaderEnd) state.lastCaughtUpTimeMs = Math.max(state.lastCaughtUpTimeMs, nowMs);
    else if (fetchOffset >= state.lastFetchLeaderLogEndOffset) state.lastCaughtUpTimeMs = Math.max(state.lastCaughtUpTimeMs, state.lastFetchTimeMs);
    state.logEndOffset = fetchOffset;
    state.lastFetchLeaderLogEndOffset = leaderEnd;
    state.lastFetchTimeMs = nowMs;
    state.brokerEpoch = replicaEpoch;
    this.followers.set(replicaId, state);
    this.maybeExpandIsr(replicaId, state);
    if (this.context.rules.followerFetchAdvancesHighWatermark) this.maybeIncrementLeaderHW();
  }

  /** The follower's log end as the leader knows it, for tools and invariants. */
  followerLogEndOffset(replicaId: number): number | undefined {
    return this.followers.get(replicaId)?.logEndOffset;
  }

  // ---- Leader: high watermark and ISR --------------------------------------------------------------

  /**
   * Kafka 4.x's `Partition.isUnderMinIsr` (`partitionState.isr.size < effectiveMinIsr`): the
   * KIP-966 high-watermark rule counts the ISR the controller has committed, not the maximal ISR.
   * A replica the leader is still adding (pending expand) does not lift the partition to min ISR:
   * the controller may refuse it (fenced, in controlled shutdown), and meanwhile the committed ISR
   * below min ISR means the controller has moved the replicas that left it into the ELR, which
   * KIP-966 promises hold every record below the high watermark. Counting the replica being added
   * let the high watermark pass records an ELR member lacked, which an election from the ELR then
   * lost (seed 214). Before KIP-497 (`pre-kip-497`) the leader acted on the ISR it proposed at
   * once, so there the proposed ISR counts.
   */
  get isUnderMinIsr(): boolean {
    const isr = this.context.rules.highWatermarkOverMaximalIsr ? this.isr : this.maximalIsr;
    return isr.length < this.minInsyncReplicas;
  }

  /**
   * Kafka's `maybeIncrementLeaderHW`: the high watermark is the smallest log end over the maximal
   * ISR, and never moves back. KIP-966: it does not move while the ISR is below
   * `min.insync.replicas` (before KIP-966 it did).
   */
  maybeIncrementLeaderHW(): boolean {
    if (this.role !== 'leader') return false;
    const isr = this.maximalIsr;
    if (this.context.rules.highWatermarkNeedsMinIsr && this.isUnderMinIsr) return false;
    let newHw = this.log.logEndOffset;
    for (const replica of isr) {
      if (replica === this.context.brokerId) continue;
      const state = this.followers.get(replica);
      const followerEnd = state === undefined || state.logEndOffset < 0 ? this.highWatermark : state.logEndOffset;
      newHw = this.context.rules.highWatermarkIsMinimumOverIsr ? Math.min(newHw, followerEnd) : Math.max(newHw, followerEnd);
    }
    if (newHw === this.highWatermark || (newHw < this.highWatermark && this.context.rules.highWatermarkNeverMovesBack)) return false;
    assert(newHw <= this.log.logEndOffset, `${this.name}: high watermark ${newHw} beyond the leader's log end ${this.log.logEndOffset}`);
    this.setHighWatermark(newHw);
    return true;
  }

  /**
   * Kafka's `maybeExpandIsr`: a follower outside the ISR joins once it has reached the high
   * watermark and (KAFKA-7128) the start of the leader's current epoch, so that a replica cannot
   * join holding an older epoch's divergent tail. The `kafka-7128` variant drops the second rule
   * (`expansionNeedsEpochStart`).
   */
  private maybeExpandIsr(replicaId: number, state: FollowerState): void {
    if (this.isrState.kind !== 'committed' || this.isr.includes(replicaId)) return;
    if (state.logEndOffset < this.highWatermark) return;
    if (this.context.rules.expansionNeedsEpochStart && state.logEndOffset < this.leaderEpochStartOffset) return;
    // The leader proposes only replicas the controller may accept; the controller checks again.
    if (!this.context.isReplicaIsrEligible(replicaId, state.brokerEpoch)) return;
    const proposed = [...this.isr, replicaId];
    const proposal = this.proposeIsr(proposed);
    this.isrState = { kind: 'pending-expand', isr: proposed, adding: replicaId, correlationId: this.sendAlterPartition(proposal), proposal };
    this.context.transition(this.name, 'PROPOSE_EXPAND', 'leader.pending-expand');
  }

  /**
   * Kafka's `maybeShrinkIsr`, run periodically: followers in the ISR that have not caught up
   * within `replica.lag.time.max.ms` are proposed for removal.
   */
  maybeShrinkIsr(): void {
    if (this.role !== 'leader' || this.isrState.kind !== 'committed') return;
    const nowMs = this.context.nowMs();
    const lagMs = this.context.config.number('replica.lag.time.max.ms');
    const outOfSync = this.isr.filter((replica) => {
      if (replica === this.context.brokerId) return false;
      const state = this.followers.get(replica);
      return state === undefined || nowMs - (this.context.rules.isrLagFromLastCaughtUp ? state.lastCaughtUpTimeMs : state.lastFetchTimeMs) > lagMs;
    });
    if (outOfSync.length === 0) return;
    const proposed = this.isr.filter((replica) => !outOfSync.includes(replica));
    const proposal = this.proposeIsr(proposed);
    this.isrState = { kind: 'pending-shrink', isr: proposed, removing: outOfSync, correlationId: this.sendAlterPartition(proposal), proposal };
    this.context.transition(this.name, 'PROPOSE_SHRINK', 'leader.pending-shrink');
    this.maybeIncrementLeaderHW();
  }

  /** The proposal for `isr`, with each member's broker epoch as this leader last saw it fetch. */
  private proposeIsr(isr: readonly number[]): AlterPartitionProposal {
    return {
      leaderEpoch: this.leaderEpoch,
      partitionEpoch: this.partitionEpoch,
      newIsrWithEpochs: isr.map((brokerId) => ({ brokerId, brokerEpoch: brokerId === this.context.brokerId ? this.context.brokerEpoch() : (this.followers.get(brokerId)?.brokerEpoch ?? -1) })),
    };
  }

  private sendAlterPartition(proposal: AlterPartitionProposal): number {
    return this.context.sendToController((correlationId) => ({
      type: 'AlterPartitionRequest',
      correlationId,
      brokerId: this.context.brokerId,
      brokerEpoch: this.context.brokerEpoch(),
      topicId: this.topicId,
      partitionId: this.partitionId,
      leaderEpoch: proposal.leaderEpoch,
      partitionEpoch: proposal.partitionEpoch,
      newIsrWithEpochs: proposal.newIsrWithEpochs,
    }));
  }

  /**
   * The AlterPartition in flight got no answer (its connection broke, or it went unanswered too
   * long): send the same proposal again, as Kafka's controller channel does. Returns whether one
   * was pending. The answer to the earlier send is ignored if it still comes; what the controller
   * made of it reaches this replica through the metadata log either way.
   */
  resendAlterPartition(correlationId: number): boolean {
    const state = this.isrState;
    if (state.kind === 'committed' || state.correlationId !== correlationId) return false;
    assert(state.proposal.leaderEpoch === this.leaderEpoch, `${this.name}: a pending proposal outlived its leader epoch`);
    this.isrState = { ...state, correlationId: this.sendAlterPartition(state.proposal) };
    return true;
  }

  /**
   * The controller's answer to our AlterPartition, as Kafka's `Partition` takes it
   * (`sendAlterPartitionRequest`'s callback and `handleAlterPartitionError`). A success in our
   * leader epoch and at least our partition epoch commits the ISR it names (an equal epoch: the
   * controller found nothing to change). Only `INELIGIBLE_REPLICA` says the proposal was not
   * applied by any controller, so only it resets the ISR to the last committed one. Any other
   * answer (a stale success, `INVALID_UPDATE_VERSION`, `FENCED_LEADER_EPOCH`, ...) leaves the
   * proposal pending until the metadata log says what was committed (`applyRegistration`): an
   * earlier send of the same proposal may have been applied, and resetting then would let the high
   * watermark pass records the replica being added lacks while the controller has it in the ISR
   * (default seed 2203: a resend answered INVALID_UPDATE_VERSION after the first send had
   * committed the expansion; StrongIsr).
   */
  onAlterPartitionResponse(response: AlterPartitionResponse): void {
    const state = this.isrState;
    if (state.kind === 'committed' || state.correlationId !== response.correlationId) return;
    if (response.error === 'NONE' && response.leaderEpoch === this.leaderEpoch && response.partitionEpoch >= this.partitionEpoch) {
      const expanded = state.kind === 'pending-expand';
      this.partitionEpoch = response.partitionEpoch;
      this.committedIsr = response.isr;
      this.isrState = { kind: 'committed', isr: response.isr };
      this.tryCompleteDelayedRequests();
      this.context.mark(expanded ? 'isr-expand' : 'isr-shrink');
      this.context.transition(this.name, 'ISR_COMMITTED', 'leader.committed');
    } else if (response.error === 'INELIGIBLE_REPLICA') {
      this.isrState = { kind: 'committed', isr: this.committedIsr };
      this.context.transition(this.name, 'ISR_REJECTED', 'leader.committed');
    } else {
      // Awaiting the metadata log; the proposal is not sent again (Kafka returns false: no retry).
      return;
    }
    this.maybeIncrementLeaderHW();
  }

  // ---- Follower -------------------------------------------------------------------------------------

  /**
   * Appends fetched batches as follower, takes the leader's high watermark (bounded by our end)
   * and then the leader's log start offset (Kafka's `processPartitionData` calls
   * `maybeIncrementLogStartOffset` with it), so that retention on the leader reaches followers.
   */
  appendAsFollower(records: readonly Uint8Array[], leaderHighWatermark: number, leaderLogStartOffset = -1): KafkaError {
    if (records.length > 0) {
      const result = this.log.appendAsFollower(records);
      if (result.type === 'error') return result.error === 'KAFKA_STORAGE_ERROR' ? 'KAFKA_STORAGE_ERROR' : 'CORRUPT_MESSAGE';
      this.tryCompleteDelayedRequests();
      for (const batch of result.info.batches) {
        if (this.context.rules.followerUpdatesProducerState) this.recordProducerBatch(batch);
      }
    }
    const newHw = Math.min(leaderHighWatermark, this.log.logEndOffset);
    if (newHw > this.highWatermark) this.setHighWatermark(newHw);
    this.log.maybeIncrementLogStartOffset(leaderLogStartOffset, this.highWatermark);
    return 'NONE';
  }

  // ---- Log cleanup (Kafka's LogManager.cleanupLogs and LogCleaner) ----------------------------------

  /**
   * One retention pass over this replica's log (Kafka's `UnifiedLog.deleteOldSegments`, which
   * `LogManager.cleanupLogs` runs every `log.retention.check.interval.ms` on every log, leader or
   * follower): only segments wholly below this replica's high watermark may go. Returns the
   * number of segments deleted.
   */
  deleteOldSegments(): number {
    const deleted = this.log.deleteOldSegments(this.highWatermark);
    if (deleted === 0) return 0;
    this.context.mark('retention-deleted-segment');
    return deleted;
  }

  /**
   * One pass of the log cleaner over this replica's log (`cleanup.policy` with `compact`), below
   * its high watermark. Returns the number of records removed.
   */
  compact(): number {
    const removed = this.log.compact(this.highWatermark);
    if (removed === 0) return 0;
    this.context.mark('compaction-removed-record');
    return removed;
  }

  /** Truncates the follower's log (to the epoch's end the leader reported, or to the HW pre-KIP-101). */
  truncateTo(offset: number): number {
    const before = this.log.logEndOffset;
    if (!this.log.truncateTo(offset)) return 0;
    this.tryCompleteDelayedRequests();
    this.producerState.rebuild(this.log);
    if (this.highWatermark > this.log.logEndOffset) this.setHighWatermark(this.log.logEndOffset);
    const removed = before - this.log.logEndOffset;
    if (removed > 0) this.context.mark('follower-truncation-removed-records');
    return removed;
  }

  truncateFullyAndStartAt(offset: number): void {
    this.log.truncateFullyAndStartAt(offset);
    this.tryCompleteDelayedRequests();
    this.producerState.rebuild(this.log);
    this.setHighWatermark(offset);
  }

  /** The epoch a follower asks OffsetsForLeaderEpoch about: its latest (Kafka's `latestEpoch`). */
  latestEpochForTruncation(): number {
    return this.log.latestEpoch() ?? UNDEFINED_EPOCH;
  }

  /** Decoded records for tests and tools. */
  decodedBatches(): { baseOffset: number; epoch: number; values: string[] }[] {
    const out: { baseOffset: number; epoch: number; values: string[] }[] = [];
    let from = this.log.logStartOffset;
    while (from < this.log.logEndOffset) {
      const read = this.log.read(from, 1 << 20, this.log.logEndOffset, true);
      if (read.type === 'error' || read.batches.length === 0) break;
      for (const batch of read.batches) {
        const records = decodeRecords(batch);
        out.push({ baseOffset: batch.baseOffset, epoch: batch.partitionLeaderEpoch, values: typeof records === 'string' ? [] : records.map((record) => new TextDecoder().decode(record.value ?? new Uint8Array())) });
        from = batch.lastOffset + 1;
      }
    }
    return out;
  }
}

/** Splits a produce request's records into batches, each validated; a reason when they do not parse. */
export function splitBatches(records: Uint8Array): RecordBatch[] | string {
  const batches: RecordBatch[] = [];
  let at = 0;
  while (at < records.length) {
    const read = readRecordBatch(records, at, records.length);
    if (read.type !== 'batch') return `batch at ${at}: ${read.reason}`;
    batches.push(read.batch);
    at += read.batch.bytes.length;
  }
  if (batches.length === 0) return 'no batches';
  return batches;
}


import { assert, assertIntegerInRange } from '../common/assert.ts';
import { majoritySize, type RaftTestOnlyBugs } from './raft-config.ts';

/**
 * Kafka's `LeaderState.CHECK_QUORUM_TIMEOUT_FACTOR` (KAFKA-15489): a leader resigns when a
 * majority of voters has not fetched within 1.5 × `controller.quorum.fetch.timeout.ms`.
 */
export const CHECK_QUORUM_TIMEOUT_FACTOR = 1.5;

/** A bound on the observers a leader tracks; more fetchers than this is a configuration bug. */
export const MAX_TRACKED_OBSERVERS = 64;

/** Kafka's `LeaderState.ReplicaState`: what the leader knows of one replica's log. */
export interface ReplicaState {
  readonly replicaId: number;
  /** The fetch offset of the replica's latest valid Fetch (its durable log end), if any yet. */
  endOffset: number | undefined;
  /** Kafka's `lastFetchTimestamp`: the time of the replica's latest valid Fetch (one that moved its progress). */
  lastFetchTimeMs: number | undefined;
  /**
   * The time of the latest Fetch or FetchSnapshot of this voter that counted for check-quorum
   * (`updateCheckQuorumForFollowingVoter`, which Kafka folds into its `fetchedVoters` set): when
   * the leader last heard from the voter in this epoch. Undefined for observers and for a voter
   * not heard from yet.
   */
  lastCheckQuorumFetchMs: number | undefined;
}

export interface LeaderStateOptions {
  readonly localId: number;
  readonly epoch: number;
  readonly epochStartOffset: number;
  readonly voters: readonly number[];
  readonly fetchTimeoutMs: number;
  readonly checkQuorum: boolean;
  readonly nowMs: number;
  /** The high watermark's test-only bugs (`highWatermarkPastMajority`, `highWatermarkBeforeEpochStart`). */
  readonly testOnlyBugs?: RaftTestOnlyBugs;
}

/**
 * Kafka's `LeaderState`: the leader's view of every replica's progress, from which it computes
 * the high watermark, and the check-quorum timer. The leader's own log end counts as a voter's
 * (it is durable: the Raft log fsyncs every append, see `kafka-metadata-log.ts`).
 */
export class LeaderState {
  readonly localId: number;
  readonly epoch: number;
  /** The leader's log end when it took office: its LeaderChange record goes here. */
  readonly epochStartOffset: number;
  /** When it took office, which starts its check-quorum timer (Kafka's `checkQuorumTimer`). */
  readonly electedAtMs: number;
  private readonly voterStates = new Map<number, ReplicaState>();
  private readonly observerStates = new Map<number, ReplicaState>();
  private highWatermarkOffset: number | undefined;
  /** Voters other than this leader that fetched since the check-quorum timer was last reset. */
  private readonly fetchedVoters = new Set<number>();
  private checkQuorumDeadlineMs: number;
  private readonly checkQuorumTimeoutMs: number;
  private readonly checkQuorum: boolean;
  private readonly pastMajorityBug: boolean;
  private readonly beforeEpochStartBug: boolean;

  constructor(options: LeaderStateOptions) {
    assertIntegerInRange(options.epoch, 1, 0x7fff_ffff, 'leader epoch');
    assertIntegerInRange(options.epochStartOffset, 0, Number.MAX_SAFE_INTEGER, 'epoch start offset');
    assert(options.voters.includes(options.localId), `leader ${options.localId} is not a voter`);
    this.localId = options.localId;
    this.epoch = options.epoch;
    this.epochStartOffset = options.epochStartOffset;
    for (const voter of options.voters) this.voterStates.set(voter, { replicaId: voter, endOffset: undefined, lastFetchTimeMs: undefined, lastCheckQuorumFetchMs: undefined });
    this.electedAtMs = options.nowMs;
    this.checkQuorum = options.checkQuorum;
    this.checkQuorumTimeoutMs = Math.floor(options.fetchTimeoutMs * CHECK_QUORUM_TIMEOUT_FACTOR);
    this.checkQuorumDeadlineMs = options.nowMs + this.checkQuorumTimeoutMs;
    this.pastMajorityBug = options.testOnlyBugs?.highWatermarkPastMajority === true;
    this.beforeEpochStartBug = options.testOnlyBugs?.highWatermarkBeforeEpochStart === true;
  }

  /** The high watermark, once one record of this epoch is committed; undefined before. */
  get highWatermark(): number | undefined {
    return this.highWatermarkOffset;
  }

  isVoter(replicaId: number): boolean {
    return this.voterStates.has(replicaId);
  }

  /** The leader's own log end moved (it appended and fsynced). Returns whether the HW moved. */
  updateLocalState(endOffset: number): boolean {
    const local = this.voterStates.get(this.localId);
    assert(local !== undefined, 'the leader tracks itself');
    assert(endOffset > this.epochStartOffset, `leader end ${endOffset} not past its epoch start ${this.epochStartOffset}`);
    assert(local.endOffset === undefined || endOffset >= local.endOffset, `leader end offset went back from ${local.endOffset} to ${endOffset}`);
    local.endOffset = endOffset;
    return this.maybeUpdateHighWatermark();
  }

  /**
   * A valid Fetch from `replicaId` at `fetchOffset` (Kafka's `updateReplicaState`): the replica
   * holds every offset below it. A lower offset than before is allowed (the replica restarted or
   * truncated), as in Kafka; the high watermark still never moves down. Returns whether it moved.
   */
  updateReplicaState(replicaId: number, fetchOffset: number, nowMs: number): boolean {
    assert(replicaId !== this.localId, 'the leader does not fetch from itself');
    assertIntegerInRange(fetchOffset, 0, Number.MAX_SAFE_INTEGER, 'fetch offset');
    const voter = this.voterStates.get(replicaId);
    if (voter !== undefined) {
      voter.endOffset = fetchOffset;
      voter.lastFetchTimeMs = nowMs;
      return this.maybeUpdateHighWatermark();
    }
    let observer = this.observerStates.get(replicaId);
    if (observer === undefined) {
      if (this.observerStates.size >= MAX_TRACKED_OBSERVERS) return false;
      observer = { replicaId, endOffset: undefined, lastFetchTimeMs: undefined, lastCheckQuorumFetchMs: undefined };
      this.observerStates.set(replicaId, observer);
    }
    observer.endOffset = fetchOffset;
    observer.lastFetchTimeMs = nowMs;
    return false;
  }

  /**
   * Kafka's `maybeUpdateHighWatermark`: the offset a majority of voters has reached (sort the
   * voters' end offsets descending, take index n/2; the leader counts), adopted only when it is
   * past the epoch start offset, so that the leader commits a record of its own epoch before it
   * exposes earlier ones (Raft §5.4.2), and only upward.
   */
  private maybeUpdateHighWatermark(): boolean {
    const offsets: number[] = [];
    for (const state of this.voterStates.values()) if (state.endOffset !== undefined) offsets.push(state.endOffset);
    offsets.sort((a, b) => b - a);
    // Test-only bug `highWatermarkPastMajority`: one index short (for three voters, the furthest log end).
    const indexOfHighWatermark = Math.floor(this.voterStates.size / 2) - (this.pastMajorityBug ? 1 : 0);
    const candidate = offsets[indexOfHighWatermark];
    if (candidate === undefined) return false;
    // Test-only bug `highWatermarkBeforeEpochStart`: Raft §5.4.2's rule left out.
    if (candidate <= this.epochStartOffset && !this.beforeEpochStartBug) return false;
    if (this.highWatermarkOffset !== undefined && candidate <= this.highWatermarkOffset) {
      // Kafka logs a lower value ("voter set changed or a voter lost data") and keeps the old one.
      return false;
    }
    const reached = offsets.filter((offset) => offset >= candidate).length;
    // refka's own check of the computation above (Kafka has none); the planted bug skips it, as its slip would.
    assert(this.pastMajorityBug || reached >= majoritySize(this.voterStates.size), `high watermark ${candidate} is on ${reached} voters only`);
    this.highWatermarkOffset = candidate;
    return true;
  }

  /** Kafka's `updateCheckQuorumForFollowingVoter`: a voter fetched; restart the timer on a majority. */
  updateCheckQuorumForFollowingVoter(replicaId: number, nowMs: number): void {
    assert(replicaId !== this.localId, 'the leader does not fetch from itself');
    const voter = this.voterStates.get(replicaId);
    if (voter === undefined) return;
    voter.lastCheckQuorumFetchMs = nowMs;
    this.fetchedVoters.add(replicaId);
    // The leader is a voter, so it counts towards the majority without fetching.
    const needed = majoritySize(this.voterStates.size) - 1;
    if (this.fetchedVoters.size >= needed) {
      this.fetchedVoters.clear();
      this.checkQuorumDeadlineMs = nowMs + this.checkQuorumTimeoutMs;
    }
  }

  /**
   * Kafka's `timeUntilCheckQuorumExpires`; never with one voter (KAFKA-16144), nor in the
   * `kafka-15489` variant, which predates the check.
   */
  timeUntilCheckQuorumExpires(nowMs: number): number {
    if (!this.checkQuorum) return Number.POSITIVE_INFINITY;
    if (this.voterStates.size === 1) return Number.POSITIVE_INFINITY;
    return Math.max(0, this.checkQuorumDeadlineMs - nowMs);
  }

  /** The other voters, the furthest along first: the preferred successors of EndQuorumEpoch. */
  nonLeaderVotersByDescendingFetchOffset(): number[] {
    const others = [...this.voterStates.values()].filter((state) => state.replicaId !== this.localId);
    others.sort((a, b) => (b.endOffset ?? -1) - (a.endOffset ?? -1) || a.replicaId - b.replicaId);
    return others.map((state) => state.replicaId);
  }

  /** The voters' states, in voter order, this leader's own included (the checkers' view; read, never kept). */
  voterReplicaStates(): IterableIterator<Readonly<ReplicaState>> {
    return this.voterStates.values();
  }

  /** The replica's state as the leader knows it (tests and the describe-quorum view). */
  replicaState(replicaId: number): Readonly<ReplicaState> | undefined {
    return this.voterStates.get(replicaId) ?? this.observerStates.get(replicaId);
  }
}

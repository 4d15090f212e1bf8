import { assert, assertIntegerInRange } from '../common/assert.ts';
import type { NodeId } from '../env/node-environment.ts';
import { majoritySize, type RaftTestOnlyBugs } from './raft-config.ts';
import { VoterSet, type ReplicaKey } from './voter-set.ts';

/**
 * Kafka's `LeaderState.CHECK_QUORUM_TIMEOUT_FACTOR` (KAFKA-15489): a leader resigns when a
 * majority of voters has not fetched within 1.5 × `controller.quorum.fetch.timeout.ms`.
 */
export const CHECK_QUORUM_TIMEOUT_FACTOR = 1.5;

/** A bound on the observers a leader tracks; more fetchers than this is a configuration bug. */
export const MAX_TRACKED_OBSERVERS = 64;

/**
 * Kafka's `ReplicaState.isReplicaCaughtUp` window: an observer that reached the leader's log end
 * and fetched within the last hour may be added as a voter (AddVoterHandler).
 */
export const CAUGHT_UP_FETCH_WINDOW_MS = 3_600_000;

/** Kafka's `LeaderState.ReplicaState`: what the leader knows of one replica's log. */
export interface ReplicaState {
  readonly replicaId: number;
  /** KIP-853: the directory id it fetched with (a voter's: its key's). */
  directoryId: string | undefined;
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
  /** The leader's log end at the replica's previous fetch (Kafka's `lastFetchLeaderLogEndOffset`). */
  lastFetchLeaderEndOffset: number | undefined;
  /** When the replica last held everything the leader had (Kafka's `lastCaughtUpTimestamp`). */
  lastCaughtUpMs: number | undefined;
}

/**
 * A voter change the leader appended and answers once it commits (Kafka's `AddVoterHandlerState`
 * and `RemoveVoterHandlerState`): one at a time (KIP-853), given up at its deadline.
 */
export interface PendingVoterChange {
  readonly kind: 'add' | 'remove';
  readonly key: ReplicaKey;
  /** The VotersRecord's offset: the change commits when the high watermark passes it. */
  readonly lastOffset: number;
  /** Who asked, to answer: the node and its request's correlation id. */
  readonly from: NodeId;
  readonly correlationId: number;
  readonly deadlineMs: number;
}

export interface LeaderStateOptions {
  readonly localId: number;
  readonly epoch: number;
  readonly epochStartOffset: number;
  /** The voters when the epoch starts: ids (a static quorum) or keys (KIP-853). */
  readonly voters: readonly number[] | VoterSet;
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
  private voters: VoterSet;
  private voterStates = new Map<number, ReplicaState>();
  /** Keyed by `replicaKeyOf`: a replica id may fetch under several directory ids (before and after a disk replacement). */
  private readonly observerStates = new Map<string, ReplicaState>();
  /** The voter change waiting to commit, if any (KIP-853). */
  pendingVoterChange: PendingVoterChange | undefined;
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
    this.voters = options.voters instanceof VoterSet ? options.voters : VoterSet.ofIds(options.voters);
    assert(this.voters.voterKey(options.localId) !== undefined, `leader ${options.localId} is not a voter`);
    this.localId = options.localId;
    this.epoch = options.epoch;
    this.epochStartOffset = options.epochStartOffset;
    for (const voter of this.voters.voterKeys()) this.voterStates.set(voter.id, emptyReplicaState(voter));
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

  /** Whether (replicaId, directoryId) is a voter: Kafka's `isVoter(ReplicaKey)` (by id alone for static voters). */
  isVoter(replicaId: number, directoryId?: string): boolean {
    return this.voters.isVoter({ id: replicaId, directoryId });
  }

  /** The voters this leader counts. */
  get voterSet(): VoterSet {
    return this.voters;
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
  updateReplicaState(replicaId: number, fetchOffset: number, nowMs: number, directoryId?: string): boolean {
    assert(replicaId !== this.localId, 'the leader does not fetch from itself');
    assertIntegerInRange(fetchOffset, 0, Number.MAX_SAFE_INTEGER, 'fetch offset');
    const leaderEnd = this.voterStates.get(this.localId)?.endOffset ?? this.epochStartOffset;
    if (this.isVoter(replicaId, directoryId)) {
      const voter = this.voterStates.get(replicaId) as ReplicaState;
      updateFetch(voter, fetchOffset, leaderEnd, nowMs);
      return this.maybeUpdateHighWatermark();
    }
    // A fetch under a key that is not a voter's (an observer, or a voter's id on a replaced disk)
    // never counts toward the high watermark (KIP-853).
    const key = replicaKeyOf(replicaId, directoryId);
    let observer = this.observerStates.get(key);
    if (observer === undefined) {
      if (this.observerStates.size >= MAX_TRACKED_OBSERVERS) return false;
      observer = emptyReplicaState({ id: replicaId, directoryId });
      this.observerStates.set(key, observer);
    }
    updateFetch(observer, fetchOffset, leaderEnd, nowMs);
    return false;
  }

  /**
   * Kafka's `isReplicaCaughtUp` (AddVoterHandler step 7): the observer `key` once held everything
   * the leader had and fetched within the last hour.
   */
  isReplicaCaughtUp(key: ReplicaKey, nowMs: number): boolean {
    const observer = this.observerStates.get(replicaKeyOf(key.id, key.directoryId));
    if (observer === undefined || observer.lastCaughtUpMs === undefined || observer.lastFetchTimeMs === undefined) return false;
    return observer.lastFetchTimeMs > nowMs - CAUGHT_UP_FETCH_WINDOW_MS;
  }

  /**
   * Kafka's `updateVoterAndObserverStates`: the leader appended a VotersRecord, and counts the new
   * voters from now on. A new voter brings the progress it made as an observer; a removed one
   * becomes an observer. Returns whether the high watermark moved.
   */
  updateVoters(voters: VoterSet): boolean {
    assert(voters.voterKey(this.localId) !== undefined, `leader ${this.localId} removed from the voters ${voters.toString()}`);
    const next = new Map<number, ReplicaState>();
    for (const voter of voters.voterKeys()) {
      const kept = this.voterStates.get(voter.id);
      const observerKey = replicaKeyOf(voter.id, voter.directoryId);
      const state = kept !== undefined && this.voters.voterKey(voter.id)?.directoryId === voter.directoryId ? kept : (this.observerStates.get(observerKey) ?? emptyReplicaState(voter));
      this.observerStates.delete(observerKey);
      state.directoryId = voter.directoryId;
      next.set(voter.id, state);
    }
    for (const [id, state] of this.voterStates) {
      if (next.get(id) === state || this.observerStates.size >= MAX_TRACKED_OBSERVERS) continue;
      this.observerStates.set(replicaKeyOf(id, state.directoryId), state);
    }
    for (const id of [...this.fetchedVoters]) if (!next.has(id)) this.fetchedVoters.delete(id);
    this.voters = voters;
    this.voterStates = next;
    return this.maybeUpdateHighWatermark();
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
  updateCheckQuorumForFollowingVoter(replicaId: number, nowMs: number, directoryId?: string): void {
    assert(replicaId !== this.localId, 'the leader does not fetch from itself');
    if (!this.isVoter(replicaId, directoryId)) return;
    const voter = this.voterStates.get(replicaId) as ReplicaState;
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
  replicaState(replicaId: number, directoryId?: string): Readonly<ReplicaState> | undefined {
    return this.isVoter(replicaId, directoryId) ? this.voterStates.get(replicaId) : this.observerStates.get(replicaKeyOf(replicaId, directoryId));
  }

  /** The observers the leader tracks, by id then directory id (`kafka-metadata-quorum describe --replication`). */
  observers(): Readonly<ReplicaState>[] {
    return [...this.observerStates.values()].sort((a, b) => a.replicaId - b.replicaId || (a.directoryId ?? '').localeCompare(b.directoryId ?? ''));
  }
}

function emptyReplicaState(key: ReplicaKey): ReplicaState {
  return { replicaId: key.id, directoryId: key.directoryId, endOffset: undefined, lastFetchTimeMs: undefined, lastCheckQuorumFetchMs: undefined, lastFetchLeaderEndOffset: undefined, lastCaughtUpMs: undefined };
}

function replicaKeyOf(id: number, directoryId: string | undefined): string {
  return `${id}/${directoryId ?? ''}`;
}

/** Kafka's `ReplicaState.updateFollowerState`: the fetch offset, and when the replica last held all the leader had. */
function updateFetch(state: ReplicaState, fetchOffset: number, leaderEndOffset: number, nowMs: number): void {
  if (fetchOffset >= leaderEndOffset) state.lastCaughtUpMs = Math.max(state.lastCaughtUpMs ?? 0, nowMs);
  else if (state.lastFetchLeaderEndOffset !== undefined && state.lastFetchTimeMs !== undefined && fetchOffset >= state.lastFetchLeaderEndOffset) state.lastCaughtUpMs = Math.max(state.lastCaughtUpMs ?? 0, state.lastFetchTimeMs);
  state.endOffset = fetchOffset;
  state.lastFetchLeaderEndOffset = leaderEndOffset;
  state.lastFetchTimeMs = nowMs;
}

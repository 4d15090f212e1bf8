import type { FileRawSnapshotWriter } from './raft-snapshots.ts';
import { assert, assertIntegerInRange, assertNever, fail } from '../common/assert.ts';
import type { Clock, RandomStream } from '../env/node-environment.ts';
import type { OffsetAndEpoch } from './kafka-metadata-log.ts';
import { LeaderState } from './leader-state.ts';
import { majoritySize, type RaftConfig } from './raft-config.ts';
import { NO_LEADER_ID } from './raft-messages.ts';
import { NO_VOTED_ID, type ElectionState, type FileQuorumStateStore, INITIAL_ELECTION_STATE } from './quorum-state-store.ts';
import { VoterSet, type ReplicaKey } from './voter-set.ts';

/**
 * Kafka's `QuorumState` and its `EpochState`s, after KIP-996 (Prospective) and KAFKA-17067 (Voted
 * folded into Unattached with a `votedKey`). Voters move as follows (QuorumState's class comment);
 * an observer moves only between Unattached and Follower.
 *
 * | from        | to          | when                                                              |
 * |-------------|-------------|-------------------------------------------------------------------|
 * | Unattached  | Unattached  | a higher epoch is seen, or a binding vote is cast (`votedKey`)    |
 * | Unattached  | Prospective | the election timeout expires                                      |
 * | Unattached  | Follower    | a leader of an equal or higher epoch is discovered                |
 * | Prospective | Candidate   | a majority grants the PreVote                                     |
 * | Prospective | Unattached  | a higher epoch is seen, or the election is lost with no leader known |
 * | Prospective | Follower    | a leader is discovered, or the election is lost and a leader is known |
 * | Candidate   | Leader      | a majority grants the vote                                        |
 * | Candidate   | Prospective | the election is lost or times out (after the backoff)             |
 * | Candidate   | Unattached  | a higher epoch is seen                                            |
 * | Candidate   | Follower    | a leader of an equal or higher epoch is discovered                |
 * | Leader      | Resigned    | graceful shutdown, or check-quorum fails                          |
 * | Leader      | Unattached / Follower | a higher epoch is seen                                  |
 * | Follower    | Prospective | the fetch timeout expires                                         |
 * | Follower    | Unattached / Follower | a higher epoch is seen                                  |
 * | Resigned    | Unattached  | a higher epoch is seen, or the election timeout expires (epoch + 1) |
 * | Resigned    | Follower    | a leader of a higher epoch is discovered                          |
 *
 * With `preVote` off (the `pre-kip-996` variant) there is no Prospective: Unattached, Follower and
 * Candidate go straight to Candidate in the next epoch. A quorum of one voter skips Prospective
 * too (PR #18240), since its own PreVote is a majority.
 *
 * Durable transitions write the election state (epoch, leader, vote) with
 * {@link FileQuorumStateStore} and fsync it inside the transition, before the caller can send any
 * message that depends on it. Prospective and Resigned are in memory only: neither changes the
 * epoch, the leader or the vote.
 */

/** Kafka's `EpochElection`: the votes (or PreVotes) a replica has heard back in one round. */
export class EpochElection {
  private readonly votes = new Map<number, boolean>();

  constructor(
    private readonly localId: number,
    readonly voters: readonly number[],
  ) {
    assert(voters.includes(localId), `replica ${localId} campaigns without being a voter`);
    this.votes.set(localId, true);
  }

  recordVote(voterId: number, granted: boolean): void {
    assert(this.voters.includes(voterId), `a vote from non-voter ${voterId}`);
    assert(voterId !== this.localId, 'a replica does not answer its own vote request');
    this.votes.set(voterId, granted);
  }

  isVoteGranted(): boolean {
    return this.grantedCount() >= majoritySize(this.voters.length);
  }

  /** Lost: too many rejections for a majority to be possible. */
  isVoteRejected(): boolean {
    let rejected = 0;
    for (const granted of this.votes.values()) if (!granted) rejected++;
    return this.voters.length - rejected < majoritySize(this.voters.length);
  }

  /** Voters that have not answered yet, in voter order (who to send requests to). */
  unrecordedVoters(): number[] {
    return this.voters.filter((voter) => !this.votes.has(voter));
  }

  grantedCount(): number {
    let granted = 0;
    for (const vote of this.votes.values()) if (vote) granted++;
    return granted;
  }
}

export interface UnattachedState {
  readonly type: 'Unattached';
  readonly epoch: number;
  /** The candidate this replica cast its binding vote for in this epoch, if any. */
  readonly votedKey: number | undefined;
  readonly electionDeadlineMs: number;
}

export interface ProspectiveState {
  readonly type: 'Prospective';
  readonly epoch: number;
  /** Carried from the state before: a Prospective replica keeps its vote and its last leader. */
  readonly votedKey: number | undefined;
  readonly leaderId: number | undefined;
  /** Elections lost in a row; drives the exponential backoff. */
  readonly retries: number;
  readonly electionDeadlineMs: number;
  readonly election: EpochElection;
}

export interface CandidateState {
  readonly type: 'Candidate';
  readonly epoch: number;
  readonly retries: number;
  readonly electionDeadlineMs: number;
  readonly election: EpochElection;
  /** Set once the election is lost or timed out: the candidate waits, then tries again. */
  backoffUntilMs: number | undefined;
}

export interface LeaderEpochState {
  readonly type: 'Leader';
  readonly epoch: number;
  readonly leader: LeaderState;
}

export interface FollowerState {
  readonly type: 'Follower';
  readonly epoch: number;
  readonly leaderId: number;
  readonly votedKey: number | undefined;
  /** When the follower gives up on its leader; reset by every successful Fetch. */
  fetchDeadlineMs: number;
  /** KIP-996: a follower that has fetched from its leader rejects PreVotes. */
  hasFetchedFromLeader: boolean;
  /**
   * KAFKA-19078: when an observer that joins by itself next asks the leader to change the voters
   * (Kafka's `updateVoterSetPeriodTimer`, one fetch timeout).
   */
  nextVoterSetUpdateMs: number;
  /** KIP-630: the leader's snapshot being downloaded by FetchSnapshot, if any (Kafka's `fetchingSnapshot`). */
  fetchingSnapshot?: FileRawSnapshotWriter | undefined;
}

export interface ResignedState {
  readonly type: 'Resigned';
  readonly epoch: number;
  readonly electionDeadlineMs: number;
  readonly preferredSuccessors: readonly number[];
  /** Voters that have not acknowledged EndQuorumEpoch yet. */
  readonly unackedVoters: Set<number>;
}

export type EpochState = UnattachedState | ProspectiveState | CandidateState | LeaderEpochState | FollowerState | ResignedState;
export type EpochStateName = EpochState['type'];

/** The persisted view of a state: undefined for the in-memory-only states. */
export function electionStateOf(state: EpochState, localId: number): ElectionState | undefined {
  switch (state.type) {
    case 'Unattached':
      return { epoch: state.epoch, leaderId: NO_LEADER_ID, votedId: state.votedKey ?? NO_VOTED_ID };
    case 'Candidate':
      return { epoch: state.epoch, leaderId: NO_LEADER_ID, votedId: localId };
    case 'Leader':
      return { epoch: state.epoch, leaderId: localId, votedId: localId };
    case 'Follower':
      return { epoch: state.epoch, leaderId: state.leaderId, votedId: state.votedKey ?? NO_VOTED_ID };
    case 'Prospective':
    case 'Resigned':
      return undefined;
    default:
      return assertNever(state, 'epoch state');
  }
}

/** The leader this state knows for its epoch, if any. */
export function leaderIdOf(state: EpochState, localId: number): number | undefined {
  switch (state.type) {
    case 'Leader':
    case 'Resigned':
      return localId;
    case 'Follower':
      return state.leaderId;
    case 'Prospective':
      return state.leaderId;
    case 'Unattached':
    case 'Candidate':
      return undefined;
    default:
      return assertNever(state, 'epoch state');
  }
}

/**
 * Kafka's `EpochState.canGrantVote`, per state (KIP-595, KIP-996). `isLogUpToDate` says that the
 * candidate's (last epoch, end offset) is at least this replica's, compared lexicographically.
 * A binding vote is granted at most once per epoch; a PreVote is non-binding and is refused by a
 * leader, and by a follower that has heard from its leader.
 */
export function canGrantVote(state: EpochState, localId: number, candidateId: number, isLogUpToDate: boolean, isPreVote: boolean, grantSecondBindingVote = false): boolean {
  assert(candidateId !== localId, 'a replica does not ask itself for a vote');
  switch (state.type) {
    case 'Unattached':
      if (isPreVote) return isLogUpToDate;
      if (state.votedKey !== undefined && !grantSecondBindingVote) return state.votedKey === candidateId;
      return isLogUpToDate;
    case 'Prospective':
      if (isPreVote) return isLogUpToDate;
      if (state.leaderId !== undefined) return false;
      if (state.votedKey !== undefined && !grantSecondBindingVote) return state.votedKey === candidateId;
      return isLogUpToDate;
    case 'Candidate':
      // A candidate voted for itself in its epoch.
      return isPreVote && isLogUpToDate;
    case 'Leader':
      return false;
    case 'Follower':
      return isPreVote && !state.hasFetchedFromLeader && isLogUpToDate;
    case 'Resigned':
      return isPreVote && isLogUpToDate;
    default:
      return assertNever(state, 'epoch state');
  }
}

/**
 * Asserts that `from → to` is one of the transitions in the table above (Kafka throws
 * `IllegalStateException` for the others). Exported for the transition tests.
 */
export function checkTransition(from: EpochState, to: EpochState, options: { isVoter: boolean; preVote: boolean; onlyVoter: boolean }): void {
  const what = `${from.type}(${from.epoch}) -> ${to.type}(${to.epoch})`;
  assert(to.epoch >= from.epoch, `illegal transition ${what}: the epoch goes back`);
  const higher = to.epoch > from.epoch;
  if (!options.isVoter) assert(to.type === 'Unattached' || to.type === 'Follower', `illegal transition ${what} for an observer`);
  switch (to.type) {
    case 'Unattached':
      if (higher) return;
      if (from.type === 'Unattached' && from.votedKey === undefined && to.votedKey !== undefined) return;
      if (from.type === 'Prospective' && from.leaderId === undefined && to.votedKey === from.votedKey) return;
      if (from.type === 'Prospective' && from.leaderId === undefined && from.votedKey === undefined && to.votedKey !== undefined) return;
      if (from.type === 'Follower' && !options.isVoter) return;
      return fail(`illegal transition ${what}`);
    case 'Prospective':
      assert(options.preVote, `illegal transition ${what}: pre-vote is off`);
      assert(!higher, `illegal transition ${what}: Prospective keeps the epoch`);
      assert(from.type === 'Unattached' || from.type === 'Follower' || from.type === 'Candidate', `illegal transition ${what}`);
      return;
    case 'Candidate':
      assert(to.epoch === from.epoch + 1, `illegal transition ${what}: a candidate campaigns in the next epoch`);
      if (from.type === 'Prospective') return;
      assert(!options.preVote || options.onlyVoter, `illegal transition ${what}: only Prospective may become Candidate`);
      assert(from.type === 'Unattached' || from.type === 'Follower' || from.type === 'Candidate', `illegal transition ${what}`);
      return;
    case 'Leader':
      assert(from.type === 'Candidate' && !higher, `illegal transition ${what}`);
      return;
    case 'Follower':
      if (higher) return;
      assert(from.type === 'Unattached' || from.type === 'Prospective' || from.type === 'Candidate', `illegal transition ${what}`);
      return;
    case 'Resigned':
      assert(from.type === 'Leader' && !higher, `illegal transition ${what}`);
      return;
    default:
      return assertNever(to, 'epoch state');
  }
}

/** One state change, for the `transition` effects the client reports. */
export interface QuorumTransition {
  readonly from: EpochStateName;
  readonly to: EpochStateName;
  readonly epoch: number;
}

/** A bound on undrained transitions: the client drains them after every input. */
export const MAX_PENDING_TRANSITIONS = 64;

export class QuorumState {
  private current: EpochState | undefined;
  private readonly pendingTransitions: QuorumTransition[] = [];
  readonly localId: number;
  readonly localKey: ReplicaKey;
  /** Whether the last reported state was a voter's: a VotersRecord may change it without a state change. */
  private reportedIsVoter = false;

  constructor(
    private readonly config: RaftConfig,
    private readonly store: FileQuorumStateStore,
    private readonly random: RandomStream,
    private readonly clock: Clock,
    /** The voter set as the log has it now (`KRaftControlRecordStateMachine.lastVoterSet`); the static voters when absent. */
    private readonly voterSet: () => VoterSet = staticVoters(config),
  ) {
    this.localId = config.nodeId;
    this.localKey = { id: config.nodeId, directoryId: config.directoryId };
  }

  /** Kafka's `QuorumState.isVoter`: this replica's key (its id and directory id) is a voter in the latest voter set. */
  get isVoter(): boolean {
    return this.voterSet().isVoter(this.localKey);
  }

  /** The voters as the log has them now. */
  get voters(): VoterSet {
    return this.voterSet();
  }

  /**
   * A VotersRecord appended or truncated may make this replica a voter or an observer with no
   * state change (KIP-853). Records the change as a transition to the same state, for the report
   * (the model's VOTER_ADDED and VOTER_REMOVED), and returns whether it happened. Only a follower
   * appends or truncates records; only a follower, or an observer, changes so.
   */
  noteVoterStatus(): boolean {
    const isVoter = this.isVoter;
    if (isVoter === this.reportedIsVoter) return false;
    const state = this.state;
    assert(state.type === 'Follower', `the voters changed this replica's membership in ${state.type}`);
    this.reportedIsVoter = isVoter;
    this.recordTransition(state.type, state);
    return true;
  }

  /**
   * Kafka's `QuorumState.initialize`: the state a (re)started replica begins in, from its persisted
   * election state and its log. A replica that was leader restarts Resigned in the same epoch, so
   * it cannot vote for anyone else in an epoch it led (V-K2); a log with a later epoch than the
   * election state wins, and the replica starts Unattached in the log's epoch.
   */
  initialize(logEnd: OffsetAndEpoch): void {
    assert(this.current === undefined, 'the quorum state is initialized once');
    const election = this.store.readElectionState() ?? INITIAL_ELECTION_STATE;
    const nowMs = this.clock.nowMs();
    let initial: EpochState;
    if (election.epoch < logEnd.epoch) {
      initial = this.unattached(logEnd.epoch, undefined, nowMs);
    } else if (election.leaderId === this.localId && this.isVoter && this.config.testOnlyBugs?.restartLeaderAsUnattached !== true) {
      initial = { type: 'Resigned', epoch: election.epoch, electionDeadlineMs: nowMs + this.randomElectionTimeoutMs(), preferredSuccessors: [], unackedVoters: new Set() };
    } else if (election.leaderId === this.localId) {
      initial = this.unattached(election.epoch, undefined, nowMs);
    } else if (election.leaderId !== NO_LEADER_ID) {
      const votedKey = election.votedId === NO_VOTED_ID ? undefined : election.votedId;
      initial = { type: 'Follower', epoch: election.epoch, leaderId: election.leaderId, votedKey, fetchDeadlineMs: nowMs + this.config.timeouts.fetchTimeoutMs, hasFetchedFromLeader: false, nextVoterSetUpdateMs: nowMs + this.config.timeouts.fetchTimeoutMs };
    } else if (election.votedId === this.localId && this.isVoter) {
      // It voted for itself in this epoch: it campaigns again in the same epoch, as Kafka does.
      initial = this.candidate(election.epoch, 1, nowMs);
    } else {
      initial = this.unattached(election.epoch, election.votedId === NO_VOTED_ID ? undefined : election.votedId, nowMs);
    }
    const persisted = electionStateOf(initial, this.localId);
    if (persisted !== undefined) this.store.writeElectionState(persisted);
    this.current = initial;
    this.reportedIsVoter = this.isVoter;
    this.recordTransition('Unattached', initial);
  }

  get state(): EpochState {
    assert(this.current !== undefined, 'the quorum state is not initialized');
    return this.current;
  }

  get epoch(): number {
    return this.state.epoch;
  }

  leaderId(): number | undefined {
    return leaderIdOf(this.state, this.localId);
  }

  isOnlyVoter(): boolean {
    return this.voterSet().isOnlyVoter(this.localKey);
  }

  /** Transitions since the last call, oldest first. */
  drainTransitions(): QuorumTransition[] {
    return this.pendingTransitions.splice(0, this.pendingTransitions.length);
  }

  /** Kafka's `randomElectionTimeoutMs`: uniform in [timeout, 2 × timeout). */
  randomElectionTimeoutMs(): number {
    const timeoutMs = this.config.timeouts.electionTimeoutMs;
    return timeoutMs + this.random.int(0, timeoutMs - 1);
  }

  /**
   * A replica already waiting out an election timeout keeps what remains of it (Kafka's
   * `transitionToUnattached`): otherwise a lagging candidate that bumps the epoch every backoff
   * would restart every other voter's timer forever, and no one else would ever campaign.
   */
  transitionToUnattached(epoch: number): void {
    const state = this.state;
    const votedKey = this.sameEpochVote(epoch);
    const next = this.unattached(epoch, votedKey, this.clock.nowMs());
    const keepsTimer = state.type === 'Unattached' || state.type === 'Candidate' || state.type === 'Prospective';
    this.transitionTo(keepsTimer ? { ...next, electionDeadlineMs: state.electionDeadlineMs } : next);
  }

  /** Casts this replica's binding vote for `candidateId` in `epoch`; durable before it returns. */
  transitionToUnattachedVoted(epoch: number, candidateId: number): void {
    // No voter check (Kafka's `transitionToUnattachedVotedState` since KIP-853): a replica whose
    // voter set does not name it yet may be a voter in the candidate's newer one (`VoteHandler`).
    assert(candidateId !== this.localId, 'a replica votes for itself only as a candidate');
    this.transitionTo(this.unattached(epoch, candidateId, this.clock.nowMs()));
  }

  transitionToProspective(): void {
    assert(this.isVoter, 'an observer does not campaign');
    const state = this.state;
    const retries = state.type === 'Candidate' ? state.retries + 1 : 1;
    const votedKey = state.type === 'Unattached' || state.type === 'Follower' ? state.votedKey : undefined;
    const leaderId = state.type === 'Follower' ? state.leaderId : undefined;
    this.transitionTo({
      type: 'Prospective',
      epoch: state.epoch,
      votedKey,
      leaderId,
      retries,
      electionDeadlineMs: this.clock.nowMs() + this.randomElectionTimeoutMs(),
      election: new EpochElection(this.localId, this.voterSet().voterIds()),
    });
  }

  transitionToCandidate(): void {
    const state = this.state;
    const retries = state.type === 'Prospective' ? state.retries : state.type === 'Candidate' ? state.retries + 1 : 1;
    this.transitionTo(this.candidate(state.epoch + 1, retries, this.clock.nowMs()));
  }

  transitionToLeader(epochStartOffset: number): LeaderState {
    const state = this.state;
    assert(state.type === 'Candidate', `only a candidate becomes leader, not ${state.type}`);
    assert(state.election.isVoteGranted(), 'a leader holds a majority of votes');
    const leader = new LeaderState({
      localId: this.localId,
      epoch: state.epoch,
      epochStartOffset,
      voters: this.voterSet(),
      fetchTimeoutMs: this.config.timeouts.fetchTimeoutMs,
      checkQuorum: this.config.checkQuorum,
      nowMs: this.clock.nowMs(),
      ...(this.config.testOnlyBugs === undefined ? {} : { testOnlyBugs: this.config.testOnlyBugs }),
    });
    this.transitionTo({ type: 'Leader', epoch: state.epoch, leader });
    return leader;
  }

  transitionToFollower(epoch: number, leaderId: number): void {
    assert(leaderId !== this.localId, 'a replica does not follow itself');
    const state = this.state;
    const votedKey = epoch === state.epoch ? this.sameEpochVote(epoch) : undefined;
    this.transitionTo({
      type: 'Follower',
      epoch,
      leaderId,
      votedKey,
      fetchDeadlineMs: this.clock.nowMs() + this.config.timeouts.fetchTimeoutMs,
      hasFetchedFromLeader: false,
      nextVoterSetUpdateMs: this.clock.nowMs() + this.config.timeouts.fetchTimeoutMs,
    });
  }

  transitionToResigned(preferredSuccessors: readonly number[]): void {
    const state = this.state;
    assert(state.type === 'Leader', `only a leader resigns, not ${state.type}`);
    this.transitionTo({
      type: 'Resigned',
      epoch: state.epoch,
      electionDeadlineMs: this.clock.nowMs() + this.randomElectionTimeoutMs(),
      preferredSuccessors,
      unackedVoters: new Set(preferredSuccessors),
    });
  }

  /** The vote this replica holds in `epoch` if it stays in the same epoch (kept across states). */
  private sameEpochVote(epoch: number): number | undefined {
    const state = this.state;
    if (epoch !== state.epoch) return undefined;
    switch (state.type) {
      case 'Unattached':
      case 'Prospective':
      case 'Follower':
        return state.votedKey;
      case 'Candidate':
      case 'Leader':
        return this.localId;
      case 'Resigned':
        return undefined;
      default:
        return assertNever(state, 'epoch state');
    }
  }

  private unattached(epoch: number, votedKey: number | undefined, nowMs: number): UnattachedState {
    assertIntegerInRange(epoch, 0, 0x7fff_ffff, 'epoch');
    return { type: 'Unattached', epoch, votedKey, electionDeadlineMs: nowMs + this.randomElectionTimeoutMs() };
  }

  private candidate(epoch: number, retries: number, nowMs: number): CandidateState {
    assert(this.isVoter, 'only a voter becomes a candidate');
    return {
      type: 'Candidate',
      epoch,
      retries,
      electionDeadlineMs: nowMs + this.randomElectionTimeoutMs(),
      election: new EpochElection(this.localId, this.voterSet().voterIds()),
      backoffUntilMs: undefined,
    };
  }

  /** Kafka's `durableTransitionTo` / `memoryTransitionTo`: check, persist (fsynced), switch. */
  private transitionTo(next: EpochState): void {
    const from = this.state;
    checkTransition(from, next, { isVoter: this.isVoter, preVote: this.config.preVote, onlyVoter: this.isOnlyVoter() });
    const persisted = electionStateOf(next, this.localId);
    // Test-only bug `epochBumpNotPersisted`: a move to a newer epoch as Unattached stays in memory.
    const memoryOnly = this.config.testOnlyBugs?.epochBumpNotPersisted === true && next.type === 'Unattached' && next.epoch > from.epoch;
    if (persisted !== undefined && !memoryOnly) this.store.writeElectionState(persisted);
    this.current = next;
    this.recordTransition(from.type, next);
  }

  private recordTransition(from: EpochStateName, to: EpochState): void {
    this.reportedIsVoter = this.isVoter;
    assert(this.pendingTransitions.length < MAX_PENDING_TRANSITIONS, 'quorum transitions were not drained');
    this.pendingTransitions.push({ from, to: to.type, epoch: to.epoch });
  }
}

/** The voter set of a static quorum (kraft.version 0): `controller.quorum.voters`, ids alone. */
function staticVoters(config: RaftConfig): () => VoterSet {
  const voters = VoterSet.ofIds(config.voters);
  return () => voters;
}

import { assert, assertNever } from '../common/assert.ts';
import type { NodeEnvironment, NodeId, NodeInput, SimulatedNode } from '../env/node-environment.ts';
import type { ControllerQuorumEventType } from '../../model/controller-quorum.machine.ts';
import { KafkaMetadataLog, MAX_RECORDS_PER_APPEND, type CreateSnapshotOutcome, type RaftLogEntry } from './kafka-metadata-log.ts';
import type { SnapshotId } from './raft-snapshots.ts';
import { readCommittedOrSnapshot, readCommittedRecords, type CommittedRead } from './committed-reads.ts';
import { binaryExponentialElectionBackoffMs } from './election-backoff.ts';
import { FetchPurgatory } from './fetch-purgatory.ts';
import { LeaderFetchHandler } from './leader-fetch-handler.ts';
import { MAX_TRACKED_OBSERVERS, type LeaderState } from './leader-state.ts';
import { FileQuorumStateStore } from './quorum-state-store.ts';
import { QuorumState } from './quorum-state.ts';
import type { LogChange, RaftClientCore, RaftEffect } from './raft-client-core.ts';
import { KRaftControlRecordStateMachine } from './kraft-control-record-state-machine.ts';
import { readBootstrapVoters } from './meta-properties.ts';
import { VoterChangeHandler } from './voter-change-handler.ts';
import { VoterSet, type ReplicaKey } from './voter-set.ts';
import { FollowerFetcher } from './follower-fetcher.ts';
import { VoteHandler } from './vote-handler.ts';
import { QuorumEpochHandler } from './quorum-epoch-handler.ts';
import { loadedCause, QuorumTransitionReporter } from './quorum-transition-reporter.ts';
import { MAX_VOTERS, type RaftConfig } from './raft-config.ts';
import {
  apiOf,
  NO_LEADER_ID,
  type RaftMessage,
} from './raft-messages.ts';
import { RequestManager, type InFlightRequest } from './request-manager.ts';

export type { RaftEffect } from './raft-client-core.ts';
export type { CommittedRead } from './committed-reads.ts';
export { OBSERVER_DISCOVERY_BACKOFF_MS } from './follower-fetcher.ts';

/** The one timer: every deadline lives in the state, and `poll` finds the next (Kafka's `poll`). */
export const RAFT_POLL_TIMER = 'raft-poll';

/** A bound on the state changes one input may cause (each poll pass makes one at most). */
const MAX_POLL_PASSES = 8;

/** A bound on records the leader holds above its high watermark (Kafka bounds its accumulator). */
export const MAX_UNCOMMITTED_RECORDS = 10_000;

/** What `append` answers the application (Kafka's `RaftClient.prepareAppend` + `schedulePreparedAppend`). */
export type AppendResult =
  | { readonly type: 'appended'; readonly baseOffset: number; readonly lastOffset: number; readonly epoch: number; readonly effects: readonly RaftEffect[] }
  /** `BUFFER_ALLOCATION` mirrors Kafka's `BufferAllocationException`: too much is uncommitted. */
  | { readonly type: 'error'; readonly error: 'NOT_LEADER_OR_FOLLOWER' | 'INVALID_REQUEST' | 'BUFFER_ALLOCATION' };

/**
 * Kafka's `KafkaRaftClient` (KIP-595, KIP-996, KAFKA-15489) as a pure state machine: inputs in,
 * effects out, time and randomness from the environment, the log and the quorum-state file on
 * the environment's disk. Every input ends in `poll`, which does the work that is due for the
 * current state (Kafka's `pollLeader`/`pollFollower`/...) and arms one timer for the next deadline.
 *
 * A crash discards the object; `new KafkaRaftClient(environment, config)` rebuilds it from disk.
 */
export class KafkaRaftClient implements SimulatedNode<RaftMessage> {
  readonly log: KafkaMetadataLog;
  /** The voter set as the log holds it (KIP-853; the static voters with kraft.version 0). */
  readonly controlRecords: KRaftControlRecordStateMachine;
  readonly quorum: QuorumState;
  private readonly requests: RequestManager;
  private readonly idByAddress = new Map<NodeId, number>();
  private readonly purgatory = new FetchPurgatory(MAX_VOTERS + MAX_TRACKED_OBSERVERS);
  private readonly fetchHandler: LeaderFetchHandler;
  private readonly votes: VoteHandler;
  private readonly fetcher: FollowerFetcher;
  private readonly quorumEpochs: QuorumEpochHandler;
  private readonly voterChanges: VoterChangeHandler;
  /** Voters that have not acknowledged this leader's BeginQuorumEpoch nor fetched from it. */
  private readonly beginQuorumUnacked = new Set<number>();
  private nextCorrelationId = 0;
  private halted = false;
  /** State changes made and not yet reported, each with its cause (the model's event). */
  private readonly reporter = new QuorumTransitionReporter();

  constructor(
    private readonly environment: NodeEnvironment,
    readonly config: RaftConfig,
  ) {
    this.log = KafkaMetadataLog.open(environment.disk, environment.clock, {
      skipFsyncTestOnlyBug: config.testOnlyBugs?.skipLogFsync === true,
      logStartPastSnapshotTestOnlyBug: config.testOnlyBugs?.logStartPastSnapshot === true,
      ...(config.metadataLogSegmentBytes === undefined ? {} : { segmentBytes: config.metadataLogSegmentBytes }),
      snapshotsHoldVoters: config.kraftVersion === 1,
    });
    // KIP-853: the voters from the latest snapshot, or the bootstrap voters the directory was
    // formatted with, then the log's VotersRecords; KIP-595's static ids with kraft.version 0.
    const bootstrap = config.kraftVersion === 1 ? readBootstrapVoters(environment.disk) : undefined;
    this.controlRecords = new KRaftControlRecordStateMachine(this.log, config.kraftVersion, VoterSet.ofIds(config.voters), bootstrap);
    this.requests = new RequestManager(config.timeouts.requestTimeoutMs, config.timeouts.retryBackoffMs);
    for (const voter of config.voters) this.idByAddress.set(config.addressOf(voter), voter);
    this.quorum = new QuorumState(config, new FileQuorumStateStore(environment.disk), environment.random, environment.clock, () => this.controlRecords.lastVoterSet());
    this.quorum.initialize(this.log.endOffsetAndEpoch());
    this.reporter.collect(this.quorum, loadedCause(this.quorum));
    this.fetchHandler = new LeaderFetchHandler(config.nodeId, this.log, this.purgatory, {
      state: () => this.quorum.state,
      responseHeader: () => ({ ...this.leaderInfo(), highWatermark: this.highWatermark() ?? -1 }),
      nowMs: () => this.nowMs(),
    });
    const core: RaftClientCore = {
      config,
      log: this.log,
      controlRecords: this.controlRecords,
      quorum: this.quorum,
      requests: this.requests,
      random: environment.random,
      nodeAddress: environment.nodeId,
      nowMs: () => this.nowMs(),
      leaderInfo: () => this.leaderInfo(),
      transition: (effects, cause, change) => this.transition(effects, cause, change),
      transitionToUnattached: (epoch, effects, cause) => this.transitionToUnattached(epoch, effects, cause),
      maybeHandleCommonResponse: (errorCode, leaderId, epoch, effects) => this.quorumEpochs.maybeHandleCommonResponse(errorCode, leaderId, epoch, effects),
      sendRequest: (destination, api, effects, fetchOffset, build) => this.sendRequest(destination, api, effects, fetchOffset, build),
      becomeLeader: (effects) => this.becomeLeader(effects),
      electionBackoffMs: (retries) => this.electionBackoffMs(retries),
      onLogChanged: (effects, change) => this.onLogChanged(effects, change),
      appendVotersRecord: (voters, effects) => this.appendVotersRecord(voters, effects),
    };
    this.votes = new VoteHandler(core);
    this.fetcher = new FollowerFetcher(core);
    this.quorumEpochs = new QuorumEpochHandler(core);
    this.voterChanges = new VoterChangeHandler(core);
  }

  /** This replica's key: its id and its directory's id (KIP-853). */
  get localKey(): ReplicaKey {
    return this.quorum.localKey;
  }

  /**
   * The voters as of this replica's high watermark (the last VotersRecord it knows committed), or
   * as of its log end when it knows no high watermark yet: what the checks and the fault budget
   * read of the quorum's committed membership.
   */
  committedVoterSet(): VoterSet {
    const highWatermark = this.highWatermark();
    const last = this.controlRecords.lastVoterSetOffset();
    if (highWatermark === undefined || last === undefined || last < highWatermark) return this.controlRecords.lastVoterSet();
    return this.controlRecords.voterSetAtOffset(highWatermark - 1);
  }

  // ---- Queries for the application and the checkers ---------------------------------------------

  /** The committed high watermark this replica knows; undefined until it learns one. */
  highWatermark(): number | undefined {
    const state = this.quorum.state;
    return state.type === 'Leader' ? state.leader.highWatermark : this.fetcher.highWatermark;
  }

  /** Kafka's `LeaderAndEpoch`. */
  leaderAndEpoch(): { readonly leaderId: number | undefined; readonly epoch: number } {
    return { leaderId: this.quorum.leaderId(), epoch: this.quorum.epoch };
  }

  /**
   * Committed application records from `from` (control records left out), at most `max`. `from`
   * must not be below the log start: an application that is (after a restart, or after its replica
   * fetched the leader's snapshot) loads the snapshot first, via {@link readCommittedOrSnapshot}.
   */
  readCommitted(from: number, max: number): RaftLogEntry[] {
    return readCommittedRecords(this.log, this.highWatermark(), from, max).records;
  }

  /**
   * What an application at `from` reads next (Kafka's `RaftClient.Listener`): the latest snapshot
   * when `from` is below the log start (`handleLoadSnapshot`; the application replaces its state
   * with the snapshot's and reads on from `snapshotId.offset`), else committed records as
   * {@link readCommitted} gives them and the offset to read from next (`handleCommit`).
   */
  readCommittedOrSnapshot(from: number, max: number): CommittedRead {
    return readCommittedOrSnapshot(this.log, this.highWatermark(), from, max, this.config.testOnlyBugs?.offByOneSnapshotLoad === true);
  }

  /**
   * Kafka's `RaftClient.createSnapshot` then `freeze`: the application's state after applying every
   * record below `snapshotId.offset`, where `snapshotId.epoch` is the epoch of the record at
   * `offset - 1` (both from the entries `readCommitted` gave). It must be committed (asserted, as
   * Kafka throws). Once durable, the log before it and older snapshots are deleted
   * (`deleteBeforeSnapshot`), so the log start moves to `snapshotId.offset`.
   */
  createSnapshot(snapshotId: SnapshotId, bytes: Uint8Array): CreateSnapshotOutcome {
    assert(!this.halted, 'createSnapshot on a halted replica');
    const highWatermark = this.highWatermark();
    assert(highWatermark !== undefined, 'a snapshot before the high watermark is known');
    const voters = this.config.kraftVersion === 1 ? this.controlRecords.voterSetAtOffset(snapshotId.offset - 1) : undefined;
    const outcome = this.log.createNewSnapshot(snapshotId, bytes, highWatermark, voters);
    if (outcome === 'created' && this.log.deleteBeforeSnapshot(snapshotId)) this.controlRecords.loadSnapshot();
    this.checkInvariants();
    return outcome;
  }

  /** Kafka's `latestSnapshot`: the newest stored snapshot and its bytes, if any. */
  latestSnapshot(): { readonly snapshotId: SnapshotId; readonly bytes: Uint8Array } | undefined {
    const latest = this.log.latestSnapshotId();
    return latest === undefined ? undefined : { snapshotId: latest, bytes: this.log.readSnapshotPayload(latest) };
  }

  /**
   * Appends records on the leader (Kafka's `prepareAppend` + `schedulePreparedAppend`, done at
   * once). They are committed when the high watermark passes `lastOffset`. The effects answer
   * fetches the leader was holding; the caller carries them out like `handle`'s.
   */
  append(values: readonly Uint8Array[]): AppendResult {
    assert(!this.halted, 'append on a halted replica');
    const state = this.quorum.state;
    if (state.type !== 'Leader') return { type: 'error', error: 'NOT_LEADER_OR_FOLLOWER' };
    if (values.length === 0 || values.length > MAX_RECORDS_PER_APPEND) return { type: 'error', error: 'INVALID_REQUEST' };
    const committed = state.leader.highWatermark ?? state.leader.epochStartOffset;
    if (this.log.endOffset() - committed + values.length > MAX_UNCOMMITTED_RECORDS) return { type: 'error', error: 'BUFFER_ALLOCATION' };
    const appended = this.log.appendAsLeader(values, state.epoch);
    state.leader.updateLocalState(this.log.endOffset());
    const effects: RaftEffect[] = [];
    this.completeParkedFetches(effects, false);
    this.checkInvariants();
    return { type: 'appended', baseOffset: appended.baseOffset, lastOffset: appended.lastOffset, epoch: state.epoch, effects };
  }

  // ---- Inputs ------------------------------------------------------------------------------------

  handle(input: NodeInput<RaftMessage>): readonly RaftEffect[] {
    assert(!this.halted, `${this.environment.nodeId}: input ${input.type} after halt`);
    const effects: RaftEffect[] = [];
    switch (input.type) {
      case 'start':
      case 'timer':
      case 'application-stall':
        break;
      case 'receive':
        this.handleMessage(input.from, input.message, effects);
        break;
      case 'disconnected': {
        const peer = this.idByAddress.get(input.peer);
        if (peer !== undefined) this.requests.onDisconnected(peer, input.brokenAtMs, this.nowMs());
        this.purgatory.dropFrom(input.peer, input.brokenAtMs);
        break;
      }
      case 'signal':
        this.shutdown(effects);
        return effects;
      default:
        return assertNever(input, 'node input');
    }
    this.poll(effects);
    this.checkInvariants();
    return effects;
  }

  /** Paired checks after every input (TigerBeetle's `defer self.invariants()`). */
  private checkInvariants(): void {
    const state = this.quorum.state;
    const end = this.log.endOffset();
    // A replica appends only batches of its own epoch or of leaders it followed in earlier ones.
    assert(this.log.lastFetchedEpoch() <= state.epoch, `log epoch ${this.log.lastFetchedEpoch()} above the quorum epoch ${state.epoch}`);
    const highWatermark = this.highWatermark();
    if (highWatermark !== undefined) assert(highWatermark <= end, `high watermark ${highWatermark} past the log end ${end}`);
    assert(this.log.startOffset() <= end, `log start ${this.log.startOffset()} past the log end ${end}`);
    if (state.type === 'Leader') {
      assert(end > state.leader.epochStartOffset, 'a leader has written its LeaderChange record');
      assert(this.log.lastFetchedEpoch() === state.epoch, 'a leader log ends in its own epoch');
    } else {
      assert(this.purgatory.size === 0, 'only a leader holds fetches');
      assert(this.beginQuorumUnacked.size === 0, 'only a leader sends BeginQuorumEpoch');
    }
    if (!this.quorum.isVoter) assert(state.type === 'Unattached' || state.type === 'Follower', `an observer in ${state.type}`);
    assert(this.controlRecords.lastVoterSetOffset() === undefined || (this.controlRecords.lastVoterSetOffset() as number) < end, 'the voter set in force is in the log');
  }

  private handleMessage(from: NodeId, message: RaftMessage, effects: RaftEffect[]): void {
    switch (message.type) {
      case 'VoteRequest':
        return this.votes.handleVoteRequest(from, message, effects);
      case 'BeginQuorumEpochRequest':
        return this.quorumEpochs.handleBeginQuorumEpochRequest(from, message, effects);
      case 'EndQuorumEpochRequest':
        return this.quorumEpochs.handleEndQuorumEpochRequest(from, message, effects);
      case 'FetchRequest':
        if (this.fetchHandler.handleFetchRequest(from, message, effects)) this.beginQuorumUnacked.delete(message.replicaId);
        return;
      case 'FetchSnapshotRequest':
        if (this.fetchHandler.handleFetchSnapshotRequest(from, message, effects)) this.beginQuorumUnacked.delete(message.replicaId);
        return;
      case 'AddRaftVoterRequest':
        return this.voterChanges.handleAddVoterRequest(from, message, effects);
      case 'RemoveRaftVoterRequest':
        return this.voterChanges.handleRemoveVoterRequest(from, message, effects);
      case 'VoteResponse':
      case 'BeginQuorumEpochResponse':
      case 'EndQuorumEpochResponse':
      case 'FetchResponse':
      case 'FetchSnapshotResponse':
      case 'AddRaftVoterResponse':
      case 'RemoveRaftVoterResponse':
        return this.handleResponse(from, message, effects);
      default:
        return assertNever(message, 'raft message');
    }
  }

  // ---- Fetch and FetchSnapshot (leader side, in `LeaderFetchHandler`; an accepted one acknowledges the epoch)

  private completeParkedFetches(effects: RaftEffect[], expiredOnly: boolean): void {
    this.fetchHandler.completeParkedFetches(effects, expiredOnly);
  }

  // ---- Responses ---------------------------------------------------------------------------------

  private handleResponse(from: NodeId, response: Exclude<RaftMessage, { type: `${string}Request` }>, effects: RaftEffect[]): void {
    const fromId = this.idByAddress.get(from);
    if (fromId === undefined) return;
    const request = this.requests.onResponseReceived(fromId, apiOf(response), response.correlationId);
    if (request === undefined) return;
    // An error answer is retried after the backoff, not at once (a transition clears the backoff).
    if (response.errorCode !== 'NONE') this.requests.onRequestFailed(fromId, this.nowMs());
    switch (response.type) {
      case 'VoteResponse':
        return this.votes.handleVoteResponse(fromId, response, effects);
      case 'FetchResponse':
        return this.fetcher.handleFetchResponse(fromId, response, request, effects);
      case 'FetchSnapshotResponse':
        return this.fetcher.handleFetchSnapshotResponse(fromId, response, effects);
      case 'BeginQuorumEpochResponse':
        if (this.quorumEpochs.maybeHandleCommonResponse(response.errorCode, response.leaderId, response.leaderEpoch, effects)) return;
        // INVALID_VOTER_KEY: the voter's directory is gone (its disk was replaced); asking again is no use.
        if (response.errorCode === 'NONE' || response.errorCode === 'INVALID_VOTER_KEY') this.beginQuorumUnacked.delete(fromId);
        return;
      case 'AddRaftVoterResponse':
      case 'RemoveRaftVoterResponse':
        return this.voterChanges.handleResponse(response);
      case 'EndQuorumEpochResponse': {
        if (this.quorumEpochs.maybeHandleCommonResponse(response.errorCode, response.leaderId, response.leaderEpoch, effects)) return;
        const state = this.quorum.state;
        if (state.type === 'Resigned' && response.errorCode === 'NONE') state.unackedVoters.delete(fromId);
        return;
      }
      default:
        return assertNever(response, 'raft response');
    }
  }

  // ---- Poll: the work each state does when its deadlines come --------------------------------------

  /**
   * Kafka's `poll`: runs the current state's poll until it stops changing state, then arms the one
   * timer for the earliest deadline. A pass changes the state at most once, so the loop is bounded.
   */
  private poll(effects: RaftEffect[]): void {
    this.requests.expire(this.nowMs());
    let pass = 0;
    for (; pass < MAX_POLL_PASSES; pass++) {
      const before = this.quorum.state;
      this.pollCurrentState(effects);
      if (this.quorum.state === before) break;
    }
    assert(pass < MAX_POLL_PASSES, `${this.environment.nodeId}: poll changed state ${MAX_POLL_PASSES} times in a row`);
    this.reporter.emit(effects, this.environment.nodeId);
    const nextMs = Math.min(this.stateDeadlineMs(), this.requests.nextDeadlineMs(this.nowMs()), this.purgatory.nextDeadlineMs());
    if (nextMs === Number.POSITIVE_INFINITY) effects.push({ type: 'cancel-timer', name: RAFT_POLL_TIMER });
    else effects.push({ type: 'set-timer', name: RAFT_POLL_TIMER, delayMs: Math.max(0, nextMs - this.nowMs()) });
  }

  private pollCurrentState(effects: RaftEffect[]): void {
    const state = this.quorum.state;
    const nowMs = this.nowMs();
    switch (state.type) {
      case 'Leader':
        return this.pollLeader(state.leader, effects);
      case 'Follower':
        if (nowMs >= state.fetchDeadlineMs) {
          // An observer forgets the leader and looks for one again; a voter starts an election.
          if (!this.quorum.isVoter) return this.transition(effects, 'FETCH_TIMEOUT', () => this.quorum.transitionToUnattached(state.epoch));
          return this.startElection(effects);
        }
        if (this.voterChanges.maybeSendAddOrRemoveVoter(state, effects)) return;
        return this.fetcher.maybeSendFetch(state.leaderId, effects);
      case 'Unattached':
        if (!this.quorum.isVoter) return this.fetcher.maybeSendDiscoveryFetch(effects);
        if (nowMs >= state.electionDeadlineMs) this.startElection(effects);
        return;
      case 'Prospective':
        if (state.election.isVoteRejected() || nowMs >= state.electionDeadlineMs) {
          // Kafka's `prospectiveTransitionAfterElectionLoss`.
          if (state.leaderId !== undefined) return this.transition(effects, 'PREVOTE_FAILED_LEADER_KNOWN', () => this.quorum.transitionToFollower(state.epoch, state.leaderId as number));
          return this.transition(effects, 'PREVOTE_FAILED', () => this.quorum.transitionToUnattached(state.epoch));
        }
        return this.votes.maybeSendVoteRequests(state.election.unrecordedVoters(), true, effects);
      case 'Candidate':
        if (state.election.isVoteGranted()) return this.becomeLeader(effects);
        if (state.backoffUntilMs !== undefined) {
          if (nowMs >= state.backoffUntilMs) this.startElection(effects);
          return;
        }
        if (nowMs >= state.electionDeadlineMs) {
          state.backoffUntilMs = nowMs + this.electionBackoffMs(state.retries);
          return;
        }
        return this.votes.maybeSendVoteRequests(state.election.unrecordedVoters(), false, effects);
      case 'Resigned':
        this.quorumEpochs.maybeSendEndQuorumEpoch(effects);
        if (nowMs >= state.electionDeadlineMs) this.transitionToUnattached(state.epoch + 1, effects, 'ELECTION_TIMEOUT');
        return;
      default:
        return assertNever(state, 'epoch state');
    }
  }

  /** Kafka's `pollLeader`: check-quorum, BeginQuorumEpoch retries, expired long polls. */
  private pollLeader(leader: LeaderState, effects: RaftEffect[]): void {
    const nowMs = this.nowMs();
    if (leader.timeUntilCheckQuorumExpires(nowMs) === 0) {
      effects.push({ type: 'mark', name: 'raft-check-quorum-resigned' });
      this.resign(effects);
      return;
    }
    for (const voter of leader.voterSet.voterKeys()) {
      if (!this.beginQuorumUnacked.has(voter.id) || !this.requests.isReady(voter.id, nowMs)) continue;
      const correlationId = this.sendRequest(voter.id, 'BeginQuorumEpoch', effects, -1, (id) => ({ type: 'BeginQuorumEpochRequest', correlationId: id, leaderId: this.config.nodeId, leaderEpoch: leader.epoch, voterDirectoryId: voter.directoryId }));
      assert(correlationId >= 0, 'a correlation id');
    }
    this.voterChanges.maybeCompletePendingChange(effects);
    this.completeParkedFetches(effects, true);
  }

  /** Unattached, Follower or Candidate time out: PreVote first (KIP-996), else campaign at once. */
  private startElection(effects: RaftEffect[]): void {
    assert(this.quorum.isVoter, 'only a voter starts an election');
    if (!this.config.preVote || this.quorum.isOnlyVoter()) return this.transition(effects, 'CAMPAIGNED', () => this.quorum.transitionToCandidate());
    const from = this.quorum.state.type;
    assert(from === 'Unattached' || from === 'Follower' || from === 'Candidate', `an election starts from ${from}`);
    // The model names why: the election timer, the fetch timer, or a lost election's backoff.
    const cause = from === 'Unattached' ? 'ELECTION_TIMEOUT' : from === 'Follower' ? 'FETCH_TIMEOUT' : 'ELECTION_FAILED';
    this.transition(effects, cause, () => this.quorum.transitionToProspective());
  }

  private sendRequest(destination: number, api: InFlightRequest['api'], effects: RaftEffect[], fetchOffset: number, build: (correlationId: number) => RaftMessage): number {
    assert(destination !== this.config.nodeId, 'a replica does not send requests to itself');
    const correlationId = this.nextCorrelationId++;
    this.requests.onRequestSent(destination, { api, correlationId, epoch: this.quorum.epoch, fetchOffset }, this.nowMs());
    effects.push({ type: 'send', to: this.config.addressOf(destination), message: build(correlationId) });
    return correlationId;
  }

  // ---- Becoming leader, resigning, shutting down ---------------------------------------------------

  /**
   * Kafka's `onBecomeLeader`: the epoch starts at the log end, where the new leader appends a
   * LeaderChange control record in its own epoch; committing that record is what lets the high
   * watermark pass the epoch start (LeaderState). Then BeginQuorumEpoch goes to every other voter.
   */
  private becomeLeader(effects: RaftEffect[]): void {
    const epochStartOffset = this.log.endOffset();
    let leader: LeaderState | undefined;
    this.transition(effects, 'VOTE_WON', () => {
      leader = this.quorum.transitionToLeader(epochStartOffset);
    });
    assert(leader !== undefined, 'the transition made a leader');
    // KIP-853: a leader whose voters are still the bootstrap ones (no VotersRecord in its log or
    // snapshot) writes them into the log with its LeaderChange, so every replica learns them.
    const voters = this.controlRecords.lastVoterSet();
    const writeVoters = this.config.kraftVersion === 1 && this.controlRecords.lastVoterSetOffset() === -1;
    this.log.appendLeaderChange({ leaderId: this.config.nodeId, voters: voters.voterIds() }, leader.epoch, writeVoters ? voters : undefined);
    this.controlRecords.updateState();
    leader.updateLocalState(this.log.endOffset());
    for (const voter of voters.voterIds()) if (voter !== this.config.nodeId) this.beginQuorumUnacked.add(voter);
    effects.push({ type: 'mark', name: 'raft-leader-elected' });
  }

  /** The leader appends a VotersRecord (KIP-853) and counts the new voters at once. */
  private appendVotersRecord(voters: VoterSet, effects: RaftEffect[]): number {
    const state = this.quorum.state;
    assert(state.type === 'Leader', 'only a leader appends a VotersRecord');
    const offset = this.log.appendVotersRecord(voters, state.epoch);
    this.controlRecords.updateState();
    assert(this.controlRecords.lastVoterSet().equals(voters), 'the appended VotersRecord is the voter set in force');
    state.leader.updateLocalState(this.log.endOffset());
    state.leader.updateVoters(voters);
    for (const voter of [...this.beginQuorumUnacked]) if (voters.voterKey(voter) === undefined) this.beginQuorumUnacked.delete(voter);
    this.completeParkedFetches(effects, false);
    return offset;
  }

  /** The follower side of `LogChange` (see `RaftClientCore.onLogChanged`). */
  private onLogChanged(effects: RaftEffect[], change: LogChange): void {
    switch (change.type) {
      case 'appended':
        this.controlRecords.updateState();
        break;
      case 'truncated':
        this.controlRecords.truncateNewEntries(change.endOffset);
        this.controlRecords.updateState();
        break;
      case 'snapshot':
        this.controlRecords.loadSnapshot();
        break;
      default:
        assertNever(change, 'log change');
    }
    // A VotersRecord naming this replica's key makes it a voter, one taken back an observer again.
    if (this.quorum.noteVoterStatus()) {
      this.reporter.collect(this.quorum, this.quorum.isVoter ? 'VOTER_ADDED' : 'VOTER_REMOVED');
      effects.push({ type: 'mark', name: this.quorum.isVoter ? 'raft-became-voter' : 'raft-became-observer' });
    }
  }

  /** Leader → Resigned (graceful shutdown or failed check-quorum), telling the voters. */
  private resign(effects: RaftEffect[]): void {
    const state = this.quorum.state;
    assert(state.type === 'Leader', 'only a leader resigns');
    const successors = state.leader.nonLeaderVotersByDescendingFetchOffset();
    this.transition(effects, 'RESIGNED', () => this.quorum.transitionToResigned(successors));
    this.quorumEpochs.maybeSendEndQuorumEpoch(effects);
  }

  /** SIGTERM: a leader resigns and sends EndQuorumEpoch (Kafka's `GracefulShutdown`), then all halt. */
  private shutdown(effects: RaftEffect[]): void {
    if (this.quorum.state.type === 'Leader') this.resign(effects);
    this.reporter.emit(effects, this.environment.nodeId);
    effects.push({ type: 'cancel-timer', name: RAFT_POLL_TIMER });
    effects.push({ type: 'halt', reason: 'SIGTERM: controlled shutdown', failed: false });
    this.halted = true;
  }

  // ---- Transitions -------------------------------------------------------------------------------

  private transitionToUnattached(epoch: number, effects: RaftEffect[], cause: 'HIGHER_EPOCH' | 'ELECTION_TIMEOUT'): void {
    this.transition(effects, cause, () => this.quorum.transitionToUnattached(epoch));
  }

  /**
   * Runs one quorum transition and what every transition implies: in-flight requests no longer
   * apply, and a leader that steps down answers the fetches it held and hands its HW over.
   */
  private transition(effects: RaftEffect[], cause: ControllerQuorumEventType, change: () => void): void {
    const before = this.quorum.state;
    change();
    const after = this.quorum.state;
    assert(after !== before, 'a transition changes the state');
    this.reporter.collect(this.quorum, cause);
    this.requests.resetAll();
    if (before.type === 'Leader') {
      const leaderHighWatermark = before.leader.highWatermark;
      if (leaderHighWatermark !== undefined) this.fetcher.updateFollowerHighWatermark(leaderHighWatermark);
      this.beginQuorumUnacked.clear();
      this.completeParkedFetches(effects, false);
    }
    assert(after.type === 'Leader' || this.purgatory.size === 0, 'only a leader holds fetches');
  }



  // ---- Deadlines and backoffs ----------------------------------------------------------------------

  private stateDeadlineMs(): number {
    const state = this.quorum.state;
    switch (state.type) {
      case 'Leader':
        return Math.min(this.nowMs() + state.leader.timeUntilCheckQuorumExpires(this.nowMs()), this.voterChanges.deadlineMs());
      case 'Follower':
        // An observer joining by itself asks again when its period ends; once it has, only the
        // answer (or the request's timeout, which the request manager times) wakes it.
        if (this.quorum.isVoter || !this.config.autoJoin || !state.hasFetchedFromLeader || state.nextVoterSetUpdateMs <= this.nowMs()) return state.fetchDeadlineMs;
        return Math.min(state.fetchDeadlineMs, state.nextVoterSetUpdateMs);
      case 'Unattached':
        return this.quorum.isVoter ? state.electionDeadlineMs : this.fetcher.nextDiscoveryMs;
      case 'Prospective':
        return state.electionDeadlineMs;
      case 'Candidate':
        return state.backoffUntilMs ?? state.electionDeadlineMs;
      case 'Resigned':
        return state.electionDeadlineMs;
      default:
        return assertNever(state, 'epoch state');
    }
  }

  private electionBackoffMs(retries: number): number {
    return binaryExponentialElectionBackoffMs(retries, this.config.timeouts.electionBackoffMaxMs, this.environment.random);
  }

  private leaderInfo(): { leaderId: number; leaderEpoch: number } {
    return { leaderId: this.quorum.leaderId() ?? NO_LEADER_ID, leaderEpoch: this.quorum.epoch };
  }

  private nowMs(): number {
    return this.environment.clock.nowMs();
  }
}

import { assert } from '../common/assert.ts';
import type { NodeId } from '../env/node-environment.ts';
import { canGrantVote } from './quorum-state.ts';
import type { RaftClientCore, RaftEffect } from './raft-client-core.ts';
import type { RaftErrorCode, VoteRequest, VoteResponse } from './raft-messages.ts';

/**
 * The Vote RPC of Kafka's `KafkaRaftClient` (KIP-595 §Vote, KIP-996 PreVote): answering a
 * candidate (`handleVoteRequest`, with the granting rules of the `EpochState`s' `canGrantVote`),
 * counting the answers a Prospective or Candidate gets (`handleVoteResponse`), and sending the
 * requests. When a campaign starts is the client's poll; this is what the RPC does.
 */
export class VoteHandler {
  constructor(private readonly core: RaftClientCore) {}

  /** Kafka's `handleVoteRequest`, with the vote-granting rules of `canGrantVote`. */
  handleVoteRequest(from: NodeId, request: VoteRequest, effects: RaftEffect[]): void {
    const { config, quorum, log } = this.core;
    assert(request.candidateId >= 0, 'a vote request names its candidate');
    const respond = (errorCode: RaftErrorCode, voteGranted: boolean): void => {
      effects.push({ type: 'send', to: from, message: { type: 'VoteResponse', correlationId: request.correlationId, errorCode, ...this.core.leaderInfo(), voteGranted, preVote: request.preVote } });
    };
    if (request.candidateEpoch < quorum.epoch) return respond('FENCED_LEADER_EPOCH', false);
    // KIP-853 (Kafka's `isValidVoterKey`): a vote asked of this id under another directory id is
    // meant for the replica that directory belonged to, whose log this one does not have: a
    // controller whose disk was replaced must not answer for its former self.
    if (request.voterDirectoryId !== undefined && request.voterDirectoryId !== config.directoryId) return respond('INVALID_VOTER_KEY', false);
    // Neither this replica nor the candidate needs to be a voter in this replica's voter set (as in
    // Kafka's `handleVoteRequest` since KIP-853): the candidate may hold a newer voter set, one
    // that names this replica's key, and the candidate counts only its own voters' answers. A
    // replica that refused here could deadlock the quorum (default seed 794: controller-0, re-added
    // under its new directory by a VotersRecord it had not fetched yet, took itself for an
    // observer and refused the only candidate that could win, and nothing else could lead).
    if (request.candidateId === config.nodeId) return respond('INVALID_REQUEST', false);
    // A standard vote campaigns in a new epoch, so the log's last epoch is below it; a PreVote is
    // sent at the prospective's current epoch, which its log may have reached.
    const epochSane = request.preVote ? request.lastOffsetEpoch <= request.candidateEpoch : request.lastOffsetEpoch < request.candidateEpoch;
    if (!epochSane) return respond('INVALID_REQUEST', false);
    if (request.candidateEpoch > quorum.epoch) this.core.transitionToUnattached(request.candidateEpoch, effects, 'HIGHER_EPOCH');
    const local = log.endOffsetAndEpoch();
    const isLogUpToDate = request.lastOffsetEpoch > local.epoch || (request.lastOffsetEpoch === local.epoch && request.lastOffset >= local.offset);
    const state = quorum.state;
    const granted = canGrantVote(state, config.nodeId, request.candidateId, isLogUpToDate, request.preVote, config.testOnlyBugs?.grantSecondBindingVote === true);
    if (granted && !request.preVote) {
      // The vote is persisted (fsynced) before the response below can be sent.
      const unvoted = (state.type === 'Unattached' || state.type === 'Prospective') && state.votedKey === undefined;
      if (unvoted) this.core.transition(effects, 'VOTE_GRANTED', () => quorum.transitionToUnattachedVoted(request.candidateEpoch, request.candidateId));
      effects.push({ type: 'mark', name: 'raft-vote-granted' });
    }
    respond('NONE', granted);
  }

  /** Kafka's `handleVoteResponse`: a PreVote majority makes a Candidate, a vote majority a Leader. */
  handleVoteResponse(fromId: number, response: VoteResponse, effects: RaftEffect[]): void {
    const { quorum } = this.core;
    if (this.core.maybeHandleCommonResponse(response.errorCode, response.leaderId, response.leaderEpoch, effects)) return;
    const state = quorum.state;
    if (response.errorCode !== 'NONE' || response.leaderEpoch !== state.epoch) return;
    // Only the voters of the round count (the voter set may have changed since it was asked).
    if ((state.type === 'Prospective' || state.type === 'Candidate') && !state.election.voters.includes(fromId)) return;
    if (state.type === 'Prospective' && response.preVote) {
      state.election.recordVote(fromId, response.voteGranted);
      // KIP-996's point: a refused PreVote leaves the epoch where it is.
      if (!response.voteGranted) effects.push({ type: 'mark', name: 'raft-prevote-rejected' });
      if (state.election.isVoteGranted()) this.core.transition(effects, 'PREVOTE_WON', () => quorum.transitionToCandidate());
    } else if (state.type === 'Candidate' && !response.preVote && state.backoffUntilMs === undefined) {
      state.election.recordVote(fromId, response.voteGranted);
      if (state.election.isVoteGranted()) this.core.becomeLeader(effects);
      else if (state.election.isVoteRejected()) state.backoffUntilMs = this.core.nowMs() + this.core.electionBackoffMs(state.retries);
    }
  }

  /** Sends a (Pre)Vote to each of `voters` that has no request in flight and is not backing off. */
  maybeSendVoteRequests(voters: readonly number[], preVote: boolean, effects: RaftEffect[]): void {
    const nowMs = this.core.nowMs();
    const { offset, epoch } = this.core.log.endOffsetAndEpoch();
    const candidateEpoch = this.core.quorum.epoch;
    const voterSet = this.core.quorum.voters;
    for (const voter of voters) {
      if (!this.core.requests.isReady(voter, nowMs)) continue;
      this.core.sendRequest(voter, 'Vote', effects, -1, (correlationId) => ({
        type: 'VoteRequest',
        correlationId,
        candidateEpoch,
        candidateId: this.core.config.nodeId,
        candidateDirectoryId: this.core.config.directoryId,
        voterDirectoryId: voterSet.voterKey(voter)?.directoryId,
        lastOffsetEpoch: epoch,
        lastOffset: offset,
        preVote,
      }));
    }
  }
}

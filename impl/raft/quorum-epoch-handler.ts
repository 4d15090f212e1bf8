import { assert } from '../common/assert.ts';
import type { NodeId } from '../env/node-environment.ts';
import { strictExponentialElectionBackoffMs } from './election-backoff.ts';
import type { RaftClientCore, RaftEffect } from './raft-client-core.ts';
import { NO_LEADER_ID, type BeginQuorumEpochRequest, type EndQuorumEpochRequest, type RaftErrorCode } from './raft-messages.ts';

/**
 * How a replica learns of epochs and leaders in Kafka's `KafkaRaftClient`: the receiving side of
 * BeginQuorumEpoch and EndQuorumEpoch (`handleBeginQuorumEpochRequest`,
 * `handleEndQuorumEpochRequest`: a new leader without waiting for a timeout, or a resigned one and
 * how soon to campaign), and the leader and epoch every response carries
 * (`maybeHandleCommonResponse`, `maybeTransition`); and a resigned leader's EndQuorumEpoch.
 */
export class QuorumEpochHandler {
  constructor(private readonly core: RaftClientCore) {}

  handleBeginQuorumEpochRequest(from: NodeId, request: BeginQuorumEpochRequest, effects: RaftEffect[]): void {
    const { config, quorum } = this.core;
    assert(request.leaderId >= 0 && request.leaderId !== config.nodeId, `BeginQuorumEpoch names leader ${request.leaderId}`);
    const respond = (errorCode: RaftErrorCode): void => {
      effects.push({ type: 'send', to: from, message: { type: 'BeginQuorumEpochResponse', correlationId: request.correlationId, errorCode, ...this.core.leaderInfo() } });
    };
    if (request.leaderEpoch < quorum.epoch) return respond('FENCED_LEADER_EPOCH');
    // KIP-853: meant for the replica of this id whose directory the leader's voters name.
    if (request.voterDirectoryId !== undefined && request.voterDirectoryId !== config.directoryId) return respond('INVALID_VOTER_KEY');
    if (!quorum.isVoter) return respond('INCONSISTENT_VOTER_SET');
    this.maybeTransition(request.leaderId, request.leaderEpoch, effects);
    respond('NONE');
  }

  /**
   * Kafka's `handleEndQuorumEpochRequest`: the leader resigned. A follower of it shortens its
   * fetch timeout, the preferred successors strictly in order (`strictExponentialElectionBackoffMs`),
   * so that the best-placed voter campaigns first.
   */
  handleEndQuorumEpochRequest(from: NodeId, request: EndQuorumEpochRequest, effects: RaftEffect[]): void {
    const { config, quorum } = this.core;
    assert(!request.preferredSuccessors.includes(request.leaderId), 'a resigning leader is not its own successor');
    const respond = (errorCode: RaftErrorCode): void => {
      effects.push({ type: 'send', to: from, message: { type: 'EndQuorumEpochResponse', correlationId: request.correlationId, errorCode, ...this.core.leaderInfo() } });
    };
    if (request.leaderEpoch < quorum.epoch) return respond('FENCED_LEADER_EPOCH');
    if (!quorum.isVoter) return respond('INCONSISTENT_VOTER_SET');
    this.maybeTransition(request.leaderId, request.leaderEpoch, effects);
    const state = quorum.state;
    if (state.type === 'Follower' && state.leaderId === request.leaderId && state.epoch === request.leaderEpoch) {
      const position = request.preferredSuccessors.indexOf(config.nodeId);
      const successors = request.preferredSuccessors.length;
      const backoffMs = strictExponentialElectionBackoffMs(position < 0 ? successors : position, successors, config.timeouts.electionBackoffMaxMs);
      state.fetchDeadlineMs = Math.min(state.fetchDeadlineMs, this.core.nowMs() + backoffMs);
    }
    respond('NONE');
  }

  /**
   * Kafka's `maybeHandleCommonResponse`: a response from an older epoch is dropped; one from a
   * newer epoch, or one that fences us, moves this replica to that epoch; one that names the
   * leader of our epoch, when we know none, makes us its follower. True when handled here.
   */
  maybeHandleCommonResponse(errorCode: RaftErrorCode, leaderId: number, epoch: number, effects: RaftEffect[]): boolean {
    if (epoch < this.core.quorum.epoch || errorCode === 'UNKNOWN_LEADER_EPOCH') return true;
    if (epoch > this.core.quorum.epoch || errorCode === 'FENCED_LEADER_EPOCH' || errorCode === 'NOT_LEADER_OR_FOLLOWER') {
      this.maybeTransition(leaderId, epoch, effects);
      return true;
    }
    if (leaderId !== NO_LEADER_ID && this.core.quorum.leaderId() === undefined) {
      this.maybeTransition(leaderId, epoch, effects);
      return errorCode !== 'NONE';
    }
    return false;
  }

  /**
   * Kafka's `maybeTransition`: follow a leader of a newer epoch, or of ours when we know none. A
   * leader named with this replica's own id, in an epoch this process does not lead, was this id's
   * former self: a controller whose disk was replaced hears that it led the epoch before (KIP-853).
   * It takes the epoch with no leader known rather than following itself (Kafka's
   * `transitionToFollower` throws there); a new leader is elected once the others time out.
   */
  maybeTransition(leaderId: number, epoch: number, effects: RaftEffect[]): void {
    const known = this.core.quorum.leaderId();
    const formerSelf = leaderId === this.core.config.nodeId;
    if (epoch === this.core.quorum.epoch && leaderId !== NO_LEADER_ID && !formerSelf) {
      assert(known === undefined || known === leaderId, `${this.core.nodeAddress}: leader ${leaderId} of epoch ${epoch} is inconsistent with the known leader ${known}`);
    }
    if (epoch > this.core.quorum.epoch) {
      if (leaderId !== NO_LEADER_ID && !formerSelf) this.core.transition(effects, 'LEADER_DISCOVERED', () => this.core.quorum.transitionToFollower(epoch, leaderId));
      else this.core.transitionToUnattached(epoch, effects, 'HIGHER_EPOCH');
    } else if (epoch === this.core.quorum.epoch && leaderId !== NO_LEADER_ID && !formerSelf && known === undefined) {
      this.core.transition(effects, 'LEADER_DISCOVERED', () => this.core.quorum.transitionToFollower(epoch, leaderId));
    }
  }

  /** A resigned leader's EndQuorumEpoch to each preferred successor that has not acknowledged it. */
  maybeSendEndQuorumEpoch(effects: RaftEffect[]): void {
    const state = this.core.quorum.state;
    assert(state.type === 'Resigned', 'EndQuorumEpoch comes from a resigned leader');
    const nowMs = this.core.nowMs();
    for (const voter of state.preferredSuccessors) {
      if (!state.unackedVoters.has(voter) || !this.core.requests.isReady(voter, nowMs)) continue;
      this.core.sendRequest(voter, 'EndQuorumEpoch', effects, -1, (correlationId) => ({
        type: 'EndQuorumEpochRequest',
        correlationId,
        leaderId: this.core.config.nodeId,
        leaderEpoch: state.epoch,
        preferredSuccessors: state.preferredSuccessors,
      }));
    }
  }
}

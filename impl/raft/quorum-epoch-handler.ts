import { assert } from '../common/assert.ts';
import type { NodeId } from '../env/node-environment.ts';
import { strictExponentialElectionBackoffMs } from './election-backoff.ts';
import type { RaftClientCore, RaftEffect } from './raft-client-core.ts';
import type { BeginQuorumEpochRequest, EndQuorumEpochRequest, RaftErrorCode } from './raft-messages.ts';

/**
 * The receiving side of BeginQuorumEpoch and EndQuorumEpoch in Kafka's `KafkaRaftClient`
 * (`handleBeginQuorumEpochRequest`, `handleEndQuorumEpochRequest`): a voter learns of a new
 * leader without waiting for a timeout, or of a resigned one and how soon to campaign.
 */
export class QuorumEpochHandler {
  constructor(
    private readonly core: RaftClientCore,
    /** Kafka's `maybeTransition`: follow a leader of a newer epoch, or of ours when we know none. */
    private readonly maybeTransition: (leaderId: number, epoch: number, effects: RaftEffect[]) => void,
  ) {}

  handleBeginQuorumEpochRequest(from: NodeId, request: BeginQuorumEpochRequest, effects: RaftEffect[]): void {
    const { config, quorum } = this.core;
    assert(request.leaderId >= 0 && request.leaderId !== config.nodeId, `BeginQuorumEpoch names leader ${request.leaderId}`);
    const respond = (errorCode: RaftErrorCode): void => {
      effects.push({ type: 'send', to: from, message: { type: 'BeginQuorumEpochResponse', correlationId: request.correlationId, errorCode, ...this.core.leaderInfo() } });
    };
    if (request.leaderEpoch < quorum.epoch) return respond('FENCED_LEADER_EPOCH');
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
}

import { assert } from '../common/assert.ts';
import type { NodeId } from '../env/node-environment.ts';
import type { FollowerState } from './quorum-state.ts';
import type { RaftClientCore, RaftEffect } from './raft-client-core.ts';
import type { AddRaftVoterRequest, AddRaftVoterResponse, RaftErrorCode, RemoveRaftVoterRequest, RemoveRaftVoterResponse } from './raft-messages.ts';
import type { ReplicaKey, VoterSet } from './voter-set.ts';

/**
 * KIP-853's voter changes in Kafka's `KafkaRaftClient`: the leader's side of AddRaftVoter and
 * RemoveRaftVoter (`AddVoterHandler`, `RemoveVoterHandler`), and the observer's side of
 * `controller.quorum.auto.join.enable` (KAFKA-19078, Kafka 4.2), by which a controller whose disk
 * was replaced gets its vote back: it first asks the leader to remove the voter of its id with its
 * old directory id, then to add it with its new one.
 *
 * The leader accepts one change at a time, only once it knows its high watermark (it has committed
 * a record of its epoch, so the previous leaders' changes are fenced) and the last VotersRecord is
 * committed; an added voter must have caught up with the leader's log as an observer. It appends
 * the new voter set as a VotersRecord, counts the new set at once (every replica applies a
 * VotersRecord when it appends it), and answers when the record commits under the new majority, or
 * REQUEST_TIMED_OUT after `controller.quorum.request.timeout.ms`. Since each change adds or removes
 * one voter, any majority of the old set and any majority of the new set share a voter (Raft's
 * single-server change, Ongaro's thesis section 4.1). refka leaves out Kafka's ApiVersions round
 * trip (its replicas all support kraft.version 1) and refuses to remove the leader itself
 * (`spec/kraft.md`, departures): its observers only ever remove a voter whose directory is gone.
 */
export class VoterChangeHandler {
  constructor(private readonly core: RaftClientCore) {}

  /** Kafka's `handleAddVoterRequest`, steps 1 to 8 of `AddVoterHandler`'s algorithm. */
  handleAddVoterRequest(from: NodeId, request: AddRaftVoterRequest, effects: RaftEffect[]): void {
    const respond = (errorCode: RaftErrorCode): void => {
      const message: AddRaftVoterResponse = { type: 'AddRaftVoterResponse', correlationId: request.correlationId, errorCode };
      effects.push({ type: 'send', to: from, message });
    };
    const key: ReplicaKey = { id: request.voterId, directoryId: request.voterDirectoryId };
    const refused = this.refusal();
    if (refused !== undefined) return respond(refused);
    const voters = this.core.quorum.voters;
    if (voters.voterKey(key.id) !== undefined) return respond('DUPLICATE_VOTER');
    const state = this.core.quorum.state;
    assert(state.type === 'Leader', 'the refusals leave only a leader');
    // Step 7: an observer that has not caught up would hold the high watermark back once it counts.
    if (!state.leader.isReplicaCaughtUp(key, this.core.nowMs())) return respond('REQUEST_TIMED_OUT');
    const added = voters.addVoter(key) as VoterSet;
    this.append(added, 'add', key, from, request.correlationId, effects);
  }

  /** Kafka's `handleRemoveVoterRequest` (`RemoveVoterHandler`). */
  handleRemoveVoterRequest(from: NodeId, request: RemoveRaftVoterRequest, effects: RaftEffect[]): void {
    const respond = (errorCode: RaftErrorCode): void => {
      const message: RemoveRaftVoterResponse = { type: 'RemoveRaftVoterResponse', correlationId: request.correlationId, errorCode };
      effects.push({ type: 'send', to: from, message });
    };
    const key: ReplicaKey = { id: request.voterId, directoryId: request.voterDirectoryId };
    const refused = this.refusal();
    if (refused !== undefined) return respond(refused);
    const removed = this.core.quorum.voters.removeVoter(key);
    if (removed === undefined) return respond('VOTER_NOT_FOUND');
    // Kafka lets a leader remove itself and resign once the removal commits; refka's replicas never ask it.
    if (key.id === this.core.config.nodeId) return respond('INVALID_REQUEST');
    this.append(removed, 'remove', key, from, request.correlationId, effects);
  }

  /** Why no voter change can start now (steps 1 to 4, shared by both handlers), or undefined. */
  private refusal(): RaftErrorCode | undefined {
    const state = this.core.quorum.state;
    if (state.type !== 'Leader') return 'NOT_LEADER_OR_FOLLOWER';
    if (this.core.config.kraftVersion === 0) return 'UNSUPPORTED_VERSION';
    const leader = state.leader;
    if (leader.pendingVoterChange !== undefined) return 'REQUEST_TIMED_OUT';
    const highWatermark = leader.highWatermark;
    if (highWatermark === undefined) return 'REQUEST_TIMED_OUT';
    const lastVoters = this.core.controlRecords.lastVoterSetOffset();
    if (lastVoters === undefined || lastVoters >= highWatermark) return 'REQUEST_TIMED_OUT';
    return undefined;
  }

  private append(voters: VoterSet, kind: 'add' | 'remove', key: ReplicaKey, from: NodeId, correlationId: number, effects: RaftEffect[]): void {
    const state = this.core.quorum.state;
    assert(state.type === 'Leader', 'only a leader appends a VotersRecord');
    const lastOffset = this.core.appendVotersRecord(voters, effects);
    state.leader.pendingVoterChange = { kind, key, lastOffset, from, correlationId, deadlineMs: this.core.nowMs() + this.core.config.timeouts.requestTimeoutMs };
  }

  /**
   * On the leader after every input: answers the pending change once the high watermark passed
   * its VotersRecord (`highWatermarkUpdated`), or REQUEST_TIMED_OUT at its deadline, when the
   * record stays in the log and the next change waits for it to commit.
   */
  maybeCompletePendingChange(effects: RaftEffect[]): void {
    const state = this.core.quorum.state;
    if (state.type !== 'Leader') return;
    const pending = state.leader.pendingVoterChange;
    if (pending === undefined) return;
    const highWatermark = state.leader.highWatermark;
    const committed = highWatermark !== undefined && highWatermark > pending.lastOffset;
    if (!committed && this.core.nowMs() < pending.deadlineMs) return;
    state.leader.pendingVoterChange = undefined;
    const errorCode: RaftErrorCode = committed ? 'NONE' : 'REQUEST_TIMED_OUT';
    if (committed) effects.push({ type: 'mark', name: pending.kind === 'add' ? 'voter-readmitted' : 'raft-voter-removed' });
    const message = pending.kind === 'add'
      ? { type: 'AddRaftVoterResponse' as const, correlationId: pending.correlationId, errorCode }
      : { type: 'RemoveRaftVoterResponse' as const, correlationId: pending.correlationId, errorCode };
    effects.push({ type: 'send', to: pending.from, message });
  }

  /** The pending change's deadline on the leader, for the poll timer. */
  deadlineMs(): number {
    const state = this.core.quorum.state;
    return state.type === 'Leader' ? (state.leader.pendingVoterChange?.deadlineMs ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
  }

  /**
   * KAFKA-19078 (`pollFollowerAsObserver`, `shouldSendAddOrRemoveVoterRequest`): an observer
   * following its leader, with auto-join on, once per fetch timeout asks the leader to remove the
   * voter of its id under another directory id, or, when its id is no voter, to add it. True when
   * it sent one (the connection to the leader carries one request at a time, so no fetch goes now).
   */
  maybeSendAddOrRemoveVoter(state: FollowerState, effects: RaftEffect[]): boolean {
    const { config, quorum, requests } = this.core;
    const nowMs = this.core.nowMs();
    if (!config.autoJoin || quorum.isVoter || !state.hasFetchedFromLeader || nowMs < state.nextVoterSetUpdateMs) return false;
    if (!requests.isReady(state.leaderId, nowMs)) return false;
    const directoryId = config.directoryId;
    assert(directoryId !== undefined, 'auto-join runs with kraft.version 1');
    const former = quorum.voters.voterKey(config.nodeId);
    state.nextVoterSetUpdateMs = nowMs + config.timeouts.fetchTimeoutMs;
    if (former !== undefined) {
      assert(former.directoryId !== directoryId && former.directoryId !== undefined, 'an observer is not a voter under its own key');
      const voterDirectoryId = former.directoryId;
      this.core.sendRequest(state.leaderId, 'RemoveRaftVoter', effects, -1, (correlationId) => ({ type: 'RemoveRaftVoterRequest', correlationId, voterId: config.nodeId, voterDirectoryId }));
    } else {
      this.core.sendRequest(state.leaderId, 'AddRaftVoter', effects, -1, (correlationId) => ({ type: 'AddRaftVoterRequest', correlationId, voterId: config.nodeId, voterDirectoryId: directoryId }));
    }
    return true;
  }

  /** The leader's answer; REQUEST_TIMED_OUT starts the period again (Kafka's `resetAddRemoveVoterPeriod`). */
  handleResponse(response: AddRaftVoterResponse | RemoveRaftVoterResponse): void {
    const state = this.core.quorum.state;
    if (response.errorCode === 'REQUEST_TIMED_OUT' && state.type === 'Follower') state.nextVoterSetUpdateMs = this.core.nowMs() + this.core.config.timeouts.fetchTimeoutMs;
  }
}

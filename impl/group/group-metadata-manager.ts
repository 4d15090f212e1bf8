import { assert, assertNever } from '../common/assert.ts';
import type { KafkaError } from '../protocol/errors.ts';
import type { HeartbeatRequest, HeartbeatResponse, JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest, LeaveGroupResponse } from '../protocol/group-messages.ts';
import { POLL_TIMEOUT_LEAVE_REASON, UNKNOWN_MEMBER_ID } from '../protocol/group-messages.ts';
import type { ClassicGroup } from './classic-group.ts';
import { ClassicGroupMember, type ResponseFuture } from './classic-group-member.ts';
import { ClassicGroupRebalance, type RequestContext } from './classic-group-rebalance.ts';
import { EMPTY_RESULT, appendErrorToResponseError, heartbeatKey, joinKey, syncKey, type CoordinatorResult } from './coordinator-result.ts';
import { newGroupMetadataRecord, type GroupMetadataValue } from './group-coordinator-records.ts';
import { joinError, syncError } from './group-responses.ts';

export type { RequestContext } from './classic-group-rebalance.ts';

/**
 * Kafka's `GroupMetadataManager`, classic protocol (group-coordinator/.../GroupMetadataManager.java,
 * the `classicGroup*` methods and `replay`): JoinGroup with KIP-394 and KIP-345, Heartbeat,
 * LeaveGroup, and the loading and unloading of groups. The rebalance machinery it shares with
 * SyncGroup and the timers lives in {@link ClassicGroupRebalance}.
 */
export class GroupMetadataManager extends ClassicGroupRebalance {
  // ---------------------------------------------------------------- JoinGroup

  /** Kafka's `classicGroupJoinToClassicGroup`. Session-timeout and group-id checks ran before (the service's). */
  classicGroupJoin(request: JoinGroupRequest, requestContext: RequestContext): CoordinatorResult {
    const future = this.future<JoinGroupResponse>(request.correlationId, requestContext.destination);
    const isUnknownMember = request.memberId === UNKNOWN_MEMBER_ID;
    const isNewGroup = !this.groups.has(request.groupId);
    const group = this.getOrMaybeCreateClassicGroup(request.groupId, isUnknownMember);
    if (group === undefined) {
      future.complete(joinError(request.correlationId, request.memberId, 'UNKNOWN_MEMBER_ID'));
      return EMPTY_RESULT;
    }
    if (group === 'full') {
      future.complete(joinError(request.correlationId, request.memberId, 'COORDINATOR_NOT_AVAILABLE'));
      return EMPTY_RESULT;
    }
    let result = EMPTY_RESULT;
    if (!this.acceptJoiningMember(group, request.memberId)) {
      group.remove(request.memberId);
      future.complete(joinError(request.correlationId, UNKNOWN_MEMBER_ID, 'GROUP_MAX_SIZE_REACHED'));
    } else if (isUnknownMember) {
      result = this.classicGroupJoinNewMember(request, requestContext, group, future);
    } else {
      result = this.classicGroupJoinExistingMember(request, requestContext, group, future);
    }
    if (isNewGroup && result === EMPTY_RESULT) {
      // A new group must reach the log so that a failed append takes it back (Kafka writes the
      // empty group for this reason: "to commit the group to the timeline data structure").
      result = {
        // Kafka's `newEmptyGroupMetadataRecord`: generation 0, no protocol, no members.
        records: [newGroupMetadataRecord(group.groupId, {
          protocolType: '', generation: 0, protocol: null, leader: null, currentStateTimestamp: this.ctx.nowMs, members: [],
        })],
        appendCallback: (error) => {
          if (error !== null) future.complete(joinError(request.correlationId, UNKNOWN_MEMBER_ID, appendErrorToResponseError(error)));
        },
      };
    }
    return this.answerIfWriteFails(result, future, (error) => joinError(request.correlationId, UNKNOWN_MEMBER_ID, error));
  }

  private classicGroupJoinNewMember(
    request: JoinGroupRequest, requestContext: RequestContext, group: ClassicGroup, future: ResponseFuture<JoinGroupResponse>,
  ): CoordinatorResult {
    if (group.isInState('Dead')) {
      future.complete(joinError(request.correlationId, UNKNOWN_MEMBER_ID, 'COORDINATOR_NOT_AVAILABLE'));
      return EMPTY_RESULT;
    }
    if (!group.supportsProtocols(request.protocolType, new Set(request.protocols.map((protocol) => protocol.name)))) {
      future.complete(joinError(request.correlationId, UNKNOWN_MEMBER_ID, 'INCONSISTENT_GROUP_PROTOCOL'));
      return EMPTY_RESULT;
    }
    // Kafka's `generateMemberId`: the instance id (static) or client id (dynamic), a dash, a UUID.
    const newMemberId = `${request.groupInstanceId ?? requestContext.clientId}-${this.newUuid()}`;
    assert(!group.hasMember(newMemberId) && !group.isPendingMember(newMemberId), `member id ${newMemberId} generated twice`);
    if (request.groupInstanceId !== null) {
      const existingMemberId = group.staticMemberId(request.groupInstanceId);
      if (existingMemberId !== undefined && this.replacesStaticMember(group)) {
        return this.updateStaticMemberThenRebalanceOrCompleteJoin(request, group, existingMemberId, newMemberId, future);
      }
      return this.addMemberThenRebalanceOrCompleteJoin(request, requestContext, group, newMemberId, future);
    }
    // KIP-394 (JoinGroup v4+, which every refka client speaks): the new member first gets its id.
    if (group.pendingJoinMembers.size >= this.config.groupMaxSize) {
      future.complete(joinError(request.correlationId, UNKNOWN_MEMBER_ID, 'GROUP_MAX_SIZE_REACHED'));
      return EMPTY_RESULT;
    }
    group.addPendingMember(newMemberId);
    this.scheduleHeartbeat(group.groupId, newMemberId, request.sessionTimeoutMs);
    future.complete(joinError(request.correlationId, newMemberId, 'MEMBER_ID_REQUIRED'));
    return EMPTY_RESULT;
  }

  private classicGroupJoinExistingMember(
    request: JoinGroupRequest, requestContext: RequestContext, group: ClassicGroup, future: ResponseFuture<JoinGroupResponse>,
  ): CoordinatorResult {
    const memberId = request.memberId;
    if (group.isInState('Dead')) {
      future.complete(joinError(request.correlationId, memberId, 'COORDINATOR_NOT_AVAILABLE'));
      return EMPTY_RESULT;
    }
    if (!group.supportsProtocols(request.protocolType, new Set(request.protocols.map((protocol) => protocol.name)))) {
      future.complete(joinError(request.correlationId, memberId, 'INCONSISTENT_GROUP_PROTOCOL'));
      return EMPTY_RESULT;
    }
    if (group.isPendingMember(memberId)) {
      // Kafka throws IllegalStateException here (a pending member is never static), which fails
      // the write; refka answers the same way without an exception.
      if (request.groupInstanceId !== null) {
        future.complete(joinError(request.correlationId, memberId, 'UNKNOWN_SERVER_ERROR'));
        return EMPTY_RESULT;
      }
      return this.addMemberThenRebalanceOrCompleteJoin(request, requestContext, group, memberId, future);
    }
    const error = this.validateMember(group, memberId, request.groupInstanceId);
    if (error !== 'NONE') {
      future.complete(joinError(request.correlationId, memberId, error));
      return EMPTY_RESULT;
    }
    const member = group.member(memberId);
    switch (group.state) {
      case 'PreparingRebalance':
        return this.updateMemberThenRebalanceOrCompleteJoin(request, group, member, future);
      case 'CompletingRebalance':
        if (!member.matches(request.protocols)) return this.updateMemberThenRebalanceOrCompleteJoin(request, group, member, future);
        // The member lost the JoinGroup answer: send the current generation again.
        future.complete(this.joinResponse(group, memberId, request.correlationId, group.isLeader(memberId), false));
        return EMPTY_RESULT;
      case 'Stable':
        // The leader's JoinGroup always rebalances: that is how it reacts to topic metadata changes.
        if (group.isLeader(memberId) || !member.matches(request.protocols)) {
          return this.updateMemberThenRebalanceOrCompleteJoin(request, group, member, future);
        }
        future.complete(this.joinResponse(group, memberId, request.correlationId, false, false));
        return EMPTY_RESULT;
      case 'Empty':
      case 'Dead':
        future.complete(joinError(request.correlationId, memberId, 'UNKNOWN_MEMBER_ID'));
        return EMPTY_RESULT;
      default:
        return assertNever(group.state, 'group state');
    }
  }


  /**
   * Whether a known instance joining with an unknown member id replaces its member id now. Kafka
   * does in every state since KAFKA-8500 (PR #6899); before, only in Stable, and in the other
   * states the join added a second member under the instance id, which took the instance's
   * mapping (the old id is then fenced, but stays a member, with an assignment, until its
   * session times out).
   */
  private replacesStaticMember(group: ClassicGroup): boolean {
    return this.config.joinReplacesStaticMemberInEveryState !== false || group.isInState('Stable');
  }

  /** Kafka's `acceptJoiningMember`: `group.max.size`, counted as Kafka counts it in each state. */
  private acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return true;
      case 'PreparingRebalance':
        return (group.hasMember(memberId) && group.member(memberId).isAwaitingJoin) || group.numAwaitingJoinResponse < this.config.groupMaxSize;
      case 'CompletingRebalance':
      case 'Stable':
        return group.hasMember(memberId) || group.numMembers < this.config.groupMaxSize;
      default:
        return assertNever(group.state, 'group state');
    }
  }


  private addMemberThenRebalanceOrCompleteJoin(
    request: JoinGroupRequest, requestContext: RequestContext, group: ClassicGroup, memberId: string,
    future: ResponseFuture<JoinGroupResponse>,
  ): CoordinatorResult {
    const member = new ClassicGroupMember(
      memberId, request.groupInstanceId, requestContext.clientId, requestContext.clientHost,
      request.rebalanceTimeoutMs, request.sessionTimeoutMs, request.protocolType, request.protocols,
    );
    member.isNew = true;
    // A member joining during the delayed initial rebalance extends the delay.
    if (group.isInState('PreparingRebalance') && group.previousState === 'Empty') group.newMemberAdded = true;
    group.add(member, future, this.config.joinReplacesStaticMemberInEveryState === false);
    // New members cannot heartbeat while parked: a bound on defunct joiners (Kafka's comment).
    this.scheduleHeartbeat(group.groupId, memberId, this.config.groupNewMemberJoinTimeoutMs);
    return this.maybePrepareRebalanceOrCompleteJoin(group);
  }

  private updateMemberThenRebalanceOrCompleteJoin(
    request: JoinGroupRequest, group: ClassicGroup, member: ClassicGroupMember, future: ResponseFuture<JoinGroupResponse>,
  ): CoordinatorResult {
    group.updateMember(member, request.protocols, request.rebalanceTimeoutMs, request.sessionTimeoutMs, future);
    return this.maybePrepareRebalanceOrCompleteJoin(group);
  }

  /**
   * Kafka's `updateStaticMemberThenRebalanceOrCompleteJoin` (KIP-345): a known instance joins with
   * an unknown member id; it replaces the old member id, whose parked requests are fenced.
   */
  private updateStaticMemberThenRebalanceOrCompleteJoin(
    request: JoinGroupRequest, group: ClassicGroup, oldMemberId: string, newMemberId: string,
    future: ResponseFuture<JoinGroupResponse>,
  ): CoordinatorResult {
    const instanceId = request.groupInstanceId;
    assert(instanceId !== null, 'only a static member is replaced');
    const currentLeader = group.leaderId;
    const replaced = group.replaceStaticMember(instanceId, oldMemberId, newMemberId);
    this.ctx.mark('static-member-replaced', group.groupId);
    replaced.fencedJoin?.complete({ ...joinError(replaced.fencedJoin.correlationId, oldMemberId, 'FENCED_INSTANCE_ID') });
    replaced.fencedSync?.complete(syncError(replaced.fencedSync.correlationId, 'FENCED_INSTANCE_ID'));
    // Kafka lets the old id's heartbeat timer fire harmlessly; refka cancels it to keep the timer table small.
    this.ctx.cancel(heartbeatKey(group.groupId, oldMemberId));
    const newMember = replaced.newMember;
    this.scheduleHeartbeat(group.groupId, newMemberId, newMember.sessionTimeoutMs);
    const old = { rebalanceTimeoutMs: newMember.rebalanceTimeoutMs, sessionTimeoutMs: newMember.sessionTimeoutMs, protocols: newMember.supportedProtocols };
    group.updateMember(newMember, request.protocols, request.rebalanceTimeoutMs, request.sessionTimeoutMs, future);
    switch (group.state) {
      case 'Stable': {
        if (group.protocolName !== group.selectProtocol()) return this.maybePrepareRebalanceOrCompleteJoin(group);
        // The protocol stays: persist the new member id, and answer once it is committed.
        const value = group.toGroupMetadataValue(group.groupAssignment(), this.ctx.nowMs);
        const replacedInGeneration = group.generationId;
        return {
          records: [newGroupMetadataRecord(group.groupId, value)],
          appendCallback: (error) => {
            if (error !== null) {
              // Revert the replacement (Kafka's callback does the same). refka checks first that
              // nothing replaced the member meanwhile, which Kafka's synchronous append rules out,
              // and that no rebalance began since: one that did carries the new member id, and a
              // revert while it completes swaps the id the leader's assignment names, leaving the
              // instance no assignment in the next Stable generation (KAFKA-9801's empty
              // assignment through another door; default seed 746: the write timed out after the
              // group had gone on to CompletingRebalance).
              const unchangedSince = group.isInState('Stable') && group.generationId === replacedInGeneration;
              if (unchangedSince && group.hasMember(newMemberId) && group.staticMemberId(instanceId) === newMemberId) {
                group.updateMember(newMember, old.protocols, old.rebalanceTimeoutMs, old.sessionTimeoutMs, null);
                group.replaceStaticMember(instanceId, newMemberId, oldMemberId);
                this.ctx.cancel(heartbeatKey(group.groupId, newMemberId));
                this.scheduleHeartbeat(group.groupId, oldMemberId, old.sessionTimeoutMs);
              }
              future.complete({
                ...joinError(request.correlationId, UNKNOWN_MEMBER_ID, appendErrorToResponseError(error)),
                generationId: group.generationId, protocolName: group.protocolName, protocolType: group.protocolType, leader: currentLeader ?? '',
              });
              return;
            }
            // KIP-814 (JoinGroup v9): the leader gets the members but must not assign again.
            const isLeader = group.isLeader(newMemberId);
            // Kafka answers unconditionally; if a rebalance started while the record was in flight,
            // refka leaves the parked join to that rebalance, whose answer carries the new generation.
            if (group.hasMember(newMemberId) && group.isInState('Stable')) {
              group.completeJoinFuture(newMember, this.joinResponse(group, newMemberId, request.correlationId, isLeader, isLeader));
            }
          },
        };
      }
      case 'CompletingRebalance':
        // The leader may already hold an assignment for the old member id: rebalance.
        return this.prepareRebalance(group);
      case 'PreparingRebalance':
        return this.maybeCompleteJoinPhase(group);
      case 'Empty':
      case 'Dead':
        throw new Error(`group ${group.groupId} cannot be ${group.state} while it has static member ${instanceId}`);
      default:
        return assertNever(group.state, 'group state');
    }
  }

  // ---------------------------------------------------------------- Heartbeat and LeaveGroup

  /** Kafka's `classicGroupHeartbeatToClassicGroup`; validation errors are answered at once (Kafka throws them). */
  classicGroupHeartbeat(request: HeartbeatRequest, requestContext: RequestContext): CoordinatorResult<HeartbeatResponse> {
    const reply = (error: KafkaError): HeartbeatResponse => ({ type: 'HeartbeatResponse', correlationId: request.correlationId, error });
    const group = this.groups.get(request.groupId);
    let error: KafkaError = 'NONE';
    if (group === undefined) error = 'UNKNOWN_MEMBER_ID';
    else if (group.isInState('Dead')) error = 'COORDINATOR_NOT_AVAILABLE';
    else error = this.validateMember(group, request.memberId, request.groupInstanceId);
    if (error === 'NONE' && group !== undefined && request.generationId !== group.generationId) error = 'ILLEGAL_GENERATION';
    if (error !== 'NONE' || group === undefined) {
      this.ctx.respond(requestContext.destination, reply(error));
      return { records: [] };
    }
    switch (group.state) {
      case 'Empty':
        return { records: [], response: reply('UNKNOWN_MEMBER_ID') };
      case 'PreparingRebalance':
        this.rescheduleClassicGroupMemberHeartbeat(group, group.member(request.memberId));
        // The heartbeat is how a Stable member learns that it must rejoin. The mutant
        // heartbeat-hides-rebalance answers as for Stable (the slip of merging this case into the next).
        return { records: [], response: reply(this.config.heartbeatAnswersRebalanceInProgress === false ? 'NONE' : 'REBALANCE_IN_PROGRESS') };
      case 'CompletingRebalance':
      case 'Stable':
        this.rescheduleClassicGroupMemberHeartbeat(group, group.member(request.memberId));
        return { records: [], response: reply('NONE') };
      case 'Dead':
        throw new Error(`group ${group.groupId} passed heartbeat validation while Dead`);
      default:
        return assertNever(group.state, 'group state');
    }
  }

  /** Kafka's `classicGroupLeaveToClassicGroup` (LeaveGroup v3+: a batch). */
  classicGroupLeave(request: LeaveGroupRequest, requestContext: RequestContext): CoordinatorResult<LeaveGroupResponse> {
    const group = this.groups.get(request.groupId);
    if (group === undefined) {
      this.ctx.respond(requestContext.destination, { type: 'LeaveGroupResponse', correlationId: request.correlationId, error: 'UNKNOWN_MEMBER_ID', members: [] });
      return { records: [] };
    }
    if (group.isInState('Dead')) {
      return { records: [], response: { type: 'LeaveGroupResponse', correlationId: request.correlationId, error: 'COORDINATOR_NOT_AVAILABLE', members: [] } };
    }
    const members: { memberId: string; groupInstanceId: string | null; error: KafkaError }[] = [];
    for (const leaving of request.members) {
      let error: KafkaError = 'NONE';
      if (leaving.memberId === UNKNOWN_MEMBER_ID) {
        // The admin path: removal by instance id alone.
        const memberId = leaving.groupInstanceId === null ? undefined : group.staticMemberId(leaving.groupInstanceId);
        if (memberId === undefined) error = 'UNKNOWN_MEMBER_ID';
        else {
          this.markPollTimeoutLeave(group.groupId, leaving.reason);
          this.removeCurrentMemberFromClassicGroup(group, memberId);
        }
      } else if (group.isPendingMember(leaving.memberId)) {
        group.remove(leaving.memberId);
        this.ctx.cancel(heartbeatKey(group.groupId, leaving.memberId));
      } else {
        error = this.validateMember(group, leaving.memberId, leaving.groupInstanceId);
        if (error === 'NONE') {
          this.markPollTimeoutLeave(group.groupId, leaving.reason);
          this.removeCurrentMemberFromClassicGroup(group, leaving.memberId);
        }
      }
      members.push({ memberId: leaving.memberId, groupInstanceId: leaving.groupInstanceId, error });
    }
    let result = EMPTY_RESULT;
    if (members.some((member) => member.error === 'NONE')) {
      if (group.isInState('Stable') || group.isInState('CompletingRebalance')) result = this.maybePrepareRebalanceOrCompleteJoin(group);
      else if (group.isInState('PreparingRebalance')) result = this.maybeCompleteJoinPhase(group);
    }
    return {
      records: result.records,
      response: { type: 'LeaveGroupResponse', correlationId: request.correlationId, error: 'NONE', members },
      ...(result.appendCallback === undefined ? {} : { appendCallback: result.appendCallback }),
    };
  }

  /** A member whose heartbeat thread left because its application stopped polling (KIP-62; the KIP-800 reason). */
  private markPollTimeoutLeave(groupId: string, reason: string): void {
    if (reason.startsWith(POLL_TIMEOUT_LEAVE_REASON)) this.ctx.mark('group-member-left-on-poll-timeout', groupId);
  }

  private removeCurrentMemberFromClassicGroup(group: ClassicGroup, memberId: string): void {
    const member = group.member(memberId);
    this.ctx.cancel(heartbeatKey(group.groupId, memberId));
    group.completeJoinFuture(member, joinError(-1, UNKNOWN_MEMBER_ID, 'UNKNOWN_MEMBER_ID'));
    group.remove(memberId);
  }

  // ---------------------------------------------------------------- loading and unloading

  /** Kafka's `replay(GroupMetadataKey, GroupMetadataValue)`: the group is rebuilt Empty or Stable. */
  replayGroupMetadata(groupId: string, value: GroupMetadataValue | null): void {
    // Kafka's replay builds a new `ClassicGroup` from each record (`ClassicGroup.fromRecord`) and
    // drops the one it replaces, or drops it for a tombstone. The dropped object's lifecycle ends
    // there: it is told Dead, so that no model instance is left behind in a state no object holds
    // (the shard's property test found a reload that reused its instance number).
    const replaced = this.groups.get(groupId);
    if (replaced !== undefined) replaced.transitionTo('GROUP_REMOVED');
    if (value === null) {
      this.groups.delete(groupId);
      return;
    }
    const group = value.members.length === 0
      ? this.newGroup(groupId, { state: 'Empty' })
      : this.newGroup(groupId, { state: 'Stable', value });
    if (value.members.length === 0) group.generationId = value.generation;
    if (value.members.length === 0) group.protocolType = value.protocolType === '' ? null : value.protocolType;
    for (const loaded of value.members) {
      // Records older than version 1 have no rebalance timeout; Kafka uses the session timeout.
      const rebalanceTimeoutMs = loaded.rebalanceTimeout === -1 ? loaded.sessionTimeout : loaded.rebalanceTimeout;
      const member = new ClassicGroupMember(
        loaded.memberId, loaded.groupInstanceId, loaded.clientId, loaded.clientHost, rebalanceTimeoutMs, loaded.sessionTimeout,
        value.protocolType, [{ name: value.protocol ?? '', metadata: loaded.subscription }], loaded.assignment,
      );
      // Under kafka-8500 a record may hold two members of one instance; the later one is mapped.
      group.add(member, null, this.config.joinReplacesStaticMemberInEveryState === false);
    }
    // add() makes the first member leader; the record names the leader.
    group.leaderId = value.leader;
    this.ctx.groupTransition(groupId, group.instance, value.members.length === 0 ? 'LOADED_EMPTY' : 'LOADED_STABLE', 'Absent', group.state);
  }

  /** Kafka's `onLoaded`: every loaded member gets a fresh session. */
  onLoaded(): void {
    for (const group of this.groups.values()) {
      for (const member of group.members.values()) this.rescheduleClassicGroupMemberHeartbeat(group, member);
      if (group.numMembers > this.config.groupMaxSize) {
        const result = this.prepareRebalance(group);
        assert(result.records.length === 0, 'an over-capacity group rebalancing on load wrote records');
      }
    }
  }

  /** Kafka's `onUnloaded`: every group goes Dead and its parked requests get NOT_COORDINATOR. */
  onUnloaded(): void {
    for (const group of this.groups.values()) this.markDead(group, 'NOT_COORDINATOR');
    this.groups.clear();
  }

  /** A group whose creating write failed is taken back, as Kafka's timeline map reverts it. */
  revertGroupCreation(groupId: string, error: KafkaError): void {
    const group = this.groups.get(groupId);
    if (group === undefined) return;
    for (const memberId of [...group.members.keys(), ...group.pendingJoinMembers]) this.ctx.cancel(heartbeatKey(groupId, memberId));
    this.ctx.cancel(joinKey(groupId));
    this.ctx.cancel(syncKey(groupId));
    this.markDead(group, error);
    this.groups.delete(groupId);
  }

  private markDead(group: ClassicGroup, error: KafkaError): void {
    const previous = group.state;
    group.transitionTo('GROUP_REMOVED');
    for (const member of group.members.values()) {
      if (previous === 'PreparingRebalance') group.completeJoinFuture(member, joinError(-1, member.memberId, error));
      if (previous === 'CompletingRebalance' || previous === 'Stable') group.completeSyncFuture(member, syncError(-1, error));
    }
  }

  checkInvariants(): void {
    assert(this.groups.size <= this.config.groupsMax, `${this.groups.size} groups exceed groupsMax`);
    for (const [groupId, group] of this.groups) {
      assert(group.groupId === groupId, `group ${group.groupId} filed under ${groupId}`);
      assert(!group.isInState('Dead'), `dead group ${groupId} is still held`);
      assert(group.numMembers <= this.config.groupMaxSize || group.isInState('PreparingRebalance') || group.isInState('Stable'), `group ${groupId} is over group.max.size`);
      group.checkInvariants();
    }
  }
}

import { assert, assertNever } from '../common/assert.ts';
import type { KafkaError } from '../protocol/errors.ts';
import type { GroupResponse, JoinGroupResponse, SyncGroupRequest, SyncGroupResponse } from '../protocol/group-messages.ts';
import { UNKNOWN_MEMBER_ID } from '../protocol/group-messages.ts';
import { ClassicGroup } from './classic-group.ts';
import { ClassicGroupMember, EMPTY_ASSIGNMENT, ResponseFuture } from './classic-group-member.ts';
import {
  EMPTY_RESULT, appendErrorToResponseError, heartbeatKey, joinKey, syncKey,
  type CoordinatorContext, type CoordinatorResult, type GroupCoordinatorConfig, type TimerTask,
} from './coordinator-result.ts';
import { newGroupMetadataRecord } from './group-coordinator-records.ts';
import { joinError, syncError } from './group-responses.ts';

/** Kafka's `RequestContext`, the parts the classic handlers read: who sent the request. */
export interface RequestContext {
  readonly clientId: string;
  readonly clientHost: string;
  /** Where the response goes (the client's node id in the simulator). */
  readonly destination: number;
}

/**
 * The rebalance core of Kafka's `GroupMetadataManager` for classic groups
 * (group-coordinator/.../GroupMetadataManager.java): the groups, the join phase and its timers
 * (`prepareRebalance`, `completeClassicGroupJoin`, the delayed initial rebalance), session and
 * pending-sync expiry, and SyncGroup with its assignment record. `GroupMetadataManager` extends it
 * with the request entry points (JoinGroup, Heartbeat, LeaveGroup) and loading; the split is
 * only to keep files short, both halves are one Kafka class.
 *
 * A parked JoinGroup or SyncGroup is answered through its {@link ResponseFuture} as soon as Kafka
 * completes its future: JoinGroup answers go out at once (Kafka does not persist the join phase),
 * SyncGroup answers after the leader's assignment record commits.
 */
export abstract class ClassicGroupRebalance {
  readonly groups = new Map<string, ClassicGroup>();
  private nextInstance = 0;

  constructor(
    protected readonly config: GroupCoordinatorConfig,
    /** The injected source of member-id suffixes (Kafka's `UUID.randomUUID()`). */
    protected readonly newUuid: () => string,
    /** The current step's context (time, effects); the shard asserts a step is running. */
    private readonly context: () => CoordinatorContext,
  ) {}

  protected get ctx(): CoordinatorContext {
    return this.context();
  }

  /** A future that answers through the current step's effects. */
  future<R extends GroupResponse>(correlationId: number, destination: number): ResponseFuture<R> {
    return new ResponseFuture<R>(correlationId, destination, (to, response) => this.ctx.respond(to, response));
  }

  /**
   * The result with Kafka's service-level `.exceptionally` on its write: when the write event
   * fails, `future` (the request's `responseFuture`), if still unanswered, gets `failure` with the
   * error `handleOperationException` maps it to.
   */
  protected answerIfWriteFails<R extends GroupResponse>(
    result: CoordinatorResult, future: ResponseFuture<R>, failure: (error: KafkaError) => R,
  ): CoordinatorResult {
    return {
      ...result,
      exceptionally: (error) => {
        if (!future.isDone) future.complete(failure(appendErrorToResponseError(error)));
      },
    };
  }

  group(groupId: string): ClassicGroup | undefined {
    return this.groups.get(groupId);
  }

  /**
   * Kafka's `getOrMaybeCreateClassicGroup`: undefined when absent and not to be created; 'full'
   * when refka's `groupsMax` refuses a new group.
   */
  getOrMaybeCreateClassicGroup(groupId: string, createIfNotExists: boolean): ClassicGroup | undefined | 'full' {
    const existing = this.groups.get(groupId);
    if (existing !== undefined || !createIfNotExists) return existing;
    if (this.groups.size >= this.config.groupsMax) return 'full';
    const group = this.newGroup(groupId, { state: 'Empty' });
    this.ctx.groupTransition(groupId, group.instance, 'CREATED', 'Absent', 'Empty');
    this.ctx.groupCreated(groupId);
    return group;
  }

  protected newGroup(groupId: string, initial: ConstructorParameters<typeof ClassicGroup>[2]): ClassicGroup {
    const group = new ClassicGroup(groupId, this.nextInstance++, initial, (changed, event, from, to) =>
      this.ctx.groupTransition(changed.groupId, changed.instance, event, from, to));
    this.groups.set(groupId, group);
    return group;
  }

  // ---------------------------------------------------------------- the join phase

  protected maybePrepareRebalanceOrCompleteJoin(group: ClassicGroup): CoordinatorResult {
    return group.canRebalance() ? this.prepareRebalance(group) : this.maybeCompleteJoinPhase(group);
  }

  /** Kafka's `maybeCompleteJoinPhase`: never early during the delayed initial rebalance. */
  protected maybeCompleteJoinPhase(group: ClassicGroup): CoordinatorResult {
    if (!group.isInState('PreparingRebalance')) return EMPTY_RESULT;
    if (group.previousState === 'Empty') return EMPTY_RESULT;
    if (!group.hasAllMembersJoined()) return EMPTY_RESULT;
    return this.completeClassicGroupJoin(group);
  }

  /** Kafka's `prepareRebalance`. */
  prepareRebalance(group: ClassicGroup): CoordinatorResult {
    if (group.isInState('CompletingRebalance')) this.resetAndPropagateAssignmentWithError(group, 'REBALANCE_IN_PROGRESS');
    this.removeSyncExpiration(group);
    const isInitialRebalance = group.isInState('Empty');
    if (isInitialRebalance) {
      // The group is new: give members `group.initial.rebalance.delay.ms` to arrive.
      const delayMs = this.config.groupInitialRebalanceDelayMs;
      const remainingMs = Math.max(group.rebalanceTimeoutMs() - delayMs, 0);
      this.ctx.schedule(joinKey(group.groupId), delayMs, { type: 'initial-delay', groupId: group.groupId, delayMs, remainingMs });
    }
    group.transitionTo('PREPARE_REBALANCE');
    return isInitialRebalance ? EMPTY_RESULT : this.maybeCompleteJoinElseSchedule(group);
  }

  protected maybeCompleteJoinElseSchedule(group: ClassicGroup): CoordinatorResult {
    if (group.hasAllMembersJoined()) return this.completeClassicGroupJoin(group);
    this.ctx.schedule(joinKey(group.groupId), group.rebalanceTimeoutMs(), { type: 'join', groupId: group.groupId });
    return EMPTY_RESULT;
  }

  /** Kafka's `tryCompleteInitialRebalanceElseSchedule`. */
  protected tryCompleteInitialRebalanceElseSchedule(group: ClassicGroup, delayMs: number, remainingMs: number): CoordinatorResult {
    if (group.newMemberAdded && remainingMs !== 0) {
      group.newMemberAdded = false;
      const newDelayMs = Math.min(this.config.groupInitialRebalanceDelayMs, remainingMs);
      const newRemainingMs = Math.max(remainingMs - delayMs, 0);
      this.ctx.schedule(joinKey(group.groupId), newDelayMs, { type: 'initial-delay', groupId: group.groupId, delayMs: newDelayMs, remainingMs: newRemainingMs });
      return EMPTY_RESULT;
    }
    return this.completeClassicGroupJoin(group);
  }

  /**
   * Kafka's `completeClassicGroupJoin`: drop dynamic members that did not rejoin, bump the
   * generation, elect a leader among those who rejoined, answer every parked JoinGroup (the
   * member list to the leader only) and wait for SyncGroups; or go Empty and write it.
   */
  completeClassicGroupJoin(group: ClassicGroup): CoordinatorResult {
    assert(group.isInState('PreparingRebalance') || group.isInState('Dead'), `group ${group.groupId} completes a join phase in ${group.state}`);
    this.ctx.cancel(joinKey(group.groupId));
    for (const member of group.notYetRejoinedMembers()) {
      if (member.isStaticMember) continue;
      group.remove(member.memberId);
      this.ctx.cancel(heartbeatKey(group.groupId, member.memberId));
    }
    if (group.isInState('Dead')) return EMPTY_RESULT;
    if (!group.maybeElectNewJoinedLeader() && group.numMembers > 0) {
      // Nobody rejoined: wait another rebalance timeout for the sessions to expire.
      this.ctx.schedule(joinKey(group.groupId), group.rebalanceTimeoutMs(), { type: 'join', groupId: group.groupId });
      return EMPTY_RESULT;
    }
    group.initNextGeneration();
    if (group.isInState('Empty')) {
      // If this append fails Kafka only logs it: the previous generation stays in the log.
      return { records: [newGroupMetadataRecord(group.groupId, group.toGroupMetadataValue(new Map(), this.ctx.nowMs))] };
    }
    for (const member of group.members.values()) {
      const isLeader = group.isLeader(member.memberId);
      group.completeJoinFuture(member, this.joinResponse(group, member.memberId, -1, isLeader, false));
      this.scheduleHeartbeat(group.groupId, member.memberId, member.sessionTimeoutMs);
      member.isNew = false;
      group.pendingSyncMembers.add(member.memberId);
    }
    this.ctx.schedule(syncKey(group.groupId), group.rebalanceTimeoutMs(), { type: 'sync', groupId: group.groupId, generationId: group.generationId });
    return EMPTY_RESULT;
  }

  // ---------------------------------------------------------------- timers

  /** A timer of this manager fired; the shard has checked that it is still armed. */
  onTimer(task: TimerTask): CoordinatorResult {
    const group = this.groups.get(task.groupId);
    if (group === undefined) return EMPTY_RESULT;
    switch (task.type) {
      case 'heartbeat':
        return this.expireClassicGroupMemberHeartbeat(group, task.memberId);
      case 'join':
        return this.completeClassicGroupJoin(group);
      case 'initial-delay':
        return this.tryCompleteInitialRebalanceElseSchedule(group, task.delayMs, task.remainingMs);
      case 'sync':
        return this.expirePendingSync(group, task.generationId);
      default:
        return assertNever(task, 'timer task');
    }
  }

  protected scheduleHeartbeat(groupId: string, memberId: string, timeoutMs: number): void {
    this.ctx.schedule(heartbeatKey(groupId, memberId), timeoutMs, { type: 'heartbeat', groupId, memberId });
  }

  /** Kafka's `rescheduleClassicGroupMemberHeartbeat`. */
  rescheduleClassicGroupMemberHeartbeat(group: ClassicGroup, member: ClassicGroupMember): void {
    this.scheduleHeartbeat(group.groupId, member.memberId, member.sessionTimeoutMs);
  }

  /** Kafka's `expireClassicGroupMemberHeartbeat`. */
  protected expireClassicGroupMemberHeartbeat(group: ClassicGroup, memberId: string): CoordinatorResult {
    if (group.isInState('Dead')) return EMPTY_RESULT;
    if (group.isPendingMember(memberId)) {
      group.remove(memberId);
      return group.isInState('PreparingRebalance') && group.hasAllMembersJoined() ? this.completeClassicGroupJoin(group) : EMPTY_RESULT;
    }
    if (!group.hasMember(memberId)) return EMPTY_RESULT;
    const member = group.member(memberId);
    if (member.hasSatisfiedHeartbeat()) return EMPTY_RESULT;
    this.ctx.mark('group-member-session-expired', group.groupId);
    return this.removeMemberAndUpdateClassicGroup(group, member);
  }

  /** Kafka's `removeMemberAndUpdateClassicGroup`. */
  protected removeMemberAndUpdateClassicGroup(group: ClassicGroup, member: ClassicGroupMember): CoordinatorResult {
    // A new member may time out while parked in the join phase: tell it to join again.
    group.completeJoinFuture(member, joinError(-1, UNKNOWN_MEMBER_ID, 'UNKNOWN_MEMBER_ID'));
    group.remove(member.memberId);
    if (group.isInState('Stable') || group.isInState('CompletingRebalance')) return this.maybePrepareRebalanceOrCompleteJoin(group);
    if (group.isInState('PreparingRebalance') && group.hasAllMembersJoined()) return this.completeClassicGroupJoin(group);
    return EMPTY_RESULT;
  }

  /** Kafka's `expirePendingSync`: members that never sent SyncGroup are removed. */
  protected expirePendingSync(group: ClassicGroup, generationId: number): CoordinatorResult {
    if (generationId !== group.generationId) return EMPTY_RESULT;
    if (!group.isInState('CompletingRebalance') && !group.isInState('Stable')) return EMPTY_RESULT;
    if (group.pendingSyncMembers.size === 0) return EMPTY_RESULT;
    for (const memberId of [...group.pendingSyncMembers]) {
      group.remove(memberId);
      this.ctx.cancel(heartbeatKey(group.groupId, memberId));
    }
    return this.prepareRebalance(group);
  }

  protected removeSyncExpiration(group: ClassicGroup): void {
    group.pendingSyncMembers.clear();
    this.ctx.cancel(syncKey(group.groupId));
  }

  protected removePendingSyncMember(group: ClassicGroup, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    if (group.pendingSyncMembers.size === 0 || !(group.isInState('CompletingRebalance') || group.isInState('Stable'))) {
      this.ctx.cancel(syncKey(group.groupId));
    }
  }

  // ---------------------------------------------------------------- SyncGroup

  /** Kafka's `classicGroupSync` / `classicGroupSyncToClassicGroup`. */
  classicGroupSync(request: SyncGroupRequest, requestContext: RequestContext): CoordinatorResult {
    const future = this.future<SyncGroupResponse>(request.correlationId, requestContext.destination);
    const result = this.classicGroupSyncToClassicGroup(request, future);
    return this.answerIfWriteFails(result, future, (error) => syncError(request.correlationId, error));
  }

  private classicGroupSyncToClassicGroup(request: SyncGroupRequest, future: ResponseFuture<SyncGroupResponse>): CoordinatorResult {
    const group = this.groups.get(request.groupId);
    if (group === undefined || group.isInState('Empty')) {
      future.complete(syncError(request.correlationId, 'UNKNOWN_MEMBER_ID'));
      return EMPTY_RESULT;
    }
    const error = this.validateSyncGroup(group, request);
    if (error !== 'NONE') {
      future.complete(syncError(request.correlationId, error));
      return EMPTY_RESULT;
    }
    switch (group.state) {
      case 'PreparingRebalance':
        future.complete(syncError(request.correlationId, 'REBALANCE_IN_PROGRESS'));
        return EMPTY_RESULT;
      case 'CompletingRebalance': {
        group.member(request.memberId).awaitingSync = future;
        this.removePendingSyncMember(group, request.memberId);
        if (!group.isLeader(request.memberId)) return EMPTY_RESULT;
        // The leader's assignment: members it left out get an empty one.
        const assignment = new Map<string, Uint8Array>();
        for (const entry of request.assignments) assignment.set(entry.memberId, entry.assignment);
        for (const memberId of group.members.keys()) if (!assignment.has(memberId)) assignment.set(memberId, EMPTY_ASSIGNMENT);
        return {
          records: [newGroupMetadataRecord(group.groupId, group.toGroupMetadataValue(assignment, this.ctx.nowMs))],
          appendCallback: (appendError) => this.onAssignmentAppended(group, request.generationId, assignment, appendError),
        };
      }
      case 'Stable': {
        this.removePendingSyncMember(group, request.memberId);
        const member = group.member(request.memberId);
        future.complete({
          type: 'SyncGroupResponse', correlationId: request.correlationId, error: 'NONE',
          protocolType: group.protocolType, protocolName: group.protocolName, assignment: this.syncAssignmentOf(group, member),
        });
        return EMPTY_RESULT;
      }
      case 'Empty':
      case 'Dead':
        throw new Error(`group ${group.groupId} passed sync validation in ${group.state}`);
      default:
        return assertNever(group.state, 'group state');
    }
  }

  /** The leader's assignment record committed or failed (the `appendFuture` callback of Kafka's sync). */
  protected onAssignmentAppended(group: ClassicGroup, generationId: number, assignment: ReadonlyMap<string, Uint8Array>, error: KafkaError | null): void {
    // Members may have joined meanwhile: act only if the group still waits for this generation.
    if (!group.isInState('CompletingRebalance') || group.generationId !== generationId) return;
    if (error !== null) {
      this.resetAndPropagateAssignmentWithError(group, appendErrorToResponseError(error));
      const result = this.maybePrepareRebalanceOrCompleteJoin(group);
      // Kafka drops this result too; from CompletingRebalance with members it writes nothing.
      assert(result.records.length === 0, `group ${group.groupId}: a failed assignment write produced records`);
      return;
    }
    // The members' assignments are set first, then answered. The mutant sync-gives-previous-assignment
    // swaps the two lines: each member is answered with what it held in the previous generation.
    const answerFirst = this.config.syncGroupAnswersNewAssignment === false;
    if (answerFirst) this.propagateAssignment(group, 'NONE');
    for (const member of group.members.values()) member.assignment = assignment.get(member.memberId) ?? EMPTY_ASSIGNMENT;
    if (!answerFirst) this.propagateAssignment(group, 'NONE');
    group.transitionTo('ASSIGNMENT_PERSISTED');
  }

  protected validateSyncGroup(group: ClassicGroup, request: SyncGroupRequest): KafkaError {
    if (group.isInState('Dead')) return 'COORDINATOR_NOT_AVAILABLE';
    const error = this.validateMember(group, request.memberId, request.groupInstanceId);
    if (error !== 'NONE') return error;
    if (request.generationId !== group.generationId) return 'ILLEGAL_GENERATION';
    if (request.protocolType !== null && group.protocolType !== null && request.protocolType !== group.protocolType) return 'INCONSISTENT_GROUP_PROTOCOL';
    if (request.protocolName !== null && group.protocolName !== null && request.protocolName !== group.protocolName) return 'INCONSISTENT_GROUP_PROTOCOL';
    return 'NONE';
  }

  protected resetAndPropagateAssignmentWithError(group: ClassicGroup, error: KafkaError): void {
    assert(group.isInState('CompletingRebalance'), `group ${group.groupId} resets its assignment in ${group.state}`);
    for (const member of group.members.values()) member.assignment = EMPTY_ASSIGNMENT;
    this.propagateAssignment(group, error);
  }

  /** Kafka's `propagateAssignment`: answer every parked SyncGroup and restart its session. */
  protected propagateAssignment(group: ClassicGroup, error: KafkaError): void {
    for (const member of group.members.values()) {
      const answered = group.completeSyncFuture(member, {
        type: 'SyncGroupResponse', correlationId: -1, error,
        protocolType: error === 'NONE' ? group.protocolType : null,
        protocolName: error === 'NONE' ? group.protocolName : null,
        assignment: this.syncAssignmentOf(group, member),
      });
      if (answered) this.rescheduleClassicGroupMemberHeartbeat(group, member);
    }
  }

  /**
   * The assignment a SyncGroup answer hands `member`: its own. The mutant
   * sync-gives-leader-assignment hands every member the leader's (the slip of reading the
   * assignment of the member that sent the assignments, not of the one being answered).
   */
  private syncAssignmentOf(group: ClassicGroup, member: ClassicGroupMember): Uint8Array {
    if (this.config.syncGroupAnswersOwnAssignment !== false) return member.assignment;
    if (group.leaderId === null || !group.hasMember(group.leaderId)) return member.assignment;
    return group.member(group.leaderId).assignment;
  }


  /** Kafka's `ClassicGroup.validateMember`. */
  validateMember(group: ClassicGroup, memberId: string, groupInstanceId: string | null): KafkaError {
    if (groupInstanceId !== null) {
      const existing = group.staticMemberId(groupInstanceId);
      if (existing === undefined) return 'UNKNOWN_MEMBER_ID';
      if (existing !== memberId) return 'FENCED_INSTANCE_ID';
    }
    return group.hasMember(memberId) ? 'NONE' : 'UNKNOWN_MEMBER_ID';
  }

  protected joinResponse(group: ClassicGroup, memberId: string, correlationId: number, withMembers: boolean, skipAssignment: boolean): JoinGroupResponse {
    return {
      type: 'JoinGroupResponse', correlationId, error: 'NONE', generationId: group.generationId,
      protocolType: group.protocolType, protocolName: group.protocolName, leader: group.leaderId ?? '',
      skipAssignment, memberId, members: withMembers ? group.currentClassicGroupMembers() : [],
    };
  }
}

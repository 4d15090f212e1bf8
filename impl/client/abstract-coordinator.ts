import type { GroupMemberEventType, GroupMemberState, MemberState } from '../../model/group-member.machine.ts';
import { assert, assertNever, fail } from '../common/assert.ts';
import {
  CONSUMER_PROTOCOL_TYPE,
  type FindCoordinatorResponse,
  type GroupRequest,
  type GroupResponse,
  type HeartbeatResponse,
  type JoinGroupProtocol,
  type JoinGroupResponse,
  type JoinGroupResponseMember,
  type SyncGroupAssignment,
  type SyncGroupResponse,
} from '../protocol/group-messages.ts';
import {
  GROUP_MEMBER_TRANSITIONS,
  MAX_CONSECUTIVE_FAILURES,
  MAX_IN_FLIGHT_REQUESTS,
  NO_GENERATION,
  sameGeneration,
  type ConsumerCoordinatorEffect,
  type ConsumerCoordinatorOptions,
  type FatalError,
  type Generation,
} from './consumer-coordinator-io.ts';
import { HeartbeatThread, type HeartbeatThreadHost } from './heartbeat-thread.ts';
import { Heartbeat } from './heartbeat.ts';
import { REJOIN_AFTER_BACKOFF, REJOIN_AT_ONCE, joinFatalError, type JoinFailure } from './join-failure.ts';

/** A request on the wire, with the generation it was sent under (`CoordinatorResponseHandler.sentGeneration`). */
export interface InFlightRequest {
  readonly request: GroupRequest;
  readonly destination: number;
  readonly sentGeneration: Generation;
  /** For commits: which pending commit this is. */
  readonly commitSequence?: number;
}

type TimerKind = 'heartbeat' | 'retry';

/**
 * Kafka's `AbstractCoordinator` (clients/.../consumer/internals/AbstractCoordinator.java) as a
 * pure core: coordinator discovery, the two-step join (JoinGroup then SyncGroup), the heartbeat
 * thread and LeaveGroup. The consumer specifics (subscriptions, assignors, callbacks, commits)
 * are in {@link ConsumerCoordinator}, through the same hooks Kafka's subclass overrides.
 *
 * Threads become timers. Kafka's heartbeat thread is the `heartbeat` timer: it wakes at the
 * earliest of the next heartbeat, the session deadline and the poll deadline, and runs the
 * thread's loop body (`HeartbeatThread.run`). The application thread blocks inside `poll()` while
 * a rebalance is in progress; here a started rebalance continues on every response and on the
 * `retry` timer, as if the application stayed inside that `poll()`.
 */
export abstract class AbstractCoordinator {
  protected readonly options: ConsumerCoordinatorOptions;
  protected nowMs: number;
  protected effects: ConsumerCoordinatorEffect[] = [];

  // --- AbstractCoordinator's fields ---
  protected memberState: MemberState = 'UNJOINED';
  /** The model's leaf state (model/group-member.machine.ts); its top level is always `memberState`. */
  private leaf: GroupMemberState = 'UNJOINED.unassigned';
  protected generation: Generation = NO_GENERATION;
  protected rejoinNeeded = true;
  private rejoinReason = '';
  protected needsJoinPrepare = true;
  /** Kafka's `joinFuture != null`: a JoinGroup or SyncGroup of this attempt is on the wire, or the leader waits to assign. */
  protected joinPending = false;
  /**
   * The JoinGroup answer of a leader that waits for a metadata update before it assigns: Kafka's
   * `onLeaderElected` calls `updateGroupSubscription`, which blocks in
   * `client.ensureFreshMetadata(time.timer(Long.MAX_VALUE))` while an update is requested. Its
   * SyncGroup goes out once the update has come (`resumeLeaderJoin`).
   */
  private leaderAwaitingMetadata: JoinGroupResponse | undefined;
  private joinRetryAtMs = 0;
  private joinFailures = 0;
  /** The coordinator's broker id, or undefined when unknown. */
  protected coordinator: number | undefined;
  private findCoordinatorCorrelationId: number | undefined;
  private lookupFailures = 0;
  private lookupRetryAtMs = 0;
  protected brokers: readonly number[];
  /** The application is (as if) blocked in `poll()` until the group is active again. */
  protected joinWanted = false;
  /**
   * The assignment whose `onJoinComplete` threw, applied again at the next poll: Kafka leaves the
   * completed join future in place when the callback throws ("we will retry it on the next
   * joinGroupIfNeeded", `AbstractCoordinator`), while the heartbeat thread goes on, until the
   * heartbeat thread resets the generation and the member joins afresh.
   */
  private joinCompleteRetry: Uint8Array | undefined;
  protected fatalError: FatalError | undefined;
  protected closed = false;

  private readonly heartbeat: Heartbeat;
  private readonly heartbeatThread: HeartbeatThread;

  protected readonly inFlight = new Map<number, InFlightRequest>();
  private nextCorrelationId = 1;
  private readonly timers = new Map<TimerKind, { readonly key: string; readonly atMs: number }>();
  private nextTimerSequence = 1;

  constructor(options: ConsumerCoordinatorOptions, nowMs: number) {
    this.heartbeat = new Heartbeat(options, (attempts) => this.backoffMs(attempts));
    this.heartbeatThread = new HeartbeatThread(this.heartbeatThreadHost(), this.heartbeat);
    assert(options.retryBackoffMs > 0, 'retry.backoff.ms must be positive');
    assert(Number.isSafeInteger(nowMs) && nowMs >= 0, `bad start time ${nowMs}`);
    this.options = options;
    this.nowMs = nowMs;
    this.brokers = [...options.bootstrapBrokers].sort((a, b) => a - b);
  }

  /** How many requests are on the wire (bounded by MAX_IN_FLIGHT_REQUESTS). */
  get requestsInFlight(): number {
    return this.inFlight.size;
  }

  /** The model's state name (model/group-member.machine.ts). */
  get state(): GroupMemberState {
    return this.leaf;
  }

  // --- hooks, as in Kafka ---
  protected abstract metadata(): JoinGroupProtocol[];
  /** Returns false while it waits (for the commit before revoking); called again later. */
  protected abstract onJoinPrepare(): boolean;
  /**
   * Applies the assignment the SyncGroup answer carried. Returns the exception Kafka's
   * `onJoinComplete` throws when this member cannot apply it (an assignment it cannot read), which
   * the application's poll throws; undefined once applied.
   */
  protected abstract onJoinComplete(generation: Generation, assignment: Uint8Array): FatalError | undefined;
  /** The SyncGroup assignments, or a fatal error. */
  protected abstract onLeaderElected(response: JoinGroupResponse): SyncGroupAssignment[] | FatalError;
  protected abstract coordinatorNeeded(): boolean;
  /** Kafka's `metadata.updateRequested()`: a metadata update was asked for and has not come yet. */
  protected abstract metadataUpdateRequested(): boolean;
  protected abstract handleCommitResponse(request: InFlightRequest, response: GroupResponse | 'DISCONNECTED'): void;
  /** Whether the group must be (re)joined; the consumer adds its subscription and metadata checks. */
  protected rejoinNeededOrPending(): boolean {
    return this.rejoinNeeded || this.joinPending || this.joinCompleteRetry !== undefined;
  }

  // --- effects ---

  protected transition(event: GroupMemberEventType): void {
    const to = GROUP_MEMBER_TRANSITIONS[this.leaf][event];
    if (to === undefined) fail(`group-member: ${event} is not allowed in state ${this.leaf}`);
    this.leaf = to;
    this.effects.push({ type: 'transition', machine: 'group-member', instance: this.options.clientId, event: { type: event }, to });
    assert(to.split('.')[0] === this.memberState, `leaf ${to} disagrees with MemberState ${this.memberState}`);
  }

  protected send(destination: number, build: (correlationId: number) => GroupRequest, commitSequence?: number): number {
    assert(this.inFlight.size < MAX_IN_FLIGHT_REQUESTS, `more than ${MAX_IN_FLIGHT_REQUESTS} requests in flight`);
    const correlationId = this.nextCorrelationId++;
    const request = build(correlationId);
    assert(request.correlationId === correlationId, 'request built with another correlation id');
    const entry: InFlightRequest = { request, destination, sentGeneration: this.generation, ...(commitSequence === undefined ? {} : { commitSequence }) };
    this.inFlight.set(correlationId, entry);
    this.effects.push({ type: 'send', destination, request });
    return correlationId;
  }

  protected armTimer(kind: TimerKind, atMs: number | undefined): void {
    const current = this.timers.get(kind);
    if (current !== undefined && current.atMs === atMs) return;
    if (current !== undefined) {
      this.effects.push({ type: 'cancel-timer', key: current.key });
      this.timers.delete(kind);
    }
    if (atMs === undefined) return;
    assert(atMs >= this.nowMs, `timer ${kind} armed in the past (${atMs} < ${this.nowMs})`);
    const key = `${kind}#${this.nextTimerSequence++}`;
    this.timers.set(kind, { key, atMs });
    this.effects.push({ type: 'schedule-timer', key, atMs });
  }

  protected cancelAllTimers(): void {
    this.armTimer('heartbeat', undefined);
    this.armTimer('retry', undefined);
    assert(this.timers.size === 0, 'a timer survived cancelAllTimers');
  }

  /** A `timer-expired` input: the timer is gone; the end-of-input pass does the work. */
  protected onTimerExpired(key: string): void {
    for (const [kind, timer] of this.timers) {
      if (timer.key !== key) continue;
      assert(timer.atMs <= this.nowMs, `timer ${key} fired at ${this.nowMs}, before ${timer.atMs}`);
      this.timers.delete(kind);
      return;
    }
    fail(`timer ${key} fired but is not armed (cancelled or fired before)`);
  }

  protected raiseFatal(error: FatalError): void {
    if (this.fatalError !== undefined) return;
    this.fatalError = error;
    this.joinWanted = false;
    this.effects.push({ type: 'fatal-error', error });
  }

  // --- coordinator discovery ---

  protected lookupCoordinator(): void {
    assert(this.coordinator === undefined, 'lookup with a known coordinator');
    if (this.findCoordinatorCorrelationId !== undefined || this.nowMs < this.lookupRetryAtMs) return;
    if (this.brokers.length === 0) return;
    // Kafka asks `leastLoadedNode()`; refka takes the brokers in turn, deterministically.
    const broker = this.brokers[this.lookupFailures % this.brokers.length] as number;
    this.findCoordinatorCorrelationId = this.send(broker, (correlationId) => ({
      type: 'FindCoordinatorRequest',
      correlationId,
      key: this.options.groupId,
      keyType: 0,
    }));
  }

  private onFindCoordinatorResponse(response: FindCoordinatorResponse | 'DISCONNECTED'): void {
    this.findCoordinatorCorrelationId = undefined;
    if (response !== 'DISCONNECTED' && response.error === 'NONE') {
      assert(response.nodeId >= 0, `FindCoordinator answered NONE with node ${response.nodeId}`);
      this.coordinator = response.nodeId;
      this.lookupFailures = 0;
      this.lookupRetryAtMs = 0;
      // `heartbeat.resetSessionTimeout()` on discovery.
      this.heartbeat.resetSessionTimeout(this.nowMs);
      return;
    }
    this.lookupRetryAtMs = this.nowMs + this.backoffMs(this.lookupFailures);
    this.lookupFailures++;
    if (this.lookupFailures > MAX_CONSECUTIVE_FAILURES) {
      this.raiseFatal({ exception: 'RetriesExhausted', message: `FindCoordinator failed ${this.lookupFailures} times` });
    }
  }

  /**
   * `markCoordinatorUnknown`: forget the coordinator and disconnect from it, which fails every
   * request still on the wire to it (`client.disconnectAsync`), each as its handler sees a
   * `DisconnectException`.
   */
  protected markCoordinatorUnknown(_cause: string): void {
    if (this.coordinator === undefined) return;
    const old = this.coordinator;
    this.coordinator = undefined;
    const abandoned = [...this.inFlight].filter(([, entry]) => entry.request.type !== 'FindCoordinatorRequest' && entry.destination === old);
    for (const [correlationId, entry] of abandoned) {
      this.inFlight.delete(correlationId);
      this.dispatch(entry, 'DISCONNECTED');
    }
    assert(this.coordinator === undefined, 'a disconnect handler found a coordinator');
  }

  /** Exponential backoff without jitter: `retry.backoff.ms` doubling up to `retry.backoff.max.ms`. */
  protected backoffMs(attempts: number): number {
    const exponent = Math.min(attempts, 30);
    return Math.min(this.options.retryBackoffMs * 2 ** exponent, Math.max(this.options.retryBackoffMs, this.options.retryBackoffMaxMs));
  }

  // --- responses ---

  protected onResponse(response: GroupResponse): void {
    const entry = this.inFlight.get(response.correlationId);
    // A response to a request abandoned by markCoordinatorUnknown: its handler already ran.
    if (entry === undefined) return;
    assert(entry.request.type.replace('Request', '') === response.type.replace('Response', ''), `${response.type} answers a ${entry.request.type}`);
    this.inFlight.delete(response.correlationId);
    this.dispatch(entry, response);
  }

  protected onRequestFailed(correlationId: number): void {
    const entry = this.inFlight.get(correlationId);
    if (entry === undefined) return;
    this.inFlight.delete(correlationId);
    // `CoordinatorResponseHandler.onFailure`: a disconnect marks the coordinator unknown.
    if (entry.request.type !== 'FindCoordinatorRequest') this.markCoordinatorUnknown('disconnected');
    this.dispatch(entry, 'DISCONNECTED');
  }

  private dispatch(entry: InFlightRequest, response: GroupResponse | 'DISCONNECTED'): void {
    const type = entry.request.type;
    switch (type) {
      case 'FindCoordinatorRequest':
        return this.onFindCoordinatorResponse(response as FindCoordinatorResponse | 'DISCONNECTED');
      case 'JoinGroupRequest':
        return this.onJoinGroupResponse(entry, response as JoinGroupResponse | 'DISCONNECTED');
      case 'SyncGroupRequest':
        return this.onSyncGroupResponse(entry, response as SyncGroupResponse | 'DISCONNECTED');
      case 'HeartbeatRequest':
        return this.heartbeatThread.onHeartbeatResponse(entry, response as HeartbeatResponse | 'DISCONNECTED');
      case 'LeaveGroupRequest':
        // A best-effort leave: Kafka logs the outcome and never resends.
        return;
      case 'OffsetCommitRequest':
      case 'OffsetFetchRequest':
        return this.handleCommitResponse(entry, response);
      default:
        assertNever(type, 'request type');
    }
  }

  /** `generationUnchanged()`. */
  protected generationUnchanged(entry: InFlightRequest): boolean {
    return sameGeneration(this.generation, entry.sentGeneration);
  }

  // --- join ---

  protected requestRejoin(reason: string): void {
    this.rejoinReason = reason;
    this.rejoinNeeded = true;
  }

  /** `resetStateAndGeneration`, with `requestRejoin` and `needsJoinPrepare` (`resetStateAndRejoin`). */
  protected resetStateAndRejoin(reason: string, shouldResetMemberId: boolean): void {
    this.memberState = 'UNJOINED';
    this.generation = shouldResetMemberId ? NO_GENERATION : { ...NO_GENERATION, memberId: this.generation.memberId };
    this.transition('RESET_GENERATION');
    this.requestRejoin(reason);
    this.needsJoinPrepare = true;
    // A leader waiting for metadata has no generation to assign for any more. Kafka's blocked
    // application thread would assign once the update came and see its SyncGroup refused; refka
    // ends the attempt now, as a join that lost its generation (the JoinGroup handler's
    // UnjoinedGroupException).
    if (this.leaderAwaitingMetadata !== undefined) {
      this.leaderAwaitingMetadata = undefined;
      this.joinFailed('UnjoinedGroupException');
    }
  }

  /**
   * One pass of Kafka's `joinGroupIfNeeded` loop; a later input resumes it. `fromPoll`: the
   * application's poll runs it (an assignment whose `onJoinComplete` threw is applied again only
   * then, as the exception ended that poll).
   */
  protected joinGroupIfNeeded(fromPoll = false): void {
    if (this.fatalError !== undefined || this.closed) return;
    if (!this.rejoinNeededOrPending()) {
      this.joinWanted = false;
      return;
    }
    const retry = this.joinCompleteRetry;
    if (retry !== undefined) {
      if (!fromPoll) return;
      if (this.memberState === 'STABLE' && this.generation.generationId >= 0) return this.completeJoin(retry);
      // Kafka's branch for a generation the heartbeat thread reset before the callback ran.
      this.joinCompleteRetry = undefined;
      this.resetStateAndRejoin('rebalance failed since the generation/state was modified by heartbeat thread before the rebalance callback triggered', true);
    }
    if (this.joinPending || this.nowMs < this.joinRetryAtMs) return;
    if (this.coordinator === undefined) return this.lookupCoordinator();
    if (this.needsJoinPrepare) {
      this.needsJoinPrepare = false;
      if (!this.onJoinPrepare()) {
        this.needsJoinPrepare = true;
        return;
      }
    }
    if (this.fatalError !== undefined || this.coordinator === undefined) return;
    this.initiateJoinGroup(this.coordinator);
  }

  private initiateJoinGroup(coordinator: number): void {
    this.memberState = 'PREPARING_REBALANCE';
    this.transition('JOIN_GROUP_SENT');
    this.joinPending = true;
    const protocols = this.metadata();
    assert(protocols.length > 0, 'JoinGroup without protocols');
    this.send(coordinator, (correlationId) => ({
      type: 'JoinGroupRequest',
      correlationId,
      groupId: this.options.groupId,
      sessionTimeoutMs: this.options.sessionTimeoutMs,
      rebalanceTimeoutMs: this.options.maxPollIntervalMs,
      memberId: this.generation.memberId,
      groupInstanceId: this.options.groupInstanceId,
      protocolType: CONSUMER_PROTOCOL_TYPE,
      protocols,
      reason: this.rejoinReason,
    }));
  }

  /** `JoinGroupResponseHandler.handle`. */
  private onJoinGroupResponse(entry: InFlightRequest, response: JoinGroupResponse | 'DISCONNECTED'): void {
    if (response === 'DISCONNECTED') return this.joinFailed('DISCONNECTED');
    const error = response.error;
    switch (error) {
      case 'NONE':
        if (response.protocolType !== null && response.protocolType !== CONSUMER_PROTOCOL_TYPE) return this.joinFailed('INCONSISTENT_GROUP_PROTOCOL');
        // Woken up and left before the response: do not continue with SyncGroup.
        if (this.memberState !== 'PREPARING_REBALANCE') return this.joinFailed('UnjoinedGroupException');
        return this.onJoinGroupCompleted(response);
      case 'UNKNOWN_MEMBER_ID':
        if (this.generationUnchanged(entry)) this.resetStateAndRejoin(`encountered ${error} from JOIN_GROUP response`, true);
        return this.joinFailed(error);
      case 'COORDINATOR_NOT_AVAILABLE':
      case 'NOT_COORDINATOR':
        this.markCoordinatorUnknown(`error response ${error}`);
        return this.joinFailed(error);
      case 'MEMBER_ID_REQUIRED':
        // KIP-394: rejoin with the member id the coordinator generated.
        this.generation = { generationId: -1, memberId: response.memberId, protocolName: null };
        this.requestRejoin(`need to re-join with the given member-id: ${response.memberId}`);
        return this.joinFailed(error);
      default:
        // COORDINATOR_LOAD_IN_PROGRESS, REBALANCE_IN_PROGRESS: retried; the fatal ones and any
        // unexpected error: raised (joinFailed tells them apart).
        return this.joinFailed(error);
    }
  }

  private onJoinGroupCompleted(response: JoinGroupResponse): void {
    assert(response.memberId !== '', 'JoinGroup succeeded without a member id');
    this.memberState = 'COMPLETING_REBALANCE';
    this.transition('JOIN_GROUP_COMPLETED');
    // `heartbeatThread.enable()` resets every heartbeat timer.
    this.heartbeat.resetTimeouts(this.nowMs);
    this.generation = { generationId: response.generationId, memberId: response.memberId, protocolName: response.protocolName };
    // The leader assigns from fresh metadata only (`updateGroupSubscription`): a member that has
    // not had the metadata its subscription asked for would assign partitions it does not know
    // of, that is none. Seed 10 with 7 brokers and 48 partitions: a restarted static leader whose
    // metadata requests were all partitioned away gave g2 an empty assignment at generation 3;
    // its snapshot then never changed (no metadata came before it closed), and the replacement
    // leader of KIP-814 kept that assignment, so nobody owned t-0 after the heal.
    if (response.leader === response.memberId && this.metadataUpdateRequested()) {
      this.leaderAwaitingMetadata = response;
      return;
    }
    this.syncGroup(response);
  }

  /** Whether the elected leader waits for a metadata update before it assigns (`resumeLeaderJoin`). */
  get leaderAwaitsMetadata(): boolean {
    return this.leaderAwaitingMetadata !== undefined;
  }

  /**
   * The leader waiting in `ensureFreshMetadata` goes on once a metadata update has come, whatever
   * it says: `awaitMetadataUpdate` returns when the metadata's update version moves, even if the
   * answer asks for another (a topic still unknown is assigned nothing, and the leader's
   * `assignmentSnapshot` check rejoins once it is known). The SyncGroup goes to the coordinator
   * known then; with none, the attempt fails as Kafka's `sendSyncGroupRequest` fails it
   * (`coordinatorNotAvailable`).
   */
  protected resumeLeaderJoin(): void {
    const response = this.leaderAwaitingMetadata;
    if (response === undefined) return;
    this.leaderAwaitingMetadata = undefined;
    if (this.coordinator === undefined) return this.joinFailed('COORDINATOR_NOT_AVAILABLE');
    this.syncGroup(response);
  }

  /** The rest of `JoinGroupResponseHandler.handle`: `onJoinLeader` or `onJoinFollower`, then SyncGroup. */
  private syncGroup(response: JoinGroupResponse): void {
    assert(this.memberState === 'COMPLETING_REBALANCE', `SyncGroup in ${this.memberState}`);
    let assignments: SyncGroupAssignment[] = [];
    if (response.leader === response.memberId) {
      const result = this.onLeaderElected(response);
      if (!Array.isArray(result)) {
        this.joinPending = false;
        return this.raiseFatal(result);
      }
      assignments = result;
    }
    const coordinator = this.coordinator;
    assert(coordinator !== undefined, 'JoinGroup answered by an unknown coordinator');
    this.send(coordinator, (correlationId) => ({
      type: 'SyncGroupRequest',
      correlationId,
      groupId: this.options.groupId,
      generationId: this.generation.generationId,
      memberId: this.generation.memberId,
      groupInstanceId: this.options.groupInstanceId,
      protocolType: CONSUMER_PROTOCOL_TYPE,
      protocolName: this.generation.protocolName,
      assignments,
    }));
  }

  /** `SyncGroupResponseHandler.handle`. */
  private onSyncGroupResponse(entry: InFlightRequest, response: SyncGroupResponse | 'DISCONNECTED'): void {
    if (response === 'DISCONNECTED') return this.joinFailed('DISCONNECTED');
    const error = response.error;
    switch (error) {
      case 'NONE': {
        if (response.protocolType !== null && response.protocolType !== CONSUMER_PROTOCOL_TYPE) return this.joinFailed('INCONSISTENT_GROUP_PROTOCOL');
        const reset = this.generation.generationId === -1 && this.generation.protocolName === null;
        // The heartbeat reset the generation meanwhile: ILLEGAL_GENERATION, to retry at once.
        if (reset || this.memberState !== 'COMPLETING_REBALANCE') return this.joinFailed('ILLEGAL_GENERATION');
        if (response.protocolName !== null && response.protocolName !== this.generation.protocolName) return this.joinFailed('INCONSISTENT_GROUP_PROTOCOL');
        this.memberState = 'STABLE';
        this.transition('SYNC_GROUP_COMPLETED');
        this.rejoinReason = '';
        this.rejoinNeeded = false;
        this.joinPending = false;
        this.joinFailures = 0;
        return this.completeJoin(response.assignment);
      }
      case 'UNKNOWN_MEMBER_ID':
      case 'ILLEGAL_GENERATION':
        // ILLEGAL_GENERATION keeps the member id, which may still be valid.
        if (this.generationUnchanged(entry)) this.resetStateAndRejoin(`encountered ${error} from SYNC_GROUP response`, error !== 'ILLEGAL_GENERATION');
        return this.joinFailed(error);
      case 'COORDINATOR_NOT_AVAILABLE':
      case 'NOT_COORDINATOR':
        this.markCoordinatorUnknown(`error response ${error}`);
        return this.joinFailed(error);
      default:
        // REBALANCE_IN_PROGRESS retries at once; FENCED_INSTANCE_ID and the rest are fatal.
        return this.joinFailed(error);
    }
  }

  /**
   * The success branch of `joinGroupIfNeeded`: `onJoinComplete`, then the join future is reset. When
   * the callback throws, the exception ends the application's poll and the future stays: the next
   * poll calls it again with the same bytes (`joinGroupIfNeeded`). The heartbeat thread is not
   * touched: the member stays in its generation, so a rebalance, or its removal from the group,
   * reaches it through its heartbeats (seed 746: a static member given no assignment bytes, after
   * its coordinator reverted a replacement whose write timed out, treated the exception as fatal,
   * stopped heartbeating and never rejoined).
   */
  private completeJoin(assignment: Uint8Array): void {
    const thrown = this.onJoinComplete(this.generation, assignment);
    if (thrown !== undefined) {
      if (this.joinCompleteRetry === undefined) this.effects.push({ type: 'mark', name: 'join-complete-failed' });
      this.joinCompleteRetry = assignment;
      this.joinWanted = true;
      return;
    }
    this.joinCompleteRetry = undefined;
    this.needsJoinPrepare = true;
    if (!this.rejoinNeededOrPending()) this.joinWanted = false;
  }

  /** The failure branch of `joinGroupIfNeeded`, after `resetJoinGroupFuture`. */
  private joinFailed(failure: JoinFailure): void {
    this.joinPending = false;
    if (failure !== 'MEMBER_ID_REQUIRED') this.requestRejoin(`rebalance failed due to ${failure}`);
    if (REJOIN_AT_ONCE.has(failure)) {
      this.joinRetryAtMs = this.nowMs;
    } else if (REJOIN_AFTER_BACKOFF.has(failure)) {
      this.joinRetryAtMs = this.nowMs + this.options.retryBackoffMs;
    } else {
      return this.raiseFatal(joinFatalError(failure));
    }
    this.joinFailures++;
    if (this.joinFailures > MAX_CONSECUTIVE_FAILURES) {
      this.raiseFatal({ exception: 'RetriesExhausted', message: `the join failed ${this.joinFailures} times in a row` });
    }
  }

  /** The earliest time a pass of the join loop can make progress, if it waits for time. */
  protected joinWakeupMs(): number | undefined {
    if (!this.joinWanted || this.joinPending) return undefined;
    if (this.coordinator === undefined) return this.lookupWakeupMs();
    return this.joinRetryAtMs > this.nowMs ? this.joinRetryAtMs : undefined;
  }

  protected lookupWakeupMs(): number | undefined {
    if (this.coordinator !== undefined || this.findCoordinatorCorrelationId !== undefined) return undefined;
    return this.lookupRetryAtMs > this.nowMs ? this.lookupRetryAtMs : undefined;
  }

  // --- heartbeat thread ---

  protected heartbeatEnabled(): boolean {
    const joined = this.memberState === 'COMPLETING_REBALANCE' || this.memberState === 'STABLE';
    return joined && this.fatalError === undefined && !this.closed;
  }

  /** `pollHeartbeat`: the application polled, so the poll timer restarts. */
  protected pollHeartbeat(): void {
    this.heartbeat.poll(this.nowMs);
  }

  /** The heartbeat thread's loop, run until it would wait ({@link HeartbeatThread.run}). */
  protected runHeartbeatThread(): void {
    this.heartbeatThread.run();
  }

  private heartbeatThreadHost(): HeartbeatThreadHost {
    return {
      options: () => this.options,
      nowMs: () => this.nowMs,
      heartbeatEnabled: () => this.heartbeatEnabled(),
      coordinator: () => this.coordinator,
      coordinatorNeeded: () => this.coordinatorNeeded(),
      lookupCoordinator: () => this.lookupCoordinator(),
      memberState: () => this.memberState,
      generation: () => this.generation,
      armTimer: (atMs) => this.armTimer('heartbeat', atMs),
      send: (destination, build) => this.send(destination, build),
      generationUnchanged: (entry) => this.generationUnchanged(entry),
      markCoordinatorUnknown: (cause) => this.markCoordinatorUnknown(cause),
      maybeLeaveGroup: (reason) => this.maybeLeaveGroup(reason),
      requestRejoin: (reason) => this.requestRejoin(reason),
      resetStateAndRejoin: (reason, shouldResetMemberId) => this.resetStateAndRejoin(reason, shouldResetMemberId),
      raiseFatal: (error) => this.raiseFatal(error),
    };
  }

  // --- leave ---

  /**
   * `maybeLeaveGroup`: only a dynamic member that is in the group and knows its coordinator sends
   * LeaveGroup (static members leave by session timeout, KIP-345); every caller resets.
   */
  protected maybeLeaveGroup(reason: string): void {
    const dynamic = this.options.groupInstanceId === null;
    const coordinator = this.coordinator;
    if (dynamic && coordinator !== undefined && this.memberState !== 'UNJOINED' && this.generation.memberId !== '') {
      this.send(coordinator, (correlationId) => ({
        type: 'LeaveGroupRequest',
        correlationId,
        groupId: this.options.groupId,
        members: [{ memberId: this.generation.memberId, groupInstanceId: null, reason }],
      }));
    }
    this.resetStateAndRejoin('consumer pro-actively leaving the group', true);
  }

  /** Invariants that hold after every input. */
  protected checkCoordinatorInvariants(): void {
    assert(this.leaf.split('.')[0] === this.memberState, `leaf ${this.leaf} vs MemberState ${this.memberState}`);
    if (this.memberState === 'STABLE') assert(this.generation.generationId >= 0, 'STABLE without a generation');
    if (this.memberState === 'COMPLETING_REBALANCE') assert(this.generation.memberId !== '', 'COMPLETING_REBALANCE without a member id');
    if (!this.heartbeatEnabled()) assert(!this.timers.has('heartbeat'), 'heartbeat timer armed while heartbeats are off');
    if (this.joinCompleteRetry !== undefined) assert(this.joinWanted || this.closed || this.fatalError !== undefined, 'an assignment to apply again, but no join wanted');
    if (this.closed) assert(this.timers.size === 0, 'a timer armed after close');
    assert(this.inFlight.size <= MAX_IN_FLIGHT_REQUESTS, 'too many requests in flight');
    if (this.findCoordinatorCorrelationId !== undefined) assert(this.inFlight.has(this.findCoordinatorCorrelationId), 'lost FindCoordinator');
    if (this.leaderAwaitingMetadata !== undefined) {
      assert(this.memberState === 'COMPLETING_REBALANCE' && this.joinPending, `a leader waits for metadata in ${this.memberState}`);
      assert(this.metadataUpdateRequested(), 'a leader waits for metadata that has come');
    }
  }
}

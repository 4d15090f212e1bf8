import { assert, assertIntegerInRange, assertNever } from '../common/assert.ts';
import type { KafkaError } from '../protocol/errors.ts';
import type { GroupResponse } from '../protocol/group-messages.ts';
import type { ClassicGroupState, ConsumerGroupEventType } from '../../model/consumer-group.machine.ts';
import type { CoordinatorShardEventType, CoordinatorState } from '../../model/coordinator-shard.machine.ts';
import type { ClassicGroup } from './classic-group.ts';
import {
  appendErrorToResponseError, type CoordinatorContext, type CoordinatorResult, type GroupCoordinatorConfig, type TimerTask,
  type GroupCoordinatorMark,
} from './coordinator-result.ts';
import type { GroupCoordinatorRecord } from './group-coordinator-records.ts';
import { GroupMetadataManager, type RequestContext } from './group-metadata-manager.ts';
import { errorResponse, withError, type ShardRequest } from './group-responses.ts';
import { OffsetMetadataManager } from './offset-metadata-manager.ts';

/**
 * What the host (the broker) tells one shard. Every input carries the time (`nowMs`) from the
 * injected clock; the shard has no clock of its own.
 */
export type ShardInput =
  /** The broker leads the partition in `partitionEpoch` (Kafka's `scheduleLoadOperation`). */
  | { readonly type: 'schedule-load'; readonly partitionEpoch: number; readonly nowMs: number }
  /** One record of the partition, in offset order, while LOADING (decoded with `deserialize`; unknown types skipped by the host). */
  | { readonly type: 'replay'; readonly offset: number; readonly record: GroupCoordinatorRecord; readonly nowMs: number }
  /** The loader reached the log end. */
  | { readonly type: 'load-completed'; readonly logEndOffset: number; readonly highWatermark: number; readonly nowMs: number }
  | { readonly type: 'load-failed'; readonly nowMs: number }
  /** Leadership moved on (Kafka's `scheduleUnloadOperation`); null: unconditionally (the runtime closes). */
  | { readonly type: 'schedule-unload'; readonly partitionEpoch: number | null; readonly nowMs: number }
  | { readonly type: 'request'; readonly request: ShardRequest; readonly context: RequestContext; readonly nowMs: number }
  /** A timer the shard armed is due. Stale or re-armed timers are ignored. */
  | { readonly type: 'timer-expired'; readonly key: string; readonly nowMs: number }
  /** The partition's high watermark (exclusive: the first offset not yet committed). */
  | { readonly type: 'high-watermark-updated'; readonly highWatermark: number; readonly nowMs: number }
  /** The append with this id was not written at its base offset (the host's conditional append refused it). */
  | { readonly type: 'append-failed'; readonly appendId: number; readonly error: KafkaError; readonly nowMs: number };

/** What the shard asks of its host, in the order the host must carry it out. */
export type ShardEffect =
  /** Replay the partition from its start with `replay` inputs, then `load-completed`. */
  | { readonly type: 'load'; readonly partitionEpoch: number }
  /**
   * Append these records as leader in `partitionEpoch`, only if the partition's log end offset is
   * `baseOffset` and its leader epoch is still `partitionEpoch`; otherwise report `append-failed`.
   */
  | { readonly type: 'append'; readonly appendId: number; readonly partitionEpoch: number; readonly baseOffset: number; readonly records: readonly GroupCoordinatorRecord[] }
  | { readonly type: 'respond'; readonly destination: number; readonly response: GroupResponse }
  /** Arm (or re-arm) the timer `key` for `deadlineMs`; deliver `timer-expired` then. */
  | { readonly type: 'schedule-timer'; readonly key: string; readonly deadlineMs: number }
  | { readonly type: 'cancel-timer'; readonly key: string }
  /** A lifecycle move, for the conformance monitor (`model/consumer-group.machine.ts`). */
  | {
      readonly type: 'transition'; readonly machine: 'consumer-group'; readonly groupId: string; readonly instance: number;
      readonly event: ConsumerGroupEventType; readonly from: ClassicGroupState | 'Absent'; readonly to: ClassicGroupState;
    }
  /**
   * A coverage mark (`properties/invariants/groups/group-sometimes.ts`): a behaviour a sweep must
   * reach, which no response or record shows on its own.
   */
  | { readonly type: 'mark'; readonly name: GroupCoordinatorMark; readonly groupId: string | undefined }
  /** A lifecycle move of the shard itself (`model/coordinator-shard.machine.ts`). */
  | { readonly type: 'transition'; readonly machine: 'coordinator-shard'; readonly event: CoordinatorShardEventType; readonly from: CoordinatorState; readonly to: CoordinatorState };

/** Kafka's `CoordinatorState.canTransitionFrom`. */
const VALID_PREVIOUS: Readonly<Record<CoordinatorState, readonly CoordinatorState[]>> = {
  INITIAL: [],
  LOADING: ['INITIAL', 'FAILED'],
  ACTIVE: ['ACTIVE', 'LOADING'],
  FAILED: ['LOADING', 'ACTIVE'],
  CLOSED: ['INITIAL', 'LOADING', 'ACTIVE', 'FAILED', 'CLOSED'],
};

/** A response (or callback) waiting for the high watermark: Kafka's `DeferredEvent`. */
interface DeferredEvent {
  /** Completed when the high watermark reaches this offset (the log end after the write). */
  readonly offset: number;
  readonly destination: number;
  readonly response: GroupResponse | undefined;
  readonly appendCallback: ((error: KafkaError | null) => void) | undefined;
  /** The result's `exceptionally`: run only if the event fails. */
  readonly exceptionally: ((error: KafkaError) => void) | undefined;
  /** When the event times out unanswered: `offsets.commit.timeout.ms` after it was deferred. */
  readonly deadlineMs: number;
}

/**
 * The shard's one timer for Kafka's per-event `OperationTimeout`. Deferred events wait in the
 * order they were deferred, so their deadlines never decrease along the queue and one timer, armed
 * for the head's deadline, serves them all. Group timers are named `kind:group...`; this name has
 * no colon, so it is none of theirs.
 */
export const WRITE_TIMEOUT_KEY = 'write-timeout';

interface InFlightAppend {
  readonly appendId: number;
  readonly baseOffset: number;
  readonly endOffset: number;
  /** Groups this write created: taken back if it fails (Kafka's timeline map of groups). */
  readonly createdGroups: readonly string[];
}

/**
 * Kafka's `CoordinatorRuntime.CoordinatorContext` and `GroupCoordinatorShard` for one
 * `__consumer_offsets` partition, as a pure state machine: `step(input)` changes the state and
 * returns effects. See spec/group-coordinator.md for the contract with the host.
 */
export class GroupCoordinatorShard {
  private currentState: CoordinatorState = 'INITIAL';
  private epoch = -1;
  private groupManager: GroupMetadataManager;
  private offsetManager: OffsetMetadataManager;
  /** The log end offset as the shard has written it (Kafka's `lastWrittenOffset`). */
  private lastWritten = 0;
  /** The high watermark (Kafka's `lastCommittedOffset`). */
  private lastCommitted = 0;
  private nextAppendId = 0;
  private readonly inFlight: InFlightAppend[] = [];
  private readonly deferred: DeferredEvent[] = [];
  private readonly timers = new Map<string, { readonly deadlineMs: number; readonly task: TimerTask }>();
  /** The deadline the write timeout is armed for (`WRITE_TIMEOUT_KEY`), if armed. */
  private writeTimeoutAtMs: number | undefined;
  private effects: ShardEffect[] = [];
  private nowMs = 0;
  private stepContext: CoordinatorContext | null = null;
  private createdInWrite: string[] = [];

  constructor(
    private readonly config: GroupCoordinatorConfig,
    private readonly newUuid: () => string,
  ) {
    this.groupManager = this.newGroupManager();
    this.offsetManager = new OffsetMetadataManager(this.groupManager, this.config.offsetCommitChecksGeneration !== false);
  }

  private newGroupManager(): GroupMetadataManager {
    return new GroupMetadataManager(this.config, this.newUuid, () => {
      assert(this.stepContext !== null, 'the group coordinator acts only inside a step');
      return this.stepContext;
    });
  }

  get state(): CoordinatorState {
    return this.currentState;
  }

  get partitionEpoch(): number {
    return this.epoch;
  }

  get lastWrittenOffset(): number {
    return this.lastWritten;
  }

  get lastCommittedOffset(): number {
    return this.lastCommitted;
  }

  get offsets(): OffsetMetadataManager {
    return this.offsetManager;
  }

  group(groupId: string): ClassicGroup | undefined {
    return this.groupManager.group(groupId);
  }

  groups(): IterableIterator<ClassicGroup> {
    return this.groupManager.groups.values();
  }

  get pendingResponses(): number {
    return this.deferred.length;
  }

  armedTimers(): ReadonlyMap<string, { readonly deadlineMs: number; readonly task: TimerTask }> {
    return this.timers;
  }

  /** Feeds one input; returns the effects, in order. */
  step(input: ShardInput): ShardEffect[] {
    assert(this.effects.length === 0, 'shard steps do not nest');
    assertIntegerInRange(input.nowMs, this.nowMs, Number.MAX_SAFE_INTEGER, 'shard time');
    this.nowMs = input.nowMs;
    this.stepContext = this.context();
    try {
      this.dispatch(input);
    } finally {
      this.stepContext = null;
    }
    const effects = this.effects;
    this.effects = [];
    this.checkInvariants();
    return effects;
  }

  private dispatch(input: ShardInput): void {
    switch (input.type) {
      case 'schedule-load':
        return this.scheduleLoad(input.partitionEpoch);
      case 'replay':
        return this.replay(input.offset, input.record);
      case 'load-completed':
        return this.completeLoad(input.logEndOffset, input.highWatermark);
      case 'load-failed':
        assert(this.currentState === 'LOADING', `load failed while ${this.currentState}`);
        return this.transitionTo('FAILED', 'LOAD_FAILED');
      case 'schedule-unload':
        if (input.partitionEpoch !== null && this.epoch >= input.partitionEpoch) return;
        if (this.currentState === 'CLOSED') return;
        return this.transitionTo('CLOSED', 'UNLOAD');
      case 'request':
        return this.onRequest(input.request, input.context);
      case 'timer-expired':
        return this.onTimerExpired(input.key);
      case 'high-watermark-updated':
        return this.onHighWatermarkUpdated(input.highWatermark);
      case 'append-failed':
        return this.onAppendFailed(input.appendId, input.error);
      default:
        return assertNever(input, 'shard input');
    }
  }

  private context(): CoordinatorContext {
    return {
      nowMs: this.nowMs,
      respond: (destination, response) => this.effects.push({ type: 'respond', destination, response }),
      schedule: (key, delayMs, task) => {
        assertIntegerInRange(delayMs, 0, Number.MAX_SAFE_INTEGER, `timer ${key} delay`);
        const deadlineMs = this.nowMs + delayMs;
        this.timers.set(key, { deadlineMs, task });
        this.effects.push({ type: 'schedule-timer', key, deadlineMs });
      },
      cancel: (key) => {
        if (this.timers.delete(key)) this.effects.push({ type: 'cancel-timer', key });
      },
      groupTransition: (groupId, instance, event, from, to) =>
        this.effects.push({ type: 'transition', machine: 'consumer-group', groupId, instance, event, from, to }),
      groupCreated: (groupId) => this.createdInWrite.push(groupId),
      mark: (name, groupId) => this.effects.push({ type: 'mark', name, groupId }),
    };
  }

  // ---------------------------------------------------------------- lifecycle

  /** Kafka's `CoordinatorContext.transitionTo`, with `canTransitionFrom` asserted. */
  private transitionTo(target: CoordinatorState, event: CoordinatorShardEventType): void {
    const from = this.currentState;
    assert(VALID_PREVIOUS[target].includes(from), `coordinator shard cannot move from ${from} to ${target}`);
    this.currentState = target;
    this.effects.push({ type: 'transition', machine: 'coordinator-shard', event, from, to: target });
    switch (target) {
      case 'LOADING':
        // A fresh state machine, as Kafka builds a new shard for each load.
        this.groupManager = this.newGroupManager();
        this.offsetManager = new OffsetMetadataManager(this.groupManager, this.config.offsetCommitChecksGeneration !== false);
        this.lastWritten = 0;
        this.lastCommitted = 0;
        this.effects.push({ type: 'load', partitionEpoch: this.epoch });
        break;
      case 'ACTIVE':
        break;
      case 'FAILED':
      case 'CLOSED':
        this.unload();
        break;
      case 'INITIAL':
        throw new Error('no state moves to INITIAL');
      default:
        assertNever(target, 'coordinator state');
    }
  }

  /** Kafka's `scheduleLoadOperation`: only a newer epoch counts. */
  private scheduleLoad(partitionEpoch: number): void {
    assert(this.currentState !== 'CLOSED', 'a CLOSED shard is never loaded again: the host makes a new GroupCoordinatorShard');
    if (this.epoch >= partitionEpoch) return;
    this.epoch = partitionEpoch;
    if (this.currentState === 'INITIAL' || this.currentState === 'FAILED') this.transitionTo('LOADING', 'LOAD');
  }

  private replay(offset: number, record: GroupCoordinatorRecord): void {
    assert(this.currentState === 'LOADING', `replay while ${this.currentState}`);
    assertIntegerInRange(offset, this.lastWritten, Number.MAX_SAFE_INTEGER, 'replayed record offset');
    this.lastWritten = offset + 1;
    switch (record.type) {
      case 'GroupMetadata':
        return this.groupManager.replayGroupMetadata(record.key.group, record.value === null ? null : record.value.message);
      case 'OffsetCommit':
        // Offsets without membership make a "simple" Empty group (Kafka's replay does the same).
        if (record.value !== null) this.groupManager.getOrMaybeCreateClassicGroup(record.key.group, true);
        return this.offsetManager.replay(offset, record);
      default:
        return assertNever(record, 'record');
    }
  }

  private completeLoad(logEndOffset: number, highWatermark: number): void {
    assert(this.currentState === 'LOADING', `load completed while ${this.currentState}`);
    assertIntegerInRange(logEndOffset, this.lastWritten, Number.MAX_SAFE_INTEGER, 'loaded log end offset');
    assertIntegerInRange(highWatermark, 0, logEndOffset, 'loaded high watermark');
    this.lastWritten = logEndOffset;
    this.lastCommitted = highWatermark;
    this.offsetManager.onHighWatermarkUpdated(highWatermark);
    this.createdInWrite = [];
    this.groupManager.onLoaded();
    this.transitionTo('ACTIVE', 'LOAD_COMPLETED');
  }

  /** Kafka's `unload`: timers cancelled, waiting answers failed with NOT_COORDINATOR, groups Dead. */
  private unload(): void {
    for (const key of [...this.timers.keys()]) {
      this.timers.delete(key);
      this.effects.push({ type: 'cancel-timer', key });
    }
    this.disarmWriteTimeout();
    const failed = this.deferred.splice(0, this.deferred.length);
    this.inFlight.length = 0;
    for (const event of failed) this.failEvent(event, 'NOT_COORDINATOR');
    this.groupManager.onUnloaded();
    // Kafka's callbacks may re-arm timers before onUnloaded; none may survive an unload.
    for (const key of [...this.timers.keys()]) {
      this.timers.delete(key);
      this.effects.push({ type: 'cancel-timer', key });
    }
  }

  // ---------------------------------------------------------------- requests

  private onRequest(request: ShardRequest, context: RequestContext): void {
    const refuse = (error: KafkaError): void => {
      this.effects.push({ type: 'respond', destination: context.destination, response: errorResponse(request, error) });
    };
    // The service's checks come before the shard's state (GroupCoordinatorService.joinGroup and siblings).
    if (request.type !== 'OffsetFetchRequest' && request.groupId === '') return refuse('INVALID_GROUP_ID');
    if (request.type === 'JoinGroupRequest' &&
      (request.sessionTimeoutMs < this.config.groupMinSessionTimeoutMs || request.sessionTimeoutMs > this.config.groupMaxSessionTimeoutMs)) {
      return refuse('INVALID_SESSION_TIMEOUT');
    }
    if (this.currentState === 'LOADING') return refuse('COORDINATOR_LOAD_IN_PROGRESS');
    if (this.currentState !== 'ACTIVE') return refuse('NOT_COORDINATOR');
    // refka's limits: a full queue answers as a coordinator that cannot take more (clients retry).
    if (this.deferred.length >= this.config.deferredEventsMax) return refuse('COORDINATOR_NOT_AVAILABLE');
    if (this.inFlight.length >= this.config.appendsInFlightMax) return refuse('COORDINATOR_NOT_AVAILABLE');
    this.createdInWrite = [];
    let result: CoordinatorResult;
    switch (request.type) {
      case 'JoinGroupRequest':
        result = this.groupManager.classicGroupJoin(request, context);
        break;
      case 'SyncGroupRequest':
        result = this.groupManager.classicGroupSync(request, context);
        break;
      case 'HeartbeatRequest':
        result = this.groupManager.classicGroupHeartbeat(request, context);
        break;
      case 'LeaveGroupRequest':
        result = this.groupManager.classicGroupLeave(request, context);
        break;
      case 'OffsetCommitRequest':
        result = this.offsetManager.commitOffset(request, context, this.context());
        break;
      case 'OffsetFetchRequest':
        if (!request.requireStable) {
          // Kafka's read operation: the committed view, answered at once.
          this.effects.push({ type: 'respond', destination: context.destination, response: this.offsetManager.fetchOffsets(request) });
          return;
        }
        // KIP-447: a write operation without records, so it waits for every earlier write.
        result = { records: [], response: this.offsetManager.fetchOffsets(request) };
        break;
      default:
        return assertNever(request, 'group request');
    }
    this.applyResult(result, context.destination);
  }

  private onTimerExpired(key: string): void {
    if (key === WRITE_TIMEOUT_KEY) return this.onWriteTimeout();
    const timer = this.timers.get(key);
    if (timer === undefined || timer.deadlineMs > this.nowMs) return;
    assert(this.currentState === 'ACTIVE', `timer ${key} armed while ${this.currentState}`);
    this.timers.delete(key);
    this.createdInWrite = [];
    const result = this.groupManager.onTimer(timer.task);
    assert(result.response === undefined, `timer ${key} produced a response`);
    this.applyResult(result, -1);
  }

  /**
   * Kafka's `CoordinatorContext.append` plus `flushCurrentBatch`: records get the next offsets
   * and an `append` effect; the response waits for the high watermark to pass them. With no
   * records the response still waits for every earlier write (Kafka's rule for such writes).
   */
  private applyResult(result: CoordinatorResult, destination: number): void {
    const created = this.createdInWrite;
    this.createdInWrite = [];
    if (result.records.length > 0) {
      const baseOffset = this.lastWritten;
      result.records.forEach((record, index) => {
        // Classic group records are not replayed on write (Kafka's `replayRecords = false`): the
        // handler already changed the group. Offset records are, into the pending view.
        if (record.type === 'OffsetCommit') this.offsetManager.replay(baseOffset + index, record);
      });
      this.lastWritten = baseOffset + result.records.length;
      const appendId = this.nextAppendId++;
      this.inFlight.push({ appendId, baseOffset, endOffset: this.lastWritten, createdGroups: created });
      this.effects.push({ type: 'append', appendId, partitionEpoch: this.epoch, baseOffset, records: result.records });
      this.defer(this.deferredEvent(result, destination));
      return;
    }
    if (result.response === undefined && result.appendCallback === undefined && result.exceptionally === undefined) return;
    if (this.lastCommitted < this.lastWritten) {
      // Kafka defers the whole write event, not only its response: a JoinGroup parked behind
      // uncommitted records is failed with its event (NOT_COORDINATOR on unload).
      this.defer(this.deferredEvent(result, destination));
      return;
    }
    this.completeEvent(this.deferredEvent(result, destination));
  }

  private deferredEvent(result: CoordinatorResult, destination: number): DeferredEvent {
    return {
      offset: this.lastWritten, destination, response: result.response, appendCallback: result.appendCallback, exceptionally: result.exceptionally,
      deadlineMs: this.nowMs + this.config.offsetCommitTimeoutMs,
    };
  }

  /**
   * Parks an event until the high watermark passes its offset, under Kafka's write timeout
   * (`CoordinatorWriteEvent.run` adds an `OperationTimeout` when the event is not done at once).
   * The timer is not moved when events are answered: it fires at a deadline that may have passed
   * unused and then moves to the head's, one timer event per timeout period rather than one per
   * write.
   */
  private defer(event: DeferredEvent): void {
    this.deferred.push(event);
    if (this.writeTimeoutAtMs === undefined) this.armWriteTimeout(event.deadlineMs);
  }

  private armWriteTimeout(deadlineMs: number): void {
    this.writeTimeoutAtMs = deadlineMs;
    this.effects.push({ type: 'schedule-timer', key: WRITE_TIMEOUT_KEY, deadlineMs });
  }

  private disarmWriteTimeout(): void {
    if (this.writeTimeoutAtMs === undefined) return;
    this.writeTimeoutAtMs = undefined;
    this.effects.push({ type: 'cancel-timer', key: WRITE_TIMEOUT_KEY });
  }

  /**
   * Kafka's `OperationTimeout.run`: an event still waiting `offsets.commit.timeout.ms` after it was
   * deferred completes with a `TimeoutException` (REQUEST_TIMED_OUT, which the answers turn into
   * COORDINATOR_NOT_AVAILABLE, and which its callbacks see as a failed write). Its records stay
   * written and may still commit: Kafka neither reverts them nor the offsets they carry, and an
   * event completed once ignores the high watermark passing it later.
   */
  private onWriteTimeout(): void {
    const armedFor = this.writeTimeoutAtMs;
    if (armedFor === undefined || armedFor > this.nowMs) return;
    assert(this.currentState === 'ACTIVE', `write timeout armed while ${this.currentState}`);
    this.writeTimeoutAtMs = undefined;
    let expired = 0;
    while (expired < this.deferred.length && (this.deferred[expired] as DeferredEvent).deadlineMs <= this.nowMs) expired++;
    if (expired > 0) this.effects.push({ type: 'mark', name: 'coordinator-write-timed-out', groupId: undefined });
    for (const event of this.deferred.splice(0, expired)) this.failEvent(event, 'REQUEST_TIMED_OUT');
    // The timer moves on to the head's deadline. Failing an event may have deferred new ones (a
    // rebalance's writes), arming the timer for their later deadline: the head's comes first.
    const head = this.deferred[0];
    if (head !== undefined && (this.writeTimeoutAtMs === undefined || this.writeTimeoutAtMs > head.deadlineMs)) this.armWriteTimeout(head.deadlineMs);
  }

  private completeEvent(event: DeferredEvent): void {
    if (event.response !== undefined) this.effects.push({ type: 'respond', destination: event.destination, response: event.response });
    event.appendCallback?.(null);
  }

  private failEvent(event: DeferredEvent, error: KafkaError): void {
    if (event.response !== undefined) {
      this.effects.push({ type: 'respond', destination: event.destination, response: withError(event.response, appendErrorToResponseError(error)) });
    }
    event.appendCallback?.(error);
    event.exceptionally?.(error);
  }

  /** Kafka's `onHighWatermarkUpdated` → `completeUpTo`. */
  private onHighWatermarkUpdated(highWatermark: number): void {
    if (this.currentState !== 'ACTIVE') return;
    assertIntegerInRange(highWatermark, this.lastCommitted, this.lastWritten, 'high watermark');
    this.lastCommitted = highWatermark;
    this.offsetManager.onHighWatermarkUpdated(highWatermark);
    while (this.inFlight.length > 0 && (this.inFlight[0] as InFlightAppend).endOffset <= highWatermark) this.inFlight.shift();
    let completed = 0;
    while (completed < this.deferred.length && (this.deferred[completed] as DeferredEvent).offset <= highWatermark) completed++;
    for (const event of this.deferred.splice(0, completed)) this.completeEvent(event);
  }

  /**
   * An append failed. Every later append was built on it, and the host's conditional append
   * refuses them too, so the shard takes back the failed write and all after it: offsets revert to
   * the base offset, groups they created go, and their waiting answers fail (Kafka's
   * `failCurrentBatch` → `revertLastWrittenOffset`, then each event's `complete(exception)`).
   */
  private onAppendFailed(appendId: number, error: KafkaError): void {
    if (this.currentState !== 'ACTIVE') return;
    const index = this.inFlight.findIndex((append) => append.appendId === appendId);
    if (index < 0) return;
    const baseOffset = (this.inFlight[index] as InFlightAppend).baseOffset;
    assert(baseOffset >= this.lastCommitted, `append ${appendId} at ${baseOffset} failed below the high watermark ${this.lastCommitted}`);
    const reverted = this.inFlight.splice(index);
    this.offsetManager.revertTo(baseOffset);
    this.lastWritten = baseOffset;
    for (const append of [...reverted].reverse()) {
      for (const groupId of [...append.createdGroups].reverse()) this.groupManager.revertGroupCreation(groupId, appendErrorToResponseError(error));
    }
    let keep = 0;
    while (keep < this.deferred.length && (this.deferred[keep] as DeferredEvent).offset <= baseOffset) keep++;
    for (const event of this.deferred.splice(keep)) this.failEvent(event, error);
  }

  /** TigerBeetle's `invariants()`: checked after every step. */
  private checkInvariants(): void {
    assert(this.lastCommitted <= this.lastWritten, `high watermark ${this.lastCommitted} above log end ${this.lastWritten}`);
    assert(this.deferred.length <= this.config.deferredEventsMax + this.config.groupsMax, `${this.deferred.length} deferred answers`);
    assert(this.inFlight.length <= this.config.appendsInFlightMax + this.config.groupsMax, `${this.inFlight.length} appends in flight`);
    assert(this.timers.size <= this.config.groupsMax * (2 + 2 * this.config.groupMaxSize), `${this.timers.size} timers armed`);
    for (let index = 1; index < this.deferred.length; index++) {
      const before = this.deferred[index - 1] as DeferredEvent;
      const event = this.deferred[index] as DeferredEvent;
      assert(before.offset <= event.offset, 'deferred answers out of offset order');
      assert(before.deadlineMs <= event.deadlineMs, 'deferred deadlines out of order');
    }
    for (const event of this.deferred) assert(event.offset > this.lastCommitted, 'a deferred answer is already committed');
    // While an event waits the write timeout is armed, at the latest for the head's deadline.
    const head = this.deferred[0];
    if (head !== undefined) {
      assert(this.writeTimeoutAtMs !== undefined && this.writeTimeoutAtMs <= head.deadlineMs, `write timeout armed for ${this.writeTimeoutAtMs}, head deadline ${head.deadlineMs}`);
    }
    if (this.currentState !== 'ACTIVE') assert(this.timers.size === 0 && this.deferred.length === 0 && this.writeTimeoutAtMs === undefined, `timers or answers while ${this.currentState}`);
    if (this.currentState === 'ACTIVE') this.groupManager.checkInvariants();
  }
}

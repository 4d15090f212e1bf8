import type { MemberState } from '../../model/group-member.machine.ts';
import { assert, assertNever } from '../common/assert.ts';
import type { KafkaError } from '../protocol/errors.ts';
import type { GroupRequest, GroupResponse, OffsetCommitResponse, OffsetFetchResponse } from '../protocol/group-messages.ts';
import { compareTopicPartitions, partitionKey, type TopicPartition } from './assignors/consumer-partition-assignor.ts';
import type { InFlightRequest } from './abstract-coordinator.ts';
import {
  MAX_CONSECUTIVE_FAILURES,
  MAX_IN_FLIGHT_COMMITS,
  MAX_PENDING_COMMITS,
  NO_GENERATION,
  type CommitResult,
  type ConsumerCoordinatorEffect,
  type ConsumerCoordinatorOptions,
  type FatalError,
  type Generation,
  type PartitionOffset,
} from './consumer-coordinator-io.ts';


/** What the commit manager may see and do of its coordinator. */
export interface CommitHost {
  options(): ConsumerCoordinatorOptions;
  nowMs(): number;
  coordinator(): number | undefined;
  subscribed(): boolean;
  memberState(): MemberState;
  generation(): Generation;
  owned(): readonly TopicPartition[];
  effects(): ConsumerCoordinatorEffect[];
  send(destination: number, build: (correlationId: number) => GroupRequest, commitSequence?: number): number;
  generationUnchanged(entry: InFlightRequest): boolean;
  markCoordinatorUnknown(cause: string): void;
  requestRejoin(reason: string): void;
  resetStateAndRejoin(reason: string, shouldResetMemberId: boolean): void;
  raiseFatal(error: FatalError): void;
  backoffMs(attempts: number): number;
  /** A `join-prepare` commit is done (sent and answered, failed or given up). */
  joinPrepareCommitCompleted(sequence: number, result: CommitResult): void;
}

/**
 * Who asked for a commit. `sync` and `async` are the application's `commitSync`/`commitAsync`;
 * `auto` is `maybeAutoCommitOffsetsAsync` in poll; `join-prepare` the asynchronous auto-commit
 * `onJoinPrepare` waits for before revoking (Kafka's `autoCommitOffsetRequestFuture`); `close` the
 * final synchronous commit of `close()`. Only `sync` and `close` retry themselves with the same
 * offsets, as `commitOffsetsSync` does while the application waits in it.
 */
type CommitKind = 'sync' | 'async' | 'auto' | 'join-prepare' | 'close';

interface PendingCommit {
  readonly sequence: number;
  readonly kind: CommitKind;
  readonly commitId: number | undefined;
  readonly offsets: readonly PartitionOffset[];
  /** Past this, a commit that retries gives up (`default.api.timeout.ms`, the rebalance or close timeout). */
  readonly deadlineMs: number;
  retryAtMs: number;
  failures: number;
  inFlight: boolean;
}

/** Errors Kafka's `OffsetCommitResponseHandler` raises as retriable (and which mark the coordinator unknown). */
const RETRIABLE_COMMIT_ERRORS: ReadonlySet<KafkaError | 'DISCONNECTED'> = new Set<KafkaError | 'DISCONNECTED'>([
  'COORDINATOR_LOAD_IN_PROGRESS',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'REQUEST_TIMED_OUT',
  'DISCONNECTED',
]);
const COORDINATOR_ERRORS: ReadonlySet<KafkaError> = new Set<KafkaError>(['COORDINATOR_NOT_AVAILABLE', 'NOT_COORDINATOR', 'REQUEST_TIMED_OUT']);

/**
 * The offset side of Kafka's `ConsumerCoordinator`: OffsetCommit (`sendOffsetCommitRequest` and
 * `OffsetCommitResponseHandler`), the auto-commit timer, and OffsetFetch for newly assigned
 * partitions (`fetchCommittedOffsets`), as a queue the coordinator drains when it can.
 */
export class CommitManager {
  private readonly queue: PendingCommit[] = [];
  private nextSequence = 1;
  private nextAutoCommitAtMs = 0;
  /** Partitions waiting for their committed offset, by key. */
  private readonly awaitingCommitted = new Map<string, TopicPartition>();
  private offsetFetchInFlight = false;
  private offsetFetchRetryAtMs = 0;
  private offsetFetchFailures = 0;

  constructor(private readonly host: CommitHost) {}

  resetAutoCommitDeadline(nowMs: number): void {
    this.nextAutoCommitAtMs = nowMs + this.host.options().autoCommitIntervalMs;
  }

  /** `commitSync` / `commitAsync` from the application. */
  enqueue(kind: 'sync' | 'async', commitId: number, offsets: readonly PartitionOffset[]): void {
    if (this.queue.length >= MAX_PENDING_COMMITS) {
      this.host.effects().push({ type: 'commit-completed', commitId, result: { type: 'CommitQueueFull' } });
      return;
    }
    this.push(kind, commitId, offsets, this.host.nowMs() + this.host.options().defaultApiTimeoutMs);
  }

  /** A commit of the coordinator's own; returns its sequence for {@link isPending}. */
  enqueueInternal(kind: 'join-prepare' | 'close', offsets: readonly PartitionOffset[], deadlineMs: number): number {
    return this.push(kind, undefined, offsets, deadlineMs);
  }

  isPending(sequence: number): boolean {
    return this.queue.some((commit) => commit.sequence === sequence);
  }

  /** `maybeAutoCommitOffsetsAsync(now)`: commit the consumed positions when the interval has passed. */
  maybeAutoCommitOffsetsAsync(allConsumed: readonly PartitionOffset[]): void {
    const now = this.host.nowMs();
    if (!this.host.options().enableAutoCommit || now < this.nextAutoCommitAtMs) return;
    this.nextAutoCommitAtMs = now + this.host.options().autoCommitIntervalMs;
    if (this.queue.length >= MAX_PENDING_COMMITS) return;
    this.push('auto', undefined, allConsumed, now + this.host.options().defaultApiTimeoutMs);
    this.flush();
  }

  private push(kind: CommitKind, commitId: number | undefined, offsets: readonly PartitionOffset[], deadlineMs: number): number {
    assert(this.queue.length < MAX_PENDING_COMMITS + 2, 'commit queue over its bound');
    for (const offset of offsets) assert(Number.isSafeInteger(offset.offset) && offset.offset >= 0, `Invalid offset: ${offset.offset}`);
    const sequence = this.nextSequence++;
    this.queue.push({ sequence, kind, commitId, offsets, deadlineMs, retryAtMs: 0, failures: 0, inFlight: false });
    return sequence;
  }

  /** Sends what can be sent now, in queue order, and gives up what waited too long. */
  flush(): void {
    const now = this.host.nowMs();
    for (const commit of [...this.queue]) {
      if (commit.inFlight || now < commit.retryAtMs) continue;
      if (this.queue.filter((entry) => entry.inFlight).length >= MAX_IN_FLIGHT_COMMITS) break;
      this.sendOffsetCommitRequest(commit);
    }
    this.maybeSendOffsetFetch();
  }

  /** `sendOffsetCommitRequest`. */
  private sendOffsetCommitRequest(commit: PendingCommit): void {
    if (commit.offsets.length === 0) return this.complete(commit, { type: 'committed' });
    let generation = NO_GENERATION;
    let groupInstanceId: string | null = null;
    if (this.host.subscribed()) {
      // Only a STABLE member commits under its generation; otherwise the commit fails at once.
      const state = this.host.memberState();
      if (state !== 'STABLE') {
        const rebalancing = state === 'PREPARING_REBALANCE' || state === 'COMPLETING_REBALANCE';
        return this.complete(commit, rebalancing ? { type: 'RebalanceInProgressException' } : { type: 'CommitFailedException' });
      }
      generation = this.host.generation();
      groupInstanceId = this.host.options().groupInstanceId;
    }
    const coordinator = this.host.coordinator();
    if (coordinator === undefined) {
      if (this.host.nowMs() >= commit.deadlineMs) this.retriableFailure(commit, 'COORDINATOR_NOT_AVAILABLE');
      return;
    }
    commit.inFlight = true;
    const topics = groupByTopic(commit.offsets);
    this.host.send(
      coordinator,
      (correlationId) => ({
        type: 'OffsetCommitRequest',
        correlationId,
        groupId: this.host.options().groupId,
        generationIdOrMemberEpoch: generation.generationId,
        memberId: generation.memberId,
        groupInstanceId,
        topics: topics.map(([name, offsets]) => ({
          name,
          partitions: offsets.map((offset) => ({
            partitionIndex: offset.partition,
            committedOffset: offset.offset,
            committedLeaderEpoch: offset.leaderEpoch,
            committedMetadata: this.host.options().tagCommitMetadata === true ? `${generation.memberId}@${generation.generationId}` : offset.metadata,
          })),
        })),
      }),
      commit.sequence,
    );
  }

  onResponse(entry: InFlightRequest, response: GroupResponse | 'DISCONNECTED'): void {
    if (entry.request.type === 'OffsetFetchRequest') return this.onOffsetFetchResponse(response as OffsetFetchResponse | 'DISCONNECTED');
    assert(entry.request.type === 'OffsetCommitRequest', `commit manager got a ${entry.request.type}`);
    const commit = this.queue.find((pending) => pending.sequence === entry.commitSequence);
    assert(commit !== undefined && commit.inFlight, `no pending commit ${entry.commitSequence}`);
    commit.inFlight = false;
    const error = response === 'DISCONNECTED' ? 'DISCONNECTED' : firstCommitError(response as OffsetCommitResponse);
    this.onCommitOutcome(commit, entry, error);
  }

  /** `OffsetCommitResponseHandler.handle`, by the first failed partition's error. */
  private onCommitOutcome(commit: PendingCommit, entry: InFlightRequest, error: KafkaError | 'DISCONNECTED'): void {
    if (error === 'NONE') return this.complete(commit, { type: 'committed' });
    if (error === 'DISCONNECTED' || RETRIABLE_COMMIT_ERRORS.has(error)) {
      if (error !== 'DISCONNECTED' && COORDINATOR_ERRORS.has(error)) this.host.markCoordinatorUnknown(`error response ${error}`);
      return this.retriableFailure(commit, error);
    }
    const stalePreparing = !this.host.generationUnchanged(entry) && this.host.memberState() === 'PREPARING_REBALANCE';
    switch (error) {
      case 'REBALANCE_IN_PROGRESS':
        this.host.requestRejoin('offset commit failed since group is already rebalancing');
        return this.complete(commit, { type: 'RebalanceInProgressException' });
      case 'UNKNOWN_MEMBER_ID':
      case 'ILLEGAL_GENERATION':
        if (stalePreparing) return this.complete(commit, { type: 'RebalanceInProgressException' });
        this.host.resetStateAndRejoin(`encountered ${error} from OFFSET_COMMIT response`, error !== 'ILLEGAL_GENERATION');
        return this.complete(commit, { type: 'CommitFailedException' });
      case 'FENCED_INSTANCE_ID':
        if (this.host.generationUnchanged(entry)) return this.complete(commit, { type: 'FencedInstanceIdException' });
        return this.complete(commit, this.host.memberState() === 'PREPARING_REBALANCE' ? { type: 'RebalanceInProgressException' } : { type: 'CommitFailedException' });
      default:
        return this.complete(commit, { type: 'KafkaException', error });
    }
  }

  /**
   * Sync commits retry until their deadline; async ones report the error (Kafka never retries
   * them). The join prepare's commit is async: `onJoinPrepare` retries it with a new commit of the
   * positions consumed by then, never by sending the old offsets again, which could land after a
   * newer commit (default seed 1135: the join prepare's retry of offset 38 followed close's 40).
   */
  private retriableFailure(commit: PendingCommit, error: KafkaError | 'DISCONNECTED'): void {
    const retries = commit.kind === 'sync' || commit.kind === 'close';
    const retryAtMs = this.host.nowMs() + this.host.backoffMs(commit.failures);
    if (retries && retryAtMs < commit.deadlineMs) {
      commit.failures++;
      commit.retryAtMs = retryAtMs;
      return;
    }
    this.complete(commit, retries ? { type: 'TimeoutException' } : { type: 'RetriableCommitFailedException', error });
  }

  private complete(commit: PendingCommit, result: CommitResult): void {
    const index = this.queue.indexOf(commit);
    assert(index >= 0, `commit ${commit.sequence} completed twice`);
    assert(!commit.inFlight, `commit ${commit.sequence} completed while on the wire`);
    this.queue.splice(index, 1);
    switch (commit.kind) {
      case 'sync':
      case 'async':
        assert(commit.commitId !== undefined, 'application commit without an id');
        this.host.effects().push({ type: 'commit-completed', commitId: commit.commitId, result });
        return;
      case 'auto':
      case 'join-prepare':
        // The auto-commit callback (both are `autoCommitOffsetsAsync`): a retriable failure retries
        // after the backoff, not the interval.
        if (result.type === 'RetriableCommitFailedException') this.nextAutoCommitAtMs = this.host.nowMs() + this.host.options().retryBackoffMs;
        if (commit.kind === 'join-prepare') this.host.joinPrepareCommitCompleted(commit.sequence, result);
        return;
      case 'close':
        return;
      default:
        assertNever(commit.kind, 'commit kind');
    }
  }

  // --- committed offsets for new partitions ---

  /** Newly assigned partitions start from their committed offsets (`refreshCommittedOffsetsIfNeeded`). */
  fetchCommittedOffsets(partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.awaitingCommitted.set(partitionKey(tp), tp);
    this.offsetFetchFailures = 0;
    this.offsetFetchRetryAtMs = 0;
  }

  retryCommittedOffsetFetch(): void {
    this.maybeSendOffsetFetch();
  }

  /** Partitions given up need no position. */
  forgetUnowned(owned: ReadonlySet<string>): void {
    for (const key of [...this.awaitingCommitted.keys()]) if (!owned.has(key)) this.awaitingCommitted.delete(key);
  }

  private maybeSendOffsetFetch(): void {
    const coordinator = this.host.coordinator();
    if (this.awaitingCommitted.size === 0 || this.offsetFetchInFlight || coordinator === undefined) return;
    if (this.host.nowMs() < this.offsetFetchRetryAtMs) return;
    const partitions = [...this.awaitingCommitted.values()].sort(compareTopicPartitions);
    const topics = new Map<string, number[]>();
    for (const tp of partitions) topics.set(tp.topic, [...(topics.get(tp.topic) ?? []), tp.partition]);
    this.offsetFetchInFlight = true;
    this.host.send(coordinator, (correlationId) => ({
      type: 'OffsetFetchRequest',
      correlationId,
      groupId: this.host.options().groupId,
      topics: [...topics].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
      // `isolation.level` read_uncommitted (the default) does not require stable offsets (KIP-447).
      requireStable: false,
    }));
  }

  private onOffsetFetchResponse(response: OffsetFetchResponse | 'DISCONNECTED'): void {
    this.offsetFetchInFlight = false;
    const error = response === 'DISCONNECTED' ? 'DISCONNECTED' : response.error;
    if (error === 'NOT_COORDINATOR' || error === 'COORDINATOR_NOT_AVAILABLE') this.host.markCoordinatorUnknown(`error response ${error}`);
    const resolved: { topic: string; partition: number; committed: PartitionOffset | null }[] = [];
    if (response !== 'DISCONNECTED' && error === 'NONE') {
      for (const topic of response.topics) {
        for (const partition of topic.partitions) {
          const key = partitionKey({ topic: topic.name, partition: partition.partitionIndex });
          // UNSTABLE_OFFSET_COMMIT and other partition errors: ask again later.
          if (!this.awaitingCommitted.has(key) || partition.error !== 'NONE') continue;
          this.awaitingCommitted.delete(key);
          const committed = partition.committedOffset < 0 ? null : {
            topic: topic.name,
            partition: partition.partitionIndex,
            offset: partition.committedOffset,
            leaderEpoch: partition.committedLeaderEpoch,
            metadata: partition.metadata,
          };
          resolved.push({ topic: topic.name, partition: partition.partitionIndex, committed });
        }
      }
    }
    if (resolved.length > 0) {
      resolved.sort(compareTopicPartitions);
      this.host.effects().push({ type: 'committed-offsets', offsets: resolved });
    }
    if (this.awaitingCommitted.size === 0) return;
    this.offsetFetchRetryAtMs = this.host.nowMs() + this.host.backoffMs(this.offsetFetchFailures);
    this.offsetFetchFailures++;
    if (this.offsetFetchFailures > MAX_CONSECUTIVE_FAILURES) {
      this.host.raiseFatal({ exception: 'RetriesExhausted', message: `OffsetFetch failed ${this.offsetFetchFailures} times` });
    }
  }

  // --- the coordinator's view ---

  needsCoordinator(): boolean {
    return this.queue.length > 0 || this.awaitingCommitted.size > 0;
  }

  /** The earliest future time at which a retry or a deadline needs a pass. */
  wakeupMs(): number | undefined {
    const now = this.host.nowMs();
    const times: number[] = [];
    for (const commit of this.queue) {
      if (commit.inFlight) continue;
      if (commit.retryAtMs > now) times.push(commit.retryAtMs);
      else if (this.host.coordinator() === undefined) times.push(commit.deadlineMs);
    }
    if (this.awaitingCommitted.size > 0 && !this.offsetFetchInFlight && this.offsetFetchRetryAtMs > now) times.push(this.offsetFetchRetryAtMs);
    const future = times.filter((at) => at > now);
    return future.length === 0 ? undefined : Math.min(...future);
  }

  /** At close: what was never answered is reported as timed out. */
  abandonAll(): void {
    for (const commit of [...this.queue]) {
      commit.inFlight = false;
      const asynchronous = commit.kind === 'async' || commit.kind === 'auto' || commit.kind === 'join-prepare';
      this.complete(commit, asynchronous ? { type: 'RetriableCommitFailedException', error: 'DISCONNECTED' } : { type: 'TimeoutException' });
    }
    this.awaitingCommitted.clear();
  }

  checkInvariants(): void {
    assert(this.queue.length <= MAX_PENDING_COMMITS + 2, `commit queue has ${this.queue.length} entries`);
    assert(this.queue.filter((commit) => commit.inFlight).length <= MAX_IN_FLIGHT_COMMITS, 'too many commits in flight');
    const owned = new Set(this.host.owned().map(partitionKey));
    for (const key of this.awaitingCommitted.keys()) assert(owned.has(key), `awaiting a committed offset for unowned ${key}`);
  }
}

function firstCommitError(response: OffsetCommitResponse): KafkaError {
  for (const topic of response.topics) for (const partition of topic.partitions) if (partition.error !== 'NONE') return partition.error;
  return 'NONE';
}

function groupByTopic(offsets: readonly PartitionOffset[]): [string, PartitionOffset[]][] {
  const byTopic = new Map<string, PartitionOffset[]>();
  for (const offset of [...offsets].sort(compareTopicPartitions)) byTopic.set(offset.topic, [...(byTopic.get(offset.topic) ?? []), offset]);
  return [...byTopic];
}

import { KAFKA_RULES, type ProtocolRules } from '../variants/protocol-rules.ts';
import type { GroupMemberState } from '../../model/group-member.machine.ts';
import { assert, assertNever } from '../common/assert.ts';
import type { ConfigView } from '../config/config-view.ts';
import type { HistoryRecord, NodeEffect } from '../env/node-environment.ts';
import type { GroupRequest, GroupResponse, OffsetCommitRequest, OffsetCommitResponse } from '../protocol/group-messages.ts';
import type { KafkaMessage, MetadataResponse, TopicPartitionRef } from '../protocol/messages.ts';
import { isAssignorName } from './assignors/assignors.ts';
import type { AssignorName } from './assignors/consumer-partition-assignor.ts';
import { ConsumerCoordinator } from './consumer-coordinator.ts';
import {
  DEFAULT_CONSUMER_COORDINATOR_OPTIONS,
  type ConsumerCoordinatorEffect,
  type ConsumerCoordinatorInput,
  type ConsumerCoordinatorOptions,
  type FatalError,
  type PartitionOffset,
} from './consumer-coordinator-io.ts';

/** The prefix of the node timers that carry the coordinator core's timers. */
export const GROUP_TIMER_PREFIX = 'group:';
/** Kafka's `AbstractCoordinator.JOIN_GROUP_TIMEOUT_LAPSE`: JoinGroup waits this much beyond the rebalance timeout. */
const JOIN_GROUP_TIMEOUT_LAPSE_MS = 5_000;

/** What the checkers read of a group member (`KafkaConsumer.group`). */
export interface GroupMemberView {
  readonly groupId: string;
  /** Empty until the coordinator gives the member an id. */
  readonly memberId: string;
  /** -1 outside a generation. */
  readonly generationId: number;
  /** The model's leaf state (model/group-member.machine.ts). */
  readonly state: GroupMemberState;
  /** The partitions the member owns now, sorted. */
  readonly owned: readonly TopicPartitionRef[];
  /** The generation whose assignment `owned` is part of, -1 before the first (`ConsumerCoordinator.assignedInGeneration`). */
  readonly assignedInGeneration: number;
}

/** What the membership needs of the node that hosts it (kafka-consumer.ts). */
export interface GroupMembershipHost {
  nowMs(): number;
  /**
   * Sends a group request to `broker` under a fresh correlation id of the node, tracked like any
   * other request (request timeout, disconnect); returns that id.
   */
  sendGroupRequest(broker: number, request: GroupRequest, timeoutMs: number | undefined): number;
  effect(effect: NodeEffect<KafkaMessage>): void;
  /** Records an operation of the consumer's own process: the host ends its open poll first. */
  consumerOperation(record: HistoryRecord): void;
  /** The partitions of the topic that are no longer owned: drop their positions and buffers. */
  partitionsRemoved(partitions: readonly number[]): void;
  /** Newly owned partitions: they get positions, unknown until their committed offsets come. */
  partitionsAdded(partitions: readonly number[]): void;
  /** Seeks newly owned partitions to their committed offsets; null: apply auto.offset.reset. */
  committedOffsets(offsets: readonly { readonly partition: number; readonly offset: number | null; readonly leaderEpoch: number }[]): void;
}

/**
 * The value of a `commit` history operation (process `<consumer>:commit:<correlation id>`): the
 * OffsetCommit as sent. `ok`: every partition committed; `fail`: none (with `errors`); `info`:
 * unknown (a disconnect or timeout, with `error`) or a mix (with `errors`).
 */
export interface CommitOperationValue {
  readonly consumer: string;
  readonly groupId: string;
  /** The request's member id and generation, as the coordinator judges them. */
  readonly memberId: string;
  readonly generationId: number;
  /** `metadata` is `<memberId>@<generationId>` of the generation whose polls reached the offset. */
  readonly offsets: readonly { readonly topic: string; readonly partition: number; readonly offset: number; readonly metadata: string }[];
}

/**
 * The value of an `assign` or `revoke` history operation of the consumer's process (an invoke
 * and its `ok` at once). `assign`: partitions newly owned in `generationId`; `revoke`: partitions
 * no longer owned, with the member id and generation they were owned under, and `lost` when they
 * were given up without a commit (onPartitionsLost).
 */
export interface OwnershipOperationValue {
  readonly consumer: string;
  readonly groupId: string;
  readonly memberId: string;
  readonly generationId: number;
  readonly partitions: readonly TopicPartitionRef[];
  readonly lost?: boolean;
}

/** A commit on the wire, as the history records it. */
interface CommitOperation {
  readonly process: string;
  readonly value: CommitOperationValue;
}

/**
 * The node side of a consumer's group membership: it hosts the pure {@link ConsumerCoordinator}
 * core (spec/consumer-coordinator.md, "Hosting"). It feeds the core the application's polls, the
 * responses to the core's requests (routed by the node's correlation ids, which the core never
 * sees), request failures, the core's timers (node timers prefixed `group:`) and the partition
 * counts of each MetadataResponse; it carries out the core's effects in order. It also records
 * the group events a Jepsen-style checker needs: `assign` and `revoke` operations of the
 * consumer's process when ownership changes, and one `commit` operation per OffsetCommit on the
 * wire, as its own process `<consumer>:commit:<correlation id>` (commits overlap polls and each
 * other, and a history process is single-threaded).
 */
export class GroupMembership {
  readonly groupId: string;
  private readonly core: ConsumerCoordinator;
  private readonly joinGroupTimeoutMs: number;
  /** The owned partitions of the topic, each with the generation it was assigned in. */
  private readonly owned = new Map<number, { readonly memberId: string; readonly generationId: number }>();
  /** Newly owned partitions whose committed offsets have not come yet: neither reset nor fetched. */
  private readonly awaitingCommitted = new Set<number>();
  /** Commits on the wire, by the node's correlation id. */
  private readonly commits = new Map<number, CommitOperation>();
  /** The rebalance callback last run, so that a removal is told apart as revoked or lost. */
  private lastCallback: 'onPartitionsRevoked' | 'onPartitionsLost' | undefined;
  private fatal: FatalError | undefined;
  /** The generation last reported idle (`idle-member`), so that each is reported once. */
  private idleGeneration: number | undefined;
  /** The core reported `closed`: it refuses every input but late answers. */
  private closedByCore = false;

  constructor(
    private readonly name: string,
    private readonly topic: string,
    config: ConfigView,
    brokers: readonly number[],
    private readonly host: GroupMembershipHost,
    rules: Pick<ProtocolRules, 'rangeAssignorRangesDisjoint' | 'cooperativeStickyValidatesOwnedPartitions' | 'generationResetClearsOwnedPartitions'> = KAFKA_RULES,
  ) {
    this.groupId = config.string('group.id');
    assert(this.groupId !== '', 'a group member needs a group.id');
    const options = {
      ...coordinatorOptions(name, config, brokers),
      rangeAssignorRangesDisjoint: rules.rangeAssignorRangesDisjoint,
      cooperativeStickyValidatesOwnedPartitions: rules.cooperativeStickyValidatesOwnedPartitions,
      generationResetClearsOwnedPartitions: rules.generationResetClearsOwnedPartitions,
      tagCommitMetadata: true,
    };
    this.joinGroupTimeoutMs = Math.max(config.number('request.timeout.ms'), options.maxPollIntervalMs + JOIN_GROUP_TIMEOUT_LAPSE_MS);
    this.core = new ConsumerCoordinator(options, host.nowMs());
    this.handle({ type: 'subscribe', nowMs: host.nowMs(), topics: [topic] });
  }

  /** `KafkaConsumer.group`: see {@link GroupMemberView}. */
  get view(): GroupMemberView {
    const generation = this.core.currentGeneration;
    return { groupId: this.groupId, memberId: generation.memberId, generationId: generation.generationId, state: this.core.state, owned: this.core.assignment, assignedInGeneration: this.core.assignedInGeneration };
  }

  /** Whether the member, elected leader, waits for a metadata update before it assigns. */
  get awaitsMetadata(): boolean {
    return this.core.leaderAwaitsMetadata;
  }

  /** Whether `close()` has finished (the core's `closed` effect). */
  get closed(): boolean {
    return this.closedByCore;
  }

  get fatalError(): FatalError | undefined {
    return this.fatal;
  }

  /** Commits on the wire (bounded by the core's in-flight limits; see `checkInvariants`). */
  get commitsInFlight(): number {
    return this.commits.size;
  }

  /** Whether `partition` is owned and its committed offset is still being fetched. */
  isAwaitingCommitted(partition: number): boolean {
    return this.awaitingCommitted.has(partition);
  }

  /**
   * Whether owned partitions may be fetched and returned now. Not while a revocation is under way
   * (STABLE.revoking: the spec's departure 7, Kafka's pending revocation) nor once the generation
   * is lost (UNJOINED.losing): what the member reads then it may no longer commit.
   */
  get fetching(): boolean {
    const state = this.core.state;
    return state !== 'STABLE.revoking' && state !== 'UNJOINED.losing';
  }

  /**
   * `ConsumerCoordinator.poll` at the start of the application's poll, with the consumed
   * positions. Each OffsetCommit is tagged `<memberId>@<generationId>` of the request itself
   * (`tagCommitMetadata`), not of the poll that read the positions: a cooperative member keeps its
   * partitions across generations (seed 11 with `--groups` once committed under generation 3
   * tagged 2, which `NoZombieCommit` reported).
   */
  poll(positions: readonly { readonly partition: number; readonly offset: number; readonly leaderEpoch: number }[]): void {
    const metadata = '';
    const offsets: PartitionOffset[] = positions.map(({ partition, offset, leaderEpoch }) => ({ topic: this.topic, partition, offset, leaderEpoch, metadata }));
    this.handle({ type: 'poll', nowMs: this.host.nowMs(), positions: offsets });
  }

  /**
   * `KafkaConsumer.close()` with the consumed positions: the core's final auto-commit, then
   * `onLeavePrepare` and, for a dynamic member, LeaveGroup (spec/consumer-coordinator.md).
   */
  close(positions: readonly { readonly partition: number; readonly offset: number; readonly leaderEpoch: number }[]): void {
    assert(!this.closedByCore, 'close after the consumer closed');
    const offsets: PartitionOffset[] = positions.map(({ partition, offset, leaderEpoch }) => ({ topic: this.topic, partition, offset, leaderEpoch, metadata: '' }));
    this.handle({ type: 'close', nowMs: this.host.nowMs(), positions: offsets });
  }

  onTimer(key: string): void {
    // The core cancelled its timers when it closed; one already due is dropped with them.
    if (this.closedByCore) return;
    this.handle({ type: 'timer-expired', nowMs: this.host.nowMs(), key });
  }

  /** A metadata answer; `updateRequested` is whether the consumer's metadata still asks for one. */
  onMetadata(response: MetadataResponse, updateRequested: boolean): void {
    // A metadata answer that was on the wire at close: nothing uses it any more.
    if (this.closedByCore) return;
    const partitionsPerTopic = new Map<string, number>();
    for (const topic of response.topics) if (topic.error === 'NONE' && topic.partitions.length > 0) partitionsPerTopic.set(topic.name, topic.partitions.length);
    this.handle({ type: 'metadata-update', nowMs: this.host.nowMs(), brokers: response.brokers, partitionsPerTopic, updateRequested });
  }

  /** A response to the request the node sent as `nodeCorrelationId` for the core's `coreCorrelationId`. */
  onResponse(nodeCorrelationId: number, coreCorrelationId: number, response: GroupResponse): void {
    const commit = this.commits.get(nodeCorrelationId);
    if (commit !== undefined) {
      assert(response.type === 'OffsetCommitResponse', `${response.type} answered a commit`);
      this.commits.delete(nodeCorrelationId);
      this.recordCommitOutcome(commit, response);
    }
    this.handle({ type: 'response', nowMs: this.host.nowMs(), response: { ...response, correlationId: coreCorrelationId } });
  }

  onRequestFailed(nodeCorrelationId: number, coreCorrelationId: number, reason: 'disconnected' | 'request-timed-out'): void {
    const commit = this.commits.get(nodeCorrelationId);
    if (commit !== undefined) {
      // The commit may or may not have reached the log: its outcome is unknown.
      this.commits.delete(nodeCorrelationId);
      const error = reason === 'disconnected' ? 'DISCONNECTED' : 'REQUEST_TIMED_OUT';
      this.host.effect({ type: 'history', record: { type: 'info', process: commit.process, f: 'commit', value: { ...commit.value, error } } });
    }
    this.handle({ type: 'request-failed', nowMs: this.host.nowMs(), correlationId: coreCorrelationId, reason });
  }

  private handle(input: ConsumerCoordinatorInput): void {
    this.lastCallback = undefined;
    for (const effect of this.core.handle(input)) this.apply(effect);
    this.maybeMarkIdle();
  }

  /**
   * The `idle-member` mark (issue 13's "extra consumers sit idle"): the member is stable in a
   * generation whose assignment gave it no partition, as a group with more members than
   * partitions must do to one of them. Reported once per generation.
   */
  private maybeMarkIdle(): void {
    if (this.closedByCore || this.core.state !== 'STABLE.assigned' || this.core.assignment.length > 0) return;
    const { generationId } = this.core.currentGeneration;
    assert(generationId >= 0, 'a stable member outside a generation');
    if (this.idleGeneration === generationId) return;
    this.idleGeneration = generationId;
    this.host.effect({ type: 'mark', name: 'idle-member' });
  }

  private apply(effect: ConsumerCoordinatorEffect): void {
    switch (effect.type) {
      case 'send': {
        const timeoutMs = effect.request.type === 'JoinGroupRequest' ? this.joinGroupTimeoutMs : undefined;
        return this.send(effect.destination, effect.request, timeoutMs);
      }
      case 'schedule-timer':
        return this.host.effect({ type: 'set-timer', name: `${GROUP_TIMER_PREFIX}${effect.key}`, delayMs: effect.atMs - this.host.nowMs() });
      case 'cancel-timer':
        return this.host.effect({ type: 'cancel-timer', name: `${GROUP_TIMER_PREFIX}${effect.key}` });
      case 'callback':
        // The application's listener does nothing; the host only remembers how partitions went.
        if (effect.callback !== 'onPartitionsAssigned') this.lastCallback = effect.callback;
        return;
      case 'assignment-changed':
        return this.assignmentChanged(effect.partitions);
      case 'transition':
        return this.host.effect({ type: 'transition', machine: effect.machine, instance: `${this.groupId}/${this.name}`, event: { type: effect.event.type }, to: effect.to });
      case 'commit-completed':
        // Only the application's own commitSync/commitAsync complete here, and this consumer
        // makes none: it commits through auto-commit, which the history records from the wire.
        return;
      case 'committed-offsets':
        return this.committedOffsets(effect.offsets);
      case 'fatal-error':
        // Kafka throws it from every later poll; the workload's application keeps polling.
        this.fatal = effect.error;
        return;
      case 'mark':
        return this.host.effect({ type: 'mark', name: effect.name });
      case 'closed':
        this.closedByCore = true;
        return;
      default:
        assertNever(effect, 'consumer coordinator effect');
    }
  }

  private send(broker: number, request: GroupRequest, timeoutMs: number | undefined): void {
    // The node's correlation id goes on the wire; the response is mapped back to the core's.
    const nodeCorrelationId = this.host.sendGroupRequest(broker, request, timeoutMs);
    if (request.type === 'OffsetCommitRequest') this.recordCommitInvoke(nodeCorrelationId, request);
  }

  private recordCommitInvoke(nodeCorrelationId: number, request: OffsetCommitRequest): void {
    const offsets = request.topics.flatMap((topic) =>
      topic.partitions.map((partition) => ({ topic: topic.name, partition: partition.partitionIndex, offset: partition.committedOffset, metadata: partition.committedMetadata })),
    );
    const commit: CommitOperation = {
      process: `${this.name}:commit:${nodeCorrelationId}`,
      value: { consumer: this.name, groupId: request.groupId, memberId: request.memberId, generationId: request.generationIdOrMemberEpoch, offsets },
    };
    this.commits.set(nodeCorrelationId, commit);
    this.host.effect({ type: 'history', record: { type: 'invoke', process: commit.process, f: 'commit', value: commit.value } });
  }

  /** `ok` when every partition was committed, `fail` when none was, `info` for a mix. */
  private recordCommitOutcome(commit: CommitOperation, response: OffsetCommitResponse): void {
    const errors = response.topics.flatMap((topic) => topic.partitions.map((partition) => ({ topic: topic.name, partition: partition.partitionIndex, error: partition.error })));
    const failed = errors.filter((entry) => entry.error !== 'NONE');
    const type = failed.length === 0 ? 'ok' : failed.length === errors.length ? 'fail' : 'info';
    const value = failed.length === 0 ? commit.value : { ...commit.value, errors: failed };
    this.host.effect({ type: 'history', record: { type, process: commit.process, f: 'commit', value } });
  }

  /** The owned set is now `partitions`: record and apply what left and what came. */
  private assignmentChanged(partitions: readonly TopicPartitionRef[]): void {
    assert(partitions.every((tp) => tp.topic === this.topic), 'assigned a partition of a topic not subscribed');
    const next = new Set(partitions.map((tp) => tp.partition));
    const removed = [...this.owned.keys()].filter((partition) => !next.has(partition)).sort((a, b) => a - b);
    const added = [...next].filter((partition) => !this.owned.has(partition)).sort((a, b) => a - b);
    if (removed.length > 0) {
      // Grouped by the generation each was owned in: that is the ownership that ended.
      const byGeneration = new Map<string, number[]>();
      for (const partition of removed) {
        const under = this.owned.get(partition) as { memberId: string; generationId: number };
        const key = `${under.memberId}@${under.generationId}`;
        byGeneration.set(key, [...(byGeneration.get(key) ?? []), partition]);
        this.owned.delete(partition);
        this.awaitingCommitted.delete(partition);
      }
      for (const [key, list] of [...byGeneration].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
        const at = key.lastIndexOf('@');
        this.groupOperation('revoke', { memberId: key.slice(0, at), generationId: Number(key.slice(at + 1)), partitions: list, lost: this.lastCallback === 'onPartitionsLost' });
      }
      this.host.partitionsRemoved(removed);
    }
    if (added.length > 0) {
      const { memberId, generationId } = this.core.currentGeneration;
      for (const partition of added) {
        this.owned.set(partition, { memberId, generationId });
        this.awaitingCommitted.add(partition);
      }
      this.groupOperation('assign', { memberId, generationId, partitions: added });
      this.host.partitionsAdded(added);
    }
    assert(this.owned.size === next.size, 'the owned partitions disagree with the core');
  }

  private groupOperation(f: 'assign' | 'revoke', detail: { memberId: string; generationId: number; partitions: readonly number[]; lost?: boolean }): void {
    const value: OwnershipOperationValue = {
      consumer: this.name,
      groupId: this.groupId,
      memberId: detail.memberId,
      generationId: detail.generationId,
      partitions: detail.partitions.map((partition) => ({ topic: this.topic, partition })),
      ...(detail.lost === undefined ? {} : { lost: detail.lost }),
    };
    this.host.consumerOperation({ type: 'invoke', process: this.name, f, value });
    this.host.consumerOperation({ type: 'ok', process: this.name, f, value });
  }

  private committedOffsets(offsets: readonly { readonly topic: string; readonly partition: number; readonly committed: PartitionOffset | null }[]): void {
    const seeks: { partition: number; offset: number | null; leaderEpoch: number }[] = [];
    for (const entry of offsets) {
      // A partition revoked before its committed offset came has nothing to seek.
      if (entry.topic !== this.topic || !this.awaitingCommitted.delete(entry.partition)) continue;
      seeks.push({ partition: entry.partition, offset: entry.committed === null ? null : entry.committed.offset, leaderEpoch: entry.committed?.leaderEpoch ?? -1 });
    }
    if (seeks.length > 0) this.host.committedOffsets(seeks);
  }

  checkInvariants(): void {
    for (const partition of this.awaitingCommitted) assert(this.owned.has(partition), `awaiting the committed offset of unowned partition ${partition}`);
    const core = this.core.assignment;
    assert(core.length === this.owned.size && core.every((tp) => this.owned.has(tp.partition)), 'the host and the core disagree on the owned partitions');
  }
}

/** The core's options from the consumer's config, by Kafka's keys (spec/consumer-coordinator.md). */
export function coordinatorOptions(name: string, config: ConfigView, brokers: readonly number[]): ConsumerCoordinatorOptions {
  const strategy = config.list('partition.assignment.strategy');
  const assignors: AssignorName[] = strategy.map((assignor) => {
    assert(isAssignorName(assignor), `unknown assignor ${assignor}`);
    return assignor;
  });
  const instance = config.string('group.instance.id');
  return {
    ...DEFAULT_CONSUMER_COORDINATOR_OPTIONS,
    clientId: name,
    groupId: config.string('group.id'),
    groupInstanceId: instance === '' ? null : instance,
    sessionTimeoutMs: config.number('session.timeout.ms'),
    heartbeatIntervalMs: config.number('heartbeat.interval.ms'),
    maxPollIntervalMs: config.number('max.poll.interval.ms'),
    enableAutoCommit: config.boolean('enable.auto.commit'),
    autoCommitIntervalMs: config.number('auto.commit.interval.ms'),
    partitionAssignmentStrategy: assignors,
    retryBackoffMs: config.number('retry.backoff.ms'),
    retryBackoffMaxMs: config.number('retry.backoff.max.ms'),
    defaultApiTimeoutMs: config.number('default.api.timeout.ms'),
    bootstrapBrokers: brokers,
  };
}

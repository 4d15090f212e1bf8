import { assert, assertIntegerInRange, assertNever } from '../common/assert.ts';
import type { ConfigView } from '../config/config-view.ts';
import type { MetadataState } from '../controller/controller-state.ts';
import { DiskError, type NodeId } from '../env/node-environment.ts';
import { partitionFor, GROUP_METADATA_TOPIC_NAME } from '../group/coordinator-partition.ts';
import type { GroupCoordinatorConfig } from '../group/coordinator-result.ts';
import { GroupCoordinatorShard, type ShardEffect, type ShardInput } from '../group/group-coordinator-shard.ts';
import { deserialize, serializeKey, serializeValue } from '../group/group-coordinator-records.ts';
import type { ShardRequest } from '../group/group-responses.ts';
import { buildRecordBatch, decodeRecords, DEFAULT_BATCH_SPEC, type SimpleRecord } from '../log/record-batch.ts';
import { NO_LEADER } from '../metadata/metadata-records.ts';
import type { KafkaError } from '../protocol/errors.ts';
import type { FindCoordinatorRequest, GroupResponse } from '../protocol/group-messages.ts';
import type { ProtocolRules } from '../variants/protocol-rules.ts';
import type { BrokerIo } from './broker-io.ts';
import type { Partition } from './partition.ts';

/** Timers of the service: `group-coordinator:<partition>:<shard key>` and the loader's. */
export const GROUP_COORDINATOR_TIMER_PREFIX = 'group-coordinator:';
const LOAD_TIMER_PREFIX = 'group-coordinator-load:';
/**
 * How long a load takes before the shard turns ACTIVE. Kafka's loader runs on its own thread and
 * takes as long as reading the partition does; refka reads it at once when the timer fires, and
 * the delay keeps `COORDINATOR_LOAD_IN_PROGRESS` a state clients really meet.
 */
const LOAD_DELAY_MS = 20;
/** refka's bound on how many inputs one outside event may cause the shards to process. */
const MAX_WORK_PER_EVENT = 10_000;
/** refka's bound on client connections the service tells apart. */
const MAX_CONNECTIONS = 10_000;
/** OffsetCommit errors that fence a member: its generation or its id is not the group's. */
const FENCED_COMMIT_ERRORS: ReadonlySet<KafkaError> = new Set<KafkaError>(['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID']);
/** refka's cap on `group.max.size` (see the key's note). */
const MAX_GROUP_SIZE = 1_000;
/** The bytes one load reads per call of the log. */
const LOAD_READ_BYTES = 1 << 20;

export interface GroupCoordinatorServiceOptions {
  readonly brokerId: number;
  readonly config: ConfigView;
  readonly io: BrokerIo;
  readonly image: MetadataState;
  /** The run's protocol rules (the no-generation-check variant reaches the shards' commit validation). */
  readonly rules: Pick<ProtocolRules, 'offsetCommitChecksGeneration' | 'joinReplacesStaticMemberInEveryState' | 'heartbeatAnswersRebalanceInProgress' | 'syncGroupAnswersOwnAssignment' | 'syncGroupAnswersNewAssignment'>;
  /** A fresh member id suffix, from the broker's random stream (Kafka's `UUID.randomUUID()`). */
  newUuid(): string;
  getPartition(name: string): Partition | undefined;
  /**
   * Completes what waits in the broker's purgatories on the partitions that moved (follower
   * fetches on the log end, produces on the high watermark): run after each append, as Kafka's
   * `CoordinatorPartitionWriter` appends with the `directActionQueue`.
   */
  completeDelayedRequests(): void;
  /** Asks the controller to create `__consumer_offsets` (Kafka's `AutoTopicCreationManager`). */
  createOffsetsTopic(partitions: number, replicationFactor: number): void;
}

/**
 * Kafka's `GroupCoordinatorService` with its `CoordinatorRuntime`, on one broker: one
 * `GroupCoordinatorShard` per `__consumer_offsets` partition this broker leads, loaded when it
 * becomes leader and closed when it stops, both fenced by the partition's leader epoch. The
 * records a shard writes are appended to its partition as leader (Kafka's
 * `CoordinatorPartitionWriter`: acks=1, origin COORDINATOR) and its answers wait for the high
 * watermark, so everything a client is told is backed by replicated records. Coordinator failover
 * is the partition's leader failover.
 *
 * The shards are pure; this service carries out their effects. A shard's effect may cause another
 * input (an append moves the high watermark of a one-replica partition), so inputs go through one
 * queue, processed in order, never nested.
 */
export class GroupCoordinatorService {
  private readonly shards = new Map<number, GroupCoordinatorShard>();
  /** `sortedShards`' answer while no shard was added since (checkers ask after most events). */
  private sortedShardsCache: readonly [number, GroupCoordinatorShard][] | undefined;
  /** Per partition index: the leader epoch the shard was loaded for, while this broker leads it. */
  private readonly led = new Map<number, number>();
  private readonly work: { readonly partition: number; readonly shard: GroupCoordinatorShard; readonly input: ShardInput }[] = [];
  private working = false;
  /** Client node ids by the number a shard's `RequestContext.destination` carries, and back. */
  private readonly connections: NodeId[] = [];
  private readonly connectionIds = new Map<NodeId, number>();
  private topicRequested = false;
  /** Answers requests for partitions without a shard here (see `enqueueRefusal`). */
  private unloaded: GroupCoordinatorShard | undefined;

  constructor(private readonly options: GroupCoordinatorServiceOptions) {}

  private get numPartitions(): number {
    return this.options.config.number('offsets.topic.num.partitions');
  }

  /** The shard of `__consumer_offsets` partition `index`, if this broker ever loaded one (for checkers and tools). */
  shard(index: number): GroupCoordinatorShard | undefined {
    return this.shards.get(index);
  }

  /** The shards, by partition index in ascending order. */
  sortedShards(): readonly [number, GroupCoordinatorShard][] {
    this.sortedShardsCache ??= [...this.shards.entries()].sort((a, b) => a[0] - b[0]);
    return this.sortedShardsCache;
  }

  // ---- Requests -------------------------------------------------------------------------------------

  /**
   * Kafka's `KafkaApis.handleFindCoordinatorRequest` for groups: the leader of the group's
   * partition of `__consumer_offsets`, creating the topic on first use.
   */
  findCoordinator(from: NodeId, request: FindCoordinatorRequest): void {
    const answer = (error: KafkaError, nodeId: number): void =>
      this.options.io.send(from, { type: 'FindCoordinatorResponse', correlationId: request.correlationId, error, nodeId });
    if (request.key === '') return answer('INVALID_REQUEST', -1);
    const topicId = this.options.image.topicId(GROUP_METADATA_TOPIC_NAME);
    if (topicId === undefined) {
      if (!this.topicRequested) {
        this.topicRequested = true;
        const live = this.options.image.brokers().filter((broker) => !broker.fenced).length;
        // Kafka refuses to create the topic until the cluster has the brokers its replication
        // factor asks for; the client keeps asking (COORDINATOR_NOT_AVAILABLE is retriable).
        const replicationFactor = this.options.config.number('offsets.topic.replication.factor');
        if (live >= replicationFactor) this.options.createOffsetsTopic(this.numPartitions, replicationFactor);
        else this.topicRequested = false;
      }
      return answer('COORDINATOR_NOT_AVAILABLE', -1);
    }
    const registration = this.options.image.partition(topicId, partitionFor(request.key, this.numPartitions));
    if (registration === undefined || registration.leader === NO_LEADER) return answer('COORDINATOR_NOT_AVAILABLE', -1);
    return answer('NONE', registration.leader);
  }

  /**
   * The controller answered the request to create `__consumer_offsets` (or it was lost): after a
   * failure the next FindCoordinator asks again. Success changes nothing until the topic's records
   * reach this broker's metadata image.
   */
  onOffsetsTopicCreated(succeeded: boolean): void {
    if (!succeeded) this.topicRequested = false;
  }

  /** A request for a group: to the shard of its partition, or NOT_COORDINATOR without one. */
  handle(from: NodeId, request: ShardRequest): void {
    const index = partitionFor(request.groupId, this.numPartitions);
    const shard = this.shards.get(index);
    const destination = this.connectionOf(from);
    if (shard === undefined) {
      this.enqueueRefusal(index, request, destination);
      return;
    }
    this.enqueue(index, { type: 'request', request, context: { clientId: from, clientHost: `/${from}`, destination }, nowMs: this.options.io.nowMs() });
  }

  private enqueueRefusal(index: number, request: ShardRequest, destination: number): void {
    // A partition this broker never led answers as a shard never loaded does: the request checks
    // first (INVALID_GROUP_ID, INVALID_SESSION_TIMEOUT), then NOT_COORDINATOR. One such shard,
    // never loaded, serves every refusal.
    this.unloaded ??= new GroupCoordinatorShard(this.shardConfig(), () => this.options.newUuid());
    const effects = this.unloaded.step({ type: 'request', request, context: { clientId: '', clientHost: '', destination }, nowMs: this.options.io.nowMs() });
    assert(this.unloaded.state === 'INITIAL', 'the refusing shard is never loaded');
    this.apply(index, -1, effects);
  }

  // ---- Leadership and the high watermark ----------------------------------------------------------

  /**
   * Kafka's `onElection` / `onResignation`, called after every metadata delta for each
   * `__consumer_offsets` partition this broker hosts: a new leader epoch loads, anything else
   * unloads.
   */
  onPartitionChange(partition: Partition): void {
    if (partition.topic !== GROUP_METADATA_TOPIC_NAME) return;
    const index = partition.partitionId;
    const leadingEpoch = partition.role === 'leader' ? partition.leaderEpoch : undefined;
    const loadedFor = this.led.get(index);
    if (leadingEpoch === loadedFor) return;
    const now = this.options.io.nowMs();
    if (loadedFor !== undefined) {
      this.led.delete(index);
      this.enqueue(index, { type: 'schedule-unload', partitionEpoch: leadingEpoch ?? null, nowMs: now });
    }
    if (leadingEpoch !== undefined) {
      this.led.set(index, leadingEpoch);
      // Each leadership gets a fresh shard, as Kafka's runtime builds a new one for each load; the
      // unload queued above still goes to the old one.
      this.shards.set(index, new GroupCoordinatorShard(this.shardConfig(), () => this.options.newUuid()));
      this.sortedShardsCache = undefined;
      this.enqueue(index, { type: 'schedule-load', partitionEpoch: leadingEpoch, nowMs: now });
    }
  }

  /** Called whenever a partition's state may have moved (`tryCompleteDelayedRequests`): passes a new high watermark on. */
  onPartitionUpdated(name: string): void {
    if (!name.startsWith(`${GROUP_METADATA_TOPIC_NAME}-`)) return;
    const partition = this.options.getPartition(name);
    if (partition === undefined) return;
    const shard = this.shards.get(partition.partitionId);
    if (shard === undefined || shard.state !== 'ACTIVE') return;
    const highWatermark = Math.min(partition.highWatermark, shard.lastWrittenOffset);
    if (highWatermark <= shard.lastCommittedOffset) return;
    this.enqueue(partition.partitionId, { type: 'high-watermark-updated', highWatermark, nowMs: this.options.io.nowMs() });
  }

  /** Whether `name` is one of the service's timers. */
  ownsTimer(name: string): boolean {
    return name.startsWith(GROUP_COORDINATOR_TIMER_PREFIX) || name.startsWith(LOAD_TIMER_PREFIX);
  }

  onTimer(name: string): void {
    const now = this.options.io.nowMs();
    if (name.startsWith(LOAD_TIMER_PREFIX)) {
      const [index, epoch] = name.slice(LOAD_TIMER_PREFIX.length).split(':').map(Number) as [number, number];
      return this.load(index, epoch);
    }
    const rest = name.slice(GROUP_COORDINATOR_TIMER_PREFIX.length);
    const colon = rest.indexOf(':');
    assert(colon > 0, `malformed group coordinator timer ${name}`);
    const index = Number(rest.slice(0, colon));
    if (!this.shards.has(index)) return;
    this.enqueue(index, { type: 'timer-expired', key: rest.slice(colon + 1), nowMs: now });
  }

  // ---- The work queue --------------------------------------------------------------------------------

  /**
   * Queues an input for the shard that leads `partition` now: an input queued before a new
   * leadership replaced the shard still goes to the shard it was meant for.
   */
  private enqueue(partition: number, input: ShardInput): void {
    const shard = this.shards.get(partition);
    if (shard === undefined) return;
    this.work.push({ partition, shard, input });
    if (this.working) return;
    this.working = true;
    try {
      let done = 0;
      while (this.work.length > 0) {
        assert(++done <= MAX_WORK_PER_EVENT, `group coordinator: more than ${MAX_WORK_PER_EVENT} shard inputs for one event`);
        const next = this.work.shift() as (typeof this.work)[number];
        const effects = next.shard.step(next.input);
        // Read after the step: a load sets the shard's epoch.
        this.apply(next.partition, next.shard.partitionEpoch, effects);
      }
    } finally {
      this.working = false;
    }
  }

  private apply(index: number, epoch: number, effects: readonly ShardEffect[]): void {
    const io = this.options.io;
    for (const effect of effects) {
      switch (effect.type) {
        case 'load':
          io.setTimer(`${LOAD_TIMER_PREFIX}${index}:${effect.partitionEpoch}`, LOAD_DELAY_MS);
          break;
        case 'append':
          this.append(index, effect);
          break;
        case 'respond':
          // A commit refused for its generation or member: the fencing a zombie meets (issue 13's sometimes claims).
          if (effect.response.type === 'OffsetCommitResponse' && effect.response.topics.some((topic) => topic.partitions.some((partition) => FENCED_COMMIT_ERRORS.has(partition.error)))) io.mark('zombie-commit-rejected');
          io.send(this.nodeOf(effect.destination), effect.response as GroupResponse);
          break;
        case 'schedule-timer':
          io.setTimer(`${GROUP_COORDINATOR_TIMER_PREFIX}${index}:${effect.key}`, Math.max(0, effect.deadlineMs - io.nowMs()));
          break;
        case 'cancel-timer':
          io.cancelTimer(`${GROUP_COORDINATOR_TIMER_PREFIX}${index}:${effect.key}`);
          break;
        case 'mark':
          io.mark(effect.name);
          break;
        case 'transition': {
          // One shard per leadership, and leader epochs are never reused: a shard is named by its
          // partition and epoch, and a group by its shard and its instance number there.
          const shard = `${GROUP_METADATA_TOPIC_NAME}-${index}@${epoch}`;
          if (effect.machine === 'consumer-group') {
            io.transition('consumer-group', `${shard}/${effect.groupId}#${effect.instance}`, effect.event, effect.to);
            if (effect.event === 'ASSIGNMENT_PERSISTED') io.mark('group-rebalance-completed');
            // A group with members rebuilt from the log by a coordinator that took over its partition.
            if (effect.event === 'LOADED_STABLE') io.mark('group-coordinator-moved');
          }
          else io.transition('coordinator-shard', `${shard}`, effect.event, effect.to);
          break;
        }
        default:
          assertNever(effect, 'shard effect');
      }
    }
  }

  /**
   * Kafka's `CoordinatorLoaderImpl`: replays the partition from its log start to its end, then
   * reports the end and the high watermark. A load for an epoch the broker no longer leads in is
   * dropped (the unload that replaced it is already queued).
   */
  private load(index: number, epoch: number): void {
    const shard = this.shards.get(index);
    if (shard === undefined || shard.state !== 'LOADING' || shard.partitionEpoch !== epoch) return;
    const partition = this.options.getPartition(`${GROUP_METADATA_TOPIC_NAME}-${index}`);
    const now = this.options.io.nowMs();
    if (partition === undefined || partition.role !== 'leader' || partition.leaderEpoch !== epoch) {
      this.enqueue(index, { type: 'load-failed', nowMs: now });
      return;
    }
    const log = partition.log;
    const end = log.logEndOffset;
    let offset = log.logStartOffset;
    let reads = 0;
    while (offset < end) {
      assert(++reads <= end - log.logStartOffset + 1, `loading ${GROUP_METADATA_TOPIC_NAME}-${index} made no progress at ${offset}`);
      let read = log.read(offset, LOAD_READ_BYTES, end, true);
      // As a fetch does (`Partition.fetchRecords`): a bit flipped on read is transient, so read
      // again; a batch still failing its checksum is damage on this disk, which the broker treats
      // as a failed log directory (it stops, and repairs the log when it starts again), so that the
      // partition's leadership, and the groups with it, move to a replica whose copy is whole.
      // Kafka's loader would leave the shard FAILED, and the groups without a coordinator, for as
      // long as this broker leads the partition (default seed 636).
      if (read.type === 'error' && read.error === 'CORRUPT_MESSAGE') read = log.read(offset, LOAD_READ_BYTES, end, true);
      if (read.type === 'error' && read.error === 'CORRUPT_MESSAGE') throw new DiskError('EIO', log.dir, `corrupt batch loading ${GROUP_METADATA_TOPIC_NAME}-${index}: ${read.message}`);
      if (read.type === 'error' || read.batches.length === 0) {
        // A log that cannot be read to its end cannot be trusted as the group's state.
        this.enqueue(index, { type: 'load-failed', nowMs: now });
        return;
      }
      for (const batch of read.batches) {
        const records = decodeRecords(batch);
        if (typeof records === 'string') {
          this.enqueue(index, { type: 'load-failed', nowMs: now });
          return;
        }
        for (const record of records) {
          if (record.offset < offset) continue;
          const decoded = record.key === null ? { type: 'malformed' as const, reason: 'no key' } : deserialize(record.key, record.value);
          // Kafka's loader skips record types it does not know and fails on bytes it cannot parse.
          if (decoded.type === 'record') this.enqueue(index, { type: 'replay', offset: record.offset, record: decoded.record, nowMs: now });
          else if (decoded.type === 'malformed') {
            this.enqueue(index, { type: 'load-failed', nowMs: now });
            return;
          }
        }
        offset = Math.max(offset, batch.lastOffset + 1);
      }
    }
    this.enqueue(index, { type: 'load-completed', logEndOffset: end, highWatermark: Math.min(partition.highWatermark, end), nowMs: now });
  }

  /**
   * Kafka's `CoordinatorPartitionWriter.append`: one batch, appended as leader with acks=1, only
   * if the partition is still led in the shard's epoch and its log ends where the shard expects.
   */
  private append(index: number, effect: Extract<ShardEffect, { type: 'append' }>): void {
    const now = this.options.io.nowMs();
    const partition = this.options.getPartition(`${GROUP_METADATA_TOPIC_NAME}-${index}`);
    const fail = (error: KafkaError): void => this.enqueue(index, { type: 'append-failed', appendId: effect.appendId, error, nowMs: now });
    if (partition === undefined || partition.role !== 'leader' || partition.leaderEpoch !== effect.partitionEpoch) return fail('NOT_LEADER_OR_FOLLOWER');
    if (partition.log.logEndOffset !== effect.baseOffset) return fail('NOT_LEADER_OR_FOLLOWER');
    const records: SimpleRecord[] = effect.records.map((record) => ({ key: serializeKey(record), value: serializeValue(record), timestamp: now, headers: [] }));
    const bytes = buildRecordBatch({ ...DEFAULT_BATCH_SPEC, partitionLeaderEpoch: effect.partitionEpoch }, records);
    const result = partition.appendRecordsToLeader(bytes, 1, partition.minInsyncReplicas);
    if (result.error !== 'NONE') return fail(result.error);
    assertIntegerInRange(result.baseOffset, effect.baseOffset, effect.baseOffset, 'coordinator append offset');
    // Kafka's writer appends through `ReplicaManager.appendRecordsToLeader` with the
    // `directActionQueue` ("we can directly complete the purgatories here"): the followers' fetches
    // parked on the partition get the batch at once. Without it they waited out
    // replica.fetch.wait.max.ms, so under auto-commit traffic the followers were always that far
    // behind and the high watermark never caught the log end (seed 10 with 7 brokers and 48
    // partitions: `__consumer_offsets-2` did not converge in 60 s after the heal).
    this.options.completeDelayedRequests();
    // The append may itself have moved the high watermark (a partition whose ISR is its leader).
    this.onPartitionUpdated(partition.name);
  }

  // ---- Helpers ---------------------------------------------------------------------------------------

  private connectionOf(node: NodeId): number {
    let id = this.connectionIds.get(node);
    if (id === undefined) {
      assert(this.connections.length < MAX_CONNECTIONS, `group coordinator: more than ${MAX_CONNECTIONS} client connections`);
      id = this.connections.length;
      this.connections.push(node);
      this.connectionIds.set(node, id);
    }
    return id;
  }

  private nodeOf(destination: number): NodeId {
    const node = this.connections[destination];
    assert(node !== undefined, `group coordinator: answer to unknown connection ${destination}`);
    return node;
  }

  private shardConfig(): GroupCoordinatorConfig {
    const config = this.options.config;
    return {
      groupMinSessionTimeoutMs: config.number('group.min.session.timeout.ms'),
      groupMaxSessionTimeoutMs: config.number('group.max.session.timeout.ms'),
      groupInitialRebalanceDelayMs: config.number('group.initial.rebalance.delay.ms'),
      // refka's cap on Kafka's Integer.MAX_VALUE default: every collection has a limit.
      groupMaxSize: Math.min(config.number('group.max.size'), MAX_GROUP_SIZE),
      offsetCommitTimeoutMs: config.number('offsets.commit.timeout.ms'),
      groupNewMemberJoinTimeoutMs: 5 * 60_000,
      groupsMax: 1_000,
      deferredEventsMax: 10_000,
      appendsInFlightMax: 1_000,
      offsetCommitChecksGeneration: this.options.rules.offsetCommitChecksGeneration,
      joinReplacesStaticMemberInEveryState: this.options.rules.joinReplacesStaticMemberInEveryState,
      heartbeatAnswersRebalanceInProgress: this.options.rules.heartbeatAnswersRebalanceInProgress,
      syncGroupAnswersOwnAssignment: this.options.rules.syncGroupAnswersOwnAssignment,
      syncGroupAnswersNewAssignment: this.options.rules.syncGroupAnswersNewAssignment,
    };
  }
}

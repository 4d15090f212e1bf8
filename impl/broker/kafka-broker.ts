import { assert, assertNever } from '../common/assert.ts';
import type { ConfigView } from '../config/config-view.ts';
import { MetadataState } from '../controller/controller-state.ts';
import { DiskError, type NodeEffect, type NodeEnvironment, type NodeId, type NodeInput, type SimulatedNode } from '../env/node-environment.ts';
import { logConfigFrom, type LogConfig } from '../log/log-config.ts';
import { LogManager } from '../log/log-manager.ts';
import { NO_LEADER } from '../metadata/metadata-records.ts';
import type { KafkaError } from '../protocol/errors.ts';
import { brokerIdOf, controllerIdOf, type KafkaMessage, type MetadataRequest } from '../protocol/messages.ts';
import type { ProtocolRules } from '../variants/protocol-rules.ts';
import type { BrokerIo } from './broker-io.ts';
import { BrokerLifecycleManager, HEARTBEAT_TIMER, type BrokerLifecycle } from './broker-lifecycle-manager.ts';
import { isReplicaIsrEligible } from './isr-eligibility.ts';
import { MetadataLoader } from './metadata-loader.ts';
import { ALTER_PARTITION_RETRY_TIMER, NodeToControllerChannel, REGISTRATION_RETRY_TIMER } from './node-to-controller-channel.ts';
import { ProducerIdManager } from './producer-id-manager.ts';
import type { Partition, PartitionContext } from './partition.ts';
import { FETCHER_TIMER_PREFIX, ReplicaFetcher } from './replica-fetcher.ts';
import { FETCH_WAIT_TIMER_PREFIX, PRODUCE_TIMEOUT_TIMER_PREFIX, ReplicaManager } from './replica-manager.ts';
import { GroupCoordinatorService } from './group-coordinator-service.ts';
import type { GroupCoordinatorShard } from '../group/group-coordinator-shard.ts';
import { GROUP_METADATA_TOPIC_NAME } from '../group/coordinator-partition.ts';

export const BROKER_LOG_DIR = 'kafka-logs';
const METADATA_FETCH_INTERVAL_MS = 50;
const MAINTENANCE_INTERVAL_MS = 1_000;
const HW_CHECKPOINT_INTERVAL_MS = 5_000;
/**
 * A request without an answer after this long is given up (Kafka's `request.timeout.ms` for
 * inter-broker and controller channels; refka uses a shorter bound so that a lost request costs
 * seconds, not the 30 s default, in a one-minute run).
 */
const INTERNAL_REQUEST_TIMEOUT_MS = 5_000;
const REQUEST_EXPIRY_INTERVAL_MS = 1_000;

export interface KafkaBrokerOptions {
  readonly brokerId: number;
  /** The controller quorum's voters (`controller.quorum.voters`), ascending. */
  readonly controllerQuorumVoters: readonly number[];
  readonly config: ConfigView;
  /** The run's protocol rules (`impl/variants/protocol-rules.ts`). */
  readonly rules: ProtocolRules;
}

/**
 * A Kafka broker node (Kafka's `BrokerServer` with `KafkaApis`): it recovers its logs from disk,
 * keeps the channel to the controller (`NodeToControllerChannel`), follows the metadata log
 * (`MetadataLoader`), hands out producer ids (`ProducerIdManager`), and routes every input to the
 * part that owns it: registration and heartbeats to the `BrokerLifecycleManager`, the replicas and
 * the requests on them to the `ReplicaManager`, and the leaders' answers to the `ReplicaFetcher`.
 */
export class KafkaBroker implements SimulatedNode<KafkaMessage> {
  readonly kind = 'broker';
  readonly image = new MetadataState();
  private readonly logManager: LogManager;
  /** Whether this process found a clean-shutdown marker and loaded its logs as after a clean shutdown; undefined if loading failed. */
  private loadedAsClean: boolean | undefined;
  /** Set when loading the logs hit an I/O error: the broker stops as soon as it starts. */
  private startupFailure: string | undefined;
  private nextCorrelationId = 1;
  /** Whether clients may connect: set once the broker is first unfenced, as Kafka enables its listeners then. */
  private listenersEnabled = false;
  /** The calls to the controller in flight (Kafka's `NodeToControllerChannelManager`). */
  private readonly controllerChannel: NodeToControllerChannel;
  private readonly replicaFetcher: ReplicaFetcher;
  private readonly lifecycleManager: BrokerLifecycleManager;
  private readonly replicaManager: ReplicaManager;
  /** The group coordinator beside the replica manager (Kafka's `GroupCoordinatorService`). */
  private readonly groupCoordinator: GroupCoordinatorService;
  /** The block of producer ids this broker hands out (Kafka's `RPCProducerIdManager`). */
  private readonly producerIdManager: ProducerIdManager;
  /** Follows the metadata log into `image` and publishes it (Kafka's `MetadataLoader`). */
  private readonly metadataLoader: MetadataLoader;
  private effects: NodeEffect<KafkaMessage>[] = [];
  private readonly io: BrokerIo;
  private readonly context: PartitionContext;

  constructor(
    private readonly environment: NodeEnvironment,
    private readonly options: KafkaBrokerOptions,
  ) {
    const incarnationId = `${environment.nodeId}@${environment.clock.nowMs()}#${environment.random.int(0, 1_000_000_000)}`;
    this.logManager = new LogManager(environment.disk, environment.clock, BROKER_LOG_DIR, options.rules);
    let loaded: ReturnType<LogManager['loadLogs']> | undefined;
    let loadedHighWatermarks: ReadonlyMap<string, number> = new Map();
    // KIP-966: the epoch the clean-shutdown file named at startup (-1: none), sent when registering.
    let previousBrokerEpoch = -1;
    try {
      loaded = this.logManager.loadLogs(() => this.logConfig());
      loadedHighWatermarks = loaded.highWatermarks;
      // A log that had to be cut while loading after a clean shutdown (a batch failing its CRC:
      // a bit flipped on the disk since it was written) has lost records this broker once held
      // and acknowledged. It must not come back as a clean ELR member that may be elected without
      // them (KIP-966 elects from the ELR only replicas that kept their data), so it registers as
      // after an unclean shutdown, with no previous broker epoch. Kafka does not recover logs
      // after a clean shutdown and would not notice; refka checks the headers it scans anyway.
      const cut = [...loaded.logs.values()].some((summary) => summary.bytesTruncated > 0);
      previousBrokerEpoch = cut ? -1 : loaded.previousBrokerEpoch;
      this.loadedAsClean = loaded.hadCleanShutdown && !cut;
    } catch (error) {
      if (!(error instanceof DiskError)) throw error;
      // Kafka exits when it cannot load its only log directory.
      this.startupFailure = error.message;
    }
    this.io = {
      nowMs: () => environment.clock.nowMs(),
      send: (to, message) => this.effects.push({ type: 'send', to, message }),
      setTimer: (name, delayMs) => this.effects.push({ type: 'set-timer', name, delayMs }),
      cancelTimer: (name) => this.effects.push({ type: 'cancel-timer', name }),
      mark: (name) => this.effects.push({ type: 'mark', name }),
      transition: (machine, instance, event, to) => this.effects.push({ type: 'transition', machine, instance, event: { type: event }, to }),
      nextCorrelationId: () => this.nextCorrelationId++,
    };
    this.controllerChannel = new NodeToControllerChannel({
      io: this.io,
      controllerQuorumVoters: options.controllerQuorumVoters,
      register: () => this.lifecycleManager.register(),
      onProducerIdsCallLost: () => this.producerIdManager.onCallLost(),
      onOffsetsTopicCallLost: () => this.groupCoordinator.onOffsetsTopicCreated(false),
      sortedPartitions: () => this.replicaManager.sortedPartitions(),
    });
    this.lifecycleManager = new BrokerLifecycleManager({
      brokerId: options.brokerId,
      config: options.config,
      io: this.io,
      incarnationId,
      previousBrokerEpoch,
      callController: (call, build) => this.controllerChannel.callController(call, build),
      metadataOffset: () => this.image.nextOffset,
      fetchMetadata: () => this.metadataLoader.fetchMetadata(),
      onUnfencedHeartbeat: () => {
        this.listenersEnabled = true;
        this.producerIdManager.onUnfencedHeartbeat();
      },
      onShutdownGranted: () => this.shutdown(),
    });
    this.metadataLoader = new MetadataLoader({
      brokerId: options.brokerId,
      image: this.image,
      brokerEpoch: () => this.lifecycleManager.brokerEpoch,
      fetchInFlight: () => this.controllerChannel.hasInFlight('metadata'),
      callController: (call, build) => this.controllerChannel.callController(call, build),
      publish: (image) => this.replicaManager.applyDelta(image),
    });
    this.producerIdManager = new ProducerIdManager({
      brokerId: options.brokerId,
      io: this.io,
      brokerEpoch: () => this.lifecycleManager.brokerEpoch,
      callController: (call, build) => this.controllerChannel.callController(call, build),
    });
    this.context = {
      brokerId: options.brokerId,
      brokerEpoch: () => this.lifecycleManager.brokerEpoch,
      nowMs: () => environment.clock.nowMs(),
      config: options.config,
      rules: options.rules,
      sendToController: (build) => this.controllerChannel.callController({ kind: 'alter-partition', partition: '' }, build),
      isReplicaIsrEligible: (brokerId, fetchBrokerEpoch) => isReplicaIsrEligible(this.image, brokerId, fetchBrokerEpoch, options.rules),
      mark: (name) => this.effects.push({ type: 'mark', name }),
      transition: (instance, event, to) => this.effects.push({ type: 'transition', machine: 'partition-replica', instance: `${options.brokerId}/${instance}`, event: { type: event }, to }),
      tryCompleteDelayedRequests: (name) => {
        this.replicaManager.tryCompleteDelayedRequests(name);
        this.groupCoordinator.onPartitionUpdated(name);
      },
    };
    this.replicaFetcher = new ReplicaFetcher({
      brokerId: options.brokerId,
      config: options.config,
      rules: options.rules,
      io: this.io,
      brokerEpoch: () => this.lifecycleManager.brokerEpoch,
      getPartition: (name) => this.replicaManager.getPartition(name),
      transition: (instance, event, to) => this.context.transition(instance, event, to),
    });
    this.replicaManager = new ReplicaManager({
      brokerId: options.brokerId,
      rules: options.rules,
      io: this.io,
      logManager: this.logManager,
      partitionContext: this.context,
      loadedHighWatermarks,
      logConfig: (topic) => this.logConfig(topic),
      replicaFetcher: this.replicaFetcher,
      onPartitionApplied: (partition) => this.groupCoordinator.onPartitionChange(partition),
    });
    this.groupCoordinator = new GroupCoordinatorService({
      brokerId: options.brokerId,
      config: options.config,
      io: this.io,
      image: this.image,
      rules: options.rules,
      newUuid: () => randomUuid(environment.random),
      getPartition: (name) => this.replicaManager.getPartition(name),
      completeDelayedRequests: () => this.replicaManager.completeDelayedRequests(),
      createOffsetsTopic: (partitions, replicationFactor) => this.controllerChannel.callController({ kind: 'create-offsets-topic' }, (correlationId) => ({
        type: 'CreateTopicsRequest',
        correlationId,
        // Kafka's GroupCoordinator.groupMetadataTopicConfigs: compacted, with its own segment size.
        topics: [{ name: GROUP_METADATA_TOPIC_NAME, numPartitions: partitions, replicationFactor, configs: { 'cleanup.policy': 'compact' } }],
      })),
    });
    for (const summary of loaded?.logs.values() ?? []) {
      if (summary.bytesTruncated > 0) this.effects.push({ type: 'mark', name: 'recovery-truncated-torn-tail' });
    }
  }

  /** The group coordinator, for checkers and tests to read (its shards' groups and committed offsets); never to drive. */
  get groupCoordinatorService(): GroupCoordinatorService {
    return this.groupCoordinator;
  }

  /** This broker's replicas by `topic-partition` (Kafka's `ReplicaManager.allPartitions`). */
  get partitions(): ReadonlyMap<string, Partition> {
    return this.replicaManager.partitions;
  }

  get brokerId(): number {
    return this.options.brokerId;
  }

  /** The group coordinator's shards, by `__consumer_offsets` partition (read-only: for checkers and tools). */
  coordinatorShards(): readonly [number, GroupCoordinatorShard][] {
    return this.groupCoordinator.sortedShards();
  }

  /** The log start offset of a loaded log (`topic-partition`), for tools and checkers. */
  logStartOffsetOf(name: string): number | undefined {
    return this.startupFailure !== undefined ? undefined : this.logManager.logNamed(name)?.logStartOffset;
  }

  get currentBrokerEpoch(): number {
    return this.lifecycleManager.brokerEpoch;
  }

  get lifecycle(): BrokerLifecycle {
    return this.lifecycleManager.lifecycle;
  }

  /**
   * Whether this process took its logs as cleanly shut down (it found the clean-shutdown marker:
   * `LogManager.loadLogs`), for checkers; undefined when loading failed.
   */
  get loadedAfterCleanShutdown(): boolean | undefined {
    return this.loadedAsClean;
  }

  handle(input: NodeInput<KafkaMessage>): readonly NodeEffect<KafkaMessage>[] {
    this.effects = this.effects.length > 0 ? this.effects : [];
    try {
      this.dispatch(input);
    } catch (error) {
      if (!(error instanceof DiskError)) throw error;
      // Kafka takes a failed log directory offline; a broker whose only directory failed stops.
      // Its recovery points are dropped so that the next start re-reads (and repairs) every
      // segment: refka's stand-in for the operator who would otherwise have to.
      this.logManager.forgetRecoveryPoints();
      this.effects.push({ type: 'halt', reason: `log directory failed: ${error.message}`, failed: true });
    }
    const out = this.effects;
    this.effects = [];
    return out;
  }

  private dispatch(input: NodeInput<KafkaMessage>): void {
    switch (input.type) {
      case 'start':
        if (this.startupFailure !== undefined) {
          this.effects.push({ type: 'halt', reason: `log directory failed at startup: ${this.startupFailure}`, failed: true });
          return;
        }
        this.lifecycleManager.start();
        this.timer('metadata-fetch', METADATA_FETCH_INTERVAL_MS);
        this.timer('maintenance', MAINTENANCE_INTERVAL_MS);
        this.timer('isr-expiration', Math.max(1, Math.floor(this.options.config.number('replica.lag.time.max.ms') / 2)));
        this.timer('hw-checkpoint', HW_CHECKPOINT_INTERVAL_MS);
        this.timer('request-expiry', REQUEST_EXPIRY_INTERVAL_MS);
        this.timer('log-retention', this.options.config.number('log.retention.check.interval.ms'));
        this.timer('log-cleaner', this.options.config.number('log.cleaner.backoff.ms'));
        return;
      case 'timer':
        return this.onTimer(input.name);
      case 'receive':
        return this.onMessage(input.from, input.message);
      case 'disconnected':
        return this.onDisconnected(input.peer);
      case 'signal':
        return this.requestControlledShutdown();
      case 'application-stall':
        // A broker has no application loop of its own: only clients stall.
        return;
      default:
        assertNever(input, 'broker input');
    }
  }

  private timer(name: string, delayMs: number): void {
    this.effects.push({ type: 'set-timer', name, delayMs });
  }

  private send(to: NodeId, message: KafkaMessage): void {
    this.effects.push({ type: 'send', to, message });
  }

  /** Topic configuration for a partition's log: the run's overrides plus the topic's own. */
  private logConfig(topic?: string): LogConfig {
    const overrides: Record<string, string> = {};
    const all = this.options.config.overrides;
    for (const key of Object.keys(all).sort()) overrides[key] = all[key] as string;
    if (topic !== undefined) Object.assign(overrides, this.image.topicConfigs(topic));
    return logConfigFrom(pickLogKeys(overrides));
  }

  private onTimer(name: string): void {
    switch (name) {
      case HEARTBEAT_TIMER:
        return this.lifecycleManager.onHeartbeatTimer();
      case 'metadata-fetch':
        this.metadataLoader.fetchMetadata();
        this.timer('metadata-fetch', METADATA_FETCH_INTERVAL_MS);
        return;
      case 'maintenance':
        for (const partition of this.replicaManager.partitions.values()) partition.log.maybeFlush();
        this.logManager.checkpointRecoveryPointsAndLogStartOffsets();
        this.timer('maintenance', MAINTENANCE_INTERVAL_MS);
        return;
      case 'hw-checkpoint':
        this.replicaManager.checkpointHighWatermarks();
        this.timer('hw-checkpoint', HW_CHECKPOINT_INTERVAL_MS);
        return;
      case 'request-expiry':
        this.expireRequests();
        this.timer('request-expiry', REQUEST_EXPIRY_INTERVAL_MS);
        return;
      case ALTER_PARTITION_RETRY_TIMER:
        return this.controllerChannel.retryAlterPartitions();
      case REGISTRATION_RETRY_TIMER:
        return this.lifecycleManager.register();
      case 'log-retention':
        // Kafka's LogManager.cleanupLogs: every log, in a fixed order, leader or follower.
        for (const partition of this.replicaManager.sortedPartitions()) partition.deleteOldSegments();
        this.timer('log-retention', this.options.config.number('log.retention.check.interval.ms'));
        return;
      case 'log-cleaner':
        // Stands in for Kafka's LogCleaner thread, which cleans the dirtiest compacted log and,
        // with nothing left to clean, sleeps log.cleaner.backoff.ms: refka cleans every
        // compacted log once per backoff.
        for (const partition of this.replicaManager.sortedPartitions()) if (partition.log.config.cleanupPolicy.compact) partition.compact();
        this.timer('log-cleaner', this.options.config.number('log.cleaner.backoff.ms'));
        return;
      case 'isr-expiration':
        this.replicaManager.maybeShrinkIsr();
        this.timer('isr-expiration', Math.max(1, Math.floor(this.options.config.number('replica.lag.time.max.ms') / 2)));
        return;
      default:
        break;
    }
    if (name.startsWith(FETCHER_TIMER_PREFIX)) return this.replicaFetcher.onBackoffTimer(name);
    if (this.groupCoordinator.ownsTimer(name)) return this.groupCoordinator.onTimer(name);
    if (name.startsWith(PRODUCE_TIMEOUT_TIMER_PREFIX)) return this.replicaManager.expireProduce(name);
    if (name.startsWith(FETCH_WAIT_TIMER_PREFIX)) return this.replicaManager.expireFetch(name);
    assert(false, `unknown broker timer ${name}`);
  }

  /** Gives up requests that got no answer (a lost message without a disconnect to say so). */
  private expireRequests(): void {
    const deadline = this.environment.clock.nowMs() - INTERNAL_REQUEST_TIMEOUT_MS;
    this.controllerChannel.expireRequests(deadline);
    this.replicaFetcher.expireRequests(deadline);
  }

  /** Begins a controlled shutdown (SIGTERM): leaderships move away, then the broker stops. */
  requestControlledShutdown(): void {
    this.lifecycleManager.requestControlledShutdown();
  }

  private onMessage(from: NodeId, message: KafkaMessage): void {
    // Kafka enables a broker's listeners only once the broker is first unfenced, after it has
    // caught up with the metadata (`BrokerServer.startup`): until then a client's connection is
    // refused, and the client tries another broker. A broker that answered earlier would answer
    // from metadata it has not caught up with (default seed 1299: a Metadata answer without the
    // workload topic gave a consumer group's leader nothing to assign). Brokers and controllers
    // share each connection with this broker's own requests to them, so only clients are refused.
    if (!this.listenersEnabled && brokerIdOf(from) === undefined && controllerIdOf(from) === undefined) {
      this.effects.push({ type: 'close-connection', peer: from });
      return;
    }
    switch (message.type) {
      case 'BrokerRegistrationResponse':
        // Only the registration in flight counts: an answer to one given up on (it timed out and
        // was sent again) arrives late over a slow link and must not register the broker twice.
        if (this.controllerChannel.kindOf(message.correlationId) !== 'registration') return;
        if (!this.controllerChannel.answered(message.correlationId, message.error === 'NOT_CONTROLLER')) return;
        return this.lifecycleManager.onBrokerRegistrationResponse(message);
      case 'BrokerHeartbeatResponse':
        // A heartbeat the active controller did not see: the next one goes to another controller.
        if (!this.controllerChannel.answered(message.correlationId, message.error === 'NOT_CONTROLLER')) return;
        return this.lifecycleManager.onBrokerHeartbeatResponse(message);
      case 'FetchMetadataResponse':
        this.controllerChannel.answered(message.correlationId, false);
        this.controllerChannel.learned(message.activeControllerId, message.controllerEpoch);
        return this.metadataLoader.onFetchMetadataResponse(message);
      case 'AlterPartitionResponse': {
        if (!this.controllerChannel.answered(message.correlationId, message.error === 'NOT_CONTROLLER')) return;
        return this.replicaManager.onAlterPartitionResponse(message);
      }
      case 'AllocateProducerIdsResponse':
        if (!this.controllerChannel.answered(message.correlationId, message.error === 'NOT_CONTROLLER')) return;
        return this.producerIdManager.onAllocateProducerIdsResponse(message);
      case 'CreateTopicsResponse':
        if (this.controllerChannel.kindOf(message.correlationId) === 'create-offsets-topic') {
          if (!this.controllerChannel.answered(message.correlationId, message.topics.some((topic) => topic.error === 'NOT_CONTROLLER'))) return;
          this.groupCoordinator.onOffsetsTopicCreated(message.topics.every((topic) => topic.error === 'NONE' || topic.error === 'TOPIC_ALREADY_EXISTS'));
        }
        return;
      case 'FindCoordinatorRequest':
        return this.groupCoordinator.findCoordinator(from, message);
      case 'JoinGroupRequest':
      case 'SyncGroupRequest':
      case 'HeartbeatRequest':
      case 'LeaveGroupRequest':
      case 'OffsetCommitRequest':
      case 'OffsetFetchRequest':
        return this.groupCoordinator.handle(from, message);
      case 'FindCoordinatorResponse':
      case 'JoinGroupResponse':
      case 'SyncGroupResponse':
      case 'HeartbeatResponse':
      case 'LeaveGroupResponse':
      case 'OffsetCommitResponse':
      case 'OffsetFetchResponse':
        return;
      case 'ProduceRequest':
        return this.replicaManager.appendRecords(from, message);
      case 'FetchRequest':
        return this.replicaManager.fetchMessages(from, message);
      case 'OffsetsForLeaderEpochRequest':
        return this.replicaManager.lastOffsetForLeaderEpoch(from, message);
      case 'ListOffsetsRequest':
        return this.replicaManager.fetchOffsetForTimestamp(from, message);
      case 'MetadataRequest':
        return this.handleMetadata(from, message);
      case 'InitProducerIdRequest':
        return this.producerIdManager.handleInitProducerId(from, message.correlationId);
      case 'FetchResponse':
        return this.replicaFetcher.onFetchResponse(message);
      case 'OffsetsForLeaderEpochResponse':
        return this.replicaFetcher.onOffsetsForLeaderEpochResponse(message);
      case 'BrokerRegistrationRequest':
      case 'BrokerHeartbeatRequest':
      case 'FetchMetadataRequest':
      case 'AlterPartitionRequest':
      case 'CreateTopicsRequest':
      case 'AllocateProducerIdsRequest':
      case 'MetadataResponse':
      case 'ProduceResponse':
      case 'ListOffsetsResponse':
      case 'InitProducerIdResponse':
      case 'RaftEnvelope':
        return;
      default:
        assertNever(message, 'broker message');
    }
  }

  /** The controller granted the controlled shutdown: the partitions go offline, the logs close. */
  private shutdown(): void {
    for (const partition of this.replicaManager.sortedPartitions()) partition.makeOffline();
    const hws = new Map<string, number>();
    for (const partition of this.replicaManager.sortedPartitions()) hws.set(partition.name, partition.highWatermark);
    // The marker names this registration's epoch, so that the next start can prove to the
    // controller that it lost nothing (KIP-966; Kafka's LogManager.shutdown(brokerEpoch)).
    this.logManager.shutdown(hws, this.lifecycleManager.brokerEpoch);
    this.effects.push({ type: 'halt', reason: 'controlled shutdown complete', failed: false });
  }

  private onDisconnected(peer: NodeId): void {
    const controllerId = controllerIdOf(peer);
    if (controllerId !== undefined) return this.controllerChannel.onControllerDisconnected(controllerId);
    const leaderId = brokerIdOf(peer);
    if (leaderId === undefined) return;
    this.replicaFetcher.onLeaderDisconnected(leaderId);
  }

  private handleMetadata(from: NodeId, request: MetadataRequest): void {
    const topics = this.image.topics().filter((topic) => request.topics === undefined || request.topics.includes(topic.name));
    const known = new Set(topics.map((topic) => topic.name));
    const unknown = (request.topics ?? []).filter((name) => !known.has(name));
    this.send(from, {
      type: 'MetadataResponse',
      correlationId: request.correlationId,
      brokers: this.image.brokers().filter((broker) => !broker.fenced).map((broker) => broker.brokerId),
      controllerId: this.controllerChannel.activeController ?? -1,
      topics: [
        ...topics.map((topic) => ({
          name: topic.name,
          error: 'NONE' as KafkaError,
          partitions: this.image.partitionsOf(topic.topicId).map((registration) => ({
            partition: registration.partitionId,
            error: (registration.leader === NO_LEADER ? 'LEADER_NOT_AVAILABLE' : 'NONE') as KafkaError,
            leader: registration.leader,
            leaderEpoch: registration.leaderEpoch,
            replicas: registration.replicas,
            isr: registration.isr,
          })),
        })),
        ...unknown.map((name) => ({ name, error: 'UNKNOWN_TOPIC_OR_PARTITION' as KafkaError, partitions: [] })),
      ],
    });
  }
}

/** The run's config keys that are topic (log) configs. */
function pickLogKeys(overrides: Readonly<Record<string, string>>): Record<string, string> {
  const logKeys = new Set([
    'min.insync.replicas', 'flush.messages', 'flush.ms', 'segment.bytes', 'segment.ms', 'segment.index.bytes', 'index.interval.bytes', 'retention.ms',
    'retention.bytes', 'cleanup.policy', 'max.message.bytes', 'message.timestamp.type', 'delete.retention.ms',
  ]);
  const picked: Record<string, string> = {};
  for (const key of Object.keys(overrides).sort()) if (logKeys.has(key)) picked[key] = overrides[key] as string;
  return picked;
}

/** A random UUID's text (Kafka's `UUID.randomUUID().toString()` shape), from the node's random stream. */
function randomUuid(random: NodeEnvironment['random']): string {
  const hex = (digits: number): string => {
    let text = '';
    for (let index = 0; index < digits; index++) text += random.int(0, 15).toString(16);
    return text;
  };
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + random.int(0, 3)).toString(16)}${hex(3)}-${hex(12)}`;
}

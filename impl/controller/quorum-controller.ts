import { assert, assertNever } from '../common/assert.ts';
import type { ConfigView } from '../config/config-view.ts';
import { DiskError, type NodeEffect, type NodeEnvironment, type NodeId, type NodeInput, type SimulatedNode } from '../env/node-environment.ts';
import { MAX_RECORDS_PER_APPEND } from '../raft/kafka-metadata-log.ts';
import { KafkaRaftClient, RAFT_POLL_TIMER } from '../raft/kafka-raft-client.ts';
import { raftConfig, type QuorumTimeouts } from '../raft/raft-config.ts';
import { formatMetadataDirectory, randomDirectoryId, readMetaProperties, type MetaProperties } from '../raft/meta-properties.ts';
import type { VoterSet } from '../raft/voter-set.ts';
import type { RaftMessage } from '../raft/raft-messages.ts';
import { decodeMetadataRecord, encodeMetadataRecord, NO_LEADER, type MetadataEntry, type MetadataRecord } from '../metadata/metadata-records.ts';
import type { KafkaError } from '../protocol/errors.ts';
import type {
  AllocateProducerIdsRequest,
  AlterPartitionRequest,
  BrokerHeartbeatRequest,
  BrokerRegistrationRequest,
  CreateTopicsRequest,
  FetchMetadataRequest,
  KafkaMessage,
  KafkaResponse,
  RaftEnvelope,
} from '../protocol/messages.ts';
import { controllerNodeId } from '../protocol/messages.ts';
import { MetadataState, type PartitionRegistration } from './controller-state.ts';
import { ClusterControlManager, type BrokerRegistrationShutdown } from './cluster-control-manager.ts';
import type { ControlContext, ControllerResult } from './controller-result.ts';
import { ReplicationControlManager } from './replication-control-manager.ts';
import type { ProtocolRules } from '../variants/protocol-rules.ts';
import { raftTestOnlyBugs } from './raft-rules.ts';

/** Records returned per metadata fetch: a bound on every response. */
const METADATA_FETCH_MAX = 500;
const SESSION_CHECK_INTERVAL_MS = 250;
/** Committed records replayed per read of the Raft log. */
const COMMIT_READ_MAX = 500;
/**
 * Requests waiting for their records to commit (Kafka's `DeferredEventQueue`): a bound, since
 * brokers retry what goes unanswered. A request beyond it is refused with NOT_CONTROLLER.
 */
const MAX_PENDING_WRITES = 10_000;

export interface QuorumControllerOptions {
  readonly controllerId: number;
  readonly config: ConfigView;
  /** The run's protocol rules (`impl/variants/protocol-rules.ts`). */
  readonly rules: ProtocolRules;
  /**
   * Every controller's id, ascending: the static voters (`controller.quorum.voters`) with
   * kraft.version 0, the controllers an observer asks (`controller.quorum.bootstrap.servers`) with 1.
   */
  readonly voters: readonly number[];
  /**
   * `kafka-storage format --initial-controllers`: how the deployment formats this controller's
   * metadata log directory if it finds it unformatted (the bootstrap voters, KIP-853). Absent:
   * `--no-initial-controllers` (the deployment gives the initial controllers only to a directory's
   * first format; a directory formatted later is a replaced disk's).
   */
  readonly initialControllers?: VoterSet;
  /** Raft's `controller.quorum.*` timeouts, when not Kafka's defaults (tests). */
  readonly quorumTimeouts?: QuorumTimeouts;
}


/**
 * A write whose answer waits until the quorum commits `offset` (Kafka's `ControllerWriteEvent` in
 * the `DeferredEventQueue`): the last record it wrote or, for a decision that wrote none, the last
 * record written before it, since the decision read that record's effect.
 */
interface PendingWrite {
  readonly offset: number;
  readonly to: NodeId | undefined;
  readonly response: KafkaResponse | undefined;
  readonly marks: readonly string[];
}

/** The controller while it is the quorum's active controller in one Raft epoch. */
interface ActiveController {
  readonly epoch: number;
  /** The committed state plus every record this controller appended (Kafka's in-memory timeline). */
  readonly state: MetadataState;
  /** The entries of `state` not committed yet, in offset order. */
  readonly uncommitted: MetadataEntry[];
  readonly pending: PendingWrite[];
  /**
   * Each partition's ELR (KIP-966) as committed when this controller claimed, keyed
   * `topicId:partitionId`, for the `elr-leader-elected-across-failover` mark: an ELR member an
   * earlier active controller placed, kept through the replicated log, elected by this one.
   */
  readonly elrAtClaim: ReadonlyMap<string, readonly number[]>;
}



/**
 * One controller of the KRaft quorum (logic of Kafka's `QuorumController` with its
 * `ClusterControlManager` and `ReplicationControlManager`), over Kafka's Raft (`KafkaRaftClient`,
 * `impl/raft/`). Every controller replays what the quorum commits into `committedState`
 * (`QuorumMetaLogListener.handleCommit`). The Raft leader becomes the *active* controller once it
 * has replayed everything committed before its epoch (`handleLeaderChange` fires only then); it
 * alone decides. Each request is handled in two steps, as in Kafka: a pure decision over the
 * active state produces records and a response; the records are appended to the Raft log and
 * applied to the active state at once, and the response waits until the quorum commits them
 * (`DeferredEventQueue`). A controller that loses leadership fails what waits with NOT_CONTROLLER
 * and drops its uncommitted state (`renounce`). Controllers that are not active answer
 * NOT_CONTROLLER, except metadata fetches, which any controller serves from what it knows is
 * committed.
 */
export class QuorumController implements SimulatedNode<KafkaMessage> {
  readonly kind = 'controller';
  readonly raft: KafkaRaftClient;
  /** The committed metadata: what brokers are served and what the checkers judge. */
  readonly committedState = new MetadataState();
  /**
   * The latest metadata snapshot this controller loaded or wrote (KIP-630), as the records that
   * rebuild the state below `offset`; `entries` hold what was committed after it.
   */
  private snapshot: { readonly offset: number; readonly records: readonly MetadataRecord[] } | undefined;
  /** Committed metadata entries from the snapshot on, in offset order (what brokers fetch). */
  private entries: MetadataEntry[] = [];
  /** The offset and Raft epoch of the last committed metadata record replayed: where a snapshot may end. */
  private lastApplied: { readonly offset: number; readonly epoch: number } | undefined;
  /** Bytes of metadata records replayed since the last snapshot (`metadata.log.max.record.bytes.between.snapshots`). */
  private bytesSinceSnapshot = 0;
  /** One past the last Raft offset replayed into `committedState` (control records included). */
  private committedNext = 0;
  private active: ActiveController | undefined;
  /** Raft epochs in which this process was active: how a claim of leadership is told a failover. */
  private activations = 0;
  private readonly replication: ReplicationControlManager;
  private readonly cluster: ClusterControlManager;
  /** Its metadata log directory's `meta.properties` (KIP-853's directory id). */
  readonly metaProperties: MetaProperties;
  /** This process formatted an empty directory without the initial controllers: a replaced disk. */
  private readonly formattedReplacedDisk: boolean;

  constructor(
    private readonly environment: NodeEnvironment,
    private readonly options: QuorumControllerOptions,
  ) {
    const context: ControlContext = {
      options,
      state: () => this.state,
      entries: () => (this.active === undefined ? this.entries : [...this.entries, ...this.active.uncommitted]),
      base: () => this.snapshotState(),
      nowMs: () => environment.clock.nowMs(),
    };
    this.replication = new ReplicationControlManager(context);
    this.cluster = new ClusterControlManager(context, this.replication);
    assert(options.voters.includes(options.controllerId), `controller ${options.controllerId} is one of the voters ${options.voters.join(',')}`);
    // An unformatted directory is formatted first, as an operator runs `kafka-storage format`
    // before starting a controller on a new disk: with the initial controllers the first time,
    // else with a new directory id drawn from this process's random stream (KIP-853).
    let meta = readMetaProperties(environment.disk);
    this.formattedReplacedDisk = meta === undefined && options.initialControllers === undefined;
    if (meta === undefined) {
      meta = { nodeId: options.controllerId, directoryId: options.initialControllers?.voterKey(options.controllerId)?.directoryId ?? randomDirectoryId(environment.random) };
      formatMetadataDirectory(environment.disk, meta, options.initialControllers);
    }
    assert(meta.nodeId === options.controllerId, `controller ${options.controllerId} found the metadata log directory of node ${meta.nodeId}`);
    this.metaProperties = meta;
    // KIP-853 (kraft.version 1): voters are (id, directory id); the amnesiac-voter mutant keys them by id alone.
    const kraftVersion = options.rules.raftVoterKeysIncludeDirectoryId ? 1 : 0;
    this.raft = new KafkaRaftClient(environment, raftConfig(options.controllerId, options.voters, {
      addressOf: controllerNodeId,
      ...(options.quorumTimeouts === undefined ? {} : { timeouts: options.quorumTimeouts }),
      checkQuorum: options.rules.raftCheckQuorum,
      preVote: options.rules.raftPreVote,
      ...raftTestOnlyBugs(options.rules),
      kraftVersion,
      directoryId: meta.directoryId,
      autoJoin: kraftVersion === 1 && options.config.boolean('controller.quorum.auto.join.enable'),
    }));
  }

  /** The state decisions read: the active state while active, else the committed one. */
  get state(): MetadataState {
    return this.active?.state ?? this.committedState;
  }

  /** Whether this controller is the active controller (the Raft leader, caught up to its epoch). */
  get isActive(): boolean {
    return this.active !== undefined;
  }

  /** One past the last Raft offset replayed into `committedState` (control records included). */
  get committedOffset(): number {
    return this.committedNext;
  }

  /** The committed high watermark this controller knows, undefined until it learns one. */
  get highWatermark(): number | undefined {
    return this.raft.highWatermark();
  }

  /** Each broker's latest registration decision by this controller process, by broker id. */
  get registrationShutdownDecisions(): readonly BrokerRegistrationShutdown[] {
    return this.cluster.registrationShutdownDecisions;
  }

  /** The committed metadata log, in memory (what brokers fetch). */
  get metadataEntries(): readonly MetadataEntry[] {
    return this.entries;
  }

  handle(input: NodeInput<KafkaMessage>): readonly NodeEffect<KafkaMessage>[] {
    const effects: NodeEffect<KafkaMessage>[] = [];
    try {
      switch (input.type) {
        case 'start':
          // A controller on a replaced disk: an observer until the voters name its new directory.
          if (this.formattedReplacedDisk) effects.push({ type: 'mark', name: 'controller-disk-replaced' });
          this.raftInput(input, effects);
          effects.push({ type: 'set-timer', name: 'session-check', delayMs: SESSION_CHECK_INTERVAL_MS }, ...this.scheduleLeaderBalance());
          break;
        case 'timer':
          this.onTimer(input.name, effects);
          break;
        case 'receive':
          if (input.message.type === 'RaftEnvelope') this.raftInput({ type: 'receive', from: input.from, message: input.message.message }, effects);
          else this.onMessage(input.from, input.message, effects);
          break;
        case 'disconnected':
        case 'signal':
          // SIGTERM: a leader resigns with EndQuorumEpoch, then the process halts (the Raft client's effect).
          this.raftInput(input, effects);
          break;
        case 'application-stall':
          break;
        default:
          return assertNever(input, 'controller input');
      }
      if (effects.some((effect) => effect.type === 'halt')) return effects;
      this.sync(effects);
      return effects;
    } catch (error) {
      if (!(error instanceof DiskError)) throw error;
      // KRaft controllers exit when they cannot write their metadata log.
      return [{ type: 'halt', reason: `metadata log directory failed: ${error.message}`, failed: true }];
    }
  }

  private onTimer(name: string, effects: NodeEffect<KafkaMessage>[]): void {
    switch (name) {
      case RAFT_POLL_TIMER:
        return this.raftInput({ type: 'timer', name }, effects);
      case 'leader-balance': {
        const balance = this.active === undefined ? { records: [], rescheduleImmediately: false } : this.replication.maybeBalancePartitionLeaders();
        this.write(undefined, { records: balance.records, marks: balance.records.map(() => 'preferred-leader-elected') }, effects);
        effects.push(...(balance.rescheduleImmediately ? [{ type: 'set-timer' as const, name: 'leader-balance', delayMs: 0 }] : this.scheduleLeaderBalance()));
        return;
      }
      case 'session-check':
        if (this.active !== undefined) this.write(undefined, { records: this.cluster.checkSessions() }, effects);
        effects.push({ type: 'set-timer', name: 'session-check', delayMs: SESSION_CHECK_INTERVAL_MS });
        return;
      default:
        assert(false, `unknown controller timer ${name}`);
    }
  }

  private raftInput(input: NodeInput<RaftMessage>, effects: NodeEffect<KafkaMessage>[]): void {
    this.raftEffects(this.raft.handle(input), effects);
  }

  /** The Raft client's effects as this node's: its messages travel wrapped (`RaftEnvelope`). */
  private raftEffects(raftEffects: readonly NodeEffect<RaftMessage>[], effects: NodeEffect<KafkaMessage>[]): void {
    for (const effect of raftEffects) {
      effects.push(effect.type === 'send' ? { type: 'send', to: effect.to, message: { type: 'RaftEnvelope', message: effect.message } } : effect);
    }
  }

  private onMessage(from: NodeId, message: Exclude<KafkaMessage, RaftEnvelope>, effects: NodeEffect<KafkaMessage>[]): void {
    if (message.type === 'FetchMetadataRequest') {
      effects.push({ type: 'send', to: from, message: this.fetchMetadata(message) });
      return;
    }
    if (!isControllerRequest(message)) return;
    const refusal = notControllerResponse(message) as KafkaResponse;
    if (this.active === undefined || this.active.pending.length >= MAX_PENDING_WRITES) {
      effects.push({ type: 'send', to: from, message: refusal });
      return;
    }
    if (!this.write(from, this.decide(message), effects)) effects.push({ type: 'send', to: from, message: refusal });
  }

  private decide(message: ControllerRequest): ControllerResult {
    switch (message.type) {
      case 'BrokerRegistrationRequest':
        return this.cluster.registerBroker(message);
      case 'BrokerHeartbeatRequest':
        return this.cluster.heartbeat(message);
      case 'AlterPartitionRequest':
        return this.replication.alterPartition(message);
      case 'CreateTopicsRequest':
        return this.replication.createTopics(message);
      case 'AllocateProducerIdsRequest':
        return this.cluster.allocateProducerIds(message);
      default:
        return assertNever(message, 'controller request');
    }
  }

  // ---- Writes and commits -------------------------------------------------------------------------

  /**
   * Appends the result's records to the Raft log and applies them to the active state; the answer
   * and the marks wait until the quorum commits them (Kafka's `ControllerWriteEvent`). False when
   * the log refused the append (the answer is then the caller's to refuse).
   */
  private write(to: NodeId | undefined, result: ControllerResult, effects: NodeEffect<KafkaMessage>[]): boolean {
    const active = this.active;
    if (active === undefined) return result.records.length === 0 && result.response === undefined;
    const marks = [...(result.marks ?? [])];
    for (let start = 0; start < result.records.length; start += MAX_RECORDS_PER_APPEND) {
      const chunk = result.records.slice(start, start + MAX_RECORDS_PER_APPEND);
      active.state.skipTo(this.raft.log.endOffset());
      const appended = this.raft.append(chunk.map(encodeMetadataRecord));
      if (appended.type === 'error') {
        // The log took part of the result at most: what it took stays, the rest is lost with the
        // answer, and a controller that cannot write renounces (Kafka's `handleEventException`).
        this.renounce(effects);
        return false;
      }
      assert(appended.baseOffset === active.state.nextOffset && appended.epoch === active.epoch, 'the Raft log and the active state agree on the next offset');
      this.raftEffects(appended.effects, effects);
      for (const [index, record] of chunk.entries()) {
        const entry = { offset: appended.baseOffset + index, record };
        if (record.type === 'PartitionChangeRecord') marks.push(...elrElectionMarks(active, record));
        active.state.replay(entry.offset, record);
        active.uncommitted.push(entry);
        if (record.type === 'PartitionChangeRecord' && record.unclean) marks.push('unclean-leader-election');
      }
    }
    const offset = Math.max(this.raft.log.endOffset(), this.committedNext) - 1;
    active.pending.push({ offset, to, response: result.response, marks });
    return true;
  }

  /**
   * After every input: replays what the quorum newly committed, answers the writes it covers, and
   * follows the Raft leadership (claim or renounce). Kafka's `QuorumMetaLogListener`.
   */
  private sync(effects: NodeEffect<KafkaMessage>[]): void {
    const highWatermark = this.raft.highWatermark() ?? 0;
    while (this.committedNext < highWatermark) {
      const read = this.raft.readCommittedOrSnapshot(this.committedNext, COMMIT_READ_MAX);
      if (read.type === 'snapshot') {
        // Behind the log start: the quorum's snapshot replaces everything replayed so far
        // (`handleLoadSnapshot`). An active controller is never behind its own log.
        assert(this.active === undefined, 'an active controller loads no snapshot');
        const records = decodeSnapshot(read.bytes);
        this.committedState.loadSnapshot(records, read.snapshotId.offset);
        this.snapshot = { offset: read.snapshotId.offset, records };
        this.entries = [];
        this.committedNext = read.snapshotId.offset;
        this.lastApplied = undefined;
        this.bytesSinceSnapshot = 0;
        effects.push({ type: 'mark', name: 'metadata-snapshot-loaded' });
        continue;
      }
      for (const entry of read.records) {
        const record = decodeMetadataRecord(entry.value);
        this.committedState.skipTo(entry.offset);
        this.committedState.replay(entry.offset, record);
        this.entries.push({ offset: entry.offset, record });
        this.lastApplied = { offset: entry.offset, epoch: entry.epoch };
        this.bytesSinceSnapshot += entry.value.length;
      }
      // Past the records read, and past control records (LeaderChange) up to the next record.
      this.committedState.skipTo(read.nextOffset);
      this.committedNext = read.nextOffset;
    }
    this.maybeSnapshot(effects);
    const active = this.active;
    if (active !== undefined) {
      while (active.uncommitted.length > 0 && (active.uncommitted[0] as MetadataEntry).offset < this.committedNext) active.uncommitted.shift();
      while (active.pending.length > 0 && (active.pending[0] as PendingWrite).offset < this.committedNext) {
        const write = active.pending.shift() as PendingWrite;
        for (const name of write.marks) effects.push({ type: 'mark', name });
        if (write.to !== undefined && write.response !== undefined) effects.push({ type: 'send', to: write.to, message: write.response });
      }
    }
    const state = this.raft.quorum.state;
    if (active !== undefined && (state.type !== 'Leader' || state.epoch !== active.epoch)) this.renounce(effects);
    if (this.active === undefined && state.type === 'Leader' && state.leader.highWatermark !== undefined && this.committedNext >= state.leader.highWatermark) this.claim(state.epoch, effects);
  }

  /**
   * Kafka's `claim`: the Raft leader has replayed everything committed before its epoch, so its
   * decisions start from the whole committed metadata. Every registered broker gets a full session
   * from now: the heartbeats went to the controller before, and are not in the log.
   */
  private claim(epoch: number, effects: NodeEffect<KafkaMessage>[]): void {
    const state = this.snapshotState();
    for (const entry of this.entries) {
      state.skipTo(entry.offset);
      state.replay(entry.offset, entry.record);
    }
    state.skipTo(this.committedNext);
    const elrAtClaim = new Map<string, readonly number[]>();
    for (const partition of state.allPartitions()) if (partition.elr.length > 0) elrAtClaim.set(`${partition.topicId}:${partition.partitionId}`, partition.elr);
    this.active = { epoch, state, uncommitted: [], pending: [], elrAtClaim };
    this.cluster.resetSessions(this.environment.clock.nowMs());
    // The first activation of a process over a log that other controllers wrote is a failover.
    if (this.entries.length > 0 || this.activations > 0) effects.push({ type: 'mark', name: 'controller-failover' });
    this.activations++;
  }

  /** A new state holding the latest snapshot (empty without one). */
  snapshotState(): MetadataState {
    const state = new MetadataState();
    if (this.snapshot !== undefined) state.loadSnapshot(this.snapshot.records, this.snapshot.offset);
    return state;
  }

  /**
   * Writes a metadata snapshot once `metadata.log.max.record.bytes.between.snapshots` bytes of
   * records were committed since the last one (Kafka's `SnapshotGenerator`), ending after the last
   * committed record replayed. Every controller snapshots its own committed state; the Raft log
   * then deletes what the snapshot covers, so the metadata log stays bounded in a long run.
   */
  private maybeSnapshot(effects: NodeEffect<KafkaMessage>[]): void {
    const last = this.lastApplied;
    if (last === undefined || this.bytesSinceSnapshot < this.options.config.number('metadata.log.max.record.bytes.between.snapshots')) return;
    const offset = last.offset + 1;
    const records = this.committedState.snapshotRecords();
    const outcome = this.raft.createSnapshot({ offset, epoch: last.epoch }, encodeSnapshot(records));
    this.bytesSinceSnapshot = 0;
    if (outcome !== 'created') return;
    this.snapshot = { offset, records };
    this.entries = this.entries.filter((entry) => entry.offset >= offset);
    effects.push({ type: 'mark', name: 'metadata-snapshot-created' });
  }

  /**
   * Kafka's `renounce`: leadership lost (or a write refused). What waits is failed with
   * NOT_CONTROLLER, and the uncommitted state is dropped: the next active controller decides from
   * the committed log, which may not hold those records.
   */
  private renounce(effects: NodeEffect<KafkaMessage>[]): void {
    const active = this.active;
    assert(active !== undefined, 'only an active controller renounces');
    for (const write of active.pending) {
      if (write.to === undefined || write.response === undefined) continue;
      const refusal = notControllerResponse(write.response);
      if (refusal !== undefined) effects.push({ type: 'send', to: write.to, message: refusal });
    }
    this.active = undefined;
    effects.push({ type: 'mark', name: 'controller-renounced' });
  }

  /** The next pass of the preferred-leader balancer, when `auto.leader.rebalance.enable` is on. */
  private scheduleLeaderBalance(): NodeEffect<KafkaMessage>[] {
    if (!this.options.config.boolean('auto.leader.rebalance.enable')) return [];
    const intervalMs = this.options.config.number('leader.imbalance.check.interval.seconds') * 1000;
    return [{ type: 'set-timer', name: 'leader-balance', delayMs: intervalMs }];
  }

  // ---- Metadata fetch ---------------------------------------------------------------------------------

  /**
   * A broker's metadata fetch, served from what this controller knows is committed (any controller
   * answers: Kafka's brokers fetch the committed log from the quorum as observers), with the
   * active controller as this controller knows it.
   */
  private fetchMetadata(request: FetchMetadataRequest): KafkaResponse {
    const { leaderId, epoch } = this.raft.leaderAndEpoch();
    const reply = { type: 'FetchMetadataResponse' as const, correlationId: request.correlationId, highWatermark: this.committedNext, activeControllerId: leaderId ?? -1, controllerEpoch: epoch };
    if (request.fetchOffset > this.committedNext || request.fetchOffset < 0) return { ...reply, error: 'OFFSET_OUT_OF_RANGE', entries: [], endOffset: request.fetchOffset };
    // Below the snapshot: the broker loads the snapshot, then fetches on from its end.
    if (this.snapshot !== undefined && request.fetchOffset < this.snapshot.offset) {
      return { ...reply, error: 'NONE', entries: [], endOffset: this.snapshot.offset, snapshot: this.snapshot.records };
    }
    const first = firstEntryAtOrAfter(this.entries, request.fetchOffset);
    const entries = this.entries.slice(first, first + Math.min(request.maxRecords, METADATA_FETCH_MAX));
    const last = entries.at(-1);
    const complete = first + entries.length === this.entries.length;
    return { ...reply, error: 'NONE', entries, endOffset: complete || last === undefined ? this.committedNext : last.offset + 1 };
  }


}

/** The requests only the active controller answers. */
type ControllerRequest = BrokerRegistrationRequest | BrokerHeartbeatRequest | AlterPartitionRequest | CreateTopicsRequest | AllocateProducerIdsRequest;

function isControllerRequest(message: KafkaMessage): message is ControllerRequest {
  return message.type === 'BrokerRegistrationRequest' || message.type === 'BrokerHeartbeatRequest' || message.type === 'AlterPartitionRequest' || message.type === 'CreateTopicsRequest' || message.type === 'AllocateProducerIdsRequest';
}

/** The index of the first entry at `offset` or after it (entries are in offset order). */
function firstEntryAtOrAfter(entries: readonly MetadataEntry[], offset: number): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((entries[middle] as MetadataEntry).offset < offset) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The NOT_CONTROLLER answer to a controller request, or to the answer it would have had (Kafka
 * fails a write event that is not on the active controller with `NotControllerException`);
 * undefined for messages that are not controller requests.
 */
export function notControllerResponse(message: KafkaMessage): KafkaResponse | undefined {
  switch (message.type) {
    case 'BrokerRegistrationRequest':
    case 'BrokerRegistrationResponse':
      return { type: 'BrokerRegistrationResponse', correlationId: message.correlationId, error: 'NOT_CONTROLLER', brokerEpoch: -1 };
    case 'BrokerHeartbeatRequest':
    case 'BrokerHeartbeatResponse':
      return { type: 'BrokerHeartbeatResponse', correlationId: message.correlationId, error: 'NOT_CONTROLLER', isCaughtUp: false, isFenced: true, shouldShutDown: false };
    case 'AlterPartitionRequest':
    case 'AlterPartitionResponse':
      return {
        type: 'AlterPartitionResponse', correlationId: message.correlationId, error: 'NOT_CONTROLLER', topicId: message.topicId, partitionId: message.partitionId, leaderId: NO_LEADER, leaderEpoch: -1, isr: [], partitionEpoch: -1,
      };
    case 'CreateTopicsRequest':
      return { type: 'CreateTopicsResponse', correlationId: message.correlationId, topics: message.topics.map((topic) => ({ name: topic.name, error: 'NOT_CONTROLLER' as KafkaError, message: 'not the active controller' })) };
    case 'CreateTopicsResponse':
      return { type: 'CreateTopicsResponse', correlationId: message.correlationId, topics: message.topics.map((topic) => ({ name: topic.name, error: 'NOT_CONTROLLER' as KafkaError, message: 'not the active controller' })) };
    case 'AllocateProducerIdsRequest':
    case 'AllocateProducerIdsResponse':
      return { type: 'AllocateProducerIdsResponse', correlationId: message.correlationId, error: 'NOT_CONTROLLER', producerIdStart: -1, producerIdLen: 0 };
    default:
      return undefined;
  }
}

export { PRODUCER_ID_BLOCK_SIZE, type BrokerRegistrationShutdown } from './cluster-control-manager.ts';

/** A metadata snapshot's bytes: its records, as a JSON array (refka's records are JSON). */
function encodeSnapshot(records: readonly MetadataRecord[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(records));
}

function decodeSnapshot(bytes: Uint8Array): MetadataRecord[] {
  const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
  assert(Array.isArray(parsed), 'a metadata snapshot is an array of records');
  return parsed as MetadataRecord[];
}

/**
 * Coverage marks for a partition change the active controller writes (`replication-sometimes.ts`):
 * a leader elected from the ELR (KIP-966), and one whose ELR place was committed before this
 * controller became active, so that the ELR reached it through the replicated metadata log.
 */
function elrElectionMarks(active: ActiveController, record: Extract<MetadataRecord, { type: 'PartitionChangeRecord' }>): string[] {
  const before = active.state.partition(record.topicId, record.partitionId);
  if (before === undefined || record.leader === NO_LEADER || record.leader === before.leader || !before.elr.includes(record.leader)) return [];
  const claimed = active.elrAtClaim.get(`${record.topicId}:${record.partitionId}`) ?? [];
  return claimed.includes(record.leader) ? ['elr-leader-elected', 'elr-leader-elected-across-failover'] : ['elr-leader-elected'];
}

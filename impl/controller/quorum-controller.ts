import { assert, assertNever } from '../common/assert.ts';
import type { ConfigView } from '../config/config-view.ts';
import { DiskError, type NodeEffect, type NodeEnvironment, type NodeId, type NodeInput, type SimulatedNode } from '../env/node-environment.ts';
import { logConfigFrom } from '../log/log-config.ts';
import { LogManager } from '../log/log-manager.ts';
import { buildRecordBatch, decodeRecords, DEFAULT_BATCH_SPEC } from '../log/record-batch.ts';
import type { UnifiedLog } from '../log/unified-log.ts';
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
} from '../protocol/messages.ts';
import { MetadataState, type PartitionRegistration } from './controller-state.ts';
import { effectiveMinIsr, elrEnabled } from './eligible-leader-replicas.ts';
import { buildPartitionChange, changesForUncleanShutdown, changesForUnavailableBroker, type ElrSettingsFor } from './partition-change.ts';
import type { ProtocolRules } from '../variants/protocol-rules.ts';

/** The metadata log: Kafka's `__cluster_metadata` topic, one partition, on the controller's disk. */
export const METADATA_PARTITION = { topic: '__cluster_metadata', partition: 0 } as const;
export const METADATA_LOG_DIR = 'metadata';
/** Producer ids handed out per block (Kafka's `ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE`). */
export const PRODUCER_ID_BLOCK_SIZE = 1000;
/** Records returned per metadata fetch: a bound on every response. */
const METADATA_FETCH_MAX = 500;
const SESSION_CHECK_INTERVAL_MS = 250;
/**
 * Preferred-leader elections in one pass of the balancer: a bound on the batch, as Kafka's
 * `maxElectionsPerImbalance`; a pass that hits it runs again at once.
 */
const MAX_ELECTIONS_PER_IMBALANCE = 1_000;

export interface QuorumControllerOptions {
  readonly controllerId: number;
  readonly config: ConfigView;
  /** The run's protocol rules (`impl/variants/protocol-rules.ts`). */
  readonly rules: ProtocolRules;
}

/** What a request handler decides: records to commit, then the response (Kafka's `ControllerResult`). */
interface ControllerResult {
  readonly records: readonly MetadataRecord[];
  readonly response?: KafkaResponse;
  /** Coverage marks for behaviours a sweep should reach (see `replication-sometimes.ts`). */
  readonly marks?: readonly string[];
}

/**
 * What the controller decided when it accepted a broker's registration (KIP-966): whether it took
 * the broker's last shutdown as clean, because the `PreviousBrokerEpoch` the broker sent named the
 * epoch it held for the broker. Kafka writes this nowhere (`RegisterBrokerRecord` has no such
 * field); refka keeps it in the controller's memory so that checkers can judge it.
 */
export interface BrokerRegistrationShutdown {
  readonly brokerId: number;
  /** The epoch of the registration the decision went with. */
  readonly brokerEpoch: number;
  readonly previousBrokerEpoch: number;
  readonly cleanShutdown: boolean;
}

/** Kafka's legal topic names (`Topic.validate`). */
const LEGAL_TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;

/**
 * The active controller (logic of Kafka's `QuorumController` with its `ClusterControlManager` and
 * `ReplicationControlManager`), as one node. Each request is handled in two steps, as in Kafka: a
 * pure decision over the current state produces records and a response; the records are appended
 * to the metadata log and fsynced, then replayed into the state, and only then is the response
 * sent. A restarted controller rebuilds its state by replaying its log. A Raft quorum can replace
 * the "append and fsync" step without touching the decisions.
 */
export class QuorumController implements SimulatedNode<KafkaMessage> {
  readonly kind = 'controller';
  readonly state = new MetadataState();
  private readonly entries: MetadataEntry[] = [];
  private readonly log: UnifiedLog;
  private readonly lastHeartbeatMs = new Map<number, number>();
  /** Per broker, the decision at its latest registration this controller process accepted. */
  private readonly registrationShutdowns = new Map<number, BrokerRegistrationShutdown>();
  /** `registrationShutdownDecisions` as last built; undefined after a change. */
  private shutdownDecisions: readonly BrokerRegistrationShutdown[] | undefined;
  private readonly transitions: NodeEffect<KafkaMessage>[] = [];

  constructor(
    private readonly environment: NodeEnvironment,
    private readonly options: QuorumControllerOptions,
  ) {
    const manager = new LogManager(environment.disk, environment.clock, METADATA_LOG_DIR);
    // The controller fsyncs every batch it appends (KRaft does), and never deletes metadata.
    const config = logConfigFrom({ 'flush.messages': '1', 'retention.ms': '-1' });
    manager.loadLogs(() => config);
    this.log = manager.getOrCreateLog(METADATA_PARTITION, config);
    const records = this.log.readRecords(this.log.logStartOffset);
    assert(Array.isArray(records), `controller cannot read its metadata log: ${Array.isArray(records) ? '' : records.message}`);
    for (const record of records) this.apply({ offset: record.offset, record: decodeMetadataRecord(record.value) });
    // A new controller gives every registered broker a full session before fencing it.
    const nowMs = environment.clock.nowMs();
    for (const broker of this.state.brokers()) this.lastHeartbeatMs.set(broker.brokerId, nowMs);
  }

  /** Each broker's latest registration decision by this controller process, by broker id. */
  get registrationShutdownDecisions(): readonly BrokerRegistrationShutdown[] {
    // Built once per change, not per read: the simulator's checks read it after most events.
    this.shutdownDecisions ??= [...this.registrationShutdowns.keys()].sort((a, b) => a - b).map((id) => this.registrationShutdowns.get(id) as BrokerRegistrationShutdown);
    return this.shutdownDecisions;
  }

  /** The committed metadata log, in memory (what brokers fetch). */
  get metadataEntries(): readonly MetadataEntry[] {
    return this.entries;
  }

  handle(input: NodeInput<KafkaMessage>): readonly NodeEffect<KafkaMessage>[] {
    try {
      switch (input.type) {
        case 'start':
          return [{ type: 'set-timer', name: 'session-check', delayMs: SESSION_CHECK_INTERVAL_MS }, ...this.scheduleLeaderBalance()];
        case 'timer':
          if (input.name === 'leader-balance') {
            const balance = this.maybeBalancePartitionLeaders();
            const effects = this.commit(balance.records);
            for (let index = 0; index < balance.records.length; index++) effects.push({ type: 'mark', name: 'preferred-leader-elected' });
            return [...effects, ...(balance.rescheduleImmediately ? [{ type: 'set-timer' as const, name: 'leader-balance', delayMs: 0 }] : this.scheduleLeaderBalance())];
          }
          assert(input.name === 'session-check', `unknown controller timer ${input.name}`);
          return [...this.commit(this.checkSessions()), { type: 'set-timer', name: 'session-check', delayMs: SESSION_CHECK_INTERVAL_MS }];
        case 'receive':
          return this.onMessage(input.from, input.message);
        case 'disconnected':
        case 'signal':
        case 'application-stall':
          return [];
        default:
          return assertNever(input, 'controller input');
      }
    } catch (error) {
      if (!(error instanceof DiskError)) throw error;
      // KRaft controllers exit when they cannot write their metadata log.
      return [{ type: 'halt', reason: `metadata log directory failed: ${error.message}`, failed: true }];
    }
  }

  private onMessage(from: NodeId, message: KafkaMessage): NodeEffect<KafkaMessage>[] {
    let result: ControllerResult;
    switch (message.type) {
      case 'BrokerRegistrationRequest':
        result = this.registerBroker(message);
        break;
      case 'BrokerHeartbeatRequest':
        result = this.heartbeat(message);
        break;
      case 'FetchMetadataRequest':
        result = { records: [], response: this.fetchMetadata(message) };
        break;
      case 'AlterPartitionRequest':
        result = this.alterPartition(message);
        break;
      case 'CreateTopicsRequest':
        result = this.createTopics(message);
        break;
      case 'AllocateProducerIdsRequest':
        result = this.allocateProducerIds(message);
        break;
      default:
        // Brokers' APIs and responses are not the controller's business.
        return [];
    }
    const effects = this.commit(result.records);
    for (const name of result.marks ?? []) effects.push({ type: 'mark', name });
    if (result.response !== undefined) effects.push({ type: 'send', to: from, message: result.response });
    return effects;
  }

  // ---- Commit ---------------------------------------------------------------------------------------

  /** Appends the records as one batch, fsyncs, replays them; returns the effects of replay. */
  private commit(records: readonly MetadataRecord[]): NodeEffect<KafkaMessage>[] {
    if (records.length === 0) return [];
    const nowMs = this.environment.clock.nowMs();
    const batch = buildRecordBatch(DEFAULT_BATCH_SPEC, records.map((record) => ({ timestamp: nowMs, key: null, value: encodeMetadataRecord(record), headers: [] })));
    const result = this.log.appendAsLeader([batch], 0);
    assert(result.type === 'appended', `metadata append refused: ${result.type === 'error' ? result.message : ''}`);
    assert(result.info.firstOffset === this.state.nextOffset, 'metadata log and state disagree on the next offset');
    assert(this.log.recoveryPoint > result.info.lastOffset, 'metadata records are fsynced before they count');
    const decoded = decodeRecords(result.info.batches[0] as NonNullable<(typeof result.info.batches)[0]>);
    assert(Array.isArray(decoded), 'a metadata batch decodes');
    const effects = this.transitions.splice(0);
    for (const [index, record] of records.entries()) {
      this.apply({ offset: result.info.firstOffset + index, record });
      if (record.type === 'PartitionChangeRecord' && record.unclean) effects.push({ type: 'mark', name: 'unclean-leader-election' });
    }
    return effects;
  }

  private apply(entry: MetadataEntry): void {
    this.state.replay(entry.offset, entry.record);
    this.entries.push(entry);
  }

  // ---- Brokers ----------------------------------------------------------------------------------------

  private registerBroker(request: BrokerRegistrationRequest): ControllerResult {
    const existing = this.state.broker(request.brokerId);
    const brokerEpoch = this.state.nextOffset + 0;
    const records: MetadataRecord[] = [];
    if (existing !== undefined && existing.incarnationId === request.incarnationId) {
      return { records: [], response: { type: 'BrokerRegistrationResponse', correlationId: request.correlationId, error: 'NONE', brokerEpoch: existing.brokerEpoch } };
    }
    // KIP-966 (Kafka's ClusterControlManager.registerBroker): the last shutdown was clean only if
    // the broker proves it, naming in previousBrokerEpoch the very epoch this controller holds for
    // it (read from its clean-shutdown file); -1, or any other epoch, means unclean.
    const cleanShutdown = existing !== undefined && request.previousBrokerEpoch === existing.brokerEpoch;
    if (!this.options.rules.reregistrationLeavesIsr) {
      // The reregistration-keeps-isr mutant only: the new incarnation keeps its old self's place.
    } else if (!cleanShutdown && elrEnabled(this.options.config, this.options.rules)) {
      // Its log may have lost acknowledged records: it leaves every ISR (even as the last member)
      // and every ELR, and may not lead (handleBrokerUncleanShutdown).
      records.push(...changesForUncleanShutdown(this.state, request.brokerId, (topic) => this.unclean(topic), this.elrFor(this.state)));
    } else if (existing !== undefined) {
      // A restarted broker (a new incarnation) must first leave the ISRs its old self was in.
      records.push(...changesForUnavailableBroker(this.state, request.brokerId, (topic) => this.unclean(topic), this.elrFor(this.state), this.options.rules));
    }
    const registration: MetadataRecord = { type: 'RegisterBrokerRecord', brokerId: request.brokerId, brokerEpoch: brokerEpoch + records.length, incarnationId: request.incarnationId, fenced: true };
    records.push(registration);
    this.lastHeartbeatMs.set(request.brokerId, this.environment.clock.nowMs());
    this.shutdownDecisions = undefined;
    this.registrationShutdowns.set(request.brokerId, { brokerId: request.brokerId, brokerEpoch: registration.brokerEpoch, previousBrokerEpoch: request.previousBrokerEpoch, cleanShutdown });
    return {
      records,
      response: { type: 'BrokerRegistrationResponse', correlationId: request.correlationId, error: 'NONE', brokerEpoch: brokerEpoch + records.length - 1 },
    };
  }

  private heartbeat(request: BrokerHeartbeatRequest): ControllerResult {
    const broker = this.state.broker(request.brokerId);
    const reply = (error: KafkaError, isCaughtUp: boolean, isFenced: boolean, shouldShutDown: boolean): KafkaResponse => ({
      type: 'BrokerHeartbeatResponse', correlationId: request.correlationId, error, isCaughtUp, isFenced, shouldShutDown,
    });
    if (broker === undefined) return { records: [], response: reply('BROKER_ID_NOT_REGISTERED', false, true, false) };
    if (broker.brokerEpoch !== request.brokerEpoch) return { records: [], response: reply('STALE_BROKER_EPOCH', false, true, false) };
    this.lastHeartbeatMs.set(request.brokerId, this.environment.clock.nowMs());
    const caughtUp = request.currentMetadataOffset > broker.brokerEpoch;
    const records: MetadataRecord[] = [];
    if (request.wantShutDown) {
      if (!broker.fenced && !broker.inControlledShutdown) {
        records.push({ type: 'BrokerRegistrationChangeRecord', brokerId: broker.brokerId, brokerEpoch: broker.brokerEpoch, inControlledShutdown: true });
        records.push(...this.changesAfter(records, (state) => changesForUnavailableBroker(state, broker.brokerId, (topic) => this.unclean(topic), this.elrFor(state), this.options.rules)));
      }
      const leads = this.leadershipsAfter(records, broker.brokerId);
      if (broker.fenced || leads === 0) {
        // Nothing left to move: the broker may go. It is fenced now rather than at session expiry.
        if (!broker.fenced) records.push({ type: 'FenceBrokerRecord', brokerId: broker.brokerId, brokerEpoch: broker.brokerEpoch });
        return { records, response: reply('NONE', caughtUp, true, true) };
      }
      return { records, response: reply('NONE', caughtUp, broker.fenced, false) };
    }
    if (request.wantFence) {
      if (!broker.fenced) records.push(...this.fenceRecords(broker.brokerId, broker.brokerEpoch));
      return { records, response: reply('NONE', caughtUp, true, false) };
    }
    if (broker.fenced && caughtUp) {
      records.push({ type: 'UnfenceBrokerRecord', brokerId: broker.brokerId, brokerEpoch: broker.brokerEpoch });
      records.push(...this.changesAfter(records, (state) => this.electLeadersFor(state, broker.brokerId)));
      return { records, response: reply('NONE', true, false, false) };
    }
    return { records, response: reply('NONE', caughtUp, broker.fenced, false) };
  }

  private fenceRecords(brokerId: number, brokerEpoch: number): MetadataRecord[] {
    const changes = changesForUnavailableBroker(this.state, brokerId, (topic) => this.unclean(topic), this.elrFor(this.state), this.options.rules);
    return [{ type: 'FenceBrokerRecord', brokerId, brokerEpoch }, ...changes];
  }

  /** Fences brokers whose session expired (`broker.session.timeout.ms` without a heartbeat). */
  private checkSessions(): MetadataRecord[] {
    const nowMs = this.environment.clock.nowMs();
    const timeoutMs = this.options.config.number('broker.session.timeout.ms');
    const records: MetadataRecord[] = [];
    for (const broker of this.state.brokers()) {
      if (broker.fenced) continue;
      const last = this.lastHeartbeatMs.get(broker.brokerId) ?? nowMs;
      if (nowMs - last <= timeoutMs) continue;
      records.push(...this.changesAfter(records, (state) => {
        const changes = this.options.rules.sessionExpiryMovesLeadership ? changesForUnavailableBroker(state, broker.brokerId, (topic) => this.unclean(topic), this.elrFor(state), this.options.rules) : [];
        return [{ type: 'FenceBrokerRecord', brokerId: broker.brokerId, brokerEpoch: broker.brokerEpoch }, ...changes];
      }));
    }
    // Partitions left without a leader get one as soon as an eligible replica exists (an unclean
    // one too, when the topic allows it), as KRaft's periodic leader elections do.
    records.push(...this.changesAfter(records, (state) => this.electLeadersFor(state, undefined)));
    return records;
  }

  /** The next pass of the preferred-leader balancer, when `auto.leader.rebalance.enable` is on. */
  private scheduleLeaderBalance(): NodeEffect<KafkaMessage>[] {
    if (!this.options.config.boolean('auto.leader.rebalance.enable')) return [];
    const intervalMs = this.options.config.number('leader.imbalance.check.interval.seconds') * 1000;
    return [{ type: 'set-timer', name: 'leader-balance', delayMs: intervalMs }];
  }

  /**
   * Kafka's `ReplicationControlManager.maybeBalancePartitionLeaders`: every partition whose leader
   * is not its preferred replica (the first in its replica list) gets a preferred election, which
   * moves leadership back once that replica is in the ISR and unfenced. After a failover this
   * returns leadership to the broker that lost it, so a partition's leadership often goes A, B,
   * then A again: the sequence in which a follower that missed the middle epoch (KIP-320) would
   * otherwise keep fetching from A as if nothing had happened.
   */
  private maybeBalancePartitionLeaders(): { records: MetadataRecord[]; rescheduleImmediately: boolean } {
    const records: MetadataRecord[] = [];
    for (const partition of this.state.allPartitions()) {
      if (partition.leader === partition.replicas[0]) continue;
      if (records.length >= MAX_ELECTIONS_PER_IMBALANCE) return { records, rescheduleImmediately: true };
      const record = buildPartitionChange(this.state, partition, { preferred: true, uncleanLeaderElection: false, elr: this.elrFor(this.state)(partition) });
      if (record === undefined) continue;
      assert(record.leader === partition.replicas[0] && record.leaderEpoch === partition.leaderEpoch + 1, 'a preferred election elects the preferred replica in a new epoch');
      records.push(record);
    }
    return { records, rescheduleImmediately: false };
  }

  /** Elections for leaderless partitions (those that `brokerId` could lead, when given). */
  private electLeadersFor(state: MetadataState, brokerId: number | undefined): MetadataRecord[] {
    const records: MetadataRecord[] = [];
    for (const partition of state.allPartitions()) {
      if (partition.leader !== NO_LEADER) continue;
      if (brokerId !== undefined && !partition.replicas.includes(brokerId)) continue;
      const record = buildPartitionChange(state, partition, { uncleanLeaderElection: this.unclean(partition.topicName), elr: this.elrFor(state)(partition) });
      if (record !== undefined) records.push(record);
    }
    return records;
  }

  /**
   * Decisions that depend on earlier records of the same result see them applied: the state is
   * copied by replaying the log into a scratch state (records are few; the log is small).
   */
  private changesAfter(pending: readonly MetadataRecord[], decide: (state: MetadataState) => MetadataRecord[]): MetadataRecord[] {
    if (pending.length === 0) return decide(this.state);
    const scratch = new MetadataState();
    for (const entry of this.entries) scratch.replay(entry.offset, entry.record);
    for (const [index, record] of pending.entries()) scratch.replay(this.state.nextOffset + index, record);
    return decide(scratch);
  }

  private leadershipsAfter(pending: readonly MetadataRecord[], brokerId: number): number {
    let leads = 0;
    const last = new Map<string, number>();
    for (const partition of this.state.allPartitions()) last.set(`${partition.topicId}:${partition.partitionId}`, partition.leader);
    for (const record of pending) if (record.type === 'PartitionChangeRecord') last.set(`${record.topicId}:${record.partitionId}`, record.leader);
    for (const leader of last.values()) if (leader === brokerId) leads++;
    return leads;
  }

  /**
   * The ELR settings of each partition (KIP-966), read from `state` (a scratch state in
   * `changesAfter`): undefined when ELR is disabled, else the topic's effective min ISR.
   */
  private elrFor(state: MetadataState): ElrSettingsFor {
    if (!elrEnabled(this.options.config, this.options.rules)) return () => undefined;
    return (partition) => ({ minIsr: effectiveMinIsr(state.topicConfigs(partition.topicName), this.options.config, partition.replicas.length) });
  }

  private unclean(topicName: string): boolean {
    const override = this.state.topicConfigs(topicName)['unclean.leader.election.enable'];
    return (override ?? this.options.config.string('unclean.leader.election.enable')) === 'true';
  }

  // ---- Metadata fetch ---------------------------------------------------------------------------------

  private fetchMetadata(request: FetchMetadataRequest): KafkaResponse {
    const end = this.entries.length;
    if (request.fetchOffset > end || request.fetchOffset < 0) {
      return { type: 'FetchMetadataResponse', correlationId: request.correlationId, error: 'OFFSET_OUT_OF_RANGE', entries: [], highWatermark: end };
    }
    const count = Math.min(request.maxRecords, METADATA_FETCH_MAX, end - request.fetchOffset);
    return {
      type: 'FetchMetadataResponse',
      correlationId: request.correlationId,
      error: 'NONE',
      entries: this.entries.slice(request.fetchOffset, request.fetchOffset + count),
      highWatermark: end,
    };
  }

  // ---- AlterPartition (KIP-497, KIP-903) ---------------------------------------------------------------

  private alterPartition(request: AlterPartitionRequest): ControllerResult {
    const partition = this.state.partition(request.topicId, request.partitionId);
    const reply = (error: KafkaError, current: PartitionRegistration | undefined): KafkaResponse => ({
      type: 'AlterPartitionResponse',
      correlationId: request.correlationId,
      error,
      topicId: request.topicId,
      partitionId: request.partitionId,
      leaderId: current?.leader ?? NO_LEADER,
      leaderEpoch: current?.leaderEpoch ?? -1,
      isr: current?.isr ?? [],
      partitionEpoch: current?.partitionEpoch ?? -1,
    });
    const broker = this.state.broker(request.brokerId);
    if (broker === undefined || broker.brokerEpoch !== request.brokerEpoch) return { records: [], response: reply('STALE_BROKER_EPOCH', partition) };
    if (partition === undefined) return { records: [], response: reply('UNKNOWN_TOPIC_OR_PARTITION', undefined) };
    if (request.leaderEpoch < partition.leaderEpoch) return { records: [], response: reply('FENCED_LEADER_EPOCH', partition) };
    if (partition.leader !== request.brokerId || request.leaderEpoch > partition.leaderEpoch) return { records: [], response: reply('NOT_LEADER_OR_FOLLOWER', partition) };
    if (request.partitionEpoch !== partition.partitionEpoch) return { records: [], response: reply('INVALID_UPDATE_VERSION', partition) };
    const newIsr = request.newIsrWithEpochs.map((member) => member.brokerId);
    if (!newIsr.includes(partition.leader) || newIsr.some((replica) => !partition.replicas.includes(replica)) || new Set(newIsr).size !== newIsr.length) {
      return { records: [], response: reply('INVALID_REQUEST', partition) };
    }
    for (const member of request.newIsrWithEpochs) {
      if (partition.isr.includes(member.brokerId)) continue;
      // Replicas joining the ISR must be alive and the very incarnation the leader saw catch up:
      // without the broker epoch check (before KIP-903) a replica that restarted with an empty
      // disk could be added on the strength of its previous incarnation's fetches.
      const added = this.state.broker(member.brokerId);
      if (added === undefined || !this.state.isEligible(member.brokerId)) return { records: [], response: reply('INELIGIBLE_REPLICA', partition) };
      if (this.options.rules.checkBrokerEpochOnIsrAdd && member.brokerEpoch !== -1 && added.brokerEpoch !== member.brokerEpoch) {
        return { records: [], response: reply('INELIGIBLE_REPLICA', partition), marks: ['stale-replica-epoch-refused'] };
      }
    }
    const record = buildPartitionChange(this.state, partition, { isr: newIsr, uncleanLeaderElection: false, keepLeader: true, elr: this.elrFor(this.state)(partition) });
    if (record === undefined) return { records: [], response: reply('NONE', partition) };
    assert(record.leader === partition.leader, 'an ISR change requested by the leader keeps that leader');
    const after: PartitionRegistration = { ...partition, isr: record.isr, leader: record.leader, leaderEpoch: record.leaderEpoch, partitionEpoch: record.partitionEpoch, elr: record.elr, lastKnownElr: record.lastKnownElr };
    return { records: [record], response: reply('NONE', after) };
  }

  // ---- Topics --------------------------------------------------------------------------------------------

  private createTopics(request: CreateTopicsRequest): ControllerResult {
    const records: MetadataRecord[] = [];
    const results: { name: string; error: KafkaError; message: string }[] = [];
    const created = new Set<string>();
    for (const topic of request.topics) {
      const problem = this.validateTopic(topic.name, topic.numPartitions, topic.replicationFactor, created);
      if (problem !== undefined) {
        results.push({ name: topic.name, error: problem.error, message: problem.message });
        continue;
      }
      created.add(topic.name);
      const topicId = `${topic.name}#${this.state.nextOffset + records.length}`;
      records.push({ type: 'TopicRecord', name: topic.name, topicId });
      for (const name of Object.keys(topic.configs).sort()) {
        records.push({ type: 'ConfigRecord', topicName: topic.name, name, value: topic.configs[name] as string });
      }
      const brokers = this.state.brokers().filter((broker) => !broker.fenced).map((broker) => broker.brokerId);
      for (let partitionId = 0; partitionId < topic.numPartitions; partitionId++) {
        // Round-robin placement (Kafka's rack-unaware assignment): partition p starts at broker p.
        const replicas = Array.from({ length: topic.replicationFactor }, (_, index) => brokers[(partitionId + index) % brokers.length] as number);
        const isr = replicas.filter((replica) => this.state.isEligible(replica));
        records.push({ type: 'PartitionRecord', topicId, partitionId, replicas, isr, leader: isr[0] ?? NO_LEADER, leaderEpoch: 0, partitionEpoch: 0 });
      }
      results.push({ name: topic.name, error: 'NONE', message: '' });
    }
    return { records, response: { type: 'CreateTopicsResponse', correlationId: request.correlationId, topics: results } };
  }

  private validateTopic(name: string, partitions: number, replicationFactor: number, creating: ReadonlySet<string>): { error: KafkaError; message: string } | undefined {
    if (name.length === 0 || name === '.' || name === '..' || name.length > 249 || !LEGAL_TOPIC_NAME.test(name)) {
      return { error: 'INVALID_TOPIC_EXCEPTION', message: `topic name '${name}' is illegal: 1 to 249 of [a-zA-Z0-9._-], not '.' or '..'` };
    }
    if (this.state.topicId(name) !== undefined || creating.has(name)) return { error: 'TOPIC_ALREADY_EXISTS', message: `topic '${name}' already exists` };
    if (!Number.isInteger(partitions) || partitions < 1) return { error: 'INVALID_PARTITIONS', message: `number of partitions must be at least 1, got ${partitions}` };
    const live = this.state.brokers().filter((broker) => !broker.fenced).length;
    if (!Number.isInteger(replicationFactor) || replicationFactor < 1 || replicationFactor > live) {
      return { error: 'INVALID_REPLICATION_FACTOR', message: `replication factor ${replicationFactor} with ${live} unfenced brokers` };
    }
    return undefined;
  }

  private allocateProducerIds(request: AllocateProducerIdsRequest): ControllerResult {
    const broker = this.state.broker(request.brokerId);
    if (broker === undefined || broker.brokerEpoch !== request.brokerEpoch) {
      return { records: [], response: { type: 'AllocateProducerIdsResponse', correlationId: request.correlationId, error: 'STALE_BROKER_EPOCH', producerIdStart: -1, producerIdLen: 0 } };
    }
    const start = this.state.nextProducerId;
    return {
      records: [{ type: 'ProducerIdsRecord', brokerId: request.brokerId, brokerEpoch: request.brokerEpoch, nextProducerId: start + PRODUCER_ID_BLOCK_SIZE }],
      response: { type: 'AllocateProducerIdsResponse', correlationId: request.correlationId, error: 'NONE', producerIdStart: start, producerIdLen: PRODUCER_ID_BLOCK_SIZE },
    };
  }
}

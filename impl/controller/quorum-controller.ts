import { assert, assertNever } from '../common/assert.ts';
import type { ConfigView } from '../config/config-view.ts';
import { DiskError, type NodeEffect, type NodeEnvironment, type NodeId, type NodeInput, type SimulatedNode } from '../env/node-environment.ts';
import { MAX_RECORDS_PER_APPEND } from '../raft/kafka-metadata-log.ts';
import { KafkaRaftClient, RAFT_POLL_TIMER } from '../raft/kafka-raft-client.ts';
import { raftConfig, type QuorumTimeouts } from '../raft/raft-config.ts';
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
import { effectiveMinIsr, elrEnabled } from './eligible-leader-replicas.ts';
import { buildPartitionChange, changesForUncleanShutdown, changesForUnavailableBroker, type ElrSettingsFor } from './partition-change.ts';
import type { ProtocolRules } from '../variants/protocol-rules.ts';

/** Records returned per metadata fetch: a bound on every response. */
const METADATA_FETCH_MAX = 500;
/** Producer ids handed out per block (Kafka's `ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE`). */
export const PRODUCER_ID_BLOCK_SIZE = 1000;
const SESSION_CHECK_INTERVAL_MS = 250;
/**
 * Preferred-leader elections in one pass of the balancer: a bound on the batch, as Kafka's
 * `maxElectionsPerImbalance`; a pass that hits it runs again at once.
 */
const MAX_ELECTIONS_PER_IMBALANCE = 1_000;
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
  /** The controller quorum (`controller.quorum.voters`): every controller's id, ascending. */
  readonly voters: readonly number[];
  /** Raft's `controller.quorum.*` timeouts, when not Kafka's defaults (tests). */
  readonly quorumTimeouts?: QuorumTimeouts;
}

/** What a request handler decides: records to commit, then the response (Kafka's `ControllerResult`). */
interface ControllerResult {
  readonly records: readonly MetadataRecord[];
  readonly response?: KafkaResponse;
  /** Coverage marks for behaviours a sweep should reach (see `replication-sometimes.ts`). */
  readonly marks?: readonly string[];
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
  /** Committed metadata entries, in offset order (what brokers fetch). */
  private readonly entries: MetadataEntry[] = [];
  /** One past the last Raft offset replayed into `committedState` (control records included). */
  private committedNext = 0;
  private active: ActiveController | undefined;
  /** Raft epochs in which this process was active: how a claim of leadership is told a failover. */
  private activations = 0;
  private readonly lastHeartbeatMs = new Map<number, number>();
  /** Per broker, the decision at its latest registration this controller process accepted. */
  private readonly registrationShutdowns = new Map<number, BrokerRegistrationShutdown>();
  /** `registrationShutdownDecisions` as last built; undefined after a change. */
  private shutdownDecisions: readonly BrokerRegistrationShutdown[] | undefined;

  constructor(
    private readonly environment: NodeEnvironment,
    private readonly options: QuorumControllerOptions,
  ) {
    assert(options.voters.includes(options.controllerId), `controller ${options.controllerId} is one of the voters ${options.voters.join(',')}`);
    this.raft = new KafkaRaftClient(environment, raftConfig(options.controllerId, options.voters, {
      addressOf: controllerNodeId,
      ...(options.quorumTimeouts === undefined ? {} : { timeouts: options.quorumTimeouts }),
      checkQuorum: options.rules.raftCheckQuorum,
      preVote: options.rules.raftPreVote,
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

  /** The committed high watermark this controller knows, undefined until it learns one. */
  get highWatermark(): number | undefined {
    return this.raft.highWatermark();
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
    const effects: NodeEffect<KafkaMessage>[] = [];
    try {
      switch (input.type) {
        case 'start':
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
        const balance = this.active === undefined ? { records: [], rescheduleImmediately: false } : this.maybeBalancePartitionLeaders();
        this.write(undefined, { records: balance.records, marks: balance.records.map(() => 'preferred-leader-elected') }, effects);
        effects.push(...(balance.rescheduleImmediately ? [{ type: 'set-timer' as const, name: 'leader-balance', delayMs: 0 }] : this.scheduleLeaderBalance()));
        return;
      }
      case 'session-check':
        if (this.active !== undefined) this.write(undefined, { records: this.checkSessions() }, effects);
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
        return this.registerBroker(message);
      case 'BrokerHeartbeatRequest':
        return this.heartbeat(message);
      case 'AlterPartitionRequest':
        return this.alterPartition(message);
      case 'CreateTopicsRequest':
        return this.createTopics(message);
      case 'AllocateProducerIdsRequest':
        return this.allocateProducerIds(message);
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
      const read = this.raft.readCommitted(this.committedNext, COMMIT_READ_MAX);
      if (read.length === 0) {
        // Only control records (LeaderChange) are left below the high watermark.
        this.committedState.skipTo(highWatermark);
        this.committedNext = highWatermark;
        break;
      }
      for (const entry of read) {
        const record = decodeMetadataRecord(entry.value);
        this.committedState.skipTo(entry.offset);
        this.committedState.replay(entry.offset, record);
        this.entries.push({ offset: entry.offset, record });
        this.committedNext = entry.offset + 1;
      }
    }
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
    const state = new MetadataState();
    for (const entry of this.entries) {
      state.skipTo(entry.offset);
      state.replay(entry.offset, entry.record);
    }
    state.skipTo(this.committedNext);
    this.active = { epoch, state, uncommitted: [], pending: [] };
    const nowMs = this.environment.clock.nowMs();
    this.lastHeartbeatMs.clear();
    for (const broker of state.brokers()) this.lastHeartbeatMs.set(broker.brokerId, nowMs);
    // The first activation of a process over a log that other controllers wrote is a failover.
    if (this.entries.length > 0 || this.activations > 0) effects.push({ type: 'mark', name: 'controller-failover' });
    this.activations++;
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
    for (const entry of [...this.entries, ...(this.active?.uncommitted ?? [])]) {
      scratch.skipTo(entry.offset);
      scratch.replay(entry.offset, entry.record);
    }
    scratch.skipTo(this.state.nextOffset);
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

  /**
   * A broker's metadata fetch, served from what this controller knows is committed (any controller
   * answers: Kafka's brokers fetch the committed log from the quorum as observers), with the
   * active controller as this controller knows it.
   */
  private fetchMetadata(request: FetchMetadataRequest): KafkaResponse {
    const { leaderId, epoch } = this.raft.leaderAndEpoch();
    const reply = { type: 'FetchMetadataResponse' as const, correlationId: request.correlationId, highWatermark: this.committedNext, activeControllerId: leaderId ?? -1, controllerEpoch: epoch };
    if (request.fetchOffset > this.committedNext || request.fetchOffset < 0) return { ...reply, error: 'OFFSET_OUT_OF_RANGE', entries: [], endOffset: request.fetchOffset };
    const first = firstEntryAtOrAfter(this.entries, request.fetchOffset);
    const entries = this.entries.slice(first, first + Math.min(request.maxRecords, METADATA_FETCH_MAX));
    const last = entries.at(-1);
    const complete = first + entries.length === this.entries.length;
    return { ...reply, error: 'NONE', entries, endOffset: complete || last === undefined ? this.committedNext : last.offset + 1 };
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

import { assert } from '../common/assert.ts';
import type { KafkaError } from '../protocol/errors.ts';
import type { AllocateProducerIdsRequest, BrokerHeartbeatRequest, BrokerRegistrationRequest, KafkaResponse } from '../protocol/messages.ts';
import type { MetadataRecord } from '../metadata/metadata-records.ts';
import { elrEnabled } from './eligible-leader-replicas.ts';
import { changesForUncleanShutdown, changesForUnavailableBroker } from './partition-change.ts';
import type { ControlContext, ControllerResult } from './controller-result.ts';
import type { MetadataState } from './controller-state.ts';
import type { ReplicationControlManager } from './replication-control-manager.ts';

/** Producer ids handed out per block (Kafka's `ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE`). */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

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

/**
 * The active controller's decisions about brokers (Kafka's `ClusterControlManager`, with the
 * `ProducerIdControlManager`'s one request): registrations, heartbeats and controlled shutdown,
 * session expiry. Broker sessions live in the active controller's memory, as in Kafka: a newly
 * active controller gives every registered broker a full session (`resetSessions`).
 */
export class ClusterControlManager {
  private readonly lastHeartbeatMs = new Map<number, number>();
  /** Per broker, the decision at its latest registration this controller process accepted. */
  private readonly registrationShutdowns = new Map<number, BrokerRegistrationShutdown>();
  /** `registrationShutdownDecisions` as last built; undefined after a change. */
  private shutdownDecisions: readonly BrokerRegistrationShutdown[] | undefined;

  constructor(
    private readonly context: ControlContext,
    private readonly replication: ReplicationControlManager,
  ) {}

  private get state(): MetadataState {
    return this.context.state();
  }

  private get options(): ControlContext['options'] {
    return this.context.options;
  }

  /** Each broker's latest registration decision by this controller process, by broker id. */
  get registrationShutdownDecisions(): readonly BrokerRegistrationShutdown[] {
    // Built once per change, not per read: the simulator's checks read it after most events.
    this.shutdownDecisions ??= [...this.registrationShutdowns.keys()].sort((a, b) => a - b).map((id) => this.registrationShutdowns.get(id) as BrokerRegistrationShutdown);
    return this.shutdownDecisions;
  }

  /** Every registered broker's session starts now (a controller that just became active). */
  resetSessions(nowMs: number): void {
    this.lastHeartbeatMs.clear();
    for (const broker of this.state.brokers()) this.lastHeartbeatMs.set(broker.brokerId, nowMs);
  }

  registerBroker(request: BrokerRegistrationRequest): ControllerResult {
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
      records.push(...changesForUncleanShutdown(this.state, request.brokerId, (topic) => this.replication.unclean(topic), this.replication.elrFor(this.state)));
    } else if (existing !== undefined) {
      // A restarted broker (a new incarnation) must first leave the ISRs its old self was in.
      records.push(...changesForUnavailableBroker(this.state, request.brokerId, (topic) => this.replication.unclean(topic), this.replication.elrFor(this.state), this.options.rules));
    }
    const registration: MetadataRecord = { type: 'RegisterBrokerRecord', brokerId: request.brokerId, brokerEpoch: brokerEpoch + records.length, incarnationId: request.incarnationId, fenced: true };
    records.push(registration);
    this.lastHeartbeatMs.set(request.brokerId, this.context.nowMs());
    this.shutdownDecisions = undefined;
    this.registrationShutdowns.set(request.brokerId, { brokerId: request.brokerId, brokerEpoch: registration.brokerEpoch, previousBrokerEpoch: request.previousBrokerEpoch, cleanShutdown });
    return {
      records,
      response: { type: 'BrokerRegistrationResponse', correlationId: request.correlationId, error: 'NONE', brokerEpoch: brokerEpoch + records.length - 1 },
    };
  }

  heartbeat(request: BrokerHeartbeatRequest): ControllerResult {
    const broker = this.state.broker(request.brokerId);
    const reply = (error: KafkaError, isCaughtUp: boolean, isFenced: boolean, shouldShutDown: boolean): KafkaResponse => ({
      type: 'BrokerHeartbeatResponse', correlationId: request.correlationId, error, isCaughtUp, isFenced, shouldShutDown,
    });
    if (broker === undefined) return { records: [], response: reply('BROKER_ID_NOT_REGISTERED', false, true, false) };
    if (broker.brokerEpoch !== request.brokerEpoch) return { records: [], response: reply('STALE_BROKER_EPOCH', false, true, false) };
    this.lastHeartbeatMs.set(request.brokerId, this.context.nowMs());
    const caughtUp = request.currentMetadataOffset > broker.brokerEpoch;
    const records: MetadataRecord[] = [];
    if (request.wantShutDown) {
      if (!broker.fenced && !broker.inControlledShutdown) {
        records.push({ type: 'BrokerRegistrationChangeRecord', brokerId: broker.brokerId, brokerEpoch: broker.brokerEpoch, inControlledShutdown: true });
        records.push(...this.replication.changesAfter(records, (state) => changesForUnavailableBroker(state, broker.brokerId, (topic) => this.replication.unclean(topic), this.replication.elrFor(state), this.options.rules)));
      }
      const leads = this.replication.leadershipsAfter(records, broker.brokerId);
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
      records.push(...this.replication.changesAfter(records, (state) => this.replication.electLeadersFor(state, broker.brokerId)));
      return { records, response: reply('NONE', true, false, false) };
    }
    return { records, response: reply('NONE', caughtUp, broker.fenced, false) };
  }

  private fenceRecords(brokerId: number, brokerEpoch: number): MetadataRecord[] {
    const changes = changesForUnavailableBroker(this.state, brokerId, (topic) => this.replication.unclean(topic), this.replication.elrFor(this.state), this.options.rules);
    return [{ type: 'FenceBrokerRecord', brokerId, brokerEpoch }, ...changes];
  }

  /** Fences brokers whose session expired (`broker.session.timeout.ms` without a heartbeat). */
  checkSessions(): MetadataRecord[] {
    const nowMs = this.context.nowMs();
    const timeoutMs = this.options.config.number('broker.session.timeout.ms');
    const records: MetadataRecord[] = [];
    for (const broker of this.state.brokers()) {
      if (broker.fenced) continue;
      const last = this.lastHeartbeatMs.get(broker.brokerId) ?? nowMs;
      if (nowMs - last <= timeoutMs) continue;
      records.push(...this.replication.changesAfter(records, (state) => {
        const changes = this.options.rules.sessionExpiryMovesLeadership ? changesForUnavailableBroker(state, broker.brokerId, (topic) => this.replication.unclean(topic), this.replication.elrFor(state), this.options.rules) : [];
        return [{ type: 'FenceBrokerRecord', brokerId: broker.brokerId, brokerEpoch: broker.brokerEpoch }, ...changes];
      }));
    }
    // Partitions left without a leader get one as soon as an eligible replica exists (an unclean
    // one too, when the topic allows it), as KRaft's periodic leader elections do.
    records.push(...this.replication.changesAfter(records, (state) => this.replication.electLeadersFor(state, undefined)));
    return records;
  }


  allocateProducerIds(request: AllocateProducerIdsRequest): ControllerResult {
    const broker = this.state.broker(request.brokerId);
    if (broker === undefined || broker.brokerEpoch !== request.brokerEpoch) {
      return { records: [], response: { type: 'AllocateProducerIdsResponse', correlationId: request.correlationId, error: 'STALE_BROKER_EPOCH', producerIdStart: -1, producerIdLen: 0 } };
    }
    const start = this.state.nextProducerId;
    return {
      records: [{ type: 'ProducerIdsRecord', brokerId: request.brokerId, brokerEpoch: request.brokerEpoch, nextProducerId: start + PRODUCER_ID_BLOCK_SIZE }],
      response: { type: 'AllocateProducerIdsResponse', correlationId: request.correlationId, error: 'NONE', producerIdStart: start, producerIdLen: PRODUCER_ID_BLOCK_SIZE },
    };
  }}

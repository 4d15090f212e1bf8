import { assert } from '../common/assert.ts';
import type { ConfigView } from '../config/config-view.ts';
import type { BrokerHeartbeatResponse, BrokerRegistrationResponse, KafkaMessage } from '../protocol/messages.ts';
import type { BrokerIo } from './broker-io.ts';

/** Kafka's BrokerLifecycleManager heartbeats every 10 ms while STARTING ("start up a bit quicker"). */
const STARTING_HEARTBEAT_INTERVAL_MS = 10;
/** The timer of the next heartbeat. */
export const HEARTBEAT_TIMER = 'heartbeat';

/** The broker's lifecycle (Kafka's `BrokerState`), as the model in `model/broker.machine.ts` has it. */
export type BrokerLifecycle = 'starting' | 'recovery' | 'fenced' | 'running' | 'pending-controlled-shutdown' | 'shutting-down';

/** What the lifecycle manager needs from its broker. */
export interface BrokerLifecycleManagerContext {
  readonly brokerId: number;
  readonly config: ConfigView;
  readonly io: BrokerIo;
  /** Kafka's `INCARNATION_ID`: this process's own id, sent with every registration. */
  readonly incarnationId: string;
  /** KIP-966: the epoch the clean-shutdown file named at startup (-1: none), sent when registering. */
  readonly previousBrokerEpoch: number;
  /** Sends a request on the controller channel; returns its correlation id. */
  callController(call: { readonly kind: 'registration' } | { readonly kind: 'heartbeat' }, build: (correlationId: number) => KafkaMessage): number;
  /** The next offset of the metadata log this broker has applied (its heartbeats report it). */
  metadataOffset(): number;
  /** Fetches the metadata log (at once after registering). */
  fetchMetadata(): void;
  /** The controller answered a heartbeat of a registered, caught-up broker that it is not fenced. */
  onUnfencedHeartbeat(): void;
  /** The controller let this broker's controlled shutdown finish: stop. */
  onShutdownGranted(): void;
}

/**
 * Kafka's `BrokerLifecycleManager`: registers the broker with the controller (again whenever the
 * controller lost the registration), heartbeats, moves between fenced and unfenced as the
 * controller answers, and carries a controlled shutdown through (`wantShutDown` until the
 * controller says `shouldShutDown`). It reports each step of `BrokerState` to the model in
 * `model/broker.machine.ts`.
 */
export class BrokerLifecycleManager {
  private lifecycleState: BrokerLifecycle = 'starting';
  private brokerEpochValue = -1;
  private wantShutDown = false;
  /**
   * Kafka's `BrokerLifecycleManager.readyToUnfence`: set once the controller has said this
   * registration is caught up with the metadata log and the broker has applied it (its partitions
   * and fetchers follow the metadata it fetched). Until then heartbeats ask to stay fenced.
   */
  private readyToUnfence = false;

  constructor(private readonly context: BrokerLifecycleManagerContext) {}

  get lifecycle(): BrokerLifecycle {
    return this.lifecycleState;
  }

  /** The epoch of this broker's current registration; -1 while it has none. */
  get brokerEpoch(): number {
    return this.brokerEpochValue;
  }

  /** The logs are loaded: register, and heartbeat every `broker.heartbeat.interval.ms`. */
  start(): void {
    assert(this.lifecycleState === 'starting', `broker ${this.context.brokerId} started twice`);
    this.setLifecycle('recovery', 'LOGS_LOADED');
    this.register();
    this.context.io.setTimer(HEARTBEAT_TIMER, this.context.config.number('broker.heartbeat.interval.ms'));
  }

  /** Sets the lifecycle state and reports the transition (nothing if it stays). */
  setLifecycle(to: BrokerLifecycle, event: string): void {
    if (this.lifecycleState === to) return;
    this.lifecycleState = to;
    this.context.io.transition('broker', `broker-${this.context.brokerId}`, event, to);
  }

  /** Sends a registration (again, when the last one was refused or lost). */
  register(): void {
    this.context.callController({ kind: 'registration' }, (correlationId) => ({
      type: 'BrokerRegistrationRequest', correlationId, brokerId: this.context.brokerId, incarnationId: this.context.incarnationId,
      previousBrokerEpoch: this.context.previousBrokerEpoch,
    }));
  }

  private heartbeat(): void {
    if (this.brokerEpochValue < 0) return;
    this.context.callController({ kind: 'heartbeat' }, (correlationId) => ({
      type: 'BrokerHeartbeatRequest',
      correlationId,
      brokerId: this.context.brokerId,
      brokerEpoch: this.brokerEpochValue,
      currentMetadataOffset: this.context.metadataOffset(),
      wantFence: !this.readyToUnfence,
      wantShutDown: this.wantShutDown,
    }));
  }

  /** The heartbeat timer fired: heartbeat, and again in `broker.heartbeat.interval.ms`. */
  onHeartbeatTimer(): void {
    this.heartbeat();
    this.context.io.setTimer(HEARTBEAT_TIMER, this.context.config.number('broker.heartbeat.interval.ms'));
  }

  /** Begins a controlled shutdown (SIGTERM): leaderships move away, then the broker stops. */
  requestControlledShutdown(): void {
    if (this.wantShutDown) return;
    this.wantShutDown = true;
    this.setLifecycle('pending-controlled-shutdown', 'CONTROLLED_SHUTDOWN');
    this.heartbeat();
  }

  /** The answer to the registration in flight (the channel has matched it). */
  onBrokerRegistrationResponse(message: BrokerRegistrationResponse): void {
    if (message.error !== 'NONE') return this.register();
    assert(message.brokerEpoch >= 0, `broker ${this.context.brokerId} registered with epoch ${message.brokerEpoch}`);
    this.brokerEpochValue = message.brokerEpoch;
    this.readyToUnfence = false;
    // A broker already asked to stop stays in its controlled shutdown.
    if (!this.wantShutDown) this.setLifecycle('fenced', 'REGISTERED');
    // Kafka's BrokerLifecycleManager heartbeats at once after registering, to learn when
    // the controller considers it caught up.
    this.heartbeat();
    this.context.fetchMetadata();
  }

  onBrokerHeartbeatResponse(message: BrokerHeartbeatResponse): void {
    if (message.error === 'STALE_BROKER_EPOCH' || message.error === 'BROKER_ID_NOT_REGISTERED') {
      // The controller lost our registration (it fenced an older incarnation): register again.
      this.brokerEpochValue = -1;
      if (!this.wantShutDown) this.setLifecycle('recovery', 'REREGISTER');
      return this.register();
    }
    if (message.shouldShutDown && this.wantShutDown) {
      this.setLifecycle('shutting-down', 'SHUTDOWN_GRANTED');
      this.context.onShutdownGranted();
      return;
    }
    if (this.wantShutDown) return;
    if (!this.readyToUnfence) {
      // Kafka's STARTING state: heartbeat every 10 ms until the controller says this
      // registration is caught up with the metadata log; then, with the metadata applied,
      // ask to be unfenced at once (`setReadyToUnfence`) rather than a heartbeat interval later.
      if (!message.isCaughtUp) {
        this.context.io.setTimer(HEARTBEAT_TIMER, STARTING_HEARTBEAT_INTERVAL_MS);
        return;
      }
      this.readyToUnfence = true;
      this.heartbeat();
      this.context.io.setTimer(HEARTBEAT_TIMER, this.context.config.number('broker.heartbeat.interval.ms'));
      return;
    }
    if (!message.isFenced && this.lifecycleState === 'fenced') this.setLifecycle('running', 'UNFENCED');
    if (message.isFenced && this.lifecycleState === 'running') this.setLifecycle('fenced', 'FENCED');
    if (!message.isFenced) this.context.onUnfencedHeartbeat();
  }
}

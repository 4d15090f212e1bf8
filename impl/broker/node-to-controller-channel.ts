import { assert } from '../common/assert.ts';
import { ControllerNodeProvider } from '../common/controller-node-provider.ts';
import { controllerNodeId, type KafkaMessage } from '../protocol/messages.ts';
import type { BrokerIo } from './broker-io.ts';
import type { Partition } from './partition.ts';

/** The wait before a lost AlterPartition goes again (Kafka's controller channel backs off likewise). */
const ALTER_PARTITION_RETRY_BACKOFF_MS = 100;
/** The wait before a controller call refused with NOT_CONTROLLER goes again, to another controller. */
const CONTROLLER_RETRY_BACKOFF_MS = 100;
/** The timer that registers again after a lost registration. */
export const REGISTRATION_RETRY_TIMER = 'registration-retry';
/** The timer that resends the pending AlterPartitions no longer in flight. */
export const ALTER_PARTITION_RETRY_TIMER = 'alter-partition-retry';

/** What a broker asks its controller, as the channel tracks it while in flight. */
export type ControllerCall =
  | { readonly kind: 'registration' }
  | { readonly kind: 'heartbeat' }
  | { readonly kind: 'metadata' }
  | { readonly kind: 'alter-partition'; readonly partition: string }
  | { readonly kind: 'producer-ids' }
  | { readonly kind: 'create-offsets-topic' };

/** What the channel needs from its broker. */
export interface NodeToControllerChannelHost {
  readonly io: BrokerIo;
  /** The controller quorum's voters (`controller.quorum.voters`), ascending. */
  readonly controllerQuorumVoters: readonly number[];
  /** Registers again at once (a registration given up for want of an answer). */
  register(): void;
  /** An AllocateProducerIds call was lost: a later InitProducerId may ask again. */
  onProducerIdsCallLost(): void;
  /** The call that creates `__consumer_offsets` was lost: the group coordinator hears it failed. */
  onOffsetsTopicCallLost(): void;
  /** The broker's replicas in name order (Kafka's `ReplicaManager.allPartitions`, sorted). */
  sortedPartitions(): readonly Partition[];
}

/**
 * The broker's side of the broker-to-controller channel (Kafka's `NodeToControllerChannelManager`,
 * with the resend of `DefaultAlterPartitionManager`): it picks the controller to ask
 * (`ControllerNodeProvider`), keeps every call in flight until it is answered, and gives a call up
 * when its controller refuses it (NOT_CONTROLLER), goes away, or leaves it unanswered past the
 * request timeout; what a lost call leaves to do goes back to the broker's parts.
 */
export class NodeToControllerChannel {
  private readonly controllerCalls = new Map<number, ControllerCall & { readonly sentAtMs: number; readonly controllerId: number }>();
  private readonly controllers: ControllerNodeProvider;

  constructor(private readonly host: NodeToControllerChannelHost) {
    this.controllers = new ControllerNodeProvider(host.controllerQuorumVoters);
  }

  /** The active controller as last learned, if any. */
  get activeController(): number | undefined {
    return this.controllers.active;
  }

  /** A controller named `id` the active one in `epoch` (a metadata fetch's answer). */
  learned(id: number, epoch: number): void {
    this.controllers.learned(id, epoch);
  }

  /** The kind of the call in flight under `correlationId`, if one is. */
  kindOf(correlationId: number): ControllerCall['kind'] | undefined {
    return this.controllerCalls.get(correlationId)?.kind;
  }

  /** Whether a call of `kind` is in flight. */
  hasInFlight(kind: ControllerCall['kind']): boolean {
    return [...this.controllerCalls.values()].some((call) => call.kind === kind);
  }

  callController(call: ControllerCall, build: (correlationId: number) => KafkaMessage): number {
    const correlationId = this.host.io.nextCorrelationId();
    const controllerId = this.controllers.target;
    this.controllerCalls.set(correlationId, { ...call, sentAtMs: this.host.io.nowMs(), controllerId });
    this.host.io.send(controllerNodeId(controllerId), build(correlationId));
    return correlationId;
  }

  /**
   * A controller answered the call under `correlationId`. Refused (NOT_CONTROLLER), it is given up
   * as lost and this returns false; otherwise it is no longer in flight and this returns true.
   */
  answered(correlationId: number, notController: boolean): boolean {
    if (notController) {
      this.notController(correlationId);
      return false;
    }
    this.controllerCalls.delete(correlationId);
    return true;
  }

  /**
   * A controller answered NOT_CONTROLLER: the next call goes elsewhere. The call is given up like
   * a lost one, after a backoff, so that a quorum without a leader is not asked in a tight loop.
   */
  private notController(correlationId: number): void {
    const call = this.controllerCalls.get(correlationId);
    if (call === undefined) return;
    this.controllerCalls.delete(correlationId);
    this.controllers.failed(call.controllerId);
    this.callLost(call);
  }

  /** What a controller call that got no answer leaves to do: registration and AlterPartition go again. */
  private callLost(call: ControllerCall): void {
    if (call.kind === 'registration') this.host.io.setTimer(REGISTRATION_RETRY_TIMER, CONTROLLER_RETRY_BACKOFF_MS);
    if (call.kind === 'producer-ids') this.host.onProducerIdsCallLost();
    if (call.kind === 'alter-partition') this.host.io.setTimer(ALTER_PARTITION_RETRY_TIMER, ALTER_PARTITION_RETRY_BACKOFF_MS);
    if (call.kind === 'create-offsets-topic') this.host.onOffsetsTopicCallLost();
  }

  /** Gives up the calls sent at or before `deadline` that got no answer (a lost message without a disconnect to say so). */
  expireRequests(deadline: number): void {
    for (const [correlationId, call] of [...this.controllerCalls.entries()]) {
      if (call.sentAtMs > deadline) continue;
      this.controllerCalls.delete(correlationId);
      // Unanswered: that controller may be gone or cut off; the next call tries another.
      this.controllers.failed(call.controllerId);
      if (call.kind === 'registration') this.host.register();
      else this.callLost(call);
    }
  }

  /** The connection to controller `controllerId` broke: every call in flight to it is lost. */
  onControllerDisconnected(controllerId: number): void {
    this.controllers.failed(controllerId);
    const calls = [...this.controllerCalls.entries()].filter(([, call]) => call.controllerId === controllerId);
    for (const [correlationId] of calls) this.controllerCalls.delete(correlationId);
    // What was in flight goes again after a backoff, to the next controller: a controller that
    // is down refuses the connection at once, and an immediate retry would spin while the
    // whole quorum is down. AlterPartition requests go again unchanged.
    for (const [, call] of calls) this.callLost(call);
  }

  /**
   * Resends every pending AlterPartition whose request is no longer in flight (lost with a broken
   * connection, or unanswered past the request timeout): Kafka lets AlterPartition "retry
   * indefinitely until a response is received, or a new LeaderAndIsr overwrites the existing
   * isrState" (`DefaultAlterPartitionManager`). A proposal therefore can reach the controller long
   * after it was made, carrying the broker epochs of that moment, which is KIP-903's case.
   */
  retryAlterPartitions(): void {
    for (const partition of this.host.sortedPartitions()) {
      const state = partition.isrState;
      if (state.kind === 'committed' || this.controllerCalls.has(state.correlationId)) continue;
      const resent = partition.resendAlterPartition(state.correlationId);
      assert(resent, `${partition.name}: a pending AlterPartition could not be resent`);
    }
  }
}

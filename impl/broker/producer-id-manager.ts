import type { NodeId } from '../env/node-environment.ts';
import type { AllocateProducerIdsResponse, KafkaMessage } from '../protocol/messages.ts';
import type { BrokerIo } from './broker-io.ts';

/** What the producer id manager needs from its broker. */
export interface ProducerIdManagerContext {
  readonly brokerId: number;
  readonly io: BrokerIo;
  /** This broker's epoch (-1 while unregistered), sent with every AllocateProducerIds request. */
  brokerEpoch(): number;
  /** Sends a request on the controller channel; returns its correlation id. */
  callController(call: { readonly kind: 'producer-ids' }, build: (correlationId: number) => KafkaMessage): number;
}

/**
 * Kafka's `RPCProducerIdManager`: hands out producer ids (InitProducerId, which Kafka's
 * `TransactionCoordinator` answers from it) from a block the controller allocated to this broker
 * (AllocateProducerIds), and asks for the next block when the current one runs out. One request
 * is in flight at most.
 */
export class ProducerIdManager {
  private producerIds: { next: number; end: number } | undefined;
  private producerIdsRequested = false;

  constructor(private readonly context: ProducerIdManagerContext) {}

  /** Asks for a first block once the controller has unfenced the broker (its heartbeat said so). */
  onUnfencedHeartbeat(): void {
    if (this.producerIds === undefined && !this.producerIdsRequested) this.requestProducerIds();
  }

  /** The controller answered the AllocateProducerIds request (not with NOT_CONTROLLER). */
  onAllocateProducerIdsResponse(message: AllocateProducerIdsResponse): void {
    this.producerIdsRequested = false;
    if (message.error === 'NONE') this.producerIds = { next: message.producerIdStart, end: message.producerIdStart + message.producerIdLen };
  }

  /** The AllocateProducerIds request got no answer: a later InitProducerId may ask again. */
  onCallLost(): void {
    this.producerIdsRequested = false;
  }

  handleInitProducerId(from: NodeId, correlationId: number): void {
    const ids = this.producerIds;
    if (ids === undefined || ids.next >= ids.end) {
      if (!this.producerIdsRequested && this.context.brokerEpoch() >= 0) this.requestProducerIds();
      this.context.io.send(from, { type: 'InitProducerIdResponse', correlationId, error: 'LEADER_NOT_AVAILABLE', producerId: -1, producerEpoch: -1 });
      return;
    }
    const producerId = ids.next;
    ids.next++;
    if (ids.next >= ids.end) this.producerIds = undefined;
    this.context.io.send(from, { type: 'InitProducerIdResponse', correlationId, error: 'NONE', producerId, producerEpoch: 0 });
  }

  private requestProducerIds(): void {
    this.producerIdsRequested = true;
    this.context.callController({ kind: 'producer-ids' }, (correlationId) => ({
      type: 'AllocateProducerIdsRequest', correlationId, brokerId: this.context.brokerId, brokerEpoch: this.context.brokerEpoch(),
    }));
  }
}

import { assert, assertNever } from '../common/assert.ts';
import type { ConfigView } from '../config/config-view.ts';
import type { HistoryRecord, NodeEffect, NodeEnvironment, NodeId, NodeInput, SimulatedNode } from '../env/node-environment.ts';
import { buildRecordBatch, DEFAULT_BATCH_SPEC, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE } from '../log/record-batch.ts';
import { NO_LEADER } from '../metadata/metadata-records.ts';
import { METADATA_ERRORS, RETRIABLE_ERRORS, type KafkaError } from '../protocol/errors.ts';
import { brokerIdOf, brokerNodeId, type KafkaMessage, type MetadataResponse, type ProduceResponse } from '../protocol/messages.ts';
import { KAFKA_RULES, type ProtocolRules } from '../variants/protocol-rules.ts';
import { partitionForKey } from './default-partitioner.ts';

export interface ProducerWorkload {
  readonly topic: string;
  /** Keys cycle through this many values (`k0`, `k1`, ...). */
  readonly keys: number;
  /** Think time between sends, drawn uniformly. */
  readonly minIntervalMs: number;
  readonly maxIntervalMs: number;
  /** No new send from this time on (the end of the safety phase). */
  readonly stopAtMs: number;
  /** A bound on sends per run. */
  readonly maxSends: number;
}

export interface KafkaProducerOptions {
  readonly name: string;
  readonly brokers: readonly number[];
  readonly config: ConfigView;
  readonly workload: ProducerWorkload;
  /** The run's protocol rules; Kafka's when absent. */
  readonly rules?: Pick<ProtocolRules, 'producerRetryKeepsSequence'>;
}

interface PendingRecord {
  readonly seq: number;
  readonly key: string;
  readonly value: string;
  readonly sentAtMs: number;
}

interface ProducerBatch {
  readonly partition: number;
  readonly records: readonly PendingRecord[];
  baseSequence: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly createdMs: number;
  attempts: number;
  /** Set while a request carries it. */
  inFlight: { readonly correlationId: number; readonly broker: number } | undefined;
  /** Whether any attempt may have reached the broker (a timeout or disconnect leaves it unknown). */
  maybeWritten: boolean;
  retryAtMs: number;
}

/**
 * A Kafka producer (logic of `KafkaProducer` with its `RecordAccumulator` and `Sender`), driving
 * its own workload: every few milliseconds it sends a record with a unique value, partitioned by
 * key with Kafka's murmur2 partitioner. Records are batched per partition (`linger.ms`,
 * `batch.size`); with `enable.idempotence` each batch carries the producer id, epoch and sequence,
 * so retries are deduplicated by the broker. Every send is recorded in the history as its own
 * Jepsen process (`<name>:<seq>`): invoke when sent, then ok with the offset, fail when it was
 * certainly not written, or info when the outcome is unknown.
 *
 * Departure: Kafka keeps up to `max.in.flight.requests.per.connection` batches of a partition in
 * flight and repairs sequence gaps on retry; refka keeps one batch per partition in flight (the
 * limit still bounds requests per broker), which keeps order without that machinery.
 */
export class KafkaProducer implements SimulatedNode<KafkaMessage> {
  readonly kind = 'producer';
  private metadata: MetadataResponse | undefined;
  private metadataInFlight: number | undefined;
  private producerId = NO_PRODUCER_ID;
  private producerEpoch = NO_PRODUCER_EPOCH;
  private initInFlight: number | undefined;
  private readonly nextSequence = new Map<number, number>();
  private readonly accumulating = new Map<number, PendingRecord[]>();
  private readonly queued = new Map<number, ProducerBatch[]>();
  private readonly requests = new Map<number, { broker: number; batches: ProducerBatch[] }>();
  private nextCorrelationId = 1;
  private sends = 0;
  private stopped = false;
  private effects: NodeEffect<KafkaMessage>[] = [];

  constructor(
    private readonly environment: NodeEnvironment,
    private readonly options: KafkaProducerOptions,
  ) {
    this.nextCorrelationId = environment.clock.nowMs() * 1000 + 1;
  }

  private get idempotent(): boolean {
    return this.options.config.boolean('enable.idempotence');
  }

  private get acks(): 0 | 1 | -1 {
    const acks = this.options.config.string('acks');
    return acks === 'all' || acks === '-1' ? -1 : acks === '0' ? 0 : 1;
  }

  /** True once the workload has stopped and every send has an outcome. */
  get done(): boolean {
    return this.stopped && this.outstanding() === 0;
  }

  private outstanding(): number {
    let count = 0;
    for (const records of this.accumulating.values()) count += records.length;
    for (const batches of this.queued.values()) for (const batch of batches) count += batch.records.length;
    return count;
  }

  handle(input: NodeInput<KafkaMessage>): readonly NodeEffect<KafkaMessage>[] {
    this.effects = [];
    switch (input.type) {
      case 'start':
        this.refreshMetadata();
        this.timer('send', this.environment.random.int(this.options.workload.minIntervalMs, this.options.workload.maxIntervalMs));
        this.timer('sender', 1);
        break;
      case 'timer':
        this.onTimer(input.name);
        break;
      case 'receive':
        this.onMessage(input.message);
        break;
      case 'disconnected':
        this.onDisconnected(input.peer);
        break;
      case 'signal':
        break;
      default:
        assertNever(input, 'producer input');
    }
    return this.effects;
  }

  private timer(name: string, delayMs: number): void {
    this.effects.push({ type: 'set-timer', name, delayMs });
  }

  private history(record: HistoryRecord): void {
    this.effects.push({ type: 'history', record });
  }

  private onTimer(name: string): void {
    if (name === 'send') return this.sendOne();
    if (name === 'sender') {
      this.runSender();
      this.timer('sender', 5);
      return;
    }
    if (name.startsWith('request-timeout:')) {
      const correlationId = Number(name.slice('request-timeout:'.length));
      return this.failRequest(correlationId, 'REQUEST_TIMED_OUT', true);
    }
    if (name === 'metadata-timeout') {
      this.metadataInFlight = undefined;
      return;
    }
    assert(false, `unknown producer timer ${name}`);
  }

  private sendOne(): void {
    const workload = this.options.workload;
    const nowMs = this.environment.clock.nowMs();
    if (nowMs >= workload.stopAtMs || this.sends >= workload.maxSends) {
      this.stopped = true;
      return;
    }
    const partitions = this.partitionCount();
    if (partitions === undefined) {
      // No metadata for the topic yet: Kafka's send blocks (max.block.ms) until there is; the
      // workload waits the same way and sends nothing meanwhile.
      this.refreshMetadata();
    } else {
      const seq = this.sends++;
      const key = `k${seq % workload.keys}`;
      const value = `${this.options.name}:${seq}`;
      this.history({ type: 'invoke', process: `${this.options.name}:${seq}`, f: 'send', value: { producer: this.options.name, seq, topic: workload.topic, key, value } });
      const partition = partitionForKey(new TextEncoder().encode(key), partitions);
      const records = this.accumulating.get(partition) ?? [];
      records.push({ seq, key, value, sentAtMs: nowMs });
      this.accumulating.set(partition, records);
    }
    this.timer('send', this.environment.random.int(workload.minIntervalMs, workload.maxIntervalMs));
  }

  private partitionCount(): number | undefined {
    const topic = this.metadata?.topics.find((candidate) => candidate.name === this.options.workload.topic);
    return topic === undefined || topic.error !== 'NONE' || topic.partitions.length === 0 ? undefined : topic.partitions.length;
  }

  private leaderOf(partition: number): number {
    const topic = this.metadata?.topics.find((candidate) => candidate.name === this.options.workload.topic);
    return topic?.partitions.find((candidate) => candidate.partition === partition)?.leader ?? NO_LEADER;
  }

  private refreshMetadata(): void {
    if (this.metadataInFlight !== undefined) return;
    const broker = this.environment.random.pick(this.options.brokers);
    const correlationId = this.nextCorrelationId++;
    this.metadataInFlight = correlationId;
    this.effects.push({ type: 'send', to: brokerNodeId(broker), message: { type: 'MetadataRequest', correlationId, topics: [this.options.workload.topic] } });
    this.timer('metadata-timeout', 1_000);
  }

  private initProducerId(): void {
    if (this.initInFlight !== undefined) return;
    const broker = this.environment.random.pick(this.options.brokers);
    const correlationId = this.nextCorrelationId++;
    this.initInFlight = correlationId;
    this.effects.push({ type: 'send', to: brokerNodeId(broker), message: { type: 'InitProducerIdRequest', correlationId } });
  }

  /** The sender loop (Kafka's `Sender.runOnce`): drain ready batches, expire old ones, send. */
  private runSender(): void {
    const nowMs = this.environment.clock.nowMs();
    const config = this.options.config;
    if (this.idempotent && this.producerId === NO_PRODUCER_ID) {
      this.initProducerId();
    }
    // Drain: a partition's records become a batch after linger.ms or once batch.size is reached.
    for (const partition of [...this.accumulating.keys()].sort((a, b) => a - b)) {
      const records = this.accumulating.get(partition) as PendingRecord[];
      if (records.length === 0) continue;
      const first = records[0] as PendingRecord;
      const full = records.length * 1100 >= config.number('batch.size');
      if (!full && nowMs - first.sentAtMs < config.number('linger.ms')) continue;
      if (this.idempotent && this.producerId === NO_PRODUCER_ID) continue;
      const queue = this.queued.get(partition) ?? [];
      if (queue.length > 0) continue; // one batch per partition at a time keeps the sequence order
      const baseSequence = this.idempotent ? (this.nextSequence.get(partition) ?? 0) : NO_SEQUENCE;
      if (this.idempotent) this.nextSequence.set(partition, baseSequence + records.length);
      queue.push({ partition, records: [...records], baseSequence, producerId: this.idempotent ? this.producerId : NO_PRODUCER_ID, producerEpoch: this.idempotent ? this.producerEpoch : NO_PRODUCER_EPOCH, createdMs: first.sentAtMs, attempts: 0, inFlight: undefined, maybeWritten: false, retryAtMs: 0 });
      this.queued.set(partition, queue);
      this.accumulating.set(partition, []);
    }
    // Expire batches past delivery.timeout.ms (Kafka's `RecordAccumulator.expiredBatches`).
    for (const partition of [...this.queued.keys()].sort((a, b) => a - b)) {
      const queue = this.queued.get(partition) as ProducerBatch[];
      const batch = queue[0];
      if (batch === undefined || batch.inFlight !== undefined) continue;
      if (nowMs - batch.createdMs >= config.number('delivery.timeout.ms')) {
        this.complete(batch, batch.maybeWritten ? 'info' : 'fail', { error: 'delivery-timeout' });
      }
    }
    // Send: per broker, the partitions it leads whose batch is ready, up to the in-flight limit.
    const byBroker = new Map<number, ProducerBatch[]>();
    let needMetadata = false;
    for (const partition of [...this.queued.keys()].sort((a, b) => a - b)) {
      const batch = (this.queued.get(partition) as ProducerBatch[])[0];
      if (batch === undefined || batch.inFlight !== undefined || batch.retryAtMs > nowMs) continue;
      const leader = this.leaderOf(partition);
      if (leader === NO_LEADER) {
        needMetadata = true;
        continue;
      }
      const list = byBroker.get(leader) ?? [];
      list.push(batch);
      byBroker.set(leader, list);
    }
    if (needMetadata) this.refreshMetadata();
    for (const broker of [...byBroker.keys()].sort((a, b) => a - b)) {
      const inFlightToBroker = [...this.requests.values()].filter((request) => request.broker === broker).length;
      if (inFlightToBroker >= config.number('max.in.flight.requests.per.connection')) continue;
      this.sendRequest(broker, byBroker.get(broker) as ProducerBatch[]);
    }
  }

  private sendRequest(broker: number, batches: ProducerBatch[]): void {
    const correlationId = this.nextCorrelationId++;
    const nowMs = this.environment.clock.nowMs();
    const partitions = batches.map((batch) => {
      batch.attempts++;
      // A retry goes with the sequence the batch was first sent with (KIP-98): the broker knows
      // it by that sequence, and answers a copy it already has as a duplicate.
      if (batch.attempts > 1 && this.idempotent && !(this.options.rules ?? KAFKA_RULES).producerRetryKeepsSequence) {
        batch.baseSequence = this.nextSequence.get(batch.partition) ?? 0;
        this.nextSequence.set(batch.partition, batch.baseSequence + batch.records.length);
      }
      batch.inFlight = { correlationId, broker };
      batch.maybeWritten = true;
      const records = batch.records.map((record) => ({ timestamp: record.sentAtMs, key: new TextEncoder().encode(record.key), value: new TextEncoder().encode(record.value), headers: [] }));
      return {
        topic: this.options.workload.topic,
        partition: batch.partition,
        records: buildRecordBatch({ ...DEFAULT_BATCH_SPEC, producerId: batch.producerId, producerEpoch: batch.producerEpoch, baseSequence: batch.baseSequence }, records),
      };
    });
    const timeoutMs = this.options.config.number('request.timeout.ms');
    this.effects.push({ type: 'send', to: brokerNodeId(broker), message: { type: 'ProduceRequest', correlationId, acks: this.acks, timeoutMs, partitions } });
    if (this.acks === 0) {
      // acks=0: no response ever comes; the outcome stays unknown.
      for (const batch of batches) this.complete(batch, 'info', { error: 'acks=0' });
      return;
    }
    this.requests.set(correlationId, { broker, batches });
    this.timer(`request-timeout:${correlationId}`, timeoutMs + 1_000);
    void nowMs;
  }

  private onMessage(message: KafkaMessage): void {
    switch (message.type) {
      case 'MetadataResponse':
        if (message.correlationId !== this.metadataInFlight) return;
        this.metadataInFlight = undefined;
        this.effects.push({ type: 'cancel-timer', name: 'metadata-timeout' });
        this.metadata = message;
        return;
      case 'InitProducerIdResponse':
        if (message.correlationId !== this.initInFlight) return;
        this.initInFlight = undefined;
        if (message.error === 'NONE') {
          this.producerId = message.producerId;
          this.producerEpoch = message.producerEpoch;
          this.nextSequence.clear();
        }
        return;
      case 'ProduceResponse':
        return this.onProduceResponse(message);
      default:
        return;
    }
  }

  private onProduceResponse(response: ProduceResponse): void {
    const request = this.requests.get(response.correlationId);
    if (request === undefined) return;
    this.requests.delete(response.correlationId);
    this.effects.push({ type: 'cancel-timer', name: `request-timeout:${response.correlationId}` });
    let refresh = false;
    for (const batch of request.batches) {
      batch.inFlight = undefined;
      const result = response.responses.find((candidate) => candidate.partition === batch.partition);
      const error: KafkaError = result?.error ?? 'UNKNOWN_SERVER_ERROR';
      if (error === 'NONE' && result !== undefined) {
        this.complete(batch, 'ok', { baseOffset: result.baseOffset });
        continue;
      }
      if (METADATA_ERRORS.has(error)) refresh = true;
      if (error === 'OUT_OF_ORDER_SEQUENCE_NUMBER' || error === 'UNKNOWN_PRODUCER_ID' || error === 'INVALID_PRODUCER_EPOCH') {
        // The broker lost this producer's sequence state: start again with a new producer id
        // (Kafka's KIP-360 epoch bump). This batch was certainly not written in this attempt;
        // an earlier attempt may have been.
        this.complete(batch, batch.attempts > 1 ? 'info' : 'fail', { error });
        this.resetProducerId();
        continue;
      }
      if (RETRIABLE_ERRORS.has(error)) {
        // NOT_ENOUGH_REPLICAS was refused before the append; other errors leave it unknown.
        if (error === 'NOT_ENOUGH_REPLICAS' && batch.attempts === 1) batch.maybeWritten = false;
        batch.retryAtMs = this.environment.clock.nowMs() + this.options.config.number('retry.backoff.ms');
        continue;
      }
      this.complete(batch, batch.attempts > 1 ? 'info' : 'fail', { error });
    }
    if (refresh) this.refreshMetadata();
  }

  private failRequest(correlationId: number, error: KafkaError | 'disconnected', unknownOutcome: boolean): void {
    const request = this.requests.get(correlationId);
    if (request === undefined) return;
    this.requests.delete(correlationId);
    for (const batch of request.batches) {
      batch.inFlight = undefined;
      if (unknownOutcome) batch.maybeWritten = true;
      batch.retryAtMs = this.environment.clock.nowMs() + this.options.config.number('retry.backoff.ms');
    }
    this.refreshMetadata();
    void error;
  }

  private onDisconnected(peer: NodeId): void {
    const broker = brokerIdOf(peer);
    if (broker === undefined) return;
    if (this.metadataInFlight !== undefined) this.metadataInFlight = undefined;
    this.initInFlight = undefined;
    for (const [correlationId, request] of [...this.requests.entries()]) {
      if (request.broker !== broker) continue;
      this.effects.push({ type: 'cancel-timer', name: `request-timeout:${correlationId}` });
      this.failRequest(correlationId, 'disconnected', true);
    }
  }

  private resetProducerId(): void {
    this.producerId = NO_PRODUCER_ID;
    this.producerEpoch = NO_PRODUCER_EPOCH;
    this.nextSequence.clear();
    // Batches not yet sent get new sequences under the new producer id.
    for (const [partition, queue] of this.queued) {
      const unsent = queue.filter((batch) => batch.inFlight === undefined && !batch.maybeWritten);
      const kept = queue.filter((batch) => !unsent.includes(batch));
      this.queued.set(partition, kept);
      const records = unsent.flatMap((batch) => batch.records);
      if (records.length > 0) this.accumulating.set(partition, [...records, ...(this.accumulating.get(partition) ?? [])]);
    }
  }

  private complete(batch: ProducerBatch, type: 'ok' | 'fail' | 'info', outcome: { baseOffset?: number; error?: string }): void {
    const queue = this.queued.get(batch.partition) ?? [];
    this.queued.set(batch.partition, queue.filter((candidate) => candidate !== batch));
    for (const [index, record] of batch.records.entries()) {
      const value: Record<string, unknown> = { producer: this.options.name, seq: record.seq, topic: this.options.workload.topic, key: record.key, value: record.value, partition: batch.partition };
      if (type === 'ok') value['offset'] = (outcome.baseOffset as number) + index;
      else value['error'] = outcome.error;
      this.history({ type, process: `${this.options.name}:${record.seq}`, f: 'send', value });
    }
  }
}

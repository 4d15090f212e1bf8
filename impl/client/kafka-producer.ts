import { assert, assertNever, fail } from '../common/assert.ts';
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

interface InFlightRequest {
  readonly correlationId: number;
  readonly broker: number;
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
 * The sender is event-driven, as Kafka's is. Kafka's `Sender` thread loops on `runOnce`, which
 * ends in `client.poll(pollTimeout)`: it sleeps until `Sender.wakeup()` (called by
 * `KafkaProducer.doSend` after an append, and by the network client on a response, a disconnect
 * or a metadata update) or until `pollTimeout`, the least of `RecordAccumulator.ready`'s
 * `nextReadyCheckDelayMs` (a partition's linger.ms or retry backoff running out), the delivery
 * timeout of the oldest batch, and `Metadata.timeToNextUpdate`. refka runs `runOnce` after every
 * input (a record appended by the workload's `send` timer, a response, a disconnect, a request or
 * metadata timeout), then arms the one `sender` timer for the earliest moment something becomes
 * ready by time alone, and none when nothing waits on time; a set-timer of the same name replaces
 * the earlier one. Like Kafka, the requests the sender makes for itself back off by
 * `retry.backoff.ms`: a metadata refresh after the last answer or failure
 * (`Metadata.timeToNextUpdate`'s refresh backoff) and InitProducerId after a failed attempt
 * (`TransactionManager`'s retry), so a leaderless partition does not spin on metadata.
 *
 * Departure: Kafka keeps up to `max.in.flight.requests.per.connection` batches of a partition in
 * flight and repairs sequence gaps on retry; refka keeps one batch per partition in flight (the
 * limit still bounds requests per broker), which keeps order without that machinery.
 */
export class KafkaProducer implements SimulatedNode<KafkaMessage> {
  readonly kind = 'producer';
  private metadata: MetadataResponse | undefined;
  /** The metadata request awaiting its answer, and the broker it went to. */
  private metadataInFlight: InFlightRequest | undefined;
  /** Kafka's `Metadata.needFullUpdate`: set by whoever needs fresher metadata, cleared by an answer. */
  private metadataUpdateRequested = false;
  /** Kafka's `Metadata.lastRefreshMs + refreshBackoffMs`: no metadata request before this time. */
  private metadataRefreshAllowedAtMs = 0;
  private producerId = NO_PRODUCER_ID;
  private producerEpoch = NO_PRODUCER_EPOCH;
  private initInFlight: InFlightRequest | undefined;
  /** No InitProducerId request before this time: a failed attempt backs off by retry.backoff.ms. */
  private initProducerIdRetryAtMs = 0;
  /** When the armed `sender` timer fires; undefined when none is armed. */
  private senderWakeupAtMs: number | undefined;
  private readonly nextSequence = new Map<number, number>();
  private readonly accumulating = new Map<number, PendingRecord[]>();
  private readonly queued = new Map<number, ProducerBatch[]>();
  /**
   * Every partition `accumulating` has a key for (`queued`'s keys are among them), in ascending
   * order: the sender walks partitions in this order on every wake-up, and neither map drops a key.
   */
  private readonly partitionOrder: number[] = [];
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
        this.requestMetadataUpdate();
        this.timer('send', this.environment.random.int(this.options.workload.minIntervalMs, this.options.workload.maxIntervalMs));
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
      case 'application-stall':
        return this.effects;
      default:
        assertNever(input, 'producer input');
    }
    // Every input may have made a batch ready or sendable (Kafka's `Sender.wakeup()`), so the
    // sender runs once, then sleeps until the next deadline or the next input.
    this.armSenderWakeup(this.runOnce());
    return this.effects;
  }

  /**
   * Arms the one `sender` timer for `atMs`, replacing the armed one, or cancels it when nothing
   * waits on time (Kafka's `client.poll(pollTimeout)`). An unchanged deadline is left as it is.
   */
  private armSenderWakeup(atMs: number | undefined): void {
    const nowMs = this.environment.clock.nowMs();
    if (atMs === this.senderWakeupAtMs) return;
    if (atMs === undefined) {
      this.effects.push({ type: 'cancel-timer', name: 'sender' });
    } else {
      if (atMs <= nowMs) fail(`sender wakeup at ${atMs} is not after now ${nowMs}`);
      this.timer('sender', atMs - nowMs);
    }
    this.senderWakeupAtMs = atMs;
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
      // The timer fired and left the simulator's table: handle() runs the sender after this.
      assert(this.senderWakeupAtMs === this.environment.clock.nowMs(), 'sender timer fired off its deadline');
      this.senderWakeupAtMs = undefined;
      return;
    }
    if (name.startsWith('request-timeout:')) {
      const correlationId = Number(name.slice('request-timeout:'.length));
      return this.failRequest(correlationId, 'REQUEST_TIMED_OUT', true);
    }
    if (name === 'init-producer-id-timeout') {
      if (this.initInFlight !== undefined) this.failedInitProducerId();
      return;
    }
    if (name === 'metadata-timeout') {
      if (this.metadataInFlight !== undefined) this.failedMetadataUpdate();
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
      this.requestMetadataUpdate();
    } else {
      const seq = this.sends++;
      const key = `k${seq % workload.keys}`;
      const value = `${this.options.name}:${seq}`;
      this.history({ type: 'invoke', process: `${this.options.name}:${seq}`, f: 'send', value: { producer: this.options.name, seq, topic: workload.topic, key, value } });
      const partition = partitionForKey(new TextEncoder().encode(key), partitions);
      let records = this.accumulating.get(partition);
      if (records === undefined) {
        records = [];
        this.accumulating.set(partition, records);
        let at = this.partitionOrder.length;
        while (at > 0 && (this.partitionOrder[at - 1] as number) > partition) at--;
        this.partitionOrder.splice(at, 0, partition);
      }
      records.push({ seq, key, value, sentAtMs: nowMs });
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

  /** Kafka's `Metadata.requestUpdate`: the sender asks for metadata when the backoff allows. */
  private requestMetadataUpdate(): void {
    this.metadataUpdateRequested = true;
  }

  /**
   * Kafka's `DefaultMetadataUpdater.maybeUpdate`: one metadata request at a time, none before the
   * refresh backoff after the last answer or failure has run out.
   */
  private maybeUpdateMetadata(nowMs: number): void {
    if (!this.metadataUpdateRequested || this.metadataInFlight !== undefined) return;
    if (nowMs < this.metadataRefreshAllowedAtMs) return;
    const broker = this.environment.random.pick(this.options.brokers);
    const correlationId = this.nextCorrelationId++;
    this.metadataInFlight = { correlationId, broker };
    this.effects.push({ type: 'send', to: brokerNodeId(broker), message: { type: 'MetadataRequest', correlationId, topics: [this.options.workload.topic] } });
    this.timer('metadata-timeout', 1_000);
  }

  /** Kafka's `Metadata.failedUpdate`: the request is still wanted, after the refresh backoff. */
  private failedMetadataUpdate(): void {
    assert(this.metadataInFlight !== undefined, 'no metadata request to fail');
    this.metadataInFlight = undefined;
    this.metadataRefreshAllowedAtMs = this.environment.clock.nowMs() + this.options.config.number('retry.backoff.ms');
  }

  private initProducerId(nowMs: number): void {
    if (this.initInFlight !== undefined || nowMs < this.initProducerIdRetryAtMs) return;
    const broker = this.environment.random.pick(this.options.brokers);
    const correlationId = this.nextCorrelationId++;
    this.initInFlight = { correlationId, broker };
    this.effects.push({ type: 'send', to: brokerNodeId(broker), message: { type: 'InitProducerIdRequest', correlationId } });
    // A request lost without a disconnect (a broker that stopped answering) times out, as every
    // request does in Kafka's NetworkClient; without this the producer would wait for ever.
    this.timer('init-producer-id-timeout', this.options.config.number('request.timeout.ms'));
  }

  /** A failed InitProducerId is asked again after retry.backoff.ms (Kafka's TransactionManager). */
  private failedInitProducerId(): void {
    assert(this.initInFlight !== undefined, 'no InitProducerId request to fail');
    this.initInFlight = undefined;
    this.initProducerIdRetryAtMs = this.environment.clock.nowMs() + this.options.config.number('retry.backoff.ms');
  }

  /**
   * The sender loop (Kafka's `Sender.runOnce`): expire old batches, drain ready ones, send, and
   * ask for what is missing. Returns when it must run again if no input wakes it first (Kafka's
   * `pollTimeout`), or undefined when nothing waits on time.
   */
  private runOnce(): number | undefined {
    const nowMs = this.environment.clock.nowMs();
    if (this.idempotent && this.producerId === NO_PRODUCER_ID) this.initProducerId(nowMs);
    // Expiry runs before and after the drain: a batch expired first frees its partition for the
    // drain, and a batch drained from records older than delivery.timeout.ms expires at once; so
    // nothing is left ready now, and every deadline below lies in the future.
    this.expireBatches(nowMs);
    this.drain(nowMs);
    this.expireBatches(nowMs);
    this.sendProducerData(nowMs);
    this.maybeUpdateMetadata(nowMs);
    return this.nextReadyCheckMs(nowMs);
  }

  /** A partition's open records become a batch after linger.ms or once batch.size is reached. */
  private drain(nowMs: number): void {
    if (this.idempotent && this.producerId === NO_PRODUCER_ID) return;
    for (const partition of this.partitionOrder) {
      const records = this.accumulating.get(partition) as PendingRecord[];
      if (records.length === 0) continue;
      const first = records[0] as PendingRecord;
      if (!this.batchFull(records) && nowMs < first.sentAtMs + this.options.config.number('linger.ms')) continue;
      const queue = this.queued.get(partition) ?? [];
      if (queue.length > 0) continue; // one batch per partition at a time keeps the sequence order
      const baseSequence = this.idempotent ? (this.nextSequence.get(partition) ?? 0) : NO_SEQUENCE;
      if (this.idempotent) this.nextSequence.set(partition, baseSequence + records.length);
      queue.push({ partition, records: [...records], baseSequence, producerId: this.idempotent ? this.producerId : NO_PRODUCER_ID, producerEpoch: this.idempotent ? this.producerEpoch : NO_PRODUCER_EPOCH, createdMs: first.sentAtMs, attempts: 0, inFlight: undefined, maybeWritten: false, retryAtMs: 0 });
      this.queued.set(partition, queue);
      this.accumulating.set(partition, []);
    }
  }

  private batchFull(records: readonly PendingRecord[]): boolean {
    return records.length * 1100 >= this.options.config.number('batch.size');
  }

  /** Expire batches past delivery.timeout.ms (Kafka's `RecordAccumulator.expiredBatches`). */
  private expireBatches(nowMs: number): void {
    for (const partition of this.partitionOrder) {
      const queue = this.queued.get(partition);
      if (queue === undefined) continue;
      if (queue.length > 1) fail(`partition ${partition} has ${queue.length} batches queued`);
      const batch = queue[0];
      if (batch === undefined || batch.inFlight !== undefined) continue;
      if (nowMs - batch.createdMs >= this.options.config.number('delivery.timeout.ms')) {
        this.complete(batch, batch.maybeWritten ? 'info' : 'fail', { error: 'delivery-timeout' });
      }
    }
  }

  /** Per broker, the partitions it leads whose batch is ready, up to the in-flight limit. */
  private sendProducerData(nowMs: number): void {
    const byBroker = new Map<number, ProducerBatch[]>();
    for (const partition of this.partitionOrder) {
      const batch = this.queued.get(partition)?.[0];
      if (batch === undefined || batch.inFlight !== undefined || batch.retryAtMs > nowMs) continue;
      const leader = this.leaderOf(partition);
      if (leader === NO_LEADER) {
        this.requestMetadataUpdate(); // Kafka's `unknownLeaderTopics`
        continue;
      }
      const list = byBroker.get(leader) ?? [];
      list.push(batch);
      byBroker.set(leader, list);
    }
    for (const broker of [...byBroker.keys()].sort((a, b) => a - b)) {
      const inFlightToBroker = [...this.requests.values()].filter((request) => request.broker === broker).length;
      if (inFlightToBroker >= this.options.config.number('max.in.flight.requests.per.connection')) continue;
      this.sendRequest(broker, byBroker.get(broker) as ProducerBatch[]);
    }
  }

  /**
   * The earliest moment something becomes ready by time alone (Kafka's `nextReadyCheckDelayMs`
   * with the delivery timeout and `Metadata.timeToNextUpdate`): a partition's linger.ms running
   * out, a queued batch's retry backoff or delivery timeout, the backoff of a wanted metadata or
   * InitProducerId request. Whatever waits on an input instead (a response, a producer id, a
   * leader, room under the in-flight limit) is woken by that input.
   */
  private nextReadyCheckMs(nowMs: number): number | undefined {
    const deadlines: number[] = [];
    const needProducerId = this.idempotent && this.producerId === NO_PRODUCER_ID;
    if (needProducerId && this.initInFlight === undefined) deadlines.push(this.initProducerIdRetryAtMs);
    if (this.metadataUpdateRequested && this.metadataInFlight === undefined) deadlines.push(this.metadataRefreshAllowedAtMs);
    for (const partition of this.partitionOrder) {
      const records = this.accumulating.get(partition) as PendingRecord[];
      const first = records[0];
      const blocked = needProducerId || (this.queued.get(partition) ?? []).length > 0;
      if (first === undefined || blocked) continue;
      if (this.batchFull(records)) fail(`partition ${partition} is full but was not drained`);
      deadlines.push(first.sentAtMs + this.options.config.number('linger.ms'));
    }
    for (const partition of this.partitionOrder) {
      const batch = this.queued.get(partition)?.[0];
      if (batch === undefined || batch.inFlight !== undefined) continue;
      deadlines.push(batch.createdMs + this.options.config.number('delivery.timeout.ms'));
      if (batch.retryAtMs > nowMs) deadlines.push(batch.retryAtMs);
    }
    if (deadlines.length === 0) return undefined;
    const nextMs = Math.min(...deadlines);
    if (nextMs <= nowMs) fail(`the sender left work ready at ${nextMs}, now ${nowMs}`);
    return nextMs;
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
        if (message.correlationId !== this.metadataInFlight?.correlationId) return;
        this.metadataInFlight = undefined;
        this.metadataUpdateRequested = false;
        this.metadataRefreshAllowedAtMs = this.environment.clock.nowMs() + this.options.config.number('retry.backoff.ms');
        this.effects.push({ type: 'cancel-timer', name: 'metadata-timeout' });
        this.metadata = message;
        return;
      case 'InitProducerIdResponse':
        if (message.correlationId !== this.initInFlight?.correlationId) return;
        this.initInFlight = undefined;
        this.effects.push({ type: 'cancel-timer', name: 'init-producer-id-timeout' });
        if (message.error === 'NONE') {
          this.producerId = message.producerId;
          this.producerEpoch = message.producerEpoch;
          this.nextSequence.clear();
        } else {
          this.initProducerIdRetryAtMs = this.environment.clock.nowMs() + this.options.config.number('retry.backoff.ms');
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
    if (refresh) this.requestMetadataUpdate();
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
    this.requestMetadataUpdate();
    void error;
  }

  private onDisconnected(peer: NodeId): void {
    const broker = brokerIdOf(peer);
    if (broker === undefined) return;
    // Only the requests that went to this broker are lost with its connection (Kafka's
    // `NetworkClient.processDisconnection`); each is asked again after retry.backoff.ms.
    if (this.metadataInFlight?.broker === broker) this.failedMetadataUpdate();
    if (this.initInFlight?.broker === broker) this.failedInitProducerId();
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

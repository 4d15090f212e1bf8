import { assert, assertNever } from '../common/assert.ts';
import type { NodeEffect, NodeEnvironment, NodeInput, SimulatedNode } from '../env/node-environment.ts';
import { buildRecordBatch, decodeRecords, DEFAULT_BATCH_SPEC, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, readRecordBatch } from '../log/record-batch.ts';
import { NO_LEADER } from '../metadata/metadata-records.ts';
import { ControllerNodeProvider } from '../common/controller-node-provider.ts';
import { brokerNodeId, controllerNodeId, CONSUMER_REPLICA_ID, type KafkaMessage, type MetadataResponse } from '../protocol/messages.ts';

/** One step a scenario script asks of the cluster, as a client would do it. */
export type ScenarioCommand =
  | { readonly type: 'create-topic'; readonly name: string; readonly partitions: number; readonly replicationFactor: number; readonly configs: Readonly<Record<string, string>> }
  /** `idempotent`: Kafka's `enable.idempotence`, which needs acks=all (the caller checks it). */
  | { readonly type: 'produce'; readonly topic: string; readonly partition: number; readonly key: string | null; readonly value: string; readonly acks: 0 | 1 | -1; readonly idempotent: boolean }
  | { readonly type: 'consume'; readonly topic: string; readonly partition: number; readonly offset: number };

const ATTEMPTS_MAX = 20;
/** Kafka's producer epoch is a 16-bit signed number (`Short.MAX_VALUE`). */
const MAX_PRODUCER_EPOCH = 32_767;
const RETRY_MS = 250;
const REQUEST_TIMEOUT_MS = 5_000;

/**
 * The client a scenario script drives: it runs one command at a time (create a topic, produce a
 * record, consume a partition from an offset) the way Kafka's clients would, finding leaders
 * through Metadata and retrying on retriable errors, and leaves a line of output for the script.
 *
 * An idempotent produce (Kafka's default since 3.0, KIP-679) works as `KafkaProducer` does
 * (KIP-98): the client first gets a producer id and epoch (InitProducerId), and the batch carries
 * them with the partition's next sequence number; every retry resends the same sequence, so a
 * leader that already appended it answers with the first copy's offset instead of appending again.
 * Without it, a retry after a timed-out acks=all produce writes the record once more per attempt.
 * A leader that lost the producer's state answers UNKNOWN_PRODUCER_ID or OUT_OF_ORDER_SEQUENCE_NUMBER:
 * as Kafka's producer does since KIP-360, the client bumps its epoch and retries from sequence 0.
 * A produce that ends without success leaves it unknown whether its sequence was written, so the
 * next one starts over with a new producer id.
 */
export class ScenarioClient implements SimulatedNode<KafkaMessage> {
  readonly kind = 'scenario-client';
  private command: ScenarioCommand | undefined;
  private attempts = 0;
  private metadata: MetadataResponse | undefined;
  private inFlight: number | undefined;
  private nextCorrelationId = 1;
  private producerId = NO_PRODUCER_ID;
  private producerEpoch = NO_PRODUCER_EPOCH;
  /** By `topic-partition`: the sequence number of the producer id's next record. */
  private readonly nextSequence = new Map<string, number>();
  /** The current idempotent produce's sequence, fixed at its first send and kept by its retries. */
  private sequence: number | undefined;
  /** The finished command's output lines; undefined while it runs. */
  output: string[] | undefined;
  private readonly controllers: ControllerNodeProvider;

  constructor(
    private readonly environment: NodeEnvironment,
    private readonly brokers: readonly number[],
    controllerQuorumVoters: readonly number[],
  ) {
    this.nextCorrelationId = environment.clock.nowMs() * 1000 + 1;
    this.controllers = new ControllerNodeProvider(controllerQuorumVoters);
  }

  get busy(): boolean {
    return this.command !== undefined;
  }

  /** Queues a command; the driver then pokes the client with the `run` timer. */
  submit(command: ScenarioCommand): void {
    assert(this.command === undefined, 'the scenario client runs one command at a time');
    this.command = command;
    this.attempts = 0;
    this.output = undefined;
    this.metadata = undefined;
    this.sequence = undefined;
  }

  /** The driver gave up waiting (the step's time limit): the command ends with `lines`. */
  abandon(lines: string[]): void {
    if (this.command === undefined) return;
    this.endIdempotentProduce(false);
    this.output = lines;
    this.command = undefined;
    this.inFlight = undefined;
  }

  handle(input: NodeInput<KafkaMessage>): readonly NodeEffect<KafkaMessage>[] {
    switch (input.type) {
      case 'start':
      case 'disconnected':
      case 'signal':
      case 'application-stall':
        return [];
      case 'timer':
        if (input.name === 'timeout') {
          // An abandoned command's request may still time out; nothing waits for it.
          if (this.command === undefined) return [];
          this.inFlight = undefined;
          // A controller that does not answer may be down or cut off: the retry asks the next.
          if (this.command.type === 'create-topic') this.controllers.failed(this.controllers.target);
          return this.retry('request timed out');
        }
        return this.step();
      case 'receive':
        return this.onMessage(input.message);
      default:
        return assertNever(input, 'scenario client input');
    }
  }

  private finish(lines: string[], succeeded = false): NodeEffect<KafkaMessage>[] {
    this.endIdempotentProduce(succeeded);
    this.output = lines;
    this.command = undefined;
    this.inFlight = undefined;
    return [{ type: 'cancel-timer', name: 'timeout' }];
  }

  /** KIP-360's local epoch bump: the same producer id, the next epoch, every sequence from 0. */
  private bumpEpoch(): void {
    this.nextSequence.clear();
    this.sequence = 0;
    if (this.producerEpoch < MAX_PRODUCER_EPOCH) {
      this.producerEpoch++;
    } else {
      // An exhausted epoch needs a new producer id, as Kafka's producer then asks for one.
      this.producerId = NO_PRODUCER_ID;
      this.producerEpoch = NO_PRODUCER_EPOCH;
    }
  }

  /** Advances the partition's sequence after a success; after anything else, drops the producer id. */
  private endIdempotentProduce(succeeded: boolean): void {
    const command = this.command;
    if (command?.type !== 'produce' || !command.idempotent || this.sequence === undefined) return;
    if (succeeded) {
      this.nextSequence.set(`${command.topic}-${command.partition}`, this.sequence + 1);
    } else {
      this.producerId = NO_PRODUCER_ID;
      this.producerEpoch = NO_PRODUCER_EPOCH;
      this.nextSequence.clear();
    }
  }

  private retry(why: string): NodeEffect<KafkaMessage>[] {
    this.attempts++;
    this.metadata = undefined;
    if (this.attempts >= ATTEMPTS_MAX) return this.finish([`failed after ${this.attempts} attempts: ${why}`]);
    return [{ type: 'set-timer', name: 'run', delayMs: RETRY_MS }];
  }

  private send(to: string, build: (correlationId: number) => KafkaMessage): NodeEffect<KafkaMessage>[] {
    const correlationId = this.nextCorrelationId++;
    this.inFlight = correlationId;
    return [{ type: 'send', to, message: build(correlationId) }, { type: 'set-timer', name: 'timeout', delayMs: REQUEST_TIMEOUT_MS }];
  }

  private step(): NodeEffect<KafkaMessage>[] {
    const command = this.command;
    if (command === undefined || this.inFlight !== undefined) return [];
    if (command.type === 'create-topic') {
      return this.send(controllerNodeId(this.controllers.target), (correlationId) => ({
        type: 'CreateTopicsRequest', correlationId, topics: [{ name: command.name, numPartitions: command.partitions, replicationFactor: command.replicationFactor, configs: command.configs }],
      }));
    }
    if (command.type === 'produce' && command.idempotent && this.producerId === NO_PRODUCER_ID) {
      const broker = this.brokers[this.attempts % this.brokers.length] as number;
      return this.send(brokerNodeId(broker), (correlationId) => ({ type: 'InitProducerIdRequest', correlationId }));
    }
    if (this.metadata === undefined) {
      const broker = this.brokers[this.attempts % this.brokers.length] as number;
      return this.send(brokerNodeId(broker), (correlationId) => ({ type: 'MetadataRequest', correlationId, topics: [command.topic] }));
    }
    const topic = this.metadata.topics.find((candidate) => candidate.name === command.topic);
    if (topic === undefined || topic.error !== 'NONE') return this.retry(`topic ${command.topic}: ${topic?.error ?? 'unknown'}`);
    const partitionId = command.partition;
    const partition = topic.partitions.find((candidate) => candidate.partition === partitionId);
    if (partition === undefined || partition.leader === NO_LEADER) return this.retry(`partition ${partitionId} has no leader`);
    if (command.type === 'produce') {
      const record = { timestamp: this.environment.clock.nowMs(), key: command.key === null ? null : new TextEncoder().encode(command.key), value: new TextEncoder().encode(command.value), headers: [] };
      if (command.idempotent) this.sequence ??= this.nextSequence.get(`${command.topic}-${partitionId}`) ?? 0;
      const spec = command.idempotent ? { ...DEFAULT_BATCH_SPEC, producerId: this.producerId, producerEpoch: this.producerEpoch, baseSequence: this.sequence as number } : DEFAULT_BATCH_SPEC;
      return this.send(brokerNodeId(partition.leader), (correlationId) => ({
        type: 'ProduceRequest', correlationId, acks: command.acks, timeoutMs: 3_000, partitions: [{ topic: command.topic, partition: partitionId, records: buildRecordBatch(spec, [record]) }],
      }));
    }
    return this.send(brokerNodeId(partition.leader), (correlationId) => ({
      type: 'FetchRequest', correlationId, replicaId: CONSUMER_REPLICA_ID, replicaEpoch: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20,
      partitions: [{ topic: command.topic, partition: partitionId, currentLeaderEpoch: partition.leaderEpoch, fetchOffset: command.offset, logStartOffset: -1, partitionMaxBytes: 1 << 20 }],
    }));
  }

  private onMessage(message: KafkaMessage): NodeEffect<KafkaMessage>[] {
    if (this.command === undefined || (message as { correlationId?: number }).correlationId !== this.inFlight) return [];
    this.inFlight = undefined;
    const cancel: NodeEffect<KafkaMessage> = { type: 'cancel-timer', name: 'timeout' };
    switch (message.type) {
      case 'CreateTopicsResponse': {
        const result = message.topics[0];
        if (result === undefined) return [cancel, ...this.retry('empty answer')];
        if (result.error === 'NOT_CONTROLLER') {
          this.controllers.failed(this.controllers.target);
          return [cancel, ...this.retry('NOT_CONTROLLER')];
        }
        return this.finish([result.error === 'NONE' ? `created topic ${result.name}` : `error ${result.error}: ${result.message}`]);
      }
      case 'MetadataResponse':
        this.metadata = message;
        return [cancel, ...this.step()];
      case 'InitProducerIdResponse':
        if (message.error !== 'NONE') return [cancel, ...this.retry(`InitProducerId: ${message.error}`)];
        this.producerId = message.producerId;
        this.producerEpoch = message.producerEpoch;
        this.nextSequence.clear();
        return [cancel, ...this.step()];
      case 'ProduceResponse': {
        const result = message.responses[0];
        if (result === undefined) return [cancel, ...this.retry('empty answer')];
        if (result.error === 'NOT_CONTROLLER') {
          this.controllers.failed(this.controllers.target);
          return [cancel, ...this.retry('NOT_CONTROLLER')];
        }
        if (result.error === 'NONE') return this.finish([`ok partition ${result.partition} offset ${result.baseOffset}`], true);
        if (['NOT_LEADER_OR_FOLLOWER', 'LEADER_NOT_AVAILABLE', 'REQUEST_TIMED_OUT', 'KAFKA_STORAGE_ERROR'].includes(result.error)) return [cancel, ...this.retry(result.error)];
        if (this.command.type === 'produce' && this.command.idempotent && (result.error === 'UNKNOWN_PRODUCER_ID' || result.error === 'OUT_OF_ORDER_SEQUENCE_NUMBER')) {
          // The leader lost this producer's state (a truncation, a lost disk) or misses an earlier
          // sequence. Kafka's idempotent producer (TransactionManager.canRetry, KIP-360) bumps
          // its epoch, starts the sequences again at 0 and retries the batch, which a new epoch
          // at sequence 0 may always write.
          this.bumpEpoch();
          return [cancel, ...this.retry(result.error)];
        }
        return this.finish([`error ${result.error}`]);
      }
      case 'FetchResponse': {
        const data = message.partitions[0];
        if (data === undefined) return [cancel, ...this.retry('empty answer')];
        if (data.error !== 'NONE') {
          if (['NOT_LEADER_OR_FOLLOWER', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH'].includes(data.error)) return [cancel, ...this.retry(data.error)];
          return this.finish([`error ${data.error}`]);
        }
        const lines: string[] = [];
        for (const bytes of data.records) {
          const read = readRecordBatch(bytes, 0, bytes.length);
          if (read.type !== 'batch') return this.finish([`error CORRUPT_MESSAGE`]);
          const records = decodeRecords(read.batch);
          if (typeof records === 'string') return this.finish([`error CORRUPT_MESSAGE`]);
          for (const record of records) {
            if (record.offset < (this.command as { offset: number }).offset) continue;
            const key = record.key === null ? '_' : new TextDecoder().decode(record.key);
            lines.push(`${record.offset}: ${key}=${new TextDecoder().decode(record.value ?? new Uint8Array())}`);
          }
        }
        return this.finish(lines.length === 0 ? [`no records (high watermark ${data.highWatermark})`] : [...lines, `high watermark ${data.highWatermark}`]);
      }
      default:
        return [];
    }
  }
}

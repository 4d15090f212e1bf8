import { assert, assertNever } from '../common/assert.ts';
import type { ConfigView } from '../config/config-view.ts';
import type { NodeEffect, NodeEnvironment, NodeId, NodeInput, SimulatedNode } from '../env/node-environment.ts';
import { decodeRecords, readRecordBatch } from '../log/record-batch.ts';
import { NO_LEADER } from '../metadata/metadata-records.ts';
import { METADATA_ERRORS } from '../protocol/errors.ts';
import { KAFKA_RULES, type ProtocolRules } from '../variants/protocol-rules.ts';
import {
  brokerIdOf,
  brokerNodeId,
  CONSUMER_REPLICA_ID,
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  type FetchResponse,
  type KafkaMessage,
  type ListOffsetsResponse,
  type MetadataResponse,
} from '../protocol/messages.ts';

export interface KafkaConsumerOptions {
  readonly name: string;
  readonly brokers: readonly number[];
  readonly config: ConfigView;
  readonly topic: string;
  /** Overrides `auto.offset.reset` (the workload reads everything: `earliest`). */
  readonly autoOffsetReset?: 'earliest' | 'latest';
  /**
   * When the consumer starts polling (simulated ms). Jepsen's Kafka workload ends with final
   * reads: a consumer that starts after the faults heal and reads every partition from the log
   * start to the end, so that every acknowledged record, tail included, is judged.
   */
  readonly startAtMs?: number;
  /** The run's protocol rules; Kafka's when absent. */
  readonly rules?: Pick<ProtocolRules, 'consumerReturnsRecordAtPosition'>;
}

interface PartitionPosition {
  /** The next offset to read; undefined until ListOffsets (auto.offset.reset) has answered. */
  offset: number | undefined;
  /** The leader epoch last seen for the partition (KIP-320's currentLeaderEpoch). */
  leaderEpoch: number;
  /** The partition's high watermark as the last fetch reported it. */
  highWatermark: number;
}

/**
 * A Kafka consumer with manual assignment of every partition of one topic (no group yet). It
 * finds each partition's start with ListOffsets (`auto.offset.reset`), then fetches from the
 * leaders with its current leader epoch, up to the high watermark. Each fetch is one Jepsen
 * `poll` operation of the consumer's process, recording the records it returned and the high
 * watermark the leader reported with them.
 */
export class KafkaConsumer implements SimulatedNode<KafkaMessage> {
  readonly kind = 'consumer';
  private metadata: MetadataResponse | undefined;
  readonly positions = new Map<number, PartitionPosition>();
  private inFlight: { correlationId: number; kind: 'metadata' | 'list-offsets' | 'fetch'; broker: number; pollOpen: boolean } | undefined;
  private nextCorrelationId = 1;
  private nextPartition = 0;
  private effects: NodeEffect<KafkaMessage>[] = [];

  constructor(
    private readonly environment: NodeEnvironment,
    private readonly options: KafkaConsumerOptions,
  ) {
    this.nextCorrelationId = environment.clock.nowMs() * 1000 + 1;
  }

  /** Offsets consumed so far, by partition (the next offset to read). */
  consumedUpTo(partition: number): number | undefined {
    return this.positions.get(partition)?.offset;
  }

  handle(input: NodeInput<KafkaMessage>): readonly NodeEffect<KafkaMessage>[] {
    this.effects = [];
    switch (input.type) {
      case 'start':
        this.timer('poll', Math.max(1, (this.options.startAtMs ?? 0) - this.environment.clock.nowMs()));
        break;
      case 'timer':
        if (input.name === 'request-timeout') this.abandon('REQUEST_TIMED_OUT');
        else {
          assert(input.name === 'poll', `unknown consumer timer ${input.name}`);
          this.poll();
        }
        break;
      case 'receive':
        this.onMessage(input.message);
        break;
      case 'disconnected':
        if (this.inFlight !== undefined && brokerIdOf(input.peer) === this.inFlight.broker) this.abandon('disconnected');
        break;
      case 'signal':
        break;
      default:
        assertNever(input, 'consumer input');
    }
    return this.effects;
  }

  private timer(name: string, delayMs: number): void {
    this.effects.push({ type: 'set-timer', name, delayMs });
  }

  private send(broker: number, message: KafkaMessage, kind: 'metadata' | 'list-offsets' | 'fetch', pollOpen: boolean): void {
    this.inFlight = { correlationId: (message as { correlationId: number }).correlationId, kind, broker, pollOpen };
    this.effects.push({ type: 'send', to: brokerNodeId(broker), message });
    this.timer('request-timeout', this.options.config.number('request.timeout.ms'));
  }

  private abandon(error: string): void {
    const inFlight = this.inFlight;
    if (inFlight === undefined) return;
    this.inFlight = undefined;
    if (inFlight.pollOpen) this.effects.push({ type: 'history', record: { type: 'info', process: this.options.name, f: 'poll', value: { consumer: this.options.name, error } } });
    this.metadata = undefined;
    this.timer('poll', this.options.config.number('retry.backoff.ms'));
  }

  private poll(): void {
    if (this.inFlight !== undefined) return;
    const topic = this.metadata?.topics.find((candidate) => candidate.name === this.options.topic);
    if (topic === undefined || topic.error !== 'NONE' || topic.partitions.length === 0) {
      const broker = this.environment.random.pick(this.options.brokers);
      this.send(broker, { type: 'MetadataRequest', correlationId: this.nextCorrelationId++, topics: [this.options.topic] }, 'metadata', false);
      return;
    }
    for (const partition of topic.partitions) {
      if (!this.positions.has(partition.partition)) this.positions.set(partition.partition, { offset: undefined, leaderEpoch: partition.leaderEpoch, highWatermark: 0 });
      const position = this.positions.get(partition.partition) as PartitionPosition;
      position.leaderEpoch = Math.max(position.leaderEpoch, partition.leaderEpoch);
    }
    // A partition without a leader in our metadata needs fresh metadata: ask for it after this
    // poll rather than wait for an error that will never come from a partition we cannot fetch.
    const leaderless = topic.partitions.some((partition) => partition.leader === NO_LEADER);
    // Round-robin over partitions: one fetch (one poll) at a time, to the partition's leader.
    const count = topic.partitions.length;
    for (let step = 0; step < count; step++) {
      const index = (this.nextPartition + step) % count;
      const partition = topic.partitions[index];
      if (partition === undefined || partition.leader === NO_LEADER) continue;
      this.nextPartition = (index + 1) % count;
      if (leaderless) this.metadata = undefined;
      const position = this.positions.get(partition.partition) as PartitionPosition;
      if (position.offset === undefined) {
        const policy = this.options.autoOffsetReset ?? this.options.config.string('auto.offset.reset');
        const reset = policy === 'latest' ? LATEST_TIMESTAMP : EARLIEST_TIMESTAMP;
        this.send(partition.leader, { type: 'ListOffsetsRequest', correlationId: this.nextCorrelationId++, partitions: [{ topic: this.options.topic, partition: partition.partition, currentLeaderEpoch: position.leaderEpoch, timestamp: reset }] }, 'list-offsets', false);
        return;
      }
      this.effects.push({ type: 'history', record: { type: 'invoke', process: this.options.name, f: 'poll', value: { consumer: this.options.name } } });
      this.send(partition.leader, {
        type: 'FetchRequest',
        correlationId: this.nextCorrelationId++,
        replicaId: CONSUMER_REPLICA_ID,
        replicaEpoch: -1,
        maxWaitMs: this.options.config.number('fetch.max.wait.ms'),
        minBytes: this.options.config.number('fetch.min.bytes'),
        maxBytes: 1 << 20,
        partitions: [{ topic: this.options.topic, partition: partition.partition, currentLeaderEpoch: position.leaderEpoch, fetchOffset: position.offset, logStartOffset: -1, partitionMaxBytes: 1 << 20 }],
      }, 'fetch', true);
      return;
    }
    // No partition has a leader: ask again later.
    this.metadata = undefined;
    this.timer('poll', this.options.config.number('retry.backoff.ms'));
  }

  private onMessage(message: KafkaMessage): void {
    const inFlight = this.inFlight;
    if (inFlight === undefined || (message as { correlationId?: number }).correlationId !== inFlight.correlationId) return;
    this.inFlight = undefined;
    this.effects.push({ type: 'cancel-timer', name: 'request-timeout' });
    switch (message.type) {
      case 'MetadataResponse':
        this.metadata = message;
        this.timer('poll', 0);
        return;
      case 'ListOffsetsResponse':
        return this.onListOffsets(message);
      case 'FetchResponse':
        return this.onFetch(message);
      default:
        this.timer('poll', 0);
        return;
    }
  }

  private onListOffsets(response: ListOffsetsResponse): void {
    for (const answer of response.partitions) {
      const position = this.positions.get(answer.partition);
      if (position === undefined) continue;
      if (answer.error !== 'NONE') {
        if (METADATA_ERRORS.has(answer.error)) this.metadata = undefined;
        continue;
      }
      position.offset = answer.offset;
      const process = this.options.name;
      const value = { consumer: process, topic: answer.topic, partition: answer.partition, offset: answer.offset };
      this.effects.push({ type: 'history', record: { type: 'invoke', process, f: 'seek', value } });
      this.effects.push({ type: 'history', record: { type: 'ok', process, f: 'seek', value } });
    }
    this.timer('poll', 0);
  }

  private onFetch(response: FetchResponse): void {
    // Each record's key is kept (null for a record without one), so that a checker can tell a
    // record compaction removed (a later record with its key exists) from a lost one.
    const records: { topic: string; partition: number; offset: number; key: string | null; value: string }[] = [];
    // The high watermark each partition's leader reported with its records, so that a checker can
    // judge that a read_uncommitted consumer is only given committed records (Kafka docs §4.7; the
    // leader reads with FetchIsolation.HIGH_WATERMARK in ReplicaManager.readFromLocalLog).
    const highWatermarks: { topic: string; partition: number; highWatermark: number }[] = [];
    let error: string | undefined;
    for (const data of response.partitions) {
      const position = this.positions.get(data.partition);
      if (position === undefined) continue;
      if (data.error === 'OFFSET_OUT_OF_RANGE') {
        // auto.offset.reset: look the start up again; the seek is recorded when it answers.
        position.offset = undefined;
        error = data.error;
        continue;
      }
      if (data.error !== 'NONE') {
        if (METADATA_ERRORS.has(data.error)) this.metadata = undefined;
        error = data.error;
        continue;
      }
      position.highWatermark = data.highWatermark;
      highWatermarks.push({ topic: data.topic, partition: data.partition, highWatermark: data.highWatermark });
      for (const bytes of data.records) {
        const read = readRecordBatch(bytes, 0, bytes.length);
        if (read.type !== 'batch') {
          error = 'CORRUPT_MESSAGE';
          break;
        }
        const decoded = decodeRecords(read.batch);
        if (typeof decoded === 'string') {
          error = 'CORRUPT_MESSAGE';
          break;
        }
        for (const record of decoded) {
          // Whole batches come back; records before the position were read already.
          const returnsAtPosition = (this.options.rules ?? KAFKA_RULES).consumerReturnsRecordAtPosition;
          if (position.offset === undefined || (returnsAtPosition ? record.offset < position.offset : record.offset <= position.offset)) continue;
          const key = record.key === null ? null : new TextDecoder().decode(record.key);
          records.push({ topic: data.topic, partition: data.partition, offset: record.offset, key, value: new TextDecoder().decode(record.value ?? new Uint8Array()) });
          position.offset = record.offset + 1;
        }
        // Kafka's fetcher moves on to the batch's next offset once it has drained a batch: a
        // compacted batch may have lost its last records (or all of them), and its offsets stay
        // taken.
        if (position.offset !== undefined && position.offset <= read.batch.lastOffset) position.offset = read.batch.lastOffset + 1;
      }
    }
    const process = this.options.name;
    if (error !== undefined && records.length === 0) {
      this.effects.push({ type: 'history', record: { type: 'fail', process, f: 'poll', value: { consumer: process, error } } });
      this.timer('poll', this.options.config.number('retry.backoff.ms'));
      return;
    }
    this.effects.push({ type: 'history', record: { type: 'ok', process, f: 'poll', value: { consumer: process, records, highWatermarks } } });
    this.timer('poll', 0);
  }

  /** The partitions' high watermarks as last seen (for convergence). */
  highWatermarks(): ReadonlyMap<number, number> {
    return new Map([...this.positions.entries()].map(([partition, position]) => [partition, position.highWatermark]));
  }

  unusedPeer(peer: NodeId): void {
    void peer;
  }
}

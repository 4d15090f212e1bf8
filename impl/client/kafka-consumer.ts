import { assert, assertNever } from '../common/assert.ts';
import type { ConfigView } from '../config/config-view.ts';
import type { HistoryRecord, NodeEffect, NodeEnvironment, NodeId, NodeInput, SimulatedNode } from '../env/node-environment.ts';
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
  type FetchPartition,
  type FetchPartitionResponse,
  type FetchResponse,
  type KafkaMessage,
  type ListOffsetsResponse,
  type MetadataResponse,
  type PartitionMetadata,
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

/** A request on the wire, by kind (the part of Kafka's `InFlightRequests` the consumer needs). */
type InFlightRequest =
  | { readonly kind: 'metadata'; readonly broker: number }
  | { readonly kind: 'list-offsets'; readonly broker: number }
  /** `fetchOffsets`: each partition asked for, with the position it was fetched from. */
  | { readonly kind: 'fetch'; readonly broker: number; readonly fetchOffsets: ReadonlyMap<number, number> };

/**
 * One partition's part of a fetch response, buffered until a poll drains it (Kafka's
 * `CompletedFetch` in the `FetchBuffer`).
 */
interface CompletedFetch {
  /** The position the fetch was sent from: a position that moved since makes it stale. */
  readonly fetchOffset: number;
  readonly data: FetchPartitionResponse;
}

interface PolledRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string;
}

interface ReportedHighWatermark {
  readonly topic: string;
  readonly partition: number;
  readonly highWatermark: number;
}

/** What draining the completed fetches gave (Kafka's `Fetch`), and the first error met. */
interface Fetch {
  readonly records: PolledRecord[];
  readonly highWatermarks: ReportedHighWatermark[];
  error: string | undefined;
}

/** How a poll operation ends in the history. */
type PollOutcome =
  | { readonly type: 'ok'; readonly records: readonly PolledRecord[]; readonly highWatermarks: readonly ReportedHighWatermark[] }
  /** Certainly nothing was read: the fetches answered with errors only. */
  | { readonly type: 'fail'; readonly error: string }
  /** A fetch was lost on the wire (timeout, disconnect); its outcome is unknown. */
  | { readonly type: 'info'; readonly error: string };

/**
 * How long the workload's `poll(Duration)` waits for records before it returns none. Longer
 * than `fetch.max.wait.ms`'s default, so that an idle poll normally sees its fetches answered.
 */
const POLL_TIMEOUT_MS = 1000;
/** Kafka's `max.partition.fetch.bytes` default (1 MiB). */
const MAX_PARTITION_FETCH_BYTES = 1 << 20;
/** Kafka's `fetch.max.bytes` default (50 MiB). */
const FETCH_MAX_BYTES = 50 * (1 << 20);
const REQUEST_TIMEOUT_TIMER = 'request-timeout:';

/**
 * A Kafka consumer with manual assignment of every partition of one topic (no group yet), shaped
 * like Kafka's `Fetcher`/`AbstractFetch` and `OffsetFetcher`. Each poll of the application's poll
 * loop is one Jepsen `poll` operation of the consumer's process. A poll drains the completed
 * fetches buffered so far, then sends one FetchRequest to every leader that has no fetch pending
 * (`prepareFetchRequests` groups the fetchable partitions by leader;
 * `nodesWithPendingFetchRequests` keeps a leader to one), carrying every partition that leader
 * leads with a known position and nothing buffered, at the current leader epoch (KIP-320). A
 * partition without a position is reset (`auto.offset.reset`) with one ListOffsets per leader.
 * Leaders answer up to their high watermark, after `fetch.min.bytes` or `fetch.max.wait.ms`;
 * answers are buffered per partition, and the open poll returns, `ok`, with the records of every
 * partition drained at once and the high watermark each partition's leader sent with them. A poll
 * that drains no records keeps waiting, up to its timeout (then `ok` with none), as Kafka's
 * `poll(Duration)` does; one whose fetches answered only errors `fail`s; one whose fetch was lost
 * on the wire ends `info`. A reset's ListOffsets answer is recorded as a `seek` operation of the
 * same process, so it first ends the open poll (the history's processes are single-threaded).
 */
export class KafkaConsumer implements SimulatedNode<KafkaMessage> {
  readonly kind = 'consumer';
  private metadata: MetadataResponse | undefined;
  /** Kafka's `Metadata.requestUpdate`: the next poll step asks for metadata. */
  private metadataUpdateRequested = false;
  /** Kafka's `retry.backoff.ms` between metadata refreshes. */
  private metadataRefreshAllowedAtMs = 0;
  readonly positions = new Map<number, PartitionPosition>();
  private readonly inFlightRequests = new Map<number, InFlightRequest>();
  /** By partition, in arrival order; at most one per partition (a buffered one is not fetched). */
  private readonly completedFetches = new Map<number, CompletedFetch>();
  /** By broker: no request until then after its connection failed (a reconnect backoff). */
  private readonly nodeBackoffUntilMs = new Map<number, number>();
  private pollOpen = false;
  private nextCorrelationId = 1;
  private effects: NodeEffect<KafkaMessage>[] = [];

  constructor(
    private readonly environment: NodeEnvironment,
    private readonly options: KafkaConsumerOptions,
  ) {
    assert(options.brokers.length > 0, 'a consumer needs brokers to bootstrap from');
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
        this.onTimer(input.name);
        break;
      case 'receive':
        this.onResponse(input.message);
        break;
      case 'disconnected': {
        const broker = brokerIdOf(input.peer);
        if (broker !== undefined) this.onDisconnect(broker, 'disconnected');
        break;
      }
      case 'signal':
        break;
      default:
        assertNever(input, 'consumer input');
    }
    this.checkInvariants();
    return this.effects;
  }

  private checkInvariants(): void {
    // An open poll drains every completed fetch the moment it arrives.
    if (this.pollOpen) assert(this.completedFetches.size === 0, 'an open poll left completed fetches buffered');
    assert(this.completedFetches.size <= this.positions.size, 'more completed fetches than partitions');
    // One metadata request, and per broker one fetch and one ListOffsets at most.
    assert(this.inFlightRequests.size <= 2 * this.options.brokers.length + 1, 'too many requests in flight');
    assert(this.nodeBackoffUntilMs.size <= this.options.brokers.length, 'backoff for an unknown broker');
  }

  private timer(name: string, delayMs: number): void {
    this.effects.push({ type: 'set-timer', name, delayMs });
  }

  private history(record: HistoryRecord): void {
    this.effects.push({ type: 'history', record });
  }

  private onTimer(name: string): void {
    if (name === 'poll') return this.startPoll();
    if (name === 'poll-timeout') {
      // Kafka's poll(Duration) returns no records once its timer expires.
      assert(this.pollOpen, 'a poll timed out that was not open');
      return this.completePoll({ type: 'ok', records: [], highWatermarks: [] });
    }
    if (name === 'backoff') {
      if (this.pollOpen) this.pollStep();
      return;
    }
    assert(name.startsWith(REQUEST_TIMEOUT_TIMER), `unknown consumer timer ${name}`);
    const request = this.inFlightRequests.get(Number(name.slice(REQUEST_TIMEOUT_TIMER.length)));
    assert(request !== undefined, `${name} fired for a request no longer in flight`);
    // Kafka's NetworkClient.handleTimedOutRequests closes the connection of a request that timed
    // out, failing every request in flight on it.
    this.onDisconnect(request.broker, 'REQUEST_TIMED_OUT');
  }

  /** The application calls poll: one Jepsen `poll` operation opens. */
  private startPoll(): void {
    assert(!this.pollOpen, 'a poll started while one was open');
    this.pollOpen = true;
    this.history({ type: 'invoke', process: this.options.name, f: 'poll', value: { consumer: this.options.name } });
    this.timer('poll-timeout', POLL_TIMEOUT_MS);
    this.pollStep();
  }

  /**
   * One turn of the open poll (Kafka's `pollForFetches`): drain what is buffered, send the next
   * round of requests (before returning, so that fetches are pipelined), and return the records
   * if there are any.
   */
  private pollStep(): void {
    assert(this.pollOpen, 'a poll step without an open poll');
    const fetch = this.collectFetch();
    this.sendRequests();
    if (fetch.records.length > 0) this.completePoll({ type: 'ok', records: fetch.records, highWatermarks: fetch.highWatermarks });
    else if (fetch.error !== undefined) this.completePoll({ type: 'fail', error: fetch.error });
  }

  private completePoll(outcome: PollOutcome): void {
    assert(this.pollOpen, 'a poll completed that was not open');
    assert(this.completedFetches.size === 0, 'a poll completed with completed fetches undrained');
    this.pollOpen = false;
    this.effects.push({ type: 'cancel-timer', name: 'poll-timeout' });
    const process = this.options.name;
    switch (outcome.type) {
      case 'ok':
        this.history({ type: 'ok', process, f: 'poll', value: { consumer: process, records: outcome.records, highWatermarks: outcome.highWatermarks } });
        this.timer('poll', 0);
        return;
      case 'fail':
      case 'info':
        this.history({ type: outcome.type, process, f: 'poll', value: { consumer: process, error: outcome.error } });
        this.timer('poll', this.retryBackoffMs());
        return;
      default:
        assertNever(outcome, 'poll outcome');
    }
  }

  private retryBackoffMs(): number {
    return this.options.config.number('retry.backoff.ms');
  }

  private topicMetadata(): MetadataResponse['topics'][number] | undefined {
    const topic = this.metadata?.topics.find((candidate) => candidate.name === this.options.topic);
    if (topic === undefined || topic.error !== 'NONE' || topic.partitions.length === 0) return undefined;
    return topic;
  }

  /**
   * Sends what the poll needs and nothing is already asking for: metadata, ListOffsets for
   * partitions without a position, fetches. Where a backoff holds a request back, the `backoff`
   * timer brings the poll back when the earliest one ends.
   */
  private sendRequests(): void {
    const topic = this.topicMetadata();
    if (topic === undefined) this.metadataUpdateRequested = true;
    else this.updatePositions(topic.partitions);
    const waits = [this.maybeUpdateMetadata()];
    if (topic !== undefined) {
      waits.push(this.resetPositions(topic.partitions));
      waits.push(this.sendFetches(topic.partitions));
    }
    const nowMs = this.environment.clock.nowMs();
    const until = waits.filter((wait): wait is number => wait !== undefined);
    if (until.length > 0) this.timer('backoff', Math.max(1, Math.min(...until) - nowMs));
  }

  /** Every partition of the topic is assigned; the metadata's leader epochs only ever raise ours. */
  private updatePositions(partitions: readonly PartitionMetadata[]): void {
    for (const partition of partitions) {
      const position = this.positions.get(partition.partition);
      if (position === undefined) {
        this.positions.set(partition.partition, { offset: undefined, leaderEpoch: partition.leaderEpoch, highWatermark: 0 });
      } else {
        position.leaderEpoch = Math.max(position.leaderEpoch, partition.leaderEpoch);
      }
      // A partition without a leader in our metadata needs fresh metadata: ask for it rather
      // than wait for an error that will never come from a partition we cannot fetch.
      if (partition.leader === NO_LEADER) this.metadataUpdateRequested = true;
    }
  }

  /** Returns when a backoff ends that held the refresh back, if one did. */
  private maybeUpdateMetadata(): number | undefined {
    if (this.metadata !== undefined && !this.metadataUpdateRequested) return undefined;
    for (const request of this.inFlightRequests.values()) if (request.kind === 'metadata') return undefined;
    if (this.environment.clock.nowMs() < this.metadataRefreshAllowedAtMs) return this.metadataRefreshAllowedAtMs;
    const broker = this.environment.random.pick(this.options.brokers);
    const correlationId = this.nextCorrelationId++;
    this.send(broker, correlationId, { kind: 'metadata', broker }, { type: 'MetadataRequest', correlationId, topics: [this.options.topic] });
    return undefined;
  }

  /**
   * The leaders to send to, each with its partitions in metadata order, skipping leaders with a
   * request of `kind` pending; also returns when a backoff ends that held a leader back.
   */
  private groupByLeader(
    partitions: readonly PartitionMetadata[],
    kind: 'fetch' | 'list-offsets',
    wanted: (position: PartitionPosition, partition: number) => boolean,
  ): { byLeader: Map<number, PartitionMetadata[]>; backoffUntilMs: number | undefined } {
    const pending = new Set<number>();
    for (const request of this.inFlightRequests.values()) if (request.kind === kind) pending.add(request.broker);
    const nowMs = this.environment.clock.nowMs();
    const byLeader = new Map<number, PartitionMetadata[]>();
    let backoffUntilMs: number | undefined;
    for (const partition of partitions) {
      const position = this.positions.get(partition.partition);
      assert(position !== undefined, `partition ${partition.partition} has no position entry`);
      if (partition.leader === NO_LEADER || pending.has(partition.leader)) continue;
      if (!wanted(position, partition.partition)) continue;
      const until = this.nodeBackoffUntilMs.get(partition.leader);
      if (until !== undefined && nowMs < until) {
        backoffUntilMs = Math.min(backoffUntilMs ?? until, until);
        continue;
      }
      const list = byLeader.get(partition.leader) ?? [];
      list.push(partition);
      byLeader.set(partition.leader, list);
    }
    return { byLeader, backoffUntilMs };
  }

  /** Kafka's `OffsetFetcher.resetPositionsIfNeeded`: one ListOffsets per leader. */
  private resetPositions(partitions: readonly PartitionMetadata[]): number | undefined {
    const { byLeader, backoffUntilMs } = this.groupByLeader(partitions, 'list-offsets', (position) => position.offset === undefined);
    const policy = this.options.autoOffsetReset ?? this.options.config.string('auto.offset.reset');
    const timestamp = policy === 'latest' ? LATEST_TIMESTAMP : EARLIEST_TIMESTAMP;
    for (const [broker, led] of byLeader) {
      const correlationId = this.nextCorrelationId++;
      const queries = led.map((partition) => ({
        topic: this.options.topic,
        partition: partition.partition,
        currentLeaderEpoch: (this.positions.get(partition.partition) as PartitionPosition).leaderEpoch,
        timestamp,
      }));
      this.send(broker, correlationId, { kind: 'list-offsets', broker }, { type: 'ListOffsetsRequest', correlationId, partitions: queries });
    }
    return backoffUntilMs;
  }

  /** Kafka's `AbstractFetch.prepareFetchRequests` and `sendFetches`: one fetch per leader. */
  private sendFetches(partitions: readonly PartitionMetadata[]): number | undefined {
    const fetchable = (position: PartitionPosition, partition: number): boolean => position.offset !== undefined && !this.completedFetches.has(partition);
    const { byLeader, backoffUntilMs } = this.groupByLeader(partitions, 'fetch', fetchable);
    for (const [broker, led] of byLeader) {
      const fetchOffsets = new Map<number, number>();
      const fetches: FetchPartition[] = led.map((partition) => {
        const position = this.positions.get(partition.partition) as PartitionPosition;
        const fetchOffset = position.offset as number;
        fetchOffsets.set(partition.partition, fetchOffset);
        return { topic: this.options.topic, partition: partition.partition, currentLeaderEpoch: position.leaderEpoch, fetchOffset, logStartOffset: -1, partitionMaxBytes: MAX_PARTITION_FETCH_BYTES };
      });
      const correlationId = this.nextCorrelationId++;
      this.send(broker, correlationId, { kind: 'fetch', broker, fetchOffsets }, {
        type: 'FetchRequest',
        correlationId,
        replicaId: CONSUMER_REPLICA_ID,
        replicaEpoch: -1,
        maxWaitMs: this.options.config.number('fetch.max.wait.ms'),
        minBytes: this.options.config.number('fetch.min.bytes'),
        maxBytes: FETCH_MAX_BYTES,
        partitions: fetches,
      });
    }
    return backoffUntilMs;
  }

  private send(broker: number, correlationId: number, request: InFlightRequest, message: KafkaMessage): void {
    assert(!this.inFlightRequests.has(correlationId), `correlation id ${correlationId} reused`);
    assert(request.broker === broker, 'a request recorded for another broker');
    this.inFlightRequests.set(correlationId, request);
    this.effects.push({ type: 'send', to: brokerNodeId(broker), message });
    this.timer(`${REQUEST_TIMEOUT_TIMER}${correlationId}`, this.options.config.number('request.timeout.ms'));
  }

  /**
   * The connection to `broker` failed: every request on it is abandoned, nothing more goes to it
   * for `retry.backoff.ms`, and metadata is refreshed (Kafka's `handleServerDisconnect`). A lost
   * fetch ends the open poll with an unknown outcome.
   */
  private onDisconnect(broker: number, error: string): void {
    let abandoned = 0;
    let fetchLost = false;
    for (const [correlationId, request] of [...this.inFlightRequests]) {
      if (request.broker !== broker) continue;
      this.inFlightRequests.delete(correlationId);
      this.effects.push({ type: 'cancel-timer', name: `${REQUEST_TIMEOUT_TIMER}${correlationId}` });
      abandoned++;
      if (request.kind === 'fetch') fetchLost = true;
      if (request.kind === 'metadata') this.metadataRefreshAllowedAtMs = this.environment.clock.nowMs() + this.retryBackoffMs();
    }
    if (abandoned === 0) return;
    this.nodeBackoffUntilMs.set(broker, this.environment.clock.nowMs() + this.retryBackoffMs());
    this.metadataUpdateRequested = true;
    if (!this.pollOpen) return;
    if (fetchLost) this.completePoll({ type: 'info', error });
    else this.pollStep();
  }

  private onResponse(message: KafkaMessage): void {
    const correlationId = (message as { correlationId?: number }).correlationId;
    const request = correlationId === undefined ? undefined : this.inFlightRequests.get(correlationId);
    // A late answer to a request abandoned on timeout or disconnect is dropped.
    if (correlationId === undefined || request === undefined) return;
    this.inFlightRequests.delete(correlationId);
    this.effects.push({ type: 'cancel-timer', name: `${REQUEST_TIMEOUT_TIMER}${correlationId}` });
    switch (message.type) {
      case 'MetadataResponse':
        assert(request.kind === 'metadata', `a MetadataResponse answered a ${request.kind} request`);
        this.metadata = message;
        this.metadataUpdateRequested = false;
        this.metadataRefreshAllowedAtMs = this.environment.clock.nowMs() + this.retryBackoffMs();
        break;
      case 'ListOffsetsResponse':
        assert(request.kind === 'list-offsets', `a ListOffsetsResponse answered a ${request.kind} request`);
        this.onListOffsets(message);
        break;
      case 'FetchResponse':
        assert(request.kind === 'fetch', `a FetchResponse answered a ${request.kind} request`);
        this.onFetch(request.fetchOffsets, message);
        break;
      default:
        assert(false, `a ${request.kind} request was answered by ${message.type}`);
    }
    if (this.pollOpen) this.pollStep();
  }

  private onListOffsets(response: ListOffsetsResponse): void {
    // Answers for partitions that still wait for a reset; a second answer for one (asked of an
    // old leader and a new one) finds its position set already.
    const answers = response.partitions.filter((answer) => {
      if (answer.error !== 'NONE') {
        if (METADATA_ERRORS.has(answer.error)) this.metadataUpdateRequested = true;
        return false;
      }
      const position = this.positions.get(answer.partition);
      return position !== undefined && position.offset === undefined;
    });
    if (answers.length === 0) return;
    // The seek is an operation of the consumer's process: the open poll returns first.
    if (this.pollOpen) this.completePoll({ type: 'ok', records: [], highWatermarks: [] });
    const process = this.options.name;
    for (const answer of answers) {
      (this.positions.get(answer.partition) as PartitionPosition).offset = answer.offset;
      const value = { consumer: process, topic: answer.topic, partition: answer.partition, offset: answer.offset };
      this.history({ type: 'invoke', process, f: 'seek', value });
      this.history({ type: 'ok', process, f: 'seek', value });
    }
  }

  /** Buffers each partition's answer; the records are judged when a poll drains them. */
  private onFetch(fetchOffsets: ReadonlyMap<number, number>, response: FetchResponse): void {
    for (const data of response.partitions) {
      const fetchOffset = fetchOffsets.get(data.partition);
      if (fetchOffset === undefined || data.topic !== this.options.topic) continue;
      // Asked of an old leader and a new one, a partition answers twice: the first answer wins,
      // and the second, from the same position, would be dropped as stale on draining anyway.
      if (this.completedFetches.has(data.partition)) continue;
      const error = response.error === 'NONE' ? data.error : response.error;
      this.completedFetches.set(data.partition, { fetchOffset, data: error === data.error ? data : { ...data, error, records: [] } });
    }
    assert(this.completedFetches.size <= this.positions.size, 'more completed fetches than partitions');
  }

  /** Kafka's `FetchCollector.collectFetch`: drains every completed fetch, in arrival order. */
  private collectFetch(): Fetch {
    const fetch: Fetch = { records: [], highWatermarks: [], error: undefined };
    for (const [partition, completed] of this.completedFetches) {
      const position = this.positions.get(partition);
      assert(position !== undefined, `a completed fetch for unassigned partition ${partition}`);
      // Kafka ignores fetched data for a partition whose position moved since the fetch was sent.
      if (position.offset !== completed.fetchOffset) continue;
      this.fetchRecords(position, completed.data, fetch);
    }
    this.completedFetches.clear();
    const partitions = new Set(fetch.highWatermarks.map((reported) => reported.partition));
    assert(partitions.size === fetch.highWatermarks.length, 'a poll reported two high watermarks for a partition');
    return fetch;
  }

  /** Kafka's `FetchCollector.initialize` (errors) and `fetchRecords` for one partition. */
  private fetchRecords(position: PartitionPosition, data: FetchPartitionResponse, fetch: Fetch): void {
    if (data.error === 'OFFSET_OUT_OF_RANGE') {
      // auto.offset.reset: look the start up again; the seek is recorded when it answers.
      position.offset = undefined;
      fetch.error ??= data.error;
      return;
    }
    if (data.error !== 'NONE') {
      if (METADATA_ERRORS.has(data.error)) this.metadataUpdateRequested = true;
      fetch.error ??= data.error;
      return;
    }
    // The high watermark the leader sent with these records, so that a checker can judge that a
    // read_uncommitted consumer is only given committed records (Kafka docs §4.7; the leader
    // reads with FetchIsolation.HIGH_WATERMARK in ReplicaManager.readFromLocalLog).
    position.highWatermark = data.highWatermark;
    fetch.highWatermarks.push({ topic: data.topic, partition: data.partition, highWatermark: data.highWatermark });
    const returnsAtPosition = (this.options.rules ?? KAFKA_RULES).consumerReturnsRecordAtPosition;
    for (const bytes of data.records) {
      const read = readRecordBatch(bytes, 0, bytes.length);
      if (read.type !== 'batch') {
        fetch.error ??= 'CORRUPT_MESSAGE';
        return;
      }
      const decoded = decodeRecords(read.batch);
      if (typeof decoded === 'string') {
        fetch.error ??= 'CORRUPT_MESSAGE';
        return;
      }
      for (const record of decoded) {
        // Whole batches come back; records before the position were read already.
        const offset = position.offset as number;
        if (returnsAtPosition ? record.offset < offset : record.offset <= offset) continue;
        // Each record's key is kept (null for a record without one), so that a checker can tell
        // a record compaction removed (a later record with its key exists) from a lost one.
        const key = record.key === null ? null : new TextDecoder().decode(record.key);
        const value = new TextDecoder().decode(record.value ?? new Uint8Array());
        fetch.records.push({ topic: data.topic, partition: data.partition, offset: record.offset, key, value });
        position.offset = record.offset + 1;
      }
      // Kafka's fetcher moves on to the batch's next offset once it has drained a batch: a
      // compacted batch may have lost its last records (or all of them), and its offsets stay
      // taken.
      if ((position.offset as number) <= read.batch.lastOffset) position.offset = read.batch.lastOffset + 1;
    }
  }

  /** The partitions' high watermarks as last seen (for convergence). */
  highWatermarks(): ReadonlyMap<number, number> {
    return new Map([...this.positions.entries()].map(([partition, position]) => [partition, position.highWatermark]));
  }

  unusedPeer(peer: NodeId): void {
    void peer;
  }
}

import { assert } from '../common/assert.ts';
import type { MetadataState } from '../controller/controller-state.ts';
import type { NodeId } from '../env/node-environment.ts';
import { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from '../log/leader-epoch-file-cache.ts';
import type { LogConfig } from '../log/log-config.ts';
import type { LogManager } from '../log/log-manager.ts';
import type { KafkaError } from '../protocol/errors.ts';
import {
  EARLIEST_TIMESTAMP,
  type AlterPartitionResponse,
  type FetchPartitionResponse,
  type FetchRequest,
  type ListOffsetsRequest,
  type OffsetsForLeaderEpochRequest,
  type ProducePartitionResponse,
  type ProduceRequest,
} from '../protocol/messages.ts';
import type { ProtocolRules } from '../variants/protocol-rules.ts';
import type { BrokerIo, DelayedOperationContext } from './broker-io.ts';
import { DelayedFetch } from './delayed-fetch.ts';
import { DelayedOperationPurgatory } from './delayed-operation-purgatory.ts';
import { DelayedProduce } from './delayed-produce.ts';
import { Partition, type PartitionContext } from './partition.ts';
import type { ReplicaFetcher } from './replica-fetcher.ts';

/** Requests a broker keeps waiting, in each purgatory (delayed produce, delayed fetch): a bound on everything. */
const DELAYED_OPERATIONS_MAX = 10_000;
/** The prefix of the timer that ends a delayed produce's wait (`request.timeout.ms`). */
export const PRODUCE_TIMEOUT_TIMER_PREFIX = 'produce-timeout:';
/** The prefix of the timer that ends a delayed fetch's wait (`maxWaitMs`). */
export const FETCH_WAIT_TIMER_PREFIX = 'fetch-wait:';

/** What the replica manager needs from its broker. */
export interface ReplicaManagerContext {
  readonly brokerId: number;
  /** The run's protocol rules (`impl/variants/protocol-rules.ts`). */
  readonly rules: ProtocolRules;
  readonly io: BrokerIo;
  readonly logManager: LogManager;
  /** What each replica's `Partition` needs from the broker. */
  readonly partitionContext: PartitionContext;
  /** The high watermarks the last checkpoint held when this process loaded its logs. */
  readonly loadedHighWatermarks: ReadonlyMap<string, number>;
  /** Configuration for a topic's logs: the run's overrides plus the topic's own configs. */
  logConfig(topic: string): LogConfig;
  /** Follows the leaders of the partitions this broker follows. */
  readonly replicaFetcher: ReplicaFetcher;
  /**
   * Told of every replica after each metadata delta, once its registration is applied (Kafka's
   * `BrokerMetadataPublisher` tells the group coordinator of elections and resignations).
   */
  onPartitionApplied?(partition: Partition): void;
}

/**
 * Kafka's `ReplicaManager`: this broker's replicas (`Partition`s) and what is asked of them. It
 * applies the metadata's assignments (leader or follower, with the replica fetcher), appends
 * producers' batches as leader, serves fetches from followers and consumers, answers
 * OffsetsForLeaderEpoch and ListOffsets, shrinks ISRs that lag, and holds the produce and fetch
 * requests that wait for replication or data.
 */
export class ReplicaManager {
  readonly partitions = new Map<string, Partition>();
  /** Kafka's `delayedProducePurgatory`: acks=all produces waiting for the high watermark. */
  private readonly producePurgatory = new DelayedOperationPurgatory<DelayedProduce>('Produce', DELAYED_OPERATIONS_MAX);
  /** Kafka's `delayedFetchPurgatory`: fetches waiting for data. */
  private readonly fetchPurgatory = new DelayedOperationPurgatory<DelayedFetch>('Fetch', DELAYED_OPERATIONS_MAX);
  /**
   * The partitions, watched in each purgatory, whose high watermark, leadership, ISR or log end
   * moved since that purgatory was last checked (`Partition.tryCompleteDelayedRequests`): the keys
   * its next `checkAndComplete` takes. Bounded by the keys watched.
   */
  private readonly produceKeysToCheck = new Set<string>();
  private readonly fetchKeysToCheck = new Set<string>();

  private readonly delayedContext: DelayedOperationContext;

  constructor(private readonly context: ReplicaManagerContext) {
    this.delayedContext = { io: context.io, getPartition: (name) => this.partitions.get(name) };
  }

  /**
   * `Partition.tryCompleteDelayedRequests`: remembers `name` for the next check of each purgatory
   * that has requests waiting on it. A key nothing waits on is not remembered: a produce is tried
   * when it starts waiting, and a fetch is checked at the next completion point after it starts.
   */
  tryCompleteDelayedRequests(name: string): void {
    assert(this.partitions.has(name), `${name}: a change reported by a replica this broker does not hold`);
    if (this.producePurgatory.isWatched(name)) this.produceKeysToCheck.add(name);
    if (this.fetchPurgatory.isWatched(name)) this.fetchKeysToCheck.add(name);
  }

  /**
   * The completion point after an append that did not come through `appendRecords` (the group
   * coordinator's, Kafka's `addCompletePurgatoryAction` run by a `directActionQueue`): the waiting
   * produces, then the waiting fetches, of the partitions that moved.
   */
  completeDelayedRequests(): void {
    this.completeDelayedProduces();
    this.completeDelayedFetches();
  }

  /** This broker's replica of `name` (`topic-partition`), if it has one. */
  getPartition(name: string): Partition | undefined {
    return this.partitions.get(name);
  }

  /**
   * Kafka's `ReplicaManager.maybeShrinkIsr`, run every half `replica.lag.time.max.ms`: each led
   * partition drops the followers that lag; a shrink can move the high watermark.
   */
  maybeShrinkIsr(): void {
    for (const partition of this.sortedPartitions()) partition.maybeShrinkIsr();
    this.completeDelayedProduces();
  }

  /** The controller's answer to one of this broker's AlterPartition requests. */
  onAlterPartitionResponse(message: AlterPartitionResponse): void {
    const partition = [...this.partitions.values()].find((candidate) => candidate.topicId === message.topicId && candidate.partitionId === message.partitionId);
    partition?.onAlterPartitionResponse(message);
    this.completeDelayedProduces();
  }

  /** Kafka's `ReplicaManager.checkpointHighWatermarks`: every replica's, in a fixed order. */
  checkpointHighWatermarks(): void {
    const hws = new Map<string, number>();
    for (const partition of this.sortedPartitions()) hws.set(partition.name, partition.highWatermark);
    this.context.logManager.checkpointHighWatermarks(hws);
  }

  // ---- Partitions from metadata (Kafka's applyDelta) --------------------------------------------------

  /** This broker's replicas in name order, for passes over all of them. */
  sortedPartitions(): Partition[] {
    return [...this.partitions.keys()].sort().map((name) => this.partitions.get(name) as Partition);
  }

  /**
   * Kafka's `ReplicaManager.applyDelta`: creates the replicas the metadata assigns to this broker,
   * makes each leader or follower as its registration says, starts and stops their fetchers, and
   * then answers the requests the changes let complete.
   */
  applyDelta(image: MetadataState): void {
    for (const registration of image.allPartitions()) {
      if (!registration.replicas.includes(this.context.brokerId)) continue;
      const name = `${registration.topicName}-${registration.partitionId}`;
      let partition = this.partitions.get(name);
      if (partition === undefined) {
        const tp = { topic: registration.topicName, partition: registration.partitionId };
        const config = this.context.logConfig(registration.topicName);
        const log = this.context.logManager.getOrCreateLog(tp, config);
        // A log loaded at startup was opened before the metadata named its topic's configs.
        log.updateConfig(config);
        partition = new Partition(registration.topicName, registration.partitionId, registration.topicId, log, this.context.loadedHighWatermarks.get(name) ?? 0, this.context.partitionContext);
        this.partitions.set(name, partition);
      }
      const change = partition.applyRegistration(registration);
      if (change.becameLeader) {
        this.context.replicaFetcher.removeFetcherForPartition(name);
      } else if (change.becameFollower) {
        this.context.replicaFetcher.addFetcherForPartition(partition, registration);
      }
      this.context.onPartitionApplied?.(partition);
    }
    this.completeDelayedProduces();
    this.completeDelayedFetches();
  }

  // ---- Leader: requests from followers and clients -------------------------------------------------------

  /** Kafka's `ReplicaManager.lastOffsetForLeaderEpoch`: where each asked epoch ends in the leader's log. */
  lastOffsetForLeaderEpoch(from: NodeId, request: OffsetsForLeaderEpochRequest): void {
    const partitions = request.partitions.map((query) => {
      const partition = this.partitions.get(`${query.topic}-${query.partition}`);
      const base = { topic: query.topic, partition: query.partition };
      if (partition === undefined || partition.role !== 'leader') return { ...base, error: 'NOT_LEADER_OR_FOLLOWER' as KafkaError, leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
      const epochError = partition.checkLeaderEpoch(query.currentLeaderEpoch);
      if (epochError !== 'NONE') return { ...base, error: epochError, leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
      const answer = partition.log.leaderEpochCache.endOffsetFor(query.leaderEpoch, partition.log.logEndOffset);
      if (!this.context.rules.offsetsForLeaderEpochAnswersEpoch) {
        // Before KIP-279 the answer was an offset alone: no epoch for the follower to check.
        return { ...base, error: 'NONE' as KafkaError, leaderEpoch: UNDEFINED_EPOCH, endOffset: answer.endOffset };
      }
      return { ...base, error: 'NONE' as KafkaError, leaderEpoch: answer.epoch, endOffset: answer.endOffset };
    });
    this.context.io.send(from, { type: 'OffsetsForLeaderEpochResponse', correlationId: request.correlationId, partitions });
  }

  /**
   * Kafka's `ReplicaManager.appendRecords`: appends each partition's batches as leader and answers
   * at once, or (acks=all) once the high watermark covers them (`DelayedProduce`).
   */
  appendRecords(from: NodeId, request: ProduceRequest): void {
    const results = request.partitions.map((data) => {
      const partition = this.partitions.get(`${data.topic}-${data.partition}`);
      if (partition === undefined) {
        return { topic: data.topic, partition: data.partition, error: 'NOT_LEADER_OR_FOLLOWER' as KafkaError, baseOffset: -1, lastOffset: -1, logAppendTime: -1, logStartOffset: -1, errorMessage: '' };
      }
      return partition.appendRecordsToLeader(data.records, request.acks, partition.minInsyncReplicas);
    });
    this.completeDelayedFetches();
    if (request.acks === 0) return;
    const waiting = this.context.rules.acksAllWaitsForHighWatermark && request.acks === -1 && results.some((result) => result.error === 'NONE');
    if (!waiting) return this.respondProduce(from, request, results);
    const timer = `${PRODUCE_TIMEOUT_TIMER_PREFIX}${from}:${request.correlationId}`;
    const delayed = new DelayedProduce(from, request, results, timer, this.delayedContext, (answers) => this.respondProduce(from, request, answers));
    // The timer is set before anything is tried, and the produces already waiting are tried
    // before this one: the order refka has always answered in (it tried every waiting produce,
    // oldest first, after adding this one).
    this.context.io.setTimer(timer, request.timeoutMs);
    this.completeDelayedProduces();
    this.producePurgatory.tryCompleteElseWatch(delayed, delayed.keys);
  }

  /**
   * Tries the delayed produces that may complete: those waiting on a partition whose high
   * watermark, leadership or ISR moved since the last check, and those waiting on a partition
   * this broker does not lead (a `DelayedProduce` marks such a partition at every try, and refka
   * has always tried every waiting produce here). Called where refka has always tried them: after
   * a follower's fetch, an ISR shrink or an AlterPartition answer, new metadata, and a new acks=all
   * produce. A produce none of whose partitions moved, all led here, would not complete if tried.
   */
  private completeDelayedProduces(): void {
    if (this.producePurgatory.numDelayed === 0) {
      this.produceKeysToCheck.clear();
      return;
    }
    assert(this.produceKeysToCheck.size <= this.partitions.size, `${this.produceKeysToCheck.size} keys to check over ${this.partitions.size} replicas`);
    const keys = [...this.produceKeysToCheck];
    this.produceKeysToCheck.clear();
    for (const key of this.producePurgatory.watchedKeys()) {
      if (this.partitions.get(key)?.role !== 'leader') keys.push(key);
    }
    this.producePurgatory.checkAndComplete(keys);
  }

  /** A delayed produce's timer (`produce-timeout:`) fired: answer it as it stands. */
  expireProduce(timer: string): void {
    this.producePurgatory.expire(timer);
  }

  private respondProduce(to: NodeId, request: ProduceRequest, results: readonly (ProducePartitionResponse & { lastOffset?: number })[]): void {
    this.context.io.send(to, {
      type: 'ProduceResponse',
      correlationId: request.correlationId,
      responses: results.map(({ topic, partition, error, baseOffset, logAppendTime, logStartOffset, errorMessage }) => ({ topic, partition, error, baseOffset, logAppendTime, logStartOffset, errorMessage })),
    });
  }

  /**
   * Kafka's `ReplicaManager.fetchMessages`: reads each partition for a follower or a consumer, and
   * answers at once or after waiting up to `maxWaitMs` for data (`DelayedFetch`).
   */
  fetchMessages(from: NodeId, request: FetchRequest): void {
    const responses = this.readFetch(request);
    const bytes = responses.reduce((sum, response) => sum + response.records.length, 0);
    const anyError = responses.some((response) => response.error !== 'NONE');
    if (bytes >= request.minBytes || anyError || request.maxWaitMs <= 0) {
      this.context.io.send(from, { type: 'FetchResponse', correlationId: request.correlationId, error: 'NONE', partitions: responses });
      return;
    }
    // Kafka's DelayedFetch: wait up to maxWaitMs for data rather than answer empty at once. It is
    // tried first at the next completion point, as refka has always done, not at once.
    const timer = `${FETCH_WAIT_TIMER_PREFIX}${from}:${request.correlationId}`;
    const delayed = new DelayedFetch(from, request, timer, this.delayedContext, (completed) => this.respondFetch(completed));
    this.fetchPurgatory.watch(delayed, delayed.keys);
    for (const key of delayed.keys) this.fetchKeysToCheck.add(key);
    this.context.io.setTimer(timer, request.maxWaitMs);
  }

  private readFetch(request: FetchRequest, fromPurgatory = false): FetchPartitionResponse[] {
    return request.partitions.map((fetch) => {
      const partition = this.partitions.get(`${fetch.topic}-${fetch.partition}`);
      if (partition === undefined) {
        return { topic: fetch.topic, partition: fetch.partition, error: 'NOT_LEADER_OR_FOLLOWER' as KafkaError, highWatermark: -1, logStartOffset: -1, records: [] };
      }
      const response = partition.fetchRecords(fetch, request.replicaId, request.replicaEpoch, fromPurgatory);
      if (request.replicaId >= 0 && !fromPurgatory) this.completeDelayedProduces();
      return response;
    });
  }

  /**
   * Tries the delayed fetches that may complete: those waiting on a partition whose log end, high
   * watermark or leadership moved since the last check, or that started waiting since. Called
   * where refka has always tried them: after appends and after new metadata.
   */
  private completeDelayedFetches(): void {
    assert(this.fetchKeysToCheck.size <= this.partitions.size, `${this.fetchKeysToCheck.size} keys to check over ${this.partitions.size} replicas`);
    const keys = [...this.fetchKeysToCheck];
    this.fetchKeysToCheck.clear();
    this.fetchPurgatory.checkAndComplete(keys);
  }

  /** Kafka's `DelayedFetch.onComplete`: read the log afresh, and answer. */
  private respondFetch(delayed: DelayedFetch): void {
    this.context.io.send(delayed.from, { type: 'FetchResponse', correlationId: delayed.request.correlationId, error: 'NONE', partitions: this.readFetch(delayed.request, true) });
  }

  /** A delayed fetch's timer (`fetch-wait:`) fired: answer it with what there is. */
  expireFetch(timer: string): void {
    this.fetchPurgatory.expire(timer);
  }

  /** Kafka's `ReplicaManager.fetchOffsetForTimestamp`, for ListOffsets: the earliest or latest offset. */
  fetchOffsetForTimestamp(from: NodeId, request: ListOffsetsRequest): void {
    const partitions = request.partitions.map((query) => {
      const partition = this.partitions.get(`${query.topic}-${query.partition}`);
      const base = { topic: query.topic, partition: query.partition };
      if (partition === undefined || partition.role !== 'leader') return { ...base, error: 'NOT_LEADER_OR_FOLLOWER' as KafkaError, offset: -1, leaderEpoch: -1 };
      const epochError = partition.checkLeaderEpoch(query.currentLeaderEpoch);
      if (epochError !== 'NONE') return { ...base, error: epochError, offset: -1, leaderEpoch: -1 };
      // Consumers see only committed data: "latest" is the high watermark.
      const offset = query.timestamp === EARLIEST_TIMESTAMP ? partition.log.logStartOffset : partition.highWatermark;
      return { ...base, error: 'NONE' as KafkaError, offset, leaderEpoch: partition.leaderEpoch };
    });
    this.context.io.send(from, { type: 'ListOffsetsResponse', correlationId: request.correlationId, partitions });
  }
}

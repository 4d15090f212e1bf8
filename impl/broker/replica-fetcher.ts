import { assert } from '../common/assert.ts';
import type { ConfigView } from '../config/config-view.ts';
import type { PartitionRegistration } from '../controller/controller-state.ts';
import { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from '../log/leader-epoch-file-cache.ts';
import { NO_LEADER } from '../metadata/metadata-records.ts';
import { brokerNodeId, NO_LEADER_EPOCH, type FetchResponse, type OffsetsForLeaderEpochResponse } from '../protocol/messages.ts';
import type { ProtocolRules } from '../variants/protocol-rules.ts';
import type { BrokerIo } from './broker-io.ts';
import type { Partition } from './partition.ts';

const REPLICA_FETCH_BACKOFF_MS = 100;
/** The prefix of the timer that ends a partition's fetch backoff. */
export const FETCHER_TIMER_PREFIX = 'fetcher:';
/** Requests to leaders in flight at once: one per followed partition, at most (a bound on everything). */
const LEADER_CALLS_MAX = 100_000;

/** What the replica fetcher needs from its broker. */
export interface ReplicaFetcherContext {
  readonly brokerId: number;
  readonly config: ConfigView;
  /** The run's protocol rules (`impl/variants/protocol-rules.ts`). */
  readonly rules: ProtocolRules;
  readonly io: BrokerIo;
  /** The broker epoch this broker registered with (sent with each fetch, KIP-903). */
  brokerEpoch(): number;
  /** This broker's replica of a partition (`topic-partition`), if it has one. */
  getPartition(name: string): Partition | undefined;
  /** A lifecycle transition of a replica (the `partition-replica` model). */
  transition(instance: string, event: string, to: string): void;
}

/** A follower's replication of one partition (Kafka's `PartitionFetchState`, per partition). */
interface FetcherState {
  phase: 'truncating' | 'fetching' | 'backoff' | 'idle';
  /** The phase a backoff returns to. */
  resume: 'truncating' | 'fetching';
  leaderId: number;
  leaderEpoch: number;
  /** The request in flight, if any. */
  inFlight: number | undefined;
}

/** A fetch or OffsetsForLeaderEpoch sent to a partition's leader. */
interface LeaderCall {
  readonly partition: string;
  readonly leaderId: number;
  readonly kind: 'fetch' | 'epoch';
  readonly sentAtMs: number;
}

/**
 * The follower's side of replication (Kafka's `ReplicaFetcherThread` over
 * `AbstractFetcherThread`): for each partition this broker follows, it first asks the leader
 * `OffsetsForLeaderEpoch` where their logs diverge and truncates there (KIP-101, KIP-279; the
 * `Truncating` state), then fetches from its log end (`Fetching`), and backs off after an error.
 * **Departure:** one fetch loop per partition, not one fetcher thread per leader
 * (`spec/replication.md`).
 */
export class ReplicaFetcher {
  private readonly fetchers = new Map<string, FetcherState>();
  /** correlationId -> the call, for fetches and OffsetsForLeaderEpoch sent to leaders. */
  private readonly leaderCalls = new Map<number, LeaderCall>();

  constructor(private readonly context: ReplicaFetcherContext) {}

  /**
   * Starts following `partition`'s leader from scratch (Kafka's `addFetcherForPartitions`): by
   * truncation first, or (before KIP-101) by truncating to the high watermark at once.
   */
  addFetcherForPartition(partition: Partition, registration: PartitionRegistration): void {
    const fetcher: FetcherState = { phase: 'idle', resume: 'fetching', leaderId: registration.leader, leaderEpoch: registration.leaderEpoch, inFlight: undefined };
    this.fetchers.set(partition.name, fetcher);
    if (registration.leader === NO_LEADER) return;
    if (this.context.rules.truncateOnNewLeader === 'high-watermark') {
      // Before KIP-101 a follower truncated its log to its high watermark before fetching from a
      // new leader, which could throw away acknowledged records the new leader lacked too.
      partition.truncateTo(partition.highWatermark);
      fetcher.phase = 'fetching';
      this.context.transition(partition.name, 'TRUNCATED', 'follower.fetching');
    } else {
      fetcher.phase = 'truncating';
    }
    this.runFetcher(partition.name);
  }

  /** Stops following `name` (Kafka's `removeFetcherForPartitions`): this broker leads it now. */
  removeFetcherForPartition(name: string): void {
    this.fetchers.delete(name);
  }

  /** The backoff timer `fetcher:<partition>` fired. */
  onBackoffTimer(timer: string): void {
    assert(timer.startsWith(FETCHER_TIMER_PREFIX), `not a fetcher timer: ${timer}`);
    this.runFetcher(timer.slice(FETCHER_TIMER_PREFIX.length));
  }

  /** Gives up calls to leaders sent at or before `deadlineMs` (lost without a disconnect to say so). */
  expireRequests(deadlineMs: number): void {
    for (const [correlationId, call] of [...this.leaderCalls.entries()]) {
      if (call.sentAtMs > deadlineMs) continue;
      this.leaderCalls.delete(correlationId);
      const fetcher = this.fetchers.get(call.partition);
      if (fetcher !== undefined && fetcher.inFlight === correlationId) this.backoff(call.partition, fetcher);
    }
  }

  /** The connection to broker `leaderId` broke: its calls are lost, and their partitions back off. */
  onLeaderDisconnected(leaderId: number): void {
    for (const [correlationId, call] of [...this.leaderCalls.entries()]) {
      if (call.leaderId !== leaderId) continue;
      this.leaderCalls.delete(correlationId);
      const fetcher = this.fetchers.get(call.partition);
      if (fetcher !== undefined && fetcher.inFlight === correlationId) this.backoff(call.partition, fetcher);
    }
  }

  private backoff(name: string, fetcher: FetcherState): void {
    fetcher.inFlight = undefined;
    if (fetcher.phase === 'backoff') return;
    fetcher.resume = fetcher.phase === 'truncating' ? 'truncating' : 'fetching';
    fetcher.phase = 'backoff';
    this.context.io.setTimer(`${FETCHER_TIMER_PREFIX}${name}`, REPLICA_FETCH_BACKOFF_MS);
  }

  private sendToLeader(call: LeaderCall, correlationId: number): void {
    assert(this.leaderCalls.size < LEADER_CALLS_MAX, 'too many calls to leaders in flight');
    assert(!this.leaderCalls.has(correlationId), `correlation id ${correlationId} reused`);
    this.leaderCalls.set(correlationId, call);
  }

  private runFetcher(name: string): void {
    const fetcher = this.fetchers.get(name);
    const partition = this.context.getPartition(name);
    if (fetcher === undefined || partition === undefined || partition.role !== 'follower' || fetcher.leaderId === NO_LEADER) return;
    if (fetcher.phase === 'backoff') fetcher.phase = fetcher.resume;
    if (fetcher.inFlight !== undefined) return;
    const { io, config, rules } = this.context;
    const leader = brokerNodeId(fetcher.leaderId);
    const currentLeaderEpoch = rules.fetchCarriesLeaderEpoch ? fetcher.leaderEpoch : NO_LEADER_EPOCH;
    const correlationId = io.nextCorrelationId();
    fetcher.inFlight = correlationId;
    if (fetcher.phase === 'truncating') {
      this.sendToLeader({ partition: name, leaderId: fetcher.leaderId, kind: 'epoch', sentAtMs: io.nowMs() }, correlationId);
      io.send(leader, {
        type: 'OffsetsForLeaderEpochRequest',
        correlationId,
        replicaId: this.context.brokerId,
        partitions: [{ topic: partition.topic, partition: partition.partitionId, currentLeaderEpoch, leaderEpoch: partition.latestEpochForTruncation() }],
      });
      return;
    }
    // A fetch may wait at the leader for replica.fetch.wait.max.ms: it expires that much later.
    this.sendToLeader({ partition: name, leaderId: fetcher.leaderId, kind: 'fetch', sentAtMs: io.nowMs() + config.number('replica.fetch.wait.max.ms') }, correlationId);
    io.send(leader, {
      type: 'FetchRequest',
      correlationId,
      replicaId: this.context.brokerId,
      replicaEpoch: this.context.brokerEpoch(),
      maxWaitMs: config.number('replica.fetch.wait.max.ms'),
      minBytes: 1,
      // Kafka's replica.fetch.response.max.bytes default; one partition per fetch here, so the
      // per-partition bound (replica.fetch.max.bytes) is the one that decides.
      maxBytes: 10 << 20,
      partitions: [{ topic: partition.topic, partition: partition.partitionId, currentLeaderEpoch, fetchOffset: partition.log.logEndOffset, logStartOffset: partition.log.logStartOffset, partitionMaxBytes: config.number('replica.fetch.max.bytes') }],
    });
  }

  /**
   * The follower's side of KIP-101/KIP-279 (Kafka's `getOffsetTruncationState`): truncate to the
   * end of the largest epoch both logs know; if the leader answered with an epoch this replica
   * does not have, truncate to where this replica's own copy of that epoch ends and ask again.
   */
  onOffsetsForLeaderEpochResponse(response: OffsetsForLeaderEpochResponse): void {
    const call = this.leaderCalls.get(response.correlationId);
    if (call === undefined) return;
    this.leaderCalls.delete(response.correlationId);
    const fetcher = this.fetchers.get(call.partition);
    const partition = this.context.getPartition(call.partition);
    if (fetcher === undefined || partition === undefined || fetcher.inFlight !== response.correlationId) return;
    fetcher.inFlight = undefined;
    const answer = response.partitions[0];
    if (answer === undefined || answer.error !== 'NONE') return this.backoff(call.partition, fetcher);
    const logEnd = partition.log.logEndOffset;
    let complete = true;
    if (answer.endOffset === UNDEFINED_EPOCH_OFFSET) {
      partition.truncateTo(partition.highWatermark);
    } else if (answer.leaderEpoch === UNDEFINED_EPOCH) {
      // A leader from before KIP-279 answers only an offset: truncate to it and trust the rest.
      partition.truncateTo(Math.min(answer.endOffset, logEnd));
    } else {
      const own = partition.log.leaderEpochCache.endOffsetFor(answer.leaderEpoch, logEnd);
      if (own.epoch === UNDEFINED_EPOCH) {
        partition.truncateTo(partition.highWatermark);
      } else if (own.epoch !== answer.leaderEpoch) {
        partition.truncateTo(Math.min(own.endOffset, logEnd));
        complete = false;
      } else {
        partition.truncateTo(this.context.rules.followerTruncatesToLeaderEpochEnd ? Math.min(answer.endOffset, own.endOffset) : own.endOffset);
      }
    }
    fetcher.phase = complete ? 'fetching' : 'truncating';
    if (complete) this.context.transition(partition.name, 'TRUNCATED', 'follower.fetching');
    this.runFetcher(call.partition);
  }

  /**
   * Kafka's `processPartitionData`: append what the leader sent and fetch again at once; a
   * divergence (or an offset out of range above the leader's log start) goes back to truncating.
   */
  onFetchResponse(response: FetchResponse): void {
    const call = this.leaderCalls.get(response.correlationId);
    if (call === undefined) return;
    this.leaderCalls.delete(response.correlationId);
    const fetcher = this.fetchers.get(call.partition);
    const partition = this.context.getPartition(call.partition);
    if (fetcher === undefined || partition === undefined || fetcher.inFlight !== response.correlationId || partition.role !== 'follower') return;
    fetcher.inFlight = undefined;
    const data = response.partitions[0];
    if (data === undefined) return this.backoff(call.partition, fetcher);
    switch (data.error) {
      case 'NONE': {
        const error = partition.appendAsFollower(data.records, data.highWatermark, data.logStartOffset);
        if (error !== 'NONE') {
          // The leader's data does not follow ours: find the divergence again.
          fetcher.phase = 'truncating';
          this.context.transition(partition.name, 'DIVERGED', 'follower.truncating');
          return this.backoff(call.partition, fetcher);
        }
        return this.runFetcher(call.partition);
      }
      case 'OFFSET_OUT_OF_RANGE':
        if (partition.log.logEndOffset < data.logStartOffset) {
          partition.truncateFullyAndStartAt(data.logStartOffset);
        } else {
          fetcher.phase = 'truncating';
          this.context.transition(partition.name, 'DIVERGED', 'follower.truncating');
        }
        return this.backoff(call.partition, fetcher);
      default:
        return this.backoff(call.partition, fetcher);
    }
  }
}

import { assert } from '../common/assert.ts';
import { decodeRecords, readRecordBatch } from '../log/record-batch.ts';
import { METADATA_ERRORS } from '../protocol/errors.ts';
import { CONSUMER_REPLICA_ID, type FetchPartition, type FetchPartitionResponse, type FetchRequest, type FetchResponse, type PartitionMetadata } from '../protocol/messages.ts';
import { KAFKA_RULES, type ProtocolRules } from '../variants/protocol-rules.ts';

/**
 * The consumer's positions and its buffer of completed fetches (Kafka's `SubscriptionState`
 * positions, `FetchBuffer` and `FetchCollector`), for one topic. The node shell
 * (kafka-consumer.ts) decides which partitions are assigned and sends the requests; this file
 * keeps what the fetches brought and turns it into records when a poll drains it.
 */

export interface PartitionPosition {
  /** The next offset to read; undefined until it is known (committed offset or auto.offset.reset). */
  offset: number | undefined;
  /**
   * KIP-320's `FetchPosition.offsetEpoch`: the leader epoch of the batch the last record consumed
   * came in (or the one a committed offset was committed with). Undefined after a reset, which
   * Kafka does not validate (`OffsetFetcherUtils.resetPositionIfNeeded`), or where nothing told it.
   */
  offsetEpoch: number | undefined;
  /** The leader epoch last seen for the partition (KIP-320's currentLeaderEpoch). */
  leaderEpoch: number;
  /**
   * KIP-320's `AWAIT_VALIDATION` fetch state: the leader changed (or the position came from a
   * commit) since the position's history was last vouched for, so the new leader is asked
   * OffsetsForLeaderEpoch where `offsetEpoch` ends in its log before anything more is fetched or
   * committed (`hasValidPosition` is false in that state).
   */
  awaitingValidation: boolean;
  /** Kafka's `nextRetryTimeMs` for the validation: no OffsetsForLeaderEpoch for it before then. */
  validationRetryAtMs: number;
  /** The partition's high watermark as the last fetch reported it. */
  highWatermark: number;
}

/** A position as newly assigned: no offset yet, the leader epoch the metadata shows. */
export function unknownPosition(leaderEpoch: number): PartitionPosition {
  return { offset: undefined, offsetEpoch: undefined, leaderEpoch, awaitingValidation: false, validationRetryAtMs: 0, highWatermark: 0 };
}

/** What the consumer asked OffsetsForLeaderEpoch about one partition: the position as it was then. */
export interface ValidationRequest {
  readonly offset: number;
  readonly offsetEpoch: number;
  readonly leaderEpoch: number;
}

/**
 * How an OffsetsForLeaderEpoch answer left a position (Kafka's `SubscriptionState
 * .maybeCompleteValidation`, with a default reset policy, as the workload's consumers have):
 * `stale` when the position moved or stopped waiting since the request; `valid` when the epoch
 * ends at or past the position; `truncated` when it ends below it, so the log the position was
 * read from diverged there and the position moves back to `offset`; `reset` when the leader no
 * longer knows the epoch at all (`auto.offset.reset` applies).
 */
export type ValidationOutcome =
  | { readonly type: 'stale' }
  | { readonly type: 'valid' }
  | { readonly type: 'truncated'; readonly offset: number; readonly offsetEpoch: number }
  | { readonly type: 'reset' };

/**
 * One partition's part of a fetch response, buffered until a poll drains it (Kafka's
 * `CompletedFetch` in the `FetchBuffer`).
 */
interface CompletedFetch {
  /** The position the fetch was sent from: a position that moved since makes it stale. */
  readonly fetchOffset: number;
  readonly data: FetchPartitionResponse;
}

export interface PolledRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string;
}

export interface ReportedHighWatermark {
  readonly topic: string;
  readonly partition: number;
  readonly highWatermark: number;
}

/** What draining the completed fetches gave (Kafka's `Fetch`), and the first error met. */
export interface Fetch {
  readonly records: PolledRecord[];
  readonly highWatermarks: ReportedHighWatermark[];
  error: string | undefined;
  /** A partition answered with a metadata error: the consumer must refresh its metadata. */
  metadataUpdateNeeded: boolean;
}

/** Kafka's `max.partition.fetch.bytes` default (1 MiB). */
const MAX_PARTITION_FETCH_BYTES = 1 << 20;
/** Kafka's `fetch.max.bytes` default (50 MiB). */
const FETCH_MAX_BYTES = 50 * (1 << 20);

export class Fetcher {
  /** By partition: the assigned partitions (every partition, with manual assignment). */
  readonly positions = new Map<number, PartitionPosition>();
  /** By partition, in arrival order; at most one per partition (a buffered one is not fetched). */
  private readonly completedFetches = new Map<number, CompletedFetch>();

  constructor(
    private readonly topic: string,
    private readonly rules: Pick<ProtocolRules, 'consumerReturnsRecordAtPosition' | 'consumerValidatesPositions' | 'autoCommitCommitsConsumedPositions'> = KAFKA_RULES,
  ) {}

  /**
   * A partition's position may be fetched from (and committed): known, and not waiting for its
   * validation (Kafka's `hasValidPosition`, true in the FETCHING state only).
   */
  hasValidPosition(partition: number): boolean {
    const position = this.positions.get(partition);
    return position !== undefined && position.offset !== undefined && !position.awaitingValidation;
  }

  /**
   * The positions reached, with their epochs (KIP-320: a commit carries its position's epoch, so
   * that whoever resumes from it can validate it): owned partitions with a valid position only
   * (Kafka's `SubscriptionState.allConsumed()`; one awaiting validation is not committed).
   */
  allConsumed(): { partition: number; offset: number; leaderEpoch: number }[] {
    const consumed: { partition: number; offset: number; leaderEpoch: number }[] = [];
    // The mutant auto-commit-one-past-position takes a position for the last record consumed.
    const past = (this.rules.autoCommitCommitsConsumedPositions ?? true) ? 0 : 1;
    for (const [partition, position] of this.positions) {
      if (this.hasValidPosition(partition)) consumed.push({ partition, offset: (position.offset as number) + past, leaderEpoch: position.offsetEpoch ?? -1 });
    }
    return consumed.sort((a, b) => a.partition - b.partition);
  }

  /**
   * Kafka's `SubscriptionState.maybeValidatePositionForCurrentLeader`, on a metadata update: a
   * newer leader epoch becomes the position's, and a position whose history an epoch vouches for
   * waits for the new leader to confirm it (KIP-320). Metadata never lowers the epoch (Kafka's
   * `Metadata.updateLastSeenEpochIfNewer`).
   */
  maybeValidatePosition(partition: number, leaderEpoch: number): void {
    const position = this.positions.get(partition);
    assert(position !== undefined, `partition ${partition} has no position entry`);
    if (leaderEpoch <= position.leaderEpoch) return;
    position.leaderEpoch = leaderEpoch;
    if (position.offset !== undefined && position.offsetEpoch !== undefined && this.rules.consumerValidatesPositions) {
      position.awaitingValidation = true;
      position.validationRetryAtMs = 0;
      // A fetch sent at the old epoch brings nothing to return now.
      this.completedFetches.delete(partition);
    }
  }

  /**
   * Kafka's `seekUnvalidated`: a position from a committed offset, with the epoch it was committed
   * with, is validated before it is fetched from; one without an epoch is used as it is.
   */
  seekUnvalidated(partition: number, offset: number, offsetEpoch: number | undefined): void {
    const position = this.positions.get(partition);
    assert(position !== undefined, `partition ${partition} has no position entry`);
    this.completedFetches.delete(partition);
    position.offset = offset;
    position.offsetEpoch = this.rules.consumerValidatesPositions ? offsetEpoch : undefined;
    position.awaitingValidation = position.offsetEpoch !== undefined;
    position.validationRetryAtMs = 0;
  }

  /** Kafka's `seek` after a reset (ListOffsets): the position is taken as it is, with no epoch. */
  seekValidated(partition: number, offset: number | undefined, offsetEpoch: number | undefined): void {
    const position = this.positions.get(partition);
    assert(position !== undefined, `partition ${partition} has no position entry`);
    this.completedFetches.delete(partition);
    position.offset = offset;
    position.offsetEpoch = offsetEpoch;
    position.awaitingValidation = false;
    position.validationRetryAtMs = 0;
  }

  /** A position awaits validation only with an offset and an epoch to ask about. */
  checkInvariants(): void {
    for (const [partition, position] of this.positions) {
      if (position.awaitingValidation) assert(position.offset !== undefined && position.offsetEpoch !== undefined, `partition ${partition} awaits validation without a position`);
    }
  }

  /** The position as an OffsetsForLeaderEpoch would ask about it now; undefined if it needs none. */
  validationRequest(partition: number, nowMs: number): ValidationRequest | undefined {
    const position = this.positions.get(partition);
    if (position === undefined || !position.awaitingValidation || nowMs < position.validationRetryAtMs) return undefined;
    assert(position.offset !== undefined && position.offsetEpoch !== undefined, `partition ${partition} awaits validation without a position`);
    return { offset: position.offset, offsetEpoch: position.offsetEpoch, leaderEpoch: position.leaderEpoch };
  }

  /** Kafka's `setNextAllowedRetry` / `requestFailed`: no new validation request before `atMs`. */
  retryValidationAt(partition: number, atMs: number): void {
    const position = this.positions.get(partition);
    if (position !== undefined && position.awaitingValidation) position.validationRetryAtMs = atMs;
  }

  /**
   * Kafka's `SubscriptionState.maybeCompleteValidation` for an answer without error, with a default
   * reset policy: the epoch's end offset in the leader's log, against the position asked about.
   */
  completeValidation(partition: number, request: ValidationRequest, answer: { readonly leaderEpoch: number; readonly endOffset: number }): ValidationOutcome {
    const position = this.positions.get(partition);
    if (position === undefined || !position.awaitingValidation) return { type: 'stale' };
    if (position.offset !== request.offset || position.offsetEpoch !== request.offsetEpoch || position.leaderEpoch !== request.leaderEpoch) return { type: 'stale' };
    position.awaitingValidation = false;
    position.validationRetryAtMs = 0;
    if (answer.endOffset < 0 || answer.leaderEpoch < 0) {
      // The leader has no record of the epoch (its log starts past it): the position cannot be
      // placed in this log, and auto.offset.reset decides.
      this.seekValidated(partition, undefined, undefined);
      return { type: 'reset' };
    }
    if (answer.endOffset < request.offset) {
      // The log the position was read from diverged from the leader's at endOffset: the consumer
      // resumes at the first offset known to diverge (KIP-320), and reads what replaced the lost
      // tail. It seeks there itself, to record the seek.
      return { type: 'truncated', offset: answer.endOffset, offsetEpoch: answer.leaderEpoch };
    }
    return { type: 'valid' };
  }

  get bufferedCount(): number {
    return this.completedFetches.size;
  }

  hasBuffered(partition: number): boolean {
    return this.completedFetches.has(partition);
  }

  /** A partition is fetched when its position is valid and nothing of it is buffered (Kafka's `fetchablePartitions`). */
  isFetchable(partition: number): boolean {
    return this.hasValidPosition(partition) && !this.hasBuffered(partition);
  }

  /**
   * Kafka's `AbstractFetch.prepareFetchRequests`, for one leader: the FetchRequest for the
   * partitions it leads, each from its position at the current leader epoch (KIP-320), and the
   * offset each was fetched from (`fetchOffsets`, against which the answer is buffered).
   */
  prepareFetchRequest(led: readonly PartitionMetadata[], correlationId: number, maxWaitMs: number, minBytes: number): { fetchOffsets: Map<number, number>; request: FetchRequest } {
    const fetchOffsets = new Map<number, number>();
    const fetches: FetchPartition[] = led.map((partition) => {
      const position = this.positions.get(partition.partition) as PartitionPosition;
      const fetchOffset = position.offset as number;
      fetchOffsets.set(partition.partition, fetchOffset);
      return { topic: this.topic, partition: partition.partition, currentLeaderEpoch: position.leaderEpoch, fetchOffset, logStartOffset: -1, partitionMaxBytes: MAX_PARTITION_FETCH_BYTES };
    });
    const request: FetchRequest = {
      type: 'FetchRequest',
      correlationId,
      replicaId: CONSUMER_REPLICA_ID,
      replicaEpoch: -1,
      maxWaitMs,
      minBytes,
      maxBytes: FETCH_MAX_BYTES,
      partitions: fetches,
    };
    return { fetchOffsets, request };
  }

  /**
   * The partition is no longer assigned (revoked or lost): its position and anything buffered
   * for it go at once (Kafka's `subscriptions.assignFromSubscribed` drops the state, and
   * `FetchBuffer.retainAll` the completed fetches).
   */
  drop(partition: number): void {
    this.positions.delete(partition);
    this.completedFetches.delete(partition);
  }

  /** Buffers each partition's answer; the records are judged when a poll drains them. */
  bufferFetch(fetchOffsets: ReadonlyMap<number, number>, response: FetchResponse): void {
    for (const data of response.partitions) {
      const fetchOffset = fetchOffsets.get(data.partition);
      if (fetchOffset === undefined || data.topic !== this.topic) continue;
      // A fetch completed for a partition no longer assigned is discarded (Kafka's
      // `FetchCollector` skips a partition that is not `isAssigned`).
      if (!this.positions.has(data.partition)) continue;
      // Asked of an old leader and a new one, a partition answers twice: the first answer wins,
      // and the second, from the same position, would be dropped as stale on draining anyway.
      if (this.completedFetches.has(data.partition)) continue;
      const error = response.error === 'NONE' ? data.error : response.error;
      this.completedFetches.set(data.partition, { fetchOffset, data: error === data.error ? data : { ...data, error, records: [] } });
    }
    assert(this.completedFetches.size <= this.positions.size, 'more completed fetches than partitions');
  }

  /**
   * Kafka's `FetchCollector.collectFetch`: drains every completed fetch, in arrival order. A
   * partition that is not `fetchable` now (its revocation is under way) is drained without
   * returning its records, as Kafka's collector does for a partition that is no longer fetchable.
   */
  collectFetch(fetchable: (partition: number) => boolean = () => true): Fetch {
    const fetch: Fetch = { records: [], highWatermarks: [], error: undefined, metadataUpdateNeeded: false };
    for (const [partition, completed] of this.completedFetches) {
      const position = this.positions.get(partition);
      assert(position !== undefined, `a completed fetch for unassigned partition ${partition}`);
      // Kafka ignores fetched data for a partition whose position moved since the fetch was sent.
      if (position.offset !== completed.fetchOffset) continue;
      // A position waiting for its validation is not fetchable (Kafka's `isFetchable`).
      if (position.awaitingValidation || !fetchable(partition)) continue;
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
      if (METADATA_ERRORS.has(data.error)) fetch.metadataUpdateNeeded = true;
      fetch.error ??= data.error;
      return;
    }
    // The high watermark the leader sent with these records, so that a checker can judge that a
    // read_uncommitted consumer is only given committed records (Kafka docs §4.7; the leader
    // reads with FetchIsolation.HIGH_WATERMARK in ReplicaManager.readFromLocalLog).
    position.highWatermark = data.highWatermark;
    fetch.highWatermarks.push({ topic: data.topic, partition: data.partition, highWatermark: data.highWatermark });
    const returnsAtPosition = this.rules.consumerReturnsRecordAtPosition;
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
      // KIP-320: the position's epoch is the last batch's (`CompletedFetch.lastEpoch`), so that a
      // later leader can tell whether the history read so far is still its own.
      // Before KIP-320 (the variant) positions carried no epoch.
      const epoch = read.batch.partitionLeaderEpoch;
      position.offsetEpoch = this.rules.consumerValidatesPositions && epoch >= 0 ? epoch : undefined;
    }
  }

  /** The partitions' high watermarks as last seen (for convergence). */
  highWatermarks(): ReadonlyMap<number, number> {
    return new Map([...this.positions.entries()].map(([partition, position]) => [partition, position.highWatermark]));
  }
}

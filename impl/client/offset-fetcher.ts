import { METADATA_ERRORS } from '../protocol/errors.ts';
import {
  CONSUMER_REPLICA_ID,
  type KafkaMessage,
  type ListOffsetsResponse,
  type OffsetsForLeaderEpochResponse,
  type PartitionMetadata,
} from '../protocol/messages.ts';
import type { Fetcher, PartitionPosition, ValidationRequest } from './fetcher.ts';

/** The two requests the offset fetcher sends, as the consumer tracks them in flight. */
export type OffsetRequest =
  | { readonly kind: 'list-offsets'; readonly broker: number }
  /** `positions`: each partition asked about, with its position as it was when asked. */
  | { readonly kind: 'offsets-for-leader-epoch'; readonly broker: number; readonly positions: ReadonlyMap<number, ValidationRequest> };

/** How the offset fetcher reaches the consumer that hosts it. */
export interface OffsetFetcherHost {
  nowMs(): number;
  /**
   * The leaders to send a request of `kind` to, each with its partitions in metadata order
   * (leaders with one of `kind` pending are skipped); also when a backoff ends that held one back.
   */
  groupByLeader(
    partitions: readonly PartitionMetadata[],
    kind: OffsetRequest['kind'],
    wanted: (position: PartitionPosition, partition: number) => boolean,
  ): { byLeader: Map<number, PartitionMetadata[]>; backoffUntilMs: number | undefined };
  /** Sends `message` (its correlation id from `nextCorrelationId`) and tracks `request`. */
  send(broker: number, correlationId: number, request: OffsetRequest, message: KafkaMessage): void;
  nextCorrelationId(): number;
  /** Sets a position and records it as a `seek` operation of the consumer's process. */
  seek(partition: number, offset: number, offsetEpoch: number | undefined, detail: { readonly truncated?: true }): void;
  requestMetadataUpdate(): void;
  /** A coverage mark (the `sometimes` claims of replication-sometimes.ts). */
  mark(name: 'consumer-position-validated' | 'consumer-truncation-detected'): void;
  retryBackoffMs(): number;
  requestTimeoutMs(): number;
}

/**
 * Kafka's `OffsetFetcher` for one topic: the consumer's requests about offsets rather than
 * records. A partition without a position is reset (`auto.offset.reset`) with one ListOffsets per
 * leader (`resetPositionsIfNeeded`). A position awaiting validation (KIP-320: a leader change, or
 * a committed offset with its epoch) is checked with one OffsetsForLeaderEpoch per leader
 * (`validatePositionsIfNeeded`): the leader says where the position's epoch ends in its log, and
 * a position past that end moves back to it, the first offset known to diverge, so that what
 * replaced a truncated tail is read rather than skipped.
 */
export class OffsetFetcher {
  constructor(
    private readonly topic: string,
    private readonly fetcher: Fetcher,
    private readonly host: OffsetFetcherHost,
  ) {}

  /** `resetPositionsIfNeeded`: one ListOffsets per leader, at `timestamp` (earliest or latest). */
  resetPositions(partitions: readonly PartitionMetadata[], timestamp: number): number | undefined {
    const { byLeader, backoffUntilMs } = this.host.groupByLeader(partitions, 'list-offsets', (position) => position.offset === undefined);
    for (const [broker, led] of byLeader) {
      const correlationId = this.host.nextCorrelationId();
      const queries = led.map((partition) => ({
        topic: this.topic,
        partition: partition.partition,
        currentLeaderEpoch: (this.fetcher.positions.get(partition.partition) as PartitionPosition).leaderEpoch,
        timestamp,
      }));
      this.host.send(broker, correlationId, { kind: 'list-offsets', broker }, { type: 'ListOffsetsRequest', correlationId, partitions: queries });
    }
    return backoffUntilMs;
  }

  /**
   * A ListOffsets answer: each partition that still waits for a reset seeks there, with no epoch,
   * so that Kafka skips its validation (`resetPositionIfNeeded`). A second answer for one (asked
   * of an old leader and a new one) finds its position set already; `skip` leaves out a group
   * member's partition that waits for its committed offset, which takes no reset begun under an
   * earlier ownership.
   */
  onListOffsets(response: ListOffsetsResponse, skip: (partition: number) => boolean): void {
    for (const answer of response.partitions) {
      if (answer.error !== 'NONE') {
        if (METADATA_ERRORS.has(answer.error)) this.host.requestMetadataUpdate();
        continue;
      }
      const position = this.fetcher.positions.get(answer.partition);
      if (position === undefined || position.offset !== undefined || skip(answer.partition)) continue;
      this.host.seek(answer.partition, answer.offset, undefined, {});
    }
  }

  /**
   * `validatePositionsIfNeeded`: one OffsetsForLeaderEpoch per leader, asking where each awaiting
   * position's epoch ends, at the current leader epoch (so that a leader on another epoch fences
   * the question). A partition asked about is not asked again for `request.timeout.ms`
   * (`setNextAllowedRetry`).
   */
  validatePositions(partitions: readonly PartitionMetadata[]): number | undefined {
    const nowMs = this.host.nowMs();
    const { byLeader, backoffUntilMs } = this.host.groupByLeader(partitions, 'offsets-for-leader-epoch', (_, partition) => this.fetcher.validationRequest(partition, nowMs) !== undefined);
    let waitUntilMs = backoffUntilMs;
    for (const partition of partitions) {
      const position = this.fetcher.positions.get(partition.partition);
      // A position held back by its retry time brings the poll back when the time comes.
      if (position !== undefined && position.awaitingValidation && nowMs < position.validationRetryAtMs) {
        waitUntilMs = Math.min(waitUntilMs ?? position.validationRetryAtMs, position.validationRetryAtMs);
      }
    }
    for (const [broker, led] of byLeader) {
      const positions = new Map<number, ValidationRequest>();
      for (const partition of led) {
        positions.set(partition.partition, this.fetcher.validationRequest(partition.partition, nowMs) as ValidationRequest);
        this.fetcher.retryValidationAt(partition.partition, nowMs + this.host.requestTimeoutMs());
      }
      const correlationId = this.host.nextCorrelationId();
      const queries = [...positions].map(([partition, asked]) => ({ topic: this.topic, partition, currentLeaderEpoch: asked.leaderEpoch, leaderEpoch: asked.offsetEpoch }));
      this.host.send(broker, correlationId, { kind: 'offsets-for-leader-epoch', broker, positions }, { type: 'OffsetsForLeaderEpochRequest', correlationId, replicaId: CONSUMER_REPLICA_ID, partitions: queries });
    }
    return waitUntilMs;
  }

  /**
   * An OffsetsForLeaderEpoch answer (`OffsetsForLeaderEpochUtils.handleResponse` and
   * `maybeCompleteValidation`): an error leaves the partition to be asked again after
   * `retry.backoff.ms`, with fresh metadata; an answer validates the position, moves it back to
   * where the log diverged, or resets it.
   */
  onOffsetsForLeaderEpoch(request: Extract<OffsetRequest, { kind: 'offsets-for-leader-epoch' }>, response: OffsetsForLeaderEpochResponse): void {
    const retryAtMs = this.host.nowMs() + this.host.retryBackoffMs();
    const answered = new Set<number>();
    for (const answer of response.partitions) {
      const asked = request.positions.get(answer.partition);
      if (answer.topic !== this.topic || asked === undefined || answered.has(answer.partition)) continue;
      answered.add(answer.partition);
      if (answer.error !== 'NONE') {
        this.fetcher.retryValidationAt(answer.partition, retryAtMs);
        continue;
      }
      const outcome = this.fetcher.completeValidation(answer.partition, asked, answer);
      if (outcome.type === 'valid') this.host.mark('consumer-position-validated');
      if (outcome.type === 'truncated') {
        this.host.mark('consumer-truncation-detected');
        // Recorded as a seek of the consumer's process: the history's readers take a seek as
        // where its next polls start, as they do for a reset.
        this.host.seek(answer.partition, outcome.offset, outcome.offsetEpoch, { truncated: true });
      }
    }
    const unanswered = [...request.positions.keys()].filter((partition) => !answered.has(partition));
    for (const partition of unanswered) this.fetcher.retryValidationAt(partition, retryAtMs);
    if (answered.size < request.positions.size || response.partitions.some((answer) => answer.error !== 'NONE')) this.host.requestMetadataUpdate();
  }

  /** The request was lost (timeout, disconnect): ask again after `retry.backoff.ms` (`requestFailed`). */
  onValidationFailed(request: Extract<OffsetRequest, { kind: 'offsets-for-leader-epoch' }>): void {
    const retryAtMs = this.host.nowMs() + this.host.retryBackoffMs();
    for (const partition of request.positions.keys()) this.fetcher.retryValidationAt(partition, retryAtMs);
  }
}

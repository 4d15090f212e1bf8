import { METADATA_ERRORS } from '../protocol/errors.ts';
import type { MetadataResponse } from '../protocol/messages.ts';

/**
 * The consumer's side of Kafka's `ConsumerMetadata` for one topic: the last MetadataResponse, and
 * when to ask for the next (`requestUpdate`, and `retry.backoff.ms` between refreshes). The
 * consumer sends the request; this holds what it knows and what it wants.
 */
export class ConsumerMetadata {
  private metadata: MetadataResponse | undefined;
  /** Kafka's `Metadata.requestUpdate`: the next poll step asks for metadata. */
  private updateRequested = false;
  /** Kafka's `retry.backoff.ms` between metadata refreshes: no request before then. */
  private allowedAtMs = 0;

  constructor(private readonly topicName: string) {}

  /** The topic's metadata, if the last answer knew it with partitions. */
  topic(): MetadataResponse['topics'][number] | undefined {
    const topic = this.metadata?.topics.find((candidate) => candidate.name === this.topicName);
    if (topic === undefined || topic.error !== 'NONE' || topic.partitions.length === 0) return undefined;
    return topic;
  }

  requestUpdate(): void {
    this.updateRequested = true;
  }

  /** Whether a refresh is wanted: none was ever made, or one was asked for. */
  get updateWanted(): boolean {
    return this.metadata === undefined || this.updateRequested;
  }

  /** When the backoff since the last refresh lets the next one go. */
  get refreshAllowedAtMs(): number {
    return this.allowedAtMs;
  }

  /** A metadata request was lost: the next one waits `backoffMs`. */
  requestLost(nowMs: number, backoffMs: number): void {
    this.allowedAtMs = nowMs + backoffMs;
  }

  onResponse(response: MetadataResponse, nowMs: number, backoffMs: number): void {
    this.metadata = response;
    // Metadata that lists no broker (every broker fenced or shutting down when it was built)
    // leaves the group coordinator nobody to ask FindCoordinator; Kafka's
    // `ensureCoordinatorReady` then fails with `noBrokersAvailable`, which is retriable and
    // waits for a metadata update (`client.awaitMetadataUpdate`). Ask again, after the backoff.
    //
    // Kafka's `Metadata.handleMetadataResponse` also asks again when the topic, or one of its
    // partitions, carries an `InvalidMetadataException` error: UNKNOWN_TOPIC_OR_PARTITION from a
    // broker that has not yet loaded a new topic, LEADER_NOT_AVAILABLE for a partition without a
    // leader. A group leader elected then waits for the next answer before it assigns
    // (`ensureFreshMetadata`). Seed 11038: topic t's answer from a broker 20 ms behind its
    // creation left this flag down, so g2's leader assigned nothing at generation 1, and KIP-814's
    // replacement leader kept that empty assignment to the end of the run.
    const topic = response.topics.find((candidate) => candidate.name === this.topicName);
    const invalid = topic !== undefined && (METADATA_ERRORS.has(topic.error) || topic.partitions.some((partition) => METADATA_ERRORS.has(partition.error)));
    this.updateRequested = response.brokers.length === 0 || invalid;
    this.allowedAtMs = nowMs + backoffMs;
  }
}

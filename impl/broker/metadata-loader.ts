import type { MetadataState } from '../controller/controller-state.ts';
import type { FetchMetadataResponse, KafkaMessage } from '../protocol/messages.ts';

/** What the metadata loader needs from its broker. */
export interface MetadataLoaderContext {
  readonly brokerId: number;
  /** The broker's metadata image, which the loader replays the log into. */
  readonly image: MetadataState;
  /** This broker's epoch (-1 while unregistered): the offset of its registration record. */
  brokerEpoch(): number;
  /** Whether a metadata fetch is already in flight on the controller channel. */
  fetchInFlight(): boolean;
  /** Sends a request on the controller channel; returns its correlation id. */
  callController(call: { readonly kind: 'metadata' }, build: (correlationId: number) => KafkaMessage): number;
  /** Publishes the image to the replicas (Kafka's `ReplicaManager.applyDelta`). */
  publish(image: MetadataState): void;
}

/**
 * Kafka's `MetadataLoader` (with the fetch its broker's Raft client makes): follows the metadata
 * log from the controller, replays it into the broker's image, and publishes the image to the
 * replicas, the first time only once it has caught up.
 */
export class MetadataLoader {
  /**
   * Whether this process has caught up with the metadata log once and published its image to its
   * partitions. A restarted broker replays the log from the start; before it has reached the high
   * watermark the controller reported, the image is a past state of the cluster (in which this
   * broker may lead at an old epoch its log has long moved past), so nothing of it is applied:
   * Kafka's `MetadataLoader` does not publish until it has caught up to the high watermark.
   */
  private metadataPublished = false;

  constructor(private readonly context: MetadataLoaderContext) {}

  fetchMetadata(): void {
    if (this.context.fetchInFlight()) return;
    this.context.callController({ kind: 'metadata' }, (correlationId) => ({
      type: 'FetchMetadataRequest', correlationId, brokerId: this.context.brokerId, fetchOffset: this.context.image.nextOffset, maxRecords: 500,
    }));
  }

  /** The controller answered a metadata fetch (the channel has taken the call off its list). */
  onFetchMetadataResponse(message: FetchMetadataResponse): void {
    const image = this.context.image;
    if (message.error !== 'NONE') return;
    // Behind the controller's snapshot: the image becomes the snapshot's (`handleLoadSnapshot`).
    if (message.snapshot !== undefined && message.endOffset > image.nextOffset) image.loadSnapshot(message.snapshot, message.endOffset);
    // Entries come in offset order from the fetch offset; offsets no entry holds are the Raft
    // log's control records, which the image moves past.
    for (const entry of message.entries) {
      if (entry.offset < image.nextOffset) continue;
      image.skipTo(entry.offset);
      image.replay(entry.offset, entry.record);
    }
    if (message.endOffset > image.nextOffset) image.skipTo(message.endOffset);
    // The first publish waits until the image holds this process's own registration too (its
    // broker epoch is the registration record's offset): Kafka's broker serves nothing until
    // the controller says it caught up to its registration (`initialCatchUpFuture`), and a
    // broker that lost its disk would otherwise act on the image of its previous incarnation,
    // leading with an empty log a partition whose ISR the registration is about to leave.
    const brokerEpoch = this.context.brokerEpoch();
    const firstPublish = !this.metadataPublished && image.nextOffset >= message.highWatermark && brokerEpoch >= 0 && image.nextOffset > brokerEpoch;
    if (firstPublish) this.metadataPublished = true;
    if (firstPublish || (this.metadataPublished && (message.entries.length > 0 || message.snapshot !== undefined))) this.context.publish(image);
    if (image.nextOffset < message.highWatermark) this.fetchMetadata();
  }
}

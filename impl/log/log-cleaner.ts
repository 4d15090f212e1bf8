import { assert } from '../common/assert.ts';
import type { LocalLog } from './local-log.ts';
import type { LogEvent } from './log-event.ts';
import type { LogSegment } from './log-segment.ts';
import { buildRecordBatch, decodeRecords, parseRecordBatch, type LogRecord, type RecordBatch } from './record-batch.ts';

/** A cleanable segment's batches, decoded once for both of the cleaner's passes. */
type DecodedSegment = { batch: RecordBatch; records: LogRecord[] }[];

/**
 * Kafka's `Cleaner` (in LogCleaner.scala): compaction under `cleanup.policy=compact`. A first pass
 * builds the offset map (each key's latest offset in the cleanable range), a second rewrites each
 * segment with only the records that map retains, and the log swaps the rewritten segments in.
 *
 * The seam is Kafka's: the cleaner works on a log's closed segments from outside the log, through
 * the segment list and `replaceSegments`, and knows nothing of appends, epochs or replication.
 * Kafka runs it on its own threads, scheduled by `LogCleaner` and `LogCleanerManager`; refka runs
 * one pass when the broker's periodic task calls `UnifiedLog.compact`, inside one simulated step.
 */
export class Cleaner {
  constructor(private readonly emit: (event: LogEvent) => void) {}

  /**
   * One pass over the closed segments of `log` entirely below the high watermark: keeps only the
   * latest record of each key, and drops tombstones (null values) older than
   * `delete.retention.ms`. Retained records keep their offsets and each rewritten batch keeps its
   * offset range (an emptied batch stays, empty), so offsets stay valid for every reader.
   * Returns the number of records removed.
   */
  clean(log: LocalLog, highWatermark: number, nowMs: number): number {
    const cleanable: LogSegment[] = [];
    const segments = log.segments;
    for (let index = 0; index + 1 < segments.length; index++) {
      const next = segments[index + 1] as LogSegment;
      if (next.baseOffset > highWatermark) break;
      cleanable.push(segments[index] as LogSegment);
    }
    if (cleanable.length === 0) return 0;
    const built = this.buildOffsetMap(log, cleanable);
    if (built === undefined) return 0;
    return this.cleanSegments(log, cleanable, built.latest, built.decoded, nowMs);
  }

  /**
   * Kafka's `buildOffsetMap`: each key's latest offset in the cleanable range (Kafka's
   * `OffsetMap`), with the segments' decoded batches. Undefined when a segment does not read back
   * whole: the pass is skipped.
   */
  private buildOffsetMap(log: LocalLog, cleanable: readonly LogSegment[]): { latest: Map<string, number>; decoded: Map<LogSegment, DecodedSegment> } | undefined {
    const latest = new Map<string, number>();
    const decoded = new Map<LogSegment, DecodedSegment>();
    for (const segment of cleanable) {
      const read = segment.read(segment.baseOffset, segment.sizeInBytes, segment.sizeInBytes, true);
      if (read.type === 'corrupt') {
        this.emit({ type: 'corrupt-batch-detected', segmentBaseOffset: segment.baseOffset, reason: read.reason });
        return undefined;
      }
      // A read stops at a batch that fails its checksum: cleaning what came before it would swap
      // in a segment without the rest. Kafka's cleaner fails on the corrupt batch and marks the
      // partition uncleanable (LogCleanerManager.markPartitionUncleanable); refka skips the pass.
      const bytesRead = read.batches.reduce((sum, batch) => sum + batch.bytes.length, 0);
      if (bytesRead !== segment.sizeInBytes) {
        this.emit({ type: 'corrupt-batch-detected', segmentBaseOffset: segment.baseOffset, reason: `the cleaner read ${bytesRead} of ${segment.sizeInBytes} bytes` });
        return undefined;
      }
      const batches = read.batches.map((batch) => {
        const records = decodeRecords(batch);
        assert(typeof records !== 'string', `${log.dir}: a batch that passed its CRC does not decode`);
        return { batch, records };
      });
      decoded.set(segment, batches);
      for (const { batch, records } of batches) {
        if (batch.isControl) continue;
        for (const record of records) if (record.key !== null) latest.set(keyOf(record.key), record.offset);
      }
    }
    return { latest, decoded };
  }

  /**
   * Kafka's `cleanSegments`: rewrites each segment that loses records with the ones retained and
   * swaps it in; a segment that loses none is left as it is.
   */
  private cleanSegments(log: LocalLog, cleanable: readonly LogSegment[], latest: ReadonlyMap<string, number>, decoded: ReadonlyMap<LogSegment, DecodedSegment>, nowMs: number): number {
    let removed = 0;
    for (const segment of cleanable) {
      const batches = decoded.get(segment) ?? [];
      const kept: RecordBatch[] = [];
      let segmentRemoved = 0;
      for (const { batch, records } of batches) {
        const retained = records.filter((record) => {
          if (record.key === null) return true;
          if (latest.get(keyOf(record.key)) !== record.offset) return false;
          return !(record.value === null && nowMs - batch.maxTimestamp > log.config.deleteRetentionMs);
        });
        segmentRemoved += records.length - retained.length;
        // A batch whose records were all removed stays as an empty batch with its offset range
        // and header (Kafka keeps an emptied batch only when it is its producer's last, to keep
        // the producer's sequence; refka keeps every one). Offsets stay dense, and replicas that
        // compact at different times keep the same batch boundaries, which is what the
        // replication invariants compare for a compacted topic (`LogDigest`).
        kept.push(retained.length === records.length ? batch : rebuildBatch(batch, retained));
      }
      if (segmentRemoved === 0) continue;
      removed += segmentRemoved;
      log.replaceSegment(segment, kept);
    }
    if (removed > 0) this.emit({ type: 'compaction-removed-records', records: removed });
    return removed;
  }
}

/** Map keys for record keys: bytes as a Latin-1 string, exact and cheap to hash. */
function keyOf(key: Uint8Array): string {
  let text = '';
  for (const byte of key) text += String.fromCharCode(byte);
  return text;
}

/** A batch with only `retained` of its records, same header and offset range (Kafka's `filterTo`). */
function rebuildBatch(batch: RecordBatch, retained: readonly LogRecord[]): RecordBatch {
  const bytes = buildRecordBatch(
    {
      baseOffset: batch.baseOffset,
      partitionLeaderEpoch: batch.partitionLeaderEpoch,
      timestampType: batch.timestampType,
      ...(batch.timestampType === 'LogAppendTime' ? { logAppendTime: batch.maxTimestamp } : {}),
      producerId: batch.producerId,
      producerEpoch: batch.producerEpoch,
      baseSequence: batch.baseSequence,
      isTransactional: batch.isTransactional,
      isControl: batch.isControl,
    },
    retained,
    { offsetDeltas: retained.map((record) => record.offset - batch.baseOffset), lastOffsetDelta: batch.lastOffsetDelta },
  );
  return parseRecordBatch(bytes);
}

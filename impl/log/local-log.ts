import { assert } from '../common/assert.ts';
import type { Clock, NodeDisk } from '../env/node-environment.ts';
import type { LogConfig } from './log-config.ts';
import type { LogEvent } from './log-event.ts';
import { LogSegment } from './log-segment.ts';
import type { RecordBatch } from './record-batch.ts';

/** A bound on segments per log: a runaway roll loop is a bug, not a workload. */
export const MAX_SEGMENTS_PER_LOG = 100_000;

/**
 * What {@link LocalLog.read} returns: the batches read, or the corrupt batch it met. Whether the
 * offset is in range is `UnifiedLog`'s question (it knows the log start offset), as in Kafka.
 */
export type LocalLogReadResult =
  | { readonly type: 'read'; readonly batches: readonly RecordBatch[] }
  | { readonly type: 'error'; readonly error: 'CORRUPT_MESSAGE'; readonly message: string };

/**
 * Kafka's `LocalLog`: the segments of one partition replica on its local disk, oldest first, the
 * last one active. It appends to the active segment, rolls a new one, reads whole batches across
 * segments, truncates, deletes and swaps segments, and fsyncs up to an offset, keeping the
 * recovery point (the first offset not known to be on disk) and when it last flushed.
 *
 * The seam is Kafka's (KAFKA-12554 split `LocalLog` out of `Log`): this class knows files and
 * offsets, nothing of leaders, epochs, the log start offset or the high watermark. `UnifiedLog`
 * decides what to append, truncate or delete, and keeps the leader epoch cache in step; the
 * segments are built at startup by `LogLoader` and handed over here.
 */
export class LocalLog {
  private segmentList: LogSegment[];
  private recovery: number;
  private lastFlushedMs: number;
  private currentConfig: LogConfig;

  constructor(
    private readonly disk: NodeDisk,
    private readonly clock: Clock,
    readonly dir: string,
    config: LogConfig,
    /** The non-empty segments `LogLoader` loaded; this log owns the array from here on. */
    segments: LogSegment[],
    recoveryPoint: number,
    private readonly emit: (event: LogEvent) => void,
  ) {
    assert(segments.length > 0, `${dir}: a local log starts with its segments loaded`);
    this.segmentList = segments;
    this.recovery = recoveryPoint;
    this.currentConfig = config;
    this.lastFlushedMs = clock.nowMs();
  }

  /** The topic configuration in force (Kafka's `LocalLog.config`). */
  get config(): LogConfig {
    return this.currentConfig;
  }

  /** Kafka's `LocalLog.updateConfig`, called by `UnifiedLog.updateConfig`. */
  updateConfig(config: LogConfig): void {
    this.currentConfig = config;
  }

  /** The segments, oldest first; the last is the active one. Changed only through this class. */
  get segments(): readonly LogSegment[] {
    return this.segmentList;
  }

  get logEndOffset(): number {
    return this.activeSegment.readNextOffset;
  }

  get recoveryPoint(): number {
    return this.recovery;
  }

  /** Kafka's `updateRecoveryPoint`: callers move it up with the log start, or down on truncation. */
  updateRecoveryPoint(newRecoveryPoint: number): void {
    this.recovery = newRecoveryPoint;
  }

  /** Kafka's `unflushedMessages`: offsets above the recovery point, which `flush.messages` bounds. */
  get unflushedMessages(): number {
    return this.logEndOffset - this.recovery;
  }

  /** Kafka's `lastFlushTime`: when the last flush moved the recovery point, which `flush.ms` measures from. */
  get lastFlushTime(): number {
    return this.lastFlushedMs;
  }

  get activeSegment(): LogSegment {
    const active = this.segmentList.at(-1);
    assert(active !== undefined, `${this.dir}: a loaded log always has an active segment`);
    return active;
  }

  get sizeInBytes(): number {
    let total = 0;
    for (const segment of this.segmentList) total += segment.sizeInBytes;
    return total;
  }

  // ---- Appends ----------------------------------------------------------------------------------

  /** Kafka's `LocalLog.append`: one validated batch, offsets and epoch stamped, at the end of the active segment. */
  append(batch: RecordBatch): void {
    this.activeSegment.append(batch);
  }

  /**
   * Starts a new active segment at `baseOffset` (the log end unless a gap is being appended). The
   * old segment is flushed at once: Kafka schedules that flush right after the roll, and refka
   * makes it synchronous so the rule is simple to state: only the active segment has unflushed
   * data.
   */
  roll(baseOffset: number = this.logEndOffset, reason = 'requested'): LogSegment {
    const old = this.activeSegment;
    assert(baseOffset >= this.logEndOffset, `${this.dir}: roll at ${baseOffset} below the log end ${this.logEndOffset}`);
    assert(this.segmentList.length < MAX_SEGMENTS_PER_LOG, `${this.dir}: more than ${MAX_SEGMENTS_PER_LOG} segments`);
    if (old.isEmpty && old.baseOffset === baseOffset) return old;
    if (old.isEmpty) {
      // An empty active segment is replaced rather than kept: a closed segment is never empty.
      old.deleteFiles();
      this.segmentList.pop();
    } else {
      old.onBecomeInactiveSegment();
      this.flush(baseOffset);
    }
    const segment = LogSegment.create(this.disk, this.dir, baseOffset, this.config.indexIntervalBytes, this.config.segmentIndexBytes, this.clock.nowMs());
    this.segmentList.push(segment);
    this.emit({ type: 'segment-rolled', baseOffset, reason });
    return segment;
  }

  // ---- Flush ------------------------------------------------------------------------------------

  /**
   * Fsyncs every segment with data between the recovery point and `offset`, then moves the
   * recovery point there (Kafka's `LocalLog.flush` followed by `markFlushed`).
   */
  flush(offset: number): void {
    if (offset <= this.recovery) return;
    for (const segment of this.segmentList) {
      if (segment.readNextOffset <= this.recovery || segment.baseOffset >= offset) continue;
      segment.flush();
    }
    this.recovery = Math.min(offset, this.logEndOffset);
    this.lastFlushedMs = this.clock.nowMs();
    this.emit({ type: 'flushed', upToOffset: this.recovery });
  }

  // ---- Reads ------------------------------------------------------------------------------------

  /**
   * Whole batches from the one holding `startOffset`, at most `maxBytes` of them (but at least one
   * when `minOneMessage`), none reaching `maxOffset` (exclusive). The caller has checked that
   * `startOffset` lies in the log. Every batch served has passed its CRC check.
   */
  read(startOffset: number, maxBytes: number, maxOffset: number, minOneMessage: boolean): LocalLogReadResult {
    const logEnd = this.logEndOffset;
    assert(maxOffset <= logEnd, `${this.dir}: read bound ${maxOffset} past the log end ${logEnd}`);
    const batches: RecordBatch[] = [];
    let remaining = maxBytes;
    let from = startOffset;
    for (let index = this.segmentIndexFor(startOffset); index < this.segmentList.length; index++) {
      if (from >= maxOffset) break;
      const segment = this.segmentList[index] as LogSegment;
      const bound = segment.readNextOffset <= maxOffset ? segment.sizeInBytes : this.positionOf(segment, maxOffset);
      if (bound === 'unreadable') return this.corruptRead(segment, `batch headers unreadable below offset ${maxOffset}`);
      const read = segment.read(from, remaining, bound, minOneMessage && batches.length === 0, !this.config.cleanupPolicy.compact);
      if (read.type === 'corrupt') {
        if (batches.length > 0) break;
        return this.corruptRead(segment, read.reason);
      }
      for (const batch of read.batches) {
        const previous = batches.at(-1);
        assert(previous === undefined || batch.baseOffset > previous.lastOffset, `${this.dir}: segments returned overlapping batches`);
        batches.push(batch);
        remaining -= batch.bytes.length;
        from = batch.lastOffset + 1;
      }
      // Stop where this segment still holds batches: either the bound or maxBytes cut the read
      // here. Moving on to the next segment would skip them (a read must return consecutive
      // batches; Kafka's LocalLog.read returns one segment's batches per call).
      if (remaining <= 0 || from < segment.readNextOffset) break;
      from = Math.max(from, segment.readNextOffset);
    }
    return { type: 'read', batches };
  }

  private corruptRead(segment: LogSegment, reason: string): LocalLogReadResult {
    this.emit({ type: 'corrupt-batch-detected', segmentBaseOffset: segment.baseOffset, reason });
    return { type: 'error', error: 'CORRUPT_MESSAGE', message: `segment ${segment.baseOffset}: ${reason}` };
  }

  /** The file position in `segment` of the batch that holds `offset` (where a read must stop). */
  private positionOf(segment: LogSegment, offset: number): number | 'unreadable' {
    // The segment's last batch ends at its next offset, so a scan for an offset below that must
    // find a batch. One that ran off the segment's end was sent there by a length read wrong (a
    // bit flipped on read in a header's length field, which no CRC covers): the headers are read
    // once more before that counts as damage. Taken as the segment's end, such a bound let a
    // leader serve a record at its high watermark to a consumer (default seed 33, read-uncommitted).
    let found = segment.translateOffset(offset);
    if (found === undefined && offset < segment.readNextOffset) found = segment.translateOffset(offset);
    if (found === 'unreadable' || (found === undefined && offset < segment.readNextOffset)) return 'unreadable';
    return found === undefined ? segment.sizeInBytes : found.position;
  }

  /** Index of the last segment whose base offset is at most `offset` (or 0). */
  private segmentIndexFor(offset: number): number {
    let low = 0;
    let high = this.segmentList.length - 1;
    let found = 0;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if ((this.segmentList[middle] as LogSegment).baseOffset <= offset) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  // ---- Truncation and deletion ------------------------------------------------------------------

  /**
   * Kafka's `LocalLog.truncateTo`: deletes the segments that start at or above `targetOffset` and
   * cuts the one holding it, so that the log ends at or below `targetOffset`. The recovery point
   * comes down with the log end. `UnifiedLog` has made sure a segment holds `targetOffset`.
   */
  truncateTo(targetOffset: number): void {
    while (this.segmentList.length > 1 && this.activeSegment.baseOffset >= targetOffset) {
      const removed = this.segmentList.pop() as LogSegment;
      removed.deleteFiles();
    }
    this.activeSegment.truncateTo(targetOffset);
    const logEnd = this.logEndOffset;
    assert(logEnd <= targetOffset, `${this.dir}: log end ${logEnd} after truncating to ${targetOffset}`);
    this.recovery = Math.min(this.recovery, logEnd);
  }

  /** Kafka's `LocalLog.truncateFullyAndStartAt`: deletes every segment and starts an empty one at `newOffset`. */
  truncateFullyAndStartAt(newOffset: number): void {
    for (const segment of this.segmentList) segment.deleteFiles();
    this.segmentList = [LogSegment.create(this.disk, this.dir, newOffset, this.config.indexIntervalBytes, this.config.segmentIndexBytes, this.clock.nowMs())];
    this.recovery = newOffset;
  }

  /**
   * Kafka's `removeAndDeleteSegments`, for the oldest segments only (the ones retention and a
   * rising log start offset remove): each must be the first segment and not the active one.
   */
  removeAndDeleteSegments(segments: readonly LogSegment[]): void {
    for (const segment of segments) {
      assert(this.segmentList[0] === segment && this.segmentList.length > 1, `${this.dir}: only the oldest closed segment is deleted, not ${segment.baseOffset}`);
      this.segmentList.shift();
      segment.deleteFiles();
    }
  }

  /**
   * Swaps a cleaned segment in (Kafka's `replaceSegments`). The simulator strikes between a
   * node's steps, never inside one, so the swap needs none of Kafka's `.cleaned` / `.swap` renames
   * to be atomic; the new segment is flushed before the step ends.
   */
  replaceSegment(old: LogSegment, batches: readonly RecordBatch[]): void {
    const index = this.segmentList.indexOf(old);
    assert(index >= 0 && index < this.segmentList.length - 1, `${this.dir}: only closed segments are cleaned`);
    old.deleteFiles();
    const fresh = LogSegment.create(this.disk, this.dir, old.baseOffset, this.config.indexIntervalBytes, this.config.segmentIndexBytes, old.createdAtMs);
    for (const batch of batches) fresh.append(batch);
    fresh.onBecomeInactiveSegment();
    fresh.flush();
    this.segmentList[index] = fresh;
  }
}

import { assert } from '../common/assert.ts';
import type { Clock, NodeDisk } from '../env/node-environment.ts';
import { LeaderEpochFileCache } from './leader-epoch-file-cache.ts';
import type { LogConfig } from './log-config.ts';
import type { LogEvent } from './log-event.ts';
import { LogLoader, type LoadedLogOffsets, type LogLoadParams, type LogLoadSummary } from './log-loader.ts';
import type { LogSegment, BatchPosition } from './log-segment.ts';
import { LocalLog } from './local-log.ts';
import { Cleaner } from './log-cleaner.ts';
import { decodeRecords, readRecordBatch, restampBatch, type LogRecord, type RecordBatch } from './record-batch.ts';

/**
 * Why an append was refused; the log is unchanged. Names are Kafka's error codes where the wire
 * protocol has one, else the name of the exception Kafka throws inside the broker.
 */
export type LogAppendError =
  /** A batch is larger than `max.message.bytes` (Kafka's `RecordTooLargeException`). */
  | 'RECORD_TOO_LARGE'
  /** A batch fails its CRC or cannot be parsed (`CorruptRecordException`). */
  | 'CORRUPT_MESSAGE'
  /** A batch is well formed but breaks a rule: count and offset delta disagree, a compacted topic without a key (`InvalidRecordException`). */
  | 'INVALID_RECORD'
  /** A follower append that does not start at the log end offset (`UnexpectedAppendOffsetException`). */
  | 'UNEXPECTED_APPEND_OFFSET'
  /** A follower append whose batches' offsets do not increase (`OffsetsOutOfOrderException`). */
  | 'OFFSETS_OUT_OF_ORDER'
  /** The disk refused a write (ENOSPC, EIO): Kafka's `KafkaStorageException`. */
  | 'KAFKA_STORAGE_ERROR';

export type LogReadError = 'OFFSET_OUT_OF_RANGE' | 'CORRUPT_MESSAGE' | 'KAFKA_STORAGE_ERROR';

/** Kafka's `LogAppendInfo`, trimmed to what refka uses. */
export interface LogAppendInfo {
  readonly firstOffset: number;
  readonly lastOffset: number;
  /** The leader epoch of the last batch appended. */
  readonly lastLeaderEpoch: number;
  readonly maxTimestamp: number;
  /** The broker time stamped into LogAppendTime batches, or -1. */
  readonly logAppendTime: number;
  readonly numMessages: number;
  readonly validBytes: number;
  /** The batches as written (offsets and epoch stamped). */
  readonly batches: readonly RecordBatch[];
}

export type LogAppendResult =
  | { readonly type: 'appended'; readonly info: LogAppendInfo }
  | { readonly type: 'error'; readonly error: LogAppendError; readonly message: string };

export type LogReadResult =
  | { readonly type: 'read'; readonly batches: readonly RecordBatch[]; readonly logStartOffset: number; readonly logEndOffset: number }
  | { readonly type: 'error'; readonly error: LogReadError; readonly message: string };

/**
 * Kafka's `UnifiedLog`: the log of one partition replica on one disk. It appends as leader
 * (assigning offsets, stamping the leader epoch) or as follower (keeping the leader's offsets and
 * epochs), reads whole batches, truncates for replication, flushes by `flush.messages` /
 * `flush.ms`, and applies retention and compaction. The high watermark belongs to the partition
 * and is passed in where the log needs it (reads for consumers, retention and compaction only
 * below it).
 *
 * As in Kafka, the work is shared: `LocalLog` (local-log.ts) keeps the segments on disk and the
 * recovery point, `LogLoader` (log-loader.ts) opens and recovers them after a crash or power loss,
 * and the `Cleaner` (log-cleaner.ts) compacts them. This class holds what the broker sees of the
 * log above its files: the log start offset, the leader epoch cache and append validation.
 */
export class UnifiedLog {
  private readonly localLog: LocalLog;
  private readonly cleaner: Cleaner;
  private logStart: number;
  private events: LogEvent[];

  private constructor(
    disk: NodeDisk,
    private readonly clock: Clock,
    readonly dir: string,
    config: LogConfig,
    readonly leaderEpochCache: LeaderEpochFileCache,
    segments: LogSegment[],
    loaded: LoadedLogOffsets,
    events: LogEvent[],
  ) {
    this.events = events;
    const emit = (event: LogEvent): void => {
      this.events.push(event);
    };
    this.localLog = new LocalLog(disk, clock, dir, config, segments, loaded.recoveryPoint, emit);
    this.cleaner = new Cleaner(emit);
    this.logStart = loaded.logStartOffset;
  }

  /**
   * Opens the log in `dir`, creating it when it does not exist, and recovers every segment at or
   * after the recovery point (Kafka's `LogLoader`): each batch is CRC-checked, the first torn or
   * corrupt batch and everything after it is removed, and indexes are rebuilt.
   */
  static load(disk: NodeDisk, clock: Clock, dir: string, config: LogConfig, params: LogLoadParams): { log: UnifiedLog; summary: LogLoadSummary } {
    const leaderEpochCache = new LeaderEpochFileCache(disk, dir);
    const segments: LogSegment[] = [];
    const events: LogEvent[] = [];
    const loaded = new LogLoader(disk, clock, dir, config, params, segments, leaderEpochCache, (event) => events.push(event)).load();
    const log = new UnifiedLog(disk, clock, dir, config, leaderEpochCache, segments, loaded, events);
    log.checkConsistency();
    return { log, summary: loaded.summary };
  }

  /** The topic configuration in force (Kafka's `UnifiedLog.config`). */
  get config(): LogConfig {
    return this.localLog.config;
  }

  /**
   * Kafka's `UnifiedLog.updateConfig`: a log loaded at startup before the broker knew its topic's
   * configuration (refka loads logs before it fetches metadata) takes the topic's own settings
   * once the metadata names them. Segments already written keep their bytes; the new settings
   * govern what comes next (rolls, flushes, retention, compaction).
   */
  updateConfig(config: LogConfig): void {
    this.localLog.updateConfig(config);
  }

  // ---- Offsets ----------------------------------------------------------------------------------

  get logStartOffset(): number {
    return this.logStart;
  }

  get logEndOffset(): number {
    return this.localLog.logEndOffset;
  }

  get recoveryPoint(): number {
    return this.localLog.recoveryPoint;
  }

  get activeSegment(): LogSegment {
    return this.localLog.activeSegment;
  }

  get segmentCount(): number {
    return this.localLog.segments.length;
  }

  get sizeInBytes(): number {
    return this.localLog.sizeInBytes;
  }

  /** Each segment's batch headers (no CRC check, no events): what `kafka-dump-log.sh` would list. */
  segmentSummaries(): { baseOffset: number; sizeInBytes: number; batches: readonly BatchPosition[]; problem?: string }[] {
    return this.localLog.segments.map((segment) => ({ baseOffset: segment.baseOffset, sizeInBytes: segment.sizeInBytes, ...segment.headerScan() }));
  }

  /** Every batch header of the log, oldest first, as two agreeing reads give it (for producer state). */
  producerBatchHeaders(): BatchPosition[] {
    return this.localLog.segments.flatMap((segment) => [...segment.agreedHeaderScan()]);
  }

  /** The base offsets of the segments, oldest first. */
  segmentBaseOffsets(): number[] {
    return this.localLog.segments.map((segment) => segment.baseOffset);
  }

  latestEpoch(): number | undefined {
    return this.leaderEpochCache.latestEpoch;
  }

  /** Events since the last call, oldest first. */
  drainEvents(): LogEvent[] {
    const drained = this.events;
    this.events = [];
    return drained;
  }

  // ---- Appends ----------------------------------------------------------------------------------

  /**
   * Appends producer batches as the leader in `leaderEpoch`: validates each (Kafka's
   * `LogValidator`), assigns offsets from the log end, stamps the epoch (and LogAppendTime when the
   * topic uses it), records a new epoch in the epoch cache, rolls if needed and applies the flush
   * policy. A refused append leaves the log unchanged.
   */
  appendAsLeader(batches: readonly Uint8Array[], leaderEpoch: number): LogAppendResult {
    assert(Number.isInteger(leaderEpoch) && leaderEpoch >= 0, `leader epoch must be a non-negative integer, got ${leaderEpoch}`);
    const latest = this.leaderEpochCache.latestEpoch;
    assert(latest === undefined || leaderEpoch >= latest, `${this.dir}: append in epoch ${leaderEpoch} after epoch ${latest}`);
    const nowMs = this.clock.nowMs();
    const logAppendTime = this.config.messageTimestampType === 'LogAppendTime' ? nowMs : -1;
    const stamped: RecordBatch[] = [];
    let nextOffset = this.logEndOffset;
    for (const [index, bytes] of batches.entries()) {
      const checked = this.validateBatch(bytes, index);
      if (checked.type === 'error') return checked;
      const batch = checked.batch;
      if (batch.recordCount !== batch.lastOffsetDelta + 1) {
        return { type: 'error', error: 'INVALID_RECORD', message: `batch ${index} has ${batch.recordCount} records and last offset delta ${batch.lastOffsetDelta}` };
      }
      const written = restampBatch(batch, nextOffset, leaderEpoch, logAppendTime >= 0 ? logAppendTime : undefined);
      stamped.push(written);
      nextOffset = written.lastOffset + 1;
    }
    if (stamped.length === 0) return { type: 'error', error: 'INVALID_RECORD', message: 'an append needs at least one batch' };
    return this.appendValidated(stamped, logAppendTime);
  }

  /**
   * Appends batches fetched from the leader, keeping their offsets and epochs (Kafka's
   * `appendAsFollower`). The first batch must start at the log end: a gap or an overlap is refused,
   * except that a compacted log accepts gaps, which the cleaner leaves where it removed whole
   * batches. Epochs new to this log go into the epoch cache.
   */
  appendAsFollower(batches: readonly Uint8Array[]): LogAppendResult {
    const parsed: RecordBatch[] = [];
    let expected = this.logEndOffset;
    for (const [index, bytes] of batches.entries()) {
      const checked = this.validateBatch(bytes, index);
      if (checked.type === 'error') return checked;
      const batch = checked.batch;
      if (batch.baseOffset < expected) {
        const error = index === 0 ? 'UNEXPECTED_APPEND_OFFSET' : 'OFFSETS_OUT_OF_ORDER';
        return { type: 'error', error, message: `batch ${index} starts at offset ${batch.baseOffset}, below the expected ${expected}` };
      }
      if (batch.baseOffset > expected && !this.config.cleanupPolicy.compact) {
        const error = index === 0 ? 'UNEXPECTED_APPEND_OFFSET' : 'OFFSETS_OUT_OF_ORDER';
        return { type: 'error', error, message: `batch ${index} starts at offset ${batch.baseOffset}, leaving a gap after ${expected}` };
      }
      // Kafka takes the leader's batches as they are: an epoch below the log's latest is kept
      // (only a corrupt header could produce one) and simply not entered in the epoch cache.
      if (batch.partitionLeaderEpoch < 0) {
        return { type: 'error', error: 'INVALID_RECORD', message: `batch ${index} has no leader epoch (${batch.partitionLeaderEpoch})` };
      }
      parsed.push(batch);
      expected = batch.lastOffset + 1;
    }
    if (parsed.length === 0) return { type: 'error', error: 'INVALID_RECORD', message: 'an append needs at least one batch' };
    return this.appendValidated(parsed, -1);
  }

  private validateBatch(bytes: Uint8Array, index: number): { type: 'ok'; batch: RecordBatch } | { type: 'error'; error: LogAppendError; message: string } {
    if (bytes.length > this.config.maxMessageBytes) {
      return { type: 'error', error: 'RECORD_TOO_LARGE', message: `batch ${index} is ${bytes.length} bytes, above max.message.bytes=${this.config.maxMessageBytes}` };
    }
    const read = readRecordBatch(bytes, 0, bytes.length);
    if (read.type !== 'batch') return { type: 'error', error: 'CORRUPT_MESSAGE', message: `batch ${index}: ${read.reason}` };
    if (read.batch.bytes.length !== bytes.length) {
      return { type: 'error', error: 'CORRUPT_MESSAGE', message: `batch ${index}: ${bytes.length - read.batch.bytes.length} bytes after the batch` };
    }
    const records = decodeRecords(read.batch);
    if (typeof records === 'string') return { type: 'error', error: 'CORRUPT_MESSAGE', message: `batch ${index}: ${records}` };
    if (this.config.cleanupPolicy.compact && !read.batch.isControl && records.some((record) => record.key === null)) {
      return { type: 'error', error: 'INVALID_RECORD', message: `batch ${index}: a compacted topic cannot accept a record without a key` };
    }
    return { type: 'ok', batch: read.batch };
  }

  private appendValidated(batches: readonly RecordBatch[], logAppendTime: number): LogAppendResult {
    const first = batches[0];
    const last = batches.at(-1);
    assert(first !== undefined && last !== undefined, 'appendValidated needs batches');
    let validBytes = 0;
    let numMessages = 0;
    let maxTimestamp = -1;
    for (const batch of batches) {
      validBytes += batch.bytes.length;
      numMessages += batch.recordCount;
      maxTimestamp = Math.max(maxTimestamp, batch.maxTimestamp);
    }
    const nowMs = this.clock.nowMs();
    this.maybeRoll(validBytes, first.baseOffset, last.lastOffset, maxTimestamp, nowMs);
    const endBefore = this.logEndOffset;
    for (const batch of batches) {
      // Epochs first: the cache must know the epoch of every offset the log holds (KIP-101).
      const latest = this.leaderEpochCache.latestEpoch;
      if (latest === undefined || batch.partitionLeaderEpoch > latest) this.leaderEpochCache.assign(batch.partitionLeaderEpoch, batch.baseOffset);
      this.localLog.append(batch);
    }
    assert(this.logEndOffset === last.lastOffset + 1, `${this.dir}: log end ${this.logEndOffset} after appending up to ${last.lastOffset}`);
    assert(this.logEndOffset > endBefore, `${this.dir}: an append did not move the log end`);
    if (this.localLog.unflushedMessages >= this.config.flushMessages) this.flush();
    return {
      type: 'appended',
      info: {
        firstOffset: first.baseOffset,
        lastOffset: last.lastOffset,
        lastLeaderEpoch: last.partitionLeaderEpoch,
        maxTimestamp,
        logAppendTime,
        numMessages,
        validBytes,
        batches,
      },
    };
  }

  /** Kafka's `maybeRoll`: a new active segment when the append would not fit the current one. */
  private maybeRoll(messagesSize: number, firstOffset: number, lastOffset: number, maxTimestamp: number, nowMs: number): void {
    const segment = this.activeSegment;
    let reason: string | undefined;
    if (segment.sizeInBytes > 0 && segment.sizeInBytes > this.config.segmentBytes - messagesSize) reason = 'segment.bytes';
    else if (segment.sizeInBytes > 0 && segment.timeWaitedForRoll(nowMs, maxTimestamp) > this.config.segmentMs) reason = 'segment.ms';
    else if (segment.indexIsFull) reason = 'index full';
    else if (lastOffset - segment.baseOffset > 0x7fff_ffff) reason = 'relative offset overflow';
    if (reason !== undefined) this.localLog.roll(firstOffset, reason);
  }

  /**
   * Kafka's `UnifiedLog.roll`: a new active segment at `baseOffset` (see {@link LocalLog.roll},
   * which also flushes the old one).
   */
  roll(baseOffset: number = this.logEndOffset, reason = 'requested'): LogSegment {
    return this.localLog.roll(baseOffset, reason);
  }

  // ---- Flush ------------------------------------------------------------------------------------

  /** Applies `flush.ms`; the broker calls it periodically, as Kafka's log flusher does. */
  maybeFlush(): void {
    if (this.logEndOffset > this.localLog.recoveryPoint && this.clock.nowMs() - this.localLog.lastFlushTime >= this.config.flushMs) this.flush();
  }

  /** Fsyncs every segment with data above the recovery point and moves the recovery point to the log end. */
  flush(): void {
    this.localLog.flush(this.logEndOffset);
  }

  // ---- Reads ------------------------------------------------------------------------------------

  /**
   * Whole batches from the one holding `startOffset`, at most `maxBytes` of them (but at least one
   * when `minOneMessage`), none reaching `maxOffset` (exclusive: the high watermark for consumers,
   * the log end for followers). Every batch served has passed its CRC check.
   */
  read(startOffset: number, maxBytes: number, maxOffset: number, minOneMessage: boolean): LogReadResult {
    const logEnd = this.logEndOffset;
    if (startOffset < this.logStart || startOffset > logEnd) {
      return { type: 'error', error: 'OFFSET_OUT_OF_RANGE', message: `offset ${startOffset} is outside the log's range ${this.logStart}..${logEnd}` };
    }
    const read = this.localLog.read(startOffset, maxBytes, maxOffset, minOneMessage);
    if (read.type === 'error') return read;
    return { type: 'read', batches: read.batches, logStartOffset: this.logStart, logEndOffset: logEnd };
  }

  /** Every record from `startOffset` below `maxOffset`, decoded (tests, tools and checkers). */
  readRecords(startOffset: number, maxOffset: number = this.logEndOffset): LogRecord[] | { error: LogReadError; message: string } {
    const records: LogRecord[] = [];
    let from = Math.max(startOffset, this.logStart);
    while (from < maxOffset) {
      const read = this.read(from, 1 << 20, maxOffset, true);
      if (read.type === 'error') return { error: read.error, message: read.message };
      if (read.batches.length === 0) break;
      for (const batch of read.batches) {
        const decoded = decodeRecords(batch);
        assert(typeof decoded !== 'string', `${this.dir}: a batch that passed its CRC does not decode: ${String(decoded)}`);
        for (const record of decoded) if (record.offset >= from && record.offset < maxOffset) records.push(record);
        from = batch.lastOffset + 1;
      }
    }
    return records;
  }

  // ---- Truncation -------------------------------------------------------------------------------

  /**
   * Removes every batch from the one holding `targetOffset` on (Kafka's `truncateTo`), for a
   * follower whose log diverged from the leader's. Returns whether anything was removed.
   */
  truncateTo(targetOffset: number): boolean {
    assert(Number.isSafeInteger(targetOffset) && targetOffset >= 0, `truncation offset must be a non-negative integer, got ${targetOffset}`);
    if (targetOffset >= this.logEndOffset) {
      // Kafka truncates the epoch cache at the log end even then: a replica that became leader
      // and assigned its epoch's start offset, but never appended before losing leadership, holds
      // an epoch entry with no data, which would make it ask OffsetsForLeaderEpoch about an epoch
      // no other replica has, forever.
      this.leaderEpochCache.truncateFromEnd(this.logEndOffset);
      return false;
    }
    const first = this.localLog.segments[0];
    if (targetOffset < this.logStart || (first !== undefined && first.baseOffset > targetOffset)) {
      this.truncateFullyAndStartAt(targetOffset);
      return true;
    }
    this.localLog.truncateTo(targetOffset);
    this.leaderEpochCache.truncateFromEnd(this.logEndOffset);
    return true;
  }

  /** Deletes every segment and starts an empty log at `newOffset` (Kafka's `truncateFullyAndStartAt`). */
  truncateFullyAndStartAt(newOffset: number): void {
    assert(Number.isSafeInteger(newOffset) && newOffset >= 0, `new start offset must be a non-negative integer, got ${newOffset}`);
    this.localLog.truncateFullyAndStartAt(newOffset);
    this.leaderEpochCache.clearAndFlush();
    this.logStart = newOffset;
  }

  // ---- Retention --------------------------------------------------------------------------------

  /**
   * Kafka's `maybeIncrementLogStartOffset`, as a follower calls it with the log start offset the
   * leader's fetch response carries (`LeaderOffsetIncremented`): the log start moves up to
   * `newLogStartOffset` (never back, never past `highWatermark`), the epoch cache forgets what lies
   * below it, and segments wholly below it are deleted (Kafka deletes them in its next retention
   * pass, `deleteLogStartOffsetBreachedSegments`; refka at once). Returns whether the start moved.
   */
  maybeIncrementLogStartOffset(newLogStartOffset: number, highWatermark: number): boolean {
    const target = Math.min(newLogStartOffset, highWatermark, this.logEndOffset);
    if (target <= this.logStart) return false;
    this.logStart = target;
    this.leaderEpochCache.truncateFromStart(target);
    const segments = this.localLog.segments;
    const below: LogSegment[] = [];
    for (let index = 0; index + 1 < segments.length && (segments[index + 1] as LogSegment).baseOffset <= target; index++) below.push(segments[index] as LogSegment);
    this.localLog.removeAndDeleteSegments(below);
    const first = (this.localLog.segments[0] as LogSegment).baseOffset;
    if (this.localLog.recoveryPoint < first) this.localLog.updateRecoveryPoint(first);
    return true;
  }

  /**
   * Kafka's `deleteOldSegments` under `cleanup.policy=delete`: removes whole segments, oldest
   * first, that breach `retention.ms` (their largest timestamp is older) or `retention.bytes` (the
   * log is larger), and only segments entirely below the high watermark. The log start offset
   * moves to the first segment kept. Returns how many segments were deleted.
   */
  deleteOldSegments(highWatermark: number): number {
    if (!this.config.cleanupPolicy.delete) return 0;
    const nowMs = this.clock.nowMs();
    let deleted = 0;
    if (this.config.retentionMs >= 0) {
      deleted += this.deleteSegmentsWhile(highWatermark, 'retention.ms', (segment) => nowMs - segment.largestTimestamp > this.config.retentionMs);
    }
    if (this.config.retentionBytes >= 0) {
      let excess = this.sizeInBytes - this.config.retentionBytes;
      deleted += this.deleteSegmentsWhile(highWatermark, 'retention.bytes', (segment) => {
        if (excess - segment.sizeInBytes < 0) return false;
        excess -= segment.sizeInBytes;
        return true;
      });
    }
    return deleted;
  }

  private deleteSegmentsWhile(highWatermark: number, reason: 'retention.ms' | 'retention.bytes', breached: (segment: LogSegment) => boolean): number {
    let count = 0;
    for (;;) {
      const segment = this.localLog.segments[0];
      if (segment === undefined || segment.isEmpty) break;
      const next = this.localLog.segments[1];
      const upperBound = next === undefined ? segment.readNextOffset : next.baseOffset;
      if (upperBound > highWatermark || !breached(segment)) break;
      // Deleting the active segment needs a new one first; Kafka rolls in that case too.
      if (next === undefined) this.roll(this.logEndOffset, 'retention of the active segment');
      this.localLog.removeAndDeleteSegments([segment]);
      count++;
      this.events.push({ type: 'retention-deleted-segment', baseOffset: segment.baseOffset, reason });
      this.logStart = Math.max(this.logStart, (this.localLog.segments[0] as LogSegment).baseOffset);
      this.leaderEpochCache.truncateFromStart(this.logStart);
      if (this.localLog.recoveryPoint < this.logStart) this.localLog.updateRecoveryPoint(this.logStart);
    }
    return count;
  }

  // ---- Compaction -------------------------------------------------------------------------------

  /**
   * One pass of Kafka's log cleaner under `cleanup.policy=compact` (see {@link Cleaner.clean}):
   * over the closed segments entirely below the high watermark, keeps only the latest record of
   * each key, and drops tombstones (null values) older than `delete.retention.ms`.
   * Returns the number of records removed.
   */
  compact(highWatermark: number): number {
    if (!this.config.cleanupPolicy.compact) return 0;
    return this.cleaner.clean(this.localLog, highWatermark, this.clock.nowMs());
  }

  /** Paired checks of the log's own invariants; they cost a scan and run at load and in tests. */
  checkConsistency(): void {
    let previousEnd: number | undefined;
    const segments = this.localLog.segments;
    for (const [index, segment] of segments.entries()) {
      const last = index === segments.length - 1;
      assert(last || !segment.isEmpty, `${this.dir}: closed segment ${segment.baseOffset} is empty`);
      if (previousEnd !== undefined) assert(segment.baseOffset >= previousEnd, `${this.dir}: segment ${segment.baseOffset} starts below ${previousEnd}`);
      previousEnd = segment.readNextOffset;
    }
    assert(this.logStart <= this.logEndOffset, `${this.dir}: log start ${this.logStart} above log end ${this.logEndOffset}`);
    assert(this.recoveryPoint <= this.logEndOffset, `${this.dir}: recovery point ${this.recoveryPoint} above log end ${this.logEndOffset}`);
    const epochs = this.leaderEpochCache.all;
    for (const [index, entry] of epochs.entries()) {
      const previous = epochs[index - 1];
      if (previous !== undefined) {
        assert(entry.epoch > previous.epoch && entry.startOffset > previous.startOffset, `${this.dir}: epoch cache not monotonic at ${entry.epoch}`);
      }
      assert(entry.startOffset <= this.logEndOffset, `${this.dir}: epoch ${entry.epoch} starts at ${entry.startOffset}, past the log end`);
    }
  }

  /** Marks the log closed after a final flush (a controlled shutdown); the log manager writes the marker. */
  close(): void {
    this.flush();
    this.activeSegment.offsetIndex.flush();
  }

  describe(): string {
    return `UnifiedLog(${this.dir}, start=${this.logStart}, end=${this.logEndOffset}, recoveryPoint=${this.recoveryPoint}, segments=${this.segmentCount})`;
  }
}

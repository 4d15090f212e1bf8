import { int64At } from './byte-codec.ts';
import { assert, fail } from '../common/assert.ts';
import { DiskError, type NodeDisk } from '../env/node-environment.ts';
import { LOG_OVERHEAD, RECORD_BATCH_OVERHEAD, readRecordBatch, type RecordBatch } from './record-batch.ts';
import { OffsetIndex, TimeIndex } from './segment-index.ts';

/** Kafka names segment files by base offset, zero-padded to 20 digits (`LogFileUtils.filenamePrefixFromOffset`). */
export function filenamePrefixFromOffset(offset: number): string {
  assert(Number.isSafeInteger(offset) && offset >= 0, `segment base offset must be a non-negative integer, got ${offset}`);
  return String(offset).padStart(20, '0');
}

export const LOG_FILE_SUFFIX = '.log';
export const INDEX_FILE_SUFFIX = '.index';
export const TIME_INDEX_FILE_SUFFIX = '.timeindex';
/** Suffix of a segment scheduled for deletion (Kafka renames before it deletes asynchronously). */
export const DELETED_FILE_SUFFIX = '.deleted';
/** Suffix of a segment being written by the cleaner before it is swapped in. */
export const CLEANED_FILE_SUFFIX = '.cleaned';

/** The header fields of a batch a scan met, without its records. */
export interface BatchPosition {
  readonly position: number;
  readonly size: number;
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly maxTimestamp: number;
  readonly partitionLeaderEpoch: number;
  /** Idempotent producer fields, for rebuilding producer state from the log. */
  readonly producerId?: number;
  readonly producerEpoch?: number;
  readonly baseSequence?: number;
}

/** How many times {@link LogSegment.agreedHeaderScan} reads a segment's headers before giving up. */
const MAX_HEADER_SCANS = 4;

function sameScan(a: { batches: readonly BatchPosition[]; problem?: string }, b: { batches: readonly BatchPosition[]; problem?: string }): boolean {
  if (a.problem !== b.problem || a.batches.length !== b.batches.length) return false;
  return a.batches.every((batch, index) => {
    const other = b.batches[index] as BatchPosition;
    return batch.position === other.position && batch.size === other.size && batch.baseOffset === other.baseOffset && batch.lastOffset === other.lastOffset
      && batch.maxTimestamp === other.maxTimestamp && batch.partitionLeaderEpoch === other.partitionLeaderEpoch
      && batch.producerId === other.producerId && batch.producerEpoch === other.producerEpoch && batch.baseSequence === other.baseSequence;
  });
}

/**
 * What the log knows about a segment's offsets without reading it: they end below the next
 * segment's base offset, and in a log that is never compacted they are dense (each batch starts
 * right after the previous one, the first at the segment's base offset). Kafka's CRC does not
 * cover a batch's base offset, so these structural checks are what catches a bit flipped there.
 */
export interface SegmentBounds {
  readonly upperBound: number;
  readonly dense: boolean;
}

export const UNBOUNDED: SegmentBounds = { upperBound: Number.POSITIVE_INFINITY, dense: false };

/** What {@link LogSegment.recover} found. */
export interface SegmentRecovery {
  /** Bytes removed from the end of the segment: a torn or corrupt tail. */
  readonly truncatedBytes: number;
  /** Why the scan stopped early, when it did. */
  readonly stoppedBecause?: string;
  /** Valid batches kept. */
  readonly batches: number;
}

export type SegmentRead =
  | { readonly type: 'batches'; readonly batches: readonly RecordBatch[] }
  /** A batch in range failed its CRC (or its header is garbage): it is reported, never served. */
  | { readonly type: 'corrupt'; readonly position: number; readonly reason: string };

/**
 * Kafka's `LogSegment`: one `.log` file of record batches plus its sparse `.index` and
 * `.timeindex`. The segment knows nothing of leaders or high watermarks; `UnifiedLog` does.
 */
export class LogSegment {
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
  private logPath: string;
  private bytes: number;
  private bytesSinceLastIndexEntry = 0;
  private maxTimestamp = -1;
  private offsetOfMaxTimestamp = -1;
  /** The max timestamp of the first batch appended, which `segment.ms` measures from (Kafka's `rollingBasedTimestamp`). */
  private rollingBasedTimestamp: number | undefined;
  /** One past the last offset in the segment, or the base offset when it is empty. */
  private nextOffset: number;

  private constructor(
    private readonly disk: NodeDisk,
    readonly dir: string,
    readonly baseOffset: number,
    private readonly indexIntervalBytes: number,
    maxIndexBytes: number,
    /** When the segment object was made; `segment.ms` counts from here for an empty segment. */
    readonly createdAtMs: number,
  ) {
    const prefix = `${dir}/${filenamePrefixFromOffset(baseOffset)}`;
    this.logPath = `${prefix}${LOG_FILE_SUFFIX}`;
    this.offsetIndex = new OffsetIndex(disk, `${prefix}${INDEX_FILE_SUFFIX}`, baseOffset, maxIndexBytes);
    this.timeIndex = new TimeIndex(disk, `${prefix}${TIME_INDEX_FILE_SUFFIX}`, baseOffset, maxIndexBytes);
    this.bytes = disk.exists(this.logPath) ? disk.size(this.logPath) : 0;
    this.nextOffset = baseOffset;
  }

  /** A new, empty segment: creates its three files. */
  static create(disk: NodeDisk, dir: string, baseOffset: number, indexIntervalBytes: number, maxIndexBytes: number, nowMs: number): LogSegment {
    const segment = new LogSegment(disk, dir, baseOffset, indexIntervalBytes, maxIndexBytes, nowMs);
    assert(!disk.exists(segment.logPath), `${segment.logPath} already exists`);
    disk.write(segment.logPath, 0, new Uint8Array(0));
    segment.offsetIndex.reset();
    segment.timeIndex.reset();
    return segment;
  }

  /**
   * An existing segment whose data is trusted (below the recovery point): its indexes are loaded
   * and checked, and a header scan finds its next offset and largest timestamp. Returns a reason
   * instead when the segment must be recovered (an index is missing or invalid, or the scan met a
   * batch header it cannot follow).
   */
  static open(disk: NodeDisk, dir: string, baseOffset: number, indexIntervalBytes: number, maxIndexBytes: number, nowMs: number, bounds: SegmentBounds = UNBOUNDED): { segment: LogSegment; batches: readonly BatchPosition[]; needsRecovery?: string } {
    const segment = LogSegment.openForRecovery(disk, dir, baseOffset, indexIntervalBytes, maxIndexBytes, nowMs);
    const offsetProblem = segment.offsetIndex.load();
    const timeProblem = segment.timeIndex.load();
    if (offsetProblem !== undefined) return { segment, batches: [], needsRecovery: `offset index ${offsetProblem}` };
    if (timeProblem !== undefined) return { segment, batches: [], needsRecovery: `time index ${timeProblem}` };
    const scan = segment.scanHeadersTwice(0, Number.POSITIVE_INFINITY, bounds);
    if (scan.problem !== undefined) return { segment, batches: [], needsRecovery: scan.problem };
    for (const batch of scan.batches) segment.noteBatch(batch);
    segment.resetIndexSpacing();
    const lastIndexed = segment.offsetIndex.lastEntry();
    if (lastIndexed !== undefined && lastIndexed.offset >= segment.nextOffset) {
      return { segment, batches: [], needsRecovery: `offset index entry ${lastIndexed.offset} is past the segment's end ${segment.nextOffset}` };
    }
    return { segment, batches: scan.batches };
  }

  /** An existing segment that {@link recover} will rebuild: nothing is read yet. */
  static openForRecovery(disk: NodeDisk, dir: string, baseOffset: number, indexIntervalBytes: number, maxIndexBytes: number, nowMs: number): LogSegment {
    const segment = new LogSegment(disk, dir, baseOffset, indexIntervalBytes, maxIndexBytes, nowMs);
    assert(disk.exists(segment.logPath), `${segment.logPath} does not exist`);
    return segment;
  }

  get path(): string {
    return this.logPath;
  }

  get sizeInBytes(): number {
    return this.bytes;
  }

  get readNextOffset(): number {
    return this.nextOffset;
  }

  get isEmpty(): boolean {
    return this.bytes === 0;
  }

  /** Kafka's `largestTimestamp`: the largest record timestamp, or when the segment was made if it has none. */
  get largestTimestamp(): number {
    return this.maxTimestamp >= 0 ? this.maxTimestamp : this.createdAtMs;
  }

  /** How long the segment has waited for `segment.ms` (Kafka's `timeWaitedForRoll`). */
  timeWaitedForRoll(nowMs: number, messageTimestamp: number): number {
    const since = this.rollingBasedTimestamp;
    if (since === undefined) return nowMs - this.createdAtMs;
    return messageTimestamp - since;
  }

  /**
   * Appends one validated batch at the end of the file. Offset index entries map a batch's last
   * offset to its position, one every `index.interval.bytes` (Kafka's `LogSegment.append`).
   */
  append(batch: RecordBatch): void {
    assert(batch.baseOffset >= this.nextOffset, `${this.logPath}: append of offset ${batch.baseOffset} below the segment's next offset ${this.nextOffset}`);
    assert(batch.lastOffset - this.baseOffset <= 0x7fff_ffff, `${this.logPath}: offset ${batch.lastOffset} overflows the segment's relative offsets`);
    const position = this.bytes;
    // As Kafka does, the index check comes before the batch is counted: a segment's first batch
    // gets no entry (the segment start serves), and an entry points at the batch that crosses
    // index.interval.bytes.
    if (this.bytesSinceLastIndexEntry > this.indexIntervalBytes) {
      this.offsetIndex.append(batch.lastOffset, position);
      this.timeIndex.maybeAppend(Math.max(this.maxTimestamp, batch.maxTimestamp), batch.maxTimestamp > this.maxTimestamp ? batch.lastOffset : this.offsetOfMaxTimestamp);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.disk.append(this.logPath, batch.bytes);
    this.bytes += batch.bytes.length;
    this.noteBatch({
      position,
      size: batch.bytes.length,
      baseOffset: batch.baseOffset,
      lastOffset: batch.lastOffset,
      maxTimestamp: batch.maxTimestamp,
      partitionLeaderEpoch: batch.partitionLeaderEpoch,
    });
  }

  private noteBatch(batch: BatchPosition): void {
    if (this.rollingBasedTimestamp === undefined && batch.position === 0) this.rollingBasedTimestamp = batch.maxTimestamp;
    if (batch.maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = batch.maxTimestamp;
      this.offsetOfMaxTimestamp = batch.lastOffset;
    }
    this.nextOffset = batch.lastOffset + 1;
    this.bytesSinceLastIndexEntry += batch.size;
  }

  /** Bytes since the last index entry's batch started, as if the segment had been appended to in one run. */
  private resetIndexSpacing(): void {
    const lastIndexed = this.offsetIndex.lastEntry();
    this.bytesSinceLastIndexEntry = lastIndexed === undefined ? this.bytes : this.bytes - lastIndexed.position;
  }

  /** The index is full, or (for a closed segment) its final time index entry is written. */
  get indexIsFull(): boolean {
    return this.offsetIndex.isFull || this.timeIndex.isFull;
  }

  /** Called when the segment stops being the active one: records its largest timestamp (Kafka's `onBecomeInactiveSegment`). */
  onBecomeInactiveSegment(): void {
    if (this.maxTimestamp >= 0 && !this.timeIndex.isFull) this.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
  }

  /**
   * Batch headers from `position` to the end, without CRC checks: enough to find offsets and
   * positions. Stops at the first header it cannot follow and says why.
   */
  private scanHeaders(position: number, stopAtLastOffset = Number.POSITIVE_INFINITY, bounds: SegmentBounds = UNBOUNDED): { batches: BatchPosition[]; problem?: string } {
    const batches: BatchPosition[] = [];
    let at = position;
    while (at < this.bytes) {
      const previous = batches.at(-1);
      const problem = this.readHeader(at, previous?.lastOffset, bounds);
      if (problem !== undefined) return { batches, problem };
      const batch = headerPosition(at);
      batches.push(batch);
      at += batch.size;
      if (batch.lastOffset >= stopAtLastOffset) break;
    }
    return { batches };
  }

  /**
   * A scan that met a problem is repeated once: a bit flipped on read is transient, and a problem
   * both scans meet is on disk.
   */
  private scanHeadersTwice(position: number, stopAtLastOffset = Number.POSITIVE_INFINITY, bounds: SegmentBounds = UNBOUNDED): { batches: BatchPosition[]; problem?: string } {
    const scan = this.scanHeaders(position, stopAtLastOffset, bounds);
    return scan.problem === undefined ? scan : this.scanHeaders(position, stopAtLastOffset, bounds);
  }

  /**
   * Reads the batch header at `at` into `HEADER` and checks that it can be followed: a whole
   * batch inside the segment, after `previousLast`, within `bounds`. The problem, if not.
   */
  private readHeader(at: number, previousLast: number | undefined, bounds: SegmentBounds): string | undefined {
    if (this.bytes - at < RECORD_BATCH_OVERHEAD) return `${this.bytes - at} bytes at position ${at}, too few for a batch`;
    const read = this.disk.read(this.logPath, at, RECORD_BATCH_OVERHEAD, HEADER_BYTES);
    if (read.length !== RECORD_BATCH_OVERHEAD) fail(`${this.logPath}: read ${read.length} header bytes at ${at}, below the segment's size ${this.bytes}`);
    const baseOffset = int64At(HEADER, 0);
    const size = HEADER.getInt32(8) + LOG_OVERHEAD;
    const lastOffset = baseOffset + HEADER.getInt32(23);
    if (size < RECORD_BATCH_OVERHEAD || at + size > this.bytes || !Number.isSafeInteger(baseOffset) || lastOffset < baseOffset || HEADER.getInt8(16) !== 2) {
      return `unreadable batch header at position ${at}`;
    }
    if (previousLast !== undefined && baseOffset <= previousLast) return `offset ${baseOffset} at position ${at} does not increase`;
    if (baseOffset < this.baseOffset) return `offset ${baseOffset} at position ${at} is below the segment's base offset`;
    const problem = boundsProblem(bounds, this.baseOffset, previousLast, baseOffset, lastOffset);
    return problem === undefined ? undefined : `batch at position ${at}: ${problem}`;
  }

  /**
   * The first batch whose last offset is at least `offset`, starting from the index's nearest
   * entry (Kafka's `translateOffset`); undefined when the segment ends before it.
   */
  translateOffset(offset: number): BatchPosition | 'unreadable' | undefined {
    const start = this.offsetIndex.lookup(offset);
    // The index maps a batch's last offset to the batch's start: at or below `offset`, so the batch
    // holding `offset` starts there or later.
    const position = start.offset <= offset ? start.position : 0;
    // As `scanHeadersTwice`: a header that cannot be followed is read once more before it counts.
    let found = this.scanToOffset(position, offset);
    if (found === 'unreadable') found = this.scanToOffset(position, offset);
    return found;
  }

  /**
   * `scanHeaders(position, offset)` for the one batch `translateOffset` wants: the same reads and
   * checks (`readHeader`), without an object for every batch passed on the way (a fetch at the
   * log's end passes up to `index.interval.bytes` of them).
   */
  private scanToOffset(position: number, offset: number): BatchPosition | 'unreadable' | undefined {
    let previousLast: number | undefined;
    let at = position;
    while (at < this.bytes) {
      if (this.readHeader(at, previousLast, UNBOUNDED) !== undefined) return 'unreadable';
      const lastOffset = int64At(HEADER, 0) + HEADER.getInt32(23);
      if (lastOffset >= offset) return headerPosition(at);
      previousLast = lastOffset;
      at += HEADER.getInt32(8) + LOG_OVERHEAD;
    }
    return undefined;
  }

  /**
   * Whole batches from the one holding `startOffset`, up to `maxBytes` (at least one batch when
   * `minOneMessage`), never past file position `maxPosition`. Every batch is CRC-checked: a
   * corrupt one is reported, and nothing from it onwards is served.
   */
  read(startOffset: number, maxBytes: number, maxPosition: number, minOneMessage: boolean, dense = false): SegmentRead {
    const first = this.translateOffset(startOffset);
    if (first === 'unreadable') return { type: 'corrupt', position: -1, reason: `batch headers of ${this.logPath} are unreadable before offset ${startOffset}` };
    // In a log that is never compacted the segment holds every offset from its base to its end, so
    // the batch found must hold the offset asked for: finding none, or one that starts after it,
    // means the offset index sent the scan past it (a flipped index entry).
    const holds = dense && startOffset >= this.baseOffset && startOffset < this.nextOffset;
    if (first === undefined && holds) {
      return { type: 'corrupt', position: -1, reason: `no batch found for offset ${startOffset} below the segment's end ${this.nextOffset}: the offset index points past it` };
    }
    if (first === undefined || first.position >= maxPosition) return { type: 'batches', batches: [] };
    if (holds && first.baseOffset > startOffset) {
      return { type: 'corrupt', position: first.position, reason: `the batch found for offset ${startOffset} starts at ${first.baseOffset}: the offset index points past it` };
    }
    const limit = Math.min(maxPosition, this.bytes);
    let end = Math.min(limit, first.position + maxBytes);
    if (minOneMessage) end = Math.max(end, Math.min(limit, first.position + first.size));
    if (end <= first.position) return { type: 'batches', batches: [] };
    const chunk = this.disk.read(this.logPath, first.position, end - first.position);
    const batches: RecordBatch[] = [];
    let at = 0;
    while (at < chunk.length) {
      const result = readRecordBatch(chunk, at, chunk.length, false);
      if (result.type === 'truncated') break; // the next batch does not fit in maxBytes
      const problem = result.type === 'corrupt' ? result.reason : this.offsetProblem(result.batch, batches.at(-1), at === 0 ? first : undefined, dense);
      if (problem !== undefined) {
        if (batches.length > 0) break; // serve what came before; the next read reports it
        return { type: 'corrupt', position: first.position + at, reason: problem };
      }
      batches.push((result as { batch: RecordBatch }).batch);
      at += (result as { batch: RecordBatch }).batch.bytes.length;
    }
    return { type: 'batches', batches };
  }

  /**
   * Kafka's CRC covers a batch from its attributes on, not its base offset, length or partition
   * leader epoch, so a bit flipped in the base offset passes the CRC. Structural checks catch it
   * on read: the batch must lie inside the segment's offsets, follow the previous batch, and (for
   * the first one) agree with the header the offset lookup read separately. A flipped leader
   * epoch stays undetectable, as in Kafka.
   */
  private offsetProblem(batch: RecordBatch, previous: RecordBatch | undefined, looked: BatchPosition | undefined, dense: boolean): string | undefined {
    if (batch.baseOffset < this.baseOffset || batch.lastOffset >= this.nextOffset) {
      return `batch offsets ${batch.baseOffset}..${batch.lastOffset} outside the segment's ${this.baseOffset}..${this.nextOffset - 1}`;
    }
    if (previous !== undefined && batch.baseOffset <= previous.lastOffset) return `batch offset ${batch.baseOffset} does not follow ${previous.lastOffset}`;
    // In a log that is never compacted, offsets are dense: a gap is a flipped base offset.
    if (dense && previous !== undefined && batch.baseOffset !== previous.lastOffset + 1) return `batch offset ${batch.baseOffset} leaves a gap after ${previous.lastOffset}`;
    if (looked !== undefined && (looked.baseOffset !== batch.baseOffset || looked.lastOffset !== batch.lastOffset)) {
      return `batch offsets ${batch.baseOffset}..${batch.lastOffset} disagree with its header read as ${looked.baseOffset}..${looked.lastOffset}`;
    }
    return undefined;
  }

  /**
   * Re-reads the whole segment, checking every batch (magic, length, CRC-32C, offsets increasing,
   * size at most `maxBatchBytes`), rebuilds both indexes, and truncates the file at the first batch
   * that fails (Kafka's `LogSegment.recover`). `onBatch` sees each valid batch in order, which is
   * how the leader epoch cache is rebuilt.
   */
  recover(maxBatchBytes: number, onBatch: (batch: RecordBatch) => void, bounds: SegmentBounds = UNBOUNDED): SegmentRecovery {
    this.offsetIndex.reset();
    this.timeIndex.reset();
    this.bytesSinceLastIndexEntry = 0;
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = -1;
    this.rollingBasedTimestamp = undefined;
    this.nextOffset = this.baseOffset;
    let data = this.disk.read(this.logPath, 0, this.bytes);
    let batchCount = 0;
    let lastBatch: RecordBatch | undefined;
    let at = 0;
    let stoppedBecause: string | undefined;
    let reread = false;
    while (at < data.length) {
      const result = readRecordBatch(data, at, data.length, false);
      const problem = result.type !== 'batch'
        ? `${result.type} batch at position ${at}: ${result.reason}`
        : boundsProblem(bounds, this.baseOffset, lastBatch?.lastOffset, result.batch.baseOffset, result.batch.lastOffset);
      if (problem !== undefined && !reread) {
        // A bit flipped on read is transient: read the rest once more before truncating good data.
        reread = true;
        const rest = this.disk.read(this.logPath, at, this.bytes - at);
        const copy = new Uint8Array(this.bytes);
        copy.set(data.subarray(0, at), 0);
        copy.set(rest, at);
        data = copy;
        continue;
      }
      if (problem !== undefined || result.type !== 'batch') {
        stoppedBecause = problem ?? 'unreadable batch';
        break;
      }
      reread = false;
      const batch = result.batch;
      lastBatch = batch;
      if (batch.baseOffset < this.nextOffset) {
        stoppedBecause = `batch at position ${at} has offset ${batch.baseOffset}, below the expected ${this.nextOffset}`;
        break;
      }
      if (batch.bytes.length > maxBatchBytes + LOG_OVERHEAD) {
        stoppedBecause = `batch at position ${at} is ${batch.bytes.length} bytes, above the limit`;
        break;
      }
      if (batch.lastOffset - this.baseOffset > 0x7fff_ffff) {
        stoppedBecause = `batch at position ${at} overflows the segment's relative offsets`;
        break;
      }
      if (this.bytesSinceLastIndexEntry > this.indexIntervalBytes && !this.offsetIndex.isFull) {
        this.offsetIndex.append(batch.lastOffset, at);
        this.timeIndex.maybeAppend(Math.max(this.maxTimestamp, batch.maxTimestamp), batch.maxTimestamp > this.maxTimestamp ? batch.lastOffset : this.offsetOfMaxTimestamp);
        this.bytesSinceLastIndexEntry = 0;
      }
      this.noteBatch({ position: at, size: batch.bytes.length, baseOffset: batch.baseOffset, lastOffset: batch.lastOffset, maxTimestamp: batch.maxTimestamp, partitionLeaderEpoch: batch.partitionLeaderEpoch });
      onBatch(batch);
      batchCount++;
      at += batch.bytes.length;
    }
    const truncatedBytes = this.bytes - at;
    if (truncatedBytes > 0) {
      this.disk.truncate(this.logPath, at);
      this.bytes = at;
    }
    return { truncatedBytes, batches: batchCount, ...(stoppedBecause === undefined ? {} : { stoppedBecause }) };
  }

  /**
   * Removes every batch whose last offset is at least `offset` (Kafka's `LogSegment.truncateTo`):
   * the batch holding `offset` goes whole. Returns the bytes removed.
   */
  truncateTo(offset: number): number {
    let first = offset <= this.baseOffset ? { position: 0 } : this.translateOffset(offset);
    if (first === 'unreadable') first = this.translateOffset(offset);
    if (first === 'unreadable') throw new DiskError('EIO', this.logPath, `cannot truncate to ${offset}: the batch headers are unreadable`);
    if (first === undefined) {
      // No batch on disk reaches the offset, yet the segment appended past it: a header on disk
      // says less than what was written (a flipped base offset, outside Kafka's CRC).
      if (offset < this.nextOffset) throw new DiskError('EIO', this.logPath, `cannot truncate to ${offset}: no batch header reaches it, though the segment ends at ${this.nextOffset}`);
      return 0;
    }
    const removed = this.bytes - first.position;
    this.disk.truncate(this.logPath, first.position);
    this.bytes = first.position;
    this.offsetIndex.truncateToOffset(offset);
    this.timeIndex.truncateToOffset(offset);
    // Recompute what the kept batches say: their next offset, largest timestamp and index spacing.
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = -1;
    this.rollingBasedTimestamp = undefined;
    this.nextOffset = this.baseOffset;
    this.bytesSinceLastIndexEntry = 0;
    // The kept batches are re-read with their CRCs checked (twice at most: a flip on read is
    // transient), so that no field a flipped bit could fake comes back into the segment's state.
    let kept = this.validatedBatches();
    if (typeof kept === 'string') kept = this.validatedBatches();
    if (typeof kept === 'string') throw new DiskError('EIO', this.logPath, `kept batches unreadable after truncation: ${kept}`);
    // A kept batch that ends at or past the truncation offset means the header scan that placed
    // the cut misread the file (a bit flipped on that read): rather than keep offsets the caller
    // asked to drop, the log directory is failed, and recovery on restart re-reads the segment.
    const past = kept.find((batch) => batch.lastOffset >= offset);
    if (past !== undefined) throw new DiskError('EIO', this.logPath, `after truncating to ${offset} a kept batch claims offsets ${past.baseOffset}..${past.lastOffset}: its base offset is corrupt`);
    for (const batch of kept) this.noteBatch(batch);
    this.resetIndexSpacing();
    return removed;
  }

  /** Every batch's header, read with its CRC checked; a reason instead if one fails. */
  private validatedBatches(): BatchPosition[] | string {
    const data = this.disk.read(this.logPath, 0, this.bytes);
    const batches: BatchPosition[] = [];
    let at = 0;
    while (at < data.length) {
      const result = readRecordBatch(data, at, data.length, false);
      if (result.type !== 'batch') return `${result.type} batch at position ${at}: ${result.reason}`;
      const batch = result.batch;
      const problem = boundsProblem(UNBOUNDED, this.baseOffset, batches.at(-1)?.lastOffset, batch.baseOffset, batch.lastOffset);
      if (problem !== undefined || (batches.length > 0 && batch.baseOffset <= (batches.at(-1) as BatchPosition).lastOffset)) return `batch at position ${at}: offsets out of order`;
      batches.push({ position: at, size: batch.bytes.length, baseOffset: batch.baseOffset, lastOffset: batch.lastOffset, maxTimestamp: batch.maxTimestamp, partitionLeaderEpoch: batch.partitionLeaderEpoch, producerId: batch.producerId, producerEpoch: batch.producerEpoch, baseSequence: batch.baseSequence });
      at += batch.bytes.length;
    }
    return batches;
  }

  /** Batch headers without CRC checks, and why the scan stopped early if it did (for describe tools). */
  headerScan(): { batches: readonly BatchPosition[]; problem?: string } {
    return this.scanHeaders(0);
  }

  /**
   * Every batch's header, read until two reads agree (at most {@link MAX_HEADER_SCANS} reads), for
   * rebuilding producer state. A header read carries no checksum check (Kafka's
   * `LogSegment.updateProducerState` reads batch headers the same way), so a bit flipped in
   * transit on one read would silently put a wrong producer id, epoch or sequence into the state;
   * a flip on read does not repeat, so two agreeing reads are what is stored. Reads that never
   * agree are a failing disk: the caller gets an EIO.
   */
  agreedHeaderScan(): readonly BatchPosition[] {
    const scans = [this.scanHeaders(0)];
    for (let attempt = 1; attempt < MAX_HEADER_SCANS; attempt++) {
      const scan = this.scanHeaders(0);
      // A problem both reads agree on is stored (a torn or flipped frame): the batches before it
      // are what the log holds, as recovery will find.
      if (scans.some((earlier) => sameScan(earlier, scan))) return scan.batches;
      scans.push(scan);
    }
    throw new DiskError('EIO', this.logPath, `${MAX_HEADER_SCANS} reads of the batch headers disagree`);
  }

  /** Every batch's header, in order (for retention, cleaning and tests). */
  batchPositions(): readonly BatchPosition[] {
    const scan = this.scanHeadersTwice(0);
    if (scan.problem !== undefined) throw new DiskError('EIO', this.logPath, scan.problem);
    return scan.batches;
  }

  /** Fsyncs the log and both indexes (Kafka's `LogSegment.flush`). */
  flush(): void {
    this.disk.fsync(this.logPath);
    this.offsetIndex.flush();
    this.timeIndex.flush();
  }

  deleteFiles(): void {
    if (this.disk.exists(this.logPath)) this.disk.delete(this.logPath);
    this.offsetIndex.deleteFile();
    this.timeIndex.deleteFile();
  }

  /** Unflushed bytes of this segment's `.log` are the caller's business: the disk tracks them. */
  toString(): string {
    return `LogSegment(baseOffset=${this.baseOffset}, size=${this.bytes})`;
  }
}

/** Why a batch's offsets break the segment's {@link SegmentBounds}, if they do. */
function boundsProblem(bounds: SegmentBounds, segmentBase: number, previousLast: number | undefined, baseOffset: number, lastOffset: number): string | undefined {
  if (lastOffset >= bounds.upperBound) return `offsets ${baseOffset}..${lastOffset} reach the next segment at ${bounds.upperBound}`;
  if (!bounds.dense) return undefined;
  const expected = previousLast === undefined ? segmentBase : previousLast + 1;
  if (baseOffset !== expected) return `offset ${baseOffset} where the dense log expects ${expected}`;
  return undefined;
}

/**
 * The bytes `readHeader` reads each batch header into, and a view of them: a scan is synchronous
 * and keeps nothing of a header but numbers, so one buffer serves every segment of every node.
 */
const HEADER_BYTES = new Uint8Array(RECORD_BATCH_OVERHEAD);
const HEADER = new DataView(HEADER_BYTES.buffer);

/** The batch whose header `readHeader` has just read and checked, at position `at`. */
function headerPosition(at: number): BatchPosition {
  const baseOffset = int64At(HEADER, 0);
  return {
    position: at, size: HEADER.getInt32(8) + LOG_OVERHEAD, baseOffset, lastOffset: baseOffset + HEADER.getInt32(23), maxTimestamp: int64At(HEADER, 35),
    partitionLeaderEpoch: HEADER.getInt32(12), producerId: int64At(HEADER, 43), producerEpoch: HEADER.getInt16(51), baseSequence: HEADER.getInt32(53),
  };
}

import { int64At } from '../../impl/log/byte-codec.ts';
import { assert } from '../../impl/common/assert.ts';
import { decodeRecords, LOG_OVERHEAD, MAGIC_V2, NO_PRODUCER_ID, readRecordBatch, RECORD_BATCH_OVERHEAD } from '../../impl/log/record-batch.ts';
import type { DiskReader } from '../disk/sim-disk.ts';

/**
 * Reading a replica's segment files (`.log`) off a simulated disk into batches, the way log
 * recovery walks them (length, magic, CRC-32C): a file read whole, or from where the last read
 * ended when it only grew. This is where the copy ledger (`replica-logs.ts`) turns bytes into
 * batches and records; the ledger deals only in those. Kept apart because the byte-level concerns
 * are their own: damaged frames, the change check that lets an append skip rereading headers
 * (`DiskReader.rewrittenVersion`), and the cache that lets a follower's copy of a batch share the
 * batch read from its leader's bytes.
 */

/** A batch header's producer fields: id, epoch and the sequence of its first record. */
export interface BatchProducer {
  readonly id: number;
  readonly epoch: number;
  readonly baseSequence: number;
}

/** A batch with its records' offsets and values, as read from a segment file. */
export interface ScannedBatch {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly epoch: number;
  readonly crc: number;
  readonly producer?: BatchProducer;
  /** The batch failed its checksum (its header fields are taken as stored). */
  readonly corrupt: boolean;
  /**
   * A placeholder for the unframeable rest of a file (a flipped length, or the file ends inside
   * what a header claims): its offsets are only where the damage begins, and nothing after it in
   * the file was read, so the file may hold offsets above them that the scan cannot see.
   */
  readonly unframed?: true;
  /**
   * Offset and value (UTF-8) of each record the batch holds, and its ledger key `offset:value`
   * (built once: replicas share a batch read from the same bytes); none for a corrupt batch. In a
   * partition of binary records (`__consumer_offsets`) the value is `hex(key)/hex(value)`, so
   * that two records never read as one (`null` stands for a missing key or value).
   */
  readonly records: readonly { readonly offset: number; readonly value: string; readonly key: string }[];
}

/** What a segment file held when last read: its size, and its batches where they stand. */
export interface FileScan {
  size: number;
  batches: ScannedBatch[];
  /** Byte position of each batch, for the change check. */
  positions: number[];
  /**
   * The file's `DiskReader.rewrittenVersion` when its batches were last known to stand as read:
   * while the disk reports the same value, the file only grew, and the change check is skipped.
   */
  rewritten: number;
}

/** Reads segment files into `FileScan`s, sharing the batches of bytes read before. */
export class SegmentReader {
  constructor(
    /**
     * For tests: also check the headers of a file whose rewritten version did not move, and fail
     * if the disk's version let a changed header through. Costs what the version saves.
     */
    private readonly checkSkippedHeaders = false,
  ) {}

  /**
   * Batches read off some disk, by CRC, then base offset, size and how their records were read
   * (`binary`): see `sameBatchAs`. Keyed by the CRC, a number, not by a string built per batch read.
   */
  private readonly readBatches = new Map<number, ReadBatch[]>();
  /** Entries in `readBatches`. */
  private readBatchCount = 0;

  /**
   * Whether the batches read from the file before still stand where they were. A file the disk
   * says only grew since (its rewritten version is the one recorded) does: the common case, an
   * append, reads no header again. Otherwise the first and last whole batches' headers decide, as
   * they always did; when they pass, the file's batches stand as read by the same test as ever, so
   * the version they passed at is recorded: a change in place the headers do not show (a flip in
   * a middle batch) stays unseen until a full read, exactly as without the version.
   */
  unchanged(disk: DiskReader, path: string, known: FileScan): boolean {
    const rewritten = disk.rewrittenVersion(path);
    if (rewritten === known.rewritten) {
      if (this.checkSkippedHeaders) assert(this.headersAsRead(disk, path, known), `${path}: rewritten version ${rewritten} unmoved, but a batch header changed`);
      return true;
    }
    const same = this.headersAsRead(disk, path, known);
    if (same) known.rewritten = rewritten;
    return same;
  }

  /** The change check itself: the first and last whole batches' headers are as read. */
  private headersAsRead(disk: DiskReader, path: string, known: FileScan): boolean {
    if (known.batches.length === 0) return true;
    // A damaged batch's header may not be what was read (a placeholder): check whole ones.
    let last = known.batches.length - 1;
    while (last > 0 && (known.batches[last] as ScannedBatch).corrupt) last--;
    return headerAsRead(disk, path, known, 0) && headerAsRead(disk, path, known, last);
  }

  /**
   * The batch read before from exactly the bytes that start at `at`, if any: compared byte for
   * byte, so a hit is what reading them again would give (their checksum held then, so it holds).
   */
  private sameBatchAs(bytes: Uint8Array, at: number, binary: boolean): ReadBatch | undefined {
    if (bytes.length - at < RECORD_BATCH_OVERHEAD) return undefined;
    const size = int32At(bytes, at + 8) + LOG_OVERHEAD;
    if (size < RECORD_BATCH_OVERHEAD || size > bytes.length - at) return undefined;
    const known = this.known(this.readBatches.get(int32At(bytes, at + 17) >>> 0), bytes, at, size, binary);
    if (known === undefined) return undefined;
    const cached = known.bytes;
    for (let index = 0; index < size; index++) if (cached[index] !== bytes[at + index]) return undefined;
    return known;
  }

  /** The entry of `sameCrc` read from a batch with the same base offset and size, the same way. */
  private known(sameCrc: readonly ReadBatch[] | undefined, bytes: Uint8Array, at: number, size: number, binary: boolean): ReadBatch | undefined {
    if (sameCrc === undefined) return undefined;
    const high = int32At(bytes, at);
    const low = int32At(bytes, at + 4);
    for (const entry of sameCrc) if (entry.size === size && entry.binary === binary && entry.high === high && entry.low === low) return entry;
    return undefined;
  }

  private rememberBatch(bytes: Uint8Array, at: number, size: number, batch: ScannedBatch, binary: boolean): void {
    // A cache, not state: emptied when full (each entry holds a copy of its batch's bytes).
    if (this.readBatchCount >= READ_BATCHES_KEPT) {
      this.readBatches.clear();
      this.readBatchCount = 0;
    }
    const crc = int32At(bytes, at + 17) >>> 0;
    let sameCrc = this.readBatches.get(crc);
    if (sameCrc === undefined) {
      sameCrc = [];
      this.readBatches.set(crc, sameCrc);
    }
    const entry: ReadBatch = { high: int32At(bytes, at), low: int32At(bytes, at + 4), size, binary, bytes: bytes.slice(at, at + size), batch };
    // The same base offset, CRC, size and reading replace what was kept for them.
    const index = sameCrc.findIndex((known) => known.size === size && known.binary === binary && known.high === entry.high && known.low === entry.low);
    if (index >= 0) {
      sameCrc[index] = entry;
    } else {
      sameCrc.push(entry);
      this.readBatchCount++;
    }
  }

  /** Reads the batches in `[from, to)` of the file into `scan`, stopping at the first bad one. */
  readFrom(disk: DiskReader, path: string, scan: FileScan, from: number, to: number, binary: boolean): void {
    const bytes = disk.peek(path, from, to - from);
    let at = 0;
    while (at < bytes.length) {
      // A follower's copy of a batch is the leader's bytes: read once, shared by every replica.
      const known = this.sameBatchAs(bytes, at, binary);
      if (known !== undefined) {
        scan.batches.push(known.batch);
        scan.positions.push(from + at);
        at += known.bytes.length;
        continue;
      }
      const read = readRecordBatch(bytes, at, bytes.length, false);
      if (read.type !== 'batch') {
        // A batch whose checksum fails but whose frame still holds: a flipped bit in its body.
        // It stays in the log (the broker finds out when it reads it); its records are no copy.
        const header = corruptBatchHeader(bytes, at);
        if (header === undefined) {
          // Unframeable (a flipped length, or the file ends inside what its header claims): the
          // rest of the file is damaged. A placeholder marks the replica's log as damaged there.
          const previous = scan.batches.at(-1);
          const offset = previous === undefined ? 0 : previous.lastOffset + 1;
          scan.batches.push({ baseOffset: offset, lastOffset: offset, epoch: -1, crc: 0, corrupt: true, unframed: true, records: [] });
          scan.positions.push(from + at);
          at = bytes.length;
          break;
        }
        scan.batches.push({ ...header.batch, corrupt: true, records: [] });
        scan.positions.push(from + at);
        at += header.size;
        continue;
      }
      const decoded = decodeRecords(read.batch);
      if (typeof decoded === 'string') break;
      const records = decoded.map((record) => {
        const value = binary ? `${hex(record.key)}/${hex(record.value)}` : record.value === null ? '' : TEXT.decode(record.value);
        return { offset: record.offset, value, key: `${record.offset}:${value}` };
      });
      const batch = read.batch;
      // Two literals rather than a spread of an optional part: this runs for every batch a check reads.
      scan.batches.push(batch.producerId === NO_PRODUCER_ID
        ? { baseOffset: batch.baseOffset, lastOffset: batch.lastOffset, epoch: batch.partitionLeaderEpoch, crc: batch.crc, corrupt: false, records }
        : { baseOffset: batch.baseOffset, lastOffset: batch.lastOffset, epoch: batch.partitionLeaderEpoch, crc: batch.crc, producer: { id: batch.producerId, epoch: batch.producerEpoch, baseSequence: batch.baseSequence }, corrupt: false, records });
      this.rememberBatch(bytes, at, read.batch.bytes.length, scan.batches.at(-1) as ScannedBatch, binary);
      scan.positions.push(from + at);
      at += read.batch.bytes.length;
    }
    scan.size = from + at;
    // Bytes past a bad batch stay unread; the next scan rereads the file if it changes there.
    if (scan.size < to) scan.size = to;
  }
}

/** Whether batch `index` of a file's scan still has the header it was read with (a damaged one passes). */
function headerAsRead(disk: DiskReader, path: string, known: FileScan, index: number): boolean {
  const batch = known.batches[index] as ScannedBatch;
  if (batch.corrupt) return true;
  const position = known.positions[index] as number;
  const header = disk.peek(path, position, 61);
  if (header.length < 61) return false;
  const view = new DataView(header.buffer, header.byteOffset, header.length);
  return int64At(view, 0) === batch.baseOffset && view.getUint32(17) === batch.crc && view.getInt32(12) === batch.epoch;
}

/** Batches `SegmentReader.sameBatchAs` remembers before it starts afresh: a follower reads what its leader wrote moments before. */
const READ_BATCHES_KEPT = 1024;

/**
 * A batch read before, as `SegmentReader.sameBatchAs` finds it: its base offset (the two halves of
 * the 64-bit field, as stored), size, and whether its records were read as binary (the same bytes
 * read as text or as binary records give different record values), a copy of its bytes, and what
 * they read as.
 */
interface ReadBatch {
  readonly high: number;
  readonly low: number;
  readonly size: number;
  readonly binary: boolean;
  readonly bytes: Uint8Array;
  readonly batch: ScannedBatch;
}

/** The big-endian 32-bit integer at `at` (a batch header's fields), with no DataView made per read. */
function int32At(bytes: Uint8Array, at: number): number {
  return ((bytes[at] as number) << 24) | ((bytes[at + 1] as number) << 16) | ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number);
}

/** Lower-case hex of `bytes`, or `null`. */
export function hex(bytes: Uint8Array | null): string {
  if (bytes === null) return 'null';
  let text = '';
  for (const byte of bytes) text += byte.toString(16).padStart(2, '0');
  return text;
}

const TEXT = new TextDecoder();

/** The header fields of a batch that failed its checksum, if its length and magic still frame it. */
function corruptBatchHeader(bytes: Uint8Array, at: number): { batch: Omit<ScannedBatch, 'corrupt' | 'records'>; size: number } | undefined {
  if (bytes.length - at < RECORD_BATCH_OVERHEAD) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, bytes.length - at);
  const size = view.getInt32(8) + LOG_OVERHEAD;
  if (size < RECORD_BATCH_OVERHEAD || size > bytes.length - at || view.getInt8(16) !== MAGIC_V2) return undefined;
  const baseOffset = int64At(view, 0);
  const lastOffsetDelta = view.getInt32(23);
  if (baseOffset < 0 || lastOffsetDelta < 0) return undefined;
  return { batch: { baseOffset, lastOffset: baseOffset + lastOffsetDelta, epoch: view.getInt32(12), crc: view.getUint32(17) }, size };
}

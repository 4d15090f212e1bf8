import { int64At } from './byte-codec.ts';
import { assert } from '../common/assert.ts';
import type { NodeDisk } from '../env/node-environment.ts';

/**
 * Kafka's `OffsetIndex` and `TimeIndex`: sparse, sorted, fixed-width entries in a file next to the
 * segment's `.log`. Kafka memory-maps a preallocated file; refka keeps the entries in memory and
 * appends each to the file, which gives the same bytes on disk without preallocation. Offsets are
 * stored relative to the segment's base offset, as 32-bit integers.
 *
 * An index is an optimisation that recovery can always rebuild from the `.log`, which is why it is
 * never trusted blindly: {@link loadIndexEntries} checks it and reports a bad one.
 */

export interface OffsetPosition {
  readonly offset: number;
  readonly position: number;
}

export interface TimestampOffset {
  readonly timestamp: number;
  readonly offset: number;
}

interface IndexLayout<E> {
  readonly entryBytes: number;
  encode(entry: E, baseOffset: number): Uint8Array;
  decode(view: DataView, at: number, baseOffset: number): E;
  /** Is `next` a valid successor of `previous` (strictly later, in the sort order)? */
  follows(previous: E, next: E): boolean;
  offsetOf(entry: E): number;
}

const OFFSET_LAYOUT: IndexLayout<OffsetPosition> = {
  entryBytes: 8,
  encode(entry, baseOffset) {
    const bytes = new Uint8Array(8);
    const view = new DataView(bytes.buffer);
    view.setInt32(0, entry.offset - baseOffset);
    view.setInt32(4, entry.position);
    return bytes;
  },
  decode: (view, at, baseOffset) => ({ offset: baseOffset + view.getInt32(at), position: view.getInt32(at + 4) }),
  follows: (previous, next) => next.offset > previous.offset && next.position > previous.position,
  offsetOf: (entry) => entry.offset,
};

const TIME_LAYOUT: IndexLayout<TimestampOffset> = {
  entryBytes: 12,
  encode(entry, baseOffset) {
    const bytes = new Uint8Array(12);
    const view = new DataView(bytes.buffer);
    view.setBigInt64(0, BigInt(entry.timestamp));
    view.setInt32(8, entry.offset - baseOffset);
    return bytes;
  },
  decode: (view, at, baseOffset) => ({ timestamp: int64At(view, at), offset: baseOffset + view.getInt32(at + 8) }),
  follows: (previous, next) => next.timestamp > previous.timestamp && next.offset >= previous.offset,
  offsetOf: (entry) => entry.offset,
};

/** A sparse index of one segment, mirrored to its file. */
abstract class SegmentIndex<E> {
  protected entries: E[] = [];

  constructor(
    protected readonly disk: NodeDisk,
    readonly path: string,
    readonly baseOffset: number,
    /** Kafka's `maxIndexSize` / entry size: a full index rolls the segment. */
    readonly maxEntries: number,
    private readonly layout: IndexLayout<E>,
  ) {
    assert(maxEntries >= 1, `${path}: an index needs room for at least one entry`);
  }

  get size(): number {
    return this.entries.length;
  }

  get isFull(): boolean {
    return this.entries.length >= this.maxEntries;
  }

  lastEntry(): E | undefined {
    return this.entries.at(-1);
  }

  all(): readonly E[] {
    return this.entries;
  }

  /** Loads the file; returns why it is unusable, or undefined when it loaded. */
  load(): string | undefined {
    if (!this.disk.exists(this.path)) {
      this.entries = [];
      return 'missing';
    }
    const loaded = loadIndexEntries(this.disk, this.path, this.baseOffset, this.layout);
    if (typeof loaded === 'string') return loaded;
    if (loaded.length > this.maxEntries) return `${loaded.length} entries, more than the ${this.maxEntries} it may hold`;
    this.entries = loaded;
    return undefined;
  }

  protected appendEntry(entry: E): void {
    assert(!this.isFull, `${this.path}: append to a full index`);
    const last = this.entries.at(-1);
    assert(last === undefined || this.layout.follows(last, entry), `${this.path}: index entry out of order`);
    assert(this.layout.offsetOf(entry) - this.baseOffset <= 0x7fff_ffff, `${this.path}: relative offset overflows int32`);
    this.disk.append(this.path, this.layout.encode(entry, this.baseOffset));
    this.entries.push(entry);
  }

  /** Removes every entry for offsets at or above `offset`. */
  truncateToOffset(offset: number): void {
    let keep = this.entries.length;
    while (keep > 0 && this.layout.offsetOf(this.entries[keep - 1] as E) >= offset) keep--;
    this.truncateToEntries(keep);
  }

  protected truncateToEntries(count: number): void {
    if (count === this.entries.length && this.disk.exists(this.path)) return;
    this.entries = this.entries.slice(0, count);
    if (!this.disk.exists(this.path)) {
      this.disk.write(this.path, 0, new Uint8Array(0));
    }
    this.disk.truncate(this.path, Math.min(this.disk.size(this.path), count * this.layout.entryBytes));
    // Entries beyond what the file held (after a partial write) are rewritten whole.
    const onDisk = this.disk.size(this.path) / this.layout.entryBytes;
    for (let index = onDisk; index < count; index++) this.disk.append(this.path, this.layout.encode(this.entries[index] as E, this.baseOffset));
  }

  /** Empties the index (before recovery rebuilds it from the log). */
  reset(): void {
    this.entries = [];
    if (this.disk.exists(this.path)) this.disk.truncate(this.path, 0);
    else this.disk.write(this.path, 0, new Uint8Array(0));
  }

  flush(): void {
    if (this.disk.exists(this.path)) this.disk.fsync(this.path);
  }

  deleteFile(): void {
    if (this.disk.exists(this.path)) this.disk.delete(this.path);
  }

  renameTo(path: string): void {
    this.disk.rename(this.path, path);
  }
}

function loadIndexEntries<E>(disk: NodeDisk, path: string, baseOffset: number, layout: IndexLayout<E>): E[] | string {
  const size = disk.size(path);
  if (size % layout.entryBytes !== 0) return `size ${size} is not a multiple of the ${layout.entryBytes}-byte entry`;
  const bytes = disk.read(path, 0, size);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: E[] = [];
  for (let at = 0; at < size; at += layout.entryBytes) {
    const entry = layout.decode(view, at, baseOffset);
    if (layout.offsetOf(entry) < baseOffset) return `entry ${at / layout.entryBytes} has offset ${layout.offsetOf(entry)} below the base offset ${baseOffset}`;
    const previous = entries.at(-1);
    if (previous !== undefined && !layout.follows(previous, entry)) return `entry ${at / layout.entryBytes} is out of order`;
    entries.push(entry);
  }
  return entries;
}

/** `.index`: offset to file position, an entry every `index.interval.bytes` of appended batches. */
export class OffsetIndex extends SegmentIndex<OffsetPosition> {
  constructor(disk: NodeDisk, path: string, baseOffset: number, maxIndexBytes: number) {
    super(disk, path, baseOffset, Math.floor(maxIndexBytes / OFFSET_LAYOUT.entryBytes), OFFSET_LAYOUT);
  }

  append(offset: number, position: number): void {
    this.appendEntry({ offset, position });
  }

  /** The last entry at or before `targetOffset`, or the segment start (Kafka's `lookup`). */
  lookup(targetOffset: number): OffsetPosition {
    let low = 0;
    let high = this.entries.length - 1;
    let found: OffsetPosition = { offset: this.baseOffset, position: 0 };
    while (low <= high) {
      const middle = (low + high) >> 1;
      const entry = this.entries[middle] as OffsetPosition;
      if (entry.offset <= targetOffset) {
        found = entry;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }
}

/** `.timeindex`: the largest timestamp so far to the offset of the batch that holds it. */
export class TimeIndex extends SegmentIndex<TimestampOffset> {
  constructor(disk: NodeDisk, path: string, baseOffset: number, maxIndexBytes: number) {
    super(disk, path, baseOffset, Math.floor(maxIndexBytes / TIME_LAYOUT.entryBytes), TIME_LAYOUT);
  }

  /** Adds an entry only when `timestamp` is larger than the last one, as Kafka's `maybeAppend`. */
  maybeAppend(timestamp: number, offset: number): void {
    const last = this.entries.at(-1);
    if (last !== undefined && timestamp <= last.timestamp) return;
    // Timestamps come from batch headers; one read through a flipped bit (outside any CRC check,
    // as Kafka's own time index is) must not be able to break the index's order.
    if (last !== undefined && offset < last.offset) return;
    if (this.isFull) return;
    this.appendEntry({ timestamp, offset });
  }

  /** The last entry whose timestamp is at most `timestamp`, if any. */
  lookup(timestamp: number): TimestampOffset | undefined {
    let found: TimestampOffset | undefined;
    for (const entry of this.entries) {
      if (entry.timestamp > timestamp) break;
      found = entry;
    }
    return found;
  }
}

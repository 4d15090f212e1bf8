import { assert, assertIntegerInRange, assertNever } from '../../impl/common/assert.ts';
import { DiskError, type Clock, type NodeDisk, type RandomStream } from '../../impl/env/node-environment.ts';
import { GrowableBytes, MAX_FILE_BYTES } from './growable-bytes.ts';

/**
 * The simulated disk of one node, with the Linux page cache in front of it.
 *
 * Fault model:
 * - Data. Every file has a `current` image (the page cache: what reads see) and a `durable` image
 *   (the platter). A write is visible at once and durable only after `fsync`, or after the OS
 *   writes it back on its own (`writeback`, vm.dirty_expire_centisecs). Unsynced writes are kept
 *   in order as pending writes, so that durable image + pending writes = current image, always.
 * - Metadata. Creation, truncate, delete and rename are durable at once, as on ext4 with a
 *   journal in data=ordered mode, but a file's data is only as durable as its durable image: a
 *   temp file written without fsync and renamed over another comes back empty after power loss
 *   (the ext4 zero-length-file hazard, which is why Kafka fsyncs checkpoint temp files first).
 * - Crash (kill -9). The page cache survives, so nothing on disk changes.
 * - Power loss. Every file falls back to its durable image, except that the first pending write of
 *   a file may be torn: the whole 4 KiB pages it had reached survive, everything after is lost.
 * - Faults set by the simulator: bit flips on read (transient) or on write (stored), and a
 *   capacity limit that makes growing writes fail with ENOSPC (the disk-full fault).
 */

/** The page size of the page cache; a torn write survives in whole pages of file position. */
export const PAGE_BYTES = 4096;

/** Linux's PATH_MAX; a longer path is a bug in the caller. */
const MAX_PATH_LENGTH = 4096;

/** Every change the disk makes, for the simulator's trace. */
export type DiskOperation =
  /** A write or an append; `length` is the number of bytes written. */
  | { readonly type: 'write'; readonly path: string; readonly position: number; readonly length: number }
  /** `bytes` is the number of bytes the fsync made durable. */
  | { readonly type: 'fsync'; readonly path: string; readonly bytes: number }
  | { readonly type: 'truncate'; readonly path: string; readonly size: number }
  | { readonly type: 'delete'; readonly path: string }
  | { readonly type: 'rename'; readonly from: string; readonly to: string }
  /** A process crash: the page cache survives, so nothing changes on disk. */
  | { readonly type: 'crash' }
  /** `filesTorn` counts files where part of a pending write survived; `bytesLost` the rest. */
  | { readonly type: 'power-loss'; readonly filesTorn: number; readonly bytesLost: number }
  | { readonly type: 'writeback'; readonly bytes: number }
  | { readonly type: 'wipe' }
  /**
   * `bit` is the flipped bit's offset in the file: byte position * 8 + bit within the byte.
   * `escapesChecksums` says whether the file's format lets the flip go unnoticed (see
   * {@link SimDiskOptions.flipEscapesChecksums}).
   */
  | { readonly type: 'bitflip'; readonly path: string; readonly on: 'read' | 'write'; readonly bit: number; readonly escapesChecksums: boolean };

export interface BitflipFault {
  /** The chance that one read call with a non-empty result flips one bit of the returned copy. */
  readonly onReadProbability: number;
  /** The chance that one write call with data flips one bit of the data that is stored. */
  readonly onWriteProbability: number;
}

export interface SimDiskOptions {
  /** Stamps every write, so that writeback knows how old it is. */
  readonly clock: Clock;
  /** The disk's own stream: tears and bit flips draw from it and from nothing else. */
  readonly random: RandomStream;
  /** The chance, per file with pending writes, that power loss tears its first one. */
  readonly tornWriteProbability?: number;
  /** How old a dirty write must be before writeback makes it durable (vm.dirty_expire_centisecs). */
  readonly dirtyExpireMs?: number;
  /** Called after every change, in the order the changes happen. */
  readonly onOperation?: (operation: DiskOperation) => void;
  /**
   * Whether a bit flipped at `bytes[index]` (the file's bytes from `position` on, as read or
   * written) lands where no checksum of the file's format covers it. The disk knows no formats:
   * the system running on it does. Without it every flip counts as escaping.
   */
  readonly flipEscapesChecksums?: (path: string, position: number, bytes: Uint8Array, index: number) => boolean;
  /**
   * Survivable by design (TigerBeetle's fault atlas): when true, a bit flip lands only where a
   * checksum covers it. A drawn position that would escape every checksum is drawn again, up to
   * {@link UNCHECKED_FLIP_REDRAWS} times, and the flip is dropped if every draw escapes. Destroying
   * data that no check can see is beyond what any storage format promises; the opt-in
   * `swarm-beyond` fault mix lifts this.
   */
  readonly checkedFlipsOnly?: boolean;
}

/** How often a flip that would escape every checksum is drawn again under `checkedFlipsOnly`. */
export const UNCHECKED_FLIP_REDRAWS = 8;

/** What a system's checkers may read of a node's disk: no faults, no trace, no randomness. */
export interface DiskReader {
  /** Grows with every change to the disk's current image; equal values mean nothing changed. */
  readonly version: number;
  /** Grows whenever a file is created, deleted or renamed (or all go): equal values mean the same names. */
  readonly namesVersion: number;
  /**
   * Grows with every change to a file directly in `dir` (a write, truncation, deletion, a rename
   * from or to it, a flip on write) and with every change to the whole disk (a power loss, a
   * wipe): equal values mean nothing in `dir` changed. For checkers that read one directory at a
   * time, so that a check costs the directories touched.
   */
  directoryVersion(dir: string): number;
  /**
   * Grows with every change to the whole disk at once (a power loss, a wipe): with
   * {@link namesVersion}, what a checker of a file that is only ever replaced by a rename (a
   * quorum-state file) needs to know it is as last read.
   */
  readonly wholeDiskVersion: number;
  /**
   * Grows whenever the file at `path` changes other than by bytes added past its end: a write
   * over any byte it held, a truncation, a bit flip stored by a write, a power loss that drops its
   * unsynced bytes, a rename onto the path, and its creation (so a file deleted or wiped and made
   * again has a new value). Equal values mean that every byte read before is still where it was:
   * a reader of an append-only file then need only read what was added. Values come from
   * {@link version}, so they are never reused, by this path or another.
   */
  rewrittenVersion(path: string): number;
  list(prefix?: string): string[];
  size(path: string): number;
  /** The current image's bytes (what the node would read), without fault injection. */
  peek(path: string, position: number, length: number): Uint8Array;
}

export const DEFAULT_TORN_WRITE_PROBABILITY = 0.5;
export const DEFAULT_DIRTY_EXPIRE_MS = 30_000;

const NO_BITFLIP: BitflipFault = { onReadProbability: 0, onWriteProbability: 0 };

/** A write that reads see but that is not yet on the platter. Its `data` is owned by the disk. */
interface PendingWrite {
  readonly position: number;
  readonly data: Uint8Array;
  readonly atMs: number;
}

/** One inode: a rename moves the whole object, unsynced writes included. */
interface SimFile {
  current: GrowableBytes;
  readonly durable: GrowableBytes;
  pending: PendingWrite[];
  /** The sum of the pending writes' lengths, kept so that `unsyncedBytes` is O(1). */
  pendingBytes: number;
  /** See {@link DiskReader.rewrittenVersion}: the disk version of the last change that was not an append. */
  rewrittenVersion: number;
}

export class SimDisk implements NodeDisk, DiskReader {
  /** See {@link DiskReader.version}. */
  version = 0;
  private readonly files = new Map<string, SimFile>();
  /** See {@link DiskReader.namesVersion}. */
  namesVersion = 0;
  /** Per directory: the disk version of its last change; see {@link DiskReader.directoryVersion}. */
  private readonly directoryVersions = new Map<string, number>();
  /** See {@link DiskReader.wholeDiskVersion}: the disk version of the last change to the whole disk. */
  wholeDiskVersion = 0;
  private readonly clock: Clock;
  private readonly random: RandomStream;
  private readonly tornWriteProbability: number;
  private readonly dirtyExpireMs: number;
  private readonly onOperation: ((operation: DiskOperation) => void) | undefined;
  private readonly flipEscapesChecksums: SimDiskOptions['flipEscapesChecksums'];
  private readonly checkedFlipsOnly: boolean;
  private bitflip: BitflipFault = NO_BITFLIP;
  private capacityBytes: number | undefined = undefined;
  /** The sum of every file's current length, kept so that the capacity check is O(1). */
  private used = 0;
  /** The latest time a write was stamped with; the clock must never run backwards. */
  private lastWriteAtMs = 0;

  constructor(options: SimDiskOptions) {
    this.clock = options.clock;
    this.random = options.random;
    this.tornWriteProbability = options.tornWriteProbability ?? DEFAULT_TORN_WRITE_PROBABILITY;
    this.dirtyExpireMs = options.dirtyExpireMs ?? DEFAULT_DIRTY_EXPIRE_MS;
    this.onOperation = options.onOperation;
    this.flipEscapesChecksums = options.flipEscapesChecksums;
    this.checkedFlipsOnly = options.checkedFlipsOnly === true;
    assertProbability(this.tornWriteProbability, 'torn write probability');
    assertIntegerInRange(this.dirtyExpireMs, 0, Number.MAX_SAFE_INTEGER, 'dirty expire ms');
  }

  exists(path: string): boolean {
    assertPath(path);
    return this.files.has(path);
  }

  list(prefix = ''): string[] {
    const paths = [...this.files.keys()].filter((path) => path.startsWith(prefix));
    return paths.sort();
  }

  directoryVersion(dir: string): number {
    return Math.max(this.directoryVersions.get(dir) ?? 0, this.wholeDiskVersion);
  }

  size(path: string): number {
    return this.file(path).current.length;
  }

  rewrittenVersion(path: string): number {
    return this.file(path).rewrittenVersion;
  }

  read(path: string, position: number, length: number, into?: Uint8Array): Uint8Array {
    assertIntegerInRange(position, 0, MAX_FILE_BYTES, 'read position');
    assertIntegerInRange(length, 0, MAX_FILE_BYTES, 'read length');
    const current = this.file(path).current;
    const end = Math.min(current.length, position + length);
    const copy = position >= end ? new Uint8Array(0) : into === undefined ? current.copy(position, end) : current.copyInto(position, end, into);
    assert(copy.length <= length, 'read returned more bytes than asked for');
    // A flip on read damages only the caller's copy: reading again returns the stored bytes.
    if (copy.length > 0 && this.roll(this.bitflip.onReadProbability)) {
      this.flipBit(path, 'read', position, copy);
    }
    return copy;
  }

  peek(path: string, position: number, length: number): Uint8Array {
    const current = this.file(path).current;
    const end = Math.min(current.length, position + length);
    return position < end ? current.copy(position, end) : new Uint8Array(0);
  }

  write(path: string, position: number, data: Uint8Array): void {
    this.writeAt(path, position, data);
  }

  append(path: string, data: Uint8Array): void {
    assertPath(path);
    this.writeAt(path, this.files.get(path)?.current.length ?? 0, data);
  }

  /** Shrinks the file to `size`; growing a file through truncate is a bug in the caller. */
  truncate(path: string, size: number): void {
    const file = this.file(path);
    assertIntegerInRange(size, 0, file.current.length, 'truncate size');
    this.used -= file.current.length - size;
    file.current.setLength(size);
    // The new size is journaled at once. When the durable image is shorter (its appends are not
    // written back yet) the size still holds after power loss, over zeros, as on ext4.
    file.durable.setLength(size);
    file.pending = clipPendingWrites(file.pending, size);
    file.pendingBytes = sumLengths(file.pending);
    this.emit({ type: 'truncate', path, size });
    // Even to the same size: a truncation is never an append, and readers need not tell.
    file.rewrittenVersion = this.version;
  }

  fsync(path: string): void {
    const file = this.file(path);
    const bytes = this.writeBack(file, file.pending.length);
    assert(file.pending.length === 0, 'fsync left pending writes');
    assert(file.durable.length === file.current.length, 'fsync left the images different lengths');
    this.emit({ type: 'fsync', path, bytes });
  }

  delete(path: string): void {
    const file = this.file(path);
    this.used -= file.current.length;
    this.files.delete(path);
    this.namesVersion++;
    this.emit({ type: 'delete', path });
  }

  /** Replaces `to` with `from`, moving the inode: `from`'s unsynced writes stay unsynced. */
  rename(from: string, to: string): void {
    const source = this.file(from);
    assertPath(to);
    if (from !== to) {
      const target = this.files.get(to);
      if (target !== undefined) this.used -= target.current.length;
      this.files.delete(from);
      this.files.set(to, source);
      this.namesVersion++;
    }
    assert(this.files.get(to) === source, 'rename lost the source file');
    this.emit({ type: 'rename', from, to });
    // Another inode now answers to `to`: to a reader of that path, its bytes changed in place.
    if (from !== to) source.rewrittenVersion = this.version;
  }

  /** A process crash (kill -9): the page cache survives it, so the disk does not change. */
  crash(): void {
    this.emit({ type: 'crash' });
  }

  /**
   * The machine loses power: the page cache is gone and only the platter remains. Returns the
   * bytes lost and the files that lost them, in path order.
   */
  powerLoss(): { bytesLost: number; paths: string[] } {
    let filesTorn = 0;
    let bytesLost = 0;
    const paths: string[] = [];
    const reverted: SimFile[] = [];
    // Sorted, because each file with pending writes draws from the random stream in turn.
    for (const path of this.list()) {
      const file = this.file(path);
      if (file.pending.length === 0) continue;
      reverted.push(file);
      const survived = this.roll(this.tornWriteProbability) ? tearFirstPendingWrite(file) : 0;
      if (survived > 0) filesTorn += 1;
      bytesLost += file.pendingBytes - survived;
      if (file.pendingBytes > survived) paths.push(path);
      this.used += file.durable.length - file.current.length;
      file.current = file.durable.clone();
      file.pending = [];
      file.pendingBytes = 0;
    }
    assert(bytesLost >= 0, 'power loss lost a negative number of bytes');
    this.emit({ type: 'power-loss', filesTorn, bytesLost });
    // Stamped after the emit, so that the value is new: a file that only lost appended bytes is
    // shorter, and one that lost an overwrite holds older bytes where it was written.
    for (const file of reverted) file.rewrittenVersion = this.version;
    return { bytesLost, paths };
  }

  /**
   * The OS flusher: makes durable, per file and in write order, every pending write stamped at or
   * before `nowMs - dirtyExpireMs`. It stops at a file's first younger write, because a later
   * write must never reach the platter while an earlier one has not. Returns the bytes written.
   */
  writeback(nowMs: number): number {
    assertIntegerInRange(nowMs, 0, Number.MAX_SAFE_INTEGER, 'writeback time');
    const cutoffMs = nowMs - this.dirtyExpireMs;
    let bytes = 0;
    // Map order is safe here: files are independent, no randomness is drawn, and only a sum is
    // reported, so the order of the files cannot change any outcome.
    for (const file of this.files.values()) {
      bytes += this.writeBack(file, countExpired(file.pending, cutoffMs));
    }
    if (bytes > 0) this.emit({ type: 'writeback', bytes });
    return bytes;
  }

  /** The disk is replaced: every file is gone. Fault settings belong to the simulator and stay. */
  wipe(): void {
    this.files.clear();
    this.namesVersion++;
    this.used = 0;
    this.emit({ type: 'wipe' });
  }

  setBitflip(fault: BitflipFault): void {
    assertProbability(fault.onReadProbability, 'bitflip on read probability');
    assertProbability(fault.onWriteProbability, 'bitflip on write probability');
    this.bitflip = { onReadProbability: fault.onReadProbability, onWriteProbability: fault.onWriteProbability };
  }

  /** Limits the sum of every file's current length; `undefined` lifts the limit. */
  setCapacityBytes(capacityBytes: number | undefined): void {
    if (capacityBytes !== undefined) {
      assertIntegerInRange(capacityBytes, 0, Number.MAX_SAFE_INTEGER, 'capacity bytes');
    }
    this.capacityBytes = capacityBytes;
  }

  /** Whether a fault is open on the disk: bit flips on, or a capacity limit. */
  hasFaults(): boolean {
    return this.bitflip !== NO_BITFLIP || this.capacityBytes !== undefined;
  }

  /** Ends every fault: bit flips and the capacity limit. */
  clearFaults(): void {
    this.bitflip = NO_BITFLIP;
    this.capacityBytes = undefined;
  }

  /** The sum of every file's current length. */
  usedBytes(): number {
    return this.used;
  }

  /** The bytes written but not yet durable, in one file or, without a path, in all of them. */
  unsyncedBytes(path?: string): number {
    if (path !== undefined) return this.file(path).pendingBytes;
    let bytes = 0;
    for (const file of this.files.values()) bytes += file.pendingBytes;
    return bytes;
  }

  /** The length the file would have after power loss, were no write torn. */
  durableSize(path: string): number {
    return this.file(path).durable.length;
  }

  /**
   * Checks the disk's own invariants from scratch, in O(total bytes): for tests, not for runs.
   * Above all, durable image + pending writes in order = current image, for every file.
   */
  checkConsistency(): void {
    let used = 0;
    for (const path of this.list()) {
      const file = this.file(path);
      checkFileConsistency(path, file);
      assert(file.rewrittenVersion > 0 && file.rewrittenVersion <= this.version, `${path}: rewritten version ${file.rewrittenVersion} outside 1..${this.version}`);
      used += file.current.length;
    }
    assert(used === this.used, `used bytes drifted: counted ${used}, kept ${this.used}`);
  }

  private writeAt(path: string, position: number, data: Uint8Array): void {
    assertPath(path);
    assertIntegerInRange(data.length, 0, MAX_FILE_BYTES, 'write length');
    assertIntegerInRange(position, 0, MAX_FILE_BYTES - data.length, 'write position');
    const existing = this.files.get(path);
    // A write of no bytes creates the file but, as pwrite(2) with a count of 0, extends nothing.
    const oldLength = existing?.current.length ?? 0;
    const growth = data.length === 0 ? 0 : Math.max(0, position + data.length - oldLength);
    this.checkCapacity(path, growth);
    const file = existing ?? this.create(path);
    this.emit({ type: 'write', path, position, length: data.length });
    // A new file, or a write over bytes the file held; a write at or past its end (a hole of
    // zeros before it) leaves every byte it held where it was.
    if (existing === undefined || (data.length > 0 && position < oldLength)) file.rewrittenVersion = this.version;
    if (data.length > 0) this.store(path, file, position, data);
  }

  /** Puts a copy of `data` in the page cache and in the pending list; a flip damages both. */
  private store(path: string, file: SimFile, position: number, data: Uint8Array): void {
    const atMs = this.stampWrite();
    const stored = data.slice();
    if (this.roll(this.bitflip.onWriteProbability) && this.flipBit(path, 'write', position, stored)) {
      // Even when the flip lands past the old end: a flip stored is damage, and readers are told.
      file.rewrittenVersion = this.version;
    }
    const lengthBefore = file.current.length;
    file.current.writeAt(position, stored);
    this.used += file.current.length - lengthBefore;
    file.pending.push({ position, data: stored, atMs });
    file.pendingBytes += stored.length;
    assert(file.pendingBytes <= MAX_FILE_BYTES * file.pending.length, 'pending bytes overflowed');
  }

  private checkCapacity(path: string, growth: number): void {
    assert(growth >= 0, 'a write cannot shrink the disk usage');
    if (this.capacityBytes === undefined || this.used + growth <= this.capacityBytes) return;
    throw new DiskError('ENOSPC', path, `no space: ${this.used} of ${this.capacityBytes} bytes used, write needs ${growth} more`);
  }

  private create(path: string): SimFile {
    assert(!this.files.has(path), `file ${path} already exists`);
    // Stamped by the write that creates it, once that write has its version.
    const file: SimFile = { current: new GrowableBytes(), durable: new GrowableBytes(), pending: [], pendingBytes: 0, rewrittenVersion: -1 };
    this.files.set(path, file);
    this.namesVersion++;
    return file;
  }

  /** Applies the first `count` pending writes to the durable image, in order; returns the bytes. */
  private writeBack(file: SimFile, count: number): number {
    assertIntegerInRange(count, 0, file.pending.length, 'pending writes to write back');
    let bytes = 0;
    for (const pending of file.pending.slice(0, count)) {
      file.durable.writeAt(pending.position, pending.data);
      bytes += pending.data.length;
    }
    file.pending.splice(0, count);
    file.pendingBytes -= bytes;
    assert(file.pendingBytes >= 0, 'pending bytes went negative');
    assert(file.durable.length <= file.current.length, 'durable image outgrew the current image');
    return bytes;
  }

  private stampWrite(): number {
    const nowMs = this.clock.nowMs();
    assertIntegerInRange(nowMs, this.lastWriteAtMs, Number.MAX_SAFE_INTEGER, 'clock time of a write');
    this.lastWriteAtMs = nowMs;
    return nowMs;
  }

  /** Draws only when the fault is on, so that a disk without faults never moves its stream. */
  private roll(probability: number): boolean {
    return probability > 0 && this.random.chance(probability);
  }

  /** Flips one random bit of `bytes`, which hold the file's bytes from `position` on; false if none was (see `checkedFlipsOnly`). */
  private flipBit(path: string, on: 'read' | 'write', position: number, bytes: Uint8Array): boolean {
    assert(bytes.length > 0, 'cannot flip a bit of no bytes');
    for (let draw = 0; ; draw++) {
      const bitInBytes = this.random.int(0, bytes.length * 8 - 1);
      const index = Math.floor(bitInBytes / 8);
      const byte = bytes[index];
      assert(byte !== undefined, `bit ${bitInBytes} lies outside ${bytes.length} bytes`);
      // The format is judged on the bytes as they were, before the flip changed them.
      const escapesChecksums = this.flipEscapesChecksums?.(path, position, bytes, index) ?? true;
      if (escapesChecksums && this.checkedFlipsOnly) {
        if (draw < UNCHECKED_FLIP_REDRAWS) continue;
        return false;
      }
      bytes[index] = byte ^ (1 << bitInBytes % 8);
      this.emit({ type: 'bitflip', path, on, bit: position * 8 + bitInBytes, escapesChecksums });
      return true;
    }
  }

  private file(path: string): SimFile {
    assertPath(path);
    const file = this.files.get(path);
    if (file === undefined) throw new DiskError('ENOENT', path, 'no such file');
    return file;
  }

  private emit(operation: DiskOperation): void {
    if (operation.type !== 'fsync' && operation.type !== 'writeback' && operation.type !== 'crash' && !(operation.type === 'bitflip' && operation.on === 'read')) {
      this.version++;
      switch (operation.type) {
        case 'write':
        case 'truncate':
        case 'delete':
        case 'bitflip':
          this.directoryVersions.set(directoryOf(operation.path), this.version);
          break;
        case 'rename':
          this.directoryVersions.set(directoryOf(operation.from), this.version);
          this.directoryVersions.set(directoryOf(operation.to), this.version);
          break;
        case 'power-loss':
        case 'wipe':
          this.wholeDiskVersion = this.version;
          break;
        default:
          assertNever(operation, 'disk operation');
      }
    }
    this.onOperation?.(operation);
  }
}

/** The directory a path is directly in (`''` for a top-level file). */
function directoryOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

function assertPath(path: string): void {
  assert(path.length > 0, 'a disk path must not be empty');
  assert(path.length <= MAX_PATH_LENGTH, `a disk path must be at most ${MAX_PATH_LENGTH} characters`);
}

function assertProbability(probability: number, what: string): void {
  assert(probability >= 0, `${what} must be >= 0, got ${probability}`);
  assert(probability <= 1, `${what} must be <= 1, got ${probability}`);
}

/**
 * The bytes of a write at `position` that survive a tear: up to the last page boundary of file
 * position strictly inside the write, i.e. the pages the write had completed when power went out.
 * Zero when no page boundary lies inside it.
 */
function tornPrefixLength(position: number, length: number): number {
  assert(length > 0, 'an empty write cannot be torn');
  const lastBoundary = Math.floor((position + length - 1) / PAGE_BYTES) * PAGE_BYTES;
  const prefix = lastBoundary > position ? lastBoundary - position : 0;
  assert(prefix < length, 'a torn write must lose at least one byte');
  assert(prefix === 0 || (position + prefix) % PAGE_BYTES === 0, 'a torn prefix must end on a page boundary');
  return prefix;
}

/** Writes the surviving prefix of the file's first pending write to its platter; returns its length. */
function tearFirstPendingWrite(file: SimFile): number {
  const first = file.pending[0];
  assert(first !== undefined, 'tearing a file without pending writes');
  const prefix = tornPrefixLength(first.position, first.data.length);
  if (prefix > 0) file.durable.writeAt(first.position, first.data.subarray(0, prefix));
  return prefix;
}

/** Cuts pending writes at `size`; the kept ones are views of the disk-owned data, not copies. */
function clipPendingWrites(pending: readonly PendingWrite[], size: number): PendingWrite[] {
  const clipped: PendingWrite[] = [];
  for (const write of pending) {
    if (write.position >= size) continue;
    const keep = Math.min(write.data.length, size - write.position);
    assert(keep > 0, 'a clipped pending write must keep at least one byte');
    clipped.push({ position: write.position, data: write.data.subarray(0, keep), atMs: write.atMs });
  }
  return clipped;
}

/** The length of the prefix of `pending` stamped at or before `cutoffMs`. */
function countExpired(pending: readonly PendingWrite[], cutoffMs: number): number {
  let count = 0;
  while (count < pending.length && (pending[count]?.atMs ?? Infinity) <= cutoffMs) count += 1;
  return count;
}

function sumLengths(pending: readonly PendingWrite[]): number {
  let bytes = 0;
  for (const write of pending) bytes += write.data.length;
  return bytes;
}

function checkFileConsistency(path: string, file: SimFile): void {
  const replayed = file.durable.clone();
  let previousAtMs = 0;
  for (const write of file.pending) {
    assert(write.data.length > 0, `${path}: an empty pending write`);
    assert(write.atMs >= previousAtMs, `${path}: pending writes out of time order`);
    previousAtMs = write.atMs;
    replayed.writeAt(write.position, write.data);
  }
  assert(file.pendingBytes === sumLengths(file.pending), `${path}: pending bytes drifted`);
  assert(replayed.length === file.current.length, `${path}: durable + pending has the wrong length`);
  const expected = replayed.view();
  const actual = file.current.view();
  for (let index = 0; index < actual.length; index++) {
    assert(expected[index] === actual[index], `${path}: durable + pending differs from current at byte ${index}`);
  }
}

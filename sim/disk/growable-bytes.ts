import { assert, assertIntegerInRange } from '../../impl/common/assert.ts';

/**
 * The largest file the simulated disk holds. Kafka addresses bytes inside a segment with a Java
 * `int` (`FileRecords` refuses to grow past `Integer.MAX_VALUE`), so no real file is larger.
 */
export const MAX_FILE_BYTES = 2 ** 31 - 1;

/** The smallest backing array, so that a file built from tiny appends does not reallocate often. */
const MIN_CAPACITY_BYTES = 64;

/**
 * A byte array that grows by doubling its capacity, so that a file built from many small appends
 * costs amortized O(bytes appended) rather than O(file size) per append.
 *
 * Bytes at and after `length` are garbage (a shrink does not clear them); every operation that
 * extends the length zero-fills the gap explicitly, which is what makes holes read as zeros.
 */
export class GrowableBytes {
  private bytes: Uint8Array;
  private used = 0;

  constructor(initialCapacity = 0) {
    assertIntegerInRange(initialCapacity, 0, MAX_FILE_BYTES, 'initial capacity');
    this.bytes = new Uint8Array(initialCapacity);
  }

  get length(): number {
    return this.used;
  }

  get capacity(): number {
    return this.bytes.length;
  }

  /** A fresh copy of [start, end), which the caller owns and may mutate. */
  copy(start: number, end: number): Uint8Array {
    assertIntegerInRange(start, 0, this.used, 'copy start');
    assertIntegerInRange(end, start, this.used, 'copy end');
    return this.bytes.slice(start, end);
  }

  /** `copy` into the caller's buffer (at least `end - start` bytes); returns the prefix written. */
  copyInto(start: number, end: number, into: Uint8Array): Uint8Array {
    assertIntegerInRange(start, 0, this.used, 'copy start');
    assertIntegerInRange(end, start, this.used, 'copy end');
    assertIntegerInRange(end - start, 0, into.length, 'copy length');
    const length = end - start;
    // A short read (a batch header) is copied byte by byte: `set` would need a subarray view.
    if (length <= 64) for (let index = 0; index < length; index++) into[index] = this.bytes[start + index] as number;
    else into.set(this.bytes.subarray(start, end));
    return length === into.length ? into : into.subarray(0, length);
  }

  /** A view of the bytes in use; it must not be kept or written to, as the backing array moves. */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.used);
  }

  /** Writes `data` at `position`, zero-filling any hole between the old end and `position`. */
  writeAt(position: number, data: Uint8Array): void {
    assertIntegerInRange(data.length, 0, MAX_FILE_BYTES, 'write length');
    assertIntegerInRange(position, 0, MAX_FILE_BYTES - data.length, 'write position');
    const end = position + data.length;
    this.reserve(end);
    if (position > this.used) this.bytes.fill(0, this.used, position);
    this.bytes.set(data, position);
    this.used = Math.max(this.used, end);
    assert(this.used >= end, 'write did not extend the length to its end');
  }

  /** Shrinks to `length`, or grows to it with zeros. The capacity never shrinks. */
  setLength(length: number): void {
    assertIntegerInRange(length, 0, MAX_FILE_BYTES, 'length');
    if (length > this.used) {
      this.reserve(length);
      this.bytes.fill(0, this.used, length);
    }
    this.used = length;
  }

  clone(): GrowableBytes {
    const copy = new GrowableBytes(this.used);
    copy.writeAt(0, this.view());
    assert(copy.length === this.used, 'clone has a different length');
    return copy;
  }

  private reserve(needed: number): void {
    assertIntegerInRange(needed, 0, MAX_FILE_BYTES, 'needed capacity');
    if (needed <= this.bytes.length) return;
    // Doubling keeps appends amortized O(1) per byte; the cap keeps the array within the limit.
    const doubled = Math.min(MAX_FILE_BYTES, Math.max(this.bytes.length * 2, MIN_CAPACITY_BYTES));
    const grown = new Uint8Array(Math.max(needed, doubled));
    grown.set(this.bytes.subarray(0, this.used));
    this.bytes = grown;
    assert(this.bytes.length >= needed, 'reserve did not reach the needed capacity');
  }
}

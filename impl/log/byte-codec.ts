import { assert, fail } from '../common/assert.ts';

/**
 * Big-endian fixed-width integers and Kafka's zig-zag varints (the protobuf encoding Kafka uses
 * inside RecordBatch v2, `ByteUtils.writeVarint` / `writeVarlong`). 64-bit fields are JavaScript
 * numbers: refka's offsets, timestamps and producer ids stay within 2^53, and a decoder that meets a
 * larger value reports the batch as unsupported rather than silently rounding it.
 */

/**
 * The big-endian int64 at `at`, as a number: exact within the safe integers, and beyond them the
 * nearest double, as `Number(view.getBigInt64(at))` gives, without allocating a BigInt (the log's
 * header scans read three per batch on every fetch).
 */
export function int64At(view: DataView, at: number): number {
  return view.getInt32(at) * 4294967296 + view.getUint32(at + 4);
}

export class ByteWriter {
  private buffer: Uint8Array;
  private view: DataView;
  private length = 0;

  constructor(initialCapacity = 256) {
    this.buffer = new Uint8Array(Math.max(16, initialCapacity));
    this.view = new DataView(this.buffer.buffer);
  }

  get position(): number {
    return this.length;
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.length + bytes) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }

  int8(value: number): void {
    this.reserve(1);
    this.view.setInt8(this.length, value);
    this.length += 1;
  }

  int16(value: number): void {
    this.reserve(2);
    this.view.setInt16(this.length, value);
    this.length += 2;
  }

  int32(value: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, value);
    this.length += 4;
  }

  uint32(value: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, value);
    this.length += 4;
  }

  int64(value: number): void {
    assert(Number.isSafeInteger(value), `int64 field must be a safe integer, got ${value}`);
    this.reserve(8);
    this.view.setBigInt64(this.length, BigInt(value));
    this.length += 8;
  }

  /** Zig-zag varint of a 32-bit signed value. */
  varint(value: number): void {
    assert(Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31, `varint out of range: ${value}`);
    let zigzag = ((value << 1) ^ (value >> 31)) >>> 0;
    while (zigzag >= 0x80) {
      this.int8Unsigned((zigzag & 0x7f) | 0x80);
      zigzag >>>= 7;
    }
    this.int8Unsigned(zigzag);
  }

  /**
   * Unsigned varint of a 32-bit value (Kafka's `ByteUtils.writeUnsignedVarint`): the lengths and
   * tag counts of flexible message versions (KIP-482). Like Kafka it takes a Java `int` and writes
   * its 32 bits unsigned, so -1 takes five bytes.
   */
  unsignedVarint(value: number): void {
    assert(Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31, `unsigned varint out of int range: ${value}`);
    let bits = value >>> 0;
    while (bits >= 0x80) {
      this.int8Unsigned((bits & 0x7f) | 0x80);
      bits >>>= 7;
    }
    this.int8Unsigned(bits);
  }

  /** Zig-zag varlong of a 64-bit signed value (safe-integer range). */
  varlong(value: number): void {
    assert(Number.isSafeInteger(value), `varlong must be a safe integer, got ${value}`);
    let zigzag = (BigInt(value) << 1n) ^ (BigInt(value) >> 63n);
    zigzag = BigInt.asUintN(64, zigzag);
    while (zigzag >= 0x80n) {
      this.int8Unsigned(Number(zigzag & 0x7fn) | 0x80);
      zigzag >>= 7n;
    }
    this.int8Unsigned(Number(zigzag));
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }

  private int8Unsigned(value: number): void {
    this.reserve(1);
    this.buffer[this.length] = value;
    this.length += 1;
  }

  /** Overwrites 4 bytes at `position`, already written (a length or CRC known only at the end). */
  patchInt32(position: number, value: number): void {
    assert(position >= 0 && position + 4 <= this.length, `patch at ${position} outside ${this.length} bytes`);
    this.view.setInt32(position, value);
  }

  patchUint32(position: number, value: number): void {
    assert(position >= 0 && position + 4 <= this.length, `patch at ${position} outside ${this.length} bytes`);
    this.view.setUint32(position, value);
  }

  /** The written bytes, copied into an exactly sized array. */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

/** Thrown by {@link ByteReader} when the input is malformed; decoders turn it into an error value. */
export class MalformedInput extends Error {
  override readonly name = 'MalformedInput';
}

export class ByteReader {
  private readonly view: DataView;
  private offset: number;

  constructor(
    private readonly data: Uint8Array,
    start = 0,
    private readonly end = data.length,
  ) {
    if (!(start >= 0 && start <= end && end <= data.length)) fail(`reader range ${start}..${end} outside ${data.length} bytes`);
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.offset = start;
  }

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private need(bytes: number): void {
    if (bytes < 0 || this.offset + bytes > this.end) {
      throw new MalformedInput(`needed ${bytes} bytes at position ${this.offset}, only ${this.end - this.offset} left`);
    }
  }

  int8(): number {
    this.need(1);
    const value = this.view.getInt8(this.offset);
    this.offset += 1;
    return value;
  }

  int16(): number {
    this.need(2);
    const value = this.view.getInt16(this.offset);
    this.offset += 2;
    return value;
  }

  int32(): number {
    this.need(4);
    const value = this.view.getInt32(this.offset);
    this.offset += 4;
    return value;
  }

  uint32(): number {
    this.need(4);
    const value = this.view.getUint32(this.offset);
    this.offset += 4;
    return value;
  }

  int64(): number {
    this.need(8);
    const value = int64At(this.view, this.offset);
    this.offset += 8;
    if (!Number.isSafeInteger(value)) {
      throw new MalformedInput(`int64 ${this.view.getBigInt64(this.offset - 8)} at position ${this.offset - 8} is beyond what refka represents`);
    }
    return value;
  }

  varint(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const byte = this.unsignedByte();
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return (result >>> 1) ^ -(result & 1);
    }
    throw new MalformedInput(`varint longer than 5 bytes at position ${this.offset}`);
  }

  /**
   * Kafka's `ByteUtils.readUnsignedVarint`: at most five bytes, read into a Java `int` (values of
   * 2^31 and above come back negative, as in Kafka); a fifth byte with its high bit set is malformed.
   */
  unsignedVarint(): number {
    let result = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const byte = this.unsignedByte();
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result | 0;
    }
    const fifth = this.unsignedByte();
    if ((fifth & 0x80) !== 0) throw new MalformedInput(`unsigned varint longer than 5 bytes at position ${this.offset}`);
    // Bits beyond the 32nd fall off, as Kafka's `tmp << 28` drops them.
    return (result | (fifth << 28)) | 0;
  }

  varlong(): number {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const byte = BigInt(this.unsignedByte());
      result |= (byte & 0x7fn) << shift;
      if ((byte & 0x80n) === 0n) {
        // Bits beyond 64 are dropped, as Kafka's readUnsignedVarlong drops them.
        result = BigInt.asUintN(64, result);
        const value = (result >> 1n) ^ -(result & 1n);
        const signed = BigInt.asIntN(64, value);
        if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new MalformedInput(`varlong ${signed} is beyond what refka represents`);
        }
        return Number(signed);
      }
    }
    throw new MalformedInput(`varlong longer than 10 bytes at position ${this.offset}`);
  }

  bytes(length: number): Uint8Array {
    this.need(length);
    const slice = this.data.slice(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  private unsignedByte(): number {
    this.need(1);
    const value = this.data[this.offset] as number;
    this.offset += 1;
    return value;
  }
}

/** Bytes a zig-zag varint of `value` takes (Kafka's `ByteUtils.sizeOfVarint`). */
export function sizeOfVarint(value: number): number {
  let zigzag = ((value << 1) ^ (value >> 31)) >>> 0;
  let bytes = 1;
  while (zigzag >= 0x80) {
    bytes++;
    zigzag >>>= 7;
  }
  return bytes;
}

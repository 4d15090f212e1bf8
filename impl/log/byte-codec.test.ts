import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../common/assert.ts';
import { ByteReader, ByteWriter, int64At, MalformedInput, sizeOfVarint } from './byte-codec.ts';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function written(write: (writer: ByteWriter) => void): number[] {
  const writer = new ByteWriter();
  write(writer);
  return [...writer.finish()];
}

function reader(bytes: readonly number[]): ByteReader {
  return new ByteReader(Uint8Array.from(bytes));
}

/** Runs `read` and returns what it threw, so a test can say which error class is allowed. */
function thrownBy(read: () => unknown): unknown {
  try {
    read();
  } catch (error) {
    return error;
  }
  return undefined;
}

// The zig-zag examples below are Apache Kafka's own, copied from
// apache/kafka clients/src/test/java/org/apache/kafka/common/utils/ByteUtilsTest.java,
// tests `testVarintSerde` and `testVarlongSerde`. They pin refka to the bytes Kafka's
// `ByteUtils.writeVarint` / `writeVarlong` produce, not merely to a self-consistent round trip.
const KAFKA_VARINTS: ReadonlyArray<readonly [number, readonly number[]]> = [
  [0, [0x00]],
  [-1, [0x01]],
  [1, [0x02]],
  [63, [0x7e]],
  [-64, [0x7f]],
  [64, [0x80, 0x01]],
  [-65, [0x81, 0x01]],
  [8191, [0xfe, 0x7f]],
  [-8192, [0xff, 0x7f]],
  [8192, [0x80, 0x80, 0x01]],
  [-8193, [0x81, 0x80, 0x01]],
  [1048575, [0xfe, 0xff, 0x7f]],
  [-1048576, [0xff, 0xff, 0x7f]],
  [1048576, [0x80, 0x80, 0x80, 0x01]],
  [-1048577, [0x81, 0x80, 0x80, 0x01]],
  [134217727, [0xfe, 0xff, 0xff, 0x7f]],
  [-134217728, [0xff, 0xff, 0xff, 0x7f]],
  [134217728, [0x80, 0x80, 0x80, 0x80, 0x01]],
  [-134217729, [0x81, 0x80, 0x80, 0x80, 0x01]],
  [INT32_MAX, [0xfe, 0xff, 0xff, 0xff, 0x0f]],
  [INT32_MIN, [0xff, 0xff, 0xff, 0xff, 0x0f]],
];

/** Kafka's varlong examples whose values fit in a JavaScript safe integer (|v| < 2^53). */
const KAFKA_SAFE_VARLONGS: ReadonlyArray<readonly [number, readonly number[]]> = [
  ...KAFKA_VARINTS,
  [17179869183, [0xfe, 0xff, 0xff, 0xff, 0x7f]],
  [-17179869184, [0xff, 0xff, 0xff, 0xff, 0x7f]],
  [17179869184, [0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
  [-17179869185, [0x81, 0x80, 0x80, 0x80, 0x80, 0x01]],
  [2199023255551, [0xfe, 0xff, 0xff, 0xff, 0xff, 0x7f]],
  [-2199023255552, [0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]],
  [2199023255552, [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
  [-2199023255553, [0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
  [281474976710655, [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]],
  [-281474976710656, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]],
  [281474976710656, [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
  [-281474976710657, [0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
  // Not in ByteUtilsTest: the edges of refka's range, worked out by hand. The zig-zag of
  // 2^53 - 1 is 2^54 - 2: a low group of 0x7e, then 2^47 - 1 (six groups of 0x7f and 0x1f).
  [Number.MAX_SAFE_INTEGER, [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f]],
  [Number.MIN_SAFE_INTEGER, [0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f]],
];

/** Kafka's varlong examples beyond 2^53: refka must refuse them rather than round them. */
const KAFKA_UNSAFE_VARLONGS: ReadonlyArray<readonly [string, readonly number[]]> = [
  ['36028797018963967', [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]],
  ['-36028797018963968', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]],
  ['4611686018427387904', [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
  ['Long.MAX_VALUE', [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
  ['Long.MIN_VALUE', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
];

describe('zig-zag varints match Kafka byte for byte', () => {
  it.each(KAFKA_VARINTS)('varint %d', (value, bytes) => {
    expect(written((writer) => writer.varint(value))).toEqual(bytes);
    const read = reader(bytes);
    expect(read.varint()).toBe(value);
    expect(read.remaining).toBe(0);
    expect(sizeOfVarint(value)).toBe(bytes.length);
  });

  it.each(KAFKA_SAFE_VARLONGS)('varlong %d', (value, bytes) => {
    expect(written((writer) => writer.varlong(value))).toEqual(bytes);
    const read = reader(bytes);
    expect(read.varlong()).toBe(value);
    expect(read.remaining).toBe(0);
  });

  it.each(KAFKA_UNSAFE_VARLONGS)('varlong %s is refused with MalformedInput', (_name, bytes) => {
    expect(() => reader(bytes).varlong()).toThrow(MalformedInput);
  });

  it('refuses overlong encodings as Kafka does (ByteUtilsTest testInvalidVarint/testInvalidVarlong)', () => {
    expect(() => reader([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).varint()).toThrow(MalformedInput);
    expect(() => reader([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).varlong()).toThrow(MalformedInput);
  });

  it('refuses a varint or varlong cut off in the middle', () => {
    expect(() => reader([0x80]).varint()).toThrow(MalformedInput);
    expect(() => reader([0x80, 0x80, 0x80]).varlong()).toThrow(MalformedInput);
    expect(() => reader([]).varint()).toThrow(MalformedInput);
  });

  it('the writer refuses values outside its range instead of wrapping them', () => {
    expect(() => new ByteWriter().varint(2 ** 31)).toThrow(AssertionError);
    expect(() => new ByteWriter().varint(1.5)).toThrow(AssertionError);
    expect(() => new ByteWriter().varlong(2 ** 53)).toThrow(AssertionError);
    expect(() => new ByteWriter().int64(2 ** 53)).toThrow(AssertionError);
  });
});

// Copied from apache/kafka clients/src/test/java/org/apache/kafka/common/utils/ByteUtilsTest.java,
// `testUnsignedVarintSerde`: the lengths and tag counts of flexible message versions (KIP-482).
// Kafka's API takes and returns a Java int, so -1 is 0xffffffff written unsigned.
const KAFKA_UNSIGNED_VARINTS: ReadonlyArray<readonly [number, readonly number[]]> = [
  [0, [0x00]],
  [-1, [0xff, 0xff, 0xff, 0xff, 0x0f]],
  [1, [0x01]],
  [63, [0x3f]],
  [-64, [0xc0, 0xff, 0xff, 0xff, 0x0f]],
  [64, [0x40]],
  [8191, [0xff, 0x3f]],
  [-8192, [0x80, 0xc0, 0xff, 0xff, 0x0f]],
  [8192, [0x80, 0x40]],
  [-8193, [0xff, 0xbf, 0xff, 0xff, 0x0f]],
  [1048575, [0xff, 0xff, 0x3f]],
  [1048576, [0x80, 0x80, 0x40]],
  [INT32_MAX, [0xff, 0xff, 0xff, 0xff, 0x07]],
  [INT32_MIN, [0x80, 0x80, 0x80, 0x80, 0x08]],
];

describe('unsigned varints match Kafka byte for byte', () => {
  it.each(KAFKA_UNSIGNED_VARINTS)('unsigned varint %d', (value, bytes) => {
    expect(written((writer) => writer.unsignedVarint(value))).toEqual(bytes);
    const read = reader(bytes);
    expect(read.unsignedVarint()).toBe(value);
    expect(read.remaining).toBe(0);
  });

  it('refuses a fifth byte with its high bit set, and a cut-off encoding', () => {
    expect(() => reader([0xff, 0xff, 0xff, 0xff, 0x80, 0x01]).unsignedVarint()).toThrow(MalformedInput);
    expect(() => reader([0x80, 0x80]).unsignedVarint()).toThrow(MalformedInput);
  });

  it('round-trips every int and refuses anything else', () => {
    fc.assert(
      fc.property(fc.integer({ min: INT32_MIN, max: INT32_MAX }), (value) => {
        const bytes = written((writer) => writer.unsignedVarint(value));
        // An independent length: one byte per started group of 7 bits of the unsigned value.
        expect(bytes.length).toBe(Math.max(1, Math.ceil((32 - Math.clz32(value >>> 0)) / 7)));
        expect(reader(bytes).unsignedVarint()).toBe(value);
      }),
    );
    expect(() => new ByteWriter().unsignedVarint(2 ** 31)).toThrow(AssertionError);
  });
});

/**
 * An independent zig-zag varint encoder over BigInt, written from the protobuf definition, so
 * that the properties below compare two implementations rather than one with itself.
 */
function referenceVarlong(value: bigint): number[] {
  let zigzag = value >= 0n ? value * 2n : -value * 2n - 1n;
  const bytes: number[] = [];
  do {
    const group = Number(zigzag % 128n);
    zigzag /= 128n;
    bytes.push(zigzag > 0n ? group + 0x80 : group);
  } while (zigzag > 0n);
  return bytes;
}

const safeInteger = fc.bigInt({ min: BigInt(Number.MIN_SAFE_INTEGER), max: BigInt(Number.MAX_SAFE_INTEGER) }).map(Number);
const int32 = fc.integer({ min: INT32_MIN, max: INT32_MAX });

describe('varint properties', () => {
  it('varint agrees with the reference encoder, sizeOfVarint and the reader', () => {
    fc.assert(
      fc.property(int32, (value) => {
        const bytes = written((writer) => writer.varint(value));
        expect(bytes).toEqual(referenceVarlong(BigInt(value)));
        expect(sizeOfVarint(value)).toBe(bytes.length);
        expect(reader(bytes).varint()).toBe(value);
      }),
      { numRuns: 500 },
    );
  });

  it('sizeOfVarint steps at every 7-bit boundary of the zig-zag value', () => {
    // Zig-zag maps 2^(7k-1) - 1 to 2^(7k) - 2 (the last value of k bytes) and 2^(7k-1) to 2^(7k).
    for (let groups = 1; groups <= 4; groups++) {
      const lastPositive = 2 ** (7 * groups - 1) - 1;
      expect(sizeOfVarint(lastPositive)).toBe(groups);
      expect(sizeOfVarint(lastPositive + 1)).toBe(groups + 1);
      expect(sizeOfVarint(-lastPositive - 1)).toBe(groups);
      expect(sizeOfVarint(-lastPositive - 2)).toBe(groups + 1);
    }
    expect(sizeOfVarint(INT32_MAX)).toBe(5);
    expect(sizeOfVarint(INT32_MIN)).toBe(5);
  });

  it('varlong agrees with the reference encoder and the reader over the safe range', () => {
    fc.assert(
      fc.property(safeInteger, (value) => {
        const bytes = written((writer) => writer.varlong(value));
        expect(bytes).toEqual(referenceVarlong(BigInt(value)));
        expect(reader(bytes).varlong()).toBe(value);
      }),
      { numRuns: 500 },
    );
  });

  it('varint and varlong agree wherever both apply', () => {
    fc.assert(
      fc.property(int32, (value) => {
        expect(written((writer) => writer.varlong(value))).toEqual(written((writer) => writer.varint(value)));
      }),
    );
  });
});

type Field =
  | { readonly kind: 'int8'; readonly value: number }
  | { readonly kind: 'int16'; readonly value: number }
  | { readonly kind: 'int32'; readonly value: number }
  | { readonly kind: 'uint32'; readonly value: number }
  | { readonly kind: 'int64'; readonly value: number }
  | { readonly kind: 'varint'; readonly value: number }
  | { readonly kind: 'varlong'; readonly value: number }
  | { readonly kind: 'bytes'; readonly value: Uint8Array };

const fieldArbitrary: fc.Arbitrary<Field> = fc.oneof(
  fc.integer({ min: -128, max: 127 }).map((value) => ({ kind: 'int8' as const, value })),
  fc.integer({ min: -32768, max: 32767 }).map((value) => ({ kind: 'int16' as const, value })),
  int32.map((value) => ({ kind: 'int32' as const, value })),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((value) => ({ kind: 'uint32' as const, value })),
  safeInteger.map((value) => ({ kind: 'int64' as const, value })),
  int32.map((value) => ({ kind: 'varint' as const, value })),
  safeInteger.map((value) => ({ kind: 'varlong' as const, value })),
  fc.uint8Array({ maxLength: 40 }).map((value) => ({ kind: 'bytes' as const, value })),
);

function writeField(writer: ByteWriter, field: Field): void {
  switch (field.kind) {
    case 'int8':
      return writer.int8(field.value);
    case 'int16':
      return writer.int16(field.value);
    case 'int32':
      return writer.int32(field.value);
    case 'uint32':
      return writer.uint32(field.value);
    case 'int64':
      return writer.int64(field.value);
    case 'varint':
      return writer.varint(field.value);
    case 'varlong':
      return writer.varlong(field.value);
    case 'bytes':
      writer.varint(field.value.length);
      return writer.bytes(field.value);
  }
}

function readField(read: ByteReader, field: Field): Field {
  switch (field.kind) {
    case 'int8':
      return { kind: field.kind, value: read.int8() };
    case 'int16':
      return { kind: field.kind, value: read.int16() };
    case 'int32':
      return { kind: field.kind, value: read.int32() };
    case 'uint32':
      return { kind: field.kind, value: read.uint32() };
    case 'int64':
      return { kind: field.kind, value: read.int64() };
    case 'varint':
      return { kind: field.kind, value: read.varint() };
    case 'varlong':
      return { kind: field.kind, value: read.varlong() };
    case 'bytes':
      return { kind: field.kind, value: read.bytes(read.varint()) };
  }
}

const FIXED_WIDTH: Partial<Record<Field['kind'], number>> = { int8: 1, int16: 2, int32: 4, uint32: 4, int64: 8 };

describe('fixed-width integers and byte strings', () => {
  it('every sequence of fields reads back exactly, in big-endian, across buffer growth', () => {
    fc.assert(
      fc.property(fc.array(fieldArbitrary, { maxLength: 60 }), (fields) => {
        // A 16-byte start forces the writer to grow several times inside most runs.
        const writer = new ByteWriter(1);
        let expectedLength = 0;
        for (const field of fields) {
          const before = writer.position;
          writeField(writer, field);
          const width = FIXED_WIDTH[field.kind];
          if (width !== undefined) expect(writer.position - before).toBe(width);
          expectedLength = writer.position;
        }
        const bytes = writer.finish();
        expect(bytes.length).toBe(expectedLength);
        const read = new ByteReader(bytes);
        expect(fields.map((field) => readField(read, field))).toEqual(fields);
        expect(read.remaining).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('writes big-endian two-complement integers', () => {
    expect(written((writer) => writer.int16(-2))).toEqual([0xff, 0xfe]);
    expect(written((writer) => writer.int32(0x01020304))).toEqual([1, 2, 3, 4]);
    expect(written((writer) => writer.uint32(0xc85cbd23))).toEqual([0xc8, 0x5c, 0xbd, 0x23]);
    expect(written((writer) => writer.int64(-1))).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(written((writer) => writer.int64(0x0000015dff7cdd6c))).toEqual([0, 0, 0x01, 0x5d, 0xff, 0x7c, 0xdd, 0x6c]);
  });

  it('int64 beyond 2^53 is refused with MalformedInput, not rounded', () => {
    expect(() => reader([0x00, 0x20, 0, 0, 0, 0, 0, 0]).int64()).toThrow(MalformedInput);
    expect(() => reader([0xff, 0xdf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).int64()).toThrow(MalformedInput);
    expect(reader([0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).int64()).toBe(Number.MAX_SAFE_INTEGER);
    expect(reader([0xff, 0xe0, 0, 0, 0, 0, 0, 1]).int64()).toBe(Number.MIN_SAFE_INTEGER);
  });

  it('patches a length or CRC in place, and refuses a patch past the written bytes', () => {
    const writer = new ByteWriter();
    writer.int32(0);
    writer.uint32(0);
    writer.int8(7);
    writer.patchInt32(0, -2);
    writer.patchUint32(4, 0xdeadbeef);
    expect([...writer.finish()]).toEqual([0xff, 0xff, 0xff, 0xfe, 0xde, 0xad, 0xbe, 0xef, 7]);
    expect(() => writer.patchInt32(6, 1)).toThrow(AssertionError);
    expect(() => writer.patchUint32(-1, 1)).toThrow(AssertionError);
  });

  it('a reader over a sub-range stops at its end even when the array goes on', () => {
    const data = Uint8Array.from([9, 1, 2, 3, 4, 5, 6]);
    const read = new ByteReader(data, 1, 4);
    expect(read.remaining).toBe(3);
    expect(() => read.int32()).toThrow(MalformedInput);
    expect(read.int16()).toBe(0x0102);
    expect(read.position).toBe(3);
    expect(() => read.bytes(2)).toThrow(MalformedInput);
    expect([...read.bytes(1)]).toEqual([3]);
    expect(() => read.int8()).toThrow(MalformedInput);
  });

  it('bytes() returns a copy, not a view of the input', () => {
    const data = Uint8Array.from([1, 2, 3]);
    const copy = new ByteReader(data).bytes(3);
    data[0] = 99;
    expect([...copy]).toEqual([1, 2, 3]);
  });
});

describe('the reader fails only with MalformedInput', () => {
  const operations: ReadonlyArray<(read: ByteReader, argument: number) => unknown> = [
    (read) => read.int8(),
    (read) => read.int16(),
    (read) => read.int32(),
    (read) => read.uint32(),
    (read) => read.int64(),
    (read) => read.varint(),
    (read) => read.varlong(),
    (read, argument) => read.bytes(argument),
  ];

  it('on random bytes, any sequence of reads returns numbers or throws MalformedInput', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.array(fc.tuple(fc.nat(operations.length - 1), fc.integer({ min: -5, max: 70 })), { minLength: 1, maxLength: 30 }),
        (data, steps) => {
          const read = new ByteReader(data);
          for (const [operation, argument] of steps) {
            const error = thrownBy(() => (operations[operation] as (typeof operations)[number])(read, argument));
            if (error !== undefined) {
              expect(error).toBeInstanceOf(MalformedInput);
              return;
            }
            expect(read.position).toBeLessThanOrEqual(data.length);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a field cut short at any length fails with MalformedInput', () => {
    fc.assert(
      fc.property(fieldArbitrary, fc.nat(), (field, cutSeed) => {
        const whole = written((writer) => writeField(writer, field));
        const cut = cutSeed % whole.length;
        const error = thrownBy(() => readField(reader(whole.slice(0, cut)), field));
        expect(error).toBeInstanceOf(MalformedInput);
      }),
      { numRuns: 300 },
    );
  });
});

describe('int64At', () => {
  it('reads what Number(getBigInt64) reads, for every 8 bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (bytes) => {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      expect(int64At(view, 0)).toBe(Number(view.getBigInt64(0)));
    }), { numRuns: 2000 });
    const edges = [0n, 1n, -1n, 2n ** 53n - 1n, -(2n ** 53n - 1n), 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n)];
    for (const value of edges) {
      const view = new DataView(new ArrayBuffer(8));
      view.setBigInt64(0, value);
      expect(int64At(view, 0)).toBe(Number(value));
    }
  });
});

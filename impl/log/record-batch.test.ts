import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../common/assert.ts';
import { crc32c } from '../common/crc32c.ts';
import {
  flipEscapesBatchCrc,
  buildRecordBatch,
  decodeRecords,
  DEFAULT_BATCH_SPEC,
  incrementSequence,
  LOG_OVERHEAD,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  parseRecordBatch,
  readRecordBatch,
  RECORD_BATCH_OVERHEAD,
  restampBatch,
  stampBatch,
  withLogAppendTime,
  type BatchReadResult,
  type LogRecord,
  type OffsetLayout,
  type RecordBatch,
  type RecordBatchSpec,
  type SimpleRecord,
} from './record-batch.ts';

const INT32_MAX = 2 ** 31 - 1;
const UTF8 = new TextEncoder();

/** Byte positions of the v2 header fields, written out again here rather than imported. */
const AT = { length: 8, partitionLeaderEpoch: 12, magic: 16, crc: 17, attributes: 21, lastOffsetDelta: 23, maxTimestamp: 35, recordsCount: 57 };

/** The bytes of a Python bytes literal's text (each character one byte), so the source can be pasted verbatim. */
function pythonBytes(...parts: readonly string[]): Uint8Array {
  const text = parts.join('');
  const bytes = new Uint8Array(text.length);
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code > 0xff) throw new Error(`character ${code} at ${index} is not a byte`);
    bytes[index] = code;
  }
  return bytes;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A copy with the CRC recomputed, for tests that need a batch wrong in ways the CRC cannot see. */
function resigned(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  view(copy).setUint32(AT.crc, crc32c(copy, AT.attributes));
  return copy;
}

function batchOf(result: BatchReadResult): RecordBatch {
  if (result.type !== 'batch') throw new Error(`expected a batch, got ${result.type}: ${result.reason}`);
  return result.batch;
}

function recordsOf(batch: RecordBatch): LogRecord[] {
  const records = decodeRecords(batch);
  if (typeof records === 'string') throw new Error(`records did not decode: ${records}`);
  return records;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

// ---------------------------------------------------------------------------------------------
// Known vectors.
//
// Source: dpkp/kafka-python, test/record/test_records.py, the list `record_batch_data_v2` read by
// `test_memory_records_v2`, under the comment "This is real live data from Kafka 11 broker". The
// strings below are that file's Python bytes literals pasted verbatim. Apache Kafka's own
// DefaultRecordBatchTest has no literal bytes (it builds batches with MemoryRecords.builder and
// System.currentTimeMillis()), and sarama's vectors are sarama's own encoder output with fields a
// Java producer would never write (maxTimestamp 0 beside a later record, producer id 0), so a
// broker capture is the better oracle for "byte for byte as Kafka encodes it".
// ---------------------------------------------------------------------------------------------

/** First batch: one record, value "123". */
const KAFKA_PYTHON_BATCH_1 = pythonBytes(
  '\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00;\x00\x00\x00\x01\x02\x03',
  '\x18\xa2p\x00\x00\x00\x00\x00\x00\x00\x00\x01]\xff{\x06<\x00\x00\x01]',
  '\xff{\x06<\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00',
  '\x00\x00\x01\x12\x00\x00\x00\x01\x06123\x00',
);

/** Second batch, THE vector: value "" and value "", two records. */
const KAFKA_PYTHON_BATCH_2 = pythonBytes(
  '\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00@\x00\x00\x00\x02\x02\xc8',
  '\\\xbd#\x00\x00\x00\x00\x00\x01\x00\x00\x01]\xff|\xddl\x00\x00\x01]\xff',
  '|\xde\x14\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00',
  '\x00\x00\x02\x0c\x00\x00\x00\x01\x00\x00\x0e\x00\xd0\x02\x02\x01\x00',
  '\x00',
);

/** Third batch: value "123". */
const KAFKA_PYTHON_BATCH_3 = pythonBytes(
  '\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00;\x00\x00\x00\x02\x02.\x0b',
  '\x85\xb7\x00\x00\x00\x00\x00\x00\x00\x00\x01]\xff|\xe7\x9d\x00\x00\x01]',
  '\xff|\xe7\x9d\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff',
  '\x00\x00\x00\x01\x12\x00\x00\x00\x01\x06123\x00',
);

/** Fourth batch: value "hdr" with header hkey=hval (the list's only batch with a header). */
const KAFKA_PYTHON_BATCH_4 = pythonBytes(
  '\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00E\x00\x00\x00\x00\x02\\',
  '\xd8\xefR\x00\x00\x00\x00\x00\x00\x00\x00\x01e\x85\xb6\xf3\xc1\x00\x00',
  '\x01e\x85\xb6\xf3\xc1\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff',
  '\xff\xff\x00\x00\x00\x01&\x00\x00\x00\x01\x06hdr\x02\x08hkey\x08hval',
);

/** The main vector again, field by field, so each byte is explained and the paste is checked. */
const VECTOR_ANNOTATED = Uint8Array.from([
  0, 0, 0, 0, 0, 0, 0, 1, // baseOffset 1
  0, 0, 0, 0x40, // batchLength 64
  0, 0, 0, 2, // partitionLeaderEpoch 2
  2, // magic
  0xc8, 0x5c, 0xbd, 0x23, // crc (CRC-32C)
  0, 0, // attributes: no compression, CreateTime, not transactional, not control
  0, 0, 0, 1, // lastOffsetDelta 1
  0, 0, 0x01, 0x5d, 0xff, 0x7c, 0xdd, 0x6c, // baseTimestamp
  0, 0, 0x01, 0x5d, 0xff, 0x7c, 0xde, 0x14, // maxTimestamp
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // producerId -1
  0xff, 0xff, // producerEpoch -1
  0xff, 0xff, 0xff, 0xff, // baseSequence -1
  0, 0, 0, 2, // record count 2
  0x0c, // record 0: length 6 (zig-zag)
  0, // attributes
  0, // timestampDelta 0
  0, // offsetDelta 0
  0x01, // key length -1: null
  0x00, // value length 0: empty, not null
  0x00, // header count 0
  0x0e, // record 1: length 7
  0, // attributes
  0xd0, 0x02, // timestampDelta 168 (zig-zag 336, two varint bytes)
  0x02, // offsetDelta 1
  0x01, // key null
  0x00, // value empty
  0x00, // header count 0
]);

const VECTOR_BASE_TIMESTAMP = 0x0000015dff7cdd6c;
const VECTOR_MAX_TIMESTAMP = 0x0000015dff7cde14;

// The captured batches' header: Kafka's defaults (no producer id, CreateTime) but for these two.
const VECTOR_SPEC: RecordBatchSpec = { ...DEFAULT_BATCH_SPEC, baseOffset: 1, partitionLeaderEpoch: 2 };

const VECTOR_RECORDS: readonly SimpleRecord[] = [
  { timestamp: VECTOR_BASE_TIMESTAMP, key: null, value: new Uint8Array(0), headers: [] },
  { timestamp: VECTOR_MAX_TIMESTAMP, key: null, value: new Uint8Array(0), headers: [] },
];

describe('known vector: a v2 batch written by a Kafka 0.11 broker (kafka-python test_records.py)', () => {
  it('the pasted bytes are the annotated layout', () => {
    expect(hex(KAFKA_PYTHON_BATCH_2)).toBe(hex(VECTOR_ANNOTATED));
    expect(KAFKA_PYTHON_BATCH_2.length).toBe(LOG_OVERHEAD + 0x40);
    expect(VECTOR_MAX_TIMESTAMP - VECTOR_BASE_TIMESTAMP).toBe(168);
  });

  it('buildRecordBatch with the vector fields writes exactly those bytes', () => {
    expect(hex(buildRecordBatch(VECTOR_SPEC, VECTOR_RECORDS))).toBe(hex(KAFKA_PYTHON_BATCH_2));
  });

  it('the CRC field is the CRC-32C of attributes..end and matches the vector', () => {
    expect(view(KAFKA_PYTHON_BATCH_2).getUint32(AT.crc)).toBe(0xc85cbd23);
    expect(crc32c(KAFKA_PYTHON_BATCH_2, AT.attributes)).toBe(0xc85cbd23);
    expect(parseRecordBatch(KAFKA_PYTHON_BATCH_2).crc).toBe(0xc85cbd23);
  });

  it('readRecordBatch parses every header field', () => {
    const batch = batchOf(readRecordBatch(KAFKA_PYTHON_BATCH_2, 0));
    expect({ ...batch, bytes: hex(batch.bytes) }).toEqual({
      bytes: hex(KAFKA_PYTHON_BATCH_2),
      baseOffset: 1,
      lastOffset: 2,
      partitionLeaderEpoch: 2,
      crc: 0xc85cbd23,
      compression: 0,
      timestampType: 'CreateTime',
      isTransactional: false,
      isControl: false,
      lastOffsetDelta: 1,
      baseTimestamp: VECTOR_BASE_TIMESTAMP,
      maxTimestamp: VECTOR_MAX_TIMESTAMP,
      producerId: -1,
      producerEpoch: -1,
      baseSequence: -1,
      recordCount: 2,
    });
    expect(parseRecordBatch(KAFKA_PYTHON_BATCH_2)).toEqual(batch);
  });

  it('decodeRecords gives the two records: null keys, empty (not null) values, offsets 1 and 2', () => {
    expect(recordsOf(parseRecordBatch(KAFKA_PYTHON_BATCH_2))).toEqual([
      { offset: 1, timestamp: VECTOR_BASE_TIMESTAMP, key: null, value: new Uint8Array(0), headers: [], sequence: NO_SEQUENCE },
      { offset: 2, timestamp: VECTOR_MAX_TIMESTAMP, key: null, value: new Uint8Array(0), headers: [], sequence: NO_SEQUENCE },
    ]);
  });

  it('the header batch of the same list builds, parses and decodes exactly (header encoding)', () => {
    const timestamp = 0x0000016585b6f3c1;
    const spec: RecordBatchSpec = { ...DEFAULT_BATCH_SPEC, baseOffset: 0, partitionLeaderEpoch: 0 };
    const record: SimpleRecord = { timestamp, key: null, value: UTF8.encode('hdr'), headers: [{ key: 'hkey', value: UTF8.encode('hval') }] };
    expect(hex(buildRecordBatch(spec, [record]))).toBe(hex(KAFKA_PYTHON_BATCH_4));
    const batch = parseRecordBatch(KAFKA_PYTHON_BATCH_4);
    expect(batch.crc).toBe(0x5cd8ef52);
    expect(crc32c(KAFKA_PYTHON_BATCH_4, AT.attributes)).toBe(0x5cd8ef52);
    expect([batch.baseOffset, batch.partitionLeaderEpoch, batch.recordCount, batch.baseTimestamp, batch.maxTimestamp]).toEqual([0, 0, 1, timestamp, timestamp]);
    expect(recordsOf(batch)).toEqual([{ ...record, offset: 0, sequence: NO_SEQUENCE }]);
  });

  it('the whole list read as a log, as test_memory_records_v2 does: 299 valid bytes of 303', () => {
    const batches = [KAFKA_PYTHON_BATCH_1, KAFKA_PYTHON_BATCH_2, KAFKA_PYTHON_BATCH_3, KAFKA_PYTHON_BATCH_4];
    const log = new Uint8Array(batches.reduce((sum, bytes) => sum + bytes.length, 0) + 4);
    let offset = 0;
    for (const bytes of batches) {
      log.set(bytes, offset);
      offset += bytes.length;
    }
    expect(log.length).toBe(303);
    const values: string[] = [];
    let position = 0;
    for (;;) {
      const result = readRecordBatch(log, position);
      if (result.type !== 'batch') {
        // The four trailing zero bytes are fewer than a batch needs to start.
        expect(result.type).toBe('truncated');
        break;
      }
      for (const record of recordsOf(result.batch)) values.push(new TextDecoder().decode(record.value ?? new Uint8Array(0)));
      position += result.batch.bytes.length;
    }
    expect(position).toBe(299);
    expect(values).toEqual(['123', '', '', '123', 'hdr']);
    expect(recordsOf(parseRecordBatch(KAFKA_PYTHON_BATCH_1))[0]?.timestamp).toBe(1503229838908);
  });
});

// Source: IBM/sarama, record_test.go, `recordBatchTestCases`, cases "uncompressed record" and
// "gzipped record". Sarama's own encoder wrote them, so they are read here but not rebuilt: their
// maxTimestamp of 0 below a later record is not what Kafka's builder writes. They add what the
// broker capture lacks: a non-null key and header bytes, and a compressed batch.
/** The 61-byte header both sarama cases share but for length, CRC and attributes. */
function saramaHeader(length: number, crc: readonly number[], attributes: number): number[] {
  return [
    ...[0, 0, 0, 0, 0, 0, 0, 0], // First Offset
    ...[0, 0, 0, length], // Length
    ...[0, 0, 0, 0], // Partition Leader Epoch
    2, // Version
    ...crc, // CRC
    ...[0, attributes], // Attributes
    ...[0, 0, 0, 0], // Last Offset Delta
    ...[0, 0, 1, 88, 141, 205, 89, 56], // First Timestamp
    ...[0, 0, 0, 0, 0, 0, 0, 0], // Max Timestamp
    ...[0, 0, 0, 0, 0, 0, 0, 0], // Producer ID
    ...[0, 0], // Producer Epoch
    ...[0, 0, 0, 0], // First Sequence
    ...[0, 0, 0, 1], // Number of Records
  ];
}
const SARAMA_UNCOMPRESSED = Uint8Array.from([
  ...saramaHeader(70, [84, 121, 97, 253], 0),
  40, // Record Length
  0, // Attributes
  10, // Timestamp Delta
  0, // Offset Delta
  8, // Key Length
  ...[1, 2, 3, 4],
  6, // Value Length
  ...[5, 6, 7],
  2, // Number of Headers
  6, // Header Key Length
  ...[8, 9, 10], // Header Key
  4, // Header Value Length
  ...[11, 12], // Header Value
]);
const SARAMA_GZIPPED = Uint8Array.from([
  ...saramaHeader(95, [231, 74, 206, 165], 1),
  ...[31, 139, 8, 0, 0, 9, 110, 136, 0, 255, 0, 21, 0, 234, 255, 40, 0, 10, 0, 8, 1, 2],
  ...[3, 4, 6, 5, 6, 7, 2, 6, 8, 9, 10, 4, 11, 12, 3, 0, 173, 201, 88, 103, 21, 0, 0, 0],
]);

describe('vectors from sarama (read only)', () => {
  it('reads a record with a key, a value and a header', () => {
    const batch = parseRecordBatch(SARAMA_UNCOMPRESSED);
    expect(batch.crc).toBe(0x547961fd);
    expect([batch.baseTimestamp, batch.maxTimestamp, batch.producerId, batch.producerEpoch, batch.baseSequence]).toEqual([1479847795000, 0, 0, 0, 0]);
    expect(recordsOf(batch)).toEqual([
      {
        offset: 0,
        timestamp: 1479847795005,
        key: Uint8Array.from([1, 2, 3, 4]),
        value: Uint8Array.from([5, 6, 7]),
        headers: [{ key: '\b\t\n', value: Uint8Array.from([11, 12]) }],
        sequence: 0,
      },
    ]);
  });

  it('refuses a gzip batch as corrupt (unsupported codec) although its CRC is right', () => {
    expect(crc32c(SARAMA_GZIPPED, AT.attributes)).toBe(view(SARAMA_GZIPPED).getUint32(AT.crc));
    const result = readRecordBatch(SARAMA_GZIPPED, 0);
    expect(result.type).toBe('corrupt');
    expect(result.type === 'corrupt' && result.reason).toMatch(/compression codec 1/);
  });
});

// The same situations as Apache Kafka's DefaultRecordBatchTest (apache/kafka,
// clients/src/test/java/org/apache/kafka/common/record/DefaultRecordBatchTest.java).
describe('cases from Kafka DefaultRecordBatchTest', () => {
  const abc: SimpleRecord[] = ['a', 'b', 'c'].map((key, index) => ({
    timestamp: index + 1,
    key: UTF8.encode(key),
    value: UTF8.encode(String(index + 1)),
    headers: [],
  }));
  const built = buildRecordBatch(DEFAULT_BATCH_SPEC, abc);

  it('buildDefaultRecordBatchWithSequenceWrapAround: sequences wrap from MAX_VALUE to 0', () => {
    const bytes = buildRecordBatch({ ...DEFAULT_BATCH_SPEC, producerId: 23423, producerEpoch: 145, baseSequence: INT32_MAX - 1 }, abc);
    const batch = parseRecordBatch(bytes);
    expect([batch.producerId, batch.producerEpoch, batch.baseSequence]).toEqual([23423, 145, INT32_MAX - 1]);
    expect(recordsOf(batch).map((record) => record.sequence)).toEqual([INT32_MAX - 1, INT32_MAX, 0]);
  });

  it('testInvalidRecordSize: a batch length of 10 is corrupt', () => {
    const bytes = built.slice();
    view(bytes).setInt32(AT.length, 10);
    expect(readRecordBatch(bytes, 0).type).toBe('corrupt');
  });

  it('testInvalidCrc: a lastOffsetDelta rewritten without the CRC is corrupt', () => {
    const bytes = built.slice();
    view(bytes).setInt32(AT.lastOffsetDelta, 23);
    const result = readRecordBatch(bytes, 0);
    expect(result.type).toBe('corrupt');
    expect(result.type === 'corrupt' && result.reason).toMatch(/CRC/);
  });

  it('testInvalidRecordCountTooMany/TooLittle: a count that disagrees with the records is an error', () => {
    for (const count of [2, 5]) {
      const bytes = built.slice();
      view(bytes).setInt32(AT.recordsCount, count);
      expect(typeof decodeRecords(parseRecordBatch(resigned(bytes)))).toBe('string');
    }
  });

  it('a record offset delta past lastOffsetDelta is an error', () => {
    const bytes = built.slice();
    view(bytes).setInt32(AT.lastOffsetDelta, 1);
    expect(decodeRecords(parseRecordBatch(resigned(bytes)))).toMatch(/offset delta 2 past/);
  });

  it('testSetLastOffset/testSetPartitionLeaderEpoch: stamping keeps the batch valid', () => {
    const stamped = stampBatch(built, 498, 500);
    const batch = parseRecordBatch(stamped);
    expect([batch.baseOffset, batch.lastOffset, batch.partitionLeaderEpoch, batch.crc]).toEqual([498, 500, 500, parseRecordBatch(built).crc]);
    expect(recordsOf(batch).map((record) => record.offset)).toEqual([498, 499, 500]);
  });

  it('testSetLogAppendTime: every record reads the append time', () => {
    const batch = parseRecordBatch(withLogAppendTime(built, 15));
    expect([batch.timestampType, batch.maxTimestamp]).toEqual(['LogAppendTime', 15]);
    expect(recordsOf(batch).map((record) => record.timestamp)).toEqual([15, 15, 15]);
  });

  it('parseRecordBatch refuses bytes after the batch', () => {
    const padded = new Uint8Array(built.length + 1);
    padded.set(built);
    expect(() => parseRecordBatch(padded)).toThrow(AssertionError);
  });
});

describe('incrementSequence (DefaultRecordBatch.incrementSequence)', () => {
  it('wraps at Integer.MAX_VALUE to 0', () => {
    expect(incrementSequence(0, 5)).toBe(5);
    expect(incrementSequence(INT32_MAX, 0)).toBe(INT32_MAX);
    expect(incrementSequence(INT32_MAX - 1, 1)).toBe(INT32_MAX);
    expect(incrementSequence(INT32_MAX, 1)).toBe(0);
    expect(incrementSequence(INT32_MAX - 1, 3)).toBe(1);
    expect(incrementSequence(INT32_MAX, INT32_MAX)).toBe(INT32_MAX - 1);
  });

  it('is addition modulo 2^31 for any sequence and increment', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: INT32_MAX }), fc.integer({ min: 0, max: INT32_MAX }), (sequence, increment) => {
        expect(incrementSequence(sequence, increment)).toBe((sequence + increment) % 2 ** 31);
      }),
      { numRuns: 500 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Properties over arbitrary batches.
// ---------------------------------------------------------------------------------------------

const nullableBytes = fc.option(fc.uint8Array({ maxLength: 24 }), { nil: null, freq: 4 });
/** Timestamps from 1970 to about 2109, clustered so that deltas are sometimes small and sometimes huge. */
const timestamp = fc.oneof(
  fc.integer({ min: -100_000, max: 100_000 }).map((delta) => 1_700_000_000_000 + delta),
  fc.bigInt({ min: 0n, max: 2n ** 42n }).map(Number),
);
/** A record may also carry NO_TIMESTAMP (-1), which must not count as a later time than none. */
const recordTimestamp = fc.oneof({ arbitrary: timestamp, weight: 9 }, { arbitrary: fc.constant(-1), weight: 1 });
const headerKey = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 6 }));
const recordArbitrary: fc.Arbitrary<SimpleRecord> = fc.record({
  timestamp: recordTimestamp,
  key: nullableBytes,
  value: nullableBytes,
  headers: fc.array(fc.record({ key: headerKey, value: nullableBytes }), { maxLength: 3 }),
});
const recordsArbitrary = fc.array(recordArbitrary, { minLength: 1, maxLength: 50 });

const specArbitrary: fc.Arbitrary<RecordBatchSpec> = fc
  .record({
    // Leaves room below 2^53 for baseOffset + lastOffsetDelta.
    baseOffset: fc.oneof(fc.nat(1000), fc.bigInt({ min: 0n, max: 2n ** 52n }).map(Number)),
    partitionLeaderEpoch: fc.oneof(fc.constant(NO_PARTITION_LEADER_EPOCH), fc.integer({ min: 0, max: INT32_MAX })),
    timestampType: fc.constantFrom('CreateTime' as const, 'LogAppendTime' as const),
    appendTime: timestamp,
    producerId: fc.oneof(fc.constant(NO_PRODUCER_ID), fc.bigInt({ min: 0n, max: BigInt(Number.MAX_SAFE_INTEGER) }).map(Number)),
    producerEpoch: fc.oneof(fc.constant(NO_PRODUCER_EPOCH), fc.integer({ min: 0, max: 32767 })),
    baseSequence: fc.oneof(fc.constant(NO_SEQUENCE), fc.integer({ min: 0, max: INT32_MAX }), fc.integer({ min: INT32_MAX - 60, max: INT32_MAX })),
    isTransactional: fc.boolean(),
    isControl: fc.boolean(),
  })
  .map(({ appendTime, ...spec }) => (spec.timestampType === 'LogAppendTime' ? { ...spec, logAppendTime: appendTime } : spec));

/** Strictly increasing offset deltas from 0, one per record, and a last delta at or past the last. */
function layoutArbitrary(count: number): fc.Arbitrary<OffsetLayout> {
  return fc.tuple(fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: count, maxLength: count }), fc.nat(1000)).map(([gaps, tail]) => {
    const offsetDeltas: number[] = [];
    let delta = -1;
    for (const [index, gap] of gaps.entries()) {
      delta = index === 0 ? gap - 1 : delta + gap;
      offsetDeltas.push(delta);
    }
    return { offsetDeltas, lastOffsetDelta: Math.max(0, delta) + tail };
  });
}

/** What the records of a batch built from `spec` and `records` must read back as. */
function expectedRecords(spec: RecordBatchSpec, records: readonly SimpleRecord[], offsetDeltas?: readonly number[]): LogRecord[] {
  return records.map((record, index) => {
    const delta = offsetDeltas?.[index] ?? index;
    return {
      offset: spec.baseOffset + delta,
      timestamp: spec.timestampType === 'LogAppendTime' ? (spec.logAppendTime as number) : record.timestamp,
      key: record.key,
      value: record.value,
      headers: record.headers,
      sequence: spec.baseSequence === NO_SEQUENCE ? NO_SEQUENCE : (spec.baseSequence + delta) % 2 ** 31,
    };
  });
}

describe('build -> read -> decode round trips', () => {
  it('every header field and every record comes back exactly', () => {
    fc.assert(
      fc.property(specArbitrary, recordsArbitrary, (spec, records) => {
        const bytes = buildRecordBatch(spec, records);
        const batch = batchOf(readRecordBatch(bytes, 0));
        const createTimes = records.map((record) => record.timestamp);
        expect({ ...batch, bytes: undefined, crc: undefined }).toEqual({
          bytes: undefined,
          crc: undefined,
          baseOffset: spec.baseOffset,
          lastOffset: spec.baseOffset + records.length - 1,
          partitionLeaderEpoch: spec.partitionLeaderEpoch,
          compression: 0,
          timestampType: spec.timestampType,
          isTransactional: spec.isTransactional,
          isControl: spec.isControl,
          lastOffsetDelta: records.length - 1,
          baseTimestamp: createTimes[0],
          maxTimestamp: spec.timestampType === 'LogAppendTime' ? spec.logAppendTime : Math.max(...createTimes),
          producerId: spec.producerId,
          producerEpoch: spec.producerEpoch,
          baseSequence: spec.baseSequence,
          recordCount: records.length,
        });
        expect(batch.bytes).toEqual(bytes);
        expect(view(bytes).getInt32(AT.length)).toBe(bytes.length - LOG_OVERHEAD);
        expect(view(bytes).getInt8(AT.magic)).toBe(2);
        expect(batch.crc).toBe(crc32c(bytes, AT.attributes));
        expect(recordsOf(batch)).toEqual(expectedRecords(spec, records));
      }),
      { numRuns: 150 },
    );
  });

  it('a compacted layout keeps its offsets, sequences and last offset', () => {
    fc.assert(
      fc.property(
        specArbitrary,
        recordsArbitrary.chain((records) => fc.tuple(fc.constant(records), layoutArbitrary(records.length))),
        (spec, [records, layout]) => {
          const batch = parseRecordBatch(buildRecordBatch(spec, records, layout));
          expect(batch.lastOffsetDelta).toBe(layout.lastOffsetDelta);
          expect(batch.lastOffset).toBe(spec.baseOffset + layout.lastOffsetDelta);
          expect(recordsOf(batch)).toEqual(expectedRecords(spec, records, layout.offsetDeltas));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('records that all carry NO_TIMESTAMP give a maxTimestamp of NO_TIMESTAMP', () => {
    // Kafka's MemoryRecordsBuilder starts maxTimestamp at RecordBatch.NO_TIMESTAMP (-1) and raises
    // it only for a later record, so -1 records leave it at -1, not at 0.
    const noTimestamp: SimpleRecord = { timestamp: -1, key: null, value: null, headers: [] };
    const batch = parseRecordBatch(buildRecordBatch(DEFAULT_BATCH_SPEC, [noTimestamp, noTimestamp]));
    expect([batch.baseTimestamp, batch.maxTimestamp]).toEqual([-1, -1]);
    expect(recordsOf(batch).map((record) => record.timestamp)).toEqual([-1, -1]);
  });

  it('a batch emptied by compaction keeps its offset range and has no records', () => {
    const batch = parseRecordBatch(buildRecordBatch({ ...DEFAULT_BATCH_SPEC, baseOffset: 10 }, [], { offsetDeltas: [], lastOffsetDelta: 4 }));
    expect([batch.baseOffset, batch.lastOffset, batch.recordCount, batch.bytes.length]).toEqual([10, 14, 0, RECORD_BATCH_OVERHEAD]);
    expect(recordsOf(batch)).toEqual([]);
  });

  it('reads a batch at any position of a larger buffer, and copies only when asked to', () => {
    fc.assert(
      fc.property(specArbitrary, recordsArbitrary, fc.uint8Array({ maxLength: 30 }), fc.uint8Array({ maxLength: 30 }), (spec, records, before, after) => {
        const bytes = buildRecordBatch(spec, records);
        const data = new Uint8Array(before.length + bytes.length + after.length);
        data.set(before);
        data.set(bytes, before.length);
        data.set(after, before.length + bytes.length);
        const copied = batchOf(readRecordBatch(data, before.length));
        const viewed = batchOf(readRecordBatch(data, before.length, before.length + bytes.length, false));
        expect(copied.bytes).toEqual(bytes);
        expect(viewed.bytes).toEqual(bytes);
        expect(viewed.bytes.buffer).toBe(data.buffer);
        expect(copied.bytes.buffer).not.toBe(data.buffer);
      }),
      { numRuns: 50 },
    );
  });
});

describe('leader rewrites', () => {
  it('stampBatch changes baseOffset and partitionLeaderEpoch only, and the CRC stays valid', () => {
    fc.assert(
      fc.property(
        specArbitrary,
        recordsArbitrary,
        fc.bigInt({ min: 0n, max: 2n ** 52n }).map(Number),
        fc.integer({ min: -1, max: INT32_MAX }),
        (spec, records, baseOffset, epoch) => {
          const bytes = buildRecordBatch(spec, records);
          const original = bytes.slice();
          const stamped = stampBatch(bytes, baseOffset, epoch);
          expect(bytes).toEqual(original);
          // Only the two fields outside the CRC differ.
          expect(stamped.subarray(8, 12)).toEqual(bytes.subarray(8, 12));
          expect(stamped.subarray(AT.magic)).toEqual(bytes.subarray(AT.magic));
          const batch = batchOf(readRecordBatch(stamped, 0));
          expect([batch.baseOffset, batch.partitionLeaderEpoch, batch.crc]).toEqual([baseOffset, epoch, parseRecordBatch(bytes).crc]);
          expect(recordsOf(batch)).toEqual(expectedRecords({ ...spec, baseOffset }, records));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('withLogAppendTime sets the type and maxTimestamp and recomputes the CRC', () => {
    fc.assert(
      fc.property(specArbitrary, recordsArbitrary, timestamp, (spec, records, appendTime) => {
        const bytes = buildRecordBatch(spec, records);
        const appended = withLogAppendTime(bytes, appendTime);
        const batch = batchOf(readRecordBatch(appended, 0));
        expect([batch.timestampType, batch.maxTimestamp]).toEqual(['LogAppendTime', appendTime]);
        expect(batch.crc).toBe(crc32c(appended, AT.attributes));
        expect(recordsOf(batch)).toEqual(expectedRecords({ ...spec, timestampType: 'LogAppendTime', logAppendTime: appendTime }, records));
        // Nothing but attributes, maxTimestamp and the CRC moved.
        const unchanged = (bytes_: Uint8Array): Uint8Array => {
          const copy = bytes_.slice();
          copy.fill(0, AT.crc, AT.crc + 4);
          copy.fill(0, AT.attributes, AT.attributes + 2);
          copy.fill(0, AT.maxTimestamp, AT.maxTimestamp + 8);
          return copy;
        };
        expect(unchanged(appended)).toEqual(unchanged(bytes));
        // Without the recomputed CRC the same bytes would be refused, so the recomputation matters.
        if (crc32c(appended, AT.attributes) !== crc32c(bytes, AT.attributes)) {
          const stale = appended.slice();
          stale.set(bytes.subarray(AT.crc, AT.crc + 4), AT.crc);
          expect(readRecordBatch(stale, 0).type).toBe('corrupt');
        }
      }),
      { numRuns: 60 },
    );
  });

  it('restampBatch gives the header that parsing its bytes gives', () => {
    fc.assert(
      fc.property(
        specArbitrary,
        recordsArbitrary,
        fc.bigInt({ min: 0n, max: 2n ** 52n }).map(Number),
        fc.integer({ min: 0, max: INT32_MAX }),
        fc.option(timestamp, { nil: undefined }),
        (spec, records, baseOffset, epoch, appendTime) => {
          const restamped = restampBatch(parseRecordBatch(buildRecordBatch(spec, records)), baseOffset, epoch, appendTime);
          expect(restamped).toEqual(parseRecordBatch(restamped.bytes));
        },
      ),
      { numRuns: 60 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Damage: bit flips, truncation, random bytes.
// ---------------------------------------------------------------------------------------------

function flipped(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = bytes.slice();
  copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
  return copy;
}

/**
 * Checks one bit flip. From the magic byte on, everything is under the magic check or the CRC,
 * so the batch must be refused. The first 16 bytes are outside the CRC in Kafka's format: a flip
 * there may still read, but only with the records unchanged, and a changed length never reads.
 */
function checkBitFlip(bytes: Uint8Array, bit: number): void {
  const original = parseRecordBatch(bytes);
  const damaged = flipped(bytes, bit);
  const byte = bit >> 3;
  const result = readRecordBatch(damaged, 0);
  if (byte >= AT.magic) {
    expect(result.type, `bit ${bit}`).toBe('corrupt');
    return;
  }
  if (byte >= AT.length && byte < AT.partitionLeaderEpoch) {
    expect(['truncated', 'corrupt'], `bit ${bit}`).toContain(result.type);
    return;
  }
  if (result.type !== 'batch') {
    // A base offset made negative or larger than 2^53 is refused.
    expect(byte < AT.length && result.type === 'corrupt', `bit ${bit}: ${result.type}`).toBe(true);
    return;
  }
  const shift = result.batch.baseOffset - original.baseOffset;
  expect(result.batch.partitionLeaderEpoch !== original.partitionLeaderEpoch || shift !== 0, `bit ${bit}`).toBe(true);
  expect(recordsOf(result.batch)).toEqual(recordsOf(original).map((record) => ({ ...record, offset: record.offset + shift })));
}

describe('corruption is always caught', () => {
  it('every single-bit flip of the known vector', () => {
    for (let bit = 0; bit < KAFKA_PYTHON_BATCH_2.length * 8; bit++) checkBitFlip(KAFKA_PYTHON_BATCH_2, bit);
  });

  it('a single-bit flip anywhere in an arbitrary batch', () => {
    fc.assert(
      fc.property(specArbitrary, recordsArbitrary, fc.nat(), (spec, records, bitSeed) => {
        const bytes = buildRecordBatch(spec, records);
        checkBitFlip(bytes, bitSeed % (bytes.length * 8));
      }),
      { numRuns: 300 },
    );
  });

  it('a flip past the magic byte is caught for every bit, even in the last record', () => {
    fc.assert(
      fc.property(specArbitrary, recordsArbitrary, fc.nat(), (spec, records, bitSeed) => {
        const bytes = buildRecordBatch(spec, records);
        const tail = (bytes.length - AT.magic) * 8;
        const bit = AT.magic * 8 + (bitSeed % tail);
        expect(readRecordBatch(flipped(bytes, bit), 0).type).toBe('corrupt');
      }),
      { numRuns: 300 },
    );
  });

  it('a batch cut at any length is truncated, whether by the array or by `end`', () => {
    for (let cut = 0; cut < KAFKA_PYTHON_BATCH_2.length; cut++) {
      expect(readRecordBatch(KAFKA_PYTHON_BATCH_2.slice(0, cut), 0).type, `cut ${cut}`).toBe('truncated');
    }
    fc.assert(
      fc.property(specArbitrary, recordsArbitrary, fc.nat(), (spec, records, cutSeed) => {
        const bytes = buildRecordBatch(spec, records);
        const cut = cutSeed % bytes.length;
        expect(readRecordBatch(bytes.slice(0, cut), 0).type).toBe('truncated');
        expect(readRecordBatch(bytes, 0, cut).type).toBe('truncated');
      }),
      { numRuns: 200 },
    );
  });

  it('random bytes never throw and never read as a batch with a wrong CRC', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.nat(), (data, positionSeed) => {
        const position = positionSeed % (data.length + 1);
        const result = readRecordBatch(data, position);
        expect(['batch', 'truncated', 'corrupt']).toContain(result.type);
        if (result.type === 'batch') expect(result.batch.crc).toBe(crc32c(result.batch.bytes, AT.attributes));
      }),
      { numRuns: 500 },
    );
  });

  it('random bytes with a plausible length, magic and a valid CRC never throw, in the header or the records', () => {
    // Random bytes almost never pass the length, magic and CRC checks, so this builds bytes that do
    // and lets the header fields and the record area be anything.
    fc.assert(
      fc.property(fc.uint8Array({ minLength: RECORD_BATCH_OVERHEAD, maxLength: 200 }), fc.boolean(), fc.integer({ min: 0, max: 4 }), (data, plausibleHeader, count) => {
        const bytes = data.slice();
        const dataView = view(bytes);
        dataView.setInt32(AT.length, bytes.length - LOG_OVERHEAD);
        dataView.setInt8(AT.magic, 2);
        if (plausibleHeader) {
          // Give decodeRecords a chance: a valid base offset, no compression, a small count.
          dataView.setBigInt64(0, 0n);
          dataView.setInt16(AT.attributes, dataView.getInt16(AT.attributes) & 0x38);
          dataView.setInt32(AT.lastOffsetDelta, 1000);
          dataView.setBigInt64(27, 0n);
          dataView.setInt32(AT.recordsCount, count);
        }
        const result = readRecordBatch(resigned(bytes), 0);
        expect(['batch', 'corrupt']).toContain(result.type);
        if (result.type === 'batch') {
          const records = decodeRecords(result.batch);
          if (typeof records !== 'string') expect(records).toHaveLength(result.batch.recordCount);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('flipEscapesBatchCrc (which flipped bits Kafka cannot see)', () => {
  const record = (value: string): SimpleRecord => ({ timestamp: 1, key: null, value: new TextEncoder().encode(value), headers: [] });
  const first = buildRecordBatch({ ...DEFAULT_BATCH_SPEC, baseOffset: 0, partitionLeaderEpoch: 3 }, [record('a'), record('b')]);
  const second = buildRecordBatch({ ...DEFAULT_BATCH_SPEC, baseOffset: 2, partitionLeaderEpoch: 4 }, [record('c')]);
  const two = new Uint8Array([...first, ...second]);

  it('says a flip in the base offset or the partition leader epoch escapes, in either batch', () => {
    for (const start of [0, first.length]) {
      for (const index of [0, 7, 12, 15]) expect(flipEscapesBatchCrc(two, start + index)).toBe(true);
    }
  });

  it('says a flip the CRC or the batch structure catches does not escape', () => {
    for (const start of [0, first.length]) {
      // length, magic, the CRC itself, attributes, the records.
      for (const index of [8, 11, 16, 17, 20, 21, 40]) expect(flipEscapesBatchCrc(two, start + index)).toBe(false);
    }
    expect(flipEscapesBatchCrc(two, two.length - 1)).toBe(false);
  });

  it('never calls a flip caught that readRecordBatch would let through (it may err the other way)', () => {
    for (let index = 0; index < first.length; index++) {
      for (let bit = 0; bit < 8; bit++) {
        const flipped = first.slice();
        flipped[index] = (flipped[index] as number) ^ (1 << bit);
        if (!flipEscapesBatchCrc(first, index)) expect(readRecordBatch(flipped, 0, flipped.length).type).not.toBe('batch');
      }
    }
  });

  it('is cautious where the bytes do not parse as batches', () => {
    const garbage = new Uint8Array(40).fill(0xff);
    expect(flipEscapesBatchCrc(garbage, 30)).toBe(true);
    expect(flipEscapesBatchCrc(first.slice(0, 10), 9)).toBe(true);
  });
});

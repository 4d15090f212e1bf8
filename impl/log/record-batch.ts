import { assert, fail } from '../common/assert.ts';
import { crc32c } from '../common/crc32c.ts';
import { ByteReader, ByteWriter, MalformedInput } from './byte-codec.ts';

/**
 * Kafka's RecordBatch, magic v2 (KIP-98), byte for byte as `DefaultRecordBatch` lays it out. The
 * same bytes sit in refka's segment files and could go over the wire to a real client unchanged.
 *
 * ```
 * baseOffset: int64            0   \ LOG_OVERHEAD: not covered by the CRC, rewritten by the leader
 * batchLength: int32           8   /  (bytes after this field)
 * partitionLeaderEpoch: int32 12   not covered by the CRC, stamped by the leader
 * magic: int8 (= 2)           16
 * crc: uint32 (CRC-32C)       17   over attributes .. end of the batch
 * attributes: int16           21   bits 0-2 compression, 3 timestamp type, 4 transactional, 5 control
 * lastOffsetDelta: int32      23
 * baseTimestamp: int64        27
 * maxTimestamp: int64         35
 * producerId: int64           43
 * producerEpoch: int16        51
 * baseSequence: int32         53
 * records: [Record]           57   int32 count, then the records
 * ```
 *
 * Each record: `length: varint, attributes: int8, timestampDelta: varlong, offsetDelta: varint,
 * keyLength: varint, key, valueLength: varint, value, headersCount: varint, headers` where a
 * header is `keyLength: varint, key (UTF-8), valueLength: varint, value`; a length of -1 is null.
 *
 * refka writes uncompressed batches only; a batch whose attributes name a compression codec is
 * read as unsupported rather than misread.
 */

export const MAGIC_V2 = 2;
/** baseOffset + batchLength: the part of every batch before the length-counted bytes. */
export const LOG_OVERHEAD = 12;
/** The fixed header of a v2 batch (Kafka's `RECORD_BATCH_OVERHEAD`). */
export const RECORD_BATCH_OVERHEAD = 61;
export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;

const OFFSETS = {
  baseOffset: 0,
  length: 8,
  partitionLeaderEpoch: 12,
  magic: 16,
  crc: 17,
  attributes: 21,
  lastOffsetDelta: 23,
  baseTimestamp: 27,
  maxTimestamp: 35,
  producerId: 43,
  producerEpoch: 51,
  baseSequence: 53,
  recordsCount: 57,
  records: 61,
} as const;

/**
 * Whether a bit flipped at `bytes[index]`, where `bytes` start at a batch boundary, lies in a
 * field that neither the batch's CRC-32C nor any structural check can catch: the base offset
 * or the partition leader epoch. Kafka's CRC covers a batch from its attributes on, so that a
 * leader can stamp its epoch without recomputing it; a flipped epoch is then simply believed. A
 * flipped length, magic or CRC field breaks the batch's structure or checksum and is caught.
 * When the walk from the start cannot reach `index` (the bytes do not parse as batches), the flip
 * is taken to escape, the cautious answer.
 */
export function flipEscapesBatchCrc(bytes: Uint8Array, index: number): boolean {
  assert(index >= 0 && index < bytes.length, `flipped byte ${index} outside ${bytes.length} bytes`);
  let at = 0;
  // Each step passes one whole batch, so the walk ends within bytes.length / LOG_OVERHEAD steps.
  while (at <= index) {
    const inHeader = index - at;
    if (inHeader < OFFSETS.length) return true;
    if (inHeader >= OFFSETS.partitionLeaderEpoch && inHeader < OFFSETS.magic) return true;
    if (at + LOG_OVERHEAD > bytes.length) return true;
    const length = new DataView(bytes.buffer, bytes.byteOffset + at + OFFSETS.length, 4).getInt32(0);
    if (length < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) return true;
    const end = at + LOG_OVERHEAD + length;
    if (index < end) return false;
    at = end;
  }
  return true;
}

const COMPRESSION_MASK = 0x07;
const TIMESTAMP_TYPE_MASK = 0x08;
const TRANSACTIONAL_FLAG = 0x10;
const CONTROL_FLAG = 0x20;

export type TimestampType = 'CreateTime' | 'LogAppendTime';

const UTF8_ENCODER = new TextEncoder();
const UTF8_DECODER = new TextDecoder('utf-8', { fatal: true });

export interface RecordHeader {
  readonly key: string;
  readonly value: Uint8Array | null;
}

/** A record as a producer hands it over: no offset yet. */
export interface SimpleRecord {
  readonly timestamp: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: readonly RecordHeader[];
}

/** A record read back from a batch, with its absolute offset and (for idempotent batches) sequence. */
export interface LogRecord extends SimpleRecord {
  readonly offset: number;
  /** baseSequence + offsetDelta, or {@link NO_SEQUENCE}. */
  readonly sequence: number;
}

/** What a batch is built with; the leader later rewrites baseOffset and partitionLeaderEpoch. */
export interface RecordBatchSpec {
  readonly baseOffset: number;
  readonly partitionLeaderEpoch: number;
  readonly timestampType: TimestampType;
  /** For LogAppendTime: the broker's time, which becomes maxTimestamp. */
  readonly logAppendTime?: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly isTransactional: boolean;
  readonly isControl: boolean;
}

export const DEFAULT_BATCH_SPEC: RecordBatchSpec = {
  baseOffset: 0,
  partitionLeaderEpoch: NO_PARTITION_LEADER_EPOCH,
  timestampType: 'CreateTime',
  producerId: NO_PRODUCER_ID,
  producerEpoch: NO_PRODUCER_EPOCH,
  baseSequence: NO_SEQUENCE,
  isTransactional: false,
  isControl: false,
};

/** A validated v2 batch: its exact bytes and its parsed header. */
export interface RecordBatch {
  readonly bytes: Uint8Array;
  readonly baseOffset: number;
  /** baseOffset + lastOffsetDelta. */
  readonly lastOffset: number;
  readonly partitionLeaderEpoch: number;
  readonly crc: number;
  readonly compression: number;
  readonly timestampType: TimestampType;
  readonly isTransactional: boolean;
  readonly isControl: boolean;
  readonly lastOffsetDelta: number;
  readonly baseTimestamp: number;
  readonly maxTimestamp: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly recordCount: number;
}

/**
 * Offsets inside a batch when they are not simply 0, 1, 2...: the log cleaner rewrites a batch with
 * only its retained records, which keep their offsets, and keeps the batch's last offset so the
 * batch still covers the same range (Kafka's `MemoryRecords.filterTo`).
 */
export interface OffsetLayout {
  /** One per record, strictly increasing, from 0. */
  readonly offsetDeltas: readonly number[];
  /** At least the last offset delta. */
  readonly lastOffsetDelta: number;
}

/** Builds one uncompressed v2 batch (Kafka's `MemoryRecordsBuilder` with `CompressionType.NONE`). */
export function buildRecordBatch(spec: RecordBatchSpec, records: readonly SimpleRecord[], layout?: OffsetLayout): Uint8Array {
  assert(records.length > 0 || spec.isControl || layout !== undefined, 'a data batch needs at least one record');
  if (layout !== undefined) {
    assert(layout.offsetDeltas.length === records.length, 'one offset delta per record');
    let previous = -1;
    for (const delta of layout.offsetDeltas) {
      assert(Number.isInteger(delta) && delta > previous, `offset deltas must increase, got ${delta} after ${previous}`);
      previous = delta;
    }
    assert(layout.lastOffsetDelta >= previous && layout.lastOffsetDelta >= 0, `last offset delta ${layout.lastOffsetDelta} below ${previous}`);
  }
  assert(spec.timestampType === 'CreateTime' || spec.logAppendTime !== undefined, 'a LogAppendTime batch needs the append time');
  const baseTimestamp = records[0]?.timestamp ?? spec.logAppendTime ?? 0;
  let maxCreateTime = -1;
  for (const record of records) maxCreateTime = Math.max(maxCreateTime, record.timestamp);
  const maxTimestamp = spec.timestampType === 'LogAppendTime' ? (spec.logAppendTime as number) : maxCreateTime;
  const writer = new ByteWriter(RECORD_BATCH_OVERHEAD + records.length * 64);
  writer.int64(spec.baseOffset);
  writer.int32(0); // batchLength, patched below
  writer.int32(spec.partitionLeaderEpoch);
  writer.int8(MAGIC_V2);
  writer.uint32(0); // crc, patched below
  writer.int16(attributesOf(spec));
  writer.int32(layout === undefined ? records.length - 1 : layout.lastOffsetDelta);
  writer.int64(baseTimestamp);
  writer.int64(maxTimestamp);
  writer.int64(spec.producerId);
  writer.int16(spec.producerEpoch);
  writer.int32(spec.baseSequence);
  writer.int32(records.length);
  for (const [index, record] of records.entries()) writeRecord(writer, record, layout?.offsetDeltas[index] ?? index, baseTimestamp);
  writer.patchInt32(OFFSETS.length, writer.position - LOG_OVERHEAD);
  const bytes = writer.finish();
  new DataView(bytes.buffer).setUint32(OFFSETS.crc, crc32c(bytes, OFFSETS.attributes));
  return bytes;
}

function attributesOf(spec: RecordBatchSpec): number {
  let attributes = 0;
  if (spec.timestampType === 'LogAppendTime') attributes |= TIMESTAMP_TYPE_MASK;
  if (spec.isTransactional) attributes |= TRANSACTIONAL_FLAG;
  if (spec.isControl) attributes |= CONTROL_FLAG;
  return attributes;
}

function writeRecord(writer: ByteWriter, record: SimpleRecord, offsetDelta: number, baseTimestamp: number): void {
  const body = new ByteWriter(64);
  body.int8(0); // record attributes: unused
  body.varlong(record.timestamp - baseTimestamp);
  body.varint(offsetDelta);
  writeNullableBytes(body, record.key);
  writeNullableBytes(body, record.value);
  body.varint(record.headers.length);
  for (const header of record.headers) {
    const key = UTF8_ENCODER.encode(header.key);
    body.varint(key.length);
    body.bytes(key);
    writeNullableBytes(body, header.value);
  }
  const encoded = body.finish();
  writer.varint(encoded.length);
  writer.bytes(encoded);
}

function writeNullableBytes(writer: ByteWriter, data: Uint8Array | null): void {
  if (data === null) {
    writer.varint(-1);
    return;
  }
  writer.varint(data.length);
  writer.bytes(data);
}

/** What reading a batch at a position found. */
export type BatchReadResult =
  | { readonly type: 'batch'; readonly batch: RecordBatch }
  /** Fewer bytes than the header or the length field promises: the end of a torn write. */
  | { readonly type: 'truncated'; readonly reason: string }
  /** The bytes are there and wrong: bad magic, impossible length, CRC mismatch. */
  | { readonly type: 'corrupt'; readonly reason: string };

/**
 * Reads and validates the batch at `position` of `data` (which ends at `end`): length, magic and
 * CRC-32C, as `LogSegment.recover` and the fetch path do. Never throws on bad bytes.
 */
export function readRecordBatch(data: Uint8Array, position: number, end: number = data.length, copy = true): BatchReadResult {
  if (!(position >= 0 && position <= end && end <= data.length)) fail(`batch read at ${position}..${end} outside ${data.length} bytes`);
  const available = end - position;
  if (available < LOG_OVERHEAD) return { type: 'truncated', reason: `${available} bytes left, a batch needs ${LOG_OVERHEAD} to start` };
  const view = new DataView(data.buffer, data.byteOffset + position, available);
  const batchLength = view.getInt32(OFFSETS.length);
  const size = batchLength + LOG_OVERHEAD;
  if (size < RECORD_BATCH_OVERHEAD) return { type: 'corrupt', reason: `batch length ${batchLength} is below the v2 header size` };
  if (available < size) return { type: 'truncated', reason: `batch of ${size} bytes with only ${available} left` };
  const magic = view.getInt8(OFFSETS.magic);
  if (magic !== MAGIC_V2) return { type: 'corrupt', reason: `magic ${magic}, expected ${MAGIC_V2}` };
  const storedCrc = view.getUint32(OFFSETS.crc);
  const computedCrc = crc32c(data, position + OFFSETS.attributes, position + size);
  if (storedCrc !== computedCrc) {
    return { type: 'corrupt', reason: `CRC-32C mismatch: stored ${hex32(storedCrc)}, computed ${hex32(computedCrc)}` };
  }
  try {
    const reader = new ByteReader(data, position, position + size);
    const baseOffset = reader.int64();
    reader.int32();
    const partitionLeaderEpoch = reader.int32();
    reader.int8();
    const crc = reader.uint32();
    const attributes = reader.int16();
    const lastOffsetDelta = reader.int32();
    const baseTimestamp = reader.int64();
    const maxTimestamp = reader.int64();
    const producerId = reader.int64();
    const producerEpoch = reader.int16();
    const baseSequence = reader.int32();
    const recordCount = reader.int32();
    const compression = attributes & COMPRESSION_MASK;
    if (baseOffset < 0) return { type: 'corrupt', reason: `negative base offset ${baseOffset}` };
    if (lastOffsetDelta < 0) return { type: 'corrupt', reason: `negative last offset delta ${lastOffsetDelta}` };
    if (recordCount < 0) return { type: 'corrupt', reason: `negative record count ${recordCount}` };
    if (compression !== 0) return { type: 'corrupt', reason: `compression codec ${compression} is not supported by refka` };
    return {
      type: 'batch',
      batch: {
        // A view when the caller owns `data` outright (a private read buffer), else a copy.
        bytes: copy ? data.slice(position, position + size) : data.subarray(position, position + size),
        baseOffset,
        lastOffset: baseOffset + lastOffsetDelta,
        partitionLeaderEpoch,
        crc,
        compression,
        timestampType: (attributes & TIMESTAMP_TYPE_MASK) !== 0 ? 'LogAppendTime' : 'CreateTime',
        isTransactional: (attributes & TRANSACTIONAL_FLAG) !== 0,
        isControl: (attributes & CONTROL_FLAG) !== 0,
        lastOffsetDelta,
        baseTimestamp,
        maxTimestamp,
        producerId,
        producerEpoch,
        baseSequence,
        recordCount,
      },
    };
  } catch (error) {
    if (error instanceof MalformedInput) return { type: 'corrupt', reason: error.message };
    throw error;
  }
}

/** Parses one batch that must be whole and valid (bytes the caller built or already validated). */
export function parseRecordBatch(bytes: Uint8Array): RecordBatch {
  const result = readRecordBatch(bytes, 0, bytes.length);
  assert(result.type === 'batch', `not a valid batch: ${result.type === 'batch' ? '' : result.reason}`);
  assert(result.batch.bytes.length === bytes.length, `${bytes.length - result.batch.bytes.length} bytes after the batch`);
  return result.batch;
}

/** The records of a validated batch; an error string if they do not match the header. */
export function decodeRecords(batch: RecordBatch): LogRecord[] | string {
  const records: LogRecord[] = [];
  try {
    const reader = new ByteReader(batch.bytes, OFFSETS.records, batch.bytes.length);
    const decoder = UTF8_DECODER;
    for (let index = 0; index < batch.recordCount; index++) {
      const length = reader.varint();
      if (length < 0 || length > reader.remaining) return `record ${index} has length ${length} with ${reader.remaining} bytes left`;
      const end = reader.position + length;
      reader.int8();
      const timestampDelta = reader.varlong();
      const offsetDelta = reader.varint();
      const key = readNullableBytes(reader);
      const value = readNullableBytes(reader);
      const headerCount = reader.varint();
      if (headerCount < 0) return `record ${index} has ${headerCount} headers`;
      const headers: RecordHeader[] = [];
      for (let header = 0; header < headerCount; header++) {
        const keyLength = reader.varint();
        if (keyLength < 0) return `record ${index} has a header with a null key`;
        const headerKey = decoder.decode(reader.bytes(keyLength));
        headers.push({ key: headerKey, value: readNullableBytes(reader) });
      }
      if (reader.position !== end) return `record ${index} ends at ${reader.position}, its length says ${end}`;
      if (offsetDelta > batch.lastOffsetDelta) return `record ${index} has offset delta ${offsetDelta} past the batch's last ${batch.lastOffsetDelta}`;
      records.push({
        offset: batch.baseOffset + offsetDelta,
        timestamp: batch.timestampType === 'LogAppendTime' ? batch.maxTimestamp : batch.baseTimestamp + timestampDelta,
        key,
        value,
        headers,
        sequence: batch.baseSequence === NO_SEQUENCE ? NO_SEQUENCE : incrementSequence(batch.baseSequence, offsetDelta),
      });
    }
    if (reader.remaining !== 0) return `${reader.remaining} bytes after the last record`;
  } catch (error) {
    if (error instanceof MalformedInput || error instanceof TypeError) return error.message;
    throw error;
  }
  return records;
}

function readNullableBytes(reader: ByteReader): Uint8Array | null {
  const length = reader.varint();
  if (length === -1) return null;
  if (length < 0) throw new MalformedInput(`length ${length}`);
  return reader.bytes(length);
}

/** Kafka's `DefaultRecordBatch.incrementSequence`: sequences wrap at Integer.MAX_VALUE to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > 2_147_483_647 - increment) return increment - (2_147_483_647 - sequence) - 1;
  return sequence + increment;
}

/**
 * A copy of `bytes` with the leader's offsets and epoch stamped in. Neither field is covered by
 * the CRC (Kafka's `setLastOffset` and `setPartitionLeaderEpoch` rewrite them in place), so the
 * CRC stays valid.
 */
export function stampBatch(bytes: Uint8Array, baseOffset: number, partitionLeaderEpoch: number): Uint8Array {
  assert(Number.isSafeInteger(baseOffset) && baseOffset >= 0, `base offset must be a non-negative integer, got ${baseOffset}`);
  const copy = bytes.slice();
  const view = new DataView(copy.buffer);
  view.setBigInt64(OFFSETS.baseOffset, BigInt(baseOffset));
  view.setInt32(OFFSETS.partitionLeaderEpoch, partitionLeaderEpoch);
  return copy;
}

/**
 * A copy of `bytes` with LogAppendTime set: timestamp type bit on and maxTimestamp the broker's
 * time, as `DefaultRecordBatch.setMaxTimestamp` does. Both are under the CRC, which is recomputed.
 */
export function withLogAppendTime(bytes: Uint8Array, appendTime: number): Uint8Array {
  const copy = bytes.slice();
  const view = new DataView(copy.buffer);
  view.setInt16(OFFSETS.attributes, view.getInt16(OFFSETS.attributes) | TIMESTAMP_TYPE_MASK);
  view.setBigInt64(OFFSETS.maxTimestamp, BigInt(appendTime));
  view.setUint32(OFFSETS.crc, crc32c(copy, OFFSETS.attributes));
  return copy;
}

/**
 * The batch as the leader writes it: {@link stampBatch} (and {@link withLogAppendTime}) applied,
 * with the parsed header updated to match instead of parsing the bytes again.
 */
export function restampBatch(batch: RecordBatch, baseOffset: number, partitionLeaderEpoch: number, logAppendTime?: number): RecordBatch {
  let bytes = stampBatch(batch.bytes, baseOffset, partitionLeaderEpoch);
  if (logAppendTime !== undefined) bytes = withLogAppendTime(bytes, logAppendTime);
  return {
    ...batch,
    bytes,
    baseOffset,
    lastOffset: baseOffset + batch.lastOffsetDelta,
    partitionLeaderEpoch,
    ...(logAppendTime === undefined
      ? {}
      : { timestampType: 'LogAppendTime' as const, maxTimestamp: logAppendTime, crc: new DataView(bytes.buffer, bytes.byteOffset).getUint32(OFFSETS.crc) }),
  };
}

function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

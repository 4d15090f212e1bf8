import { assert, assertIntegerInRange, assertNever } from '../common/assert.ts';
import { ByteReader, ByteWriter, MalformedInput } from '../log/byte-codec.ts';
import { readMessage, writeMessage, type MessageData, type MessageSpec } from '../protocol/message-codec.ts';
import {
  GROUP_METADATA_KEY_SPEC,
  GROUP_METADATA_VALUE_SPEC,
  OFFSET_COMMIT_KEY_SPEC,
  OFFSET_COMMIT_VALUE_SPEC,
} from './group-coordinator-record-schemas.ts';

/**
 * The classic-group records of `__consumer_offsets` and their bytes, as Kafka's
 * `CoordinatorRecordSerde` lays them out:
 *
 *     record_key   = [record_type: int16] [key_message]
 *     record_value = [value_version: int16] [value_message]   (null: a tombstone)
 *
 * The record type is the key's "version" (`GroupCoordinatorRecordSerde.apiMessageKeyFor`): 0 and
 * 1 are offset commits, 2 is classic group metadata, 3 and above are KIP-848 consumer groups,
 * share groups and later kinds, which refka does not build. A tombstone (null value) deletes the
 * key when the compacted topic is cleaned, and on replay removes the group or offset.
 */

/** `OffsetCommitKey`: which group committed which partition. */
export interface OffsetCommitKey {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
}

/** `OffsetCommitValue`; fields absent from a version read as their defaults (-1). */
export interface OffsetCommitValue {
  readonly offset: number;
  /** The leader epoch of the last consumed record (KIP-320), -1 when unknown. */
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestamp: number;
  /** Version 1 only: when the offset expires, or -1. */
  readonly expireTimestamp: number;
}

/** `GroupMetadataKey`: the group. */
export interface GroupMetadataKey {
  readonly group: string;
}

/** `GroupMetadataValue.MemberMetadata`: a member as the coordinator stores it. */
export interface MemberMetadata {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  /** -1 in records older than version 1; Kafka's replay then uses the session timeout. */
  readonly rebalanceTimeout: number;
  readonly sessionTimeout: number;
  /** The member's metadata for the group's protocol (the consumer's subscription). */
  readonly subscription: Uint8Array;
  /** What the leader assigned it (the consumer's assignment), opaque to the coordinator. */
  readonly assignment: Uint8Array;
}

/** `GroupMetadataValue`: a classic group after a completed rebalance, or an empty group. */
export interface GroupMetadataValue {
  readonly protocolType: string;
  readonly generation: number;
  readonly protocol: string | null;
  readonly leader: string | null;
  readonly currentStateTimestamp: number;
  readonly members: readonly MemberMetadata[];
}

/** A message and the version it is (or was) written in: Kafka's `ApiMessageAndVersion`. */
export interface ApiMessageAndVersion<T> {
  readonly message: T;
  readonly version: number;
}

/** A record of `__consumer_offsets` that refka understands; `value: null` is a tombstone. */
export type GroupCoordinatorRecord =
  | {
      readonly type: 'OffsetCommit';
      /** 0 or 1: the same key under two record types; Kafka writes 1. */
      readonly recordType: 0 | 1;
      readonly key: OffsetCommitKey;
      readonly value: ApiMessageAndVersion<OffsetCommitValue> | null;
    }
  | {
      readonly type: 'GroupMetadata';
      readonly key: GroupMetadataKey;
      readonly value: ApiMessageAndVersion<GroupMetadataValue> | null;
    };

/** What {@link deserialize} found: a record, a record type refka does not build, or bytes Kafka would refuse. */
export type DeserializeResult =
  | { readonly type: 'record'; readonly record: GroupCoordinatorRecord }
  /** Kafka's loader logs `UnknownRecordTypeException` and skips the record; refka's will too. */
  | { readonly type: 'unknown-record-type'; readonly recordType: number }
  | { readonly type: 'malformed'; readonly reason: string };

export const OFFSET_COMMIT_RECORD_TYPE = 1;
export const GROUP_METADATA_RECORD_TYPE = 2;

/**
 * The value version a Kafka 4.x broker writes for a classic group: 3, the highest non-flexible
 * one (`GroupCoordinatorRecordHelpers.GROUP_METADATA_VALUE_VERSION`; the comment on the older
 * `MetadataVersion.groupMetadataValueVersion` says "serialize with the highest supported
 * non-flexible version until a tagged field is introduced"). Version 4 is readable but unused.
 */
export const GROUP_METADATA_VALUE_VERSION = 3;

/**
 * Kafka's `GroupCoordinatorRecordHelpers.offsetCommitValueVersion`: version 1 when the commit
 * carries an expire timestamp (an OffsetCommit v2-v4 request with a retention time), else 3, the
 * highest non-flexible version, for the same reason as {@link GROUP_METADATA_VALUE_VERSION}.
 */
export function offsetCommitValueVersion(expireTimestampPresent: boolean): number {
  return expireTimestampPresent ? 1 : 3;
}

/** What a commit stores: Kafka's `OffsetAndMetadata`. */
export interface OffsetAndMetadata {
  readonly committedOffset: number;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestampMs: number;
  /** Absent for every client refka runs (OffsetCommit v5+ has no retention time). */
  readonly expireTimestampMs?: number;
}

/** Kafka's `GroupCoordinatorRecordHelpers.newOffsetCommitRecord`. */
export function newOffsetCommitRecord(
  groupId: string,
  topic: string,
  partition: number,
  offsetAndMetadata: OffsetAndMetadata,
): GroupCoordinatorRecord {
  assertIntegerInRange(partition, 0, 2 ** 31 - 1, 'offset commit partition');
  assertIntegerInRange(offsetAndMetadata.committedOffset, -1, Number.MAX_SAFE_INTEGER, 'committed offset');
  const message: OffsetCommitValue = {
    offset: offsetAndMetadata.committedOffset,
    leaderEpoch: offsetAndMetadata.leaderEpoch,
    metadata: offsetAndMetadata.metadata,
    commitTimestamp: offsetAndMetadata.commitTimestampMs,
    expireTimestamp: offsetAndMetadata.expireTimestampMs ?? -1,
  };
  const version = offsetCommitValueVersion(offsetAndMetadata.expireTimestampMs !== undefined);
  return { type: 'OffsetCommit', recordType: 1, key: { group: groupId, topic, partition }, value: { message, version } };
}

/** Kafka's `newOffsetCommitTombstoneRecord`: deletes a committed offset. */
export function newOffsetCommitTombstoneRecord(groupId: string, topic: string, partition: number): GroupCoordinatorRecord {
  assertIntegerInRange(partition, 0, 2 ** 31 - 1, 'offset commit partition');
  return { type: 'OffsetCommit', recordType: 1, key: { group: groupId, topic, partition }, value: null };
}

/** Kafka's `newGroupMetadataRecord` / `newEmptyGroupMetadataRecord`, in version 3. */
export function newGroupMetadataRecord(groupId: string, value: GroupMetadataValue): GroupCoordinatorRecord {
  assertIntegerInRange(value.generation, 0, 2 ** 31 - 1, 'group generation');
  return {
    type: 'GroupMetadata',
    key: { group: groupId },
    value: { message: value, version: GROUP_METADATA_VALUE_VERSION },
  };
}

/** Kafka's `newGroupMetadataTombstoneRecord`: deletes a classic group. */
export function newGroupMetadataTombstoneRecord(groupId: string): GroupCoordinatorRecord {
  return { type: 'GroupMetadata', key: { group: groupId }, value: null };
}

/** The key bytes: the record type, then the key message (`CoordinatorRecordSerde.serializeKey`). */
export function serializeKey(record: GroupCoordinatorRecord): Uint8Array {
  const writer = new ByteWriter(64);
  switch (record.type) {
    case 'OffsetCommit':
      return versionPrefixed(writer, OFFSET_COMMIT_KEY_SPEC, record.recordType, { ...record.key });
    case 'GroupMetadata':
      return versionPrefixed(writer, GROUP_METADATA_KEY_SPEC, GROUP_METADATA_RECORD_TYPE, { ...record.key });
    default:
      return assertNever(record, 'record');
  }
}

/** The value bytes, or null for a tombstone (`CoordinatorRecordSerde.serializeValue`). */
export function serializeValue(record: GroupCoordinatorRecord): Uint8Array | null {
  if (record.value === null) return null;
  const writer = new ByteWriter(256);
  switch (record.type) {
    case 'OffsetCommit':
      return versionPrefixed(writer, OFFSET_COMMIT_VALUE_SPEC, record.value.version, { ...record.value.message });
    case 'GroupMetadata': {
      const { members, ...group } = record.value.message;
      const data: MessageData = { ...group, members: members.map((member) => ({ ...member })) };
      return versionPrefixed(writer, GROUP_METADATA_VALUE_SPEC, record.value.version, data);
    }
    default:
      return assertNever(record, 'record');
  }
}

function versionPrefixed(writer: ByteWriter, spec: MessageSpec, version: number, data: MessageData): Uint8Array {
  assert(writer.position === 0, `${spec.name} must start an empty buffer`);
  writer.int16(version);
  writeMessage(writer, spec, data, version);
  return writer.finish();
}

/**
 * Reads one record of `__consumer_offsets` (`CoordinatorRecordSerde.deserialize`). Like Kafka it
 * reads each message from the front of its buffer and does not require the buffer to end there.
 */
export function deserialize(key: Uint8Array, value: Uint8Array | null): DeserializeResult {
  try {
    const keyReader = new ByteReader(key);
    const recordType = keyReader.int16();
    switch (recordType) {
      case 0:
      case 1:
        return record({
          type: 'OffsetCommit',
          recordType,
          key: toOffsetCommitKey(readMessage(keyReader, OFFSET_COMMIT_KEY_SPEC, recordType)),
          value: readValue(value, OFFSET_COMMIT_VALUE_SPEC, toOffsetCommitValue),
        });
      case GROUP_METADATA_RECORD_TYPE:
        return record({
          type: 'GroupMetadata',
          key: { group: stringField(readMessage(keyReader, GROUP_METADATA_KEY_SPEC, recordType), 'group') },
          value: readValue(value, GROUP_METADATA_VALUE_SPEC, toGroupMetadataValue),
        });
      default:
        return { type: 'unknown-record-type', recordType };
    }
  } catch (error) {
    if (error instanceof MalformedInput) return { type: 'malformed', reason: error.message };
    throw error;
  }
}

function record(value: GroupCoordinatorRecord): DeserializeResult {
  return { type: 'record', record: value };
}

function readValue<T>(bytes: Uint8Array | null, spec: MessageSpec, convert: (data: MessageData) => T): ApiMessageAndVersion<T> | null {
  if (bytes === null) return null;
  const reader = new ByteReader(bytes);
  const version = reader.int16();
  return { message: convert(readMessage(reader, spec, version)), version };
}

function toOffsetCommitKey(data: MessageData): OffsetCommitKey {
  return { group: stringField(data, 'group'), topic: stringField(data, 'topic'), partition: numberField(data, 'partition') };
}

function toOffsetCommitValue(data: MessageData): OffsetCommitValue {
  return {
    offset: numberField(data, 'offset'),
    leaderEpoch: numberField(data, 'leaderEpoch'),
    metadata: stringField(data, 'metadata'),
    commitTimestamp: numberField(data, 'commitTimestamp'),
    expireTimestamp: numberField(data, 'expireTimestamp'),
  };
}

function toGroupMetadataValue(data: MessageData): GroupMetadataValue {
  const members = data['members'];
  assert(Array.isArray(members), 'GroupMetadataValue.members must decode to an array');
  return {
    protocolType: stringField(data, 'protocolType'),
    generation: numberField(data, 'generation'),
    protocol: nullableStringField(data, 'protocol'),
    leader: nullableStringField(data, 'leader'),
    currentStateTimestamp: numberField(data, 'currentStateTimestamp'),
    members: (members as readonly MessageData[]).map((member) => ({
      memberId: stringField(member, 'memberId'),
      groupInstanceId: nullableStringField(member, 'groupInstanceId'),
      clientId: stringField(member, 'clientId'),
      clientHost: stringField(member, 'clientHost'),
      rebalanceTimeout: numberField(member, 'rebalanceTimeout'),
      sessionTimeout: numberField(member, 'sessionTimeout'),
      subscription: bytesField(member, 'subscription'),
      assignment: bytesField(member, 'assignment'),
    })),
  };
}

// The codec produced `data` from the spec, so a field of the wrong type is a bug in refka.
function numberField(data: MessageData, name: string): number {
  const value = data[name];
  assert(typeof value === 'number', `${name} must decode to a number`);
  return value;
}

function stringField(data: MessageData, name: string): string {
  const value = data[name];
  assert(typeof value === 'string', `${name} must decode to a string`);
  return value;
}

function nullableStringField(data: MessageData, name: string): string | null {
  const value = data[name];
  assert(value === null || typeof value === 'string', `${name} must decode to a string or null`);
  return value;
}

function bytesField(data: MessageData, name: string): Uint8Array {
  const value = data[name];
  assert(value instanceof Uint8Array, `${name} must decode to bytes`);
  return value;
}

import { assert, assertIntegerInRange, assertNever } from '../common/assert.ts';
import { ByteReader, ByteWriter, MalformedInput } from '../log/byte-codec.ts';
import { readMessage, writeMessage, type FieldSpec, type MessageData, type MessageSpec } from '../protocol/message-codec.ts';
import {
  compareStrings,
  DEFAULT_GENERATION,
  type AssignorName,
  type AssignorUserData,
  type TopicPartition,
} from './assignors/consumer-partition-assignor.ts';

/**
 * Kafka's consumer protocol (`clients/.../consumer/internals/ConsumerProtocol.java`): the bytes a
 * consumer puts in JoinGroup's protocol metadata (`ConsumerProtocolSubscription`) and the group
 * leader puts in SyncGroup's assignments (`ConsumerProtocolAssignment`). Both are
 * `MessageUtil.toVersionPrefixedByteBuffer`: an int16 version, then the struct, never flexible
 * (`"flexibleVersions": "none"` in both JSON specs). The coordinator stores them without reading
 * them; only members decode them.
 *
 * The specs are transcribed from `clients/src/main/resources/common/message/
 * ConsumerProtocolSubscription.json` and `ConsumerProtocolAssignment.json` (apache/kafka 1eb7644).
 * refka's schema codec (message-codec.ts) has arrays of structs but not arrays of scalars
 * (`[]string`, `[]int32`). In a non-flexible version a struct of one field is written as exactly
 * that field (no tagged-field trailer), so an array of one-field structs has the same bytes as the
 * array of scalars; the specs below use that, and the wrappers unwrap it.
 */

/** `ConsumerProtocolSubscription.HIGHEST_SUPPORTED_VERSION`: what Kafka 3.5+ writes (KIP-881). */
export const CONSUMER_PROTOCOL_SUBSCRIPTION_VERSION = 3;
/** `ConsumerProtocolAssignment.HIGHEST_SUPPORTED_VERSION`. */
export const CONSUMER_PROTOCOL_ASSIGNMENT_VERSION = 3;
const LOWEST_VERSION = 0;
const HIGHEST_VERSION = 3;

/** `[]string` as an array of one-string structs (same bytes when not flexible). */
function stringArray(name: string, versions: string): FieldSpec {
  return { name, versions, type: { structArray: `${name}Element`, fields: [{ name: 'value', type: 'string', versions }] } };
}

/** `[]int32` as an array of one-int32 structs (same bytes when not flexible). */
function int32Array(name: string, versions: string): FieldSpec {
  return { name, versions, type: { structArray: `${name}Element`, fields: [{ name: 'value', type: 'int32', versions }] } };
}

function topicPartitionFields(versions: string): FieldSpec[] {
  return [
    { name: 'topic', type: 'string', versions },
    int32Array('partitions', versions),
  ];
}

export const CONSUMER_PROTOCOL_SUBSCRIPTION_SPEC: MessageSpec = {
  name: 'ConsumerProtocolSubscription',
  validVersions: '0-3',
  flexibleVersions: 'none',
  fields: [
    stringArray('topics', '0+'),
    { name: 'userData', type: 'bytes', versions: '0+', nullableVersions: '0+', default: null },
    // Version 1 (KIP-429): what the member still owns, for the cooperative protocol.
    { name: 'ownedPartitions', versions: '1+', ignorable: true, type: { structArray: 'TopicPartition', fields: topicPartitionFields('1+') } },
    // Version 2 (KIP-792): the generation those partitions were owned in.
    { name: 'generationId', type: 'int32', versions: '2+', default: -1, ignorable: true },
    // Version 3 (KIP-881): the member's rack, for rack-aware assignment.
    { name: 'rackId', type: 'string', versions: '3+', nullableVersions: '3+', default: null, ignorable: true },
  ],
};

export const CONSUMER_PROTOCOL_ASSIGNMENT_SPEC: MessageSpec = {
  name: 'ConsumerProtocolAssignment',
  validVersions: '0-3',
  flexibleVersions: 'none',
  fields: [
    { name: 'assignedPartitions', versions: '0+', type: { structArray: 'TopicPartition', fields: topicPartitionFields('0+') } },
    { name: 'userData', type: 'bytes', versions: '0+', nullableVersions: '0+', default: null },
  ],
};

/** The subscription as it is on the wire (Kafka's `ConsumerProtocolSubscription` data class). */
export interface ConsumerProtocolSubscription {
  readonly topics: readonly string[];
  readonly userData: Uint8Array | null;
  readonly ownedPartitions: readonly TopicPartition[];
  /** -1 when unknown (the JSON default). */
  readonly generationId: number;
  readonly rackId: string | null;
}

/** The assignment as it is on the wire (Kafka's `ConsumerProtocolAssignment` data class). */
export interface ConsumerProtocolAssignment {
  readonly assignedPartitions: readonly TopicPartition[];
  readonly userData: Uint8Array | null;
}

/**
 * `ConsumerProtocol.serializeSubscription`: topics sorted, owned partitions sorted by topic then
 * partition and grouped by topic, rack only when present.
 */
export function serializeSubscription(
  subscription: ConsumerProtocolSubscription,
  version = CONSUMER_PROTOCOL_SUBSCRIPTION_VERSION,
): Uint8Array {
  const checked = checkVersion(version);
  const topics = [...subscription.topics].sort(compareStrings);
  const owned = [...subscription.ownedPartitions].sort((a, b) => compareStrings(a.topic, b.topic) || a.partition - b.partition);
  const data: MessageData = {
    topics: topics.map((value) => ({ value })),
    userData: subscription.userData,
    ownedPartitions: groupConsecutive(owned),
    generationId: subscription.generationId,
    rackId: subscription.rackId,
  };
  return versionPrefixed(CONSUMER_PROTOCOL_SUBSCRIPTION_SPEC, data, checked);
}

/**
 * `ConsumerProtocol.deserializeSubscription`: the version header, then the struct in that
 * version's format (a newer version is read as the newest known one, which only appends fields).
 * Throws {@link MalformedInput} where Kafka throws `SchemaException`.
 */
export function deserializeSubscription(bytes: Uint8Array): ConsumerProtocolSubscription {
  const reader = new ByteReader(bytes);
  const version = readVersion(reader, 'subscription');
  const data = readMessage(reader, CONSUMER_PROTOCOL_SUBSCRIPTION_SPEC, version);
  return {
    topics: structs(data['topics']).map((element) => stringField(element, 'value')),
    userData: bytesField(data['userData']),
    ownedPartitions: flatten(structs(data['ownedPartitions'])),
    generationId: numberField(data['generationId']),
    rackId: nullableString(data['rackId']),
  };
}

/**
 * `ConsumerProtocol.serializeAssignment`: partitions grouped by topic in order of each topic's
 * first appearance (Kafka adds to an insertion-ordered collection keyed by topic).
 */
export function serializeAssignment(
  assignment: ConsumerProtocolAssignment,
  version = CONSUMER_PROTOCOL_ASSIGNMENT_VERSION,
): Uint8Array {
  const checked = checkVersion(version);
  const byTopic = new Map<string, { value: number }[]>();
  for (const { topic, partition } of assignment.assignedPartitions) {
    const partitions = byTopic.get(topic) ?? [];
    partitions.push({ value: partition });
    byTopic.set(topic, partitions);
  }
  const data: MessageData = {
    assignedPartitions: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
    userData: assignment.userData,
  };
  return versionPrefixed(CONSUMER_PROTOCOL_ASSIGNMENT_SPEC, data, checked);
}

/** `ConsumerProtocol.deserializeAssignment`; throws {@link MalformedInput} on bad bytes. */
export function deserializeAssignment(bytes: Uint8Array): ConsumerProtocolAssignment {
  const reader = new ByteReader(bytes);
  const version = readVersion(reader, 'assignment');
  const data = readMessage(reader, CONSUMER_PROTOCOL_ASSIGNMENT_SPEC, version);
  return { assignedPartitions: flatten(structs(data['assignedPartitions'])), userData: bytesField(data['userData']) };
}

// ---------------------------------------------------------------------------------------------
// Assignor user data. These are not generated messages but Kafka's older `Schema`/`Struct` types
// (StickyAssignor.java, CooperativeStickyAssignor.java), with no version header. Their bytes are
// those of a non-flexible struct: STRING is an int16 length, ArrayOf an int32 count, INT32 four
// bytes; so the same codec writes them, with version 0 and 1 standing for the two schemas.

/** `StickyAssignor.STICKY_ASSIGNOR_USER_DATA_V0` (version 0) and `_V1` (version 1, + generation). */
const STICKY_ASSIGNOR_USER_DATA_SPEC: MessageSpec = {
  name: 'StickyAssignorUserData',
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: [
    { name: 'previous_assignment', versions: '0+', type: { structArray: 'TopicAssignment', fields: topicPartitionFields('0+') } },
    { name: 'generation', type: 'int32', versions: '1', default: DEFAULT_GENERATION, ignorable: true },
  ],
};

/** `CooperativeStickyAssignor.COOPERATIVE_STICKY_ASSIGNOR_USER_DATA_V0`. */
const COOPERATIVE_STICKY_ASSIGNOR_USER_DATA_SPEC: MessageSpec = {
  name: 'CooperativeStickyAssignorUserData',
  validVersions: '0',
  flexibleVersions: 'none',
  fields: [{ name: 'generation', type: 'int32', versions: '0' }],
};

/**
 * `subscriptionUserData` as bytes. Sticky with a generation is V1, as Kafka 2.3+ writes it. A
 * sticky shape without a generation is V0 (Kafka 2.2 and older); Kafka today cannot write it (its
 * V1 struct has no default for `generation`). Topics are written in sorted order: Kafka groups
 * them in a HashMap (`CollectionUtils.groupPartitionsByTopic`), whose order the reader ignores.
 */
export function serializeAssignorUserData(userData: AssignorUserData | undefined): Uint8Array | null {
  if (userData === undefined) return null;
  const writer = new ByteWriter(64);
  switch (userData.type) {
    case 'sticky': {
      const sorted = [...userData.previousAssignment].sort((a, b) => compareStrings(a.topic, b.topic));
      const data: MessageData = {
        previous_assignment: groupConsecutive(sorted),
        generation: userData.generation ?? DEFAULT_GENERATION,
      };
      writeMessage(writer, STICKY_ASSIGNOR_USER_DATA_SPEC, data, userData.generation === undefined ? 0 : 1);
      break;
    }
    case 'cooperative-sticky':
      assertIntegerInRange(userData.generation, -(2 ** 31), 2 ** 31 - 1, 'generation');
      writeMessage(writer, COOPERATIVE_STICKY_ASSIGNOR_USER_DATA_SPEC, { generation: userData.generation }, 0);
      break;
    default:
      assertNever(userData, 'assignor user data');
  }
  return writer.finish();
}

/**
 * What the named assignor's `memberData` reads from user data bytes, as refka's structured shape.
 * `range` and `roundrobin` never read user data. `sticky` (StickyAssignor.memberData): null or
 * empty is no user data; else V1, else V0, else (unparseable) nothing owned at
 * DEFAULT_GENERATION. `cooperative-sticky`: null is no user data; four bytes or more are the
 * generation; fewer (Kafka's read throws) is DEFAULT_GENERATION.
 */
export function deserializeAssignorUserData(assignor: AssignorName, bytes: Uint8Array | null): AssignorUserData | undefined {
  switch (assignor) {
    case 'range':
    case 'roundrobin':
      return undefined;
    case 'sticky':
      return bytes === null || bytes.length === 0 ? undefined : readStickyUserData(bytes);
    case 'cooperative-sticky': {
      if (bytes === null) return undefined;
      const generation = tryRead(bytes, COOPERATIVE_STICKY_ASSIGNOR_USER_DATA_SPEC, 0);
      return { type: 'cooperative-sticky', generation: generation === undefined ? DEFAULT_GENERATION : numberField(generation['generation']) };
    }
    default:
      return assertNever(assignor, 'assignor');
  }
}

function readStickyUserData(bytes: Uint8Array): AssignorUserData {
  const v1 = tryRead(bytes, STICKY_ASSIGNOR_USER_DATA_SPEC, 1);
  if (v1 !== undefined) {
    return { type: 'sticky', previousAssignment: flatten(structs(v1['previous_assignment'])), generation: numberField(v1['generation']) };
  }
  const v0 = tryRead(bytes, STICKY_ASSIGNOR_USER_DATA_SPEC, 0);
  if (v0 !== undefined) {
    return { type: 'sticky', previousAssignment: flatten(structs(v0['previous_assignment'])), generation: undefined };
  }
  return { type: 'sticky', previousAssignment: [], generation: DEFAULT_GENERATION };
}

/** Kafka's `Schema.read`: reads what it needs and ignores any bytes after it. */
function tryRead(bytes: Uint8Array, spec: MessageSpec, version: number): MessageData | undefined {
  try {
    return readMessage(new ByteReader(bytes), spec, version);
  } catch (error) {
    if (error instanceof MalformedInput) return undefined;
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------

function checkVersion(version: number): number {
  assert(Number.isSafeInteger(version), `consumer protocol version ${version}`);
  assert(version >= LOWEST_VERSION, `unsupported consumer protocol version ${version}`);
  return Math.min(version, HIGHEST_VERSION);
}

function versionPrefixed(spec: MessageSpec, data: MessageData, version: number): Uint8Array {
  const writer = new ByteWriter(64);
  writer.int16(version);
  writeMessage(writer, spec, data, version);
  return writer.finish();
}

/** `deserializeVersion` and `checkSubscriptionVersion`: below 0 is refused, above 3 read as 3. */
function readVersion(reader: ByteReader, what: string): number {
  if (reader.remaining < 2) throw new MalformedInput(`Buffer underflow while parsing consumer protocol's header (${what})`);
  const version = reader.int16();
  if (version < LOWEST_VERSION) throw new MalformedInput(`Unsupported ${what} version: ${version}`);
  return Math.min(version, HIGHEST_VERSION);
}

/** Sorted-by-topic partitions as `{topic, partitions}` structs, one per run of the same topic. */
function groupConsecutive(partitions: readonly TopicPartition[]): MessageData[] {
  const groups: { topic: string; partitions: { value: number }[] }[] = [];
  for (const { topic, partition } of partitions) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last.topic === topic) last.partitions.push({ value: partition });
    else groups.push({ topic, partitions: [{ value: partition }] });
  }
  return groups;
}

function flatten(groups: readonly MessageData[]): TopicPartition[] {
  const result: TopicPartition[] = [];
  for (const group of groups) {
    const topic = stringField(group, 'topic');
    for (const element of structs(group['partitions'])) result.push({ topic, partition: numberField(element['value']) });
  }
  return result;
}

function structs(value: MessageData[string] | undefined): readonly MessageData[] {
  assert(Array.isArray(value), 'expected an array field');
  return value as readonly MessageData[];
}

function stringField(data: MessageData, name: string): string {
  const value = data[name];
  assert(typeof value === 'string', `${name} must be a string`);
  return value;
}

function numberField(value: MessageData[string] | undefined): number {
  assert(typeof value === 'number', 'expected a number field');
  return value;
}

function nullableString(value: MessageData[string] | undefined): string | null {
  assert(value === null || typeof value === 'string', 'expected a nullable string field');
  return value;
}

function bytesField(value: MessageData[string] | undefined): Uint8Array | null {
  assert(value === null || value instanceof Uint8Array, 'expected a bytes field');
  return value;
}

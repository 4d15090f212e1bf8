import type { MessageSpec } from '../protocol/message-codec.ts';

/**
 * The classic-group records of `__consumer_offsets`, transcribed field for field from Kafka's
 * specs in `group-coordinator/src/main/resources/common/message/` (apache/kafka at 1eb7644,
 * October 2024): `OffsetCommitKey.json`, `OffsetCommitValue.json`, `GroupMetadataKey.json`,
 * `GroupMetadataValue.json`. Names, versions, nullability, defaults and `ignorable` are copied
 * verbatim so that each spec can be held beside its JSON file.
 *
 * Later Kafka (4.x) rewrote the key files as `"type": "coordinator-key"` with an `apiKey` (the
 * record type) and key version 0, and split `OffsetCommitKey` into `LegacyOffsetCommitKey`
 * (apiKey 0) and `OffsetCommitKey` (apiKey 1). The bytes are unchanged: the record type is still
 * the int16 in front of the key, and the key struct is still the same fields, non-flexible.
 */

/**
 * The key of an offset commit. Its "version" is the record type (0 or 1; Kafka writes 1): the two
 * versions have the same fields.
 */
export const OFFSET_COMMIT_KEY_SPEC: MessageSpec = {
  name: 'OffsetCommitKey',
  validVersions: '0-1',
  flexibleVersions: 'none',
  fields: [
    { name: 'group', type: 'string', versions: '0-1' },
    { name: 'topic', type: 'string', versions: '0-1' },
    { name: 'partition', type: 'int32', versions: '0-1' },
  ],
};

/**
 * The value of an offset commit. Version 4 is the first flexible one; per KIP-915 new versions
 * only add tagged fields. `expireTimestamp` exists in version 1 only (per-commit retention, before
 * KIP-211 made retention depend on the group).
 */
export const OFFSET_COMMIT_VALUE_SPEC: MessageSpec = {
  name: 'OffsetCommitValue',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'offset', type: 'int64', versions: '0+' },
    { name: 'leaderEpoch', type: 'int32', versions: '3+', default: -1, ignorable: true },
    { name: 'metadata', type: 'string', versions: '0+' },
    { name: 'commitTimestamp', type: 'int64', versions: '0+' },
    { name: 'expireTimestamp', type: 'int64', versions: '1', default: -1, ignorable: true },
  ],
};

/** The key of a classic group's metadata: record type 2. */
export const GROUP_METADATA_KEY_SPEC: MessageSpec = {
  name: 'GroupMetadataKey',
  validVersions: '2',
  flexibleVersions: 'none',
  fields: [{ name: 'group', type: 'string', versions: '2' }],
};

/** One member inside {@link GROUP_METADATA_VALUE_SPEC} (the JSON's `MemberMetadata` common struct). */
const MEMBER_METADATA_FIELDS: MessageSpec['fields'] = [
  { name: 'memberId', versions: '0+', type: 'string' },
  // KIP-345 static membership.
  { name: 'groupInstanceId', versions: '3+', type: 'string', default: null, nullableVersions: '3+', ignorable: true },
  { name: 'clientId', versions: '0+', type: 'string' },
  { name: 'clientHost', versions: '0+', type: 'string' },
  { name: 'rebalanceTimeout', versions: '1+', type: 'int32', default: -1, ignorable: true },
  { name: 'sessionTimeout', versions: '0+', type: 'int32' },
  { name: 'subscription', versions: '0+', type: 'bytes' },
  { name: 'assignment', versions: '0+', type: 'bytes' },
];

/** A classic group's state: its generation, protocol, leader and members with their assignment. */
export const GROUP_METADATA_VALUE_SPEC: MessageSpec = {
  name: 'GroupMetadataValue',
  validVersions: '0-4',
  flexibleVersions: '4+',
  fields: [
    { name: 'protocolType', versions: '0+', type: 'string' },
    { name: 'generation', versions: '0+', type: 'int32' },
    { name: 'protocol', versions: '0+', type: 'string', nullableVersions: '0+' },
    { name: 'leader', versions: '0+', type: 'string', nullableVersions: '0+' },
    { name: 'currentStateTimestamp', versions: '2+', type: 'int64', default: -1, ignorable: true },
    { name: 'members', versions: '0+', type: { structArray: 'MemberMetadata', fields: MEMBER_METADATA_FIELDS } },
  ],
};

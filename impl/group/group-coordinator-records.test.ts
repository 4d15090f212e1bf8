import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deserialize,
  newGroupMetadataRecord,
  newGroupMetadataTombstoneRecord,
  newOffsetCommitRecord,
  newOffsetCommitTombstoneRecord,
  serializeKey,
  serializeValue,
  type GroupCoordinatorRecord,
  type GroupMetadataValue,
  type MemberMetadata,
  type OffsetCommitValue,
} from './group-coordinator-records.ts';

/**
 * Goal: refka's `__consumer_offsets` records are Kafka's bytes, not merely bytes refka can read
 * back. Method: every vector below was derived by hand from Kafka's JSON specs
 * (group-coordinator/src/main/resources/common/message/*.json) and the generator's wire rules,
 * one line per field with the rule that produced it; no vector was produced by refka's encoder.
 * Then fast-check round-trips arbitrary records at every version, and fuzzes the decoder.
 *
 * Wire rules used (MessageDataGenerator / ByteUtils): integers are big-endian; in non-flexible
 * versions a string is an int16 byte length then UTF-8 (-1 for null), bytes an int32 length
 * (-1 for null), an array an int32 count; in flexible versions each length is an unsigned varint
 * of length + 1 (0 for null) and every struct ends with a tagged-field count (0 here).
 */

/** Bytes from lines of hex pairs, each line one field. */
function hex(...lines: string[]): Uint8Array {
  const pairs = lines.join(' ').split(/\s+/).filter((pair) => pair !== '');
  for (const pair of pairs) expect(pair, 'a hex byte').toMatch(/^[0-9a-f]{2}$/);
  return Uint8Array.from(pairs.map((pair) => parseInt(pair, 16)));
}

const G1 = '00 02 67 31'; // int16 length 2, "g1"
const TS_1700000000000 = '00 00 01 8b cf e5 68 00'; // int64 1700000000000 = 0x18bcfe56800

const OFFSET_COMMIT_KEY_BYTES = hex(
  '00 01', // record type 1: OffsetCommitKey, the type Kafka writes
  G1, // group "g1"
  '00 01 74', // topic: int16 length 1, "t"
  '00 00 00 03', // partition 3
);

/** Version 3: what a Kafka 4.x broker writes for an OffsetCommit without retention. */
const OFFSET_COMMIT_VALUE_V3_BYTES = hex(
  '00 03', // value version 3
  '00 00 00 00 00 00 00 64', // offset 100
  '00 00 00 05', // leaderEpoch 5 (versions 3+)
  '00 00', // metadata "": int16 length 0
  TS_1700000000000, // commitTimestamp
  // expireTimestamp is in version 1 only: absent.
);

/** Version 1: written when the commit carries an expire timestamp. No leaderEpoch (3+). */
const OFFSET_COMMIT_VALUE_V1_BYTES = hex(
  '00 01', // value version 1
  '00 00 00 00 00 00 00 64', // offset 100
  '00 01 6d', // metadata "m"
  TS_1700000000000, // commitTimestamp
  '00 00 01 8b f3 f1 ec 00', // expireTimestamp 1700604800000 (seven days later)
);

/** Version 4, the first flexible one: compact string, trailing tagged-field count. */
const OFFSET_COMMIT_VALUE_V4_BYTES = hex(
  '00 04', // value version 4
  '00 00 00 00 00 00 00 64', // offset 100
  '00 00 00 05', // leaderEpoch 5
  '02 6d', // metadata "m": unsigned varint 1 + 1, then "m"
  TS_1700000000000, // commitTimestamp
  '00', // no tagged fields
);

/** Version 0: offset, metadata, commitTimestamp only. */
const OFFSET_COMMIT_VALUE_V0_BYTES = hex(
  '00 00', // value version 0
  '00 00 00 00 00 00 00 64', // offset 100
  '00 00', // metadata ""
  TS_1700000000000, // commitTimestamp
);

const GROUP_METADATA_KEY_BYTES = hex(
  '00 02', // record type 2: GroupMetadataKey
  G1, // group "g1"
);

const MEMBER: MemberMetadata = {
  memberId: 'm-1',
  groupInstanceId: null,
  clientId: 'c',
  clientHost: '/10.0.0.1',
  rebalanceTimeout: 300_000,
  sessionTimeout: 45_000,
  subscription: Uint8Array.from([0x00, 0x01]),
  assignment: Uint8Array.from([0xff]),
};

const STABLE_GROUP: GroupMetadataValue = {
  protocolType: 'consumer',
  generation: 1,
  protocol: 'range',
  leader: 'm-1',
  currentStateTimestamp: 1_700_000_000_000,
  members: [MEMBER],
};

/** Version 3: what a Kafka 4.x broker writes (GROUP_METADATA_VALUE_VERSION). */
const GROUP_METADATA_VALUE_V3_BYTES = hex(
  '00 03', // value version 3
  '00 08 63 6f 6e 73 75 6d 65 72', // protocolType "consumer"
  '00 00 00 01', // generation 1
  '00 05 72 61 6e 67 65', // protocol "range" (nullable)
  '00 03 6d 2d 31', // leader "m-1" (nullable)
  TS_1700000000000, // currentStateTimestamp (versions 2+)
  '00 00 00 01', // members: int32 count 1
  '00 03 6d 2d 31', //   memberId "m-1"
  'ff ff', //   groupInstanceId null (versions 3+, nullable): int16 -1
  '00 01 63', //   clientId "c"
  '00 09 2f 31 30 2e 30 2e 30 2e 31', //   clientHost "/10.0.0.1"
  '00 04 93 e0', //   rebalanceTimeout 300000 (versions 1+)
  '00 00 af c8', //   sessionTimeout 45000
  '00 00 00 02 00 01', //   subscription: int32 length 2, bytes 00 01
  '00 00 00 01 ff', //   assignment: int32 length 1, byte ff
);

/** Version 4 (flexible) of a static member's group: compact lengths and two tagged-field counts. */
const GROUP_METADATA_VALUE_V4_BYTES = hex(
  '00 04', // value version 4
  '09 63 6f 6e 73 75 6d 65 72', // protocolType "consumer": varint 8 + 1
  '00 00 00 01', // generation 1
  '06 72 61 6e 67 65', // protocol "range"
  '04 6d 2d 31', // leader "m-1"
  TS_1700000000000, // currentStateTimestamp
  '02', // members: varint 1 + 1
  '04 6d 2d 31', //   memberId "m-1"
  '04 69 2d 31', //   groupInstanceId "i-1"
  '02 63', //   clientId "c"
  '0a 2f 31 30 2e 30 2e 30 2e 31', //   clientHost "/10.0.0.1": varint 9 + 1
  '00 04 93 e0', //   rebalanceTimeout 300000
  '00 00 af c8', //   sessionTimeout 45000
  '03 00 01', //   subscription: varint 2 + 1, bytes 00 01
  '02 ff', //   assignment: varint 1 + 1, byte ff
  '00', //   the member's tagged fields: none
  '00', // the value's tagged fields: none
);

/** An Empty group (no protocol, no leader, no members) in version 3. */
const EMPTY_GROUP: GroupMetadataValue = {
  protocolType: '',
  generation: 2,
  protocol: null,
  leader: null,
  currentStateTimestamp: -1,
  members: [],
};
const EMPTY_GROUP_V3_BYTES = hex(
  '00 03', // value version 3
  '00 00', // protocolType ""
  '00 00 00 02', // generation 2
  'ff ff', // protocol null
  'ff ff', // leader null
  'ff ff ff ff ff ff ff ff', // currentStateTimestamp -1
  '00 00 00 00', // no members
);

/** Version 0 of a one-member group: no currentStateTimestamp (2+), rebalanceTimeout (1+), groupInstanceId (3+). */
const GROUP_METADATA_VALUE_V0_BYTES = hex(
  '00 00',
  '00 08 63 6f 6e 73 75 6d 65 72',
  '00 00 00 01',
  '00 05 72 61 6e 67 65',
  '00 03 6d 2d 31',
  '00 00 00 01',
  '00 03 6d 2d 31',
  '00 01 63',
  '00 09 2f 31 30 2e 30 2e 30 2e 31',
  '00 00 af c8',
  '00 00 00 02 00 01',
  '00 00 00 01 ff',
);

const OFFSET_100: OffsetCommitValue = {
  offset: 100,
  leaderEpoch: 5,
  metadata: '',
  commitTimestamp: 1_700_000_000_000,
  expireTimestamp: -1,
};

function offsetRecord(message: OffsetCommitValue, version: number): GroupCoordinatorRecord {
  return { type: 'OffsetCommit', recordType: 1, key: { group: 'g1', topic: 't', partition: 3 }, value: { message, version } };
}

function groupRecord(message: GroupMetadataValue, version: number): GroupCoordinatorRecord {
  return { type: 'GroupMetadata', key: { group: 'g1' }, value: { message, version } };
}

/** Asserts both directions: refka writes exactly these bytes, and reads them back as `record`. */
function expectBytes(record: GroupCoordinatorRecord, key: Uint8Array, value: Uint8Array | null): void {
  expect(serializeKey(record)).toEqual(key);
  expect(serializeValue(record)).toEqual(value);
  expect(deserialize(key, value)).toEqual({ type: 'record', record });
}

describe('__consumer_offsets records are byte-compatible with Kafka', () => {
  it('OffsetCommit in version 3, as newOffsetCommitRecord writes it without an expire timestamp', () => {
    const record = newOffsetCommitRecord('g1', 't', 3, {
      committedOffset: 100,
      leaderEpoch: 5,
      metadata: '',
      commitTimestampMs: 1_700_000_000_000,
    });
    expect(record).toEqual(offsetRecord(OFFSET_100, 3));
    expectBytes(record, OFFSET_COMMIT_KEY_BYTES, OFFSET_COMMIT_VALUE_V3_BYTES);
  });

  it('OffsetCommit in version 1 when the commit carries an expire timestamp', () => {
    const record = newOffsetCommitRecord('g1', 't', 3, {
      committedOffset: 100,
      leaderEpoch: -1,
      metadata: 'm',
      commitTimestampMs: 1_700_000_000_000,
      expireTimestampMs: 1_700_604_800_000,
    });
    expect(record.value?.version).toBe(1);
    expectBytes(record, OFFSET_COMMIT_KEY_BYTES, OFFSET_COMMIT_VALUE_V1_BYTES);
  });

  it('OffsetCommit in versions 0 and 4: fields outside a version are dropped and read back as defaults', () => {
    expectBytes(offsetRecord({ ...OFFSET_100, metadata: 'm' }, 4), OFFSET_COMMIT_KEY_BYTES, OFFSET_COMMIT_VALUE_V4_BYTES);
    expectBytes(offsetRecord({ ...OFFSET_100, leaderEpoch: -1 }, 0), OFFSET_COMMIT_KEY_BYTES, OFFSET_COMMIT_VALUE_V0_BYTES);
    // leaderEpoch is ignorable: version 0 drops a real epoch, and reading gives the default -1.
    expect(serializeValue(offsetRecord(OFFSET_100, 0))).toEqual(OFFSET_COMMIT_VALUE_V0_BYTES);
  });

  it('OffsetCommit keys of record type 0 read as the same key, and are written back as type 0', () => {
    const legacyKey = Uint8Array.from([0x00, 0x00, ...OFFSET_COMMIT_KEY_BYTES.subarray(2)]);
    const result = deserialize(legacyKey, OFFSET_COMMIT_VALUE_V3_BYTES);
    expect(result).toEqual({ type: 'record', record: { ...offsetRecord(OFFSET_100, 3), recordType: 0 } });
    if (result.type !== 'record') throw new Error('not a record');
    expect(serializeKey(result.record)).toEqual(legacyKey);
  });

  it('GroupMetadata in version 3, as newGroupMetadataRecord writes it', () => {
    const record = newGroupMetadataRecord('g1', STABLE_GROUP);
    expect(record).toEqual(groupRecord(STABLE_GROUP, 3));
    expectBytes(record, GROUP_METADATA_KEY_BYTES, GROUP_METADATA_VALUE_V3_BYTES);
  });

  it('GroupMetadata in version 4 with a static member (groupInstanceId)', () => {
    const staticGroup = { ...STABLE_GROUP, members: [{ ...MEMBER, groupInstanceId: 'i-1' }] };
    expectBytes(groupRecord(staticGroup, 4), GROUP_METADATA_KEY_BYTES, GROUP_METADATA_VALUE_V4_BYTES);
  });

  it('GroupMetadata of an Empty group: null protocol and leader, no members', () => {
    expectBytes(newGroupMetadataRecord('g1', EMPTY_GROUP), GROUP_METADATA_KEY_BYTES, EMPTY_GROUP_V3_BYTES);
  });

  it('GroupMetadata in version 0 reads the missing fields as Kafka defaults them', () => {
    const result = deserialize(GROUP_METADATA_KEY_BYTES, GROUP_METADATA_VALUE_V0_BYTES);
    const expected = { ...STABLE_GROUP, currentStateTimestamp: -1, members: [{ ...MEMBER, rebalanceTimeout: -1 }] };
    expect(result).toEqual({ type: 'record', record: groupRecord(expected, 0) });
    expect(serializeValue(groupRecord(STABLE_GROUP, 0))).toEqual(GROUP_METADATA_VALUE_V0_BYTES);
  });

  it('tombstones have a key and a null value, for offsets and for groups', () => {
    const offsetTombstone = newOffsetCommitTombstoneRecord('g1', 't', 3);
    expectBytes(offsetTombstone, OFFSET_COMMIT_KEY_BYTES, null);
    expect(offsetTombstone.value).toBeNull();
    expectBytes(newGroupMetadataTombstoneRecord('g1'), GROUP_METADATA_KEY_BYTES, null);
  });
});

describe('deserialize refuses what Kafka refuses', () => {
  it('reports record types refka does not build (KIP-848 groups and later) as unknown, as Kafka\'s loader skips them', () => {
    for (const recordType of [3, 8, 15, 255, -1]) {
      const key = Uint8Array.from([(recordType >> 8) & 0xff, recordType & 0xff, 0x00, 0x01, 0x67]);
      expect(deserialize(key, null)).toEqual({ type: 'unknown-record-type', recordType });
    }
  });

  it('reports malformed keys and values instead of throwing', () => {
    const malformed = (key: Uint8Array, value: Uint8Array | null): void =>
      expect(deserialize(key, value).type, `${key} / ${value}`).toBe('malformed');
    malformed(new Uint8Array(0), null); // no record type
    malformed(OFFSET_COMMIT_KEY_BYTES.subarray(0, 5), null); // key cut inside the topic
    malformed(OFFSET_COMMIT_KEY_BYTES, new Uint8Array(0)); // a value with no version
    malformed(OFFSET_COMMIT_KEY_BYTES, OFFSET_COMMIT_VALUE_V3_BYTES.subarray(0, 20)); // cut inside the timestamp
    malformed(OFFSET_COMMIT_KEY_BYTES, hex('00 05', '00 00 00 00 00 00 00 64')); // no OffsetCommitValue version 5
    malformed(hex('00 02', 'ff ff'), null); // a null group id: the key's group is not nullable
    malformed(hex('00 02', '80 00'), null); // a negative string length other than -1 is null too, and not nullable
    malformed(hex('00 02', '7f ff'), null); // 32767 bytes announced, none there
    // memberId written as null: not nullable in any version.
    const nullMemberId = GROUP_METADATA_VALUE_V3_BYTES.slice();
    nullMemberId.set([0xff, 0xff], 2 + 10 + 4 + 7 + 5 + 8 + 4);
    malformed(GROUP_METADATA_KEY_BYTES, nullMemberId);
    // An int64 beyond 2^53 cannot be held exactly: refused rather than rounded.
    malformed(OFFSET_COMMIT_KEY_BYTES, hex('00 00', '7f ff ff ff ff ff ff ff', '00 00', TS_1700000000000));
  });

  it('skips unknown tagged fields in a flexible version, as Kafka keeps them aside', () => {
    const tagged = Uint8Array.from([...OFFSET_COMMIT_VALUE_V4_BYTES.subarray(0, -1), ...hex('01', '05 02 ab cd')]);
    const result = deserialize(OFFSET_COMMIT_KEY_BYTES, tagged);
    expect(result).toEqual({ type: 'record', record: offsetRecord({ ...OFFSET_100, metadata: 'm' }, 4) });
  });

  it('ignores bytes after the message, as CoordinatorRecordSerde does', () => {
    const padded = Uint8Array.from([...OFFSET_COMMIT_VALUE_V3_BYTES, 0x99]);
    expect(deserialize(OFFSET_COMMIT_KEY_BYTES, padded)).toEqual({ type: 'record', record: offsetRecord(OFFSET_100, 3) });
  });

  it('never throws on arbitrary bytes (fuzz)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.option(fc.uint8Array({ maxLength: 96 })), (key, value) => {
        const typed = Uint8Array.from([0x00, key.length % 4, ...key]);
        const result = deserialize(typed, value);
        expect(['record', 'unknown-record-type', 'malformed']).toContain(result.type);
      }),
      { numRuns: 2000 },
    );
  });
});

const INT32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const INT64 = fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
const TEXT = fc.string({ unit: 'binary', maxLength: 12 });

const VERSION = fc.integer({ min: 0, max: 4 });
const OFFSET_COMMIT_KEY = fc.record({ group: TEXT, topic: TEXT, partition: fc.integer({ min: 0, max: 2 ** 31 - 1 }) });

const offsetCommitValue = fc.record({
  offset: INT64,
  leaderEpoch: INT32,
  metadata: TEXT,
  commitTimestamp: INT64,
  expireTimestamp: INT64,
});

const memberMetadata = fc.record({
  memberId: TEXT,
  groupInstanceId: fc.option(TEXT),
  clientId: TEXT,
  clientHost: TEXT,
  rebalanceTimeout: INT32,
  sessionTimeout: INT32,
  subscription: fc.uint8Array({ maxLength: 16 }),
  assignment: fc.uint8Array({ maxLength: 16 }),
});

const groupMetadataValue = fc.record({
  protocolType: TEXT,
  generation: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  protocol: fc.option(TEXT),
  leader: fc.option(TEXT),
  currentStateTimestamp: INT64,
  members: fc.array(memberMetadata, { maxLength: 4 }),
});

/** What a version can hold: fields outside it become their defaults (all are ignorable). */
function offsetCommitAtVersion(value: OffsetCommitValue, version: number): OffsetCommitValue {
  return {
    ...value,
    leaderEpoch: version >= 3 ? value.leaderEpoch : -1,
    expireTimestamp: version === 1 ? value.expireTimestamp : -1,
  };
}

function groupMetadataAtVersion(value: GroupMetadataValue, version: number): GroupMetadataValue {
  return {
    ...value,
    currentStateTimestamp: version >= 2 ? value.currentStateTimestamp : -1,
    members: value.members.map((member) => ({
      ...member,
      groupInstanceId: version >= 3 ? member.groupInstanceId : null,
      rebalanceTimeout: version >= 1 ? member.rebalanceTimeout : -1,
    })),
  };
}

describe('round trips at every version (fast-check)', () => {
  it('OffsetCommit: deserialize(serialize(r)) is r as its version holds it, and writes the same bytes', () => {
    fc.assert(
      fc.property(OFFSET_COMMIT_KEY, offsetCommitValue, VERSION, fc.boolean(), (key, value, version, tombstone) => {
        const record: GroupCoordinatorRecord = {
          type: 'OffsetCommit',
          recordType: 1,
          key,
          value: tombstone ? null : { message: value, version },
        };
        const keyBytes = serializeKey(record);
        const bytes = serializeValue(record);
        const result = deserialize(keyBytes, bytes);
        const held = { message: offsetCommitAtVersion(value, version), version };
        const expected = tombstone ? record : { ...record, value: held };
        expect(result).toEqual({ type: 'record', record: expected });
        if (result.type !== 'record') return;
        expect(serializeKey(result.record)).toEqual(keyBytes);
        expect(serializeValue(result.record)).toEqual(bytes);
      }),
    );
  });

  it('GroupMetadata: the same, with members, static ids and null protocols', () => {
    fc.assert(
      fc.property(TEXT, groupMetadataValue, VERSION, (group, value, version) => {
        const record: GroupCoordinatorRecord = { type: 'GroupMetadata', key: { group }, value: { message: value, version } };
        const bytes = serializeValue(record);
        const result = deserialize(serializeKey(record), bytes);
        const expected = { ...record, value: { message: groupMetadataAtVersion(value, version), version } };
        expect(result).toEqual({ type: 'record', record: expected });
        if (result.type !== 'record') return;
        expect(serializeValue(result.record)).toEqual(bytes);
      }),
    );
  });
});

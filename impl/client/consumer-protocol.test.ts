import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MalformedInput } from '../log/byte-codec.ts';
import type { AssignorUserData, TopicPartition } from './assignors/consumer-partition-assignor.ts';
import {
  deserializeAssignment,
  deserializeAssignorUserData,
  deserializeSubscription,
  serializeAssignment,
  serializeAssignorUserData,
  serializeSubscription,
  type ConsumerProtocolSubscription,
} from './consumer-protocol.ts';

/**
 * Goal: the consumer protocol's bytes are exactly Kafka's. Method: byte vectors worked out by hand
 * from ConsumerProtocolSubscription.json / ConsumerProtocolAssignment.json (an int16 version, then
 * the non-flexible struct: int32 array counts, int16 string lengths, int32 bytes lengths, -1 for
 * null) and from the Schema constants of StickyAssignor and CooperativeStickyAssignor; then
 * fast-check round trips over every version.
 */

function hex(bytes: Uint8Array): string {
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
}

function fromHex(text: string): Uint8Array {
  return Uint8Array.from(text.split(/\s+/).filter((word) => word !== '').map((word) => parseInt(word, 16)));
}

const EMPTY_SUBSCRIPTION: ConsumerProtocolSubscription = { topics: [], userData: null, ownedPartitions: [], generationId: -1, rackId: null };

describe('ConsumerProtocolSubscription bytes', () => {
  it('writes version 0 as topics and user data only', () => {
    // 00 00: version 0. 00 00 00 01: one topic. 00 01 74: "t" (int16 length 1, then 't').
    // ff ff ff ff: user data null (int32 length -1). No owned partitions, generation or rack in v0.
    const bytes = serializeSubscription({ ...EMPTY_SUBSCRIPTION, topics: ['t'] }, 0);
    expect(hex(bytes)).toBe('00 00 00 00 00 01 00 01 74 ff ff ff ff');
  });

  it('writes version 3 with topics sorted, owned partitions sorted and grouped, generation and a null rack', () => {
    const bytes = serializeSubscription({
      topics: ['b', 'a'],
      userData: null,
      ownedPartitions: [{ topic: 'a', partition: 1 }, { topic: 'a', partition: 0 }],
      generationId: 5,
      rackId: null,
    });
    // 00 03                    version 3
    // 00 00 00 02 00 01 61 00 01 62   topics ["a", "b"]: sorted (serializeSubscription sorts)
    // ff ff ff ff              user data null
    // 00 00 00 01              one owned topic:
    //   00 01 61               "a"
    //   00 00 00 02 00 00 00 00 00 00 00 01   partitions [0, 1]: sorted
    // 00 00 00 05              generation 5 (v2+)
    // ff ff                    rack null (v3+, int16 length -1)
    expect(hex(bytes)).toBe(
      '00 03 00 00 00 02 00 01 61 00 01 62 ff ff ff ff 00 00 00 01 00 01 61 00 00 00 02 00 00 00 00 00 00 00 01 00 00 00 05 ff ff',
    );
    expect(deserializeSubscription(bytes)).toEqual({
      topics: ['a', 'b'],
      userData: null,
      ownedPartitions: [{ topic: 'a', partition: 0 }, { topic: 'a', partition: 1 }],
      generationId: 5,
      rackId: null,
    });
  });

  it('writes user data bytes and a rack', () => {
    // 00 03; 00 00 00 00: no topics; 00 00 00 02 0a 0b: two bytes of user data; 00 00 00 00: no
    // owned partitions; ff ff ff ff: generation -1; 00 02 72 31: rack "r1".
    const bytes = serializeSubscription({ ...EMPTY_SUBSCRIPTION, userData: fromHex('0a 0b'), rackId: 'r1' });
    expect(hex(bytes)).toBe('00 03 00 00 00 00 00 00 00 02 0a 0b 00 00 00 00 ff ff ff ff 00 02 72 31');
  });

  it('reads a version above 3 as version 3, ignoring what follows, and refuses a negative version', () => {
    const v3 = serializeSubscription({ ...EMPTY_SUBSCRIPTION, topics: ['t'], generationId: 2 });
    const v9 = Uint8Array.from([0x00, 0x09, ...v3.subarray(2), 0xde, 0xad]);
    expect(deserializeSubscription(v9)).toEqual(deserializeSubscription(v3));
    expect(() => deserializeSubscription(fromHex('ff ff 00 00 00 00'))).toThrow(MalformedInput);
    expect(() => deserializeSubscription(fromHex('00'))).toThrow(MalformedInput);
    expect(() => deserializeSubscription(fromHex('00 01 00 00 00 01'))).toThrow(MalformedInput);
  });

  it('reads fields missing from old versions as their defaults', () => {
    const v0 = serializeSubscription({ ...EMPTY_SUBSCRIPTION, topics: ['t'] }, 0);
    expect(deserializeSubscription(v0)).toEqual({ ...EMPTY_SUBSCRIPTION, topics: ['t'] });
  });
});

describe('ConsumerProtocolAssignment bytes', () => {
  it('groups partitions by topic in order of first appearance', () => {
    const bytes = serializeAssignment({
      assignedPartitions: [{ topic: 't', partition: 1 }, { topic: 'u', partition: 0 }, { topic: 't', partition: 0 }],
      userData: null,
    });
    // 00 03: version 3. 00 00 00 02: two topics. "t" (00 01 74) with [1, 0], then "u" (00 01 75)
    // with [0]. ff ff ff ff: user data null.
    expect(hex(bytes)).toBe(
      '00 03 00 00 00 02 00 01 74 00 00 00 02 00 00 00 01 00 00 00 00 00 01 75 00 00 00 01 00 00 00 00 ff ff ff ff',
    );
    expect(deserializeAssignment(bytes).assignedPartitions).toEqual([
      { topic: 't', partition: 1 },
      { topic: 't', partition: 0 },
      { topic: 'u', partition: 0 },
    ]);
  });

  it('writes an empty assignment as six bytes plus the null user data', () => {
    expect(hex(serializeAssignment({ assignedPartitions: [], userData: null }))).toBe('00 03 00 00 00 00 ff ff ff ff');
  });
});

describe('assignor user data bytes', () => {
  it('writes CooperativeStickyAssignor user data as one int32 generation', () => {
    expect(hex(serializeAssignorUserData({ type: 'cooperative-sticky', generation: 7 }) ?? new Uint8Array())).toBe('00 00 00 07');
    expect(deserializeAssignorUserData('cooperative-sticky', fromHex('00 00 00 07'))).toEqual({ type: 'cooperative-sticky', generation: 7 });
    // Fewer than four bytes: Kafka's read throws and the generation is DEFAULT_GENERATION.
    expect(deserializeAssignorUserData('cooperative-sticky', fromHex('00 00'))).toEqual({ type: 'cooperative-sticky', generation: -1 });
    expect(deserializeAssignorUserData('cooperative-sticky', null)).toBeUndefined();
  });

  it('writes StickyAssignor user data V1: previous assignment then generation', () => {
    const bytes = serializeAssignorUserData({ type: 'sticky', previousAssignment: [{ topic: 't', partition: 0 }], generation: 2 });
    // 00 00 00 01: one topic; 00 01 74: "t"; 00 00 00 01 00 00 00 00: partitions [0]; 00 00 00 02: generation 2.
    expect(hex(bytes ?? new Uint8Array())).toBe('00 00 00 01 00 01 74 00 00 00 01 00 00 00 00 00 00 00 02');
  });

  it('reads StickyAssignor user data V1, falls back to V0, then to nothing owned at DEFAULT_GENERATION', () => {
    const v0 = fromHex('00 00 00 01 00 01 74 00 00 00 01 00 00 00 03');
    expect(deserializeAssignorUserData('sticky', v0)).toEqual({ type: 'sticky', previousAssignment: [{ topic: 't', partition: 3 }], generation: undefined });
    expect(deserializeAssignorUserData('sticky', fromHex('01'))).toEqual({ type: 'sticky', previousAssignment: [], generation: -1 });
    expect(deserializeAssignorUserData('sticky', new Uint8Array())).toBeUndefined();
    expect(deserializeAssignorUserData('sticky', null)).toBeUndefined();
    expect(deserializeAssignorUserData('range', fromHex('00 00 00 07'))).toBeUndefined();
  });
});

const topicArbitrary = fc.constantFrom('a', 'b', 'topic-é', '');
const partitionArbitrary: fc.Arbitrary<TopicPartition> = fc.record({ topic: topicArbitrary, partition: fc.integer({ min: 0, max: 2 ** 31 - 1 }) });
const bytesArbitrary = fc.option(fc.uint8Array({ maxLength: 8 }), { nil: null });

describe('round trips', () => {
  it('reads back every field a version carries, and defaults for the rest', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(topicArbitrary),
        bytesArbitrary,
        fc.uniqueArray(partitionArbitrary, { selector: (tp) => `${tp.topic}/${tp.partition}`, maxLength: 6 }),
        fc.integer({ min: -1, max: 1000 }),
        fc.option(fc.constantFrom('r0', 'rack-1'), { nil: null }),
        fc.integer({ min: 0, max: 3 }),
        (topics, userData, ownedPartitions, generationId, rackId, version) => {
          const decoded = deserializeSubscription(serializeSubscription({ topics, userData, ownedPartitions, generationId, rackId }, version));
          const sorted = [...ownedPartitions].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
          expect(decoded.topics).toEqual([...topics].sort());
          expect(decoded.userData).toEqual(userData);
          expect(decoded.ownedPartitions).toEqual(version >= 1 ? sorted : []);
          expect(decoded.generationId).toBe(version >= 2 ? generationId : -1);
          expect(decoded.rackId).toBe(version >= 3 ? rackId : null);
        },
      ),
    );
  });

  it('reads back assignments in every version', () => {
    fc.assert(
      fc.property(fc.array(partitionArbitrary, { maxLength: 6 }), bytesArbitrary, fc.integer({ min: 0, max: 3 }), (partitions, userData, version) => {
        const decoded = deserializeAssignment(serializeAssignment({ assignedPartitions: partitions, userData }, version));
        const topics = [...new Set(partitions.map((tp) => tp.topic))];
        expect(decoded.assignedPartitions).toEqual(topics.flatMap((topic) => partitions.filter((tp) => tp.topic === topic)));
        expect(decoded.userData).toEqual(userData);
      }),
    );
  });

  it('reads back both assignors\' user data', () => {
    const userDataArbitrary: fc.Arbitrary<AssignorUserData> = fc.oneof(
      fc.record({ type: fc.constant('cooperative-sticky' as const), generation: fc.integer({ min: -1, max: 2 ** 31 - 1 }) }),
      fc.record({
        type: fc.constant('sticky' as const),
        previousAssignment: fc.array(partitionArbitrary, { maxLength: 5 }),
        generation: fc.option(fc.integer({ min: -1, max: 1000 }), { nil: undefined }),
      }),
    );
    fc.assert(
      fc.property(userDataArbitrary, (userData) => {
        const decoded = deserializeAssignorUserData(userData.type, serializeAssignorUserData(userData));
        if (userData.type === 'cooperative-sticky') {
          expect(decoded).toEqual(userData);
          return;
        }
        const topics = [...new Set(userData.previousAssignment.map((tp) => tp.topic))].sort();
        const grouped = topics.flatMap((topic) => userData.previousAssignment.filter((tp) => tp.topic === topic));
        expect(decoded).toEqual({ type: 'sticky', previousAssignment: grouped, generation: userData.generation });
      }),
    );
  });
});

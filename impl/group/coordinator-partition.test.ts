import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../common/assert.ts';
import { javaStringHashCode, kafkaAbs, OFFSETS_TOPIC_PARTITIONS_DEFAULT, partitionFor } from './coordinator-partition.ts';

/**
 * Goal: refka places a group on the same `__consumer_offsets` partition as Kafka does.
 * Method: the vectors in testdata/java-string-hashcode.json are the output of a JVM (OpenJDK 17)
 * running testdata/JavaStringHashCode.java: `hashCode` is `java.lang.String.hashCode` itself, and
 * `partitionFor` is Kafka's `Utils.abs(hashCode) % n` computed in Java. They cover ASCII, Latin-1,
 * Cyrillic and Japanese text, surrogate pairs, lone surrogates, the empty string, the NUL
 * character, three strings whose hash is `Integer.MIN_VALUE`, and 200 strings of random UTF-16
 * code units. Properties then check the range and the formula on arbitrary strings.
 */

interface JavaVector {
  readonly string: string;
  readonly hashCode: number;
  readonly abs: number;
  readonly partitionFor: readonly number[];
}

interface JavaVectors {
  readonly generator: string;
  readonly javaVersion: string;
  readonly partitionCounts: readonly number[];
  readonly vectors: readonly JavaVector[];
}

const JAVA: JavaVectors = JSON.parse(
  readFileSync(join(import.meta.dirname, 'testdata', 'java-string-hashcode.json'), 'utf8'),
) as JavaVectors;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function vectorFor(value: string): JavaVector {
  const vector = JAVA.vectors.find((candidate) => candidate.string === value);
  if (vector === undefined) throw new Error(`no Java vector for ${JSON.stringify(value)}`);
  return vector;
}

describe('javaStringHashCode', () => {
  it('equals the JVM on every vector', () => {
    expect(JAVA.vectors.length).toBe(219);
    for (const vector of JAVA.vectors) {
      expect(javaStringHashCode(vector.string), JSON.stringify(vector.string)).toBe(vector.hashCode);
    }
  });

  it('hashes UTF-16 code units, so a surrogate pair counts as two units', () => {
    const grinning = vectorFor('\u{1F600}');
    expect('\u{1F600}'.length).toBe(2);
    expect(grinning.hashCode).toBe(0xd83d * 31 + 0xde00);
    expect(javaStringHashCode('\u{1F600}')).toBe(grinning.hashCode);
    // A lone surrogate is a code unit like any other: Java hashes it, and so does refka.
    expect(javaStringHashCode('\ud800')).toBe(vectorFor('\ud800').hashCode);
  });

  it('wraps at int32 as Java does (the empty string and NUL hash to 0)', () => {
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('\u0000')).toBe(0);
    expect(vectorFor('my-group').hashCode).toBeLessThan(0);
    expect(javaStringHashCode('my-group')).toBe(vectorFor('my-group').hashCode);
  });

  it('gives Integer.MIN_VALUE for the strings Java gives it for', () => {
    for (const value of ['polygenelubricants', 'GydZG_', 'DESIGNING WORKHOUSES']) {
      expect(vectorFor(value).hashCode).toBe(INT32_MIN);
      expect(javaStringHashCode(value)).toBe(INT32_MIN);
    }
  });

  it('stays an int32 and follows the recurrence h(s + c) = 31 h(s) + c for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), fc.integer({ min: 0, max: 0xffff }), (prefix, unit) => {
        const hash = javaStringHashCode(prefix);
        expect(Number.isInteger(hash) && hash >= INT32_MIN && hash <= INT32_MAX).toBe(true);
        const extended = javaStringHashCode(prefix + String.fromCharCode(unit));
        expect(extended).toBe(Number(BigInt.asIntN(32, BigInt(hash) * 31n + BigInt(unit))));
      }),
    );
  });
});

describe('kafkaAbs (Utils.abs)', () => {
  it('maps Integer.MIN_VALUE to 0, unlike Math.abs, and is |n| elsewhere', () => {
    expect(kafkaAbs(INT32_MIN)).toBe(0);
    expect(kafkaAbs(INT32_MIN + 1)).toBe(INT32_MAX);
    expect(kafkaAbs(-1)).toBe(1);
    expect(kafkaAbs(0)).toBe(0);
    expect(kafkaAbs(INT32_MAX)).toBe(INT32_MAX);
    for (const vector of JAVA.vectors) expect(kafkaAbs(vector.hashCode)).toBe(vector.abs);
  });

  it('refuses a value outside int32: it is only ever given a Java hash', () => {
    expect(() => kafkaAbs(INT32_MAX + 1)).toThrow(AssertionError);
    expect(() => kafkaAbs(1.5)).toThrow(AssertionError);
  });
});

describe('partitionFor', () => {
  it('equals Kafka computed in Java for every vector and partition count', () => {
    expect(JAVA.partitionCounts).toContain(OFFSETS_TOPIC_PARTITIONS_DEFAULT);
    let compared = 0;
    for (const vector of JAVA.vectors) {
      JAVA.partitionCounts.forEach((count, index) => {
        expect(partitionFor(vector.string, count), `${JSON.stringify(vector.string)} % ${count}`).toBe(
          vector.partitionFor[index],
        );
        compared++;
      });
    }
    expect(compared).toBe(JAVA.vectors.length * JAVA.partitionCounts.length);
  });

  it('puts the Integer.MIN_VALUE strings on partition 0', () => {
    expect(partitionFor('polygenelubricants', OFFSETS_TOPIC_PARTITIONS_DEFAULT)).toBe(0);
    expect(partitionFor('polygenelubricants', 7)).toBe(0);
  });

  it('always lands in [0, n) and equals |hash| mod n for any string and partition count', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), fc.integer({ min: 1, max: INT32_MAX }), (groupId, count) => {
        const partition = partitionFor(groupId, count);
        expect(Number.isInteger(partition)).toBe(true);
        expect(partition).toBeGreaterThanOrEqual(0);
        expect(partition).toBeLessThan(count);
        const hash = javaStringHashCode(groupId);
        const expected = hash === INT32_MIN ? 0 : Math.abs(hash) % count;
        expect(partition).toBe(expected);
      }),
    );
  });

  it('refuses a partition count below 1 or beyond an int', () => {
    expect(() => partitionFor('g', 0)).toThrow(AssertionError);
    expect(() => partitionFor('g', -3)).toThrow(AssertionError);
    expect(() => partitionFor('g', INT32_MAX + 1)).toThrow(AssertionError);
  });
});

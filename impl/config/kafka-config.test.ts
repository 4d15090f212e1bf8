import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AssertionError } from '../common/assert.ts';
import {
  KAFKA_CONFIGS,
  KAFKA_CONFIG_KEYS,
  findConfig,
  parseConfigValue,
  parseConfigValueFor,
  resolveConfig,
  type KafkaConfigDef,
} from './kafka-config.ts';
import { quoteForMessage } from './quote-for-message.ts';

/** Kafka 4.x defaults of the keys refka must understand (ProducerConfig, ConsumerConfig, LogConfig, ...). */
const KAFKA_DEFAULTS: Record<string, string> = {
  'min.insync.replicas': '1',
  'unclean.leader.election.enable': 'false',
  'replica.lag.time.max.ms': '30000',
  'broker.session.timeout.ms': '9000',
  'broker.heartbeat.interval.ms': '2000',
  'request.timeout.ms': '30000',
  acks: 'all',
  'enable.idempotence': 'true',
  'linger.ms': '5',
  'batch.size': '16384',
  'max.in.flight.requests.per.connection': '5',
  retries: '2147483647',
  'retry.backoff.ms': '100',
  'delivery.timeout.ms': '120000',
  'flush.messages': '9223372036854775807',
  'flush.ms': '9223372036854775807',
  'segment.bytes': '1073741824',
  'segment.ms': '604800000',
  'index.interval.bytes': '4096',
  'retention.ms': '604800000',
  'retention.bytes': '-1',
  'cleanup.policy': 'delete',
  'max.message.bytes': '1048588',
  'fetch.min.bytes': '1',
  'fetch.max.wait.ms': '500',
  'auto.offset.reset': 'latest',
  'replica.fetch.wait.max.ms': '500',
  'num.partitions': '1',
  'default.replication.factor': '1',
  'group.id': '',
  'group.instance.id': '',
  'session.timeout.ms': '45000',
  'heartbeat.interval.ms': '3000',
  'max.poll.interval.ms': '300000',
  'enable.auto.commit': 'true',
  'auto.commit.interval.ms': '5000',
  'partition.assignment.strategy': 'range,cooperative-sticky',
  'retry.backoff.max.ms': '1000',
  'default.api.timeout.ms': '60000',
};

function ok(key: string, raw: string): string {
  const result = parseConfigValue(key, raw);
  if (!result.ok) {
    throw new Error(`expected ${key}=${raw} to parse, got: ${result.error}`);
  }
  return result.value;
}

function error(key: string, raw: string): string {
  const result = parseConfigValue(key, raw);
  if (result.ok) {
    throw new Error(`expected ${key}=${raw} to be rejected, got ${result.value}`);
  }
  expect(result.error).not.toMatch(/[\n\r\u2028\u2029]/);
  return result.error;
}

describe('KAFKA_CONFIGS', () => {
  it("has every required key with Kafka's default", () => {
    for (const [key, defaultValue] of Object.entries(KAFKA_DEFAULTS)) {
      expect(findConfig(key)?.defaultValue, key).toBe(defaultValue);
    }
  });

  it('has unique keys, and KAFKA_CONFIG_KEYS lists them sorted', () => {
    const keys = KAFKA_CONFIGS.map((def) => def.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(KAFKA_CONFIG_KEYS).toEqual([...keys].sort());
  });

  it('has defaults that are valid and canonical, within the bounds', () => {
    for (const def of KAFKA_CONFIGS) {
      expect(parseConfigValueFor(def, def.defaultValue), def.key).toEqual({ ok: true, value: def.defaultValue });
      if ((def.type === 'int' || def.type === 'long') && def.min !== undefined && def.max !== undefined) {
        expect(BigInt(def.min) <= BigInt(def.max), def.key).toBe(true);
      }
    }
  });

  it('documents every key in one sentence, and maps enum aliases to canonical values', () => {
    for (const def of KAFKA_CONFIGS) {
      expect(def.doc, def.key).toMatch(/^[A-Z].*\.$/);
      expect(def.doc, def.key).not.toMatch(/\n/);
      if (def.type === 'enum' || def.type === 'list') {
        for (const [alias, canonical] of Object.entries(def.aliases ?? {})) {
          expect(def.values, `${def.key} alias ${alias}`).toContain(canonical);
          expect(def.values, `${def.key} alias ${alias}`).not.toContain(alias);
        }
      }
    }
  });

  it('says that linger.ms defaults to 5 since Kafka 4', () => {
    expect(findConfig('linger.ms')?.doc).toMatch(/Kafka 4/);
  });
});

describe('parseConfigValue', () => {
  it('accepts integers in range and canonicalizes them', () => {
    expect(ok('min.insync.replicas', '2')).toBe('2');
    expect(ok('min.insync.replicas', ' 2 ')).toBe('2');
    expect(ok('min.insync.replicas', '+2')).toBe('2');
    expect(ok('min.insync.replicas', '007')).toBe('7');
    expect(ok('retries', '0')).toBe('0');
    expect(ok('retries', '2147483647')).toBe('2147483647');
    expect(ok('retention.ms', '-1')).toBe('-1');
    expect(ok('retention.bytes', '-9223372036854775808')).toBe('-9223372036854775808');
    expect(ok('segment.bytes', '14')).toBe('14');
  });

  it('keeps Long.MAX_VALUE exact and rejects one more', () => {
    expect(ok('flush.messages', '9223372036854775807')).toBe('9223372036854775807');
    expect(ok('flush.ms', '9223372036854775806')).toBe('9223372036854775806');
    expect(error('flush.messages', '9223372036854775808')).toBe(
      "flush.messages must be an integer from 1 to 9223372036854775807, got '9223372036854775808'",
    );
  });

  it('rejects values outside the bounds, naming the key, the bounds and the value', () => {
    expect(error('min.insync.replicas', '0')).toBe("min.insync.replicas must be an integer from 1 to 2147483647, got '0'");
    expect(error('retention.ms', '-2')).toBe("retention.ms must be an integer from -1 to 9223372036854775807, got '-2'");
    expect(error('segment.bytes', '13')).toMatch(/^segment\.bytes must be an integer from 14 /);
    expect(error('batch.size', '2147483648')).toMatch(/^batch\.size .* got '2147483648'$/);
    expect(error('retries', '-1')).toMatch(/^retries must be an integer from 0 to 2147483647/);
  });

  it('rejects integers that are not plain decimal', () => {
    for (const raw of ['', ' ', '1e3', '0x10', '1.5', '1_000', '--1', '1 2', 'one', '١']) {
      expect(error('linger.ms', raw)).toMatch(/^linger\.ms must be an integer/);
    }
  });

  it('accepts booleans in any case and rejects anything else', () => {
    expect(ok('enable.idempotence', 'TRUE')).toBe('true');
    expect(ok('unclean.leader.election.enable', ' False')).toBe('false');
    expect(error('enable.idempotence', 'yes')).toBe("enable.idempotence must be true or false, got 'yes'");
    expect(error('enable.idempotence', '1')).toMatch(/true or false/);
  });

  it('accepts the enum values and aliases, canonically', () => {
    expect(ok('acks', 'all')).toBe('all');
    expect(ok('acks', '-1')).toBe('all');
    expect(ok('acks', '0')).toBe('0');
    expect(ok('acks', '1')).toBe('1');
    expect(ok('cleanup.policy', 'delete')).toBe('delete');
    expect(ok('cleanup.policy', 'compact')).toBe('compact');
    expect(ok('cleanup.policy', 'compact,delete')).toBe('compact,delete');
    expect(ok('cleanup.policy', 'delete,compact')).toBe('compact,delete');
    expect(ok('cleanup.policy', 'delete , compact')).toBe('compact,delete');
    expect(ok('auto.offset.reset', 'earliest')).toBe('earliest');
    expect(ok('auto.offset.reset', 'none')).toBe('none');
  });

  it('rejects values outside the enum, listing the accepted ones', () => {
    expect(error('acks', '2')).toBe("acks must be one of all, 0, 1, -1; got '2'");
    expect(error('acks', 'ALL')).toMatch(/^acks must be one of/);
    expect(error('cleanup.policy', 'compact,compact')).toMatch(/^cleanup\.policy must be one of delete, compact, compact,delete, delete,compact; got/);
    expect(error('cleanup.policy', '')).toMatch(/^cleanup\.policy must be one of/);
    expect(error('auto.offset.reset', 'by_duration:PT1H')).toMatch(/^auto\.offset\.reset must be one of earliest, latest, none/);
  });

  it('accepts any string for a string key, trimmed', () => {
    const def: KafkaConfigDef = { key: 'x.name', scope: 'broker', type: 'string', defaultValue: '', doc: 'A name.' };
    expect(parseConfigValueFor(def, '  a b ')).toEqual({ ok: true, value: 'a b' });
  });

  it("reads partition.assignment.strategy as Kafka's LIST: trimmed items, class names as aliases, no repeats, not empty", () => {
    expect(ok('partition.assignment.strategy', ' cooperative-sticky ')).toBe('cooperative-sticky');
    expect(ok('partition.assignment.strategy', 'org.apache.kafka.clients.consumer.RangeAssignor, org.apache.kafka.clients.consumer.CooperativeStickyAssignor')).toBe('range,cooperative-sticky');
    expect(ok('partition.assignment.strategy', 'sticky,roundrobin')).toBe('sticky,roundrobin');
    expect(error('partition.assignment.strategy', '')).toMatch(/^partition\.assignment\.strategy must be a comma list of range, roundrobin/);
    expect(error('partition.assignment.strategy', 'range,bogus')).toMatch(/got 'range,bogus'$/);
    expect(error('partition.assignment.strategy', 'range,org.apache.kafka.clients.consumer.RangeAssignor')).toMatch(/names range twice/);
  });

  it('rejects unknown keys', () => {
    expect(error('no.such.key', '1')).toBe("unknown config key 'no.such.key'");
  });

  it('keeps errors on one line whatever the value holds', () => {
    expect(error('acks', 'a\nb\u2028c\u001b[31m')).toBe("acks must be one of all, 0, 1, -1; got 'a\\u{a}b\\u{2028}c\\u{1b}[31m'");
  });

  it('returns canonical values that parse to themselves', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...KAFKA_CONFIGS),
        fc.oneof(
          fc.string(),
          fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map(String),
          fc.constantFrom('true', 'False', '-1', 'delete,compact', ' all ', 'earliest'),
        ),
        (def, raw) => {
          const first = parseConfigValueFor(def, raw);
          if (first.ok) {
            expect(parseConfigValueFor(def, first.value)).toEqual(first);
          } else {
            expect(first.error.length).toBeGreaterThan(0);
            expect(first.error).not.toMatch(/[\n\r\u2028\u2029]/);
          }
        },
      ),
    );
  });
});

describe('resolveConfig', () => {
  it("gives every key's default, with sorted keys, when nothing is overridden", () => {
    const resolved = resolveConfig({});
    expect(Object.keys(resolved)).toEqual(KAFKA_CONFIG_KEYS);
    for (const def of KAFKA_CONFIGS) {
      expect(resolved[def.key]).toBe(def.defaultValue);
    }
  });

  it('applies overrides in canonical form and leaves the rest at their defaults', () => {
    const resolved = resolveConfig({ acks: '-1', 'min.insync.replicas': '2', 'cleanup.policy': 'delete,compact' });
    expect(resolved.acks).toBe('all');
    expect(resolved['min.insync.replicas']).toBe('2');
    expect(resolved['cleanup.policy']).toBe('compact,delete');
    expect(resolved['linger.ms']).toBe('5');
    expect(Object.keys(resolved)).toEqual(KAFKA_CONFIG_KEYS);
  });

  it('fails an assertion on an unknown key or an invalid value, which the command line should have caught', () => {
    expect(() => resolveConfig({ 'no.such.key': '1' })).toThrow(AssertionError);
    expect(() => resolveConfig({ 'min.insync.replicas': '0' })).toThrow(/min\.insync\.replicas must be an integer/);
  });
});

describe('quoteForMessage', () => {
  it('escapes what would break a one-line message and keeps the rest', () => {
    expect(quoteForMessage('plain')).toBe("'plain'");
    expect(quoteForMessage("it's a\\b")).toBe("'it\\'s a\\\\b'");
    expect(quoteForMessage('a\r\nb')).toBe("'a\\u{d}\\u{a}b'");
    expect(quoteForMessage('x\u2029y\u202ez')).toBe("'x\\u{2029}y\\u{202e}z'");
    expect(quoteForMessage('\ud800')).toBe("'\\u{d800}'");
    expect(quoteForMessage('héllo 🦀 日本')).toBe("'héllo 🦀 日本'");
  });

  it('cuts long values short', () => {
    expect(quoteForMessage('a'.repeat(1000))).toBe(`'${'a'.repeat(80)}…'`);
    expect(quoteForMessage('abcdef', 3)).toBe("'abc…'");
    expect(quoteForMessage('abc', 3)).toBe("'abc'");
  });
});

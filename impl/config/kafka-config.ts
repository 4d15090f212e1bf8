import { assert, assertNever } from '../common/assert.ts';
import { quoteForMessage } from './quote-for-message.ts';

/**
 * The Kafka config keys refka understands, with Kafka's names, types, defaults and bounds.
 *
 * Values are kept as strings everywhere (`--config`, variants, reports, the run digest), because a
 * Kafka `long` such as `flush.messages`' default 9223372036854775807 does not fit in a JavaScript
 * number. Code that needs a number converts the canonical string itself and must decide what a
 * value beyond `Number.MAX_SAFE_INTEGER` means (for the `Long.MAX_VALUE` defaults: "never").
 *
 * Defaults follow Kafka 4.x (`ProducerConfig`, `ConsumerConfig`, `LogConfig`,
 * `ReplicationConfigs`, `KRaftConfigs`). Where refka departs from Kafka the entry says so in `note`.
 */
export type ConfigScope = 'broker' | 'topic' | 'producer' | 'consumer';

export type ConfigType = KafkaConfigDef['type'];

interface ConfigDefCommon {
  /** Kafka's exact key. */
  readonly key: string;
  /** Where Kafka defines the key. Topic keys that also have a broker-wide default say so in `doc`. */
  readonly scope: ConfigScope;
  /** Kafka's default, in canonical form. */
  readonly defaultValue: string;
  /** One sentence: what the key controls. */
  readonly doc: string;
  /** Where refka's handling departs from Kafka's, and why. */
  readonly note?: string;
}

export type KafkaConfigDef =
  | (ConfigDefCommon & {
      /** Kafka's `INT` (32-bit) or `LONG` (64-bit); the bounds are decimal strings, inclusive. */
      readonly type: 'int' | 'long';
      readonly min?: string;
      readonly max?: string;
    })
  | (ConfigDefCommon & { readonly type: 'boolean' })
  | (ConfigDefCommon & {
      readonly type: 'enum';
      /** The canonical values. */
      readonly values: readonly string[];
      /** Other accepted spellings, mapped to their canonical value. */
      readonly aliases?: Readonly<Record<string, string>>;
    })
  | (ConfigDefCommon & {
      /**
       * Kafka's `LIST` of names: comma-separated items, each one of `values` (or an alias of one),
       * none twice, at least one. The canonical form joins the canonical items with commas.
       */
      readonly type: 'list';
      readonly values: readonly string[];
      readonly aliases?: Readonly<Record<string, string>>;
    })
  | (ConfigDefCommon & { readonly type: 'string' });

const INT_MIN = -(2n ** 31n);
const INT_MAX = 2n ** 31n - 1n;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** Java's `Long.MAX_VALUE`, Kafka's "never" for flush intervals. */
export const KAFKA_LONG_MAX = LONG_MAX.toString();
/** Java's `Integer.MAX_VALUE`, the producer's default `retries`. */
export const KAFKA_INT_MAX = INT_MAX.toString();

export const KAFKA_CONFIGS: readonly KafkaConfigDef[] = [
  // Topic configs (LogConfig). Each has a broker-wide default, mostly under a `log.` name.
  {
    key: 'min.insync.replicas',
    scope: 'topic',
    type: 'int',
    defaultValue: '1',
    min: '1',
    doc: 'With acks=all, the fewest in-sync replicas (leader included) that must have a write before the leader acknowledges it; also a broker-wide default under the same name.',
  },
  {
    key: 'unclean.leader.election.enable',
    scope: 'topic',
    type: 'boolean',
    defaultValue: 'false',
    doc: 'Whether a replica outside the ISR may be elected leader as a last resort, trading possible data loss for availability; also a broker-wide default under the same name.',
  },
  {
    key: 'flush.messages',
    scope: 'topic',
    type: 'long',
    defaultValue: KAFKA_LONG_MAX,
    min: '1',
    doc: 'Fsync the log after this many messages have been appended since the last fsync; the default (Long.MAX_VALUE) leaves flushing to the operating system.',
  },
  {
    key: 'flush.ms',
    scope: 'topic',
    type: 'long',
    defaultValue: KAFKA_LONG_MAX,
    min: '0',
    doc: 'Fsync the log when this many milliseconds have passed since the last fsync; the default (Long.MAX_VALUE) leaves flushing to the operating system.',
  },
  {
    key: 'segment.bytes',
    scope: 'topic',
    type: 'int',
    defaultValue: '1073741824',
    min: '14',
    doc: 'The size in bytes at which the active log segment is rolled and a new one started.',
    note: 'Kafka 4.0 raised the minimum from 14 bytes to 1 MiB (KIP-1030) and keeps the small values for its own tests in internal.segment.bytes; refka keeps the pre-4.0 minimum of 14 so that short simulated runs roll segments.',
  },
  {
    key: 'segment.ms',
    scope: 'topic',
    type: 'long',
    defaultValue: '604800000',
    min: '1',
    doc: 'The age in milliseconds at which the active log segment is rolled even if it is not full.',
  },
  {
    key: 'index.interval.bytes',
    scope: 'topic',
    type: 'int',
    defaultValue: '4096',
    min: '0',
    doc: 'How many bytes of records are appended between two entries of the offset index.',
  },
  {
    key: 'segment.index.bytes',
    scope: 'topic',
    type: 'int',
    defaultValue: '10485760',
    min: '4',
    doc: 'The size in bytes of a segment\'s offset index; a segment whose index is full is rolled.',
  },
  {
    key: 'message.timestamp.type',
    scope: 'topic',
    type: 'enum',
    defaultValue: 'CreateTime',
    values: ['CreateTime', 'LogAppendTime'],
    doc: 'Whether record timestamps are the producer\'s create time or the broker\'s append time.',
  },
  {
    key: 'delete.retention.ms',
    scope: 'topic',
    type: 'long',
    defaultValue: '86400000',
    min: '0',
    doc: 'How long a tombstone (a null value) is kept in a compacted topic after it was written.',
    note: 'Kafka measures this from when the cleaner first cleaned the tombstone\'s segment (KIP-534); refka measures it from the tombstone\'s batch timestamp.',
  },
  {
    key: 'retention.ms',
    scope: 'topic',
    type: 'long',
    defaultValue: '604800000',
    min: '-1',
    doc: 'How long in milliseconds a closed segment is kept before the delete policy removes it; -1 keeps segments forever.',
  },
  {
    key: 'retention.bytes',
    scope: 'topic',
    type: 'long',
    defaultValue: '-1',
    doc: 'The partition size in bytes above which the delete policy removes the oldest segments; a negative value means no size limit.',
  },
  {
    key: 'cleanup.policy',
    scope: 'topic',
    type: 'enum',
    defaultValue: 'delete',
    values: ['delete', 'compact', 'compact,delete'],
    aliases: { 'delete,compact': 'compact,delete' },
    doc: 'How old segments are cleaned up: delete them after retention, compact them to the latest value per key, or both.',
  },
  {
    key: 'max.message.bytes',
    scope: 'topic',
    type: 'int',
    defaultValue: '1048588',
    min: '0',
    doc: 'The largest record batch in bytes the broker accepts for this topic.',
  },

  // Broker configs (ReplicationConfigs, KRaftConfigs, ServerLogConfigs).
  {
    key: 'replica.lag.time.max.ms',
    scope: 'broker',
    type: 'long',
    defaultValue: '30000',
    min: '1',
    doc: 'A follower that has not fetched, or not caught up to the leader, for this many milliseconds is removed from the ISR.',
    note: 'Kafka does not validate this key; refka rejects values below 1 because a lag bound of zero or less has no meaning.',
  },
  {
    key: 'replica.fetch.wait.max.ms',
    scope: 'broker',
    type: 'int',
    defaultValue: '500',
    min: '0',
    doc: 'The longest a follower fetch request waits at the leader for new data before it is answered.',
    note: 'Kafka does not validate this key; refka rejects negative waits.',
  },
  {
    key: 'replica.fetch.max.bytes',
    scope: 'broker',
    type: 'int',
    defaultValue: '1048576',
    min: '0',
    doc: 'The bytes of record batches a follower asks for per partition in one fetch. Not an absolute maximum: the first batch is returned whole even when larger, so that the follower makes progress.',
  },
  {
    key: 'metadata.log.max.record.bytes.between.snapshots',
    scope: 'broker',
    type: 'long',
    defaultValue: '20971520',
    min: '1',
    doc: 'A KRaft controller writes a metadata snapshot once this many bytes of metadata records were committed since its last one (KIP-630).',
    note: 'refka counts the bytes of the records it replayed; Kafka counts the batches read.',
  },
  {
    key: 'controller.quorum.auto.join.enable',
    scope: 'broker',
    type: 'boolean',
    defaultValue: 'false',
    doc: 'A KRaft controller that is an observer of the metadata quorum asks the leader to remove the voter of its id with another directory id (its replaced disk\'s), then to add it with its own (KIP-853 AddRaftVoter and RemoveRaftVoter; KAFKA-19078, Kafka 4.2).',
    note: 'refka\'s runs and scenarios set it to true unless told otherwise, so that a controller whose disk the swarm replaced gets its vote back without an operator (`kafka-metadata-quorum add-controller`).',
  },
  {
    key: 'broker.session.timeout.ms',
    scope: 'broker',
    type: 'int',
    defaultValue: '9000',
    min: '1',
    doc: 'The KRaft controller fences a broker that has sent no heartbeat for this many milliseconds.',
    note: 'Kafka does not validate this key; refka rejects values below 1.',
  },
  {
    key: 'broker.heartbeat.interval.ms',
    scope: 'broker',
    type: 'int',
    defaultValue: '2000',
    min: '1',
    doc: 'How often in milliseconds a broker sends a heartbeat to the KRaft controller.',
    note: 'Kafka does not validate this key; refka rejects values below 1.',
  },
  {
    key: 'auto.leader.rebalance.enable',
    scope: 'broker',
    type: 'boolean',
    defaultValue: 'true',
    doc: 'The controller periodically moves each partition\'s leadership back to its preferred replica (the first in its replica list) once that replica is in the ISR.',
  },
  {
    key: 'leader.imbalance.check.interval.seconds',
    scope: 'broker',
    type: 'long',
    defaultValue: '300',
    min: '1',
    doc: 'How often in seconds the controller looks for partitions whose leader is not their preferred replica.',
    note: 'The KRaft controller elects every imbalanced partition whose preferred replica can lead; it does not use leader.imbalance.per.broker.percentage, and neither does refka.',
  },
  {
    key: 'eligible.leader.replicas.version',
    scope: 'broker',
    type: 'int',
    defaultValue: '1',
    min: '0',
    max: '1',
    doc: 'KIP-966 Eligible Leader Replicas: at 1 the controller keeps replicas that left the ISR while it was below min.insync.replicas as leader candidates, and drops brokers that restart after an unclean shutdown from them.',
    note: 'Kafka finalizes this as a feature level (kafka-features.sh, or kafka-storage.sh format --feature), on by default for clusters formatted by Kafka 4.1 and later; refka reads it as a config key. The pre-kip-966 variant turns it off.',
  },
  {
    key: 'log.retention.check.interval.ms',
    scope: 'broker',
    type: 'long',
    defaultValue: '300000',
    min: '1',
    doc: 'How often in milliseconds the log manager looks for segments that retention (retention.ms, retention.bytes) may delete (LogManager.cleanupLogs).',
  },
  {
    key: 'log.cleaner.backoff.ms',
    scope: 'broker',
    type: 'long',
    defaultValue: '15000',
    min: '1',
    doc: 'How long in milliseconds the log cleaner sleeps when no log needs cleaning.',
    note: 'Kafka\'s cleaner threads clean the dirtiest log whenever one is dirty enough (min.cleanable.dirty.ratio); refka compacts every log whose cleanup.policy includes compact once per log.cleaner.backoff.ms, and rejects values below 1 because a zero interval would never let time pass.',
  },
  // The group coordinator (GroupCoordinatorConfig) and its topic, __consumer_offsets.
  {
    key: 'offsets.topic.num.partitions',
    scope: 'broker',
    type: 'int',
    defaultValue: '50',
    min: '1',
    doc: 'The number of partitions of __consumer_offsets, fixed when the topic is created on first use; a group\'s coordinator is the leader of partition abs(hashCode(group.id)) % this.',
  },
  {
    key: 'offsets.topic.replication.factor',
    scope: 'broker',
    type: 'int',
    defaultValue: '3',
    min: '1',
    doc: 'The replication factor of __consumer_offsets; creating the topic waits until that many brokers are registered and unfenced.',
  },
  {
    key: 'group.min.session.timeout.ms',
    scope: 'broker',
    type: 'int',
    defaultValue: '6000',
    min: '0',
    doc: 'The smallest session.timeout.ms a member may join a group with (JoinGroup answers INVALID_SESSION_TIMEOUT below it).',
  },
  {
    key: 'group.max.session.timeout.ms',
    scope: 'broker',
    type: 'int',
    defaultValue: '1800000',
    min: '0',
    doc: 'The largest session.timeout.ms a member may join a group with (JoinGroup answers INVALID_SESSION_TIMEOUT above it).',
  },
  {
    key: 'group.initial.rebalance.delay.ms',
    scope: 'broker',
    type: 'int',
    defaultValue: '3000',
    min: '0',
    doc: 'How long the coordinator waits for more members to join an empty group before completing its first rebalance.',
  },
  {
    key: 'offsets.commit.timeout.ms',
    scope: 'broker',
    type: 'int',
    defaultValue: '5000',
    min: '1',
    doc: 'How long a group coordinator write (an offset commit, a join, a sync, a leave) waits for its records to reach the high watermark of __consumer_offsets before it fails with REQUEST_TIMED_OUT (answered as COORDINATOR_NOT_AVAILABLE); the records stay written and may still commit.',
  },
  {
    key: 'group.max.size',
    scope: 'broker',
    type: 'int',
    defaultValue: KAFKA_INT_MAX,
    min: '1',
    doc: 'The most members one classic group may have (JoinGroup answers GROUP_MAX_SIZE_REACHED beyond it).',
    note: 'refka caps it at 1000, because every collection it keeps has a limit.',
  },
  {
    key: 'num.partitions',
    scope: 'broker',
    type: 'int',
    defaultValue: '1',
    min: '1',
    doc: 'The number of partitions of an automatically created topic.',
  },
  {
    key: 'default.replication.factor',
    scope: 'broker',
    type: 'int',
    defaultValue: '1',
    min: '1',
    doc: 'The replication factor of an automatically created topic.',
    note: 'Kafka does not validate this key; refka rejects values below 1.',
  },

  // Producer configs (ProducerConfig).
  {
    key: 'acks',
    scope: 'producer',
    type: 'enum',
    defaultValue: 'all',
    values: ['all', '0', '1'],
    aliases: { '-1': 'all' },
    doc: 'How many acknowledgements the producer waits for: none (0), the leader only (1), or every in-sync replica (all, also written -1).',
  },
  {
    key: 'enable.idempotence',
    scope: 'producer',
    type: 'boolean',
    defaultValue: 'true',
    doc: 'Whether the producer tags batches with a producer id and sequence numbers so that retries cannot write duplicates.',
  },
  {
    key: 'linger.ms',
    scope: 'producer',
    type: 'long',
    defaultValue: '5',
    min: '0',
    doc: 'How long in milliseconds the producer waits for more records before sending a batch that is not full; the default is 5 since Kafka 4.0 (KIP-1030), 0 before.',
  },
  {
    key: 'batch.size',
    scope: 'producer',
    type: 'int',
    defaultValue: '16384',
    min: '0',
    doc: 'The size in bytes up to which the producer batches records for one partition.',
  },
  {
    key: 'max.in.flight.requests.per.connection',
    scope: 'producer',
    type: 'int',
    defaultValue: '5',
    min: '1',
    doc: 'The most produce requests the producer has unacknowledged on one connection.',
  },
  {
    key: 'retries',
    scope: 'producer',
    type: 'int',
    defaultValue: KAFKA_INT_MAX,
    min: '0',
    max: KAFKA_INT_MAX,
    doc: 'How many times the producer resends a batch that failed with a retriable error, within delivery.timeout.ms.',
  },
  {
    key: 'retry.backoff.ms',
    scope: 'producer',
    type: 'long',
    defaultValue: '100',
    min: '0',
    doc: 'How long in milliseconds a client waits before retrying a failed request (the consumer has the same key and default, and backs off exponentially from it up to retry.backoff.max.ms).',
  },
  {
    key: 'delivery.timeout.ms',
    scope: 'producer',
    type: 'int',
    defaultValue: '120000',
    min: '0',
    doc: 'The upper bound in milliseconds on reporting a send as succeeded or failed, retries included.',
  },
  {
    key: 'request.timeout.ms',
    scope: 'producer',
    type: 'int',
    defaultValue: '30000',
    min: '0',
    doc: 'How long in milliseconds a client waits for the response to a request before retrying or failing it (the consumer has the same key and default).',
  },

  // Consumer configs (ConsumerConfig).
  {
    key: 'fetch.min.bytes',
    scope: 'consumer',
    type: 'int',
    defaultValue: '1',
    min: '0',
    doc: 'The fewest bytes a fetch response should carry; the broker holds the fetch until it has them or fetch.max.wait.ms passes.',
  },
  {
    key: 'fetch.max.wait.ms',
    scope: 'consumer',
    type: 'int',
    defaultValue: '500',
    min: '0',
    doc: 'The longest a consumer fetch request waits at the broker for fetch.min.bytes of data.',
  },
  {
    key: 'auto.offset.reset',
    scope: 'consumer',
    type: 'enum',
    defaultValue: 'latest',
    values: ['earliest', 'latest', 'none'],
    doc: 'Where a consumer starts when it has no committed offset or its offset is out of range: the log start, the log end, or an error.',
    note: "Kafka 4.0 also accepts by_duration:<ISO-8601 duration> (KIP-1106); refka does not.",
  },
  // The consumer's group membership (ConsumerConfig, CommonClientConfigs), read by a consumer
  // that subscribes through a group (impl/client/kafka-consumer.ts, spec/consumer-coordinator.md).
  {
    key: 'group.id',
    scope: 'consumer',
    type: 'string',
    defaultValue: '',
    doc: 'The consumer group a subscribing consumer joins and commits its offsets to.',
    note: "Kafka's default is null; refka's empty string means the same: no group. The workload's consumers assign their partitions manually whatever this says, as Kafka's assign() does; only the group consumers a run adds subscribe.",
  },
  {
    key: 'group.instance.id',
    scope: 'consumer',
    type: 'string',
    defaultValue: '',
    doc: 'A static member id (KIP-345): a member with one keeps its partitions across restarts within session.timeout.ms and never sends LeaveGroup.',
    note: "Kafka's default is null; refka's empty string means the same: a dynamic member.",
  },
  {
    key: 'session.timeout.ms',
    scope: 'consumer',
    type: 'int',
    defaultValue: '45000',
    min: '0',
    doc: 'How long the group coordinator waits for a member\'s heartbeat before it removes the member and rebalances.',
  },
  {
    key: 'heartbeat.interval.ms',
    scope: 'consumer',
    type: 'int',
    defaultValue: '3000',
    min: '0',
    doc: 'How often a group member heartbeats to its coordinator; it must be below session.timeout.ms.',
  },
  {
    key: 'max.poll.interval.ms',
    scope: 'consumer',
    type: 'int',
    defaultValue: '300000',
    min: '1',
    doc: 'The longest a group member may go between polls before it leaves the group; also the rebalance timeout it joins with.',
  },
  {
    key: 'enable.auto.commit',
    scope: 'consumer',
    type: 'boolean',
    defaultValue: 'true',
    doc: 'Whether a group member commits the positions of the records earlier polls returned, every auto.commit.interval.ms and before it gives partitions up.',
  },
  {
    key: 'auto.commit.interval.ms',
    scope: 'consumer',
    type: 'int',
    defaultValue: '5000',
    min: '0',
    doc: 'How often in milliseconds a group member with enable.auto.commit commits its positions.',
  },
  {
    key: 'partition.assignment.strategy',
    scope: 'consumer',
    type: 'list',
    defaultValue: 'range,cooperative-sticky',
    values: ['range', 'roundrobin', 'sticky', 'cooperative-sticky'],
    aliases: {
      'org.apache.kafka.clients.consumer.RangeAssignor': 'range',
      'org.apache.kafka.clients.consumer.RoundRobinAssignor': 'roundrobin',
      'org.apache.kafka.clients.consumer.StickyAssignor': 'sticky',
      'org.apache.kafka.clients.consumer.CooperativeStickyAssignor': 'cooperative-sticky',
    },
    doc: 'The assignors a group member offers, in preference order; the group\'s leader assigns partitions with the one every member offers.',
    note: "Kafka's values are assignor class names; refka takes the assignors' names (their name()), and Kafka's four built-in class names as aliases. Custom assignors are not supported.",
  },
  {
    key: 'retry.backoff.max.ms',
    scope: 'consumer',
    type: 'long',
    defaultValue: '1000',
    min: '0',
    doc: 'The cap in milliseconds of the consumer\'s exponential retry backoff (KIP-580).',
    note: 'refka backs off without jitter, which would need randomness in the coordinator core.',
  },
  {
    key: 'default.api.timeout.ms',
    scope: 'consumer',
    type: 'int',
    defaultValue: '60000',
    min: '0',
    doc: 'How long a consumer call without its own timeout (a commit, a committed-offset fetch) keeps retrying.',
  },
];

const CONFIGS_BY_KEY: ReadonlyMap<string, KafkaConfigDef> = new Map(KAFKA_CONFIGS.map((def) => [def.key, def]));
assert(CONFIGS_BY_KEY.size === KAFKA_CONFIGS.length, 'KAFKA_CONFIGS has a duplicate key');

/** The keys, sorted. */
export const KAFKA_CONFIG_KEYS: readonly string[] = KAFKA_CONFIGS.map((def) => def.key).sort();

export function findConfig(key: string): KafkaConfigDef | undefined {
  return CONFIGS_BY_KEY.get(key);
}

export type ConfigValueResult = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly error: string };

/**
 * Validates `raw` for `key` and returns its canonical form, or a one-line error naming the key
 * and the value. Like Kafka's `ConfigDef.parseType`, surrounding whitespace is ignored.
 */
export function parseConfigValue(key: string, raw: string): ConfigValueResult {
  const def = findConfig(key);
  if (def === undefined) {
    return { ok: false, error: `unknown config key ${quoteForMessage(key)}` };
  }
  return parseConfigValueFor(def, raw);
}

/** {@link parseConfigValue} for a definition that need not be in the registry. */
export function parseConfigValueFor(def: KafkaConfigDef, raw: string): ConfigValueResult {
  const trimmed = raw.trim();
  switch (def.type) {
    case 'int':
    case 'long': {
      const typeMin = def.type === 'int' ? INT_MIN : LONG_MIN;
      const typeMax = def.type === 'int' ? INT_MAX : LONG_MAX;
      const min = def.min === undefined ? typeMin : BigInt(def.min);
      const max = def.max === undefined ? typeMax : BigInt(def.max);
      const error = `${def.key} must be an integer from ${min} to ${max}, got ${quoteForMessage(raw)}`;
      // Java's Long.parseLong syntax: an optional sign, then decimal digits.
      if (!/^[+-]?[0-9]+$/.test(trimmed)) {
        return { ok: false, error };
      }
      const value = BigInt(trimmed);
      if (value < min || value > max) {
        return { ok: false, error };
      }
      return { ok: true, value: value.toString() };
    }
    case 'boolean': {
      // Kafka compares booleans case-insensitively.
      const lower = trimmed.toLowerCase();
      if (lower === 'true' || lower === 'false') {
        return { ok: true, value: lower };
      }
      return { ok: false, error: `${def.key} must be true or false, got ${quoteForMessage(raw)}` };
    }
    case 'enum': {
      // Kafka's LIST type splits on commas and trims each item.
      const normalized = trimmed
        .split(',')
        .map((item) => item.trim())
        .join(',');
      if (def.values.includes(normalized)) {
        return { ok: true, value: normalized };
      }
      const aliases = def.aliases ?? {};
      if (Object.hasOwn(aliases, normalized)) {
        const canonical = aliases[normalized];
        assert(canonical !== undefined && def.values.includes(canonical), `${def.key}: alias ${normalized} has no canonical value`);
        return { ok: true, value: canonical };
      }
      const accepted = [...def.values, ...Object.keys(aliases)].join(', ');
      return { ok: false, error: `${def.key} must be one of ${accepted}; got ${quoteForMessage(raw)}` };
    }
    case 'list':
      return parseListValue(def, raw, trimmed);
    case 'string':
      return { ok: true, value: trimmed };
    default:
      return assertNever(def, 'config type');
  }
}

/** Kafka's `LIST` type: split on commas, trim each item, map aliases; no empty list, no repeats. */
function parseListValue(def: Extract<KafkaConfigDef, { type: 'list' }>, raw: string, trimmed: string): ConfigValueResult {
  const aliases = def.aliases ?? {};
  const accepted = [...def.values, ...Object.keys(aliases)].join(', ');
  const items: string[] = [];
  for (const item of trimmed.split(',').map((part) => part.trim())) {
    const canonical = def.values.includes(item) ? item : Object.hasOwn(aliases, item) ? aliases[item] : undefined;
    if (canonical === undefined) return { ok: false, error: `${def.key} must be a comma list of ${accepted}; got ${quoteForMessage(raw)}` };
    assert(def.values.includes(canonical), `${def.key}: alias ${item} has no canonical value`);
    if (items.includes(canonical)) return { ok: false, error: `${def.key} names ${canonical} twice; got ${quoteForMessage(raw)}` };
    items.push(canonical);
  }
  return { ok: true, value: items.join(',') };
}

/**
 * Every key's effective value: its override if there is one, else Kafka's default. Keys are
 * sorted. The overrides must already be valid (the command line validates them); an unknown key or
 * a bad value here is a bug in refka and fails an assertion.
 */
export function resolveConfig(overrides: Readonly<Record<string, string>>): Record<string, string> {
  for (const key of Object.keys(overrides)) {
    assert(CONFIGS_BY_KEY.has(key), `resolveConfig: unknown config key ${quoteForMessage(key)}`);
  }
  const resolved: Record<string, string> = {};
  for (const key of KAFKA_CONFIG_KEYS) {
    const def = CONFIGS_BY_KEY.get(key);
    assert(def !== undefined, `resolveConfig: ${key} is missing from the registry`);
    const override = Object.hasOwn(overrides, key) ? overrides[key] : undefined;
    if (override === undefined) {
      resolved[key] = def.defaultValue;
      continue;
    }
    const parsed = parseConfigValueFor(def, override);
    assert(parsed.ok, `resolveConfig: ${parsed.ok ? '' : parsed.error}`);
    resolved[key] = parsed.value;
  }
  return resolved;
}

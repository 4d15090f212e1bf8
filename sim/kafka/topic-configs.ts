import { assert } from '../../impl/common/assert.ts';
import { findConfig, parseConfigValueFor } from '../../impl/config/kafka-config.ts';
import type { RandomStream } from '../../impl/env/node-environment.ts';

/**
 * The name of the seeded stream the workload's topic configs are drawn from. It is derived from
 * the run seed and this name alone (`AleaRandomStream`), so the same seed draws the same configs
 * whatever the faults, the network or the nodes draw.
 */
export const TOPIC_CONFIGS_STREAM = 'workload:topic-configs';

/** The keys a run may draw for the workload topic, in the order they are drawn. */
export const DRAWN_TOPIC_CONFIG_KEYS = ['min.insync.replicas', 'segment.bytes', 'flush.messages', 'retention.ms', 'retention.bytes', 'cleanup.policy'] as const;

/** Small segments, so that a one-minute run rolls several and retention has whole segments to delete. */
export const DRAWN_SEGMENT_BYTES = ['4096', '16384', '65536'] as const;
/** Retention bounds a one-minute run breaches (a run writes a few KiB per partition per second). */
export const DRAWN_RETENTION_MS = ['10000', '30000'] as const;
export const DRAWN_RETENTION_BYTES = ['65536', '131072'] as const;

/**
 * Draws the workload topic's configs (what `kafka-topics.sh --create --config` would be given), the
 * way swarm testing draws a fault mix: each seed runs the topic shaped differently, so a sweep
 * exercises topic overrides, segment rolls, per-message fsync, retention and compaction.
 *
 * - `min.insync.replicas`: 2 mostly, 3 one run in five when the replication factor is at least 3;
 *   never below 2 (the durability claims need two copies), nor above the replication factor.
 * - `segment.bytes`: always small (4 KiB to 64 KiB) so that segments roll.
 * - `flush.messages`: absent mostly (the OS flushes), 1 one run in five (fsync every append).
 * - `retention.ms`, `retention.bytes`: each absent mostly, a bound one run in five.
 * - `cleanup.policy`: `delete` mostly, `compact` or `compact,delete` one run in eight each.
 *
 * Keys in `fixed` (what `--config` or a variant sets) are not drawn: those settings win, and
 * drawing them anyway would leave the stream in the same place, so every other key's draw does
 * not depend on which keys were fixed. Returns the configs with keys sorted.
 */
export function drawTopicConfigs(random: RandomStream, replicationFactor: number, fixed: ReadonlySet<string> = new Set()): Record<string, string> {
  assert(replicationFactor >= 1, 'a topic needs a replication factor of at least 1');
  // Every key consumes its draws whether or not it is kept, so the draws stay aligned.
  const three = random.chance(0.2);
  const drawn: Record<string, string | undefined> = {
    'min.insync.replicas': three && replicationFactor >= 3 ? '3' : String(Math.min(2, replicationFactor)),
    'segment.bytes': random.pick(DRAWN_SEGMENT_BYTES),
    'flush.messages': random.chance(0.2) ? '1' : undefined,
    'retention.ms': pickSometimes(random, 0.2, DRAWN_RETENTION_MS),
    'retention.bytes': pickSometimes(random, 0.2, DRAWN_RETENTION_BYTES),
    'cleanup.policy': cleanupPolicy(random.next()),
  };
  const configs: Record<string, string> = {};
  for (const key of [...DRAWN_TOPIC_CONFIG_KEYS].sort()) {
    const value = drawn[key];
    if (value === undefined || fixed.has(key)) continue;
    const def = findConfig(key);
    assert(def !== undefined && def.scope === 'topic', `drawn config ${key} is not a topic config`);
    const parsed = parseConfigValueFor(def, value);
    assert(parsed.ok && parsed.value === value, `drawn ${key}=${value} is not a canonical value`);
    configs[key] = value;
  }
  return configs;
}

function pickSometimes<T>(random: RandomStream, probability: number, values: readonly T[]): T | undefined {
  const chosen = random.chance(probability);
  const value = random.pick(values);
  return chosen ? value : undefined;
}

function cleanupPolicy(draw: number): string {
  if (draw < 0.125) return 'compact';
  if (draw < 0.25) return 'compact,delete';
  return 'delete';
}

/** `key=value` pairs, space-separated, keys sorted (for the run header). */
export function describeTopicConfigs(configs: Readonly<Record<string, string>>): string {
  const keys = Object.keys(configs).sort();
  return keys.length === 0 ? '(none)' : keys.map((key) => `${key}=${configs[key] ?? ''}`).join(' ');
}

/**
 * `--config KEY=VALUE` checked against Kafka's config registry, `--variant` checked against the
 * protocol variants, and the contradictions between them: the variants' overrides merged, a
 * `--config` that contradicts a variant, a min.insync.replicas above the replication factor.
 */
import { assert } from '../../impl/common/assert.ts';
import { KAFKA_CONFIG_KEYS, findConfig, parseConfigValueFor } from '../../impl/config/kafka-config.ts';
import { closest } from '../../impl/config/closest-name.ts';
import { quoteForMessage } from '../../impl/config/quote-for-message.ts';
import type { ProtocolVariant } from '../../impl/variants/variant-registry.ts';
import { UsageError } from './option-value.ts';

export function parseConfigOverrides(raws: readonly string[]): Map<string, string> {
  const config = new Map<string, string>();
  for (const raw of raws) {
    const equals = raw.indexOf('=');
    if (equals <= 0) {
      throw new UsageError(`--config must be KEY=VALUE, such as min.insync.replicas=2; got ${quoteForMessage(raw)}`);
    }
    const key = raw.slice(0, equals);
    const def = findConfig(key);
    if (def === undefined) {
      const suggestion = closest(key, KAFKA_CONFIG_KEYS);
      const hint = suggestion === undefined ? '' : ` (did you mean '${suggestion}'?)`;
      throw new UsageError(`--config: unknown config key ${quoteForMessage(key)}${hint}`);
    }
    const parsed = parseConfigValueFor(def, raw.slice(equals + 1));
    if (!parsed.ok) {
      throw new UsageError(`--config: ${parsed.error}`);
    }
    if (config.has(key)) {
      throw new UsageError(`--config sets ${key} more than once`);
    }
    config.set(key, parsed.value);
  }
  return config;
}

export function parseVariants(names: readonly string[], registry: readonly ProtocolVariant[]): string[] {
  const chosen = new Set<string>();
  for (const name of names) {
    if (!registry.some((variant) => variant.name === name)) {
      const known = registry.length === 0 ? '(none yet)' : registry.map((variant) => variant.name).join(', ');
      throw new UsageError(`--variant: unknown variant ${quoteForMessage(name)}; known variants: ${known}`);
    }
    if (chosen.has(name)) {
      throw new UsageError(`--variant ${name} is given more than once`);
    }
    chosen.add(name);
  }
  return [...chosen].sort();
}

/**
 * The variants' config overrides, merged. Two variants that set a key to different values, or a
 * `--config` that contradicts a variant, are rejected: the run could not honour both, and the order
 * of the options must not change what a run means.
 */
export function mergeVariantConfig(
  names: readonly string[],
  registry: readonly ProtocolVariant[],
  config: ReadonlyMap<string, string>,
): Map<string, { value: string; variant: string }> {
  const merged = new Map<string, { value: string; variant: string }>();
  for (const name of names) {
    const variant = registry.find((candidate) => candidate.name === name);
    assert(variant !== undefined, `variant ${name} vanished from the registry`);
    for (const key of Object.keys(variant.configOverrides).sort()) {
      const value = variant.configOverrides[key];
      assert(value !== undefined, `variant ${name}: override ${key} has no value`);
      const earlier = merged.get(key);
      if (earlier !== undefined && earlier.value !== value) {
        throw new UsageError(
          `--variant ${earlier.variant} and --variant ${name} set ${key} to different values (${earlier.value} and ${value})`,
        );
      }
      const given = config.get(key);
      if (given !== undefined && given !== value) {
        throw new UsageError(`--config ${key}=${given} contradicts --variant ${name}, which needs ${key}=${value}`);
      }
      merged.set(key, { value, variant: name });
    }
  }
  return merged;
}

export function checkMinInsyncReplicas(
  config: ReadonlyMap<string, string>,
  variantConfig: ReadonlyMap<string, { value: string; variant: string }>,
  replicationFactor: number,
  replicationFactorGiven: boolean,
): void {
  const key = 'min.insync.replicas';
  const fromVariant = variantConfig.get(key);
  const raw = config.get(key) ?? fromVariant?.value;
  if (raw === undefined) {
    // Kafka's default of 1 never exceeds a replication factor.
    return;
  }
  const minInsyncReplicas = Number(raw);
  if (minInsyncReplicas > replicationFactor) {
    const source = config.has(key) ? '' : ` (set by --variant ${fromVariant?.variant ?? '?'})`;
    const rfSource = replicationFactorGiven ? '' : ' (the default)';
    throw new UsageError(
      `${key} ${minInsyncReplicas}${source} is more than --replication-factor ${replicationFactor}${rfSource}`,
    );
  }
}

import { findConfig, parseConfigValueFor } from '../config/kafka-config.ts';

/**
 * A historical protocol variant: a behaviour Kafka once had (usually a bug a KIP or JIRA fixed)
 * that refka can switch back on with `--variant NAME`, so that a run shows the failure Kafka once
 * had. The spec (`spec/`) describes each variant; this registry is what the command line accepts.
 */
export interface ProtocolVariant {
  /** Kebab-case, a command-line contract (`--variant pre-kip-101`). */
  readonly name: string;
  /** One sentence: what behaves differently. */
  readonly summary: string;
  /** The KIP or JIRA that describes or fixed the behaviour. */
  readonly source: string;
  /** Config keys the variant needs, with canonical values (see `impl/config/kafka-config.ts`). */
  readonly configOverrides: Readonly<Record<string, string>>;
}

/** Empty for now; the historical variants (such as pre-kip-101) are added with their behaviour. */
export const PROTOCOL_VARIANTS: readonly ProtocolVariant[] = [];

export function findVariant(name: string, variants: readonly ProtocolVariant[] = PROTOCOL_VARIANTS): ProtocolVariant | undefined {
  return variants.find((variant) => variant.name === name);
}

const VARIANT_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * What is wrong with a variant registry, one line per problem: names must be unique kebab-case,
 * summaries and sources non-empty, and every config override a known key with a canonical value.
 */
export function variantRegistryProblems(variants: readonly ProtocolVariant[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const variant of variants) {
    if (!VARIANT_NAME.test(variant.name)) {
      problems.push(`variant name '${variant.name}' is not kebab-case`);
    }
    if (seen.has(variant.name)) {
      problems.push(`variant name '${variant.name}' is used twice`);
    }
    seen.add(variant.name);
    if (variant.summary.trim() === '') {
      problems.push(`variant '${variant.name}' has no summary`);
    }
    if (variant.source.trim() === '') {
      problems.push(`variant '${variant.name}' has no source (KIP or JIRA)`);
    }
    for (const [key, value] of Object.entries(variant.configOverrides)) {
      const def = findConfig(key);
      if (def === undefined) {
        problems.push(`variant '${variant.name}' overrides unknown config key '${key}'`);
        continue;
      }
      const parsed = parseConfigValueFor(def, value);
      if (!parsed.ok) {
        problems.push(`variant '${variant.name}': ${parsed.error}`);
      } else if (parsed.value !== value) {
        problems.push(`variant '${variant.name}' sets ${key} to '${value}', not its canonical form '${parsed.value}'`);
      }
    }
  }
  return problems;
}

import { assert } from '../common/assert.ts';
import { findConfig, parseConfigValueFor } from '../config/kafka-config.ts';
import { protocolRules, rulesChangedFromKafka, type ProtocolRules, type RuleChanges } from './protocol-rules.ts';

/**
 * A historical protocol variant: a behaviour Kafka once had (usually a bug a KIP or JIRA fixed)
 * that refka can switch back on with `--variant NAME`, so that a run shows the failure Kafka once
 * had. The spec (`spec/`) describes each variant; this registry is what the command line accepts.
 */
export interface ProtocolVariant<Name extends string = string> {
  /** Kebab-case, a command-line contract (`--variant pre-kip-101`). */
  readonly name: Name;
  /** One sentence: what behaves differently. */
  readonly summary: string;
  /** The KIP or JIRA that describes or fixed the behaviour. */
  readonly source: string;
  /** Config keys the variant needs, with canonical values (see `impl/config/kafka-config.ts`). */
  readonly configOverrides: Readonly<Record<string, string>>;
  /** The protocol rules it changes (`protocol-rules.ts`), each away from Kafka's. */
  readonly rules: RuleChanges;
  /** Its bug lives in the consumer groups: it brings the group workload (`--groups`), as it brings its config. */
  readonly groups?: boolean;
}

/**
 * The historical variants, each a rule Kafka used before a KIP or JIRA fixed it. `spec/variants.md`
 * describes each: the rule it restores, the failure, and how a sweep finds it.
 */
export const PROTOCOL_VARIANTS = [
  {
    name: 'kafka-12984',
    summary: 'A consumer that fell out of its group rejoins still claiming the partitions it held, and the cooperative-sticky assignor trusts every claim whatever its generation, so a partition that has moved to another member is given to both.',
    source: 'KAFKA-12984 (PR #10985)',
    configOverrides: {},
    rules: { cooperativeStickyValidatesOwnedPartitions: false, generationResetClearsOwnedPartitions: false },
    groups: true,
  },
  {
    name: 'kafka-15489',
    summary: 'A controller quorum leader never checks that a majority of voters still fetches from it: one cut off from the other voters stays leader, and names itself the active controller with its stale metadata, after a newer epoch has been elected and commits.',
    source: 'KAFKA-15489 (fixed in Kafka 3.7.0, PR #14428)',
    configOverrides: {},
    rules: { raftCheckQuorum: false },
  },
  {
    name: 'kafka-7128',
    summary: 'A follower rejoins the ISR once it reaches the high watermark, even if it has not reached the start of the leader\'s current epoch.',
    source: 'KAFKA-7128',
    // The bug lives in ISR expansions after a leader change; a short lag bound makes followers
    // leave and rejoin the ISR often within a one-minute run. A follower joins on the offset it
    // fetches from, and the window is the few offsets between a new leader's lagging high watermark
    // and its epoch's start: a follower that catches up one batch per fetch (as one further behind
    // than replica.fetch.max.bytes does in a real cluster) steps through it, while one that takes
    // the leader's whole tail in one answer jumps over it. Seeds 1..100: caught by 24 with one batch
    // per fetch, by none with Kafka's 1 MiB or with 4 KiB.
    configOverrides: { 'replica.lag.time.max.ms': '1000', 'replica.fetch.max.bytes': '0' },
    rules: { expansionNeedsEpochStart: false },
  },
  {
    name: 'kafka-8500',
    summary: 'A JoinGroup with an unknown member id and a known group.instance.id replaces the static member\'s id only while the group is Stable; in the other states it adds a second member under the same instance id, and both get assignments.',
    source: 'KAFKA-8500 (apache/kafka PR #6899; KIP-345 static membership)',
    configOverrides: {},
    rules: { joinReplacesStaticMemberInEveryState: false },
    groups: true,
  },
  {
    name: 'kip-497-expand-on-commit',
    summary: 'A leader counts a replica it is adding to the ISR only once the controller has committed the expansion, so the high watermark can pass records the replica then joins the ISR without.',
    source: 'KIP-497 ("ISR Expand: followers are added to the local ISR immediately"; the alternative it rules out)',
    // As pre-kip-497: the bug lives in ISR changes, and a short lag bound makes followers leave and
    // rejoin the ISR often within a one-minute run.
    configOverrides: { 'replica.lag.time.max.ms': '1000' },
    rules: { highWatermarkCountsPendingExpansion: false },
  },
  {
    name: 'no-generation-check',
    summary: 'The group coordinator accepts an OffsetCommit whatever generation and member it names, so a member the group has already removed (a zombie) moves the group\'s committed offset.',
    source: 'Kafka ClassicGroup.validateOffsetCommit (generation fencing, KAFKA-2017 / the group protocol of KIP-40)',
    configOverrides: {},
    rules: { offsetCommitChecksGeneration: false },
    groups: true,
  },
  {
    name: 'pre-kip-101',
    summary: 'A follower truncates its log to its high watermark before fetching from a new leader, instead of asking OffsetsForLeaderEpoch.',
    source: 'KIP-101',
    configOverrides: {},
    rules: { truncateOnNewLeader: 'high-watermark' },
  },
  {
    name: 'pre-kip-279',
    summary: 'OffsetsForLeaderEpoch answers only an end offset, without the epoch it belongs to, so a follower cannot iterate to the true divergence point.',
    source: 'KIP-279',
    configOverrides: { acks: '1', 'min.insync.replicas': '1', 'unclean.leader.election.enable': 'true' },
    rules: { offsetsForLeaderEpochAnswersEpoch: false },
  },
  {
    name: 'pre-kip-320',
    summary: 'Fetches carry no current leader epoch, so a leader serves (and counts) followers still on another epoch; consumers do not validate their positions after a leader change.',
    source: 'KIP-320',
    // The setting KIP-320's consumer side is about (Kafka's LogTruncationException: "In the event
    // of an unclean leader election, the log will be truncated, previously committed data will be
    // lost, and new data will be written over these offsets"): a truncation below what a consumer
    // has read needs a leader without committed records, which the fixed protocol's fault budget
    // and min.insync.replicas=2 otherwise make rare (one default seed in 500).
    configOverrides: { 'min.insync.replicas': '1', 'unclean.leader.election.enable': 'true' },
    rules: { fetchCarriesLeaderEpoch: false, consumerValidatesPositions: false },
  },
  {
    name: 'pre-kip-497',
    summary: 'A leader acts on the ISR it proposes at once: the high watermark counts a shrunk ISR before the controller has accepted it.',
    source: 'KIP-497',
    // The bug lives in ISR shrinks; a short lag bound makes them happen within a one-minute run.
    configOverrides: { 'replica.lag.time.max.ms': '1000' },
    rules: { highWatermarkOverMaximalIsr: false },
  },
  {
    name: 'pre-kip-903',
    summary: 'The controller adds a replica to the ISR without checking the broker epoch it fetched with, so a replica that restarted with an empty disk can rejoin on its old self\'s progress.',
    source: 'KIP-903',
    // The stale addition loses data only while the re-added replica still lacks what the high
    // watermark covers. A replica back on a replaced or truncated disk refills over minutes on a
    // real cluster; here a few hundred KiB come back in milliseconds. One batch per fetch (Kafka
    // always returns the first batch whole) makes the refill take a round trip per batch, as a
    // replica far behind replica.fetch.max.bytes does. Seeds 1..100: caught by seed 69 with one
    // batch per fetch (the fixed protocol passes all 100 so); none with Kafka's 1 MiB, where the
    // first catch is seed 553 (spec/variants.md).
    configOverrides: { 'replica.fetch.max.bytes': '0' },
    rules: { checkBrokerEpochOnIsrAdd: false },
  },
  {
    name: 'pre-kip-966',
    summary: 'The protocol before KIP-966: the high watermark advances while the ISR is below min.insync.replicas, and the controller keeps no Eligible Leader Replicas (the last ISR member stays in the ISR and leads again even after an unclean shutdown).',
    source: 'KIP-966',
    configOverrides: {},
    rules: { highWatermarkNeedsMinIsr: false, eligibleLeaderReplicas: false },
  },
  {
    name: 'pre-kip-996',
    summary: 'A controller whose fetch or election timeout expires campaigns at once in a new epoch, with no PreVote round: one cut off from the quorum keeps raising its epoch, and when it returns forces that epoch on a healthy leader, which steps down for an election the returning voter cannot win.',
    source: 'KIP-996 (Pre-Vote)',
    configOverrides: {},
    rules: { raftPreVote: false },
  },
] as const satisfies readonly ProtocolVariant[];

/** The name of a historical variant: the registry's names, and nothing else. */
export type VariantName = (typeof PROTOCOL_VARIANTS)[number]['name'];

export function isVariantName(name: string): name is VariantName {
  return PROTOCOL_VARIANTS.some((variant) => variant.name === name);
}

/** Names the caller has already checked against the registry (the command line does). */
export function toVariantNames(names: readonly string[]): VariantName[] {
  return names.map((name) => {
    assert(isVariantName(name), `unknown variant ${name}`);
    return name;
  });
}

/** The rules a run with these variants follows. */
export function rulesForVariants(names: readonly VariantName[]): ProtocolRules {
  return protocolRules(names.map((name) => variantByName(name)));
}

export function variantByName(name: VariantName): ProtocolVariant<VariantName> {
  const variant = PROTOCOL_VARIANTS.find((candidate) => candidate.name === name);
  assert(variant !== undefined, `variant ${name} is not in the registry`);
  return variant;
}

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
    if (rulesChangedFromKafka(variant.rules).length === 0) {
      problems.push(`variant '${variant.name}' changes no protocol rule`);
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

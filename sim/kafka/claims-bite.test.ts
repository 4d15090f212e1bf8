import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MutantName } from '../mutants/mutant-catalogue.ts';
import type { VariantName } from '../../impl/variants/variant-registry.ts';
import { runSeed } from '../run/run-seed.ts';
import type { RunResult } from '../run/run-result.ts';
import { kafkaSystem } from './kafka-system.ts';

// Every always and eventually claim of the Kafka system, shown failing on a real run: a default
// 60-second swarm run with a test-only mutant planted (sim/mutants/), so that a claim no run can
// fail cannot hide here (DEVELOPERS.md, "What a claim must be"). Variants' catches are pinned in
// regression-seeds.test.ts. A claim not yet shown failing is listed below, with why, so that a new
// claim forces a decision.

/**
 * [claim, mutant, seed]: the run in which the claim is violated (and applies): the default run,
 * with the consumer groups and three controllers, as `npm run mutants -- --seeds 1..3` measured
 * it (2026-12-02).
 */
const SHOWN: readonly [string, MutantName, number][] = [
  ['CommittedRecordsSurvive', 'new-leader-truncates-to-high-watermark', 1],
  ['EpochCacheMatchesLog', 'new-leader-skips-epoch-start', 1],
  ['HighWatermarkWithinLog', 'checkpointed-high-watermark-unbounded', 1],
  ['LeaderIsUnfenced', 'reregistration-keeps-isr', 1],
  ['SingleLeaderPerEpoch', 'failover-keeps-leader-epoch', 1],
  // The partition-replica model refuses a leader's second term in one epoch.
  ['ModelConformance', 'failover-keeps-leader-epoch', 1],
  ['ProducerStateMatchesLog', 'follower-skips-producer-state', 1],
  ['read-uncommitted', 'consumer-reads-past-high-watermark', 1],
  // Seed 1 no longer shows it since KIP-853 moved the run (read-uncommitted alone there); seed 5 does.
  ['group-nonmonotonic-commit', 'consumer-reads-past-high-watermark', 5],
  ['HighWatermarkOnMinIsr', 'high-watermark-max-over-isr', 1],
  ['IsrHoldsCommitted', 'high-watermark-max-over-isr', 1],
  ['StrongIsr', 'high-watermark-max-over-isr', 1],
  ['LogMatching', 'follower-truncates-to-own-epoch-end', 3],
  ['MonotonicHighWatermark', 'high-watermark-moves-back', 1],
  ['lost-write', 'acks-all-on-local-append', 1],
  ['inconsistent-offsets', 'acks-all-on-local-append', 1],
  ['nonmonotonic-send', 'acks-all-on-local-append', 1],
  ['duplicate', 'producer-retry-new-sequence', 1],
  ['poll-skip', 'consumer-skips-record-at-position', 1],
  ['SingleConsumerPerPartition', 'range-assignor-overlapping-ranges', 1],
  ['NoZombieCommit', 'range-assignor-overlapping-ranges', 3],
  ['group-poll-skip', 'auto-commit-one-past-position', 1],
  ['group-lost-write', 'group-reset-uses-default-policy', 1],
  // Since KIP-853 moved seed 1 (2026-12-02).
  ['UncleanShutdownDetected', 'clean-shutdown-marker-kept', 1],
];

/** [claim, variant, seed]: claims a historical variant's run shows failing (with the groups the variant needs). */
const SHOWN_BY_VARIANT: readonly [string, VariantName, number][] = [
  ['OneMemberPerInstanceId', 'kafka-8500', 2],
];

/**
 * [claim, mutant]: claims shown failing in a mutant's scenario as well (`sim/mutants/scenarios/MUTANT.txt`,
 * run and matched by `sim/mutants/mutant-scenarios.test.ts`), the story told step by step.
 */
const SHOWN_IN_SCENARIO: readonly [string, MutantName][] = [
  ['LaggingFollowerLeavesIsr', 'isr-lag-from-last-fetch'],
  // V-K3 step by step on three controllers: the lagging voter leads, with the amnesiac's vote, without topic x.
  ['QuorumLeaderCompleteness', 'amnesiac-voter'],
];

/** Claims no mutant or variant run has yet shown failing, and what it would take. */
const NOT_YET_SHOWN: readonly [string, string][] = [];

const runs = new Map<string, RunResult>();
const variantRuns = new Map<string, RunResult>();
function mutantRun(mutant: MutantName, seed: number): RunResult {
  const key = `${mutant}/${seed}`;
  // The default run, as `npm run mutants` measures it.
  const cached = runs.get(key) ?? runSeed({ seed, durationMs: 60_000, brokers: 3, faults: { type: 'swarm' }, config: {}, variants: [], mutants: [mutant], repro: key });
  runs.set(key, cached);
  return cached;
}

describe('every Kafka claim bites', () => {
  it('lists every always and eventually claim of the Kafka system once', () => {
    const system = kafkaSystem({ brokers: 3, partitions: 3, replicationFactor: 3, producers: 2, consumers: 1, stopAtMs: 60_000, config: { 'min.insync.replicas': '2' }, variants: [] });
    const claims = ['ModelConformance', ...system.invariants.filter((claim) => claim.kind !== 'sometimes').map((claim) => claim.name)].sort();
    const listed = [...new Set([...SHOWN.map(([claim]) => claim), ...SHOWN_BY_VARIANT.map(([claim]) => claim), ...SHOWN_IN_SCENARIO.map(([claim]) => claim), ...NOT_YET_SHOWN.map(([claim]) => claim)])].sort();
    expect(listed).toEqual(claims);
  });

  it.each(SHOWN_IN_SCENARIO)('%s fails in the scenario of mutant %s', (claim, mutant) => {
    const story = readFileSync(join(import.meta.dirname, '..', 'mutants', 'scenarios', `${mutant}.txt`), 'utf8');
    expect(story.split('\n').some((line) => line.startsWith(`violation ${claim}: `))).toBe(true);
  });

  it.each(SHOWN)('%s fails on a real run (mutant %s, seed %i)', (claim, mutant, seed) => {
    const result = mutantRun(mutant, seed);
    expect(result.verdict).not.toBe('pass');
    expect(result.violations.some((violation) => violation.invariant === claim && violation.applies)).toBe(true);
    expectWellExplained(result);
  });

  it.each(SHOWN_BY_VARIANT)('%s fails on a real run (variant %s, seed %i)', (claim, variant, seed) => {
    const key = `${variant}/${seed}`;
    const result = variantRuns.get(key) ?? runSeed({ seed, durationMs: 60_000, brokers: 3, faults: { type: 'swarm' }, config: {}, variants: [variant], repro: key });
    variantRuns.set(key, result);
    expect(result.verdict).not.toBe('pass');
    expect(result.violations.some((violation) => violation.invariant === claim && violation.applies)).toBe(true);
    expectWellExplained(result);
    // A group claim's finding names its group, and the explanation tells that group's generations.
    const explained = result.violations.find((violation) => violation.invariant === claim && violation.applies && violation.explanation !== undefined);
    const group = explained?.subject?.group;
    expect(group).toMatch(/^g\d$/);
    expect(explained?.explanation?.some((line) => line.includes(`group ${group} coordinator (__consumer_offsets-`))).toBe(true);
  });
});

/**
 * An explainer that throws leaves "(no explanation: ...)" and the verdict as it was (a run is not
 * failed for its explanation): these runs, which fail nearly every claim, are where such a throw
 * must show. Every applicable violation of each claim that got an explanation got a real one.
 */
function expectWellExplained(result: RunResult): void {
  const explained = result.violations.filter((violation) => violation.explanation !== undefined);
  expect(explained.length).toBeGreaterThan(0);
  for (const violation of explained) {
    expect(violation.explanation?.join('\n'), violation.invariant).not.toMatch(/\(no explanation: /);
    expect(violation.explanation?.some((line) => line.startsWith('history     ')), violation.invariant).toBe(true);
  }
  for (const line of result.livenessExplanation ?? []) expect(line).not.toMatch(/^\(no explanation: /);
}

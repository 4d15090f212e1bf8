import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { VariantName } from '../../impl/variants/variant-registry.ts';
import type { MutantName } from '../mutants/mutant-catalogue.ts';
import { CAUGHT, SHOWN_ELSEWHERE } from '../mutants/mutant-pins.ts';
import { runMutant } from '../mutants/mutant-run.ts';
import { expectWellExplained } from '../testkit/well-explained.ts';
import { kafkaSystem } from './kafka-system.ts';
import { VARIANT_PINS } from './variant-pins.ts';

// Every always and eventually claim of the Kafka system, shown failing on a real run: a default
// 60-second swarm run with a test-only mutant planted (sim/mutants/) or a historical variant, so
// that a claim no run can fail cannot hide here (DEVELOPERS.md, "What a claim must be"). The runs
// are the pinned ones, each made once per suite: `mutant-catches.test.ts` makes each mutant's
// pinned run and checks the claims it `shows` (`mutant-pins.ts`), `variant-catches.test.ts` each
// variant's (`variant-pins.ts`); this file makes only the runs no pin makes (`SHOWN_ELSEWHERE`). A
// claim not yet shown failing is listed below, with why, so that a new claim forces a decision.

/**
 * [claim, mutant, scenario]: claims shown failing in a scenario of a mutant as well
 * (`sim/mutants/scenarios/SCENARIO.txt`, run with the mutant and matched by
 * `sim/mutants/mutant-scenarios.test.ts`), the story told step by step.
 */
const SHOWN_IN_SCENARIO: readonly [string, MutantName, string][] = [
  ['LaggingFollowerLeavesIsr', 'isr-lag-from-last-fetch', 'isr-lag-from-last-fetch'],
  // V-K3 step by step on three controllers: the lagging voter leads, with the amnesiac's vote, without topic x.
  ['QuorumLeaderCompleteness', 'amnesiac-voter', 'amnesiac-voter'],
  // The same story on: the new leader writes topic y where controller-2 committed x's partition.
  ['QuorumConsistentCommittedData', 'amnesiac-voter', 'amnesiac-voter'],
  // The amnesiac votes twice in epoch 2, for two candidates that each lead it.
  ['QuorumSingleLeader', 'amnesiac-voter', 'amnesiac-voter-two-leaders'],
];

/**
 * [claim, variant]: claims shown failing in a variant's scenario (`sim/scenarios/VARIANT.txt`, run
 * and matched by `sim/scenario/scenarios.test.ts`; its `-fixed` twin passes). The variant's catch on
 * a seed of the default run is pinned in `variant-catches.test.ts`.
 */
const SHOWN_IN_VARIANT_SCENARIO: readonly [string, VariantName][] = [
  ['SingleActiveController', 'kafka-15489'],
  ['NoDisruptiveElection', 'pre-kip-996'],
];

/** Claims no mutant or variant run has yet shown failing, and what it would take. */
const NOT_YET_SHOWN: readonly [string, string][] = [];

describe('every Kafka claim bites', () => {
  it('lists every always and eventually claim of the Kafka system once', () => {
    const system = kafkaSystem({ brokers: 3, partitions: 3, replicationFactor: 3, producers: 2, consumers: 1, stopAtMs: 60_000, config: { 'min.insync.replicas': '2' }, variants: [] });
    const claims = ['ModelConformance', ...system.invariants.filter((claim) => claim.kind !== 'sometimes').map((claim) => claim.name)].sort();
    const shownByPins = [...CAUGHT.flatMap((pin) => pin.shows), ...VARIANT_PINS.map((pin) => pin.claim)];
    const listed = [...new Set([...shownByPins, ...SHOWN_ELSEWHERE.map(([claim]) => claim), ...SHOWN_IN_SCENARIO.map(([claim]) => claim), ...SHOWN_IN_VARIANT_SCENARIO.map(([claim]) => claim), ...NOT_YET_SHOWN.map(([claim]) => claim)])].sort();
    expect(listed).toEqual(claims);
  });

  it.each(SHOWN_IN_SCENARIO)('%s fails in a scenario of mutant %s (%s.txt)', (claim, _mutant, scenario) => {
    const story = readFileSync(join(import.meta.dirname, '..', 'mutants', 'scenarios', `${scenario}.txt`), 'utf8');
    expect(story.split('\n').some((line) => line.startsWith(`violation ${claim}: `))).toBe(true);
  });

  it.each(SHOWN_IN_VARIANT_SCENARIO)('%s fails in the scenario of variant %s, and not in its -fixed twin', (claim, variant) => {
    const story = (name: string): string[] => readFileSync(join(import.meta.dirname, '..', 'scenarios', `${name}.txt`), 'utf8').split('\n');
    expect(story(variant).some((line) => line.startsWith(`violation ${claim}: `))).toBe(true);
    expect(story(`${variant}-fixed`).some((line) => line.startsWith('violation '))).toBe(false);
  });

  it.each(SHOWN_ELSEWHERE)('%s fails on a real run (mutant %s, seed %i)', (claim, mutant, seed) => {
    const result = runMutant(mutant, seed);
    expect(result.verdict).not.toBe('pass');
    expect(result.violations.some((violation) => violation.invariant === claim && violation.applies)).toBe(true);
    expectWellExplained(result);
  });
});

import { describe, expect, it } from 'vitest';
import type { RunResult } from '../run/run-result.ts';
import { expectWellExplained } from '../testkit/well-explained.ts';
import { MUTANTS } from './mutant-catalogue.ts';
import { CAUGHT, NOT_YET_CAUGHT } from './mutant-pins.ts';
import { runMutant, seedOutcome, type SeedOutcome } from './mutant-run.ts';

// One pinned seed per mutant (`mutant-pins.ts`). A mutant with a catching seed must stay caught
// there, by the same first claim, showing the claims `claims-bite.test.ts` counts on it for, each
// violation explained; the unmutated code must pass that seed. A mutant no seed catches yet pins a
// seed whose run it changes (its trace digest differs from the unmutated run's), so that its switch
// stays wired. When the checkers improve, rerun `npm run mutants` and move rows from the second
// table to the first.

const unmutated = new Map<number, SeedOutcome>();

/** The unmutated run of `seed` (the default run). */
function unmutatedRun(seed: number): SeedOutcome {
  const cached = unmutated.get(seed) ?? seedOutcome(seed, runMutant(undefined, seed));
  unmutated.set(seed, cached);
  return cached;
}

function applicableViolations(result: RunResult): Set<string> {
  return new Set(result.violations.filter((violation) => violation.applies).map((violation) => violation.invariant));
}

describe('mutants the checkers catch', () => {
  it('pins every mutant of the catalogue once', () => {
    const pinned = [...CAUGHT.map((pin) => pin.mutant), ...NOT_YET_CAUGHT.map(([mutant]) => mutant)].sort();
    expect(pinned).toEqual(MUTANTS.map((mutant) => mutant.name).sort());
  });

  it.each(CAUGHT.map((pin) => [pin.mutant, pin.seed, pin.firstClaim, pin] as const))(
    'catches %s at seed %i (first claim %s), and the unmutated code passes that seed',
    (mutant, seed, _claim, pin) => {
      const result = runMutant(mutant, seed);
      const outcome = seedOutcome(seed, result);
      expect(outcome.verdict).not.toBe('pass');
      expect(outcome.claim).toBe(pin.firstClaim);
      const violated = applicableViolations(result);
      for (const claim of pin.shows) expect(violated.has(claim), `${claim} violated`).toBe(true);
      if (pin.shows.length > 0) expectWellExplained(result);
      expect(unmutatedRun(seed).verdict).toBe('pass');
    },
  );
});

describe.skipIf(NOT_YET_CAUGHT.length === 0)('mutants no seed catches yet', () => {
  it.each(NOT_YET_CAUGHT)('%s changes the run of seed %i, which still passes', (mutant, seed) => {
    const outcome = seedOutcome(seed, runMutant(mutant, seed));
    expect(outcome.digest).not.toBe(unmutatedRun(seed).digest);
    expect(outcome.verdict).toBe('pass');
  });
});

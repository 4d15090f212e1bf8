import { describe, expect, it } from 'vitest';
import type { RunResult } from '../run/run-result.ts';
import { expectWellExplained } from '../testkit/well-explained.ts';
import { MUTANTS } from './mutant-catalogue.ts';
import { CAUGHT, NOT_YET_CAUGHT } from './mutant-pins.ts';
import { runMutant, seedOutcome } from './mutant-run.ts';

// One pinned run per mutant (`mutant-pins.ts`). A mutant with a catching seed must stay caught
// there, by the same first claim, showing the claims `claims-bite.test.ts` counts on it for, each
// violation explained. That the unmutated code passes each pinned run, and that the mutants no seed
// catches yet still change theirs, is `mutant-baselines.test.ts` (a file of its own, so that the
// suite's two workers share the runs). When the checkers improve, rerun `npm run mutants` and move
// rows from the second table to the first.

function applicableViolations(result: RunResult): Set<string> {
  return new Set(result.violations.filter((violation) => violation.applies).map((violation) => violation.invariant));
}

describe('mutants the checkers catch', () => {
  it('pins every mutant of the catalogue once', () => {
    const pinned = [...CAUGHT.map((pin) => pin.mutant), ...NOT_YET_CAUGHT.map(([mutant]) => mutant)].sort();
    expect(pinned).toEqual(MUTANTS.map((mutant) => mutant.name).sort());
  });

  it.each(CAUGHT.map((pin) => [pin.mutant, pin.seed, pin.durationMs / 1000, pin.firstClaim, pin] as const))(
    'catches %s at seed %i (a %i s run; first claim %s)',
    (mutant, seed, _seconds, _claim, pin) => {
      const result = runMutant(mutant, seed, true, 3, pin.durationMs);
      const outcome = seedOutcome(seed, result);
      expect(outcome.verdict).not.toBe('pass');
      expect(outcome.claim).toBe(pin.firstClaim);
      const violated = applicableViolations(result);
      for (const claim of pin.shows) expect(violated.has(claim), `${claim} violated`).toBe(true);
      if (pin.shows.length > 0) expectWellExplained(result);
    },
  );
});

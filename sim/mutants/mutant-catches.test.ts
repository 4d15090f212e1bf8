import { describe, expect, it } from 'vitest';
import { MUTANTS } from './mutant-catalogue.ts';
import { CAUGHT, isGroupMutant, NOT_YET_CAUGHT, unmutatedRun } from './mutant-pins.ts';
import { runMutantSeed } from './mutant-run.ts';

// The pins outside the consumer groups; the group mutants' pins and the mutants no seed catches
// yet run in `mutant-catches-groups.test.ts` (the tables and why: `mutant-pins.ts`).
describe('mutants the checkers catch', () => {
  it('pins every mutant of the catalogue once', () => {
    const pinned = [...CAUGHT.map(([mutant]) => mutant), ...NOT_YET_CAUGHT.map(([mutant]) => mutant)].sort();
    expect(pinned).toEqual(MUTANTS.map((mutant) => mutant.name).sort());
  });

  it.each(CAUGHT.filter(([mutant]) => !isGroupMutant(mutant)))('catches %s at seed %i (first claim %s), and the unmutated code passes that seed', (mutant, seed, claim) => {
    const outcome = runMutantSeed(mutant, seed);
    expect(outcome.verdict).not.toBe('pass');
    expect(outcome.claim).toBe(claim);
    expect(unmutatedRun(seed).verdict).toBe('pass');
  });
});

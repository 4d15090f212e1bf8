import { describe, expect, it } from 'vitest';
import { CAUGHT, isGroupMutant, NOT_YET_CAUGHT, unmutatedRun } from './mutant-pins.ts';
import { runMutantSeed } from './mutant-run.ts';

// The group mutants' pins, and the mutants no seed catches yet (the tables and why: `mutant-pins.ts`).
describe('group mutants the checkers catch', () => {
  it.each(CAUGHT.filter(([mutant]) => isGroupMutant(mutant)))('catches %s at seed %i (first claim %s), and the unmutated code passes that seed', (mutant, seed, claim) => {
    const outcome = runMutantSeed(mutant, seed);
    expect(outcome.verdict).not.toBe('pass');
    expect(outcome.claim).toBe(claim);
    expect(unmutatedRun(seed).verdict).toBe('pass');
  });
});

describe.skipIf(NOT_YET_CAUGHT.length === 0)('mutants no seed catches yet', () => {
  it.each(NOT_YET_CAUGHT)('%s changes the run of seed %i, which still passes', (mutant, seed) => {
    const outcome = runMutantSeed(mutant, seed);
    expect(outcome.digest).not.toBe(unmutatedRun(seed).digest);
    expect(outcome.verdict).toBe('pass');
  });
});

import { describe, expect, it } from 'vitest';
import { CAUGHT, NOT_YET_CAUGHT } from './mutant-pins.ts';
import { runMutant, seedOutcome, type SeedOutcome } from './mutant-run.ts';

// The unmutated code passes every run pinned for a mutant (`mutant-pins.ts`): a catch there is the
// mutant's, not a bug of the code. And a mutant no seed catches yet changes the run pinned for it
// (its trace digest differs from the unmutated run's), so that its switch stays wired.

const unmutated = new Map<string, SeedOutcome>();

/** The unmutated run of `seed` (the default workload, `durationMs` long). */
function unmutatedRun(seed: number, durationMs: number): SeedOutcome {
  const key = `${seed}/${durationMs}`;
  const cached = unmutated.get(key) ?? seedOutcome(seed, runMutant(undefined, seed, true, 3, durationMs));
  unmutated.set(key, cached);
  return cached;
}

const PINNED_RUNS = [...new Set(CAUGHT.map((pin) => `${pin.seed}/${pin.durationMs}`))].sort().map((key) => key.split('/').map(Number) as [number, number]);

describe('the runs pinned for the mutants', () => {
  it.each(PINNED_RUNS.map(([seed, durationMs]) => [seed, durationMs / 1000, durationMs] as const))('the unmutated code passes seed %i (a %i s run)', (seed, _seconds, durationMs) => {
    expect(unmutatedRun(seed, durationMs).verdict).toBe('pass');
  });

  it.each(NOT_YET_CAUGHT.map(([mutant, seed, durationMs]) => [mutant, seed, durationMs / 1000, durationMs] as const))(
    '%s changes the run of seed %i (%i s), which still passes',
    (mutant, seed, _seconds, durationMs) => {
      const outcome = seedOutcome(seed, runMutant(mutant, seed, true, 3, durationMs));
      expect(outcome.digest).not.toBe(unmutatedRun(seed, durationMs).digest);
      expect(outcome.verdict).toBe('pass');
    },
  );
});

import fc from 'fast-check';
import { describe, it } from 'vitest';
import { GUARANTEES, clusterProperty } from './cluster-properties.ts';

// The cluster properties at a modest number of runs, with a fixed fast-check seed so that `npm
// test` is deterministic. All four draw the same cases from the same seed and share each run
// (`runCase`'s cache), so they cost one run per case: about RUNS x 1-3 s. `npm run properties`
// runs them at many more. A failure throws fast-check's report: its `{ seed, path }` (replay with
// `npm run properties -- --seed S --path P --property NAME`), the counterexample, and the
// property's message with the run's schedule file.
const SEED = 1_414;
const RUNS = 6;

describe('cluster properties over generated runs (issue 14)', () => {
  it.each(GUARANTEES.map((guarantee) => [guarantee.name, guarantee] as const))('%s holds', (_name, guarantee) => {
    fc.assert(clusterProperty(guarantee), { seed: SEED, numRuns: RUNS, includeErrorInReport: true });
  });
});

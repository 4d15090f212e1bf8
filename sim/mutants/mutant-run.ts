import { assert } from '../../impl/common/assert.ts';
import type { RunResult, Verdict } from '../run/run-result.ts';
import { runSeed } from '../run/run-seed.ts';
import { mutantByName, type MutantName } from './mutant-catalogue.ts';

/** What one seed of one mutant (or of the unmutated code) came to. */
export interface SeedOutcome {
  readonly seed: number;
  readonly verdict: Verdict;
  /**
   * The claim that caught it: the first violated invariant that applies; `crash` or `liveness`
   * when the run ended so without one. Undefined when the run passed.
   */
  readonly claim: string | undefined;
  /** Every claim that applies and was violated in the run, by name (a run stops at its first state violation). */
  readonly violated: readonly string[];
  readonly digest: string;
}

/**
 * The default run of `npm run sim -- --seed N` (60 s, 3 brokers, swarm faults, the consumer
 * groups), with `mutant` planted; without the consumer groups (`--no-groups`) when `groups` is
 * false, as the tests run the seeds pinned before the groups joined the default run; with one
 * controller when `controllers` is 1, as they run the seeds pinned before the quorum did.
 */
export function runMutantSeed(mutant: MutantName | undefined, seed: number, groups = true, controllers = 3): SeedOutcome {
  return seedOutcome(seed, runMutant(mutant, seed, groups, controllers));
}

/** The run behind {@link runMutantSeed}, whole (its violations' explanations, its liveness report). */
export function runMutant(mutant: MutantName | undefined, seed: number, groups = true, controllers = 3, durationMs = 60_000): RunResult {
  assert(groups || mutant === undefined || mutantByName(mutant).groups !== true, `mutant ${mutant ?? ''} lives in the consumer groups and needs them`);
  return runSeed({
    groups,
    seed,
    durationMs,
    brokers: 3,
    controllers,
    faults: { type: 'swarm' },
    config: {},
    variants: [],
    ...(mutant === undefined ? {} : { mutants: [mutant] }),
    repro: `${mutant === undefined ? `seed ${seed}` : `mutant ${mutant}, seed ${seed} (sim/mutants/)`}${groups ? '' : ' with --no-groups'}${durationMs === 60_000 ? '' : ` --duration ${durationMs / 1000}s`}`,
  });
}

/** What a run of `seed` came to. */
export function seedOutcome(seed: number, result: RunResult): SeedOutcome {
  const violated = [...new Set(result.violations.filter((violation) => violation.applies).map((violation) => violation.invariant))].sort();
  return { seed, verdict: result.verdict, claim: catchingClaim(result), violated, digest: result.digest };
}

/** The first applicable violated claim of a run that did not pass. */
export function catchingClaim(result: Pick<RunResult, 'verdict' | 'violations'>): string | undefined {
  if (result.verdict === 'pass') return undefined;
  const first = [...result.violations].filter((violation) => violation.applies).sort((a, b) => a.atMs - b.atMs)[0];
  if (first !== undefined) return first.invariant;
  return result.verdict;
}

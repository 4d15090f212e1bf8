import { describe, expect, it } from 'vitest';
import type { RunResult, Verdict } from '../run/run-result.ts';
import { FAILING_SEEDS_LISTED, SweepSummary } from './sweep-summary.ts';

function result(seed: number, verdict: Verdict, claims: readonly string[] = []): RunResult {
  return { seed, verdict, violations: claims.map((invariant) => ({ invariant, atMs: 0, message: '', applies: true })) } as unknown as RunResult;
}

describe('SweepSummary', () => {
  it('counts seeds by verdict and by claim, each claim once per seed, not-applicable findings left out', () => {
    const summary = new SweepSummary();
    summary.add(result(1, 'pass'));
    summary.add(result(2, 'safety', ['LogMatching', 'LogMatching']));
    summary.add({ ...result(3, 'liveness'), violations: [{ invariant: 'StrongIsr', atMs: 0, message: '', applies: false }] });
    expect(summary.lines(3)).toEqual(['sweep       3 seeds: 1 passed, 2 failed (safety 1, liveness 1)', '  by claim  LogMatching in 1 seed', '  failing   2 3']);
  });

  it('lists the first failing seeds and counts the rest, so that a long sweep stays bounded', () => {
    const summary = new SweepSummary();
    for (let seed = 1; seed <= FAILING_SEEDS_LISTED + 5; seed++) summary.add(result(seed, 'crash'));
    const failing = summary.lines(FAILING_SEEDS_LISTED + 5).at(-1) ?? '';
    expect(failing.endsWith(` ${FAILING_SEEDS_LISTED} ... and 5 more`)).toBe(true);
  });
});

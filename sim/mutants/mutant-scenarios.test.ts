import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDataDriven } from '../testkit/datadriven.ts';
import { runScenarioFile } from '../scenario/scenario-runner.ts';
import type { MutantName } from './mutant-catalogue.ts';

// Stories of a checker catching a planted bug: each mutant scenario (sim/mutants/scenarios/NAME.txt)
// runs with its mutant and shows the claim's violation; its twin NAME-fixed.txt runs the
// same steps unmutated and shows the claim holding. They live here, not in sim/scenarios/, since
// a mutant is test-only: the command line and the scripts cannot name one. Rewrite the expected
// outputs with `REFKA_REWRITE=1 npx vitest run sim/mutants/mutant-scenarios.test.ts`.

const SCENARIOS = join(import.meta.dirname, 'scenarios');
const rewrite = process.env['REFKA_REWRITE'] === '1';

/** [scenario (a file NAME.txt and its twin NAME-fixed.txt), its mutant, the claims that catch it there]. */
const STORIES: readonly [string, MutantName, readonly string[]][] = [
  ['isr-lag-from-last-fetch', 'isr-lag-from-last-fetch', ['LaggingFollowerLeavesIsr']],
  ['amnesiac-voter', 'amnesiac-voter', ['QuorumLeaderCompleteness', 'QuorumConsistentCommittedData']],
  ['amnesiac-voter-two-leaders', 'amnesiac-voter', ['QuorumSingleLeader']],
];

/** A scenario file's steps, without their expected outputs. */
function steps(path: string): string[] {
  return parseDataDriven(path, readFileSync(path, 'utf8')).map((testCase) => `${testCase.command} ${[...testCase.args].map(([key, value]) => `${key}=${value}`).join(' ')}`);
}

describe('mutant scenarios', () => {
  it.each(STORIES)('%s (mutant %s): the mutated run violates %s, the unmutated run holds them', (name, mutant, claims) => {
    const mutated = join(SCENARIOS, `${name}.txt`);
    const fixed = join(SCENARIOS, `${name}-fixed.txt`);
    for (const [path, mutants] of [[mutated, [mutant]], [fixed, []]] as const) {
      const outcome = runScenarioFile(path, rewrite, { mutants });
      expect(outcome.mismatches.map((mismatch) => `${path}:${mismatch.line} ${mismatch.command}:\n${mismatch.actual}`)).toEqual([]);
      expect(outcome.cases).toBeGreaterThan(0);
    }
    // The two files tell the same steps; only the mutant differs.
    expect(steps(mutated)).toEqual(steps(fixed));
    const violations = (path: string) => readFileSync(path, 'utf8').split('\n').filter((line) => line.startsWith('violation '));
    for (const claim of claims) expect(violations(mutated).some((line) => line.startsWith(`violation ${claim}: `))).toBe(true);
    expect(violations(fixed)).toEqual([]);
    expect(readFileSync(mutated, 'utf8')).toContain(`mutants ${mutant}`);
  });
});

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../run/run-result.ts';
import { firstCheckDifference } from './checks-comparison.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function audit(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', 'sim/invariants/checks-audit-main.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

/** A run result with only what the comparison reads. */
function result(excused: RunResult['excused'], overrides: Partial<RunResult> = {}): RunResult {
  return {
    verdict: 'pass', digest: 'd', violations: [], excused,
    invariants: [{ name: 'CommittedRecordsSurvive', applies: true, violations: 0, excused: excused.length }],
    ...overrides,
  } as unknown as RunResult;
}

describe('firstCheckDifference', () => {
  const loss = { invariant: 'CommittedRecordsSurvive', atMs: 22_649, message: 't-2: leader 0 lacks committed offset 71', faults: ['power-loss'] };

  it('says nothing when the two agree, and names the first excuse recorded at another moment', () => {
    expect(firstCheckDifference(result([loss]), result([loss]))).toBeUndefined();
    expect(firstCheckDifference(result([{ ...loss, atMs: 22_653 }]), result([loss]))).toBe(
      'excused 1: CommittedRecordsSurvive at 22653 ms: t-2: leader 0 lacks committed offset 71; with --full-checks CommittedRecordsSurvive at 22649 ms: t-2: leader 0 lacks committed offset 71',
    );
  });

  it('puts the verdict first, and an excuse one side lacks says none', () => {
    expect(firstCheckDifference(result([]), result([loss], { verdict: 'safety' } as Partial<RunResult>))).toBe('verdict pass, with --full-checks safety');
    expect(firstCheckDifference(result([]), result([loss]))).toBe('excused 1: none; with --full-checks CommittedRecordsSurvive at 22649 ms: t-2: leader 0 lacks committed offset 71');
  });
});

describe('npm run checks-audit', () => {
  it('runs each seed both ways and says they agree, in seed order', () => {
    const { status, stdout } = audit('--seeds', '1..2', '--duration', '2s', '--no-groups', '--jobs', '2');
    expect(stdout).toMatch(/^seed +1 +pass +agrees .*\nseed +2 +pass +agrees .*\naudit +2 seeds: 2 agree, 0 differ\n$/);
    expect(status).toBe(0);
  }, 120_000);

  it.each([
    [['--duration', '2s'], 'give the seeds to audit: --seed N or --seeds A..B'],
    [['--seed', '1', '--json'], '--json is not an output of the audit'],
    [['--seed', '1', '--full-checks'], '--full-checks is not an option of the audit'],
    [['--scenario', 'x.txt'], '--scenario is not a seed run: audit seeds with --seed or --seeds'],
    [['--seed', '1', '--brokers', 'many'], "--brokers"],
  ])('refuses %j with one line and exit 2', (args, message) => {
    const { status, stdout, stderr } = audit(...args);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n').filter((line) => line !== '')).toHaveLength(1);
    expect(stderr).toContain(message);
  }, 60_000);
});

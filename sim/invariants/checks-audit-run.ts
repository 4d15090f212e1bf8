import { runSeed, type SeedRun } from '../run/run-seed.ts';
import type { Verdict } from '../run/run-result.ts';
import { firstCheckDifference } from './checks-comparison.ts';

/** One seed of `npm run checks-audit`: its run checked incrementally and with `--full-checks`. */
export interface AuditOutcome {
  readonly seed: number;
  readonly verdict: Verdict;
  /** The first way the two differ (`firstCheckDifference`); undefined when they agree. */
  readonly difference: string | undefined;
  /** Violations and excused findings the run kept (the report's caps apply), checked incrementally. */
  readonly findings: number;
  /** `StrongIsr`'s checks each way: how much the incremental checks skipped. */
  readonly checks: { readonly incremental: number; readonly full: number };
}

export function auditSeed(run: SeedRun): AuditOutcome {
  const incremental = runSeed(run);
  const full = runSeed({ ...run, fullChecks: true });
  const checks = (result: typeof incremental): number => result.invariants.find((claim) => claim.name === 'StrongIsr')?.checked ?? 0;
  return {
    seed: run.seed,
    verdict: incremental.verdict,
    difference: firstCheckDifference(incremental, full),
    findings: incremental.violations.length + incremental.excused.length,
    checks: { incremental: checks(incremental), full: checks(full) },
  };
}

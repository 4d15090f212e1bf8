import type { Excused, RunResult, Violation } from '../run/run-result.ts';

/**
 * The first way `full` (`--full-checks`) differs from `incremental` in what a verdict rests on, as
 * one line, for `checks-incremental.test.ts` and `npm run checks-audit`; undefined when they agree
 * on the verdict, the digest, the liveness finding, every violation and excuse kept (compared
 * whole: claim, time, message, subject, explanation, faults) and each claim's counts. The check
 * counts differ by design and are left out.
 */
export function firstCheckDifference(incremental: RunResult, full: RunResult): string | undefined {
  if (incremental.verdict !== full.verdict) return `verdict ${incremental.verdict}, with --full-checks ${full.verdict}`;
  if (incremental.digest !== full.digest) return `digest ${incremental.digest}, with --full-checks ${full.digest} (the checks changed the run)`;
  if (incremental.liveness !== full.liveness) return `liveness ${incremental.liveness ?? 'none'}, with --full-checks ${full.liveness ?? 'none'}`;
  const violation = firstDifferent(incremental.violations, full.violations, 'violation');
  if (violation !== undefined) return violation;
  const excuse = firstDifferent(incremental.excused, full.excused, 'excused');
  if (excuse !== undefined) return excuse;
  for (let index = 0; index < Math.max(incremental.invariants.length, full.invariants.length); index++) {
    const a = incremental.invariants[index];
    const b = full.invariants[index];
    if (a === undefined || b === undefined || a.name !== b.name) return `the claims differ at claim ${index + 1}: ${a?.name ?? 'none'} and ${b?.name ?? 'none'}`;
    if (a.applies !== b.applies || a.violations !== b.violations || a.excused !== b.excused) {
      return `${a.name}: ${a.violations} violations, ${a.excused} excused; with --full-checks ${b.violations}, ${b.excused}`;
    }
  }
  return undefined;
}

function firstDifferent(incremental: readonly (Violation | Excused)[], full: readonly (Violation | Excused)[], what: string): string | undefined {
  const text = (entry: Violation | Excused | undefined): string => (entry === undefined ? 'none' : `${entry.invariant} at ${entry.atMs} ms: ${entry.message}`);
  for (let index = 0; index < Math.max(incremental.length, full.length); index++) {
    const a = incremental[index];
    const b = full[index];
    if (a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b)) continue;
    return `${what} ${index + 1}: ${text(a)}; with --full-checks ${text(b)}`;
  }
  return undefined;
}

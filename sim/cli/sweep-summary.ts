import type { RunResult, Verdict } from '../run/run-result.ts';

/** Failing seeds the closing summary lists by number; the count is always complete. */
export const FAILING_SEEDS_LISTED = 100;

const FAILED_VERDICTS: readonly Exclude<Verdict, 'pass'>[] = ['safety', 'liveness', 'crash'];

/**
 * The closing summary of a sweep (issue 14): how many seeds ran and passed, the failures by
 * verdict and by claim, and the failing seeds. Fed in seed order, so its lines do not depend on
 * `--jobs`; bounded however many seeds run (counts, and the first {@link FAILING_SEEDS_LISTED}
 * failing seeds).
 */
export class SweepSummary {
  private seeds = 0;
  private readonly verdicts: Record<Verdict, number> = { pass: 0, safety: 0, liveness: 0, crash: 0 };
  /** Per claim: the seeds with an applicable violation of it. */
  private readonly claims = new Map<string, number>();
  private readonly failing: number[] = [];

  add(result: RunResult): void {
    this.seeds++;
    this.verdicts[result.verdict]++;
    if (result.verdict === 'pass') return;
    if (this.failing.length < FAILING_SEEDS_LISTED) this.failing.push(result.seed);
    const violated = new Set(result.violations.filter((violation) => violation.applies).map((violation) => violation.invariant));
    for (const claim of violated) this.claims.set(claim, (this.claims.get(claim) ?? 0) + 1);
  }

  /** The summary; `planned` is how many seeds the sweep was to run (more than ran after --stop-on-failure). */
  lines(planned: number): string[] {
    const failed = this.seeds - this.verdicts.pass;
    const ran = this.seeds === planned ? `${plural(this.seeds, 'seed')}` : `${this.seeds} of ${plural(planned, 'seed')}`;
    const byVerdict = FAILED_VERDICTS.filter((verdict) => this.verdicts[verdict] > 0).map((verdict) => `${verdict} ${this.verdicts[verdict]}`);
    const lines = [`sweep       ${ran}: ${this.verdicts.pass} passed, ${failed} failed${byVerdict.length === 0 ? '' : ` (${byVerdict.join(', ')})`}`];
    if (failed === 0) return lines;
    const claims = [...this.claims].sort(([a, left], [b, right]) => right - left || (a < b ? -1 : a > b ? 1 : 0));
    if (claims.length > 0) lines.push(`  by claim  ${claims.map(([claim, seeds]) => `${claim} in ${plural(seeds, 'seed')}`).join(', ')}${claims.length > 1 ? ' (a seed may break several)' : ''}`);
    const more = failed - this.failing.length;
    lines.push(`  failing   ${this.failing.join(' ')}${more > 0 ? ` ... and ${more} more` : ''}`);
    return lines;
  }
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

import type { MutantName } from './mutant-catalogue.ts';
import type { SeedOutcome } from './mutant-run.ts';

/** One mutant's line of `npm run mutants`. */
export interface MutantCatches {
  readonly mutant: MutantName;
  readonly seeds: number;
  /** Seeds whose verdict was not pass. */
  readonly caught: readonly number[];
  /** How many caught seeds each claim caught first, most first (ties by name). */
  readonly claims: readonly { readonly claim: string; readonly seeds: number }[];
  /** Every claim any run violated (not only first), with the seeds: which claims this mutant shows failing. */
  readonly violated: readonly { readonly claim: string; readonly seeds: readonly number[] }[];
  /** Seeds whose trace digest differs from the unmutated run's: the mutant changed behaviour there. */
  readonly changedBehaviour: number;
  /** Seeds the unmutated code already fails (they say nothing about the mutant). */
  readonly baselineFailures: readonly number[];
}

export interface MutantsReport {
  readonly seeds: readonly number[];
  readonly mutants: readonly MutantCatches[];
  /** The median of the mutants' catch counts (the mean of the middle two for an even count). */
  readonly medianCatches: number;
  /** Mutants no seed caught. */
  readonly uncaught: readonly MutantName[];
  /** Mutants whose every run had the unmutated run's digest: they changed nothing the seeds reached. */
  readonly unchanged: readonly MutantName[];
}

export function mutantCatches(mutant: MutantName, outcomes: readonly SeedOutcome[], baseline: ReadonlyMap<number, SeedOutcome>): MutantCatches {
  const caught = outcomes.filter((outcome) => outcome.verdict !== 'pass');
  const counts = new Map<string, number>();
  for (const outcome of caught) counts.set(outcome.claim ?? outcome.verdict, (counts.get(outcome.claim ?? outcome.verdict) ?? 0) + 1);
  const claims = [...counts.entries()].map(([claim, seeds]) => ({ claim, seeds })).sort((a, b) => b.seeds - a.seeds || (a.claim < b.claim ? -1 : a.claim > b.claim ? 1 : 0));
  return {
    mutant,
    seeds: outcomes.length,
    caught: caught.map((outcome) => outcome.seed),
    claims,
    violated: violatedClaims(outcomes),
    changedBehaviour: outcomes.filter((outcome) => baseline.get(outcome.seed)?.digest !== outcome.digest).length,
    baselineFailures: outcomes.filter((outcome) => baseline.get(outcome.seed)?.verdict !== 'pass').map((outcome) => outcome.seed),
  };
}

function violatedClaims(outcomes: readonly SeedOutcome[]): { claim: string; seeds: number[] }[] {
  const seeds = new Map<string, number[]>();
  for (const outcome of outcomes) for (const claim of outcome.violated) seeds.set(claim, [...(seeds.get(claim) ?? []), outcome.seed]);
  return [...seeds.keys()].sort().map((claim) => ({ claim, seeds: seeds.get(claim) as number[] }));
}

export function mutantsReport(seeds: readonly number[], mutants: readonly MutantCatches[]): MutantsReport {
  return {
    seeds,
    mutants,
    medianCatches: median(mutants.map((entry) => entry.caught.length)),
    uncaught: mutants.filter((entry) => entry.caught.length === 0).map((entry) => entry.mutant),
    unchanged: mutants.filter((entry) => entry.changedBehaviour === 0).map((entry) => entry.mutant),
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The printed table: one line per mutant, then the summary. */
export function formatMutantsReport(report: MutantsReport): string {
  const width = Math.max(...report.mutants.map((entry) => entry.mutant.length), 'mutant'.length);
  const lines = [`${'mutant'.padEnd(width)}  caught  changed  first claims`];
  for (const entry of report.mutants) {
    const claims = entry.claims.map((claim) => `${claim.claim} ${claim.seeds}`).join(', ');
    const caught = `${entry.caught.length}/${entry.seeds}`.padStart(6);
    const changed = `${entry.changedBehaviour}/${entry.seeds}`.padStart(7);
    lines.push(`${entry.mutant.padEnd(width)}  ${caught}  ${changed}  ${claims === '' ? '-' : claims}${entry.caught.length > 0 ? ` (seeds ${entry.caught.join(' ')})` : ''}`);
  }
  lines.push('');
  lines.push(`median mutant caught by ${report.medianCatches} of ${report.seeds.length} seeds`);
  lines.push(`caught by no seed (${report.uncaught.length}): ${report.uncaught.length === 0 ? 'none' : report.uncaught.join(', ')}`);
  const shown = new Map<string, string>();
  for (const entry of report.mutants) for (const { claim, seeds } of entry.violated) if (!shown.has(claim)) shown.set(claim, `${entry.mutant} seed ${seeds[0] ?? '?'}`);
  lines.push(`claims shown failing (${shown.size}): ${[...shown.keys()].sort().map((claim) => `${claim} (${shown.get(claim) ?? ''})`).join(', ')}`);
  if (report.unchanged.length > 0) lines.push(`changed no run's digest (${report.unchanged.length}): ${report.unchanged.join(', ')}`);
  const baseline = [...new Set(report.mutants.flatMap((entry) => entry.baselineFailures))].sort((a, b) => a - b);
  if (baseline.length > 0) lines.push(`the unmutated code fails seeds ${baseline.join(' ')} too`);
  return `${lines.join('\n')}\n`;
}

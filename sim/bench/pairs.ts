/**
 * Comparisons timed side by side. On a shared machine the load changes from one second to the
 * next, by 2-4x here, so a figure timed now divided by one timed a minute ago measures the load as
 * much as the code. Instead each comparison runs its contestants one after the other, A, B, A, B,
 * ..., and each round gives one ratio of two timings taken under nearly the same load; the figure
 * is the median of those ratios, printed with their min and max so the spread is visible.
 */

/** The median, min and max of a comparison's per-round ratios, and the ratios themselves. */
export interface RatioSummary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly ratios: readonly number[];
}

/** The median of `values` (the mean of the middle two for an even count); they must not be empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[middle] as number;
  return ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function summarizeRatios(ratios: readonly number[]): RatioSummary {
  for (const ratio of ratios) if (!Number.isFinite(ratio) || ratio <= 0) throw new Error(`bench: a ratio must be positive and finite, got ${ratio}`);
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios), ratios: [...ratios] };
}

/**
 * Runs `rounds` rounds; in each, every contestant once, in the order given. Returns each
 * contestant's results in round order. A contestant runs to completion before the next starts.
 */
export function interleave<K extends string, T>(rounds: number, contestants: Readonly<Record<K, () => T>>): Record<K, T[]> {
  if (!Number.isSafeInteger(rounds) || rounds < 1) throw new Error(`bench: rounds must be a positive integer, got ${rounds}`);
  const names = Object.keys(contestants) as K[];
  const results = {} as Record<K, T[]>;
  for (const name of names) results[name] = [];
  for (let round = 0; round < rounds; round++) {
    for (const name of names) results[name].push(contestants[name]());
  }
  return results;
}

/** Per-round ratios `numerator[i] / denominator[i]` of two contestants' measures. */
export function pairedRatios(numerator: readonly number[], denominator: readonly number[]): RatioSummary {
  if (numerator.length !== denominator.length) throw new Error(`bench: ${numerator.length} rounds against ${denominator.length}`);
  return summarizeRatios(numerator.map((value, index) => value / (denominator[index] as number)));
}

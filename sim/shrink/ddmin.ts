import { assert } from '../../impl/common/assert.ts';

/** What a shrink found, and what it cost. */
export interface DdminResult<T> {
  /** A failing subsequence of the input, in input order: 1-minimal unless `exhausted`. */
  readonly items: readonly T[];
  /** How many times `fails` was asked (each a whole run of the system, for the simulator's use). */
  readonly tests: number;
  /** True when the budget ran out before 1-minimality was shown: `items` still fails. */
  readonly exhausted: boolean;
}

/**
 * Delta debugging's `ddmin` (Zeller and Hildebrandt, "Simplifying and Isolating Failure-Inducing
 * Input", TSE 2002): the smallest failing subsequence it can find of `items`, which must fail.
 * It tries each of `n` chunks alone, then each complement, doubling `n` when neither fails; it
 * ends when `n` reaches the length, so that removing any single item makes the failure go away
 * (1-minimal), or when `maxTests` calls to `fails` were made.
 *
 * Why delta debugging and not fast-check's shrinker for fault schedules: a schedule's faults
 * interact through time (a crash needs its restart; a failover needs the earlier crash), and the
 * failure is a property of a whole run, so shrinking is "which faults can go", a set problem that
 * ddmin solves in O(n log n) runs for the common case of one or two culprits, each run a whole
 * simulation; fast-check shrinks each value toward zero first and removes array items one prefix
 * at a time, which spends runs on faults that cannot go. `fails` must be deterministic: the
 * simulator's runs are.
 */
export function ddmin<T>(items: readonly T[], fails: (candidate: readonly T[]) => boolean, maxTests: number): DdminResult<T> {
  assert(Number.isSafeInteger(maxTests) && maxTests > 0, `ddmin needs a positive test budget, not ${maxTests}`);
  let tests = 0;
  const cache = new Map<string, boolean>();
  // Subsequences are named by the indexes they keep, so that one asked twice costs one run.
  const test = (indexes: readonly number[]): boolean | undefined => {
    const key = indexes.join(',');
    const known = cache.get(key);
    if (known !== undefined) return known;
    if (tests >= maxTests) return undefined;
    tests++;
    const verdict = fails(indexes.map((index) => items[index] as T));
    cache.set(key, verdict);
    return verdict;
  };
  let current = items.map((_, index) => index);
  let granularity = 2;
  while (current.length >= 2) {
    const chunks = split(current, Math.min(granularity, current.length));
    let reduced = false;
    // Each chunk alone, then each complement: the first that still fails is kept.
    for (const chunk of chunks) {
      const verdict = test(chunk);
      if (verdict === undefined) return { items: current.map((index) => items[index] as T), tests, exhausted: true };
      if (verdict) {
        current = chunk;
        granularity = 2;
        reduced = true;
        break;
      }
    }
    if (!reduced && chunks.length > 2) {
      for (let skip = 0; skip < chunks.length; skip++) {
        const complement = chunks.filter((_, index) => index !== skip).flat();
        const verdict = test(complement);
        if (verdict === undefined) return { items: current.map((index) => items[index] as T), tests, exhausted: true };
        if (verdict) {
          current = complement;
          granularity = Math.max(granularity - 1, 2);
          reduced = true;
          break;
        }
      }
    }
    if (reduced) continue;
    if (granularity >= current.length) break;
    granularity = Math.min(granularity * 2, current.length);
  }
  // One item left: the empty schedule may fail as well (a failure no fault is needed for).
  if (current.length === 1) {
    const verdict = test([]);
    if (verdict === undefined) return { items: current.map((index) => items[index] as T), tests, exhausted: true };
    if (verdict) current = [];
  }
  return { items: current.map((index) => items[index] as T), tests, exhausted: false };
}

/** `indexes` in `count` contiguous chunks of nearly equal size, none empty. */
function split(indexes: readonly number[], count: number): number[][] {
  assert(count >= 1 && count <= indexes.length, `cannot split ${indexes.length} items in ${count} chunks`);
  const chunks: number[][] = [];
  let start = 0;
  for (let chunk = 0; chunk < count; chunk++) {
    const end = start + Math.floor((indexes.length - start) / (count - chunk));
    chunks.push(indexes.slice(start, end));
    start = end;
  }
  return chunks;
}

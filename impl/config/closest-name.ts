/**
 * Did-you-mean hints for names a user typed (command-line options, config keys, scenario
 * commands and arguments): the one known name close enough to be the intended one, if any.
 */

/** The candidate within edit distance 2 (3 for long names) of `name`, if exactly one is closest. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  let tie = false;
  for (const candidate of candidates) {
    const limit = candidate.length >= 12 ? 3 : 2;
    if (Math.abs(candidate.length - name.length) > limit) {
      continue;
    }
    const distance = editDistance(name, candidate);
    if (distance > limit) {
      continue;
    }
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
      tie = false;
    } else if (distance === bestDistance) {
      tie = true;
    }
  }
  return tie ? undefined : best;
}

/** Levenshtein distance where '-', '_' and '.' are interchangeable (replication_factor). */
function editDistance(a: string, b: string): number {
  const normalize = (text: string): string => text.replace(/[-_.]/g, '-');
  const left = normalize(a);
  const right = normalize(b);
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= right.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (left[i - 1] === right[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}

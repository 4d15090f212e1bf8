/**
 * Which seeds a command line asks for: `--seed`, `--seeds` (a range or a count) and `--shard`, the
 * slice of a sweep one machine runs.
 */
import { quoteForMessage } from '../../impl/config/quote-for-message.ts';
import { SIM_DEFAULTS, SIM_LIMITS } from './cli-defaults.ts';
import { UsageError, decimalInRange } from './option-value.ts';

function parseSeed(flag: string, raw: string): number {
  const seed = decimalInRange(raw, 0, SIM_LIMITS.maxSeed);
  if (seed === undefined) {
    throw new UsageError(
      `${flag} must be a whole number from 0 to ${SIM_LIMITS.maxSeed} in decimal digits, got ${quoteForMessage(raw)}`,
    );
  }
  return seed;
}

/** `--seed N`, `--seeds A..B` (inclusive), or `--seeds COUNT` (starting at --seed, else at 1). */
export function parseSeeds(seedRaw: string | undefined, seedsRaw: string | undefined): number[] | undefined {
  const seed = seedRaw === undefined ? undefined : parseSeed('--seed', seedRaw);
  if (seedsRaw === undefined) {
    return seed === undefined ? undefined : [seed];
  }
  const range = /^([^.]*)\.\.([^.]*)$/.exec(seedsRaw);
  if (range !== null) {
    if (seed !== undefined) {
      throw new UsageError(`--seed cannot be combined with --seeds A..B; put the whole range in --seeds`);
    }
    const first = parseSeed('--seeds range start', range[1] ?? '');
    const last = parseSeed('--seeds range end', range[2] ?? '');
    if (first > last) {
      throw new UsageError(`--seeds range ${quoteForMessage(seedsRaw)} is empty: its start is after its end`);
    }
    const count = last - first + 1;
    if (count > SIM_LIMITS.maxSeedsPerSweep) {
      throw new UsageError(
        `--seeds range ${quoteForMessage(seedsRaw)} has ${count} seeds; at most ${SIM_LIMITS.maxSeedsPerSweep} are allowed`,
      );
    }
    return seedRange(first, count);
  }
  const count = decimalInRange(seedsRaw, 1, SIM_LIMITS.maxSeedsPerSweep);
  if (count === undefined) {
    throw new UsageError(
      `--seeds must be a range A..B or a count from 1 to ${SIM_LIMITS.maxSeedsPerSweep}, got ${quoteForMessage(seedsRaw)}`,
    );
  }
  const first = seed ?? SIM_DEFAULTS.firstSeedOfCount;
  // Compared as a difference: first + count - 1 could round past Number.MAX_SAFE_INTEGER.
  if (count - 1 > SIM_LIMITS.maxSeed - first) {
    throw new UsageError(`--seeds ${count} starting at --seed ${first} runs past the largest seed, ${SIM_LIMITS.maxSeed}`);
  }
  return seedRange(first, count);
}

function seedRange(first: number, count: number): number[] {
  const seeds = new Array<number>(count);
  for (let index = 0; index < count; index += 1) {
    seeds[index] = first + index;
  }
  return seeds;
}

/** `--shard I/N`: slice I (0-based, as Kubernetes' JOB_COMPLETION_INDEX) of N. */
export function parseShard(raw: string): { index: number; count: number } {
  const match = /^([0-9]+)\/([0-9]+)$/.exec(raw);
  const count = match === null ? undefined : decimalInRange(match[2] as string, 1, SIM_LIMITS.maxShards);
  const index = match === null || count === undefined ? undefined : decimalInRange(match[1] as string, 0, count - 1);
  if (count === undefined || index === undefined) {
    throw new UsageError(`--shard must be I/N with N from 1 to ${SIM_LIMITS.maxShards} and I from 0 to N - 1, got ${quoteForMessage(raw)}`);
  }
  return { index, count };
}

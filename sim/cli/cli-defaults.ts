/** Defaults and limits of `npm run sim`'s options: a user-facing contract, shared by the parser and the help text. */

export const SIM_DEFAULTS = {
  durationMs: 60_000,
  brokers: 3,
  /** The controller quorum's voters. */
  controllers: 3,
  partitions: 3,
  /** The replication factor defaults to the smaller of this and the number of brokers. */
  replicationFactor: 3,
  /** `--seeds COUNT` without `--seed` starts at this seed. */
  firstSeedOfCount: 1,
} as const;

export const SIM_LIMITS = {
  maxSeed: Number.MAX_SAFE_INTEGER,
  maxSeedsPerSweep: 1_000_000,
  maxDurationMs: 24 * 60 * 60 * 1000,
  maxBrokers: 64,
  maxPartitions: 1000,
  maxJobs: 64,
  maxShards: 1_000_000,
} as const;

export function defaultReplicationFactor(brokers: number): number {
  return Math.min(SIM_DEFAULTS.replicationFactor, brokers);
}

/** The shortest exact spelling `parseDuration` accepts: whole seconds as `Ns`, else `Nms`. */
export function formatDuration(durationMs: number): string {
  return durationMs % 1000 === 0 ? `${durationMs / 1000}s` : `${durationMs}ms`;
}

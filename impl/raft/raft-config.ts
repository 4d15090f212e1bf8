import { assert, assertIntegerInRange } from '../common/assert.ts';
import type { NodeId } from '../env/node-environment.ts';

/**
 * Kafka's `QuorumConfig` (the `controller.quorum.*` settings, KIP-595) plus the switches for the
 * two protocol fixes that refka keeps as variants. Times are Kafka's defaults.
 */
export interface QuorumTimeouts {
  /** `controller.quorum.election.timeout.ms`: the base of every randomized election timeout. */
  readonly electionTimeoutMs: number;
  /** `controller.quorum.fetch.timeout.ms`: how long a follower waits for its leader. */
  readonly fetchTimeoutMs: number;
  /** `controller.quorum.election.backoff.max.ms`: the cap of a failed candidate's backoff. */
  readonly electionBackoffMaxMs: number;
  /** `controller.quorum.request.timeout.ms`: when an unanswered request is given up on. */
  readonly requestTimeoutMs: number;
  /** `controller.quorum.retry.backoff.ms`: the pause before retrying a failed request. */
  readonly retryBackoffMs: number;
  /** Kafka's `KafkaRaftClient.FETCH_MAX_WAIT_MS`: the leader's long poll on an empty fetch. */
  readonly fetchMaxWaitMs: number;
}

export const DEFAULT_QUORUM_TIMEOUTS: QuorumTimeouts = {
  electionTimeoutMs: 1_000,
  fetchTimeoutMs: 2_000,
  electionBackoffMaxMs: 1_000,
  requestTimeoutMs: 2_000,
  retryBackoffMs: 20,
  fetchMaxWaitMs: 500,
};

/**
 * Deliberate bugs, for tests only: each one breaks a rule the invariant checkers of
 * `raft-simulation.test.ts` must then catch. Production code never sets them; they exist so that
 * a checker is trusted only after it has been seen failing (DEVELOPERS.md, "honest results").
 */
export interface RaftTestOnlyBugs {
  /** Grant a standard vote to any up-to-date candidate even after voting in the epoch. */
  readonly grantSecondBindingVote?: boolean;
  /** Restart a replica that was leader as Unattached with no vote (V-K2), not as Resigned. */
  readonly restartLeaderAsUnattached?: boolean;
  /** Do not fsync the Raft log: appends stay in the page cache and power loss drops them. */
  readonly skipLogFsync?: boolean;
  /** `deleteBeforeSnapshot` moves the log start to the log end (deleting uncovered records), past the snapshot it keeps. */
  readonly logStartPastSnapshot?: boolean;
  /** `readCommittedOrSnapshot` sends the application to the snapshot when it reads at its end offset, not only below the log start. */
  readonly offByOneSnapshotLoad?: boolean;
  /** `transitionToUnattached` to a newer epoch is a memory transition: the quorum-state file keeps the old epoch. */
  readonly epochBumpNotPersisted?: boolean;
  /** The leader's high watermark is index n/2 - 1 of the voters' end offsets (descending): one voter short of a majority. */
  readonly highWatermarkPastMajority?: boolean;
  /** The leader adopts a high watermark at or below its epoch start offset (no Raft §5.4.2 rule). */
  readonly highWatermarkBeforeEpochStart?: boolean;
}

export interface RaftConfig {
  /** This replica's id (`node.id`). */
  readonly nodeId: number;
  /**
   * With kraft.version 0, the static voter set (`controller.quorum.voters`); with 1, the
   * controllers an observer asks to find the leader (`controller.quorum.bootstrap.servers`), the
   * voters themselves being in the log (KIP-853). Ids in ascending order.
   */
  readonly voters: readonly number[];
  /**
   * Kafka's `kraft.version` feature: 0 is KIP-595's static quorum, whose voters are ids; 1 is
   * KIP-853's, whose voters are (id, directory id) keys recorded in the log (VotersRecord), so a
   * replica whose directory was replaced is not a voter until it is added again.
   */
  readonly kraftVersion: 0 | 1;
  /** This replica's `directory.id` (its metadata log directory's `meta.properties`); required with kraft.version 1. */
  readonly directoryId: string | undefined;
  /**
   * `controller.quorum.auto.join.enable` (KAFKA-19078, Kafka 4.2): an observer whose id is a
   * voter under another directory id asks the leader to remove that voter (RemoveRaftVoter), and
   * one whose id is no voter asks to be added (AddRaftVoter). kraft.version 1 only.
   */
  readonly autoJoin: boolean;
  /** The simulator's name of the replica with id `id`. */
  readonly addressOf: (id: number) => NodeId;
  readonly timeouts: QuorumTimeouts;
  /**
   * KAFKA-15489 (fixed in 3.7.0): a leader that has not heard a Fetch from a majority of voters
   * within 1.5 × fetch timeout resigns. Off reproduces the split brain of the `kafka-15489` variant.
   */
  readonly checkQuorum: boolean;
  /**
   * KIP-996: an election starts with a non-binding PreVote round (the Prospective state). Off is
   * the `pre-kip-996` variant, where a timed-out voter bumps the epoch at once as a Candidate.
   */
  readonly preVote: boolean;
  /** KIP-630: the most bytes one FetchSnapshot asks for (Kafka sends `MAX_FETCH_SIZE_BYTES`); small in tests to make chunks. */
  readonly fetchSnapshotMaxBytes: number;
  /** Kafka's `metadata.log.segment.bytes`; undefined keeps the log's default. Small in tests, so that a snapshot frees segments. */
  readonly metadataLogSegmentBytes?: number;
  readonly testOnlyBugs?: RaftTestOnlyBugs;
}

/** Kafka's `KafkaRaftClient.MAX_FETCH_SIZE_BYTES` is 8 MiB; refka's snapshots are small (`kafka-metadata-log.ts`). */
export const DEFAULT_FETCH_SNAPSHOT_MAX_BYTES = 1 << 20;

/** The most voters a quorum may have; KRaft quorums are 3 or 5 in practice. */
export const MAX_VOTERS = 9;

export function raftConfig(
  nodeId: number,
  voters: readonly number[],
  options: Partial<Omit<RaftConfig, 'nodeId' | 'voters'>> = {},
): RaftConfig {
  assertIntegerInRange(nodeId, 0, 0x7fff_ffff, 'node id');
  assert(voters.length > 0, 'a quorum needs at least one voter');
  assert(voters.length <= MAX_VOTERS, `at most ${MAX_VOTERS} voters, got ${voters.length}`);
  for (const [index, voter] of voters.entries()) {
    assertIntegerInRange(voter, 0, 0x7fff_ffff, 'voter id');
    const previous = voters[index - 1];
    assert(previous === undefined || voter > previous, `voter ids must be unique and ascending: ${voters.join(',')}`);
  }
  const config: RaftConfig = {
    nodeId,
    voters: [...voters],
    addressOf: options.addressOf ?? ((id: number) => `controller-${id}`),
    kraftVersion: options.kraftVersion ?? 0,
    directoryId: options.directoryId,
    autoJoin: options.autoJoin ?? false,
    timeouts: options.timeouts ?? DEFAULT_QUORUM_TIMEOUTS,
    checkQuorum: options.checkQuorum ?? true,
    preVote: options.preVote ?? true,
    fetchSnapshotMaxBytes: options.fetchSnapshotMaxBytes ?? DEFAULT_FETCH_SNAPSHOT_MAX_BYTES,
    ...(options.metadataLogSegmentBytes === undefined ? {} : { metadataLogSegmentBytes: options.metadataLogSegmentBytes }),
    ...(options.testOnlyBugs === undefined ? {} : { testOnlyBugs: options.testOnlyBugs }),
  };
  assert(config.timeouts.electionTimeoutMs > 0, 'the election timeout must be positive');
  assert(config.timeouts.fetchTimeoutMs > 0, 'the fetch timeout must be positive');
  assert(config.fetchSnapshotMaxBytes > 0, 'a FetchSnapshot asks for at least one byte');
  assert(config.kraftVersion === 0 || config.directoryId !== undefined, 'a kraft.version 1 replica has a directory id');
  assert(config.kraftVersion === 1 || !config.autoJoin, 'controller.quorum.auto.join.enable needs kraft.version 1');
  return config;
}

/** The smallest number of voters that is a majority of `voterCount`. */
export function majoritySize(voterCount: number): number {
  assert(voterCount > 0, 'no majority of an empty voter set');
  return Math.floor(voterCount / 2) + 1;
}

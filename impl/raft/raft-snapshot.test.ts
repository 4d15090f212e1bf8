import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { METADATA_LOG_DIR } from './kafka-metadata-log.ts';
import type { FetchSnapshotRequest, FetchSnapshotResponse } from './raft-messages.ts';
import { chaos, FAST_TIMEOUTS, RaftCluster, type RaftClusterOptions } from './raft-simulation-test-support.ts';
import { snapshotFileName } from './raft-snapshots.ts';

// Metadata snapshots (KIP-630) in the RaftEventSimulationTest harness. Goal: with every replica
// writing a snapshot every N applied records, the log start moves and each log stays bounded; a
// replica that fell behind the leader's log start catches up by FetchSnapshot; a restarted replica
// loads its snapshot and replays the log after it; every invariant (SnapshotAtLogStart,
// LeaderNeverLoadSnapshot, and ConsistentCommittedData over snapshot contents) holds after every
// event; and planted bugs are caught. Method: the harness application (`SimRaftApplication`),
// chaos runs with seeds drawn by fast-check, scripted partitions, and direct FetchSnapshot requests.

const SNAPSHOT_EVERY = 20;
const CONVERGE_MAX_MS = 30_000;

function cluster(options: RaftClusterOptions): RaftCluster {
  const created = new RaftCluster(options);
  created.start();
  return created;
}

function markCount(run: RaftCluster, node: number, name: string): number {
  return run.marks.get(`${node}:${name}`) ?? 0;
}

function stableLeader(run: RaftCluster): number {
  expect(run.runUntilTrue(() => run.hasStableLeader(), 20_000), run.violation?.message).toBe(true);
  const leader = run.leaderWithMaxEpoch();
  expect(leader).toBeDefined();
  return leader!.id;
}

describe('snapshots bound the log under random faults', () => {
  it('keeps every invariant, and each log retains at most about one snapshot interval of records', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.constantFrom(3, 5), fc.boolean(), (seed, voters, fast) => {
        const timeouts = fast ? { timeouts: FAST_TIMEOUTS, networkDelayMs: [1, 20] as const } : {};
        const run = cluster({ seed, voters, observers: 1, snapshotEveryRecords: SNAPSHOT_EVERY, ...timeouts });
        const durationMs = fast ? 8_000 : 20_000;
        chaos(run, seed, durationMs);
        expect(run.runFor(durationMs), run.violation?.message).toBe(true);
        expect(run.runUntilTrue(() => run.converged(), CONVERGE_MAX_MS), `not converged: ${run.violation?.message}`).toBe(true);
        expect(run.validateCommittedData()).toBeUndefined();
        for (const node of run.nodes) {
          const log = node.client!.log;
          const applied = node.application!.applied();
          // Converged: every committed record is applied, so fewer than N application records
          // follow the last snapshot; beside them only the LeaderChange records of the elections
          // since (at most 21 records in all over 80 seeds tried; 10 control records is loose).
          if (applied.records >= SNAPSHOT_EVERY) expect(log.startOffset(), `node ${node.id}`).toBeGreaterThan(0);
          const retainedApplication = log.readEntries(log.startOffset(), log.endOffset()).filter((entry) => !entry.isControl).length;
          expect(retainedApplication, `node ${node.id}`).toBeLessThan(SNAPSHOT_EVERY);
          expect(log.endOffset() - log.startOffset(), `node ${node.id}: ${log.startOffset()}..${log.endOffset()}`).toBeLessThan(SNAPSHOT_EVERY + 10);
          expect(log.snapshotIds().length, `node ${node.id}`).toBeLessThanOrEqual(2);
          // Whole segments below the snapshot are deleted: the disk holds a few, not the run's history.
          const segments = node.disk.list(`${METADATA_LOG_DIR}/`).filter((path) => path.endsWith('.log'));
          expect(segments.length, `node ${node.id}: ${segments.join(' ')}`).toBeLessThanOrEqual(3);
        }
      }),
      { numRuns: 6 },
    );
  });

  it('in a minute of chaos the log start keeps moving and each log stays small', () => {
    const run = cluster({ seed: 42, voters: 3, observers: 1, snapshotEveryRecords: SNAPSHOT_EVERY });
    chaos(run, 42, 60_000);
    expect(run.runFor(60_000), run.violation?.message).toBe(true);
    expect(run.runUntilTrue(() => run.converged(), CONVERGE_MAX_MS), run.violation?.message).toBe(true);
    expect(run.appended).toBeGreaterThan(20 * SNAPSHOT_EVERY);
    for (const node of run.nodes) {
      const log = node.client!.log;
      expect(log.startOffset(), `node ${node.id}`).toBeGreaterThan(15 * SNAPSHOT_EVERY);
      expect(log.endOffset() - log.startOffset(), `node ${node.id}`).toBeLessThan(SNAPSHOT_EVERY + 10);
      expect(node.disk.list(`${METADATA_LOG_DIR}/`).filter((path) => path.endsWith('.log')).length, `node ${node.id}`).toBeLessThanOrEqual(3);
    }
    expect(run.validateCommittedData()).toBeUndefined();
  });

  it('replays a seed event for event with snapshots on', () => {
    const runOnce = (seed: number): string => {
      const run = cluster({ seed, voters: 3, observers: 1, snapshotEveryRecords: SNAPSHOT_EVERY });
      chaos(run, seed, 8_000);
      run.runFor(8_000);
      const final = run.nodes.map((node) => `${node.client?.log.startOffset()} ${node.client?.log.endOffset()} ${JSON.stringify(node.application?.applied())}`);
      return [run.eventsRun, run.appended, ...run.trace, ...final, ...[...run.marks].map(String)].join('\n');
    };
    expect(runOnce(11)).toBe(runOnce(11));
  });
});

describe('catching up through a snapshot', () => {
  it('a replica partitioned past the leader log start catches up by FetchSnapshot, in chunks', () => {
    const run = cluster({ seed: 5, voters: 3, observers: 1, snapshotEveryRecords: 10 });
    const leader = stableLeader(run);
    const lagging = run.nodes.find((node) => node.isVoter && node.id !== leader)!.id;
    run.partition([lagging]);
    const behindAt = run.node(lagging).client!.log.endOffset();
    run.workload(25, run.clock.now + 3_000);
    expect(run.runFor(3_500), run.violation?.message).toBe(true);
    const leaderLog = run.node(leader).client!.log;
    expect(leaderLog.startOffset()).toBeGreaterThan(behindAt);
    run.heal();
    expect(run.runUntilTrue(() => run.converged(), CONVERGE_MAX_MS), run.violation?.message).toBe(true);
    expect(markCount(run, lagging, 'raft-snapshot-fetched')).toBeGreaterThanOrEqual(1);
    // The snapshot is larger than one chunk (64 bytes in the harness): several FetchSnapshots.
    expect(markCount(run, run.leaderWithMaxEpoch()!.id, 'raft-fetch-snapshot-served')).toBeGreaterThan(1);
    expect(run.node(lagging).application!.snapshotLoads).toBeGreaterThanOrEqual(1);
    const leaderApplied = run.leaderWithMaxEpoch()!.application!.applied();
    expect(run.node(lagging).application!.applied()).toEqual(leaderApplied);
    expect(run.validateCommittedData()).toBeUndefined();
  });

  it('a replica that loses power in the middle of a download drops the partial file and downloads again', () => {
    const run = cluster({ seed: 7, voters: 3, snapshotEveryRecords: 10 });
    const leader = stableLeader(run);
    const lagging = run.nodes.find((node) => node.isVoter && node.id !== leader)!.id;
    run.partition([lagging]);
    run.workload(25, run.clock.now + 2_000);
    expect(run.runFor(2_500), run.violation?.message).toBe(true);
    run.heal();
    const started = () => markCount(run, lagging, 'raft-snapshot-fetch-started') > 0;
    expect(run.runUntilTrue(started, 10_000), run.violation?.message).toBe(true);
    // Let a chunk or two arrive, not the whole snapshot.
    expect(run.runUntilTrue(() => run.node(lagging).disk.list(`${METADATA_LOG_DIR}/`).some((path) => path.endsWith('.checkpoint.part') && run.node(lagging).disk.size(path) > 0), 1_000)).toBe(true);
    expect(markCount(run, lagging, 'raft-snapshot-fetched')).toBe(0);
    run.crash(lagging, true);
    run.restart(lagging);
    expect(run.node(lagging).disk.list(`${METADATA_LOG_DIR}/`).filter((path) => path.endsWith('.part'))).toEqual([]);
    expect(run.runUntilTrue(() => run.converged(), CONVERGE_MAX_MS), run.violation?.message).toBe(true);
    expect(markCount(run, lagging, 'raft-snapshot-fetched')).toBeGreaterThanOrEqual(1);
    expect(run.node(lagging).application!.applied()).toEqual(run.leaderWithMaxEpoch()!.application!.applied());
    expect(run.validateCommittedData()).toBeUndefined();
  });

  it('a restarted quorum loads its snapshots and replays the log after them', () => {
    const run = cluster({ seed: 9, voters: 3, observers: 1, snapshotEveryRecords: 10 });
    stableLeader(run);
    run.workload(25, run.clock.now + 2_000);
    expect(run.runFor(2_500), run.violation?.message).toBe(true);
    expect(run.runUntilTrue(() => run.converged(), CONVERGE_MAX_MS)).toBe(true);
    const before = run.nodes.map((node) => node.application!.applied());
    const starts = run.nodes.map((node) => node.client!.log.startOffset());
    for (const node of run.nodes) run.crash(node.id, true);
    for (const node of run.nodes) run.restart(node.id);
    for (const [index, node] of run.nodes.entries()) expect(node.client!.log.startOffset()).toBe(starts[index]);
    expect(run.runUntilTrue(() => run.converged(), CONVERGE_MAX_MS), run.violation?.message).toBe(true);
    for (const [index, node] of run.nodes.entries()) {
      expect(node.application!.snapshotLoads, `node ${node.id}`).toBe(1);
      const { records, digest } = node.application!.applied();
      expect({ records, digest }).toEqual({ records: before[index]!.records, digest: before[index]!.digest });
    }
    expect(run.validateCommittedData()).toBeUndefined();
  });
});

describe('the snapshot files and FetchSnapshot', () => {
  it("names snapshots as Kafka does, and deletes a partial one when the log is opened", () => {
    expect(snapshotFileName({ offset: 123, epoch: 2 })).toBe('00000000000000000123-0000000002');
    const run = cluster({ seed: 2, voters: 1, snapshotEveryRecords: 10 });
    stableLeader(run);
    run.workload(20, run.clock.now + 1_000);
    expect(run.runFor(1_500), run.violation?.message).toBe(true);
    const node = run.node(0);
    const latest = node.client!.log.latestSnapshotId()!;
    expect(node.disk.exists(`${METADATA_LOG_DIR}/${snapshotFileName(latest)}.checkpoint`)).toBe(true);
    const partial = `${METADATA_LOG_DIR}/${snapshotFileName({ offset: latest.offset + 5, epoch: latest.epoch })}.checkpoint.part`;
    node.disk.write(partial, 0, new Uint8Array([1, 2, 3]));
    run.crash(0);
    run.restart(0);
    expect(node.disk.exists(partial)).toBe(false);
    expect(node.client!.log.latestSnapshotId()).toEqual(latest);
    expect(node.client!.log.startOffset()).toBe(latest.offset);
  });

  it('readCommitted refuses offsets below the log start; readCommittedOrSnapshot gives the latest snapshot there', () => {
    const run = cluster({ seed: 6, voters: 1, snapshotEveryRecords: 10 });
    stableLeader(run);
    run.workload(20, run.clock.now + 1_000);
    expect(run.runFor(1_500), run.violation?.message).toBe(true);
    const client = run.node(0).client!;
    const start = client.log.startOffset();
    expect(start).toBeGreaterThan(0);
    expect(() => client.readCommitted(start - 1, 10)).toThrow(/below the log start/);
    const below = client.readCommittedOrSnapshot(0, 10);
    expect(below.type).toBe('snapshot');
    if (below.type === 'snapshot') {
      expect(below.snapshotId).toEqual(client.log.latestSnapshotId());
      expect(below.bytes).toEqual(client.latestSnapshot()!.bytes);
    }
    const at = client.readCommittedOrSnapshot(start, 1_000);
    expect(at).toMatchObject({ type: 'records', nextOffset: client.highWatermark() });
    expect(client.readCommitted(start, 1_000)).toEqual(at.type === 'records' ? at.records : undefined);
  });

  it('answers FetchSnapshot with a chunk, or FENCED_LEADER_EPOCH, SNAPSHOT_NOT_FOUND, POSITION_OUT_OF_RANGE', () => {
    const run = cluster({ seed: 4, voters: 3, snapshotEveryRecords: 10 });
    const leaderId = stableLeader(run);
    run.workload(25, run.clock.now + 1_000);
    expect(run.runFor(1_500), run.violation?.message).toBe(true);
    const leader = run.node(leaderId).client!;
    const snapshot = leader.log.latestSnapshotId()!;
    const size = leader.log.readSnapshot(snapshot)!.sizeInBytes;
    const from = run.nodes.find((node) => node.id !== leaderId)!;
    const ask = (overrides: Partial<FetchSnapshotRequest>): FetchSnapshotResponse => {
      const request: FetchSnapshotRequest = {
        type: 'FetchSnapshotRequest',
        correlationId: 1_000,
        replicaId: from.id,
        replicaDirectoryId: undefined,
        currentLeaderEpoch: leader.quorum.epoch,
        snapshotId: { endOffset: snapshot.offset, epoch: snapshot.epoch },
        position: 0,
        maxBytes: 10,
        ...overrides,
      };
      const effects = leader.handle({ type: 'receive', from: from.address, message: request });
      const sent = effects.find((effect) => effect.type === 'send' && effect.message.type === 'FetchSnapshotResponse');
      expect(sent).toBeDefined();
      return (sent as { message: FetchSnapshotResponse }).message;
    };
    const chunk = ask({ position: 3 });
    expect(chunk).toMatchObject({ errorCode: 'NONE', size, position: 3 });
    expect(chunk.bytes.length).toBe(10);
    expect(ask({ position: size - 2 }).bytes.length).toBe(2);
    expect(ask({ currentLeaderEpoch: leader.quorum.epoch - 1 }).errorCode).toBe('FENCED_LEADER_EPOCH');
    expect(ask({ currentLeaderEpoch: leader.quorum.epoch + 1 }).errorCode).toBe('UNKNOWN_LEADER_EPOCH');
    expect(ask({ snapshotId: { endOffset: snapshot.offset + 1, epoch: snapshot.epoch } }).errorCode).toBe('SNAPSHOT_NOT_FOUND');
    expect(ask({ position: size }).errorCode).toBe('POSITION_OUT_OF_RANGE');
    expect(ask({ position: -1 }).errorCode).toBe('POSITION_OUT_OF_RANGE');
  });
});

describe('FetchSnapshot and check-quorum', () => {
  // A leader cut off from the network resigns after 1.5 x fetch timeout (KAFKA-15489) unless a
  // majority keeps fetching; FetchSnapshot requests from one follower (with the leader, a majority
  // of 3) keep it leader, as Fetch requests would.
  const isolatedLeader = (fetchSnapshots: boolean): boolean => {
    const run = cluster({ seed: 8, voters: 3, snapshotEveryRecords: 10 });
    const leaderId = stableLeader(run);
    run.workload(25, run.clock.now + 1_000);
    expect(run.runFor(1_500), run.violation?.message).toBe(true);
    const leader = run.node(leaderId);
    const follower = run.nodes.find((node) => node.id !== leaderId)!;
    const snapshot = leader.client!.log.latestSnapshotId()!;
    const epoch = leader.client!.quorum.epoch;
    run.partition([leaderId]);
    for (let atMs = run.clock.now + 500; atMs < run.clock.now + 6_000; atMs += 500) {
      if (!fetchSnapshots) break;
      run.at(atMs, () => {
        const request = { type: 'FetchSnapshotRequest', correlationId: atMs, replicaId: follower.id, replicaDirectoryId: undefined, currentLeaderEpoch: epoch, snapshotId: { endOffset: snapshot.offset, epoch: snapshot.epoch }, position: 0, maxBytes: 64 } as const;
        // The answers cannot reach the partitioned follower; only the leader's accounting matters.
        if (leader.client?.quorum.state.type === 'Leader') leader.client.handle({ type: 'receive', from: follower.address, message: request });
      });
    }
    run.runFor(6_000);
    return leader.client?.quorum.state.type === 'Leader' && leader.client.quorum.epoch === epoch;
  };

  it('a leader that only hears FetchSnapshot from a majority stays leader; without it, it resigns', () => {
    expect(isolatedLeader(true)).toBe(true);
    expect(isolatedLeader(false)).toBe(false);
  });
});

/** Runs chaos with snapshots on up to `maxSeeds` seeds and returns the first violation's invariant name. */
function firstViolation(options: Omit<RaftClusterOptions, 'seed'>, maxSeeds: number, durationMs: number): string | undefined {
  for (let seed = 0; seed < maxSeeds; seed++) {
    const run = cluster({ ...options, seed });
    chaos(run, seed, durationMs);
    run.runFor(durationMs + 5_000);
    if (run.violation !== undefined) return run.violation.invariant;
    const final = run.validateCommittedData();
    if (final !== undefined) return final.invariant;
  }
  return undefined;
}

describe('the snapshot checkers catch planted bugs (test-only options)', () => {
  it('SnapshotAtLogStart catches a log start moved past the snapshot (the whole log deleted)', () => {
    expect(firstViolation({ voters: 3, snapshotEveryRecords: SNAPSHOT_EVERY, testOnlyBugs: { logStartPastSnapshot: true } }, 5, 10_000)).toBe('SnapshotAtLogStart');
  });

  it('LeaderNeverLoadSnapshot catches an application sent to the snapshot it has just written', () => {
    expect(firstViolation({ voters: 3, snapshotEveryRecords: SNAPSHOT_EVERY, testOnlyBugs: { offByOneSnapshotLoad: true } }, 5, 10_000)).toBe('LeaderNeverLoadSnapshot');
  });

  it('the same runs without the bugs pass', () => {
    expect(firstViolation({ voters: 3, snapshotEveryRecords: SNAPSHOT_EVERY }, 5, 10_000)).toBeUndefined();
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AleaRandomStream } from '../../sim/random/random-stream.ts';
import { RaftCluster, type RaftClusterOptions } from './raft-simulation-test-support.ts';

// Kafka's RaftEventSimulationTest for refka's Raft core. Goal: the KRaft safety invariants hold
// after every event of seeded runs of 3 and 5 voters plus an observer, under crashes, power loss,
// partitions and graceful shutdowns; the scenarios also check the liveness each one promises.
// Method: a deterministic harness (raft-simulation-test-support.ts) runs real KafkaRaftClients on
// SimDisks; fast-check draws the seeds. The last block plants bugs through test-only options and
// shows the checkers report them.

const ELECTION_MAX_MS = 20_000;
const CONVERGE_MAX_MS = 30_000;
const RUNS = { numRuns: 6 } as const;

function cluster(options: RaftClusterOptions): RaftCluster {
  const created = new RaftCluster(options);
  created.start();
  return created;
}

function leaderId(of: RaftCluster): number {
  const leader = of.leaderWithMaxEpoch();
  expect(leader).toBeDefined();
  return (leader as { id: number }).id;
}

function epochOf(of: RaftCluster, id: number): number {
  const client = of.node(id).client;
  expect(client).toBeDefined();
  return client!.quorum.epoch;
}

/** Elects a leader, commits some records, and checks the run so far. */
function electAndCommit(of: RaftCluster, records = 20): number {
  expect(of.runUntilTrue(() => of.hasStableLeader(), ELECTION_MAX_MS), `no leader: ${of.violation?.message}`).toBe(true);
  const before = of.maxHighWatermark();
  of.workload(20, of.clock.now + records * 20);
  expect(of.runFor(records * 20 + 1_000), of.violation?.message).toBe(true);
  expect(of.maxHighWatermark()).toBeGreaterThan(before);
  return leaderId(of);
}

/** Every running node converges on the leader's log end as HW, and committed data agrees. */
function expectConverged(of: RaftCluster): void {
  expect(of.runUntilTrue(() => of.converged(), CONVERGE_MAX_MS), `not converged: ${of.violation?.message}`).toBe(true);
  expect(of.validateCommittedData()).toBeUndefined();
  expect(of.violation).toBeUndefined();
}

const seeds = fc.integer({ min: 0, max: 1_000_000 });
const voterCounts = fc.constantFrom(3, 5);

describe('RaftEventSimulationTest scenarios', () => {
  it('canElectInitialLeader', () => {
    fc.assert(
      fc.property(seeds, voterCounts, (seed, voters) => {
        const run = cluster({ seed, voters, observers: 1 });
        electAndCommit(run);
        expectConverged(run);
        // The observer found the leader by itself and replicates, but never campaigned.
        expect(run.node(voters).client!.quorum.state.type).toBe('Follower');
        expect(run.trace.filter((line) => line.startsWith(`${voters} `)).every((line) => / (Unattached|Follower) /.test(line))).toBe(true);
      }),
      RUNS,
    );
  });

  it('a single voter elects itself at once and never resigns for lack of fetches (KAFKA-16144)', () => {
    const run = cluster({ seed: 1, voters: 1, observers: 1 });
    const leader = electAndCommit(run);
    expect(leader).toBe(0);
    expect(epochOf(run, 0)).toBe(1);
    run.partition([1]);
    expect(run.runFor(10_000), run.violation?.message).toBe(true);
    expect(run.node(0).client!.quorum.state).toMatchObject({ type: 'Leader', epoch: 1 });
    run.heal();
    expectConverged(run);
  });

  it('canElectNewLeaderAfterOldLeaderFailure', () => {
    fc.assert(
      fc.property(seeds, voterCounts, fc.boolean(), (seed, voters, powerLoss) => {
        const run = cluster({ seed, voters, observers: 1 });
        const old = electAndCommit(run);
        const oldEpoch = epochOf(run, old);
        run.crash(old, powerLoss);
        expect(run.runUntilTrue(() => run.hasStableLeader(), ELECTION_MAX_MS), run.violation?.message).toBe(true);
        expect(epochOf(run, leaderId(run))).toBeGreaterThan(oldEpoch);
        run.workload(20, run.clock.now + 400);
        run.runFor(500);
        run.restart(old);
        expectConverged(run);
      }),
      RUNS,
    );
  });

  it('canRecoverAfterAllNodesKilled', () => {
    fc.assert(
      fc.property(seeds, voterCounts, fc.boolean(), (seed, voters, powerLoss) => {
        const run = cluster({ seed, voters, observers: 1 });
        electAndCommit(run);
        const committed = run.maxHighWatermark();
        for (const node of run.nodes) run.crash(node.id, powerLoss);
        run.runFor(1_000);
        for (const node of run.nodes) run.restart(node.id);
        electAndCommit(run, 5);
        expect(run.maxHighWatermark()).toBeGreaterThan(committed);
        expectConverged(run);
      }),
      RUNS,
    );
  });

  it('canElectNewLeaderAfterOldLeaderPartitionedAway, and the old leader resigns (check-quorum)', () => {
    fc.assert(
      fc.property(seeds, voterCounts, (seed, voters) => {
        const run = cluster({ seed, voters, observers: 1 });
        const old = electAndCommit(run);
        const oldEpoch = epochOf(run, old);
        run.partition([old]);
        // 1.5 × fetch timeout after the last majority of fetches, the isolated leader resigns.
        expect(run.runFor(3_100), run.violation?.message).toBe(true);
        expect(run.node(old).client!.quorum.state.type).not.toBe('Leader');
        expect(run.runUntilTrue(() => run.hasStableLeader(), ELECTION_MAX_MS), run.violation?.message).toBe(true);
        expect(epochOf(run, leaderId(run))).toBeGreaterThan(oldEpoch);
        run.heal();
        expectConverged(run);
      }),
      RUNS,
    );
  });

  it('without check-quorum (kafka-15489) the isolated old leader stays leader while a new one is elected', () => {
    fc.assert(
      fc.property(seeds, voterCounts, (seed, voters) => {
        const run = cluster({ seed, voters, observers: 1, checkQuorum: false });
        const old = electAndCommit(run);
        const oldEpoch = epochOf(run, old);
        run.partition([old]);
        const newLeaderElected = (): boolean => run.leaders().some((node) => node.id !== old && epochOf(run, node.id) > oldEpoch);
        expect(run.runUntilTrue(newLeaderElected, ELECTION_MAX_MS), run.violation?.message).toBe(true);
        run.workload(20, run.clock.now + 400);
        expect(run.runFor(5_000), run.violation?.message).toBe(true);
        // Two live leaders: the split brain of KAFKA-15489. Different epochs, so SingleLeader holds.
        expect(run.node(old).client!.quorum.state.type).toBe('Leader');
        expect(epochOf(run, old)).toBe(oldEpoch);
        expect(run.leaders().length).toBe(2);
        run.heal();
        expectConverged(run);
        expect(run.leaders().length).toBe(1);
      }),
      RUNS,
    );
  });

  it('canElectNewLeaderAfterBackToBackLeaderFailures', () => {
    fc.assert(
      fc.property(seeds, fc.boolean(), (seed, powerLoss) => {
        const run = cluster({ seed, voters: 5, observers: 1 });
        const first = electAndCommit(run);
        run.crash(first, powerLoss);
        const second = (): number | undefined => run.leaders().find((node) => node.id !== first)?.id;
        expect(run.runUntilTrue(() => second() !== undefined, ELECTION_MAX_MS), run.violation?.message).toBe(true);
        run.crash(second() as number, powerLoss);
        expect(run.runUntilTrue(() => run.hasStableLeader(), ELECTION_MAX_MS), run.violation?.message).toBe(true);
        electAndCommit(run, 5);
        run.restart(first);
        for (const node of run.nodes) if (node.client === undefined) run.restart(node.id);
        expectConverged(run);
      }),
      RUNS,
    );
  });

  it('canMakeProgressIfMajorityIsReachable', () => {
    fc.assert(
      fc.property(seeds, (seed) => {
        const run = cluster({ seed, voters: 5, observers: 1 });
        electAndCommit(run);
        const random = new AleaRandomStream(seed, 'scenario');
        const leader = leaderId(run);
        const followers = [0, 1, 2, 3, 4].filter((id) => id !== leader);
        const minority = [random.pick(followers)];
        minority.push(random.pick(followers.filter((id) => !minority.includes(id))));
        run.partition(minority);
        const before = run.maxHighWatermark();
        run.workload(20, run.clock.now + 2_000);
        expect(run.runFor(3_000), run.violation?.message).toBe(true);
        expect(run.maxHighWatermark()).toBeGreaterThan(before + 50);
        run.heal();
        expectConverged(run);
      }),
      RUNS,
    );
  });

  it('a rejoining partitioned voter does not disrupt a healthy leader with pre-vote (KIP-996)', () => {
    fc.assert(
      fc.property(seeds, voterCounts, (seed, voters) => {
        const run = cluster({ seed, voters, observers: 1 });
        const leader = electAndCommit(run);
        const epoch = epochOf(run, leader);
        const follower = (leader + 1) % voters;
        run.partition([follower]);
        run.workload(50, run.clock.now + 6_000);
        expect(run.runFor(7_000), run.violation?.message).toBe(true);
        expect(epochOf(run, follower)).toBe(epoch);
        run.heal();
        expectConverged(run);
        expect(leaderId(run)).toBe(leader);
        expect(epochOf(run, leader)).toBe(epoch);
      }),
      RUNS,
    );
  });

  it('without pre-vote (pre-kip-996) a rejoining partitioned voter bumps the epoch', () => {
    fc.assert(
      fc.property(seeds, voterCounts, (seed, voters) => {
        const run = cluster({ seed, voters, observers: 1, preVote: false });
        const leader = electAndCommit(run);
        const epoch = epochOf(run, leader);
        const follower = (leader + 1) % voters;
        run.partition([follower]);
        run.workload(50, run.clock.now + 6_000);
        expect(run.runFor(7_000), run.violation?.message).toBe(true);
        expect(epochOf(run, follower)).toBeGreaterThan(epoch);
        run.heal();
        // Its Vote requests carry the higher epoch: the healthy leader steps down.
        const newerLeader = (): boolean => run.hasStableLeader() && epochOf(run, leaderId(run)) > epoch;
        expect(run.runUntilTrue(newerLeader, ELECTION_MAX_MS), run.violation?.message).toBe(true);
        expectConverged(run);
      }),
      RUNS,
    );
  });

  it('a graceful shutdown hands leadership over with EndQuorumEpoch', () => {
    fc.assert(
      fc.property(seeds, voterCounts, (seed, voters) => {
        const run = cluster({ seed, voters, observers: 1 });
        const old = electAndCommit(run);
        const shutdownAtMs = run.clock.now;
        run.shutdown(old);
        expect(run.node(old).client).toBeUndefined();
        expect(run.runUntilTrue(() => run.hasStableLeader(), ELECTION_MAX_MS), run.violation?.message).toBe(true);
        // The preferred successor campaigns at once instead of waiting out the fetch timeout.
        expect(run.clock.now - shutdownAtMs).toBeLessThan(2_000);
        run.restart(old);
        expectConverged(run);
      }),
      RUNS,
    );
  });
});

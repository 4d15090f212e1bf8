import { describe, expect, it } from 'vitest';
import { controllerQuorumMachine } from '../../model/controller-quorum.machine.ts';
import { ConformanceMonitor } from '../../sim/conformance/conformance-monitor.ts';
import { AleaRandomStream } from '../../sim/random/random-stream.ts';
import { readMetaProperties } from './meta-properties.ts';
import { FAST_TIMEOUTS, RaftCluster, type RaftClusterOptions } from './raft-simulation-test-support.ts';

// The amnesiac voter (V-K3, ../shared/research/kafka-groups-kraft-wire.md section 4.9) and
// KIP-853's answer to it. Goal: a voter whose disk was replaced comes back as an observer under a
// new directory id, never votes for its former self, and gets its vote back only through a voter
// change the leader commits (RemoveRaftVoter of its old key, then AddRaftVoter of its new one,
// which it asks for itself: KAFKA-19078); with static voters (kraft.version 0, what the
// `amnesiac-voter` mutant plants in the cluster) the same steps lose a committed record. Method:
// the Raft harness with its per-event invariants (without MonotonicEpoch and
// MajorityReachedHighWatermark, which a disk replacement breaks by design, as Kafka's
// canRecoverFromSingleNodeCommittedDataLoss leaves them out), and the controller-quorum model.

const WAIT_MS = 20_000;

function conforms(run: RaftCluster): string[] {
  const monitor = new ConformanceMonitor({ 'controller-quorum': controllerQuorumMachine });
  const rejected: string[] = [];
  run.transitions.forEach((transition, index) => {
    const found = monitor.observe(index, { machine: 'controller-quorum', instance: `${transition.node}#${transition.incarnation}`, event: { type: transition.event }, to: transition.to });
    if (found !== undefined) rejected.push(found);
  });
  return rejected;
}

/**
 * V-K3: leader L and follower B commit records that voter C, cut off from L, lacks; B's disk is
 * replaced, L is partitioned away, and B restarts empty beside C, which campaigns. Returns the run
 * and the offset L had committed.
 */
function amnesiacVoter(options: Partial<RaftClusterOptions>): { run: RaftCluster; leader: number; amnesiac: number; lagging: number; committed: number } {
  const run = new RaftCluster({ seed: 7, voters: 3, timeouts: FAST_TIMEOUTS, dataLoss: true, ...options });
  run.start();
  expect(run.runUntilTrue(() => run.hasStableLeader(), WAIT_MS), run.violation?.message).toBe(true);
  const leader = (run.leaderWithMaxEpoch() as { id: number }).id;
  const [amnesiac, lagging] = [0, 1, 2].filter((id) => id !== leader) as [number, number];
  run.workload(10, run.clock.now + 200);
  expect(run.runFor(400), run.violation?.message).toBe(true);
  // C falls behind: what L and B commit from now on, C does not have.
  run.cut(leader, lagging);
  run.workload(10, run.clock.now + 300);
  expect(run.runFor(300), run.violation?.message).toBe(true);
  const committed = run.node(leader).client!.highWatermark() as number;
  expect(committed).toBeGreaterThan(run.node(lagging).client!.log.endOffset());
  // B's disk is replaced, L is partitioned away, and B comes back empty beside C, which asks for votes.
  run.replaceDisk(amnesiac);
  run.partition([leader]);
  run.restart(amnesiac);
  return { run, leader, amnesiac, lagging, committed };
}

describe('a voter whose disk was replaced (KIP-853)', () => {
  it('restarts as an observer that refuses the lagging candidate, and the committed records survive', () => {
    const { run, leader, amnesiac, lagging, committed } = amnesiacVoter({ kraftVersion: 1 });
    const replaced = run.node(amnesiac).client!;
    expect(replaced.quorum.isVoter).toBe(false);
    expect(replaced.localKey.directoryId).not.toBe(run.initialControllers?.voterKey(amnesiac)?.directoryId);
    // C campaigns for a while; B answers INVALID_VOTER_KEY (the vote is asked of its old key).
    expect(run.runFor(1_500), run.violation?.message).toBe(true);
    for (const node of run.leaders()) expect(node.client!.log.endOffset()).toBeGreaterThanOrEqual(committed);
    expect(run.node(lagging).client!.quorum.state.type).not.toBe('Leader');
    // Healed, the quorum goes on with the records, and B rejoins: its old key removed, its new one added.
    run.heal();
    expect(run.runUntilTrue(() => run.node(amnesiac).client?.quorum.isVoter === true && run.converged(), WAIT_MS), run.violation?.message).toBe(true);
    const voters = run.leaderWithMaxEpoch()!.client!.quorum.voters;
    expect(voters.voterKey(amnesiac)?.directoryId).toBe(readMetaProperties(run.node(amnesiac).disk)?.directoryId);
    expect(voters.voterIds()).toEqual([0, 1, 2]);
    expect(run.validateCommittedData()).toBeUndefined();
    expect([...run.marks.keys()]).toContain(`${amnesiac}:raft-became-voter`);
    expect(run.transitions.some((transition) => transition.node === amnesiac && transition.event === 'VOTER_ADDED')).toBe(true);
    expect(conforms(run)).toEqual([]);
    expect(leader).not.toBe(amnesiac);
  });

  it('with static voters (kraft.version 0) votes at once for the lagging candidate, which loses the committed records', () => {
    const { run, lagging, committed } = amnesiacVoter({ kraftVersion: 0 });
    expect(run.runFor(1_500)).toBe(false);
    // C wins with the amnesiac's vote; its log ends before what L and B committed, and its high
    // watermark, once it commits its own epoch, is below L's.
    const won = run.transitions.some((transition) => transition.node === lagging && transition.to === 'voter.Leader');
    expect(won).toBe(true);
    expect(run.violation?.invariant).toBe('MonotonicHighWatermark');
    expect(run.violation?.message).toContain(`below ${committed}`);
  });

  it('keeps the invariants through crashes, partitions and one disk replacement at a time, and every voter gets back in', () => {
    for (const seed of [1, 2, 3]) {
      const run = new RaftCluster({ seed, voters: 3, kraftVersion: 1, timeouts: FAST_TIMEOUTS, networkDelayMs: [1, 20], dataLoss: true, snapshotEveryRecords: 20 });
      run.start();
      const random = new AleaRandomStream(seed, 'disk-chaos');
      const endMs = 6_000;
      run.workload(25, endMs);
      // A majority survives one replaced voter: another is replaced only once the replaced one is a
      // voter again under its new directory, as its own committed voter set says (the cluster's
      // fault budget does the same).
      const impaired = new Set<number>();
      let replacements = 0;
      for (let atMs = random.int(200, 800); atMs < endMs; atMs += random.int(200, 800)) {
        const roll = random.int(0, 9);
        const target = random.int(0, 2);
        run.at(atMs, () => {
          const node = run.node(target);
          for (const id of [...impaired]) {
            const client = run.node(id).client;
            if (client !== undefined && client.committedVoterSet().isVoter(client.localKey)) impaired.delete(id);
          }
          if (roll <= 1 && (impaired.size === 0 || impaired.has(target))) {
            run.replaceDisk(target);
            impaired.add(target);
            replacements++;
          }
          else if (roll <= 3 && node.client !== undefined) run.crash(target, roll === 3);
          else if (roll <= 6 && node.client === undefined) run.restart(target);
          else if (roll === 7) run.partition([target]);
          else run.heal();
        });
      }
      run.at(endMs, () => {
        run.heal();
        for (const node of run.nodes) if (node.client === undefined) run.restart(node.id);
      });
      expect(run.runUntil(endMs), `seed ${seed}: ${run.violation?.message}`).toBe(true);
      const everyoneVotes = (): boolean => run.converged() && run.nodes.every((node) => node.client?.quorum.isVoter === true);
      expect(run.runUntilTrue(everyoneVotes, WAIT_MS), `seed ${seed}: ${run.violation?.message}`).toBe(true);
      expect(run.validateCommittedData(), `seed ${seed}`).toBeUndefined();
      expect(conforms(run), `seed ${seed}`).toEqual([]);
      expect(replacements, `seed ${seed}`).toBeGreaterThan(0);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { controllerQuorumMachine } from '../../model/controller-quorum.machine.ts';
import { ConformanceMonitor } from '../../sim/conformance/conformance-monitor.ts';
import { chaos, FAST_TIMEOUTS, RaftCluster } from './raft-simulation-test-support.ts';

/**
 * Goal: every state change the Raft core makes is a move of the controller quorum's model
 * (`model/controller-quorum.machine.ts`), which was written from Kafka's QuorumState and not from
 * this code, for the cause the client names. Method: seeded chaos runs (crashes, power loss,
 * partitions) with every combination of pre-vote and check-quorum, 1, 3 and 5 voters and an
 * observer; every `transition` effect goes through the simulator's conformance monitor, one model
 * instance per node and process (a restarted process starts again at `Starting`).
 */
describe('the Raft core moves as the controller-quorum model allows', () => {
  it('in chaos runs with and without pre-vote and check-quorum, for the cause it names', () => {
    const taken = new Set<string>();
    for (const voters of [1, 3, 5]) {
      for (const preVote of [true, false]) {
        for (const checkQuorum of [true, false]) {
          for (const seed of [1, 2]) {
            const run = new RaftCluster({ seed, voters, observers: 1, preVote, checkQuorum, timeouts: FAST_TIMEOUTS, networkDelayMs: [1, 20] });
            run.start();
            chaos(run, seed, 3_000);
            run.runFor(3_000);
            const monitor = new ConformanceMonitor({ 'controller-quorum': controllerQuorumMachine });
            const rejected: string[] = [];
            run.transitions.forEach((transition, index) => {
              const found = monitor.observe(index, { machine: 'controller-quorum', instance: `${transition.node}#${transition.incarnation}`, event: { type: transition.event }, to: transition.to });
              if (found !== undefined) rejected.push(found);
            });
            expect(rejected, `voters ${voters}, preVote ${preVote}, checkQuorum ${checkQuorum}, seed ${seed}`).toEqual([]);
            for (const coverage of monitor.coverage()) for (const edge of coverage.transitionsTaken) taken.add(edge);
          }
        }
      }
    }
    // The runs exercise elections, restarts and failovers, not only a quiet start.
    for (const edge of [
      'Starting --LOADED_UNATTACHED--> voter.Unattached',
      'voter.Unattached --ELECTION_TIMEOUT--> voter.Prospective',
      'voter.Prospective --PREVOTE_WON--> voter.Candidate',
      'voter.Candidate --VOTE_WON--> voter.Leader',
      'voter.Leader --RESIGNED--> voter.Resigned',
      'voter.Unattached --CAMPAIGNED--> voter.Candidate',
      'observer.Unattached --LEADER_DISCOVERED--> observer.Follower',
    ]) {
      expect([...taken], edge).toContain(edge);
    }
  });

  it('with snapshots on, where followers download the leader snapshot by FetchSnapshot', () => {
    let downloads = 0;
    for (const seed of [1, 2, 3]) {
      const run = new RaftCluster({ seed, voters: 3, observers: 1, snapshotEveryRecords: 10, timeouts: FAST_TIMEOUTS, networkDelayMs: [1, 20] });
      run.start();
      chaos(run, seed, 4_000);
      expect(run.runFor(4_000), run.violation?.message).toBe(true);
      const monitor = new ConformanceMonitor({ 'controller-quorum': controllerQuorumMachine });
      const rejected: string[] = [];
      run.transitions.forEach((transition, index) => {
        const found = monitor.observe(index, { machine: 'controller-quorum', instance: `${transition.node}#${transition.incarnation}`, event: { type: transition.event }, to: transition.to });
        if (found !== undefined) rejected.push(found);
      });
      expect(rejected, `seed ${seed}`).toEqual([]);
      for (const [key, count] of run.marks) if (key.endsWith(':raft-snapshot-fetched')) downloads += count;
    }
    expect(downloads).toBeGreaterThan(0);
  });
});

import { describe, expect, it } from 'vitest';
import { controllerQuorumMachine } from '../../model/controller-quorum.machine.ts';
import { transitionTable } from '../../model/machine-table.ts';
import { chaos, FAST_TIMEOUTS, RaftCluster } from './raft-simulation-test-support.ts';

/**
 * Goal: every state change the Raft core makes is a move of the controller quorum's model
 * (`model/controller-quorum.machine.ts`), which was written from Kafka's QuorumState and not from
 * this code. Method: seeded chaos runs (crashes, power loss, partitions) with every combination of
 * pre-vote and check-quorum, 1, 3 and 5 voters and an observer; each node's states, per process,
 * are replayed as (from, to) pairs, the first from the model's `Starting`, and each pair must be an
 * edge of the model for some event. The client reports no cause yet (its events are `to-<state>`),
 * so the check is on pairs; wiring it into the cluster will report Kafka's causes and let the
 * conformance monitor check them.
 */
const table = transitionTable(controllerQuorumMachine);
const pairs = new Set(table.accepted.map((line) => {
  const match = /^(\S+) --\S+--> (\S+)$/.exec(line);
  if (match === null) throw new Error(`not an edge: ${line}`);
  return `${match[1]} -> ${match[2]}`;
}));

function modelPairs(run: RaftCluster): { seen: Set<string>; illegal: string[] } {
  const seen = new Set<string>();
  const illegal: string[] = [];
  const last = new Map<string, string>();
  for (const transition of run.transitions) {
    const key = `${transition.node}/${transition.incarnation}`;
    const to = `${transition.isVoter ? 'voter' : 'observer'}.${transition.to}`;
    const from = last.get(key) ?? 'Starting';
    const pair = `${from} -> ${to}`;
    seen.add(pair);
    if (!pairs.has(pair)) illegal.push(`node ${transition.node}: ${pair}`);
    last.set(key, to);
  }
  return { seen, illegal };
}

describe('the Raft core moves as the controller-quorum model allows', () => {
  it('in chaos runs with and without pre-vote and check-quorum', () => {
    const seen = new Set<string>();
    for (const voters of [1, 3, 5]) {
      for (const preVote of [true, false]) {
        for (const checkQuorum of [true, false]) {
          for (const seed of [1, 2]) {
            const run = new RaftCluster({ seed, voters, observers: 1, preVote, checkQuorum, timeouts: FAST_TIMEOUTS, networkDelayMs: [1, 20] });
            run.start();
            chaos(run, seed, 3_000);
            run.runFor(3_000);
            const found = modelPairs(run);
            expect(found.illegal, `voters ${voters}, preVote ${preVote}, checkQuorum ${checkQuorum}, seed ${seed}`).toEqual([]);
            for (const pair of found.seen) seen.add(pair);
          }
        }
      }
    }
    // The runs exercise elections, restarts and failovers, not only a quiet start.
    for (const pair of ['Starting -> voter.Unattached', 'voter.Prospective -> voter.Candidate', 'voter.Candidate -> voter.Leader', 'voter.Leader -> voter.Resigned', 'observer.Unattached -> observer.Follower']) {
      expect([...seen], pair).toContain(pair);
    }
  });
});

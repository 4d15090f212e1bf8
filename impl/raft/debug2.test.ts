import { it } from 'vitest';
import { RaftCluster } from './raft-simulation-test-support.ts';
import { chaos } from './debug.test.ts';

it('debug2', () => {
  const run = new RaftCluster({ seed: 8, voters: 3, observers: 1, checkQuorum: true, preVote: false });
  run.start();
  chaos(run, 8, 15000);
  run.runFor(15000);
  const show = () => console.log('S', run.clock.now, run.nodes.map((n) => [n.id, n.client?.quorum.state.type, n.client?.quorum.epoch, n.client?.quorum.leaderId(), n.client?.highWatermark(), n.client?.log.endOffset(), n.client?.log.lastFetchedEpoch(), JSON.stringify((n.client?.quorum.state as any)?.electionDeadlineMs ?? (n.client?.quorum.state as any)?.fetchDeadlineMs)].join(' ')).join(' | '));
  for (let i = 0; i < 40; i++) { run.runFor(300); show(); }
});

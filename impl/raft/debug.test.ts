import { it } from 'vitest';
import { AleaRandomStream } from '../../sim/random/random-stream.ts';
import { RaftCluster } from './raft-simulation-test-support.ts';

export function chaos(run: RaftCluster, seed: number, durationMs: number): void {
  const random = new AleaRandomStream(seed, 'chaos');
  const endMs = run.clock.now + durationMs;
  run.workload(25, endMs);
  for (let atMs = run.clock.now + random.int(200, 1_500); atMs < endMs; atMs += random.int(200, 1_500)) {
    const roll = random.int(0, 9);
    const target = random.int(0, run.nodes.length - 1);
    run.at(atMs, () => {
      const node = run.node(target);
      if (roll <= 2 && node.client !== undefined) run.crash(target, roll === 0);
      else if (roll <= 5 && node.client === undefined) run.restart(target);
      else if (roll <= 7) run.partition([target]);
      else run.heal();
    });
  }
  run.at(endMs, () => {
    run.heal();
    for (const node of run.nodes) if (node.client === undefined) run.restart(node.id);
  });
}
it('debug', () => {
  let bad = 0;
  for (let seed = Number(process.env.FROM); seed < Number(process.env.TO) && bad < 5; seed++) for (const voters of [3, 5]) for (const cq of [true, false]) for (const pv of [true, false]) {
    const run = new RaftCluster({ seed, voters, observers: 1, checkQuorum: cq, preVote: pv });
    run.start();
    chaos(run, seed, 15000);
    try { run.runFor(15000); } catch (e) { console.log('BAD', seed, voters, cq, pv, 'THROW', String(e)); bad++; continue; }
    const ok = run.runUntilTrue(() => run.converged(), 30000);
    const final = run.validateCommittedData();
    if (!ok || final || run.violation) {
      bad++;
      console.log('BAD', seed, voters, cq, pv, ok, run.violation, run.nodes.map((n) => [n.id, n.client?.quorum.state.type, n.client?.quorum.epoch, n.client?.quorum.leaderId(), n.client?.highWatermark(), n.client?.log.endOffset(), n.client?.log.lastFetchedEpoch()].join(' ')).join(' | '));
    }
  }
});

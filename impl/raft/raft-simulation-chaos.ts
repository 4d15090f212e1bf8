import { AleaRandomStream } from '../../sim/random/random-stream.ts';
import type { RaftCluster } from './raft-simulation-test-support.ts';

/** Random crashes, power losses, restarts, partitions and heals, one every 200..1500 ms. */
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

import { describe, expect, it } from 'vitest';
import { KafkaBroker } from '../../impl/broker/kafka-broker.ts';
import type { Message, SimulatedNode } from '../../impl/env/node-environment.ts';
import { seedSystem } from '../run/run-seed.ts';
import { Simulation } from '../run/simulation.ts';
import { DEFAULT_SIMULATION_OPTIONS } from '../run/simulation-options.ts';
import type { ClusterView, SystemDefinition } from '../run/system.ts';
import type { KafkaClusterView } from './kafka-view.ts';

// After a broker's input the simulator builds a view only when the view builder says something of
// that broker may have moved (`KafkaViewMemory.brokerMayHaveChanged`, issue 12). A "no" that
// should have been "maybe" would skip a check. Here every state node's input is followed by a
// view, as every broker input was before, and each view that follows only broker inputs that
// said "no" (no other node's input, no process started or stopped, no fault) must leave the state
// version where the view before it left it.

type System = SystemDefinition<Message, SimulatedNode<Message>, KafkaClusterView>;

interface Probe {
  /** Views that followed only broker inputs that said "no". */
  readonly judged: number;
  /** When such a view moved the state version anyway. */
  readonly moved: readonly number[];
}

function probe(seed: number, durationMs: number): Probe {
  const run = { seed, durationMs, brokers: 3, faults: { type: 'swarm' } as const, config: {}, variants: [], repro: 'broker-state-key.test.ts' };
  const inner = seedSystem(run) as unknown as System;
  let unchangedBrokers = 0;
  let other = false;
  let last: { readonly version: number | undefined; readonly processes: string } | undefined;
  let judged = 0;
  const moved: number[] = [];
  const system: System = {
    ...inner,
    stateChangedBy: (id, node) => {
      const changed = inner.stateChangedBy?.(id, node) ?? true;
      if (node instanceof KafkaBroker && !changed) unchangedBrokers++;
      else other = true;
      return true;
    },
    view: (cluster: ClusterView<SimulatedNode<Message>>) => {
      const view = inner.view(cluster);
      const processes = cluster.nodes.map((node) => `${node.status}#${node.incarnation}`).join(',');
      if (unchangedBrokers > 0 && !other && cluster.touched !== undefined && last !== undefined && last.processes === processes) {
        judged++;
        if (view.stateVersion !== last.version) moved.push(cluster.nowMs);
      }
      unchangedBrokers = 0;
      other = false;
      last = { version: view.stateVersion, processes };
      return view;
    },
  };
  const result = new Simulation({ ...DEFAULT_SIMULATION_OPTIONS, seed, durationMs, faults: run.faults, repro: run.repro }, system).run();
  expect(result.verdict).toBe('pass');
  return { judged, moved };
}

describe('a broker input the view builder says changed nothing', () => {
  it('is followed by no change of the state version, for a default run with faults', () => {
    const { judged, moved } = probe(2, 12_000);
    // Most broker inputs move nothing the checks read (a fetch that brings nothing, a metadata fetch).
    expect(judged).toBeGreaterThan(1_000);
    expect(moved).toEqual([]);
  });
});

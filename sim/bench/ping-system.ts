import { assertNever } from '../../impl/common/assert.ts';
import type { Message, NodeEffect, NodeEnvironment, NodeId, NodeInput, SimulatedNode } from '../../impl/env/node-environment.ts';
import type { ClusterView, SystemDefinition } from '../run/system.ts';

/**
 * The benchmark's idle system: each node sets a 1 ms timer and, when it fires, sends one ping to
 * the next node. Nodes do nothing else (no disk, no state, no invariants), so a run of it costs
 * what the simulator itself costs per event: queue, network, timers, host and trace digest.
 */
interface Ping extends Message {
  readonly type: 'ping';
}

class PingNode implements SimulatedNode<Ping> {
  constructor(private readonly next: NodeId | undefined) {}

  handle(input: NodeInput<Ping>): readonly NodeEffect<Ping>[] {
    switch (input.type) {
      case 'start':
        return [{ type: 'set-timer', name: 'tick', delayMs: 1 }];
      case 'timer':
        if (this.next === undefined) return [{ type: 'set-timer', name: 'tick', delayMs: 1 }];
        return [
          { type: 'send', to: this.next, message: { type: 'ping' } },
          { type: 'set-timer', name: 'tick', delayMs: 1 },
        ];
      case 'receive':
      case 'disconnected':
      case 'signal':
      case 'application-stall':
        return [];
      default:
        return assertNever(input, 'ping node input');
    }
  }
}

/** With `send` false the nodes only tick: the cost of the loop, timers, host and trace alone. */
export function pingSystem(nodes: number, send = true): SystemDefinition<Ping, PingNode> {
  const ids = Array.from({ length: nodes }, (_, index) => `n${index}`);
  return {
    name: `${send ? 'ping' : 'tick'} (${nodes} nodes)`,
    servers: ids,
    clients: [],
    createNode(id: NodeId, _environment: NodeEnvironment): PingNode {
      const index = ids.indexOf(id);
      return new PingNode(send ? (ids[(index + 1) % ids.length] as NodeId) : undefined);
    },
    view: (cluster: ClusterView<PingNode>) => cluster,
    invariants: [],
    pendingConvergence: () => undefined,
    config: {},
    variants: [],
  };
}

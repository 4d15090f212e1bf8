import { AckLogClient } from './ack-log-client.ts';
import type { AckLogMessage } from './ack-log-messages.ts';
import { AckLogServer } from './ack-log-server.ts';
import type { AckLogView } from './ack-log-view.ts';
import type { SystemDefinition } from '../run/system.ts';
import { acknowledgedWritesDurable } from '../../properties/invariants/ack-log/acknowledged-writes-durable.ts';
import { appendOrder } from '../../properties/invariants/ack-log/append-order.ts';
import { allServersRunning } from '../../properties/invariants/ack-log/all-servers-running.ts';
import { appendRejectedDiskFull, clientSawDisconnect } from '../../properties/invariants/ack-log/ack-log-sometimes.ts';
import { LOG_SOMETIMES_INVARIANTS } from '../../properties/invariants/log/log-sometimes.ts';
import type { InvariantDefinition } from '../invariants/invariant.ts';
import { assert } from '../../impl/common/assert.ts';

export type AckLogNode = AckLogServer | AckLogClient;

export interface AckLogSystemOptions {
  readonly servers: number;
  readonly clients: number;
  readonly stopAtMs: number;
  /** The planted bug switch: false acknowledges before the fsync. */
  readonly fsyncBeforeAck: boolean;
}

export const ACK_LOG_INVARIANTS: readonly InvariantDefinition<AckLogView>[] = [
  acknowledgedWritesDurable,
  appendOrder,
  allServersRunning,
  appendRejectedDiskFull,
  clientSawDisconnect,
  ...(LOG_SOMETIMES_INVARIANTS as readonly InvariantDefinition<AckLogView>[]),
];

/** The simulator's self-test system as a {@link SystemDefinition}. */
export function ackLogSystem(options: AckLogSystemOptions): SystemDefinition<AckLogMessage, AckLogNode, AckLogView> {
  assert(options.servers >= 1 && options.clients >= 1, 'ack-log needs a server and a client');
  const servers = Array.from({ length: options.servers }, (_, index) => `server-${index}`);
  const clients = Array.from({ length: options.clients }, (_, index) => `client-${index}`);
  return {
    name: 'ack-log (simulator self-test)',
    servers,
    clients,
    config: {},
    variants: [],
    invariants: ACK_LOG_INVARIANTS,
    createNode(id, environment) {
      const clientIndex = clients.indexOf(id);
      if (clientIndex < 0) return new AckLogServer(environment, { fsyncBeforeAck: options.fsyncBeforeAck, groupCommitMs: 5, maintenanceIntervalMs: 1_000 });
      return new AckLogClient(environment, {
        clientIndex, servers, stopAtMs: options.stopAtMs, requestTimeoutMs: 1_000, appendsMax: 100_000,
      });
    },
    view(cluster) {
      const view: AckLogView = {
        nowMs: cluster.nowMs,
        servers: cluster.nodes
          .filter((node) => servers.includes(node.id))
          .map((node) => {
            const server = node.node instanceof AckLogServer ? node.node : undefined;
            return { id: node.id, status: node.status, log: server?.entries, logStartOffset: server?.logStartOffset ?? 0 };
          }),
        clients: cluster.nodes
          .filter((node) => clients.includes(node.id))
          .map((node) => ({ id: node.id, done: node.node instanceof AckLogClient && node.node.done })),
      };
      return view;
    },
    pendingConvergence(view) {
      if (allServersRunning.checker.type !== 'final') return 'misconfigured';
      const found = allServersRunning.checker.check(view);
      return typeof found === 'object' ? found.message : found;
    },
  };
}

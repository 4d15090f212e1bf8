import type { InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { AckLogView } from '../../../sim/testkit/ack-log-view.ts';

/** After the heal phase every server process is up again and no client has work left. */
export const allServersRunning: InvariantDefinition<AckLogView> = {
  name: 'AllServersRunning',
  kind: 'eventually',
  source: 'the heal phase of the simulator (TigerBeetle VOPR liveness mode)',
  statement: 'Once healed, every server runs and every client has finished its appends.',
  checker: {
    type: 'final',
    check(view) {
      const down = view.servers.filter((server) => server.status !== 'running').map((server) => server.id);
      if (down.length > 0) return `servers still down: ${down.join(', ')}`;
      const busy = view.clients.filter((client) => !client.done).map((client) => client.id);
      return busy.length > 0 ? `clients not done: ${busy.join(', ')}` : undefined;
    },
  },
};

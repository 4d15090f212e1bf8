import type { InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { AckLogView } from '../../../sim/testkit/ack-log-view.ts';

const PROCESS_VALUES = 1_000_000_000;

/**
 * A client appends its values in increasing order, one at a time, and TCP delivers in order, so
 * each server's log holds each client's values in increasing order. Datagram-chaos mode breaks
 * the FIFO assumption, which is how a test shows this checker has teeth.
 */
export const appendOrder: InvariantDefinition<AckLogView> = {
  name: 'AppendOrder',
  kind: 'always',
  source: 'TCP FIFO delivery per connection (RFC 9293); Kafka per-partition order',
  statement: 'In every server\'s log, the values of each client appear in the order the client sent them.',
  checker: {
    type: 'state',
    check(view) {
      for (const server of view.servers) {
        if (server.log === undefined) continue;
        const lastByClient = new Map<number, number>();
        for (const { value } of server.log) {
          const client = Math.floor(value / PROCESS_VALUES);
          const last = lastByClient.get(client);
          if (last !== undefined && last >= value) {
            return `${server.id}: value ${value} of client ${client} follows ${last}`;
          }
          lastByClient.set(client, value);
        }
      }
      return undefined;
    },
  },
};

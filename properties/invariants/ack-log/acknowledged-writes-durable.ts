import { pairOperations } from '../../../sim/run/history.ts';
import type { InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { AckLogView } from '../../../sim/testkit/ack-log-view.ts';

interface AppendValue {
  readonly value: number;
  readonly server: string;
}

/**
 * An append the server acknowledged is in that server's log at the end of the run, whatever
 * crashes and power losses came between. It does not apply when the disk itself was corrupted or
 * replaced: no single-copy log survives that.
 */
export const acknowledgedWritesDurable: InvariantDefinition<AckLogView> = {
  name: 'AcknowledgedWritesDurable',
  kind: 'always',
  source: 'Jepsen lost-write checker; the fsync-before-acknowledge rule of any write-ahead log',
  statement: 'Every append acknowledged by a server is in that server\'s log when the run ends.',
  applicability(context) {
    const corrupted = (context.faults['bitflip'] ?? 0) + (context.faults['disk-loss'] ?? 0);
    return corrupted === 0
      ? { applies: true }
      : { applies: false, reason: 'bit flips or a replaced disk can destroy a single copy of the log' };
  },
  checker: {
    type: 'history',
    check(history, view) {
      const logs = new Map(view.servers.map((server) => [server.id, server.log === undefined ? undefined : new Set(server.log)]));
      const violations: { atMs: number; message: string }[] = [];
      for (const operation of pairOperations(history)) {
        if (operation.completion?.type !== 'ok') continue;
        const { value, server } = operation.invoke.value as AppendValue;
        const log = logs.get(server);
        // A server still down at the end cannot be read; liveness reports that case.
        if (log === undefined || log.has(value)) continue;
        violations.push({
          atMs: operation.completion.atMs,
          message: `value ${value} acknowledged by ${server} at ${operation.completion.atMs} ms is missing from its log`,
        });
      }
      return violations;
    },
  },
};

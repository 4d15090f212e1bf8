import type { HistoryEntry } from '../../../sim/run/history.ts';
import { historyChecker, type HistoryIndexDefinition, type InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { AckLogView } from '../../../sim/testkit/ack-log-view.ts';
import { keyOfValue } from '../../../sim/testkit/ack-log-server.ts';

interface AppendValue {
  readonly value: number;
  readonly server: string;
}

interface AppendCompletion extends AppendValue {
  readonly offset: number;
}

/** An append a server acknowledged. */
interface AcknowledgedAppend extends AppendCompletion {
  readonly atMs: number;
}

/** The acknowledged appends, in the order they were invoked; only these are kept of the history. */
const ACKNOWLEDGED_APPENDS: HistoryIndexDefinition<readonly AcknowledgedAppend[]> = {
  name: 'acknowledged-appends',
  create() {
    const open = new Map<string, { readonly invokedAt: number; readonly append: AppendValue }>();
    const acknowledged: { readonly invokedAt: number; readonly append: AcknowledgedAppend }[] = [];
    return {
      observe(entry: HistoryEntry): void {
        if (entry.type === 'invoke') {
          open.set(entry.process, { invokedAt: entry.index, append: entry.value as AppendValue });
          return;
        }
        const invoked = open.get(entry.process);
        open.delete(entry.process);
        if (invoked === undefined || entry.type !== 'ok') return;
        const { offset } = entry.value as AppendCompletion;
        acknowledged.push({ invokedAt: invoked.invokedAt, append: { value: invoked.append.value, server: invoked.append.server, offset, atMs: entry.atMs } });
      },
      finish: () => [...acknowledged].sort((a, b) => a.invokedAt - b.invokedAt).map((entry) => entry.append),
    };
  },
};

/**
 * An append the server acknowledged is in that server's log at the end of the run, at the offset
 * the server gave, whatever crashes and power losses came between, unless the log's own cleanup
 * removed it: retention deleted its segment (its offset is below the log start offset), or
 * compaction superseded it (a later record with the same key is in the log). Nothing else may
 * remove it, and nothing else may ever sit at its offset. It does not apply when the disk itself
 * was corrupted or replaced: no single-copy log survives that.
 */
export const acknowledgedWritesDurable: InvariantDefinition<AckLogView> = {
  name: 'AcknowledgedWritesDurable',
  kind: 'always',
  source: 'Jepsen lost-write checker; the fsync-before-acknowledge rule of any write-ahead log; Kafka log compaction guarantees',
  statement: 'Every append a server acknowledged is in its log at the offset it was given, unless retention or compaction removed it.',
  applicability(context) {
    const corrupted = (context.faults['bitflip'] ?? 0) + (context.faults['disk-loss'] ?? 0);
    return corrupted === 0
      ? { applies: true }
      : { applies: false, reason: 'bit flips or a replaced disk can destroy a single copy of the log' };
  },
  checker: historyChecker(ACKNOWLEDGED_APPENDS, (appends: readonly AcknowledgedAppend[], view: AckLogView) => {
    const logs = new Map(
      view.servers.map((server) => {
        if (server.log === undefined) return [server.id, undefined] as const;
        const byOffset = new Map(server.log.map((entry) => [entry.offset, entry.value]));
        const lastOffsetOfKey = new Map<string, number>();
        for (const entry of server.log) lastOffsetOfKey.set(keyOfValue(entry.value), entry.offset);
        return [server.id, { byOffset, lastOffsetOfKey, logStartOffset: server.logStartOffset }] as const;
      }),
    );
    const violations: { atMs: number; message: string }[] = [];
    for (const { value, server, offset, atMs } of appends) {
      const log = logs.get(server);
      // A server still down at the end cannot be read; liveness reports that case.
      if (log === undefined) continue;
      const at = log.byOffset.get(offset);
      const where = `value ${value} acknowledged by ${server} at offset ${offset} (${atMs} ms)`;
      if (at === value) continue;
      if (at !== undefined) {
        violations.push({ atMs, message: `${where}: offset ${offset} now holds ${at}` });
        continue;
      }
      if (offset < log.logStartOffset) continue;
      if ((log.lastOffsetOfKey.get(keyOfValue(value)) ?? -1) > offset) continue;
      violations.push({ atMs, message: `${where} is missing from its log` });
    }
    return violations;
  }),
};

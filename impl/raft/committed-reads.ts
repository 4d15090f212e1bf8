import { assert } from '../common/assert.ts';
import type { KafkaMetadataLog, RaftLogEntry } from './kafka-metadata-log.ts';
import type { SnapshotId } from './raft-snapshots.ts';

/** What `readCommittedOrSnapshot` gives the application: Kafka's `handleLoadSnapshot` or `handleCommit`. */
export type CommittedRead =
  | { readonly type: 'snapshot'; readonly snapshotId: SnapshotId; readonly bytes: Uint8Array }
  | { readonly type: 'records'; readonly records: readonly RaftLogEntry[]; readonly nextOffset: number };

/**
 * What Kafka's `KafkaRaftClient.updateListenersProgress` and `ListenerContext` decide for a
 * listener at `from`, as a read the application makes: below the log start only the latest
 * snapshot can bring it up to date (`fireHandleSnapshot`); otherwise the committed records from
 * `from` (`fireHandleCommit`), control records left out, at most `max`, and where to read next.
 */
export function readCommittedOrSnapshot(log: KafkaMetadataLog, highWatermark: number | undefined, from: number, max: number, offByOneTestOnlyBug: boolean): CommittedRead {
  const latest = log.latestSnapshotId();
  const offByOne = offByOneTestOnlyBug && latest !== undefined && from === latest.offset;
  if (from < log.startOffset() || offByOne) {
    assert(latest !== undefined, `the log starts at ${log.startOffset()} without a snapshot`);
    return { type: 'snapshot', snapshotId: latest, bytes: log.readSnapshotPayload(latest) };
  }
  return readCommittedRecords(log, highWatermark, from, max);
}

/** Committed application records from `from`, which must not be below the log start. */
export function readCommittedRecords(log: KafkaMetadataLog, highWatermark: number | undefined, from: number, max: number): { readonly type: 'records'; records: RaftLogEntry[]; nextOffset: number } {
  assert(from >= log.startOffset(), `a committed read at ${from}, below the log start ${log.startOffset()}: load the snapshot (readCommittedOrSnapshot)`);
  assert(Number.isInteger(max) && max >= 0, `a committed read of ${max} records`);
  const committed = highWatermark ?? 0;
  if (max === 0) return { type: 'records', records: [], nextOffset: from };
  const entries = from >= committed ? [] : log.readEntries(from, committed).filter((entry) => !entry.isControl);
  const records = entries.slice(0, max);
  const nextOffset = entries.length > max ? (records.at(-1) as RaftLogEntry).offset + 1 : Math.max(from, committed);
  return { type: 'records', records, nextOffset };
}

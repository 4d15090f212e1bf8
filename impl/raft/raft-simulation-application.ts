import { assert } from '../common/assert.ts';
import type { KafkaRaftClient } from './kafka-raft-client.ts';
import type { RaftLogEntry } from './kafka-metadata-log.ts';
import { applyCommitted, EMPTY_APPLIED_STATE, type AppliedState } from './raft-invariants.ts';

/** A bound on reads per step: a replica far behind catches up over several events. */
const MAX_READS_PER_STEP = 8;
const MAX_RECORDS_PER_READ = 500;
/** Recent record signatures kept in the state, so that a snapshot spans several FetchSnapshot chunks. */
const RECENT_KEPT = 16;

/** How a committed record reads to the checkers and to the application (epoch and bytes). */
export function entrySignature(entry: Pick<RaftLogEntry, 'epoch' | 'isControl' | 'value'>): string {
  let text = '';
  for (const byte of entry.value) text += String.fromCharCode(byte);
  return `${entry.epoch}:${entry.isControl ? 'control:' : ''}${text}`;
}

interface SnapshotState extends AppliedState {
  readonly recent: readonly string[];
}

export function encodeApplicationSnapshot(state: SnapshotState): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ records: state.records, digest: state.digest, recent: state.recent }));
}

export function decodeApplicationSnapshot(bytes: Uint8Array): SnapshotState {
  const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { records?: unknown; digest?: unknown; recent?: unknown };
  assert(typeof parsed.records === 'number' && typeof parsed.digest === 'number' && Array.isArray(parsed.recent), 'a harness snapshot holds records, digest and recent');
  return { records: parsed.records, digest: parsed.digest, recent: parsed.recent as string[] };
}

/**
 * The state machine the harness runs on every replica when snapshots are on, after Kafka's
 * `ReplicatedCounter` and the `ListenerContext` that feeds it: it loads a snapshot when its next
 * offset is below the log start (`handleLoadSnapshot`), applies committed records
 * (`handleCommit`), writes a snapshot every `snapshotEveryRecords` applied records
 * (`createSnapshot` at the last applied record + 1, in that record's epoch), and claims a leader's
 * epoch only once it has applied past the epoch start (`maybeFireLeaderChange`). It lives in
 * memory: a crash loses it, and the restarted replica rebuilds it from its snapshot and log.
 */
export class SimRaftApplication {
  private nextOffset = 0;
  private state: SnapshotState = { ...EMPTY_APPLIED_STATE, recent: [] };
  private lastApplied: { offset: number; epoch: number } | undefined;
  private recordsSinceSnapshot = 0;
  private leaderAndEpoch = '';
  private claimedEpoch: number | undefined;
  /** Kafka's `handleLoadSnapshotCalls`: reset by every leader change. */
  snapshotLoadsSinceLeaderChange = 0;
  snapshotLoads = 0;
  snapshotsCreated = 0;

  constructor(private readonly snapshotEveryRecords: number) {
    assert(snapshotEveryRecords > 0, 'snapshots every positive number of records');
  }

  /** The applied state and where it reads next (tests compare replicas). */
  applied(): { readonly nextOffset: number; readonly records: number; readonly digest: number } {
    return { nextOffset: this.nextOffset, records: this.state.records, digest: this.state.digest };
  }

  /** The application holds the leader's claim (Kafka's `ReplicatedCounter.isWritable`). */
  writable(client: KafkaRaftClient): boolean {
    return this.claimedEpoch !== undefined && client.quorum.state.type === 'Leader' && client.quorum.epoch === this.claimedEpoch;
  }

  /** Runs after each event: leader changes, then loads and applies, then maybe a snapshot and a claim. */
  step(client: KafkaRaftClient): void {
    const { leaderId, epoch } = client.leaderAndEpoch();
    const seen = `${leaderId ?? -1}@${epoch}`;
    if (seen !== this.leaderAndEpoch) {
      // Kafka's `handleLeaderChange`: the claim is dropped and the load count starts over.
      this.leaderAndEpoch = seen;
      this.claimedEpoch = undefined;
      this.snapshotLoadsSinceLeaderChange = 0;
    }
    for (let read = 0; read < MAX_READS_PER_STEP; read++) {
      const result = client.readCommittedOrSnapshot(this.nextOffset, MAX_RECORDS_PER_READ);
      if (result.type === 'snapshot') {
        this.state = decodeApplicationSnapshot(result.bytes);
        this.nextOffset = result.snapshotId.offset;
        this.lastApplied = undefined;
        this.recordsSinceSnapshot = 0;
        this.snapshotLoads++;
        this.snapshotLoadsSinceLeaderChange++;
        continue;
      }
      for (const record of result.records) {
        const signature = entrySignature(record);
        const applied = applyCommitted(this.state, record.offset, signature);
        this.state = { ...applied, recent: [...this.state.recent, signature].slice(-RECENT_KEPT) };
        this.lastApplied = { offset: record.offset, epoch: record.epoch };
        this.recordsSinceSnapshot++;
      }
      const moved = result.nextOffset !== this.nextOffset;
      this.nextOffset = result.nextOffset;
      if (this.recordsSinceSnapshot >= this.snapshotEveryRecords && this.lastApplied !== undefined) {
        const outcome = client.createSnapshot({ offset: this.lastApplied.offset + 1, epoch: this.lastApplied.epoch }, encodeApplicationSnapshot(this.state));
        if (outcome === 'created') this.snapshotsCreated++;
        this.recordsSinceSnapshot = 0;
      }
      if (!moved) break;
    }
    const state = client.quorum.state;
    if (state.type === 'Leader' && this.claimedEpoch !== state.epoch && this.nextOffset > state.leader.epochStartOffset) {
      // Kafka fires `handleLeaderChange` for the leader only here, which resets the load count.
      this.claimedEpoch = state.epoch;
      this.snapshotLoadsSinceLeaderChange = 0;
    }
  }
}

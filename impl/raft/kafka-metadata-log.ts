import { assert, assertIntegerInRange } from '../common/assert.ts';
import type { Clock, NodeDisk } from '../env/node-environment.ts';
import { logConfigFrom } from '../log/log-config.ts';
import { buildRecordBatch, decodeRecords, DEFAULT_BATCH_SPEC, type RecordBatch } from '../log/record-batch.ts';
import { UnifiedLog } from '../log/unified-log.ts';
import { decodeVotersRecord, encodeKRaftVersionRecord, encodeVotersRecord, type VoterSet } from './voter-set.ts';
import {
  compareSnapshotIds,
  decodeSnapshot,
  encodeSnapshot,
  FileRawSnapshotWriter,
  parseSnapshotPath,
  snapshotFileName,
  snapshotPath,
  type SnapshotId,
} from './raft-snapshots.ts';

/**
 * Kafka's `KafkaMetadataLog`: the Raft log (`ReplicatedLog`) as a wrapper around a real
 * `UnifiedLog`, so the metadata quorum's records are CRC'd v2 batches in segment files on the
 * node's (simulated) disk, and the leader-epoch cache (KIP-101/KIP-279) answers `endOffsetForEpoch`
 * for the Fetch validation that produces a DivergingEpoch (KIP-595).
 *
 * Durability: the log runs with `flush.messages=1`, so every append is fsynced before the call
 * returns. KRaft requires this: a follower's fetch offset and the leader's own end offset count
 * towards the high watermark, so they must name data that survives power loss (Kafka's
 * `KafkaRaftClient` flushes after `appendAsLeader` and `appendAsFollower`). Truncation and the
 * epoch checkpoint are durable at once (a metadata operation, and a fsynced rename).
 *
 * Snapshots (KIP-630): the application writes one at a committed offset (`createNewSnapshot`);
 * once it is durable the log start moves up to it and older snapshots and whole segments below
 * it are deleted (`deleteBeforeSnapshot`). A follower that fetched a leader's snapshot truncates
 * its log to it (`truncateToLatestSnapshot`). The log start is therefore always the earliest
 * snapshot's end offset, or 0 with no snapshot (the SnapshotAtLogStart invariant).
 */

/** The directory of the Raft log, as Kafka names the metadata partition's. */
export const METADATA_LOG_DIR = '__cluster_metadata-0';

/** Kafka's `OffsetAndEpoch`. */
export interface OffsetAndEpoch {
  readonly offset: number;
  readonly epoch: number;
}

/** Kafka's `ValidOffsetAndEpoch`: SNAPSHOT names the latest snapshot the fetcher must load. */
export type ValidOffsetAndEpoch =
  | { readonly kind: 'VALID'; readonly offsetAndEpoch: OffsetAndEpoch }
  | { readonly kind: 'DIVERGING'; readonly offsetAndEpoch: OffsetAndEpoch }
  | { readonly kind: 'SNAPSHOT'; readonly offsetAndEpoch: OffsetAndEpoch };

/** What `createNewSnapshot` did; Kafka's `Optional.empty()` cases are the two skips. */
export type CreateSnapshotOutcome = 'created' | 'already-exists' | 'below-log-start';

/** Kafka's `RawSnapshotReader`, reduced to what FetchSnapshot reads. */
export interface RawSnapshotReader {
  readonly snapshotId: SnapshotId;
  readonly sizeInBytes: number;
  /** Bytes [position, position + maxBytes) of the file image (Kafka's `slice`, `UnalignedRecords`). */
  slice(position: number, maxBytes: number): Uint8Array;
}

/** One record of the log, with the epoch of its batch and whether it is a control record. */
export interface RaftLogEntry {
  readonly offset: number;
  readonly epoch: number;
  readonly isControl: boolean;
  readonly value: Uint8Array;
}

/** Kafka's `KafkaRaftClient.MAX_FETCH_SIZE_BYTES` is 8 MiB; refka's records are small. */
export const MAX_FETCH_SIZE_BYTES = 1 << 20;

/** A bound on records per append: the application's batches, not a runaway loop. */
export const MAX_RECORDS_PER_APPEND = 1_000;

/** Kafka's `ControlRecordType` keys (version 0, then the type): LEADER_CHANGE is 2, KRAFT_VERSION 5, KRAFT_VOTERS 6. */
const LEADER_CHANGE_KEY = new Uint8Array([0, 0, 0, 2]);
const KRAFT_VERSION_KEY = new Uint8Array([0, 0, 0, 5]);
const KRAFT_VOTERS_KEY = new Uint8Array([0, 0, 0, 6]);

/** A VotersRecord found in the log, at its offset (Kafka's `LogHistory.Entry<VoterSet>`). */
export interface VotersRecordEntry {
  readonly offset: number;
  readonly voters: VoterSet;
}

const TEXT_ENCODER = new TextEncoder();
const TEXT_DECODER = new TextDecoder();

/** Kafka's `LeaderChangeMessage`, as refka encodes it (JSON rather than Kafka's binary schema). */
export interface LeaderChangeMessage {
  readonly leaderId: number;
  readonly voters: readonly number[];
}

export function encodeLeaderChange(message: LeaderChangeMessage): Uint8Array {
  return TEXT_ENCODER.encode(JSON.stringify({ leaderId: message.leaderId, voters: message.voters }));
}

export function decodeLeaderChange(value: Uint8Array): LeaderChangeMessage {
  const parsed: unknown = JSON.parse(TEXT_DECODER.decode(value));
  assert(typeof parsed === 'object' && parsed !== null, 'a leader change record is a JSON object');
  const { leaderId, voters } = parsed as { leaderId: unknown; voters: unknown };
  assert(typeof leaderId === 'number', 'a leader change record names its leader');
  assert(Array.isArray(voters), 'a leader change record lists the voters');
  return { leaderId, voters: voters as number[] };
}

export interface MetadataLogOptions {
  readonly skipFsyncTestOnlyBug?: boolean;
  /** Test-only bug: `deleteBeforeSnapshot` moves the log start to the log end, past the snapshot. */
  readonly logStartPastSnapshotTestOnlyBug?: boolean;
  /** Kafka's `metadata.log.segment.bytes`; small in tests so that deleting a prefix frees segments. */
  readonly segmentBytes?: number;
  /**
   * KIP-853 (kraft.version 1): every snapshot also holds the voter set at its end offset, as
   * Kafka's snapshots carry a VotersRecord after their header, so that the voters survive the
   * deletion of the log prefix that held their records.
   */
  readonly snapshotsHoldVoters?: boolean;
}

export class KafkaMetadataLog {
  /** Kafka's `snapshots` TreeMap: the ids of the frozen snapshots on disk, ascending. */
  private snapshots: SnapshotId[] = [];

  private constructor(
    private readonly log: UnifiedLog,
    private readonly disk: NodeDisk,
    private readonly clock: Clock,
    private readonly fsyncs: boolean,
    private readonly options: MetadataLogOptions,
  ) {}

  /**
   * Opens (or creates) the Raft log on `disk`, recovering every segment: each batch is CRC-checked
   * and a torn tail is cut, as Kafka's `LogLoader` does after an unclean shutdown. Recovery from
   * offset 0 costs a scan of the whole log; the logs of a simulated quorum are small.
   */
  static open(disk: NodeDisk, clock: Clock, options: MetadataLogOptions = {}): KafkaMetadataLog {
    const fsyncs = options.skipFsyncTestOnlyBug !== true;
    const config = logConfigFrom({
      ...(fsyncs ? { 'flush.messages': '1' } : {}),
      ...(options.segmentBytes === undefined ? {} : { 'segment.bytes': String(options.segmentBytes) }),
      'retention.ms': '-1',
      'retention.bytes': '-1',
    });
    const { log } = UnifiedLog.load(disk, clock, METADATA_LOG_DIR, config, {
      recoveryPoint: 0,
      logStartOffset: 0,
      hadCleanShutdown: false,
    });
    const metadataLog = new KafkaMetadataLog(log, disk, clock, fsyncs, options);
    metadataLog.recoverSnapshots();
    return metadataLog;
  }

  /**
   * Kafka's `recoverSnapshots` and the `truncateToLatestSnapshot` that `KafkaMetadataLog.apply`
   * runs after it: partial snapshots are deleted, a snapshot the log does not hold (a follower
   * that crashed between downloading it and truncating) truncates the log to it, and the log
   * start moves to the earliest snapshot. Kafka restores the log start from the first segment's
   * base offset instead, which may lie below the earliest snapshot; refka's stays at it.
   */
  private recoverSnapshots(): void {
    const ids: SnapshotId[] = [];
    for (const path of this.disk.list(`${METADATA_LOG_DIR}/`)) {
      const parsed = parseSnapshotPath(METADATA_LOG_DIR, path);
      if (parsed === undefined) continue;
      if (parsed.partial) this.disk.delete(path);
      else ids.push(parsed.id);
    }
    this.snapshots = ids.sort(compareSnapshotIds);
    for (const id of this.snapshots) this.readSnapshotPayload(id);
    const earliest = this.earliestSnapshotId();
    if (earliest === undefined) {
      assert(this.log.logStartOffset === 0, `the Raft log starts at ${this.log.logStartOffset} without a snapshot`);
      return;
    }
    // The segments kept may start below the snapshot; the log start is the snapshot's end.
    if (this.log.logEndOffset >= earliest.offset) this.log.maybeIncrementLogStartOffset(earliest.offset, earliest.offset);
    this.truncateToLatestSnapshot();
    assert(this.startOffset() === (this.earliestSnapshotId() as SnapshotId).offset, `log start ${this.startOffset()} is not at the earliest snapshot`);
  }

  /** The log end offset; every offset below it is durable. */
  endOffset(): number {
    const end = this.log.logEndOffset;
    if (this.fsyncs) assert(this.log.recoveryPoint === end, `raft log: recovery point ${this.log.recoveryPoint} behind the end ${end}`);
    return end;
  }

  /** Kafka's `lastFetchedEpoch`: the epoch of the last batch; for an empty log, the snapshot's, or 0. */
  lastFetchedEpoch(): number {
    const epoch = this.log.latestEpoch();
    if (epoch !== undefined) return epoch;
    const latest = this.latestSnapshotId();
    if (latest === undefined) return 0;
    assert(latest.offset === this.startOffset() && latest.offset === this.log.logEndOffset, `raft log: no last epoch, yet the snapshot ${snapshotFileName(latest)} is not at the empty log's start`);
    return latest.epoch;
  }

  /** The log start offset: the earliest snapshot's end offset, or 0. */
  startOffset(): number {
    return this.log.logStartOffset;
  }

  /** (end offset, last epoch): what a candidate compares in "is my log up to date". */
  endOffsetAndEpoch(): OffsetAndEpoch {
    return { offset: this.endOffset(), epoch: this.lastFetchedEpoch() };
  }

  /**
   * Kafka's `KafkaMetadataLog.endOffsetForEpoch`: the largest epoch at or below `epoch` that this
   * log holds, and the offset where it ends. Without a snapshot to fall back on, an epoch the
   * cache cannot place answers (log end, last epoch), as Kafka does.
   */
  endOffsetForEpoch(epoch: number): OffsetAndEpoch {
    assertIntegerInRange(epoch, 0, 0x7fff_ffff, 'epoch');
    const found = this.log.leaderEpochCache.endOffsetFor(epoch, this.log.logEndOffset);
    const earliest = this.earliestSnapshotId();
    // An epoch below the log's first one ends at the log start: answer the snapshot there.
    if (found.epoch === epoch && earliest !== undefined && found.endOffset === earliest.offset) return { offset: earliest.offset, epoch: earliest.epoch };
    if (found.epoch >= 0) return { offset: found.endOffset, epoch: found.epoch };
    return { offset: this.endOffset(), epoch: this.lastFetchedEpoch() };
  }

  /**
   * Kafka's `validateOffsetAndEpoch`, which the leader runs on every Fetch: the fetcher's
   * (fetchOffset, lastFetchedEpoch) is on this log iff this log's `lastFetchedEpoch` ends at or
   * after `offset`. Otherwise the answer is where the fetcher must truncate to (DivergingEpoch), or,
   * when that point is below the log start, the latest snapshot it must fetch (`ReplicatedLog`'s
   * default `validateOffsetAndEpoch`).
   */
  validateOffsetAndEpoch(offset: number, epoch: number): ValidOffsetAndEpoch {
    assertIntegerInRange(offset, 0, Number.MAX_SAFE_INTEGER, 'fetch offset');
    if (this.startOffset() === 0 && offset === 0) return { kind: 'VALID', offsetAndEpoch: { offset: 0, epoch: 0 } };
    const earliest = this.earliestSnapshotId();
    const start = this.startOffset();
    if (earliest !== undefined && (offset < start || (offset === start && epoch !== earliest.epoch) || epoch < earliest.epoch)) {
      return { kind: 'SNAPSHOT', offsetAndEpoch: this.latestSnapshotId() as SnapshotId };
    }
    const end = this.endOffsetForEpoch(epoch);
    if (end.epoch !== epoch || end.offset < offset) return { kind: 'DIVERGING', offsetAndEpoch: end };
    return { kind: 'VALID', offsetAndEpoch: { offset, epoch } };
  }

  /** Appends `values` as one batch in `epoch`; returns the offsets the records got. */
  appendAsLeader(values: readonly Uint8Array[], epoch: number): { baseOffset: number; lastOffset: number } {
    assert(values.length > 0, 'an append needs at least one record');
    assert(values.length <= MAX_RECORDS_PER_APPEND, `an append of ${values.length} records exceeds ${MAX_RECORDS_PER_APPEND}`);
    const nowMs = this.clock.nowMs();
    const records = values.map((value) => ({ timestamp: nowMs, key: null, value, headers: [] }));
    return this.appendBatch(buildRecordBatch(DEFAULT_BATCH_SPEC, records), epoch);
  }

  /**
   * Appends the control batch a new leader writes at its epoch start (Kafka's
   * `LeaderState.appendStartOfEpochControlRecords`): the `LeaderChangeMessage`, and, with `voters`
   * (a kraft.version 1 leader whose log holds no VotersRecord yet, only the bootstrap voters), a
   * `KRaftVersionRecord` and the `VotersRecord`, so that every replica, including one formatted
   * without the bootstrap voters, learns the voters from the log.
   */
  appendLeaderChange(message: LeaderChangeMessage, epoch: number, voters?: VoterSet): { baseOffset: number; lastOffset: number } {
    const nowMs = this.clock.nowMs();
    const records = [{ timestamp: nowMs, key: LEADER_CHANGE_KEY, value: encodeLeaderChange(message), headers: [] }];
    if (voters !== undefined) {
      records.push({ timestamp: nowMs, key: KRAFT_VERSION_KEY, value: encodeKRaftVersionRecord(1), headers: [] });
      records.push({ timestamp: nowMs, key: KRAFT_VOTERS_KEY, value: encodeVotersRecord(voters), headers: [] });
    }
    return this.appendBatch(buildRecordBatch({ ...DEFAULT_BATCH_SPEC, isControl: true }, records), epoch);
  }

  /** Appends a `VotersRecord` control batch (KIP-853's AddVoter and RemoveVoter); returns its offset. */
  appendVotersRecord(voters: VoterSet, epoch: number): number {
    const record = { timestamp: this.clock.nowMs(), key: KRAFT_VOTERS_KEY, value: encodeVotersRecord(voters), headers: [] };
    return this.appendBatch(buildRecordBatch({ ...DEFAULT_BATCH_SPEC, isControl: true }, [record]), epoch).lastOffset;
  }

  /**
   * The VotersRecords in [from, to), in offset order: only control batches are decoded (Kafka's
   * `KRaftControlRecordStateMachine` reads every batch and keeps these).
   */
  readVotersRecords(from: number, to: number): VotersRecordEntry[] {
    const bound = Math.min(to, this.endOffset());
    const found: VotersRecordEntry[] = [];
    let next = Math.max(from, this.startOffset());
    while (next < bound) {
      const read = this.log.read(next, MAX_FETCH_SIZE_BYTES, bound, true);
      assert(read.type === 'read', `raft log: read at ${next} failed`);
      if (read.batches.length === 0) break;
      for (const batch of read.batches) {
        next = batch.lastOffset + 1;
        if (!batch.isControl) continue;
        const records = decodeRecords(batch);
        assert(typeof records !== 'string', 'raft log: a control batch that passed its CRC does not decode');
        for (const record of records) {
          if (record.offset < from || record.offset >= bound || record.key === null || record.value === null) continue;
          if (sameBytes(record.key, KRAFT_VOTERS_KEY)) found.push({ offset: record.offset, voters: decodeVotersRecord(record.value) });
        }
      }
    }
    return found;
  }

  private appendBatch(batch: Uint8Array, epoch: number): { baseOffset: number; lastOffset: number } {
    const endBefore = this.endOffset();
    const result = this.log.appendAsLeader([batch], epoch);
    // The Raft log has no size limit a valid record could break and no compaction; a refused
    // append is a bug in the caller or a disk fault, which Kafka also treats as fatal.
    assert(result.type === 'appended', `raft log append failed: ${result.type === 'error' ? result.message : ''}`);
    assert(result.info.firstOffset === endBefore, `raft log: append landed at ${result.info.firstOffset}, not ${endBefore}`);
    assert(this.endOffset() === result.info.lastOffset + 1, 'raft log: the end did not move past the append');
    return { baseOffset: result.info.firstOffset, lastOffset: result.info.lastOffset };
  }

  /** Appends batches fetched from the leader, keeping their offsets and epochs. */
  appendAsFollower(batches: readonly Uint8Array[]): { lastOffset: number } | { error: string } {
    assert(batches.length > 0, 'a follower append needs batches');
    const result = this.log.appendAsFollower(batches);
    if (result.type === 'error') return { error: `${result.error}: ${result.message}` };
    assert(this.endOffset() === result.info.lastOffset + 1, 'raft log: follower append did not reach its last offset');
    return { lastOffset: result.info.lastOffset };
  }

  /** Whole batches from `fetchOffset`, at most {@link MAX_FETCH_SIZE_BYTES} (at least one). */
  read(fetchOffset: number): readonly Uint8Array[] {
    const end = this.endOffset();
    assert(fetchOffset <= end, `raft log: read at ${fetchOffset} past the end ${end}`);
    const read = this.log.read(fetchOffset, MAX_FETCH_SIZE_BYTES, end, true);
    assert(read.type === 'read', `raft log: read at ${fetchOffset} failed: ${read.type === 'error' ? read.message : ''}`);
    const first = read.batches[0];
    assert(first === undefined || first.baseOffset === fetchOffset, `raft log: fetch offset ${fetchOffset} is not a batch boundary`);
    return read.batches.map((batch: RecordBatch) => batch.bytes);
  }

  /**
   * Kafka's `ReplicatedLog.truncateToEndOffset`: truncates to where the leader's DivergingEpoch and
   * this log's own history of that epoch agree, and returns the new end offset.
   */
  truncateToEndOffset(endOffset: OffsetAndEpoch): number {
    let truncationOffset: number;
    if (endOffset.epoch === 0) {
      truncationOffset = Math.min(endOffset.offset, this.endOffset());
    } else {
      const local = this.endOffsetForEpoch(endOffset.epoch);
      truncationOffset = local.epoch === endOffset.epoch ? Math.min(local.offset, endOffset.offset) : local.offset;
    }
    this.log.truncateTo(truncationOffset);
    const end = this.endOffset();
    assert(end <= truncationOffset, `raft log: end ${end} after truncating to ${truncationOffset}`);
    return end;
  }

  // ---- Snapshots (KIP-630) ------------------------------------------------------------------------

  latestSnapshotId(): SnapshotId | undefined {
    return this.snapshots.at(-1);
  }

  earliestSnapshotId(): SnapshotId | undefined {
    return this.snapshots[0];
  }

  /** The ids of the snapshots on disk, ascending (checkers). */
  snapshotIds(): readonly SnapshotId[] {
    return this.snapshots;
  }

  /**
   * Kafka's `createNewSnapshot` plus the writer's `append` and `freeze`: the application's state
   * after applying every record below `id.offset`, written durably under the id's name. The id
   * must be committed (at most `highWatermark`) and on this log (Kafka throws otherwise); below
   * the log start, or an id already stored, it is skipped, as Kafka's `Optional.empty()`.
   */
  createNewSnapshot(id: SnapshotId, payload: Uint8Array, highWatermark: number, voters?: VoterSet): CreateSnapshotOutcome {
    if (id.offset < this.startOffset()) return 'below-log-start';
    assert(id.offset > 0, 'a snapshot holds at least one record');
    assert(id.offset <= highWatermark, `a snapshot at ${id.offset} past the high watermark ${highWatermark}`);
    const valid = this.validateOffsetAndEpoch(id.offset, id.epoch);
    assert(valid.kind === 'VALID', `snapshot id (${id.offset}, ${id.epoch}) is not on the log: ${valid.kind} (${valid.offsetAndEpoch.offset}, ${valid.offsetAndEpoch.epoch})`);
    const writer = this.createNewSnapshotUnchecked(id);
    if (writer === undefined) return 'already-exists';
    assert((voters !== undefined) === (this.options.snapshotsHoldVoters === true), 'a kraft.version 1 snapshot holds the voters, and only it');
    writer.append(encodeSnapshot(voters === undefined ? payload : frameSnapshotVoters(voters, payload)));
    writer.freeze();
    this.onSnapshotFrozen(id);
    return 'created';
  }

  /** Kafka's `createNewSnapshotUnchecked`: a writer for a snapshot fetched from the leader. */
  createNewSnapshotUnchecked(id: SnapshotId): FileRawSnapshotWriter | undefined {
    if (this.snapshots.some((known) => compareSnapshotIds(known, id) === 0)) return undefined;
    return new FileRawSnapshotWriter(this.disk, METADATA_LOG_DIR, id);
  }

  /** Kafka's `onSnapshotFrozen`: a snapshot renamed to its final name joins the known ones. */
  onSnapshotFrozen(id: SnapshotId): void {
    assert(this.disk.exists(snapshotPath(METADATA_LOG_DIR, id)), `snapshot ${snapshotFileName(id)} is not on disk`);
    if (this.snapshots.some((known) => compareSnapshotIds(known, id) === 0)) return;
    this.snapshots = [...this.snapshots, id].sort(compareSnapshotIds);
  }

  /** Kafka's `readSnapshot`: the raw file, for FetchSnapshot; undefined when not stored. */
  readSnapshot(id: SnapshotId): RawSnapshotReader | undefined {
    if (!this.snapshots.some((known) => compareSnapshotIds(known, id) === 0)) return undefined;
    const path = snapshotPath(METADATA_LOG_DIR, id);
    const sizeInBytes = this.disk.size(path);
    return {
      snapshotId: id,
      sizeInBytes,
      slice: (position, maxBytes) => {
        assert(position >= 0 && position < sizeInBytes && maxBytes > 0, `snapshot slice at ${position} of ${sizeInBytes}`);
        return this.disk.read(path, position, Math.min(maxBytes, sizeInBytes - position));
      },
    };
  }

  /** The application bytes of a stored snapshot; a torn or corrupt one is fatal (Kafka's reader throws). */
  readSnapshotPayload(id: SnapshotId): Uint8Array {
    const payload = this.readSnapshotImage(id);
    return this.options.snapshotsHoldVoters === true ? unframeSnapshotVoters(payload).application : payload;
  }

  /** The voter set a kraft.version 1 snapshot holds (KIP-853); undefined for kraft.version 0. */
  readSnapshotVoters(id: SnapshotId): VoterSet | undefined {
    return this.options.snapshotsHoldVoters === true ? unframeSnapshotVoters(this.readSnapshotImage(id)).voters : undefined;
  }

  private readSnapshotImage(id: SnapshotId): Uint8Array {
    const reader = this.readSnapshot(id);
    assert(reader !== undefined, `no snapshot ${snapshotFileName(id)}`);
    const decoded = decodeSnapshot(reader.slice(0, reader.sizeInBytes));
    assert(!('error' in decoded), `snapshot ${snapshotFileName(id)}: ${'error' in decoded ? decoded.error : ''}`);
    return decoded.payload;
  }

  /**
   * Kafka's `deleteBeforeSnapshot`: once `id` is durable the log start moves up to it, whole
   * segments below it go, and so do older snapshots. Kafka does this when the retention of
   * `metadata.max.retention.bytes`/`.ms` is breached (`maybeClean`); refka at every new snapshot.
   */
  deleteBeforeSnapshot(id: SnapshotId): boolean {
    const latest = this.latestSnapshotId();
    const known = this.snapshots.some((snapshot) => compareSnapshotIds(snapshot, id) === 0);
    if (!known || latest === undefined || this.startOffset() >= id.offset || id.offset > latest.offset) return false;
    // The test-only bug deletes the whole log, not just the prefix the snapshot covers.
    const target = this.options.logStartPastSnapshotTestOnlyBug === true ? this.log.logEndOffset : id.offset;
    if (!this.log.maybeIncrementLogStartOffset(target, target)) return false;
    this.forgetSnapshotsBefore(id);
    return true;
  }

  /**
   * Kafka's `truncateToLatestSnapshot`: when this log does not hold the latest snapshot (a
   * follower that downloaded it from the leader), the log is emptied and starts at its end
   * offset. Kafka truncates when the snapshot's epoch is above the log's last epoch, or equal with
   * a larger offset, and throws otherwise; refka truncates whenever the record before the snapshot
   * end is not in this log with the snapshot's epoch, which also covers a follower whose
   * divergent tail has a higher epoch than the snapshot (see spec/kraft.md).
   */
  truncateToLatestSnapshot(): boolean {
    const latest = this.latestSnapshotId();
    if (latest === undefined || this.holdsSnapshot(latest)) return false;
    this.log.truncateFullyAndStartAt(latest.offset);
    this.forgetSnapshotsBefore(latest);
    assert(this.startOffset() === latest.offset && this.endOffset() === latest.offset, 'raft log: truncation to the snapshot left records');
    return true;
  }

  /** Whether the record just below `id.offset` is in this log, in epoch `id.epoch`. */
  private holdsSnapshot(id: SnapshotId): boolean {
    const start = this.startOffset();
    if (id.offset < start || id.offset > this.log.logEndOffset) return false;
    if (id.offset === start) return compareSnapshotIds(this.earliestSnapshotId() ?? { offset: -1, epoch: -1 }, id) === 0;
    return this.log.leaderEpochCache.epochForOffset(id.offset - 1) === id.epoch;
  }

  private forgetSnapshotsBefore(id: SnapshotId): void {
    const expired = this.snapshots.filter((snapshot) => compareSnapshotIds(snapshot, id) < 0);
    this.snapshots = this.snapshots.filter((snapshot) => compareSnapshotIds(snapshot, id) >= 0);
    for (const snapshot of expired) this.disk.delete(snapshotPath(METADATA_LOG_DIR, snapshot));
  }

  /** Every record in [from, to), decoded, with its batch's epoch (checkers and the application). */
  readEntries(from: number, to: number): RaftLogEntry[] {
    assert(from >= 0 && from <= to, `raft log: bad range [${from}, ${to})`);
    assert(from >= this.startOffset() || from >= to, `raft log: read at ${from}, below the log start ${this.startOffset()}`);
    const bound = Math.min(to, this.endOffset());
    const entries: RaftLogEntry[] = [];
    let next = from;
    // Each pass returns at least one batch and moves `next` past it, so the loop ends.
    while (next < bound) {
      const read = this.log.read(next, MAX_FETCH_SIZE_BYTES, bound, true);
      assert(read.type === 'read', `raft log: read at ${next} failed`);
      if (read.batches.length === 0) break;
      for (const batch of read.batches) {
        const records = decodeRecords(batch);
        assert(typeof records !== 'string', `raft log: a batch that passed its CRC does not decode`);
        for (const record of records) {
          if (record.offset < next || record.offset >= bound) continue;
          entries.push({ offset: record.offset, epoch: batch.partitionLeaderEpoch, isControl: batch.isControl, value: record.value ?? new Uint8Array() });
        }
        next = batch.lastOffset + 1;
      }
    }
    return entries;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

/** A kraft.version 1 snapshot's content: the voters' VotersRecord behind its length, then the application's bytes. */
function frameSnapshotVoters(voters: VoterSet, application: Uint8Array): Uint8Array {
  const record = encodeVotersRecord(voters);
  const framed = new Uint8Array(4 + record.length + application.length);
  new DataView(framed.buffer).setUint32(0, record.length);
  framed.set(record, 4);
  framed.set(application, 4 + record.length);
  return framed;
}

function unframeSnapshotVoters(content: Uint8Array): { voters: VoterSet; application: Uint8Array } {
  assert(content.length >= 4, 'a kraft.version 1 snapshot begins with its voters');
  const length = new DataView(content.buffer, content.byteOffset, content.byteLength).getUint32(0);
  assert(4 + length <= content.length, 'a kraft.version 1 snapshot\'s voters fit in it');
  return { voters: decodeVotersRecord(content.subarray(4, 4 + length)), application: content.subarray(4 + length) };
}

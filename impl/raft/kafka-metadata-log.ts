import { assert, assertIntegerInRange } from '../common/assert.ts';
import type { Clock, NodeDisk } from '../env/node-environment.ts';
import { logConfigFrom } from '../log/log-config.ts';
import { buildRecordBatch, decodeRecords, DEFAULT_BATCH_SPEC, type RecordBatch } from '../log/record-batch.ts';
import { UnifiedLog } from '../log/unified-log.ts';

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
 * Snapshots (KIP-630) are not built: the log is never cleaned, so its start offset stays 0.
 */

/** The directory of the Raft log, as Kafka names the metadata partition's. */
export const METADATA_LOG_DIR = '__cluster_metadata-0';

/** Kafka's `OffsetAndEpoch`. */
export interface OffsetAndEpoch {
  readonly offset: number;
  readonly epoch: number;
}

/** Kafka's `ValidOffsetAndEpoch`, without the SNAPSHOT kind (no snapshots in refka's Raft log). */
export type ValidOffsetAndEpoch =
  | { readonly kind: 'VALID'; readonly offsetAndEpoch: OffsetAndEpoch }
  | { readonly kind: 'DIVERGING'; readonly offsetAndEpoch: OffsetAndEpoch };

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

/** Kafka's `ControlRecordType.LEADER_CHANGE` key: version 0, type 2. */
const LEADER_CHANGE_KEY = new Uint8Array([0, 0, 0, 2]);

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

export class KafkaMetadataLog {
  private constructor(
    private readonly log: UnifiedLog,
    private readonly clock: Clock,
    private readonly fsyncs: boolean,
  ) {}

  /**
   * Opens (or creates) the Raft log on `disk`, recovering every segment: each batch is CRC-checked
   * and a torn tail is cut, as Kafka's `LogLoader` does after an unclean shutdown. Recovery from
   * offset 0 costs a scan of the whole log; the logs of a simulated quorum are small.
   */
  static open(disk: NodeDisk, clock: Clock, options: { readonly skipFsyncTestOnlyBug?: boolean } = {}): KafkaMetadataLog {
    const fsyncs = options.skipFsyncTestOnlyBug !== true;
    const config = logConfigFrom({ ...(fsyncs ? { 'flush.messages': '1' } : {}), 'retention.ms': '-1', 'retention.bytes': '-1' });
    const { log } = UnifiedLog.load(disk, clock, METADATA_LOG_DIR, config, {
      recoveryPoint: 0,
      logStartOffset: 0,
      hadCleanShutdown: false,
    });
    assert(log.logStartOffset === 0, `the Raft log is never cleaned, yet starts at ${log.logStartOffset}`);
    return new KafkaMetadataLog(log, clock, fsyncs);
  }

  /** The log end offset; every offset below it is durable. */
  endOffset(): number {
    const end = this.log.logEndOffset;
    if (this.fsyncs) assert(this.log.recoveryPoint === end, `raft log: recovery point ${this.log.recoveryPoint} behind the end ${end}`);
    return end;
  }

  /** Kafka's `lastFetchedEpoch`: the epoch of the last batch, 0 for an empty log. */
  lastFetchedEpoch(): number {
    return this.log.latestEpoch() ?? 0;
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
    if (found.epoch >= 0) return { offset: found.endOffset, epoch: found.epoch };
    return { offset: this.endOffset(), epoch: this.lastFetchedEpoch() };
  }

  /**
   * Kafka's `validateOffsetAndEpoch`, which the leader runs on every Fetch: the fetcher's
   * (fetchOffset, lastFetchedEpoch) is on this log iff this log's `lastFetchedEpoch` ends at or
   * after `offset`. Otherwise the answer is where the fetcher must truncate to (DivergingEpoch).
   */
  validateOffsetAndEpoch(offset: number, epoch: number): ValidOffsetAndEpoch {
    assertIntegerInRange(offset, 0, Number.MAX_SAFE_INTEGER, 'fetch offset');
    if (offset === 0) return { kind: 'VALID', offsetAndEpoch: { offset: 0, epoch: 0 } };
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

  /** Appends the `LeaderChangeMessage` control record a new leader writes at its epoch start. */
  appendLeaderChange(message: LeaderChangeMessage, epoch: number): { baseOffset: number; lastOffset: number } {
    const record = { timestamp: this.clock.nowMs(), key: LEADER_CHANGE_KEY, value: encodeLeaderChange(message), headers: [] };
    return this.appendBatch(buildRecordBatch({ ...DEFAULT_BATCH_SPEC, isControl: true }, [record]), epoch);
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

  /** Every record in [from, to), decoded, with its batch's epoch (checkers and the application). */
  readEntries(from: number, to: number): RaftLogEntry[] {
    assert(from >= 0 && from <= to, `raft log: bad range [${from}, ${to})`);
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

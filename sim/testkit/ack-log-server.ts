import { assert, assertNever } from '../../impl/common/assert.ts';
import {
  DiskError,
  type NodeEffect,
  type NodeEnvironment,
  type NodeInput,
  type SimulatedNode,
} from '../../impl/env/node-environment.ts';
import { logConfigFrom, type LogConfig } from '../../impl/log/log-config.ts';
import { LogManager } from '../../impl/log/log-manager.ts';
import { buildRecordBatch, decodeRecords, DEFAULT_BATCH_SPEC } from '../../impl/log/record-batch.ts';
import type { LogEvent } from '../../impl/log/log-event.ts';
import type { UnifiedLog } from '../../impl/log/unified-log.ts';
import type { AckLogMessage } from './ack-log-messages.ts';

/** The one partition every ack-log server keeps, in a Kafka log directory on its disk. */
export const ACK_LOG_PARTITION = { topic: 'ack-log', partition: 0 } as const;
export const ACK_LOG_DIR = 'kafka-logs';

/**
 * The topic configuration: small segments so that a minute of simulated time rolls many of them,
 * and both cleanup policies so that retention and compaction run under faults. Flushing is left
 * to the server's group commit (Kafka's default flush policy), which is what makes power loss tear
 * the tail.
 */
export const ACK_LOG_TOPIC_CONFIG: Readonly<Record<string, string>> = {
  'segment.bytes': String(64 * 1024),
  'retention.bytes': String(1024 * 1024),
  'cleanup.policy': 'compact,delete',
  'index.interval.bytes': '4096',
};

/** Keys cycle through this many values: clients' appends share keys, so compaction has work. */
export const ACK_LOG_KEYS = 2048;
/** Record values: the 8-byte number and filler to about 1 KiB, the record size of Kafka's own benchmarks. */
const VALUE_BYTES = 1_000;

export function keyOfValue(value: number): string {
  return `k${value % ACK_LOG_KEYS}`;
}

export function encodeValue(value: number): Uint8Array {
  const bytes = new Uint8Array(VALUE_BYTES);
  new DataView(bytes.buffer).setFloat64(0, value);
  // Filler that depends on the value, so that a batch stitched from two writes fails its CRC.
  bytes.fill(value % 251, 8);
  return bytes;
}

export function decodeValue(bytes: Uint8Array | null): number {
  assert(bytes !== null && bytes.length === VALUE_BYTES, 'an ack-log record holds a 1000-byte value');
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getFloat64(0);
}

export interface AckLogServerOptions {
  /**
   * Flush the log before acknowledging. Turning it off is the planted bug the self-test uses to
   * show that the durability checker has teeth: a power loss then loses acknowledged values.
   */
  readonly fsyncBeforeAck: boolean;
  /**
   * Group commit: appends wait up to this long for one shared flush, as a log with `flush.ms`
   * does. The window between append and flush is where power loss tears the tail.
   */
  readonly groupCommitMs: number;
  /** How often retention, compaction and the recovery-point checkpoint run (Kafka's scheduler). */
  readonly maintenanceIntervalMs: number;
}

/** Appends waiting for the next group flush: a limit, so a stuck flush shows up as a crash. */
const PENDING_ACKS_MAX = 10_000;

/** An entry of the server's in-memory mirror of its log, which the state invariants read. */
export interface AckLogEntry {
  readonly offset: number;
  readonly value: number;
}

/**
 * An ack-log server: it keeps one partition in refka's `UnifiedLog` and appends each client value
 * as a one-record batch, so the simulator's faults exercise the real log: segment rolls, recovery
 * after crashes and power loss, retention and compaction. It mirrors the log in memory for the
 * invariants, and checks the mirror against the log at every maintenance run.
 */
export class AckLogServer implements SimulatedNode<AckLogMessage> {
  readonly kind = 'server';
  private readonly manager: LogManager;
  private readonly log: UnifiedLog;
  private mirror: AckLogEntry[] = [];
  private readonly startEvents: LogEvent[];
  /** Appended but not yet flushed, so not yet acknowledged. */
  private pendingAcks: { readonly to: string; readonly requestId: number; readonly offset: number }[] = [];

  constructor(
    private readonly environment: NodeEnvironment,
    private readonly options: AckLogServerOptions,
  ) {
    this.manager = new LogManager(environment.disk, environment.clock, ACK_LOG_DIR);
    const config: LogConfig = logConfigFrom(ACK_LOG_TOPIC_CONFIG);
    this.manager.loadLogs(() => config);
    this.log = this.manager.getOrCreateLog(ACK_LOG_PARTITION, config);
    this.startEvents = this.log.drainEvents();
    this.rebuildMirror();
  }

  /** The log's records in offset order (a mirror kept in memory for the invariants). */
  get entries(): readonly AckLogEntry[] {
    return this.mirror;
  }

  get logStartOffset(): number {
    return this.log.logStartOffset;
  }

  handle(input: NodeInput<AckLogMessage>): readonly NodeEffect<AckLogMessage>[] {
    switch (input.type) {
      case 'start':
        return [...this.marksFor(this.startEvents), { type: 'set-timer', name: 'log-maintenance', delayMs: this.options.maintenanceIntervalMs }];
      case 'receive':
        return this.onMessage(input.from, input.message);
      case 'timer':
        if (input.name === 'group-commit') return this.groupCommit();
        assert(input.name === 'log-maintenance', `unknown server timer ${input.name}`);
        return this.maintenance();
      case 'disconnected':
        return [];
      case 'signal':
        // A clean stop: make everything durable, then go.
        this.log.flush();
        return [{ type: 'halt', reason: 'SIGTERM', failed: false }];
      case 'application-stall':
        return [];
      default:
        return assertNever(input, 'server input');
    }
  }

  private onMessage(from: string, message: AckLogMessage): NodeEffect<AckLogMessage>[] {
    switch (message.type) {
      case 'AppendRequest':
        return this.onAppend(from, message.requestId, message.value);
      case 'AppendResponse':
        assert(false, `server ${this.environment.nodeId} received an AppendResponse`);
        return [];
      default:
        return assertNever(message, 'server message');
    }
  }

  private onAppend(from: string, requestId: number, value: number): NodeEffect<AckLogMessage>[] {
    const batch = buildRecordBatch(DEFAULT_BATCH_SPEC, [
      { timestamp: this.environment.clock.nowMs(), key: new TextEncoder().encode(keyOfValue(value)), value: encodeValue(value), headers: [] },
    ]);
    let offset: number;
    try {
      // ack-log has no leaders; it appends in epoch 0, or in whatever epoch the log already
      // holds, which a bit flipped in a batch's leader epoch (outside Kafka's CRC) can raise.
      const result = this.log.appendAsLeader([batch], this.log.latestEpoch() ?? 0);
      assert(result.type === 'appended', `ack-log append refused: ${result.type === 'error' ? result.message : ''}`);
      offset = result.info.firstOffset;
    } catch (error) {
      if (!(error instanceof DiskError)) throw error;
      // Kafka takes a log directory offline on an I/O error, and a broker whose only log
      // directory failed shuts down; it recovers from disk when it starts again.
      return [
        { type: 'send', to: from, message: { type: 'AppendResponse', requestId, error: 'KAFKA_STORAGE_ERROR', offset: -1 } },
        { type: 'mark', name: 'append-rejected-disk-full' },
        { type: 'halt', reason: `log directory failed: ${error.message}`, failed: true },
      ];
    }
    this.mirror.push({ offset, value });
    const marks = this.marksFor(this.log.drainEvents());
    if (!this.options.fsyncBeforeAck) {
      return [...marks, { type: 'send', to: from, message: { type: 'AppendResponse', requestId, error: 'NONE', offset } }];
    }
    assert(this.pendingAcks.length < PENDING_ACKS_MAX, 'too many appends waiting for a group commit');
    this.pendingAcks.push({ to: from, requestId, offset });
    if (this.pendingAcks.length > 1) return marks;
    return [...marks, { type: 'set-timer', name: 'group-commit', delayMs: this.options.groupCommitMs }];
  }

  /** One flush makes every pending append durable; only then are they acknowledged. */
  private groupCommit(): NodeEffect<AckLogMessage>[] {
    assert(this.pendingAcks.length > 0, 'group commit with nothing pending');
    try {
      this.log.flush();
    } catch (error) {
      if (!(error instanceof DiskError)) throw error;
      return [{ type: 'halt', reason: `log directory failed: ${error.message}`, failed: true }];
    }
    const acks = this.pendingAcks;
    this.pendingAcks = [];
    for (const ack of acks) assert(ack.offset < this.log.recoveryPoint, `offset ${ack.offset} acknowledged above the recovery point`);
    return acks.map(({ to, requestId, offset }) => ({
      type: 'send' as const,
      to,
      message: { type: 'AppendResponse' as const, requestId, error: 'NONE' as const, offset },
    }));
  }

  /**
   * Kafka's periodic log tasks: retention and compaction below the flushed prefix (a single
   * replica's "high watermark"), then the recovery-point checkpoint. The mirror is then checked
   * against the log itself: a paired check of what the invariants read.
   */
  private maintenance(): NodeEffect<AckLogMessage>[] {
    const next: NodeEffect<AckLogMessage> = { type: 'set-timer', name: 'log-maintenance', delayMs: this.options.maintenanceIntervalMs };
    try {
      const committed = this.log.recoveryPoint;
      const deleted = this.log.deleteOldSegments(committed);
      const compacted = this.log.compact(committed);
      this.manager.checkpointRecoveryPointsAndLogStartOffsets();
      if (deleted > 0 || compacted > 0) this.rebuildMirror();
      else this.checkMirror();
    } catch (error) {
      if (!(error instanceof DiskError)) throw error;
      return [{ type: 'halt', reason: `log directory failed: ${error.message}`, failed: true }];
    }
    return [...this.marksFor(this.log.drainEvents()), next];
  }

  /**
   * The log's records, read through the log's own CRC-checked reads. A bit flipped on read is
   * transient, so a failed read is tried once more; a batch corrupt on disk stops the read there
   * (`complete` false), as it would stop a fetch.
   */
  private readLog(): { entries: AckLogEntry[]; complete: boolean } {
    const entries: AckLogEntry[] = [];
    let from = this.log.logStartOffset;
    while (from < this.log.logEndOffset) {
      let read = this.log.read(from, 1 << 20, this.log.logEndOffset, true);
      if (read.type === 'error') read = this.log.read(from, 1 << 20, this.log.logEndOffset, true);
      if (read.type === 'error') return { entries, complete: false };
      if (read.batches.length === 0) break;
      for (const batch of read.batches) {
        const records = decodeRecords(batch);
        assert(typeof records !== 'string', 'a batch that passed its CRC decodes');
        for (const record of records) if (record.offset >= from) entries.push({ offset: record.offset, value: decodeValue(record.value) });
        from = batch.lastOffset + 1;
      }
    }
    return { entries, complete: true };
  }

  private rebuildMirror(): void {
    this.mirror = this.readLog().entries;
  }

  private checkMirror(): void {
    const { entries: actual, complete } = this.readLog();
    if (!complete) return; // corruption on disk: the log reports it on read, there is nothing to compare
    assert(actual.length === this.mirror.length, `mirror holds ${this.mirror.length} records, the log ${actual.length}`);
    for (const [index, entry] of actual.entries()) {
      const mirrored = this.mirror[index];
      assert(mirrored !== undefined && mirrored.offset === entry.offset && mirrored.value === entry.value, `mirror differs from the log at offset ${entry.offset}`);
    }
  }

  private marksFor(events: readonly LogEvent[]): NodeEffect<AckLogMessage>[] {
    const marks: NodeEffect<AckLogMessage>[] = [];
    for (const event of events) {
      switch (event.type) {
        case 'segment-rolled':
          marks.push({ type: 'mark', name: 'segment-rolled' });
          break;
        case 'retention-deleted-segment':
          marks.push({ type: 'mark', name: 'retention-deleted-segment' });
          break;
        case 'recovery-truncated':
          marks.push({ type: 'mark', name: 'recovery-truncated-torn-tail' });
          break;
        case 'compaction-removed-records':
          marks.push({ type: 'mark', name: 'compaction-removed-record' });
          break;
        case 'corrupt-batch-detected':
          marks.push({ type: 'mark', name: 'corrupt-batch-detected' });
          break;
        case 'index-rebuilt':
        case 'epoch-cache-rebuilt':
        case 'flushed':
          break;
        default:
          assertNever(event, 'log event');
      }
    }
    return marks;
  }
}

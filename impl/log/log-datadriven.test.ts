import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AleaRandomStream } from '../../sim/random/random-stream.ts';
import { SimDisk } from '../../sim/disk/sim-disk.ts';
import { DataDrivenError, intArg, runDataDrivenFile, type DataDrivenCase } from '../../sim/testkit/datadriven.ts';
import { logConfigFrom } from './log-config.ts';
import { describeLogEvent } from './log-event.ts';
import { UnifiedLog } from './unified-log.ts';
import { buildRecordBatch, DEFAULT_BATCH_SPEC, decodeRecords, NO_PARTITION_LEADER_EPOCH, type RecordBatch, type SimpleRecord } from './record-batch.ts';
import { LogManager } from './log-manager.ts';
import { DiskError } from '../env/node-environment.ts';

// Scenario scripts for the partition log, in etcd raft's datadriven style: each file under
// testdata/ is a readable story with the expected output after every step. Refresh expected
// outputs with `REFKA_REWRITE=1 npx vitest run impl/log/log-datadriven.test.ts` and review the diff.

const TESTDATA = join(import.meta.dirname, 'testdata');
const DIR = 'kafka-logs/events-0';
const TP = { topic: 'events', partition: 0 };

class LogHarness {
  private nowMs = 1_000;
  private readonly clock = { nowMs: () => this.nowMs };
  private readonly disk = new SimDisk({ clock: this.clock, random: new AleaRandomStream(7, 'disk') });
  private overrides: Record<string, string> = {};
  private manager = new LogManager(this.disk, this.clock, 'kafka-logs');
  private log: UnifiedLog | undefined;

  constructor(private readonly file: string) {}

  handle(testCase: DataDrivenCase): string {
    switch (testCase.command) {
      case 'open': {
        this.overrides = Object.fromEntries(testCase.args);
        this.log = this.manager.getOrCreateLog(TP, logConfigFrom(this.overrides));
        return this.describe();
      }
      case 'append-leader':
        return this.appendLeader(testCase);
      case 'append-follower':
        return this.appendFollower(testCase);
      case 'append-raw': {
        // A batch built by hand, to show what validation refuses.
        const records = this.parseRecords(testCase, testCase.input[0] ?? '');
        let bytes = buildRecordBatch(DEFAULT_BATCH_SPEC, records);
        const corruptAt = testCase.args.get('corrupt-byte');
        if (corruptAt !== undefined) {
          bytes = bytes.slice();
          bytes[Number(corruptAt)] = (bytes[Number(corruptAt)] as number) ^ 0xff;
        }
        const result = this.current().appendAsLeader([bytes], intArg(this.file, testCase, 'epoch', 0));
        return result.type === 'appended' ? `appended offsets ${result.info.firstOffset}..${result.info.lastOffset}` : `error ${result.error}: ${result.message}`;
      }
      case 'read': {
        const log = this.current();
        const result = log.read(
          intArg(this.file, testCase, 'offset'),
          intArg(this.file, testCase, 'max-bytes', 1 << 20),
          intArg(this.file, testCase, 'max-offset', log.logEndOffset),
          testCase.args.has('min-one'),
        );
        if (result.type === 'error') return `error ${result.error}: ${result.message}`;
        if (result.batches.length === 0) return 'no batches';
        return result.batches.map((batch) => formatBatch(batch)).join('\n');
      }
      case 'records': {
        const records = this.current().readRecords(intArg(this.file, testCase, 'offset', this.current().logStartOffset));
        if (!Array.isArray(records)) return `error ${records.error}: ${records.message}`;
        return records.length === 0 ? 'no records' : records.map((record) => `${record.offset}: ${text(record.key) ?? '_'}=${text(record.value) ?? '~'}`).join('\n');
      }
      case 'truncate': {
        let removed: boolean;
        try {
          removed = this.current().truncateTo(intArg(this.file, testCase, 'offset'));
        } catch (error) {
          // A broker fails its log directory on this (and halts); the script shows why.
          if (error instanceof DiskError) return `disk error ${error.code}: ${error.message}`;
          throw error;
        }
        return `${removed ? 'truncated' : 'nothing to truncate'}\n${this.describe()}`;
      }
      case 'truncate-fully': {
        this.current().truncateFullyAndStartAt(intArg(this.file, testCase, 'offset'));
        return this.describe();
      }
      case 'roll':
        this.current().roll();
        return this.describe();
      case 'flush':
        this.current().flush();
        return `recovery point ${this.current().recoveryPoint}`;
      case 'tick':
        this.nowMs += intArg(this.file, testCase, 'ms');
        this.current().maybeFlush();
        return `now ${this.nowMs} ms, recovery point ${this.current().recoveryPoint}`;
      case 'retention': {
        const deleted = this.current().deleteOldSegments(intArg(this.file, testCase, 'hw'));
        return `deleted ${deleted} segment(s)\n${this.describe()}`;
      }
      case 'compact': {
        const removed = this.current().compact(intArg(this.file, testCase, 'hw'));
        return `removed ${removed} record(s)\n${this.describe()}`;
      }
      case 'end-offset-for': {
        const log = this.current();
        const answer = log.leaderEpochCache.endOffsetFor(intArg(this.file, testCase, 'epoch'), log.logEndOffset);
        return `epoch ${answer.epoch} end offset ${answer.endOffset}`;
      }
      case 'checkpoint':
        this.manager.checkpointRecoveryPointsAndLogStartOffsets();
        return this.fileText(testCase.args.get('file') ?? 'kafka-logs/recovery-point-offset-checkpoint');
      case 'cat':
        return this.fileText(testCase.args.get('file') ?? '');
      case 'rm': {
        const path = testCase.args.get('file') ?? '';
        this.disk.delete(path);
        return `removed ${path}`;
      }
      case 'crash':
      case 'power-loss':
      case 'shutdown': {
        if (testCase.command === 'crash') this.disk.crash();
        if (testCase.command === 'power-loss') this.disk.powerLoss();
        if (testCase.command === 'shutdown') this.manager.shutdown(new Map([['events-0', this.current().logEndOffset]]));
        this.log = undefined;
        return `${testCase.command}: ${this.disk.unsyncedBytes()} unsynced bytes left on disk`;
      }
      case 'restart': {
        this.manager = new LogManager(this.disk, this.clock, 'kafka-logs');
        const loaded = this.manager.loadLogs(() => logConfigFrom(this.overrides));
        const log = this.manager.getLog(TP);
        if (log === undefined) throw new DataDrivenError(this.file, testCase.line, 'no log after restart');
        this.log = log;
        const summary = loaded.logs.get('events-0');
        const lines = [`clean shutdown: ${loaded.hadCleanShutdown}, segments recovered: ${summary?.segmentsRecovered}, bytes truncated: ${summary?.bytesTruncated}`];
        for (const event of log.drainEvents()) lines.push(`event: ${describeLogEvent(event)}`);
        lines.push(this.describe());
        return lines.join('\n');
      }
      case 'corrupt': {
        // Flips the bits of one byte of a segment file (all of them, or those of `xor`) and fsyncs
        // it: damage already on disk.
        const path = `${DIR}/${testCase.args.get('file') ?? ''}`;
        const at = intArg(this.file, testCase, 'byte');
        const mask = intArg(this.file, testCase, 'xor', 0xff);
        const byte = this.disk.read(path, at, 1);
        this.disk.write(path, at, Uint8Array.of((byte[0] as number) ^ mask));
        this.disk.fsync(path);
        return `corrupted byte ${at} of ${path}`;
      }
      case 'events': {
        const events = this.current().drainEvents().filter((event) => event.type !== 'flushed');
        return events.length === 0 ? 'no events' : events.map((event) => describeLogEvent(event)).join('\n');
      }
      case 'describe':
        return this.describe();
      case 'files':
        return this.disk.list(`${DIR}/`).map((path) => `${path} ${this.disk.size(path)} bytes`).join('\n');
      default:
        throw new DataDrivenError(this.file, testCase.line, `unknown command '${testCase.command}'`);
    }
  }

  private current(): UnifiedLog {
    if (this.log === undefined) throw new Error('the log is not open (restart it)');
    return this.log;
  }

  private appendLeader(testCase: DataDrivenCase): string {
    const epoch = intArg(this.file, testCase, 'epoch');
    if (testCase.args.has('time')) this.nowMs = intArg(this.file, testCase, 'time');
    const batches = testCase.input.map((line) => buildRecordBatch(DEFAULT_BATCH_SPEC, this.parseRecords(testCase, line)));
    const result = this.current().appendAsLeader(batches, epoch);
    if (result.type === 'error') return `error ${result.error}: ${result.message}`;
    const lines = [`appended offsets ${result.info.firstOffset}..${result.info.lastOffset} in epoch ${result.info.lastLeaderEpoch}`];
    for (const event of this.current().drainEvents()) if (event.type !== 'flushed') lines.push(`event: ${describeLogEvent(event)}`);
    return lines.join('\n');
  }

  /** Input lines `offset=N epoch=E k=v ...`: batches as a leader wrote them. */
  private appendFollower(testCase: DataDrivenCase): string {
    const batches = testCase.input.map((line) => {
      const words = line.trim().split(/\s+/);
      const offset = Number(words.shift()?.replace('offset=', ''));
      const epoch = Number(words.shift()?.replace('epoch=', ''));
      if (!Number.isInteger(offset) || !Number.isInteger(epoch)) throw new DataDrivenError(this.file, testCase.line, `follower batch '${line}' needs offset=N epoch=E first`);
      return buildRecordBatch({ ...DEFAULT_BATCH_SPEC, baseOffset: offset, partitionLeaderEpoch: epoch }, this.parseRecords(testCase, words.join(' ')));
    });
    const result = this.current().appendAsFollower(batches);
    if (result.type === 'error') return `error ${result.error}: ${result.message}`;
    return `appended offsets ${result.info.firstOffset}..${result.info.lastOffset}`;
  }

  /** `k=v` pairs; `_` is a null key, `~` a null value (a tombstone); `v*N` repeats the value. */
  private parseRecords(testCase: DataDrivenCase, line: string): SimpleRecord[] {
    return line.trim().split(/\s+/).map((pair) => {
      const equals = pair.indexOf('=');
      if (equals < 0) throw new DataDrivenError(this.file, testCase.line, `record '${pair}' is not key=value`);
      const key = pair.slice(0, equals);
      let value = pair.slice(equals + 1);
      const repeat = /^(.*)\*(\d+)$/.exec(value);
      if (repeat !== null) value = (repeat[1] as string).repeat(Number(repeat[2]));
      return {
        timestamp: this.nowMs,
        key: key === '_' ? null : new TextEncoder().encode(key),
        value: value === '~' ? null : new TextEncoder().encode(value),
        headers: [],
      };
    });
  }

  private fileText(path: string): string {
    if (!this.disk.exists(path)) return `${path}: missing`;
    return new TextDecoder().decode(this.disk.read(path, 0, this.disk.size(path))).trimEnd();
  }

  private describe(): string {
    const log = this.current();
    const epochs = log.leaderEpochCache.all.map((entry) => `${entry.epoch}@${entry.startOffset}`).join(' ');
    const lines = [
      `log start ${log.logStartOffset}, end ${log.logEndOffset}, recovery point ${log.recoveryPoint}, ${log.sizeInBytes} bytes`,
      `epochs: ${epochs === '' ? '(none)' : epochs}`,
    ];
    for (const segment of log.segmentSummaries()) {
      const batches = segment.batches.map((batch) => `[${batch.baseOffset}..${batch.lastOffset} e${batch.partitionLeaderEpoch === NO_PARTITION_LEADER_EPOCH ? '-' : batch.partitionLeaderEpoch}]`);
      if (segment.problem !== undefined) batches.push(`(${segment.problem})`);
      lines.push(`segment ${String(segment.baseOffset).padStart(20, '0')}: ${batches.length === 0 ? 'empty' : batches.join(' ')}`);
    }
    return lines.join('\n');
  }
}

function text(bytes: Uint8Array | null): string | null {
  if (bytes === null) return null;
  const decoded = new TextDecoder().decode(bytes);
  return decoded.length > 12 ? `${decoded.slice(0, 4)}...(${decoded.length})` : decoded;
}

function formatBatch(batch: RecordBatch): string {
  const records = decodeRecords(batch);
  const body = typeof records === 'string' ? `undecodable: ${records}` : records.map((record) => `${record.offset}:${text(record.key) ?? '_'}=${text(record.value) ?? '~'}`).join(' ');
  return `batch ${batch.baseOffset}..${batch.lastOffset} epoch ${batch.partitionLeaderEpoch} ${batch.bytes.length} bytes: ${body}`;
}

describe('partition log scenarios (testdata/*.txt)', () => {
  const files = readdirSync(TESTDATA).filter((name) => name.endsWith('.txt')).sort();
  it('has scenario files', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const name of files) {
    it(name, () => {
      const path = join(TESTDATA, name);
      const harness = new LogHarness(path);
      runDataDrivenFile(path, (testCase) => harness.handle(testCase), (actual, expected, where) => {
        expect(actual, where).toBe(expected);
      });
    });
  }
});

import { describe, expect, it } from 'vitest';
import { BROKER_LOG_DIR } from '../../impl/broker/kafka-broker.ts';
import { logConfigFrom } from '../../impl/log/log-config.ts';
import { LogManager } from '../../impl/log/log-manager.ts';
import { buildRecordBatch, DEFAULT_BATCH_SPEC, RECORD_BATCH_OVERHEAD } from '../../impl/log/record-batch.ts';
import type { UnifiedLog } from '../../impl/log/unified-log.ts';
import { type DiskReader, SimDisk } from '../disk/sim-disk.ts';
import { AleaRandomStream } from '../random/random-stream.ts';
import { type BrokerLogs, ReplicaLogs } from './replica-logs.ts';

// ReplicaLogs trusts the disk's rewritten version to skip the headers of batches it already read
// when a segment file only grew. These tests pin both halves: the skip is taken on an append, and
// a change in place still meets the header check, with the outcome it always had.

const TP = { topic: 'events', partition: 0 };
const NAME = 'events-0';
const SEGMENT_PATH = `${BROKER_LOG_DIR}/${NAME}/00000000000000000000.log`;
const TEXT = new TextEncoder();

/** A disk reader that records the byte ranges read from the segment file. */
class CountingReader implements DiskReader {
  readonly peeks: { position: number; length: number }[] = [];
  constructor(private readonly disk: SimDisk) {}
  get version(): number {
    return this.disk.version;
  }
  get namesVersion(): number {
    return this.disk.namesVersion;
  }
  get wholeDiskVersion(): number {
    return this.disk.wholeDiskVersion;
  }
  directoryVersion(dir: string): number {
    return this.disk.directoryVersion(dir);
  }
  rewrittenVersion(path: string): number {
    return this.disk.rewrittenVersion(path);
  }
  list(prefix?: string): string[] {
    return this.disk.list(prefix);
  }
  size(path: string): number {
    return this.disk.size(path);
  }
  peek(path: string, position: number, length: number): Uint8Array {
    if (path === SEGMENT_PATH) this.peeks.push({ position, length });
    return this.disk.peek(path, position, length);
  }
}

function broker(): { disk: SimDisk; reader: CountingReader; log: UnifiedLog; view(): BrokerLogs; append(values: string[], epoch: number): void; tracker: ReplicaLogs; observe(): void } {
  let nowMs = 1_000;
  const clock = { nowMs: (): number => nowMs };
  const disk = new SimDisk({ clock, random: new AleaRandomStream(1, 'disk') });
  const reader = new CountingReader(disk);
  const manager = new LogManager(disk, clock, BROKER_LOG_DIR);
  const log = manager.getOrCreateLog(TP, logConfigFrom({}));
  const view = (): BrokerLogs => ({ brokerId: 1, incarnation: 1, running: true, disk: reader, damage: [], logStartOffset: () => log.logStartOffset });
  const tracker = new ReplicaLogs();
  return {
    disk,
    reader,
    log,
    view,
    tracker,
    append(values, epoch) {
      const batch = buildRecordBatch(DEFAULT_BATCH_SPEC, values.map((value) => ({ timestamp: nowMs, key: null, value: TEXT.encode(value), headers: [] })));
      expect(log.appendAsLeader([batch], epoch).type).toBe('appended');
    },
    observe() {
      nowMs += 10;
      tracker.observe(nowMs, [view()]);
    },
  };
}

describe('ReplicaLogs and the disk\'s rewritten version', () => {
  it('an append is read without reading any known batch header again', () => {
    const b = broker();
    b.append(['a0', 'a1'], 0);
    b.append(['b0'], 0);
    b.observe();
    const sizeBefore = b.disk.size(SEGMENT_PATH);
    const rewritten = b.disk.rewrittenVersion(SEGMENT_PATH);
    b.reader.peeks.length = 0;
    b.append(['c0'], 0);
    b.append(['d0'], 0);
    expect(b.disk.rewrittenVersion(SEGMENT_PATH)).toBe(rewritten);
    b.observe();
    // One read, of the appended bytes alone.
    expect(b.reader.peeks).toEqual([{ position: sizeBefore, length: b.disk.size(SEGMENT_PATH) - sizeBefore }]);
    expect(b.tracker.batches(1, NAME).map((batch) => batch.baseOffset)).toEqual([0, 2, 3, 4]);
  });

  it('a header changed in place is still caught: the file is read afresh', () => {
    const b = broker();
    b.append(['a0'], 0);
    const lastAt = b.disk.size(SEGMENT_PATH);
    b.append(['b0'], 0);
    b.observe();
    expect(b.tracker.batches(1, NAME).map((batch) => batch.epoch)).toEqual([0, 0]);
    // The last batch's partition leader epoch (bytes 12..15 of its header), which no CRC covers.
    b.disk.write(SEGMENT_PATH, lastAt + 12, Uint8Array.of(0, 0, 0, 7));
    b.append(['c0'], 0);
    b.observe();
    expect(b.tracker.batches(1, NAME).map((batch) => batch.epoch)).toEqual([0, 7, 0]);
  });

  it('a change in place the headers do not show stays unseen, as it always did, and later appends skip the headers again', () => {
    const b = broker();
    b.append(['a0'], 0);
    const middleAt = b.disk.size(SEGMENT_PATH);
    b.append(['b0'], 0);
    b.append(['c0'], 0);
    b.observe();
    // A byte of the middle batch's records: its CRC now fails, but the first and last headers hold.
    const byte = b.disk.peek(SEGMENT_PATH, middleAt + RECORD_BATCH_OVERHEAD + 2, 1)[0] as number;
    b.disk.write(SEGMENT_PATH, middleAt + RECORD_BATCH_OVERHEAD + 2, Uint8Array.of(byte ^ 0xff));
    b.append(['d0'], 0);
    b.reader.peeks.length = 0;
    b.observe();
    expect(b.tracker.batches(1, NAME).map((batch) => batch.intact)).toEqual([true, true, true, true]);
    // The header check ran (two headers) and then the appended bytes were read.
    expect(b.reader.peeks.filter((peek) => peek.length === RECORD_BATCH_OVERHEAD)).toHaveLength(2);
    const sizeBefore = b.disk.size(SEGMENT_PATH);
    b.append(['e0'], 0);
    b.reader.peeks.length = 0;
    b.observe();
    expect(b.reader.peeks).toEqual([{ position: sizeBefore, length: b.disk.size(SEGMENT_PATH) - sizeBefore }]);
    // A fresh tracker reads the whole file and sees the damage the incremental read does not.
    const fresh = new ReplicaLogs();
    fresh.observe(0, [b.view()]);
    expect(fresh.batches(1, NAME).map((batch) => batch.intact)).toEqual([true, false, false, false, false]);
  });
});

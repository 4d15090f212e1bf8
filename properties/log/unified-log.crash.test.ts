import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logConfigFrom, type LogConfig } from '../../impl/log/log-config.ts';
import { buildRecordBatch, decodeRecords, DEFAULT_BATCH_SPEC } from '../../impl/log/record-batch.ts';
import { UnifiedLog } from '../../impl/log/unified-log.ts';
import { SimDisk } from '../../sim/disk/sim-disk.ts';
import { AleaRandomStream } from '../../sim/random/random-stream.ts';

// Model-based properties of the partition log: random operations against an array model of
// what the log holds, with crashes and power losses in between. The model is the promise:
// offsets dense from the log start, contents exactly what was appended, a crash loses nothing,
// a power loss keeps at least the fsynced prefix and never anything torn or corrupt, and the
// leader epoch cache stays monotonic and agrees with the batches.

type Op =
  | { type: 'append'; records: number; bumpEpoch: boolean }
  | { type: 'read'; from: number; maxBytes: number }
  | { type: 'truncate'; to: number }
  | { type: 'roll' }
  | { type: 'flush' }
  | { type: 'retention' }
  | { type: 'tick'; ms: number }
  | { type: 'crash' }
  | { type: 'power-loss' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ type: fc.constant('append' as const), records: fc.integer({ min: 1, max: 4 }), bumpEpoch: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('read' as const), from: fc.nat(60), maxBytes: fc.integer({ min: 1, max: 4000 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('truncate' as const), to: fc.nat(60) }) },
  { weight: 1, arbitrary: fc.constant({ type: 'roll' as const }) },
  { weight: 2, arbitrary: fc.constant({ type: 'flush' as const }) },
  { weight: 1, arbitrary: fc.constant({ type: 'retention' as const }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 40_000 }) }) },
  { weight: 1, arbitrary: fc.constant({ type: 'crash' as const }) },
  { weight: 1, arbitrary: fc.constant({ type: 'power-loss' as const }) },
);

interface ModelRecord {
  readonly offset: number;
  readonly epoch: number;
  readonly value: string;
}

class Harness {
  nowMs = 1_000;
  private readonly clock = { nowMs: () => this.nowMs };
  readonly disk: SimDisk;
  log: UnifiedLog;
  /** What the log must hold, from the log start offset. */
  model: ModelRecord[] = [];
  epoch = 0;
  private counter = 0;

  constructor(
    seed: number,
    readonly config: LogConfig,
  ) {
    this.disk = new SimDisk({ clock: this.clock, random: new AleaRandomStream(seed, 'disk') });
    this.log = this.load();
  }

  load(): UnifiedLog {
    return UnifiedLog.load(this.disk, this.clock, 'kafka-logs/p-0', this.config, { recoveryPoint: 0, logStartOffset: this.model[0]?.offset ?? this.logStartHint(), hadCleanShutdown: false }).log;
  }

  private logStartHint(): number {
    return this.log === undefined ? 0 : this.log.logStartOffset;
  }

  apply(operation: Op): void {
    switch (operation.type) {
      case 'append': {
        if (operation.bumpEpoch) this.epoch++;
        const values = Array.from({ length: operation.records }, () => `v${this.counter++}-${'x'.repeat(this.counter % 300)}`);
        const batch = buildRecordBatch(DEFAULT_BATCH_SPEC, values.map((value) => ({ timestamp: this.nowMs, key: null, value: new TextEncoder().encode(value), headers: [] })));
        const result = this.log.appendAsLeader([batch], Math.max(this.epoch, this.log.latestEpoch() ?? 0));
        expect(result.type).toBe('appended');
        if (result.type === 'appended') {
          values.forEach((value, index) => this.model.push({ offset: result.info.firstOffset + index, epoch: result.info.lastLeaderEpoch, value }));
        }
        return;
      }
      case 'read': {
        const from = this.log.logStartOffset + operation.from;
        const result = this.log.read(from, operation.maxBytes, this.log.logEndOffset, true);
        if (from > this.log.logEndOffset) {
          expect(result.type).toBe('error');
          return;
        }
        expect(result.type).toBe('read');
        if (result.type !== 'read' || from === this.log.logEndOffset) return;
        // The first batch served holds the offset asked for (the index only narrows the scan),
        // batches follow each other, and at least one comes back (minOneMessage).
        const first = result.batches[0];
        expect(first !== undefined && first.baseOffset <= from && from <= first.lastOffset).toBe(true);
        for (let index = 1; index < result.batches.length; index++) {
          expect((result.batches[index] as { baseOffset: number }).baseOffset).toBe((result.batches[index - 1] as { lastOffset: number }).lastOffset + 1);
        }
        return;
      }
      case 'truncate': {
        const target = this.log.logStartOffset + operation.to;
        this.log.truncateTo(target);
        // Truncation removes whole batches from the one holding the target.
        this.model = this.model.filter((record) => record.offset < this.log.logEndOffset);
        return;
      }
      case 'roll':
        this.log.roll();
        return;
      case 'flush':
        this.log.flush();
        return;
      case 'retention': {
        this.log.deleteOldSegments(this.log.logEndOffset);
        this.model = this.model.filter((record) => record.offset >= this.log.logStartOffset);
        return;
      }
      case 'tick':
        this.nowMs += operation.ms;
        this.disk.writeback(this.nowMs);
        this.log.maybeFlush();
        return;
      case 'crash': {
        const before = this.log.logEndOffset;
        this.disk.crash();
        this.log = this.load();
        // A process crash keeps the page cache: nothing written is lost.
        expect(this.log.logEndOffset).toBe(before);
        return;
      }
      case 'power-loss': {
        const durable = this.log.recoveryPoint;
        this.disk.powerLoss();
        this.log = this.load();
        // Everything below the recovery point was fsynced: it survives, perhaps more, never less.
        expect(this.log.logEndOffset).toBeGreaterThanOrEqual(Math.max(durable, this.log.logStartOffset));
        this.model = this.model.filter((record) => record.offset < this.log.logEndOffset);
        return;
      }
      default:
        throw new Error('unknown op');
    }
  }

  /** The log agrees with the model: dense offsets, same values, epochs monotonic and matching. */
  check(): void {
    this.log.checkConsistency();
    const records = this.log.readRecords(this.log.logStartOffset);
    if (!Array.isArray(records)) throw new Error(`read failed: ${records.message}`);
    const model = this.model.filter((record) => record.offset >= this.log.logStartOffset);
    expect(records.map((record) => record.offset)).toEqual(model.map((record) => record.offset));
    expect(records.map((record) => new TextDecoder().decode(record.value ?? new Uint8Array()))).toEqual(model.map((record) => record.value));
    for (const [index, record] of records.entries()) expect(record.offset).toBe(this.log.logStartOffset + index);
    const epochs = this.log.leaderEpochCache.all;
    for (let index = 1; index < epochs.length; index++) {
      expect((epochs[index] as { epoch: number }).epoch).toBeGreaterThan((epochs[index - 1] as { epoch: number }).epoch);
      expect((epochs[index] as { startOffset: number }).startOffset).toBeGreaterThan((epochs[index - 1] as { startOffset: number }).startOffset);
    }
    for (const record of model) {
      const cached = this.log.leaderEpochCache.epochForOffset(record.offset);
      expect(cached).toBe(record.epoch);
    }
  }
}

const CONFIGS: Record<string, LogConfig> = {
  'default flush policy': logConfigFrom({ 'segment.bytes': '2000', 'index.interval.bytes': '300', 'retention.bytes': '6000' }),
  'flush.messages=1': logConfigFrom({ 'segment.bytes': '2000', 'index.interval.bytes': '300', 'flush.messages': '1' }),
  'flush.ms=5000': logConfigFrom({ 'segment.bytes': '3000', 'flush.ms': '5000', 'retention.ms': '60000' }),
};

describe('UnifiedLog against an array model, with crashes and power losses', () => {
  for (const [name, config] of Object.entries(CONFIGS)) {
    it(`keeps its promises (${name})`, () => {
      fc.assert(
        fc.property(fc.nat(1_000_000), fc.array(op, { minLength: 1, maxLength: 60 }), (seed, operations) => {
          const harness = new Harness(seed, config);
          for (const operation of operations) {
            harness.apply(operation);
            harness.check();
          }
        }),
        { numRuns: 60 },
      );
    });
  }

  it('loses nothing on power loss with flush.messages=1', () => {
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 30 }), (seed, batches) => {
        const harness = new Harness(seed, CONFIGS['flush.messages=1'] as LogConfig);
        for (const records of batches) harness.apply({ type: 'append', records, bumpEpoch: false });
        const end = harness.log.logEndOffset;
        harness.apply({ type: 'power-loss' });
        expect(harness.log.logEndOffset).toBe(end);
        harness.check();
      }),
      { numRuns: 40 },
    );
  });

  it('never returns a flipped bit as data', () => {
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 5, maxLength: 25 }), (seed, batches) => {
        const harness = new Harness(seed, CONFIGS['flush.messages=1'] as LogConfig);
        for (const records of batches) harness.apply({ type: 'append', records, bumpEpoch: false });
        harness.disk.setBitflip({ onReadProbability: 0.3, onWriteProbability: 0 });
        for (let attempt = 0; attempt < 20; attempt++) {
          const from = harness.log.logStartOffset + (attempt % Math.max(1, harness.model.length));
          const read = harness.log.read(from, 1 << 20, harness.log.logEndOffset, true);
          if (read.type === 'error') continue; // reported, not served
          // What was served must be exactly what was written: decode the served batches themselves.
          const served = read.batches.flatMap((batch) => {
            const decoded = decodeRecords(batch);
            expect(typeof decoded).not.toBe('string');
            return typeof decoded === 'string' ? [] : decoded;
          });
          for (const record of served) {
            const expected = harness.model.find((candidate) => candidate.offset === record.offset);
            if (expected !== undefined) expect(new TextDecoder().decode(record.value ?? new Uint8Array())).toBe(expected.value);
          }
        }
      }),
      { numRuns: 30 },
    );
  });
});

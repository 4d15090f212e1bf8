import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BROKER_LOG_DIR } from '../../impl/broker/kafka-broker.ts';
import { logConfigFrom, type LogConfig } from '../../impl/log/log-config.ts';
import { LOG_START_OFFSET_CHECKPOINT_FILENAME, LogManager } from '../../impl/log/log-manager.ts';
import { buildRecordBatch, decodeRecords, DEFAULT_BATCH_SPEC, RECORD_BATCH_OVERHEAD } from '../../impl/log/record-batch.ts';
import type { UnifiedLog } from '../../impl/log/unified-log.ts';
import { SimDisk } from '../disk/sim-disk.ts';
import { AleaRandomStream } from '../random/random-stream.ts';
import type { DataDamage } from '../run/system.ts';
import type { BatchDigest } from './batch-digests.ts';
import { type BrokerLogs, ReplicaLogs } from './replica-logs.ts';

// The checkers' view of every replica, tested against the real log: brokers here are a SimDisk
// and a LogManager rooted where the broker keeps its logs, written by UnifiedLog with real
// batches. What ReplicaLogs reads from the files must be what the log itself serves, and its
// copy ledger must tell truncation, retention, restarts and named faults apart.

const TP = { topic: 'events', partition: 0 };
const NAME = 'events-0';
const SEGMENT_PATH = `${BROKER_LOG_DIR}/${NAME}/00000000000000000000.log`;
const TEXT = new TextEncoder();

/** A virtual clock shared by every broker of a test. */
class Clock {
  ms = 1_000;
  readonly clock = { nowMs: (): number => this.ms };
  tick(ms = 10): number {
    this.ms += ms;
    return this.ms;
  }
}

/** One broker, by hand: its disk, its damage list, its process (incarnation and log manager). */
class Broker {
  readonly disk: SimDisk;
  readonly damage: DataDamage[] = [];
  incarnation = 1;
  running = true;
  manager: LogManager;
  log: UnifiedLog;

  constructor(
    readonly brokerId: number,
    private readonly time: Clock,
    private readonly config: LogConfig,
    seed = brokerId,
  ) {
    this.disk = new SimDisk({ clock: time.clock, random: new AleaRandomStream(seed, `disk-${brokerId}`) });
    this.manager = new LogManager(this.disk, time.clock, BROKER_LOG_DIR);
    this.log = this.manager.getOrCreateLog(TP, config);
  }

  view(): BrokerLogs {
    return {
      brokerId: this.brokerId,
      incarnation: this.incarnation,
      running: this.running,
      disk: this.disk,
      damage: this.damage,
      logStartOffset: (name) => (this.running ? this.manager.getLog(parseName(name))?.logStartOffset : undefined),
    };
  }

  /** Appends one batch of `values` (with `keys`, if given) as leader in `epoch`. */
  appendAsLeader(values: readonly string[], epoch: number, keys?: readonly string[]): void {
    const batch = buildRecordBatch(
      DEFAULT_BATCH_SPEC,
      values.map((value, index) => {
        const key = keys?.[index];
        return { timestamp: this.time.ms, key: key === undefined ? null : TEXT.encode(key), value: TEXT.encode(value), headers: [] };
      }),
    );
    const result = this.log.appendAsLeader([batch], epoch);
    expect(result.type).toBe('appended');
  }

  /**
   * Fetches from `leader` what this replica lacks, truncating where its log end lies past the
   * leader's or inside one of the leader's batches. (No OffsetsForLeaderEpoch: logs that diverged
   * on batch boundaries stay diverged, which the properties here do not mind.)
   */
  fetchFrom(leader: Broker): void {
    const source = leader.log;
    for (let attempt = 0; attempt < 100; attempt++) {
      const target = this.log;
      if (target.logEndOffset > source.logEndOffset) target.truncateTo(source.logEndOffset);
      if (target.logEndOffset < source.logStartOffset || target.logStartOffset > source.logEndOffset) {
        // Start over where the leader's first batch starts (its log start may lie inside it).
        const head = source.read(source.logStartOffset, 1, source.logEndOffset, true);
        const start = head.type === 'read' ? (head.batches[0]?.baseOffset ?? source.logStartOffset) : source.logStartOffset;
        target.truncateFullyAndStartAt(start);
      }
      if (target.logEndOffset === source.logEndOffset) return;
      const read = source.read(Math.max(target.logEndOffset, source.logStartOffset), 1 << 20, source.logEndOffset, true);
      expect(read.type).toBe('read');
      if (read.type !== 'read') return;
      const first = read.batches[0];
      if (first === undefined) return;
      if (first.baseOffset !== target.logEndOffset) {
        // Our log end lies inside one of the leader's batches: the logs diverged there.
        target.truncateTo(first.baseOffset);
        continue;
      }
      const appended = target.appendAsFollower(read.batches.map((batch) => batch.bytes));
      expect(appended.type).toBe('appended');
    }
    throw new Error('fetch did not converge');
  }

  /** Power loss (unsynced bytes gone), recorded as the simulator does when `recordDamage`. */
  powerLoss(recordDamage: boolean): { bytesLost: number; paths: string[] } {
    const lost = this.disk.powerLoss();
    if (recordDamage && lost.bytesLost > 0) {
      this.damage.push({ kind: 'power-loss', atMs: this.time.ms, detail: `broker-${this.brokerId} lost ${lost.bytesLost} unsynced bytes`, paths: lost.paths });
    }
    this.running = false;
    return lost;
  }

  /** A new process on the same disk: loads the logs as a starting broker does. */
  restart(): void {
    this.incarnation++;
    this.manager = new LogManager(this.disk, this.time.clock, BROKER_LOG_DIR);
    this.manager.loadLogs(() => this.config);
    this.log = this.manager.getOrCreateLog(TP, this.config);
    this.running = true;
  }
}

function parseName(name: string): { topic: string; partition: number } {
  const dash = name.lastIndexOf('-');
  return { topic: name.slice(0, dash), partition: Number(name.slice(dash + 1)) };
}

interface PlainBatch {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly epoch: number;
  readonly crc: number;
}

/** Every batch the log serves from its log start to its log end, through its own read path. */
function batchesOfLog(log: UnifiedLog): PlainBatch[] {
  const batches: PlainBatch[] = [];
  let from = log.logStartOffset;
  while (from < log.logEndOffset) {
    const read = log.read(from, 1 << 20, log.logEndOffset, true);
    if (read.type !== 'read') throw new Error(`read failed: ${read.message}`);
    if (read.batches.length === 0) break;
    for (const batch of read.batches) {
      batches.push({ baseOffset: batch.baseOffset, lastOffset: batch.lastOffset, epoch: batch.partitionLeaderEpoch, crc: batch.crc });
      from = batch.lastOffset + 1;
    }
  }
  return batches;
}

/** Every record the log holds from its log start, as `offset:value`. */
function recordsOfLog(log: UnifiedLog): string[] {
  const records = log.readRecords(log.logStartOffset);
  if (!Array.isArray(records)) throw new Error(`read failed: ${records.message}`);
  return records.map((record) => `${record.offset}:${new TextDecoder().decode(record.value ?? new Uint8Array())}`);
}

function plain(digests: readonly BatchDigest[]): PlainBatch[] {
  return digests.map(({ baseOffset, lastOffset, epoch, crc }) => ({ baseOffset, lastOffset, epoch, crc }));
}

function key(record: string): { offset: number; value: string } {
  const colon = record.indexOf(':');
  return { offset: Number(record.slice(0, colon)), value: record.slice(colon + 1) };
}

// ---- 1. The cheap path equals the log -------------------------------------------------------

type Op =
  | { type: 'append'; records: number; bumpEpoch: boolean }
  | { type: 'truncate'; to: number }
  | { type: 'roll' }
  | { type: 'retention' }
  | { type: 'advance-start'; by: number }
  | { type: 'fetch' }
  | { type: 'follower-roll' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ type: fc.constant('append' as const), records: fc.integer({ min: 1, max: 4 }), bumpEpoch: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('truncate' as const), to: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.constant({ type: 'roll' as const }) },
  { weight: 1, arbitrary: fc.constant({ type: 'retention' as const }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('advance-start' as const), by: fc.nat(5) }) },
  { weight: 3, arbitrary: fc.constant({ type: 'fetch' as const }) },
  { weight: 1, arbitrary: fc.constant({ type: 'follower-roll' as const }) },
);

const PROPERTY_CONFIG = logConfigFrom({ 'segment.bytes': '1200', 'index.interval.bytes': '300', 'retention.bytes': '3000' });

describe('ReplicaLogs reads what the log holds', () => {
  it('its batches equal the log read through UnifiedLog, step by step, incrementally and afresh', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ op, observe: fc.boolean() }), { minLength: 1, maxLength: 50 }),
        fc.boolean(),
        (steps, observeAlways) => {
          const time = new Clock();
          const leader = new Broker(1, time, PROPERTY_CONFIG);
          const follower = new Broker(2, time, PROPERTY_CONFIG);
          const brokers = [leader, follower];
          // The third argument checks every header the disk's rewritten version lets the tracker skip.
          const tracker = new ReplicaLogs(undefined, undefined, true);
          let epoch = 0;
          let counter = 0;
          /** Every record any replica held at an observation, for the ledger check. */
          const seen = new Set<string>();
          /** Per broker, the records its log held at the last observation. */
          const before = new Map<number, Set<string>>();
          for (const step of steps) {
            const operation = step.op;
            switch (operation.type) {
              case 'append': {
                if (operation.bumpEpoch) epoch++;
                epoch = Math.max(epoch, leader.log.latestEpoch() ?? 0);
                // Unique values, long enough that segments roll on their own now and then.
                const values = Array.from({ length: operation.records }, () => `v${counter++}-${'x'.repeat((counter * 37) % 90)}`);
                leader.appendAsLeader(values, epoch);
                break;
              }
              case 'truncate': {
                const target = leader.log.logStartOffset + operation.to;
                // UnifiedLog leaves its log start above its log end when a truncation lands in
                // the batch that holds a log start moved inside it; that log is not what is tested here.
                const head = batchesOfLog(leader.log)[0];
                if (head !== undefined && head.baseOffset < leader.log.logStartOffset && target <= head.lastOffset) break;
                leader.log.truncateTo(target);
                break;
              }
              case 'roll':
                leader.log.roll();
                break;
              case 'retention':
                leader.log.deleteOldSegments(leader.log.logEndOffset);
                break;
              case 'advance-start':
                // Kafka's maybeIncrementLogStartOffset: the log start may land inside a batch.
                leader.log.maybeIncrementLogStartOffset(leader.log.logStartOffset + operation.by, leader.log.logEndOffset);
                break;
              case 'fetch':
                follower.fetchFrom(leader);
                break;
              case 'follower-roll':
                follower.log.roll();
                break;
            }
            time.tick();
            if (!observeAlways && !step.observe) continue;
            tracker.observe(time.ms, brokers.map((broker) => broker.view()));
            for (const broker of brokers) {
              const digests = tracker.batches(broker.brokerId, NAME);
              expect(plain(digests)).toEqual(batchesOfLog(broker.log));
              expect(digests.every((digest) => digest.intact)).toBe(true);
              for (const record of recordsOfLog(broker.log)) seen.add(record);
            }
            // The ledger: a broker is a holder of exactly the records its log holds, and a copy
            // that went away ended as what took it: below the log start, retention; at or past
            // the log end, truncation.
            for (const broker of brokers) {
              const held = new Set(recordsOfLog(broker.log));
              for (const record of seen) {
                const { offset, value } = key(record);
                const holders = tracker.copies(NAME, offset, value)?.holders;
                expect(holders?.has(broker.brokerId) ?? false, `${record} on broker ${broker.brokerId}`).toBe(held.has(record));
              }
              const log = broker.log;
              for (const record of before.get(broker.brokerId) ?? []) {
                if (held.has(record)) continue;
                const { offset, value } = key(record);
                const endings = tracker.copies(NAME, offset, value)?.endings.filter((ending) => ending.brokerId === broker.brokerId) ?? [];
                const expected = offset < log.logStartOffset ? 'deleted' : 'truncated';
                expect(endings.at(-1)?.how, `ending of ${record} on broker ${broker.brokerId}`).toBe(expected);
              }
              before.set(broker.brokerId, held);
            }
          }
          // The incremental path computed the same digests, prefix hashes included, as a tracker
          // that reads the final state once.
          tracker.observe(time.ms, brokers.map((broker) => broker.view()));
          const fresh = new ReplicaLogs();
          fresh.observe(time.ms, brokers.map((broker) => broker.view()));
          for (const broker of brokers) {
            expect(tracker.batches(broker.brokerId, NAME)).toEqual(fresh.batches(broker.brokerId, NAME));
            expect(plain(fresh.batches(broker.brokerId, NAME))).toEqual(batchesOfLog(broker.log));
          }
          // Replicas holding the same batches from the same offset have the same prefix hashes.
          const leaderDigests = tracker.batches(1, NAME);
          const followerDigests = tracker.batches(2, NAME);
          if (
            leaderDigests.length > 0 &&
            leaderDigests.length === followerDigests.length &&
            JSON.stringify(plain(leaderDigests)) === JSON.stringify(plain(followerDigests))
          ) {
            expect(leaderDigests.map((digest) => digest.prefixHash)).toEqual(followerDigests.map((digest) => digest.prefixHash));
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it('a prefix hash changes with any batch before it', () => {
    const time = new Clock();
    const a = new Broker(1, time, PROPERTY_CONFIG);
    const b = new Broker(2, time, PROPERTY_CONFIG);
    a.appendAsLeader(['a0'], 0);
    a.appendAsLeader(['a1'], 0);
    a.appendAsLeader(['a2'], 0);
    b.appendAsLeader(['b0'], 0);
    b.appendAsLeader(['a1'], 0);
    b.appendAsLeader(['a2'], 0);
    const tracker = new ReplicaLogs();
    tracker.observe(time.ms, [a.view(), b.view()]);
    const ofA = tracker.batches(1, NAME);
    const ofB = tracker.batches(2, NAME);
    expect(ofA).toHaveLength(3);
    expect(ofB).toHaveLength(3);
    // Batches 1 and 2 are byte-identical on both replicas, but batch 0 differs.
    expect(ofA[1]?.crc).toBe(ofB[1]?.crc);
    expect(ofA[2]?.crc).toBe(ofB[2]?.crc);
    for (let index = 0; index < 3; index++) expect(ofA[index]?.prefixHash).not.toBe(ofB[index]?.prefixHash);
  });
});

// ---- 2. The copy ledger -----------------------------------------------------------------------

const LEDGER_CONFIG = logConfigFrom({});

/** Two brokers both holding `r0`, `r1` (batch 0) and `r2`, `r3` (batch 1), observed. */
function twoReplicas(): { time: Clock; a: Broker; b: Broker; tracker: ReplicaLogs; observe(): void } {
  const time = new Clock();
  const a = new Broker(1, time, LEDGER_CONFIG);
  const b = new Broker(2, time, LEDGER_CONFIG);
  const tracker = new ReplicaLogs();
  const observe = (): void => {
    time.tick();
    tracker.observe(time.ms, [a.view(), b.view()]);
  };
  a.appendAsLeader(['r0', 'r1'], 0);
  a.appendAsLeader(['r2', 'r3'], 0);
  b.fetchFrom(a);
  observe();
  expect(tracker.copies(NAME, 2, 'r2')?.holders.size).toBe(2);
  return { time, a, b, tracker, observe };
}

describe('ReplicaLogs copy ledger', () => {
  it('a record some broker still holds is not excused', () => {
    const { a, tracker, observe } = twoReplicas();
    a.log.truncateTo(2);
    observe();
    const judgement = tracker.judgeLoss(NAME, 2, 'r2', false);
    expect(judgement.excused).toBe(false);
    expect(judgement.excused === false && judgement.story).toContain('broker(s) 2 still hold it');
    expect(tracker.copies(NAME, 2, 'r2')?.endings).toEqual([{ how: 'truncated', brokerId: 1, atMs: expect.any(Number) }]);
  });

  it('a copy truncated while its broker runs makes the loss a violation', () => {
    const { a, b, tracker, observe } = twoReplicas();
    a.log.truncateTo(2);
    b.log.truncateTo(2);
    observe();
    const copies = tracker.copies(NAME, 3, 'r3');
    expect(copies?.holders.size).toBe(0);
    expect(copies?.endings.map((ending) => [ending.how, ending.brokerId])).toEqual([
      ['truncated', 1],
      ['truncated', 2],
    ]);
    const judgement = tracker.judgeLoss(NAME, 3, 'r3', false);
    expect(judgement.excused).toBe(false);
    if (judgement.excused) return;
    expect(judgement.story).toContain('broker 1 truncated');
    expect(judgement.story).toContain('broker 2 truncated');
    // Records below the truncation point are untouched.
    expect(tracker.copies(NAME, 1, 'r1')?.holders.size).toBe(2);
  });

  it('one truncated copy spoils the excuse of another copy destroyed by power loss', () => {
    const { a, b, tracker, observe } = twoReplicas();
    a.log.truncateTo(2);
    observe();
    b.powerLoss(true);
    observe();
    b.restart();
    observe();
    expect(b.log.logEndOffset).toBe(0);
    const copies = tracker.copies(NAME, 2, 'r2');
    expect(copies?.endings.map((ending) => ending.how)).toEqual(['truncated', 'destroyed']);
    const judgement = tracker.judgeLoss(NAME, 2, 'r2', false);
    expect(judgement.excused).toBe(false);
    if (judgement.excused) return;
    expect(judgement.story).toContain('broker 1 truncated');
    expect(judgement.story).toContain('power-loss');
  });

  it('every copy destroyed by power loss at restart is excused, with the faults named', () => {
    const { time, a, b, tracker, observe } = twoReplicas();
    // Nothing was fsynced: both power losses take the whole segment.
    expect(a.disk.unsyncedBytes(SEGMENT_PATH)).toBeGreaterThan(0);
    const lostA = a.powerLoss(true);
    time.tick(500);
    b.powerLoss(true);
    expect(lostA.paths).toContain(SEGMENT_PATH);
    expect(a.damage).toHaveLength(1);
    expect(b.damage).toHaveLength(1);
    // While they are down nothing changes in the ledger: a stopped broker's copies are held still.
    observe();
    expect(tracker.copies(NAME, 0, 'r0')?.holders.size).toBe(2);
    a.restart();
    b.restart();
    observe();
    expect(a.log.logEndOffset).toBe(0);
    expect(b.log.logEndOffset).toBe(0);
    expect(tracker.batches(1, NAME)).toEqual([]);
    for (const [offset, value] of [
      [0, 'r0'],
      [3, 'r3'],
    ] as const) {
      const copies = tracker.copies(NAME, offset, value);
      expect(copies?.holders.size).toBe(0);
      expect(copies?.endings.map((ending) => [ending.how, ending.brokerId])).toEqual([
        ['destroyed', 1],
        ['destroyed', 2],
      ]);
      const judgement = tracker.judgeLoss(NAME, offset, value, false);
      expect(judgement.excused).toBe(true);
      if (!judgement.excused) return;
      expect(judgement.reason).toBe('every copy destroyed by faults');
      expect(judgement.faults).toHaveLength(2);
      expect(judgement.faults.every((fault) => fault.startsWith('power-loss at '))).toBe(true);
      expect(judgement.faults.join(' ')).toContain('broker-1 lost');
      expect(judgement.faults.join(' ')).toContain('broker-2 lost');
    }
  });

  // --faults swarm-beyond seed 207: an unchecked flip in the log-start-offset checkpoint, read at
  // the restart, moved a log start up past a record, and the broker deleted it.
  // The flip is recorded while the process that ends ran; before it began (the process then read
  // the flipped file itself, and rewrote it every checkpoint interval); or not at all.
  it.each(['during the process', 'before the process', 'not'] as const)('a restart whose checkpointed log start a flip moved deletes copies, excused by a flip only if recorded during the process that ended (flip recorded: %s)', (recorded) => {
    const time = new Clock();
    const a = new Broker(1, time, LEDGER_CONFIG);
    const tracker = new ReplicaLogs();
    for (const value of ['r0', 'r1', 'r2', 'r3']) a.appendAsLeader([value], 0);
    a.log.flush();
    a.manager.checkpointRecoveryPointsAndLogStartOffsets();
    tracker.observe(time.tick(), [a.view()]);
    // The checkpoint's line `events 0 0` with bit 1 of its last digit flipped reads `events 0 2`.
    const path = `${BROKER_LOG_DIR}/${LOG_START_OFFSET_CHECKPOINT_FILENAME}`;
    const text = new TextDecoder().decode(a.disk.read(path, 0, a.disk.size(path)));
    const line = `${NAME.replace('-', ' ')} 0\n`;
    expect(text).toContain(line);
    const at = text.indexOf(line) + line.length - 2;
    a.disk.write(path, at, new Uint8Array([text.charCodeAt(at) ^ 0b10]));
    a.disk.fsync(path);
    if (recorded !== 'not') a.damage.push({ kind: 'bitflip', atMs: recorded === 'during the process' ? time.ms : 0, detail: `broker-1: bit of ${path}, unchecked`, checked: false, paths: [path] });
    a.running = false;
    a.restart();
    tracker.observe(time.tick(), [a.view()]);
    expect(a.log.logStartOffset).toBe(2);
    const judgement = tracker.judgeLoss(NAME, 1, 'r1', false);
    if (recorded === 'during the process') {
      expect(tracker.copies(NAME, 1, 'r1')?.endings.map((ending) => ending.how)).toEqual(['destroyed']);
      expect(judgement).toEqual({ excused: true, reason: 'every copy destroyed by faults', faults: [expect.stringMatching(/^bitflip at .*log-start-offset-checkpoint, unchecked\)$/)] });
    } else {
      expect(judgement.excused === false && judgement.story).toContain('lost-on-restart');
    }
    // Above the moved log start the copies are still held.
    expect(tracker.judgeLoss(NAME, 2, 'r2', false)).toEqual({ excused: false, story: 'broker(s) 1 still hold it' });
  });

  it('a power loss of another partition does not excuse this one', () => {
    const { a, b, tracker, observe } = twoReplicas();
    for (const broker of [a, b]) {
      broker.powerLoss(false);
      broker.damage.push({ kind: 'power-loss', atMs: 5_000, detail: 'elsewhere', paths: [`${BROKER_LOG_DIR}/other-0/00000000000000000000.log`] });
      broker.restart();
    }
    observe();
    const judgement = tracker.judgeLoss(NAME, 0, 'r0', false);
    expect(judgement.excused).toBe(false);
    expect(tracker.copies(NAME, 0, 'r0')?.endings.map((ending) => ending.how)).toEqual(['lost-on-restart', 'lost-on-restart']);
  });

  it('a restart that loses a record with no fault on the disk is lost-on-restart, not excused', () => {
    const time = new Clock();
    const a = new Broker(1, time, LEDGER_CONFIG);
    const tracker = new ReplicaLogs();
    // An old power loss, before the record existed, excuses nothing later.
    a.damage.push({ kind: 'power-loss', atMs: 10, detail: 'broker-1 lost 100 unsynced bytes', paths: [SEGMENT_PATH] });
    a.appendAsLeader(['kept'], 0);
    a.log.flush();
    a.appendAsLeader(['gone'], 0);
    tracker.observe(time.tick(), [a.view()]);
    expect(tracker.copies(NAME, 1, 'gone')?.holders.has(1)).toBe(true);
    const lost = a.powerLoss(false);
    expect(lost.bytesLost).toBeGreaterThan(0);
    a.restart();
    tracker.observe(time.tick(), [a.view()]);
    expect(a.log.logEndOffset).toBe(1);
    expect(tracker.copies(NAME, 1, 'gone')?.endings).toEqual([{ how: 'lost-on-restart', brokerId: 1, atMs: time.ms }]);
    const judgement = tracker.judgeLoss(NAME, 1, 'gone', false);
    expect(judgement.excused).toBe(false);
    expect(judgement.excused === false && judgement.story).toContain('lost-on-restart');
    // The flushed record survived and is still held.
    expect(tracker.judgeLoss(NAME, 0, 'kept', false)).toEqual({ excused: false, story: 'broker(s) 1 still hold it' });
    expect(tracker.judgeLoss(NAME, 0, 'never', false)).toEqual({ excused: false, story: 'no replica ever held it' });
  });

  it('retention deletes copies, and the loss is excused', () => {
    const time = new Clock();
    // Room for the second segment only: the first breaches retention.bytes.
    const config = logConfigFrom({ 'retention.bytes': '400' });
    const a = new Broker(1, time, config);
    const tracker = new ReplicaLogs();
    a.appendAsLeader(['old0', 'old1'], 0);
    a.log.roll();
    a.appendAsLeader([`new0-${'x'.repeat(400)}`], 0);
    tracker.observe(time.tick(), [a.view()]);
    expect(a.log.deleteOldSegments(a.log.logEndOffset)).toBe(1);
    expect(a.log.logStartOffset).toBe(2);
    tracker.observe(time.tick(), [a.view()]);
    expect(tracker.batches(1, NAME).map((digest) => digest.baseOffset)).toEqual([2]);
    expect(tracker.copies(NAME, 0, 'old0')?.endings.map((ending) => ending.how)).toEqual(['deleted']);
    expect(tracker.judgeLoss(NAME, 1, 'old1', false)).toEqual({ excused: true, reason: 'deleted by retention or compaction', faults: [] });
  });

  it('compaction removes copies: excused on a compacted topic only', () => {
    const time = new Clock();
    const config = logConfigFrom({ 'cleanup.policy': 'compact' });
    const a = new Broker(1, time, config);
    const tracker = new ReplicaLogs(() => true);
    a.appendAsLeader(['v1', 'w1'], 0, ['k', 'j']);
    a.log.roll();
    a.appendAsLeader(['v2'], 0, ['k']);
    a.log.roll();
    tracker.observe(time.tick(), [a.view()]);
    expect(a.log.compact(a.log.logEndOffset)).toBe(1);
    tracker.observe(time.tick(), [a.view()]);
    // A compacted topic's batches compare by offsets and epoch only; the rewritten batch keeps its range.
    const digests = tracker.batches(1, NAME);
    expect(plain(digests)).toEqual(batchesOfLog(a.log).map((batch) => ({ ...batch, crc: 0 })));
    expect(digests.map((digest) => [digest.baseOffset, digest.lastOffset])).toEqual([
      [0, 1],
      [2, 2],
    ]);
    expect(tracker.copies(NAME, 0, 'v1')?.endings.map((ending) => ending.how)).toEqual(['compacted']);
    expect(tracker.copies(NAME, 1, 'w1')?.holders.has(1)).toBe(true);
    expect(tracker.judgeLoss(NAME, 0, 'v1', true)).toEqual({ excused: true, reason: 'deleted by retention or compaction', faults: [] });
    const unexcused = tracker.judgeLoss(NAME, 0, 'v1', false);
    expect(unexcused.excused).toBe(false);
    expect(unexcused.excused === false && unexcused.story).toContain('broker 1 compacted');
  });

  // A follower that truncates and fetches other records at the same offsets between two
  // observations: the offset is inside the log's range, yet the copy was truncated (compaction
  // keeps a retained record's offset, or leaves the offset empty), never compacted.
  it('a copy truncated and replaced between two observations records truncated', () => {
    const { a, b, tracker, observe } = twoReplicas();
    a.log.truncateTo(2);
    a.appendAsLeader(['s2', 's3'], 1);
    // The follower's OffsetsForLeaderEpoch truncation, then its fetch.
    b.log.truncateTo(2);
    b.fetchFrom(a);
    observe();
    expect(tracker.copies(NAME, 2, 's2')?.holders.size).toBe(2);
    expect(tracker.copies(NAME, 2, 'r2')?.endings.map((ending) => ending.how)).toEqual(['truncated', 'truncated']);
    expect(tracker.judgeLoss(NAME, 2, 'r2', true).excused).toBe(false);
  });
});

// ---- Endings at the edges of the log (each failed before settle() judged by the log start) ----

describe('ReplicaLogs copy ledger: endings at the log start', () => {
  // A running follower that truncates its whole log (its log diverged from the leader's from the
  // start) truncated its copies; judging by the first batch's offset called them 'deleted'.
  it('a truncation that empties the log records truncated, not deleted', () => {
    const { a, b, tracker, observe } = twoReplicas();
    a.log.truncateTo(0);
    b.log.truncateTo(0);
    observe();
    expect(a.log.logStartOffset).toBe(0);
    expect(a.log.logEndOffset).toBe(0);
    expect(tracker.copies(NAME, 2, 'r2')?.endings.map((ending) => ending.how)).toEqual(['truncated', 'truncated']);
    expect(tracker.judgeLoss(NAME, 2, 'r2', false).excused).toBe(false);
  });

  // When the log start moves into the middle of a batch (maybeIncrementLogStartOffset, as a
  // follower does with the leader's log start, or KIP-107 DeleteRecords), the records below it
  // are deleted; judging by the first batch's offset called them 'compacted'.
  it('a log start moved into a batch records its records below it as deleted', () => {
    const { a, b, tracker, observe } = twoReplicas();
    for (const broker of [a, b]) expect(broker.log.maybeIncrementLogStartOffset(1, broker.log.logEndOffset)).toBe(true);
    observe();
    expect(tracker.copies(NAME, 0, 'r0')?.endings.map((ending) => ending.how)).toEqual(['deleted', 'deleted']);
    expect(tracker.judgeLoss(NAME, 0, 'r0', false).excused).toBe(true);
  });
});

// ---- 3. Flipped bits -------------------------------------------------------------------------

/** Inverts the byte at `position` of a file on the disk, as flipped bits on the platter would. */
function flipByte(disk: SimDisk, path: string, position: number): void {
  const byte = disk.peek(path, position, 1)[0];
  expect(byte).toBeDefined();
  disk.write(path, position, Uint8Array.of((byte as number) ^ 0xff));
}

describe('ReplicaLogs and flipped bits', () => {
  /** A broker with batches [a0,a1] [b0,b1] [c0,c1], read after the first if `observeFirst`; `second` is where the second begins. */
  function threeBatches(observeFirst: boolean): { time: Clock; a: Broker; tracker: ReplicaLogs; second: number } {
    const time = new Clock();
    const a = new Broker(1, time, LEDGER_CONFIG);
    const tracker = new ReplicaLogs();
    a.appendAsLeader(['a0', 'a1'], 0);
    if (observeFirst) tracker.observe(time.tick(), [a.view()]);
    const second = a.disk.size(SEGMENT_PATH);
    a.appendAsLeader(['b0', 'b1'], 0);
    a.appendAsLeader(['c0', 'c1'], 0);
    return { time, a, tracker, second };
  }

  /** Three batches; the byte flipped lies in the second's records. */
  function flippedLog(observeFirst: boolean): { time: Clock; a: Broker; tracker: ReplicaLogs; flippedAt: number } {
    const { time, a, tracker, second: flippedAt } = threeBatches(observeFirst);
    const second = a.log.read(2, 1 << 20, a.log.logEndOffset, true);
    expect(second.type === 'read' && second.batches[0]?.bytes.length).toBeGreaterThan(RECORD_BATCH_OVERHEAD + 4);
    flipByte(a.disk, SEGMENT_PATH, flippedAt + RECORD_BATCH_OVERHEAD + 4);
    // The log itself now refuses the batch.
    expect(a.log.read(2, 1 << 20, a.log.logEndOffset, true).type).toBe('error');
    tracker.observe(time.tick(), [a.view()]);
    return { time, a, tracker, flippedAt };
  }

  for (const observeFirst of [false, true]) {
    it(`a batch with a flipped bit is not intact from there on, and holds no copy (${observeFirst ? 'incremental read' : 'first read'})`, () => {
      const { tracker } = flippedLog(observeFirst);
      const digests = tracker.batches(1, NAME);
      expect(digests.map((digest) => [digest.baseOffset, digest.lastOffset, digest.intact])).toEqual([
        [0, 1, true],
        [2, 3, false],
        [4, 5, false],
      ]);
      expect(tracker.copies(NAME, 0, 'a0')?.holders.has(1)).toBe(true);
      expect(tracker.copies(NAME, 2, 'b0')).toBeUndefined();
      expect(tracker.copies(NAME, 3, 'b1')).toBeUndefined();
      // The batch after it still decodes: the running broker serves it, so it is a copy until a
      // restart's recovery cuts the log at the flipped batch.
      expect(tracker.copies(NAME, 4, 'c0')?.holders.has(1)).toBe(true);
    });
  }

  // Default seed 3220: a flip left the rest of a segment unframeable, and the log start then moved
  // inside that segment, above where the damage began. What lies between is unread, not absent:
  // the copy must read as damaged there, not as a log that starts intact further on.
  for (const observeFirst of [false, true]) {
    it(`an unframeable rest of a segment below a log start moved into it still marks the copy damaged (${observeFirst ? 'incremental read' : 'first read'})`, () => {
      const { time, a, tracker, second: flippedAt } = threeBatches(observeFirst);
      // The high byte of batch [2, 3]'s length (bytes 8..11 of its header), as it was written: its
      // frame now runs past the end of the file, so nothing from there on can be framed.
      flipByte(a.disk, SEGMENT_PATH, flippedAt + 8);
      a.damage.push({ kind: 'bitflip', atMs: time.ms, detail: `bit of ${SEGMENT_PATH}`, checked: true, paths: [SEGMENT_PATH] });
      if (observeFirst) {
        tracker.observe(time.tick(), [a.view()]);
        expect(tracker.batches(1, NAME).map((digest) => [digest.baseOffset, digest.intact])).toEqual([[0, true], [2, false]]);
      }
      expect(a.log.maybeIncrementLogStartOffset(4, a.log.logEndOffset)).toBe(true);
      tracker.observe(time.tick(), [a.view()]);
      expect(tracker.batches(1, NAME).map((digest) => [digest.baseOffset, digest.intact])).toEqual([[2, false]]);
    });
  }

  // The simulator flips bits only as they are written, so a batch is first read flipped. A flip at
  // rest in a batch already read is not seen by the incremental read (it checks the first and last
  // known batches' headers, whose stored CRC does not change); a restart's full read catches it.
  it('a flip at rest in a batch already read is caught by the full read at restart', () => {
    const time = new Clock();
    const a = new Broker(1, time, LEDGER_CONFIG);
    const tracker = new ReplicaLogs();
    a.appendAsLeader(['a0', 'a1'], 0);
    const flippedAt = a.disk.size(SEGMENT_PATH);
    a.appendAsLeader(['b0', 'b1'], 0);
    tracker.observe(time.tick(), [a.view()]);
    expect(tracker.batches(1, NAME).every((digest) => digest.intact)).toBe(true);
    flipByte(a.disk, SEGMENT_PATH, flippedAt + RECORD_BATCH_OVERHEAD + 4);
    a.damage.push({ kind: 'bitflip', atMs: time.ms, detail: `bit of ${SEGMENT_PATH}`, checked: true, paths: [SEGMENT_PATH] });
    // A restart reads every replica again: recovery cuts the log at the flipped batch, and the
    // copies it held end destroyed by the named flip.
    a.running = false;
    tracker.observe(time.tick(), [a.view()]);
    a.restart();
    tracker.observe(time.tick(), [a.view()]);
    expect(a.log.logEndOffset).toBe(2);
    expect(tracker.batches(1, NAME).map((digest) => [digest.baseOffset, digest.intact])).toEqual([[0, true]]);
    const judgement = tracker.judgeLoss(NAME, 2, 'b0', false);
    expect(judgement.excused).toBe(true);
    expect(judgement.excused && judgement.faults[0]).toMatch(/^bitflip at /);
  });

  it('a flip before a restart excuses the copies recovery cuts after it', () => {
    const { time, a, tracker } = flippedLog(false);
    a.damage.push({ kind: 'bitflip', atMs: time.ms, detail: `bit of ${SEGMENT_PATH}`, checked: true, paths: [SEGMENT_PATH] });
    a.running = false;
    a.restart();
    tracker.observe(time.tick(), [a.view()]);
    expect(a.log.logEndOffset).toBe(2);
    expect(tracker.copies(NAME, 4, 'c0')?.endings.map((ending) => ending.how)).toEqual(['destroyed']);
    const judgement = tracker.judgeLoss(NAME, 5, 'c1', false);
    expect(judgement.excused).toBe(true);
    expect(judgement.excused && judgement.faults).toEqual([expect.stringMatching(/^bitflip at /)]);
    // The decoded records really are the ones written before the flip.
    const read = a.log.read(0, 1 << 20, a.log.logEndOffset, true);
    expect(read.type === 'read' && read.batches.flatMap((batch) => decodeRecords(batch) as { offset: number }[]).map((record) => record.offset)).toEqual([0, 1]);
  });
});

describe('ReplicaLogs copy ledger: a last known leader elected without the record (KIP-966)', () => {
  type Registration = { leader: number; leaderEpoch: number; isr: number[]; elr?: number[]; lastKnownElr?: number[] };

  /**
   * Brokers 1 (leader, epoch 0) and 2 hold r0..r3. Broker 1 leaves the ISR on an unclean shutdown
   * (or a clean one, with `cleanExit`); broker 2 loses power with nothing synced, comes back
   * without the records, and leaves the ISR on its unclean shutdown (LastKnownElr 2); then the
   * controller elects broker 2 again, in epoch 3, as the last known leader (or, with
   * `cleanElection`, from an ISR it never left).
   */
  function lastKnownLeader(options: { cleanExit?: boolean; cleanElection?: boolean; elrEmptiedByElection?: boolean } = {}) {
    const { time, a, b, tracker, observe } = twoReplicas();
    const epochs = new Map([[1, 10], [2, 11]]);
    // How each broker's previous process ended, as the host saw it.
    const stops = new Map([[1, 'none'], [2, 'none']]);
    // Each observation follows a new record of the controller's.
    let metadataOffset = 0;
    const controller = (registration: Registration): void => {
      tracker.observeController(time.tick(), {
        partitions: [{ topicName: TP.topic, partitionId: TP.partition, elr: [], lastKnownElr: [], ...registration }],
        brokers: [...epochs].map(([brokerId, brokerEpoch]) => ({ brokerId, brokerEpoch })),
        metadataOffset: ++metadataOffset,
      }, (brokerId) => stops.get(brokerId));
    };
    // A new incarnation registered after its previous process ended by `stop`.
    const register = (brokerId: number, epoch: number, stop: string): void => {
      epochs.set(brokerId, epoch);
      stops.set(brokerId, stop);
    };
    controller({ leader: 1, leaderEpoch: 0, isr: [1, 2] });
    if (options.elrEmptiedByElection === true) {
      // Broker 1 is fenced into the ELR; broker 2 loses its records and leaves the ISR on its
      // unclean shutdown (LastKnownElr 2); broker 1's re-registration after its failed exit takes
      // it out of the ELR and elects broker 2 in one change (seed 3 under swarm-beyond).
      controller({ leader: 2, leaderEpoch: 1, isr: [2], elr: [1] });
      b.powerLoss(true);
      observe();
      b.restart();
      observe();
      register(2, 30, 'power-loss');
      controller({ leader: -1, leaderEpoch: 2, isr: [], elr: [1], lastKnownElr: [2] });
      register(1, 20, 'failed-exit');
      controller({ leader: 2, leaderEpoch: 3, isr: [2] });
      return { time, a, b, tracker, observe };
    }
    register(1, 20, options.cleanExit === true ? 'clean-exit' : 'failed-exit');
    controller({ leader: 2, leaderEpoch: 1, isr: [2] });
    b.powerLoss(true);
    observe();
    b.restart();
    observe();
    expect(b.log.logEndOffset).toBe(0);
    if (options.cleanElection === true) {
      controller({ leader: 2, leaderEpoch: 3, isr: [2] });
    } else {
      register(2, 30, 'power-loss');
      controller({ leader: -1, leaderEpoch: 2, isr: [], lastKnownElr: [2] });
      controller({ leader: 2, leaderEpoch: 3, isr: [2] });
    }
    return { time, a, b, tracker, observe };
  }

  it('a copy still held by a broker out of the ISR and ELR on an unclean shutdown is excused, naming both faults', () => {
    const { tracker } = lastKnownLeader();
    expect(tracker.judgeLoss(NAME, 3, 'r3', false).excused).toBe(false);
    const judgement = tracker.judgeLoss(NAME, 3, 'r3', false, { brokerId: 2, leaderEpoch: 3 });
    expect(judgement.excused).toBe(true);
    if (!judgement.excused) return;
    expect(judgement.reason).toContain('as the last known leader');
    expect(judgement.faults).toEqual([expect.stringMatching(/^power-loss at /), expect.stringMatching(/^unclean shutdown \(failed-exit\) of broker 1, out of the ISR and ELR of events-0 at /)]);
  });

  it('sees the last-known-leader election in the change that empties the ELR, and excuses the same way', () => {
    const { tracker } = lastKnownLeader({ elrEmptiedByElection: true });
    const judgement = tracker.judgeLoss(NAME, 3, 'r3', false, { brokerId: 2, leaderEpoch: 3 });
    expect(judgement.excused).toBe(true);
    if (!judgement.excused) return;
    expect(judgement.reason).toContain('elected in epoch 3');
    expect(judgement.faults).toEqual([expect.stringMatching(/^power-loss at /), expect.stringMatching(/^unclean shutdown \(failed-exit\) of broker 1, out of the ISR and ELR of events-0 at /)]);
  });

  it('the copy that follower then truncates, following that leader, is excused the same way', () => {
    const { a, b, tracker, time } = lastKnownLeader();
    a.fetchFrom(b);
    tracker.observe(time.tick(), [{ ...a.view(), following: () => ({ leader: 2, leaderEpoch: 3 }) }, b.view()]);
    expect(tracker.copies(NAME, 3, 'r3')?.endings.map((ending) => ending.how)).toEqual(['destroyed', 'truncated']);
    const judgement = tracker.judgeLoss(NAME, 3, 'r3', false);
    expect(judgement.excused).toBe(true);
    expect(judgement.excused && judgement.faults.some((fault) => fault.startsWith('unclean shutdown (failed-exit) of broker 1'))).toBe(true);
    // Truncated following another leader, or an epoch nobody was elected in that way: a violation.
    const { a: a2, b: b2, tracker: tracker2, time: time2 } = lastKnownLeader();
    a2.fetchFrom(b2);
    tracker2.observe(time2.tick(), [{ ...a2.view(), following: () => ({ leader: 2, leaderEpoch: 1 }) }, b2.view()]);
    expect(tracker2.judgeLoss(NAME, 3, 'r3', false).excused).toBe(false);
  });

  it('a holder that left the ISR on a clean shutdown is not forgone: a violation', () => {
    const { tracker } = lastKnownLeader({ cleanExit: true });
    const judgement = tracker.judgeLoss(NAME, 3, 'r3', false, { brokerId: 2, leaderEpoch: 3 });
    expect(judgement.excused).toBe(false);
    expect(judgement.excused === false && judgement.story).toContain('broker 1 had not left the ISR and ELR on an unclean shutdown');
  });

  it('a leader elected from the ISR that lacks the record is a violation, whatever destroyed its copy', () => {
    const { tracker } = lastKnownLeader({ cleanElection: true });
    const judgement = tracker.judgeLoss(NAME, 3, 'r3', false, { brokerId: 2, leaderEpoch: 3 });
    expect(judgement.excused).toBe(false);
    // No last known leader was ever elected here, so the story stays the plain one.
    expect(judgement.excused === false && judgement.story).toMatch(/still hold it$/);
  });
});

import { logConfigFrom, type LogConfig } from '../../impl/log/log-config.ts';
import { DEFAULT_BATCH_SPEC, buildRecordBatch, type SimpleRecord } from '../../impl/log/record-batch.ts';
import { UnifiedLog } from '../../impl/log/unified-log.ts';
import { DEFAULT_DIRTY_EXPIRE_MS, SimDisk } from '../disk/sim-disk.ts';
import { AleaRandomStream } from '../random/random-stream.ts';
import { ratioFigure, round, roundSummary, type BenchFigure } from './bench-figure.ts';
import { median, pairedRatios } from './pairs.ts';
import { wallClockMs } from './wall-clock.ts';

/**
 * Throughput of the partition log (`UnifiedLog` on the simulated disk): leader appends, sequential
 * fetch-sized reads and crash recovery, each set against a physical bar where one exists (the same
 * bytes pushed to and concatenated from a plain in-memory array). Wall-clock figures are measured
 * here and never asserted in tests. Each comparison is timed side by side (`pairs.ts`): a round
 * runs the bar's appends, the log's appends, the bar's reads and the log's reads, and the overhead
 * figures are the medians of the per-round ratios; the throughputs are the medians of the rounds.
 *
 * A megabyte here is 10^6 bytes, and every byte count is of whole record batches as they sit in the
 * segment files (a 1 KiB record costs 1,094 bytes of batch: a 61-byte header plus the record).
 */

/** How big the bench's logs are; `--quick` makes them tiny. */
export interface LogBenchSizes {
  /** Leader appends measured (and then read back); 50,000 is about 55 MB of batches. */
  readonly appendCount: number;
  /** The recovered log is built to at least this many bytes and the time scaled to 100 MB. */
  readonly recoveryTargetBytes: number;
  readonly recoverySegmentBytes: number;
}

export const FULL_LOG_BENCH_SIZES: LogBenchSizes = { appendCount: 50_000, recoveryTargetBytes: 100_000_000, recoverySegmentBytes: 64 * 1024 * 1024 };
export const QUICK_LOG_BENCH_SIZES: LogBenchSizes = { appendCount: 500, recoveryTargetBytes: 2_000_000, recoverySegmentBytes: 1024 * 1024 };

const RECORD_VALUE_BYTES = 1024;
/** How many distinct record values cycle through the workload; contents come from a seeded stream. */
const DISTINCT_VALUES = 64;
/** What a consumer or follower fetch asks for per partition (Kafka's `max.partition.fetch.bytes`). */
const READ_MAX_BYTES = 1 << 20;
/**
 * Records per batch in the log to recover: one, as in the append workload. Bigger batches build
 * the log no faster (the producer's batch building dominates) and halve the recovery time, since
 * much of recovery's cost is per batch, so they would flatter the figure.
 */
const RECOVERY_RECORDS_PER_BATCH = 1;
const MB = 1_000_000;
/**
 * The bar reads the whole store this many times per timed run: one pass takes about 10 ms, too
 * short to time on a shared machine. 55 MB is far larger than any CPU cache, so later passes are
 * no cheaper than the first.
 */
const BAR_READ_PASSES = 5;
const LEADER_EPOCH = 0;

interface Timed {
  readonly wallMs: number;
}

/** A mutable virtual clock for one log; the bench moves it forward as a broker's time would. */
interface BenchClock {
  now: number;
  readonly clock: { nowMs: () => number };
}

function benchClock(): BenchClock {
  const state: BenchClock = { now: 0, clock: { nowMs: () => state.now } };
  return state;
}

/** Deterministic 1 KiB values from a seeded stream: the same bytes on every run and machine. */
function recordValues(): Uint8Array[] {
  const random = new AleaRandomStream(1, 'bench/log-values');
  return Array.from({ length: DISTINCT_VALUES }, () => {
    const value = new Uint8Array(RECORD_VALUE_BYTES);
    for (let index = 0; index < value.length; index++) value[index] = random.int(0, 255);
    return value;
  });
}

function record(values: readonly Uint8Array[], index: number, timestamp: number): SimpleRecord {
  return { timestamp, key: null, value: values[index % values.length] as Uint8Array, headers: [] };
}

/** The producer's side, built before any timing: batch i holds record i with timestamp i ms. */
function producerBatches(values: readonly Uint8Array[], count: number): Uint8Array[] {
  return Array.from({ length: count }, (_, index) => buildRecordBatch(DEFAULT_BATCH_SPEC, [record(values, index, index)]));
}

function newLog(config: LogConfig): { log: UnifiedLog; disk: SimDisk; time: BenchClock } {
  const time = benchClock();
  const disk = new SimDisk({ clock: time.clock, random: new AleaRandomStream(1, 'bench/log-disk') });
  const { log } = UnifiedLog.load(disk, time.clock, 'data/t-0', config, { recoveryPoint: 0, logStartOffset: 0, hadCleanShutdown: false });
  return { log, disk, time };
}

// ---- Appends --------------------------------------------------------------------------------------

interface AppendRun extends Timed {
  readonly log: UnifiedLog;
  readonly bytes: number;
}

/** One leader append per batch, the clock one millisecond on per append; no flush (Kafka's defaults). */
function logAppends(batches: readonly Uint8Array[], config: LogConfig): AppendRun {
  const { log, time } = newLog(config);
  let bytes = 0;
  const start = wallClockMs();
  for (const [index, batch] of batches.entries()) {
    time.now = index;
    const result = log.appendAsLeader([batch], LEADER_EPOCH);
    if (result.type !== 'appended') throw new Error(`log bench: append ${index} failed: ${result.error} ${result.message}`);
    bytes += result.info.validBytes;
  }
  const wallMs = wallClockMs() - start;
  if (log.logEndOffset !== batches.length) throw new Error(`log bench: log end ${log.logEndOffset} after ${batches.length} appends`);
  if (log.sizeInBytes !== bytes) throw new Error(`log bench: log holds ${log.sizeInBytes} bytes, appends reported ${bytes}`);
  return { wallMs, log, bytes };
}

interface BarStore extends Timed {
  readonly store: Uint8Array[];
  readonly bytes: number;
}

/** The physical bar for appends: a copy of the same batch bytes pushed onto an array. */
function barAppends(batches: readonly Uint8Array[]): BarStore {
  const store: Uint8Array[] = [];
  let bytes = 0;
  const start = wallClockMs();
  for (const batch of batches) {
    const copy = batch.slice();
    store.push(copy);
    bytes += copy.length;
  }
  return { wallMs: wallClockMs() - start, store, bytes };
}

// ---- Reads ----------------------------------------------------------------------------------------

interface ReadRun extends Timed {
  readonly bytes: number;
  readonly reads: number;
}

/** Reads the whole log from offset 0 as a follower fetch would: maxBytes 1 MiB, up to the log end. */
function logReads(log: UnifiedLog): ReadRun {
  const end = log.logEndOffset;
  let from = log.logStartOffset;
  let bytes = 0;
  let reads = 0;
  const start = wallClockMs();
  while (from < end) {
    const result = log.read(from, READ_MAX_BYTES, end, true);
    if (result.type !== 'read') throw new Error(`log bench: read at ${from} failed: ${result.error} ${result.message}`);
    const last = result.batches.at(-1);
    if (last === undefined) throw new Error(`log bench: read at ${from} returned nothing below the log end ${end}`);
    for (const batch of result.batches) bytes += batch.bytes.length;
    from = last.lastOffset + 1;
    reads++;
  }
  const wallMs = wallClockMs() - start;
  if (bytes !== log.sizeInBytes) throw new Error(`log bench: read ${bytes} bytes of a ${log.sizeInBytes}-byte log`);
  return { wallMs, bytes, reads };
}

/** The physical bar for reads: whole buffers concatenated into one copy of at most 1 MiB per read. */
function barReads(store: readonly Uint8Array[]): ReadRun {
  let bytes = 0;
  let reads = 0;
  let checksum = 0;
  const start = wallClockMs();
  for (let pass = 0; pass < BAR_READ_PASSES; pass++) {
    const read = barReadPass(store);
    bytes += read.bytes;
    reads += read.reads;
    checksum += read.checksum;
  }
  const wallMs = wallClockMs() - start;
  if (checksum < 0) throw new Error('unreachable: keeps the copies from being optimised away');
  return { wallMs, bytes, reads };
}

function barReadPass(store: readonly Uint8Array[]): { bytes: number; reads: number; checksum: number } {
  let index = 0;
  let bytes = 0;
  let reads = 0;
  let checksum = 0;
  while (index < store.length) {
    let total = 0;
    let endIndex = index;
    while (endIndex < store.length) {
      const size = (store[endIndex] as Uint8Array).length;
      if (endIndex > index && total + size > READ_MAX_BYTES) break;
      total += size;
      endIndex++;
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (let piece = index; piece < endIndex; piece++) {
      const buffer = store[piece] as Uint8Array;
      out.set(buffer, at);
      at += buffer.length;
    }
    checksum += out[total - 1] as number;
    bytes += total;
    index = endIndex;
    reads++;
  }
  return { bytes, reads, checksum };
}

// ---- Recovery -------------------------------------------------------------------------------------

interface RecoveryRun extends Timed {
  readonly segmentsRecovered: number;
}

interface RecoveryLog {
  readonly disk: SimDisk;
  readonly time: BenchClock;
  readonly config: LogConfig;
  readonly logEndOffset: number;
  readonly bytes: number;
  readonly segments: number;
  readonly buildWallMs: number;
}

/**
 * Builds a log of at least 100 MB of 1 KiB records in 64 MiB segments (by default), then lets the OS write the
 * page cache back (the clock moves past vm.dirty_expire_centisecs) so that every repetition of the
 * recovery does the same work: without it the first one would also copy 100 MB of dirty pages to
 * the platter when recovery fsyncs.
 */
function buildRecoveryLog(values: readonly Uint8Array[], sizes: LogBenchSizes): RecoveryLog {
  const config = logConfigFrom({ 'segment.bytes': String(sizes.recoverySegmentBytes) });
  const { log, disk, time } = newLog(config);
  const start = wallClockMs();
  let offset = 0;
  while (log.sizeInBytes < sizes.recoveryTargetBytes) {
    time.now = offset;
    const records = Array.from({ length: RECOVERY_RECORDS_PER_BATCH }, (_, index) => record(values, offset + index, offset + index));
    const result = log.appendAsLeader([buildRecordBatch(DEFAULT_BATCH_SPEC, records)], LEADER_EPOCH);
    if (result.type !== 'appended') throw new Error(`log bench: recovery build append at ${offset} failed: ${result.error} ${result.message}`);
    offset = result.info.lastOffset + 1;
  }
  const buildWallMs = wallClockMs() - start;
  time.now += DEFAULT_DIRTY_EXPIRE_MS;
  disk.writeback(time.now);
  return { disk, time, config, logEndOffset: log.logEndOffset, bytes: log.sizeInBytes, segments: log.segmentCount, buildWallMs };
}

/** kill -9 and restart: the log is loaded with recovery point 0 and no clean shutdown marker. */
function recover(built: RecoveryLog): RecoveryRun {
  built.disk.crash();
  const start = wallClockMs();
  const { log, summary } = UnifiedLog.load(built.disk, built.time.clock, 'data/t-0', built.config, { recoveryPoint: 0, logStartOffset: 0, hadCleanShutdown: false });
  const wallMs = wallClockMs() - start;
  if (log.logEndOffset !== built.logEndOffset) throw new Error(`log bench: recovery ended the log at ${log.logEndOffset}, it ended at ${built.logEndOffset}`);
  if (log.sizeInBytes !== built.bytes) throw new Error(`log bench: recovery left ${log.sizeInBytes} bytes of ${built.bytes}`);
  if (summary.bytesTruncated !== 0) throw new Error(`log bench: recovery truncated ${summary.bytesTruncated} bytes of an intact log`);
  if (summary.segmentsRecovered !== built.segments) throw new Error(`log bench: recovered ${summary.segmentsRecovered} of ${built.segments} segments`);
  return { wallMs, segmentsRecovered: summary.segmentsRecovered };
}

// ---- The bench ------------------------------------------------------------------------------------

interface Round {
  readonly barAppends: BarStore;
  readonly logAppends: AppendRun;
  readonly barReads: ReadRun;
  readonly logReads: ReadRun;
}

/**
 * One round: the bar's appends and the log's, then the bar's reads and the log's over what each
 * just stored. The bar goes first in each pair, on a heap the round has not yet filled with the
 * log's garbage: its runs are short enough that one collection of someone else's garbage would
 * dominate them. Nothing outlives its round, so each round starts from the same heap.
 */
function logRound(batches: readonly Uint8Array[], config: LogConfig): Round {
  const barStore = barAppends(batches);
  const appended = logAppends(batches, config);
  if (barStore.bytes !== appended.bytes) throw new Error('log bench: the bar and the log hold different bytes');
  const barRead = barReads(barStore.store);
  const logRead = logReads(appended.log);
  if (barRead.bytes !== BAR_READ_PASSES * logRead.bytes) throw new Error('log bench: the bar read other bytes than the log');
  return { barAppends: barStore, logAppends: appended, barReads: barRead, logReads: logRead };
}

export function runLogBench(rounds: number, sizes: LogBenchSizes): { figures: BenchFigure[]; details: Record<string, unknown> } {
  if (!Number.isSafeInteger(rounds) || rounds < 1) throw new Error(`log bench: rounds must be a positive integer, got ${rounds}`);
  const values = recordValues();
  const batches = producerBatches(values, sizes.appendCount);
  // Kafka's defaults: segment.bytes 1 GiB (one segment here), flush.messages and flush.ms never.
  const appendConfig = logConfigFrom({});

  // Only each round's figures are kept: a round's logs and stores are garbage once it ends.
  const measured = Array.from({ length: rounds }, () => {
    const one = logRound(batches, appendConfig);
    return {
      appendsPerSecond: sizes.appendCount / (one.logAppends.wallMs / 1000),
      appendMBPerSecond: one.logAppends.bytes / MB / (one.logAppends.wallMs / 1000),
      barAppendsPerSecond: sizes.appendCount / (one.barAppends.wallMs / 1000),
      readMBPerSecond: one.logReads.bytes / MB / (one.logReads.wallMs / 1000),
      barReadMBPerSecond: one.barReads.bytes / MB / (one.barReads.wallMs / 1000),
      bytes: one.logAppends.bytes,
      segments: one.logAppends.log.segmentCount,
      reads: one.logReads.reads,
      barReads: one.barReads.reads,
      wallMs: { barAppends: one.barAppends.wallMs, appends: one.logAppends.wallMs, barReads: one.barReads.wallMs, reads: one.logReads.wallMs },
    };
  });
  const of = (key: 'appendsPerSecond' | 'appendMBPerSecond' | 'barAppendsPerSecond' | 'readMBPerSecond' | 'barReadMBPerSecond'): number[] => measured.map((one) => one[key]);
  const appendOverhead = pairedRatios(of('barAppendsPerSecond'), of('appendsPerSecond'));
  const readOverhead = pairedRatios(of('barReadMBPerSecond'), of('readMBPerSecond'));

  // Recovery is not compared with anything: it is timed once per round and its median reported.
  const built = buildRecoveryLog(values, sizes);
  const recoveries = Array.from({ length: rounds }, () => recover(built));
  const recoveryMsPer100MB = median(recoveries.map((run) => (run.wallMs * (100 * MB)) / built.bytes));
  const batchBytes = (batches[0] as Uint8Array).length;
  const first = measured[0];
  if (first === undefined) throw new Error('log bench: no rounds');

  const figures: BenchFigure[] = [
    {
      name: 'log.appendsPerSecond',
      value: Math.round(median(of('appendsPerSecond'))),
      unit: 'appends/s',
      note: `UnifiedLog.appendAsLeader, ${sizes.appendCount} batches of one 1 KiB record (${batchBytes} B each), Kafka defaults: segment.bytes 1 GiB, no fsync`,
    },
    {
      name: 'log.appendMBPerSecond',
      value: round(median(of('appendMBPerSecond')), 1),
      unit: 'MB/s',
      note: 'the same appends as batch bytes written per wall second (1 MB = 10^6 bytes)',
    },
    {
      name: 'log.readMBPerSecond',
      value: round(median(of('readMBPerSecond')), 1),
      unit: 'MB/s',
      note: `UnifiedLog.read of that log from offset 0 to its end, maxBytes 1 MiB per read (${first.reads} reads), every batch CRC-checked`,
    },
    {
      name: 'log.recoveryMsPer100MB',
      value: round(recoveryMsPer100MB, 1),
      unit: 'ms',
      note:
        `UnifiedLog.load after disk.crash(), recovery point 0, unclean: all ${built.segments} segments (segment.bytes ${sizes.recoverySegmentBytes / (1024 * 1024)} MiB) re-read, CRC-checked, indexes rebuilt; ` +
        `log of ${round(built.bytes / MB, 1)} MB, ${RECOVERY_RECORDS_PER_BATCH} record(s) of 1 KiB per batch, page cache written back before the crash; time scaled to 100 MB, median of ${rounds}`,
    },
    {
      name: 'bar.appendsPerSecond',
      value: Math.round(median(of('barAppendsPerSecond'))),
      unit: 'appends/s',
      note: 'physical bar: a copy of each same batch pushed onto a plain array of Uint8Array',
    },
    {
      name: 'bar.readMBPerSecond',
      value: round(median(of('barReadMBPerSecond')), 1),
      unit: 'MB/s',
      note: `physical bar: whole buffers concatenated into one new array of at most 1 MiB per read; ${BAR_READ_PASSES} passes over the store per timing`,
    },
    ratioFigure('log.appendOverheadRatio', appendOverhead, 'bar appends/s over log appends/s in each round: validation, stamping, indexes, the simulated page cache', 1),
    ratioFigure('log.readOverheadRatio', readOverhead, 'bar read MB/s over log read MB/s in each round: offset lookup, the disk copy, per-batch CRC, copies', 1),
  ];
  const details: Record<string, unknown> = {
    rounds,
    sizes,
    recordValueBytes: RECORD_VALUE_BYTES,
    batchBytes,
    appends: { count: sizes.appendCount, bytes: first.bytes, segments: first.segments, wallMs: measured.map((one) => round(one.wallMs.appends, 1)) },
    barAppends: { count: sizes.appendCount, bytes: first.bytes, wallMs: measured.map((one) => round(one.wallMs.barAppends, 1)) },
    reads: { maxBytes: READ_MAX_BYTES, reads: first.reads, bytes: first.bytes, wallMs: measured.map((one) => round(one.wallMs.reads, 1)) },
    barReads: { passes: BAR_READ_PASSES, reads: first.barReads, bytes: BAR_READ_PASSES * first.bytes, wallMs: measured.map((one) => round(one.wallMs.barReads, 1)) },
    appendOverheadRatio: roundSummary(appendOverhead),
    readOverheadRatio: roundSummary(readOverhead),
    recovery: {
      bytes: built.bytes,
      logEndOffset: built.logEndOffset,
      segments: built.segments,
      segmentBytes: sizes.recoverySegmentBytes,
      recordsPerBatch: RECOVERY_RECORDS_PER_BATCH,
      buildWallMs: round(built.buildWallMs, 1),
      wallMs: recoveries.map((run) => round(run.wallMs, 1)),
    },
  };
  return { figures, details };
}

import { assert } from '../common/assert.ts';
import type { Clock, NodeDisk } from '../env/node-environment.ts';
import type { LeaderEpochFileCache } from './leader-epoch-file-cache.ts';
import type { LogConfig } from './log-config.ts';
import type { LogEvent } from './log-event.ts';
import { CLEANED_FILE_SUFFIX, DELETED_FILE_SUFFIX, INDEX_FILE_SUFFIX, LOG_FILE_SUFFIX, LogSegment, TIME_INDEX_FILE_SUFFIX } from './log-segment.ts';

/** How a log was opened; the log manager keeps these in checkpoint files. */
export interface LogLoadParams {
  readonly recoveryPoint: number;
  readonly logStartOffset: number;
  /** The broker shut down cleanly: every segment was flushed, so none needs recovery. */
  readonly hadCleanShutdown: boolean;
}

export interface LogLoadSummary {
  readonly segments: number;
  readonly segmentsRecovered: number;
  readonly bytesTruncated: number;
  readonly logEndOffset: number;
}

/** Kafka's `LoadedLogOffsets`: where the loaded log starts and how far it is known to be on disk. */
export interface LoadedLogOffsets {
  readonly logStartOffset: number;
  readonly recoveryPoint: number;
  /** What loading did (Kafka logs it); the log manager hands it to the broker. */
  readonly summary: LogLoadSummary;
}

/**
 * Kafka's `LogLoader`: opens the segments of one partition log at startup and recovers every
 * segment at or after the recovery point. Each batch is CRC-checked, the first torn or corrupt
 * batch and everything after it is removed, and indexes are rebuilt; the leader epoch cache is
 * rebuilt from the batches when its checkpoint is missing or malformed.
 *
 * The seam is Kafka's (KAFKA-12553 moved recovery out of `Log` into `LogLoader`): loading runs
 * once, before the log serves anything, and needs none of the running log's state. It fills the
 * segment list that `LocalLog` then owns and returns the offsets `UnifiedLog` starts from.
 */
export class LogLoader {
  constructor(
    private readonly disk: NodeDisk,
    private readonly clock: Clock,
    private readonly dir: string,
    private readonly config: LogConfig,
    private readonly params: LogLoadParams,
    /** Empty on entry; the loaded segments, oldest first, on return (Kafka's `segments` parameter). */
    private readonly segments: LogSegment[],
    private readonly leaderEpochCache: LeaderEpochFileCache,
    private readonly emit: (event: LogEvent) => void,
  ) {}

  load(): LoadedLogOffsets {
    const params = this.params;
    const nowMs = this.clock.nowMs();
    const prefix = `${this.dir}/`;
    const files = this.disk.list(prefix).filter((path) => !path.slice(prefix.length).includes('/'));
    // Leftovers of an interrupted delete or clean, and index files whose segment is gone.
    const logBases = new Set<number>();
    for (const path of files) {
      const name = path.slice(prefix.length);
      if (name.endsWith(DELETED_FILE_SUFFIX) || name.endsWith(CLEANED_FILE_SUFFIX) || name.endsWith('.tmp')) {
        this.disk.delete(path);
        continue;
      }
      const base = segmentBaseOf(name, LOG_FILE_SUFFIX);
      if (base !== undefined) logBases.add(base);
    }
    for (const path of files) {
      const name = path.slice(prefix.length);
      const base = segmentBaseOf(name, INDEX_FILE_SUFFIX) ?? segmentBaseOf(name, TIME_INDEX_FILE_SUFFIX);
      if (base !== undefined && !logBases.has(base) && this.disk.exists(path)) this.disk.delete(path);
    }
    const bases = [...logBases].sort((a, b) => a - b);
    const epochProblem = this.leaderEpochCache.load();
    const rebuildEpochs = epochProblem !== undefined && bases.length > 0;
    if (rebuildEpochs) {
      this.emit({ type: 'epoch-cache-rebuilt', reason: `leader-epoch-checkpoint ${epochProblem}` });
    }
    const { segmentsRecovered, bytesTruncated } = this.loadSegmentFiles(bases, rebuildEpochs, nowMs);
    // Empty segments other than the last are dropped: a closed segment is never empty.
    while (this.segments.length > 1 && (this.segments[0] as LogSegment).isEmpty) (this.segments.shift() as LogSegment).deleteFiles();
    for (let index = this.segments.length - 2; index >= 1; index--) {
      const segment = this.segments[index] as LogSegment;
      if (segment.isEmpty) {
        segment.deleteFiles();
        this.segments.splice(index, 1);
      }
    }
    const startAt = Math.max(params.logStartOffset, this.segments[0]?.baseOffset ?? params.logStartOffset);
    if (this.segments.length === 0) {
      this.segments.push(LogSegment.create(this.disk, this.dir, params.logStartOffset, this.config.indexIntervalBytes, this.config.segmentIndexBytes, nowMs));
    }
    const logEnd = (this.segments.at(-1) as LogSegment).readNextOffset;
    const logStartOffset = Math.min(startAt, logEnd);
    this.leaderEpochCache.truncateFromEnd(logEnd);
    this.leaderEpochCache.truncateFromStart(logStartOffset);
    return {
      logStartOffset,
      recoveryPoint: logEnd,
      summary: { segments: this.segments.length, segmentsRecovered, bytesTruncated, logEndOffset: logEnd },
    };
  }

  /**
   * Kafka's `loadSegmentFiles` with its `recoverSegment`: opens the segments at `bases` in order,
   * trusting those wholly below the recovery point (or all, after a clean shutdown) and recovering
   * the rest. A segment cut by recovery ends the log: the segments after it are deleted.
   */
  private loadSegmentFiles(bases: readonly number[], rebuildEpochs: boolean, nowMs: number): { segmentsRecovered: number; bytesTruncated: number } {
    const params = this.params;
    const recoveryPoint = params.hadCleanShutdown ? Number.POSITIVE_INFINITY : params.recoveryPoint;
    let segmentsRecovered = 0;
    let bytesTruncated = 0;
    assert(this.segments.length === 0, `${this.dir}: segments are loaded once`);
    for (const [index, base] of bases.entries()) {
      const nextBase = bases[index + 1];
      const below = nextBase !== undefined && nextBase <= recoveryPoint;
      const { indexIntervalBytes, segmentIndexBytes } = this.config;
      const bounds = { upperBound: nextBase ?? Number.POSITIVE_INFINITY, dense: !this.config.cleanupPolicy.compact };
      let segment: LogSegment;
      if (below || params.hadCleanShutdown) {
        // Trusted data: load the indexes and scan headers; recover only if something is off.
        const opened = LogSegment.open(this.disk, this.dir, base, indexIntervalBytes, segmentIndexBytes, nowMs, bounds);
        segment = opened.segment;
        if (opened.needsRecovery === undefined) {
          if (rebuildEpochs) for (const batch of opened.batches) this.assignEpochFromBatch(batch.partitionLeaderEpoch, batch.baseOffset);
          this.segments.push(segment);
          continue;
        }
        this.emit({ type: 'index-rebuilt', segmentBaseOffset: base, reason: opened.needsRecovery });
      } else {
        segment = LogSegment.openForRecovery(this.disk, this.dir, base, indexIntervalBytes, segmentIndexBytes, nowMs);
      }
      const previousEnd = this.segments.at(-1)?.readNextOffset ?? 0;
      const recovered = segment.recover(this.config.maxMessageBytes, (batch) => {
        this.assignEpochFromBatch(batch.partitionLeaderEpoch, batch.baseOffset);
      }, bounds);
      segmentsRecovered++;
      // What recovery kept may still sit only in the page cache (after a kill -9): it is fsynced
      // now, so that the recovery point can move to the log end honestly.
      segment.flush();
      if (recovered.truncatedBytes > 0) {
        bytesTruncated += recovered.truncatedBytes;
        this.emit({ type: 'recovery-truncated', segmentBaseOffset: base, bytes: recovered.truncatedBytes, reason: recovered.stoppedBecause ?? 'tail' });
      }
      assert(segment.baseOffset >= previousEnd, `${this.dir}: segment ${base} overlaps the previous segment ending at ${previousEnd}`);
      this.segments.push(segment);
      if (recovered.truncatedBytes > 0) {
        // Everything after a truncated segment is unreachable: the log must stay contiguous.
        for (const later of bases.slice(index + 1)) {
          const dropped = LogSegment.openForRecovery(this.disk, this.dir, later, this.config.indexIntervalBytes, this.config.segmentIndexBytes, nowMs);
          bytesTruncated += dropped.sizeInBytes;
          this.emit({ type: 'recovery-truncated', segmentBaseOffset: later, bytes: dropped.sizeInBytes, reason: `after the truncated segment ${base}` });
          dropped.deleteFiles();
        }
        break;
      }
    }
    return { segmentsRecovered, bytesTruncated };
  }

  private assignEpochFromBatch(epoch: number, baseOffset: number): void {
    if (epoch < 0) return;
    const latest = this.leaderEpochCache.latestEpoch;
    if (latest === undefined || epoch > latest) this.leaderEpochCache.assign(epoch, baseOffset);
  }
}

function segmentBaseOf(name: string, suffix: string): number | undefined {
  if (!name.endsWith(suffix)) return undefined;
  const digits = name.slice(0, -suffix.length);
  if (!/^\d{20}$/.test(digits)) return undefined;
  const base = Number(digits);
  return Number.isSafeInteger(base) ? base : undefined;
}

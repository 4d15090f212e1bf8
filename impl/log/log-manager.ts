import { assert } from '../common/assert.ts';
import type { Clock, NodeDisk } from '../env/node-environment.ts';
import { CheckpointFile, OFFSET_CHECKPOINT_FORMAT, topicPartitionName, type TopicPartition } from './checkpoint-file.ts';
import { KAFKA_RULES, type ProtocolRules } from '../variants/protocol-rules.ts';
import type { LogConfig } from './log-config.ts';
import { readAndDeleteCleanShutdownFile, writeCleanShutdownFile } from './clean-shutdown-file.ts';
import type { LogLoadSummary } from './log-loader.ts';
import { UnifiedLog } from './unified-log.ts';

export const RECOVERY_POINT_CHECKPOINT_FILENAME = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT_FILENAME = 'log-start-offset-checkpoint';
export const HIGH_WATERMARK_CHECKPOINT_FILENAME = 'replication-offset-checkpoint';
export { CLEAN_SHUTDOWN_FILENAME } from './clean-shutdown-file.ts';

/** Kafka's topic name rule: 1..249 of `[a-zA-Z0-9._-]`, not `.` or `..`. */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** Parses a partition directory name `<topic>-<partition>`; undefined when it is not one. */
export function parseTopicPartitionDir(name: string): TopicPartition | undefined {
  const dash = name.lastIndexOf('-');
  if (dash <= 0) return undefined;
  const topic = name.slice(0, dash);
  const digits = name.slice(dash + 1);
  if (!/^(0|[1-9]\d{0,9})$/.test(digits) || !TOPIC_NAME.test(topic) || topic === '.' || topic === '..') return undefined;
  const partition = Number(digits);
  return partition <= 0x7fff_ffff ? { topic, partition } : undefined;
}

/** What loading the log directory found. */
export interface LogDirLoad {
  readonly hadCleanShutdown: boolean;
  /** KIP-966: the broker epoch the clean-shutdown marker names, or -1 (no marker: unclean). */
  readonly previousBrokerEpoch: number;
  readonly logs: ReadonlyMap<string, LogLoadSummary>;
  /** High watermarks from `replication-offset-checkpoint`, by `topic-partition`. */
  readonly highWatermarks: ReadonlyMap<string, number>;
}

/**
 * Kafka's `LogManager` for one log directory: loads every partition log at startup with the
 * recovery points, log start offsets and clean-shutdown marker it checkpointed, and writes those
 * checkpoints (plus the partitions' high watermarks, which `ReplicaManager` hands it) back.
 * Checkpoints are written when the broker asks, as Kafka's periodic tasks do; a stale recovery
 * point only means more recovery, never less.
 */
export class LogManager {
  private readonly logs = new Map<string, { tp: TopicPartition; log: UnifiedLog }>();
  private readonly recoveryPoints: CheckpointFile<{ tp: TopicPartition; offset: number }>;
  private readonly logStartOffsets: CheckpointFile<{ tp: TopicPartition; offset: number }>;
  private readonly highWatermarks: CheckpointFile<{ tp: TopicPartition; offset: number }>;

  constructor(
    private readonly disk: NodeDisk,
    private readonly clock: Clock,
    readonly root: string,
    private readonly rules: Pick<ProtocolRules, 'cleanShutdownMarkerDeletedOnStart'> = KAFKA_RULES,
  ) {
    this.recoveryPoints = new CheckpointFile(disk, `${root}/${RECOVERY_POINT_CHECKPOINT_FILENAME}`, OFFSET_CHECKPOINT_FORMAT);
    this.logStartOffsets = new CheckpointFile(disk, `${root}/${LOG_START_OFFSET_CHECKPOINT_FILENAME}`, OFFSET_CHECKPOINT_FORMAT);
    this.highWatermarks = new CheckpointFile(disk, `${root}/${HIGH_WATERMARK_CHECKPOINT_FILENAME}`, OFFSET_CHECKPOINT_FORMAT);
  }

  /**
   * Loads every partition directory under the root. A malformed checkpoint is treated as missing
   * (offset 0: recover everything), which costs time but never data.
   */
  loadLogs(configFor: (tp: TopicPartition) => LogConfig): LogDirLoad {
    assert(this.logs.size === 0, 'loadLogs runs once, at startup');
    // Deleted at once, as Kafka's LogLoader does: a crash from here on must be recovered from.
    const marker = readAndDeleteCleanShutdownFile(this.disk, this.root, this.rules.cleanShutdownMarkerDeletedOnStart);
    const hadCleanShutdown = marker.exists;
    const recovery = offsetsOf(this.recoveryPoints);
    const starts = offsetsOf(this.logStartOffsets);
    const summaries = new Map<string, LogLoadSummary>();
    for (const name of this.partitionDirs()) {
      const tp = parseTopicPartitionDir(name);
      if (tp === undefined) continue;
      const key = topicPartitionName(tp);
      const { log, summary } = UnifiedLog.load(this.disk, this.clock, `${this.root}/${name}`, configFor(tp), {
        recoveryPoint: recovery.get(key) ?? 0,
        logStartOffset: starts.get(key) ?? 0,
        hadCleanShutdown,
      });
      this.logs.set(key, { tp, log });
      summaries.set(key, summary);
    }
    return { hadCleanShutdown, previousBrokerEpoch: marker.brokerEpoch, logs: summaries, highWatermarks: offsetsOf(this.highWatermarks) };
  }

  private partitionDirs(): string[] {
    const prefix = `${this.root}/`;
    const dirs = new Set<string>();
    for (const path of this.disk.list(prefix)) {
      const rest = path.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash > 0) dirs.add(rest.slice(0, slash));
    }
    return [...dirs].sort();
  }

  getLog(tp: TopicPartition): UnifiedLog | undefined {
    return this.logs.get(topicPartitionName(tp))?.log;
  }

  /**
   * The log in directory `name` (`topic-partition`, as `topicPartitionName` spells it), for
   * checkers that read every replica after most events: no name is parsed and built again.
   */
  logNamed(name: string): UnifiedLog | undefined {
    const found = this.logs.get(name);
    if (found !== undefined) return found.log;
    // A name spelled otherwise (`t-01`) still names its partition's log, as `getLog` reads it.
    const tp = parseTopicPartitionDir(name);
    return tp === undefined ? undefined : this.getLog(tp);
  }

  getOrCreateLog(tp: TopicPartition, config: LogConfig): UnifiedLog {
    const key = topicPartitionName(tp);
    const existing = this.logs.get(key);
    if (existing !== undefined) return existing.log;
    assert(parseTopicPartitionDir(key) !== undefined, `not a valid topic partition: ${key}`);
    const { log } = UnifiedLog.load(this.disk, this.clock, `${this.root}/${key}`, config, { recoveryPoint: 0, logStartOffset: 0, hadCleanShutdown: false });
    this.logs.set(key, { tp, log });
    return log;
  }

  /** Every log, in topic-partition name order. */
  allLogs(): { tp: TopicPartition; log: UnifiedLog }[] {
    return [...this.logs.keys()].sort().map((key) => this.logs.get(key) as { tp: TopicPartition; log: UnifiedLog });
  }

  checkpointRecoveryPointsAndLogStartOffsets(): void {
    const all = this.allLogs();
    this.recoveryPoints.write(all.map(({ tp, log }) => ({ tp, offset: log.recoveryPoint })));
    this.logStartOffsets.write(all.map(({ tp, log }) => ({ tp, offset: log.logStartOffset })));
  }

  /** Deletes the recovery-point checkpoint, so that the next load recovers every segment. */
  forgetRecoveryPoints(): void {
    const path = `${this.root}/${RECOVERY_POINT_CHECKPOINT_FILENAME}`;
    try {
      if (this.disk.exists(path)) this.disk.delete(path);
    } catch {
      // The directory is failing already; the next start finds out what is left.
    }
  }

  /** `ReplicaManager.checkpointHighWatermarks`: the partitions' high watermarks, by name order. */
  checkpointHighWatermarks(highWatermarks: ReadonlyMap<string, number>): void {
    const entries = [...highWatermarks.keys()].sort().map((key) => {
      const tp = this.logs.get(key)?.tp ?? parseTopicPartitionDir(key);
      assert(tp !== undefined, `high watermark for an unknown partition ${key}`);
      return { tp, offset: highWatermarks.get(key) as number };
    });
    this.highWatermarks.write(entries);
  }

  /**
   * Flushes every log, writes the checkpoints and the clean-shutdown marker with the broker's
   * epoch (a controlled shutdown; -1 when the caller has none).
   */
  shutdown(highWatermarks: ReadonlyMap<string, number>, brokerEpoch = -1): void {
    for (const { log } of this.allLogs()) log.close();
    this.checkpointRecoveryPointsAndLogStartOffsets();
    this.checkpointHighWatermarks(highWatermarks);
    writeCleanShutdownFile(this.disk, this.root, brokerEpoch);
  }
}

function offsetsOf(file: CheckpointFile<{ tp: TopicPartition; offset: number }>): Map<string, number> {
  const read = file.read();
  const offsets = new Map<string, number>();
  if (read.type !== 'ok') return offsets;
  for (const { tp, offset } of read.entries) offsets.set(topicPartitionName(tp), offset);
  return offsets;
}

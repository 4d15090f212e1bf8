import { DiskError, type NodeDisk } from '../env/node-environment.ts';

/**
 * Kafka's checkpoint file format (`CheckpointFile`): a version line, a count line, then one entry
 * per line. It is written the way Kafka writes it: to `<name>.tmp`, fsynced, then renamed over the
 * old file, so a crash or power loss leaves either the old or the new checkpoint, never a mix.
 */
export const CHECKPOINT_VERSION = 0;

export type CheckpointRead<T> =
  | { readonly type: 'missing' }
  | { readonly type: 'ok'; readonly entries: readonly T[] }
  /** Kafka fails the log directory on a malformed checkpoint; refka's callers decide per file. */
  | { readonly type: 'malformed'; readonly reason: string };

export interface CheckpointFormat<T> {
  format(entry: T): string;
  /** The entry a line holds, or undefined if the line is malformed. */
  parse(line: string): T | undefined;
}

export class CheckpointFile<T> {
  constructor(
    private readonly disk: NodeDisk,
    readonly path: string,
    private readonly entryFormat: CheckpointFormat<T>,
  ) {}

  write(entries: readonly T[]): void {
    const lines = [String(CHECKPOINT_VERSION), String(entries.length), ...entries.map((entry) => this.entryFormat.format(entry))];
    const bytes = new TextEncoder().encode(`${lines.join('\n')}\n`);
    const temporary = `${this.path}.tmp`;
    if (this.disk.exists(temporary)) this.disk.delete(temporary);
    this.disk.write(temporary, 0, bytes);
    this.disk.fsync(temporary);
    this.disk.rename(temporary, this.path);
  }

  read(): CheckpointRead<T> {
    if (!this.disk.exists(this.path)) return { type: 'missing' };
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(this.disk.read(this.path, 0, this.disk.size(this.path)));
    } catch (error) {
      if (error instanceof DiskError) throw error;
      return { type: 'malformed', reason: 'not UTF-8' };
    }
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    if (lines[0] !== String(CHECKPOINT_VERSION)) return { type: 'malformed', reason: `version line ${JSON.stringify(lines[0] ?? '')}` };
    const count = Number(lines[1]);
    if (!/^\d+$/.test(lines[1] ?? '') || !Number.isSafeInteger(count)) return { type: 'malformed', reason: `count line ${JSON.stringify(lines[1] ?? '')}` };
    if (lines.length !== count + 2) return { type: 'malformed', reason: `expected ${count} entries, found ${lines.length - 2}` };
    const entries: T[] = [];
    for (const line of lines.slice(2)) {
      const entry = this.entryFormat.parse(line);
      if (entry === undefined) return { type: 'malformed', reason: `malformed line ${JSON.stringify(line)}` };
      entries.push(entry);
    }
    return { type: 'ok', entries };
  }
}

const NON_NEGATIVE = /^(0|[1-9]\d*)$/;

export function parseNonNegative(text: string | undefined): number | undefined {
  if (text === undefined || !NON_NEGATIVE.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** A topic partition, as checkpoint files and directory names spell it. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export function topicPartitionName(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

/**
 * `recovery-point-offset-checkpoint`, `replication-offset-checkpoint` (high watermarks) and
 * `log-start-offset-checkpoint`: one per log directory, a line `topic partition offset` each.
 */
export const OFFSET_CHECKPOINT_FORMAT: CheckpointFormat<{ readonly tp: TopicPartition; readonly offset: number }> = {
  format: ({ tp, offset }) => `${tp.topic} ${tp.partition} ${offset}`,
  parse(line) {
    const parts = line.split(' ');
    if (parts.length !== 3) return undefined;
    const partition = parseNonNegative(parts[1]);
    const offset = parseNonNegative(parts[2]);
    const topic = parts[0] ?? '';
    if (topic === '' || partition === undefined || offset === undefined) return undefined;
    return { tp: { topic, partition }, offset };
  },
};

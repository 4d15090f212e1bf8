import { assert } from '../common/assert.ts';
import type { NodeDisk } from '../env/node-environment.ts';
import { CheckpointFile, parseNonNegative, type CheckpointFormat } from './checkpoint-file.ts';

/** Kafka's `UNDEFINED_EPOCH` and `UNDEFINED_EPOCH_OFFSET`. */
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export const LEADER_EPOCH_CHECKPOINT_FILENAME = 'leader-epoch-checkpoint';

export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: number;
}

export interface EpochEndOffset {
  readonly epoch: number;
  readonly endOffset: number;
}

const EPOCH_ENTRY_FORMAT: CheckpointFormat<EpochEntry> = {
  format: (entry) => `${entry.epoch} ${entry.startOffset}`,
  parse(line) {
    const [epochText, offsetText, ...rest] = line.split(' ');
    const epoch = parseNonNegative(epochText);
    const startOffset = parseNonNegative(offsetText);
    if (rest.length > 0 || epoch === undefined || startOffset === undefined) return undefined;
    return { epoch, startOffset };
  },
};

/**
 * Kafka's `LeaderEpochFileCache` (KIP-101, KIP-279): for each leader epoch the log has seen, the
 * first offset written in it. Followers ask a leader `OffsetsForLeaderEpoch` with it to find where
 * their log diverges, instead of truncating to their high watermark. Both epochs and start offsets
 * strictly increase; every change is written to the `leader-epoch-checkpoint` file at once.
 */
export class LeaderEpochFileCache {
  private entries: EpochEntry[] = [];
  private readonly checkpoint: CheckpointFile<EpochEntry>;

  constructor(disk: NodeDisk, dir: string) {
    this.checkpoint = new CheckpointFile(disk, `${dir}/${LEADER_EPOCH_CHECKPOINT_FILENAME}`, EPOCH_ENTRY_FORMAT);
  }

  /**
   * Loads the checkpoint. A missing or malformed one leaves the cache empty and returns why; the
   * log then rebuilds it from the batches it recovers (each batch carries its leader epoch).
   */
  load(): string | undefined {
    const read = this.checkpoint.read();
    switch (read.type) {
      case 'missing':
        this.entries = [];
        return 'missing';
      case 'malformed':
        this.entries = [];
        return read.reason;
      case 'ok':
        for (const [index, entry] of read.entries.entries()) {
          const previous = read.entries[index - 1];
          if (previous !== undefined && (entry.epoch <= previous.epoch || entry.startOffset <= previous.startOffset)) {
            this.entries = [];
            return `entry ${index} (${entry.epoch} ${entry.startOffset}) does not increase`;
          }
        }
        this.entries = [...read.entries];
        return undefined;
    }
  }

  get all(): readonly EpochEntry[] {
    return this.entries;
  }

  get latestEpoch(): number | undefined {
    return this.entries.at(-1)?.epoch;
  }

  get latestEntry(): EpochEntry | undefined {
    return this.entries.at(-1);
  }

  /**
   * Records that `epoch` starts at `startOffset`. Entries that would break monotonicity (an epoch
   * or start offset at or above the new one) are removed first, as Kafka's `assign` does; the
   * same epoch again with a later offset is ignored.
   */
  assign(epoch: number, startOffset: number): void {
    assert(Number.isInteger(epoch) && epoch >= 0, `leader epoch must be a non-negative integer, got ${epoch}`);
    assert(Number.isSafeInteger(startOffset) && startOffset >= 0, `epoch start offset must be a non-negative integer, got ${startOffset}`);
    const latest = this.entries.at(-1);
    if (latest !== undefined && latest.epoch === epoch && startOffset >= latest.startOffset) return;
    this.entries = this.entries.filter((entry) => entry.epoch < epoch && entry.startOffset < startOffset);
    this.entries.push({ epoch, startOffset });
    this.flush();
  }

  /**
   * Kafka's `endOffsetFor` (KIP-279): the largest epoch at or below `requestedEpoch`, and the
   * offset where it ends: the start of the next epoch, or the log end for the latest epoch.
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset {
    if (requestedEpoch === UNDEFINED_EPOCH) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (this.latestEpoch === requestedEpoch) return { epoch: requestedEpoch, endOffset: logEndOffset };
    const subsequent = this.entries.find((entry) => entry.epoch > requestedEpoch);
    if (subsequent === undefined) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    const previous = this.entries.filter((entry) => entry.epoch <= requestedEpoch).at(-1);
    if (previous === undefined) return { epoch: requestedEpoch, endOffset: subsequent.startOffset };
    return { epoch: previous.epoch, endOffset: subsequent.startOffset };
  }

  /** The epoch of the batch holding `offset`, as far as the cache knows. */
  epochForOffset(offset: number): number | undefined {
    let found: number | undefined;
    for (const entry of this.entries) {
      if (entry.startOffset > offset) break;
      found = entry.epoch;
    }
    return found;
  }

  /** After the log is truncated to `endOffset`: epochs that start at or after it are gone. */
  truncateFromEnd(endOffset: number): void {
    const latest = this.entries.at(-1);
    if (endOffset < 0 || latest === undefined || latest.startOffset < endOffset) return;
    this.entries = this.entries.filter((entry) => entry.startOffset < endOffset);
    this.flush();
  }

  /**
   * After the log start moves to `startOffset` (retention or truncateFullyAndStartAt): the epoch
   * holding it now starts there, and earlier epochs are gone (Kafka's `truncateFromStart`).
   */
  truncateFromStart(startOffset: number): void {
    const first = this.entries[0];
    if (first === undefined || first.startOffset >= startOffset) return;
    const holding = this.entries.filter((entry) => entry.startOffset <= startOffset).at(-1);
    assert(holding !== undefined, 'an entry at or below the start offset exists');
    this.entries = [{ epoch: holding.epoch, startOffset }, ...this.entries.filter((entry) => entry.startOffset > startOffset)];
    this.flush();
  }

  clearAndFlush(): void {
    this.entries = [];
    this.flush();
  }

  private flush(): void {
    this.checkpoint.write(this.entries);
  }
}

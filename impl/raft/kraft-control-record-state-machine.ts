import { assert } from '../common/assert.ts';
import type { KafkaMetadataLog, VotersRecordEntry } from './kafka-metadata-log.ts';
import { VoterSet } from './voter-set.ts';

/**
 * Kafka's `KRaftControlRecordStateMachine` (KIP-853): the voter set of the metadata partition as
 * the local log holds it, and its history by offset (`VoterSetHistory`), so that a truncation
 * takes back the voter changes it removes. A replica applies a VotersRecord as soon as it is
 * appended, not when it commits (KIP-853 §"Leader election"), as Kafka does.
 *
 * With kraft.version 0 (KIP-595's static `controller.quorum.voters`) the voter set is the static
 * ids, without directory ids, and never changes. With kraft.version 1 it starts from a base: the
 * latest snapshot's voters (at the snapshot's end offset - 1), or, with no snapshot, the bootstrap
 * voters the directory was formatted with (`--initial-controllers`, at offset -1); then every
 * VotersRecord in the log after the base. A directory formatted with `--no-initial-controllers`
 * (a replaced disk) has no base until it fetches the leader's log or snapshot: its voter set is
 * empty, so it is an observer.
 *
 * The client calls {@link updateState} after every append, {@link truncateNewEntries} after every
 * truncation of the log's end and {@link loadSnapshot} whenever the log start moves to a snapshot.
 */
export class KRaftControlRecordStateMachine {
  private base: VotersRecordEntry | undefined;
  private readonly history: VotersRecordEntry[] = [];
  /** The next log offset to read VotersRecords from. */
  private nextOffset: number;

  constructor(
    private readonly log: KafkaMetadataLog,
    readonly kraftVersion: 0 | 1,
    private readonly staticVoters: VoterSet,
    bootstrapVoters: VoterSet | undefined,
  ) {
    assert(kraftVersion === 1 || bootstrapVoters === undefined, 'bootstrap voters need kraft.version 1');
    const latest = log.latestSnapshotId();
    const snapshotVoters = latest === undefined ? undefined : log.readSnapshotVoters(latest);
    if (kraftVersion === 1 && latest !== undefined) assert(snapshotVoters !== undefined, 'a kraft.version 1 snapshot holds its voters');
    this.base = latest !== undefined && snapshotVoters !== undefined ? { offset: latest.offset - 1, voters: snapshotVoters } : bootstrapVoters === undefined ? undefined : { offset: -1, voters: bootstrapVoters };
    this.nextOffset = Math.max(log.startOffset(), latest?.offset ?? 0);
    this.updateState();
  }

  /** Kafka's `lastVoterSet`: the voters after the last VotersRecord appended (empty for a replica that knows none). */
  lastVoterSet(): VoterSet {
    if (this.kraftVersion === 0) return this.staticVoters;
    return this.history.at(-1)?.voters ?? this.base?.voters ?? EMPTY_VOTER_SET;
  }

  /**
   * Kafka's `lastVoterSetOffset`: where the voter set in force was written; -1 for the bootstrap
   * voters, which no log record holds yet; undefined when there is none (kraft.version 0, or a
   * replica that has not learned the voters).
   */
  lastVoterSetOffset(): number | undefined {
    if (this.kraftVersion === 0) return undefined;
    return this.history.at(-1)?.offset ?? this.base?.offset;
  }

  /** The voters in force at `offset` (the last VotersRecord at or below it): what a snapshot ending after `offset` holds. */
  voterSetAtOffset(offset: number): VoterSet {
    if (this.kraftVersion === 0) return this.staticVoters;
    let found = this.base !== undefined && this.base.offset <= offset ? this.base.voters : undefined;
    for (const entry of this.history) if (entry.offset <= offset) found = entry.voters;
    assert(found !== undefined, `no voter set known at offset ${offset}`);
    return found;
  }

  /** Reads the VotersRecords appended since the last call (Kafka's `updateState`). */
  updateState(): void {
    if (this.kraftVersion === 0) return;
    const end = this.log.endOffset();
    assert(end >= this.nextOffset, `the log ends at ${end}, before ${this.nextOffset}: a truncation was not reported`);
    if (end === this.nextOffset) return;
    for (const entry of this.log.readVotersRecords(this.nextOffset, end)) {
      assert(this.history.length === 0 || (this.history.at(-1) as VotersRecordEntry).offset < entry.offset, 'VotersRecords come in offset order');
      this.history.push(entry);
    }
    this.nextOffset = end;
  }

  /** Kafka's `truncateNewEntries`: the log was truncated to `endOffset`; voter changes at or past it are undone. */
  truncateNewEntries(endOffset: number): void {
    if (this.kraftVersion === 0) return;
    while (this.history.length > 0 && (this.history.at(-1) as VotersRecordEntry).offset >= endOffset) this.history.pop();
    this.nextOffset = Math.min(this.nextOffset, endOffset);
  }

  /**
   * The log now starts at its latest snapshot (a snapshot fetched from the leader, or one this
   * replica wrote): the snapshot's voters become the base, and VotersRecords below it are dropped
   * (Kafka's `truncateOldEntries` and `maybeLoadSnapshot`).
   */
  loadSnapshot(): void {
    if (this.kraftVersion === 0) return;
    const latest = this.log.latestSnapshotId();
    assert(latest !== undefined, 'a snapshot to load');
    const voters = this.log.readSnapshotVoters(latest);
    assert(voters !== undefined, 'a kraft.version 1 snapshot holds its voters');
    // A log emptied to the snapshot (a follower that fetched it) took its VotersRecords with it.
    this.truncateNewEntries(this.log.endOffset());
    this.base = { offset: latest.offset - 1, voters };
    while (this.history.length > 0 && (this.history[0] as VotersRecordEntry).offset < latest.offset) this.history.shift();
    this.nextOffset = Math.max(this.nextOffset, this.log.startOffset());
    this.updateState();
  }
}

const EMPTY_VOTER_SET = new VoterSet([]);

import { assert } from '../../../impl/common/assert.ts';
import type { HistoryIndexDefinition, HistoryIndexer } from '../../../sim/invariants/invariant.ts';
import type { HistoryEntry } from '../../../sim/run/history.ts';
import { AckedSends, type AckedList } from '../history/acked-sends.ts';
import { OffsetTable } from '../history/offset-table.ts';
import { ValueCodec, ValueTable } from '../history/record-values.ts';

/**
 * What the group delivery claims over the history (`group-lost-write`, `group-poll-skip`;
 * spec/invariants.md, "Group delivery") read of the workload's
 * history, kept as the run goes (issue 12: no run stores its history). Group members record their
 * polls under their own process, `assign`/`revoke` and `seek` operations there too, and each
 * OffsetCommit on the wire as a process `<consumer>:commit:<correlation id>`
 * (impl/client/group-membership.ts). A consumer belongs to the group its `assign`, `revoke` or
 * `commit` operations name; the polls of consumers of no group (manual assignment) only tell
 * which offsets hold records.
 *
 * A commit is accepted where the coordinator answered it: an `ok` commit for every partition it
 * names, an `info` with `errors` for the partitions not among them (a `fail` for none, and an
 * `info` that lost its answer on the wire is unknown and judged by no claim). The index keeps per
 * group and partition the first value and the history index at which the group's polls first
 * returned each offset, the accepted commits, and the resets (a `seek` that is not to a committed
 * offset, i.e. `auto.offset.reset`); per partition, the values known to sit at each offset
 * (read by anyone, acknowledged); and the acknowledged sends.
 */

/** A commit the coordinator accepted for one partition. */
export interface AcceptedCommit {
  readonly consumer: string;
  readonly memberId: string;
  readonly generationId: number;
  readonly offset: number;
  /** The history index of the commit's invoke: it was sent after everything before it. */
  readonly invokedAt: number;
  /** When it was answered. */
  readonly atMs: number;
}

/** What one group did with one partition. */
export class GroupPartition {
  /** offset -> the history index of the first poll of the group that returned it. */
  readonly firstReadAt = new OffsetTable<number>();
  /** offset -> the first value the group read there. */
  readonly values: ValueTable;
  /** offset -> further distinct values the group read there (rare: a lost write). */
  readonly otherValues = new Map<number, string[]>();
  /** Accepted commits, in the order they were answered. */
  readonly commits: AcceptedCommit[] = [];
  /** Resets (`auto.offset.reset`): the offset and the history index of each. */
  readonly resets: { readonly offset: number; readonly at: number }[] = [];

  constructor(readonly topic: string, codec: ValueCodec) {
    this.values = new ValueTable(codec);
  }

  /** Whether the group read `value` at `offset`. */
  read(offset: number, value: string): boolean {
    return this.values.holds(offset, value) === true || (this.otherValues.get(offset)?.includes(value) ?? false);
  }
}

/**
 * Per partition: the topic, and the values known to sit at each offset: the first any consumer
 * read there (a read is below the high watermark, so the record was committed) and the first
 * acknowledged there (committed too only with acks=all: an acks=1 write may be truncated before
 * it is, and the offset then holds another record).
 */
export class KnownRecords {
  readonly read: ValueTable;
  readonly acknowledged: ValueTable;
  highest = -1;

  constructor(readonly topic: string, codec: ValueCodec) {
    this.read = new ValueTable(codec);
    this.acknowledged = new ValueTable(codec);
  }
}

export interface GroupHistory {
  /** Group id -> partition -> what the group did with it. */
  readonly groups: ReadonlyMap<string, ReadonlyMap<number, GroupPartition>>;
  /** Acknowledged sends, in the order they were acknowledged. */
  readonly acked: AckedList;
  readonly known: ReadonlyMap<number, KnownRecords>;
}

interface CommitValue {
  readonly consumer: string;
  readonly groupId: string;
  readonly memberId: string;
  readonly generationId: number;
  readonly offsets: readonly { readonly topic: string; readonly partition: number; readonly offset: number }[];
  readonly errors?: readonly { readonly topic: string; readonly partition: number }[];
}


/** A history index larger than this means the workload is unbounded, a bug. */
const MAX_ITEMS = 1_000_000;

class GroupHistoryIndexer implements HistoryIndexer<GroupHistory> {
  private readonly groupOf = new Map<string, string>();
  private readonly groups = new Map<string, Map<number, GroupPartition>>();
  private readonly acked = new AckedSends();
  private readonly known = new Map<number, KnownRecords>();
  /** Every value this index keeps is numbered by this codec (see `record-values.ts`). */
  private readonly codec = new ValueCodec();
  /** Open sends: process -> the history index of the invoke. */
  private readonly openSends = new Map<string, number>();
  /** Open commits: process -> the history index of the invoke. */
  private readonly openCommits = new Map<string, number>();
  private finished: GroupHistory | undefined;

  observe(entry: HistoryEntry): void {
    assert(this.finished === undefined, 'a finished history index reads no more entries');
    if (entry.f === 'send') return this.send(entry);
    if (entry.f === 'commit') return this.commit(entry);
    if (entry.type !== 'ok') return;
    if (entry.f === 'poll') return this.poll(entry);
    if (entry.f === 'assign' || entry.f === 'revoke') {
      const value = entry.value as { consumer: string; groupId: string };
      this.groupOf.set(value.consumer, value.groupId);
    } else if (entry.f === 'seek') {
      const seek = entry.value as { consumer: string; topic: string; partition: number; offset: number; committed?: true };
      const groupId = this.groupOf.get(seek.consumer);
      if (groupId !== undefined && seek.committed !== true) this.partitionOf(groupId, seek.topic, seek.partition).resets.push({ offset: seek.offset, at: entry.index });
    }
  }

  private send(entry: HistoryEntry): void {
    if (entry.type === 'invoke') {
      this.openSends.set(entry.process, entry.index);
      return;
    }
    const invokedAt = this.openSends.get(entry.process);
    if (invokedAt === undefined) return;
    this.openSends.delete(entry.process);
    if (entry.type !== 'ok') return;
    const value = entry.value as { topic: string; key?: string; producer: string; seq: number; value: string; partition?: number; offset?: number };
    if (value.partition === undefined || value.offset === undefined || value.offset < 0) return;
    this.acked.push({ topic: value.topic, key: value.key, producer: value.producer, seq: value.seq, value: value.value, partition: value.partition, offset: value.offset, atMs: entry.atMs, invokedAt });
    this.knownAt(value.topic, value.partition, value.offset, value.value, 'acknowledged');
  }

  private poll(entry: HistoryEntry): void {
    const poll = entry.value as { consumer: string; records?: readonly { topic: string; partition: number; offset: number; value: string }[] };
    const groupId = this.groupOf.get(poll.consumer);
    for (const record of poll.records ?? []) {
      this.knownAt(record.topic, record.partition, record.offset, record.value, 'read');
      if (groupId === undefined) continue;
      const reads = this.partitionOf(groupId, record.topic, record.partition);
      const holds = reads.values.holds(record.offset, record.value);
      if (holds === undefined) {
        reads.values.set(record.offset, record.value);
        reads.firstReadAt.set(record.offset, entry.index);
      } else if (!holds) {
        const others = reads.otherValues.get(record.offset) ?? [];
        if (!others.includes(record.value)) others.push(record.value);
        reads.otherValues.set(record.offset, others);
      }
    }
  }

  private commit(entry: HistoryEntry): void {
    const value = entry.value as CommitValue;
    this.groupOf.set(value.consumer, value.groupId);
    if (entry.type === 'invoke') {
      this.openCommits.set(entry.process, entry.index);
      return;
    }
    const invokedAt = this.openCommits.get(entry.process);
    assert(invokedAt !== undefined, `commit ${entry.process} completed without an invoke`);
    this.openCommits.delete(entry.process);
    if (entry.type === 'fail' || (entry.type === 'info' && value.errors === undefined)) return;
    const failed = new Set((value.errors ?? []).map((error) => `${error.topic}-${error.partition}`));
    for (const offset of value.offsets) {
      const name = `${offset.topic}-${offset.partition}`;
      if (failed.has(name)) continue;
      const reads = this.partitionOf(value.groupId, offset.topic, offset.partition);
      const accepted: AcceptedCommit = { consumer: value.consumer, memberId: value.memberId, generationId: value.generationId, offset: offset.offset, invokedAt, atMs: entry.atMs };
      assert(reads.commits.length < MAX_ITEMS, `the group history index exceeded ${MAX_ITEMS} commits of ${name}`);
      reads.commits.push(accepted);
    }
  }

  private partitionOf(groupId: string, topic: string, partition: number): GroupPartition {
    let partitions = this.groups.get(groupId);
    if (partitions === undefined) {
      partitions = new Map();
      this.groups.set(groupId, partitions);
    }
    let reads = partitions.get(partition);
    if (reads === undefined) {
      reads = new GroupPartition(topic, this.codec);
      partitions.set(partition, reads);
    }
    // The workload writes one topic: partitions are keyed by number (as kafka-history-index.ts).
    assert(reads.topic === topic, `partition ${partition} was used under topics ${reads.topic} and ${topic}`);
    return reads;
  }

  private knownAt(topic: string, partition: number, offset: number, value: string, how: 'read' | 'acknowledged'): void {
    let known = this.known.get(partition);
    if (known === undefined) {
      known = new KnownRecords(topic, this.codec);
      this.known.set(partition, known);
    }
    assert(known.topic === topic, `partition ${partition} was used under topics ${known.topic} and ${topic}`);
    const values = how === 'read' ? known.read : known.acknowledged;
    if (values.holds(offset, value) === undefined) values.set(offset, value);
    known.highest = Math.max(known.highest, offset);
  }

  finish(): GroupHistory {
    this.finished ??= { groups: this.groups, acked: this.acked, known: this.known };
    return this.finished;
  }
}

/** The index the group delivery claims share, built once per run. */
export const GROUP_HISTORY_INDEX: HistoryIndexDefinition<GroupHistory> = {
  name: 'group-history',
  create: () => new GroupHistoryIndexer(),
};

/** Ascending, for deterministic reports: group ids, then partition numbers. */
export function sortedGroups(history: GroupHistory): [string, [number, GroupPartition][]][] {
  return [...history.groups.keys()].sort().map((groupId) => {
    const partitions = history.groups.get(groupId) as ReadonlyMap<number, GroupPartition>;
    return [groupId, [...partitions.entries()].sort((a, b) => a[0] - b[0])];
  });
}

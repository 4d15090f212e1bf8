import { assert } from '../../../impl/common/assert.ts';
import type { HistoryIndexDefinition, HistoryIndexer } from '../../../sim/invariants/invariant.ts';
import type { HistoryEntry } from '../../../sim/run/history.ts';
import { AckedSends, type Acked, type AckedList } from './acked-sends.ts';
import { ValueCodec, ValueNumbers, ValueTable } from './record-values.ts';

export type { Acked } from './acked-sends.ts';

/**
 * What Jepsen's Kafka checkers (`kafka-history.ts`) read of refka's workload history, kept as the
 * run goes instead of from a stored history (issue 12: a 600 s run's history was most of its
 * heap). Producer sends are processes `<producer>:<seq>` with `f: 'send'`; consumer polls are
 * `f: 'poll'` operations of the consumer's process, and ListOffsets resets are `f: 'seek'`.
 * Group members also record `assign`, `revoke` and `commit` operations (impl/client/
 * group-membership.ts); this index does not read them, and a group member's seek to its
 * committed offset is a `seek` like any other.
 *
 * The index keeps, per record, only what a verdict needs: each acknowledged send; per partition
 * and offset the first value any consumer read there (and, where they differ, the others and the
 * last); where each value was first read. Polls that jumped over offsets, reads that disagree and
 * values read twice are kept as candidates, judged by the checkers against the final cluster.
 *
 * Reads are keyed by partition number, as the workload writes one topic; a partition number read
 * under two topics would mix them, so that is asserted against.
 */

interface SendValue {
  readonly topic: string;
  readonly key?: string;
  readonly producer: string;
  readonly seq: number;
  readonly value: string;
  readonly partition?: number;
  readonly offset?: number;
}

export interface PolledRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
}

/** What consumers read at one partition. */
export class PartitionReads {
  /** offset -> the first value any consumer read there. */
  readonly first: ValueTable;
  /** offset -> further distinct values read there, in the order first read (rare: a lost write). */
  readonly others = new Map<number, string[]>();
  /** offset -> the last value read there, where it is not the first. */
  readonly lastOther = new Map<number, string>();
  /** The highest offset any consumer read. */
  highest = -1;

  constructor(readonly topic: string, codec: ValueCodec) {
    this.first = new ValueTable(codec);
  }

  /** The value read last at `offset`, if any consumer read there. */
  lastRead(offset: number): string | undefined {
    return this.lastOther.get(offset) ?? this.first.get(offset);
  }

  /** Every distinct value read at `offset`, first read first. */
  valuesRead(offset: number): string[] {
    const first = this.first.get(offset);
    return first === undefined ? [] : [first, ...(this.others.get(offset) ?? [])];
  }
}

/** A read of a value at an offset that already held another value (for `inconsistent-offsets`). */
export interface ConflictingRead {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** The value first read at the offset. */
  readonly known: string;
  readonly value: string;
  readonly atMs: number;
}

/** A value read at a second position (for `duplicate`). */
export interface RepeatedValue {
  readonly value: string;
  readonly first: { readonly topic: string; readonly partition: number; readonly offset: number };
  readonly partition: number;
  readonly offset: number;
  readonly atMs: number;
}

/** A consumer's successive reads in a partition that jumped ahead, not across a seek (for `poll-skip`). */
export interface Jump {
  /** `<consumer>/<partition>`: jumps are judged grouped by it, in its sort order. */
  readonly key: string;
  readonly consumer: string;
  readonly partition: number;
  readonly from: number;
  readonly to: number;
  readonly atMs: number;
}

/** Bounds: a history index larger than these means the workload is unbounded, a bug. */
const MAX_CANDIDATES = 1_000_000;

/** The finished index the Kafka history checkers judge. */
export interface KafkaHistory {
  /** Acknowledged sends, in the order they were sent (invoked). */
  readonly acked: AckedList;
  /** Per partition number, what consumers read there. */
  readonly reads: ReadonlyMap<number, PartitionReads>;
  readonly conflictingReads: readonly ConflictingRead[];
  readonly repeatedValues: readonly RepeatedValue[];
  /** Jumps grouped by `key` in sort order, each group in read order. */
  readonly jumps: readonly Jump[];
}

class KafkaHistoryIndexer implements HistoryIndexer<KafkaHistory> {
  /** Open sends: process -> history index of the invoke. */
  private readonly openSends = new Map<string, number>();
  private readonly acked = new AckedSends();
  private readonly reads = new Map<number, PartitionReads>();
  /** Every value this index keeps is numbered by this codec (see `record-values.ts`). */
  private readonly codec = new ValueCodec();
  /** value -> where it was first read, packed as partition * 2^32 + offset. */
  private readonly firstReadAt = new ValueNumbers(this.codec);
  private readonly conflictingReads: ConflictingRead[] = [];
  private readonly repeatedValues: RepeatedValue[] = [];
  private readonly jumps: Jump[] = [];
  /** `<consumer>/<partition>` -> the offset it read last. */
  private readonly lastPolled = new Map<string, number>();
  /** `<consumer>/<partition>` seeked since its last read. */
  private readonly seeked = new Set<string>();
  private finished: KafkaHistory | undefined;

  observe(entry: HistoryEntry): void {
    assert(this.finished === undefined, 'a finished history index reads no more entries');
    if (entry.type === 'invoke') {
      if (entry.f === 'send') this.openSends.set(entry.process, entry.index);
      return;
    }
    const invokedAt = this.openSends.get(entry.process);
    if (invokedAt !== undefined) {
      this.openSends.delete(entry.process);
      if (entry.type === 'ok') this.acknowledge(entry, invokedAt);
      return;
    }
    if (entry.type !== 'ok') return;
    if (entry.f === 'poll') {
      const poll = entry.value as { consumer: string; records: readonly PolledRecord[] };
      for (const record of poll.records) this.read(poll.consumer, record, entry.atMs);
    } else if (entry.f === 'seek') {
      const seek = entry.value as { consumer: string; partition: number };
      this.seeked.add(`${seek.consumer}/${seek.partition}`);
    }
  }

  private acknowledge(entry: HistoryEntry, invokedAt: number): void {
    const value = entry.value as SendValue;
    if (value.partition === undefined || value.offset === undefined || value.offset < 0) return;
    const acked: Acked = { topic: value.topic, key: value.key, producer: value.producer, seq: value.seq, value: value.value, partition: value.partition, offset: value.offset, atMs: entry.atMs, invokedAt };
    this.acked.push(acked);
  }

  private read(consumer: string, record: PolledRecord, atMs: number): void {
    const { partition, offset, value } = record;
    let reads = this.reads.get(partition);
    if (reads === undefined) {
      reads = new PartitionReads(record.topic, this.codec);
      this.reads.set(partition, reads);
    }
    assert(reads.topic === record.topic, `partition ${partition} was read under topics ${reads.topic} and ${record.topic}`);
    reads.highest = Math.max(reads.highest, offset);
    const holds = reads.first.holds(offset, value);
    if (holds === undefined) reads.first.set(offset, value);
    else if (holds) reads.lastOther.delete(offset);
    else {
      const first = reads.first.get(offset) as string;
      reads.lastOther.set(offset, value);
      const others = reads.others.get(offset) ?? [];
      if (!others.includes(value)) others.push(value);
      reads.others.set(offset, others);
      this.candidate(this.conflictingReads, { topic: record.topic, partition, offset, known: first, value, atMs });
    }
    const packed = partition * 2 ** 32 + offset;
    const firstAt = this.firstReadAt.get(value);
    if (firstAt === undefined) this.firstReadAt.set(value, packed);
    else if (firstAt !== packed) {
      const firstPartition = Math.floor(firstAt / 2 ** 32);
      const firstTopic = (this.reads.get(firstPartition) as PartitionReads).topic;
      this.candidate(this.repeatedValues, { value, first: { topic: firstTopic, partition: firstPartition, offset: firstAt % 2 ** 32 }, partition, offset, atMs });
    }
    const key = `${consumer}/${partition}`;
    const afterSeek = this.seeked.delete(key);
    const previous = this.lastPolled.get(key);
    if (previous !== undefined && !afterSeek && offset > previous + 1) this.candidate(this.jumps, { key, consumer, partition, from: previous, to: offset, atMs });
    this.lastPolled.set(key, offset);
  }

  private candidate<T>(list: T[], item: T): void {
    assert(list.length < MAX_CANDIDATES, `the history index exceeded ${MAX_CANDIDATES} candidates`);
    list.push(item);
  }

  /** The index so far, for explaining a violation found mid-run: acknowledged sends in acknowledgement order, jumps unsorted. */
  peek(): KafkaHistory {
    return this.finished ?? { acked: this.acked, reads: this.reads, conflictingReads: this.conflictingReads, repeatedValues: this.repeatedValues, jumps: this.jumps };
  }

  finish(): KafkaHistory {
    if (this.finished !== undefined) return this.finished;
    const acked = this.acked.inInvokeOrder();
    // Grouped by consumer and partition in key order; sort is stable, so each group stays in read order.
    const jumps = [...this.jumps].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.finished = { acked, reads: this.reads, conflictingReads: this.conflictingReads, repeatedValues: this.repeatedValues, jumps };
    return this.finished;
  }
}

/** The read index all of refka's Kafka history checkers share, built once per run. */
export const KAFKA_HISTORY_INDEX: HistoryIndexDefinition<KafkaHistory> = {
  name: 'kafka-history',
  create: () => new KafkaHistoryIndexer(),
};

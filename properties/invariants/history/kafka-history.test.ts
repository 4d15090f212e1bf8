import { describe, expect, it } from 'vitest';
import { checkHistoryEntries, type InvariantDefinition, type RunContext } from '../../../sim/invariants/invariant.ts';
import type { HistoryEntry } from '../../../sim/run/history.ts';
import { FINAL_READER, type KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
import { ReplicaLogs } from '../../../sim/kafka/replica-logs.ts';
import { duplicate, inconsistentOffsets, lostWrite, lostWriteApplicability, nonmonotonicSend, pollSkip } from './kafka-history.ts';

// Synthetic histories in the workload's shape: each checker passes a correct one and catches the
// bug it is for.

class HistoryBuilder {
  readonly entries: HistoryEntry[] = [];
  private atMs = 0;

  private push(type: HistoryEntry['type'], process: string, f: string, value: unknown): void {
    this.entries.push({ type, process, f, value, index: this.entries.length, atMs: this.atMs++, node: process.split(':')[0] as string });
  }

  send(producer: string, seq: number, partition: number, offset: number): this {
    const value = { producer, seq, topic: 't', key: `k${seq}`, value: `${producer}:${seq}` };
    this.push('invoke', `${producer}:${seq}`, 'send', value);
    this.push('ok', `${producer}:${seq}`, 'send', { ...value, partition, offset });
    return this;
  }

  poll(consumer: string, records: readonly [partition: number, offset: number, value: string][]): this {
    this.push('invoke', consumer, 'poll', { consumer });
    this.push('ok', consumer, 'poll', { consumer, records: records.map(([partition, offset, value]) => ({ topic: 't', partition, offset, value })) });
    return this;
  }

  seek(consumer: string, partition: number, offset: number): this {
    const value = { consumer, topic: 't', partition, offset };
    this.push('invoke', consumer, 'seek', value);
    this.push('ok', consumer, 'seek', value);
    return this;
  }
}

/** A cluster whose copy ledger saw nothing: every loss is a violation, with its story. */
function emptyView(): KafkaClusterView {
  return { nowMs: 0, controller: undefined, brokers: [], logs: new ReplicaLogs(), clients: { producersDone: true, adminDone: true, consumers: [] } };
}

function check(invariant: InvariantDefinition<KafkaClusterView>, history: readonly HistoryEntry[]): string[] {
  const checker = invariant.checker;
  if (checker.type !== 'history') throw new Error(`${invariant.name} is not a history invariant`);
  return checkHistoryEntries(checker, history, emptyView()).map((violation) => violation.message);
}

function correct(): HistoryBuilder {
  return new HistoryBuilder()
    .send('p0', 0, 0, 0)
    .send('p1', 0, 0, 1)
    .send('p0', 1, 0, 2)
    .poll('c0', [[0, 0, 'p0:0'], [0, 1, 'p1:0']])
    .poll('c0', [[0, 2, 'p0:1']]);
}

const context = (config: Record<string, string>, faults: Record<string, number> = {}, uncheckedFlips = 0): RunContext => ({ seed: 1, config, variants: [], faults, corruption: { uncheckedFlips } });

describe('Kafka history invariants', () => {
  it('all hold on a correct history', () => {
    for (const invariant of [lostWrite, duplicate, inconsistentOffsets, nonmonotonicSend, pollSkip(true)]) {
      expect(check(invariant, correct().entries), invariant.name).toEqual([]);
    }
  });

  it('lost-write catches an acknowledged write that is not where it was acknowledged', () => {
    const history = new HistoryBuilder().send('p0', 0, 0, 0).send('p0', 1, 0, 1).poll('c0', [[0, 0, 'p0:0'], [0, 1, 'p1:9']]);
    expect(check(lostWrite, history.entries)).toEqual(['p0 write p0:1, acknowledged at partition 0 offset 1, was never read there (consumers read p1:9 at that offset) (no replica ever held it)']);
    // Not judged where no consumer read that far.
    expect(check(lostWrite, new HistoryBuilder().send('p0', 0, 0, 5).poll('c0', [[0, 0, 'x']]).entries)).toEqual([]);
  });

  it('lost-write takes the final reads as covering a partition only by that partition\'s own leader, not another topic\'s of the same number (pre-kip-996, seed 5)', () => {
    // The final reader stands at t-0's position 180; t-0's leader holds up to 181, __consumer_offsets-0's up to 40.
    const viewWith = (position: number): KafkaClusterView => ({
      ...emptyView(),
      controller: {
        partitions: [
          { topicName: '__consumer_offsets', partitionId: 0, leader: 1 },
          { topicName: 't', partitionId: 0, leader: 1 },
        ],
        topics: [],
      },
      brokers: [{ brokerId: 1, replicas: [
        { name: '__consumer_offsets-0', role: 'leader', logEndOffset: 40, logStartOffset: 0 },
        { name: 't-0', role: 'leader', logEndOffset: 181, logStartOffset: 0 },
      ] }],
      clients: { producersDone: true, adminDone: true, consumers: [{ name: FINAL_READER, positions: new Map([[0, position]]) }] },
    }) as unknown as KafkaClusterView;
    const checker = lostWrite.checker;
    if (checker.type !== 'history') throw new Error('a history claim');
    const history = new HistoryBuilder().send('p0', 0, 0, 180).entries;
    // Short of t-0's end: the write at 180 is not judged yet.
    expect(checkHistoryEntries(checker, history, viewWith(180)).map((finding) => finding.message)).toEqual([]);
    // Read to t-0's end without it: lost.
    expect(checkHistoryEntries(checker, history, viewWith(181)).map((finding) => finding.message)).toEqual(['p0 write p0:0, acknowledged at partition 0 offset 180, was never read there (consumers read nothing at that offset) (no replica ever held it)']);
  });

  it('lost-write applies only where Kafka promises it', () => {
    expect(lostWriteApplicability(context({ 'min.insync.replicas': '2' })).applies).toBe(true);
    expect(lostWriteApplicability(context({ 'min.insync.replicas': '1' })).applies).toBe(false);
    expect(lostWriteApplicability(context({ 'min.insync.replicas': '2', acks: '1' })).applies).toBe(false);
    expect(lostWriteApplicability(context({ 'min.insync.replicas': '2', 'unclean.leader.election.enable': 'true' })).applies).toBe(false);
    // Faults never switch it off for the run: losses are excused per record, by the copy ledger.
    expect(lostWriteApplicability(context({ 'min.insync.replicas': '2' }, { 'disk-loss': 1 })).applies).toBe(true);
    expect(lostWriteApplicability(context({ 'min.insync.replicas': '2' }, { 'cluster-power-loss': 1 })).applies).toBe(true);
    expect(lostWriteApplicability(context({ 'min.insync.replicas': '2' }, { bitflip: 12 }, 2)).applies).toBe(true);
  });

  it('duplicate catches one value at two offsets', () => {
    const history = correct().poll('c1', [[0, 3, 'p0:1']]);
    expect(check(duplicate, history.entries)).toEqual(['value p0:1 was read at 0:2 and again at 0:3 (no replica ever held it)']);
  });

  it('inconsistent-offsets catches two values at one offset, read or acknowledged', () => {
    expect(check(inconsistentOffsets, correct().poll('c1', [[0, 1, 'other']]).entries)).toEqual(['offset 0:1 holds p1:0 and also other (read) (no replica ever held it)']);
    expect(check(inconsistentOffsets, correct().send('p1', 1, 0, 2).entries)).toEqual(['offset 0:2 holds p0:1 and also p1:1 (acknowledged to p1) (no replica ever held it)']);
  });

  it('nonmonotonic-send catches a producer\'s later record at a lower offset', () => {
    const history = new HistoryBuilder().send('p0', 0, 1, 10).send('p0', 1, 1, 4);
    expect(check(nonmonotonicSend, history.entries)).toEqual(['p0 sent p0:0 before p0:1 but partition 1 has them at offsets 10 and 4 (no replica ever held it)']);
  });

  it('poll-skip catches a consumer jumping over a record, except across a seek', () => {
    const history = correct().send('p0', 2, 0, 3).send('p0', 3, 0, 4).poll('c0', [[0, 4, 'p0:3']]);
    expect(check(pollSkip(true), history.entries)).toEqual(['c0 jumped in partition 0 from offset 2 to 4, skipping offset 3, which holds a record (no replica ever held it)']);
    expect(check(pollSkip(true), correct().send('p0', 2, 0, 3).send('p0', 3, 0, 4).seek('c0', 0, 4).poll('c0', [[0, 4, 'p0:3']]).entries)).toEqual([]);
    // A gap where no record is known is not a skip.
    expect(check(pollSkip(true), correct().poll('c0', [[0, 7, 'z']]).entries)).toEqual([]);
  });

  it('poll-skip with acks=1: an acknowledged write proves no record at its offset, a read does', () => {
    // Offset 3 is known only from an acknowledgement, which with acks=1 may have been truncated
    // before it was committed; offset 3 read by another consumer holds a record.
    const history = correct().send('p0', 2, 0, 3).send('p0', 3, 0, 4).poll('c0', [[0, 4, 'p0:3']]);
    expect(check(pollSkip(false), history.entries)).toEqual([]);
    history.poll('c1', [[0, 3, 'p1:9']]);
    expect(check(pollSkip(false), history.entries)).toEqual(['c0 jumped in partition 0 from offset 2 to 4, skipping offset 3, which holds a record (no replica ever held it)']);
  });
});

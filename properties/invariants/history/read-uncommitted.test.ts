import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../../sim/run/history.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
import { ReplicaLogs } from '../../../sim/kafka/replica-logs.ts';
import { checkHistoryEntries } from '../../../sim/invariants/invariant.ts';
import { readUncommitted } from './read-uncommitted.ts';

// Polls in the shape `KafkaConsumer.completePoll` records them: the records the drained fetch
// responses gave the consumer, and the high watermark each partition's leader reported with them.

let atMs = 0;
function poll(consumer: string, partition: number, highWatermark: number | undefined, offsets: readonly number[]): HistoryEntry[] {
  const records = offsets.map((offset) => ({ topic: 't', partition, offset, key: null, value: `v${offset}` }));
  const highWatermarks = highWatermark === undefined ? [] : [{ topic: 't', partition, highWatermark }];
  return [
    { type: 'invoke', process: consumer, f: 'poll', value: { consumer }, index: 0, atMs: atMs++, node: consumer },
    { type: 'ok', process: consumer, f: 'poll', value: { consumer, records, highWatermarks }, index: 0, atMs: atMs++, node: consumer },
  ];
}

function check(history: readonly HistoryEntry[]): string[] {
  const view: KafkaClusterView = { nowMs: 0, controller: undefined, brokers: [], logs: new ReplicaLogs(), clients: { producersDone: true, adminDone: true, consumers: [] } };
  const checker = readUncommitted.checker;
  if (checker.type !== 'history') throw new Error('read-uncommitted is not a history invariant');
  return checkHistoryEntries(checker, history.map((entry, index) => ({ ...entry, index })), view).map((finding) => finding.message);
}

describe('read-uncommitted', () => {
  it('holds when every record lies below the high watermark its response reported', () => {
    // A later leader may report a lower high watermark than the one before it; records already
    // given out stay judged against the response that gave them.
    const history = [...poll('consumer-0', 1, 812, [809, 810, 811]), ...poll('consumer-0', 1, 805, []), ...poll('final-reader', 1, 812, [0, 1, 811])];
    expect(check(history)).toEqual([]);
  });

  it('catches a record at or above the high watermark its leader reported, the final reader included', () => {
    const history = [...poll('consumer-0', 1, 810, [809, 810, 812]), ...poll('final-reader', 0, 3, [2, 3])];
    expect(check(history)).toEqual([
      'consumer-0 read t-1 offset 810 at the high watermark 810 its leader reported',
      'consumer-0 read t-1 offset 812 above the high watermark 810 its leader reported',
      'final-reader read t-0 offset 3 at the high watermark 3 its leader reported',
    ]);
  });

  it('catches a record whose response reported no high watermark for its partition', () => {
    expect(check(poll('consumer-1', 2, undefined, [4]))).toEqual(['consumer-1 read t-2 offset 4 from a fetch response that reported no high watermark for t-2']);
  });

  it('applies to every run: refka consumers all read read_uncommitted', () => {
    expect(readUncommitted.applicability).toBeUndefined();
  });
});

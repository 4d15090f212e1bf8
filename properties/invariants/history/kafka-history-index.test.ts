import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../../sim/run/history.ts';
import { KAFKA_HISTORY_INDEX } from './kafka-history-index.ts';

let index = 0;
function entry(type: HistoryEntry['type'], process: string, f: string, value: unknown): HistoryEntry {
  return { type, process, f, value, index: index++, atMs: index, node: process.split(':')[0] as string };
}
const send = (producer: string, seq: number) => ({ producer, seq, topic: 't', key: `k${seq}`, value: `${producer}:${seq}` });
const poll = (consumer: string, records: [number, number, string][]) => entry('ok', consumer, 'poll', { consumer, records: records.map(([partition, offset, value]) => ({ topic: 't', partition, offset, value })) });

describe('the Kafka history index', () => {
  it('lists acknowledged sends in the order they were sent, whatever order their answers came in', () => {
    const indexer = KAFKA_HISTORY_INDEX.create();
    indexer.observe(entry('invoke', 'p0:0', 'send', send('p0', 0)));
    indexer.observe(entry('invoke', 'p1:0', 'send', send('p1', 0)));
    indexer.observe(entry('invoke', 'p0:1', 'send', send('p0', 1)));
    indexer.observe(entry('ok', 'p0:1', 'send', { ...send('p0', 1), partition: 0, offset: 1 }));
    indexer.observe(entry('fail', 'p1:0', 'send', { ...send('p1', 0), error: 'NOT_LEADER_OR_FOLLOWER' }));
    indexer.observe(entry('ok', 'p0:0', 'send', { ...send('p0', 0), partition: 0, offset: 0 }));
    expect([...indexer.finish().acked].map((ack) => ack.value)).toEqual(['p0:0', 'p0:1']);
  });

  it('keeps the first value read at an offset, the last one, and the reads that disagree', () => {
    const indexer = KAFKA_HISTORY_INDEX.create();
    indexer.observe(entry('invoke', 'c0', 'poll', { consumer: 'c0' }));
    indexer.observe(poll('c0', [[0, 0, 'a'], [0, 1, 'b']]));
    indexer.observe(entry('invoke', 'c0', 'poll', { consumer: 'c0' }));
    indexer.observe(poll('c0', [[0, 1, 'x'], [0, 5, 'c']]));
    const history = indexer.finish();
    const reads = history.reads.get(0);
    expect(reads?.first.get(1)).toBe('b');
    expect(reads?.lastRead(1)).toBe('x');
    expect(reads?.valuesRead(1)).toEqual(['b', 'x']);
    expect(reads?.highest).toBe(5);
    expect(history.conflictingReads.map((read) => [read.offset, read.known, read.value])).toEqual([[1, 'b', 'x']]);
    expect(history.jumps.map((jump) => [jump.from, jump.to])).toEqual([[1, 5]]);
  });

  it('refuses a partition number read under two topics: its tables would mix them', () => {
    const indexer = KAFKA_HISTORY_INDEX.create();
    indexer.observe(entry('invoke', 'c0', 'poll', { consumer: 'c0' }));
    indexer.observe(poll('c0', [[0, 0, 'a']]));
    indexer.observe(entry('invoke', 'c0', 'poll', { consumer: 'c0' }));
    expect(() => indexer.observe(entry('ok', 'c0', 'poll', { consumer: 'c0', records: [{ topic: 'u', partition: 0, offset: 1, value: 'b' }] }))).toThrow(/read under topics t and u/);
  });
});

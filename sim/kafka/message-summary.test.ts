import { describe, expect, it } from 'vitest';
import { DEFAULT_BATCH_SPEC, buildRecordBatch, type SimpleRecord } from '../../impl/log/record-batch.ts';
import { summarizeKafkaMessage } from './message-summary.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const records = (count: number): SimpleRecord[] => Array.from({ length: count }, (_, index) => ({ timestamp: 0, key: bytes(`k${index}`), value: bytes(`v${index}`), headers: [] }));

describe('summarizeKafkaMessage', () => {
  it('names a produce request\'s partitions, acks and records, counted from the batch headers', () => {
    const batch = buildRecordBatch(DEFAULT_BATCH_SPEC, records(3));
    expect(summarizeKafkaMessage({ type: 'ProduceRequest', correlationId: 1, acks: -1, timeoutMs: 30_000, partitions: [{ topic: 't', partition: 0, records: batch }] })).toBe('t-0 acks=-1 3 records');
  });

  it('names a fetch response\'s high watermark and the offsets of its batches', () => {
    const first = buildRecordBatch({ ...DEFAULT_BATCH_SPEC, baseOffset: 118 }, records(2));
    const second = buildRecordBatch({ ...DEFAULT_BATCH_SPEC, baseOffset: 120 }, records(1));
    const summary = summarizeKafkaMessage({
      type: 'FetchResponse', correlationId: 2, error: 'NONE',
      partitions: [{ topic: 't', partition: 1, error: 'NONE', highWatermark: 120, logStartOffset: 0, records: [first, second] }, { topic: 't', partition: 2, error: 'NOT_LEADER_OR_FOLLOWER', highWatermark: -1, logStartOffset: -1, records: [] }],
    });
    expect(summary).toBe('t-1 hw=120 2 batches, offsets 118..120; t-2 NOT_LEADER_OR_FOLLOWER hw=-1 no records');
  });

  it('names a follower\'s fetch and the controller\'s ISR answers', () => {
    expect(summarizeKafkaMessage({
      type: 'FetchRequest', correlationId: 3, replicaId: 2, replicaEpoch: 5, maxWaitMs: 500, minBytes: 1, maxBytes: 1 << 20,
      partitions: [{ topic: 't', partition: 0, currentLeaderEpoch: 4, fetchOffset: 77, logStartOffset: 0, partitionMaxBytes: 1 << 20 }],
    })).toBe('follower 2 t-0 from 77 (leader epoch 4)');
    expect(summarizeKafkaMessage({ type: 'AlterPartitionResponse', correlationId: 4, error: 'NONE', topicId: 't#1', partitionId: 0, leaderId: 1, leaderEpoch: 3, isr: [1, 2], partitionEpoch: 9 }))
      .toBe('partition 0 leader 1 leader epoch 3 ISR 1,2 partition epoch 9');
  });
});

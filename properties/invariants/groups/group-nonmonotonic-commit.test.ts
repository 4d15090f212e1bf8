import { describe, expect, it } from 'vitest';
import { newOffsetCommitRecord, serializeKey, serializeValue } from '../../../impl/group/group-coordinator-records.ts';
import type { Finding } from '../../../sim/invariants/invariant.ts';
import type { BrokerView, KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
import { hex, type LossJudgement, type ReplicaLogs, type ScannedBatch } from '../../../sim/kafka/replica-logs.ts';
import { groupNonmonotonicCommit } from './group-nonmonotonic-commit.ts';

// The claim on one broker's `__consumer_offsets-0`: group g commits t-0 offset 10, then offset 6.
// A commit back is excused only where the record the old commit covered at the new offset was
// lost with every copy (KIP-320's truncation detection moved the consumer back); the ledger is a
// stand-in that answers what the real one would.

function commit(offset: number, logOffset: number): ScannedBatch {
  const record = newOffsetCommitRecord('g', 't', 0, { committedOffset: offset, leaderEpoch: 1, metadata: 'm@1', commitTimestampMs: 0 });
  const value = `${hex(serializeKey(record))}/${hex(serializeValue(record))}`;
  return { baseOffset: logOffset, lastOffset: logOffset, epoch: 1, crc: logOffset, corrupt: false, records: [{ offset: logOffset, value, key: `${logOffset}:${value}` }] };
}

/** A view whose ledger holds `batches` for broker 0's `__consumer_offsets-0`, and judges t-0's records by `judge`. */
function view(batches: readonly ScannedBatch[], firstAt: number, judge: (offset: number, value: string) => LossJudgement): KafkaClusterView {
  const logs = {
    records: (brokerId: number, name: string) => (brokerId === 0 && name === '__consumer_offsets-0' ? batches : []),
    firstRecordsFrom: (name: string, from: number, below: number) => (name === 't-0' && firstAt >= from && firstAt < below ? { offset: firstAt, values: ['new', 'old'] } : undefined),
    judgeLoss: (name: string, offset: number, value: string) => (name === 't-0' ? judge(offset, value) : { excused: false, story: 'not t-0' }),
  } as unknown as ReplicaLogs;
  const broker = { brokerId: 0, status: 'running', replicas: [{ name: '__consumer_offsets-0' }] } as unknown as BrokerView;
  return { nowMs: 0, controller: undefined, brokers: [broker], logs, clients: { producersDone: true, adminDone: true, consumers: [] } } as unknown as KafkaClusterView;
}

function check(target: KafkaClusterView): Finding | undefined {
  const checker = groupNonmonotonicCommit().checker;
  if (checker.type !== 'state') throw new Error('group-nonmonotonic-commit is a state claim');
  const found = checker.check(target);
  return typeof found === 'string' ? { message: found } : found;
}

const LOST: LossJudgement = { excused: true, reason: 'every copy destroyed by faults', faults: ['bitflip at 54.666 s (broker-2)'] };
const HELD: LossJudgement = { excused: false, story: 'broker(s) 0,1,2 still hold it' };

describe('group-nonmonotonic-commit', () => {
  it('holds while commits only move forward', () => {
    expect(check(view([commit(6, 0), commit(10, 1)], 6, () => HELD))).toBeUndefined();
  });

  it('finds a commit back over records still held', () => {
    const found = check(view([commit(10, 0), commit(6, 1)], 6, () => HELD));
    expect(found?.excusedBy).toBeUndefined();
    expect(found?.message).toContain('committed offset 6 of t-0');
  });

  it('excuses a commit back to where the log diverged, naming the faults that destroyed the record the old commit covered', () => {
    const found = check(view([commit(10, 0), commit(6, 1)], 6, (_, value) => (value === 'old' ? LOST : HELD)));
    expect(found?.excusedBy).toEqual(['bitflip at 54.666 s (broker-2)']);
    expect(found?.message).toContain('t-0 offset 6 it had covered (old) was lost');
  });

  it('does not excuse a commit back past the divergence point: the first record at or above it is intact', () => {
    // The log diverged at 8, but the commit went back to 6, whose record every replica still holds.
    const found = check(view([commit(10, 0), commit(6, 1)], 6, (offset) => (offset >= 8 ? LOST : HELD)));
    expect(found?.excusedBy).toBeUndefined();
  });
});

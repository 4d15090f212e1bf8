import { describe, expect, it } from 'vitest';
import { newOffsetCommitRecord, serializeKey, serializeValue } from '../../../impl/group/group-coordinator-records.ts';
import type { Finding } from '../../../sim/invariants/invariant.ts';
import type { BrokerView, KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
import type { LossJudgement } from '../../../sim/kafka/loss-judgement.ts';
import type { ReplicaLogs } from '../../../sim/kafka/replica-logs.ts';
import { hex, type ScannedBatch } from '../../../sim/kafka/segment-reader.ts';
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

/**
 * A view at `nowMs` whose ledger holds `batches` for broker 0's `__consumer_offsets-0`, and judges
 * t-0's records by `judge`; the last copy of each t-0 record ended at `endedAtMs`.
 */
function view(batches: readonly ScannedBatch[], firstAt: number, judge: (offset: number, value: string) => LossJudgement, nowMs = 0, endedAtMs = 0): KafkaClusterView {
  const logs = {
    records: (brokerId: number, name: string) => (brokerId === 0 && name === '__consumer_offsets-0' ? batches : []),
    firstRecordsFrom: (name: string, from: number, below: number) => (name === 't-0' && firstAt >= from && firstAt < below ? { offset: firstAt, values: ['new', 'old'] } : undefined),
    copies: (name: string) => (name === 't-0' ? { endings: [{ how: 'destroyed', brokerId: 2, atMs: endedAtMs, faults: [] }] } : undefined),
    judgeLoss: (name: string, offset: number, value: string) => (name === 't-0' ? judge(offset, value) : { excused: false, story: 'not t-0' }),
  } as unknown as ReplicaLogs;
  const broker = { brokerId: 0, status: 'running', replicas: [{ name: '__consumer_offsets-0' }] } as unknown as BrokerView;
  return { nowMs, controller: undefined, brokers: [broker], logs, clients: { producersDone: true, adminDone: true, consumers: [] } } as unknown as KafkaClusterView;
}

function check(target: KafkaClusterView, checker = groupNonmonotonicCommit().checker): Finding | undefined {
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

  it('does not excuse a commit back over a record lost before the old commit was made: that is not what it covered', () => {
    // The old commit (offset 10) is seen at 5,000 ms, the commit back at 9,000 ms; the record at 6
    // that faults destroyed was gone by 2,000 ms, before the old commit.
    const checker = groupNonmonotonicCommit().checker;
    const lostEarly = (_: number, value: string): LossJudgement => (value === 'old' ? LOST : HELD);
    expect(check(view([commit(10, 0)], 6, lostEarly, 5_000, 2_000), checker)).toBeUndefined();
    const found = check(view([commit(10, 0), commit(6, 1)], 6, lostEarly, 9_000, 2_000), checker);
    expect(found?.message).toContain('committed offset 6 of t-0');
    expect(found?.excusedBy).toBeUndefined();
    // Lost after the old commit was made (at 7,000 ms), the same commit back is excused.
    const later = groupNonmonotonicCommit().checker;
    expect(check(view([commit(10, 0)], 6, lostEarly, 5_000, 7_000), later)).toBeUndefined();
    expect(check(view([commit(10, 0), commit(6, 1)], 6, lostEarly, 9_000, 7_000), later)?.excusedBy).toEqual(['bitflip at 54.666 s (broker-2)']);
  });

  it('does not excuse a commit back past the divergence point: the first record at or above it is intact', () => {
    // The log diverged at 8, but the commit went back to 6, whose record every replica still holds.
    const found = check(view([commit(10, 0), commit(6, 1)], 6, (offset) => (offset >= 8 ? LOST : HELD)));
    expect(found?.excusedBy).toBeUndefined();
  });
});

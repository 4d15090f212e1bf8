import { describe, expect, it } from 'vitest';
import { serializeAssignment } from '../../../impl/client/consumer-protocol.ts';
import { newGroupMetadataRecord, newOffsetCommitRecord, serializeKey, serializeValue, type GroupCoordinatorRecord } from '../../../impl/group/group-coordinator-records.ts';
import type { Finding } from '../../../sim/invariants/invariant.ts';
import type { BrokerView, KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
import type { ReplicaLogs } from '../../../sim/kafka/replica-logs.ts';
import { hex, type ScannedBatch } from '../../../sim/kafka/segment-reader.ts';
import { noZombieCommit } from './no-zombie-commit.ts';

// NoZombieCommit on broker 0's `__consumer_offsets-0`: static instance `i` of group g is member
// `old` (owning t-0) at generation 1; a replacement record names `new` for it at the same
// generation; then `old` commits t-0. Kafka's coordinator accepts that commit only where its write
// of the replacement timed out (offsets.commit.timeout.ms without the high watermark passing it)
// and it reverted to `old` in memory, in the same leader epoch. Times are the check times at which
// each record first appears.

const TIMEOUT_MS = 5_000;

function group(memberId: string): GroupCoordinatorRecord {
  const assignment = serializeAssignment({ assignedPartitions: [{ topic: 't', partition: 0 }], userData: null });
  return newGroupMetadataRecord('g', {
    protocolType: 'consumer', generation: 1, protocol: 'range', leader: memberId, currentStateTimestamp: 0,
    members: [{ memberId, groupInstanceId: 'i', clientId: 'c', clientHost: 'h', rebalanceTimeout: 1000, sessionTimeout: 1000, subscription: new Uint8Array(0), assignment }],
  });
}

function commit(memberId: string): GroupCoordinatorRecord {
  return newOffsetCommitRecord('g', 't', 0, { committedOffset: 7, leaderEpoch: 0, metadata: `${memberId}@1`, commitTimestampMs: 0 });
}

function batch(record: GroupCoordinatorRecord, offset: number, epoch: number): ScannedBatch {
  const value = `${hex(serializeKey(record))}/${hex(serializeValue(record))}`;
  return { baseOffset: offset, lastOffset: offset, epoch, crc: offset, corrupt: false, records: [{ offset, value, key: `${offset}:${value}` }] };
}

/** Broker 0 leads `__consumer_offsets-0` in `leaderEpoch` with `batches` and `highWatermark`, at `nowMs`. */
function view(nowMs: number, batches: readonly ScannedBatch[], highWatermark: number, leaderEpoch = 0): KafkaClusterView {
  const logs = { records: (brokerId: number, name: string) => (brokerId === 0 && name === '__consumer_offsets-0' ? batches : []) } as unknown as ReplicaLogs;
  const broker = { brokerId: 0, status: 'running', replicas: [{ name: '__consumer_offsets-0', role: 'leader', leaderEpoch, highWatermark }] } as unknown as BrokerView;
  return { nowMs, controller: undefined, brokers: [broker], logs, clients: { producersDone: true, adminDone: true, consumers: [] } } as unknown as KafkaClusterView;
}

/** A fresh claim's state check, its finding as a Finding. */
function newCheck(): (target: KafkaClusterView) => Finding | undefined {
  const claim = noZombieCommit(TIMEOUT_MS);
  if (claim.checker.type !== 'state') throw new Error('NoZombieCommit is a state claim');
  const checker = claim.checker;
  return (target) => {
    const found = checker.check(target);
    return typeof found === 'string' ? { message: found } : found;
  };
}

/**
 * The claim's finding after these steps: the group record of `old` at 0 ms (committed at once),
 * the replacement at 1,000 ms, the high watermark passing it at `replacementCommittedAtMs` (if
 * ever), and `old`'s commit at `commitAtMs` in leader epoch `commitEpoch`.
 */
function run(replacementCommittedAtMs: number | undefined, commitAtMs: number, commitEpoch = 0): Finding | undefined {
  const check = newCheck();
  const first = [batch(group('old'), 0, 0)];
  const replaced = [...first, batch(group('new'), 1, 0)];
  expect(check(view(0, first, 1))).toBeUndefined();
  expect(check(view(1_000, replaced, 1))).toBeUndefined();
  if (replacementCommittedAtMs !== undefined && replacementCommittedAtMs < commitAtMs) expect(check(view(replacementCommittedAtMs, replaced, 2))).toBeUndefined();
  const committed = replacementCommittedAtMs !== undefined && replacementCommittedAtMs < commitAtMs;
  return check(view(commitAtMs, [...replaced, batch(commit('old'), 2, commitEpoch)], committed ? 2 : 1, commitEpoch));
}

describe('NoZombieCommit and a static member replacement', () => {
  it('finds the replaced member\'s commit while the coordinator still waits on the replacement', () => {
    expect(run(undefined, 3_000)?.message).toContain('from old, which is not a member of generation 1');
  });

  it('finds it where the replacement committed in time: the coordinator holds the new member', () => {
    expect(run(4_000, 9_000)?.message).toContain('from old, which is not a member of generation 1');
  });

  it('accepts it after the replacement\'s write timed out and the coordinator reverted to the old member (Kafka\'s GroupMetadataManager)', () => {
    expect(run(undefined, 6_000)).toBeUndefined();
    // The high watermark passed the record only after the write had failed: still reverted.
    expect(run(7_000, 9_000)).toBeUndefined();
  });

  it('finds it in a later leader epoch: a coordinator that loaded the partition holds the new member', () => {
    expect(run(undefined, 6_000, 1)?.message).toContain('from old, which is not a member of generation 1');
  });

  // Two replacements in a row, default seed 995: `new1` replaces `old` at 1,000 ms and times out;
  // `new2` replaces the member the coordinator then holds at `secondAtMs` and times out as well;
  // `old` commits at 20,000 ms, the high watermark never past either record.
  function twice(secondAtMs: number): Finding | undefined {
    const check = newCheck();
    const first = [batch(group('old'), 0, 0)];
    const once = [...first, batch(group('new1'), 1, 0)];
    const again = [...once, batch(group('new2'), 2, 0)];
    expect(check(view(0, first, 1))).toBeUndefined();
    expect(check(view(1_000, once, 1))).toBeUndefined();
    expect(check(view(secondAtMs, again, 1))).toBeUndefined();
    return check(view(20_000, [...again, batch(commit('old'), 3, 0)], 1));
  }

  it('accepts it after two replacements in a row timed out, the second written once the first was reverted', () => {
    expect(twice(6_500)).toBeUndefined();
  });

  it('finds it where the second replacement was written while the first still waited: its revert gives back the first', () => {
    expect(twice(3_000)?.message).toContain('from old, which is not a member of generation 1');
  });

  // Overlapping replacements of two instances, default seed 7732: `i` (member `old`, owning t-0)
  // is replaced by `new` at 1,000 ms; `j` (member `other`, owning t-1) by `other2` at 3,000 ms,
  // while the first still waits; `old` commits t-0 at 20,000 ms.
  function overlapping(firstCommittedAtMs: number | undefined): Finding | undefined {
    const two = (iMember: string, jMember: string): GroupCoordinatorRecord => {
      const owning = (partition: number) => serializeAssignment({ assignedPartitions: [{ topic: 't', partition }], userData: null });
      return newGroupMetadataRecord('g', {
        protocolType: 'consumer', generation: 1, protocol: 'range', leader: iMember, currentStateTimestamp: 0,
        members: [
          { memberId: iMember, groupInstanceId: 'i', clientId: 'c', clientHost: 'h', rebalanceTimeout: 1000, sessionTimeout: 1000, subscription: new Uint8Array(0), assignment: owning(0) },
          { memberId: jMember, groupInstanceId: 'j', clientId: 'c', clientHost: 'h', rebalanceTimeout: 1000, sessionTimeout: 1000, subscription: new Uint8Array(0), assignment: owning(1) },
        ],
      });
    };
    const check = newCheck();
    const first = [batch(two('old', 'other'), 0, 0)];
    const once = [...first, batch(two('new', 'other'), 1, 0)];
    const again = [...once, batch(two('new', 'other2'), 2, 0)];
    expect(check(view(0, first, 1))).toBeUndefined();
    expect(check(view(1_000, once, 1))).toBeUndefined();
    if (firstCommittedAtMs !== undefined) expect(check(view(firstCommittedAtMs, once, 2))).toBeUndefined();
    expect(check(view(3_000, again, firstCommittedAtMs === undefined ? 1 : 2))).toBeUndefined();
    return check(view(20_000, [...again, batch(commit('old'), 3, 0)], firstCommittedAtMs === undefined ? 1 : 2));
  }

  it('accepts it where another instance\'s replacement was written while its own still waited, and both timed out', () => {
    expect(overlapping(undefined)).toBeUndefined();
  });

  it('finds it where its own replacement committed in time, whatever became of the other', () => {
    expect(overlapping(2_000)?.message).toContain('from old, which is not a member of generation 1');
  });
});

import { describe, expect, it } from 'vitest';
import { applyCommitted, EMPTY_APPLIED_STATE, RaftInvariants, type NodeObservation } from './raft-invariants.ts';

// Each checker of RaftInvariants reports the violation it is for, on hand-made observations of a
// 3-voter quorum, and stays quiet on the legal neighbour of each. (raft-simulation.test.ts shows
// the checkers catching planted bugs in real runs.)

function observe(id: number, overrides: Partial<NodeObservation> = {}): NodeObservation {
  return {
    id,
    isVoter: true,
    running: true,
    persisted: { epoch: 1, leaderId: 0, votedId: -1 },
    state: { type: 'Follower', epoch: 1, leaderId: 0 },
    highWatermark: undefined,
    logEndOffset: 10,
    ...overrides,
  };
}

const leader = (epoch: number, highWatermark: number | undefined, id = 0): Partial<NodeObservation> => ({
  persisted: { epoch, leaderId: id, votedId: id },
  state: { type: 'Leader', epoch, leaderId: id },
  highWatermark,
});

describe('RaftInvariants', () => {
  it('SingleLeader: two leaders of one epoch, even at different times', () => {
    const invariants = new RaftInvariants(3);
    expect(invariants.check([observe(0, leader(1, undefined)), observe(1), observe(2)])).toBeUndefined();
    // Node 0 is gone; node 1 now claims epoch 1 too.
    const second = [observe(0, { running: false, state: undefined }), observe(1, leader(1, undefined, 1)), observe(2)];
    expect(invariants.check(second)).toMatchObject({ invariant: 'SingleLeader' });
    // Leaders of different epochs are fine.
    const other = new RaftInvariants(3);
    expect(other.check([observe(0, leader(1, undefined)), observe(1, leader(2, undefined, 1)), observe(2, { persisted: { epoch: 2, leaderId: 1, votedId: 1 }, state: { type: 'Follower', epoch: 2, leaderId: 1 } })])).toBeUndefined();
  });

  it('MonotonicEpoch: a persisted epoch that goes back, or memory that disagrees with disk', () => {
    const invariants = new RaftInvariants(3);
    const at = (epoch: number) => observe(1, { persisted: { epoch, leaderId: -1, votedId: -1 }, state: { type: 'Unattached', epoch, leaderId: undefined } });
    expect(invariants.check([at(3)])).toBeUndefined();
    expect(invariants.check([at(2)])).toMatchObject({ invariant: 'MonotonicEpoch' });
    const split = new RaftInvariants(3);
    expect(split.check([observe(1, { persisted: { epoch: 3, leaderId: -1, votedId: -1 }, state: { type: 'Unattached', epoch: 4, leaderId: undefined } })])).toMatchObject({ invariant: 'MonotonicEpoch' });
  });

  it('MonotonicHighWatermark: the greatest-epoch leader reports a lower HW', () => {
    const invariants = new RaftInvariants(3);
    expect(invariants.check([observe(0, leader(1, 8)), observe(1), observe(2)])).toBeUndefined();
    expect(invariants.check([observe(0, leader(1, 5)), observe(1), observe(2)])).toMatchObject({ invariant: 'MonotonicHighWatermark' });
  });

  it('MajorityReachedHighWatermark: a HW past the log end of a majority', () => {
    const invariants = new RaftInvariants(3);
    const nodes = [observe(0, { ...leader(1, 10), logEndOffset: 12 }), observe(1, { logEndOffset: 10 }), observe(2, { logEndOffset: 4 })];
    expect(invariants.check(nodes)).toBeUndefined();
    const lost = [observe(0, { ...leader(1, 10), logEndOffset: 12 }), observe(1, { running: false, state: undefined, logEndOffset: 3 }), observe(2, { logEndOffset: 4 })];
    expect(invariants.check(lost)).toMatchObject({ invariant: 'MajorityReachedHighWatermark' });
  });

  it('MonotonicEpoch follows replica keys (KIP-853): a replaced directory starts its epochs afresh', () => {
    const invariants = new RaftInvariants(3);
    const at = (epoch: number, directoryId: string) => observe(1, { directoryId, persisted: { epoch, leaderId: -1, votedId: -1 }, state: { type: 'Unattached', epoch, leaderId: undefined } });
    expect(invariants.check([at(5, 'dir-a')])).toBeUndefined();
    // Node 1's disk was replaced: its new directory's first quorum-state is not a step back.
    expect(invariants.check([at(1, 'dir-b')])).toBeUndefined();
    // Its new directory going back is.
    expect(invariants.check([at(4, 'dir-b')])).toBeUndefined();
    expect(invariants.check([at(3, 'dir-b')])).toMatchObject({ invariant: 'MonotonicEpoch' });
  });

  it('MajorityReachedHighWatermark over the leader\'s voter keys: a shortfall only destroyed copies make up is excused, naming them', () => {
    const voters = [{ id: 0, directoryId: 'dir-0' }, { id: 1, directoryId: 'dir-1' }, { id: 2, directoryId: 'dir-2' }];
    const head = observe(0, { ...leader(1, 10), directoryId: 'dir-0', voters, logEndOffset: 12 });
    const before = [head, observe(1, { directoryId: 'dir-1', logEndOffset: 4 }), observe(2, { directoryId: 'dir-2', logEndOffset: 10 })];
    // Node 2 held the HW on its old directory; its disk was replaced, and node 1 lags.
    const replaced = [head, observe(1, { directoryId: 'dir-1', logEndOffset: 4 }), observe(2, { directoryId: 'dir-9', logEndOffset: 0 })];
    const invariants = new RaftInvariants(3);
    expect(invariants.check(before)).toBeUndefined();
    const excused = invariants.check(replaced);
    expect(excused).toMatchObject({ invariant: 'MajorityReachedHighWatermark' });
    expect(excused?.excusedBy).toEqual(['disk-loss of node 2 (voter 2@dir-2, its log then ending at 10, its directory now dir-9)']);
    // The same moment seen without the copy's destruction: nothing excuses it.
    expect(new RaftInvariants(3).check(replaced)?.excusedBy).toBeUndefined();
    // The same shortfall with node 2 on its own directory is a violation: nothing excuses it.
    const short = [head, observe(1, { directoryId: 'dir-1', logEndOffset: 4 }), observe(2, { directoryId: 'dir-2', logEndOffset: 3 })];
    const violation = new RaftInvariants(3).check(short);
    expect(violation).toMatchObject({ invariant: 'MajorityReachedHighWatermark' });
    expect(violation?.excusedBy).toBeUndefined();
    // A node on a directory the leader does not count (an observer's key) does not make the majority.
    const observer = [head, observe(1, { directoryId: 'dir-1', logEndOffset: 4 }), observe(2, { directoryId: 'dir-9', logEndOffset: 12 })];
    const watching = new RaftInvariants(3);
    watching.check(before);
    expect(watching.check(observer)?.excusedBy).toHaveLength(1);
    // Two voters after the old key's removal: both must hold it, unless the removed key's destroyed copy made up the shortfall.
    const twoHead = observe(0, { ...leader(1, 10), directoryId: 'dir-0', voters: voters.slice(0, 2), logEndOffset: 12 });
    expect(new RaftInvariants(3).check([twoHead, observe(1, { directoryId: 'dir-1', logEndOffset: 10 }), observe(2, { directoryId: 'dir-9', logEndOffset: 0 })])).toBeUndefined();
    const removed = invariants.check([twoHead, observe(1, { directoryId: 'dir-1', logEndOffset: 4 }), observe(2, { directoryId: 'dir-9', logEndOffset: 0 })]);
    expect(removed?.excusedBy).toEqual(['disk-loss of node 2 (voter 2@dir-2, its log then ending at 10, its directory now dir-9, its key since removed from the voters)']);
    expect(new RaftInvariants(3).check([twoHead, observe(1, { directoryId: 'dir-1', logEndOffset: 4 }), observe(2, { directoryId: 'dir-9', logEndOffset: 0 })])?.excusedBy).toBeUndefined();
  });

  it('ConsistentCommittedData: two nodes committed different records at one offset', () => {
    const invariants = new RaftInvariants(3);
    expect(invariants.checkCommitted(0, [{ offset: 0, signature: '1:a' }, { offset: 1, signature: '1:b' }], 2)).toBeUndefined();
    expect(invariants.checkCommitted(1, [{ offset: 0, signature: '1:a' }], 1)).toBeUndefined();
    expect(invariants.committedCheckFrom(1)).toBe(1);
    expect(invariants.checkCommitted(1, [{ offset: 1, signature: '2:c' }], 2)).toMatchObject({ invariant: 'ConsistentCommittedData' });
  });

  it('ConsistentCommittedData: a snapshot whose state is not that of the committed records below its end', () => {
    const invariants = new RaftInvariants(3);
    const entries = [{ offset: 0, signature: '1:control:x', control: true }, { offset: 1, signature: '1:a' }, { offset: 2, signature: '1:b' }];
    expect(invariants.checkCommitted(0, entries, 3)).toBeUndefined();
    const upTo2 = applyCommitted(EMPTY_APPLIED_STATE, 1, '1:a');
    expect(invariants.checkSnapshot(0, { offset: 2, epoch: 1 }, upTo2)).toBeUndefined();
    expect(invariants.checkSnapshot(1, { offset: 3, epoch: 1 }, applyCommitted(upTo2, 2, '1:b'))).toBeUndefined();
    // One record short, a different record, or an end past what any node showed committed.
    expect(invariants.checkSnapshot(1, { offset: 3, epoch: 1 }, upTo2)).toMatchObject({ invariant: 'ConsistentCommittedData' });
    expect(invariants.checkSnapshot(1, { offset: 3, epoch: 1 }, applyCommitted(upTo2, 2, '1:c'))).toMatchObject({ invariant: 'ConsistentCommittedData' });
    expect(invariants.checkSnapshot(2, { offset: 4, epoch: 1 }, upTo2)).toMatchObject({ invariant: 'ConsistentCommittedData' });
  });

  it('SnapshotAtLogStart: a log start with no snapshot at it, a snapshot below it, or one the epoch cache does not place', () => {
    const invariants = new RaftInvariants(3);
    const at = (logStartOffset: number, earliest: number | undefined, earliestOnLog = true) =>
      observe(1, { snapshots: { logStartOffset, earliest: earliest === undefined ? undefined : { offset: earliest, epoch: 1 }, earliestOnLog } });
    expect(invariants.check([at(0, undefined)])).toBeUndefined();
    expect(invariants.check([at(5, 5)])).toBeUndefined();
    expect(invariants.check([at(0, 5)])).toBeUndefined();
    expect(invariants.check([at(5, undefined)])).toMatchObject({ invariant: 'SnapshotAtLogStart' });
    expect(invariants.check([at(5, 4)])).toMatchObject({ invariant: 'SnapshotAtLogStart' });
    expect(invariants.check([at(5, 7)])).toMatchObject({ invariant: 'SnapshotAtLogStart' });
    expect(invariants.check([at(5, 5, false)])).toMatchObject({ invariant: 'SnapshotAtLogStart' });
  });

  it('LeaderNeverLoadSnapshot: a writable leader whose application loaded a snapshot', () => {
    const invariants = new RaftInvariants(3);
    const app = (writable: boolean, loads: number) => observe(0, { ...leader(1, undefined), application: { writable, snapshotLoadsSinceLeaderChange: loads } });
    expect(invariants.check([app(false, 1)])).toBeUndefined();
    expect(invariants.check([app(true, 0)])).toBeUndefined();
    expect(invariants.check([app(true, 1)])).toMatchObject({ invariant: 'LeaderNeverLoadSnapshot' });
  });
});

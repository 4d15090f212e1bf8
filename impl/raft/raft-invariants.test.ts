import { describe, expect, it } from 'vitest';
import { RaftInvariants, type NodeObservation } from './raft-invariants.ts';

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

  it('ConsistentCommittedData: two nodes committed different records at one offset', () => {
    const invariants = new RaftInvariants(3);
    expect(invariants.checkCommitted(0, [{ offset: 0, signature: '1:a' }, { offset: 1, signature: '1:b' }], 2)).toBeUndefined();
    expect(invariants.checkCommitted(1, [{ offset: 0, signature: '1:a' }], 1)).toBeUndefined();
    expect(invariants.committedCheckFrom(1)).toBe(1);
    expect(invariants.checkCommitted(1, [{ offset: 1, signature: '2:c' }], 2)).toMatchObject({ invariant: 'ConsistentCommittedData' });
  });
});

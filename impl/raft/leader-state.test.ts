import { describe, expect, it } from 'vitest';
import { LeaderState } from './leader-state.ts';

// LeaderState: the high watermark is the offset a majority of voters holds, adopted only past
// the epoch start offset and only upward; check-quorum resigns a leader that stopped hearing
// from a majority (KAFKA-15489), except with one voter (KAFKA-16144) or in the kafka-15489 variant.

function leader(options: { voters?: number[]; epochStartOffset?: number; checkQuorum?: boolean } = {}): LeaderState {
  return new LeaderState({
    localId: 1,
    epoch: 4,
    epochStartOffset: options.epochStartOffset ?? 10,
    voters: options.voters ?? [1, 2, 3],
    fetchTimeoutMs: 2_000,
    checkQuorum: options.checkQuorum ?? true,
    nowMs: 0,
  });
}

describe('LeaderState high watermark', () => {
  it('is undefined until a majority holds an offset past the epoch start', () => {
    const state = leader();
    expect(state.updateLocalState(11)).toBe(false);
    // Voter 2 holds everything of earlier epochs but nothing of this one: not committed yet.
    expect(state.updateReplicaState(2, 10, 5)).toBe(false);
    expect(state.highWatermark).toBeUndefined();
    expect(state.updateReplicaState(2, 11, 6)).toBe(true);
    expect(state.highWatermark).toBe(11);
  });

  it('takes the majority offset (index n/2 of the sorted end offsets, the leader counted)', () => {
    const state = leader({ voters: [1, 2, 3, 4, 5], epochStartOffset: 0 });
    state.updateLocalState(20);
    state.updateReplicaState(2, 15, 1);
    expect(state.highWatermark).toBeUndefined();
    state.updateReplicaState(3, 12, 1);
    expect(state.highWatermark).toBe(12);
    state.updateReplicaState(4, 18, 1);
    expect(state.highWatermark).toBe(15);
    // Observers never count.
    state.updateReplicaState(9, 20, 1);
    expect(state.highWatermark).toBe(15);
  });

  it('never moves down, even when voters report lower offsets', () => {
    const state = leader({ epochStartOffset: 0 });
    state.updateLocalState(8);
    state.updateReplicaState(2, 8, 1);
    expect(state.highWatermark).toBe(8);
    expect(state.updateReplicaState(2, 3, 2)).toBe(false);
    expect(state.highWatermark).toBe(8);
  });

  it('ranks the preferred successors by end offset', () => {
    const state = leader({ voters: [1, 2, 3, 4], epochStartOffset: 0 });
    state.updateLocalState(9);
    state.updateReplicaState(3, 7, 1);
    state.updateReplicaState(4, 9, 1);
    expect(state.nonLeaderVotersByDescendingFetchOffset()).toEqual([4, 3, 2]);
  });
});

describe('LeaderState check-quorum', () => {
  it('expires 1.5 x fetch timeout after the last majority of fetches', () => {
    const state = leader();
    expect(state.timeUntilCheckQuorumExpires(0)).toBe(3_000);
    state.updateCheckQuorumForFollowingVoter(2, 2_500);
    expect(state.timeUntilCheckQuorumExpires(2_500)).toBe(3_000);
    expect(state.timeUntilCheckQuorumExpires(5_500)).toBe(0);
  });

  it('needs a majority of distinct voters, the leader included', () => {
    const state = leader({ voters: [1, 2, 3, 4, 5] });
    state.updateCheckQuorumForFollowingVoter(2, 1_000);
    state.updateCheckQuorumForFollowingVoter(2, 1_500);
    expect(state.timeUntilCheckQuorumExpires(1_500)).toBe(1_500);
    state.updateCheckQuorumForFollowingVoter(9, 1_600);
    expect(state.timeUntilCheckQuorumExpires(1_600)).toBe(1_400);
    state.updateCheckQuorumForFollowingVoter(3, 1_700);
    expect(state.timeUntilCheckQuorumExpires(1_700)).toBe(3_000);
  });

  it('keeps when it took office and when it last heard each voter, for the checkers (SingleActiveController)', () => {
    const state = leader({ checkQuorum: false });
    expect(state.electedAtMs).toBe(0);
    state.updateCheckQuorumForFollowingVoter(2, 700);
    state.updateCheckQuorumForFollowingVoter(9, 800);
    state.updateCheckQuorumForFollowingVoter(2, 900);
    // Kafka's lastFetchTimestamp moves only with a valid fetch; the check-quorum time with any counted one.
    expect([...state.voterReplicaStates()].map((voter) => [voter.replicaId, voter.lastCheckQuorumFetchMs, voter.lastFetchTimeMs])).toEqual([[1, undefined, undefined], [2, 900, undefined], [3, undefined, undefined]]);
  });

  it('never expires with one voter or with check-quorum off', () => {
    expect(leader({ voters: [1] }).timeUntilCheckQuorumExpires(1e9)).toBe(Number.POSITIVE_INFINITY);
    expect(leader({ checkQuorum: false }).timeUntilCheckQuorumExpires(1e9)).toBe(Number.POSITIVE_INFINITY);
  });
});

import { describe, expect, it } from 'vitest';
import { SimDisk } from '../../sim/disk/sim-disk.ts';
import { AleaRandomStream } from '../../sim/random/random-stream.ts';
import { AssertionError } from '../common/assert.ts';
import { FileQuorumStateStore, readElectionState } from './quorum-state-store.ts';
import { canGrantVote, checkTransition, QuorumState, type EpochState } from './quorum-state.ts';
import { raftConfig, type RaftTestOnlyBugs } from './raft-config.ts';

// QuorumState (KIP-595, KIP-996, KAFKA-17067): which transitions are legal, what is persisted
// (and fsynced) by each, how a replica restarts from its quorum-state file, and the vote-granting
// rules of each EpochState. Method: a QuorumState on a SimDisk, with power loss to show what is
// durable.

class TestClock {
  now = 0;
  nowMs(): number {
    return this.now;
  }
}

function setup(options: { nodeId?: number; voters?: number[]; preVote?: boolean; testOnlyBugs?: RaftTestOnlyBugs; disk?: SimDisk } = {}) {
  const clock = new TestClock();
  const disk = options.disk ?? new SimDisk({ clock, random: new AleaRandomStream(1, 'disk') });
  const config = raftConfig(options.nodeId ?? 1, options.voters ?? [1, 2, 3], {
    preVote: options.preVote ?? true,
    ...(options.testOnlyBugs === undefined ? {} : { testOnlyBugs: options.testOnlyBugs }),
  });
  const quorum = new QuorumState(config, new FileQuorumStateStore(disk), new AleaRandomStream(1, 'node'), clock);
  return { clock, disk, quorum };
}

/** Makes `quorum` (id 1 of 3) leader of epoch 1 through Prospective and Candidate. */
function becomeLeader(quorum: QuorumState): void {
  quorum.transitionToProspective();
  const prospective = quorum.state as Extract<EpochState, { type: 'Prospective' }>;
  prospective.election.recordVote(2, true);
  quorum.transitionToCandidate();
  const candidate = quorum.state as Extract<EpochState, { type: 'Candidate' }>;
  candidate.election.recordVote(2, true);
  quorum.transitionToLeader(0);
}

describe('QuorumState transitions', () => {
  it('walks Unattached -> Prospective -> Candidate -> Leader -> Resigned, persisting the durable ones', () => {
    const { quorum, disk } = setup();
    quorum.initialize({ offset: 0, epoch: 0 });
    expect(quorum.state).toMatchObject({ type: 'Unattached', epoch: 0, votedKey: undefined });
    quorum.transitionToProspective();
    expect(quorum.state).toMatchObject({ type: 'Prospective', epoch: 0 });
    // Prospective is in memory only: the file still says Unattached(0).
    expect(readElectionState(disk)).toEqual({ epoch: 0, leaderId: -1, votedId: -1 });
    (quorum.state as Extract<EpochState, { type: 'Prospective' }>).election.recordVote(2, true);
    quorum.transitionToCandidate();
    expect(readElectionState(disk)).toEqual({ epoch: 1, leaderId: -1, votedId: 1 });
    (quorum.state as Extract<EpochState, { type: 'Candidate' }>).election.recordVote(3, true);
    quorum.transitionToLeader(0);
    expect(readElectionState(disk)).toEqual({ epoch: 1, leaderId: 1, votedId: 1 });
    quorum.transitionToResigned([2, 3]);
    expect(quorum.state).toMatchObject({ type: 'Resigned', epoch: 1 });
    quorum.transitionToUnattached(2);
    expect(quorum.drainTransitions().map((transition) => transition.to)).toEqual(['Unattached', 'Prospective', 'Candidate', 'Leader', 'Resigned', 'Unattached']);
  });

  it('makes a cast vote durable before the transition returns (it survives power loss)', () => {
    const { quorum, disk } = setup();
    quorum.initialize({ offset: 0, epoch: 0 });
    quorum.transitionToUnattached(4);
    quorum.transitionToUnattachedVoted(4, 3);
    disk.powerLoss();
    expect(readElectionState(disk)).toEqual({ epoch: 4, leaderId: -1, votedId: 3 });
  });

  it('refuses illegal transitions with an assertion', () => {
    const { quorum } = setup();
    quorum.initialize({ offset: 0, epoch: 0 });
    // Only Prospective becomes Candidate while pre-vote is on.
    expect(() => quorum.transitionToCandidate()).toThrow(AssertionError);
    expect(() => quorum.transitionToResigned([])).toThrow(AssertionError);
    quorum.transitionToUnattachedVoted(0, 2);
    // A second binding vote in the same epoch.
    expect(() => quorum.transitionToUnattachedVoted(0, 3)).toThrow(/illegal transition/);
    quorum.transitionToFollower(0, 2);
    // A follower cannot switch leaders within an epoch.
    expect(() => quorum.transitionToFollower(0, 3)).toThrow(/illegal transition/);
    expect(() => quorum.transitionToUnattached(0)).toThrow(/illegal transition/);
  });

  it('lets Unattached and Follower go straight to Candidate without pre-vote (pre-kip-996)', () => {
    const { quorum } = setup({ preVote: false });
    quorum.initialize({ offset: 0, epoch: 0 });
    quorum.transitionToCandidate();
    expect(quorum.state).toMatchObject({ type: 'Candidate', epoch: 1 });
    quorum.transitionToCandidate();
    expect(quorum.state).toMatchObject({ type: 'Candidate', epoch: 2, retries: 2 });
    expect(() => quorum.transitionToProspective()).toThrow(/pre-vote is off/);
  });

  it('moves an observer only between Unattached and Follower; it may vote (KIP-853), never campaign', () => {
    const { quorum } = setup({ nodeId: 9 });
    quorum.initialize({ offset: 0, epoch: 0 });
    expect(quorum.isVoter).toBe(false);
    quorum.transitionToFollower(3, 1);
    quorum.transitionToUnattached(4);
    expect(() => quorum.transitionToProspective()).toThrow(/observer/);
    quorum.transitionToUnattachedVoted(4, 2);
    expect(quorum.state).toMatchObject({ type: 'Unattached', epoch: 4, votedKey: 2 });
  });

  it('keeps the vote and the known leader through Follower -> Prospective -> Follower', () => {
    const { quorum } = setup();
    quorum.initialize({ offset: 0, epoch: 0 });
    quorum.transitionToUnattachedVoted(2, 2);
    quorum.transitionToFollower(2, 2);
    quorum.transitionToProspective();
    expect(quorum.state).toMatchObject({ type: 'Prospective', epoch: 2, votedKey: 2, leaderId: 2 });
    quorum.transitionToFollower(2, 2);
    expect(quorum.state).toMatchObject({ type: 'Follower', epoch: 2, leaderId: 2, votedKey: 2 });
  });

  it('checkTransition lists the table: Candidate -> Follower in its own epoch, never Leader -> Follower', () => {
    const options = { isVoter: true, preVote: true, onlyVoter: false };
    const candidate = { type: 'Candidate', epoch: 3 } as EpochState;
    const follower = { type: 'Follower', epoch: 3, leaderId: 2 } as EpochState;
    const leader = { type: 'Leader', epoch: 3 } as EpochState;
    expect(() => checkTransition(candidate, follower, options)).not.toThrow();
    expect(() => checkTransition(leader, follower, options)).toThrow(/illegal transition Leader\(3\) -> Follower\(3\)/);
    expect(() => checkTransition(leader, { ...follower, epoch: 4 } as EpochState, options)).not.toThrow();
    expect(() => checkTransition(follower, { type: 'Unattached', epoch: 2 } as EpochState, options)).toThrow(/epoch goes back/);
  });
});

describe('QuorumState.initialize (restart)', () => {
  it('restarts a leader as Resigned in its epoch, which grants no binding vote there', () => {
    const { quorum, disk } = setup();
    quorum.initialize({ offset: 0, epoch: 0 });
    becomeLeader(quorum);
    disk.crash();
    const restarted = setup({ disk }).quorum;
    restarted.initialize({ offset: 1, epoch: 1 });
    expect(restarted.state).toMatchObject({ type: 'Resigned', epoch: 1 });
    expect(canGrantVote(restarted.state, 1, 2, true, false)).toBe(false);
  });

  it('with the test-only bug restartLeaderAsUnattached, the same replica would vote again in its epoch (V-K2)', () => {
    const { quorum, disk } = setup();
    quorum.initialize({ offset: 0, epoch: 0 });
    becomeLeader(quorum);
    const restarted = setup({ disk, testOnlyBugs: { restartLeaderAsUnattached: true } }).quorum;
    restarted.initialize({ offset: 1, epoch: 1 });
    expect(restarted.state).toMatchObject({ type: 'Unattached', epoch: 1, votedKey: undefined });
    expect(canGrantVote(restarted.state, 1, 2, true, false)).toBe(true);
  });

  it('starts Unattached at the log epoch when the persisted epoch is behind the log', () => {
    const { quorum, disk } = setup();
    quorum.initialize({ offset: 0, epoch: 0 });
    quorum.transitionToFollower(3, 2);
    const restarted = setup({ disk }).quorum;
    restarted.initialize({ offset: 10, epoch: 5 });
    expect(restarted.state).toMatchObject({ type: 'Unattached', epoch: 5, votedKey: undefined });
    expect(readElectionState(disk)).toMatchObject({ epoch: 5 });
  });

  it('restores a follower, a cast vote, and a candidacy', () => {
    const follower = setup();
    follower.quorum.initialize({ offset: 0, epoch: 0 });
    follower.quorum.transitionToFollower(3, 2);
    const asFollower = setup({ disk: follower.disk }).quorum;
    asFollower.initialize({ offset: 0, epoch: 0 });
    expect(asFollower.state).toMatchObject({ type: 'Follower', epoch: 3, leaderId: 2, hasFetchedFromLeader: false });

    const voter = setup();
    voter.quorum.initialize({ offset: 0, epoch: 0 });
    voter.quorum.transitionToUnattachedVoted(6, 3);
    const asVoter = setup({ disk: voter.disk }).quorum;
    asVoter.initialize({ offset: 0, epoch: 0 });
    expect(asVoter.state).toMatchObject({ type: 'Unattached', epoch: 6, votedKey: 3 });

    const candidate = setup({ preVote: false });
    candidate.quorum.initialize({ offset: 0, epoch: 0 });
    candidate.quorum.transitionToCandidate();
    const asCandidate = setup({ disk: candidate.disk, preVote: false }).quorum;
    asCandidate.initialize({ offset: 0, epoch: 0 });
    expect(asCandidate.state).toMatchObject({ type: 'Candidate', epoch: 1 });
  });
});

describe('canGrantVote (KIP-595, KIP-996)', () => {
  const unattached = { type: 'Unattached', epoch: 5, votedKey: undefined, electionDeadlineMs: 0 } as EpochState;
  const voted = { ...unattached, votedKey: 3 } as EpochState;
  const follower = (hasFetchedFromLeader: boolean) => ({ type: 'Follower', epoch: 5, leaderId: 2, votedKey: undefined, fetchDeadlineMs: 0, hasFetchedFromLeader }) as EpochState;

  it('grants one binding vote per epoch, to an up-to-date log', () => {
    expect(canGrantVote(unattached, 1, 3, true, false)).toBe(true);
    expect(canGrantVote(unattached, 1, 3, false, false)).toBe(false);
    expect(canGrantVote(voted, 1, 3, false, false)).toBe(true);
    expect(canGrantVote(voted, 1, 2, true, false)).toBe(false);
    expect(canGrantVote(voted, 1, 2, true, false, true)).toBe(true);
  });

  it('grants a PreVote on an up-to-date log even after voting, but not as leader or as a follower that fetched', () => {
    expect(canGrantVote(voted, 1, 2, true, true)).toBe(true);
    expect(canGrantVote(voted, 1, 2, false, true)).toBe(false);
    expect(canGrantVote({ type: 'Leader', epoch: 5 } as EpochState, 1, 2, true, true)).toBe(false);
    expect(canGrantVote(follower(true), 1, 3, true, true)).toBe(false);
    expect(canGrantVote(follower(false), 1, 3, true, true)).toBe(true);
    expect(canGrantVote(follower(false), 1, 3, true, false)).toBe(false);
  });

  it('lets Candidate and Resigned grant PreVotes only', () => {
    const candidate = { type: 'Candidate', epoch: 5 } as EpochState;
    const resigned = { type: 'Resigned', epoch: 5 } as EpochState;
    expect(canGrantVote(candidate, 1, 2, true, false)).toBe(false);
    expect(canGrantVote(candidate, 1, 2, true, true)).toBe(true);
    expect(canGrantVote(resigned, 1, 2, true, false)).toBe(false);
    expect(canGrantVote(resigned, 1, 2, true, true)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import type { Finding, InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
import type { QuorumLeaderView, QuorumNodeView } from '../../../sim/kafka/quorum-view.ts';
import type { EpochStateName } from '../../../impl/raft/quorum-state.ts';
import { quorumLeaderCompleteness } from './leader-completeness.ts';
import { noDisruptiveElection } from './no-disruptive-election.ts';
import { singleActiveController } from './single-active-controller.ts';
import { quorumDurability } from './quorum-durability.ts';
import { raftQuorumClaims } from './raft-quorum-claims.ts';

// The quorum claims' rules on hand-made controller views; each claim is shown failing on real
// runs by its variant or mutant (sim/scenarios/kafka-15489.txt, pre-kip-996.txt,
// sim/mutants/scenarios/amnesiac-voter.txt; variant-catches.test.ts, mutant-catches.test.ts).

interface NodeSpec {
  readonly type?: EpochStateName;
  readonly epoch?: number;
  readonly active?: boolean;
  readonly highWatermark?: number;
  readonly log?: readonly [epoch: number, offset: number];
  readonly leader?: QuorumLeaderView;
  readonly running?: boolean;
  readonly incarnation?: number;
  /** Its Raft log: one record per offset, each of the given epoch, from offset 0. */
  readonly raftLog?: readonly number[];
}

/** A Raft log of one record per offset, `epochs[offset]` its epoch, its value the offset and epoch. */
function raftLogOf(epochs: readonly number[]): NonNullable<QuorumNodeView['raftLog']> {
  return {
    startOffset: () => 0,
    endOffset: () => epochs.length,
    readEntries: (from: number, to: number) => {
      if (from > to) throw new Error(`bad range [${from}, ${to})`);
      return epochs.slice(from, to).map((epoch, index) => ({ offset: from + index, epoch, isControl: false, value: new Uint8Array([from + index, epoch]) })) as never;
    },
  };
}

function node(id: number, spec: NodeSpec): QuorumNodeView {
  const running = spec.running ?? true;
  return {
    controllerId: id, node: `controller-${id}`, running, incarnation: spec.incarnation ?? 1, persisted: undefined,
    state: running ? { type: spec.type ?? 'Follower', epoch: spec.epoch ?? 1, leaderId: undefined } : undefined,
    highWatermark: spec.highWatermark, logEndOffset: spec.log?.[1] ?? 0, logEndEpoch: spec.log?.[0] ?? 0, fetchTimeoutMs: 2_000,
    leader: spec.leader, active: spec.active ?? false, committedOffset: 0,
    committedEntries: [], directoryId: `dir-${id}`, isVoter: running, committedVoters: [], raftLog: spec.raftLog === undefined ? undefined : raftLogOf(spec.raftLog),
  };
}

function view(nowMs: number, ...quorum: QuorumNodeView[]): KafkaClusterView {
  return { nowMs, quorum } as unknown as KafkaClusterView;
}

function check(claim: InvariantDefinition<KafkaClusterView>, at: KafkaClusterView): string | undefined {
  if (claim.checker.type !== 'state') throw new Error('a state claim');
  const found: string | Finding | undefined = claim.checker.check(at);
  return typeof found === 'object' ? found.message : found;
}

describe('SingleActiveController', () => {
  // controller-2 leads epoch 1 and last heard voters 0 and 1 at 1000 and 3000 ms; controller-1 is active in epoch 2.
  const stale = (lastFetchMs: readonly [number | undefined, number | undefined], electedAtMs = 0) => node(2, {
    type: 'Leader', epoch: 1, active: true, highWatermark: 12,
    leader: { electedAtMs, epochStartOffset: 10, voters: [{ id: 0, lastFetchMs: lastFetchMs[0] }, { id: 1, lastFetchMs: lastFetchMs[1] }], voterKeys: [] },
  });
  const newer = node(1, { type: 'Leader', epoch: 2, active: true, leader: { electedAtMs: 5_000, epochStartOffset: 13, voters: [], voterKeys: [] } });

  it('allows an older leader a majority heard within 2 x 1.5 x the fetch timeout, and wakes when that passes', () => {
    const claim = singleActiveController();
    // A majority of three is the leader and one voter: the latest one heard counts (3000 ms).
    expect(check(claim, view(9_000, stale([1_000, 3_000]), newer))).toBeUndefined();
    expect(claim.checker.type === 'state' ? claim.checker.nextChangeAtMs?.() : undefined).toBe(9_001);
    expect(check(claim, view(9_001, stale([1_000, 3_000]), newer))).toMatch(/^controller-2 is still the Raft leader of epoch 1 .* while controller-1 has been active in epoch 2 since 9000 ms; it last heard the voters 0 at 1000 ms, 1 at 3000 ms: no majority within 6000 ms/);
  });

  it('gives a leader that has heard nobody the same time from its election', () => {
    expect(check(singleActiveController(), view(8_000, stale([undefined, undefined], 2_000), newer))).toBeUndefined();
    expect(check(singleActiveController(), view(8_001, stale([undefined, undefined], 2_000), newer))).toMatch(/voters 0 never, 1 never/);
  });

  it('judges only while a controller of a newer epoch has been active', () => {
    expect(check(singleActiveController(), view(60_000, stale([1_000, 3_000])))).toBeUndefined();
    const notYetActive = node(1, { type: 'Leader', epoch: 2, active: false });
    expect(check(singleActiveController(), view(60_000, stale([1_000, 3_000]), notYetActive))).toBeUndefined();
    // Once seen active, a newer epoch counts even after its controller stepped down.
    const claim = singleActiveController();
    expect(check(claim, view(5_000, stale([1_000, 3_000]), newer))).toBeUndefined();
    expect(check(claim, view(60_000, stale([1_000, 3_000]), node(1, { type: 'Unattached', epoch: 3 })))).toMatch(/active in epoch 2 since 5000 ms/);
  });
});

describe('NoDisruptiveElection', () => {
  const leader = (highWatermark: number) => node(2, { type: 'Leader', epoch: 3, active: true, highWatermark, log: [3, highWatermark] });

  it('fails when every candidate of the epoch that deposed a leader lacked what the leader had committed', () => {
    const claim = noDisruptiveElection();
    expect(check(claim, view(1_000, node(0, { type: 'Candidate', epoch: 4, log: [3, 23] }), node(1, { epoch: 3 }), leader(38)))).toBeUndefined();
    expect(check(claim, view(1_010, node(0, { type: 'Candidate', epoch: 4, log: [3, 23] }), node(1, { epoch: 3 }), node(2, { type: 'Unattached', epoch: 4, log: [3, 38] })))).toBe(
      'controller-2, Raft leader of epoch 3 (high watermark 38), was deposed by epoch 4 of controller-0, whose log ended at offset 23 (epoch 3) when it campaigned, while controller-2 had committed up to 38: that candidate could not win',
    );
  });

  it('holds when a candidate held the commits, or a log of an earlier epoch however long is not enough', () => {
    const deposedBy = (candidateLog: readonly [number, number]) => {
      const claim = noDisruptiveElection();
      check(claim, view(1_000, node(0, { type: 'Candidate', epoch: 4, log: candidateLog }), leader(38)));
      return check(claim, view(1_010, node(0, { type: 'Candidate', epoch: 4, log: candidateLog }), node(2, { type: 'Follower', epoch: 4, log: [3, 38] })));
    };
    expect(deposedBy([3, 38])).toBeUndefined();
    expect(deposedBy([3, 40])).toBeUndefined();
    expect(deposedBy([2, 90])).toMatch(/could not win/);
  });

  it('leaves alone a leader that resigned or restarted, and an epoch whose campaign it did not lead through', () => {
    const claim = noDisruptiveElection();
    check(claim, view(1_000, node(0, { type: 'Candidate', epoch: 4, log: [3, 23] }), leader(38)));
    expect(check(claim, view(1_010, node(0, { type: 'Candidate', epoch: 4, log: [3, 23] }), node(2, { type: 'Resigned', epoch: 3 })))).toBeUndefined();
    expect(check(claim, view(1_020, node(0, { type: 'Candidate', epoch: 4, log: [3, 23] }), node(2, { type: 'Unattached', epoch: 4 })))).toBeUndefined();
    const restarted = noDisruptiveElection();
    check(restarted, view(1_000, node(0, { type: 'Candidate', epoch: 4, log: [3, 23] }), leader(38)));
    expect(check(restarted, view(1_010, node(0, { type: 'Candidate', epoch: 4, log: [3, 23] }), node(2, { type: 'Unattached', epoch: 4, incarnation: 2 })))).toBeUndefined();
    // The candidate campaigned before the deposed controller led: no commitment of it to hold.
    const later = noDisruptiveElection();
    check(later, view(1_000, node(0, { type: 'Candidate', epoch: 4, log: [2, 5] }), node(2, { type: 'Candidate', epoch: 3 })));
    check(later, view(1_005, node(0, { type: 'Candidate', epoch: 4, log: [2, 5] }), leader(38)));
    expect(check(later, view(1_010, node(0, { type: 'Candidate', epoch: 4, log: [2, 5] }), node(2, { type: 'Unattached', epoch: 4 })))).toBeUndefined();
  });
});

describe('NoDisruptiveElection with PreVote rounds', () => {
  const leader = (highWatermark: number) => node(2, { type: 'Leader', epoch: 3, active: true, highWatermark, log: [3, highWatermark] });
  const candidate = node(0, { type: 'Candidate', epoch: 4, log: [3, 40] });
  const deposed = node(2, { type: 'Unattached', epoch: 4, log: [3, 45] });

  it('holds a candidate to what the leader had committed when its PreVote round began (default seed 8538)', () => {
    // controller-0 is Prospective while leader 2 has committed 40, which it holds; the leader
    // commits 45 before the grant makes controller-0 a Candidate: Kafka's race, not a disruption.
    const claim = noDisruptiveElection();
    const prospective = node(0, { type: 'Prospective', epoch: 3, log: [3, 40] });
    expect(check(claim, view(1_000, prospective, leader(40)))).toBeUndefined();
    expect(check(claim, view(1_005, prospective, leader(45)))).toBeUndefined();
    expect(check(claim, view(1_010, candidate, leader(45)))).toBeUndefined();
    expect(check(claim, view(1_020, candidate, deposed))).toBeUndefined();
  });

  it('fails when the candidate lacked what the leader had committed when its round began', () => {
    const claim = noDisruptiveElection();
    const prospective = node(0, { type: 'Prospective', epoch: 3, log: [3, 40] });
    expect(check(claim, view(1_000, prospective, leader(45)))).toBeUndefined();
    expect(check(claim, view(1_010, candidate, leader(45)))).toBeUndefined();
    expect(check(claim, view(1_020, candidate, deposed))).toMatch(/^controller-2, Raft leader of epoch 3 \(high watermark 45\), was deposed by epoch 4 of controller-0, whose log ended at offset 40 \(epoch 3\) when it campaigned, while controller-2 had committed up to 45: that candidate could not win$/);
  });

  it('starts a new round with a new Prospective state, even at the same epoch, and forgets one that ended', () => {
    // A round lost and begun again in one event shows as another Prospective state object.
    const again = noDisruptiveElection();
    expect(check(again, view(1_000, node(0, { type: 'Prospective', epoch: 3, log: [3, 40] }), leader(40)))).toBeUndefined();
    expect(check(again, view(1_005, node(0, { type: 'Prospective', epoch: 3, log: [3, 40] }), leader(45)))).toBeUndefined();
    expect(check(again, view(1_010, candidate, leader(45)))).toBeUndefined();
    expect(check(again, view(1_020, candidate, deposed))).toMatch(/could not win/);
    // A round that ended (controller-0 followed the leader) is not the one its next candidacy came from.
    const ended = noDisruptiveElection();
    const prospective = node(0, { type: 'Prospective', epoch: 3, log: [3, 40] });
    expect(check(ended, view(1_000, prospective, leader(40)))).toBeUndefined();
    expect(check(ended, view(1_005, node(0, { type: 'Follower', epoch: 3, log: [3, 40] }), leader(45)))).toBeUndefined();
    expect(check(ended, view(1_010, candidate, leader(45)))).toBeUndefined();
    expect(check(ended, view(1_020, candidate, deposed))).toMatch(/could not win/);
  });
});

describe('QuorumLeaderCompleteness', () => {
  it('finds a leader without a record an earlier epoch committed, once', () => {
    const claim = quorumLeaderCompleteness();
    // controller-2 led epoch 1 and committed offsets 0..2; controller-0 leads epoch 2 holding 0..1 only.
    expect(check(claim, view(1_000, node(2, { type: 'Leader', epoch: 1, highWatermark: 3, raftLog: [1, 1, 1] })))).toBeUndefined();
    const found = check(claim, view(2_000, node(0, { type: 'Leader', epoch: 2, highWatermark: 2, raftLog: [1, 1, 2] }), node(2, { type: 'Follower', epoch: 2, highWatermark: 3, raftLog: [1, 1, 1] })));
    expect(found).toMatch(/^controller 0 leads epoch 2 without offset 2 \(epoch 1 record/);
  });

  it('reads nothing past the log end of an older epoch\'s leader that a newer epoch outgrew (kafka-15489)', () => {
    const claim = quorumLeaderCompleteness();
    // controller-1 still leads epoch 1 with a log ending at 2; controller-0 commits offsets 2 and 3 in epoch 2.
    const stale = node(1, { type: 'Leader', epoch: 1, highWatermark: 2, raftLog: [1, 1] });
    expect(check(claim, view(1_000, stale, node(0, { type: 'Leader', epoch: 2, highWatermark: 3, raftLog: [1, 1, 2] })))).toBeUndefined();
    expect(check(claim, view(2_000, stale, node(0, { type: 'Leader', epoch: 2, highWatermark: 4, raftLog: [1, 1, 2, 2] })))).toBeUndefined();
  });
});

describe('QuorumDurability', () => {
  const keys = [0, 1, 2].map((id) => ({ id, directoryId: `dir-${id}` }));
  const leader = (hw: number, end: number, voterKeys: readonly { id: number; directoryId: string | undefined }[] = keys) => node(0, { type: 'Leader', epoch: 1, active: true, highWatermark: hw, log: [1, end], leader: { electedAtMs: 0, epochStartOffset: 0, voters: [], voterKeys } });

  function excusedBy(claim: InvariantDefinition<KafkaClusterView>, at: KafkaClusterView): readonly string[] | undefined {
    if (claim.checker.type !== 'state') throw new Error('a state claim');
    const found = claim.checker.check(at);
    return typeof found === 'object' ? found.excusedBy : undefined;
  }

  it('holds while a majority keeps what it held, a minority may lose its copy', () => {
    const claim = quorumDurability();
    expect(check(claim, view(0, leader(10, 12), node(1, { log: [1, 10] }), node(2, { log: [1, 4] })))).toBeUndefined();
    // controller-2 restarts with less (a power loss): two of three still hold offset 10.
    expect(check(claim, view(1, leader(10, 12), node(1, { log: [1, 10] }), node(2, { log: [1, 0], incarnation: 2 })))).toBeUndefined();
  });

  it('catches committed metadata a majority held and no longer does', () => {
    const claim = quorumDurability();
    expect(check(claim, view(0, leader(10, 12), node(1, { log: [1, 10] }), node(2, { log: [1, 10] })))).toBeUndefined();
    // Two voters come back from power losses with their logs at 3 and 0: offset 10 is on one voter.
    expect(check(claim, view(1, leader(10, 12), node(1, { log: [1, 3], incarnation: 2 }), node(2, { log: [1, 0], incarnation: 2 })))).toBe(
      'metadata committed up to offset 10 (controller-0 had high watermark 10) was on a majority of the 3 voters and is now on 1: controller-1 ends at 3, controller-2 ends at 0',
    );
  });

  it('excuses, per moment, a shortfall only replaced disks make up, naming them', () => {
    const claim = quorumDurability();
    expect(check(claim, view(0, leader(10, 12), node(1, { log: [1, 10] }), node(2, { log: [1, 10] })))).toBeUndefined();
    const replaced = { ...node(2, { log: [1, 0], incarnation: 2 }), directoryId: 'dir-2b' };
    const lost = view(1, leader(10, 12), node(1, { log: [1, 3], incarnation: 2 }), replaced);
    expect(check(claim, lost)).toMatch(/is now on 1: controller-1 ends at 3; the rest lost their copies with their disks$/);
    expect(excusedBy(quorumDurability(), lost)).toBeUndefined();
    expect(excusedBy(claim, lost)).toEqual(['disk-loss of controller-2 (voter 2@dir-2, its log then ending at 10, its directory now dir-2b)']);
    // Without the replaced disk making up the shortfall, it is not excused.
    const both = { ...node(1, { log: [1, 3], incarnation: 2 }), directoryId: 'dir-1' };
    expect(excusedBy(claim, view(2, leader(10, 12), both, node(2, { log: [1, 0], incarnation: 3 })))).toBeUndefined();
  });

  // Default seed 453: controller-2's disk is replaced while controller-1 lags, and controller-2 then
  // removes its old key (KIP-853 auto-join), leaving two voters, one of which holds offset 10.
  const twoVoters = keys.slice(0, 2);
  const replacedDisk = (log: number) => ({ ...node(2, { log: [1, log], incarnation: 2 }), directoryId: 'dir-2b' });

  it('follows a destroyed copy after its key left the voter set, until the record is on a majority again', () => {
    const claim = quorumDurability();
    expect(check(claim, view(0, leader(10, 12), node(1, { log: [1, 4] }), node(2, { log: [1, 10] })))).toBeUndefined();
    expect(excusedBy(claim, view(1, leader(10, 12), node(1, { log: [1, 4] }), replacedDisk(0)))).toEqual(['disk-loss of controller-2 (voter 2@dir-2, its log then ending at 10, its directory now dir-2b)']);
    const removed = view(2, leader(10, 12, twoVoters), node(1, { log: [1, 4] }), replacedDisk(0));
    expect(check(claim, removed)).toBe('metadata committed up to offset 10 (controller-0 had high watermark 10) was on a majority of the 2 voters and is now on 1: controller-1 ends at 4; the rest lost their copies with their disks');
    expect(excusedBy(claim, removed)).toEqual(['disk-loss of controller-2 (voter 2@dir-2, its log then ending at 10, its directory now dir-2b, its key since removed from the voters)']);
    // Without the history that saw controller-2's copy destroyed, nothing excuses the same moment.
    expect(excusedBy(quorumDurability(), view(0, leader(10, 12, twoVoters), node(1, { log: [1, 10] }), replacedDisk(0)))).toBeUndefined();
  });

  it('does not let a destroyed copy excuse a record it did not hold, nor a loss after the record was on a majority again', () => {
    // controller-2's copy ended at 4 when its disk went: offset 10's shortfall is controller-1's.
    const lagging = quorumDurability();
    expect(check(lagging, view(0, leader(10, 12), node(1, { log: [1, 10] }), node(2, { log: [1, 4] })))).toBeUndefined();
    expect(check(lagging, view(1, leader(10, 12), node(1, { log: [1, 10] }), replacedDisk(0)))).toBeUndefined();
    expect(check(lagging, view(2, leader(10, 12, twoVoters), node(1, { log: [1, 3], incarnation: 2 }), replacedDisk(0)))).toBe(
      'metadata committed up to offset 10 (controller-0 had high watermark 10) was on a majority of the 2 voters and is now on 1: controller-1 ends at 3',
    );
    // The copy held offset 10, but controller-1 caught up after the loss: what it loses later is its own.
    const caughtUp = quorumDurability();
    check(caughtUp, view(0, leader(10, 12), node(1, { log: [1, 4] }), node(2, { log: [1, 10] })));
    expect(excusedBy(caughtUp, view(1, leader(10, 12), node(1, { log: [1, 4] }), replacedDisk(0)))).toHaveLength(1);
    expect(excusedBy(caughtUp, view(2, leader(10, 12, twoVoters), node(1, { log: [1, 4] }), replacedDisk(0)))).toHaveLength(1);
    expect(check(caughtUp, view(3, leader(10, 12, twoVoters), node(1, { log: [1, 12], highWatermark: 10 }), replacedDisk(0)))).toBeUndefined();
    expect(check(caughtUp, view(4, leader(10, 12, twoVoters), node(1, { log: [1, 4], incarnation: 2 }), replacedDisk(0)))).toMatch(/is now on 1: controller-1 ends at 4$/);
    // A log end past the record, without the high watermark to say it holds it, may be a divergent
    // tail (default seed 110: controller-1 ended at 12 in an older epoch's records, and truncated to
    // 4 on following the leader): the destroyed copy still excuses the shortfall.
    const divergent = quorumDurability();
    check(divergent, view(0, leader(10, 12), node(1, { log: [1, 4] }), node(2, { log: [1, 10] })));
    expect(check(divergent, view(1, leader(10, 12), node(1, { log: [1, 12] }), replacedDisk(0)))).toBeUndefined();
    expect(excusedBy(divergent, view(2, leader(10, 12), node(1, { log: [1, 4] }), replacedDisk(0)))).toHaveLength(1);
    // Static voters (kraft.version 0, the amnesiac-voter mutant): a replaced disk is the same voter, emptied.
    const staticKeys = [0, 1, 2].map((id) => ({ id, directoryId: undefined }));
    const amnesiac = quorumDurability();
    check(amnesiac, view(0, leader(10, 12, staticKeys), node(1, { log: [1, 4] }), node(2, { log: [1, 10] })));
    expect(check(amnesiac, view(1, leader(10, 12, staticKeys), node(1, { log: [1, 4] }), replacedDisk(0)))).toMatch(/is now on 1: controller-1 ends at 4, controller-2 ends at 0$/);
  });
});

describe('QuorumMajorityReachedHighWatermark', () => {
  const keys = [0, 1, 2].map((id) => ({ id, directoryId: `dir-${id}` }));
  const leader = (hw: number, voterKeys: readonly { id: number; directoryId: string }[] = keys) => node(0, { type: 'Leader', epoch: 1, active: true, highWatermark: hw, log: [1, 12], leader: { electedAtMs: 0, epochStartOffset: 0, voters: [], voterKeys } });
  const replacedDisk = (log: number) => ({ ...node(2, { log: [1, log], incarnation: 2 }), directoryId: 'dir-2b' });
  const claim = () => raftQuorumClaims().find((candidate) => candidate.name === 'QuorumMajorityReachedHighWatermark') as InvariantDefinition<KafkaClusterView>;
  function finding(on: InvariantDefinition<KafkaClusterView>, at: KafkaClusterView): Finding | undefined {
    if (on.checker.type !== 'state') throw new Error('a state claim');
    const found = on.checker.check(at);
    return typeof found === 'object' ? found : undefined;
  }

  it('excuses the HW missing from a majority of the voters left after a replaced voter\'s key was removed (default seed 453)', () => {
    const majority = claim();
    expect(check(majority, view(0, leader(10), node(1, { log: [1, 4] }), node(2, { log: [1, 10] })))).toBeUndefined();
    expect(finding(majority, view(1, leader(10), node(1, { log: [1, 4] }), replacedDisk(0)))?.excusedBy).toHaveLength(1);
    const removed = finding(majority, view(2, leader(10, keys.slice(0, 2)), node(1, { log: [1, 4] }), replacedDisk(0)));
    expect(removed?.message).toBe('HW 10 of leader 0 is on 1 of 2 voters: the rest lost their copies with their disks');
    expect(removed?.excusedBy).toEqual(['disk-loss of node 2 (voter 2@dir-2, its log then ending at 10, its directory now dir-2b, its key since removed from the voters)']);
  });

  it('does not excuse it once the HW was on a majority again, nor by a copy that lacked it', () => {
    const majority = claim();
    check(majority, view(0, leader(10), node(1, { log: [1, 4] }), node(2, { log: [1, 10] })));
    check(majority, view(1, leader(10), node(1, { log: [1, 4] }), replacedDisk(0)));
    expect(check(majority, view(2, leader(10, keys.slice(0, 2)), node(1, { log: [1, 10], highWatermark: 10 }), replacedDisk(0)))).toBeUndefined();
    const later = finding(majority, view(3, leader(10, keys.slice(0, 2)), node(1, { log: [1, 4], incarnation: 2 }), replacedDisk(0)));
    expect(later?.message).toBe('HW 10 of leader 0 is on 1 of 2 voters');
    expect(later?.excusedBy).toBeUndefined();
    // controller-2's copy ended at 8 when its disk went: it never held the HW 10.
    const lagging = claim();
    check(lagging, view(0, leader(10), node(1, { log: [1, 10] }), node(2, { log: [1, 8] })));
    check(lagging, view(1, leader(10), node(1, { log: [1, 10] }), replacedDisk(0)));
    const short = finding(lagging, view(2, leader(10, keys.slice(0, 2)), node(1, { log: [1, 4], incarnation: 2 }), replacedDisk(0)));
    expect(short?.message).toBe('HW 10 of leader 0 is on 1 of 2 voters');
    expect(short?.excusedBy).toBeUndefined();
  });
});

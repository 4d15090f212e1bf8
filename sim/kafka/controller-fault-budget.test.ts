import { describe, expect, it } from 'vitest';
import { VoterSet } from '../../impl/raft/voter-set.ts';
import { controllerFaultBudget } from './kafka-system.ts';
import type { KafkaClusterView } from './kafka-view.ts';
import type { QuorumNodeView } from './quorum-view.ts';

// The controllers' fault budget (KIP-853): a controller is impaired from the loss of its disk until
// the committed voter set names the directory it runs on, and at most (voters - 1) / 2 may be
// impaired at once. Judged on hand-made views of three controllers.

const INITIAL = new VoterSet([{ id: 0, directoryId: 'dir-0' }, { id: 1, directoryId: 'dir-1' }, { id: 2, directoryId: 'dir-2' }]);

function controller(id: number, directoryId: string | undefined, options: { running?: boolean; highWatermark?: number; voters?: VoterSet } = {}): QuorumNodeView {
  const running = options.running ?? true;
  return {
    controllerId: id, node: `controller-${id}`, running, incarnation: 1, persisted: undefined,
    state: running ? { type: 'Follower', epoch: 1, leaderId: 0 } : undefined,
    highWatermark: running ? (options.highWatermark ?? 10) : undefined,
    logEndOffset: 10, logEndEpoch: 1, fetchTimeoutMs: 2_000, leader: undefined, active: false, committedOffset: 10, committedEntries: [],
    directoryId, isVoter: running, committedVoters: running ? (options.voters ?? INITIAL).voterKeys() : [], raftLog: undefined,
  };
}

const view = (quorum: QuorumNodeView[]): KafkaClusterView => ({ quorum }) as unknown as KafkaClusterView;
const diskLoss = (node: string) => ({ kind: 'disk-loss' as const, nodes: [node], diskFaulted: [] });

describe('controllerFaultBudget', () => {
  it('lets one controller of three lose its disk, and holds back a second until the first is a voter again', () => {
    const whole = view([controller(0, 'dir-0'), controller(1, 'dir-1'), controller(2, 'dir-2')]);
    expect(controllerFaultBudget(whole, diskLoss('controller-1'), INITIAL)).toBeUndefined();
    // controller-1's disk was replaced: down and unformatted, then an observer on dir-1b.
    const down = view([controller(0, 'dir-0'), controller(1, undefined, { running: false }), controller(2, 'dir-2')]);
    expect(controllerFaultBudget(down, diskLoss('controller-2'), INITIAL)).toMatch(/^controllers 1,2 would have lost their metadata logs at once/);
    expect(controllerFaultBudget(down, diskLoss('controller-1'), INITIAL)).toBeUndefined();
    const observing = view([controller(0, 'dir-0'), controller(1, 'dir-1b'), controller(2, 'dir-2')]);
    expect(controllerFaultBudget(observing, diskLoss('controller-0'), INITIAL)).toMatch(/^controllers 0,1 /);
    // Re-admitted: the committed voters (of the controller with the greatest high watermark) name dir-1b.
    const readmitted = new VoterSet([{ id: 0, directoryId: 'dir-0' }, { id: 1, directoryId: 'dir-1b' }, { id: 2, directoryId: 'dir-2' }]);
    const back = view([controller(0, 'dir-0', { highWatermark: 20, voters: readmitted }), controller(1, 'dir-1b', { highWatermark: 12 }), controller(2, 'dir-2')]);
    expect(controllerFaultBudget(back, diskLoss('controller-0'), INITIAL)).toBeUndefined();
  });

  it('takes static voters (no directory ids) with the initial directories, and leaves other faults and brokers alone', () => {
    const statics = VoterSet.ofIds([0, 1, 2]);
    const amnesiac = view([controller(0, 'dir-0', { voters: statics }), controller(1, 'dir-1b', { voters: statics }), controller(2, 'dir-2', { voters: statics })]);
    expect(controllerFaultBudget(amnesiac, diskLoss('controller-2'), INITIAL)).toMatch(/^controllers 1,2 /);
    expect(controllerFaultBudget(amnesiac, { kind: 'crash', nodes: ['controller-2'], diskFaulted: [] }, INITIAL)).toBeUndefined();
    expect(controllerFaultBudget(amnesiac, diskLoss('broker-0'), INITIAL)).toBeUndefined();
  });

  it('never lets the only controller lose its disk', () => {
    const single = new VoterSet([{ id: 0, directoryId: 'dir-0' }]);
    expect(controllerFaultBudget(view([controller(0, 'dir-0', { voters: single })]), diskLoss('controller-0'), single)).toMatch(/^controllers 0 .*\(1 voters - 1\) \/ 2/);
  });
});

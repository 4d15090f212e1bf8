import { describe, expect, it } from 'vitest';
import type { BrokerRegistration, PartitionRegistration } from '../../impl/controller/controller-state.ts';
import type { BrokerView, CoordinatorShardView, GroupMemberClientView, GroupsView, KafkaClusterView, ReplicaView } from './kafka-view.ts';
import { CHANGES_KEPT_PER_PARTITION, describeGroupChange, PROGRESS_WINDOW_MS, StateTimeline } from './state-timeline.ts';

// The timeline reads only what changed in each view: these views carry just the fields it reads.

function registration(leader: number, leaderEpoch: number, isr: number[]): PartitionRegistration {
  return { topicName: 't', topicId: 't#1', partitionId: 0, replicas: [0, 1, 2], isr, elr: [], lastKnownElr: [], leader, leaderEpoch, partitionEpoch: leaderEpoch } as PartitionRegistration;
}

function replica(brokerId: number, role: ReplicaView['role'], leaderEpoch: number, logEndOffset: number, highWatermark: number): ReplicaView {
  return { brokerId, name: 't-0', role, leaderEpoch, logEndOffset, highWatermark, logStartOffset: 0 } as ReplicaView;
}

function broker(brokerId: number, replicas: ReplicaView[], incarnation = 1): BrokerView {
  return { brokerId, status: 'running', incarnation, replicas } as unknown as BrokerView;
}

function view(nowMs: number, partitions: PartitionRegistration[], brokers: BrokerView[], registrations: BrokerRegistration[] = []): KafkaClusterView {
  return { nowMs, controller: { partitions, brokers: registrations, topics: [], metadataOffset: 0, registrationShutdowns: [] }, brokers } as unknown as KafkaClusterView;
}

describe('StateTimeline', () => {
  it('keeps each new registration, each replica change and coalesced growth, in time order', () => {
    const timeline = new StateTimeline('controller-0');
    const notes: string[] = [];
    const note = (node: string, name: string, _value: number, detail: string): void => void notes.push(`${node} ${name}: ${detail}`);
    const first = registration(0, 0, [0, 1]);
    const partitions = [first];
    timeline.observe(view(10, partitions, [broker(0, [replica(0, 'leader', 0, 0, 0)])]), note);
    // The same registration object again, and a new array holding it: nothing new.
    timeline.observe(view(11, [first], [broker(0, [replica(0, 'leader', 0, 0, 0)])]), note);
    timeline.observe(view(20, [first], [broker(0, [replica(0, 'leader', 0, 5, 3)])]), note);
    timeline.observe(view(30, [first], [broker(0, [replica(0, 'leader', 0, 9, 9)])]), note);
    // A restarted controller's registration: a new object with the same content is no change.
    timeline.observe(view(35, [registration(0, 0, [0, 1])], [broker(0, [replica(0, 'leader', 0, 9, 9)])]), note);
    timeline.observe(view(40, [registration(1, 1, [1])], [broker(0, [replica(0, 'follower', 1, 7, 7)])]), note);
    const { changes, dropped } = timeline.history('t-0');
    expect(dropped).toBe(0);
    expect(changes.map((change) => [change.type, change.atMs])).toEqual([
      ['registration', 10],
      ['replica', 10],
      ['progress', 20],
      ['registration', 40],
      ['replica', 40],
    ]);
    expect(changes[2]).toMatchObject({ brokerId: 0, toMs: 30, logEndOffset: [0, 9], highWatermark: [0, 9], changes: 2 });
    expect(changes[4]).toMatchObject({ role: 'follower', leaderEpoch: 1, logEndOffset: 7, before: { role: 'leader', leaderEpoch: 0, logEndOffset: 9, highWatermark: 9 } });
    expect(notes).toEqual([
      'controller-0 t-0: leader 0, leader epoch 0, ISR 0,1, ELR none, partition epoch 0',
      'broker-0 t-0: leader, leader epoch 0, log end 0, high watermark 0',
      'broker-0 t-0: leader, leader epoch 0, log end 5, high watermark 3',
      'broker-0 t-0: leader, leader epoch 0, log end 9, high watermark 9',
      'controller-0 t-0: leader 1, leader epoch 1, ISR 1, ELR none, partition epoch 1',
      'broker-0 t-0: follower, leader epoch 1, log end 7, high watermark 7',
    ]);
  });

  it('tells growth in steps of at most the progress window, and a restarted replica as new', () => {
    const timeline = new StateTimeline('controller-0');
    for (let step = 0; step <= 3; step++) timeline.observe(view(step * PROGRESS_WINDOW_MS, [], [broker(1, [replica(1, 'follower', 0, step * 10, step * 10)])]));
    timeline.observe(view(5_000, [], [broker(1, [replica(1, 'follower', 0, 0, 0)], 2)]));
    const changes = timeline.history('t-0').changes;
    expect(changes.map((change) => change.type)).toEqual(['replica', 'progress', 'progress', 'progress', 'replica']);
    expect(changes.at(-1)).not.toHaveProperty('before');
  });

  it('keeps the fencing of brokers as the controller registers it', () => {
    const timeline = new StateTimeline('controller-0');
    const fenced = { brokerId: 2, brokerEpoch: 7, fenced: true, inControlledShutdown: false } as BrokerRegistration;
    timeline.observe(view(1, [], [], [fenced]));
    timeline.observe(view(2, [], [], [{ ...fenced }]));
    timeline.observe(view(3, [], [], [{ ...fenced, fenced: false }]));
    expect(timeline.brokerChanges.toArray().map((change) => [change.atMs, change.fenced])).toEqual([[1, true], [3, false]]);
  });

  it('is bounded: a partition keeps its last changes and counts the ones it dropped', () => {
    const timeline = new StateTimeline('controller-0');
    const total = CHANGES_KEPT_PER_PARTITION + 10;
    for (let epoch = 0; epoch < total; epoch++) timeline.observe(view(epoch, [registration(epoch % 3, epoch, [epoch % 3])], []));
    const { changes, dropped } = timeline.history('t-0');
    expect(changes).toHaveLength(CHANGES_KEPT_PER_PARTITION);
    expect(dropped).toBe(10);
    expect(changes[0]).toMatchObject({ type: 'registration', leaderEpoch: 10 });
  });

  it('keeps a group\'s generations as each coordinator shows them and its consumers\' own views, skipping views that did not change', () => {
    const timeline = new StateTimeline('controller-0');
    const shard = (generationId: number, members: [string, string[]][]): CoordinatorShardView => ({
      brokerId: 1, partition: 0, epoch: 3, state: 'ACTIVE',
      groups: [{ groupId: 'g', state: 'Stable', generationId, protocolName: 'range', leaderId: members[0]?.[0] ?? null, members: members.map(([memberId, owned]) => ({ memberId, groupInstanceId: null, clientId: 'c', clientHost: 'h', assignment: owned.map((name) => ({ topic: 't', partition: Number(name.slice(2)) })) })) }],
    });
    const member = (memberId: string, generationId: number): GroupMemberClientView => ({ name: 'consumer-0', groupId: 'g', memberId, generationId, state: 'STABLE', owned: [{ topic: 't', partition: 0 }], assignedInGeneration: generationId });
    const groupsView = (shards: CoordinatorShardView[], members: GroupMemberClientView[]): GroupsView => ({ shards, members });
    const withGroups = (nowMs: number, groups: GroupsView): KafkaClusterView => ({ ...view(nowMs, [], []), groups }) as KafkaClusterView;
    const first = groupsView([shard(1, [['m1', ['t-0']]])], [member('m1', 1)]);
    timeline.observe(withGroups(10, first));
    // The same view again, and a new view of the same content: nothing new.
    timeline.observe(withGroups(11, first));
    timeline.observe(withGroups(12, groupsView([shard(1, [['m1', ['t-0']]])], [member('m1', 1)])));
    timeline.observe(withGroups(20, groupsView([shard(2, [['m2', ['t-0']]])], [member('m1', 1)])));
    const { changes, dropped } = timeline.groupHistory('g');
    expect(dropped).toBe(0);
    expect(changes.map((change) => [change.atMs, change.type])).toEqual([[10, 'coordinator'], [10, 'member'], [20, 'coordinator']]);
    expect(describeGroupChange(changes[2]!)).toBe('group g coordinator (__consumer_offsets-0, epoch 3): generation 2 Stable, leader m2; m2 [t-0]');
    expect(describeGroupChange(changes[1]!)).toBe('group g member m1, generation 1, STABLE, owns t-0');
    expect(timeline.groupHistory('other')).toEqual({ changes: [], dropped: 0 });
  });
});

import { describe, expect, it } from 'vitest';
import type { PartitionRegistration } from '../../impl/controller/controller-state.ts';
import { describeGroupMembers, describeGroups } from './describe-groups.ts';
import type { BrokerView, CoordinatorGroupView, CoordinatorShardView, KafkaClusterView, ReplicaView } from './kafka-view.ts';

// describeGroups on views built by hand: one broker leading topic `t` (3 partitions) and the
// single `__consumer_offsets` partition, whose coordinator shard holds the groups under test. Each
// test states what Kafka's ConsumerGroupCommand prints for the group's state, assignment and
// committed offsets, column by column.

function registration(topicName: string, partitionId: number, leader: number, leaderEpoch = 1): PartitionRegistration {
  return { topicName, partitionId, leader, leaderEpoch } as unknown as PartitionRegistration;
}

function replica(name: string, highWatermark: number, role: ReplicaView['role'] = 'leader'): ReplicaView {
  return { name, role, highWatermark, logEndOffset: highWatermark + 5 } as unknown as ReplicaView;
}

function member(memberId: string, client: string, partitions: number[]): CoordinatorGroupView['members'][number] {
  return { memberId, groupInstanceId: null, clientId: client, clientHost: `/${client}`, assignment: partitions.map((partition) => ({ topic: 't', partition })) };
}

function group(groupId: string, state: CoordinatorGroupView['state'], members: CoordinatorGroupView['members'], offsets: Record<number, number>): CoordinatorGroupView {
  const committedOffsets = Object.entries(offsets).map(([partition, committedOffset]) => ({ topic: 't', partition: Number(partition), committedOffset }));
  return { groupId, state, generationId: 3, protocolName: 'range', leaderId: members[0]?.memberId ?? null, members, committedOffsets };
}

/** The cluster: partition 2 of `t` has no leader unless `leaderless` is false; the shard is ACTIVE unless said otherwise. */
function view(groups: CoordinatorGroupView[], options: { leaderless?: boolean; shardState?: CoordinatorShardView['state'] } = {}): KafkaClusterView {
  const leaderless = options.leaderless ?? true;
  const partitions = [registration('t', 0, 1), registration('t', 1, 1), registration('t', 2, leaderless ? -1 : 1), registration('__consumer_offsets', 0, 1, 4)];
  const broker = { brokerId: 1, status: 'running', replicas: [replica('t-0', 120), replica('t-1', 80), replica('t-2', 60)] } as unknown as BrokerView;
  const shard: CoordinatorShardView = { brokerId: 1, partition: 0, epoch: 4, state: options.shardState ?? 'ACTIVE', groups };
  const topics = [{ name: 't', topicId: 't#1', partitions: 3, configs: {} }, { name: '__consumer_offsets', topicId: 'o#1', partitions: 1, configs: {} }];
  return { controller: { partitions, topics }, brokers: [broker], groups: { shards: [shard], members: [] } } as unknown as KafkaClusterView;
}

describe('describeGroups: kafka-consumer-groups.sh --describe', () => {
  it('prints a Stable group: members with more partitions first, the high watermark as LOG-END-OFFSET, - where unknown', () => {
    const stable = group('orders', 'Stable', [member('c1-aaa', 'c1', [1]), member('c2-bbb', 'c2', [2, 0]), member('idle-ccc', 'idle', [])], { 0: 100, 1: 80 });
    expect(describeGroups(view([stable]))).toEqual([
      '',
      'GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID',
      'orders          t               0          100             120             20              c2-bbb          /c2             c2',
      'orders          t               2          -               -               -               c2-bbb          /c2             c2',
      'orders          t               1          80              80              0               c1-aaa          /c1             c1',
    ]);
  });

  it('widens a column to its longest value', () => {
    const stable = group('g', 'Stable', [member('consumer-with-a-long-member-id', 'c1', [0])], {});
    const [, header, row] = describeGroups(view([stable]));
    expect(header).toBe('GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID                    HOST            CLIENT-ID');
    expect(row).toBe('g               t               0          -               120             -               consumer-with-a-long-member-id /c1             c1');
  });

  it('shows a rebalancing group\'s committed offsets only, with no consumer, after Kafka\'s warning', () => {
    for (const state of ['PreparingRebalance', 'CompletingRebalance'] as const) {
      const rebalancing = group('orders', state, [member('c1-aaa', 'c1', [0, 1])], { 1: 70 });
      expect(describeGroups(view([rebalancing], { leaderless: false }))).toEqual([
        '',
        "Warning: Consumer group 'orders' is rebalancing.",
        '',
        'GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID',
        'orders          t               1          70              80              10              -               -               -',
      ]);
    }
  });

  it('says an Empty group has no active members, then prints its offsets; nothing more for a group with no row', () => {
    const empty = group('a-empty', 'Empty', [], { 2: 50 });
    const bare = group('b-bare', 'Stable', [member('c1-aaa', 'c1', [])], {});
    expect(describeGroups(view([bare, empty], { leaderless: false }))).toEqual([
      '',
      "Consumer group 'a-empty' has no active members.",
      '',
      'GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID',
      'a-empty         t               2          50              60              10              -               -               -',
    ]);
  });

  it('reports a Dead group, an unknown group and a group whose coordinator is not loaded as Kafka does', () => {
    const dead = group('dead', 'Dead', [], { 0: 1 });
    expect(describeGroups(view([dead]), ['missing'])).toEqual(['', "Error: Consumer group 'dead' does not exist.", '', "Error: Consumer group 'missing' does not exist."]);
    expect(describeGroups(view([dead], { shardState: 'LOADING' }), ['dead'])).toEqual(['', "Error: Executing consumer group command failed due to COORDINATOR_NOT_AVAILABLE (group 'dead')"]);
  });

  it('reads the leader\'s high watermark only from a running broker that acts as leader', () => {
    const stable = group('g', 'Stable', [member('c1', 'c1', [0])], { 0: 100 });
    const cluster = view([stable]);
    const follower = { ...cluster, brokers: [{ ...cluster.brokers[0], replicas: [replica('t-0', 120, 'follower')] }] } as unknown as KafkaClusterView;
    expect(describeGroups(follower)[2]).toBe('g               t               0          100             -               -               c1              /c1             c1');
  });
});

describe('describeGroupMembers: kafka-consumer-groups.sh --describe --members', () => {
  it('lists every member of a Stable group with its partition count, an idle member with 0', () => {
    const stable = group('orders', 'Stable', [member('c1-aaa', 'c1', [1]), member('c2-bbb', 'c2', [2, 0]), member('idle-ccc', 'idle', [])], {});
    expect(describeGroupMembers(view([stable]))).toEqual([
      '',
      'GROUP           CONSUMER-ID     HOST            CLIENT-ID       #PARTITIONS     ',
      'orders          c1-aaa          /c1             c1              1               ',
      'orders          c2-bbb          /c2             c2              2               ',
      'orders          idle-ccc        /idle           idle            0               ',
    ]);
  });

  it('shows a static member\'s GROUP-INSTANCE-ID, and 0 partitions while the group rebalances', () => {
    const members = [{ ...member('c1-aaa', 'c1', [0]), groupInstanceId: 'instance-1' }, member('c2-bbb', 'c2', [1])];
    expect(describeGroupMembers(view([group('g', 'CompletingRebalance', members, {})]))).toEqual([
      '',
      "Warning: Consumer group 'g' is rebalancing.",
      '',
      'GROUP           CONSUMER-ID     GROUP-INSTANCE-ID HOST            CLIENT-ID       #PARTITIONS     ',
      'g               c1-aaa          instance-1        /c1             c1              0               ',
      'g               c2-bbb          -                 /c2             c2              0               ',
    ]);
  });

  it('describes only the groups asked for with only, every group otherwise', () => {
    const groups = [group('a', 'Stable', [member('c1-aaa', 'c1', [0])], {}), group('b', 'Stable', [member('c2-bbb', 'c2', [1])], {})];
    expect(describeGroupMembers(view(groups), ['b'], true).filter((line) => line.startsWith('a '))).toEqual([]);
    expect(describeGroupMembers(view(groups), ['b']).filter((line) => line.startsWith('a '))).toHaveLength(1);
    expect(describeGroups(view(groups), ['b'], true).filter((line) => line.startsWith('a '))).toEqual([]);
  });
});

import { assert } from '../../common/assert.ts';
import {
  compareMembers,
  sortedMemberIds,
  subscribedPartitionsPerTopic,
  toGroupAssignment,
  type ConsumerPartitionAssignor,
  type GroupAssignment,
  type GroupSubscription,
  type PartitionsPerTopic,
  type TopicPartition,
} from './consumer-partition-assignor.ts';

/**
 * Kafka's `RangeAssignor` (`range`, clients/.../consumer/RangeAssignor.java), topic by topic: the
 * topic's subscribers are sorted (static members by `group.instance.id` first, then member id:
 * `MemberInfo.compareTo`), and with P partitions and C subscribers each gets a contiguous range of
 * P / C partitions, the first P % C one more. Because every topic is split the same way, members
 * get the same partition numbers of co-partitioned topics (which joins need), at the price of
 * imbalance across topics: with two topics of 3 partitions and two members, one gets 4.
 *
 * Static members keep their ranges across restarts (KIP-345: a static member comes back with a new
 * member id but the same instance id, and the order is by instance id).
 *
 * Rack-aware range assignment (KIP-881) is not modelled; see consumer-partition-assignor.ts.
 */
export const RangeAssignor: ConsumerPartitionAssignor = {
  name: 'range',
  supportedProtocols: ['EAGER'],
  subscriptionUserData: () => undefined,
  assign: rangeAssign,
};

function rangeAssign(partitionsPerTopic: PartitionsPerTopic, subscriptions: GroupSubscription): GroupAssignment {
  const memberIds = sortedMemberIds(subscriptions);
  const partitionsByMember = new Map<string, TopicPartition[]>(memberIds.map((memberId) => [memberId, []]));
  // Topics in sorted order, so that each member's list is sorted by topic; Kafka visits them in
  // HashMap order, which changes only the order within a member's list.
  for (const [topic, numPartitions] of subscribedPartitionsPerTopic(partitionsPerTopic, subscriptions)) {
    const consumers = consumersOfTopic(topic, subscriptions, memberIds);
    assert(consumers.length > 0, `topic ${topic} is subscribed but has no consumer`);
    const numPartitionsPerConsumer = Math.floor(numPartitions / consumers.length);
    const consumersWithExtraPartition = numPartitions % consumers.length;
    let next = 0;
    for (const [index, consumer] of consumers.entries()) {
      const length = numPartitionsPerConsumer + (index < consumersWithExtraPartition ? 1 : 0);
      const partitions = partitionsByMember.get(consumer);
      assert(partitions !== undefined, `range: unknown consumer ${consumer}`);
      for (let partition = next; partition < next + length; partition++) partitions.push({ topic, partition });
      next += length;
    }
    assert(next === numPartitions, `range: assigned ${next} of ${numPartitions} partitions of ${topic}`);
  }
  return toGroupAssignment(memberIds, partitionsByMember);
}

/** The members subscribed to `topic`, in `MemberInfo` order. */
function consumersOfTopic(topic: string, subscriptions: GroupSubscription, memberIds: readonly string[]): string[] {
  const members: { memberId: string; groupInstanceId: string | undefined }[] = [];
  for (const memberId of memberIds) {
    const memberSubscription = subscriptions.get(memberId);
    assert(memberSubscription !== undefined, `no subscription for ${memberId}`);
    if (memberSubscription.topics.includes(topic)) {
      members.push({ memberId, groupInstanceId: memberSubscription.groupInstanceId });
    }
  }
  return members.sort(compareMembers).map((member) => member.memberId);
}

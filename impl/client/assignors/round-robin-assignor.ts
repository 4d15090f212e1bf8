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
 * Kafka's `RoundRobinAssignor` (`roundrobin`, clients/.../consumer/RoundRobinAssignor.java): every
 * partition of every subscribed topic, topics in sorted order and partitions in numeric order, is
 * dealt to the members in `MemberInfo` order (static members by instance id first, then member id)
 * round and round. A member not subscribed to a partition's topic is skipped for it, so with unequal
 * subscriptions the result can be badly unbalanced (AbstractStickyAssignorTest's
 * `testPoorRoundRobinAssignmentScenario` shows one member left with nothing).
 */
export const RoundRobinAssignor: ConsumerPartitionAssignor = {
  name: 'roundrobin',
  supportedProtocols: ['EAGER'],
  subscriptionUserData: () => undefined,
  assign: roundRobinAssign,
};

function roundRobinAssign(partitionsPerTopic: PartitionsPerTopic, subscriptions: GroupSubscription): GroupAssignment {
  const memberIds = sortedMemberIds(subscriptions);
  const partitionsByMember = new Map<string, TopicPartition[]>(memberIds.map((memberId) => [memberId, []]));
  const members = memberIds
    .map((memberId) => {
      const memberSubscription = subscriptions.get(memberId);
      assert(memberSubscription !== undefined, `no subscription for ${memberId}`);
      return { memberId, groupInstanceId: memberSubscription.groupInstanceId, topics: new Set(memberSubscription.topics) };
    })
    .sort(compareMembers);
  // Kafka's `CircularIterator`: `position` is the member `peek()` would return.
  let position = 0;
  for (const [topic, numPartitions] of subscribedPartitionsPerTopic(partitionsPerTopic, subscriptions)) {
    for (let partition = 0; partition < numPartitions; partition++) {
      // A subscribed topic has a subscriber, so one lap finds it.
      let skipped = 0;
      while (!memberAt(members, position).topics.has(topic)) {
        position = (position + 1) % members.length;
        skipped++;
        assert(skipped < members.length, `roundrobin: no member subscribes to ${topic}`);
      }
      const partitions = partitionsByMember.get(memberAt(members, position).memberId);
      assert(partitions !== undefined, 'roundrobin: member without an assignment list');
      partitions.push({ topic, partition });
      position = (position + 1) % members.length;
    }
  }
  return toGroupAssignment(memberIds, partitionsByMember);
}

function memberAt<T>(members: readonly T[], position: number): T {
  const member = members[position];
  assert(member !== undefined, `roundrobin: no member at ${position} of ${members.length}`);
  return member;
}

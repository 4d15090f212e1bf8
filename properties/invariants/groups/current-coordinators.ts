import { GROUP_METADATA_TOPIC_NAME, partitionFor } from '../../../impl/group/coordinator-partition.ts';
import type { Finding } from '../../../sim/invariants/invariant.ts';
import type { CoordinatorGroupView, KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';

/**
 * Each group as its current coordinator holds it: the shard, ACTIVE, on the broker the
 * controller's records make leader of the group's `__consumer_offsets` partition, loaded for that
 * leader epoch. A group whose coordinator is moving (no leader, a shard still loading, a broker
 * that has not applied the election yet) has no current coordinator at that moment and is left
 * out; a deposed coordinator that still answers is not the coordinator.
 */
export function currentCoordinatorGroups(view: KafkaClusterView): ReadonlyMap<string, CoordinatorGroupView> {
  // Two claims and the system's convergence check ask about one view in turn: worked out once.
  let found = CURRENT.get(view);
  if (found === undefined) {
    found = coordinatorGroupsOf(view);
    CURRENT.set(view, found);
  }
  return found;
}

const CURRENT = new WeakMap<KafkaClusterView, ReadonlyMap<string, CoordinatorGroupView>>();

function coordinatorGroupsOf(view: KafkaClusterView): ReadonlyMap<string, CoordinatorGroupView> {
  const found = new Map<string, CoordinatorGroupView>();
  const groups = view.groups;
  const controller = view.controller;
  if (groups === undefined || groups.shards.length === 0 || controller === undefined) return found;
  const topic = controller.topics.find((candidate) => candidate.name === GROUP_METADATA_TOPIC_NAME);
  if (topic === undefined) return found;
  const leaders = new Map<number, { readonly leader: number; readonly leaderEpoch: number }>();
  for (const partition of controller.partitions) {
    if (partition.topicName === GROUP_METADATA_TOPIC_NAME) leaders.set(partition.partitionId, partition);
  }
  for (const shard of groups.shards) {
    const leader = leaders.get(shard.partition);
    if (shard.state !== 'ACTIVE' || leader === undefined || leader.leader !== shard.brokerId || leader.leaderEpoch !== shard.epoch) continue;
    for (const group of shard.groups) {
      // A group lives on the partition its id hashes to; anything else would be a routing bug.
      if (partitionFor(group.groupId, topic.partitions) === shard.partition) found.set(group.groupId, group);
    }
  }
  return found;
}

/**
 * The first finding of `judge` over the `__consumer_offsets` replicas of every running broker, in
 * broker then replica order: the claims that judge the coordinators' records read every copy.
 */
export function firstOffsetsReplicaFinding(view: KafkaClusterView, judge: (brokerId: number, partition: string) => Finding | undefined): Finding | undefined {
  // An excused finding does not end the scan: every replica is judged, and one unexcused wins.
  let excused: Finding | undefined;
  for (const broker of view.brokers) {
    if (broker.status !== 'running') continue;
    for (const replica of broker.replicas) {
      if (!replica.name.startsWith(`${GROUP_METADATA_TOPIC_NAME}-`)) continue;
      const found = judge(broker.brokerId, replica.name);
      if (found === undefined) continue;
      if (found.excusedBy === undefined) return found;
      excused ??= found;
    }
  }
  return excused;
}

/** A finding about group `group`, found in `__consumer_offsets` partition `partition` (a replica's log) on `brokerId`. */
export function offsetsFinding(message: string, group: string, partition: string, brokerId: number): Finding {
  return { message, subject: { group, partition, nodes: [`broker-${brokerId}`] } };
}

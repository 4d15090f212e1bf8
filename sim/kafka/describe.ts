import type { KafkaClusterView } from './kafka-view.ts';

/**
 * The topics as `kafka-topics.sh --describe` prints them: a header per topic, then one line per
 * partition with its leader, replicas, ISR and (as Kafka 4's tool prints them, KIP-966) its ELR
 * and LastKnownElr, empty when there are none. A partition without a leader shows `none`, as
 * Kafka prints -1 for it.
 */
export function describeTopics(view: KafkaClusterView): string[] {
  const controller = view.controller;
  if (controller === undefined) return ['(controller down: no metadata)'];
  const lines: string[] = [];
  const byTopic = new Map<string, typeof controller.partitions[number][]>();
  for (const partition of controller.partitions) {
    const list = byTopic.get(partition.topicName) ?? [];
    list.push(partition);
    byTopic.set(partition.topicName, list);
  }
  for (const topic of [...byTopic.keys()].sort()) {
    const partitions = byTopic.get(topic) ?? [];
    const first = partitions[0];
    lines.push(`Topic: ${topic}\tTopicId: ${first?.topicId ?? '?'}\tPartitionCount: ${partitions.length}\tReplicationFactor: ${first?.replicas.length ?? 0}`);
    for (const partition of partitions) {
      lines.push(`\tTopic: ${topic}\tPartition: ${partition.partitionId}\tLeader: ${partition.leader < 0 ? 'none' : partition.leader}\tReplicas: ${partition.replicas.join(',')}\tIsr: ${partition.isr.join(',')}\tElr: ${partition.elr.join(',')}\tLastKnownElr: ${partition.lastKnownElr.join(',')}`);
    }
  }
  return lines;
}

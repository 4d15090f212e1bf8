import type { InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import { partitionName } from '../../../sim/kafka/kafka-view.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';

/**
 * `LeaderIsUnfenced`: the controller's records never leave a fenced broker leading a partition.
 * KRaft's `ReplicationControlManager.handleBrokerFenced` writes the `FenceBrokerRecord` together
 * with the partition changes that take the broker's leaderships away (`PartitionChangeBuilder`
 * accepts only active brokers as leaders), in one atomic batch; so does a controlled shutdown
 * (`handleBrokerInControlledShutdown`). A fenced broker is one the controller believes dead or
 * cut off: leaving it in the lead leaves its partitions unavailable, and producers and consumers
 * waiting on a broker that will never answer (or, worse, that still does on stale metadata).
 */
export function leaderIsUnfenced(): InvariantDefinition<KafkaClusterView> {
  /** The controller's records change only with its metadata offset: judged once per offset. */
  let judgedAt = -1;
  return {
    name: 'LeaderIsUnfenced',
    kind: 'always',
    source: 'KRaft ReplicationControlManager.handleBrokerFenced / handleBrokerInControlledShutdown, PartitionChangeBuilder.isAcceptableLeader (KIP-631)',
    statement: 'No partition in the controller\'s records is led by a broker that the same records fence or have in controlled shutdown.',
    checker: {
      type: 'state',
      check(view) {
        const controller = view.controller;
        if (controller === undefined || controller.metadataOffset === judgedAt) return undefined;
        judgedAt = controller.metadataOffset;
        const brokers = new Map(controller.brokers.map((broker) => [broker.brokerId, broker]));
        for (const partition of controller.partitions) {
          if (partition.leader < 0) continue;
          const leader = brokers.get(partition.leader);
          const name = partitionName(partition);
          const subject = { partition: name, nodes: [`broker-${partition.leader}`] };
          if (leader === undefined) return { message: `${name}: leader ${partition.leader} (epoch ${partition.leaderEpoch}) is not a registered broker`, subject };
          if (leader.fenced) return { message: `${name}: leader ${partition.leader} (epoch ${partition.leaderEpoch}) is fenced (broker epoch ${leader.brokerEpoch})`, subject };
          if (leader.inControlledShutdown) return { message: `${name}: leader ${partition.leader} (epoch ${partition.leaderEpoch}) is in controlled shutdown`, subject };
        }
        return undefined;
      },
    },
  };
}

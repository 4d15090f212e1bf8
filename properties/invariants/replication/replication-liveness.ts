import type { InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';

/**
 * What must hold once the heal phase has converged (checked once, after convergence): the
 * cluster is whole again. A run whose cluster never converges fails on liveness before these run.
 */
export function replicationLiveness(): InvariantDefinition<KafkaClusterView>[] {
  return [
    {
      name: 'EveryPartitionHasLeader',
      kind: 'eventually',
      source: 'Kafka availability after recovery; Jepsen heal phase',
      statement: 'After the heal, every partition has a leader that acts as leader.',
      checker: {
        type: 'final',
        check(view) {
          for (const partition of view.controller?.partitions ?? []) {
            if (partition.leader < 0) return `${partition.topicName}-${partition.partitionId} has no leader`;
          }
          return view.controller === undefined ? 'the controller is down' : undefined;
        },
      },
    },
    {
      name: 'AcknowledgedOnEveryReplica',
      kind: 'eventually',
      source: 'Kafka replication: every replica converges to the leader\'s log',
      statement: 'After the heal, every replica holds the leader\'s whole log and the high watermark covers it.',
      checker: {
        type: 'final',
        check(view) {
          for (const partition of view.controller?.partitions ?? []) {
            const name = `${partition.topicName}-${partition.partitionId}`;
            const leader = view.brokers.find((broker) => broker.brokerId === partition.leader)?.replicas.find((replica) => replica.name === name);
            if (leader === undefined) return `${name}: no leader replica`;
            if (leader.highWatermark !== leader.logEndOffset) return `${name}: high watermark ${leader.highWatermark} below log end ${leader.logEndOffset}`;
            for (const id of partition.replicas) {
              const replica = view.brokers.find((broker) => broker.brokerId === id)?.replicas.find((candidate) => candidate.name === name);
              const last = leader.digest.at(-1);
              const mine = replica?.digest.at(-1);
              if (replica === undefined || replica.logEndOffset !== leader.logEndOffset || (last !== undefined && mine?.prefixHash !== last.prefixHash && replica.logStartOffset === leader.logStartOffset)) {
                return `${name}: replica ${id} does not hold the leader's log (its end ${replica?.logEndOffset ?? 'none'}, leader's ${leader.logEndOffset})`;
              }
            }
          }
          return undefined;
        },
      },
    },
    {
      name: 'EveryProduceAnswered',
      kind: 'eventually',
      source: 'Kafka delivery.timeout.ms: every send completes',
      statement: 'After the heal, every send a producer made has an outcome (acknowledged, failed, or timed out).',
      checker: { type: 'final', check: (view) => (view.clients.producersDone ? undefined : 'producers still have sends without an outcome') },
    },
  ];
}

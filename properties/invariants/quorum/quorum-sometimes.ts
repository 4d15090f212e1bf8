import { markInvariant, type InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';

/**
 * Behaviours of the controller quorum (KIP-595 Raft under `QuorumController`) a sweep must reach,
 * or the faults are not exercising controller failover. The controllers' Raft clients and the
 * `QuorumController` on top report them as marks.
 */
const mark = (name: string, source: string, statement: string): InvariantDefinition<KafkaClusterView> => markInvariant<KafkaClusterView>(name, source, statement);

export function quorumSometimes(): InvariantDefinition<KafkaClusterView>[] {
  return [
    mark('raft-leader-elected', 'KIP-595 (KafkaRaftClient.onBecomeLeader)', 'A controller won an election and became the Raft leader of a new epoch.'),
    mark('controller-failover', 'Kafka QuorumController.claim (QuorumMetaLogListener.handleLeaderChange)', 'A controller became the active controller over a metadata log that earlier active controllers wrote.'),
    mark('controller-renounced', 'Kafka QuorumController.renounce', 'An active controller lost its Raft leadership and failed the requests waiting for their records to commit with NOT_CONTROLLER.'),
    mark('raft-vote-granted', 'KIP-595 (Vote)', 'A controller granted its binding vote to another candidate.'),
    mark('raft-follower-truncated', 'KIP-595 (Fetch DivergingEpoch)', 'A controller truncated metadata records the new Raft leader did not have.'),
    mark('raft-diverging-epoch', 'KIP-595 (Fetch DivergingEpoch)', 'A Raft leader answered a fetch whose offset and epoch are not on its log with a DivergingEpoch.'),
    mark('raft-check-quorum-resigned', 'KAFKA-15489 (LeaderState check-quorum)', 'A Raft leader that no majority of voters fetched from within 1.5 x controller.quorum.fetch.timeout.ms resigned.'),
  ];
}

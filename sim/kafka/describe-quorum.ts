import type { KafkaClusterView } from './kafka-view.ts';

/**
 * Each KRaft controller's own view of the quorum, one line per controller, for a scenario's
 * `describe-quorum` step. Kafka's `kafka-metadata-quorum.sh describe --status` asks one node (the
 * leader, as the answering controller knows it); during a split brain or an election the
 * controllers disagree, and the point of a quorum scenario is to show how, so every controller
 * answers for itself: its Raft state and epoch (`QuorumState`), the leader it knows, its log end
 * (offset and the last record's epoch), its high watermark, and whether it acts as the active
 * controller.
 */
export function describeQuorum(view: KafkaClusterView): string[] {
  const quorum = view.quorum ?? [];
  if (quorum.length === 0) return ['no controllers'];
  return quorum.map((node) => {
    if (!node.running || node.state === undefined) return `${node.node}: down`;
    const { type, epoch, leaderId } = node.state;
    const leader = type !== 'Leader' && leaderId !== undefined ? `, leader ${leaderId}` : '';
    const highWatermark = node.highWatermark === undefined ? '' : `, high watermark ${node.highWatermark}`;
    const active = node.active ? ', active controller' : '';
    return `${node.node}: ${type} in epoch ${epoch}${leader}, log end ${node.logEndOffset} (epoch ${node.logEndEpoch})${highWatermark}${active}`;
  });
}

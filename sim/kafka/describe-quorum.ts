import type { KafkaClusterView } from './kafka-view.ts';
import type { QuorumNodeView } from './quorum-view.ts';

/**
 * The metadata quorum as a person reads it, for a scenario's `describe-quorum` step: refka's
 * `kafka-metadata-quorum.sh describe --status` and `--replication` in one. Kafka's tool asks one
 * node (the leader, as the answering controller knows it); during a split brain or an election the
 * controllers disagree, and the point of a quorum scenario is to show how, so every controller
 * answers for itself. First the voters as the controller furthest along has them committed, each
 * an id and its directory id (KIP-853); then one line per controller: its Raft state and epoch
 * (`QuorumState`), the leader it knows, its log end (offset and the last record's epoch), its high
 * watermark, the directory id its disk holds, whether that key is a voter in its own latest voter
 * set, and whether it acts as the active controller.
 */
export function describeQuorum(view: KafkaClusterView): string[] {
  const quorum = view.quorum ?? [];
  if (quorum.length === 0) return ['no controllers'];
  let furthest: QuorumNodeView | undefined;
  for (const node of quorum) if (node.running && (furthest === undefined || (node.highWatermark ?? -1) > (furthest.highWatermark ?? -1))) furthest = node;
  const voters = furthest === undefined
    ? 'voters: unknown (no controller runs)'
    : `voters: ${furthest.committedVoters.map((voter) => (voter.directoryId === undefined ? `${voter.id}` : `${voter.id}@${voter.directoryId}`)).join(', ')} (committed, as ${furthest.node} has them at high watermark ${furthest.highWatermark ?? 'unknown'})`;
  return [voters, ...quorum.map(describeController)];
}

function describeController(node: QuorumNodeView): string {
  const directory = node.directoryId === undefined ? 'an unformatted directory' : `directory ${node.directoryId}`;
  if (!node.running || node.state === undefined) return `${node.node}: down, ${directory}`;
  const { type, epoch, leaderId } = node.state;
  const leader = type !== 'Leader' && leaderId !== undefined ? `, leader ${leaderId}` : '';
  const highWatermark = node.highWatermark === undefined ? 'unknown' : `${node.highWatermark}`;
  const active = node.active ? ', active controller' : '';
  return `${node.node}: ${type} in epoch ${epoch}${leader}, log end ${node.logEndOffset} (epoch ${node.logEndEpoch}), high watermark ${highWatermark}, ${directory}, ${node.isVoter ? 'voter' : 'observer'}${active}`;
}

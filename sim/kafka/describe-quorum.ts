import type { KafkaClusterView } from './kafka-view.ts';
import type { QuorumNodeView } from './quorum-view.ts';

/**
 * The metadata quorum as a person reads it (refka's `kafka-metadata-quorum.sh describe --status`
 * and `--replication` in one, read from every controller rather than from the leader alone, so
 * that it also answers while no leader is elected): first the voters as the controller furthest
 * along has them committed, each an id and its directory id (KIP-853); then one line per
 * controller: its Raft state and epoch, its log end and high watermark, the directory id its disk
 * holds, and whether that key is a voter in its own latest voter set.
 */
export function describeQuorum(view: KafkaClusterView): string[] {
  const quorum = view.quorum ?? [];
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
  const state = node.state.type === 'Follower' || (node.state.type === 'Prospective' && node.state.leaderId !== undefined) ? `${node.state.type} of ${node.state.leaderId}` : node.state.type;
  return `${node.node}: ${state} in epoch ${node.state.epoch}, log end ${node.logEndOffset}, high watermark ${node.highWatermark ?? 'unknown'}, ${directory}, ${node.isVoter ? 'voter' : 'observer'}${node.active ? ', active controller' : ''}`;
}

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
    mark('metadata-snapshot-created', 'KIP-630 (SnapshotGenerator, RaftClient.createSnapshot)', 'A controller wrote a metadata snapshot and the Raft log before it was deleted.'),
    mark('metadata-snapshot-loaded', 'KIP-630 (RaftClient.Listener.handleLoadSnapshot, FetchSnapshot)', 'A controller behind the log start loaded a metadata snapshot (its own after a restart, or one fetched from the leader).'),
    mark('raft-fetch-snapshot-id', 'KIP-630 (FetchResponse SnapshotId)', 'A Raft leader answered a fetch below its log start with the id of its latest snapshot.'),
    mark('raft-fetch-snapshot-served', 'KIP-630 (FetchSnapshot)', 'A Raft leader served a chunk of its snapshot to a FetchSnapshot.'),
    mark('raft-snapshot-fetch-started', 'KIP-630 (FetchSnapshot)', 'A controller behind the leader\'s log start began fetching the leader\'s snapshot.'),
    mark('raft-snapshot-fetch-restarted', 'KIP-630 (FetchSnapshot)', 'A controller fetching a snapshot started again from its first byte (the leader or the snapshot changed, or it restarted).'),
    mark('raft-snapshot-fetched', 'KIP-630 (FetchSnapshot)', 'A controller finished fetching a snapshot and truncated its log to it.'),
    mark('raft-check-quorum-resigned', 'KAFKA-15489 (LeaderState check-quorum)', 'A Raft leader that no majority of voters fetched from within 1.5 x controller.quorum.fetch.timeout.ms resigned.'),
    mark('raft-prevote-rejected', 'KIP-996 (Pre-Vote; EpochState.canGrantVote)', 'A voter refused a Prospective controller\'s PreVote, so its timeout did not bump the epoch.'),
    mark('controller-disk-replaced', 'KIP-853 (kafka-storage format --no-initial-controllers)', 'A controller started on a replaced disk: it formatted its metadata log directory with a new directory id and no voters, and began as an observer.'),
    mark('raft-voter-removed', 'KIP-853 (RemoveVoterHandler); KAFKA-19078 auto-join', 'A Raft leader committed the removal of a voter key whose directory is gone, asked by the controller of that id on its new disk.'),
    mark('voter-readmitted', 'KIP-853 (AddVoterHandler); KAFKA-19078 auto-join', 'A Raft leader committed the addition of a controller\'s key on its new directory: the controller whose disk was replaced votes again.'),
    mark('raft-became-voter', 'KIP-853 (QuorumState.isVoter)', 'A controller following as an observer appended the VotersRecord that names its key, and is a voter from then on.'),
    mark('raft-became-observer', 'KIP-853 (VoterSetHistory.truncateNewEntries)', 'A controller truncated the uncommitted VotersRecord that had made it a voter, and follows as an observer again.'),
  ];
}


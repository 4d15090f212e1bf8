import type { QuorumController } from '../../impl/controller/quorum-controller.ts';
import type { NodeDisk } from '../../impl/env/node-environment.ts';
import type { MetadataEntry } from '../../impl/metadata/metadata-records.ts';
import { METADATA_LOG_DIR } from '../../impl/raft/kafka-metadata-log.ts';
import { QUORUM_STATE_PATH, readElectionState, type ElectionState } from '../../impl/raft/quorum-state-store.ts';
import type { EpochStateName } from '../../impl/raft/quorum-state.ts';
import type { DiskReader } from '../disk/sim-disk.ts';
import type { NodeView } from '../run/system.ts';
import type { KafkaNode } from './kafka-system.ts';

/**
 * What the checks read of one controller (the quorum's liveness in `pendingConvergence`, and the
 * quorum's claims in `properties/invariants/quorum/`): its Raft state in memory while it runs,
 * its election state as its disk holds it (also while it is down), its log end, high watermark
 * and committed metadata, and, while it leads, what its `LeaderState` knows of each voter.
 */
export interface QuorumNodeView {
  readonly controllerId: number;
  readonly node: string;
  readonly running: boolean;
  readonly incarnation: number;
  /** The quorum-state file (`__cluster_metadata-0/quorum-state`), read from the real disk. */
  readonly persisted: ElectionState | undefined;
  /** `QuorumState` in memory; undefined while the controller is down. */
  readonly state: { readonly type: EpochStateName; readonly epoch: number; readonly leaderId: number | undefined } | undefined;
  readonly highWatermark: number | undefined;
  /** The Raft log's end: live while running, the last one seen while down. */
  readonly logEndOffset: number;
  /** The epoch of the Raft log's last record (Kafka's `endOffset().epoch`): live while running, the last one seen while down. */
  readonly logEndEpoch: number;
  /** `controller.quorum.fetch.timeout.ms` of its Raft client (check-quorum waits 1.5 times it). */
  readonly fetchTimeoutMs: number;
  /** While it is the Raft leader: when it took office, and when it last heard from each voter. */
  readonly leader: QuorumLeaderView | undefined;
  /** While it is Prospective: how many voters have rejected its PreVote in this round (KIP-996). */
  readonly preVotesRejected: number;
  /** Whether it is the active controller (Raft leader, caught up to its epoch). */
  readonly active: boolean;
  /** One past the last Raft offset replayed into its committed metadata. */
  readonly committedOffset: number;
  /** Its committed metadata entries (the controller's own array: read, never kept). */
  readonly committedEntries: readonly MetadataEntry[];
}

/** What a Raft leader's `LeaderState` knows of its tenure and of the voters (`leader-state.ts`). */
export interface QuorumLeaderView {
  readonly electedAtMs: number;
  readonly epochStartOffset: number;
  /**
   * Every other voter, in voter order, with the time of its latest Fetch or FetchSnapshot that
   * counted for check-quorum in this epoch (undefined: not heard from yet).
   */
  readonly voters: readonly { readonly id: number; readonly lastFetchMs: number | undefined }[];
}

/** Reads the quorum-state file through a checker's fault-free disk reader. */
function electionStateOn(disk: DiskReader): ElectionState | undefined {
  const reader: Pick<NodeDisk, 'exists' | 'read' | 'size'> = {
    exists: (path) => disk.list(path).includes(path),
    read: (path, position, length) => disk.peek(path, position, length),
    size: (path) => disk.size(path),
  };
  return readElectionState(reader);
}

/**
 * Builds each controller's part of the view, reading a quorum-state file again only when its
 * directory changed, and keeping each down controller's last log end.
 */
export class QuorumViewMemory {
  private readonly persisted = new Map<string, { readonly version: number; readonly state: ElectionState | undefined }>();
  private readonly lastLogEnd = new Map<string, { readonly offset: number; readonly epoch: number }>();
  private last: readonly QuorumNodeView[] = [];
  private lastSignature = '';

  /** The views of `nodes` (controllers, by controller id), and whether any differs from the last call's. */
  build(nodes: readonly { readonly controllerId: number; readonly view: NodeView<KafkaNode> }[]): { readonly views: readonly QuorumNodeView[]; readonly changed: boolean } {
    const views = nodes.map(({ controllerId, view }) => this.nodeView(controllerId, view));
    const signature = views.map(signatureOf).join('|');
    if (signature === this.lastSignature) return { views: this.last, changed: false };
    this.last = views;
    this.lastSignature = signature;
    return { views, changed: true };
  }

  private nodeView(controllerId: number, view: NodeView<KafkaNode>): QuorumNodeView {
    const version = view.disk.directoryVersion(METADATA_LOG_DIR);
    let persisted = this.persisted.get(view.id);
    if (persisted?.version !== version) {
      persisted = { version, state: view.disk.list(QUORUM_STATE_PATH).length === 0 ? undefined : electionStateOn(view.disk) };
      this.persisted.set(view.id, persisted);
    }
    const controller = view.status === 'running' ? (view.node as QuorumController | undefined) : undefined;
    if (controller === undefined) {
      const last = this.lastLogEnd.get(view.id);
      return {
        controllerId, node: view.id, running: false, incarnation: view.incarnation, persisted: persisted.state, state: undefined, highWatermark: undefined,
        logEndOffset: last?.offset ?? 0, logEndEpoch: last?.epoch ?? 0, fetchTimeoutMs: 0, leader: undefined, preVotesRejected: 0, active: false, committedOffset: 0, committedEntries: [],
      };
    }
    const raft = controller.raft;
    const { offset: logEndOffset, epoch: logEndEpoch } = raft.log.endOffsetAndEpoch();
    this.lastLogEnd.set(view.id, { offset: logEndOffset, epoch: logEndEpoch });
    const state = raft.quorum.state;
    const leader: QuorumLeaderView | undefined = state.type !== 'Leader' ? undefined : {
      electedAtMs: state.leader.electedAtMs,
      epochStartOffset: state.leader.epochStartOffset,
      voters: state.leader.voterReplicaStates().filter((voter) => voter.replicaId !== controllerId).map((voter) => ({ id: voter.replicaId, lastFetchMs: voter.lastCheckQuorumFetchMs })),
    };
    return {
      controllerId,
      node: view.id,
      running: true,
      incarnation: view.incarnation,
      persisted: persisted.state,
      state: { type: state.type, epoch: state.epoch, leaderId: raft.quorum.leaderId() },
      highWatermark: raft.highWatermark(),
      logEndOffset,
      logEndEpoch,
      fetchTimeoutMs: raft.config.timeouts.fetchTimeoutMs,
      leader,
      preVotesRejected: state.type === 'Prospective' ? state.election.rejectedCount() : 0,
      active: controller.isActive,
      committedOffset: controller.committedOffset,
      committedEntries: controller.metadataEntries,
    };
  }
}

function signatureOf(view: QuorumNodeView): string {
  const persisted = view.persisted === undefined ? '-' : `${view.persisted.epoch}/${view.persisted.leaderId}/${view.persisted.votedId}`;
  const state = view.state === undefined ? '-' : `${view.state.type}/${view.state.epoch}/${view.state.leaderId ?? ''}`;
  const leader = view.leader === undefined ? '-' : `${view.leader.electedAtMs}/${view.leader.voters.map((voter) => voter.lastFetchMs ?? '').join(',')}`;
  return `${view.controllerId}:${view.running ? 1 : 0}:${view.incarnation}:${persisted}:${state}:${view.highWatermark ?? ''}:${view.logEndOffset}/${view.logEndEpoch}:${view.active ? 1 : 0}:${view.committedOffset}:${leader}:${view.preVotesRejected}`;
}

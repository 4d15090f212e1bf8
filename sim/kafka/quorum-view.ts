import type { QuorumController } from '../../impl/controller/quorum-controller.ts';
import type { NodeDisk } from '../../impl/env/node-environment.ts';
import type { MetadataEntry } from '../../impl/metadata/metadata-records.ts';
import { METADATA_LOG_DIR, type KafkaMetadataLog } from '../../impl/raft/kafka-metadata-log.ts';
import { QUORUM_STATE_PATH, readElectionState, type ElectionState } from '../../impl/raft/quorum-state-store.ts';
import type { EpochStateName } from '../../impl/raft/quorum-state.ts';
import { META_PROPERTIES_PATH, readMetaProperties } from '../../impl/raft/meta-properties.ts';
import type { ReplicaKey } from '../../impl/raft/voter-set.ts';
import type { DiskReader } from '../disk/sim-disk.ts';
import type { NodeView } from '../run/system.ts';
import type { KafkaNode } from './kafka-system.ts';

/**
 * What the checks read of one controller (today the quorum's liveness in `pendingConvergence`;
 * the election state, log end and committed entries are for the quorum's safety claims, which
 * return with the run that shows them failing, `spec/invariants.md`): its Raft
 * state in memory while it runs, its election state as its disk holds it (also while it is down),
 * its log end, high watermark and committed metadata.
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
  /** Whether it is the active controller (Raft leader, caught up to its epoch). */
  readonly active: boolean;
  /** One past the last Raft offset replayed into its committed metadata. */
  readonly committedOffset: number;
  /** Its committed metadata entries (the controller's own array: read, never kept). */
  readonly committedEntries: readonly MetadataEntry[];
  /**
   * KIP-853: the `directory.id` of the metadata log directory on its disk (`meta.properties`, read
   * from the real disk, also while it is down); undefined while the directory is unformatted (a
   * replaced disk before the controller's next start).
   */
  readonly directoryId: string | undefined;
  /** While it runs: whether its own key is a voter in the latest voter set its log holds (`QuorumState.isVoter`). */
  readonly isVoter: boolean;
  /** While it runs: the voters as of its high watermark (`KafkaRaftClient.committedVoterSet`); empty while down. */
  readonly committedVoters: readonly ReplicaKey[];
  /** While it runs: its Raft log itself, to read (the controller's own object: read, never kept). */
  readonly raftLog: Pick<KafkaMetadataLog, 'readEntries' | 'startOffset' | 'endOffset'> | undefined;
}

/** Reads `meta.properties` through a checker's fault-free disk reader. */
function directoryIdOn(disk: DiskReader): string | undefined {
  if (disk.list(META_PROPERTIES_PATH).length === 0) return undefined;
  return readMetaProperties({ exists: (path) => disk.list(path).includes(path), read: (path, position, length) => disk.peek(path, position, length), size: (path) => disk.size(path) })?.directoryId;
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
  /** Per controller: its directory id, read again only when its disk changed as a whole (a format, a wipe). */
  private readonly directories = new Map<string, { readonly version: number; readonly directoryId: string | undefined }>();
  private readonly lastLogEnd = new Map<string, number>();
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
    // meta.properties sits at the root of the disk: the root's version changes with it.
    const rootVersion = view.disk.directoryVersion('');
    let directory = this.directories.get(view.id);
    if (directory?.version !== rootVersion) {
      directory = { version: rootVersion, directoryId: directoryIdOn(view.disk) };
      this.directories.set(view.id, directory);
    }
    const controller = view.status === 'running' ? (view.node as QuorumController | undefined) : undefined;
    if (controller === undefined) {
      return {
        controllerId, node: view.id, running: false, incarnation: view.incarnation, persisted: persisted.state, state: undefined, highWatermark: undefined,
        logEndOffset: this.lastLogEnd.get(view.id) ?? 0, active: false, committedOffset: 0, committedEntries: [],
        directoryId: directory.directoryId, isVoter: false, committedVoters: [], raftLog: undefined,
      };
    }
    const raft = controller.raft;
    const logEndOffset = raft.log.endOffset();
    this.lastLogEnd.set(view.id, logEndOffset);
    const state = raft.quorum.state;
    return {
      controllerId,
      node: view.id,
      running: true,
      incarnation: view.incarnation,
      persisted: persisted.state,
      state: { type: state.type, epoch: state.epoch, leaderId: raft.quorum.leaderId() },
      highWatermark: raft.highWatermark(),
      logEndOffset,
      active: controller.isActive,
      committedOffset: controller.committedOffset,
      committedEntries: controller.metadataEntries,
      directoryId: directory.directoryId,
      isVoter: raft.quorum.isVoter,
      committedVoters: raft.committedVoterSet().voterKeys(),
      raftLog: raft.log,
    };
  }
}

function signatureOf(view: QuorumNodeView): string {
  const persisted = view.persisted === undefined ? '-' : `${view.persisted.epoch}/${view.persisted.leaderId}/${view.persisted.votedId}`;
  const state = view.state === undefined ? '-' : `${view.state.type}/${view.state.epoch}/${view.state.leaderId ?? ''}`;
  const voters = view.committedVoters.map((voter) => `${voter.id}@${voter.directoryId ?? ''}`).join(',');
  return `${view.controllerId}:${view.running ? 1 : 0}:${view.incarnation}:${persisted}:${state}:${view.highWatermark ?? ''}:${view.logEndOffset}:${view.active ? 1 : 0}:${view.committedOffset}:${view.directoryId ?? ''}:${view.isVoter ? 1 : 0}:${voters}`;
}

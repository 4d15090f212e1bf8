import type { QuorumController } from '../../impl/controller/quorum-controller.ts';
import type { NodeDisk } from '../../impl/env/node-environment.ts';
import type { MetadataEntry } from '../../impl/metadata/metadata-records.ts';
import type { KafkaMetadataLog } from '../../impl/raft/kafka-metadata-log.ts';
import { META_PROPERTIES_PATH, readMetaProperties } from '../../impl/raft/meta-properties.ts';
import { QUORUM_STATE_PATH, readElectionState, type ElectionState } from '../../impl/raft/quorum-state-store.ts';
import type { EpochState, EpochStateName } from '../../impl/raft/quorum-state.ts';
import type { ReplicaKey } from '../../impl/raft/voter-set.ts';
import type { DiskReader } from '../disk/sim-disk.ts';
import type { NodeView, TouchedNodes } from '../run/system.ts';
import type { KafkaNode } from './kafka-system.ts';

/**
 * What the checks read of one controller: the quorum's claims (`properties/invariants/quorum/`)
 * its Raft state in memory while it runs, its election state as its disk holds it (also while it
 * is down), its log end and high watermark, and, while it leads, what its `LeaderState` knows of
 * each voter; the quorum's liveness (`pendingConvergence`) whether it runs, whether it is active
 * and how far it replayed the committed metadata.
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

/** What a Raft leader's `LeaderState` knows of its tenure and of the voters (`leader-state.ts`). */
export interface QuorumLeaderView {
  readonly electedAtMs: number;
  readonly epochStartOffset: number;
  /**
   * Every other voter, in voter order, with the time of its latest Fetch or FetchSnapshot that
   * counted for check-quorum in this epoch (undefined: not heard from yet).
   */
  readonly voters: readonly { readonly id: number; readonly lastFetchMs: number | undefined }[];
  /** The voter keys it counts toward its high watermark (KIP-853: `LeaderState`'s voter set, which a voter change replaces). */
  readonly voterKeys: readonly ReplicaKey[];
}

/** Reads `meta.properties` through a checker's fault-free disk reader. */
function directoryIdOn(disk: DiskReader): string | undefined {
  if (disk.list(META_PROPERTIES_PATH).length === 0) return undefined;
  return readMetaProperties({ exists: (path) => disk.list(path).includes(path), read: (path, position, length) => disk.peek(path, position, length), size: (path) => disk.size(path) })?.directoryId;
}

/** Reads the quorum-state file through a checker's fault-free disk reader. */
function electionStateOn(disk: DiskReader): ElectionState | undefined {
  if (disk.list(QUORUM_STATE_PATH).length === 0) return undefined;
  const reader: Pick<NodeDisk, 'exists' | 'read' | 'size'> = {
    exists: (path) => disk.list(path).includes(path),
    read: (path, position, length) => disk.peek(path, position, length),
    size: (path) => disk.size(path),
  };
  return readElectionState(reader);
}

/** A controller's quorum-state file as last read, and the disk's versions it was read at. */
interface PersistedRead {
  readonly namesVersion: number;
  readonly wholeDiskVersion: number;
  readonly state: ElectionState | undefined;
  /** KIP-853: `meta.properties`' directory id, read at the same versions (it too is replaced by a rename). */
  readonly directoryId: string | undefined;
}

const NO_ENTRIES: readonly MetadataEntry[] = [];
const NO_VOTERS: readonly ReplicaKey[] = [];

/** What one controller's last view was built from, beyond the view's own fields. */
interface BuiltQuorumNode {
  readonly view: QuorumNodeView;
  /** The `EpochState` object its `state` was read from: a transition replaces it. */
  readonly epochState: EpochState | undefined;
}

/**
 * Builds each controller's part of the view, as cheaply as a view that changed nothing allows:
 * each controller's fields are compared in place with the last view's, before anything is
 * allocated, and the last view's objects are reused when nothing differs (a text signature per
 * view cost a string per event). The quorum-state file is read again only when it may have
 * changed: `FileQuorumStateStore` replaces it by a rename, so its content changes only with a name
 * change on that disk (`namesVersion`: a create, rename or delete) or a change to the whole disk
 * (a power loss, a wipe), not with the Raft log's appends beside it. A down controller keeps its
 * last log end.
 */
export class QuorumViewMemory {
  private readonly persisted = new Map<string, PersistedRead>();
  private built: readonly BuiltQuorumNode[] = [];
  private last: readonly QuorumNodeView[] = [];

  /**
   * The views of `nodes` (controllers, by controller id), and whether any differs from the last
   * call's. A controller no event touched since the last call (`touched`, as `ClusterView.touched`:
   * undefined when every node may have changed) is shown as it was: its process handled nothing
   * and no fault struck it, so neither its Raft state nor its disk changed.
   */
  build(nodes: readonly { readonly controllerId: number; readonly view: NodeView<KafkaNode> }[], touched?: TouchedNodes): { readonly views: readonly QuorumNodeView[]; readonly changed: boolean } {
    let built: BuiltQuorumNode[] | undefined = nodes.length === this.built.length ? undefined : [];
    for (let index = 0; index < nodes.length; index++) {
      const { controllerId, view } = nodes[index] as (typeof nodes)[number];
      const previous = nodes.length === this.built.length ? this.built[index] : undefined;
      const untouched = touched !== undefined && !touched.has(view.id) && previous !== undefined && previous.view.node === view.id && previous.view.controllerId === controllerId;
      const next = untouched ? previous : this.nodeView(controllerId, view, previous);
      if (built === undefined && next !== previous) built = this.built.slice(0, index);
      built?.push(next);
    }
    if (built === undefined) return { views: this.last, changed: false };
    this.built = built;
    this.last = built.map((node) => node.view);
    return { views: this.last, changed: true };
  }

  /** The quorum-state file of `view`'s disk, read again only when it may have changed. */
  private persistedOf(view: NodeView<KafkaNode>): PersistedRead {
    const disk = view.disk;
    const known = this.persisted.get(view.id);
    if (known !== undefined && known.namesVersion === disk.namesVersion && known.wholeDiskVersion === disk.wholeDiskVersion) return known;
    const state = electionStateOn(disk);
    // The same content keeps the same object, so that the views built from it stay equal.
    const same = state !== undefined && known?.state !== undefined && state.epoch === known.state.epoch && state.leaderId === known.state.leaderId && state.votedId === known.state.votedId;
    const read: PersistedRead = { namesVersion: disk.namesVersion, wholeDiskVersion: disk.wholeDiskVersion, state: same ? known?.state : state, directoryId: directoryIdOn(disk) };
    this.persisted.set(view.id, read);
    return read;
  }

  /** `previous` again when nothing in it changed, else a new view. */
  private nodeView(controllerId: number, view: NodeView<KafkaNode>, previous: BuiltQuorumNode | undefined): BuiltQuorumNode {
    const { state: persisted, directoryId } = this.persistedOf(view);
    const controller = view.status === 'running' ? (view.node as QuorumController | undefined) : undefined;
    const last = previous?.view;
    const same = last !== undefined && last.controllerId === controllerId && last.node === view.id && last.persisted === persisted && last.incarnation === view.incarnation && last.directoryId === directoryId;
    if (controller === undefined) {
      // The log end its last view showed: the last one seen while it ran.
      const logEndOffset = last?.node === view.id ? last.logEndOffset : 0;
      const logEndEpoch = last?.node === view.id ? last.logEndEpoch : 0;
      if (same && !last.running && last.logEndOffset === logEndOffset) return previous as BuiltQuorumNode;
      return {
        view: {
          controllerId, node: view.id, running: false, incarnation: view.incarnation, persisted, state: undefined, highWatermark: undefined, logEndOffset, logEndEpoch,
          fetchTimeoutMs: 0, leader: undefined, active: false, committedOffset: 0, committedEntries: NO_ENTRIES,
          directoryId, isVoter: false, committedVoters: NO_VOTERS, raftLog: undefined,
        },
        epochState: undefined,
      };
    }
    const raft = controller.raft;
    const { offset: logEndOffset, epoch: logEndEpoch } = raft.log.endOffsetAndEpoch();
    const epochState = raft.quorum.state;
    const highWatermark = raft.highWatermark();
    const active = controller.isActive;
    const committedOffset = controller.committedOffset;
    const leader = leaderViewOf(controllerId, epochState, last?.leader);
    const committedEntries = controller.metadataEntries;
    const isVoter = raft.quorum.isVoter;
    const committedVoters = sameKeys(last?.committedVoters, raft.committedVoterSet().voterKeys());
    if (
      same && last.running && previous?.epochState === epochState && last.highWatermark === highWatermark && last.logEndOffset === logEndOffset
      && last.logEndEpoch === logEndEpoch && last.active === active && last.committedOffset === committedOffset
      && last.leader === leader && last.committedEntries === committedEntries && last.isVoter === isVoter && last.committedVoters === committedVoters
      && last.raftLog === raft.log
    ) {
      return previous;
    }
    // An `EpochState` is replaced, never changed in place, in its type, epoch and leader.
    const state = previous?.epochState === epochState && last?.state !== undefined ? last.state : { type: epochState.type, epoch: epochState.epoch, leaderId: raft.quorum.leaderId() };
    return {
      view: {
        controllerId, node: view.id, running: true, incarnation: view.incarnation, persisted, state, highWatermark, logEndOffset, logEndEpoch,
        fetchTimeoutMs: raft.config.timeouts.fetchTimeoutMs, leader, active, committedOffset, committedEntries, directoryId, isVoter, committedVoters, raftLog: raft.log,
      },
      epochState,
    };
  }
}

/** The leader's view, `previous` again when its tenure and every voter's last fetch are unchanged. */
function leaderViewOf(controllerId: number, epochState: EpochState, previous: QuorumLeaderView | undefined): QuorumLeaderView | undefined {
  if (epochState.type !== 'Leader') return undefined;
  const leader = epochState.leader;
  // Compared in place, allocating only when something moved: this runs for every view built.
  const voterKeys = leader.voterSet.voterKeys();
  let unchanged = previous !== undefined && previous.electedAtMs === leader.electedAtMs && previous.epochStartOffset === leader.epochStartOffset && previous.voterKeys === voterKeys;
  let index = 0;
  for (const voter of leader.voterReplicaStates()) {
    if (!unchanged) break;
    if (voter.replicaId === controllerId) continue;
    const known = previous?.voters[index];
    unchanged = known !== undefined && known.id === voter.replicaId && known.lastFetchMs === voter.lastCheckQuorumFetchMs;
    index++;
  }
  if (unchanged && previous !== undefined && index === previous.voters.length) return previous;
  const voters: { readonly id: number; readonly lastFetchMs: number | undefined }[] = [];
  for (const voter of leader.voterReplicaStates()) if (voter.replicaId !== controllerId) voters.push({ id: voter.replicaId, lastFetchMs: voter.lastCheckQuorumFetchMs });
  return { electedAtMs: leader.electedAtMs, epochStartOffset: leader.epochStartOffset, voters, voterKeys };
}

/** `previous` when it names the same voter keys as `next`, so that an unchanged view keeps its object. */
function sameKeys(previous: readonly ReplicaKey[] | undefined, next: readonly ReplicaKey[]): readonly ReplicaKey[] {
  if (previous === undefined || previous === next) return next;
  if (previous.length !== next.length) return next;
  for (let index = 0; index < next.length; index++) {
    const a = previous[index] as ReplicaKey;
    const b = next[index] as ReplicaKey;
    if (a.id !== b.id || a.directoryId !== b.directoryId) return next;
  }
  return previous;
}

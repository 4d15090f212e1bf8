import { assert } from '../common/assert.ts';
import { DestroyedCopies } from './destroyed-copies.ts';
import type { ElectionState } from './quorum-state-store.ts';
import type { EpochStateName } from './quorum-state.ts';
import { majoritySize } from './raft-config.ts';
import { NO_LEADER_ID } from './raft-messages.ts';
import type { ReplicaKey } from './voter-set.ts';

/**
 * The invariants of Kafka's `RaftEventSimulationTest`, as checkers over observations of a whole
 * quorum. They keep their own history (what leader each epoch had, each node's last epoch, the
 * high watermark so far, the value first seen committed at each offset), so a violation is found
 * at the first event after which it holds, not only at the end of a run.
 *
 * - SingleLeader: at most one leader per epoch, over the whole run, judged from every node's
 *   in-memory state and every node's persisted election state.
 * - MonotonicEpoch: a node's persisted epoch never decreases, across restarts; a running node's
 *   in-memory epoch equals its persisted one. With KIP-853 a node is a replica key, its id and the
 *   directory id of its log: a replaced directory is a new replica, whose epochs start afresh.
 * - MonotonicHighWatermark: the high watermark of the leader with the greatest epoch never
 *   decreases (a stale leader of an older epoch is not compared).
 * - MajorityReachedHighWatermark: a majority of voters have a log end at or past that HW. With
 *   dynamic voters (KIP-853) the voters are the leader's, each a key: a node counts for a key only
 *   while its log is in the key's directory. A key whose directory was replaced lost its copy to a
 *   disk fault; a shortfall only such destroyed copies make up (those that held the HW) is excused,
 *   naming them, also after the old key left the voter set, until the HW is on a majority again
 *   (`destroyed-copies.ts`).
 * - ConsistentCommittedData: at every offset below a node's HW, every node holds the same record
 *   (the same epoch and the same bytes) as the first node seen with it committed; and every
 *   snapshot (KIP-630) holds the state of applying exactly those records below its end offset.
 * - SnapshotAtLogStart: the earliest snapshot is at or after the log start and on the log (its
 *   epoch cache places it); a log that starts after 0 has a snapshot exactly at its start.
 * - LeaderNeverLoadSnapshot: an application whose replica leads, once it has claimed the epoch
 *   (caught up past the epoch start, Kafka's `handleLeaderChange`), never loads a snapshot.
 */
export type RaftInvariantName =
  | 'SingleLeader'
  | 'MonotonicEpoch'
  | 'MonotonicHighWatermark'
  | 'MajorityReachedHighWatermark'
  | 'ConsistentCommittedData'
  | 'SnapshotAtLogStart'
  | 'LeaderNeverLoadSnapshot';

export interface RaftViolation {
  readonly invariant: RaftInvariantName;
  readonly message: string;
  /** Set when the violation is excused: the faults that put it outside the claim's promise. */
  readonly excusedBy?: readonly string[];
}

/** What a checker sees of one node at one instant. */
export interface NodeObservation {
  readonly id: number;
  readonly isVoter: boolean;
  /** The process is running (not crashed, not halted). */
  readonly running: boolean;
  readonly persisted: ElectionState | undefined;
  /** In-memory state; undefined while the node is down. */
  readonly state: { readonly type: EpochStateName; readonly epoch: number; readonly leaderId: number | undefined } | undefined;
  readonly highWatermark: number | undefined;
  /** The log end: live when running, the durable end last known when down. */
  readonly logEndOffset: number;
  /** KIP-853: the directory id of its log (`meta.properties`); undefined for static voters or an unformatted disk. */
  readonly directoryId?: string;
  /** For a leader with dynamic voters (KIP-853): the voter keys it counts (`LeaderState`'s voter set). */
  readonly voters?: readonly ReplicaKey[];
  /** KIP-630, for a running node: its log start, earliest snapshot, and whether its log validates that snapshot. */
  readonly snapshots?: { readonly logStartOffset: number; readonly earliest: { readonly offset: number; readonly epoch: number } | undefined; readonly earliestOnLog: boolean };
  /** The harness application, for a running node: whether it holds the leader's claim, and snapshots loaded since it last claimed one. */
  readonly application?: { readonly writable: boolean; readonly snapshotLoadsSinceLeaderChange: number };
}

/** A committed record, reduced to what must agree across nodes. */
export interface CommittedEntry {
  readonly offset: number;
  readonly signature: string;
  /** Control records are committed like any other but no application applies them. */
  readonly control?: boolean;
}

/**
 * What the harness application holds after applying committed application records in offset
 * order: how many, and a digest (FNV-1a) of their offsets and signatures. A snapshot holds it.
 */
export interface AppliedState {
  readonly records: number;
  readonly digest: number;
}

export const EMPTY_APPLIED_STATE: AppliedState = { records: 0, digest: 0x811c9dc5 };

export function applyCommitted(state: AppliedState, offset: number, signature: string): AppliedState {
  let digest = state.digest;
  const text = `${offset}=${signature};`;
  for (let index = 0; index < text.length; index++) {
    digest ^= text.charCodeAt(index);
    digest = Math.imul(digest, 0x01000193) >>> 0;
  }
  return { records: state.records + 1, digest };
}

export class RaftInvariants {
  private readonly leadersByEpoch = new Map<number, number>();
  /** Per replica key (`id@directory`): the last persisted epoch seen. */
  private readonly lastPersistedEpoch = new Map<string, number>();
  private highWatermark: { epoch: number; offset: number } | undefined;
  private readonly committed = new Map<number, { signature: string; control: boolean; node: number }>();
  /** `prefixStates[k]`: the applied state of the first-seen committed records below offset k. */
  private readonly prefixStates: AppliedState[] = [EMPTY_APPLIED_STATE];
  /** Per node, the offset below which its committed records were already compared. */
  private readonly checkedUpTo = new Map<number, number>();
  /** KIP-853: the voters' copies disk losses destroyed since the HW was last on a majority. */
  private readonly destroyed = new DestroyedCopies();
  /** The voter keys of the greatest-epoch running leader last seen with dynamic voters. */
  private voterKeys: readonly ReplicaKey[] | undefined;

  constructor(private readonly voterCount: number) {
    assert(voterCount > 0, 'a quorum has voters');
  }

  /** Runs every per-event invariant; the first violation found, or undefined. */
  check(nodes: readonly NodeObservation[]): RaftViolation | undefined {
    return this.checkSingleLeader(nodes) ?? this.checkMonotonicEpoch(nodes) ?? this.checkHighWatermark(nodes) ?? this.checkSnapshotAtLogStart(nodes) ?? this.checkLeaderNeverLoadSnapshot(nodes);
  }

  /** Kafka's `SnapshotAtLogStart` (RaftEventSimulationTest), over running nodes. */
  checkSnapshotAtLogStart(nodes: readonly NodeObservation[]): RaftViolation | undefined {
    for (const node of nodes) {
      const snapshots = node.snapshots;
      if (!node.running || snapshots === undefined) continue;
      const { logStartOffset, earliest } = snapshots;
      if (earliest === undefined) {
        if (logStartOffset > 0) return { invariant: 'SnapshotAtLogStart', message: `node ${node.id}: the log starts at ${logStartOffset} with no snapshot` };
        continue;
      }
      if (earliest.offset < logStartOffset) return { invariant: 'SnapshotAtLogStart', message: `node ${node.id}: earliest snapshot ${earliest.offset} is below the log start ${logStartOffset}` };
      if (logStartOffset > 0 && earliest.offset !== logStartOffset) return { invariant: 'SnapshotAtLogStart', message: `node ${node.id}: no snapshot at the log start ${logStartOffset} (earliest ${earliest.offset})` };
      if (!snapshots.earliestOnLog) return { invariant: 'SnapshotAtLogStart', message: `node ${node.id}: the epoch cache does not place snapshot (${earliest.offset}, ${earliest.epoch})` };
    }
    return undefined;
  }

  /** Kafka's `LeaderNeverLoadSnapshot` (RaftEventSimulationTest). */
  checkLeaderNeverLoadSnapshot(nodes: readonly NodeObservation[]): RaftViolation | undefined {
    for (const node of nodes) {
      const application = node.application;
      if (!node.running || application === undefined || !application.writable) continue;
      if (application.snapshotLoadsSinceLeaderChange > 0) {
        return { invariant: 'LeaderNeverLoadSnapshot', message: `node ${node.id} leads (epoch ${node.state?.epoch}) and its application loaded ${application.snapshotLoadsSinceLeaderChange} snapshot(s)` };
      }
    }
    return undefined;
  }

  /**
   * ConsistentCommittedData for a snapshot of node `id` ending at `endOffset`: it must hold the
   * state of applying the first-seen committed records below `endOffset`. Every such record was
   * seen: the harness checks committed data before the application may snapshot it.
   */
  checkSnapshot(id: number, snapshot: { readonly offset: number; readonly epoch: number }, state: AppliedState): RaftViolation | undefined {
    while (this.prefixStates.length <= snapshot.offset) {
      const offset = this.prefixStates.length - 1;
      const entry = this.committed.get(offset);
      if (entry === undefined) {
        return { invariant: 'ConsistentCommittedData', message: `node ${id}: snapshot (${snapshot.offset}, ${snapshot.epoch}) covers offset ${offset}, which no node showed committed` };
      }
      const previous = this.prefixStates[offset] as AppliedState;
      this.prefixStates.push(entry.control ? previous : applyCommitted(previous, offset, entry.signature));
    }
    const expected = this.prefixStates[snapshot.offset] as AppliedState;
    if (expected.records !== state.records || expected.digest !== state.digest) {
      return {
        invariant: 'ConsistentCommittedData',
        message: `node ${id}: snapshot (${snapshot.offset}, ${snapshot.epoch}) holds ${state.records} records (digest ${state.digest}), the committed log ${expected.records} (digest ${expected.digest})`,
      };
    }
    return undefined;
  }

  checkSingleLeader(nodes: readonly NodeObservation[]): RaftViolation | undefined {
    for (const node of nodes) {
      const claims: [number, number][] = [];
      if (node.state?.type === 'Leader') claims.push([node.state.epoch, node.id]);
      if (node.state !== undefined && node.state.leaderId !== undefined) claims.push([node.state.epoch, node.state.leaderId]);
      if (node.persisted !== undefined && node.persisted.leaderId !== NO_LEADER_ID) claims.push([node.persisted.epoch, node.persisted.leaderId]);
      for (const [epoch, leaderId] of claims) {
        const known = this.leadersByEpoch.get(epoch);
        if (known === undefined) this.leadersByEpoch.set(epoch, leaderId);
        else if (known !== leaderId) {
          return { invariant: 'SingleLeader', message: `epoch ${epoch} has leaders ${known} and ${leaderId} (seen at node ${node.id})` };
        }
      }
    }
    return undefined;
  }

  checkMonotonicEpoch(nodes: readonly NodeObservation[]): RaftViolation | undefined {
    for (const node of nodes) {
      if (node.persisted === undefined) continue;
      // KIP-853: a replaced directory is a new replica (a new key), with an epoch history of its own.
      const key = `${node.id}@${node.directoryId ?? ''}`;
      const previous = this.lastPersistedEpoch.get(key);
      if (previous !== undefined && node.persisted.epoch < previous) {
        return { invariant: 'MonotonicEpoch', message: `node ${node.id} persisted epoch went from ${previous} to ${node.persisted.epoch}` };
      }
      this.lastPersistedEpoch.set(key, node.persisted.epoch);
      if (node.state !== undefined && node.state.epoch !== node.persisted.epoch) {
        return { invariant: 'MonotonicEpoch', message: `node ${node.id} is in epoch ${node.state.epoch} but persisted ${node.persisted.epoch}` };
      }
    }
    return undefined;
  }

  /** MonotonicHighWatermark and MajorityReachedHighWatermark, on the greatest-epoch leader. */
  checkHighWatermark(nodes: readonly NodeObservation[]): RaftViolation | undefined {
    return this.checkMonotonicHighWatermark(nodes) ?? this.checkMajorityReachedHighWatermark(nodes);
  }

  /** Kafka's `MonotonicHighWatermark`: the greatest-epoch leader's high watermark never decreases. */
  checkMonotonicHighWatermark(nodes: readonly NodeObservation[]): RaftViolation | undefined {
    const leader = greatestEpochLeader(nodes);
    if (leader === undefined) return undefined;
    const { node, epoch, offset } = leader;
    if (this.highWatermark !== undefined && epoch >= this.highWatermark.epoch && offset < this.highWatermark.offset) {
      return { invariant: 'MonotonicHighWatermark', message: `leader ${node.id} (epoch ${epoch}) has HW ${offset} below ${this.highWatermark.offset} (epoch ${this.highWatermark.epoch})` };
    }
    if (this.highWatermark === undefined || epoch >= this.highWatermark.epoch) this.highWatermark = { epoch, offset };
    return undefined;
  }

  /**
   * Kafka's `MajorityReachedHighWatermark`: a majority of voters' logs reach the greatest-epoch
   * leader's high watermark. Call it on every observation of a run with disk losses: it notes the
   * copies they destroy (a node's directory replaced while a voter key named it).
   */
  checkMajorityReachedHighWatermark(nodes: readonly NodeObservation[]): RaftViolation | undefined {
    this.voterKeys = greatestEpochLeaderVoters(nodes) ?? this.voterKeys;
    this.destroyed.observe(nodes.map((node) => ({ id: node.id, directoryId: node.directoryId, logEndOffset: node.logEndOffset })), this.voterKeys);
    const leader = greatestEpochLeader(nodes);
    if (leader === undefined) return undefined;
    const keys = leader.node.voters;
    if (keys === undefined) {
      const reached = nodes.filter((node) => node.isVoter && node.logEndOffset >= leader.offset).length;
      if (reached < majoritySize(this.voterCount)) {
        return { invariant: 'MajorityReachedHighWatermark', message: `HW ${leader.offset} of leader ${leader.node.id} is on ${reached} of ${this.voterCount} voters` };
      }
      return undefined;
    }
    let reached = 0;
    let confirmed = 0;
    const counted: number[] = [];
    for (const key of keys) {
      const node = nodes.find((candidate) => candidate.id === key.id);
      if (node === undefined || (key.directoryId !== undefined && node.directoryId !== key.directoryId)) continue;
      counted.push(node.id);
      if (node.logEndOffset >= leader.offset) reached++;
      if (node.running && (node.highWatermark ?? -1) >= leader.offset) confirmed++;
    }
    const needed = majoritySize(keys.length);
    if (reached >= needed) {
      // Forgotten once the voters' own high watermarks confirm it: a log end alone may be a
      // divergent tail (see quorum-durability.ts, default seed 110).
      if (confirmed >= needed) this.destroyed.clear();
      return undefined;
    }
    const message = `HW ${leader.offset} of leader ${leader.node.id} is on ${reached} of ${keys.length} voters`;
    const lost = this.destroyed.holding(leader.offset, counted);
    if (reached + lost.length >= needed) {
      const excusedBy = lost.map((copy) => {
        const directoryId = nodes.find((node) => node.id === copy.id)?.directoryId;
        const removed = keys.some((key) => key.id === copy.id && key.directoryId === copy.directoryId) ? '' : ', its key since removed from the voters';
        return `disk-loss of node ${copy.id} (voter ${copy.id}@${copy.directoryId}, its log then ending at ${copy.logEndOffset}, its directory now ${directoryId ?? 'unformatted'}${removed})`;
      });
      return { invariant: 'MajorityReachedHighWatermark', message: `${message}: the rest lost their copies with their disks`, excusedBy };
    }
    return { invariant: 'MajorityReachedHighWatermark', message };
  }

  /**
   * ConsistentCommittedData for node `id`, incrementally: `entries` are its records from
   * {@link committedCheckFrom} up to its HW. Call {@link forgetNode} when the node restarts.
   */
  checkCommitted(id: number, entries: readonly CommittedEntry[], highWatermark: number): RaftViolation | undefined {
    let expected = this.committedCheckFrom(id);
    for (const entry of entries) {
      assert(entry.offset >= expected, 'committed entries come in offset order');
      const first = this.committed.get(entry.offset);
      if (first === undefined) this.committed.set(entry.offset, { signature: entry.signature, control: entry.control === true, node: id });
      else if (first.signature !== entry.signature) {
        return { invariant: 'ConsistentCommittedData', message: `offset ${entry.offset}: node ${id} has ${entry.signature}, node ${first.node} had ${first.signature}` };
      }
      expected = entry.offset + 1;
    }
    this.checkedUpTo.set(id, Math.max(this.committedCheckFrom(id), highWatermark));
    return undefined;
  }

  committedCheckFrom(id: number): number {
    return this.checkedUpTo.get(id) ?? 0;
  }

  /** A restarted node's log is compared again from its start. */
  forgetNode(id: number): void {
    this.checkedUpTo.delete(id);
  }

  /** Epochs that had a leader so far (the scenario tests look at them). */
  leaderEpochs(): ReadonlyMap<number, number> {
    return this.leadersByEpoch;
  }
}

/** The voter keys of the running leader of the greatest epoch, if it has one with dynamic voters (KIP-853). */
function greatestEpochLeaderVoters(nodes: readonly NodeObservation[]): readonly ReplicaKey[] | undefined {
  let leader: NodeObservation | undefined;
  for (const node of nodes) {
    if (!node.running || node.state?.type !== 'Leader') continue;
    if (leader === undefined || (leader.state?.epoch ?? -1) < node.state.epoch) leader = node;
  }
  return leader?.voters;
}

/** The running leader of the greatest epoch, with its epoch and high watermark, once it knows one. */
function greatestEpochLeader(nodes: readonly NodeObservation[]): { readonly node: NodeObservation; readonly epoch: number; readonly offset: number } | undefined {
  let leader: { node: NodeObservation; epoch: number } | undefined;
  for (const node of nodes) {
    if (!node.running || node.state?.type !== 'Leader') continue;
    if (leader === undefined || leader.epoch < node.state.epoch) leader = { node, epoch: node.state.epoch };
  }
  if (leader === undefined || leader.node.highWatermark === undefined) return undefined;
  return { node: leader.node, epoch: leader.epoch, offset: leader.node.highWatermark };
}

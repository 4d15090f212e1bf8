import type { ReplicaKey } from './voter-set.ts';

/** What the tracker reads of one controller at one moment: its id, the directory of its log, its log end. */
export interface ReplicaLogObservation {
  readonly id: number;
  /** KIP-853: the directory id of its log (`meta.properties`); undefined while unformatted. */
  readonly directoryId: string | undefined;
  /** Its log end: live while it runs, the last one seen while it is down. */
  readonly logEndOffset: number;
}

/** A voter's copy of the Raft log that a disk loss destroyed. */
export interface DestroyedCopy {
  readonly id: number;
  /** The directory of the voter key whose copy it was (the one a disk loss replaced). */
  readonly directoryId: string;
  /** The copy's log end when last seen on that directory: it held the records below. */
  readonly logEndOffset: number;
}

/**
 * The copies of the Raft log that disk losses destroyed, for the quorum claims' excuse
 * (`MajorityReachedHighWatermark`, `QuorumDurability`). With KIP-853 a voter is a key, its id and
 * the directory id of its log; a disk loss replaces the directory, so the key's copy is gone and
 * the controller comes back an observer under a new key. A record then missing from a majority
 * only because of such copies is outside Raft's promise (which holds under crashes and power
 * losses, not under lost disks), however the voter set changed since: the old key may be removed
 * (RemoveRaftVoter, which a controller asks for itself with `controller.quorum.auto.join.enable`,
 * KAFKA-19078) and the quorum shrink, and the record is still short for the same reason.
 *
 * A copy is noted when a controller's directory changes away from one a voter key named (the voter
 * set the claim counts at that moment), with the log end it last had there; with static voters
 * (kraft.version 0, keys without directories) nothing is noted, since such a voter comes back as
 * the same voter with an empty log, the amnesiac voter. A copy excuses a shortfall at an offset only
 * if it held that offset, and only while its controller counts for no voter key; the claims forget
 * every copy once the record they judge is on a majority again, so no copy excuses what happens
 * after (the excuse is per record and per moment, never for the rest of the run).
 */
export class DestroyedCopies {
  /** Per controller id, its directory and log end when last seen (one entry per controller). */
  private readonly lastSeen = new Map<number, { readonly directoryId: string | undefined; readonly logEndOffset: number }>();
  /** Per controller id, the destroyed copy with the greatest log end (at most one per controller). */
  private readonly destroyed = new Map<number, DestroyedCopy>();

  /** Notes the copies destroyed since the last observation: `voters` is the voter set counted now. */
  observe(nodes: readonly ReplicaLogObservation[], voters: readonly ReplicaKey[] | undefined): void {
    for (const node of nodes) {
      const last = this.lastSeen.get(node.id);
      if (last !== undefined && last.directoryId !== undefined && last.directoryId !== node.directoryId) {
        const directoryId = last.directoryId;
        const wasVoter = voters?.some((key) => key.id === node.id && key.directoryId === directoryId) === true;
        const known = this.destroyed.get(node.id);
        if (wasVoter && (known === undefined || known.logEndOffset < last.logEndOffset)) this.destroyed.set(node.id, { id: node.id, directoryId, logEndOffset: last.logEndOffset });
      }
      if (last === undefined || last.directoryId !== node.directoryId || last.logEndOffset !== node.logEndOffset) {
        this.lastSeen.set(node.id, { directoryId: node.directoryId, logEndOffset: node.logEndOffset });
      }
    }
  }

  /**
   * The destroyed copies that held the records below `offset` (log end at or past it), in id order,
   * of controllers not in `counted` (those that count for a voter key now are judged by their log).
   */
  holding(offset: number, counted: readonly number[]): DestroyedCopy[] {
    const copies: DestroyedCopy[] = [];
    for (const copy of this.destroyed.values()) if (copy.logEndOffset >= offset && !counted.includes(copy.id)) copies.push(copy);
    return copies.sort((a, b) => a.id - b.id);
  }

  /** The record judged is on a majority again: the destroyed copies excuse nothing after. */
  clear(): void {
    this.destroyed.clear();
  }
}

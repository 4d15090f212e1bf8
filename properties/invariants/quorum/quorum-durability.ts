import { DestroyedCopies } from '../../../impl/raft/destroyed-copies.ts';
import { majoritySize } from '../../../impl/raft/raft-config.ts';
import type { ReplicaKey } from '../../../impl/raft/voter-set.ts';
import type { InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
import type { QuorumNodeView } from '../../../sim/kafka/quorum-view.ts';

/**
 * `QuorumDurability` (the KRaft TLA+ specification's durability; Raft's promise under crashes and
 * power losses, since a voter fsyncs a record before it counts toward the high watermark): once a
 * committed metadata offset (at or below the greatest high watermark any controller has had) is
 * on the logs of a majority of the voters, it stays on a majority. Judged on each controller's real
 * Raft log end (live while it runs, the last one seen while it is down, its recovered log once it
 * restarts), per voter key (KIP-853): a controller counts for a key only while the directory on its
 * disk is the key's. Excused per moment where the majority falls short only by copies of the record
 * that disk losses destroyed (`impl/raft/destroyed-copies.ts`: a voter key's directory replaced
 * while its log held the record; KIP-853 keeps such a voter from voting until the voters name its
 * new directory), also once the old key has left the voter set, until the record is on a majority
 * again; the excuse names them. Log ends, not contents: a record rewritten at a committed offset is
 * `QuorumConsistentCommittedData`'s and `QuorumLeaderCompleteness`'s finding. Test-only mutants:
 * `raft-log-not-fsynced` (a controller counts a record before it is on its disk, so power losses
 * take committed records) and `amnesiac-voter` (static voters: a controller back on an empty disk
 * is the same voter, and no destroyed copy excuses it).
 */
export function quorumDurability(): InvariantDefinition<KafkaClusterView> {
  /** The greatest high watermark any controller has had, and which controller had it. */
  let committed = 0;
  let committedBy = '';
  /** The greatest committed offset seen on a majority of the voter keys' logs. */
  let durable = 0;
  /** The voter keys the latest leader counted (KIP-853); kept while no controller leads. */
  let voters: readonly ReplicaKey[] | undefined;
  let held: readonly QuorumNodeView[] | undefined;
  /** The voters' copies disk losses destroyed since the record judged was last on a majority. */
  const destroyed = new DestroyedCopies();
  return {
    name: 'QuorumDurability',
    kind: 'always',
    source: 'KIP-595, KIP-853; the KRaft TLA+ specification (durability of committed entries); Raft §5.4',
    statement: 'A metadata record once committed and on the logs of a majority of the voters stays on the logs of a majority of them, each voter counted only while its log directory is the one the voter set names; excused only by the copies disk losses destroyed (a voter\'s directory replaced), until the record is on a majority again.',
    checker: {
      type: 'state',
      check(view) {
        const quorum = view.quorum;
        if (quorum === undefined || quorum.length === 0 || quorum === held) return undefined;
        for (const node of quorum) {
          if (node.highWatermark !== undefined && node.highWatermark > committed) {
            committed = node.highWatermark;
            committedBy = node.node;
          }
          if (node.running && node.leader !== undefined && node.state?.type === 'Leader') voters = node.leader.voterKeys;
        }
        const keys = voters ?? quorum.map((node) => ({ id: node.controllerId, directoryId: node.directoryId }));
        destroyed.observe(quorum.map((node) => ({ id: node.controllerId, directoryId: node.directoryId, logEndOffset: node.logEndOffset })), keys);
        // The controllers that count for a voter key: those that still have the key's directory.
        const counted: QuorumNodeView[] = [];
        for (const key of keys) {
          const node = quorum.find((candidate) => candidate.controllerId === key.id);
          if (node === undefined || (key.directoryId !== undefined && node.directoryId !== key.directoryId)) continue;
          counted.push(node);
        }
        const needed = majoritySize(keys.length);
        const ends = counted.map((node) => node.logEndOffset).sort((a, b) => b - a);
        const onMajority = ends.length >= needed ? (ends[needed - 1] as number) : -1;
        if (onMajority >= durable) {
          // The destroyed copies are forgotten once the record is on a majority again, as the
          // voters' own high watermarks confirm: a log end alone may be a divergent tail (default
          // seed 110: controller-0 ended at 38 in an older epoch's records while the committed log
          // ended at 35, and truncated to 34 on following the new leader after controller-1's disk
          // was lost with its copy).
          if (counted.filter((node) => node.running && (node.highWatermark ?? -1) >= durable).length >= needed) destroyed.clear();
          durable = Math.max(durable, Math.min(committed, onMajority));
          held = quorum;
          return undefined;
        }
        held = undefined;
        const holding = ends.filter((end) => end >= durable).length;
        const lacking = counted.filter((node) => node.logEndOffset < durable);
        const message = `metadata committed up to offset ${durable} (${committedBy} had high watermark ${committed}) was on a majority of the ${keys.length} voters and is now on ${holding}: ${lacking.map((node) => `${node.node} ends at ${node.logEndOffset}${node.running ? '' : ' (down)'}`).join(', ')}`;
        const subject = { nodes: lacking.map((node) => node.node) };
        const lost = destroyed.holding(durable, counted.map((node) => node.controllerId));
        if (holding + lost.length >= needed) {
          const excusedBy = lost.map((copy) => {
            const node = quorum.find((candidate) => candidate.controllerId === copy.id);
            const removed = keys.some((key) => key.id === copy.id && key.directoryId === copy.directoryId) ? '' : ', its key since removed from the voters';
            return `disk-loss of ${node?.node ?? `controller ${copy.id}`} (voter ${copy.id}@${copy.directoryId}, its log then ending at ${copy.logEndOffset}, its directory now ${node?.directoryId ?? 'unformatted'}${removed})`;
          });
          return { message: `${message}; the rest lost their copies with their disks`, excusedBy, subject };
        }
        return { message, subject };
      },
    },
  };
}

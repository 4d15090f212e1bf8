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
 * disk is the key's. Excused per moment where the majority falls short only by voter keys whose
 * directory a disk loss replaced (that copy went with its disk, and KIP-853 keeps such a voter
 * from voting until the voters name its new directory); the excuse names them. Log ends, not
 * contents: a record rewritten at a committed offset is `QuorumConsistentCommittedData`'s and
 * `QuorumLeaderCompleteness`'s finding. Test-only mutant: `raft-log-not-fsynced` (a controller
 * counts a record before it is on its disk, so power losses take committed records).
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
  return {
    name: 'QuorumDurability',
    kind: 'always',
    source: 'KIP-595, KIP-853; the KRaft TLA+ specification (durability of committed entries); Raft §5.4',
    statement: 'A metadata record once committed and on the logs of a majority of the voters stays on the logs of a majority of them, each voter counted only while its log directory is the one the voter set names; excused only by the disk losses that replaced a voter\'s directory.',
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
        // The controllers that count for a voter key: those that still have the key's directory.
        const counted: QuorumNodeView[] = [];
        const replaced: string[] = [];
        for (const key of keys) {
          const node = quorum.find((candidate) => candidate.controllerId === key.id);
          if (node === undefined) continue;
          if (key.directoryId !== undefined && node.directoryId !== key.directoryId) {
            replaced.push(`disk-loss of ${node.node} (voter ${key.id}@${key.directoryId}, its directory now ${node.directoryId ?? 'unformatted'})`);
            continue;
          }
          counted.push(node);
        }
        const needed = majoritySize(keys.length);
        const ends = counted.map((node) => node.logEndOffset).sort((a, b) => b - a);
        const onMajority = ends.length >= needed ? (ends[needed - 1] as number) : -1;
        if (onMajority >= durable) {
          durable = Math.max(durable, Math.min(committed, onMajority));
          held = quorum;
          return undefined;
        }
        held = undefined;
        const holding = ends.filter((end) => end >= durable).length;
        const lacking = counted.filter((node) => node.logEndOffset < durable);
        const message = `metadata committed up to offset ${durable} (${committedBy} had high watermark ${committed}) was on a majority of the ${keys.length} voters and is now on ${holding}: ${lacking.map((node) => `${node.node} ends at ${node.logEndOffset}${node.running ? '' : ' (down)'}`).join(', ')}`;
        const subject = { nodes: lacking.map((node) => node.node) };
        if (holding + replaced.length >= needed) return { message: `${message}; the rest lost their copies with their disks`, excusedBy: replaced, subject };
        return { message, subject };
      },
    },
  };
}

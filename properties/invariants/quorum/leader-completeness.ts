import type { InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
import type { QuorumNodeView } from '../../../sim/kafka/quorum-view.ts';
import { quorumReadsVersion } from '../reads-versions.ts';

/**
 * `QuorumLeaderCompleteness`: Raft's Leader Completeness (Ongaro and Ousterhout, section 5.4; the
 * KRaft TLA+ specification's `LeaderCompleteness`) over the controllers' real Raft logs. A record
 * committed in an epoch is in the log of the leader of every later epoch, at the same offset, with
 * the same epoch and bytes; a leader whose snapshot covers the offset (its log starts past it) is
 * not judged there, since its log no longer holds any record below its start. This is what the
 * amnesiac voter (V-K3) breaks: a controller that lost its disk grants its vote, from an empty
 * log, to a candidate that lacks records it had helped commit, and the candidate leads without
 * them (and would truncate them from every follower).
 *
 * Judged on each controller's Raft log as it is after every event that changed a controller:
 * every record below a running controller's high watermark is learned the first time any
 * controller shows it committed, with the epoch that controller was in then (the leader that
 * committed it led that epoch or an earlier one, so the claim may judge fewer leaders than it
 * could, never more); then every running leader's log is compared, once per epoch and offset, with
 * every learned record committed in an epoch below its own. Which records agree on the other
 * controllers is `QuorumConsistentCommittedData`'s (`raft-quorum-claims.ts`), not this claim's: a
 * record learned here is the first seen at its offset. Nothing is excused.
 */
export function quorumLeaderCompleteness(): InvariantDefinition<KafkaClusterView> {
  /** Offset -> the first record seen committed there, and the epoch of the controller that showed it. */
  const committed = new Map<number, { readonly signature: string; readonly committedInEpoch: number; readonly seenOn: string }>();
  let committedEnd = 0;
  /** Per controller id: the offset below which its committed records were learned. */
  const learnedUpTo = new Map<number, number>();
  /** Per `controller/epoch` it leads: the offset below which its log was compared. */
  const comparedUpTo = new Map<string, number>();
  return {
    name: 'QuorumLeaderCompleteness',
    kind: 'always',
    source: 'Raft section 5.4 (Leader Completeness); the KRaft TLA+ specification\'s LeaderCompleteness; V-K3 (KIP-853)',
    statement: 'A controller that leads a Raft epoch holds in its metadata log, at the same offset with the same epoch and bytes, every record committed in an earlier epoch that its snapshot does not cover.',
    checker: {
      type: 'state',
      readsVersion: quorumReadsVersion,
      check(view) {
        const quorum = view.quorum ?? [];
        for (const node of quorum) learn(node);
        for (const node of quorum) {
          const found = compare(node);
          if (found !== undefined) return found;
        }
        return undefined;
      },
    },
  };

  function learn(node: QuorumNodeView): void {
    const log = node.raftLog;
    if (!node.running || log === undefined || node.highWatermark === undefined || node.state === undefined) return;
    const from = Math.max(learnedUpTo.get(node.controllerId) ?? 0, log.startOffset());
    const to = Math.min(node.highWatermark, log.endOffset());
    if (from >= to) return;
    for (const entry of log.readEntries(from, to)) {
      if (committed.has(entry.offset)) continue;
      committed.set(entry.offset, { signature: signatureOf(entry), committedInEpoch: node.state.epoch, seenOn: node.node });
      committedEnd = Math.max(committedEnd, entry.offset + 1);
    }
    learnedUpTo.set(node.controllerId, to);
  }

  function compare(node: QuorumNodeView): { message: string; subject: { nodes: string[]; offset: number } } | undefined {
    const log = node.raftLog;
    if (!node.running || log === undefined || node.state?.type !== 'Leader') return undefined;
    const epoch = node.state.epoch;
    const key = `${node.controllerId}/${epoch}`;
    const start = Math.max(comparedUpTo.get(key) ?? 0, log.startOffset());
    if (start >= committedEnd) return undefined;
    const end = log.endOffset();
    // The leader's log may end below where it was compared up to (a later epoch's records past its
    // end were skipped there, and a cut-off leader of an old epoch never gets them): read nothing then.
    const readTo = Math.min(committedEnd, end);
    const held = new Map(start < readTo ? log.readEntries(start, readTo).map((entry) => [entry.offset, signatureOf(entry)]) : []);
    const missing: number[] = [];
    for (let offset = start; offset < committedEnd; offset++) {
      const record = committed.get(offset);
      if (record !== undefined && record.committedInEpoch < epoch && held.get(offset) !== record.signature) missing.push(offset);
    }
    // Each leader's epoch is judged once per committed record: a violation is reported once.
    comparedUpTo.set(key, committedEnd);
    const offset = missing[0];
    if (offset === undefined) return undefined;
    const record = committed.get(offset) as { readonly signature: string; readonly committedInEpoch: number; readonly seenOn: string };
    const mine = held.get(offset);
    const what = mine === undefined ? `its log ends at ${end}` : `it holds ${mine} there`;
    const others = missing.length === 1 ? '' : ` and ${missing.length - 1} more committed record(s) up to offset ${missing[missing.length - 1]}`;
    return {
      message: `controller ${node.controllerId} leads epoch ${epoch} without offset ${offset} (${record.signature}), committed by epoch ${record.committedInEpoch} (seen on ${record.seenOn}): ${what}${others}`,
      subject: { nodes: [node.node, record.seenOn], offset },
    };
  }
}

/** A record as the claim compares it: its batch's epoch, whether it is a control record, and a digest (FNV-1a) of its bytes. */
function signatureOf(entry: { readonly epoch: number; readonly isControl: boolean; readonly value: Uint8Array }): string {
  let digest = 0x811c9dc5;
  for (const byte of entry.value) digest = Math.imul(digest ^ byte, 0x01000193) >>> 0;
  return `epoch ${entry.epoch}${entry.isControl ? ' control' : ''} record of ${entry.value.length} bytes #${digest.toString(16).padStart(8, '0')}`;
}

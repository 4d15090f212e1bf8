import { RaftInvariants, type CommittedEntry } from '../../../impl/raft/raft-invariants.ts';
import type { InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
import { quorumReadsVersion } from '../reads-versions.ts';

/**
 * `QuorumConsistentCommittedData` (Kafka's `RaftEventSimulationTest.ConsistentCommittedData`; the
 * KRaft TLA+ specification's state machine safety): every controller's committed metadata agrees.
 * Judged on what each running controller really replayed (`QuorumController`'s committed metadata
 * entries, the records brokers fetch), incrementally: each record is compared once, with the first
 * record any controller replayed at its offset. A restarted controller (a new incarnation, a
 * replaced disk included) replays its committed log again from its start or its snapshot, and is
 * compared again from there. Control records (LeaderChange, KRaftVersion, Voters) are not
 * replayed, so not compared. Nothing is excused: under KIP-853 a replaced disk loses no committed
 * record from the quorum (`spec/kraft.md`, "Replaced disks"), and a controller on one replays what
 * it fetched. The amnesiac voter (V-K3) breaks it: a leader elected without committed records
 * writes other records at their offsets and commits them.
 */
export function quorumConsistentCommittedData(): InvariantDefinition<KafkaClusterView> {
  const invariants = new RaftInvariants(1);
  const incarnations = new Map<number, number>();
  return {
    name: 'QuorumConsistentCommittedData',
    kind: 'always',
    source: 'KIP-595; Kafka RaftEventSimulationTest (ConsistentCommittedData) and the KRaft TLA+ specification',
    statement: 'Every controller\'s committed metadata agrees: at each offset it replayed, a controller replayed the same record as every other controller that replayed that offset.',
    checker: {
      type: 'state',
      readsVersion: quorumReadsVersion,
      check(view) {
        for (const node of view.quorum ?? []) {
          if (!node.running) continue;
          if (incarnations.get(node.controllerId) !== node.incarnation) {
            invariants.forgetNode(node.controllerId);
            incarnations.set(node.controllerId, node.incarnation);
          }
          const from = invariants.committedCheckFrom(node.controllerId);
          if (from >= node.committedOffset) continue;
          const entries: CommittedEntry[] = [];
          for (let index = firstAtOrAfter(node.committedEntries, from); index < node.committedEntries.length; index++) {
            const entry = node.committedEntries[index] as (typeof node.committedEntries)[number];
            entries.push({ offset: entry.offset, signature: JSON.stringify(entry.record) });
          }
          const violation = invariants.checkCommitted(node.controllerId, entries, node.committedOffset);
          if (violation !== undefined) {
            const message = violation.message.replace(/^offset (\d+): node (\d+) has (.*), node (\d+) had /, 'offset $1: controller $2 replayed $3, controller $4 replayed ');
            const other = /, node (\d+) had /.exec(violation.message)?.[1];
            return { message, subject: { nodes: other === undefined ? [node.node] : [node.node, `controller-${other}`] } };
          }
        }
        return undefined;
      },
    },
  };
}

/** The index of the first entry at or after `offset` (entries in offset order). */
function firstAtOrAfter(entries: readonly { readonly offset: number }[], offset: number): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((entries[middle] as { offset: number }).offset < offset) low = middle + 1;
    else high = middle;
  }
  return low;
}

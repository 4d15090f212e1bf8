import type { BatchDigest } from '../../../sim/kafka/replica-logs.ts';
import { uncheckedFlipApplicability, type InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';

/**
 * What must hold once the heal phase has converged (checked once, after convergence): the
 * cluster is whole again. A run whose cluster never converges fails on liveness before these run.
 * Convergence itself (`pendingConvergence` in `sim/kafka/kafka-system.ts`) already requires every
 * partition to have an acting leader, every send to have an outcome and every replica's log end
 * to match its leader's, so no claim restates those (one that did could never fail on its own):
 * what remains is that the replicas' logs hold the same batches as their leader's, which equal
 * log ends do not imply.
 */
export function replicationLiveness(): InvariantDefinition<KafkaClusterView>[] {
  return [
    {
      name: 'AcknowledgedOnEveryReplica',
      kind: 'eventually',
      source: 'Kafka replication: every replica converges to the leader\'s log',
      statement: 'After the heal, every replica holds the leader\'s whole log and the high watermark covers it.',
      // A flipped leader epoch escapes Kafka's CRC; OffsetsForLeaderEpoch then truncates at the
      // wrong place, and replicas can keep different records for good (as LogMatching says).
      applicability(context) {
        return uncheckedFlipApplicability(context, 'truncation can be misled for good');
      },
      checker: {
        type: 'final',
        check(view) {
          for (const partition of view.controller?.partitions ?? []) {
            const name = `${partition.topicName}-${partition.partitionId}`;
            const leader = view.brokers.find((broker) => broker.brokerId === partition.leader)?.replicas.find((replica) => replica.name === name);
            if (leader === undefined) return `${name}: no leader replica`;
            if (leader.highWatermark !== leader.logEndOffset) return `${name}: high watermark ${leader.highWatermark} below log end ${leader.logEndOffset}`;
            for (const id of partition.replicas) {
              const replica = view.brokers.find((broker) => broker.brokerId === id)?.replicas.find((candidate) => candidate.name === name);
              if (replica === undefined || replica.logEndOffset !== leader.logEndOffset) {
                return `${name}: replica ${id} does not hold the leader's log (its end ${replica?.logEndOffset ?? 'none'}, leader's ${leader.logEndOffset})`;
              }
              const difference = firstDifference(leader.digest, replica.digest, Math.max(leader.logStartOffset, replica.logStartOffset));
              if (difference === undefined) continue;
              const message = `${name}: replica ${id} does not hold the leader's log: ${difference}`;
              // A follower's stored copy that a bit flip damaged stays as it is until the broker
              // reads it (as leader, or at recovery): Kafka has not noticed, and the fault is named.
              if (replica.digest.at(-1)?.intact === false) return { message, excusedBy: [`a bit flip damaged a batch on broker ${id}'s disk`] };
              return message;
            }
          }
          return undefined;
        },
      },
    },
  ];
}

/**
 * Where a replica's records differ from the leader's, from `from` on: the first batch whose
 * offsets or CRC (which covers the records) differ. The leader epoch in a batch header is not
 * compared: Kafka's CRC does not cover it, so a bit flipped there leaves the records intact and
 * goes unnoticed (LogMatching reports such copies as not applicable under bit flips).
 */
function firstDifference(leader: readonly BatchDigest[], replica: readonly BatchDigest[], from: number): string | undefined {
  const mine = new Map<number, BatchDigest>();
  for (const batch of replica) if (batch.baseOffset >= from) mine.set(batch.lastOffset, batch);
  for (const batch of leader) {
    if (batch.baseOffset < from) continue;
    const copy = mine.get(batch.lastOffset);
    if (copy === undefined || copy.baseOffset !== batch.baseOffset || copy.crc !== batch.crc) {
      return `the leader's batch ${batch.baseOffset}..${batch.lastOffset} (epoch ${batch.epoch}) is ${copy === undefined ? 'missing' : `different (epoch ${copy.epoch})`}`;
    }
  }
  return undefined;
}

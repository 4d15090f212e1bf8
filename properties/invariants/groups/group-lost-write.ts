import { finalHistoryChecker, type Applicability, type InvariantDefinition, type RunContext } from '../../../sim/invariants/invariant.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
import { aboutGroup, judgedSkip, lostWriteApplicability, type Found } from '../history/kafka-history.ts';
import { GROUP_HISTORY_INDEX, sortedGroups, type GroupHistory } from './group-history-index.ts';

/**
 * `group-lost-write`: Jepsen's `lost-write` (jepsen.tests.kafka) for each consumer group. The
 * Kafka quick start's promise, "every group gets every message", judged once the run has healed
 * and converged (the group convergence of `kafka-system.ts` waits until each group is Stable and
 * the owner of each partition has read it up to the high watermark): every acknowledged write
 * was returned, at its acknowledged offset, to a poll of some member of each group. A group that
 * resumes past a committed offset, or commits past what it read, loses records for good.
 *
 * Excused per record only: where the log cleanup removed the record before the group reached it
 * (retention or compaction, as the topic's `cleanup.policy` allows), or faults destroyed every
 * copy any replica held (the copy ledger, as `lost-write` judges it); never per run.
 */
export function groupLostWriteApplicability(context: RunContext): Applicability {
  if (context.config['auto.offset.reset'] === 'latest') return { applies: false, reason: 'auto.offset.reset=latest: a group skips what was written before it first found its partitions' };
  return lostWriteApplicability(context);
}

export const groupLostWrite: InvariantDefinition<KafkaClusterView> = {
  name: 'group-lost-write',
  kind: 'eventually',
  source: 'Jepsen jepsen.tests.kafka (lost-write), per consumer group; Kafka quick start ("every group gets every message"); issue 13',
  statement: 'After the heal, every acknowledged write was returned at its acknowledged offset to a poll of some member of each consumer group; excused only where log cleanup removed it first or faults destroyed every copy.',
  applicability: groupLostWriteApplicability,
  checker: finalHistoryChecker(GROUP_HISTORY_INDEX, (history: GroupHistory, view: KafkaClusterView) => {
    const found: Found[] = [];
    for (const [groupId, partitions] of sortedGroups(history)) {
      const reads = new Map(partitions);
      for (const ack of history.acked) {
        if (reads.get(ack.partition)?.read(ack.offset, ack.value) === true) continue;
        const message = `group ${groupId} never read ${ack.producer} write ${ack.value}, acknowledged at partition ${ack.partition} offset ${ack.offset}`;
        found.push(aboutGroup(groupId, judgedSkip(view, ack.topic, ack.partition, ack.offset, ack.value, message, ack.atMs)));
      }
    }
    return found;
  }),
};

import { historyChecker, type InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
import { aboutGroup, judgedSkipOfAny, type Found } from '../history/kafka-history.ts';
import { GROUP_HISTORY_INDEX, sortedGroups, type GroupHistory, type GroupPartition, type KnownRecords } from './group-history-index.ts';

/**
 * `group-poll-skip`: Jepsen's `poll-skip` (jepsen.tests.kafka) across the members of a group. A
 * group's committed offset is where its next owner of the partition resumes (Kafka's
 * `ConsumerCoordinator.refreshCommittedOffsetsIfNeeded`), so an accepted commit of offset N says
 * the group is done with every record below N: each must have been returned to a poll of some
 * member of the group before the commit was sent. Kafka's auto-commit commits the positions the
 * previous polls reached (`ConsumerCoordinator.maybeAutoCommitOffsetsAsync` with
 * `subscriptions.allConsumed()`), which keeps this by construction.
 *
 * Offsets below a reset (`auto.offset.reset`, a `seek` that is not to a committed offset) made
 * before the commit are not required, as Jepsen's `poll-skip` allows a skip across a seek. Each
 * offset is judged once, for the first accepted commit past it (in the order commits were sent):
 * a later commit was sent later still. Excused per record where the log cleanup removed the
 * record first, or faults destroyed every copy (the copy ledger).
 *
 * The record at an offset is the one any consumer read there, or the one acknowledged there
 * where an acknowledgement means the record was committed (acks=all): an acks=1 write may be
 * truncated before it is committed, and the offset then holds another record, which compaction
 * may remove before the group reaches it (seed 5 under `--config acks=1 --config
 * enable.idempotence=false`, before this rule: the claim judged the truncated write and reported a
 * skip of the offset). Where both are known and differ (a loss, `lost-write`'s to judge), the
 * skip is excused if either record's removal excuses it.
 *
 * Not under `unclean.leader.election.enable=true`: an unclean election truncates committed
 * records by design, with no fault to name, and the record that takes the offset may be removed
 * by cleanup before the group reaches it, so the group rightly passes an offset whose known
 * record it never read (seed 27 under `pre-kip-320`'s configuration, on a compacted topic: the
 * fixed protocol's only failure of seeds 1..100 there). As `group-nonmonotonic-commit` and
 * `group-lost-write`, it then does not apply (spec/invariants.md).
 */
export function groupPollSkip(acknowledgedIsCommitted: boolean): InvariantDefinition<KafkaClusterView> {
  return {
    name: 'group-poll-skip',
    kind: 'always',
    source: 'Jepsen jepsen.tests.kafka (poll-skip), across a group\'s owners; Kafka ConsumerCoordinator auto-commit (allConsumed); issue 13',
    statement: 'When a group\'s accepted commit moves a partition\'s committed offset to N, every record below N (above the group\'s last reset) was returned to a poll of some member of the group before the commit was sent.',
    applicability: (context) => (context.config['unclean.leader.election.enable'] === 'true'
      ? { applies: false, reason: 'unclean leader election truncates committed records a group may not have read yet' }
      : { applies: true }),
    checker: historyChecker(GROUP_HISTORY_INDEX, (history: GroupHistory, view: KafkaClusterView) => {
      const found: Found[] = [];
      for (const [groupId, partitions] of sortedGroups(history)) {
        for (const [partition, reads] of partitions) {
          const known = history.known.get(partition);
          if (known !== undefined) judgePartition(view, groupId, partition, reads, known, acknowledgedIsCommitted, found);
        }
      }
      return found;
    }),
  };
}

function judgePartition(view: KafkaClusterView, groupId: string, partition: number, reads: GroupPartition, known: KnownRecords, acknowledgedIsCommitted: boolean, found: Found[]): void {
  const commits = [...reads.commits].sort((a, b) => a.invokedAt - b.invokedAt);
  let judgedBelow = 0;
  let resetIndex = 0;
  let resetFloor = 0;
  for (const commit of commits) {
    while (resetIndex < reads.resets.length && (reads.resets[resetIndex] as { at: number }).at < commit.invokedAt) {
      resetFloor = Math.max(resetFloor, (reads.resets[resetIndex] as { offset: number }).offset);
      resetIndex++;
    }
    const from = Math.max(judgedBelow, resetFloor);
    // Offsets past every known record hold nothing to judge.
    const to = Math.min(commit.offset, known.highest + 1);
    for (let offset = from; offset < to; offset++) {
      const read = known.read.get(offset);
      const acknowledged = acknowledgedIsCommitted ? known.acknowledged.get(offset) : undefined;
      if (read === undefined && acknowledged === undefined) continue;
      const readAt = reads.firstReadAt.get(offset);
      if (readAt !== undefined && readAt < commit.invokedAt) continue;
      const when = readAt === undefined ? 'which no member of the group ever read' : 'which no member of the group had read yet';
      const message = `group ${groupId}: ${commit.consumer} (${commit.memberId}, generation ${commit.generationId}) committed offset ${commit.offset} of ${reads.topic}-${partition} past offset ${offset}, ${when}`;
      const records = [...new Set([acknowledged, read])].filter((value) => value !== undefined).map((value) => ({ topic: known.topic, value }));
      found.push(aboutGroup(groupId, judgedSkipOfAny(view, partition, offset, records, message, commit.atMs)));
    }
    judgedBelow = Math.max(judgedBelow, to);
  }
}

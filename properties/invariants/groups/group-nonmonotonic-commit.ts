import { historyChecker, uncheckedFlipApplicability, type InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
import type { Found } from '../history/kafka-history.ts';
import { GROUP_HISTORY_INDEX, type GroupHistory } from './group-history-index.ts';

/**
 * `group-nonmonotonic-commit`: Jepsen's `nonmonotonic-poll` (jepsen.tests.kafka) for what a group
 * commits. A group's committed offset for a partition never moves back: Kafka allows that only
 * by an explicit seek and commit, which the workload never makes, and its generation fencing
 * (`ClassicGroup.validateOffsetCommit`) exists so that a zombie member's stale position cannot
 * land over its successor's.
 *
 * Judged on what the coordinator accepted (an answered commit, `group-history-index.ts`) in real
 * time: a commit accepted below the highest accepted commit of the same group and partition that
 * was answered before it was sent. Two commits in flight at once may land in either order, so they
 * are not compared. The coordinator answers a commit only once its record is committed on
 * `__consumer_offsets` (acks=all on the offsets topic), which the fault budget keeps from every
 * fault the run promises to survive; so no finding is excused.
 */
export const groupNonmonotonicCommit: InvariantDefinition<KafkaClusterView> = {
  name: 'group-nonmonotonic-commit',
  kind: 'always',
  source: 'Jepsen jepsen.tests.kafka (nonmonotonic-poll), for a group\'s commits; Kafka ClassicGroup.validateOffsetCommit (generation fencing); issue 13',
  statement: 'A group\'s accepted commits of a partition never go below an accepted commit of that group and partition answered before they were sent.',
  applicability(context) {
    return uncheckedFlipApplicability(context, 'a committed offset may read as one never committed');
  },
  checker: historyChecker(GROUP_HISTORY_INDEX, (history: GroupHistory, _view: KafkaClusterView) =>
    history.backwards.map((backward): Found => {
      const { commit, floor } = backward;
      return {
        atMs: commit.atMs,
        message: `group ${backward.groupId}: ${commit.consumer} (${commit.memberId}, generation ${commit.generationId}) committed offset ${commit.offset} of ${backward.topic}-${backward.partition}, below offset ${floor.offset} that ${floor.consumer} (${floor.memberId}, generation ${floor.generationId}) had committed before (answered at ${floor.atMs} ms)`,
      };
    })),
};

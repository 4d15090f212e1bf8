import { CHECK_QUORUM_TIMEOUT_FACTOR } from '../../../impl/raft/leader-state.ts';
import { majoritySize } from '../../../impl/raft/raft-config.ts';
import type { InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
import type { QuorumNodeView } from '../../../sim/kafka/quorum-view.ts';
import { quorumReadsVersion } from '../reads-versions.ts';

/**
 * `SingleActiveController` (KAFKA-15489's split brain): a controller that is still the Raft leader
 * of an older epoch, after a controller of a newer epoch has become active, has heard from a
 * majority of the voters recently; otherwise it is a second active controller. Raft leaders name
 * themselves the active controller in every answer (FetchMetadata here, `LeaderAndEpoch` in
 * Kafka), decide controller requests, and serve the committed metadata they have, which the newer
 * epoch has moved past. Before the fix (Kafka 3.7, PR #14428) nothing made an isolated leader
 * step down: replication is pull-based, so nothing reached it to say that the quorum had moved on.
 *
 * Judged on each controller's real state: whether it is the Raft leader and of which epoch, its
 * `LeaderState`'s record of when it took office and when it last heard each voter's Fetch or
 * FetchSnapshot in that epoch, and which controllers have been active in which epochs (the check
 * runs after every change of any of them, so no activation goes unseen).
 *
 * The bound is Kafka's own, derived rather than guessed. Check-quorum restarts its timer each time
 * the voters heard since the last restart make a majority (the leader counted), and resigns when
 * the timer, 1.5 x `controller.quorum.fetch.timeout.ms` = T, runs out. So the restarts of a leader
 * still in office are at most T apart, the last one is at most T ago, and the voters counted in it
 * were heard after the restart before, at most 2T ago. A leader of the fixed protocol therefore
 * always has a majority heard within 2T, or took office within T; one that does not has gone past
 * the point where Kafka resigns. The bound is on what the leader heard, not on when the newer
 * epoch began: a Fetch held by the network and delivered late is heard late, and restarts the
 * timer in Kafka as here.
 */
export function singleActiveController(): InvariantDefinition<KafkaClusterView> {
  /** The newest epoch a controller has been seen active in: the first moment, and the controller. */
  let newest: { readonly epoch: number; readonly atMs: number; readonly node: string } | undefined;
  let nextChangeAtMs: number | undefined;
  return {
    name: 'SingleActiveController',
    kind: 'always',
    source: 'KAFKA-15489 (LeaderState check-quorum, Kafka 3.7, PR #14428)',
    statement: 'A controller that is still the Raft leader of an older epoch (naming itself the active controller to every broker that fetches metadata from it) after another controller became active in a newer epoch has heard a Fetch from a majority of the voters, itself counted, within 2 x 1.5 x controller.quorum.fetch.timeout.ms, or took office within it: no second active controller outlives check-quorum.',
    checker: {
      type: 'state',
      readsVersion: quorumReadsVersion,
      nextChangeAtMs: () => nextChangeAtMs,
      check(view) {
        nextChangeAtMs = undefined;
        const quorum = view.quorum ?? [];
        for (const node of quorum) {
          if (!node.running || !node.active || node.state === undefined) continue;
          if (newest === undefined || node.state.epoch > newest.epoch) newest = { epoch: node.state.epoch, atMs: view.nowMs, node: node.node };
        }
        if (newest === undefined) return undefined;
        for (const node of quorum) {
          if (!node.running || node.state?.type !== 'Leader' || node.leader === undefined || node.state.epoch >= newest.epoch) continue;
          const heardUntilMs = majorityHeardUntilMs(node, quorum.length);
          const boundMs = 2 * Math.floor(node.fetchTimeoutMs * CHECK_QUORUM_TIMEOUT_FACTOR);
          if (view.nowMs <= heardUntilMs + boundMs) {
            const wakeAtMs = heardUntilMs + boundMs + 1;
            nextChangeAtMs = nextChangeAtMs === undefined ? wakeAtMs : Math.min(nextChangeAtMs, wakeAtMs);
            continue;
          }
          const heard = node.leader.voters.map((voter) => `${voter.id} ${voter.lastFetchMs === undefined ? 'never' : `at ${voter.lastFetchMs} ms`}`).join(', ');
          return {
            message: `${node.node} is still the Raft leader of epoch ${node.state.epoch} (high watermark ${node.highWatermark ?? 'unknown'}, elected at ${node.leader.electedAtMs} ms) `
              + `while ${newest.node} has been active in epoch ${newest.epoch} since ${newest.atMs} ms; it last heard the voters ${heard}: `
              + `no majority within ${boundMs} ms (2 x 1.5 x controller.quorum.fetch.timeout.ms)`,
            subject: { nodes: [node.node, newest.node] },
          };
        }
        return undefined;
      },
    },
  };
}

/**
 * The latest moment from which the leader had heard a majority of the voters (itself counted): the
 * time of the k-th most recent Fetch among the other voters, k being the majority less the leader;
 * its election when that is later (a new leader is given a whole check-quorum period too).
 */
function majorityHeardUntilMs(node: QuorumNodeView, voters: number): number {
  const leader = node.leader;
  if (leader === undefined) return Number.NEGATIVE_INFINITY;
  const needed = majoritySize(voters) - 1;
  const times = leader.voters.map((voter) => voter.lastFetchMs ?? Number.NEGATIVE_INFINITY).sort((a, b) => b - a);
  const kth = needed === 0 ? Number.POSITIVE_INFINITY : (times[needed - 1] ?? Number.NEGATIVE_INFINITY);
  return Math.max(leader.electedAtMs, kth);
}

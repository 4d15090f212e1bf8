import type { InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import { partitionName } from '../../../sim/kafka/kafka-view.ts';
import type { BrokerView, KafkaClusterView, ReplicaView } from '../../../sim/kafka/kafka-view.ts';
import { JudgedPartitions } from './judged-partitions.ts';
import { brokerById, registrationsById, replicaOn } from './view-lookups.ts';

/**
 * `LaggingFollowerLeavesIsr`: a leader takes out of its ISR a follower that has not caught up with
 * it for longer than `replica.lag.time.max.ms` (Kafka's `Partition.maybeShrinkIsr`, run every half
 * of that time, with `Replica.isCaughtUp` measured from the follower's last caught-up time, not its
 * last fetch). A follower left in the ISR while it falls behind holds the high watermark back: every
 * acks=all write waits for it, and times out.
 *
 * Judged on the logs, not on the leader's bookkeeping: for each follower in the leader's ISR, the
 * moment the leader's log first grew past the most the follower's log has held in this leader's
 * tenure (the leader's start if its log was already past it) is when the follower last caught up
 * at the latest, since Kafka's own last caught-up time can only be earlier. A follower whose log
 * the checker has not yet seen in this tenure is not judged. Once that is more than one
 * and a half lag times (the lag, then one period of the shrink check) and a margin ago, while the
 * leader had no ISR change in flight for the whole last period (Kafka proposes no shrink while one
 * is pending), the follower must be out of the leader's ISR.
 */
export function laggingFollowerLeavesIsr(replicaLagTimeMaxMs: number, marginMs = 2_000): InvariantDefinition<KafkaClusterView> {
  const boundMs = replicaLagTimeMaxMs + Math.floor(replicaLagTimeMaxMs / 2) + marginMs;
  /**
   * Per leader tenure (partition, broker, incarnation, epoch): when its log end grew, and since
   * when its ISR is settled. A partition's tenure ends when the next begins (epochs and
   * incarnations only grow), so there is at most one per partition.
   */
  const tenures = new Map<string, { times: number[]; ends: number[]; settledSinceMs: number | undefined; held: Map<number, number> }>();
  /** After a check: the earliest moment a bound passes for the state it saw (time alone changes this verdict). */
  let nextChangeAtMs: number | undefined;
  /** Per partition: the key of its current tenure; a partition's earlier tenures are over. */
  const currentTenure = new Map<string, string>();
  const judged = new JudgedPartitions();
  const wakeAt = (atMs: number): void => {
    nextChangeAtMs = nextChangeAtMs === undefined ? atMs : Math.min(nextChangeAtMs, atMs);
  };
  return {
    name: 'LaggingFollowerLeavesIsr',
    kind: 'always',
    source: 'Kafka replica.lag.time.max.ms; Partition.maybeShrinkIsr / Replica.isCaughtUp (KIP-16 follow-up, KAFKA-1546)',
    statement: `A follower that has not caught up with its leader for more than 1.5 x replica.lag.time.max.ms plus ${marginMs} ms (${boundMs} ms) is out of the leader's ISR, unless an ISR change was in flight within the last half lag time.`,
    checker: {
      type: 'state',
      nextChangeAtMs: () => nextChangeAtMs,
      check(view) {
        nextChangeAtMs = undefined;
        judged.begin(view);
        const controller = view.controller;
        if (controller === undefined) {
          // No active controller to read the partitions from: nothing is observed now, so what
          // each tenure recorded goes stale (a follower may catch up unseen, seed 278: 11 s
          // without an active controller, during which broker 2 kept up with t-0's leader and
          // the claim later judged it by the log end it last saw). Each starts afresh.
          tenures.clear();
          currentTenure.clear();
          return undefined;
        }
        const registered = registrationsById(view);
        const brokers = view.brokers;
        for (const partition of controller.partitions) {
          const name = partitionName(partition);
          // A partition judged to hold, unchanged since and with no bound pending, still holds.
          if (judged.unchanged(view, name)) continue;
          const leaderBroker = brokerById(brokers, partition.leader);
          const registration = registered.get(partition.leader);
          const leader = leaderBroker === undefined || leaderBroker.status !== 'running' || registration === undefined || registration.fenced || registration.brokerEpoch !== leaderBroker.brokerEpoch
            ? undefined
            : leaderOn(leaderBroker, name, partition.leaderEpoch);
          if (leaderBroker === undefined || leader === undefined) {
            // Its leader is not observed now: what its tenure recorded goes stale, as above.
            const unobserved = currentTenure.get(name);
            if (unobserved !== undefined) tenures.delete(unobserved);
            currentTenure.delete(name);
            continue;
          }
          const key = `${name}/${partition.leader}/${leaderBroker.incarnation}/${partition.leaderEpoch}`;
          let tenure = tenures.get(key);
          const previousKey = currentTenure.get(name);
          if (previousKey !== key) {
            if (previousKey !== undefined) tenures.delete(previousKey);
            currentTenure.set(name, key);
          }
          if (tenure === undefined) {
            tenure = { times: [view.nowMs], ends: [leader.logEndOffset], settledSinceMs: undefined, held: new Map() };
            tenures.set(key, tenure);
          }
          if (leader.logEndOffset > (tenure.ends.at(-1) as number)) {
            tenure.times.push(view.nowMs);
            tenure.ends.push(leader.logEndOffset);
          }
          let waiting = false;
          const settled = leader.isrState.kind === 'committed';
          if (!settled) tenure.settledSinceMs = undefined;
          else tenure.settledSinceMs ??= view.nowMs;
          for (const member of leader.maximalIsr) {
            if (member === partition.leader) continue;
            // The most the follower has held in this tenure: a restart that lost its tail does not
            // move its last caught-up time back (Kafka's does not move back either).
            const memberBroker = brokerById(brokers, member);
            const copy = memberBroker?.status === 'running' ? replicaOn(memberBroker, name) : undefined;
            const followerEnd = Math.max(tenure.held.get(member) ?? -1, copy?.logEndOffset ?? -1);
            tenure.held.set(member, followerEnd);
            if (followerEnd < 0 || followerEnd >= leader.logEndOffset || tenure.settledSinceMs === undefined) continue;
            const behindSinceMs = tenure.times[firstAbove(tenure.ends, followerEnd)] as number;
            // Judged once the ISR has been settled for half a lag time and a margin, and the
            // follower behind for longer than the bound: time alone passes both, at the later.
            const judgedFromMs = Math.max(tenure.settledSinceMs + Math.floor(replicaLagTimeMaxMs / 2) + marginMs, behindSinceMs + boundMs + 1);
            if (view.nowMs < judgedFromMs) {
              wakeAt(judgedFromMs);
              waiting = true;
              continue;
            }
            const message = `${name}: follower ${member} (log end ${followerEnd}) has been behind leader ${partition.leader} (epoch ${partition.leaderEpoch}, log end ${leader.logEndOffset}) since ${behindSinceMs} ms, more than ${boundMs} ms, and is still in its ISR ${leader.maximalIsr.join(',')}`;
            return { message, subject: { partition: name, offset: followerEnd, nodes: [`broker-${member}`, `broker-${partition.leader}`] } };
          }
          if (!waiting) judged.judging(name);
        }
        judged.held(view);
        return undefined;
      },
    },
  };
}

/** The broker's replica of `name` if it leads it in `leaderEpoch`. */
function leaderOn(broker: BrokerView, name: string, leaderEpoch: number): ReplicaView | undefined {
  const replica = replicaOn(broker, name);
  return replica !== undefined && replica.role === 'leader' && replica.leaderEpoch === leaderEpoch ? replica : undefined;
}

/** The index of the first entry of the ascending `ends` above `value` (one exists: the last is above it). */
function firstAbove(ends: readonly number[], value: number): number {
  let low = 0;
  let high = ends.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((ends[middle] as number) > value) high = middle;
    else low = middle + 1;
  }
  return low;
}

import { RaftInvariants, type CommittedEntry, type NodeObservation, type RaftInvariantName, type RaftViolation } from '../../../impl/raft/raft-invariants.ts';
import type { InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
import type { QuorumNodeView } from '../../../sim/kafka/quorum-view.ts';

/**
 * NOT REGISTERED YET: no cluster run shows any of these failing (DEVELOPERS.md, "What a claim must
 * be"). The mutant `raft-log-not-fsynced` made `QuorumDurability` fail at seeds 1, 11, 13, 14 and
 * 15 before controllers snapshotted their metadata, and at none of seeds 1..6 since; the Raft
 * core's own simulation tests show every one of them failing on planted bugs. They join the
 * Kafka system (`kafkaSystem`'s invariants) each with the cluster run that shows it failing.
 *
 * The controller quorum's claims, judged on every controller's real state (its `QuorumState` in
 * memory, its quorum-state file on disk, its Raft log end and its committed metadata) after every
 * event that changed any of it. The checks are `impl/raft/raft-invariants.ts`, the invariants of
 * Kafka's `RaftEventSimulationTest`, which the Raft core's own simulation tests run too; here they
 * run on the whole cluster, under the swarm's faults. Each is named after Kafka's invariant with
 * `Quorum` in front, apart from the partitions' claims of the same names (`MonotonicHighWatermark`).
 */
const SOURCE = 'KIP-595; Kafka RaftEventSimulationTest and the KRaft TLA+ specification';

function observationsOf(quorum: readonly QuorumNodeView[]): NodeObservation[] {
  return quorum.map((node) => ({
    id: node.controllerId,
    isVoter: true,
    running: node.running,
    persisted: node.persisted,
    state: node.state,
    highWatermark: node.highWatermark,
    logEndOffset: node.logEndOffset,
  }));
}

function nodesOf(quorum: readonly QuorumNodeView[], message: string): string[] {
  const named = quorum.filter((node) => new RegExp(`\\b(node|leader|controller) ${node.controllerId}\\b`).test(message)).map((node) => node.node);
  return named.length > 0 ? named : quorum.map((node) => node.node);
}

/** The observations of the last quorum view asked for, built once for the claims of one check, which read the same view. */
function observationsCache(): (quorum: readonly QuorumNodeView[]) => readonly NodeObservation[] {
  let observed: { readonly quorum: readonly QuorumNodeView[]; readonly observations: readonly NodeObservation[] } | undefined;
  return (quorum) => {
    if (observed?.quorum !== quorum) observed = { quorum, observations: observationsOf(quorum) };
    return observed.observations;
  };
}

/**
 * One claim over `check`, which keeps its own history (a fresh `RaftInvariants` per run). A quorum
 * view that is the same object as the one last judged to hold is not judged again: the view
 * builder reuses it only when nothing in it changed (`QuorumViewMemory`), and the checks of
 * `RaftInvariants` give the same answer for the same observations.
 */
function quorumClaim(observe: (quorum: readonly QuorumNodeView[]) => readonly NodeObservation[], invariant: RaftInvariantName, statement: string, check: (invariants: RaftInvariants, observations: readonly NodeObservation[]) => RaftViolation | undefined): InvariantDefinition<KafkaClusterView> {
  let invariants: RaftInvariants | undefined;
  let held: readonly QuorumNodeView[] | undefined;
  return {
    name: `Quorum${invariant}`,
    kind: 'always',
    source: SOURCE,
    statement,
    checker: {
      type: 'state',
      check(view) {
        const quorum = view.quorum;
        if (quorum === undefined || quorum.length === 0 || quorum === held) return undefined;
        invariants ??= new RaftInvariants(quorum.length);
        const violation = check(invariants, observe(quorum));
        if (violation === undefined || violation.invariant !== invariant) {
          held = quorum;
          return undefined;
        }
        held = undefined;
        return { message: violation.message, subject: { nodes: nodesOf(quorum, violation.message) } };
      },
    },
  };
}

/** ConsistentCommittedData over each controller's committed metadata records, incrementally. */
function consistentCommittedData(): InvariantDefinition<KafkaClusterView> {
  const invariants = new RaftInvariants(1);
  const incarnations = new Map<number, number>();
  return {
    name: 'QuorumConsistentCommittedData',
    kind: 'always',
    source: SOURCE,
    statement: 'Every controller\'s committed metadata agrees: at each offset below a controller\'s high watermark it replayed the same record as every other controller that replayed that offset.',
    checker: {
      type: 'state',
      check(view) {
        for (const node of view.quorum ?? []) {
          if (!node.running) continue;
          // A restarted controller replays its committed log from the start again.
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
          if (violation !== undefined) return { message: `controller ${violation.message.replace(/^offset (\d+): node (\d+) has (.*), node (\d+) had /, 'offset $1: controller $2 replayed $3, controller $4 replayed ')}`, subject: { nodes: [node.node] } };
        }
        return undefined;
      },
    },
  };
}

/**
 * Durability: once a committed metadata offset (below some controller's high watermark) has been
 * on the logs of a majority of voters, it stays on a majority (a down controller counts with the
 * log end it last had; on its restart its recovered log is judged). Raft's promise under crashes
 * and power losses, since a voter fsyncs a record before it counts toward the high watermark.
 * A high watermark that never reached a majority is MajorityReachedHighWatermark's finding; this
 * claim is about losing what a majority held.
 */
function durability(): InvariantDefinition<KafkaClusterView> {
  /** The greatest high watermark any controller has had, and which. */
  let committed = 0;
  let committedBy = '';
  /** The greatest committed offset seen on a majority of the voters' logs. */
  let durable = 0;
  return {
    name: 'QuorumDurability',
    kind: 'always',
    source: SOURCE,
    statement: 'A metadata record once committed (below some controller\'s high watermark) and on the logs of a majority of the voters stays on the logs of a majority.',
    checker: {
      type: 'state',
      check(view) {
        const quorum = view.quorum ?? [];
        if (quorum.length === 0) return undefined;
        for (const node of quorum) {
          if (node.highWatermark !== undefined && node.highWatermark > committed) {
            committed = node.highWatermark;
            committedBy = node.node;
          }
        }
        const onMajority = majorityLogEnd(quorum);
        if (onMajority >= durable) {
          durable = Math.max(durable, Math.min(committed, onMajority));
          return undefined;
        }
        const holding = quorum.filter((node) => node.logEndOffset >= durable);
        const lacking = quorum.filter((node) => node.logEndOffset < durable);
        return {
          message: `metadata committed up to offset ${durable} (${committedBy} had high watermark ${committed}) was on a majority of voters and is now on ${holding.length} of ${quorum.length}: ${lacking.map((node) => `${node.node} ends at ${node.logEndOffset}`).join(', ')}`,
          subject: { nodes: lacking.map((node) => node.node) },
        };
      },
    },
  };
}

/** The greatest offset that a majority of the voters' logs reach (their log ends, sorted descending, at index n/2). */
function majorityLogEnd(quorum: readonly QuorumNodeView[]): number {
  const ends = quorum.map((node) => node.logEndOffset).sort((a, b) => b - a);
  return ends[Math.floor(quorum.length / 2)] as number;
}

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

export function raftQuorumClaims(): InvariantDefinition<KafkaClusterView>[] {
  const observe = observationsCache();
  return [
    quorumClaim(observe, 'SingleLeader', 'At most one controller is the Raft leader of any epoch, over the whole run, judged from every controller\'s state in memory and its quorum-state file.', (invariants, observations) => invariants.checkSingleLeader(observations)),
    quorumClaim(observe, 'MonotonicEpoch', 'A controller\'s persisted epoch never decreases, across restarts, and a running controller\'s epoch in memory is the one it persisted.', (invariants, observations) => invariants.checkMonotonicEpoch(observations)),
    quorumClaim(observe, 'MonotonicHighWatermark', 'The metadata high watermark of the leader with the greatest epoch never decreases.', (invariants, observations) => invariants.checkHighWatermark(observations)),
    // Before MajorityReachedHighWatermark: a voter that lost committed records breaks both at once,
    // and the loss is the cause.
    durability(),
    quorumClaim(observe, 'MajorityReachedHighWatermark', 'The Raft leader\'s metadata high watermark is at or below the log end of a majority of voters.', (invariants, observations) => invariants.checkHighWatermark(observations)),
    consistentCommittedData(),
  ];
}

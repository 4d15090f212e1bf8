import { RaftInvariants, type NodeObservation, type RaftInvariantName, type RaftViolation } from '../../../impl/raft/raft-invariants.ts';
import type { InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
import type { QuorumNodeView } from '../../../sim/kafka/quorum-view.ts';

/**
 * The controller quorum's claims, judged on every controller's real state (its `QuorumState` in
 * memory, its quorum-state file on disk, its Raft log end and its high watermark) after every
 * event that changed any of it. The checks are `impl/raft/raft-invariants.ts`, the invariants of
 * Kafka's `RaftEventSimulationTest`, which the Raft core's own simulation tests run too; here they
 * run on the whole cluster, under the swarm's faults. Each is named after Kafka's invariant with
 * `Quorum` in front, apart from the partitions' claims of the same names (`MonotonicHighWatermark`).
 *
 * Only the claims a cluster run shows failing are here (DEVELOPERS.md, "What a claim must be"),
 * each with its mutant in `spec/invariants.md` (SingleLeader by the amnesiac voter's second
 * scenario, `sim/mutants/scenarios/amnesiac-voter-two-leaders.txt`). ConsistentCommittedData, which
 * reads the controllers' replayed metadata rather than these observations, is
 * `consistent-committed-data.ts`, and Durability, which keeps what a majority once held, is
 * `quorum-durability.ts` (shown failing by `raft-log-not-fsynced`).
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
    ...(node.directoryId === undefined ? {} : { directoryId: node.directoryId }),
    ...(node.leader === undefined ? {} : { voters: node.leader.voterKeys }),
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
function quorumClaim(
  observe: (quorum: readonly QuorumNodeView[]) => readonly NodeObservation[],
  invariant: RaftInvariantName,
  statement: string,
  check: (invariants: RaftInvariants, observations: readonly NodeObservation[]) => RaftViolation | undefined,
): InvariantDefinition<KafkaClusterView> {
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
        const subject = { nodes: nodesOf(quorum, violation.message) };
        return violation.excusedBy === undefined ? { message: violation.message, subject } : { message: violation.message, excusedBy: violation.excusedBy, subject };
      },
    },
  };
}

export function raftQuorumClaims(): InvariantDefinition<KafkaClusterView>[] {
  const observe = observationsCache();
  return [
    quorumClaim(observe, 'SingleLeader', 'At most one controller is the Raft leader of any epoch, over the whole run, judged from every controller\'s state in memory (its role, and the leader it follows) and its quorum-state file.', (invariants, observations) => invariants.checkSingleLeader(observations)),
    quorumClaim(observe, 'MonotonicEpoch', 'A controller\'s persisted epoch never decreases, across restarts, and a running controller\'s epoch in memory is the one it persisted.', (invariants, observations) => invariants.checkMonotonicEpoch(observations)),
    quorumClaim(observe, 'MonotonicHighWatermark', 'The metadata high watermark of the leader with the greatest epoch never decreases.', (invariants, observations) => invariants.checkMonotonicHighWatermark(observations)),
    quorumClaim(observe, 'MajorityReachedHighWatermark', 'The Raft leader\'s metadata high watermark is at or below the log end of a majority of voters.', (invariants, observations) => invariants.checkMajorityReachedHighWatermark(observations)),
  ];
}

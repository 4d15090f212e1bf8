import { assert } from '../common/assert.ts';
import { NO_LEADER, type MetadataRecord } from '../metadata/metadata-records.ts';
import { registrationProblem, type MetadataState, type PartitionRegistration } from './controller-state.ts';
import { targetEligibleLeaderReplicas, targetLastKnownElr } from './eligible-leader-replicas.ts';
import { KAFKA_RULES, type ProtocolRules } from '../variants/protocol-rules.ts';

/**
 * Kafka's `PartitionChangeBuilder`: from a partition's registration and a wanted ISR, the
 * `PartitionChangeRecord` that elects a leader where one is needed. Leaders come from the ISR,
 * preferring the current leader, then replica order (preferred replica first); when the ISR is
 * empty, from the ELR (KIP-966); a replica outside both is elected only when unclean leader
 * election is enabled and no ISR or ELR member can lead. The leader epoch grows whenever the
 * leader changes (to no leader included); the partition epoch grows with every change.
 */
export interface PartitionChangeRequest {
  /** The ISR wanted, before any unclean election narrows it; undefined keeps the current ISR. */
  readonly isr?: readonly number[];
  /** This broker may not lead (fenced, or shutting down): its leaderships move. */
  readonly moveLeaderFrom?: number;
  /** In a controlled shutdown the broker still runs: with nobody to take over, it keeps leading. */
  readonly keepLeaderIfAlone?: boolean;
  /** An ISR change the leader asked for (AlterPartition) never changes the leader. */
  readonly keepLeader?: boolean;
  /**
   * Kafka's `Election.PREFERRED`: the preferred replica (first in the replica list) takes over if it
   * is in the ISR and may lead; otherwise nothing changes.
   */
  readonly preferred?: boolean;
  readonly uncleanLeaderElection: boolean;
  /**
   * KIP-966: undefined when ELR is disabled (then any ELR left in the registration is cleared, and
   * an ISR is never emptied). Otherwise the topic's effective min ISR, and the brokers that just
   * registered after an unclean shutdown (Kafka's `setUncleanShutdownReplicas`): they may not lead
   * and do not enter the ELR.
   */
  readonly elr?: { readonly minIsr: number; readonly uncleanShutdownReplicas?: readonly number[] };
  /** Kafka bumps the leader epoch whenever the leader changes; only a mutant says false here. */
  readonly failoverBumpsLeaderEpoch?: boolean;
}

type PartitionChangeRecord = Extract<MetadataRecord, { type: 'PartitionChangeRecord' }>;

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((replica, index) => b[index] === replica);
}

export function buildPartitionChange(
  state: MetadataState,
  partition: PartitionRegistration,
  request: PartitionChangeRequest,
): PartitionChangeRecord | undefined {
  let isr = request.isr ?? partition.isr;
  const uncleanShutdown = request.elr?.uncleanShutdownReplicas ?? [];
  // Kafka's maybePopulateTargetElr runs before the election, on the wanted ISR.
  let elr = request.elr === undefined ? partition.elr : targetEligibleLeaderReplicas(partition, isr, request.elr.minIsr, uncleanShutdown);
  const eligible = (brokerId: number): boolean => state.isEligible(brokerId) && brokerId !== request.moveLeaderFrom && !uncleanShutdown.includes(brokerId);
  // Kafka's isValidNewLeader: an ISR member, or an ELR member when the ISR is empty (KIP-966).
  const validNewLeader = (brokerId: number): boolean => (isr.includes(brokerId) || (isr.length === 0 && elr.includes(brokerId))) && eligible(brokerId);
  let leader = NO_LEADER;
  let unclean = false;
  const preferredReplica = partition.replicas[0];
  if (request.preferred === true) {
    if (preferredReplica === undefined || preferredReplica === partition.leader) return undefined;
    if (!validNewLeader(preferredReplica)) return undefined;
    leader = preferredReplica;
  } else if (request.keepLeader === true || (partition.leader !== NO_LEADER && validNewLeader(partition.leader))) {
    leader = partition.leader;
  } else {
    leader = partition.replicas.find(validNewLeader) ?? NO_LEADER;
    if (leader === NO_LEADER && request.keepLeaderIfAlone === true && request.moveLeaderFrom !== undefined && isr.includes(request.moveLeaderFrom)) {
      // Nobody else can take over: the shutting-down leader keeps leading (Kafka does the same).
      if (partition.leader === request.moveLeaderFrom) {
        leader = request.moveLeaderFrom;
        isr = partition.isr;
        elr = partition.elr;
      }
    }
    const lastKnownLeader = partition.lastKnownElr.length === 1 ? partition.lastKnownElr[0] : undefined;
    if (leader === NO_LEADER && request.elr !== undefined && isr.length === 0 && elr.length === 0 && lastKnownLeader !== undefined && eligible(lastKnownLeader)) {
      // KIP-966 (Kafka's canElectLastKnownLeader): every ISR and ELR member is gone, the last
      // leader is back and unfenced; it leads again, uncleanly, whatever the topic's unclean
      // setting. (Kafka's check of the broker's liveness only logs; refka requires it, as
      // Kafka's documentation says: "the last known leader if it is unfenced".)
      leader = lastKnownLeader;
      unclean = true;
      isr = [lastKnownLeader];
    }
    if (leader === NO_LEADER && request.uncleanLeaderElection) {
      const candidate = partition.replicas.find((replica) => eligible(replica));
      if (candidate !== undefined) {
        leader = candidate;
        unclean = true;
        isr = [candidate];
      }
    }
  }
  if (leader !== partition.leader && !unclean && elr.includes(leader)) {
    // KIP-966: a leader elected from the ELR becomes the whole ISR and leaves the ELR.
    isr = [leader];
    elr = elr.filter((replica) => replica !== leader);
  }
  if (unclean || request.elr === undefined) {
    // Kafka's maybeUpdateRecordElr: an unclean election (a leader that may lack committed records)
    // voids the ELR's guarantee, and with ELR disabled there is none to keep.
    elr = [];
  }
  // Before KIP-966 an ISR never empties: the last member keeps its claim to the data. With ELR it
  // may (Kafka's build() writes an empty ISR only "if ELR is enabled").
  if (isr.length === 0 && request.elr === undefined) isr = partition.isr;
  const lastKnownElr = request.elr === undefined ? [] : targetLastKnownElr(partition, isr, leader, NO_LEADER);
  const isrChanged = !sameList(isr, partition.isr);
  const leaderChanged = leader !== partition.leader;
  if (!isrChanged && !leaderChanged && sameList(elr, partition.elr) && sameList(lastKnownElr, partition.lastKnownElr)) return undefined;
  const record: PartitionChangeRecord = {
    type: 'PartitionChangeRecord',
    topicId: partition.topicId,
    partitionId: partition.partitionId,
    isr,
    leader,
    leaderEpoch: leaderChanged && (request.moveLeaderFrom === undefined || request.failoverBumpsLeaderEpoch !== false) ? partition.leaderEpoch + 1 : partition.leaderEpoch,
    partitionEpoch: partition.partitionEpoch + 1,
    elr,
    lastKnownElr,
    unclean,
  };
  // Paired with the check at replay: the decision itself must satisfy every registration rule.
  const problem = registrationProblem({ ...partition, isr, leader, elr, lastKnownElr }, request.elr !== undefined);
  assert(problem === undefined, `PartitionChangeBuilder: ${problem}`);
  assert(!uncleanShutdown.includes(leader) && !elr.some((replica) => uncleanShutdown.includes(replica)), 'a broker back from an unclean shutdown neither leads nor stays in the ELR');
  return record;
}

/** The ELR settings of a partition's topic, or undefined when ELR is disabled (see `elrEnabled`). */
export type ElrSettingsFor = (partition: PartitionRegistration) => { readonly minIsr: number } | undefined;

/**
 * The changes when a broker can no longer serve (fenced, restarted with a new incarnation, or in
 * controlled shutdown): it leaves every ISR it is in and its leaderships move. Without ELR the last
 * member stays (an ISR is never empty, so it keeps its claim to the data). With ELR (KIP-966) the
 * ISR may empty, and a member leaving an ISR below min ISR joins the ELR, from which a new leader
 * can be elected at once. As in Kafka's `handleBrokerFenced`, a broker stays in the ELRs it is in.
 */
export function changesForUnavailableBroker(
  state: MetadataState,
  brokerId: number,
  uncleanFor: (topicName: string) => boolean,
  elrFor: ElrSettingsFor,
  rules: Pick<ProtocolRules, 'failoverBumpsLeaderEpoch'> = KAFKA_RULES,
): PartitionChangeRecord[] {
  const records: PartitionChangeRecord[] = [];
  for (const partition of state.allPartitions()) {
    if (!partition.isr.includes(brokerId) && partition.leader !== brokerId) continue;
    const record = buildPartitionChange(state, partition, {
      isr: partition.isr.filter((replica) => replica !== brokerId),
      moveLeaderFrom: brokerId,
      // KRaft moves leadership away even when nobody can take it: the partition is offline until
      // the broker returns (or an unclean election), so a controlled shutdown always completes.
      keepLeaderIfAlone: false,
      uncleanLeaderElection: uncleanFor(partition.topicName),
      elr: elrFor(partition),
      failoverBumpsLeaderEpoch: rules.failoverBumpsLeaderEpoch,
    });
    if (record !== undefined) records.push(record);
  }
  return records;
}

/**
 * Kafka's `ReplicationControlManager.handleBrokerUncleanShutdown` (KIP-966): a broker registering
 * after an unclean shutdown may have lost records it had acknowledged, so it leaves every ISR it is
 * in, even as the last member (the ISR empties, and LastKnownElr records the leader it had), and
 * every ELR. Without ELR Kafka does nothing here, and neither does refka.
 */
export function changesForUncleanShutdown(
  state: MetadataState,
  brokerId: number,
  uncleanFor: (topicName: string) => boolean,
  elrFor: ElrSettingsFor,
): PartitionChangeRecord[] {
  const records: PartitionChangeRecord[] = [];
  for (const partition of state.allPartitions()) {
    if (!partition.isr.includes(brokerId) && !partition.elr.includes(brokerId)) continue;
    const settings = elrFor(partition);
    if (settings === undefined) continue;
    const record = buildPartitionChange(state, partition, {
      isr: partition.isr.filter((replica) => replica !== brokerId),
      uncleanLeaderElection: uncleanFor(partition.topicName),
      elr: { minIsr: settings.minIsr, uncleanShutdownReplicas: [brokerId] },
    });
    if (record !== undefined) records.push(record);
  }
  return records;
}

import { NO_LEADER, type MetadataRecord } from '../metadata/metadata-records.ts';
import type { MetadataState, PartitionRegistration } from './controller-state.ts';

/**
 * Kafka's `PartitionChangeBuilder`: from a partition's registration and a wanted ISR, the
 * `PartitionChangeRecord` that elects a leader where one is needed. Leaders come from the ISR,
 * preferring the current leader, then replica order (preferred replica first); a replica outside
 * the ISR is elected only when unclean leader election is enabled and no ISR member can lead. The
 * leader epoch grows whenever the leader changes (to no leader included); the partition epoch
 * grows with every change.
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
}

export function buildPartitionChange(
  state: MetadataState,
  partition: PartitionRegistration,
  request: PartitionChangeRequest,
): Extract<MetadataRecord, { type: 'PartitionChangeRecord' }> | undefined {
  let isr = request.isr ?? partition.isr;
  const eligible = (brokerId: number): boolean => state.isEligible(brokerId) && brokerId !== request.moveLeaderFrom;
  let leader = NO_LEADER;
  let unclean = false;
  const preferredReplica = partition.replicas[0];
  if (request.preferred === true) {
    if (preferredReplica === undefined || preferredReplica === partition.leader) return undefined;
    if (!isr.includes(preferredReplica) || !eligible(preferredReplica)) return undefined;
    leader = preferredReplica;
  } else if (request.keepLeader === true || (partition.leader !== NO_LEADER && isr.includes(partition.leader) && eligible(partition.leader))) {
    leader = partition.leader;
  } else {
    leader = partition.replicas.find((replica) => isr.includes(replica) && eligible(replica)) ?? NO_LEADER;
    if (leader === NO_LEADER && request.keepLeaderIfAlone === true && request.moveLeaderFrom !== undefined && isr.includes(request.moveLeaderFrom)) {
      // Nobody else can take over: the shutting-down leader keeps leading (Kafka does the same).
      if (partition.leader === request.moveLeaderFrom) {
        leader = request.moveLeaderFrom;
        isr = partition.isr;
      }
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
  const isrChanged = isr.length !== partition.isr.length || isr.some((replica, index) => partition.isr[index] !== replica);
  const leaderChanged = leader !== partition.leader;
  if (!isrChanged && !leaderChanged) return undefined;
  return {
    type: 'PartitionChangeRecord',
    topicId: partition.topicId,
    partitionId: partition.partitionId,
    isr,
    leader,
    leaderEpoch: leaderChanged ? partition.leaderEpoch + 1 : partition.leaderEpoch,
    partitionEpoch: partition.partitionEpoch + 1,
    unclean,
  };
}

/**
 * The changes when a broker can no longer serve (fenced, restarted with a new incarnation, or in
 * controlled shutdown): it leaves every ISR it is in (unless it is the last member: an ISR is never
 * empty, so the last member keeps its claim to the data) and its leaderships move.
 */
export function changesForUnavailableBroker(
  state: MetadataState,
  brokerId: number,
  uncleanFor: (topicName: string) => boolean,
  reason: 'fenced' | 'controlled-shutdown',
): Extract<MetadataRecord, { type: 'PartitionChangeRecord' }>[] {
  const records: Extract<MetadataRecord, { type: 'PartitionChangeRecord' }>[] = [];
  for (const partition of state.allPartitions()) {
    if (!partition.isr.includes(brokerId) && partition.leader !== brokerId) continue;
    const remaining = partition.isr.filter((replica) => replica !== brokerId);
    const record = buildPartitionChange(state, partition, {
      isr: remaining.length > 0 ? remaining : partition.isr,
      moveLeaderFrom: brokerId,
      // KRaft moves leadership away even when nobody can take it: the partition is offline until
      // the broker returns (or an unclean election), so a controlled shutdown always completes.
      keepLeaderIfAlone: false,
      uncleanLeaderElection: uncleanFor(partition.topicName),
    });
    if (record !== undefined) records.push(record);
  }
  return records;
}

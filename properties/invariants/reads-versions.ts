import { GROUP_METADATA_TOPIC_NAME } from '../../impl/group/coordinator-partition.ts';
import type { KafkaClusterView } from '../../sim/kafka/kafka-view.ts';

/**
 * `readsVersion` (`sim/invariants/invariant.ts`) of the claims that read the view's controller
 * quorum part alone (and the time, through `nextChangeAtMs`): the quorum views themselves, the
 * same array while no controller's Raft state differs from the last view's (`QuorumViewMemory`).
 * Undefined in a view built by hand without one: the check runs.
 */
export function quorumReadsVersion(view: KafkaClusterView): unknown {
  return view.quorum;
}

/**
 * `readsVersion` of the group claims: they read the coordinators' groups and the group consumers
 * (`groups`), the `__consumer_offsets` replicas and the controller's registrations of that topic
 * (its topic version), and the brokers' processes and topics (the cluster version). Each counter
 * only grows, so their sum moves whenever any of them does. Undefined in a view built by hand
 * without versions: the check runs.
 */
export function groupReadsVersion(view: KafkaClusterView): number | undefined {
  const { clusterVersion, groupsVersion, topicVersions } = view;
  if (clusterVersion === undefined || groupsVersion === undefined || topicVersions === undefined) return undefined;
  return clusterVersion + groupsVersion + (topicVersions.get(GROUP_METADATA_TOPIC_NAME) ?? 0);
}

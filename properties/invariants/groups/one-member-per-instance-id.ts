import type { InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
import { currentCoordinatorGroups } from './current-coordinators.ts';
import { groupReadsVersion } from '../reads-versions.ts';

/**
 * `OneMemberPerInstanceId` (KIP-345, static membership): at no instant does a group, as its
 * current coordinator holds it, have two members with one `group.instance.id`. The coordinator
 * keeps one member id per instance id (`ClassicGroup.staticMembers`); a JoinGroup from a new
 * process of a known instance replaces the old member id and fences it (`replaceStaticMember`), in
 * every group state since KAFKA-8500. Two members with one instance id both get assignments, and
 * one of them is a process the instance no longer runs, so the partitions it is given go unread
 * until its session expires (the `kafka-8500` variant).
 *
 * Judged on the coordinator's own group state (members of the current generation and those
 * joining it), not on what the clients believe.
 */
export function oneMemberPerInstanceId(): InvariantDefinition<KafkaClusterView> {
  return {
    name: 'OneMemberPerInstanceId',
    kind: 'always',
    source: 'KIP-345 (static membership; ClassicGroup.staticMembers, GroupMetadataManager.replaceStaticMember); KAFKA-8500',
    statement: 'No group, as its current coordinator holds it, has two members with the same group.instance.id.',
    checker: {
      type: 'state',
      readsVersion: groupReadsVersion,
      check(view) {
        const groups = currentCoordinatorGroups(view);
        for (const group of groups.values()) {
          const byInstance = new Map<string, string>();
          for (const member of group.members) {
            if (member.groupInstanceId === null) continue;
            const other = byInstance.get(member.groupInstanceId);
            if (other !== undefined) {
              return {
                message: `group ${group.groupId} (generation ${group.generationId}, ${group.state}): members ${other} and ${member.memberId} both have group.instance.id ${member.groupInstanceId}`,
                subject: { group: group.groupId },
              };
            }
            byInstance.set(member.groupInstanceId, member.memberId);
          }
        }
        return undefined;
      },
    },
  };
}

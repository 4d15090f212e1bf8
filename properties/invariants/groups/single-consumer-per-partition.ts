import type { InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
import { currentCoordinatorGroups } from './current-coordinators.ts';
import { groupReadsVersion } from '../reads-versions.ts';

/**
 * `SingleConsumerPerPartition`, the mission's third guarantee (Vanlightly's KIP-848 TLA+ spec
 * calls it `NoDoubleClientAssignment`): at no instant do two consumers that are both current
 * members of a group's generation, as the group's current coordinator holds it, consume from the
 * same partition. "Consume from" is the consumer's own view (the partitions it fetches), not the
 * coordinator's record of the assignment: the guarantee is about what the clients do.
 *
 * A zombie (a consumer the coordinator has removed) is not a current member and is left out
 * here; `NoZombieCommit` covers what a zombie may do. Kafka's
 * protocol keeps this claim by construction: eager members give up every partition before they
 * rejoin, and cooperative assignors (KIP-429) never hand a partition to a new owner in the
 * generation in which its old owner still holds it.
 */
export function singleConsumerPerPartition(): InvariantDefinition<KafkaClusterView> {
  return {
    name: 'SingleConsumerPerPartition',
    kind: 'always',
    source: 'Kafka consumer group guarantee (one consumer per partition within a group); Vanlightly kafka-tlaplus KIP-848 spec (NoDoubleClientAssignment)',
    statement: 'No two consumers that are current members of a group\'s current generation, as its coordinator holds it, consume from the same partition at the same time.',
    checker: {
      type: 'state',
      readsVersion: groupReadsVersion,
      check(view) {
        const members = view.groups?.members ?? [];
        if (members.length < 2) return undefined;
        const groups = currentCoordinatorGroups(view);
        if (groups.size === 0) return undefined;
        // Per group: partition -> the consumer that owns it in the current generation.
        const owners = new Map<string, Map<string, (typeof members)[number]>>();
        for (const member of members) {
          const group = groups.get(member.groupId);
          // Membership is the coordinator's: a consumer still at the previous generation while its
          // JoinGroup answer is on its way is a member all the same (a cooperative one keeps its
          // partitions across the join, and the assignor must not give them to anyone else).
          if (group === undefined || !group.members.some((current) => current.memberId === member.memberId)) continue;
          let owned = owners.get(member.groupId);
          if (owned === undefined) {
            owned = new Map();
            owners.set(member.groupId, owned);
          }
          for (const partition of member.owned) {
            const name = `${partition.topic}-${partition.partition}`;
            const other = owned.get(name);
            if (other !== undefined) {
              return {
                message: `group ${member.groupId} (coordinator at generation ${group.generationId}, ${group.state}): ${describe(other)} and ${describe(member)} both consume ${name}`,
                subject: { group: member.groupId, nodes: [other.name, member.name] },
              };
            }
            owned.set(name, member);
          }
        }
        return undefined;
      },
    },
  };
}

function describe(member: { readonly name: string; readonly memberId: string; readonly generationId: number }): string {
  return `${member.name} (${member.memberId}, generation ${member.generationId})`;
}

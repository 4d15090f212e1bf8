import type { Finding, InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { CoordinatorGroupView, GroupMemberClientView, KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
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
 *
 * The construction rests on the group's records in `__consumer_offsets`: a member is given its
 * partitions (SyncGroup) only once the generation's record is committed, so the next coordinator
 * loads that generation or a later one. Where the configuration lets a committed record be lost
 * (`groupRecordsMayBeLost`: unclean leader election, or `min.insync.replicas` below 2, which
 * `__consumer_offsets` takes from the broker default), a deposed coordinator that has not yet
 * heard of its successor can commit a generation alone, and the successor holds an older one
 * (default seed 51 under `pre-kip-279`'s configuration). A double ownership is then excused at
 * that moment only, and only where one of the two owners consumes under an assignment of a
 * generation newer than the current coordinator's: the coordinator that assigned it, whose record
 * the current one lacks, is named. Under any other configuration it is a violation.
 */
export function singleConsumerPerPartition(groupRecordsMayBeLost?: string): InvariantDefinition<KafkaClusterView> {
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
        // Per group: partition -> the consumers that own it in the current generation (more than
        // one only where a pair was excused).
        const owners = new Map<string, Map<string, GroupMemberClientView[]>>();
        // An excused finding does not end the check: a later pair may be a violation.
        let excused: Finding | undefined;
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
            const others = owned.get(name);
            if (others === undefined) {
              owned.set(name, [member]);
              continue;
            }
            for (const other of others) {
              const found: Finding = {
                message: `group ${member.groupId} (coordinator at generation ${group.generationId}, ${group.state}): ${describe(other)} and ${describe(member)} both consume ${name}`,
                subject: { group: member.groupId, nodes: [other.name, member.name] },
              };
              const lost = groupRecordsMayBeLost === undefined ? undefined : lostGeneration(view, group, other, member);
              if (lost === undefined) return found;
              excused ??= { ...found, excusedBy: [groupRecordsMayBeLost as string, lost] };
            }
            others.push(member);
          }
        }
        return excused;
      },
    },
  };
}

/**
 * Where one of two owners consumes under an assignment of a generation newer than the current
 * coordinator's, the coordinator it got it from (a deposed one, as the view shows it, if any still
 * holds it), as a sentence. The assignment's generation, not the member's: a member that lost its
 * generation since (an error from the current coordinator) still owns what it was given until it
 * has called `onPartitionsLost`.
 */
function lostGeneration(view: KafkaClusterView, group: CoordinatorGroupView, ...owners: readonly GroupMemberClientView[]): string | undefined {
  const ahead = owners.find((owner) => owner.assignedInGeneration > group.generationId);
  if (ahead === undefined) return undefined;
  const generation = ahead.assignedInGeneration;
  const from = view.groups?.shards.find((shard) => shard.groups.some((held) => held.groupId === group.groupId && held.generationId === generation));
  const where = from === undefined ? 'a deposed coordinator' : `broker ${from.brokerId}'s coordinator (__consumer_offsets-${from.partition}, leader epoch ${from.epoch})`;
  return `${ahead.name} consumes under generation ${generation} of ${group.groupId}, assigned by ${where}, which the current coordinator's log lacks`;
}

/**
 * Why the configuration lets a committed `__consumer_offsets` record be lost, or undefined where
 * it promises none: the conditions under which Kafka documents that committed records may go.
 */
export function groupRecordsMayBeLost(config: { readonly unclean: boolean; readonly minInsyncReplicas: number }): string | undefined {
  if (config.unclean) return 'unclean.leader.election.enable=true';
  if (config.minInsyncReplicas < 2) return `min.insync.replicas=${config.minInsyncReplicas}`;
  return undefined;
}

function describe(member: { readonly name: string; readonly memberId: string; readonly generationId: number }): string {
  return `${member.name} (${member.memberId}, generation ${member.generationId})`;
}

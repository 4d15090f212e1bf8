import { deserializeAssignment } from '../../../impl/client/consumer-protocol.ts';
import { deserialize } from '../../../impl/group/group-coordinator-records.ts';
import { uncheckedFlipApplicability, type Finding, type InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
import { firstOffsetsReplicaFinding, offsetsFinding } from './current-coordinators.ts';
import type { ScannedBatch } from '../../../sim/kafka/replica-logs.ts';

/** A group as the records before some offset of its `__consumer_offsets` partition leave it. */
interface GroupAtOffset {
  readonly generation: number;
  /** Member id -> the partitions (`topic-partition`) its assignment names. */
  readonly members: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Per replica of a `__consumer_offsets` partition: how far its records were judged, and the groups there. */
interface ReplicaProgress {
  readonly batches: readonly ScannedBatch[];
  upTo: number;
  readonly groups: Map<string, GroupAtOffset>;
}

/**
 * `NoZombieCommit`: the group coordinator accepts an offset commit only from a member of the
 * group's current generation, for a partition no other member of that generation is assigned,
 * or, for a group with no members, from the admin or manual-assignment path (generation -1).
 * That is what Kafka's generation fencing is for (`ClassicGroup.validateOffsetCommit`): a member
 * the coordinator removed (a session expired, a poll interval passed) that wakes up and commits
 * would move the group's offsets back over records another member has since processed.
 *
 * Judged on the real state, the `__consumer_offsets` log of every replica, read from the brokers'
 * disks: a commit is accepted exactly when its record is appended, and the group's generation and
 * assignment at that moment are those of the last `GroupMetadata` record before it in the same
 * log (the coordinator writes one at every completed rebalance, static member replacement and
 * emptying, and accepts no commit while a rebalance is completing). refka's group consumers put
 * `memberId@generation` in each commit's metadata, as an application may; a commit without it is
 * judged as one from the admin path.
 */
export function noZombieCommit(): InvariantDefinition<KafkaClusterView> {
  const progress = new Map<number, Map<string, ReplicaProgress>>();
  /**
   * Per partition, the records (`offset/value`) already judged. Each is judged once, at first
   * sight, with the groups as the records before it left them. A replica read again from its
   * files may have been compacted since (the cleaner keeps only the last record of each key), so
   * its older commits no longer follow the group record that was in force when they were made;
   * they are not judged again, while the groups rebuilt from it are right for every later record,
   * because compaction keeps each group's last record.
   */
  const judged = new Map<string, Set<string>>();
  return {
    name: 'NoZombieCommit',
    kind: 'always',
    source: 'Kafka ClassicGroup.validateOffsetCommit (generation fencing); issue 13',
    statement: 'Every offset commit in __consumer_offsets comes from a member of the group\'s generation at that point, for a partition no other member of it is assigned, or from the admin path while the group has no members.',
    applicability(context) {
      return uncheckedFlipApplicability(context, 'records may read as what was never written');
    },
    checker: {
      type: 'state',
      check(view) {
        return firstOffsetsReplicaFinding(view, (brokerId, partition) => judgeReplica(view, brokerId, partition));
      },
    },
  };

  function judgeReplica(view: KafkaClusterView, brokerId: number, name: string): Finding | undefined {
    let ofBroker = progress.get(brokerId);
    if (ofBroker === undefined) {
      ofBroker = new Map();
      progress.set(brokerId, ofBroker);
    }
    const batches = view.logs.records(brokerId, name);
    let state = ofBroker.get(name);
    // A replica read again from its files (a restart, a truncation) is judged again from its start.
    if (state === undefined || state.batches !== batches || state.upTo > batches.length) {
      state = { batches, upTo: 0, groups: new Map() };
      ofBroker.set(name, state);
    }
    let seen = judged.get(name);
    if (seen === undefined) {
      seen = new Set();
      judged.set(name, seen);
    }
    let first: Finding | undefined;
    // Whole batches are applied, so the groups stay exact past a finding.
    while (state.upTo < batches.length && first === undefined) {
      for (const record of (batches[state.upTo] as ScannedBatch).records) {
        const key = `${record.offset}/${record.value}`;
        const fresh = !seen.has(key);
        if (fresh) seen.add(key);
        const finding = judgeRecord(state.groups, name, record.offset, record.value);
        if (finding === undefined || !fresh || first !== undefined) continue;
        first = offsetsFinding(`broker ${brokerId}'s ${finding.text}`, finding.group, name, brokerId);
      }
      state.upTo++;
    }
    return first;
  }
}

/** Applies one record of a `__consumer_offsets` replica (`hex(key)/hex(value)`); a finding for a commit the rule forbids. */
function judgeRecord(groups: Map<string, GroupAtOffset>, name: string, offset: number, value: string): { readonly text: string; readonly group: string } | undefined {
  const slash = value.indexOf('/');
  const keyBytes = fromHex(value.slice(0, slash));
  const valueBytes = fromHex(value.slice(slash + 1));
  if (keyBytes === null) return undefined;
  const decoded = deserialize(keyBytes, valueBytes);
  if (decoded.type !== 'record') return undefined;
  const record = decoded.record;
  if (record.type === 'GroupMetadata') {
    if (record.value === null) groups.delete(record.key.group);
    else {
      const members = new Map<string, Set<string>>();
      for (const member of record.value.message.members) members.set(member.memberId, assigned(member.assignment));
      groups.set(record.key.group, { generation: record.value.message.generation, members });
    }
    return undefined;
  }
  if (record.value === null) return undefined;
  const commit = record.value.message;
  const partition = `${record.key.topic}-${record.key.partition}`;
  const group = groups.get(record.key.group);
  const at = `${name} offset ${offset}: group ${record.key.group} committed offset ${commit.offset} of ${partition}`;
  const separator = commit.metadata.lastIndexOf('@');
  const generation = separator < 0 ? -1 : Number(commit.metadata.slice(separator + 1));
  const memberId = separator < 0 ? '' : commit.metadata.slice(0, separator);
  if (!Number.isSafeInteger(generation) || generation < 0) {
    if (group !== undefined && group.members.size > 0) return { text: `${at} from the admin path while generation ${group.generation} has ${group.members.size} member(s)`, group: record.key.group };
    return undefined;
  }
  if (group === undefined) return { text: `${at} from member ${memberId} of generation ${generation}, but no generation of the group was written before it`, group: record.key.group };
  if (group.generation !== generation) return { text: `${at} from member ${memberId} of generation ${generation}, but the group was at generation ${group.generation}`, group: record.key.group };
  if (!group.members.has(memberId)) return { text: `${at} from ${memberId}, which is not a member of generation ${generation}`, group: record.key.group };
  for (const [other, partitions] of group.members) {
    if (other !== memberId && partitions.has(partition)) return { text: `${at} from member ${memberId}, but generation ${generation} assigns ${partition} to ${other}`, group: record.key.group };
  }
  return undefined;
}

function assigned(bytes: Uint8Array): Set<string> {
  const partitions = new Set<string>();
  if (bytes.length === 0) return partitions;
  try {
    for (const partition of deserializeAssignment(bytes).assignedPartitions) partitions.add(`${partition.topic}-${partition.partition}`);
  } catch {
    // Bytes the consumer protocol cannot read assign nothing a commit could be checked against.
  }
  return partitions;
}

function fromHex(text: string): Uint8Array | null {
  if (text === 'null') return null;
  const bytes = new Uint8Array(text.length / 2);
  for (let index = 0; index < bytes.length; index++) bytes[index] = Number.parseInt(text.slice(2 * index, 2 * index + 2), 16);
  return bytes;
}

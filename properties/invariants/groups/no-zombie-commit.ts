import { deserializeAssignment } from '../../../impl/client/consumer-protocol.ts';
import { assert } from '../../../impl/common/assert.ts';
import { deserialize } from '../../../impl/group/group-coordinator-records.ts';
import { uncheckedFlipApplicability, type Finding, type InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
import { firstOffsetsReplicaFinding, offsetsFinding } from './current-coordinators.ts';
import type { ScannedBatch } from '../../../sim/kafka/segment-reader.ts';
import { groupReadsVersion } from '../reads-versions.ts';

/** A group as the records before some offset of its `__consumer_offsets` partition leave it. */
interface GroupAtOffset {
  readonly generation: number;
  /** Member id -> the partitions (`topic-partition`) its assignment names. */
  readonly members: ReadonlyMap<string, ReadonlySet<string>>;
  /** `group.instance.id` -> member id, for the static members. */
  readonly instances: ReadonlyMap<string, string>;
  /**
   * Set where this state is a static member's replacement (KIP-345: the record names a new member
   * id for an instance, at the same generation): the state before it, and the record (its
   * `offset/value` key, the leader epoch of its batch and when it was first seen).
   */
  readonly replacing?: { readonly before: GroupAtOffset; readonly key: string; readonly epoch: number; readonly atMs: number };
}

/** When a replacement record was first seen, and when its partition's high watermark was first seen past it. */
interface ReplacementWrite {
  readonly offset: number;
  readonly appendedAtMs: number;
  committedAtMs: number | undefined;
}

/** What judging one record needs besides the record (one per replica read, its fields set per record). */
interface RecordContext {
  /** The leader epoch of the record's batch. */
  epoch: number;
  /** When the record was first seen in any replica (it was appended then). */
  atMs: number;
  /**
   * When the write of the replacement recorded as `key` failed (`offsets.commit.timeout.ms` after
   * it was appended, its high watermark not past it by then); undefined if it committed in time.
   * A time after the record being judged says only that it had not failed yet.
   */
  failedAtMs(key: string): number | undefined;
  /** Called when the record is a static member's replacement. */
  replacement(): void;
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
 *
 * One exception is Kafka's own, and judged from the real state too: a static member's
 * replacement whose write timed out. The coordinator writes the record naming the new member id
 * and answers once it commits; if the high watermark has not passed it within
 * `offsets.commit.timeout.ms`, the write fails (REQUEST_TIMED_OUT) and Kafka's failure callback
 * puts the old member id back in memory ("Reverting to old member id", `GroupMetadataManager`),
 * while the record stays in the log. Until the coordinator loads the partition again (a new
 * leader epoch), it accepts the old member's commits, appended after a record that names another
 * member (default seed 413, spec/group-coordinator.md). A commit after a replacement record is
 * therefore judged against the group the coordinator holds in memory: the replacements of the
 * commit's leader epoch and the failures of their writes (first seen at least
 * `offsets.commit.timeout.ms` before the commit, the partition's leader not showing a high
 * watermark past it by then) replayed in time order, each failure putting back the member its
 * replacement displaced (`heldInMemory`: default seeds 995, two in a row, and 7732, overlapping).
 */
export function noZombieCommit(offsetsCommitTimeoutMs: number): InvariantDefinition<KafkaClusterView> {
  assert(offsetsCommitTimeoutMs > 0, 'offsets.commit.timeout.ms must be positive');
  const progress = new Map<number, Map<string, ReplicaProgress>>();
  /** Per partition, each static replacement record seen (by `offset/value`), and when it was appended and committed. */
  const replacements = new Map<string, Map<string, ReplacementWrite>>();
  /**
   * Per partition, the records (`offset/value`) already judged, and when each was first seen.
   * Each is judged once, at first sight, with the groups as the records before it left them. A
   * replica read again from its files may have been compacted since (the cleaner keeps only the
   * last record of each key), so its older commits no longer follow the group record that was in
   * force when they were made; they are not judged again, while the groups rebuilt from it are
   * right for every later record, because compaction keeps each group's last record.
   */
  const judged = new Map<string, Map<string, number>>();
  /** When the replacement written as `key` in `name` failed, unless it committed in time (see above). */
  const failedAtMs = (name: string, key: string): number | undefined => {
    const write = replacements.get(name)?.get(key);
    if (write === undefined) return undefined;
    const deadlineMs = write.appendedAtMs + offsetsCommitTimeoutMs;
    return write.committedAtMs === undefined || write.committedAtMs > deadlineMs ? deadlineMs : undefined;
  };
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
      readsVersion: groupReadsVersion,
      check(view) {
        watchReplacements(view);
        return firstOffsetsReplicaFinding(view, (brokerId, partition) => judgeReplica(view, brokerId, partition));
      },
    },
  };

  /** Notes when the high watermark of each replacement's partition is first seen past it. */
  function watchReplacements(view: KafkaClusterView): void {
    for (const [name, writes] of replacements) {
      let highWatermark: number | undefined;
      for (const write of writes.values()) {
        if (write.committedAtMs !== undefined) continue;
        highWatermark ??= leaderHighWatermark(view, name);
        if (highWatermark !== undefined && highWatermark > write.offset) write.committedAtMs = view.nowMs;
      }
    }
  }

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
      seen = new Map();
      judged.set(name, seen);
    }
    let first: Finding | undefined;
    if (state.upTo >= batches.length) return first;
    // The record being judged, for the context's callbacks: one context per read, not per record.
    let key = '';
    let offset = 0;
    let fresh = false;
    const context: RecordContext = {
      epoch: 0,
      atMs: 0,
      failedAtMs: (replacement) => failedAtMs(name, replacement),
      replacement: () => {
        if (fresh) trackReplacement(name, key, offset, view.nowMs);
      },
    };
    // Whole batches are applied, so the groups stay exact past a finding.
    while (state.upTo < batches.length && first === undefined) {
      const batch = batches[state.upTo] as ScannedBatch;
      for (const record of batch.records) {
        key = `${record.offset}/${record.value}`;
        offset = record.offset;
        const firstSeenMs = seen.get(key);
        fresh = firstSeenMs === undefined;
        if (fresh) seen.set(key, view.nowMs);
        context.epoch = batch.epoch;
        context.atMs = firstSeenMs ?? view.nowMs;
        const finding = judgeRecord(state.groups, name, record.offset, record.value, key, context);
        if (finding === undefined || !fresh || first !== undefined) continue;
        first = offsetsFinding(`broker ${brokerId}'s ${finding.text}`, finding.group, name, brokerId);
      }
      state.upTo++;
    }
    return first;
  }

  function trackReplacement(name: string, key: string, offset: number, nowMs: number): void {
    let writes = replacements.get(name);
    if (writes === undefined) {
      writes = new Map();
      replacements.set(name, writes);
    }
    assert(writes.size < MAX_REPLACEMENTS, `NoZombieCommit: more than ${MAX_REPLACEMENTS} static member replacements in ${name}`);
    writes.set(key, { offset, appendedAtMs: nowMs, committedAtMs: undefined });
  }
}

/** Static member replacements a run can write per partition; more means a runaway workload. */
const MAX_REPLACEMENTS = 100_000;

/**
 * The high watermark of `name`'s leader: of the running replicas that lead it, the one of the
 * newest leader epoch (read from the brokers, so that a moment without an active controller does
 * not hide a high watermark that passed a replacement).
 */
function leaderHighWatermark(view: KafkaClusterView, name: string): number | undefined {
  let leader: { readonly leaderEpoch: number; readonly highWatermark: number } | undefined;
  for (const broker of view.brokers) {
    if (broker.status !== 'running') continue;
    const replica = broker.replicas.find((candidate) => candidate.name === name && candidate.role === 'leader');
    if (replica !== undefined && (leader === undefined || replica.leaderEpoch > leader.leaderEpoch)) leader = replica;
  }
  return leader?.highWatermark;
}


/** Applies one record of a `__consumer_offsets` replica (`hex(key)/hex(value)`); a finding for a commit the rule forbids. */
function judgeRecord(groups: Map<string, GroupAtOffset>, name: string, offset: number, value: string, key: string, context: RecordContext): { readonly text: string; readonly group: string } | undefined {
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
      const instances = new Map<string, string>();
      for (const member of record.value.message.members) {
        members.set(member.memberId, assigned(member.assignment));
        if (member.groupInstanceId !== null) instances.set(member.groupInstanceId, member.memberId);
      }
      const before = groups.get(record.key.group);
      const generation = record.value.message.generation;
      let replaced = false;
      if (before !== undefined && before.generation === generation) {
        for (const [instance, memberId] of instances) {
          const previous = before.instances.get(instance);
          if (previous !== undefined && previous !== memberId) replaced = true;
        }
      }
      groups.set(record.key.group, { generation, members, instances, ...(replaced ? { replacing: { before: before as GroupAtOffset, key, epoch: context.epoch, atMs: context.atMs } } : {}) });
      if (replaced) context.replacement();
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
  const found = judgeCommit(group, record.key.group, at, partition, generation, memberId);
  if (found === undefined || group === undefined) return found;
  // The coordinator may hold the group otherwise in memory: it puts a static member back where the
  // write of its replacement failed (default seeds 413, 995, 7732).
  const held = heldInMemory(group, context);
  return held === undefined ? found : judgeCommit(held, record.key.group, at, partition, generation, memberId);
}

/** One instance a replacement swapped in memory: the member id it gave and the one it displaced. */
interface Swap {
  readonly instance: string;
  readonly given: string;
  readonly displaced: string;
}

/**
 * `group` as the coordinator holds it in memory when the record judged now (`context`) is
 * appended: the static replacements of its chain in that record's leader epoch, and the failures
 * of their writes by then, replayed in time order (a write before a failure at the same moment,
 * each in log order). A replacement swaps its instance's member id in memory, whatever the record
 * names as displaced (an earlier failure may have put another id back meanwhile: default seed
 * 995); on its write's failure Kafka puts the displaced id back (`replaceStaticMember`), but only
 * while the instance still has the id this replacement gave it (otherwise Kafka finds no such
 * member and changes nothing). Replacements may overlap, each failing on its own (default seed
 * 7732). Undefined when no write of the chain had failed by then: the log's group stands.
 */
function heldInMemory(group: GroupAtOffset, context: RecordContext): GroupAtOffset | undefined {
  const links: { readonly after: GroupAtOffset; readonly replacing: NonNullable<GroupAtOffset['replacing']>; readonly failedAtMs: number | undefined; readonly swaps: Swap[] }[] = [];
  let state = group;
  // Bounded by the records of the log, each a link at most once.
  while (state.replacing !== undefined && state.replacing.epoch === context.epoch) {
    const failedAtMs = context.failedAtMs(state.replacing.key);
    links.unshift({ after: state, replacing: state.replacing, failedAtMs: failedAtMs !== undefined && failedAtMs <= context.atMs ? failedAtMs : undefined, swaps: [] });
    state = state.replacing.before;
  }
  if (links.every((link) => link.failedAtMs === undefined)) return undefined;
  const members = new Map(state.members);
  const instances = new Map(state.instances);
  const swap = (instance: string, from: string, to: string): void => {
    members.set(to, members.get(from) ?? new Set());
    members.delete(from);
    instances.set(instance, to);
  };
  // A stable sort keeps log order among events of one moment.
  const events = [
    ...links.map((link) => ({ atMs: link.replacing.atMs, failure: false, link })),
    ...links.flatMap((link) => (link.failedAtMs === undefined ? [] : [{ atMs: link.failedAtMs, failure: true, link }])),
  ].sort((a, b) => a.atMs - b.atMs || Number(a.failure) - Number(b.failure));
  for (const { failure, link } of events) {
    if (failure) {
      for (const { instance, given, displaced } of link.swaps) if (instances.get(instance) === given) swap(instance, given, displaced);
      continue;
    }
    for (const [instance, given] of link.after.instances) {
      const displaced = instances.get(instance);
      if (link.replacing.before.instances.get(instance) === given || displaced === undefined || displaced === given) continue;
      swap(instance, displaced, given);
      link.swaps.push({ instance, given, displaced });
    }
  }
  return { generation: group.generation, members, instances };
}

/** Whether `group`'s state allows a commit of `partition` from `memberId` of `generation` (-1: the admin path). */
function judgeCommit(group: GroupAtOffset | undefined, groupId: string, at: string, partition: string, generation: number, memberId: string): { readonly text: string; readonly group: string } | undefined {
  if (!Number.isSafeInteger(generation) || generation < 0) {
    if (group !== undefined && group.members.size > 0) return { text: `${at} from the admin path while generation ${group.generation} has ${group.members.size} member(s)`, group: groupId };
    return undefined;
  }
  if (group === undefined) return { text: `${at} from member ${memberId} of generation ${generation}, but no generation of the group was written before it`, group: groupId };
  if (group.generation !== generation) return { text: `${at} from member ${memberId} of generation ${generation}, but the group was at generation ${group.generation}`, group: groupId };
  if (!group.members.has(memberId)) return { text: `${at} from ${memberId}, which is not a member of generation ${generation}`, group: groupId };
  for (const [other, partitions] of group.members) {
    if (other !== memberId && partitions.has(partition)) return { text: `${at} from member ${memberId}, but generation ${generation} assigns ${partition} to ${other}`, group: groupId };
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

import { assert } from '../common/assert.ts';
import type { KafkaError } from '../protocol/errors.ts';
import type {
  OffsetCommitRequest, OffsetCommitResponse, OffsetFetchRequest, OffsetFetchResponse, OffsetFetchResponsePartition,
} from '../protocol/group-messages.ts';
import type { ClassicGroup } from './classic-group.ts';
import type { CoordinatorContext, CoordinatorResult } from './coordinator-result.ts';
import { newOffsetCommitRecord, type GroupCoordinatorRecord, type OffsetCommitKey } from './group-coordinator-records.ts';
import type { GroupMetadataManager, RequestContext } from './group-metadata-manager.ts';
import { offsetCommitError } from './group-responses.ts';

/** What a group has committed for one partition (Kafka's `OffsetAndMetadata`, the fields OffsetFetch returns). */
export interface CommittedOffset {
  readonly committedOffset: number;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestampMs: number;
}

type OffsetRecord = Extract<GroupCoordinatorRecord, { type: 'OffsetCommit' }>;

/** group → topic → partition → offset. */
type OffsetsByGroup = Map<string, Map<string, Map<number, CommittedOffset>>>;

/**
 * Kafka's `OffsetMetadataManager` (group-coordinator/.../OffsetMetadataManager.java) for classic
 * groups: OffsetCommit validation and records, OffsetFetch, and the replay of offset records.
 *
 * Kafka keeps offsets in timeline maps and reads them "as of" the last committed offset. refka
 * keeps the same two views explicitly: `committed` holds what the records below the high watermark
 * say, and `pending` holds the offset records at or above it, in log order. A read of the latest
 * state overlays `pending` on `committed`; the high watermark moves records from one to the other;
 * a failed append drops the pending records at and above its base offset. So an OffsetFetch without
 * `requireStable` never sees a commit whose record has not committed.
 */
export class OffsetMetadataManager {
  private readonly committed: OffsetsByGroup = new Map();
  private readonly pending: { readonly offset: number; readonly record: OffsetRecord }[] = [];

  constructor(
    private readonly groups: GroupMetadataManager,
    /** Kafka's generation fencing of commits; false only under the no-generation-check variant. */
    private readonly checksGeneration = true,
  ) {}

  /** Kafka's `commitOffset`; a failed validation is answered at once, as Kafka's thrown error is. */
  commitOffset(request: OffsetCommitRequest, requestContext: RequestContext, ctx: CoordinatorContext): CoordinatorResult<OffsetCommitResponse> {
    const validated = this.validateOffsetCommit(request);
    if (typeof validated === 'string') {
      ctx.respond(requestContext.destination, offsetCommitError(request, validated));
      return { records: [] };
    }
    const group = validated;
    // In the classic protocol an OffsetCommit keeps the member's session alive (Stable, PreparingRebalance).
    if ((group.isInState('Stable') || group.isInState('PreparingRebalance')) && group.hasMember(request.memberId)) {
      this.groups.rescheduleClassicGroupMemberHeartbeat(group, group.member(request.memberId));
    }
    const records: GroupCoordinatorRecord[] = [];
    for (const topic of request.topics) {
      for (const partition of topic.partitions) {
        records.push(newOffsetCommitRecord(request.groupId, topic.name, partition.partitionIndex, {
          committedOffset: partition.committedOffset,
          leaderEpoch: partition.committedLeaderEpoch,
          metadata: partition.committedMetadata,
          commitTimestampMs: ctx.nowMs,
        }));
      }
    }
    return { records, response: offsetCommitError(request, 'NONE') };
  }

  /** Kafka's `OffsetMetadataManager.validateOffsetCommit` and `ClassicGroup.validateOffsetCommit`. */
  private validateOffsetCommit(request: OffsetCommitRequest): ClassicGroup | KafkaError {
    let group = this.groups.group(request.groupId);
    if (group === undefined) {
      // The admin client, or a consumer with manual assignment: a "simple" group is created.
      if (request.generationIdOrMemberEpoch >= 0) return 'GROUP_ID_NOT_FOUND';
      const created = this.groups.getOrMaybeCreateClassicGroup(request.groupId, true);
      if (created === 'full' || created === undefined) return 'COORDINATOR_NOT_AVAILABLE';
      group = created;
    }
    if (group.isInState('Dead')) return 'COORDINATOR_NOT_AVAILABLE';
    if (request.generationIdOrMemberEpoch < 0 && group.isInState('Empty')) return group;
    // The no-generation-check variant: whoever the request names, the commit is taken.
    if (!this.checksGeneration) {
      if (group.isInState('CompletingRebalance')) return 'REBALANCE_IN_PROGRESS';
      return group;
    }
    if (request.generationIdOrMemberEpoch >= 0 || request.memberId !== '' || request.groupInstanceId !== null) {
      const error = this.groups.validateMember(group, request.memberId, request.groupInstanceId);
      if (error !== 'NONE') return error;
      if (request.generationIdOrMemberEpoch !== group.generationId) return 'ILLEGAL_GENERATION';
    } else if (!group.isInState('Empty')) {
      return 'UNKNOWN_MEMBER_ID';
    }
    if (group.isInState('CompletingRebalance')) return 'REBALANCE_IN_PROGRESS';
    return group;
  }

  /**
   * Kafka's `fetchOffsets` / `fetchAllOffsets`. Without `requireStable` it reads the committed view
   * (Kafka's read operation at the last committed offset); with it, the latest view, and the shard
   * defers the answer until everything written before has committed (Kafka's write operation).
   */
  fetchOffsets(request: OffsetFetchRequest): OffsetFetchResponse {
    const group = this.groups.group(request.groupId);
    // Kafka catches GroupIdNotFoundException (an absent or Dead group) and answers -1 everywhere.
    const known = group !== undefined && !group.isInState('Dead');
    const lookup = (topic: string, partition: number): CommittedOffset | undefined =>
      known ? this.offset(request.groupId, topic, partition, request.requireStable) : undefined;
    const answer = (partitionIndex: number, offset: CommittedOffset | undefined): OffsetFetchResponsePartition => ({
      partitionIndex,
      committedOffset: offset?.committedOffset ?? -1,
      committedLeaderEpoch: offset?.leaderEpoch ?? -1,
      metadata: offset?.metadata ?? '',
      error: 'NONE',
    });
    if (request.topics !== null) {
      return {
        type: 'OffsetFetchResponse', correlationId: request.correlationId, error: 'NONE',
        topics: request.topics.map((topic) => ({
          name: topic.name,
          partitions: topic.partitionIndexes.map((index) => answer(index, lookup(topic.name, index))),
        })),
      };
    }
    // Every partition the group has an offset for, topics by name and partitions by index (Kafka
    // walks hash maps; refka sorts so the answer is deterministic).
    const all = known ? this.offsetsOf(request.groupId, request.requireStable) : new Map<string, Map<number, CommittedOffset>>();
    return {
      type: 'OffsetFetchResponse', correlationId: request.correlationId, error: 'NONE',
      topics: [...all.keys()].sort().map((topic) => ({
        name: topic,
        partitions: [...(all.get(topic) ?? new Map<number, CommittedOffset>()).entries()]
          .sort(([left], [right]) => left - right).map(([index, offset]) => answer(index, offset)),
      })),
    };
  }

  /** One partition's offset in the committed view, or the latest view. */
  offset(groupId: string, topic: string, partition: number, latest: boolean): CommittedOffset | undefined {
    if (latest) {
      for (let index = this.pending.length - 1; index >= 0; index--) {
        const { record } = this.pending[index] as (typeof this.pending)[number];
        if (sameKey(record.key, { group: groupId, topic, partition })) return toCommitted(record);
      }
    }
    return this.committed.get(groupId)?.get(topic)?.get(partition);
  }

  /** Every offset of a group, in the committed or latest view. */
  offsetsOf(groupId: string, latest: boolean): Map<string, Map<number, CommittedOffset>> {
    const result = new Map<string, Map<number, CommittedOffset>>();
    for (const [topic, partitions] of this.committed.get(groupId) ?? []) result.set(topic, new Map(partitions));
    if (latest) {
      for (const { record } of this.pending) {
        if (record.key.group !== groupId) continue;
        applyTo(result, record);
      }
    }
    return result;
  }

  /** Kafka's `replay(OffsetCommitKey, OffsetCommitValue)`: the record enters the pending view. */
  replay(offset: number, record: OffsetRecord): void {
    const last = this.pending[this.pending.length - 1];
    assert(last === undefined || last.offset < offset, `offset record at ${offset} replayed after ${last?.offset}`);
    this.pending.push({ offset, record });
  }

  /** The high watermark moved: records below it are committed. */
  onHighWatermarkUpdated(highWatermark: number): void {
    let moved = 0;
    while (moved < this.pending.length && (this.pending[moved] as (typeof this.pending)[number]).offset < highWatermark) {
      const { record } = this.pending[moved] as (typeof this.pending)[number];
      const byTopic = this.committed.get(record.key.group) ?? new Map<string, Map<number, CommittedOffset>>();
      applyTo(byTopic, record);
      if (byTopic.size === 0) this.committed.delete(record.key.group);
      else this.committed.set(record.key.group, byTopic);
      moved++;
    }
    this.pending.splice(0, moved);
  }

  /** A write failed: its records and every later one are gone (Kafka's `revertLastWrittenOffset`). */
  revertTo(baseOffset: number): void {
    while (this.pending.length > 0 && (this.pending[this.pending.length - 1] as (typeof this.pending)[number]).offset >= baseOffset) this.pending.pop();
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** The committed view, flattened and sorted, for tests and the replay check. */
  committedSnapshot(): string[] {
    const lines: string[] = [];
    for (const [group, topics] of this.committed) {
      for (const [topic, partitions] of topics) {
        for (const [partition, offset] of partitions) lines.push(`${group}/${topic}-${partition}=${offset.committedOffset}`);
      }
    }
    return lines.sort();
  }
}

function sameKey(left: OffsetCommitKey, right: OffsetCommitKey): boolean {
  return left.group === right.group && left.topic === right.topic && left.partition === right.partition;
}

function toCommitted(record: OffsetRecord): CommittedOffset | undefined {
  if (record.value === null) return undefined;
  const value = record.value.message;
  return { committedOffset: value.offset, leaderEpoch: value.leaderEpoch, metadata: value.metadata, commitTimestampMs: value.commitTimestamp };
}

function applyTo(byTopic: Map<string, Map<number, CommittedOffset>>, record: OffsetRecord): void {
  const offset = toCommitted(record);
  const partitions = byTopic.get(record.key.topic) ?? new Map<number, CommittedOffset>();
  if (offset === undefined) partitions.delete(record.key.partition);
  else partitions.set(record.key.partition, offset);
  if (partitions.size === 0) byTopic.delete(record.key.topic);
  else byTopic.set(record.key.topic, partitions);
}

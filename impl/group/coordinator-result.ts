import type { KafkaError } from '../protocol/errors.ts';
import type { ClassicGroupState, ConsumerGroupEventType } from '../../model/consumer-group.machine.ts';
import type { GroupResponse } from '../protocol/group-messages.ts';
import type { GroupCoordinatorRecord } from './group-coordinator-records.ts';

/**
 * What a handler of the group coordinator decides, and what it may do while deciding: the shapes
 * shared by `GroupMetadataManager`, `OffsetMetadataManager` and `GroupCoordinatorShard`.
 */

/**
 * Kafka's `CoordinatorResult<T, CoordinatorRecord>`: the records to append and, optionally, the
 * response, which the runtime sends only once the high watermark passes the records (or, with no
 * records, passes every record written before). `appendCallback` is Kafka's `appendFuture`: called
 * with null once the records commit, or with the error if their append fails; classic groups,
 * which Kafka does not keep in timeline structures, repair their state in it.
 */
export interface CoordinatorResult<R extends GroupResponse = GroupResponse> {
  readonly records: readonly GroupCoordinatorRecord[];
  readonly response?: R;
  readonly appendCallback?: (error: KafkaError | null) => void;
  /**
   * The `.exceptionally` that Kafka's `GroupCoordinatorService.joinGroup` and `syncGroup` chain on
   * the write operation's future: if the write event fails (its append fails, or the shard unloads
   * while it waits for the high watermark), a parked JoinGroup or SyncGroup that is still
   * unanswered gets the error. Called after `appendCallback`, with the raw error. A write without
   * records waits for every earlier write, so a JoinGroup parked behind uncommitted records is
   * answered NOT_COORDINATOR when the shard unloads, even if nothing else ever answers it.
   */
  readonly exceptionally?: (error: KafkaError) => void;
}

export const EMPTY_RESULT: CoordinatorResult = { records: [] };

/**
 * A timer's task. Kafka's `CoordinatorTimer` holds a closure per key; refka holds this value, so
 * the timer table stays data and the host only ever sees keys and deadlines. Keys are Kafka's
 * (`classicGroupHeartbeatKey`, `classicGroupJoinKey`, `classicGroupSyncKey`) in refka's spelling;
 * the join phase and the delayed initial rebalance share the join key, as in Kafka, so arming one
 * replaces the other.
 */
export type TimerTask =
  | { readonly type: 'heartbeat'; readonly groupId: string; readonly memberId: string }
  | { readonly type: 'join'; readonly groupId: string }
  | { readonly type: 'initial-delay'; readonly groupId: string; readonly delayMs: number; readonly remainingMs: number }
  | { readonly type: 'sync'; readonly groupId: string; readonly generationId: number };

export function heartbeatKey(groupId: string, memberId: string): string {
  return `heartbeat:${groupId}:${memberId}`;
}

export function joinKey(groupId: string): string {
  return `join:${groupId}`;
}

export function syncKey(groupId: string): string {
  return `sync:${groupId}`;
}

/**
 * What handlers may do besides returning a result: answer a parked request at once (Kafka
 * completes the member's future), arm and cancel timers, report a group's transition, and note
 * a group created by the write in progress (so a failed append can take it back).
 */
export interface CoordinatorContext {
  readonly nowMs: number;
  respond(destination: number, response: GroupResponse): void;
  schedule(key: string, delayMs: number, task: TimerTask): void;
  cancel(key: string): void;
  groupTransition(groupId: string, instance: number, event: ConsumerGroupEventType, from: ClassicGroupState | 'Absent', to: ClassicGroupState): void;
  groupCreated(groupId: string): void;
  /** Reports a coverage mark for `groupId` (see {@link GroupCoordinatorMark}). */
  mark(name: GroupCoordinatorMark, groupId: string): void;
}

/**
 * The coordinator's coverage marks (`properties/invariants/groups/group-sometimes.ts`).
 * `static-member-replaced`: a JoinGroup with an unknown member id and a known `group.instance.id`
 * gave the instance a new member id (KIP-345's `replaceStaticMember`), fencing the old one.
 * `group-member-session-expired`: a current member's session timed out and it was removed
 * (`expireClassicGroupMemberHeartbeat`). `group-member-left-on-poll-timeout`: a current member
 * left with LeaveGroup because its application stopped polling (KIP-62; the KIP-800 reason says so).
 * `coordinator-write-timed-out`: a write event waited `offsets.commit.timeout.ms` for the high
 * watermark and failed with REQUEST_TIMED_OUT (the shard's mark, about no one group).
 */
export type GroupCoordinatorMark = 'static-member-replaced' | 'group-member-session-expired' | 'group-member-left-on-poll-timeout' | 'coordinator-write-timed-out';

/** The configs of the classic group coordinator, by Kafka's keys (`GroupCoordinatorConfig`). */
export interface GroupCoordinatorConfig {
  /** `group.min.session.timeout.ms`, default 6000. */
  readonly groupMinSessionTimeoutMs: number;
  /** `group.max.session.timeout.ms`, default 1800000. */
  readonly groupMaxSessionTimeoutMs: number;
  /** `group.initial.rebalance.delay.ms`, default 3000. */
  readonly groupInitialRebalanceDelayMs: number;
  /**
   * `group.max.size`. Kafka's default is Integer.MAX_VALUE; refka's is finite because every
   * collection has a limit, and it also caps the pending (KIP-394) members of a group.
   */
  readonly groupMaxSize: number;
  /**
   * `offsets.commit.timeout.ms`, default 5000: how long a write event (every group request that
   * writes or waits behind a write) waits for the high watermark before it fails with
   * REQUEST_TIMED_OUT (`GroupCoordinatorService` passes it as each write's timeout).
   */
  readonly offsetCommitTimeoutMs: number;
  /** `CLASSIC_GROUP_NEW_MEMBER_JOIN_TIMEOUT_MS`: 5 minutes, not configurable in Kafka. */
  readonly groupNewMemberJoinTimeoutMs: number;
  /** refka's bound on the groups one shard holds; beyond it new groups are refused. */
  readonly groupsMax: number;
  /** refka's bound on responses waiting for the high watermark. */
  readonly deferredEventsMax: number;
  /** refka's bound on appends in flight (written, not yet committed or failed). */
  readonly appendsInFlightMax: number;
  /** Kafka's generation fencing of OffsetCommit; false under the no-generation-check variant. Absent: true. */
  readonly offsetCommitChecksGeneration?: boolean;
  /**
   * Test-only mutants' rules (`sim/mutants/`, `ProtocolRules`); absent: Kafka's behaviour (true).
   * Heartbeat answers REBALANCE_IN_PROGRESS while the group prepares a rebalance.
   */
  readonly heartbeatAnswersRebalanceInProgress?: boolean;
  /** SyncGroup answers each member with its own assignment. */
  readonly syncGroupAnswersOwnAssignment?: boolean;
  /** SyncGroup answers with the new generation's assignment (set before the answers go). */
  readonly syncGroupAnswersNewAssignment?: boolean;
  /**
   * KIP-345 as fixed by KAFKA-8500: a JoinGroup with an unknown member id and a known
   * `group.instance.id` replaces the instance's member id in every group state. False under the
   * kafka-8500 variant: only in Stable; elsewhere the join adds a second member with the instance
   * id. Absent: true.
   */
  readonly joinReplacesStaticMemberInEveryState?: boolean;
}

export const DEFAULT_GROUP_COORDINATOR_CONFIG: GroupCoordinatorConfig = {
  groupMinSessionTimeoutMs: 6_000,
  groupMaxSessionTimeoutMs: 1_800_000,
  groupInitialRebalanceDelayMs: 3_000,
  offsetCommitTimeoutMs: 5_000,
  groupMaxSize: 1_000,
  groupNewMemberJoinTimeoutMs: 5 * 60 * 1000,
  groupsMax: 10_000,
  deferredEventsMax: 10_000,
  appendsInFlightMax: 1_000,
};

/**
 * Kafka's `GroupMetadataManager.appendGroupMetadataErrorToResponseError` (and the service's
 * `handleOperationException`): the error a client sees when the append behind its answer failed.
 */
export function appendErrorToResponseError(error: KafkaError): KafkaError {
  switch (error) {
    case 'UNKNOWN_TOPIC_OR_PARTITION':
    case 'NOT_ENOUGH_REPLICAS':
    case 'REQUEST_TIMED_OUT':
      return 'COORDINATOR_NOT_AVAILABLE';
    case 'NOT_LEADER_OR_FOLLOWER':
    case 'KAFKA_STORAGE_ERROR':
      return 'NOT_COORDINATOR';
    case 'RECORD_TOO_LARGE':
      return 'UNKNOWN_SERVER_ERROR';
    default:
      return error;
  }
}

import type { KafkaError } from './errors.ts';

/**
 * The group coordinator's APIs (classic protocol), as refka's nodes speak them: Kafka's request
 * and response names and fields (`clients/src/main/resources/common/message/*.json`), carried as
 * objects like the rest of `messages.ts`. Every request has a `correlationId` its response echoes.
 *
 * Versions: refka's clients speak the newest classic versions, so the server applies their rules
 * (JoinGroup v9: the two-step join of KIP-394 and `skipAssignment` of KIP-814; LeaveGroup v5 with
 * a batch of members; OffsetCommit v9 without a retention time; OffsetFetch v9 for one group).
 *
 * The protocol metadata a member sends in JoinGroup, and the assignments in SyncGroup, are bytes
 * as in Kafka (the consumer protocol's `ConsumerProtocolSubscription` and
 * `ConsumerProtocolAssignment`): the coordinator stores them in `__consumer_offsets` without
 * reading them.
 */

/** `FindCoordinatorRequest.CoordinatorType`: 0 for groups, 1 for transactions (not built). */
export type CoordinatorKeyType = 0;

/** Kafka's `JoinGroupRequest.UNKNOWN_MEMBER_ID`: a member's id before its first join. */
export const UNKNOWN_MEMBER_ID = '';
/** Kafka's `JoinGroupRequest.UNKNOWN_GENERATION_ID`. */
export const UNKNOWN_GENERATION_ID = -1;
/**
 * The KIP-800 reason a consumer's LeaveGroup carries when its application did not poll within
 * `max.poll.interval.ms` (`AbstractCoordinator.maybeLeaveGroup` from the heartbeat thread's
 * poll-timeout check; Kafka's text continues with advice on tuning).
 */
export const POLL_TIMEOUT_LEAVE_REASON = 'consumer poll timeout has expired.';
/** The protocol type every consumer sends (`ConsumerProtocol.PROTOCOL_TYPE`). */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

export interface FindCoordinatorRequest {
  readonly type: 'FindCoordinatorRequest';
  readonly correlationId: number;
  /** The group id. */
  readonly key: string;
  readonly keyType: CoordinatorKeyType;
}

export interface FindCoordinatorResponse {
  readonly type: 'FindCoordinatorResponse';
  readonly correlationId: number;
  /** NONE, COORDINATOR_NOT_AVAILABLE (no leader for the partition, or the topic is not there yet), INVALID_REQUEST. */
  readonly error: KafkaError;
  /** The coordinator's broker id, or -1 with an error. */
  readonly nodeId: number;
}

export interface JoinGroupProtocol {
  /** The assignor's name (`range`, `cooperative-sticky`, ...). */
  readonly name: string;
  /** `ConsumerProtocolSubscription` bytes. */
  readonly metadata: Uint8Array;
}

export interface JoinGroupRequest {
  readonly type: 'JoinGroupRequest';
  readonly correlationId: number;
  readonly groupId: string;
  readonly sessionTimeoutMs: number;
  /** The classic consumer sends `max.poll.interval.ms`. */
  readonly rebalanceTimeoutMs: number;
  /** UNKNOWN_MEMBER_ID on the first join. */
  readonly memberId: string;
  /** KIP-345 `group.instance.id`, or null for a dynamic member. */
  readonly groupInstanceId: string | null;
  readonly protocolType: string;
  /** In the client's order of preference. */
  readonly protocols: readonly JoinGroupProtocol[];
  /** KIP-800: why the member joins (logged by Kafka; kept for the trace). */
  readonly reason: string;
}

export interface JoinGroupResponseMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly metadata: Uint8Array;
}

export interface JoinGroupResponse {
  readonly type: 'JoinGroupResponse';
  readonly correlationId: number;
  readonly error: KafkaError;
  readonly generationId: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly leader: string;
  /** KIP-814: the leader of a Stable group whose static member was replaced must not assign again. */
  readonly skipAssignment: boolean;
  readonly memberId: string;
  /** Filled for the leader only. */
  readonly members: readonly JoinGroupResponseMember[];
}

export interface SyncGroupAssignment {
  readonly memberId: string;
  /** `ConsumerProtocolAssignment` bytes. */
  readonly assignment: Uint8Array;
}

export interface SyncGroupRequest {
  readonly type: 'SyncGroupRequest';
  readonly correlationId: number;
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  /** Empty except from the leader. */
  readonly assignments: readonly SyncGroupAssignment[];
}

export interface SyncGroupResponse {
  readonly type: 'SyncGroupResponse';
  readonly correlationId: number;
  readonly error: KafkaError;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly assignment: Uint8Array;
}

export interface HeartbeatRequest {
  readonly type: 'HeartbeatRequest';
  readonly correlationId: number;
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
}

export interface HeartbeatResponse {
  readonly type: 'HeartbeatResponse';
  readonly correlationId: number;
  readonly error: KafkaError;
}

export interface LeaveGroupMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly reason: string;
}

export interface LeaveGroupRequest {
  readonly type: 'LeaveGroupRequest';
  readonly correlationId: number;
  readonly groupId: string;
  readonly members: readonly LeaveGroupMember[];
}

export interface LeaveGroupResponse {
  readonly type: 'LeaveGroupResponse';
  readonly correlationId: number;
  /** A top-level error (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, ...); NONE when each member has its own. */
  readonly error: KafkaError;
  readonly members: readonly { readonly memberId: string; readonly groupInstanceId: string | null; readonly error: KafkaError }[];
}

export interface OffsetCommitRequestPartition {
  readonly partitionIndex: number;
  readonly committedOffset: number;
  /** KIP-320: the leader epoch of the last record consumed, or -1. */
  readonly committedLeaderEpoch: number;
  readonly committedMetadata: string;
}

export interface OffsetCommitRequest {
  readonly type: 'OffsetCommitRequest';
  readonly correlationId: number;
  readonly groupId: string;
  /** -1 from the admin client or a consumer with manual assignment. */
  readonly generationIdOrMemberEpoch: number;
  /** UNKNOWN_MEMBER_ID from the admin client or a consumer with manual assignment. */
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly topics: readonly { readonly name: string; readonly partitions: readonly OffsetCommitRequestPartition[] }[];
}

export interface OffsetCommitResponse {
  readonly type: 'OffsetCommitResponse';
  readonly correlationId: number;
  /** Kafka answers every partition with the same error when the request as a whole fails. */
  readonly topics: readonly { readonly name: string; readonly partitions: readonly { readonly partitionIndex: number; readonly error: KafkaError }[] }[];
}

export interface OffsetFetchRequest {
  readonly type: 'OffsetFetchRequest';
  readonly correlationId: number;
  readonly groupId: string;
  /** Null: every partition the group has an offset for. */
  readonly topics: readonly { readonly name: string; readonly partitionIndexes: readonly number[] }[] | null;
  /** KIP-447: wait out pending transactional offsets (refka has no transactions; kept for fidelity). */
  readonly requireStable: boolean;
}

export interface OffsetFetchResponsePartition {
  readonly partitionIndex: number;
  /** -1 when the group has no offset for the partition (`OffsetFetchResponse.INVALID_OFFSET`). */
  readonly committedOffset: number;
  readonly committedLeaderEpoch: number;
  readonly metadata: string;
  readonly error: KafkaError;
}

export interface OffsetFetchResponse {
  readonly type: 'OffsetFetchResponse';
  readonly correlationId: number;
  readonly error: KafkaError;
  readonly topics: readonly { readonly name: string; readonly partitions: readonly OffsetFetchResponsePartition[] }[];
}

export type GroupRequest =
  | FindCoordinatorRequest
  | JoinGroupRequest
  | SyncGroupRequest
  | HeartbeatRequest
  | LeaveGroupRequest
  | OffsetCommitRequest
  | OffsetFetchRequest;

export type GroupResponse =
  | FindCoordinatorResponse
  | JoinGroupResponse
  | SyncGroupResponse
  | HeartbeatResponse
  | LeaveGroupResponse
  | OffsetCommitResponse
  | OffsetFetchResponse;

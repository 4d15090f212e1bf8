import { assertNever } from '../common/assert.ts';
import type { KafkaError } from '../protocol/errors.ts';
import type {
  HeartbeatRequest,
  JoinGroupRequest,
  JoinGroupResponse,
  LeaveGroupRequest,
  OffsetCommitRequest,
  OffsetCommitResponse,
  OffsetFetchRequest,
  SyncGroupRequest,
  SyncGroupResponse,
  GroupResponse,
} from '../protocol/group-messages.ts';
import { EMPTY_ASSIGNMENT } from './classic-group-member.ts';

/** The requests one coordinator shard serves (FindCoordinator is the broker's, not a shard's). */
export type ShardRequest =
  | JoinGroupRequest
  | SyncGroupRequest
  | HeartbeatRequest
  | LeaveGroupRequest
  | OffsetCommitRequest
  | OffsetFetchRequest;

/** A JoinGroup answer with only an error, as Kafka's `new JoinGroupResponseData().setErrorCode(...)`. */
export function joinError(correlationId: number, memberId: string, error: KafkaError): JoinGroupResponse {
  return {
    type: 'JoinGroupResponse', correlationId, error, generationId: -1, protocolType: null, protocolName: null,
    leader: '', skipAssignment: false, memberId, members: [],
  };
}

export function syncError(correlationId: number, error: KafkaError): SyncGroupResponse {
  return { type: 'SyncGroupResponse', correlationId, error, protocolType: null, protocolName: null, assignment: EMPTY_ASSIGNMENT };
}

/** Every partition of the request answered with the same error (`OffsetCommitResponse` as Kafka fills it on failure). */
export function offsetCommitError(request: OffsetCommitRequest, error: KafkaError): OffsetCommitResponse {
  return {
    type: 'OffsetCommitResponse',
    correlationId: request.correlationId,
    topics: request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((partition) => ({ partitionIndex: partition.partitionIndex, error })),
    })),
  };
}

/**
 * The answer to a request that fails as a whole: the shard is not active or loading, or the
 * append behind the answer failed (Kafka's `GroupCoordinatorService.handleOperationException`).
 */
export function errorResponse(request: ShardRequest, error: KafkaError): GroupResponse {
  switch (request.type) {
    case 'JoinGroupRequest':
      return joinError(request.correlationId, request.memberId, error);
    case 'SyncGroupRequest':
      return syncError(request.correlationId, error);
    case 'HeartbeatRequest':
      return { type: 'HeartbeatResponse', correlationId: request.correlationId, error };
    case 'LeaveGroupRequest':
      return { type: 'LeaveGroupResponse', correlationId: request.correlationId, error, members: [] };
    case 'OffsetCommitRequest':
      return offsetCommitError(request, error);
    case 'OffsetFetchRequest':
      return { type: 'OffsetFetchResponse', correlationId: request.correlationId, error, topics: [] };
    default:
      return assertNever(request, 'group request');
  }
}

/** The same response with another error: how a deferred answer is failed when its append fails. */
export function withError(response: GroupResponse, error: KafkaError): GroupResponse {
  switch (response.type) {
    case 'JoinGroupResponse':
      return joinError(response.correlationId, response.memberId, error);
    case 'SyncGroupResponse':
      return syncError(response.correlationId, error);
    case 'HeartbeatResponse':
      return { ...response, error };
    case 'LeaveGroupResponse':
      return { ...response, error, members: [] };
    case 'OffsetCommitResponse':
      return {
        ...response,
        topics: response.topics.map((topic) => ({
          name: topic.name,
          partitions: topic.partitions.map((partition) => ({ partitionIndex: partition.partitionIndex, error })),
        })),
      };
    case 'OffsetFetchResponse':
      return { ...response, error, topics: [] };
    case 'FindCoordinatorResponse':
      return { ...response, error, nodeId: -1 };
    default:
      return assertNever(response, 'group response');
  }
}

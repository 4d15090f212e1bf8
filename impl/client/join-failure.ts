import type { KafkaError } from '../protocol/errors.ts';
import type { FatalError } from './consumer-coordinator-io.ts';

/*
 * How `AbstractCoordinator.joinGroupIfNeeded` treats a failed join attempt. Kafka decides by the
 * exception's class: `UnknownMemberIdException`, `IllegalGenerationException`,
 * `RebalanceInProgressException` and `MemberIdRequiredException` retry at once, a
 * `RetriableException` after `retry.backoff.ms`, and any other is thrown to the application as
 * `Errors.exception()` names it. refka's errors are codes, so the classes are these sets.
 */

/** Why a join attempt (JoinGroup then SyncGroup, Kafka's `joinFuture`) failed. */
export type JoinFailure = KafkaError | 'DISCONNECTED' | 'UnjoinedGroupException';

/** Errors after which `joinGroupIfNeeded` retries at once (`continue`), without the backoff. */
export const REJOIN_AT_ONCE: ReadonlySet<JoinFailure> = new Set<JoinFailure>(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS', 'MEMBER_ID_REQUIRED']);
/** Retriable failures (Kafka's `RetriableException`s): retried after `retry.backoff.ms`. */
export const REJOIN_AFTER_BACKOFF: ReadonlySet<JoinFailure> = new Set<JoinFailure>([
  'COORDINATOR_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'NOT_COORDINATOR',
  'DISCONNECTED',
  'UnjoinedGroupException',
]);

/** The exception the application sees for a join that failed fatally (`Errors.exception()`). */
export function joinFatalError(failure: JoinFailure): FatalError {
  switch (failure) {
    case 'FENCED_INSTANCE_ID':
      return { exception: 'FencedInstanceIdException', message: 'the group instance id has been fenced by another instance' };
    case 'GROUP_MAX_SIZE_REACHED':
      return { exception: 'GroupMaxSizeReachedException', message: 'the group already has the configured maximum number of members' };
    case 'INCONSISTENT_GROUP_PROTOCOL':
      return { exception: 'InconsistentGroupProtocolException', message: 'inconsistent group protocol' };
    case 'INVALID_SESSION_TIMEOUT':
      return { exception: 'InvalidSessionTimeoutException', message: 'the session timeout is outside the broker\'s range' };
    case 'INVALID_GROUP_ID':
      return { exception: 'InvalidGroupIdException', message: 'invalid group id' };
    default:
      return { exception: 'KafkaException', message: `Unexpected error in join group response: ${failure}` };
  }
}

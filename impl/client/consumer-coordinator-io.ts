import type { GroupMemberEvent, GroupMemberEventType, GroupMemberState } from '../../model/group-member.machine.ts';
import type { KafkaError } from '../protocol/errors.ts';
import type { GroupRequest, GroupResponse } from '../protocol/group-messages.ts';
import type { AssignorName, TopicPartition } from './assignors/consumer-partition-assignor.ts';
import { DEFAULT_PARTITION_ASSIGNMENT_STRATEGY } from './assignors/assignors.ts';

/**
 * The interface of the consumer's group coordinator core (consumer-coordinator.ts): its options,
 * the inputs it takes and the effects it hands back. The core is pure in the etcd-raft sense
 * (style anchors, practice 1): every input carries `nowMs`; the core never reads a clock, sends
 * anything or sleeps; it returns what the host must do, in order.
 */

/**
 * The consumer configs the coordinator reads, by Kafka's keys (ConsumerConfig, CommonClientConfigs),
 * with Kafka's defaults in {@link DEFAULT_CONSUMER_COORDINATOR_OPTIONS}.
 */
export interface ConsumerCoordinatorOptions {
  /** `client.id`: names the member in its `transition` effects. */
  readonly clientId: string;
  /** `group.id`. */
  readonly groupId: string;
  /** `group.instance.id` (KIP-345); null for a dynamic member. */
  readonly groupInstanceId: string | null;
  /** `session.timeout.ms`. */
  readonly sessionTimeoutMs: number;
  /** `heartbeat.interval.ms`; must be below the session timeout (Kafka's `Heartbeat` constructor). */
  readonly heartbeatIntervalMs: number;
  /** `max.poll.interval.ms`, also sent as JoinGroup's `rebalanceTimeoutMs`. */
  readonly maxPollIntervalMs: number;
  /** `enable.auto.commit`. */
  readonly enableAutoCommit: boolean;
  /** `auto.commit.interval.ms`. */
  readonly autoCommitIntervalMs: number;
  /** `partition.assignment.strategy`, by assignor name, in preference order. */
  readonly partitionAssignmentStrategy: readonly AssignorName[];
  /** `retry.backoff.ms`. */
  readonly retryBackoffMs: number;
  /** `retry.backoff.max.ms` (KIP-580): the cap of the exponential backoffs. */
  readonly retryBackoffMaxMs: number;
  /** `client.rack`, sent as the subscription's `rackId` (KIP-881); null when unset. */
  readonly clientRack: string | null;
  /** `default.api.timeout.ms`: how long a commit waits for its coordinator and retries. */
  readonly defaultApiTimeoutMs: number;
  /** How long `close()` waits for its final commit (Kafka's `DEFAULT_CLOSE_TIMEOUT_MS`). */
  readonly closeTimeoutMs: number;
  /**
   * refka's group workload, as an application may: each OffsetCommit's metadata is
   * `<memberId>@<generationId>` of that very request (what the coordinator validates), so that
   * `NoZombieCommit` can judge zombie commits from the log alone. Absent: the metadata given.
   */
  readonly tagCommitMetadata?: boolean;
  /** The range-assignor-overlapping-ranges mutant when false (`sim/mutants/`); absent: Kafka's disjoint ranges. */
  readonly rangeAssignorRangesDisjoint?: boolean;
  /** The kafka-12984 variant's assignor side when false (rule of that name); absent: Kafka's validation. */
  readonly cooperativeStickyValidatesOwnedPartitions?: boolean;
  /** The kafka-12984 variant's client side when false (rule of that name); absent: Kafka's reset. */
  readonly generationResetClearsOwnedPartitions?: boolean;
  /** `bootstrap.servers`, as broker ids: where FindCoordinator goes before metadata names brokers. */
  readonly bootstrapBrokers: readonly number[];
}

export const DEFAULT_CONSUMER_COORDINATOR_OPTIONS: Omit<ConsumerCoordinatorOptions, 'clientId' | 'groupId' | 'bootstrapBrokers'> = {
  groupInstanceId: null,
  sessionTimeoutMs: 45_000,
  heartbeatIntervalMs: 3_000,
  maxPollIntervalMs: 300_000,
  enableAutoCommit: true,
  autoCommitIntervalMs: 5_000,
  partitionAssignmentStrategy: DEFAULT_PARTITION_ASSIGNMENT_STRATEGY,
  retryBackoffMs: 100,
  retryBackoffMaxMs: 1_000,
  clientRack: null,
  defaultApiTimeoutMs: 60_000,
  closeTimeoutMs: 30_000,
};

/** Kafka's `OffsetAndMetadata` for one partition. */
export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** KIP-320: the leader epoch of the last consumed record, or -1. */
  readonly leaderEpoch: number;
  readonly metadata: string;
}

export type ConsumerCoordinatorInput =
  /**
   * `KafkaConsumer.poll`, at its start. `positions` are the consumed positions then (Kafka's
   * `SubscriptionState.allConsumed()`): they cover only records earlier polls returned, which is
   * what the auto-commit inside this poll commits.
   */
  | { readonly type: 'poll'; readonly nowMs: number; readonly positions: readonly PartitionOffset[] }
  /** `subscribe(topics)`; an empty list is `unsubscribe()`, as in Kafka. */
  | { readonly type: 'subscribe'; readonly nowMs: number; readonly topics: readonly string[] }
  | { readonly type: 'unsubscribe'; readonly nowMs: number }
  /** `close()`, with the consumed positions its final auto-commit commits. */
  | { readonly type: 'close'; readonly nowMs: number; readonly positions: readonly PartitionOffset[] }
  /** `commitSync(offsets)` / `commitAsync(offsets, callback)`; `commitId` names the result. */
  | { readonly type: 'commit-sync' | 'commit-async'; readonly nowMs: number; readonly commitId: number; readonly offsets: readonly PartitionOffset[] }
  /** A response to a request this core sent. */
  | { readonly type: 'response'; readonly nowMs: number; readonly response: GroupResponse }
  /** The request got no response: the connection dropped, or `request.timeout.ms` passed (NetworkClient disconnects then too). */
  | { readonly type: 'request-failed'; readonly nowMs: number; readonly correlationId: number; readonly reason: 'disconnected' | 'request-timed-out' }
  /** A timer this core scheduled has fired. */
  | { readonly type: 'timer-expired'; readonly nowMs: number; readonly key: string }
  /** Fresh cluster metadata: the live brokers and the partition count of every known topic. */
  | {
      readonly type: 'metadata-update';
      readonly nowMs: number;
      readonly brokers: readonly number[];
      readonly partitionsPerTopic: ReadonlyMap<string, number>;
      /**
       * Kafka's `metadata.updateRequested()` once this answer is in: it still is when the answer
       * carried an `InvalidMetadataException` error for a topic or partition.
       */
      readonly updateRequested: boolean;
    };

/** How a commit ended, named after the exception Kafka's callback or `commitSync` would see. */
export type CommitResult =
  | { readonly type: 'committed' }
  /** Not retriable: the member's generation is over (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, not in a group). */
  | { readonly type: 'CommitFailedException' }
  /** Retry after the rebalance completes (poll, then commit again). */
  | { readonly type: 'RebalanceInProgressException' }
  /** An asynchronous commit hit a retriable error; Kafka does not retry those itself. */
  | { readonly type: 'RetriableCommitFailedException'; readonly error: KafkaError | 'DISCONNECTED' }
  /** `commitSync` kept failing (or found no coordinator) until `default.api.timeout.ms`. */
  | { readonly type: 'TimeoutException' }
  | { readonly type: 'FencedInstanceIdException' }
  /** Any other error, e.g. INVALID_COMMIT_OFFSET_SIZE. */
  | { readonly type: 'KafkaException'; readonly error: KafkaError }
  /** refka's bound: more than `MAX_PENDING_COMMITS` commits waiting. */
  | { readonly type: 'CommitQueueFull' };

/** An error the application sees thrown from `poll()`; the member stops taking part in the group. */
export interface FatalError {
  readonly exception:
    | 'FencedInstanceIdException'
    | 'GroupMaxSizeReachedException'
    | 'InconsistentGroupProtocolException'
    | 'InvalidSessionTimeoutException'
    | 'InvalidGroupIdException'
    | 'IllegalStateException'
    | 'KafkaException'
    /** refka's bound on consecutive failed attempts (FindCoordinator, JoinGroup, OffsetFetch). */
    | 'RetriesExhausted';
  readonly message: string;
}

/** `ConsumerRebalanceListener`'s three callbacks. */
export type RebalanceCallback = 'onPartitionsRevoked' | 'onPartitionsAssigned' | 'onPartitionsLost';

export type ConsumerCoordinatorEffect =
  /** FindCoordinator goes to any broker; every other request to the coordinator's broker. */
  | { readonly type: 'send'; readonly destination: number; readonly request: GroupRequest }
  /** Deliver `timer-expired` with this key at `atMs`, unless cancelled; keys are never reused. */
  | { readonly type: 'schedule-timer'; readonly key: string; readonly atMs: number }
  | { readonly type: 'cancel-timer'; readonly key: string }
  /** Run the application's rebalance listener; callbacks are treated as returning at once. */
  | { readonly type: 'callback'; readonly callback: RebalanceCallback; readonly partitions: readonly TopicPartition[] }
  /** The member's owned partitions are now exactly these (sorted); fetch nothing else. */
  | { readonly type: 'assignment-changed'; readonly partitions: readonly TopicPartition[] }
  /** A lifecycle step, for the conformance monitor (model/group-member.machine.ts). */
  | {
      readonly type: 'transition';
      readonly machine: 'group-member';
      readonly instance: string;
      readonly event: GroupMemberEvent;
      readonly to: GroupMemberState;
    }
  | { readonly type: 'commit-completed'; readonly commitId: number; readonly result: CommitResult }
  /**
   * Committed offsets for newly assigned partitions (OffsetFetch): the host seeks each to its
   * committed offset, or applies `auto.offset.reset` where `committed` is null.
   */
  | {
      readonly type: 'committed-offsets';
      readonly offsets: readonly { readonly topic: string; readonly partition: number; readonly committed: PartitionOffset | null }[];
    }
  | { readonly type: 'fatal-error'; readonly error: FatalError }
  /** A coverage mark (the node's `mark` effect): evidence for a `sometimes` claim of that name. */
  | { readonly type: 'mark'; readonly name: 'cooperative-two-step-move' | 'join-complete-failed' }
  /** `close()` finished: every timer is cancelled and later inputs are refused. */
  | { readonly type: 'closed' };

/** Kafka's `AbstractCoordinator.Generation`. */
export interface Generation {
  readonly generationId: number;
  readonly memberId: string;
  readonly protocolName: string | null;
}

/** `Generation.NO_GENERATION`. */
export const NO_GENERATION: Generation = { generationId: -1, memberId: '', protocolName: null };

export function sameGeneration(a: Generation, b: Generation): boolean {
  return a.generationId === b.generationId && a.memberId === b.memberId && a.protocolName === b.protocolName;
}

/**
 * The member lifecycle of model/group-member.machine.ts as a table, so that the core can say
 * which leaf state each event lands in and refuse (assert) one the model forbids. A test checks
 * that this table equals the model's own transition table.
 */
export const GROUP_MEMBER_TRANSITIONS: Readonly<Record<GroupMemberState, Partial<Readonly<Record<GroupMemberEventType, GroupMemberState>>>>> = {
  'UNJOINED.unassigned': { JOIN_GROUP_SENT: 'PREPARING_REBALANCE', RESET_GENERATION: 'UNJOINED.losing' },
  'UNJOINED.losing': { PARTITIONS_LOST: 'UNJOINED.unassigned', RESET_GENERATION: 'UNJOINED.losing' },
  PREPARING_REBALANCE: {
    JOIN_GROUP_SENT: 'PREPARING_REBALANCE',
    JOIN_GROUP_COMPLETED: 'COMPLETING_REBALANCE',
    PARTITIONS_LOST: 'PREPARING_REBALANCE',
    RESET_GENERATION: 'UNJOINED.losing',
  },
  COMPLETING_REBALANCE: {
    SYNC_GROUP_COMPLETED: 'STABLE.assigned',
    JOIN_GROUP_SENT: 'PREPARING_REBALANCE',
    PARTITIONS_LOST: 'COMPLETING_REBALANCE',
    RESET_GENERATION: 'UNJOINED.losing',
  },
  'STABLE.assigned': { REVOKE_PARTITIONS: 'STABLE.revoking', JOIN_GROUP_SENT: 'PREPARING_REBALANCE', RESET_GENERATION: 'UNJOINED.losing' },
  'STABLE.revoking': { PARTITIONS_REVOKED: 'STABLE.assigned', RESET_GENERATION: 'UNJOINED.losing' },
};

/** Limits (DEVELOPERS.md: a limit on everything). */
export const MAX_IN_FLIGHT_REQUESTS = 64;
export const MAX_PENDING_COMMITS = 64;
export const MAX_IN_FLIGHT_COMMITS = 16;
/** Consecutive failures of one kind of attempt before the member gives up with `RetriesExhausted`. */
export const MAX_CONSECUTIVE_FAILURES = 10_000;

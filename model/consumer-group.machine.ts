import { setup } from 'xstate';

/**
 * The events a group coordinator will report about one classic consumer group (Kafka's
 * `ClassicGroup`, coordinator side). Each names the step of Kafka's `GroupMetadataManager` that
 * calls `ClassicGroup.transitionTo`, so the trace says why the group moved, and the machine's
 * edges, read as (from, to) pairs, are exactly the legal pairs of `ClassicGroupState`.
 */
export type ConsumerGroupEvent =
  /** `getOrMaybeCreateClassicGroup`: a JoinGroup names a group the coordinator does not hold; it is created Empty. */
  | { readonly type: 'CREATED' }
  /** Loading replayed a `GroupMetadataValue` with no members (`replay` constructs the group Empty). */
  | { readonly type: 'LOADED_EMPTY' }
  /** Loading replayed a `GroupMetadataValue` with members (`replay` constructs the group Stable). */
  | { readonly type: 'LOADED_STABLE' }
  /** `prepareRebalance`: a member joined, rejoined with new metadata, left or expired, or a sync timed out. */
  | { readonly type: 'PREPARE_REBALANCE' }
  /** `completeClassicGroupJoin` → `initNextGeneration` with members left: the generation is bumped. */
  | { readonly type: 'JOIN_PHASE_COMPLETED' }
  /** `initNextGeneration` with no members left: the generation is bumped and the group is empty. */
  | { readonly type: 'GROUP_EMPTIED' }
  /** The leader's SyncGroup assignment was written to `__consumer_offsets` and committed. */
  | { readonly type: 'ASSIGNMENT_PERSISTED' }
  /**
   * The group is dropped from the coordinator's memory: Kafka's Java coordinator does this with
   * `transitionTo(DEAD)` when its partition is unloaded (`GroupMetadataManager.onUnloaded`); the
   * Scala coordinator also did it on DeleteGroups and on expiry of an empty group's last offsets,
   * the causes `ClassicGroupState`'s Javadoc lists (the Java coordinator removes such a group when
   * it replays the group's tombstone, without a transition).
   */
  | { readonly type: 'GROUP_REMOVED' };

export type ConsumerGroupEventType = ConsumerGroupEvent['type'];

/** Kafka's `ClassicGroupState` names (its `toString`, as DescribeGroups and kafka-consumer-groups.sh print them). */
export type ClassicGroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

/** The machine's states: Kafka's five, and `Absent` before the coordinator holds the group. */
export type ConsumerGroupState = 'Absent' | ClassicGroupState;

/**
 * A classic consumer group as its coordinator holds it. Kafka's legal moves
 * (`ClassicGroupState`'s `validPreviousStates`, asserted by `ClassicGroup.transitionTo`):
 *
 * | to                  | legal from                                      |
 * | ------------------- | ----------------------------------------------- |
 * | Empty               | PreparingRebalance                              |
 * | PreparingRebalance  | Stable, CompletingRebalance, Empty              |
 * | CompletingRebalance | PreparingRebalance                              |
 * | Stable              | CompletingRebalance                             |
 * | Dead                | Stable, PreparingRebalance, CompletingRebalance, Empty, Dead |
 *
 * `Absent` is refka's: Kafka constructs a `ClassicGroup` in its first state (Empty when a JoinGroup
 * creates it, Empty or Stable when loading replays its record) rather than transitioning into
 * it, and the monitor needs one initial state. A Dead group is gone; a later JoinGroup with the
 * same id creates a new `ClassicGroup`, which the coordinator must report as a new instance.
 */
export const consumerGroupMachine = setup({
  types: { events: {} as ConsumerGroupEvent },
}).createMachine({
  id: 'consumer-group',
  description:
    'A classic consumer group on its coordinator (Kafka ClassicGroupState): members join, the ' +
    'leader assigns, the assignment is committed to __consumer_offsets, and any change of ' +
    'membership starts the next rebalance.',
  initial: 'Absent',
  states: {
    Absent: {
      description: 'The coordinator holds no ClassicGroup object for this id yet (refka\'s, not a Kafka state).',
      on: {
        CREATED: { target: 'Empty', description: 'A JoinGroup for an unknown group id creates it Empty.' },
        LOADED_EMPTY: { target: 'Empty', description: 'Replaying a GroupMetadataValue without members loads the group Empty.' },
        LOADED_STABLE: {
          target: 'Stable',
          description: 'Replaying a GroupMetadataValue with members loads the group Stable with that generation and assignment.',
        },
      },
    },
    Empty: {
      description:
        'No members; the group lingers for its committed offsets. SyncGroup, Heartbeat, LeaveGroup ' +
        'and member OffsetCommits get UNKNOWN_MEMBER_ID; an OffsetCommit with generation -1 (admin or ' +
        'manual assignment) is accepted.',
      on: {
        PREPARE_REBALANCE: {
          target: 'PreparingRebalance',
          description: 'A new member joins; group.initial.rebalance.delay.ms applies to this first rebalance.',
        },
        GROUP_REMOVED: { target: 'Dead', description: 'Unloaded (its partition moved), deleted, or expired with its last offsets.' },
      },
    },
    PreparingRebalance: {
      description:
        'Waiting for every member to send JoinGroup, up to the largest rebalance timeout. Heartbeats ' +
        'and SyncGroups get REBALANCE_IN_PROGRESS; OffsetCommits of the current generation are still ' +
        'accepted, so eager members can commit in onPartitionsRevoked.',
      on: {
        JOIN_PHASE_COMPLETED: {
          target: 'CompletingRebalance',
          description: 'All members rejoined or the timer fired: the generation is bumped and the leader gets the member list.',
        },
        GROUP_EMPTIED: {
          target: 'Empty',
          description: 'The join phase ended with no members: the generation is bumped and an empty GroupMetadata is written.',
        },
        GROUP_REMOVED: { target: 'Dead', description: 'Unloaded (its partition moved to another broker) or deleted.' },
      },
    },
    CompletingRebalance: {
      description:
        'Waiting for the leader\'s SyncGroup with the assignment. Followers\' SyncGroups are parked; ' +
        'OffsetCommits get REBALANCE_IN_PROGRESS; heartbeats succeed.',
      on: {
        ASSIGNMENT_PERSISTED: {
          target: 'Stable',
          description: 'The assignment record committed while the group is still at this generation; every parked SyncGroup is answered.',
        },
        PREPARE_REBALANCE: {
          target: 'PreparingRebalance',
          description:
            'A member joined with new metadata, left or expired, a sync timed out, or the assignment write failed; ' +
            'parked SyncGroups get REBALANCE_IN_PROGRESS.',
        },
        GROUP_REMOVED: { target: 'Dead', description: 'Unloaded (its partition moved to another broker) or deleted.' },
      },
    },
    Stable: {
      description:
        'Every member has its assignment; heartbeats succeed and OffsetCommits of the current ' +
        'generation from its members are accepted.',
      on: {
        PREPARE_REBALANCE: {
          target: 'PreparingRebalance',
          description: 'The leader rejoined, a follower rejoined with new metadata, or a member left or expired.',
        },
        GROUP_REMOVED: { target: 'Dead', description: 'Unloaded (its partition moved to another broker) or deleted.' },
      },
    },
    Dead: {
      description:
        'Removed: the coordinator answers COORDINATOR_NOT_AVAILABLE to members and GROUP_ID_NOT_FOUND ' +
        'to OffsetFetch. Kafka allows Dead again from Dead and nothing else.',
      on: {
        GROUP_REMOVED: {
          target: 'Dead',
          description:
            'Kafka\'s table allows Dead again from Dead; no path of the Java coordinator takes it (its ' +
            'only move to Dead is onUnloaded, after which the group is gone).',
        },
      },
    },
  },
});

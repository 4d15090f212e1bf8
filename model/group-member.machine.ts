import { setup } from 'xstate';

/**
 * The events a classic-protocol consumer will report about its own group membership (Kafka's
 * `AbstractCoordinator` and `ConsumerCoordinator`, client side). The machine's top-level states
 * are exactly `AbstractCoordinator.MemberState`; the two nested phases are where Kafka runs the
 * rebalance callbacks while `MemberState` still reads STABLE or UNJOINED.
 */
export type GroupMemberEvent =
  /** `initiateJoinGroup`: a JoinGroup request is sent (again, after a retriable failure). */
  | { readonly type: 'JOIN_GROUP_SENT' }
  /** A JoinGroup response without error arrived while PREPARING_REBALANCE: a generation and member id; SyncGroup follows. */
  | { readonly type: 'JOIN_GROUP_COMPLETED' }
  /** A SyncGroup response without error arrived while COMPLETING_REBALANCE: the member has its assignment. */
  | { readonly type: 'SYNC_GROUP_COMPLETED' }
  /** `onPartitionsRevoked` starts (with the commit before it): before a rejoin, after a cooperative sync, or before leaving. */
  | { readonly type: 'REVOKE_PARTITIONS' }
  /** The revocation callback, and the commit it waited for, are done. */
  | { readonly type: 'PARTITIONS_REVOKED' }
  /** `resetStateAndGeneration`: an error response (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, ...) or leaving the group. */
  | { readonly type: 'RESET_GENERATION' }
  /** `onPartitionsLost`: the member gives up what it held without committing, as no longer its own. */
  | { readonly type: 'PARTITIONS_LOST' };

export type GroupMemberEventType = GroupMemberEvent['type'];

/** Kafka's `AbstractCoordinator.MemberState`. */
export type MemberState = 'UNJOINED' | 'PREPARING_REBALANCE' | 'COMPLETING_REBALANCE' | 'STABLE';

/** The machine's leaf states, as a `transition` effect's `to` names them. */
export type GroupMemberState =
  | 'UNJOINED.unassigned'
  | 'UNJOINED.losing'
  | 'PREPARING_REBALANCE'
  | 'COMPLETING_REBALANCE'
  | 'STABLE.assigned'
  | 'STABLE.revoking';

/**
 * One consumer's membership in a classic group, as the consumer sees it. Kafka's own transitions
 * of `MemberState` (`AbstractCoordinator`): `initiateJoinGroup` sets PREPARING_REBALANCE from any
 * state once a join is needed; a successful JoinGroup response moves PREPARING_REBALANCE to
 * COMPLETING_REBALANCE; a successful SyncGroup response moves COMPLETING_REBALANCE to STABLE; and
 * `resetStateAndGeneration` sets UNJOINED from any state. The nested phases add what
 * `ConsumerCoordinator` does around them: partitions are revoked only by a member that is STABLE
 * (`onJoinPrepare`, `onJoinComplete` and `onLeavePrepare` with a valid generation), and a member
 * whose generation was reset must run `onJoinPrepare`'s lost branch before it sends JoinGroup
 * again (`resetStateAndRejoin` sets `needsJoinPrepare`; with the generation reset, that branch
 * gives every held partition up as lost). That ordering is what keeps a member whose generation
 * ended from rejoining while it still believes it owns partitions.
 *
 * An instance is one coordinator object, so it lives as long as its process: `close()` leaves it
 * in UNJOINED.losing for good (`maybeLeaveGroup` resets the generation after `onLeavePrepare`),
 * and a consumer started again is a new `KafkaConsumer` whose coordinator starts here, in
 * UNJOINED.unassigned (`PROCESS_SCOPED_MACHINES` in `model/index.ts`).
 */
export const groupMemberMachine = setup({
  types: { events: {} as GroupMemberEvent },
}).createMachine({
  id: 'group-member',
  description:
    'A consumer in a classic group: it joins (JoinGroup), receives its assignment (SyncGroup), ' +
    'consumes while STABLE, revokes before a rebalance or leave, and loses its partitions when ' +
    'its generation is reset.',
  initial: 'UNJOINED',
  on: {
    RESET_GENERATION: {
      target: '.UNJOINED.losing',
      description:
        'From any state: an error response or a heartbeat error resets the generation (and the member ' +
        'id unless ILLEGAL_GENERATION), or the member leaves (max.poll.interval.ms expired, close, ' +
        'unsubscribe); whatever it held is lost.',
    },
  },
  states: {
    UNJOINED: {
      description: 'Not a member of a generation (MemberState.UNJOINED).',
      initial: 'unassigned',
      states: {
        unassigned: {
          description: 'Holds no partitions: never joined, or has given up what it held.',
          on: {
            JOIN_GROUP_SENT: {
              target: '#group-member.PREPARING_REBALANCE',
              description: 'Subscribed and polling: JoinGroup (first with no member id; MEMBER_ID_REQUIRED gives it one).',
            },
          },
        },
        losing: {
          description:
            'Its generation was reset: any partitions it still holds are no longer its own. Until ' +
            'onJoinPrepare runs at the next poll it may still fetch them, a zombie the coordinator no ' +
            'longer counts; its commits are refused with ILLEGAL_GENERATION or UNKNOWN_MEMBER_ID.',
          on: {
            PARTITIONS_LOST: {
              target: 'unassigned',
              description:
                'onJoinPrepare (or onLeavePrepare) with a reset generation: onPartitionsLost on what it ' +
                'held, without committing, and the assignment is cleared.',
            },
          },
        },
      },
    },
    PREPARING_REBALANCE: {
      description: 'JoinGroup sent, no answer yet (MemberState.PREPARING_REBALANCE); no heartbeats.',
      on: {
        JOIN_GROUP_SENT: {
          target: 'PREPARING_REBALANCE',
          description:
            'The JoinGroup failed with MEMBER_ID_REQUIRED, REBALANCE_IN_PROGRESS, COORDINATOR_LOAD_IN_PROGRESS ' +
            'or a coordinator error and is sent again.',
        },
        JOIN_GROUP_COMPLETED: {
          target: 'COMPLETING_REBALANCE',
          description: 'Joined the new generation; the leader runs the assignor, and every member sends SyncGroup.',
        },
        PARTITIONS_LOST: {
          target: 'PREPARING_REBALANCE',
          description:
            'Closing or unsubscribing during a rebalance: onLeavePrepare gives up what a cooperative member ' +
            'still holds as lost, before it leaves.',
        },
      },
    },
    COMPLETING_REBALANCE: {
      description: 'Joined, SyncGroup sent, no assignment yet (MemberState.COMPLETING_REBALANCE); heartbeats run.',
      on: {
        SYNC_GROUP_COMPLETED: {
          target: 'STABLE.assigned',
          description: 'The leader\'s assignment arrived for this generation; onJoinComplete applies it.',
        },
        JOIN_GROUP_SENT: {
          target: 'PREPARING_REBALANCE',
          description:
            'SyncGroup failed with REBALANCE_IN_PROGRESS or a coordinator error: the member rejoins at once, ' +
            'without a second onJoinPrepare.',
        },
        PARTITIONS_LOST: {
          target: 'COMPLETING_REBALANCE',
          description: 'Closing or unsubscribing during a rebalance: onLeavePrepare gives up what it holds as lost.',
        },
      },
    },
    STABLE: {
      description: 'A member of the current generation with its assignment (MemberState.STABLE); heartbeats run.',
      initial: 'assigned',
      states: {
        assigned: {
          description: 'Consuming its assignment and committing offsets under its generation.',
          on: {
            REVOKE_PARTITIONS: {
              target: 'revoking',
              description:
                'A rebalance is needed (eager: revoke everything; cooperative: what is no longer subscribed), ' +
                'the cooperative assignment took partitions away, or the member is leaving.',
            },
            JOIN_GROUP_SENT: {
              target: '#group-member.PREPARING_REBALANCE',
              description: 'A rejoin with nothing to revoke (cooperative: it keeps what it owns while rejoining).',
            },
          },
        },
        revoking: {
          description:
            'onPartitionsRevoked is running, after the auto-commit it waits for (up to the rebalance ' +
            'timeout): the partitions are still its own until the callback returns.',
          on: {
            PARTITIONS_REVOKED: {
              target: 'assigned',
              description: 'The callback returned; the revoked partitions are removed from its assignment.',
            },
          },
        },
      },
    },
  },
});

import { setup } from 'xstate';

/**
 * The events a broker reports about one partition replica (Kafka's `Partition`): becoming leader
 * or follower from the metadata log, the leader's ISR changes through AlterPartition (KIP-497's
 * committed / pending states), the follower's truncation (KIP-101, KIP-279) and fetching.
 * Role changes come from the controller and may arrive in any state, so they are top-level.
 */
export type PartitionReplicaEvent =
  | { readonly type: 'BECOME_LEADER' }
  | { readonly type: 'BECOME_FOLLOWER' }
  /** The partition has no leader: the replica waits. */
  | { readonly type: 'LEADER_LOST' }
  | { readonly type: 'GO_OFFLINE' }
  | { readonly type: 'PROPOSE_EXPAND' }
  | { readonly type: 'PROPOSE_SHRINK' }
  | { readonly type: 'ISR_COMMITTED' }
  | { readonly type: 'ISR_REJECTED' }
  /** The follower found where its log diverges and truncated there. */
  | { readonly type: 'TRUNCATED' }
  /** The follower's fetch showed its log no longer follows the leader's: truncate again. */
  | { readonly type: 'DIVERGED' };

export const partitionReplicaMachine = setup({
  types: { events: {} as PartitionReplicaEvent },
}).createMachine({
  id: 'partition-replica',
  description: 'One replica of a partition on one broker.',
  initial: 'offline',
  on: {
    BECOME_LEADER: { target: '.leader', description: 'The controller made this replica leader (in a new leader epoch).' },
    BECOME_FOLLOWER: { target: '.follower', description: 'The controller made another replica leader.' },
    LEADER_LOST: { target: '.follower.idle', description: 'The partition has no leader for now.' },
    GO_OFFLINE: { target: '.offline', description: 'The broker stops serving the replica.' },
  },
  states: {
    offline: { description: 'Not serving: not started, reassigned away, or the broker is shutting down.' },
    leader: {
      description: 'Leading: appends produce requests, serves fetches, advances the high watermark.',
      initial: 'committed',
      states: {
        committed: {
          description: 'The ISR the controller committed is the ISR the leader counts on.',
          on: {
            PROPOSE_EXPAND: { target: 'pending-expand', description: 'A caught-up follower is proposed for the ISR.' },
            PROPOSE_SHRINK: { target: 'pending-shrink', description: 'Lagging followers are proposed for removal.' },
          },
        },
        'pending-expand': {
          description: 'AlterPartition in flight adding a replica; the high watermark already counts it (maximal ISR).',
          on: {
            ISR_COMMITTED: { target: 'committed', description: 'The controller accepted the expansion.' },
            ISR_REJECTED: { target: 'committed', description: 'Rejected or lost: back to the committed ISR.' },
          },
        },
        'pending-shrink': {
          description: 'AlterPartition in flight removing replicas; they still count until committed.',
          on: {
            ISR_COMMITTED: { target: 'committed', description: 'The controller accepted the shrink.' },
            ISR_REJECTED: { target: 'committed', description: 'Rejected or lost: back to the committed ISR.' },
          },
        },
      },
    },
    follower: {
      description: 'Following the leader.',
      initial: 'truncating',
      states: {
        idle: { description: 'No leader to follow.' },
        truncating: {
          description: 'Asking the leader OffsetsForLeaderEpoch and truncating the divergent tail.',
          on: { TRUNCATED: { target: 'fetching', description: 'The log now ends where the leader\'s epoch history agrees.' } },
        },
        fetching: {
          description: 'Fetching from the leader and appending as follower.',
          on: { DIVERGED: { target: 'truncating', description: 'The fetched data does not continue the log: find the divergence again.' } },
        },
      },
    },
  },
});

import { setup } from 'xstate';

/**
 * The events a broker will report about the coordinator of one `__consumer_offsets` partition
 * (Kafka's `CoordinatorRuntime.CoordinatorContext`, one per partition the broker leads or led).
 * Each names the step of `CoordinatorRuntime` that calls `transitionTo`.
 */
export type CoordinatorShardEvent =
  /** `scheduleLoadOperation` with a newer partition epoch (the broker became leader), or the reload after a failure. */
  | { readonly type: 'LOAD' }
  /** The loader replayed the partition to its end: the shard serves requests. */
  | { readonly type: 'LOAD_COMPLETED' }
  /** The loader failed. */
  | { readonly type: 'LOAD_FAILED' }
  /** A write came back at another offset than the shard expected: its state no longer matches the log. */
  | { readonly type: 'OUT_OF_SYNC' }
  /** `scheduleUnloadOperation` with a newer epoch (leadership lost, or the topic deleted), or the runtime closes. */
  | { readonly type: 'UNLOAD' };

export type CoordinatorShardEventType = CoordinatorShardEvent['type'];

/** Kafka's `CoordinatorRuntime.CoordinatorState`. */
export type CoordinatorState = 'INITIAL' | 'LOADING' | 'ACTIVE' | 'FAILED' | 'CLOSED';

/**
 * The coordinator shard of one `__consumer_offsets` partition on one broker. Kafka's legal moves
 * (`CoordinatorState.canTransitionFrom`, asserted by `CoordinatorContext.transitionTo`):
 *
 * | to      | legal from        |
 * | ------- | ----------------- |
 * | INITIAL | none              |
 * | LOADING | INITIAL, FAILED   |
 * | ACTIVE  | ACTIVE, LOADING   |
 * | FAILED  | LOADING, ACTIVE   |
 * | CLOSED  | any state         |
 *
 * Two of those pairs are legal but no path of `CoordinatorRuntime` takes them, and the machine
 * leaves them out so that a refka coordinator taking them is flagged: ACTIVE → ACTIVE (a load
 * completion is applied only to a LOADING context, and a load for an ACTIVE one is ignored) and
 * CLOSED → CLOSED (an unloaded context is removed from the runtime at once; the next load makes a
 * new context, which the broker must report as a new instance).
 *
 * Loads and unloads are fenced by the partition's leader epoch in Kafka (`context.epoch`): an
 * operation whose epoch is not newer is ignored without a transition, so it is not reported.
 */
export const coordinatorShardMachine = setup({
  types: { events: {} as CoordinatorShardEvent },
}).createMachine({
  id: 'coordinator-shard',
  description:
    'The group coordinator of one __consumer_offsets partition on one broker: it rebuilds group ' +
    'state by replaying the partition when the broker becomes leader, serves requests while ' +
    'active, and is closed when leadership moves away.',
  initial: 'INITIAL',
  states: {
    INITIAL: {
      description: 'Created when a load is scheduled, before the load runs. Requests get NOT_COORDINATOR.',
      on: {
        LOAD: { target: 'LOADING', description: 'The broker leads the partition in a newer epoch: replay it.' },
        UNLOAD: { target: 'CLOSED', description: 'Leadership moved on before the load ran.' },
      },
    },
    LOADING: {
      description:
        'Replaying the partition from its start; requests get COORDINATOR_LOAD_IN_PROGRESS. Group ' +
        'timers are re-armed with fresh deadlines when the load completes.',
      on: {
        LOAD_COMPLETED: { target: 'ACTIVE', description: 'Every record replayed: groups and offsets are rebuilt.' },
        LOAD_FAILED: { target: 'FAILED', description: 'The loader failed; the shard is unloaded.' },
        UNLOAD: { target: 'CLOSED', description: 'Leadership moved on during the load.' },
      },
    },
    ACTIVE: {
      description:
        'Serving requests. A write is answered only once the high watermark passes its records, so ' +
        'every state it exposes is backed by replicated records.',
      on: {
        OUT_OF_SYNC: {
          target: 'FAILED',
          description: 'The log returned an offset the shard did not expect: its state is dropped and reloaded.',
        },
        UNLOAD: { target: 'CLOSED', description: 'Leadership moved to another broker, or the topic was deleted.' },
      },
    },
    FAILED: {
      description: 'Unloaded after a failure; requests get NOT_COORDINATOR.',
      on: {
        LOAD: { target: 'LOADING', description: 'Loaded again: a newer leader epoch, or at once after OUT_OF_SYNC.' },
        UNLOAD: { target: 'CLOSED', description: 'Leadership moved on.' },
      },
    },
    CLOSED: {
      description: 'Unloaded for good; the runtime forgets the context. Requests get NOT_COORDINATOR.',
    },
  },
});

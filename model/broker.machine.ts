import { setup } from 'xstate';

/**
 * The events a Kafka broker reports about its own lifecycle (`BrokerState` in Kafka's
 * `BrokerLifecycleManager`). A crash cannot be reported by the process that crashed, so a broker
 * that comes back says `LOGS_LOADED` from whatever state its previous incarnation was in: that
 * edge is the crash (or clean stop) and recovery.
 */
export type BrokerEvent =
  /** The process started and recovered its logs from disk; it registers next. */
  | { readonly type: 'LOGS_LOADED' }
  /** The controller accepted the registration: the broker is registered but fenced. */
  | { readonly type: 'REGISTERED' }
  /** A heartbeat answer unfenced it: it caught up with the metadata log. */
  | { readonly type: 'UNFENCED' }
  /** The controller fenced it (its session lapsed): no leaderships, no ISR membership. */
  | { readonly type: 'FENCED' }
  /** The controller no longer knows this incarnation: register again. */
  | { readonly type: 'REREGISTER' }
  /** SIGTERM: ask the controller to move leaderships away before stopping. */
  | { readonly type: 'CONTROLLED_SHUTDOWN' }
  /** The controller let it go: the broker flushes, checkpoints and stops. */
  | { readonly type: 'SHUTDOWN_GRANTED' };

export const brokerMachine = setup({
  types: { events: {} as BrokerEvent },
}).createMachine({
  id: 'broker',
  description: 'A Kafka broker in KRaft mode: recovery, registration, fencing, controlled shutdown.',
  initial: 'offline',
  on: {
    LOGS_LOADED: {
      target: '.recovery',
      description: 'A (re)start from any state: after a crash, power loss or clean stop the broker recovers its logs.',
    },
  },
  states: {
    offline: { description: 'Never started.' },
    recovery: {
      description: 'Logs loaded; registering with the controller (Kafka\'s RECOVERY state).',
      on: {
        REGISTERED: { target: 'fenced', description: 'Registered with a new broker epoch, fenced until caught up.' },
        CONTROLLED_SHUTDOWN: { target: 'pending-controlled-shutdown', description: 'Asked to stop before it was even registered.' },
      },
    },
    fenced: {
      description: 'Registered but fenced: not eligible to lead or join an ISR.',
      on: {
        UNFENCED: { target: 'running', description: 'Caught up with the metadata log; the controller unfenced it.' },
        REREGISTER: { target: 'recovery', description: 'The controller does not know this broker epoch.' },
        CONTROLLED_SHUTDOWN: { target: 'pending-controlled-shutdown', description: 'SIGTERM while fenced.' },
      },
    },
    running: {
      description: 'Unfenced: leads and follows partitions (Kafka\'s RUNNING state).',
      on: {
        FENCED: { target: 'fenced', description: 'The controller fenced it after its session lapsed.' },
        REREGISTER: { target: 'recovery', description: 'The controller does not know this broker epoch.' },
        CONTROLLED_SHUTDOWN: { target: 'pending-controlled-shutdown', description: 'SIGTERM: leaderships are moved away first.' },
      },
    },
    'pending-controlled-shutdown': {
      description: 'Waiting for the controller to move its leaderships (Kafka\'s PENDING_CONTROLLED_SHUTDOWN).',
      on: {
        SHUTDOWN_GRANTED: { target: 'shutting-down', description: 'Nothing left to move: stop.' },
      },
    },
    'shutting-down': { description: 'Flushing logs, writing checkpoints and the clean-shutdown marker, then stopping.' },
  },
});

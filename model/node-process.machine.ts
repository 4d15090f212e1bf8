import { setup } from 'xstate';

/**
 * The events of a simulated node's process lifecycle. The simulator host reports them (see
 * `sim/run/simulation.ts`): node code never does, because a process cannot report its own
 * `kill -9` or power loss. Kafka's own broker lifecycle (`BrokerState`) is a separate machine.
 */
export type NodeProcessEvent =
  /** The host constructs the node from its disk and hands it the `start` input. */
  | { readonly type: 'start' }
  /** `kill -9`: the process's memory is gone, the OS page cache (and so every write) survives. */
  | { readonly type: 'crash' }
  /** The machine loses power: every byte not yet fsynced is lost, along with the process. */
  | { readonly type: 'power-loss' }
  /** A clean stop, or the node halting itself (`Exit.halt` after a fatal log-directory error). */
  | { readonly type: 'shutdown' }
  /** An operator swaps the node's disk: the next start begins with an empty log directory. */
  | { readonly type: 'replace-disk' };

/** The event names of {@link nodeProcessMachine}, as they appear in a `transition` effect. */
export type NodeProcessEventType = NodeProcessEvent['type'];

/** The state names of {@link nodeProcessMachine}, as they appear in a `transition` effect's `to`. */
export type NodeProcessState = 'stopped' | 'running' | 'crashed' | 'powered-off';

/**
 * The lifecycle of one simulated node process. The three "down" states are kept apart because
 * they promise different things about the disk the next incarnation starts from, and invariants
 * (e.g. that acknowledged writes survive) are judged against exactly that promise.
 */
export const nodeProcessMachine = setup({
  types: {
    events: {} as NodeProcessEvent,
  },
}).createMachine({
  id: 'node-process',
  description:
    'The lifecycle of a simulated node process as the simulator host sees it. A restart ' +
    'constructs a new node object from the same disk, so what survives each way of going down ' +
    'is exactly what the disk model keeps (page cache after a crash, fsynced bytes after power loss).',
  initial: 'stopped',
  states: {
    stopped: {
      description:
        'Not running, with a disk in a consistent state: never started, shut down cleanly, halted ' +
        'by itself (Kafka `Exit.halt`), or given a fresh empty disk. Nothing written is lost here.',
      on: {
        start: {
          target: 'running',
          description: 'The host constructs the node from its disk and delivers the `start` input.',
        },
        'replace-disk': {
          target: 'stopped',
          description:
            'A stopped node may have its disk replaced; it stays stopped and will start empty, ' +
            'which is how refka exercises a replica that lost its whole log rejoining the cluster.',
        },
      },
    },
    running: {
      description:
        'The process exists and handles inputs. Only a running process can crash, lose power ' +
        'as a running process, or shut down.',
      on: {
        crash: {
          target: 'crashed',
          description:
            '`kill -9`: the process object is discarded, but writes already in the OS page ' +
            'cache survive, as they do for a Kafka broker killed with SIGKILL.',
        },
        'power-loss': {
          target: 'powered-off',
          description:
            'Power loss while running: the process and every byte not yet made durable by ' +
            '`fsync` are lost, which is why Kafka recovers unflushed segments on restart.',
        },
        shutdown: {
          target: 'stopped',
          description:
            'A clean stop (controlled shutdown) or the node halting itself, as Kafka does via ' +
            '`Exit.halt` after a fatal log-directory error; the page cache is written back.',
        },
      },
    },
    crashed: {
      description:
        'Killed with `kill -9`: process memory is lost, the OS page cache (and so every write, ' +
        'fsynced or not) is kept until the host itself loses power.',
      on: {
        start: {
          target: 'running',
          description: 'The host restarts the crashed process from its (page-cache) disk.',
        },
        'power-loss': {
          target: 'powered-off',
          description:
            'A cluster-wide power loss also hits a node that is already down after a crash: its ' +
            'page cache, still holding unsynced bytes, is lost now.',
        },
        'replace-disk': {
          target: 'stopped',
          description:
            'The crashed node gets an empty disk; with nothing left to lose it is simply stopped.',
        },
      },
    },
    'powered-off': {
      description:
        'The host lost power: the process and every byte that was not fsynced are gone; only ' +
        'durable bytes remain on the disk.',
      on: {
        start: {
          target: 'running',
          description:
            'Power returns and the node starts from the durable bytes alone, running log ' +
            'recovery over whatever the last fsync left behind.',
        },
        'replace-disk': {
          target: 'stopped',
          description: 'The powered-off node gets an empty disk and waits, stopped, for a start.',
        },
      },
    },
  },
});

import type { Message, NodeId } from '../../impl/env/node-environment.ts';
import type { FaultAction } from '../nemesis/fault-action.ts';

/**
 * Everything that can happen in a run is one of these events, popped from the single
 * {@link EventQueue} in (time, sequence) order.
 */
export type SimEvent =
  | {
      readonly type: 'deliver';
      readonly from: NodeId;
      readonly to: NodeId;
      /** The connection generation the message was sent on; a newer one means it broke. */
      readonly generation: number;
      readonly messageId: number;
      readonly message: Message;
      /** Set when a clogged link released the message; it goes ahead of everything sent after it. */
      readonly released?: boolean;
    }
  | {
      readonly type: 'disconnect-notify';
      readonly node: NodeId;
      readonly peer: NodeId;
      /** The process incarnation that had the connection; a restarted process never saw it. */
      readonly incarnation: number;
      /** When the connection broke: what the two ends exchanged later went over a new one. */
      readonly brokenAtMs: number;
    }
  | {
      readonly type: 'timer';
      readonly node: NodeId;
      readonly incarnation: number;
      readonly name: string;
      readonly generation: number;
    }
  | { readonly type: 'fault'; readonly action: FaultAction }
  /** The OS flusher thread of every disk (vm.dirty_writeback_centisecs). */
  | { readonly type: 'writeback' }
  /** End of the safety phase: every fault is repaired and every node restarted. */
  | { readonly type: 'heal' }
  /** After the heal, a node that stopped itself (a controlled shutdown finishing) is started again. */
  | { readonly type: 'restart-after-heal'; readonly node: NodeId }
  /**
   * Before the heal, a server that stopped itself on a fatal error (Kafka halts when its log
   * directory fails) is started again by its process supervisor, as systemd's `Restart=` would.
   */
  | { readonly type: 'supervisor-restart'; readonly node: NodeId }
  /** The setup deadline: faults start now even if the system never said it was ready. */
  | { readonly type: 'start-faults' }
  | { readonly type: 'convergence-check' };

/** The simulator's clock and queue, as the network and the host see them. */
export interface Scheduler {
  nowMs(): number;
  schedule(atMs: number, event: SimEvent): void;
}

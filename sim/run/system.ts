import type { Message, NodeEnvironment, NodeId, SimulatedNode } from '../../impl/env/node-environment.ts';
import type { InvariantDefinition } from '../invariants/invariant.ts';

/** A node's process as the simulator sees it. */
export type ProcessStatus = 'stopped' | 'running' | 'crashed' | 'powered-off';

export interface NodeView<N> {
  readonly id: NodeId;
  readonly status: ProcessStatus;
  /** The live node object while it runs; undefined while it is down. */
  readonly node: N | undefined;
  /** How many times the process has started. */
  readonly incarnation: number;
}

/** What state invariants and convergence checks read: the cluster at one instant. */
export interface ClusterView<N> {
  readonly nowMs: number;
  /** Every node, in the system's declared order. */
  readonly nodes: readonly NodeView<N>[];
}

/**
 * The seam between the simulator and what it runs. The foundation runs a small self-test system
 * (`sim/testkit/`); the Kafka cluster of the replication issue plugs in here the same way.
 */
export interface SystemDefinition<M extends Message, N extends SimulatedNode<M>, View = ClusterView<N>> {
  readonly name: string;
  /** Nodes the fault scheduler may crash, power off, isolate or corrupt. */
  readonly servers: readonly NodeId[];
  /** Client processes (producers, consumers): they run for the whole run and are never faulted. */
  readonly clients: readonly NodeId[];
  /**
   * The node servers learn cluster metadata from (Kafka's KRaft controller), if the system has
   * one: the `slow-metadata` fault slows its links to one server. Without it that fault is never
   * drawn.
   */
  readonly metadataSource?: NodeId;
  /** Builds a node's logic from its environment; a restart calls it again on the same disk. */
  createNode(id: NodeId, environment: NodeEnvironment): N;
  /** Turns the cluster into whatever its invariants read. */
  view(cluster: ClusterView<N>): View;
  readonly invariants: readonly InvariantDefinition<View>[];
  /**
   * After the heal phase: undefined once the system has converged, otherwise a sentence saying
   * what is still pending. A run whose system has not converged by the heal deadline is a
   * liveness failure, and that sentence is its message.
   */
  pendingConvergence(view: View): string | undefined;
  /**
   * Whether the system's setup is done (Jepsen's setup before the nemesis): for Kafka, the topic
   * exists and every partition has a leader. Faults start at the first state in which it holds,
   * or at the setup deadline if it never does. Without it faults start with the run.
   */
  readyForFaults?(view: View): boolean;
  /**
   * Whether a bit flipped in `bytes[index]` of a server's file (`bytes` hold the file from
   * `position` on, before the flip) escapes every checksum of the file's format. Flips that do
   * are counted in the run context's `corruption`; without it every flip is assumed to.
   */
  flipEscapesChecksums?(path: string, position: number, bytes: Uint8Array, index: number): boolean;
  /** A few lines describing the cluster at the end of the run (e.g. `kafka-topics.sh --describe`). */
  summary?(view: View): string[];
  /** Kafka config overrides and variants in force, as the report shows them. */
  readonly config: Readonly<Record<string, string>>;
  readonly variants: readonly string[];
}

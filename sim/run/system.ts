import type { Message, NodeEnvironment, NodeId, SimulatedNode } from '../../impl/env/node-environment.ts';
import type { DiskReader } from '../disk/sim-disk.ts';
import type { TraceEntry } from '../core/trace.ts';
import type { Explanation, HistoryIndexDefinition, InvariantDefinition, FindingSubject } from '../invariants/invariant.ts';
import type { FaultKind } from '../nemesis/fault-kind.ts';
import type { Violation } from './run-result.ts';
import type { SystemTimeline } from './run-timeline.ts';

/** The fault kinds that damage one server's disk. */
export type DiskFaultKind = Extract<FaultKind, 'disk-loss' | 'bitflip' | 'disk-full'>;

/** Per disk fault kind, the servers it may strike (`SystemDefinition.diskFaultServers`). */
export type DiskFaultServers = Readonly<Partial<Record<DiskFaultKind, readonly NodeId[]>>>;

/** A node's process as the simulator sees it. */
export type ProcessStatus = 'stopped' | 'running' | 'crashed' | 'powered-off';

/**
 * How a node's last ended process ended, as the host saw it: `clean-exit` when the process stopped
 * itself without a fatal error (it finished the shutdown it was asked for: a SIGTERM, then its own
 * `halt`), `failed-exit` when it stopped itself after a fatal error, `crash` and `power-loss` when
 * it was killed, `disk-loss` when its disk was replaced while it was down (whatever the process had
 * done before, the next one starts from an empty disk), and `none` before any process ended. A power
 * loss of a host whose process had already ended changes nothing here (its data loss is in
 * `damage`).
 */
export type ProcessStop = 'none' | 'clean-exit' | 'failed-exit' | 'crash' | 'power-loss' | 'disk-loss';

export interface NodeView<N> {
  readonly id: NodeId;
  readonly status: ProcessStatus;
  /** The live node object while it runs; undefined while it is down. */
  readonly node: N | undefined;
  /** How many times the process has started. */
  readonly incarnation: number;
  /** How the last ended process ended: while one runs, the one before this incarnation. */
  readonly lastStop: ProcessStop;
  /** The node's disk, read-only and without faults: what checkers judge as the real state. */
  readonly disk: DiskReader;
  /**
   * Every fault that destroyed or damaged data on this node's disk so far, oldest first, and every
   * bit flip no checksum covers on a read (`DataDamage.onRead`): the node acts on, serves or
   * rewrites what it read, unseen.
   */
  readonly damage: readonly DataDamage[];
}

/**
 * A fault that took data from a node's disk: a power loss that lost unsynced bytes, a replaced
 * disk, or a bit flipped in stored data (`checked` when a checksum of the format covers it, so
 * the node can notice; otherwise the damage is silent).
 */
export interface DataDamage {
  readonly kind: 'power-loss' | 'disk-loss' | 'bitflip';
  readonly atMs: number;
  /** E.g. `lost 8192 unsynced bytes`, or the flipped file. */
  readonly detail: string;
  /** For bit flips: whether a checksum covers the flipped bit. */
  readonly checked?: boolean;
  /**
   * For bit flips: flipped in what a read returned, not in the stored bytes. Kept only when no
   * checksum covers it (`swarm-beyond`): the node then uses, serves to a follower or rewrites the
   * flipped bytes unseen (seed 51 under swarm-beyond: a leader read a batch with a bit of its leader
   * epoch flipped and served it, and the follower's epoch cache took the flipped epoch). A read
   * flip a checksum covers is found by the reader and changes nothing stored.
   */
  readonly onRead?: true;
  /** The files whose data it took; absent for a replaced disk (every file). */
  readonly paths?: readonly string[];
}

/**
 * A fault the nemesis is about to inject that can destroy data or make a server stop uncleanly
 * (a crash, a power loss, a replaced disk; a bit flip or a full disk, on which a server halts),
 * for a system's fault budget.
 */
export interface DataFault {
  readonly kind: Extract<FaultKind, 'crash' | 'power-loss' | 'cluster-power-loss' | 'disk-loss' | 'bitflip' | 'disk-full'>;
  /** The servers it would strike. */
  readonly nodes: readonly NodeId[];
  /**
   * The servers whose disks have a bit-flip or full-disk window open now, in node order. Such a
   * server may store a flipped bit or halt at any moment of the window, so a budget counts it as
   * struck already, whatever its state shows yet (default seed 1332: two bit-flip windows admitted
   * 0.8 s apart, while the first had stored no damage, later cut two of three copies).
   */
  readonly diskFaulted: readonly NodeId[];
}

/** The nodes touched since the previous view (`ClusterView.touched`): a `Set` will do. */
export interface TouchedNodes {
  has(id: NodeId): boolean;
}

/** What state invariants and convergence checks read: the cluster at one instant. */
export interface ClusterView<N> {
  readonly nowMs: number;
  /** Under `--full-checks`: the checks must judge everything, remembering nothing of what they skipped. */
  readonly fullChecks?: boolean;
  /**
   * The nodes an event touched since the previous view was built (handled an input, started,
   * stopped, or were struck by a fault); a node not in it is as it was then, memory and disk.
   * Undefined: any may have changed. Valid during `SystemDefinition.view` only (the simulator
   * empties and refills the same set).
   */
  readonly touched?: TouchedNodes;
  /** Every node, in the system's declared order; valid during `SystemDefinition.view` only (the simulator updates them in place). */
  readonly nodes: readonly NodeView<N>[];
  /**
   * Present only while the run writes a trace (`--trace`): writes a `state` line describing a
   * change the system saw in this view (for Kafka: a leader, ISR or high watermark change), at the
   * view's time, outside the digest. A system calls it only for what changed, never per view.
   */
  readonly note?: (node: string, name: string, value: number, detail: string) => void;
}

/** What a system's explanation of a violation may read beside the view. */
export interface ExplainContext {
  readonly nowMs: number;
  /**
   * The run's recent events, oldest first: faults and heals, nodes starting, stopping and pausing,
   * phases, as the trace recorded them (`kind` 'fault', 'heal', 'node' or 'phase'). A bounded ring
   * (`RUN_EVENTS_KEPT`): `eventsDropped` older ones are gone.
   */
  readonly events: readonly TraceEntry[];
  readonly eventsDropped: number;
  /** A history index as read so far (see `HistoryIndexer.peek`), when a claim of the run uses it. */
  history<Index>(index: HistoryIndexDefinition<Index>): Index | undefined;
}

/**
 * The seam between the simulator and what it runs. The foundation runs a small self-test system
 * (`sim/testkit/`); the Kafka cluster of the replication issue plugs in here the same way.
 */
export interface SystemDefinition<M extends Message, N extends SimulatedNode<M>, View = ClusterView<N>> {
  readonly name: string;
  /** Nodes the fault scheduler may crash, power off, isolate or corrupt. */
  readonly servers: readonly NodeId[];
  /**
   * Per disk fault kind (`disk-loss`, `bitflip`, `disk-full`), the servers whose disks it may
   * strike, when not all of them: a system leaves out servers whose recovery from that damage it
   * does not build yet. A kind not named strikes every server.
   */
  readonly diskFaultServers?: DiskFaultServers;
  /**
   * Client processes (producers, consumers): they run for the whole run and no server fault
   * strikes them, except the client fault kinds on `faultableClients`.
   */
  readonly clients: readonly NodeId[];
  /**
   * Clients the client fault kinds (`client-crash`, `client-pause`, `client-stall`) may strike:
   * those whose checks judge them per process and per moment (for Kafka, the consumer-group
   * members). Without any, those kinds are never drawn.
   */
  readonly faultableClients?: readonly NodeId[];
  /**
   * Clients declared up front but not started with the run: a driver starts each with
   * `Simulation.start` when it wants it (a scenario script's consumers join a group when the
   * script reaches them). The simulator must know every node from the start (its disk, its
   * random stream, its network links), so a node appears late by being declared and started
   * later, not by being added. The heal starts only those that ever ran. Absent: none.
   */
  readonly startedOnDemand?: readonly NodeId[];
  /**
   * The nodes servers learn cluster metadata from (Kafka's KRaft controllers: the active one
   * serves it, and any of them may be active), if the system has any: the `slow-metadata` fault
   * slows the links from every one of them to one other server, so that it strikes whichever is
   * active, through a failover too. Without them that fault is never drawn.
   */
  readonly metadataSources?: readonly NodeId[];
  /**
   * The nodes whose state the state checks read (for Kafka: the brokers and the controller).
   * After an event that only other nodes handled, the state checks are skipped: their verdicts
   * cannot have changed, unless time alone changes one (`nextChangeAtMs`). Absent: every node.
   * A checker that read a client's state would be missed here; `--full-checks` and
   * `checks-incremental.test.ts` guard that by running every check after every event.
   */
  readonly stateNodes?: readonly NodeId[];
  /**
   * The nodes besides `stateNodes` whose inputs may make `readyForFaults` hold (Kafka: the admin
   * client that creates the topic). While the setup runs, the run asks `readyForFaults` after an
   * event that changed a state node (`stateChangedBy`) or touched one of these, and builds no view
   * after the others. Absent: every node (a view after every event of the setup).
   */
  readonly setupNodes?: readonly NodeId[];
  /**
   * After state node `id` handled an input: false when nothing the state checks read of it can
   * have changed since its previous input (or since the last view, which follows every true), so
   * that no view is built to find that out. The system keeps what it compares. Absent, or true: a
   * check follows (if the state version moved). A false that should have been true would skip a
   * check; `--full-checks` never asks.
   */
  stateChangedBy?(id: NodeId, node: N): boolean;
  /** Builds a node's logic from its environment; a restart calls it again on the same disk. */
  createNode(id: NodeId, environment: NodeEnvironment): N;
  /** Turns the cluster into whatever its invariants read. */
  view(cluster: ClusterView<N>): View;
  /**
   * A value that changes whenever anything the state checks read of `view` changes. After an
   * event that left it as it was at the last check, the state checks are skipped (unless a timed
   * claim's deadline came or a finding stands): they would judge the same state again. Absent:
   * every check runs.
   */
  stateVersion?(view: View): string | number | undefined;
  readonly invariants: readonly InvariantDefinition<View>[];
  /**
   * After the heal phase: undefined once the system has converged, otherwise a sentence saying
   * what is still pending. A run whose system has not converged by the heal deadline is a
   * liveness failure, and that sentence is its message. It may also name what it is about (a
   * partition, a group: `PendingConvergence.subject`), from which `explain` tells its history.
   */
  pendingConvergence(view: View): string | PendingConvergence | undefined;
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
  /**
   * The fault budget (TigerBeetle's `ClusterFaultAtlas`): whether striking `fault.nodes` now stays
   * within what the system's configuration promises to survive. Returns why not, or undefined to
   * go ahead. The default swarm asks before every fault that can destroy data or stop a server
   * uncleanly and holds back those over budget, so that a failure there is a bug; `swarm-beyond`
   * never asks.
   */
  faultBudget?(view: View, fault: DataFault): string | undefined;
  /** A few lines describing the cluster at the end of the run (e.g. `kafka-topics.sh --describe`). */
  summary?(view: View): string[];
  /**
   * Explains a claim's first violation to a person, from the view it was found in: the claim,
   * what it is about, the state of what it names, and what happened before (the issue's
   * "explanation with every failure"). Called for a few claims per run, never on the hot path.
   */
  explain?(violation: Violation, view: View, context: ExplainContext): Explanation | undefined;
  /**
   * The system's rows of the run's timeline page (`--report`): for Kafka, per partition the
   * leader and ISR as bands and the high watermark as a line. Called once, at the end of a run
   * that records a timeline (`SimulationOptions.timeline`); it must stay bounded
   * (`TIMELINE_POINTS_KEPT`).
   */
  timeline?(view: View): SystemTimeline;
  /** A one-line summary of a message for the trace (`--trace`), e.g. `ProduceRequest t-0 acks=-1 3 records`. */
  summarizeMessage?(message: M): string | undefined;
  /** Kafka config overrides and variants in force, as the report shows them. */
  readonly config: Readonly<Record<string, string>>;
  readonly variants: readonly string[];
}

/** What has not converged yet, and what it is about (`SystemDefinition.pendingConvergence`). */
export interface PendingConvergence {
  readonly message: string;
  readonly subject?: FindingSubject;
}

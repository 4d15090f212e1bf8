/**
 * The host of a run's nodes: each node's process (its status, incarnation, timers, what it holds
 * while paused), its disk and the damage done to it, how an input reaches a process and how the
 * effects it returns are carried out, the process operations the nemesis and the heal use, and the
 * cluster view the checks read. Apart from the engine (`simulation.ts`), which owns the event loop,
 * the phases and the checks: this side only ever acts on one node at a time, at the time the run's
 * clock says, and reaches the rest of the run through `NodeHostRun`.
 */
import { assert, assertNever, fail } from '../../impl/common/assert.ts';
import type {
  HistoryRecord,
  Message,
  NodeEffect,
  NodeEnvironment,
  NodeId,
  NodeInput,
  SimulatedNode,
} from '../../impl/env/node-environment.ts';
import type { Scheduler, SimEvent } from '../core/sim-event.ts';
import type { Trace } from '../core/trace.ts';
import { SimDisk, type DiskOperation } from '../disk/sim-disk.ts';
import type { Corruption } from '../invariants/invariant.ts';
import { withinPromise } from '../nemesis/fault-kind.ts';
import type { Reachability, SimNetwork } from '../network/sim-network.ts';
import type { RandomStreams } from '../random/random-stream.ts';
import type { History } from './history.ts';
import type { TimelineRecorder } from './run-timeline.ts';
import type { ClusterView, DataDamage, NodeView, ProcessStatus, ProcessStop, SystemDefinition, TouchedNodes } from './system.ts';
import { SUPERVISOR_RESTART_DELAY_MS, type SimulationOptions } from './simulation-options.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** One node's process as the host keeps it. */
export interface HostedNode<N, M extends Message> {
  readonly id: NodeId;
  readonly isServer: boolean;
  status: ProcessStatus;
  incarnation: number;
  /** How the last ended process ended (see `NodeView.lastStop`). */
  lastStop: ProcessStop;
  node: N | undefined;
  disk: SimDisk;
  /** Faults that destroyed or damaged data on this disk, oldest first (see `NodeView.damage`). */
  readonly damage: DataDamage[];
  /**
   * Timer name -> the generation of its pending timer; a timer event whose generation is not the
   * one here was cancelled or set again. Cancelled and fired timers leave the map, so a node that
   * names a timer per request (a request timeout) keeps only its pending ones.
   */
  readonly timers: Map<string, number>;
  /** The last timer generation this host handed out: never reused, so a deleted name is safe. */
  timerGeneration: number;
  /** SIGSTOPped (`client-pause`): inputs wait in `held` until SIGCONT. */
  paused: boolean;
  /**
   * What came while paused (messages, disconnects, timers), in order, handled at the resume. A
   * timer keeps its generation: one the process cancels or sets again while handling what came
   * before it no longer fires, as a woken process finds that timer gone.
   */
  readonly held: { readonly input: NodeInput<M>; readonly timerGeneration?: number }[];
}

/**
 * The most inputs a paused process may have waiting: a 30 s pause of a group member gathers a few
 * hundred (heartbeat answers, fetch answers, its own timers); far more is a runaway.
 */
const MAX_HELD_INPUTS = 100_000;

/** What the host needs from the run around it: the records and checks its nodes feed, and the run's phase. */
export interface NodeHostRun {
  recordHistory(node: NodeId, record: HistoryRecord): void;
  observeTransition(machine: string, instance: string, event: string, to: string, process?: string): void;
  /** A node's mark (`NodeEffect` 'mark'), for the invariants. */
  mark(name: string): void;
  /** True once the heal phase began. */
  healStarted(): boolean;
  /** True while the nemesis keeps `node` down (it restarts it itself). */
  holdsDown(node: NodeId): boolean;
}

export interface NodeHostParts<M extends Message, N extends SimulatedNode<M>, View> {
  readonly options: SimulationOptions;
  readonly system: SystemDefinition<M, N, View>;
  /** The run's clock and queue: the host acts at the time it says and schedules on it. */
  readonly scheduler: Scheduler;
  readonly trace: Trace;
  readonly streams: RandomStreams;
  readonly network: SimNetwork;
  readonly history: History;
  readonly timeline: TimelineRecorder | undefined;
  readonly corruption: Corruption;
  /** `ClusterView.note`, while a trace is written. */
  readonly note: ((node: string, name: string, value: number, detail: string) => void) | undefined;
  /** Every node id, servers first. */
  readonly nodeIds: readonly NodeId[];
  readonly run: NodeHostRun;
}

export class NodeHost<M extends Message, N extends SimulatedNode<M>, View> {
  readonly hosted: HostedNode<N, M>[] = [];
  private readonly byId = new Map<NodeId, HostedNode<N, M>>();
  /**
   * An event changed what state checks read (a state node handled it, a process stopped, a fault
   * struck): the run checks state after it. The run clears it when it checks.
   */
  stateDirty = false;
  /**
   * A node `readyForFaults` reads beyond the state nodes (`SystemDefinition.setupNodes`) was
   * touched: while the setup runs, the run asks it again after this event. Cleared with `stateDirty`.
   */
  setupDirty = true;
  /** `SystemDefinition.setupNodes` (undefined: every node). */
  private readonly setupNodes: ReadonlySet<NodeId> | undefined;
  /** The node views every cluster view shows, one per host, updated in place by `view()`. */
  private readonly nodeViews: NodeView<N>[] = [];
  /** Nodes touched since the last view was built (`ClusterView.touched`), unless `allTouched`. */
  private readonly touched = new StampedNodes();
  /** Every node may have changed since the last view (before the first, after a fault or the heal). */
  private allTouched = true;
  /** The nodes whose handling of an event can change what state checks read. */
  private readonly stateNodes: ReadonlySet<NodeId>;
  private readonly options: SimulationOptions;
  private readonly system: SystemDefinition<M, N, View>;
  private readonly scheduler: Scheduler;
  private readonly trace: Trace;
  private readonly streams: RandomStreams;
  private readonly network: SimNetwork;
  private readonly history: History;
  private readonly timeline: TimelineRecorder | undefined;
  private readonly corruption: Corruption;
  private readonly note: NodeHostParts<M, N, View>['note'];
  private readonly nodeIds: readonly NodeId[];
  private readonly run: NodeHostRun;

  constructor(parts: NodeHostParts<M, N, View>) {
    ({
      options: this.options, system: this.system, scheduler: this.scheduler, trace: this.trace, streams: this.streams, network: this.network,
      history: this.history, timeline: this.timeline, corruption: this.corruption, note: this.note, nodeIds: this.nodeIds, run: this.run,
    } = parts);
    for (const id of this.nodeIds) this.addHost(id, this.system.servers.includes(id));
    this.stateNodes = new Set(this.options.fullChecks === true ? this.nodeIds : (this.system.stateNodes ?? this.nodeIds));
    for (const id of this.stateNodes) assert(this.nodeIds.includes(id), `state node '${id}' is not a node of the system`);
    this.setupNodes = this.system.setupNodes === undefined ? undefined : new Set(this.system.setupNodes);
    for (const id of this.setupNodes ?? []) assert(this.nodeIds.includes(id), `setup node '${id}' is not a node of the system`);
  }

  // ---- Events the run hands over ----------------------------------------------------------------

  /** A `disconnect-notify` event: the peer's connection broke, if the process it was for still runs. */
  disconnected(event: Extract<SimEvent, { type: 'disconnect-notify' }>): void {
    const hosted = this.host(event.node);
    if (hosted.status !== 'running' || hosted.incarnation !== event.incarnation) return;
    return this.input(event.node, { type: 'disconnected', peer: event.peer, brokenAtMs: event.brokenAtMs });
  }

  /** A `timer` event: fires the timer if it is still the pending one of the process that set it. */
  timerFired(event: Extract<SimEvent, { type: 'timer' }>): void {
    const hosted = this.host(event.node);
    if (hosted.status !== 'running' || hosted.incarnation !== event.incarnation) return;
    if (hosted.timers.get(event.name) !== event.generation) return;
    if (hosted.paused) return this.hold(hosted, { type: 'timer', name: event.name }, event.generation);
    hosted.timers.delete(event.name);
    this.trace.record({ atMs: this.scheduler.nowMs(), kind: 'timer', node: event.node, peer: '', name: event.name, value: event.generation, detail: '' });
    return this.input(event.node, { type: 'timer', name: event.name });
  }

  // ---- Hosts, inputs and effects ----------------------------------------------------------------

  private addHost(id: NodeId, isServer: boolean): void {
    const disk = new SimDisk({
      clock: this.scheduler,
      random: this.streams.stream(`disk:${id}`),
      onOperation: (operation) => this.traceDisk(id, operation),
      ...(isServer && this.system.flipEscapesChecksums !== undefined ? { flipEscapesChecksums: this.system.flipEscapesChecksums } : {}),
      checkedFlipsOnly: withinPromise(this.options.faults),
    });
    const hosted: HostedNode<N, M> = { id, isServer, status: 'stopped', incarnation: 0, lastStop: 'none', node: undefined, disk, damage: [], timers: new Map(), timerGeneration: 0, paused: false, held: [] };
    this.hosted.push(hosted);
    this.timeline?.addNode(id, isServer);
    this.nodeViews.push({ id, status: hosted.status, node: hosted.node, incarnation: hosted.incarnation, lastStop: hosted.lastStop, disk: hosted.disk, damage: hosted.damage });
    this.byId.set(id, hosted);
  }

  host(id: NodeId): HostedNode<N, M> {
    const hosted = this.byId.get(id);
    if (hosted === undefined) fail(`unknown node '${id}'`);
    return hosted;
  }

  reachability(id: NodeId): Reachability {
    const status = this.host(id).status;
    if (status === 'running') return 'running';
    return status === 'powered-off' ? 'host-down' : 'process-down';
  }

  input(id: NodeId, input: NodeInput<M>): void {
    const hosted = this.host(id);
    if (hosted.status !== 'running') fail(`input ${input.type} for ${id}, which is ${hosted.status}`);
    if (hosted.paused) return this.hold(hosted, input);
    const node = hosted.node;
    if (node === undefined) fail(`running node ${id} has no logic object`);
    const effects = node.handle(input);
    this.touch(id);
    if (this.stateNodes.has(id) && (this.options.fullChecks === true || (this.system.stateChangedBy?.(id, node) ?? true))) this.stateDirty = true;
    this.apply(hosted, effects);
  }

  /**
   * A paused process's input: the kernel still takes what arrives (socket buffers) and timers
   * still expire; the stopped process handles it all when it continues.
   */
  private hold(hosted: HostedNode<N, M>, input: NodeInput<M>, timerGeneration?: number): void {
    assert(hosted.held.length < MAX_HELD_INPUTS, `${hosted.id} gathered more than ${MAX_HELD_INPUTS} inputs while paused`);
    hosted.held.push(timerGeneration === undefined ? { input } : { input, timerGeneration });
  }

  private apply(hosted: HostedNode<N, M>, effects: readonly NodeEffect<M>[]): void {
    const incarnation = hosted.incarnation;
    for (const effect of effects) {
      // A node that halted mid-batch carries out nothing after its halt.
      if (hosted.status !== 'running' || hosted.incarnation !== incarnation) return;
      this.applyEffect(hosted, effect);
    }
  }

  private applyEffect(hosted: HostedNode<N, M>, effect: NodeEffect<M>): void {
    const atMs = this.scheduler.nowMs();
    switch (effect.type) {
      case 'send':
        if (!this.byId.has(effect.to)) fail(`${hosted.id} sent ${effect.message.type} to unknown node '${effect.to}'`);
        return this.network.send(hosted.id, effect.to, effect.message);
      case 'set-timer': {
        if (!(Number.isSafeInteger(effect.delayMs) && effect.delayMs >= 0)) fail(`timer ${effect.name}: bad delay ${effect.delayMs}`);
        const generation = ++hosted.timerGeneration;
        hosted.timers.set(effect.name, generation);
        this.scheduler.schedule(atMs + effect.delayMs, { type: 'timer', node: hosted.id, incarnation: hosted.incarnation, name: effect.name, generation });
        return;
      }
      case 'cancel-timer':
        hosted.timers.delete(effect.name);
        return;
      case 'close-connection':
        if (!this.byId.has(effect.peer) || effect.peer === hosted.id) fail(`${hosted.id} closed its connection with '${effect.peer}'`);
        return this.network.breakConnection(hosted.id, effect.peer, 'reset');
      case 'transition':
        // The reporting process: a node's incarnation is one process (see PROCESS_SCOPED_MACHINES).
        return this.run.observeTransition(effect.machine, effect.instance, effect.event.type, effect.to, `${hosted.id}#${hosted.incarnation}`);
      case 'mark':
        this.trace.record({ atMs, kind: 'mark', node: hosted.id, peer: '', name: effect.name, value: 0, detail: '' });
        return this.run.mark(effect.name);
      case 'history':
        return this.run.recordHistory(hosted.id, effect.record);
      case 'halt':
        this.trace.record({ atMs, kind: 'node', node: hosted.id, peer: '', name: 'halt', value: hosted.incarnation, detail: effect.reason });
        this.stop(hosted, 'shutdown', 'stopped');
        hosted.lastStop = effect.failed ? 'failed-exit' : 'clean-exit';
        // An exiting process's sockets are closed by the kernel, as on a crash: its peers see the
        // disconnect at once (a client waiting on a parked request learns its broker is gone).
        this.network.breakAllConnections(hosted.id, this.nodeIds, 'reset');
        // The heal promises every node running again: one that stops itself afterwards (a
        // controlled shutdown begun before the heal) is started once more.
        if (this.run.healStarted()) this.scheduler.schedule(atMs + 100, { type: 'restart-after-heal', node: hosted.id });
        // A process that exits on a fatal error, a server's or a supervised client's (a consumer
        // fenced out of its group.instance.id), is started again by its supervisor.
        else if (effect.failed && !this.run.holdsDown(hosted.id)) this.scheduler.schedule(atMs + SUPERVISOR_RESTART_DELAY_MS, { type: 'supervisor-restart', node: hosted.id });
        return;
      default:
        assertNever(effect, 'node effect');
    }
  }

  // ---- Process and disk operations (the nemesis's, the heal's, a scenario's) ----------------------

  isRunning(node: NodeId): boolean {
    return this.host(node).status === 'running';
  }

  start(id: NodeId): void {
    const hosted = this.host(id);
    assert(hosted.status !== 'running', `start of ${id}, which is already running`);
    hosted.incarnation++;
    hosted.status = 'running';
    this.timeline?.status(id, this.scheduler.nowMs(), 'running');
    hosted.timers.clear();
    // A new process opens new connections: whatever killed the old ones (a silent death its peers
    // have not noticed yet) does not stop it from talking at once.
    this.network.openConnectionsOf(id, this.nodeIds);
    this.trace.record({ atMs: this.scheduler.nowMs(), kind: 'node', node: id, peer: '', name: 'start', value: hosted.incarnation, detail: '' });
    this.run.observeTransition('node-process', id, 'start', 'running');
    const environment: NodeEnvironment = {
      nodeId: id,
      clock: this.scheduler,
      random: this.streams.stream(`node:${id}:${hosted.incarnation}`),
      disk: hosted.disk,
    };
    hosted.node = this.system.createNode(id, environment);
    this.input(id, { type: 'start' });
  }

  requestShutdown(id: NodeId): void {
    if (this.host(id).status !== 'running') return;
    this.input(id, { type: 'signal', signal: 'SIGTERM' });
  }

  crash(id: NodeId): void {
    const hosted = this.host(id);
    if (hosted.status !== 'running') return;
    hosted.disk.crash();
    this.stop(hosted, 'crash', 'crashed');
    hosted.lastStop = 'crash';
    // The kernel closes a dead process's sockets, so its peers see the disconnect at once.
    this.network.breakAllConnections(id, this.nodeIds, 'reset');
  }

  powerLoss(id: NodeId): void {
    const hosted = this.host(id);
    if (hosted.status === 'powered-off') return;
    const wasRunning = hosted.status === 'running';
    this.touch(id);
    // The host loses its page cache whatever its process was doing: a server that had stopped
    // (halted on a failed log directory) without flushing loses its unsynced writes too.
    const lost = hosted.disk.powerLoss();
    if (lost.bytesLost > 0) hosted.damage.push({ kind: 'power-loss', atMs: this.scheduler.nowMs(), detail: `${id} lost ${lost.bytesLost} unsynced bytes`, paths: lost.paths });
    if (hosted.status === 'stopped') return;
    this.stop(hosted, 'power-loss', 'powered-off');
    // A process that had crashed already ended then; the power loss only takes its host down.
    if (wasRunning) hosted.lastStop = 'power-loss';
    // A host without power sends no FIN: its peers find out only when their connections time out.
    if (wasRunning) this.network.breakAllConnections(id, this.nodeIds, 'silent');
  }

  replaceDisk(id: NodeId): void {
    const hosted = this.host(id);
    assert(hosted.status !== 'running', `disk of ${id} replaced while it runs`);
    this.touch(id);
    hosted.disk.wipe();
    hosted.damage.push({ kind: 'disk-loss', atMs: this.scheduler.nowMs(), detail: `${id}'s disk replaced by an empty one` });
    hosted.lastStop = 'disk-loss';
    this.trace.record({ atMs: this.scheduler.nowMs(), kind: 'node', node: id, peer: '', name: 'replace-disk', value: hosted.incarnation, detail: '' });
    this.run.observeTransition('node-process', id, 'replace-disk', 'stopped');
    hosted.status = 'stopped';
    this.timeline?.status(id, this.scheduler.nowMs(), 'stopped');
  }

  pause(id: NodeId): void {
    const hosted = this.host(id);
    if (hosted.status !== 'running' || hosted.paused) return;
    hosted.paused = true;
    this.trace.record({ atMs: this.scheduler.nowMs(), kind: 'node', node: id, peer: '', name: 'pause', value: hosted.incarnation, detail: '' });
  }

  resume(id: NodeId): void {
    const hosted = this.host(id);
    if (!hosted.paused) return;
    hosted.paused = false;
    this.trace.record({ atMs: this.scheduler.nowMs(), kind: 'node', node: id, peer: '', name: 'resume', value: hosted.incarnation, detail: `${hosted.held.length} held` });
    const incarnation = hosted.incarnation;
    for (const { input, timerGeneration } of hosted.held.splice(0)) {
      // An input may end the process (a halt): what is left dies with it.
      if (hosted.status !== 'running' || hosted.incarnation !== incarnation) return;
      if (input.type === 'timer') {
        if (hosted.timers.get(input.name) !== timerGeneration) continue;
        hosted.timers.delete(input.name);
        this.trace.record({ atMs: this.scheduler.nowMs(), kind: 'timer', node: id, peer: '', name: input.name, value: timerGeneration ?? 0, detail: 'held' });
      }
      this.input(id, input);
    }
  }

  isPaused(id: NodeId): boolean {
    return this.host(id).paused;
  }

  stallApplication(id: NodeId, durationMs: number): void {
    if (this.host(id).status !== 'running') return;
    this.input(id, { type: 'application-stall', durationMs });
  }

  setBitflip(node: NodeId, probability: number): void {
    this.touch(node);
    this.host(node).disk.setBitflip({ onReadProbability: probability, onWriteProbability: probability });
  }

  setDiskFull(node: NodeId): void {
    const disk = this.host(node).disk;
    this.touch(node);
    disk.setCapacityBytes(disk.usedBytes());
  }

  /** The servers whose disks have a fault open (bit flips on, or full), in node order. */
  diskFaulted(): NodeId[] {
    return this.hosted.filter((hosted) => hosted.disk.hasFaults()).map((hosted) => hosted.id);
  }

  clearDiskFaults(node: NodeId): void {
    this.host(node).disk.clearFaults();
    this.touch(node);
    this.trace.record({ atMs: this.scheduler.nowMs(), kind: 'heal', node, peer: '', name: 'disk', value: 0, detail: '' });
  }

  private stop(hosted: HostedNode<N, M>, event: 'crash' | 'power-loss' | 'shutdown', status: ProcessStatus): void {
    this.trace.record({ atMs: this.scheduler.nowMs(), kind: 'node', node: hosted.id, peer: '', name: event, value: hosted.incarnation, detail: '' });
    this.run.observeTransition('node-process', hosted.id, event, status);
    hosted.status = status;
    this.timeline?.status(hosted.id, this.scheduler.nowMs(), status);
    hosted.node = undefined;
    hosted.timers.clear();
    hosted.paused = false;
    hosted.held.length = 0;
    // Its open operations end with it, outcome unknown (Jepsen's crashed process).
    for (const record of this.history.abandoned(hosted.id)) this.run.recordHistory(hosted.id, record);
    this.touch(hosted.id);
    this.stateDirty = true;
  }

  private traceDisk(id: NodeId, operation: DiskOperation): void {
    const atMs = this.scheduler.nowMs();
    if (operation.type === 'bitflip' && operation.escapesChecksums) this.corruption.uncheckedFlips++;
    if (operation.type === 'bitflip' && operation.on === 'write') {
      this.host(id).damage.push({ kind: 'bitflip', atMs, detail: `${id}: bit ${operation.bit} of ${operation.path}${operation.escapesChecksums ? ', unchecked' : ''}`, checked: !operation.escapesChecksums, paths: [operation.path] });
    } else if (operation.type === 'bitflip' && operation.escapesChecksums) {
      this.host(id).damage.push({ kind: 'bitflip', atMs, detail: `${id}: bit ${operation.bit} of ${operation.path} as read, unchecked`, checked: false, onRead: true, paths: [operation.path] });
    }
    switch (operation.type) {
      case 'write':
        this.trace.record({ atMs, kind: 'disk-write', node: id, peer: '', name: operation.path, value: operation.length, detail: `${operation.position}` });
        return;
      case 'fsync':
        this.trace.record({ atMs, kind: 'disk-fsync', node: id, peer: '', name: operation.path, value: operation.bytes, detail: '' });
        return;
      default: {
        const { type, ...rest } = operation;
        this.trace.record({ atMs, kind: 'disk-op', node: id, peer: '', name: type, value: 0, detail: JSON.stringify(rest) });
      }
    }
  }

  // ---- Views -------------------------------------------------------------------------------------

  /** Every node may have changed (a fault struck, the heal ran): the next view reads them all. */
  touchAll(): void {
    this.allTouched = true;
    this.setupDirty = true;
  }

  /** `id` may have changed (memory or disk) since the last view. */
  private touch(id: NodeId): void {
    if (!this.allTouched) this.touched.add(id);
    if (this.setupNodes === undefined || this.setupNodes.has(id)) this.setupDirty = true;
  }

  view(): View {
    // One node view per host, updated in place: a view is read at once, never kept by a system.
    const nodes = this.nodeViews;
    for (let index = 0; index < this.hosted.length; index++) {
      const hosted = this.hosted[index] as HostedNode<N, M>;
      const view = nodes[index] as Mutable<NodeView<N>>;
      view.status = hosted.status;
      view.node = hosted.node;
      view.incarnation = hosted.incarnation;
      view.lastStop = hosted.lastStop;
      view.disk = hosted.disk;
      view.damage = hosted.damage;
    }
    const full = this.options.fullChecks === true;
    const cluster: ClusterView<N> = {
      nowMs: this.scheduler.nowMs(), nodes, ...(full ? { fullChecks: true } : {}), ...(full || this.allTouched ? {} : { touched: this.touched }), ...(this.note === undefined ? {} : { note: this.note }),
    };
    // The touched set is read during this call only, then emptied for the next view.
    const view = this.system.view(cluster);
    this.touched.clear();
    this.allTouched = false;
    return view;
  }
}

/**
 * A set of node ids emptied after every view: each id is stamped with the round it was added in,
 * and emptying starts a new round, so that no table is allocated per view (`Set.clear` allocates
 * a fresh one, 0.3% of a run). Bounded by the cluster's nodes.
 */
class StampedNodes implements TouchedNodes {
  private readonly stamps = new Map<NodeId, number>();
  private round = 1;

  add(id: NodeId): void {
    this.stamps.set(id, this.round);
  }

  has(id: NodeId): boolean {
    return this.stamps.get(id) === this.round;
  }

  clear(): void {
    this.round++;
  }
}

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
import { MODEL_MACHINES, PROCESS_SCOPED_MACHINES } from '../../model/index.ts';
import { ConformanceMonitor } from '../conformance/conformance-monitor.ts';
import { EventQueue } from '../core/event-queue.ts';
import type { Scheduler, SimEvent } from '../core/sim-event.ts';
import { BoundedRing } from '../core/bounded-ring.ts';
import { Trace, type TraceEntry, type TraceSink } from '../core/trace.ts';
import { SimDisk, type DiskOperation } from '../disk/sim-disk.ts';
import { InvariantMonitor } from '../invariants/invariant-monitor.ts';
import { uncheckedFlipApplicability, type Corruption, type InvariantDefinition, type RunContext } from '../invariants/invariant.ts';
import { modelConformance } from '../conformance/model-conformance.ts';
import { FAULT_KINDS, withinPromise, type FaultKind, type FaultSelection } from '../nemesis/fault-kind.ts';
import { MAX_SCHEDULE_ENTRIES } from '../nemesis/fault-schedule.ts';
import type { ClusterControl, FaultInjector } from '../nemesis/nemesis.ts';
import type { ScheduleEntry } from '../nemesis/fault-schedule.ts';
import { DEFAULT_NETWORK_OPTIONS, SimNetwork, type NetworkOptions, type Reachability } from '../network/sim-network.ts';
import { RandomStreams } from '../random/random-stream.ts';
import { buildFaultInjector, type FaultScript } from './fault-injector.ts';
import { History, type HistoryEntry } from './history.ts';
import type { RunResult, Verdict, Violation } from './run-result.ts';
import { RUN_EVENTS_KEPT, explainSafely, headerAnnotation, violationAnnotation } from './run-annotations.ts';
import { TimelineRecorder, type SystemTimeline } from './run-timeline.ts';
import type { ClusterView, DataDamage, DataFault, NodeView, ProcessStatus, ProcessStop, SystemDefinition } from './system.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface SimulationOptions {
  readonly seed: number;
  /** Length of the safety phase, in which faults strike. */
  readonly durationMs: number;
  /** After the heal, how long the system has to converge before the run fails on liveness. */
  readonly healTimeoutMs: number;
  /** Events the run may process; more is a runaway and a reported failure, never a hang. */
  readonly eventBudget: number;
  readonly faults: FaultSelection;
  readonly network: NetworkOptions;
  /** A schedule to play instead of drawing faults (`--schedule FILE`). */
  readonly schedule?: FaultScript;
  /** Where trace lines go (`--trace FILE`); the digest is computed either way. */
  readonly traceSink?: TraceSink;
  /** What the trace's first line says about the run (version, seed, options), beside the system's name. */
  readonly traceHeader?: Readonly<Record<string, unknown>>;
  /** The command line that reproduces this run, for the result. */
  readonly repro: string;
  readonly historyLimit: number;
  /** How often the OS flusher writes back expired dirty pages (vm.dirty_writeback_centisecs). */
  readonly writebackIntervalMs: number;
  readonly convergenceCheckIntervalMs: number;
  /**
   * Debug switch (`--full-checks`): run every state check after every event, as if any event
   * could change what they read. Off, checks run only after events a state node handled (see
   * `SystemDefinition.stateNodes`) or once a timed verdict may have changed; both give the same
   * violations at the same times (`checks-incremental.test.ts`), this one far slower.
   */
  readonly fullChecks?: boolean;
  /**
   * Record a timeline for the report (`--report`, `RunResult.timeline`): node status changes,
   * completed operations and the system's own rows. Outside the digest; off in sweeps' passing seeds.
   */
  readonly timeline?: boolean;
}

/**
 * The latest a system's setup may take (see `SystemDefinition.readyForFaults`): faults start then
 * even if the system is not ready, so that a setup that cannot finish is still tested.
 */
export const SETUP_DEADLINE_MS = 20_000;
/** How long a process supervisor waits before starting a process that halted on a failure (systemd's `RestartSec`). */
export const SUPERVISOR_RESTART_DELAY_MS = 5_000;

export const DEFAULT_SIMULATION_OPTIONS: Omit<SimulationOptions, 'seed' | 'repro'> = {
  durationMs: 60_000,
  healTimeoutMs: 60_000,
  eventBudget: 5_000_000,
  faults: { type: 'swarm' },
  network: DEFAULT_NETWORK_OPTIONS,
  historyLimit: 2_000_000,
  writebackIntervalMs: 5_000,
  convergenceCheckIntervalMs: 100,
};

/** One node's process as the host keeps it. */
interface HostedNode<N, M extends Message> {
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

/**
 * A stepped simulation (a scenario script) used up its event budget: a runaway, or a script that
 * asks for more simulated time than the budget holds. A run's loop reports it as liveness instead.
 */
export class EventBudgetExceeded extends Error {
  constructor(readonly budget: number, readonly atMs: number) {
    super(`event budget of ${budget} exceeded at ${atMs} ms`);
    this.name = 'EventBudgetExceeded';
  }
}

/** Thrown inside the loop to stop a run whose outcome is already decided. */
class RunStopped extends Error {
  constructor(readonly verdict: Verdict, readonly why: string) {
    super(why);
  }
}

/**
 * One seeded run of a system: the host of its nodes, the network between them, their disks, the
 * fault scheduler, and the checks. Everything is driven from one event queue in (time, sequence)
 * order, so the same seed, code and options always give the same trace and digest.
 */
export class Simulation<M extends Message, N extends SimulatedNode<M>, View> implements Scheduler, ClusterControl {
  private readonly queue = new EventQueue<SimEvent>();
  private currentMs = 0;
  private events = 0;
  private readonly trace: Trace;
  private readonly streams: RandomStreams;
  private readonly network: SimNetwork;
  private readonly hosted: HostedNode<N, M>[] = [];
  private readonly byId = new Map<NodeId, HostedNode<N, M>>();
  private readonly nodeIds: NodeId[];
  private readonly nemesis: FaultInjector;
  private readonly faultPlan: string;
  private readonly invariants: InvariantMonitor<View>;
  private readonly conformance = new ConformanceMonitor(MODEL_MACHINES, PROCESS_SCOPED_MACHINES);
  private readonly history: History;
  private readonly faultCounts: Record<FaultKind, number>;
  /** Data-destroying faults the fault budget held back, by kind. */
  private readonly heldBackCounts: Record<FaultKind, number>;
  /** Scripted faults whose targets could not take them, by kind. */
  private readonly skippedCounts: Record<FaultKind, number>;
  /** The run's schedule, as the nemesis decided or played it (`recordDecision`). */
  private readonly scheduleEntries: ScheduleEntry[] = [];
  private readonly corruption: Corruption = { uncheckedFlips: 0 };
  private readonly context: RunContext;
  private healStarted = false;
  /** True from the start until the nemesis starts (the system's setup is running). */
  private awaitingSetup = false;
  private converged = false;
  private stateDirty = false;
  /** The node views every cluster view shows, one per host, updated in place by `view()`. */
  private readonly nodeViews: NodeView<N>[] = [];
  /** Nodes touched since the last view was built (`ClusterView.touched`), unless `allTouched`. */
  private readonly touched = new Set<NodeId>();
  /** Every node may have changed since the last view (before the first, after a fault or the heal). */
  private allTouched = true;
  /** The explanation of what did not converge, when the run ends on liveness. */
  private livenessExplanation: readonly string[] | undefined;
  /** The system's state version at the last state check (`SystemDefinition.stateVersion`). */
  private checkedStateVersion: string | number | undefined = undefined;
  /** The nodes whose handling of an event can change what state checks read. */
  private readonly stateNodes: ReadonlySet<NodeId>;
  /** Clients the run does not start; a driver does (`SystemDefinition.startedOnDemand`). */
  private readonly startedOnDemand: ReadonlySet<NodeId>;
  /** Scenario drivers watching the history as it is recorded (`observeHistory`). */
  private readonly historyObservers: ((entry: HistoryEntry) => void)[] = [];
  /** Recent faults, heals, process events and phases, for explanations (`ExplainContext.events`). */
  private readonly runEvents = new BoundedRing<TraceEntry>(RUN_EVENTS_KEPT);
  /** `ClusterView.note`, while a trace is written. */
  private readonly note: ((node: string, name: string, value: number, detail: string) => void) | undefined;
  /** Present when the run records a timeline (`SimulationOptions.timeline`). */
  private readonly timeline: TimelineRecorder | undefined;

  constructor(
    private readonly options: SimulationOptions,
    private readonly system: SystemDefinition<M, N, View>,
  ) {
    assert(options.durationMs > 0, 'the safety phase needs a positive duration');
    assert(options.eventBudget > 0, 'a run needs a positive event budget');
    const summarize = system.summarizeMessage;
    this.trace = new Trace(options.traceSink, { runEvents: this.runEvents, ...(summarize === undefined ? {} : { summarize: (message: unknown) => summarize.call(system, message as M) }) });
    if (this.trace.annotating) this.trace.annotate(headerAnnotation(system.name, options.traceHeader ?? { seed: options.seed }));
    this.note = this.trace.annotating ? (node, name, value, detail) => this.trace.annotate({ atMs: this.currentMs, kind: 'state', node, peer: '', name, value, detail }) : undefined;
    this.streams = new RandomStreams(options.seed);
    this.history = new History(options.historyLimit);
    this.timeline = options.timeline === true ? new TimelineRecorder() : undefined;
    this.nodeIds = [...system.servers, ...system.clients];
    assert(new Set(this.nodeIds).size === this.nodeIds.length, 'node ids must be unique');
    const networkRandom = this.streams.stream('network');
    this.network = new SimNetwork(options.network, this, networkRandom, this.trace, {
      reachability: (node) => this.reachability(node),
      incarnation: (node) => this.host(node).incarnation,
    });
    for (const id of this.nodeIds) this.addHost(id, system.servers.includes(id));
    this.stateNodes = new Set(options.fullChecks === true ? this.nodeIds : (system.stateNodes ?? this.nodeIds));
    for (const id of this.stateNodes) assert(this.nodeIds.includes(id), `state node '${id}' is not a node of the system`);
    this.startedOnDemand = new Set(system.startedOnDemand ?? []);
    for (const id of this.startedOnDemand) assert(system.clients.includes(id), `node '${id}' started on demand is not a client of the system`);
    ({ injector: this.nemesis, faultPlan: this.faultPlan } = buildFaultInjector(options.faults, options.schedule, system, this.streams, this, this));
    this.invariants = new InvariantMonitor<View>([modelConformance as InvariantDefinition<View>, ...system.invariants], {
      explain: (violation, view) => this.explain(violation, view),
      found: (violation) => this.trace.annotate(violationAnnotation(violation, this.currentMs)),
    });
    this.faultCounts = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
    this.heldBackCounts = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
    this.skippedCounts = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
    this.context = { seed: options.seed, config: system.config, variants: system.variants, faults: this.faultCounts, corruption: this.corruption };
  }

  // ---- Scheduler -------------------------------------------------------------------------------

  nowMs(): number {
    return this.currentMs;
  }

  schedule(atMs: number, event: SimEvent): void {
    if (atMs < this.currentMs) fail(`event ${event.type} scheduled in the past: ${atMs} < ${this.currentMs}`);
    this.queue.push(atMs, event);
  }

  // ---- The run ---------------------------------------------------------------------------------

  run(): RunResult {
    let verdict: Verdict = 'pass';
    let crash: RunResult['crash'];
    let liveness: string | undefined;
    try {
      this.begin();
      this.loop();
      this.finish();
      if (this.invariants.safetyViolated) verdict = 'safety';
    } catch (error) {
      if (error instanceof RunStopped) {
        verdict = error.verdict;
        liveness = error.why;
      } else {
        verdict = 'crash';
        const thrown = error instanceof Error ? error : new Error(String(error));
        crash = { message: `${thrown.name}: ${thrown.message}`, stack: thrown.stack ?? '' };
      }
    }
    return this.result(verdict, crash, liveness);
  }

  // ---- Stepping, for scenario scripts ------------------------------------------------------------

  /** Starts the nodes (and the nemesis, which a scenario runs with no faults). */
  beginScenario(): void {
    this.begin();
  }

  /**
   * Processes every event due up to `targetMs` (inclusive), then sets the clock there. Checks run
   * as in a normal run; violations are collected, not fatal, so a script can show them.
   */
  advanceTo(targetMs: number): void {
    assert(targetMs >= this.currentMs, `cannot advance back from ${this.currentMs} to ${targetMs}`);
    for (;;) {
      const nextMs = this.queue.peekTime();
      if (nextMs === undefined || nextMs > targetMs) break;
      if (this.events >= this.options.eventBudget) throw new EventBudgetExceeded(this.options.eventBudget, this.currentMs);
      this.step();
    }
    this.currentMs = targetMs;
  }

  /** The cluster as the invariants see it, now. */
  currentView(): View {
    return this.view();
  }

  /** Violations found so far. */
  get violationsSoFar(): readonly { invariant: string; atMs: number; message: string; applies: boolean }[] {
    return this.invariants.violations;
  }

  /** Every node id, servers first. */
  allNodeIds(): readonly NodeId[] {
    return this.nodeIds;
  }

  /** The live node object of `id`, if it runs (for scenario drivers). */
  nodeOf(id: NodeId): N | undefined {
    return this.host(id).node;
  }

  /**
   * Calls `observer` with every history entry from now on, as it is recorded: the history keeps
   * none (issue 12), so a scenario driver that shows what a client read keeps its own copy.
   */
  observeHistory(observer: (entry: HistoryEntry) => void): void {
    this.historyObservers.push(observer);
  }

  /** Hands a running node a timer input now, as an operator's nudge (scenario drivers use it). */
  poke(id: NodeId, name: string): void {
    if (this.host(id).status !== 'running') return;
    this.input(id, { type: 'timer', name });
  }

  private begin(): void {
    this.phase('safety');
    for (const id of this.nodeIds) if (!this.startedOnDemand.has(id)) this.start(id);
    if (this.system.readyForFaults === undefined) {
      this.nemesis.start();
    } else {
      // Faults wait for the system's setup, as a Jepsen test's nemesis waits for its setup: a
      // cluster faulted before its topic exists spends the run with nothing to replicate.
      this.awaitingSetup = true;
      this.schedule(Math.min(SETUP_DEADLINE_MS, this.options.durationMs), { type: 'start-faults' });
    }
    this.schedule(this.options.durationMs, { type: 'heal' });
    this.schedule(this.options.writebackIntervalMs, { type: 'writeback' });
  }

  private loop(): void {
    const deadlineMs = this.options.durationMs + this.options.healTimeoutMs;
    while (!this.converged) {
      const nextMs = this.queue.peekTime();
      assert(nextMs !== undefined, 'the event queue ran dry before the run ended');
      if (nextMs > deadlineMs) throw this.livenessFailure(deadlineMs);
      if (this.events >= this.options.eventBudget) {
        throw new RunStopped('liveness', `event budget of ${this.options.eventBudget} exceeded at ${this.currentMs} ms`);
      }
      // Stop at the first applicable safety violation: later events only bury it.
      if (this.step() && this.invariants.safetyViolated) return;
    }
  }

  /** Takes the next event off the queue, dispatches it, checks state; true if state was checked. */
  private step(): boolean {
    const { timeMs, event } = this.queue.pop();
    this.currentMs = timeMs;
    this.events++;
    this.dispatch(event);
    // The checks may rest unless time alone may have changed a verdict (a timed claim's deadline
    // came, or a finding stands) or the debug switch asks for every check.
    const mayRest = this.currentMs < this.invariants.nextTimedCheckAtMs && this.options.fullChecks !== true;
    // An event only a client handled leaves what the checks read as it was, unless the setup,
    // which reads the clients, is still running.
    if (mayRest && !this.stateDirty && !this.awaitingSetup) return false;
    this.stateDirty = false;
    const view = this.view();
    if (this.awaitingSetup && this.system.readyForFaults?.(view) === true) this.startFaults('setup done');
    // A state the checks have judged already is not judged again: nothing they read changed.
    const version = this.system.stateVersion?.(view);
    if (mayRest && version !== undefined && version === this.checkedStateVersion) return false;
    this.checkedStateVersion = version;
    this.invariants.checkState(this.currentMs, view, this.context);
    return true;
  }

  /** Ends the setup: the nemesis starts injecting faults (never after the heal). */
  private startFaults(why: string): void {
    if (!this.awaitingSetup || this.healStarted) return;
    this.awaitingSetup = false;
    this.trace.record({ atMs: this.currentMs, kind: 'phase', node: '', peer: '', name: 'faults', value: 0, detail: why });
    this.nemesis.start();
  }

  private finish(): void {
    const view = this.view();
    this.invariants.checkHistory(view, this.context);
    if (!this.converged) return;
    if (!this.invariants.checkFinal(this.currentMs, view, this.context)) {
      throw new RunStopped('liveness', 'an eventually-invariant did not hold after convergence');
    }
  }

  private livenessFailure(deadlineMs: number): RunStopped {
    this.currentMs = deadlineMs;
    const view = this.view();
    const found = this.system.pendingConvergence(view) ?? 'no convergence check ran';
    const pending = typeof found === 'string' ? found : found.message;
    // Explained as a violation is: what it is about, its state now, and the history before it.
    const explanation = this.explain(
      { invariant: 'convergence', atMs: deadlineMs, message: pending, applies: true, ...(typeof found === 'string' || found.subject === undefined ? {} : { subject: found.subject }) },
      view,
    );
    if (explanation !== undefined) this.livenessExplanation = explanation.lines;
    // History invariants still run: a run that did not converge may also have lost data.
    this.invariants.checkHistory(this.view(), this.context);
    const why = `not converged ${this.options.healTimeoutMs} ms after heal: ${pending}`;
    // Convergence is promised only for data the system can check: after a bit flip that escaped
    // every checksum (a flipped leader epoch misleads truncation for good, in Kafka too), replicas
    // may never agree. The run reports what did not converge, without a liveness verdict.
    const flips = uncheckedFlipApplicability(this.context, 'replicas may never agree again');
    if (!flips.applies) return new RunStopped(this.invariants.safetyViolated ? 'safety' : 'pass', `${why} (does not apply: ${flips.reason ?? ''})`);
    return new RunStopped('liveness', why);
  }

  private dispatch(event: SimEvent): void {
    switch (event.type) {
      case 'deliver': {
        const arrived = this.network.arrive(event);
        if (!arrived) return;
        this.trace.record({
          atMs: this.currentMs, kind: 'deliver', node: event.to, peer: event.from,
          name: event.message.type, value: event.messageId, detail: '',
        }, event.message);
        return this.input(event.to, { type: 'receive', from: event.from, message: event.message as M });
      }
      case 'disconnect-notify': {
        const hosted = this.host(event.node);
        if (hosted.status !== 'running' || hosted.incarnation !== event.incarnation) return;
        return this.input(event.node, { type: 'disconnected', peer: event.peer });
      }
      case 'timer': {
        const hosted = this.host(event.node);
        if (hosted.status !== 'running' || hosted.incarnation !== event.incarnation) return;
        if (hosted.timers.get(event.name) !== event.generation) return;
        if (hosted.paused) return this.hold(hosted, { type: 'timer', name: event.name }, event.generation);
        hosted.timers.delete(event.name);
        this.trace.record({ atMs: this.currentMs, kind: 'timer', node: event.node, peer: '', name: event.name, value: event.generation, detail: '' });
        return this.input(event.node, { type: 'timer', name: event.name });
      }
      case 'fault':
        this.nemesis.handle(event.action);
        // A fault may strike any node's process or disk: every node is read again.
        this.allTouched = true;
        this.stateDirty = true;
        return;
      case 'writeback':
        return this.writeback();
      case 'heal':
        return this.heal();
      case 'convergence-check':
        return this.checkConvergence();
      case 'restart-after-heal':
        if (this.host(event.node).status !== 'running') this.start(event.node);
        this.stateDirty = true;
        return;
      case 'supervisor-restart':
        // The heal restarts everything itself; a node the nemesis holds down is its to restart.
        if (this.healStarted || this.host(event.node).status === 'running' || this.nemesis.holdsDown(event.node)) return;
        this.start(event.node);
        return;
      case 'start-faults':
        return this.startFaults('setup deadline');
      default:
        assertNever(event, 'simulation event');
    }
  }

  private heal(): void {
    this.healStarted = true;
    this.phase('heal');
    this.nemesis.heal();
    for (const hosted of this.hosted) if (hosted.paused) this.resume(hosted.id);
    this.network.healAll();
    for (const hosted of this.hosted) hosted.disk.clearFaults();
    // A node started on demand that its driver never started is not one the faults took down.
    for (const hosted of this.hosted) if (hosted.status !== 'running' && (hosted.incarnation > 0 || !this.startedOnDemand.has(hosted.id))) this.start(hosted.id);
    this.allTouched = true;
    this.trace.record({ atMs: this.currentMs, kind: 'heal', node: '', peer: '', name: 'all', value: 0, detail: '' });
    this.stateDirty = true;
    this.schedule(this.currentMs, { type: 'convergence-check' });
  }

  private checkConvergence(): void {
    assert(this.healStarted, 'convergence is checked only after the heal');
    if (this.system.pendingConvergence(this.view()) === undefined) {
      this.converged = true;
      this.phase('converged');
      return;
    }
    this.schedule(this.currentMs + this.options.convergenceCheckIntervalMs, { type: 'convergence-check' });
  }

  private writeback(): void {
    for (const hosted of this.hosted) {
      // A host without power has no page cache left to write back.
      if (hosted.status !== 'powered-off') hosted.disk.writeback(this.currentMs);
    }
    this.schedule(this.currentMs + this.options.writebackIntervalMs, { type: 'writeback' });
  }

  private phase(name: string): void {
    this.trace.record({ atMs: this.currentMs, kind: 'phase', node: '', peer: '', name, value: 0, detail: '' });
  }

  // ---- Node host -------------------------------------------------------------------------------

  private addHost(id: NodeId, isServer: boolean): void {
    const disk = new SimDisk({
      clock: this,
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

  private host(id: NodeId): HostedNode<N, M> {
    const hosted = this.byId.get(id);
    if (hosted === undefined) fail(`unknown node '${id}'`);
    return hosted;
  }

  private reachability(id: NodeId): Reachability {
    const status = this.host(id).status;
    if (status === 'running') return 'running';
    return status === 'powered-off' ? 'host-down' : 'process-down';
  }

  private input(id: NodeId, input: NodeInput<M>): void {
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
    const atMs = this.currentMs;
    switch (effect.type) {
      case 'send':
        if (!this.byId.has(effect.to)) fail(`${hosted.id} sent ${effect.message.type} to unknown node '${effect.to}'`);
        return this.network.send(hosted.id, effect.to, effect.message);
      case 'set-timer': {
        if (!(Number.isSafeInteger(effect.delayMs) && effect.delayMs >= 0)) fail(`timer ${effect.name}: bad delay ${effect.delayMs}`);
        const generation = ++hosted.timerGeneration;
        hosted.timers.set(effect.name, generation);
        this.schedule(atMs + effect.delayMs, { type: 'timer', node: hosted.id, incarnation: hosted.incarnation, name: effect.name, generation });
        return;
      }
      case 'cancel-timer':
        hosted.timers.delete(effect.name);
        return;
      case 'transition':
        // The reporting process: a node's incarnation is one process (see PROCESS_SCOPED_MACHINES).
        return this.observeTransition(effect.machine, effect.instance, effect.event.type, effect.to, `${hosted.id}#${hosted.incarnation}`);
      case 'mark':
        this.trace.record({ atMs, kind: 'mark', node: hosted.id, peer: '', name: effect.name, value: 0, detail: '' });
        return this.invariants.mark(effect.name);
      case 'history':
        return this.recordHistory(hosted.id, effect.record);
      case 'halt':
        this.trace.record({ atMs, kind: 'node', node: hosted.id, peer: '', name: 'halt', value: hosted.incarnation, detail: effect.reason });
        this.stop(hosted, 'shutdown', 'stopped');
        hosted.lastStop = effect.failed ? 'failed-exit' : 'clean-exit';
        // An exiting process's sockets are closed by the kernel, as on a crash: its peers see the
        // disconnect at once (a client waiting on a parked request learns its broker is gone).
        this.network.breakAllConnections(hosted.id, this.nodeIds, 'reset');
        // The heal promises every node running again: one that stops itself afterwards (a
        // controlled shutdown begun before the heal) is started once more.
        if (this.healStarted) this.schedule(atMs + 100, { type: 'restart-after-heal', node: hosted.id });
        // A process that exits on a fatal error, a server's or a supervised client's (a consumer
        // fenced out of its group.instance.id), is started again by its supervisor.
        else if (effect.failed && !this.nemesis.holdsDown(hosted.id)) this.schedule(atMs + SUPERVISOR_RESTART_DELAY_MS, { type: 'supervisor-restart', node: hosted.id });
        return;
      default:
        assertNever(effect, 'node effect');
    }
  }

  private recordHistory(node: NodeId, record: HistoryRecord): void {
    const atMs = this.currentMs;
    const entry = this.history.append(atMs, node, record);
    this.invariants.observeHistory(entry);
    for (const observer of this.historyObservers) observer(entry);
    this.timeline?.history(entry);
    const detail = `${record.type} ${record.f} ${JSON.stringify(record.value) ?? 'null'}`;
    this.trace.record({ atMs, kind: 'history', node, peer: '', name: record.process, value: entry.index, detail });
  }

  private observeTransition(machine: string, instance: string, event: string, to: string, process?: string): void {
    this.trace.record({ atMs: this.currentMs, kind: 'transition', node: instance, peer: '', name: machine, value: 0, detail: `${event} -> ${to}` });
    const rejection = this.conformance.observe(this.currentMs, { machine, instance, event: { type: event }, to, ...(process === undefined ? {} : { process }) });
    this.invariants.observe('ModelConformance', this.currentMs, rejection, this.context);
  }

  // ---- ClusterControl (what the nemesis and the heal phase do) ---------------------------------

  isRunning(node: NodeId): boolean {
    return this.host(node).status === 'running';
  }

  start(id: NodeId): void {
    const hosted = this.host(id);
    assert(hosted.status !== 'running', `start of ${id}, which is already running`);
    hosted.incarnation++;
    hosted.status = 'running';
    this.timeline?.status(id, this.currentMs, 'running');
    hosted.timers.clear();
    // A new process opens new connections: whatever killed the old ones (a silent death its peers
    // have not noticed yet) does not stop it from talking at once.
    this.network.openConnectionsOf(id, this.nodeIds);
    this.trace.record({ atMs: this.currentMs, kind: 'node', node: id, peer: '', name: 'start', value: hosted.incarnation, detail: '' });
    this.observeTransition('node-process', id, 'start', 'running');
    const environment: NodeEnvironment = {
      nodeId: id,
      clock: this,
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
    if (lost.bytesLost > 0) hosted.damage.push({ kind: 'power-loss', atMs: this.currentMs, detail: `${id} lost ${lost.bytesLost} unsynced bytes`, paths: lost.paths });
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
    hosted.damage.push({ kind: 'disk-loss', atMs: this.currentMs, detail: `${id}'s disk replaced by an empty one` });
    hosted.lastStop = 'disk-loss';
    this.trace.record({ atMs: this.currentMs, kind: 'node', node: id, peer: '', name: 'replace-disk', value: hosted.incarnation, detail: '' });
    this.observeTransition('node-process', id, 'replace-disk', 'stopped');
    hosted.status = 'stopped';
    this.timeline?.status(id, this.currentMs, 'stopped');
  }

  pause(id: NodeId): void {
    const hosted = this.host(id);
    if (hosted.status !== 'running' || hosted.paused) return;
    hosted.paused = true;
    this.trace.record({ atMs: this.currentMs, kind: 'node', node: id, peer: '', name: 'pause', value: hosted.incarnation, detail: '' });
  }

  resume(id: NodeId): void {
    const hosted = this.host(id);
    if (!hosted.paused) return;
    hosted.paused = false;
    this.trace.record({ atMs: this.currentMs, kind: 'node', node: id, peer: '', name: 'resume', value: hosted.incarnation, detail: `${hosted.held.length} held` });
    const incarnation = hosted.incarnation;
    for (const { input, timerGeneration } of hosted.held.splice(0)) {
      // An input may end the process (a halt): what is left dies with it.
      if (hosted.status !== 'running' || hosted.incarnation !== incarnation) return;
      if (input.type === 'timer') {
        if (hosted.timers.get(input.name) !== timerGeneration) continue;
        hosted.timers.delete(input.name);
        this.trace.record({ atMs: this.currentMs, kind: 'timer', node: id, peer: '', name: input.name, value: timerGeneration ?? 0, detail: 'held' });
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

  breakConnection(a: NodeId, b: NodeId): void {
    this.network.breakConnection(a, b, 'reset');
  }

  addPartition(faultId: number, _shape: string, blocked: readonly (readonly [NodeId, NodeId])[]): void {
    this.network.addPartition(faultId, blocked);
  }

  removePartition(faultId: number): void {
    this.network.removePartition(faultId);
    this.trace.record({ atMs: this.currentMs, kind: 'heal', node: '', peer: '', name: 'partition', value: faultId, detail: '' });
  }

  addLinkLag(faultId: number, from: NodeId, to: NodeId, extraLatencyMs: number, clogged: boolean): void {
    this.network.addLinkFault(from, to, { faultId, extraLatencyMs, clogged });
  }

  removeLinkLag(faultId: number, from: NodeId, to: NodeId): void {
    this.network.removeLinkFault(from, to, faultId);
    this.trace.record({ atMs: this.currentMs, kind: 'heal', node: from, peer: to, name: 'link-lag', value: faultId, detail: '' });
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

  clearDiskFaults(node: NodeId): void {
    this.host(node).disk.clearFaults();
    this.touch(node);
    this.trace.record({ atMs: this.currentMs, kind: 'heal', node, peer: '', name: 'disk', value: 0, detail: '' });
  }

  dataFaultBudget(kind: DataFault['kind'], nodes: readonly NodeId[]): string | undefined {
    if (!withinPromise(this.options.faults) || this.system.faultBudget === undefined) return undefined;
    return this.system.faultBudget(this.view(), { kind, nodes });
  }

  recordHeldBack(kind: FaultKind, reason: string): void {
    this.heldBackCounts[kind]++;
    this.trace.record({ atMs: this.currentMs, kind: 'fault', node: '', peer: '', name: `${kind}-held-back`, value: this.heldBackCounts[kind], detail: reason });
  }

  recordSkipped(kind: FaultKind, reason: string): void {
    this.skippedCounts[kind]++;
    this.trace.record({ atMs: this.currentMs, kind: 'fault', node: '', peer: '', name: `${kind}-skipped`, value: this.skippedCounts[kind], detail: reason });
  }

  recordDecision(entry: ScheduleEntry): void {
    assert(this.scheduleEntries.length < MAX_SCHEDULE_ENTRIES, `more than ${MAX_SCHEDULE_ENTRIES} schedule entries`);
    this.scheduleEntries.push(entry);
    // Written to the trace file, not digested: the digested fault lines already say what struck,
    // and every seed's digest stays what it was before runs recorded their schedules.
    // Built only while a trace file is written: a sweep's runs pay nothing for it.
    if (this.trace.annotating) this.trace.annotate({ atMs: this.currentMs, kind: 'schedule', node: '', peer: '', name: entry.type, value: this.scheduleEntries.length - 1, detail: JSON.stringify(entry) });
  }

  recordFault(kind: FaultKind, detail: string): void {
    this.faultCounts[kind]++;
    this.trace.record({ atMs: this.currentMs, kind: 'fault', node: '', peer: '', name: kind, value: this.faultCounts[kind], detail });
  }

  private stop(hosted: HostedNode<N, M>, event: 'crash' | 'power-loss' | 'shutdown', status: ProcessStatus): void {
    this.trace.record({ atMs: this.currentMs, kind: 'node', node: hosted.id, peer: '', name: event, value: hosted.incarnation, detail: '' });
    this.observeTransition('node-process', hosted.id, event, status);
    hosted.status = status;
    this.timeline?.status(hosted.id, this.currentMs, status);
    hosted.node = undefined;
    hosted.timers.clear();
    hosted.paused = false;
    hosted.held.length = 0;
    // Its open operations end with it, outcome unknown (Jepsen's crashed process).
    for (const record of this.history.abandoned(hosted.id)) this.recordHistory(hosted.id, record);
    this.touch(hosted.id);
    this.stateDirty = true;
  }

  private traceDisk(id: NodeId, operation: DiskOperation): void {
    const atMs = this.currentMs;
    if (operation.type === 'bitflip' && operation.escapesChecksums) this.corruption.uncheckedFlips++;
    if (operation.type === 'bitflip' && operation.on === 'write') {
      this.host(id).damage.push({ kind: 'bitflip', atMs, detail: `${id}: bit ${operation.bit} of ${operation.path}${operation.escapesChecksums ? ', unchecked' : ''}`, checked: !operation.escapesChecksums, paths: [operation.path] });
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

  // ---- Views and results -----------------------------------------------------------------------

  /** `id` may have changed (memory or disk) since the last view. */
  private touch(id: NodeId): void {
    if (!this.allTouched) this.touched.add(id);
  }

  private view(): View {
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
      nowMs: this.currentMs, nodes, ...(full ? { fullChecks: true } : {}), ...(full || this.allTouched ? {} : { touched: this.touched }), ...(this.note === undefined ? {} : { note: this.note }),
    };
    // The touched set is read during this call only, then emptied for the next view.
    const view = this.system.view(cluster);
    this.touched.clear();
    this.allTouched = false;
    return view;
  }

  private explain(violation: Violation, view: View): ReturnType<typeof explainSafely> {
    return explainSafely(this.system.explain?.bind(this.system), violation, view, {
      nowMs: this.currentMs,
      events: this.runEvents.toArray(),
      eventsDropped: this.runEvents.dropped,
      history: (index) => this.invariants.historyIndex(index),
    });
  }

  private summary(): string[] {
    if (this.system.summary === undefined) return [];
    try {
      return this.system.summary(this.view());
    } catch (error) {
      return [`(no summary: ${error instanceof Error ? error.message : String(error)})`];
    }
  }

  private result(verdict: Verdict, crash: RunResult['crash'], liveness: string | undefined): RunResult {
    const base: RunResult = {
      seed: this.options.seed,
      digest: this.trace.digest.hex(),
      simulatedMs: this.currentMs,
      events: this.events,
      traceEntries: this.trace.entries,
      verdict,
      violations: this.invariants.violations,
      excused: this.invariants.excused,
      faults: { ...this.faultCounts },
      faultsHeldBack: { ...this.heldBackCounts },
      faultsSkipped: { ...this.skippedCounts },
      // In time order: a scripted entry skipped as due before the faults started is recorded late.
      schedule: [...this.scheduleEntries].sort((a, b) => a.at - b.at),
      config: this.system.config,
      variants: this.system.variants,
      repro: this.options.repro,
      system: this.system.name,
      invariants: this.invariants.stats(this.context),
      machines: this.conformance.coverage(),
      faultPlan: this.faultPlan,
      summary: this.summary(),
    };
    return {
      ...base,
      ...(crash === undefined ? {} : { crash }),
      ...(liveness === undefined ? {} : { liveness }),
      ...(liveness === undefined || this.livenessExplanation === undefined ? {} : { livenessExplanation: this.livenessExplanation }),
      ...(this.timeline === undefined ? {} : { timeline: this.timeline.build(this.currentMs, this.systemTimeline()) }),
    };
  }

  /** The system's timeline rows, or none when it has none or fails to build them (the report still shows the rest). */
  private systemTimeline(): SystemTimeline | undefined {
    if (this.system.timeline === undefined) return undefined;
    try {
      return this.system.timeline(this.view());
    } catch {
      return undefined;
    }
  }
}

import { assert, assertNever, fail } from '../../impl/common/assert.ts';
import type { HistoryRecord, Message, NodeId, SimulatedNode } from '../../impl/env/node-environment.ts';
import { MODEL_MACHINES, PROCESS_SCOPED_MACHINES } from '../../model/index.ts';
import { ConformanceMonitor } from '../conformance/conformance-monitor.ts';
import { EventQueue } from '../core/event-queue.ts';
import type { Scheduler, SimEvent } from '../core/sim-event.ts';
import { BoundedRing } from '../core/bounded-ring.ts';
import { Trace, type TraceEntry } from '../core/trace.ts';
import { InvariantMonitor } from '../invariants/invariant-monitor.ts';
import { uncheckedFlipApplicability, type Corruption, type InvariantDefinition, type RunContext } from '../invariants/invariant.ts';
import { modelConformance } from '../conformance/model-conformance.ts';
import { withinPromise, type FaultKind } from '../nemesis/fault-kind.ts';
import type { ClusterControl, FaultInjector } from '../nemesis/nemesis.ts';
import type { ScheduleEntry } from '../nemesis/fault-schedule.ts';
import { SimNetwork } from '../network/sim-network.ts';
import { RandomStreams } from '../random/random-stream.ts';
import { buildFaultInjector } from './fault-injector.ts';
import { FaultRecords } from './fault-records.ts';
import { History, type HistoryEntry } from './history.ts';
import { NodeHost } from './node-host.ts';
import type { RunResult, Verdict, Violation } from './run-result.ts';
import { buildRunResult } from './run-result-builder.ts';
import { RUN_EVENTS_KEPT, explainSafely, headerAnnotation, violationAnnotation } from './run-annotations.ts';
import { TimelineRecorder } from './run-timeline.ts';
import { EventBudgetExceeded, SETUP_DEADLINE_MS, type SimulationOptions } from './simulation-options.ts';
import type { DataFault, SystemDefinition } from './system.ts';

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
  /** The host of the nodes' processes and disks (`node-host.ts`). */
  private readonly nodes: NodeHost<M, N, View>;
  private readonly nodeIds: NodeId[];
  private readonly nemesis: FaultInjector;
  private readonly faultPlan: string;
  private readonly invariants: InvariantMonitor<View>;
  private readonly conformance = new ConformanceMonitor(MODEL_MACHINES, PROCESS_SCOPED_MACHINES);
  private readonly history: History;
  /** What the nemesis did: faults by kind and the schedule (`fault-records.ts`). */
  private readonly faults: FaultRecords;
  private readonly corruption: Corruption = { uncheckedFlips: 0 };
  private readonly context: RunContext;
  private healStarted = false;
  /** True from the start until the nemesis starts (the system's setup is running). */
  private awaitingSetup = false;
  private converged = false;
  /** The explanation of what did not converge, when the run ends on liveness. */
  private livenessExplanation: readonly string[] | undefined;
  /** The system's state version at the last state check (`SystemDefinition.stateVersion`). */
  private checkedStateVersion: string | number | undefined = undefined;
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
      reachability: (node) => this.nodes.reachability(node),
      incarnation: (node) => this.nodes.host(node).incarnation,
    });
    this.nodes = new NodeHost({
      options, system, scheduler: this, trace: this.trace, streams: this.streams, network: this.network, history: this.history,
      timeline: this.timeline, corruption: this.corruption, note: this.note, nodeIds: this.nodeIds,
      run: {
        recordHistory: (node, record) => this.recordHistory(node, record),
        observeTransition: (machine, instance, event, to, process) => this.observeTransition(machine, instance, event, to, process),
        mark: (name) => this.invariants.mark(name),
        healStarted: () => this.healStarted,
        holdsDown: (node) => this.nemesis.holdsDown(node),
      },
    });
    this.startedOnDemand = new Set(system.startedOnDemand ?? []);
    for (const id of this.startedOnDemand) assert(system.clients.includes(id), `node '${id}' started on demand is not a client of the system`);
    ({ injector: this.nemesis, faultPlan: this.faultPlan } = buildFaultInjector(options.faults, options.schedule, system, this.streams, this, this));
    this.invariants = new InvariantMonitor<View>([modelConformance as InvariantDefinition<View>, ...system.invariants], {
      explain: (violation, view) => this.explain(violation, view),
      found: (violation) => this.trace.annotate(violationAnnotation(violation, this.currentMs)),
    }, options.fullChecks === true);
    this.faults = new FaultRecords(this.trace, this);
    this.context = { seed: options.seed, config: system.config, variants: system.variants, faults: this.faults.counts, corruption: this.corruption };
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
    return this.nodes.view();
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
    return this.nodes.host(id).node;
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
    if (this.nodes.host(id).status !== 'running') return;
    this.nodes.input(id, { type: 'timer', name });
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
    // An event only a client handled leaves what the checks read as it was, unless the setup is
    // still running and the event touched a client it reads (`SystemDefinition.setupNodes`).
    if (mayRest && !this.nodes.stateDirty && !(this.awaitingSetup && this.nodes.setupDirty)) return false;
    this.nodes.stateDirty = false;
    this.nodes.setupDirty = false;
    const view = this.nodes.view();
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
    const view = this.nodes.view();
    this.invariants.checkHistory(view, this.context);
    if (!this.converged) return;
    if (!this.invariants.checkFinal(this.currentMs, view, this.context)) {
      throw new RunStopped('liveness', 'an eventually-invariant did not hold after convergence');
    }
  }

  private livenessFailure(deadlineMs: number): RunStopped {
    this.currentMs = deadlineMs;
    const view = this.nodes.view();
    const found = this.system.pendingConvergence(view) ?? 'no convergence check ran';
    const pending = typeof found === 'string' ? found : found.message;
    // Explained as a violation is: what it is about, its state now, and the history before it.
    const explanation = this.explain(
      { invariant: 'convergence', atMs: deadlineMs, message: pending, applies: true, ...(typeof found === 'string' || found.subject === undefined ? {} : { subject: found.subject }) },
      view,
    );
    if (explanation !== undefined) this.livenessExplanation = explanation.lines;
    // History invariants still run: a run that did not converge may also have lost data.
    this.invariants.checkHistory(this.nodes.view(), this.context);
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
        return this.nodes.input(event.to, { type: 'receive', from: event.from, message: event.message as M });
      }
      case 'disconnect-notify':
        return this.nodes.disconnected(event);
      case 'timer':
        return this.nodes.timerFired(event);
      case 'fault':
        this.nemesis.handle(event.action);
        // A fault may strike any node's process or disk: every node is read again.
        this.nodes.touchAll();
        this.nodes.stateDirty = true;
        return;
      case 'writeback':
        return this.writeback();
      case 'heal':
        return this.heal();
      case 'convergence-check':
        return this.checkConvergence();
      case 'restart-after-heal':
        if (this.nodes.host(event.node).status !== 'running') this.start(event.node);
        this.nodes.stateDirty = true;
        return;
      case 'supervisor-restart':
        // The heal restarts everything itself; a node the nemesis holds down is its to restart.
        if (this.healStarted || this.nodes.host(event.node).status === 'running' || this.nemesis.holdsDown(event.node)) return;
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
    for (const hosted of this.nodes.hosted) if (hosted.paused) this.resume(hosted.id);
    this.network.healAll();
    for (const hosted of this.nodes.hosted) hosted.disk.clearFaults();
    // A node started on demand that its driver never started is not one the faults took down.
    for (const hosted of this.nodes.hosted) if (hosted.status !== 'running' && (hosted.incarnation > 0 || !this.startedOnDemand.has(hosted.id))) this.start(hosted.id);
    this.nodes.touchAll();
    this.trace.record({ atMs: this.currentMs, kind: 'heal', node: '', peer: '', name: 'all', value: 0, detail: '' });
    this.nodes.stateDirty = true;
    this.schedule(this.currentMs, { type: 'convergence-check' });
  }

  private checkConvergence(): void {
    assert(this.healStarted, 'convergence is checked only after the heal');
    if (this.system.pendingConvergence(this.nodes.view()) === undefined) {
      this.converged = true;
      this.phase('converged');
      return;
    }
    this.schedule(this.currentMs + this.options.convergenceCheckIntervalMs, { type: 'convergence-check' });
  }

  private writeback(): void {
    for (const hosted of this.nodes.hosted) {
      // A host without power has no page cache left to write back.
      if (hosted.status !== 'powered-off') hosted.disk.writeback(this.currentMs);
    }
    this.schedule(this.currentMs + this.options.writebackIntervalMs, { type: 'writeback' });
  }

  private phase(name: string): void {
    this.trace.record({ atMs: this.currentMs, kind: 'phase', node: '', peer: '', name, value: 0, detail: '' });
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
  // The process and disk operations are the node host's; the network's and the fault records are here.

  isRunning(node: NodeId): boolean {
    return this.nodes.isRunning(node);
  }

  start(id: NodeId): void {
    this.nodes.start(id);
  }

  requestShutdown(id: NodeId): void {
    this.nodes.requestShutdown(id);
  }

  crash(id: NodeId): void {
    this.nodes.crash(id);
  }

  powerLoss(id: NodeId): void {
    this.nodes.powerLoss(id);
  }

  replaceDisk(id: NodeId): void {
    this.nodes.replaceDisk(id);
  }

  pause(id: NodeId): void {
    this.nodes.pause(id);
  }

  resume(id: NodeId): void {
    this.nodes.resume(id);
  }

  isPaused(id: NodeId): boolean {
    return this.nodes.isPaused(id);
  }

  stallApplication(id: NodeId, durationMs: number): void {
    this.nodes.stallApplication(id, durationMs);
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
    this.nodes.setBitflip(node, probability);
  }

  setDiskFull(node: NodeId): void {
    this.nodes.setDiskFull(node);
  }

  clearDiskFaults(node: NodeId): void {
    this.nodes.clearDiskFaults(node);
  }

  dataFaultBudget(kind: DataFault['kind'], nodes: readonly NodeId[]): string | undefined {
    if (!withinPromise(this.options.faults) || this.system.faultBudget === undefined) return undefined;
    return this.system.faultBudget(this.nodes.view(), { kind, nodes, diskFaulted: this.nodes.diskFaulted() });
  }

  recordHeldBack(kind: FaultKind, reason: string): void {
    this.faults.recordHeldBack(kind, reason);
  }

  recordSkipped(kind: FaultKind, reason: string): void {
    this.faults.recordSkipped(kind, reason);
  }

  recordDecision(entry: ScheduleEntry): void {
    this.faults.recordDecision(entry);
  }

  recordFault(kind: FaultKind, detail: string): void {
    this.faults.recordFault(kind, detail);
  }

  // ---- Views and results -----------------------------------------------------------------------

  private explain(violation: Violation, view: View): ReturnType<typeof explainSafely> {
    return explainSafely(this.system.explain?.bind(this.system), violation, view, {
      nowMs: this.currentMs,
      events: this.runEvents.toArray(),
      eventsDropped: this.runEvents.dropped,
      history: (index) => this.invariants.historyIndex(index),
    });
  }

  private result(verdict: Verdict, crash: RunResult['crash'], liveness: string | undefined): RunResult {
    return buildRunResult({
      options: this.options, system: this.system, trace: this.trace, nowMs: this.currentMs, events: this.events, invariants: this.invariants,
      context: this.context, faults: this.faults, conformance: this.conformance, faultPlan: this.faultPlan,
      livenessExplanation: this.livenessExplanation, timeline: this.timeline, view: () => this.nodes.view(),
    }, verdict, crash, liveness);
  }
}

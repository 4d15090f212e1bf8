import { assert, assertNever, fail } from '../../impl/common/assert.ts';
import type { NodeId, RandomStream } from '../../impl/env/node-environment.ts';
import type { Scheduler } from '../core/sim-event.ts';
import type { DataFault, DiskFaultKind, DiskFaultServers } from '../run/system.ts';
import type { FaultAction } from './fault-action.ts';
import { FaultExecutor } from './fault-executor.ts';
import { hasRepairEvent, type ScheduleEntry } from './fault-schedule.ts';
import { FAULT_KINDS, type FaultKind, type FaultSelection } from './fault-kind.ts';

/**
 * What the nemesis may do to the cluster. The simulator implements it; keeping it an interface
 * lets the nemesis be tested against a recording fake.
 */
export interface ClusterControl {
  isRunning(node: NodeId): boolean;
  crash(node: NodeId): void;
  powerLoss(node: NodeId): void;
  /** Replaces a stopped node's disk with an empty one. */
  replaceDisk(node: NodeId): void;
  start(node: NodeId): void;
  /** SIGTERM: ask a running node to shut down cleanly; it stops when it is done. */
  requestShutdown(node: NodeId): void;
  breakConnection(a: NodeId, b: NodeId): void;
  addPartition(faultId: number, shape: string, blocked: readonly (readonly [NodeId, NodeId])[]): void;
  removePartition(faultId: number): void;
  addLinkLag(faultId: number, from: NodeId, to: NodeId, extraLatencyMs: number, clogged: boolean): void;
  removeLinkLag(faultId: number, from: NodeId, to: NodeId): void;
  setBitflip(node: NodeId, probability: number): void;
  setDiskFull(node: NodeId): void;
  clearDiskFaults(node: NodeId): void;
  /** Called once per injected fault, for the counts and the trace. */
  recordFault(kind: FaultKind, detail: string): void;
  /**
   * Whether destroying data on `nodes` stays within the fault budget (see
   * `SystemDefinition.faultBudget`): undefined to go ahead, or why not.
   */
  dataFaultBudget(kind: DataFault['kind'], nodes: readonly NodeId[]): string | undefined;
  /** Called once per fault the budget held back, for the counts and the trace. */
  recordHeldBack(kind: FaultKind, reason: string): void;
  /** Called once per scripted fault whose target could not take it, for the counts and the trace. */
  recordSkipped(kind: FaultKind, reason: string): void;
  /**
   * Called once per schedule entry as it is decided or played, before it takes effect: the run's
   * schedule (`--emit-schedule`, the JSON's `schedule`).
   */
  recordDecision(entry: ScheduleEntry): void;
  /** SIGSTOP: the process keeps its state and connections but handles nothing until resumed. */
  pause(node: NodeId): void;
  /** SIGCONT: the paused process handles, in order, everything that came while it was stopped. */
  resume(node: NodeId): void;
  isPaused(node: NodeId): boolean;
  /** The process's application code is stuck for `durationMs` (its background work goes on). */
  stallApplication(node: NodeId, durationMs: number): void;
}

/** The fault mix of one run: which kinds, and how often each strikes on average. */
export interface FaultPlan {
  readonly kinds: readonly FaultKind[];
  readonly meanIntervalMs: Readonly<Partial<Record<FaultKind, number>>>;
}

/**
 * Kinds added after seeds were first published. Each draws everything about itself (whether a
 * swarm run enables it, its rate, when it strikes, whom it hits, for how long) from a stream of its
 * own, so that adding it moved no other fault of any seed: a seed pinned for a variant or a
 * regression keeps its run unless the new kind is in its plan.
 */
export const OWN_STREAM_KINDS: ReadonlySet<FaultKind> = new Set(['link-stall', 'client-crash', 'client-pause', 'client-stall']);

/** Kinds that strike the clients a system lets the nemesis fault (`SystemDefinition.faultableClients`). */
export const CLIENT_FAULT_KINDS: readonly FaultKind[] = ['client-crash', 'client-pause', 'client-stall'];

/** Kinds that take the whole cluster or its data away strike less often than the rest. */
const RARE_KINDS: ReadonlySet<FaultKind> = new Set(['cluster-power-loss', 'disk-loss']);

/**
 * The chance that a swarm run enables each fault kind. Swarm testing's paper used 1/2; with the eleven
 * kinds that enables about six per run, and on a three-broker cluster so many overlapping faults
 * keep breaking the windows a protocol bug needs (a failover and its failback, a follower whose
 * metadata lags across both). At 1/3 (about four kinds per run) seeds 1..100 saw 67 runs with a
 * preferred-leader failback instead of 53 and 52 with a failover under acks=all writes instead of
 * 32, and caught `pre-kip-320` and `pre-kip-279` within 100 seeds (spec/variants.md).
 */
export const SWARM_INCLUSION_PROBABILITY = 1 / 3;

/**
 * Swarm testing (Groce et al., "Swarm Testing", ISSTA 2012): each seed enables a random subset
 * of the fault kinds at random rates, so that some runs are dominated by one fault and rare
 * interleavings get a chance that a uniform mix would drown.
 */
export function planFaults(
  selection: FaultSelection,
  random: RandomStream,
  unavailable: readonly FaultKind[] = [],
  streamOf: (kind: FaultKind) => RandomStream = () => random,
): FaultPlan {
  let kinds: FaultKind[];
  const available = FAULT_KINDS.filter((kind) => !unavailable.includes(kind));
  switch (selection.type) {
    case 'none':
      kinds = [];
      break;
    case 'kinds':
      kinds = available.filter((kind) => selection.kinds.includes(kind));
      break;
    case 'swarm':
    case 'swarm-beyond': {
      const shared = available.filter((kind) => !OWN_STREAM_KINDS.has(kind));
      kinds = shared.filter(() => random.chance(SWARM_INCLUSION_PROBABILITY));
      if (kinds.length === 0 && shared.length > 0) kinds = [random.pick(shared)];
      for (const kind of available) {
        if (OWN_STREAM_KINDS.has(kind) && streamOf(kind).chance(SWARM_INCLUSION_PROBABILITY)) kinds.push(kind);
      }
      break;
    }
    default:
      assertNever(selection, 'fault selection');
  }
  const meanIntervalMs: Partial<Record<FaultKind, number>> = {};
  // The shared stream's draws first, in the order they were always made.
  for (const kind of [...kinds.filter((kind) => !OWN_STREAM_KINDS.has(kind)), ...kinds.filter((kind) => OWN_STREAM_KINDS.has(kind))]) {
    // Log-uniform between 1 s and 20 s (10 s and 60 s for rare kinds).
    const [low, high] = RARE_KINDS.has(kind) ? [10_000, 60_000] : [1_000, 20_000];
    meanIntervalMs[kind] = Math.round(low * Math.pow(high / low, streamOf(kind).next()));
  }
  return { kinds: FAULT_KINDS.filter((kind) => kinds.includes(kind)), meanIntervalMs };
}

export function describeFaultPlan(plan: FaultPlan): string {
  if (plan.kinds.length === 0) return 'none';
  return plan.kinds.map((kind) => `${kind}/${((plan.meanIntervalMs[kind] ?? 0) / 1000).toFixed(1)}s`).join(' ');
}

/** What the simulation drives: the nemesis that draws its faults, or one that plays a schedule. */
export interface FaultInjector {
  /** The faults start (the system's setup is done): the first fault of each kind is scheduled. */
  start(): void;
  heal(): void;
  handle(action: FaultAction): void;
  /** Whether a fault holds the node down (its own restart will bring it back). */
  holdsDown(node: NodeId): boolean;
}

/**
 * The fault scheduler. During the safety phase it injects faults of the planned kinds at
 * exponentially distributed intervals, each with a drawn target and duration, and repairs each
 * when its duration ends. Each decision becomes a schedule entry (`fault-schedule.ts`), recorded
 * through `ClusterControl.recordDecision` and then carried out by the `FaultExecutor`, so that a
 * run's schedule, replayed, is the run. `heal()` ends the safety phase: later injections are
 * ignored, and the simulator repairs whatever is still broken.
 */
export class Nemesis implements FaultInjector {
  private nextFaultId = 1;
  private readonly executor: FaultExecutor;

  constructor(
    private readonly plan: FaultPlan,
    private readonly random: RandomStream,
    private readonly scheduler: Scheduler,
    private readonly control: ClusterControl,
    private readonly servers: readonly NodeId[],
    private readonly allNodes: readonly NodeId[],
    /** Where servers learn cluster metadata (Kafka's controllers), for `slow-metadata`. */
    private readonly metadataSources: readonly NodeId[] = [],
    /** The stream each kind draws from: its own for `OWN_STREAM_KINDS`, else `random`. */
    private readonly streamOf: (kind: FaultKind) => RandomStream = () => random,
    /** Clients the client fault kinds may strike (`SystemDefinition.faultableClients`). */
    private readonly clients: readonly NodeId[] = [],
    /** Per disk fault kind, the servers it may strike (`SystemDefinition.diskFaultServers`); all when absent. */
    private readonly diskFaultServers: DiskFaultServers = {},
  ) {
    assert(servers.length > 0, 'the nemesis needs at least one server to fault');
    this.executor = new FaultExecutor(scheduler, control, servers);
  }

  start(): void {
    for (const kind of this.plan.kinds) this.scheduleNext(kind);
  }

  holdsDown(node: NodeId): boolean {
    return this.executor.holdsDown(node);
  }

  heal(): void {
    this.executor.heal();
  }

  handle(action: FaultAction): void {
    switch (action.type) {
      case 'inject': {
        if (this.executor.healed) {
          // Due after the heal: ignored, and no later fault of this kind is scheduled.
          this.control.recordDecision({ at: this.scheduler.nowMs(), type: 'idle', kind: action.kind, reason: 'after the heal' });
          return;
        }
        const entry = this.decide(action.kind);
        this.control.recordDecision(entry);
        if (entry.type === 'fault') this.executor.strike(entry, hasRepairEvent(entry) ? this.nextFaultId++ : undefined);
        else if (entry.type === 'held-back') this.control.recordHeldBack(entry.kind, entry.reason);
        this.scheduleNext(action.kind);
        return;
      }
      case 'scripted':
        return fail('a drawing nemesis was handed a scripted fault');
      default:
        return this.executor.repair(action);
    }
  }

  private scheduleNext(kind: FaultKind): void {
    const mean = this.plan.meanIntervalMs[kind];
    assert(mean !== undefined, `no rate planned for ${kind}`);
    const atMs = this.scheduler.nowMs() + 1 + Math.floor(this.streamOf(kind).exponential(mean));
    this.scheduler.schedule(atMs, { type: 'fault', action: { type: 'inject', kind } });
  }

  /**
   * Draws the fault of `kind` due now. The draws, and the questions put to the cluster, come in
   * the order they always came, so that every published seed keeps its faults.
   */
  private decide(kind: FaultKind): ScheduleEntry {
    switch (kind) {
      case 'crash':
      case 'power-loss':
      case 'disk-loss':
        return this.takeDown(kind);
      case 'cluster-power-loss':
        return this.clusterPowerLoss();
      case 'partition':
        return this.partition();
      case 'connection-break':
        return this.connectionBreak();
      case 'link-lag':
        return this.linkLag();
      case 'slow-metadata':
        return this.slowMetadata();
      case 'bitflip':
      case 'disk-full':
        return this.diskFault(kind);
      case 'controlled-shutdown':
        return this.controlledShutdown();
      case 'link-stall':
        return this.linkStall();
      case 'client-crash':
      case 'client-pause':
        return this.clientFault(kind);
      case 'client-stall':
        return this.clientStall();
      default:
        return assertNever(kind, 'fault kind');
    }
  }

  private now(): number {
    return this.scheduler.nowMs();
  }

  private idle(kind: FaultKind, reason: string): ScheduleEntry {
    return { at: this.now(), type: 'idle', kind, reason };
  }

  private heldBack(kind: FaultKind, reason: string): ScheduleEntry {
    return { at: this.now(), type: 'held-back', kind, reason };
  }

  private runningServers(): NodeId[] {
    return this.servers.filter((node) => this.control.isRunning(node));
  }

  /** Down time of a node: long enough to matter (leaders time out), short enough to return. */
  private downtimeMs(): number {
    return this.random.int(200, 10_000);
  }

  private takeDown(kind: 'crash' | 'power-loss' | 'disk-loss'): ScheduleEntry {
    const candidates = kind === 'disk-loss' ? this.runningServers().filter((node) => this.diskServers(kind).includes(node)) : this.runningServers();
    if (candidates.length === 0) return this.idle(kind, 'no server running');
    const node = this.random.pick(candidates);
    const over = this.control.dataFaultBudget(kind, [node]);
    if (over !== undefined) return this.heldBack(kind, `${node}: ${over}`);
    return { at: this.now(), type: 'fault', kind, node, end: this.now() + this.downtimeMs() };
  }

  private controlledShutdown(): ScheduleEntry {
    const candidates = this.runningServers().filter((node) => !this.executor.holdsDown(node));
    if (candidates.length === 0) return this.idle('controlled-shutdown', 'no server running that no fault holds down');
    const node = this.random.pick(candidates);
    return { at: this.now(), type: 'fault', kind: 'controlled-shutdown', node, end: this.now() + this.downtimeMs() };
  }

  private clusterPowerLoss(): ScheduleEntry {
    const over = this.control.dataFaultBudget('cluster-power-loss', this.servers);
    if (over !== undefined) return this.heldBack('cluster-power-loss', over);
    return { at: this.now(), type: 'fault', kind: 'cluster-power-loss', end: this.now() + this.downtimeMs() };
  }

  private partition(): ScheduleEntry {
    const { shape, blocked } = drawPartition(this.random, this.servers, this.allNodes);
    return { at: this.now(), type: 'fault', kind: 'partition', shape, blocked, end: this.now() + this.random.int(500, 15_000) };
  }

  private connectionBreak(): ScheduleEntry {
    const server = this.random.pick(this.servers);
    const others = this.allNodes.filter((node) => node !== server);
    if (others.length === 0) return this.idle('connection-break', 'no other node');
    const peer = this.random.pick(others);
    return { at: this.now(), type: 'fault', kind: 'connection-break', nodes: [server, peer] };
  }

  private linkLag(): ScheduleEntry {
    const from = this.random.pick(this.allNodes);
    const to = this.random.pick(this.allNodes.filter((node) => node !== from));
    const clogged = this.random.chance(0.3);
    const latencyMs = clogged ? 0 : this.random.int(20, 2_000);
    return { at: this.now(), type: 'fault', kind: 'link-lag', from, to, latencyMs, clogged, end: this.now() + this.random.int(500, 10_000) };
  }

  /**
   * A gray failure between two servers: everything `from` sends `to` is held (delivered in order
   * when the stall ends) while `to`'s own messages still reach `from`, for 2 to 30 s. It outlasts
   * a request timeout, so `to` keeps asking and gets nothing; for Kafka, long enough to outlast
   * `replica.lag.time.max.ms` and its check (1.5 x 10 s in the default run) in about half the
   * stalls. A `link-lag` between two servers is too rare and too short for that (2 of its faults
   * in seeds 1..20 were a clogged server-to-server link, none longer than 10 s).
   */
  private linkStall(): ScheduleEntry {
    if (this.servers.length < 2) return this.idle('link-stall', 'fewer than two servers');
    const random = this.streamOf('link-stall');
    const from = random.pick(this.servers);
    const to = random.pick(this.servers.filter((node) => node !== from));
    return { at: this.now(), type: 'fault', kind: 'link-stall', from, to, end: this.now() + random.int(2_000, 30_000) };
  }

  /** The faultable clients running now, neither held down nor paused by a fault. */
  private runningClients(): NodeId[] {
    return this.clients.filter((node) => this.control.isRunning(node) && !this.executor.holdsDown(node) && !this.control.isPaused(node));
  }

  /**
   * `client-crash`: `kill -9` of a client, restarted after 0.2 to 15 s: for a Kafka consumer-group
   * member the restart is a new member (a new member id unless it is static), and the old one
   * stays in the group until its session times out (10 s in the group workload), so both orders
   * happen. `client-pause`: SIGSTOP of a client for 1 to 30 s, then SIGCONT: about two thirds of
   * the pauses outlast a 10 s session timeout, so the client wakes up as a zombie the group has
   * already replaced.
   */
  private clientFault(kind: 'client-crash' | 'client-pause'): ScheduleEntry {
    const random = this.streamOf(kind);
    const candidates = this.runningClients();
    if (candidates.length === 0) return this.idle(kind, 'no faultable client running');
    const node = random.pick(candidates);
    const durationMs = kind === 'client-crash' ? random.int(200, 15_000) : random.int(1_000, 30_000);
    return { at: this.now(), type: 'fault', kind, node, end: this.now() + durationMs };
  }

  /** A client's application stuck for 5 to 30 s while its background work goes on. */
  private clientStall(): ScheduleEntry {
    const random = this.streamOf('client-stall');
    const candidates = this.runningClients();
    if (candidates.length === 0) return this.idle('client-stall', 'no faultable client running');
    const node = random.pick(candidates);
    return { at: this.now(), type: 'fault', kind: 'client-stall', node, end: this.now() + random.int(5_000, 30_000) };
  }

  /**
   * Slow metadata propagation to one broker: what the controllers send it (metadata, heartbeat
   * answers) is delayed or held, for long enough that leaders change while the broker still acts
   * on old metadata. Every controller's links, since the broker fetches from whichever is active
   * and a failover must not end the fault. Half the time the way back is slow too, so its
   * heartbeats and AlterPartition requests arrive late (KIP-903's delayed AlterPartition, KIP-966's
   * heartbeat-only partition).
   */
  private slowMetadata(): ScheduleEntry {
    const sources = this.metadataSources;
    if (sources.length === 0) return this.idle('slow-metadata', 'no metadata source');
    const candidates = this.servers.filter((node) => !sources.includes(node));
    if (candidates.length === 0) return this.idle('slow-metadata', 'no server but the metadata sources');
    const broker = this.random.pick(candidates);
    const clogged = this.random.chance(0.3);
    const latencyMs = clogged ? 0 : this.random.int(500, 5_000);
    const bothWays = this.random.chance(0.5);
    return { at: this.now(), type: 'fault', kind: 'slow-metadata', from: sources, to: broker, bothWays, latencyMs, clogged, end: this.now() + this.random.int(2_000, 20_000) };
  }

  /** The servers a disk fault of `kind` may strike. */
  private diskServers(kind: DiskFaultKind): readonly NodeId[] {
    return this.diskFaultServers[kind] ?? this.servers;
  }

  private diskFault(kind: 'bitflip' | 'disk-full'): ScheduleEntry {
    const node = this.random.pick(this.diskServers(kind));
    // A server that meets a corrupt batch or a full disk halts: an unclean shutdown.
    const over = this.control.dataFaultBudget(kind, [node]);
    if (over !== undefined) return this.heldBack(kind, `${node}: ${over}`);
    return { at: this.now(), type: 'fault', kind, node, end: this.now() + this.random.int(500, 10_000) };
  }
}

/**
 * Jepsen's partition shapes over the servers; each client sides with a random half, since clients
 * in a real deployment sit on one side of a network split too.
 */
export function drawPartition(
  random: RandomStream,
  servers: readonly NodeId[],
  allNodes: readonly NodeId[],
): { shape: 'isolate' | 'halves' | 'one-way' | 'bridge'; blocked: Array<readonly [NodeId, NodeId]> } {
  const shapes = servers.length >= 3 ? (['isolate', 'halves', 'one-way', 'bridge'] as const) : (['isolate', 'one-way'] as const);
  const shape = random.pick(shapes);
  const clients = allNodes.filter((node) => !servers.includes(node));
  const shuffled = shuffle(random, servers);
  if (shape === 'one-way') {
    const from = random.pick(allNodes);
    const to = random.pick(allNodes.filter((node) => node !== from));
    return { shape, blocked: [[from, to]] };
  }
  let sideA: NodeId[];
  let sideB: NodeId[];
  let bridge: NodeId | undefined;
  if (shape === 'isolate') {
    sideA = shuffled.slice(0, 1);
    sideB = shuffled.slice(1);
  } else if (shape === 'halves') {
    const cut = Math.floor(shuffled.length / 2);
    sideA = shuffled.slice(0, cut);
    sideB = shuffled.slice(cut);
  } else {
    bridge = shuffled[0];
    const rest = shuffled.slice(1);
    const cut = Math.max(1, Math.floor(rest.length / 2));
    sideA = rest.slice(0, cut);
    sideB = rest.slice(cut);
  }
  for (const client of clients) (random.chance(0.5) ? sideA : sideB).push(client);
  const blocked: Array<readonly [NodeId, NodeId]> = [];
  for (const a of sideA) {
    for (const b of sideB) {
      if (a === bridge || b === bridge) continue;
      blocked.push([a, b], [b, a]);
    }
  }
  return { shape, blocked };
}

function shuffle<T>(random: RandomStream, items: readonly T[]): T[] {
  const result = [...items];
  for (let index = result.length - 1; index > 0; index--) {
    const other = random.int(0, index);
    const swap = result[index] as T;
    result[index] = result[other] as T;
    result[other] = swap;
  }
  return result;
}

import { SimDisk } from '../../sim/disk/sim-disk.ts';
import { AleaRandomStream } from '../../sim/random/random-stream.ts';
import { assert, assertNever } from '../common/assert.ts';
import type { Clock, NodeId, NodeInput } from '../env/node-environment.ts';
import { KafkaRaftClient, type RaftEffect } from './kafka-raft-client.ts';
import { METADATA_LOG_DIR } from './kafka-metadata-log.ts';
import { readElectionState, type ElectionState } from './quorum-state-store.ts';
import { raftConfig, type QuorumTimeouts, type RaftTestOnlyBugs } from './raft-config.ts';
import { RaftInvariants, type CommittedEntry, type NodeObservation, type RaftViolation } from './raft-invariants.ts';
import type { RaftMessage } from './raft-messages.ts';
import { decodeApplicationSnapshot, entrySignature, SimRaftApplication } from './raft-simulation-application.ts';
import { formatMetadataDirectory, randomDirectoryId, readMetaProperties } from './meta-properties.ts';
import { VoterSet } from './voter-set.ts';

export { chaos } from './raft-simulation-chaos.ts';

/**
 * A small deterministic harness for the Raft core, after Kafka's `RaftEventSimulationTest`: one
 * event queue ordered by (time, sequence), a seeded stream per concern, a `SimDisk` per node, a
 * message router with filters, crashes that discard the client object (and, on power loss, the
 * unsynced writes) and restarts that rebuild it from its disk. The invariants of
 * `raft-invariants.ts` are checked after every event; the first violation stops the run. With
 * `snapshotEveryRecords`, every replica also runs `SimRaftApplication` after each event (after the
 * committed data is checked), which loads, applies and writes snapshots (KIP-630).
 *
 * It is test support, not the simulator of `sim/`: the Raft core is not wired into the cluster
 * yet, and this harness drives it alone.
 */

export interface RaftClusterOptions {
  readonly seed: number;
  readonly voters: number;
  readonly observers?: number;
  readonly checkQuorum?: boolean;
  readonly preVote?: boolean;
  readonly testOnlyBugs?: RaftTestOnlyBugs;
  readonly timeouts?: QuorumTimeouts;
  /** One-way latency, uniform in [min, max] ms; per-link FIFO, like a TCP connection. */
  readonly networkDelayMs?: readonly [number, number];
  /** A bound on events per run: a livelock is reported, not run forever. */
  readonly eventBudget?: number;
  /**
   * KIP-630: every replica runs the harness application (`SimRaftApplication`), which writes a
   * snapshot every this many applied records; the snapshot invariants are checked. Off by default.
   */
  readonly snapshotEveryRecords?: number;
  /**
   * KIP-853: kraft.version 1. Each voter's directory is formatted with `--initial-controllers` at
   * its first start (directory ids from the run's stream), a replaced disk (`replaceDisk`) without
   * them, with a new directory id; voters join back by themselves (`controller.quorum.auto.join.enable`)
   * unless `autoJoin` is false. Observers never join. Off: kraft.version 0, static voters.
   */
  readonly kraftVersion?: 0 | 1;
  readonly autoJoin?: boolean;
  /**
   * Disks are replaced in this run: as Kafka's `canRecoverFromSingleNodeCommittedDataLoss` does, the
   * per-event checks leave out MonotonicEpoch (a new directory starts at epoch 0) and
   * MajorityReachedHighWatermark (the replaced voter's copy is gone while its key is still a voter).
   */
  readonly dataLoss?: boolean;
}

/** With snapshots on: FetchSnapshot chunks this small, and segments this small, so both show. */
const SNAPSHOT_FETCH_MAX_BYTES = 64;
const SNAPSHOT_SEGMENT_BYTES = 2_048;

type SimEvent =
  | { readonly kind: 'deliver'; readonly from: number; readonly to: number; readonly message: RaftMessage; readonly incarnation: number }
  | { readonly kind: 'timer'; readonly node: number; readonly name: string; readonly generation: number }
  | { readonly kind: 'action'; readonly run: () => void };

interface QueuedEvent {
  readonly atMs: number;
  readonly sequence: number;
  readonly event: SimEvent;
}

class SimClock implements Clock {
  now = 0;
  nowMs(): number {
    return this.now;
  }
}

/** One replica: its disk survives crashes; the client object does not. */
export interface SimRaftNode {
  readonly id: number;
  readonly address: NodeId;
  readonly isVoter: boolean;
  readonly disk: SimDisk;
  client: KafkaRaftClient | undefined;
  /** Bumped at every crash: events addressed to an earlier incarnation are dropped. */
  incarnation: number;
  readonly timers: Map<string, number>;
  /** The log end when the node went down (its durable end: the log fsyncs every append). */
  durableLogEnd: number;
  /** The election state last read from disk, and the directory version it was read at. */
  persisted: { version: number; state: ElectionState | undefined } | undefined;
  /** The harness application (snapshots on), rebuilt at each start. */
  application: SimRaftApplication | undefined;
  /** The snapshot ids of this incarnation already compared with the committed log. */
  readonly checkedSnapshots: Set<string>;
  /** Times its disk was replaced (kraft.version 1: each replacement formats a new directory). */
  diskReplacements: number;
}

const DEFAULT_EVENT_BUDGET = 400_000;

/**
 * Timeouts 20 to 40 times shorter than Kafka's defaults: with network delays of the same order,
 * elections overlap and split often, which is where vote-granting bugs show.
 */
export const FAST_TIMEOUTS: QuorumTimeouts = {
  electionTimeoutMs: 50,
  fetchTimeoutMs: 100,
  electionBackoffMaxMs: 50,
  requestTimeoutMs: 100,
  retryBackoffMs: 5,
  fetchMaxWaitMs: 25,
};

export class RaftCluster {
  readonly nodes: SimRaftNode[] = [];
  readonly clock = new SimClock();
  readonly invariants: RaftInvariants;
  violation: (RaftViolation | { invariant: 'crash'; message: string }) | undefined;
  eventsRun = 0;
  appended = 0;
  /** How many times each node reported each `mark` effect, keyed `node:name`. */
  readonly marks = new Map<string, number>();
  /** Every state change, `time node state epoch`: what the determinism test compares. */
  readonly trace: string[] = [];
  /** Every `transition` effect, with who reported it and in which incarnation (checked against `model/`). */
  readonly transitions: { readonly node: number; readonly incarnation: number; readonly event: string; readonly to: string }[] = [];
  private readonly queue: QueuedEvent[] = [];
  private sequence = 0;
  private readonly network: AleaRandomStream;
  private readonly blocked = new Set<string>();
  private readonly lastDeliveryMs = new Map<string, number>();
  private readonly voterIds: number[];
  /** kraft.version 1: the voters as `--initial-controllers` names them (directory ids drawn from the run's stream). */
  readonly initialControllers: VoterSet | undefined;

  constructor(readonly options: RaftClusterOptions) {
    assert(options.voters >= 1, 'at least one voter');
    this.network = new AleaRandomStream(options.seed, 'raft-network');
    this.voterIds = Array.from({ length: options.voters }, (_, index) => index);
    const directories = new AleaRandomStream(options.seed, 'raft-directory-ids');
    this.initialControllers = options.kraftVersion === 1 ? new VoterSet(this.voterIds.map((id) => ({ id, directoryId: randomDirectoryId(directories) }))) : undefined;
    this.invariants = new RaftInvariants(options.voters);
    const total = options.voters + (options.observers ?? 0);
    for (let id = 0; id < total; id++) {
      const disk = new SimDisk({ clock: this.clock, random: new AleaRandomStream(options.seed, `raft-disk-${id}`) });
      this.nodes.push({ id, address: `controller-${id}`, isVoter: id < options.voters, disk, client: undefined, incarnation: 0, timers: new Map(), durableLogEnd: 0, persisted: undefined, application: undefined, checkedSnapshots: new Set(), diskReplacements: 0 });
    }
  }

  /** Starts every node at time 0. */
  start(): void {
    for (const node of this.nodes) this.startNode(node);
  }

  // ---- Running -----------------------------------------------------------------------------------

  /** Runs events up to `untilMs` (absolute) or the first violation; false on a violation. */
  runUntil(untilMs: number): boolean {
    const budget = this.options.eventBudget ?? DEFAULT_EVENT_BUDGET;
    while (this.violation === undefined) {
      const next = this.peek();
      if (next === undefined || next.atMs > untilMs) break;
      this.pop();
      assert(this.eventsRun < budget, `event budget of ${budget} exhausted at ${this.clock.now} ms`);
      this.clock.now = next.atMs;
      this.eventsRun++;
      this.runEvent(next.event);
      if (this.violation === undefined) this.checkInvariants();
      // The applications run after the committed data is checked, so a record is seen before a snapshot can cover it.
      if (this.violation === undefined && this.options.snapshotEveryRecords !== undefined) this.stepApplications();
    }
    if (this.violation === undefined) this.clock.now = Math.max(this.clock.now, untilMs);
    return this.violation === undefined;
  }

  runFor(durationMs: number): boolean {
    return this.runUntil(this.clock.now + durationMs);
  }

  /** Runs until `predicate` holds (checked after each event) or `maxMs` pass; whether it held. */
  runUntilTrue(predicate: () => boolean, maxMs: number): boolean {
    const deadline = this.clock.now + maxMs;
    while (!predicate()) {
      if (this.violation !== undefined || this.clock.now >= deadline) return false;
      const next = this.peek();
      if (next === undefined) return false;
      this.runUntil(Math.min(next.atMs, deadline));
    }
    return true;
  }

  /** Schedules `run` at `atMs`, in order with the other events of that instant. */
  at(atMs: number, run: () => void): void {
    this.schedule(atMs, { kind: 'action', run });
  }

  /** Appends one record every `intervalMs` on the greatest-epoch leader, from now to `untilMs`. */
  workload(intervalMs: number, untilMs: number): void {
    for (let atMs = this.clock.now + intervalMs; atMs <= untilMs; atMs += intervalMs) this.at(atMs, () => this.appendOnLeader());
  }

  appendOnLeader(): boolean {
    const leader = this.leaderWithMaxEpoch();
    if (leader === undefined) return false;
    const client = leader.client as KafkaRaftClient;
    const result = client.append([new TextEncoder().encode(`record-${this.appended}`)]);
    if (result.type !== 'appended') return false;
    this.appended++;
    this.carryOut(leader, result.effects);
    return true;
  }

  // ---- Faults ------------------------------------------------------------------------------------

  /** kill -9 (the page cache survives) or power loss (unsynced writes are lost). */
  crash(id: number, powerLoss = false): void {
    const node = this.node(id);
    if (node.client !== undefined) node.durableLogEnd = node.client.log.endOffset();
    node.client = undefined;
    node.application = undefined;
    node.incarnation++;
    node.timers.clear();
    if (powerLoss) node.disk.powerLoss();
    else node.disk.crash();
    for (const peer of this.nodes) if (peer !== node && peer.client !== undefined) this.input(peer, { type: 'disconnected', peer: node.address, brokenAtMs: this.clock.now });
  }

  /**
   * The node stops and its disk is replaced with an empty one: its next start formats a new
   * directory (kraft.version 1: without the initial controllers, with a new directory id).
   */
  replaceDisk(id: number): void {
    const node = this.node(id);
    if (node.client !== undefined) this.crash(id);
    node.disk.wipe();
    node.durableLogEnd = 0;
    node.persisted = undefined;
    node.diskReplacements++;
    this.invariants.forgetNode(id);
  }

  restart(id: number): void {
    const node = this.node(id);
    assert(node.client === undefined, `node ${id} is running`);
    this.invariants.forgetNode(id);
    this.startNode(node);
  }

  /** SIGTERM: the node shuts down cleanly and halts. */
  shutdown(id: number): void {
    const node = this.node(id);
    if (node.client !== undefined) this.input(node, { type: 'signal', signal: 'SIGTERM' });
  }

  /** Cuts every link between `group` and the rest (both directions), breaking the connections. */
  partition(group: readonly number[]): void {
    for (const a of group) {
      for (const b of this.nodes) {
        if (group.includes(b.id)) continue;
        this.blocked.add(linkKey(a, b.id));
        this.blocked.add(linkKey(b.id, a));
        const nodeA = this.node(a);
        if (nodeA.client !== undefined) this.input(nodeA, { type: 'disconnected', peer: b.address, brokenAtMs: this.clock.now });
        if (b.client !== undefined) this.input(b, { type: 'disconnected', peer: nodeA.address, brokenAtMs: this.clock.now });
      }
    }
  }

  /** Cuts the link between `a` and `b` both ways, breaking their connection; the rest stays. */
  cut(a: number, b: number): void {
    this.blocked.add(linkKey(a, b));
    this.blocked.add(linkKey(b, a));
    const nodeA = this.node(a);
    const nodeB = this.node(b);
    if (nodeA.client !== undefined) this.input(nodeA, { type: 'disconnected', peer: nodeB.address, brokenAtMs: this.clock.now });
    if (nodeB.client !== undefined) this.input(nodeB, { type: 'disconnected', peer: nodeA.address, brokenAtMs: this.clock.now });
  }

  heal(): void {
    this.blocked.clear();
  }

  // ---- Queries -----------------------------------------------------------------------------------

  node(id: number): SimRaftNode {
    const node = this.nodes[id];
    assert(node !== undefined, `no node ${id}`);
    return node;
  }

  /** Running nodes in the Leader state. */
  leaders(): SimRaftNode[] {
    return this.nodes.filter((node) => node.client?.quorum.state.type === 'Leader');
  }

  leaderWithMaxEpoch(): SimRaftNode | undefined {
    let best: SimRaftNode | undefined;
    for (const node of this.leaders()) if (best === undefined || node.client!.quorum.epoch > best.client!.quorum.epoch) best = node;
    return best;
  }

  /** The one leader that every running voter of the majority side agrees on, if elected. */
  hasStableLeader(): boolean {
    const leader = this.leaderWithMaxEpoch();
    if (leader === undefined || leader.client!.highWatermark() === undefined) return false;
    const epoch = leader.client!.quorum.epoch;
    const followers = this.nodes.filter((node) => node.isVoter && this.follows(node, leader.id, epoch));
    return followers.length >= Math.floor(this.options.voters / 2) + 1;
  }

  /**
   * Quiet and caught up: one leader, every running node its follower in its epoch, and every
   * running node's HW at the leader's log end (run with no workload left to reach it).
   */
  converged(): boolean {
    const leader = this.leaderWithMaxEpoch();
    if (leader === undefined || this.leaders().length !== 1) return false;
    const client = leader.client as KafkaRaftClient;
    const end = client.log.endOffset();
    return this.nodes.every((node) => node.client === undefined || (this.follows(node, leader.id, client.quorum.epoch) && node.client.highWatermark() === end));
  }

  private follows(node: SimRaftNode, leaderId: number, epoch: number): boolean {
    const state = node.client?.quorum.state;
    if (state === undefined || state.epoch !== epoch) return false;
    return (state.type === 'Follower' && state.leaderId === leaderId) || (state.type === 'Leader' && node.id === leaderId);
  }

  /** The greatest high watermark any running node knows. */
  maxHighWatermark(): number {
    let max = 0;
    for (const node of this.nodes) max = Math.max(max, node.client?.highWatermark() ?? 0);
    return max;
  }

  /** ConsistentCommittedData over every running node's whole log below its HW (end of a run). */
  validateCommittedData(): RaftViolation | undefined {
    for (const node of this.nodes) this.invariants.forgetNode(node.id);
    return this.checkCommitted();
  }

  // ---- Internals ---------------------------------------------------------------------------------

  private startNode(node: SimRaftNode): void {
    const random = new AleaRandomStream(this.options.seed, `raft-node-${node.id}-${node.incarnation}`);
    let directoryId: string | undefined;
    if (this.initialControllers !== undefined) {
      // `kafka-storage format` before the first start of a directory: the voters with the initial
      // controllers, the rest (observers, replaced disks) without.
      if (readMetaProperties(node.disk) === undefined) {
        const initial = node.isVoter && node.diskReplacements === 0 ? this.initialControllers : undefined;
        formatMetadataDirectory(node.disk, { nodeId: node.id, directoryId: initial?.voterKey(node.id)?.directoryId ?? randomDirectoryId(random) }, initial);
      }
      directoryId = readMetaProperties(node.disk)?.directoryId;
    }
    const config = raftConfig(node.id, this.voterIds, {
      addressOf: (id) => `controller-${id}`,
      kraftVersion: this.options.kraftVersion ?? 0,
      directoryId,
      autoJoin: this.options.kraftVersion === 1 && node.isVoter && this.options.autoJoin !== false,
      checkQuorum: this.options.checkQuorum ?? true,
      preVote: this.options.preVote ?? true,
      ...(this.options.timeouts === undefined ? {} : { timeouts: this.options.timeouts }),
      ...(this.options.testOnlyBugs === undefined ? {} : { testOnlyBugs: this.options.testOnlyBugs }),
      ...(this.options.snapshotEveryRecords === undefined ? {} : { fetchSnapshotMaxBytes: SNAPSHOT_FETCH_MAX_BYTES, metadataLogSegmentBytes: SNAPSHOT_SEGMENT_BYTES }),
    });
    const environment = { nodeId: node.address, clock: this.clock, random, disk: node.disk };
    try {
      node.client = new KafkaRaftClient(environment, config);
    } catch (error) {
      this.violation = { invariant: 'crash', message: `node ${node.id} failed to start: ${String(error)}` };
      return;
    }
    if (node.client.log.endOffset() < node.durableLogEnd && this.options.testOnlyBugs?.skipLogFsync !== true) {
      this.violation = { invariant: 'crash', message: `node ${node.id} lost fsynced records: ${node.client.log.endOffset()} < ${node.durableLogEnd}` };
    }
    node.checkedSnapshots.clear();
    if (this.options.snapshotEveryRecords !== undefined) node.application = new SimRaftApplication(this.options.snapshotEveryRecords);
    this.input(node, { type: 'start' });
  }

  /** Each running node's application reads, loads and snapshots; then the snapshot invariants. */
  private stepApplications(): void {
    for (const node of this.nodes) {
      if (node.client === undefined || node.application === undefined) continue;
      try {
        node.application.step(node.client);
      } catch (error) {
        this.violation = { invariant: 'crash', message: `node ${node.id} application: ${error instanceof Error ? error.message : String(error)}` };
        return;
      }
    }
    this.violation = this.perEventViolation(this.observations()) ?? this.checkSnapshots();
  }

  /** ConsistentCommittedData for every snapshot a running node holds (each once per incarnation). */
  private checkSnapshots(): RaftViolation | undefined {
    for (const node of this.nodes) {
      const client = node.client;
      if (client === undefined) continue;
      for (const id of client.log.snapshotIds()) {
        const key = `${id.offset}-${id.epoch}`;
        if (node.checkedSnapshots.has(key)) continue;
        node.checkedSnapshots.add(key);
        const violation = this.invariants.checkSnapshot(node.id, id, decodeApplicationSnapshot(client.log.readSnapshotPayload(id)));
        if (violation !== undefined) return violation;
      }
    }
    return undefined;
  }

  private input(node: SimRaftNode, input: NodeInput<RaftMessage>): void {
    const client = node.client;
    assert(client !== undefined, `input to stopped node ${node.id}`);
    let effects: readonly RaftEffect[];
    try {
      effects = client.handle(input);
    } catch (error) {
      this.violation = { invariant: 'crash', message: `node ${node.id} threw on ${input.type}: ${error instanceof Error ? error.message : String(error)}` };
      return;
    }
    this.carryOut(node, effects);
  }

  private carryOut(node: SimRaftNode, effects: readonly RaftEffect[]): void {
    for (const effect of effects) {
      switch (effect.type) {
        case 'send':
          this.send(node, effect.to, effect.message);
          break;
        case 'set-timer': {
          const generation = (node.timers.get(effect.name) ?? 0) + 1;
          node.timers.set(effect.name, generation);
          this.schedule(this.clock.now + effect.delayMs, { kind: 'timer', node: node.id, name: effect.name, generation });
          break;
        }
        case 'cancel-timer':
          node.timers.set(effect.name, (node.timers.get(effect.name) ?? 0) + 1);
          break;
        case 'halt':
          if (node.client !== undefined) node.durableLogEnd = node.client.log.endOffset();
          node.client = undefined;
          node.application = undefined;
          node.incarnation++;
          node.timers.clear();
          break;
        case 'close-connection':
          throw new Error(`${node.id}: a controller closes no connection`);
        case 'transition':
          this.trace.push(`${this.clock.now} ${node.id} ${effect.to} ${node.client?.quorum.epoch ?? '-'}`);
          this.transitions.push({ node: node.id, incarnation: node.incarnation, event: effect.event.type, to: effect.to });
          break;
        case 'mark': {
          const key = `${node.id}:${effect.name}`;
          this.marks.set(key, (this.marks.get(key) ?? 0) + 1);
          break;
        }
        case 'history':
          break;
        default:
          assertNever(effect, 'effect');
      }
    }
  }

  private send(from: SimRaftNode, to: NodeId, message: RaftMessage): void {
    const target = this.nodes.find((node) => node.address === to);
    assert(target !== undefined, `message to unknown node ${to}`);
    if (this.blocked.has(linkKey(from.id, target.id))) return;
    const [min, max] = this.options.networkDelayMs ?? [1, 5];
    const key = linkKey(from.id, target.id);
    const atMs = Math.max(this.clock.now + this.network.int(min, max), this.lastDeliveryMs.get(key) ?? 0);
    this.lastDeliveryMs.set(key, atMs);
    this.schedule(atMs, { kind: 'deliver', from: from.id, to: target.id, message, incarnation: target.incarnation });
  }

  private runEvent(event: SimEvent): void {
    switch (event.kind) {
      case 'deliver': {
        const target = this.node(event.to);
        if (target.client === undefined || target.incarnation !== event.incarnation) return;
        if (this.blocked.has(linkKey(event.from, event.to))) return;
        this.input(target, { type: 'receive', from: this.node(event.from).address, message: event.message });
        return;
      }
      case 'timer': {
        const node = this.node(event.node);
        if (node.client === undefined || node.timers.get(event.name) !== event.generation) return;
        this.input(node, { type: 'timer', name: event.name });
        return;
      }
      case 'action':
        event.run();
        return;
      default:
        assertNever(event, 'sim event');
    }
  }

  private checkInvariants(): void {
    this.violation = this.perEventViolation(this.observations()) ?? this.checkCommitted();
  }

  private perEventViolation(observations: readonly NodeObservation[]): RaftViolation | undefined {
    if (this.options.dataLoss !== true) return this.invariants.check(observations);
    return this.invariants.checkSingleLeader(observations) ?? this.checkMonotonicHighWatermark(observations) ?? this.invariants.checkSnapshotAtLogStart(observations) ?? this.invariants.checkLeaderNeverLoadSnapshot(observations);
  }

  /** MonotonicHighWatermark alone (the data-loss runs leave MajorityReachedHighWatermark out). */
  private checkMonotonicHighWatermark(observations: readonly NodeObservation[]): RaftViolation | undefined {
    const violation = this.invariants.checkHighWatermark(observations);
    return violation?.invariant === 'MonotonicHighWatermark' ? violation : undefined;
  }

  private observations(): NodeObservation[] {
    return this.nodes.map((node) => {
      const client = node.client;
      const state = client?.quorum.state;
      const earliest = client?.log.earliestSnapshotId();
      const validated = earliest === undefined ? undefined : client?.log.validateOffsetAndEpoch(earliest.offset, earliest.epoch);
      const earliestOnLog = validated === undefined || (validated.kind === 'VALID' && validated.offsetAndEpoch.offset === earliest?.offset && validated.offsetAndEpoch.epoch === earliest.epoch);
      return {
        id: node.id,
        isVoter: node.isVoter,
        running: client !== undefined,
        persisted: this.persistedElectionState(node),
        state: state === undefined ? undefined : { type: state.type, epoch: state.epoch, leaderId: client!.quorum.leaderId() },
        highWatermark: client?.highWatermark(),
        logEndOffset: client === undefined ? node.durableLogEnd : client.log.endOffset(),
        ...(client === undefined ? {} : { snapshots: { logStartOffset: client.log.startOffset(), earliest, earliestOnLog } }),
        ...(client === undefined || node.application === undefined
          ? {}
          : { application: { writable: node.application.writable(client), snapshotLoadsSinceLeaderChange: node.application.snapshotLoadsSinceLeaderChange } }),
      };
    });
  }

  /** The node's quorum-state file, read again only when its directory changed. */
  private persistedElectionState(node: SimRaftNode): ElectionState | undefined {
    const version = node.disk.directoryVersion(METADATA_LOG_DIR);
    if (node.persisted?.version !== version) node.persisted = { version, state: readElectionState(node.disk) };
    return node.persisted.state;
  }

  private checkCommitted(): RaftViolation | undefined {
    for (const node of this.nodes) {
      const client = node.client;
      const highWatermark = client?.highWatermark();
      if (client === undefined || highWatermark === undefined) continue;
      const from = Math.max(this.invariants.committedCheckFrom(node.id), client.log.startOffset());
      if (from >= highWatermark) continue;
      const entries: CommittedEntry[] = client.log.readEntries(from, highWatermark).map((entry) => ({ offset: entry.offset, signature: entrySignature(entry), control: entry.isControl }));
      const violation = this.invariants.checkCommitted(node.id, entries, highWatermark);
      if (violation !== undefined) return violation;
    }
    return undefined;
  }

  private schedule(atMs: number, event: SimEvent): void {
    assert(Number.isFinite(atMs) && atMs >= this.clock.now, `event scheduled at ${atMs}, before now ${this.clock.now}`);
    const queued = { atMs, sequence: this.sequence++, event };
    // A binary heap ordered by (time, sequence).
    this.queue.push(queued);
    let index = this.queue.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(queued, this.queue[parent] as QueuedEvent)) break;
      this.queue[index] = this.queue[parent] as QueuedEvent;
      index = parent;
    }
    this.queue[index] = queued;
  }

  private peek(): QueuedEvent | undefined {
    return this.queue[0];
  }

  private pop(): void {
    const last = this.queue.pop();
    if (last === undefined || this.queue.length === 0) return;
    let index = 0;
    const length = this.queue.length;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      const candidate = (position: number): QueuedEvent => (position === index ? last : (this.queue[position] as QueuedEvent));
      if (left < length && before(this.queue[left] as QueuedEvent, candidate(smallest))) smallest = left;
      if (right < length && before(this.queue[right] as QueuedEvent, candidate(smallest))) smallest = right;
      if (smallest === index) break;
      this.queue[index] = this.queue[smallest] as QueuedEvent;
      index = smallest;
    }
    this.queue[index] = last;
  }
}

function before(a: QueuedEvent, b: QueuedEvent): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.sequence < b.sequence);
}

function linkKey(from: number, to: number): string {
  return `${from}->${to}`;
}

import { assert, fail } from '../../impl/common/assert.ts';
import type { Message, NodeId, RandomStream } from '../../impl/env/node-environment.ts';
import type { Scheduler } from '../core/sim-event.ts';
import type { Trace } from '../core/trace.ts';

/** How long a message takes on a healthy link, in milliseconds. */
export type LatencyDistribution =
  | { readonly type: 'uniform'; readonly minMs: number; readonly maxMs: number }
  /** `minMs` plus an exponential tail: most messages are fast, a few are slow. */
  | { readonly type: 'exponential'; readonly minMs: number; readonly meanMs: number };

export interface NetworkOptions {
  readonly latency: LatencyDistribution;
  /**
   * How long the ends of a connection take to notice that it died silently (a partition, or a
   * peer that lost power and sent no FIN). Kafka notices through `request.timeout.ms` or TCP
   * keepalive; the simulator stands in for the kernel's view.
   */
  readonly silentFailureDetectMs: number;
  /**
   * Opt-in datagram chaos: messages are no longer FIFO per connection and may be duplicated.
   * TCP never does this; it exists to test protocol code that must not rely on TCP.
   */
  readonly datagramChaos?: { readonly duplicateProbability: number };
  /** Messages in flight at once, over the whole network; a larger number is a runaway node. */
  readonly inFlightMax: number;
}

export const DEFAULT_NETWORK_OPTIONS: NetworkOptions = {
  latency: { type: 'exponential', minMs: 1, meanMs: 3 },
  silentFailureDetectMs: 2_000,
  inFlightMax: 200_000,
};

/** What the network needs to know about a node's process and host. */
export type Reachability = 'running' | 'process-down' | 'host-down';

/** The network's view of the nodes: whether they answer, and which process incarnation runs. */
export interface NetworkNodes {
  reachability(node: NodeId): Reachability;
  incarnation(node: NodeId): number;
}

/**
 * One TCP connection between two nodes, both directions. It carries a generation: a message sent
 * on generation g is delivered only while the connection is still on g, so a break loses
 * everything in flight at once and a reconnect never delivers a message from before the break.
 */
interface Connection {
  generation: number;
  /** Sends before this time are lost: the connection is dead and its ends have not noticed yet. */
  failedUntilMs: number;
  /** Per direction (`low -> high`, `high -> low`), the last scheduled delivery time, for FIFO. */
  lastDeliveryLowToHighMs: number;
  lastDeliveryHighToLowMs: number;
}

interface HeldMessage {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly generation: number;
  readonly messageId: number;
  readonly message: Message;
  readonly released?: boolean;
}

interface LinkFault {
  readonly faultId: number;
  readonly extraLatencyMs: number;
  /** A clogged link holds every message until the fault ends, then delivers them in order. */
  readonly clogged: boolean;
}

function linkKey(from: NodeId, to: NodeId): string {
  return `${from}\u0000${to}`;
}

/**
 * The simulated network: TCP-like connections with FIFO delivery, latency, breaks, partitions and
 * lagging or clogged links. It schedules deliveries on the simulator's queue and decides, when a
 * delivery falls due, whether the message still arrives.
 */
export class SimNetwork {
  private readonly connections = new Map<NodeId, Map<NodeId, Connection>>();
  /** faultId -> blocked directed links. A link is blocked while any partition blocks it. */
  private readonly partitions = new Map<number, readonly (readonly [NodeId, NodeId])[]>();
  private readonly blockedCount = new Map<string, number>();
  private readonly linkFaults = new Map<string, LinkFault[]>();
  private readonly held = new Map<string, HeldMessage[]>();
  /** Per directed link, released messages not yet arrived: later messages wait behind them. */
  private readonly releasing = new Map<string, number>();
  private nextMessageId = 0;
  private inFlight = 0;

  constructor(
    private readonly options: NetworkOptions,
    private readonly scheduler: Scheduler,
    private readonly random: RandomStream,
    private readonly trace: Trace,
    private readonly nodes: NetworkNodes,
  ) {
    assert(options.silentFailureDetectMs > 0, 'silentFailureDetectMs must be positive');
    assert(options.inFlightMax > 0, 'inFlightMax must be positive');
  }

  get messagesInFlight(): number {
    return this.inFlight;
  }

  send(from: NodeId, to: NodeId, message: Message): void {
    assert(from !== to, `${from} sent ${message.type} to itself`);
    const nowMs = this.scheduler.nowMs();
    const connection = this.connection(from, to);
    const messageId = this.nextMessageId++;
    this.trace.record({ atMs: nowMs, kind: 'send', node: from, peer: to, name: message.type, value: messageId, detail: '' }, message);
    if (nowMs < connection.failedUntilMs) {
      this.drop(from, to, message, messageId, 'connection-dead');
      return;
    }
    const reach = this.nodes.reachability(to);
    if (reach !== 'running') {
      // A process that is down refuses the connection at once (RST); a host without power
      // answers nothing, so the sender only notices after the silent-failure timeout.
      this.drop(from, to, message, messageId, reach);
      this.breakConnection(from, to, reach === 'process-down' ? 'reset' : 'silent');
      return;
    }
    if (this.isBlocked(from, to)) {
      this.drop(from, to, message, messageId, 'partitioned');
      this.breakConnection(from, to, 'silent');
      return;
    }
    this.schedule({ from, to, generation: connection.generation, messageId, message });
    const chaos = this.options.datagramChaos;
    if (chaos !== undefined && this.random.chance(chaos.duplicateProbability)) {
      this.schedule({ from, to, generation: connection.generation, messageId, message });
    }
  }

  /**
   * Called when a delivery falls due; returns true when the message reaches `to`. The caller then
   * hands it to the node. Messages on a clogged link are held here and rescheduled later.
   */
  arrive(held: HeldMessage): boolean {
    this.inFlight--;
    assert(this.inFlight >= 0, 'network in-flight count went negative');
    if (held.released !== true) return this.arriveInOrder(held);
    // A released message: whatever happens to it, the link's backlog may move on afterwards.
    const key = linkKey(held.from, held.to);
    const left = (this.releasing.get(key) ?? 0) - 1;
    assert(left >= 0, 'more released messages arrived than were released');
    if (left === 0) this.releasing.delete(key);
    else this.releasing.set(key, left);
    const arrived = this.arriveInOrder(held);
    if (left === 0) this.release(held.from, held.to);
    return arrived;
  }

  private arriveInOrder(held: HeldMessage): boolean {
    const { from, to, message, messageId } = held;
    const connection = this.connection(from, to);
    if (connection.generation !== held.generation) {
      this.drop(from, to, message, messageId, 'connection-broken');
      return false;
    }
    if (this.isBlocked(from, to)) {
      this.drop(from, to, message, messageId, 'partitioned');
      this.breakConnection(from, to, 'silent');
      return false;
    }
    // TCP is FIFO: a message may not overtake one a clog held, so it waits behind the backlog.
    if (this.isClogged(from, to) || (held.released !== true && this.hasBacklog(from, to))) {
      this.hold(held);
      return false;
    }
    if (this.nodes.reachability(to) !== 'running') {
      this.drop(from, to, message, messageId, 'receiver-down');
      return false;
    }
    return true;
  }

  private hasBacklog(from: NodeId, to: NodeId): boolean {
    if (this.held.size === 0 && this.releasing.size === 0) return false;
    const key = linkKey(from, to);
    return this.held.has(key) || this.releasing.has(key);
  }

  /** Holds a message in send order (message ids grow with send order). */
  private hold(held: HeldMessage): void {
    this.inFlight++;
    const key = linkKey(held.from, held.to);
    const queue = this.held.get(key) ?? [];
    let index = queue.length;
    while (index > 0 && (queue[index - 1] as HeldMessage).messageId > held.messageId) index--;
    queue.splice(index, 0, { from: held.from, to: held.to, generation: held.generation, messageId: held.messageId, message: held.message });
    this.held.set(key, queue);
  }

  /**
   * Sends a link's held messages on, in order, once it is neither clogged nor still delivering an
   * earlier release. They have waited already, so they go at once; everything else on the link
   * waits behind them (see {@link arriveInOrder}).
   */
  private release(from: NodeId, to: NodeId): void {
    if (this.isClogged(from, to)) return;
    const key = linkKey(from, to);
    if (this.releasing.has(key)) return;
    const queue = this.held.get(key);
    if (queue === undefined) return;
    this.held.delete(key);
    this.releasing.set(key, queue.length);
    const nowMs = this.scheduler.nowMs();
    for (const message of queue) {
      this.scheduler.schedule(nowMs, { type: 'deliver', ...message, released: true });
    }
  }

  /**
   * Breaks the connection between `a` and `b`: everything in flight is lost. A `reset` is seen by
   * both ends at once (an RST); a `silent` failure only after `silentFailureDetectMs`.
   */
  breakConnection(a: NodeId, b: NodeId, how: 'reset' | 'silent'): void {
    const nowMs = this.scheduler.nowMs();
    const connection = this.connection(a, b);
    if (nowMs < connection.failedUntilMs) return;
    connection.generation++;
    const noticeAtMs = how === 'reset' ? nowMs : nowMs + this.options.silentFailureDetectMs;
    connection.failedUntilMs = noticeAtMs;
    this.trace.record({ atMs: nowMs, kind: 'disconnect', node: a, peer: b, name: how, value: connection.generation, detail: '' });
    this.scheduleNotice(a, b, noticeAtMs, nowMs);
    this.scheduleNotice(b, a, noticeAtMs, nowMs);
  }

  /**
   * A node's new process connects afresh: connections that died silently with its previous
   * process (their ends not yet told) are usable again on a new generation, so nothing sent on
   * the old one is delivered. The old ends still hear of the death when its notice falls due.
   */
  openConnectionsOf(node: NodeId, peers: readonly NodeId[]): void {
    const nowMs = this.scheduler.nowMs();
    for (const peer of peers) {
      if (peer === node) continue;
      const connection = this.connection(node, peer);
      if (nowMs >= connection.failedUntilMs) continue;
      connection.failedUntilMs = nowMs;
      this.trace.record({ atMs: nowMs, kind: 'disconnect', node, peer, name: 'reconnect', value: connection.generation, detail: '' });
    }
  }

  /** A node's process died: every connection it had breaks; `how` says whether peers see it. */
  breakAllConnections(node: NodeId, peers: readonly NodeId[], how: 'reset' | 'silent'): void {
    for (const peer of peers) {
      if (peer !== node) this.breakConnection(node, peer, how);
    }
  }

  addPartition(faultId: number, blocked: readonly (readonly [NodeId, NodeId])[]): void {
    assert(!this.partitions.has(faultId), `partition ${faultId} added twice`);
    this.partitions.set(faultId, blocked);
    for (const [from, to] of blocked) {
      const key = linkKey(from, to);
      this.blockedCount.set(key, (this.blockedCount.get(key) ?? 0) + 1);
    }
  }

  removePartition(faultId: number): void {
    const blocked = this.partitions.get(faultId);
    if (blocked === undefined) return;
    this.partitions.delete(faultId);
    for (const [from, to] of blocked) {
      const key = linkKey(from, to);
      const count = this.blockedCount.get(key);
      assert(count !== undefined && count > 0, `partition ${faultId} unblocked a link it never blocked`);
      if (count === 1) this.blockedCount.delete(key);
      else this.blockedCount.set(key, count - 1);
    }
  }

  addLinkFault(from: NodeId, to: NodeId, fault: LinkFault): void {
    const key = linkKey(from, to);
    const faults = this.linkFaults.get(key) ?? [];
    faults.push(fault);
    this.linkFaults.set(key, faults);
  }

  removeLinkFault(from: NodeId, to: NodeId, faultId: number): void {
    const key = linkKey(from, to);
    const remaining = (this.linkFaults.get(key) ?? []).filter((fault) => fault.faultId !== faultId);
    if (remaining.length > 0) this.linkFaults.set(key, remaining);
    else this.linkFaults.delete(key);
    this.release(from, to);
  }

  /** Repairs every partition and link fault (the heal phase). */
  healAll(): void {
    for (const faultId of [...this.partitions.keys()].sort((a, b) => a - b)) this.removePartition(faultId);
    const links = [...this.linkFaults.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (const [key, faults] of links) {
      const [from, to] = key.split('\u0000') as [NodeId, NodeId];
      for (const fault of [...faults]) this.removeLinkFault(from, to, fault.faultId);
    }
    assert(this.blockedCount.size === 0, 'links still blocked after healing every partition');
    for (const key of this.held.keys()) assert(this.releasing.has(key), 'messages still held after healing every link');
  }

  isBlocked(from: NodeId, to: NodeId): boolean {
    // The empty checks are the common case, and skip building the key on every message.
    return this.blockedCount.size > 0 && this.blockedCount.has(linkKey(from, to));
  }

  private isClogged(from: NodeId, to: NodeId): boolean {
    if (this.linkFaults.size === 0) return false;
    const faults = this.linkFaults.get(linkKey(from, to));
    return faults !== undefined && faults.some((fault) => fault.clogged);
  }

  private extraLatencyMs(from: NodeId, to: NodeId): number {
    if (this.linkFaults.size === 0) return 0;
    const faults = this.linkFaults.get(linkKey(from, to));
    if (faults === undefined) return 0;
    return faults.reduce((sum, fault) => sum + fault.extraLatencyMs, 0);
  }

  private schedule(held: HeldMessage): void {
    if (this.inFlight >= this.options.inFlightMax) fail(`more than ${this.options.inFlightMax} messages in flight`);
    const nowMs = this.scheduler.nowMs();
    const connection = this.connection(held.from, held.to);
    let deliverAtMs = nowMs + this.sampleLatencyMs() + this.extraLatencyMs(held.from, held.to);
    if (this.options.datagramChaos === undefined) {
      // TCP is FIFO per direction: a message never overtakes one sent before it.
      const lowToHigh = held.from < held.to;
      const last = lowToHigh ? connection.lastDeliveryLowToHighMs : connection.lastDeliveryHighToLowMs;
      deliverAtMs = Math.max(deliverAtMs, last);
      if (lowToHigh) connection.lastDeliveryLowToHighMs = deliverAtMs;
      else connection.lastDeliveryHighToLowMs = deliverAtMs;
    }
    this.inFlight++;
    this.scheduler.schedule(deliverAtMs, { type: 'deliver', ...held });
  }

  private sampleLatencyMs(): number {
    const latency = this.options.latency;
    switch (latency.type) {
      case 'uniform':
        return this.random.int(latency.minMs, latency.maxMs);
      case 'exponential':
        return latency.minMs + Math.floor(this.random.exponential(latency.meanMs));
    }
  }

  private scheduleNotice(node: NodeId, peer: NodeId, atMs: number, brokenAtMs: number): void {
    // Only the process that had the connection hears of its end; a restarted one never saw it.
    const incarnation = this.nodes.incarnation(node);
    this.scheduler.schedule(atMs, { type: 'disconnect-notify', node, peer, incarnation, brokenAtMs });
  }

  private drop(from: NodeId, to: NodeId, message: Message, messageId: number, reason: string): void {
    const nowMs = this.scheduler.nowMs();
    this.trace.record({ atMs: nowMs, kind: 'drop', node: from, peer: to, name: message.type, value: messageId, detail: reason }, message);
  }

  private connection(a: NodeId, b: NodeId): Connection {
    // Two-level lookup by node id: no key string is built per message.
    const low = a < b ? a : b;
    const high = a < b ? b : a;
    let byHigh = this.connections.get(low);
    if (byHigh === undefined) {
      byHigh = new Map();
      this.connections.set(low, byHigh);
    }
    let connection = byHigh.get(high);
    if (connection === undefined) {
      connection = { generation: 0, failedUntilMs: 0, lastDeliveryLowToHighMs: 0, lastDeliveryHighToLowMs: 0 };
      byHigh.set(high, connection);
    }
    return connection;
  }
}

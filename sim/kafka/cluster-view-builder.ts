import { KafkaBroker } from '../../impl/broker/kafka-broker.ts';
import { KafkaAdmin } from '../../impl/client/kafka-admin.ts';
import { KafkaConsumer } from '../../impl/client/kafka-consumer.ts';
import { KafkaProducer } from '../../impl/client/kafka-producer.ts';
import type { BrokerRegistration, PartitionRegistration, TopicInfo } from '../../impl/controller/controller-state.ts';
import { QuorumController, type BrokerRegistrationShutdown } from '../../impl/controller/quorum-controller.ts';
import type { KafkaNode } from './kafka-system.ts';
import type { ClusterView, NodeView } from '../run/system.ts';
import type { BrokerView, ReplicaView, CoordinatorGroupView, CoordinatorShardView, GroupMemberClientView, KafkaClusterView } from './kafka-view.ts';
import type { GroupCoordinatorShard } from '../../impl/group/group-coordinator-shard.ts';
import { deserializeAssignment } from '../../impl/client/consumer-protocol.ts';
import { controllerIdOf, type TopicPartitionRef } from '../../impl/protocol/messages.ts';
import { QuorumViewMemory } from './quorum-view.ts';
import { reanchor, type BatchDigest } from './batch-digests.ts';
import type { BrokerLogs, ReplicaLogs } from './replica-logs.ts';
import { samePartitions, ViewVersions } from './view-versions.ts';

/**
 * Presents every replica's log digest from one common place per partition: the highest log start
 * offset among the running replicas. A replica's own digest chains its prefix hashes from its own
 * log start, and retention moves log starts at different times on different replicas (the leader
 * deletes, followers follow at their next fetch; a restarted or fully truncated replica starts
 * afresh), so two replicas holding the same batches would otherwise show different prefix hashes
 * for them. Anchored at the common start, they show the same. Each presented digest is extended
 * in place while its replica only appends, and replaced when the replica's digest is rebuilt or
 * the common start moves, as the invariants that scan digests incrementally expect.
 */
export class DigestAnchoring {
  /** Per broker, per partition name. */
  private readonly cache = new Map<number, Map<string, { source: readonly BatchDigest[]; scanned: number; from: number; presented: BatchDigest[] }>>();

  present(brokerId: number, name: string, digest: readonly BatchDigest[], from: number): readonly BatchDigest[] {
    let ofBroker = this.cache.get(brokerId);
    if (ofBroker === undefined) {
      ofBroker = new Map();
      this.cache.set(brokerId, ofBroker);
    }
    const cached = ofBroker.get(name);
    if (cached !== undefined && cached.source === digest && cached.from === from && cached.scanned <= digest.length) {
      if (cached.scanned < digest.length && cached.presented !== digest) reanchor(digest, from, cached.presented, cached.scanned);
      cached.scanned = digest.length;
      return cached.presented;
    }
    // A replica whose first batch starts at `from` is anchored there already (`appendDigests`
    // anchors at the first batch read), so reanchoring would copy every digest unchanged: the
    // replica's own array, which grows in place as the ledger reads appends, is shown as it is
    // (106 of 159 presentations in a 120 s run of seed 42).
    const presented = digest.length > 0 && (digest[0] as BatchDigest).baseOffset === from ? (digest as BatchDigest[]) : reanchor(digest, from);
    ofBroker.set(name, { source: digest, scanned: digest.length, from, presented });
    return presented;
  }

  /**
   * What `present` would give, when it would give the digest it gave last time unchanged (the
   * same source, grown by nothing, from the same start); undefined otherwise. Changes nothing.
   */
  unchanged(brokerId: number, name: string, digest: readonly BatchDigest[], from: number): readonly BatchDigest[] | undefined {
    const cached = this.cache.get(brokerId)?.get(name);
    return cached !== undefined && cached.source === digest && cached.from === from && cached.scanned === digest.length ? cached.presented : undefined;
  }
}

/** The controller's registrations as of one metadata offset: rebuilt only when a record was replayed. */
class ControllerRegistrationsCache {
  private state: unknown;
  private offset = -1;
  private cached: { brokers: BrokerRegistration[]; partitions: PartitionRegistration[]; topics: TopicInfo[] } | undefined;

  of(controller: QuorumController): { brokers: BrokerRegistration[]; partitions: PartitionRegistration[]; topics: TopicInfo[] } {
    const state = controller.committedState;
    if (this.cached === undefined || this.state !== state || this.offset !== state.nextOffset) {
      this.cached = { brokers: state.brokers(), partitions: state.allPartitions(), topics: state.topics() };
      this.state = state;
      this.offset = state.nextOffset;
    }
    return this.cached;
  }
}

/** One broker as the last view built it. */
interface BuiltBroker {
  /** The process object the view was built from (undefined while down). */
  readonly logic: KafkaBroker | undefined;
  readonly logs: BrokerLogs;
  /** Each hosted partition's log start offset, by name: updated in place (`refreshStarts`). */
  readonly logStarts: Map<string, number>;
  /** The last view; `stale` when an event touched the broker since, so it must be compared again. */
  view: BrokerView | undefined;
  stale: boolean;
  /**
   * The length of its damage list when `view` was built: the list grows in place, so a view
   * reused after it grew would hide the new damage from the cluster version.
   */
  damageLength: number;
  /** Its hosted partitions' names, sorted, as the last view listed them. */
  names: string[];
  /** Its coordinator shards, read with `view`. */
  shards: readonly CoordinatorShardView[];
}

/**
 * What one run's views carry from one to the next: anchored digests, change counters, the
 * controller's registrations, and each broker as last built. A broker no event touched since the
 * last view (`ClusterView.touched`) is shown as it was: its process handled nothing, no fault
 * struck it, so neither its memory nor its disk changed. So building a view costs the brokers
 * touched, not the whole cluster.
 */
export class KafkaViewMemory {
  readonly anchoring = new DigestAnchoring();
  readonly versions = new ViewVersions();
  readonly registrations = new ControllerRegistrationsCache();
  readonly quorum = new QuorumViewMemory();
  readonly brokers = new Map<string, BuiltBroker>();
  /** Each group consumer's last membership view, by node name (`memberView`). */
  readonly members = new Map<string, GroupMemberClientView>();
  /** Each consumer's membership as the last view showed it (none: not in a group, closed or down), by node name. */
  readonly memberships = new Map<string, { readonly logic: KafkaConsumer; readonly view: GroupMemberClientView | undefined }>();
  commonStart = new Map<string, number>();
  /** Each consumer node's entry for the views' client lists, while it runs the same process. */
  private readonly consumerEntries = new Map<string, ConsumerEntry>();
  /** What the builder knows of each node of the last `nodes` array it was given (`nodeEntries`). */
  private entries: NodeEntry[] = [];
  private controller: { readonly registrations: object; readonly shutdowns: readonly BrokerRegistrationShutdown[]; readonly view: NonNullable<KafkaClusterView['controller']> } | undefined;

  private shutdowns: { readonly from: readonly (readonly BrokerRegistrationShutdown[])[]; readonly merged: readonly BrokerRegistrationShutdown[] } | undefined;

  /**
   * Whether a view built now could show broker `id`, whose process `broker` has just handled an
   * input, differently from the last view built (`SystemDefinition.stateChangedBy`). False only
   * when every part the view reads of it is as the last view read it, compared as the builder
   * compares it: its disk at the version its logs were read at (so reading them again would read
   * nothing, and the copy ledger learns nothing), its damage, log starts, partitions and each
   * replica's fields, lifecycle, clean-load flag, broker epoch and coordinator shards. Issue 12:
   * two views in three after seed 42's broker inputs (a follower's fetch that brought nothing, a
   * metadata fetch, a metadata request) showed a state the checks had judged already. Changes
   * nothing: a later view reads the broker as it would have.
   */
  /** The consumer's entry for a view's client lists: the same object while the node runs the same process. */
  consumerEntry(name: string, logic: KafkaConsumer): ConsumerEntry {
    let entry = this.consumerEntries.get(name);
    if (entry === undefined || entry.logic !== logic) {
      entry = { name, logic };
      this.consumerEntries.set(name, entry);
    }
    return entry;
  }

  /**
   * One entry per node of `nodes`, in its order: what its id says (broker, controller and its id,
   * producer), read once, and the type of the process it last ran. The simulator hands the same
   * node view objects to every view (updated in place), so the entries are kept while each is for
   * the same object: a view costs no name parsed and no chain of `instanceof` per node.
   */
  nodeEntries(nodes: readonly NodeView<KafkaNode>[]): readonly NodeEntry[] {
    if (this.entries.length !== nodes.length) this.entries = [];
    for (let index = 0; index < nodes.length; index++) {
      const node = nodes[index] as NodeView<KafkaNode>;
      if (this.entries[index]?.node === node) continue;
      const controllerId = controllerIdOf(node.id);
      this.entries[index] = {
        node,
        broker: node.id.startsWith('broker-'),
        producer: node.id.startsWith('producer-'),
        controller: controllerId === undefined ? undefined : { controllerId, view: node },
        logic: undefined,
        type: 'none',
      };
    }
    return this.entries;
  }

  brokerMayHaveChanged(id: string, broker: KafkaBroker, logs: ReplicaLogs): boolean {
    const built = this.brokers.get(id);
    if (built === undefined || built.logic !== broker || built.stale || !built.logs.running) return true;
    const view = built.view;
    if (view === undefined || view.status !== 'running' || built.damageLength !== built.logs.damage.length || !logs.current(built.logs)) return true;
    if (view.lifecycle !== broker.lifecycle || view.loadedAsClean !== broker.loadedAfterCleanShutdown || view.brokerEpoch !== broker.currentBrokerEpoch) return true;
    if (startsDiffer(built.logStarts, broker) || sortedNames(built.names, broker) !== built.names) return true;
    const names = built.names;
    const partitions = broker.partitions;
    const brokerId = broker.brokerId;
    if (view.replicas.length !== names.length) return true;
    for (let index = 0; index < names.length; index++) {
      const name = names[index] as string;
      const digest = this.anchoring.unchanged(brokerId, name, logs.batches(brokerId, name), this.commonStart.get(name) ?? 0);
      if (digest === undefined) return true;
      if (!this.versions.replicaUnchanged(brokerId, name, partitions.get(name) as NonNullable<ReturnType<typeof partitions.get>>, digest)) return true;
    }
    const shards = broker.coordinatorShards();
    if (shards.length !== built.shards.length) return true;
    for (let index = 0; index < shards.length; index++) {
      const [partition, shard] = shards[index] as [number, GroupCoordinatorShard];
      const before = built.shards[index] as CoordinatorShardView;
      if (before.brokerId !== brokerId || !sameShard(before, partition, shard)) return true;
    }
    return false;
  }

  /**
   * The controllers' part of the view: the committed metadata of the running controller that knows
   * the most of it (the quorum's committed log is one, so the furthest replay is the whole of what
   * is committed; a controller that has not yet learned the high watermark since it started knows
   * none), or undefined when none does. It never steps back while some controller knows any: a
   * view behind the last one (its furthest controller stopped before the others learned its high
   * watermark) gives the last one again. The last view is reused while its registrations and
   * shutdown verdicts are the same objects.
   */
  controllerView(controllers: readonly QuorumController[]): KafkaClusterView['controller'] {
    let best: QuorumController | undefined;
    for (const controller of controllers) {
      if (controller.highWatermark === undefined) continue;
      if (best === undefined || controller.committedState.nextOffset > best.committedState.nextOffset) best = controller;
    }
    if (best === undefined) return undefined;
    // Committed metadata is the quorum's, not a process's: when the controller that had replayed
    // the most of it stops, the others may not yet have learned its high watermark, and the view
    // keeps what was committed rather than step back to an older ISR or fencing (seed 315: the
    // leader that fenced broker 0 crashed, and the view of the controller left running showed
    // broker 0 unfenced and back in t-1's ISR, a StrongIsr finding against metadata long
    // superseded). The running controllers catch up, and the view moves on with them.
    if (this.controller !== undefined && best.committedState.nextOffset < this.controller.view.metadataOffset) return this.controller.view;
    const registrations = this.registrations.of(best);
    const shutdowns = this.mergedShutdowns(controllers);
    if (this.controller?.registrations !== registrations || this.controller.shutdowns !== shutdowns) {
      this.controller = { registrations, shutdowns, view: { ...registrations, metadataOffset: best.committedState.nextOffset, registrationShutdowns: shutdowns } };
    }
    return this.controller.view;
  }

  /**
   * Every running controller's registration verdicts (each process keeps those it made while
   * active), the latest registration's per broker; the same array while no controller's changed.
   */
  private mergedShutdowns(controllers: readonly QuorumController[]): readonly BrokerRegistrationShutdown[] {
    const known = this.shutdowns;
    if (known !== undefined && known.from.length === controllers.length) {
      let same = true;
      for (let index = 0; same && index < controllers.length; index++) same = known.from[index] === (controllers[index] as QuorumController).registrationShutdownDecisions;
      if (same) return known.merged;
    }
    const from = controllers.map((controller) => controller.registrationShutdownDecisions);
    let merged: readonly BrokerRegistrationShutdown[];
    if (from.length === 1) {
      merged = from[0] as readonly BrokerRegistrationShutdown[];
    } else {
      const latest = new Map<number, BrokerRegistrationShutdown>();
      for (const decisions of from) {
        for (const decision of decisions) {
          const known = latest.get(decision.brokerId);
          if (known === undefined || decision.brokerEpoch > known.brokerEpoch) latest.set(decision.brokerId, decision);
        }
      }
      merged = [...latest.keys()].sort((a, b) => a - b).map((id) => latest.get(id) as BrokerRegistrationShutdown);
    }
    this.shutdowns = { from, merged };
    return merged;
  }
}

/** The kinds of process `kafkaView` tells apart ('none': no process; 'other': a broker's, a script's). */
type ProcessType = 'controller' | 'producer' | 'admin' | 'consumer' | 'none' | 'other';

/** One node as `KafkaViewMemory.nodeEntries` keeps it. */
interface NodeEntry {
  readonly node: NodeView<KafkaNode>;
  readonly broker: boolean;
  readonly producer: boolean;
  /** For a controller node: the entry the quorum view reads (the same object every view). */
  readonly controller: { readonly controllerId: number; readonly view: NodeView<KafkaNode> } | undefined;
  /** The process `type` was found for. */
  logic: KafkaNode | undefined;
  type: ProcessType;
}

function processType(logic: KafkaNode | undefined): ProcessType {
  if (logic === undefined) return 'none';
  if (logic instanceof QuorumController) return 'controller';
  if (logic instanceof KafkaProducer) return 'producer';
  if (logic instanceof KafkaAdmin) return 'admin';
  if (logic instanceof KafkaConsumer) return 'consumer';
  return 'other';
}

function isBroker(node: NodeView<KafkaNode>): boolean {
  return node.id.startsWith('broker-');
}

function logStartsOf(broker: KafkaBroker | undefined): Map<string, number> {
  const starts = new Map<string, number>();
  if (broker !== undefined) for (const [name, partition] of broker.partitions) starts.set(name, partition.log.logStartOffset);
  return starts;
}

/**
 * Brings `starts` up to the broker's log start offsets in place; true when any moved, came or
 * went. In place, because most touched brokers moved none, and a map built per view was a
 * map per event.
 */
function refreshStarts(starts: Map<string, number>, broker: KafkaBroker | undefined): boolean {
  if (broker === undefined) {
    const moved = starts.size > 0;
    starts.clear();
    return moved;
  }
  const partitions = broker.partitions;
  let moved = false;
  if (starts.size !== partitions.size) moved = true;
  for (const [name, partition] of partitions) {
    const start = partition.log.logStartOffset;
    if (starts.get(name) !== start) {
      starts.set(name, start);
      moved = true;
    }
  }
  if (starts.size !== partitions.size) {
    for (const name of [...starts.keys()]) if (!partitions.has(name)) starts.delete(name);
  }
  return moved;
}

/** Whether `refreshStarts` would find a log start moved, come or gone; changes nothing. */
function startsDiffer(starts: ReadonlyMap<string, number>, broker: KafkaBroker): boolean {
  const partitions = broker.partitions;
  if (starts.size !== partitions.size) return true;
  for (const [name, partition] of partitions) if (starts.get(name) !== partition.log.logStartOffset) return true;
  return false;
}

/** The broker's partition names, sorted: `names` again while it lists exactly them. */
function sortedNames(names: string[], broker: KafkaBroker | undefined): string[] {
  if (broker === undefined) return names.length === 0 ? names : [];
  const partitions = broker.partitions;
  if (names.length === partitions.size) {
    let same = true;
    for (let index = 0; same && index < names.length; index++) same = partitions.has(names[index] as string);
    if (same) return names;
  }
  return [...partitions.keys()].sort();
}

function brokerLogsOf(node: NodeView<KafkaNode>, broker: KafkaBroker | undefined): BrokerLogs {
  return {
    brokerId: Number(node.id.slice('broker-'.length)),
    incarnation: node.incarnation,
    running: node.status === 'running' && broker !== undefined,
    disk: node.disk,
    damage: node.damage,
    logStartOffset: (name) => broker?.logStartOffsetOf(name),
    following: (name) => {
      const partition = broker?.partitions.get(name);
      return partition === undefined || partition.role !== 'follower' || partition.leaderId < 0 ? undefined : { leader: partition.leaderId, leaderEpoch: partition.leaderEpoch };
    },
  };
}

export function kafkaView(cluster: ClusterView<KafkaNode>, logs: ReplicaLogs, memory: KafkaViewMemory = new KafkaViewMemory()): KafkaClusterView {
  const { anchoring, versions } = memory;
  const touched = cluster.touched;
  // Brokers an event touched (all of them when the simulator does not say) are read again.
  let startsMoved = false;
  const brokerLogs: BrokerLogs[] = [];
  for (const node of cluster.nodes) {
    if (!isBroker(node)) continue;
    const logic = node.node instanceof KafkaBroker ? node.node : undefined;
    let built = memory.brokers.get(node.id);
    const running = node.status === 'running' && logic !== undefined;
    if (built === undefined || built.logic !== logic || built.logs.incarnation !== node.incarnation || built.logs.running !== running) {
      // Another process (or none): everything about the broker is read afresh.
      const logStarts = logStartsOf(logic);
      if (built === undefined || refreshStarts(built.logStarts, logic)) startsMoved = true;
      built = { logic, logs: brokerLogsOf(node, logic), logStarts, view: undefined, stale: true, damageLength: 0, names: [], shards: [] };
      memory.brokers.set(node.id, built);
    } else if (touched === undefined || touched.has(node.id)) {
      // The same process, touched: compared again, its unchanged parts kept.
      if (refreshStarts(built.logStarts, logic)) startsMoved = true;
      built.stale = true;
    }
    brokerLogs.push(built.logs);
  }
  logs.observe(cluster.nowMs, brokerLogs);
  if (startsMoved) {
    const commonStart = new Map<string, number>();
    for (const built of memory.brokers.values()) {
      if (built.logic === undefined) continue;
      for (const [name, start] of built.logStarts) commonStart.set(name, Math.max(commonStart.get(name) ?? 0, start));
    }
    memory.commonStart = commonStart;
  }
  const commonStart = memory.commonStart;
  const runningControllers: QuorumController[] = [];
  const controllerNodes: { controllerId: number; view: NodeView<KafkaNode> }[] = [];
  const brokerViews: BrokerView[] = [];
  let producersDone = true;
  let adminDone = true;
  const consumers: ConsumerEntry[] = [];
  const groupConsumers: ConsumerEntry[] = [];
  const shards: CoordinatorShardView[] = [];
  const members: GroupMemberClientView[] = [];
  const nodes = cluster.nodes;
  const entries = memory.nodeEntries(nodes);
  for (let index = 0; index < nodes.length; index++) {
    const node = nodes[index] as NodeView<KafkaNode>;
    const entry = entries[index] as NodeEntry;
    const logic = node.node;
    if (entry.controller !== undefined) controllerNodes.push(entry.controller);
    // A process's type is found once, when the node runs a new one (a restart, a start).
    if (entry.logic !== logic) {
      entry.logic = logic;
      entry.type = processType(logic);
    }
    if (entry.type === 'controller') {
      runningControllers.push(logic as QuorumController);
    } else if (entry.broker) {
      const built = memory.brokers.get(node.id) as BuiltBroker;
      // A moved log start re-anchors every replica's digest of its partition, on every broker.
      if (built.view === undefined || built.stale || startsMoved) {
        built.names = sortedNames(built.names, built.logic);
        const previous = built.view !== undefined && built.damageLength === node.damage.length ? built.view : undefined;
        built.view = brokerView(node, built.logic, logs, anchoring, versions, commonStart, built.names, previous);
        built.damageLength = node.damage.length;
        built.shards = node.status === 'running' && built.logic !== undefined ? shardViews(built.logic.brokerId, built.logic.coordinatorShards(), built.shards) : [];
        built.stale = false;
      }
      brokerViews.push(built.view);
      for (const shard of built.shards) shards.push(shard);
    } else if (entry.type === 'producer') {
      producersDone &&= (logic as KafkaProducer).done;
    } else if (entry.type === 'admin') {
      adminDone &&= (logic as KafkaAdmin).done;
    } else if (entry.type === 'consumer') {
      const consumer = logic as KafkaConsumer;
      // A group member reads only the partitions it owns: the convergence check's "every
      // consumer has read every partition" is for the consumers that assign themselves all.
      // (`inGroup`, not `group`: that builds a view, for every consumer of every view.)
      if (!consumer.inGroup) consumers.push(memory.consumerEntry(node.id, consumer));
      else groupConsumers.push(memory.consumerEntry(node.id, consumer));
      // A consumer no event touched since the last view is in the membership it was in then.
      let group = touched !== undefined && !touched.has(node.id) ? memory.memberships.get(node.id) : undefined;
      if (group === undefined || group.logic !== consumer) {
        group = { logic: consumer, view: node.status === 'running' ? memberView(node.id, consumer, memory.members) : undefined };
        memory.memberships.set(node.id, group);
      }
      if (group.view !== undefined) members.push(group.view);
    } else if (entry.type === 'none' && entry.producer) {
      producersDone = false;
    }
  }
  const controllerView = memory.controllerView(runningControllers);
  const quorum = memory.quorum.build(controllerNodes, touched);
  if (quorum.changed) versions.quorumChanged();
  if (logs.learnsFrom(controllerView)) {
    logs.observeController(cluster.nowMs, controllerView, (brokerId) => {
      const broker = brokerViews.find((candidate) => candidate.brokerId === brokerId);
      return broker?.status === 'running' ? broker.lastStop : undefined;
    });
  }
  if (controllerView !== undefined) versions.controller(controllerView.partitions);
  versions.cluster(brokerViews, controllerView, cluster.fullChecks === true);
  const groups = { shards, members };
  versions.groups(groups);
  const clients = new ClientsView(producersDone, adminDone, consumers, groupConsumers);
  return { nowMs: cluster.nowMs, controller: controllerView, brokers: brokerViews, quorum: quorum.views, logs, groups, clients, partitionVersions: versions.partitionVersions, topicVersions: versions.topicVersions, quorumVersion: versions.quorumVersion, clusterVersion: versions.clusterVersion, groupsVersion: versions.groupsVersion, stateVersion: versions.stateVersion };
}

/**
 * The clients' part of a view. The consumers' positions are read by the convergence check and the
 * final reads' judgement, not by the state checks: built when asked for, not for every view. A
 * class, not an object literal with getters: one of those per view cost 0.9% of a run.
 */
class ClientsView {
  private consumerViews: { name: string; positions: Map<number, number | undefined> }[] | undefined;
  private groupConsumerViews: { name: string; positions: Map<number, number | undefined> }[] | undefined;

  constructor(
    readonly producersDone: boolean,
    readonly adminDone: boolean,
    private readonly consumerLogic: readonly ConsumerEntry[],
    private readonly groupConsumerLogic: readonly ConsumerEntry[],
  ) {}

  get consumers(): readonly { readonly name: string; readonly positions: ReadonlyMap<number, number | undefined> }[] {
    this.consumerViews ??= this.consumerLogic.map(positionsOf);
    return this.consumerViews;
  }

  get groupConsumers(): readonly { readonly name: string; readonly positions: ReadonlyMap<number, number | undefined> }[] {
    this.groupConsumerViews ??= this.groupConsumerLogic.map(positionsOf);
    return this.groupConsumerViews;
  }
}

/** A consumer node and its process, as a view lists it (kept per node across views: `KafkaViewMemory.consumerEntry`). */
interface ConsumerEntry {
  readonly name: string;
  readonly logic: KafkaConsumer;
}

/** A consumer's positions, as the convergence check reads them. */
function positionsOf({ name, logic }: ConsumerEntry): { name: string; positions: Map<number, number | undefined> } {
  return { name, positions: new Map([...logic.positions.entries()].map(([partition, position]) => [partition, position.offset])) };
}

/**
 * A broker's view: `previous` again when nothing in it changed (each replica view is reused by
 * `ViewVersions` while its fields are the same), so that a touched broker whose state did not move
 * costs comparisons, not allocations, and the cluster version sees the same objects.
 */
function brokerView(node: NodeView<KafkaNode>, broker: KafkaBroker | undefined, logs: ReplicaLogs, anchoring: DigestAnchoring, versions: ViewVersions, commonStart: ReadonlyMap<string, number>, names: readonly string[], previous: BrokerView | undefined): BrokerView {
  let replicas: ReplicaView[] | undefined;
  if (broker !== undefined) {
    const partitions = broker.partitions;
    const before = previous?.replicas;
    for (let index = 0; index < names.length; index++) {
      const name = names[index] as string;
      const partition = partitions.get(name) as NonNullable<ReturnType<typeof partitions.get>>;
      const digest = anchoring.present(broker.brokerId, name, logs.batches(broker.brokerId, name), commonStart.get(name) ?? 0);
      const replica = versions.replica(broker.brokerId, name, partition, digest);
      if (replicas === undefined && (before === undefined || before[index] !== replica)) replicas = before === undefined ? [] : before.slice(0, index);
      replicas?.push(replica);
    }
  }
  const sameReplicas = replicas === undefined && previous !== undefined && previous.replicas.length === names.length && (broker !== undefined || names.length === 0);
  const brokerId = Number(node.id.slice('broker-'.length));
  const lifecycle = broker?.lifecycle;
  const loadedAsClean = node.status === 'running' ? broker?.loadedAfterCleanShutdown : undefined;
  const brokerEpoch = broker?.currentBrokerEpoch ?? -1;
  if (
    sameReplicas && previous !== undefined && previous.brokerId === brokerId && previous.status === node.status && previous.incarnation === node.incarnation
    && previous.lastStop === node.lastStop && previous.lifecycle === lifecycle && previous.loadedAsClean === loadedAsClean && previous.disk === node.disk
    && previous.damage === node.damage && previous.brokerEpoch === brokerEpoch
  ) {
    return previous;
  }
  return {
    brokerId,
    status: node.status,
    incarnation: node.incarnation,
    lastStop: node.lastStop,
    lifecycle,
    loadedAsClean,
    disk: node.disk,
    damage: node.damage,
    brokerEpoch,
    replicas: sameReplicas ? (previous as BrokerView).replicas : (replicas ?? []),
  };
}

const ASSIGNMENTS = new WeakMap<Uint8Array, readonly TopicPartitionRef[]>();

/** The partitions in a member's assignment bytes (`ConsumerProtocolAssignment`), read once per byte array. */
function assignedPartitions(bytes: Uint8Array): readonly TopicPartitionRef[] {
  let partitions = ASSIGNMENTS.get(bytes);
  if (partitions === undefined) {
    // No assignment yet (empty bytes), or bytes the consumer protocol cannot read: nothing owned.
    partitions = [];
    if (bytes.length > 0) {
      try {
        partitions = deserializeAssignment(bytes).assignedPartitions;
      } catch {
        partitions = [];
      }
    }
    ASSIGNMENTS.set(bytes, partitions);
  }
  return partitions;
}

/**
 * A broker's coordinator shards as the group claims read them: each shard's previous view again
 * while nothing in it changed, so that the groups' version compares objects, not fields.
 */
function shardViews(brokerId: number, shards: readonly [number, GroupCoordinatorShard][], previous: readonly CoordinatorShardView[]): readonly CoordinatorShardView[] {
  let views: CoordinatorShardView[] | undefined;
  for (let index = 0; index < shards.length; index++) {
    const [partition, shard] = shards[index] as [number, GroupCoordinatorShard];
    const before = previous[index];
    const view = before !== undefined && before.brokerId === brokerId && sameShard(before, partition, shard) ? before : shardView(brokerId, partition, shard);
    if (views === undefined && view !== before) views = previous.slice(0, index);
    views?.push(view);
  }
  if (views === undefined && previous.length === shards.length) return previous;
  return views ?? [];
}

/** Whether a shard's view still shows it: the same partition, epoch, state, groups and members. */
function sameShard(view: CoordinatorShardView, partition: number, shard: GroupCoordinatorShard): boolean {
  if (view.partition !== partition || view.epoch !== shard.partitionEpoch || view.state !== shard.state) return false;
  if (shard.state !== 'ACTIVE') return view.groups.length === 0;
  let index = 0;
  for (const group of shard.groups()) {
    const seen = view.groups[index++];
    if (seen === undefined || seen.groupId !== group.groupId || seen.state !== group.state || seen.generationId !== group.generationId
      || seen.protocolName !== group.protocolName || seen.leaderId !== group.leaderId || seen.members.length !== group.members.size) return false;
    let at = 0;
    for (const member of group.members.values()) {
      const was = seen.members[at++] as CoordinatorGroupView['members'][number];
      if (was.memberId !== member.memberId || was.groupInstanceId !== member.groupInstanceId || was.clientId !== member.clientId
        || was.clientHost !== member.clientHost || was.assignment !== assignedPartitions(member.assignment)) return false;
    }
  }
  return index === view.groups.length;
}

function shardView(brokerId: number, partition: number, shard: GroupCoordinatorShard): CoordinatorShardView {
  return {
    brokerId,
    partition,
    epoch: shard.partitionEpoch,
    state: shard.state,
    groups: shard.state !== 'ACTIVE' ? [] : [...shard.groups()].map((group) => ({
      groupId: group.groupId,
      state: group.state,
      generationId: group.generationId,
      protocolName: group.protocolName,
      leaderId: group.leaderId,
      members: [...group.members.values()].map((member) => ({
        memberId: member.memberId,
        groupInstanceId: member.groupInstanceId,
        clientId: member.clientId,
        clientHost: member.clientHost,
        assignment: assignedPartitions(member.assignment),
      })),
      // Read from the shard each time it is asked for (only `describe` asks), never kept: the
      // view object outlives changes to the offsets, which move no field the claims read.
      get committedOffsets(): CoordinatorGroupView['committedOffsets'] {
        return committedOffsetsOf(shard, group.groupId);
      },
    })),
  };
}

/** A group's offsets in its shard's committed view, sorted by topic, then partition. */
function committedOffsetsOf(shard: GroupCoordinatorShard, groupId: string): NonNullable<CoordinatorGroupView['committedOffsets']> {
  const rows: { topic: string; partition: number; committedOffset: number }[] = [];
  const byTopic = shard.offsets.offsetsOf(groupId, false);
  for (const topic of [...byTopic.keys()].sort()) {
    const partitions = byTopic.get(topic) ?? new Map<number, { committedOffset: number }>();
    for (const partition of [...partitions.keys()].sort((left, right) => left - right)) {
      rows.push({ topic, partition, committedOffset: (partitions.get(partition) as { committedOffset: number }).committedOffset });
    }
  }
  return rows;
}

/**
 * A group consumer's membership, if the consumer is in a group. A consumer whose `close()` has
 * finished is in none: it owns nothing, and the convergence check waits for no such member (a
 * static one stays in the coordinator's group until its session times out or a new process takes
 * its `group.instance.id`).
 */
function memberView(name: string, consumer: KafkaConsumer, kept: Map<string, GroupMemberClientView>): GroupMemberClientView | undefined {
  const group = consumer.group;
  if (group === undefined || consumer.closed) return undefined;
  // The last view of this consumer while it says the same: the groups' version compares objects.
  const last = kept.get(name);
  if (last !== undefined && last.groupId === group.groupId && last.memberId === group.memberId && last.generationId === group.generationId
    && last.state === group.state && samePartitions(last.owned, group.owned) && last.assignedInGeneration === group.assignedInGeneration) return last;
  const view = { name, groupId: group.groupId, memberId: group.memberId, generationId: group.generationId, state: group.state, owned: group.owned, assignedInGeneration: group.assignedInGeneration };
  kept.set(name, view);
  return view;
}

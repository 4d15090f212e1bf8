import type { BrokerRegistration, PartitionRegistration, TopicInfo } from '../../impl/controller/controller-state.ts';
import type { BrokerRegistrationShutdown } from '../../impl/controller/quorum-controller.ts';
import { partitionName, topicOfPartition, type BrokerView, type CoordinatorGroupView, type CoordinatorShardView, type GroupMemberClientView, type GroupsView, type ReplicaView } from './kafka-view.ts';
import type { TopicPartitionRef } from '../../impl/protocol/messages.ts';
import type { BatchDigest } from './batch-digests.ts';

/** What a replica view is read from: a broker's `Partition`, as far as the view reads it. */
export interface ReplicaSource {
  readonly role: ReplicaView['role'];
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly highWatermark: number;
  readonly isrState: ReplicaView['isrState'];
  readonly maximalIsr: readonly number[];
  readonly log: { readonly logStartOffset: number; readonly logEndOffset: number; readonly leaderEpochCache: { readonly all: ReplicaView['epochCache'] } };
  readonly producerState: ReplicaView['producerState'];
}

/** A broker's fields that move the cluster version, as last seen. */
interface BrokerFields {
  readonly brokerId: number;
  readonly status: BrokerView['status'];
  readonly incarnation: number;
  readonly lastStop: BrokerView['lastStop'];
  readonly lifecycle: BrokerView['lifecycle'];
  readonly loadedAsClean: boolean | undefined;
  readonly brokerEpoch: number;
  readonly damage: number;
  readonly replicas: number;
}

/** What a replica view was built from, beyond its own fields: the lengths of what grows in place. */
interface BuiltReplica {
  readonly view: ReplicaView;
  readonly digestLength: number;
  readonly epochCacheLength: number;
  readonly producerStateVersion: number;
}

/**
 * Change counters for the cluster view, so that a state check costs what changed, not the
 * cluster's size (issue 12). Each partition has a version that moves whenever anything a check
 * reads of it moves: a field of one of its replicas on any broker (its log, epoch cache, producer
 * state, high watermark, ISR state, ...) or the controller's registration of it. The cluster
 * version moves whenever anything outside one partition moves: a broker's process, incarnation,
 * epoch, lifecycle, damage or set of replicas, the controller's broker registrations, topics or
 * shutdown verdicts. A claim that judged a partition to hold may skip it while both versions are
 * as they were (`JudgedPartitions` in `properties/`).
 *
 * Replica views are reused while nothing in them changed, so that building the view costs
 * comparisons, not allocations. With `--full-checks` every view moves the cluster version, so
 * that every claim judges every partition, as the debug switch promises.
 */
export class ViewVersions {
  /** Per broker, per partition name (the broker's own name strings: no key is built per view). */
  private readonly replicas = new Map<number, Map<string, BuiltReplica>>();
  /** Per partition name: its version; the map is the one every view shows (read-only there). */
  readonly partitionVersions = new Map<string, number>();
  /**
   * Per topic: moves whenever any of its partitions' versions moves (the map every view shows).
   * A claim that reads one topic's partitions alone (the group claims read `__consumer_offsets`)
   * can tell from it that none of them moved.
   */
  readonly topicVersions = new Map<string, number>();
  /** Moves whenever the controller quorum's part of the view differs from the last view's. */
  quorumVersion = 0;
  private readonly registrations = new Map<string, PartitionRegistration>();
  /** The registrations array the last `controller` call was given. */
  private lastPartitions: readonly PartitionRegistration[] | undefined;
  private lastPartitionVersion = 0;
  /** Moves with every partition version and cluster version move: see `stateVersion`. */
  private changes = 0;
  private brokers: readonly BrokerFields[] = [];
  private controllerPresent = false;
  private topics: readonly TopicInfo[] = [];
  private brokerRegistrations: readonly BrokerRegistration[] = [];
  private shutdowns: readonly BrokerRegistrationShutdown[] = [];
  clusterVersion = 0;
  /** Moves whenever the coordinators' groups or the group consumers differ from the last view's. */
  groupsVersion = 0;
  /** The objects the last `cluster` call was given. */
  private lastController: object | undefined;
  private lastBrokerViews: readonly BrokerView[] = [];
  private lastGroups: GroupsView = { shards: [], members: [] };

  /**
   * The view of one replica: the previous one when nothing in it changed (compared field by field
   * with what it would be, before anything is allocated), else a new one, and a new version of
   * its partition.
   */
  replica(
    brokerId: number,
    name: string,
    partition: ReplicaSource,
    digest: readonly BatchDigest[],
  ): ReplicaView {
    let ofBroker = this.replicas.get(brokerId);
    if (ofBroker === undefined) {
      ofBroker = new Map();
      this.replicas.set(brokerId, ofBroker);
    }
    const built = ofBroker.get(name);
    if (built !== undefined && sameReplica(built, partition, digest)) return built.view;
    const log = partition.log;
    const epochCache = log.leaderEpochCache.all;
    const producerState = partition.producerState;
    const view: ReplicaView = {
      brokerId,
      name,
      role: partition.role,
      leaderEpoch: partition.leaderEpoch,
      partitionEpoch: partition.partitionEpoch,
      highWatermark: partition.highWatermark,
      logStartOffset: log.logStartOffset,
      logEndOffset: log.logEndOffset,
      isrState: partition.isrState,
      maximalIsr: partition.maximalIsr,
      digest,
      epochCache,
      producerState,
    };
    ofBroker.set(name, { view, digestLength: digest.length, epochCacheLength: epochCache.length, producerStateVersion: producerState.version });
    this.bump(name);
    return view;
  }

  /**
   * Whether `replica` would give the same view of `name` on `brokerId` as the last one (nothing
   * is built, nothing moves): the comparison `replica` makes.
   */
  replicaUnchanged(brokerId: number, name: string, partition: ReplicaSource, digest: readonly BatchDigest[]): boolean {
    const built = this.replicas.get(brokerId)?.get(name);
    return built !== undefined && sameReplica(built, partition, digest);
  }

  /** The controller's registrations: a partition whose registration object was replaced moves. */
  controller(partitions: readonly PartitionRegistration[]): void {
    // The same array holds the same registrations: the controller's are rebuilt per record replayed.
    if (partitions === this.lastPartitions) return;
    this.lastPartitions = partitions;
    for (const registration of partitions) {
      const name = partitionName(registration);
      if (this.registrations.get(name) === registration) continue;
      this.registrations.set(name, registration);
      this.bump(name);
    }
  }

  /**
   * Everything outside single partitions, once per view. `fullChecks` moves the cluster version
   * whatever changed.
   */
  cluster(
    brokers: readonly BrokerView[],
    controller: { readonly brokers: readonly BrokerRegistration[]; readonly topics: readonly TopicInfo[]; readonly registrationShutdowns: readonly BrokerRegistrationShutdown[] } | undefined,
    fullChecks: boolean,
  ): void {
    // The same objects as last time say the same thing: each broker view and the controller's
    // part are rebuilt only when something in them changed (`KafkaViewMemory`).
    if (!fullChecks && controller === this.lastController && sameItems(brokers, this.lastBrokerViews)) return;
    this.lastController = controller;
    this.lastBrokerViews = [...brokers];
    // Compared field by field against the last view's, with no signature built per view.
    let same = brokers.length === this.brokers.length && (controller !== undefined) === this.controllerPresent;
    for (let index = 0; same && index < brokers.length; index++) {
      const broker = brokers[index] as BrokerView;
      const last = this.brokers[index] as BrokerFields;
      same = broker.brokerId === last.brokerId && broker.status === last.status && broker.incarnation === last.incarnation && broker.lastStop === last.lastStop
        && broker.lifecycle === last.lifecycle && broker.loadedAsClean === last.loadedAsClean && broker.brokerEpoch === last.brokerEpoch
        && broker.damage.length === last.damage && broker.replicas.length === last.replicas;
    }
    // Registrations and shutdown verdicts are replaced, never changed in place, by the controller.
    // A topic's configs are changed in place (a ConfigRecord), so they are compared by content.
    const registrations = controller?.brokers ?? [];
    const shutdowns = controller?.registrationShutdowns ?? [];
    const topics = controller?.topics ?? [];
    same &&= sameItems(registrations, this.brokerRegistrations) && sameItems(shutdowns, this.shutdowns) && topics.length === this.topics.length
      && topics.every((topic, index) => {
        const last = this.topics[index] as TopicInfo;
        return topic.name === last.name && topic.topicId === last.topicId && topic.partitions === last.partitions && sameConfigs(topic.configs, last.configs);
      });
    if (fullChecks || !same) {
      this.clusterVersion++;
      this.changes++;
      this.brokers = brokers.map((broker) => ({ brokerId: broker.brokerId, status: broker.status, incarnation: broker.incarnation, lastStop: broker.lastStop, lifecycle: broker.lifecycle, loadedAsClean: broker.loadedAsClean, brokerEpoch: broker.brokerEpoch, damage: broker.damage.length, replicas: broker.replicas.length }));
      this.controllerPresent = controller !== undefined;
      this.brokerRegistrations = registrations;
      this.shutdowns = shutdowns;
      this.topics = topics.map((topic) => ({ ...topic, configs: { ...topic.configs } }));
    }
  }

  /**
   * The coordinators' groups and the group consumers: the state version moves when any of it
   * differs from the last view's, compared field by field (a text signature built per view cost
   * 6.6% of a `--groups` run of seed 42).
   */
  groups(groups: GroupsView): void {
    if (sameGroups(groups, this.lastGroups)) return;
    this.lastGroups = groups;
    this.groupsVersion++;
    this.changes++;
  }

  private bump(name: string): void {
    this.partitionVersions.set(name, ++this.lastPartitionVersion);
    const topic = topicOfPartition(name);
    this.topicVersions.set(topic, (this.topicVersions.get(topic) ?? 0) + 1);
    this.changes++;
  }

  /** The controller quorum's Raft state differs from the last view's (`QuorumViewMemory`). */
  quorumChanged(): void {
    this.quorumVersion++;
    this.changes++;
  }

  /** Moves whenever any partition's version or the cluster version moves. */
  get stateVersion(): number {
    return this.changes;
  }
}

/** Whether a replica view built before shows `partition` with `digest` as it is now, field by field. */
function sameReplica(built: BuiltReplica, partition: ReplicaSource, digest: readonly BatchDigest[]): boolean {
  const view = built.view;
  const log = partition.log;
  const epochCache = log.leaderEpochCache.all;
  const producerState = partition.producerState;
  return view.role === partition.role &&
    view.leaderEpoch === partition.leaderEpoch &&
    view.partitionEpoch === partition.partitionEpoch &&
    view.highWatermark === partition.highWatermark &&
    view.logStartOffset === log.logStartOffset &&
    view.logEndOffset === log.logEndOffset &&
    view.isrState === partition.isrState &&
    sameNumbers(view.maximalIsr, partition.maximalIsr) &&
    view.digest === digest &&
    built.digestLength === digest.length &&
    view.epochCache === epochCache &&
    built.epochCacheLength === epochCache.length &&
    view.producerState === producerState &&
    built.producerStateVersion === producerState.version;
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

/** Whether two arrays hold the same items (by identity) in the same order. */
export function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

function sameConfigs(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

/** Whether two lists name the same partitions in the same order (the same array, or equal items). */
export function samePartitions(a: readonly TopicPartitionRef[], b: readonly TopicPartitionRef[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) {
    const left = a[index] as TopicPartitionRef;
    const right = b[index] as TopicPartitionRef;
    if (left.topic !== right.topic || left.partition !== right.partition) return false;
  }
  return true;
}

function sameGroups(a: GroupsView, b: GroupsView): boolean {
  if (a.shards.length !== b.shards.length || a.members.length !== b.members.length) return false;
  for (let index = 0; index < a.shards.length; index++) {
    const left = a.shards[index] as CoordinatorShardView;
    const right = b.shards[index] as CoordinatorShardView;
    if (left === right) continue;
    if (left.brokerId !== right.brokerId || left.partition !== right.partition || left.epoch !== right.epoch || left.state !== right.state) return false;
    if (left.groups.length !== right.groups.length) return false;
    for (let at = 0; at < left.groups.length; at++) {
      const group = left.groups[at] as CoordinatorGroupView;
      const other = right.groups[at] as CoordinatorGroupView;
      if (group.groupId !== other.groupId || group.state !== other.state || group.generationId !== other.generationId
        || group.protocolName !== other.protocolName || group.leaderId !== other.leaderId || group.members.length !== other.members.length) return false;
      for (let m = 0; m < group.members.length; m++) {
        const member = group.members[m] as CoordinatorGroupView['members'][number];
        const was = other.members[m] as CoordinatorGroupView['members'][number];
        if (member.memberId !== was.memberId || member.groupInstanceId !== was.groupInstanceId || !samePartitions(member.assignment, was.assignment)) return false;
      }
    }
  }
  for (let index = 0; index < a.members.length; index++) {
    const left = a.members[index] as GroupMemberClientView;
    const right = b.members[index] as GroupMemberClientView;
    if (left.name !== right.name || left.groupId !== right.groupId || left.memberId !== right.memberId || left.generationId !== right.generationId
      || left.state !== right.state || !samePartitions(left.owned, right.owned)) return false;
  }
  return true;
}

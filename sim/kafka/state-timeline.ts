import { assertNever } from '../../impl/common/assert.ts';
import type { BrokerRegistration, PartitionRegistration } from '../../impl/controller/controller-state.ts';
import type { Role } from '../../impl/broker/partition.ts';
import { BoundedRing } from '../core/bounded-ring.ts';
import { partitionName, type BrokerView, type CoordinatorGroupView, type CoordinatorShardView, type GroupMemberClientView, type GroupsView, type KafkaClusterView, type ReplicaView } from './kafka-view.ts';

/**
 * What happened to each partition, as the views the checks are built from showed it: the
 * controller's registration of it (leader, leader epoch, ISR, ELR) each time it changed, and each
 * replica's role, leader epoch, log end offset and high watermark. It answers "what happened to
 * partition P up to time T" for a violation's explanation (`kafka-explanation.ts`) and writes the
 * trace's `state` lines.
 *
 * Cheap on the hot path: it reads a view only where the view builder made a new object (a changed
 * registration, broker view or replica view: `view-versions.ts`), never scanning what did not
 * change. Bounded: per partition a ring of the last {@link CHANGES_KEPT_PER_PARTITION} changes,
 * which counts what it dropped. A replica's log end and high watermark move with nearly every
 * produce and fetch, so plain growth is coalesced into one `progress` change per replica and
 * {@link PROGRESS_WINDOW_MS}; a move back (a truncation, a high watermark reset), a new role or
 * leader epoch, or a restarted replica is a change of its own.
 */
export const CHANGES_KEPT_PER_PARTITION = 256;
/** Growth of one replica's log end and high watermark is told in steps of at most this long. */
export const PROGRESS_WINDOW_MS = 1_000;
/** Changes to the controller's broker registrations (fenced, unfenced, a new broker epoch) kept. */
export const BROKER_CHANGES_KEPT = 256;

/** Changes kept per consumer group: its coordinators' generations and its consumers' own views. */
export const CHANGES_KEPT_PER_GROUP = 256;

/** A change of a consumer group, for the explanation of a group claim's violation. */
export type GroupChange =
  | {
      /** A coordinator shard holding the group showed a new state, generation, leader or assignment. */
      readonly type: 'coordinator';
      readonly atMs: number;
      readonly group: string;
      readonly brokerId: number;
      /** The `__consumer_offsets` partition and the leader epoch the shard was loaded for. */
      readonly shard: number;
      readonly epoch: number;
      readonly state: string;
      readonly generationId: number;
      readonly leaderId: string | null;
      readonly members: readonly { readonly memberId: string; readonly instanceId: string | null; readonly assignment: readonly string[] }[];
    }
  | {
      /** A group consumer's own view of its membership changed. */
      readonly type: 'member';
      readonly atMs: number;
      readonly group: string;
      readonly consumer: string;
      readonly memberId: string;
      readonly generationId: number;
      readonly state: string;
      readonly owned: readonly string[];
    };

/** One change the timeline kept, oldest first in its partition. */
export type TimelineChange =
  | {
      /** The controller registered a new leader, leader epoch, ISR or ELR for the partition. */
      readonly type: 'registration';
      readonly atMs: number;
      readonly partition: string;
      readonly leader: number;
      readonly leaderEpoch: number;
      readonly partitionEpoch: number;
      readonly isr: readonly number[];
      readonly elr: readonly number[];
      readonly lastKnownElr: readonly number[];
    }
  | {
      /** A replica appeared (its broker started), took a new role or leader epoch, or moved back. */
      readonly type: 'replica';
      readonly atMs: number;
      readonly partition: string;
      readonly brokerId: number;
      readonly role: Role;
      readonly leaderEpoch: number;
      readonly logEndOffset: number;
      readonly highWatermark: number;
      /** What the replica showed before, when the same process showed it. */
      readonly before?: { readonly role: Role; readonly leaderEpoch: number; readonly logEndOffset: number; readonly highWatermark: number };
    }
  | {
      /** A replica's log end and high watermark grew, `changes` times, from `fromMs` to `toMs`. */
      readonly type: 'progress';
      readonly atMs: number;
      readonly toMs: number;
      readonly partition: string;
      readonly brokerId: number;
      readonly logEndOffset: readonly [number, number];
      readonly highWatermark: readonly [number, number];
      readonly changes: number;
    };

/** A change of the controller's registration of one broker. */
export interface BrokerChange {
  readonly atMs: number;
  readonly brokerId: number;
  readonly brokerEpoch: number;
  readonly fenced: boolean;
  readonly inControlledShutdown: boolean;
}

interface ReplicaState {
  incarnation: number;
  role: Role;
  leaderEpoch: number;
  logEndOffset: number;
  highWatermark: number;
  /** Growth not yet kept as a change. */
  pending: { fromMs: number; toMs: number; logEndOffset: [number, number]; highWatermark: [number, number]; changes: number } | undefined;
}

class PartitionHistory {
  readonly changes = new BoundedRing<TimelineChange>(CHANGES_KEPT_PER_PARTITION);
  registration: PartitionRegistration | undefined;
  readonly replicas = new Map<number, ReplicaState>();

  constructor(readonly name: string) {}

  /** Keeps every replica's pending growth as changes, so that what follows is told after it. */
  flush(): void {
    for (const [brokerId, state] of this.replicas) this.flushReplica(brokerId, state);
  }

  flushReplica(brokerId: number, state: ReplicaState): void {
    const pending = state.pending;
    if (pending === undefined) return;
    state.pending = undefined;
    this.changes.push({ type: 'progress', atMs: pending.fromMs, toMs: pending.toMs, partition: this.name, brokerId, logEndOffset: pending.logEndOffset, highWatermark: pending.highWatermark, changes: pending.changes });
  }

  /** The kept changes and the growth not yet kept, oldest first. */
  all(): TimelineChange[] {
    const changes = this.changes.toArray();
    for (const [brokerId, state] of this.replicas) {
      const pending = state.pending;
      if (pending !== undefined) changes.push({ type: 'progress', atMs: pending.fromMs, toMs: pending.toMs, partition: this.name, brokerId, logEndOffset: pending.logEndOffset, highWatermark: pending.highWatermark, changes: pending.changes });
    }
    return changes.sort((a, b) => a.atMs - b.atMs);
  }
}

/** Writes a trace `state` line (`ClusterView.note`). */
export type StateNote = (node: string, name: string, value: number, detail: string) => void;

export class StateTimeline {
  private readonly partitions = new Map<string, PartitionHistory>();
  private lastRegistrations: readonly PartitionRegistration[] | undefined;
  private lastBrokerRegistrations: readonly BrokerRegistration[] | undefined;
  private readonly brokerRegistrations = new Map<number, BrokerRegistration>();
  readonly brokerChanges = new BoundedRing<BrokerChange>(BROKER_CHANGES_KEPT);
  private readonly groupChanges = new Map<string, BoundedRing<GroupChange>>();
  /** The groups version last read (`KafkaClusterView.groupsVersion`); undefined in a view built by hand. */
  private lastGroupsVersion: number | undefined;
  private readonly shards = new Map<string, CoordinatorShardView>();
  /** Per broker and group, what the last change said (a signature of its content). */
  private readonly coordinatorSeen = new Map<string, string>();
  private readonly membersSeen = new Map<string, { view: GroupMemberClientView; signature: string }>();
  /** Per broker, the last view read and the incarnation it showed. */
  private readonly brokers = new Map<number, { view: BrokerView; replicas: readonly ReplicaView[]; incarnation: number }>();

  /** @param controllerNode the controller's node id, for the trace's `state` lines of its registrations. */
  constructor(private readonly controllerNode: string) {}

  /** Reads what changed in `view`, the view of this moment; `note` writes trace lines, when tracing. */
  observe(view: KafkaClusterView, note?: StateNote): void {
    const nowMs = view.nowMs;
    const controller = view.controller;
    if (controller !== undefined && controller.partitions !== this.lastRegistrations) {
      this.lastRegistrations = controller.partitions;
      for (const registration of controller.partitions) this.registration(nowMs, registration, note);
    }
    if (controller !== undefined && controller.brokers !== this.lastBrokerRegistrations) {
      this.lastBrokerRegistrations = controller.brokers;
      for (const broker of controller.brokers) this.brokerRegistration(nowMs, broker, note);
    }
    for (const broker of view.brokers) {
      const last = this.brokers.get(broker.brokerId);
      if (last !== undefined && last.view === broker) continue;
      if (last !== undefined && last.replicas === broker.replicas && last.incarnation === broker.incarnation) {
        last.view = broker;
        continue;
      }
      this.brokers.set(broker.brokerId, { view: broker, replicas: broker.replicas, incarnation: broker.incarnation });
      for (const replica of broker.replicas) this.replica(nowMs, broker.incarnation, replica, note);
    }
    // The view builder has already compared the groups with the last view's (`ViewVersions`): a
    // view whose groups version did not move holds nothing new for the group history.
    if (view.groups !== undefined && (view.groupsVersion === undefined || view.groupsVersion !== this.lastGroupsVersion)) {
      this.lastGroupsVersion = view.groupsVersion;
      this.observeGroups(nowMs, view.groups);
    }
  }

  /** What happened to consumer group `group`, oldest first (up to the ring's bound), and how many older changes were dropped. */
  groupHistory(group: string): { readonly changes: readonly GroupChange[]; readonly dropped: number } {
    const ring = this.groupChanges.get(group);
    return ring === undefined ? { changes: [], dropped: 0 } : { changes: ring.toArray(), dropped: ring.dropped };
  }

  private observeGroups(nowMs: number, groups: GroupsView): void {
    // Shard and member views are reused while unchanged (`view-versions.ts`), so a reference
    // compare skips what did not change; content is compared only where a new object came.
    for (const shard of groups.shards) {
      const key = `${shard.brokerId}/${shard.partition}`;
      if (this.shards.get(key) === shard) continue;
      this.shards.set(key, shard);
      for (const group of shard.groups) this.coordinatorGroup(nowMs, shard, group);
    }
    for (const member of groups.members) {
      const last = this.membersSeen.get(member.name);
      if (last !== undefined && last.view === member) continue;
      const owned = member.owned.map((partition) => `${partition.topic}-${partition.partition}`);
      const signature = `${member.groupId}|${member.memberId}|${member.generationId}|${member.state}|${owned.join(',')}`;
      this.membersSeen.set(member.name, { view: member, signature });
      if (last !== undefined && last.signature === signature) continue;
      this.groupRing(member.groupId).push({ type: 'member', atMs: nowMs, group: member.groupId, consumer: member.name, memberId: member.memberId, generationId: member.generationId, state: member.state, owned });
    }
  }

  private coordinatorGroup(nowMs: number, shard: CoordinatorShardView, group: CoordinatorGroupView): void {
    const members = group.members.map((member) => ({
      memberId: member.memberId,
      instanceId: member.groupInstanceId,
      assignment: member.assignment.map((partition) => `${partition.topic}-${partition.partition}`),
    }));
    const signature = `${shard.partition}|${shard.epoch}|${shard.state}|${group.state}|${group.generationId}|${group.leaderId}|${members.map((member) => `${member.memberId}:${member.assignment.join(',')}`).join(';')}`;
    const key = `${shard.brokerId}/${group.groupId}`;
    if (this.coordinatorSeen.get(key) === signature) return;
    this.coordinatorSeen.set(key, signature);
    this.groupRing(group.groupId).push({
      type: 'coordinator', atMs: nowMs, group: group.groupId, brokerId: shard.brokerId, shard: shard.partition, epoch: shard.epoch, state: group.state,
      generationId: group.generationId, leaderId: group.leaderId, members,
    });
  }

  private groupRing(group: string): BoundedRing<GroupChange> {
    let ring = this.groupChanges.get(group);
    if (ring === undefined) {
      ring = new BoundedRing<GroupChange>(CHANGES_KEPT_PER_GROUP);
      this.groupChanges.set(group, ring);
    }
    return ring;
  }

  /** Every partition seen, sorted by name (the timeline page's order). */
  partitionNames(): string[] {
    return [...this.partitions.keys()].sort();
  }

  /** What happened to `partition`, oldest first (up to the ring's bound), and how many older changes were dropped. */
  history(partition: string): { readonly changes: readonly TimelineChange[]; readonly dropped: number } {
    const history = this.partitions.get(partition);
    return history === undefined ? { changes: [], dropped: 0 } : { changes: history.all(), dropped: history.changes.dropped };
  }

  private partition(name: string): PartitionHistory {
    let history = this.partitions.get(name);
    if (history === undefined) {
      history = new PartitionHistory(name);
      this.partitions.set(name, history);
    }
    return history;
  }

  private registration(nowMs: number, registration: PartitionRegistration, note: StateNote | undefined): void {
    const name = partitionName(registration);
    const history = this.partition(name);
    const last = history.registration;
    if (last === registration) return;
    history.registration = registration;
    // A restarted controller replays the same registrations into new objects: only content counts.
    if (last !== undefined && last.leader === registration.leader && last.leaderEpoch === registration.leaderEpoch && last.partitionEpoch === registration.partitionEpoch
      && sameNumbers(last.isr, registration.isr) && sameNumbers(last.elr, registration.elr) && sameNumbers(last.lastKnownElr, registration.lastKnownElr)) return;
    history.flush();
    history.changes.push({
      type: 'registration', atMs: nowMs, partition: name, leader: registration.leader, leaderEpoch: registration.leaderEpoch, partitionEpoch: registration.partitionEpoch,
      isr: registration.isr, elr: registration.elr, lastKnownElr: registration.lastKnownElr,
    });
    note?.(this.controllerNode, name, registration.leaderEpoch, describeRegistration(registration));
  }

  private brokerRegistration(nowMs: number, broker: BrokerRegistration, note: StateNote | undefined): void {
    const last = this.brokerRegistrations.get(broker.brokerId);
    if (last === broker) return;
    this.brokerRegistrations.set(broker.brokerId, broker);
    if (last !== undefined && last.brokerEpoch === broker.brokerEpoch && last.fenced === broker.fenced && last.inControlledShutdown === broker.inControlledShutdown) return;
    const change = { atMs: nowMs, brokerId: broker.brokerId, brokerEpoch: broker.brokerEpoch, fenced: broker.fenced, inControlledShutdown: broker.inControlledShutdown };
    this.brokerChanges.push(change);
    note?.(this.controllerNode, `broker-${broker.brokerId}`, broker.brokerEpoch, describeBrokerChange(change));
  }

  private replica(nowMs: number, incarnation: number, replica: ReplicaView, note: StateNote | undefined): void {
    const history = this.partition(replica.name);
    const state = history.replicas.get(replica.brokerId);
    const node = `broker-${replica.brokerId}`;
    if (state === undefined || state.incarnation !== incarnation || state.role !== replica.role || state.leaderEpoch !== replica.leaderEpoch
      || replica.logEndOffset < state.logEndOffset || replica.highWatermark < state.highWatermark) {
      // Something other than growth: told as a change of its own, after the growth before it.
      history.flush();
      const before = state === undefined || state.incarnation !== incarnation ? undefined : { role: state.role, leaderEpoch: state.leaderEpoch, logEndOffset: state.logEndOffset, highWatermark: state.highWatermark };
      history.changes.push({
        type: 'replica', atMs: nowMs, partition: replica.name, brokerId: replica.brokerId, role: replica.role, leaderEpoch: replica.leaderEpoch,
        logEndOffset: replica.logEndOffset, highWatermark: replica.highWatermark, ...(before === undefined ? {} : { before }),
      });
      history.replicas.set(replica.brokerId, { incarnation, role: replica.role, leaderEpoch: replica.leaderEpoch, logEndOffset: replica.logEndOffset, highWatermark: replica.highWatermark, pending: undefined });
      note?.(node, replica.name, replica.highWatermark, describeReplica(replica));
      return;
    }
    if (replica.logEndOffset === state.logEndOffset && replica.highWatermark === state.highWatermark) return;
    const hwMoved = replica.highWatermark !== state.highWatermark;
    let pending = state.pending;
    if (pending !== undefined && nowMs - pending.fromMs >= PROGRESS_WINDOW_MS) {
      history.flushReplica(replica.brokerId, state);
      pending = undefined;
    }
    if (pending === undefined) {
      state.pending = { fromMs: nowMs, toMs: nowMs, logEndOffset: [state.logEndOffset, replica.logEndOffset], highWatermark: [state.highWatermark, replica.highWatermark], changes: 1 };
    } else {
      pending.toMs = nowMs;
      pending.logEndOffset[1] = replica.logEndOffset;
      pending.highWatermark[1] = replica.highWatermark;
      pending.changes++;
    }
    state.logEndOffset = replica.logEndOffset;
    state.highWatermark = replica.highWatermark;
    // Every high watermark move is a trace line; a log end moving alone is an append, which the
    // trace already shows as the messages and disk writes that made it.
    if (hwMoved) note?.(node, replica.name, replica.highWatermark, describeReplica(replica));
  }
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

/** `1,2` or `none`. */
export function brokerList(ids: readonly number[]): string {
  return ids.length === 0 ? 'none' : ids.join(',');
}

export function describeRegistration(registration: Pick<PartitionRegistration, 'leader' | 'leaderEpoch' | 'partitionEpoch' | 'isr' | 'elr' | 'lastKnownElr'>): string {
  const leader = registration.leader < 0 ? 'none' : String(registration.leader);
  const lastKnown = registration.lastKnownElr.length === 0 ? '' : `, LastKnownElr ${brokerList(registration.lastKnownElr)}`;
  return `leader ${leader}, leader epoch ${registration.leaderEpoch}, ISR ${brokerList(registration.isr)}, ELR ${brokerList(registration.elr)}${lastKnown}, partition epoch ${registration.partitionEpoch}`;
}

export function describeBrokerChange(change: Pick<BrokerChange, 'brokerId' | 'brokerEpoch' | 'fenced' | 'inControlledShutdown'>): string {
  return `broker ${change.brokerId} ${change.fenced ? 'fenced' : 'unfenced'}${change.inControlledShutdown ? ', in controlled shutdown' : ''} (broker epoch ${change.brokerEpoch})`;
}

export function describeReplica(replica: Pick<ReplicaView, 'role' | 'leaderEpoch' | 'logEndOffset' | 'highWatermark'>): string {
  return `${replica.role}, leader epoch ${replica.leaderEpoch}, log end ${replica.logEndOffset}, high watermark ${replica.highWatermark}`;
}

export function describeGroupChange(change: GroupChange): string {
  switch (change.type) {
    case 'coordinator': {
      const members = change.members.length === 0
        ? 'no members'
        : change.members.map((member) => `${member.memberId}${member.instanceId === null ? '' : ` (instance ${member.instanceId})`} ${member.assignment.length === 0 ? '[]' : `[${member.assignment.join(',')}]`}`).join(', ');
      return `group ${change.group} coordinator (__consumer_offsets-${change.shard}, epoch ${change.epoch}): generation ${change.generationId} ${change.state}${change.leaderId === null ? '' : `, leader ${change.leaderId}`}; ${members}`;
    }
    case 'member':
      return `group ${change.group} member ${change.memberId === '' ? '(none yet)' : change.memberId}, generation ${change.generationId}, ${change.state}, owns ${change.owned.length === 0 ? 'nothing' : change.owned.join(',')}`;
    default:
      return assertNever(change, 'group change');
  }
}

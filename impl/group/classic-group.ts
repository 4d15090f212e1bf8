import { assert, assertNever } from '../common/assert.ts';
import type { JoinGroupProtocol, JoinGroupResponse, JoinGroupResponseMember, SyncGroupResponse } from '../protocol/group-messages.ts';
import type { ClassicGroupState, ConsumerGroupEventType } from '../../model/consumer-group.machine.ts';
import type { GroupMetadataValue } from './group-coordinator-records.ts';
import { javaStringHashCode } from './coordinator-partition.ts';
import { ClassicGroupMember, EMPTY_ASSIGNMENT } from './classic-group-member.ts';

/**
 * Kafka's `ClassicGroupState.validPreviousStates`, asserted on every transition as
 * `ClassicGroup.transitionTo` does. `model/consumer-group.machine.ts` holds the same table.
 */
const VALID_PREVIOUS_STATES: Readonly<Record<ClassicGroupState, readonly ClassicGroupState[]>> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

/** The model's event for each move a `ClassicGroup` makes after it is constructed. */
export type GroupTransitionEvent = Exclude<ConsumerGroupEventType, 'CREATED' | 'LOADED_EMPTY' | 'LOADED_STABLE'>;

function targetOf(event: GroupTransitionEvent): ClassicGroupState {
  switch (event) {
    case 'PREPARE_REBALANCE':
      return 'PreparingRebalance';
    case 'JOIN_PHASE_COMPLETED':
      return 'CompletingRebalance';
    case 'GROUP_EMPTIED':
      return 'Empty';
    case 'ASSIGNMENT_PERSISTED':
      return 'Stable';
    case 'GROUP_REMOVED':
      return 'Dead';
    default:
      return assertNever(event, 'group transition event');
  }
}

/** Told of every state change, so that the shard can emit a `transition` effect for the monitor. */
export type GroupTransitionListener = (
  group: ClassicGroup,
  event: ConsumerGroupEventType,
  from: ClassicGroupState | 'Absent',
  to: ClassicGroupState,
) => void;

/**
 * Kafka's `ClassicGroup` (group-coordinator/.../classic/ClassicGroup.java): a classic consumer
 * group's members, generation, protocol and leader, as its coordinator holds them.
 *
 * Members are kept in a `Map`, whose iteration order is insertion order. Kafka keeps them in a
 * `HashMap`, so its "first member" (new leader after the leader leaves, first awaiting member
 * elected leader) follows the hash of random UUIDs; refka's follows join order, which is
 * deterministic and equally arbitrary from the protocol's point of view.
 */
export class ClassicGroup {
  private currentState: ClassicGroupState;
  private previous: ClassicGroupState;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leaderId: string | null;
  readonly members = new Map<string, ClassicGroupMember>();
  /** KIP-394: member ids handed out with MEMBER_ID_REQUIRED, not yet joined. */
  readonly pendingJoinMembers = new Set<string>();
  /** Members that have not sent SyncGroup since the join phase completed (`expirePendingSync`). */
  readonly pendingSyncMembers = new Set<string>();
  /** KIP-345: `group.instance.id` → member id. */
  readonly staticMembers = new Map<string, string>();
  /** For each protocol name, how many members support it (Kafka's `supportedProtocols`). */
  private readonly supportedProtocols = new Map<string, number>();
  private numMembersAwaitingJoinResponse = 0;
  /** Kafka's `newMemberAdded`: extends the delayed initial rebalance. */
  newMemberAdded = false;

  constructor(
    readonly groupId: string,
    /** Which `ClassicGroup` object this is, for the monitor: a group id created again is a new instance. */
    readonly instance: number,
    initial: { state: 'Empty' } | { state: 'Stable'; value: GroupMetadataValue },
    private readonly listener: GroupTransitionListener,
  ) {
    assert(groupId !== '', 'a group id is never empty');
    this.currentState = initial.state;
    this.previous = initial.state;
    if (initial.state === 'Empty') {
      this.generationId = 0;
      this.protocolType = null;
      this.protocolName = null;
      this.leaderId = null;
    } else {
      const value = initial.value;
      assert(value.members.length > 0, `group ${groupId} loaded Stable without members`);
      this.generationId = value.generation;
      this.protocolType = value.protocolType === '' ? null : value.protocolType;
      this.protocolName = value.protocol;
      this.leaderId = value.leader;
    }
  }

  /** Kafka's `currentState`. */
  get state(): ClassicGroupState {
    return this.currentState;
  }

  get previousState(): ClassicGroupState {
    return this.previous;
  }

  isInState(state: ClassicGroupState): boolean {
    return this.currentState === state;
  }

  /** Kafka's `transitionTo`, with the legal predecessors asserted. */
  transitionTo(event: GroupTransitionEvent): void {
    const target = targetOf(event);
    const from = this.currentState;
    assert(
      VALID_PREVIOUS_STATES[target].includes(from),
      `group ${this.groupId} should be in ${VALID_PREVIOUS_STATES[target].join('/')} to move to ${target}, but is in ${from}`,
    );
    this.previous = from;
    this.currentState = target;
    this.listener(this, event, from, target);
  }

  /** Kafka's `canRebalance`: the state is a legal predecessor of PreparingRebalance. */
  canRebalance(): boolean {
    return VALID_PREVIOUS_STATES.PreparingRebalance.includes(this.currentState);
  }

  get numMembers(): number {
    return this.members.size;
  }

  get numAwaitingJoinResponse(): number {
    return this.numMembersAwaitingJoinResponse;
  }

  hasMember(memberId: string): boolean {
    return this.members.has(memberId);
  }

  member(memberId: string): ClassicGroupMember {
    const member = this.members.get(memberId);
    assert(member !== undefined, `group ${this.groupId} has no member ${memberId}`);
    return member;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  isPendingMember(memberId: string): boolean {
    return this.pendingJoinMembers.has(memberId);
  }

  addPendingMember(memberId: string): void {
    assert(!this.hasMember(memberId), `pending member ${memberId} is already a member of ${this.groupId}`);
    this.pendingJoinMembers.add(memberId);
  }

  staticMemberId(groupInstanceId: string): string | undefined {
    return this.staticMembers.get(groupInstanceId);
  }

  /**
   * Kafka's `add`: the first member fixes the protocol type and becomes leader. A static member's
   * instance id maps to it; `secondInstanceAllowed` (the kafka-8500 variant only) lets it take the
   * mapping from a member of the same instance that stays, as Kafka's `addStaticMember` did.
   */
  add(member: ClassicGroupMember, join: ClassicGroupMember['awaitingJoin'], secondInstanceAllowed = false): void {
    if (member.groupInstanceId !== null) {
      assert(secondInstanceAllowed || !this.staticMembers.has(member.groupInstanceId), `static member ${member.groupInstanceId} is already in ${this.groupId}`);
      this.staticMembers.set(member.groupInstanceId, member.memberId);
    }
    if (this.members.size === 0) this.protocolType = member.protocolType;
    assert(this.protocolType === member.protocolType, `member ${member.memberId} has protocol type ${member.protocolType}, group ${this.protocolType}`);
    assert(this.supportsProtocols(member.protocolType, member.protocolNames()), `group ${this.groupId} supports none of ${member.memberId}'s protocols`);
    assert(!this.members.has(member.memberId), `member ${member.memberId} added twice`);
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    this.incrementSupportedProtocols(member);
    member.awaitingJoin = join;
    if (member.isAwaitingJoin) this.numMembersAwaitingJoinResponse++;
    this.pendingJoinMembers.delete(member.memberId);
  }

  /** Kafka's `remove`: a departing leader is replaced by the first remaining member. */
  remove(memberId: string): void {
    const removed = this.members.get(memberId);
    if (removed !== undefined) {
      this.members.delete(memberId);
      this.decrementSupportedProtocols(removed);
      if (removed.isAwaitingJoin) this.numMembersAwaitingJoinResponse--;
      // Only the mapping to this member: under kafka-8500 the instance may map to a second member.
      if (removed.groupInstanceId !== null && this.staticMembers.get(removed.groupInstanceId) === memberId) this.staticMembers.delete(removed.groupInstanceId);
    }
    if (this.isLeader(memberId)) {
      const next = this.members.keys().next();
      this.leaderId = next.done === true ? null : next.value;
    }
    this.pendingJoinMembers.delete(memberId);
    this.pendingSyncMembers.delete(memberId);
    assert(this.numMembersAwaitingJoinResponse >= 0, 'awaiting-join count went negative');
  }

  /** Kafka's `updateMember`: new protocols and timeouts, and the JoinGroup it now parks (or none). */
  updateMember(
    member: ClassicGroupMember,
    protocols: readonly JoinGroupProtocol[],
    rebalanceTimeoutMs: number,
    sessionTimeoutMs: number,
    join: ClassicGroupMember['awaitingJoin'],
  ): void {
    this.decrementSupportedProtocols(member);
    member.supportedProtocols = protocols;
    this.incrementSupportedProtocols(member);
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    if (join !== null && !member.isAwaitingJoin) this.numMembersAwaitingJoinResponse++;
    else if (join === null && member.isAwaitingJoin) this.numMembersAwaitingJoinResponse--;
    member.awaitingJoin = join;
  }

  /**
   * Kafka's `replaceStaticMember`: the instance id now maps to `newMemberId`; the old member's
   * parked requests are returned so the caller can answer them FENCED_INSTANCE_ID.
   */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): {
    readonly newMember: ClassicGroupMember;
    readonly fencedJoin: ClassicGroupMember['awaitingJoin'];
    readonly fencedSync: ClassicGroupMember['awaitingSync'];
  } {
    const removed = this.member(oldMemberId);
    assert(removed.groupInstanceId === groupInstanceId, `member ${oldMemberId} is not instance ${groupInstanceId}`);
    this.members.delete(oldMemberId);
    const fencedJoin = removed.awaitingJoin;
    if (fencedJoin !== null) this.numMembersAwaitingJoinResponse--;
    const fencedSync = removed.awaitingSync;
    const newMember = new ClassicGroupMember(
      newMemberId, removed.groupInstanceId, removed.clientId, removed.clientHost, removed.rebalanceTimeoutMs,
      removed.sessionTimeoutMs, removed.protocolType, removed.supportedProtocols, removed.assignment,
    );
    this.members.set(newMemberId, newMember);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    this.staticMembers.set(groupInstanceId, newMemberId);
    // The supported-protocol counts are unchanged: the new member carries the old one's protocols.
    // Like Kafka, the old id stays in pendingSyncMembers if it had not synced: the sync timer then
    // counts it as missing and starts a rebalance.
    return { newMember, fencedJoin, fencedSync };
  }

  /** Kafka's `completeJoinFuture`: answers the member's parked JoinGroup, if any. */
  completeJoinFuture(member: ClassicGroupMember, response: JoinGroupResponse): boolean {
    const future = member.awaitingJoin;
    if (future === null) return false;
    member.awaitingJoin = null;
    this.numMembersAwaitingJoinResponse--;
    assert(this.numMembersAwaitingJoinResponse >= 0, 'awaiting-join count went negative');
    future.complete({ ...response, correlationId: future.correlationId });
    return true;
  }

  /** Kafka's `completeSyncFuture`: answers the member's parked SyncGroup, if any. */
  completeSyncFuture(member: ClassicGroupMember, response: SyncGroupResponse): boolean {
    const future = member.awaitingSync;
    if (future === null) return false;
    member.awaitingSync = null;
    future.complete({ ...response, correlationId: future.correlationId });
    return true;
  }

  /** Kafka's `maybeElectNewJoinedLeader`: false when no member at all has rejoined. */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    const leader = this.member(this.leaderId);
    if (leader.isAwaitingJoin) return true;
    for (const member of this.members.values()) {
      if (member.isAwaitingJoin) {
        this.leaderId = member.memberId;
        return true;
      }
    }
    return false;
  }

  /** Kafka's `hasAllMembersJoined`. */
  hasAllMembersJoined(): boolean {
    return this.members.size === this.numMembersAwaitingJoinResponse && this.pendingJoinMembers.size === 0;
  }

  notYetRejoinedMembers(): ClassicGroupMember[] {
    return [...this.members.values()].filter((member) => !member.isAwaitingJoin);
  }

  /** Kafka's `rebalanceTimeoutMs`: the largest over the members. */
  rebalanceTimeoutMs(): number {
    let maximum = 0;
    for (const member of this.members.values()) maximum = Math.max(maximum, member.rebalanceTimeoutMs);
    return maximum;
  }

  /** Kafka's `supportsProtocols`. */
  supportsProtocols(memberProtocolType: string, memberProtocols: ReadonlySet<string>): boolean {
    if (this.isInState('Empty')) return memberProtocolType !== '' && memberProtocols.size > 0;
    if (this.protocolType !== memberProtocolType) return false;
    for (const name of memberProtocols) {
      if ((this.supportedProtocols.get(name) ?? 0) === this.members.size) return true;
    }
    return false;
  }

  /**
   * Kafka's `selectProtocol`: each member votes for its most preferred protocol that every member
   * supports; the most votes win. Kafka counts votes in a `HashMap` and takes the first maximum in
   * its iteration order, so ties are broken by Java's hash buckets; {@link javaHashMapOrder}
   * reproduces that order.
   */
  selectProtocol(): string {
    assert(this.members.size > 0, `cannot select a protocol for empty group ${this.groupId}`);
    const candidates = new Set<string>();
    for (const [name, count] of this.supportedProtocols) if (count === this.members.size) candidates.add(name);
    const votes = new Map<string, number>();
    for (const member of this.members.values()) {
      const vote = member.vote(candidates);
      votes.set(vote, (votes.get(vote) ?? 0) + 1);
    }
    let best: string | null = null;
    let bestVotes = -1;
    for (const name of javaHashMapOrder([...votes.keys()])) {
      const count = votes.get(name) ?? 0;
      if (count > bestVotes) {
        best = name;
        bestVotes = count;
      }
    }
    assert(best !== null, `group ${this.groupId} has no protocol every member supports`);
    return best;
  }

  /** Kafka's `initNextGeneration`. */
  initNextGeneration(): void {
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.transitionTo('JOIN_PHASE_COMPLETED');
    } else {
      this.protocolName = null;
      this.transitionTo('GROUP_EMPTIED');
    }
    this.pendingSyncMembers.clear();
  }

  /** Kafka's `currentClassicGroupMembers`: what the leader's JoinGroup response lists. */
  currentClassicGroupMembers(): JoinGroupResponseMember[] {
    assert(!this.isInState('Dead') && !this.isInState('PreparingRebalance'), `no member list for ${this.groupId} in ${this.state}`);
    return [...this.members.values()].map((member) => ({
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId,
      metadata: member.metadata(this.protocolName),
    }));
  }

  /** The record of the group's members and assignment: Kafka's `newGroupMetadataRecord` value. */
  toGroupMetadataValue(assignment: ReadonlyMap<string, Uint8Array>, currentStateTimestamp: number): GroupMetadataValue {
    return {
      protocolType: this.protocolType ?? '',
      generation: this.generationId,
      protocol: this.protocolName,
      leader: this.leaderId,
      currentStateTimestamp,
      members: [...this.members.values()].map((member) => ({
        memberId: member.memberId,
        groupInstanceId: member.groupInstanceId,
        clientId: member.clientId,
        clientHost: member.clientHost,
        rebalanceTimeout: member.rebalanceTimeoutMs,
        sessionTimeout: member.sessionTimeoutMs,
        subscription: this.protocolName === null ? new Uint8Array(0) : member.metadata(this.protocolName),
        assignment: assignment.get(member.memberId) ?? EMPTY_ASSIGNMENT,
      })),
    };
  }

  /** Kafka's `groupAssignment`: every member's current assignment. */
  groupAssignment(): Map<string, Uint8Array> {
    return new Map([...this.members.values()].map((member) => [member.memberId, member.assignment]));
  }

  /** Checks the group's own bookkeeping; called after every step (TigerBeetle's `invariants()`). */
  checkInvariants(): void {
    let awaiting = 0;
    for (const member of this.members.values()) if (member.isAwaitingJoin) awaiting++;
    assert(awaiting === this.numMembersAwaitingJoinResponse, `group ${this.groupId}: awaiting-join count ${this.numMembersAwaitingJoinResponse} != ${awaiting}`);
    if (this.members.size > 0) assert(this.leaderId !== null && this.members.has(this.leaderId), `group ${this.groupId}: leader ${this.leaderId} is not a member`);
    if (this.members.size === 0 && !this.isInState('Dead')) assert(this.leaderId === null, `group ${this.groupId}: leader without members`);
    for (const [instanceId, memberId] of this.staticMembers) {
      assert(this.members.get(memberId)?.groupInstanceId === instanceId, `group ${this.groupId}: static ${instanceId} maps to ${memberId}`);
    }
    for (const memberId of this.pendingJoinMembers) assert(!this.members.has(memberId), `pending ${memberId} is also a member`);
    if (this.isInState('PreparingRebalance') || this.isInState('Empty')) assert(this.pendingSyncMembers.size === 0, `group ${this.groupId}: pending syncs in ${this.state}`);
    if (this.isInState('Empty')) assert(this.members.size === 0, `group ${this.groupId} is Empty with members`);
    if (this.isInState('Stable') || this.isInState('CompletingRebalance')) assert(this.protocolName !== null, `group ${this.groupId} has no protocol`);
  }

  private incrementSupportedProtocols(member: ClassicGroupMember): void {
    for (const protocol of member.supportedProtocols) {
      this.supportedProtocols.set(protocol.name, (this.supportedProtocols.get(protocol.name) ?? 0) + 1);
    }
  }

  private decrementSupportedProtocols(member: ClassicGroupMember): void {
    for (const protocol of member.supportedProtocols) {
      const count = (this.supportedProtocols.get(protocol.name) ?? 0) - 1;
      assert(count >= 0, `protocol ${protocol.name} count went negative`);
      if (count === 0) this.supportedProtocols.delete(protocol.name);
      else this.supportedProtocols.set(protocol.name, count);
    }
  }
}

/**
 * The iteration order of a `java.util.HashMap<String, ?>` whose keys were inserted in `keys`
 * order: buckets in ascending index `(h ^ (h >>> 16)) & (capacity - 1)`, and insertion order
 * within a bucket (resizes split a bucket's list keeping its order). The table starts at 16
 * buckets and doubles when the size passes 0.75 of the capacity. Trees (8+ keys in one bucket of
 * a 64+ table) do not occur for the few protocols a group has, and are asserted away.
 */
export function javaHashMapOrder(keys: readonly string[]): string[] {
  assert(keys.length < 64, `javaHashMapOrder handles fewer than 64 keys, got ${keys.length}`);
  assert(new Set(keys).size === keys.length, 'javaHashMapOrder takes distinct keys');
  let capacity = 16;
  while (keys.length > capacity * 0.75) capacity *= 2;
  const bucketOf = (key: string): number => {
    const hash = javaStringHashCode(key);
    return (hash ^ (hash >>> 16)) & (capacity - 1);
  };
  // Array.prototype.sort is stable, which keeps insertion order within a bucket.
  return keys.map((key, index) => ({ key, index, bucket: bucketOf(key) }))
    .sort((left, right) => left.bucket - right.bucket || left.index - right.index)
    .map((entry) => entry.key);
}

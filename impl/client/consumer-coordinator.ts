import { assert, assertNever } from '../common/assert.ts';
import { MalformedInput } from '../log/byte-codec.ts';
import type { JoinGroupProtocol, JoinGroupResponse, SyncGroupAssignment } from '../protocol/group-messages.ts';
import { ASSIGNORS } from './assignors/assignors.ts';
import { cooperativeStickyAssign } from './assignors/cooperative-sticky-assignor.ts';
import {
  AssignorIllegalStateException,
  compareStrings,
  compareTopicPartitions,
  partitionKey,
  subscription as assignorSubscription,
  type AssignorName,
  type PreviousAssignment,
  type RebalanceProtocol,
  type Subscription,
  type TopicPartition,
  type Assignment,
  type GroupAssignment,
} from './assignors/consumer-partition-assignor.ts';
import { AbstractCoordinator } from './abstract-coordinator.ts';
import { twoStepMoves, withheldPartitions, type WithheldPartitions } from './cooperative-two-step-move.ts';
import { CommitManager } from './consumer-commit-manager.ts';
import {
  type ConsumerCoordinatorEffect,
  type ConsumerCoordinatorInput,
  type ConsumerCoordinatorOptions,
  type FatalError,
  type Generation,
  type PartitionOffset,
  type RebalanceCallback,
} from './consumer-coordinator-io.ts';
import { deserializeAssignment, deserializeAssignorUserData, deserializeSubscription, serializeAssignment, serializeAssignorUserData, serializeSubscription } from './consumer-protocol.ts';

/** How many passes one input may take to settle (a join prepare whose commit completes at once, then the join). */
const SETTLE_PASSES_MAX = 8;

/**
 * Kafka's `ConsumerCoordinator` (clients/.../consumer/internals/ConsumerCoordinator.java) for the
 * classic group protocol, as a pure core: `handle(input)` applies one input and returns the
 * effects. It owns the subscription, the owned partitions (Kafka's `SubscriptionState`
 * assignment), the assignors and the rebalance callbacks; commits and committed-offset fetches are
 * in {@link CommitManager}.
 */
export class ConsumerCoordinator extends AbstractCoordinator {
  /** The subscribed topics, sorted; undefined when not subscribed. */
  private subscription: readonly string[] | undefined;
  private joinedSubscription: readonly string[] | undefined;
  /** The owned partitions, sorted (Kafka's `subscriptions.assignedPartitions()`). */
  private owned: readonly TopicPartition[] = [];
  /** What the assignors remember (`onAssignment`): the last assignment and its generation. */
  private previousAssignment: PreviousAssignment | undefined;
  /**
   * The kafka-12984 variant's client side (`generationResetClearsOwnedPartitions` false): what the
   * member held when it lost its partitions, still claimed as owned in its next JoinGroup.
   */
  private staleOwnedClaim: readonly TopicPartition[] | undefined;
  /** As cooperative-sticky leader: the partitions it withheld, to see them move (see `twoStepMoves`). */
  private withheld: WithheldPartitions | undefined;
  /** The generation whose assignment, once this leader's SyncGroup succeeds, completes a two-step move. */
  private twoStepMoveGeneration: number | undefined;
  readonly protocol: RebalanceProtocol;
  private isLeader = false;
  /** The leader's view of the partition counts of the group's topics when it assigned. */
  private assignmentSnapshot: ReadonlyMap<string, number | undefined> | undefined;
  private groupSubscription: readonly string[] = [];
  private partitionsPerTopic: ReadonlyMap<string, number> = new Map();
  /**
   * Kafka's `metadata.updateRequested()` as the coordinator sees it: a new subscription requests
   * one (`KafkaConsumer.subscribe` calls `requestUpdateForNewTopics`), and an answer that carried
   * an `InvalidMetadataException` error leaves it requested (`metadata-update`'s `updateRequested`).
   * A leader elected while it is requested waits for the next answer before it assigns
   * (`AbstractCoordinator.leaderAwaitingMetadata`).
   */
  private metadataRequested = false;
  /** The consumed positions given with the latest poll (or close). */
  protected positions: readonly PartitionOffset[] = [];
  private readonly commits: CommitManager;
  /**
   * The join prepare waiting for its commit (`joinPrepareTimer`, `autoCommitOffsetRequestFuture`):
   * the commit on its way, or when to send a new one (the first at once; after a retriable
   * failure, the retry backoff later).
   */
  private joinPrepare: { readonly deadlineMs: number; commitSequence: number | undefined; commitAtMs: number | undefined } | undefined;
  private closing: { readonly deadlineMs: number; commitSequence: number | undefined } | undefined;

  constructor(options: ConsumerCoordinatorOptions, nowMs: number) {
    super(options, nowMs);
    assert(options.partitionAssignmentStrategy.length > 0, 'partition.assignment.strategy is empty');
    assert(new Set(options.partitionAssignmentStrategy).size === options.partitionAssignmentStrategy.length, 'an assignor is listed twice');
    this.protocol = selectRebalanceProtocol(options.partitionAssignmentStrategy);
    this.commits = new CommitManager(this.commitHost());
    this.commits.resetAutoCommitDeadline(nowMs);
  }

  /** The owned partitions, sorted. */
  get assignment(): readonly TopicPartition[] {
    return this.owned;
  }

  /**
   * The generation whose SyncGroup gave the assignment the owned partitions are part of, -1 before
   * the first (the generation the sticky assignors' user data names, KIP-429). Owned partitions
   * only shrink between two SyncGroups, so every one of them was assigned in that generation.
   */
  get assignedInGeneration(): number {
    return this.previousAssignment?.generationId ?? -1;
  }

  get currentGeneration(): Generation {
    return this.generation;
  }

  get coordinatorId(): number | undefined {
    return this.coordinator;
  }

  /** Applies one input; returns what the host must do, in order. */
  handle(input: ConsumerCoordinatorInput): readonly ConsumerCoordinatorEffect[] {
    if (this.closed) {
      // Answers to requests still on the wire at close are dropped; anything else is a host bug.
      assert(input.type === 'response' || input.type === 'request-failed', `input ${input.type} after close`);
      return [];
    }
    assert(input.nowMs >= this.nowMs, `time went back from ${this.nowMs} to ${input.nowMs}`);
    this.nowMs = input.nowMs;
    this.effects = [];
    this.apply(input);
    if (!this.closed) this.settle();
    this.checkInvariants();
    return this.effects;
  }

  private apply(input: ConsumerCoordinatorInput): void {
    switch (input.type) {
      case 'poll':
        return this.poll(input.positions);
      case 'subscribe':
        return input.topics.length === 0 ? this.unsubscribe() : this.subscribe(input.topics);
      case 'unsubscribe':
        return this.unsubscribe();
      case 'close':
        return this.close(input.positions);
      case 'commit-sync':
      case 'commit-async':
        return this.commits.enqueue(input.type === 'commit-sync' ? 'sync' : 'async', input.commitId, input.offsets);
      case 'response':
        return this.onResponse(input.response);
      case 'request-failed':
        return this.onRequestFailed(input.correlationId);
      case 'timer-expired':
        return this.onTimerExpired(input.key);
      case 'metadata-update':
        this.brokers = [...input.brokers].sort((a, b) => a - b);
        this.partitionsPerTopic = new Map(input.partitionsPerTopic);
        this.metadataRequested = input.updateRequested;
        return this.resumeLeaderJoin();
      default:
        assertNever(input, 'input');
    }
  }

  /** Runs the application thread's pending work and the heartbeat thread until both wait. */
  private settle(): void {
    for (let pass = 0; pass < SETTLE_PASSES_MAX; pass++) {
      const before = this.effects.length;
      if (this.fatalError === undefined && this.coordinator === undefined && this.coordinatorNeeded()) this.lookupCoordinator();
      if (this.joinWanted) this.joinGroupIfNeeded();
      this.commits.flush();
      if (this.closing !== undefined) this.maybeFinishClose();
      if (this.closed) return;
      this.runHeartbeatThread();
      if (this.effects.length === before) break;
    }
    const wakeups = [this.joinWakeupMs(), this.lookupWakeupMs(), this.commits.wakeupMs(), this.joinPrepare?.deadlineMs, this.joinPrepare?.commitAtMs, this.closing?.deadlineMs];
    const future = wakeups.filter((at): at is number => at !== undefined && at > this.nowMs);
    this.armTimer('retry', future.length === 0 ? undefined : Math.min(...future));
  }

  // --- the application's calls ---

  /** `ConsumerCoordinator.poll`: join if needed; only an active member auto-commits. */
  private poll(positions: readonly PartitionOffset[]): void {
    this.positions = positions;
    if (this.fatalError !== undefined) {
      // Kafka throws the same error again from every later poll.
      this.effects.push({ type: 'fatal-error', error: this.fatalError });
      return;
    }
    if (this.subscription !== undefined) {
      this.pollHeartbeat();
      // From here the application is (as if) blocked in poll until the group is active.
      if (this.rejoinNeededOrPending()) this.joinWanted = true;
      if (this.coordinator === undefined) {
        this.lookupCoordinator();
        return;
      }
      if (this.joinWanted) {
        this.joinGroupIfNeeded(true);
        this.commits.flush();
        if (this.rejoinNeededOrPending() || this.memberState !== 'STABLE') return;
      }
    }
    this.commits.maybeAutoCommitOffsetsAsync(this.allConsumed());
    this.commits.retryCommittedOffsetFetch();
  }

  private subscribe(topics: readonly string[]): void {
    const sorted = [...new Set(topics)].sort(compareStrings);
    assert(sorted.every((topic) => topic !== ''), 'subscribe to an empty topic name');
    // `if (subscriptions.subscribe(topics, listener)) metadata.requestUpdateForNewTopics()`.
    if (this.subscription === undefined || !sameStrings(this.subscription, sorted)) this.metadataRequested = true;
    this.subscription = sorted;
  }

  /** `KafkaConsumer.unsubscribe`: give up the partitions, leave, and forget the subscription. */
  private unsubscribe(): void {
    if (this.subscription === undefined) return;
    this.abandonJoinPrepare();
    this.onLeavePrepare();
    this.maybeLeaveGroup('the consumer unsubscribed from all topics');
    this.subscription = undefined;
    this.joinedSubscription = undefined;
    this.staleOwnedClaim = undefined;
    this.joinWanted = false;
  }

  /** `ConsumerCoordinator.close`: the final auto-commit (waited for), then leave. */
  private close(positions: readonly PartitionOffset[]): void {
    assert(this.closing === undefined, 'close called twice');
    this.positions = positions;
    this.joinWanted = false;
    this.closing = { deadlineMs: this.nowMs + this.options.closeTimeoutMs, commitSequence: undefined };
    if (this.options.enableAutoCommit && this.subscription !== undefined && this.fatalError === undefined) {
      this.closing.commitSequence = this.commits.enqueueInternal('close', this.allConsumed(), this.closing.deadlineMs);
    }
    this.maybeFinishClose();
  }

  private maybeFinishClose(): void {
    const closing = this.closing;
    assert(closing !== undefined, 'not closing');
    if (closing.commitSequence !== undefined && this.commits.isPending(closing.commitSequence) && this.nowMs < closing.deadlineMs) return;
    this.abandonJoinPrepare();
    if (this.subscription !== undefined) {
      this.onLeavePrepare();
      this.maybeLeaveGroup('the consumer is being closed');
    }
    this.commits.abandonAll();
    this.closed = true;
    this.cancelAllTimers();
    this.effects.push({ type: 'closed' });
  }

  // --- AbstractCoordinator's hooks ---

  protected override rejoinNeededOrPending(): boolean {
    if (this.subscription === undefined) return false;
    if (this.assignmentSnapshot !== undefined && !this.metadataMatches(this.assignmentSnapshot)) {
      if (!this.rejoinNeeded) this.requestRejoin('cached metadata has changed');
      return true;
    }
    if (this.joinedSubscription !== undefined && !sameStrings(this.joinedSubscription, this.subscription)) {
      if (!this.rejoinNeeded) this.requestRejoin('subscription has changed');
      return true;
    }
    return super.rejoinNeededOrPending();
  }

  protected metadataUpdateRequested(): boolean {
    return this.metadataRequested;
  }

  protected coordinatorNeeded(): boolean {
    return this.joinWanted || this.heartbeatEnabled() || this.commits.needsCoordinator() || this.closing !== undefined;
  }

  /** `ConsumerCoordinator.metadata()`: one protocol per configured assignor, in order. */
  protected metadata(): JoinGroupProtocol[] {
    const topics = this.subscription;
    assert(topics !== undefined, 'JoinGroup without a subscription');
    this.joinedSubscription = topics;
    return this.options.partitionAssignmentStrategy.map((name) => ({
      name,
      metadata: serializeSubscription({
        topics,
        userData: serializeAssignorUserData(ASSIGNORS[name].subscriptionUserData(topics, this.previousAssignment)),
        ownedPartitions: this.staleOwnedClaim ?? this.owned,
        generationId: this.generation.generationId,
        rackId: this.options.clientRack,
      }),
    }));
  }

  /**
   * `onJoinPrepare`: first the auto-commit (waited for up to the rebalance timeout), then give up
   * partitions: all as lost if the generation was reset; else eager revokes all, cooperative only
   * those of topics no longer subscribed. The commit is asynchronous: after a retriable failure
   * the next pass sends a new one of the positions consumed by then (Kafka sets
   * `autoCommitOffsetRequestFuture` to null and calls `maybeAutoCommitOffsetsAsync` again).
   */
  protected onJoinPrepare(): boolean {
    const generationValid = this.generation.generationId !== -1 && this.generation.memberId !== '';
    if (this.joinPrepare === undefined) {
      this.joinPrepare = { deadlineMs: this.nowMs + this.options.maxPollIntervalMs, commitSequence: undefined, commitAtMs: this.options.enableAutoCommit ? this.nowMs : undefined };
      // The revocation starts now: the partitions stay the member's until the callback returns.
      if (generationValid && (this.protocol === 'EAGER' || this.partitionsToRevoke().length > 0)) this.transition('REVOKE_PARTITIONS');
    }
    const prepare = this.joinPrepare;
    if (prepare.commitAtMs !== undefined && this.nowMs >= prepare.commitAtMs && this.nowMs < prepare.deadlineMs) {
      assert(prepare.commitSequence === undefined, 'a second join prepare commit while one is pending');
      prepare.commitAtMs = undefined;
      prepare.commitSequence = this.commits.enqueueInternal('join-prepare', this.allConsumed(), prepare.deadlineMs);
      this.commits.flush();
    }
    // The flush may have completed the commit (and cleared or rearmed the join prepare).
    const waiting = this.joinPrepare !== undefined && (this.joinPrepare.commitSequence !== undefined || this.joinPrepare.commitAtMs !== undefined);
    if (waiting && this.nowMs < prepare.deadlineMs) return false;
    this.joinPrepare = undefined;
    this.givePartitionsUpBeforeJoin();
    this.isLeader = false;
    this.assignmentSnapshot = undefined;
    return true;
  }

  private givePartitionsUpBeforeJoin(): void {
    // Re-read: a commit error may have reset the generation while the member waited.
    const generationValid = this.generation.generationId !== -1 && this.generation.memberId !== '';
    if (!generationValid) {
      assert(this.memberState === 'UNJOINED', `generation reset in ${this.memberState}`);
      if (this.state === 'UNJOINED.losing') this.losePartitions();
      assert(this.owned.length === 0, 'a member with no generation still owns partitions');
      return;
    }
    assert(this.memberState === 'STABLE', `join prepared in ${this.memberState} with a generation`);
    const revoked = this.partitionsToRevoke();
    if (this.state === 'STABLE.assigned' && revoked.length === 0) return;
    if (this.state === 'STABLE.assigned') this.transition('REVOKE_PARTITIONS');
    this.revokePartitions(revoked, this.protocol === 'EAGER');
  }

  /** Eager: everything; cooperative: the partitions of topics no longer subscribed. */
  private partitionsToRevoke(): TopicPartition[] {
    if (this.protocol === 'EAGER') return [...this.owned];
    const subscribed = new Set(this.subscription ?? []);
    return this.owned.filter((tp) => !subscribed.has(tp.topic));
  }

  /** In STABLE.revoking: the callback, then the partitions leave the assignment. */
  private revokePartitions(revoked: readonly TopicPartition[], alwaysCallback: boolean): void {
    assert(this.state === 'STABLE.revoking', `revoking in ${this.state}`);
    if (revoked.length > 0 || alwaysCallback) this.effects.push({ type: 'callback', callback: 'onPartitionsRevoked', partitions: revoked });
    const gone = new Set(revoked.map(partitionKey));
    this.setOwned(this.owned.filter((tp) => !gone.has(partitionKey(tp))));
    this.transition('PARTITIONS_REVOKED');
  }

  /** `invokePartitionsLost` on everything owned, without committing. */
  private losePartitions(): void {
    if (this.owned.length > 0) this.effects.push({ type: 'callback', callback: 'onPartitionsLost', partitions: this.owned });
    // The kafka-12984 variant: the member stops consuming (the group-member model allows no rejoin
    // while it holds partitions), but the subscription state it joins with still lists them.
    if (this.options.generationResetClearsOwnedPartitions === false && this.owned.length > 0) this.staleOwnedClaim = this.owned;
    this.setOwned([]);
    this.transition('PARTITIONS_LOST');
  }

  /** `onLeavePrepare`: lost if the generation is gone or a rebalance is under way, else revoked. */
  private onLeavePrepare(): void {
    if (this.state === 'STABLE.revoking') return this.revokePartitions(this.owned, true);
    if (this.owned.length === 0 && this.state !== 'UNJOINED.losing') return;
    const generationValid = this.generation.generationId !== -1 && this.generation.memberId !== '';
    if (!generationValid || this.memberState === 'PREPARING_REBALANCE' || this.memberState === 'COMPLETING_REBALANCE') {
      if (this.owned.length > 0 || this.state === 'UNJOINED.losing') this.losePartitions();
      return;
    }
    assert(this.state === 'STABLE.assigned', `leaving from ${this.state}`);
    this.transition('REVOKE_PARTITIONS');
    this.revokePartitions(this.owned, true);
  }

  private abandonJoinPrepare(): void {
    this.joinPrepare = undefined;
  }

  /** `onLeaderElected`: decode every member's subscription, run the chosen assignor, encode. */
  protected onLeaderElected(response: JoinGroupResponse): SyncGroupAssignment[] | FatalError {
    const name = this.lookupAssignor(response.protocolName);
    if (name === undefined) return { exception: 'IllegalStateException', message: `Coordinator selected invalid assignment protocol: ${response.protocolName}` };
    const subscriptions = new Map<string, Subscription>();
    const topics = new Set<string>();
    for (const member of response.members) {
      let decoded;
      try {
        decoded = deserializeSubscription(member.metadata);
      } catch (error) {
        if (error instanceof MalformedInput) return { exception: 'KafkaException', message: `SchemaException: ${error.message}` };
        throw error;
      }
      subscriptions.set(member.memberId, assignorSubscription({
        topics: decoded.topics,
        userData: deserializeAssignorUserData(name, decoded.userData),
        ownedPartitions: decoded.ownedPartitions,
        generationId: decoded.generationId,
        rackId: decoded.rackId === null || decoded.rackId === '' ? undefined : decoded.rackId,
        groupInstanceId: member.groupInstanceId ?? undefined,
      }));
      for (const topic of decoded.topics) topics.add(topic);
    }
    this.isLeader = true;
    this.groupSubscription = [...topics].sort(compareStrings);
    this.assignmentSnapshot = this.metadataSnapshot();
    // KIP-814: a returning static leader of a Stable group keeps the assignment as it is.
    if (response.skipAssignment) return [];
    let assignments: GroupAssignment;
    try {
      assignments = this.assign(name, subscriptions, response.generationId);
    } catch (error) {
      if (error instanceof AssignorIllegalStateException) return { exception: 'IllegalStateException', message: error.message };
      throw error;
    }
    // The built-in cooperative-sticky assignor already honours ownership (KAFKA-13406).
    if (this.protocol === 'COOPERATIVE' && name !== 'cooperative-sticky') {
      const violation = cooperativeViolation(subscriptions, assignments);
      if (violation !== undefined) return { exception: 'IllegalStateException', message: violation };
    }
    return [...assignments.keys()].sort(compareStrings).map((memberId) => {
      const assignment = assignments.get(memberId);
      assert(assignment !== undefined, `no assignment for ${memberId}`);
      return { memberId, assignment: serializeAssignment({ assignedPartitions: assignment.partitions, userData: serializeAssignorUserData(assignment.userData) }) };
    });
  }

  /** The chosen assignor's assignment (with the mutant's and the variant's rules applied). */
  private assign(name: AssignorName, subscriptions: ReadonlyMap<string, Subscription>, generationId: number): GroupAssignment {
    if (name !== 'cooperative-sticky') {
      this.withheld = undefined;
      const assignments = ASSIGNORS[name].assign(this.partitionsPerTopic, subscriptions);
      return name === 'range' && this.options.rangeAssignorRangesDisjoint === false ? overlappingRanges(assignments) : assignments;
    }
    const result = cooperativeStickyAssign(this.partitionsPerTopic, subscriptions, this.options.cooperativeStickyValidatesOwnedPartitions !== false);
    this.twoStepMoveGeneration = twoStepMoves(this.withheld, generationId, subscriptions, result.groupAssignment) > 0 ? generationId : undefined;
    this.withheld = withheldPartitions(generationId, subscriptions, result.partitionsTransferringOwnership);
    return result.groupAssignment;
  }

  /** `onJoinComplete`: apply the assignment the leader sent. */
  protected onJoinComplete(generation: Generation, bytes: Uint8Array): FatalError | undefined {
    if (!this.isLeader) this.assignmentSnapshot = undefined;
    this.staleOwnedClaim = undefined;
    // The leader's SyncGroup succeeded, so the coordinator persisted the assignment that moved them.
    if (this.isLeader && this.twoStepMoveGeneration === generation.generationId) this.effects.push({ type: 'mark', name: 'cooperative-two-step-move' });
    this.twoStepMoveGeneration = undefined;
    const name = this.lookupAssignor(generation.protocolName);
    // Kafka throws these out of `onJoinComplete`, so out of the application's poll; not fatal
    // (`completeJoin`): the next poll tries again, and heartbeats go on meanwhile.
    if (name === undefined) return { exception: 'IllegalStateException', message: `Coordinator selected invalid assignment protocol: ${generation.protocolName}` };
    if (bytes.length < 2) return { exception: 'IllegalStateException', message: `There are insufficient bytes available to read assignment from the sync-group response (actual byte size ${bytes.length})` };
    let partitions: readonly TopicPartition[];
    try {
      partitions = deserializeAssignment(bytes).assignedPartitions;
    } catch (error) {
      if (error instanceof MalformedInput) return { exception: 'KafkaException', message: `SchemaException: ${error.message}` };
      throw error;
    }
    const assigned = sortedUnique(partitions);
    const subscribed = new Set(this.subscription ?? []);
    if (!assigned.every((tp) => subscribed.has(tp.topic))) {
      this.requestRejoin('received assignment does not match the current subscription');
      return undefined;
    }
    const ownedKeys = new Set(this.owned.map(partitionKey));
    const assignedKeys = new Set(assigned.map(partitionKey));
    const added = assigned.filter((tp) => !ownedKeys.has(partitionKey(tp)));
    const revoked = this.owned.filter((tp) => !assignedKeys.has(partitionKey(tp)));
    if (this.protocol === 'EAGER') assert(this.owned.length === 0, 'an eager member joined while owning partitions');
    if (revoked.length > 0) {
      // KIP-429: give up what the leader withheld, then rejoin so it can move.
      this.transition('REVOKE_PARTITIONS');
      this.revokePartitions(revoked, false);
      this.requestRejoin('need to revoke partitions and re-join');
    }
    this.previousAssignment = { partitions: assigned, generationId: generation.generationId };
    this.commits.resetAutoCommitDeadline(this.nowMs);
    this.setOwned(assigned);
    this.effects.push({ type: 'callback', callback: 'onPartitionsAssigned', partitions: added });
    this.commits.fetchCommittedOffsets(added);
    return undefined;
  }

  // --- helpers ---

  private setOwned(partitions: readonly TopicPartition[]): void {
    const next = sortedUnique(partitions);
    if (sameStrings(next.map(partitionKey), this.owned.map(partitionKey))) return;
    this.owned = next;
    this.commits.forgetUnowned(new Set(next.map(partitionKey)));
    this.effects.push({ type: 'assignment-changed', partitions: next });
  }

  /** `subscriptions.allConsumed()`: the given positions of owned partitions. */
  private allConsumed(): PartitionOffset[] {
    const owned = new Set(this.owned.map(partitionKey));
    return this.positions.filter((position) => owned.has(partitionKey(position)));
  }

  private lookupAssignor(name: string | null): AssignorName | undefined {
    return this.options.partitionAssignmentStrategy.find((candidate) => candidate === name);
  }

  private metadataSnapshot(): Map<string, number | undefined> {
    return new Map(this.groupSubscription.map((topic) => [topic, this.partitionsPerTopic.get(topic)]));
  }

  private metadataMatches(snapshot: ReadonlyMap<string, number | undefined>): boolean {
    for (const [topic, count] of snapshot) if (this.partitionsPerTopic.get(topic) !== count) return false;
    return true;
  }

  /** The narrow view of this coordinator the commit manager works through. */
  private commitHost(): ConstructorParameters<typeof CommitManager>[0] {
    return {
      options: () => this.options,
      nowMs: () => this.nowMs,
      coordinator: () => this.coordinator,
      subscribed: () => this.subscription !== undefined,
      memberState: () => this.memberState,
      generation: () => this.generation,
      owned: () => this.owned,
      effects: () => this.effects,
      send: (destination, build, sequence) => this.send(destination, build, sequence),
      generationUnchanged: (entry) => this.generationUnchanged(entry),
      markCoordinatorUnknown: (cause) => this.markCoordinatorUnknown(cause),
      requestRejoin: (reason) => this.requestRejoin(reason),
      resetStateAndRejoin: (reason, resetMemberId) => this.resetStateAndRejoin(reason, resetMemberId),
      raiseFatal: (error) => this.raiseFatal(error),
      backoffMs: (attempts) => this.backoffMs(attempts),
      joinPrepareCommitCompleted: (sequence, result) => {
        const prepare = this.joinPrepare;
        if (prepare === undefined || prepare.commitSequence !== sequence) return;
        prepare.commitSequence = undefined;
        if (result.type === 'RetriableCommitFailedException') prepare.commitAtMs = this.nowMs + this.options.retryBackoffMs;
      },
    };
  }

  protected handleCommitResponse(...args: Parameters<CommitManager['onResponse']>): void {
    this.commits.onResponse(...args);
  }

  private checkInvariants(): void {
    this.checkCoordinatorInvariants();
    this.commits.checkInvariants();
    if (this.state === 'UNJOINED.unassigned') assert(this.owned.length === 0, 'unassigned member owns partitions');
    for (let index = 1; index < this.owned.length; index++) {
      assert(compareTopicPartitions(this.owned[index - 1] as TopicPartition, this.owned[index] as TopicPartition) < 0, 'owned not sorted and unique');
    }
    if (this.subscription === undefined) assert(this.owned.length === 0 || this.closed, 'owned partitions without a subscription');
  }
}

/**
 * The rebalance protocol all assignors support, the most advanced one if several (the
 * ConsumerCoordinator constructor: common protocols, highest id).
 */
export function selectRebalanceProtocol(names: readonly AssignorName[]): RebalanceProtocol {
  let common: RebalanceProtocol[] = ['EAGER', 'COOPERATIVE'];
  for (const name of names) common = common.filter((protocol) => ASSIGNORS[name].supportedProtocols.includes(protocol));
  assert(common.length > 0, `assignors ${names.join(', ')} support no common rebalance protocol`);
  return common.includes('COOPERATIVE') ? 'COOPERATIVE' : 'EAGER';
}

/** `validateCooperativeAssignment`: no partition both revoked from one member and added to another. */
export function cooperativeViolation(
  subscriptions: ReadonlyMap<string, Subscription>,
  assignments: ReadonlyMap<string, { readonly partitions: readonly TopicPartition[] }>,
): string | undefined {
  const added = new Set<string>();
  const revoked = new Set<string>();
  for (const [memberId, assignment] of assignments) {
    const owned = new Set((subscriptions.get(memberId)?.ownedPartitions ?? []).map(partitionKey));
    const now = new Set(assignment.partitions.map(partitionKey));
    for (const key of now) if (!owned.has(key)) added.add(key);
    for (const key of owned) if (!now.has(key)) revoked.add(key);
  }
  const both = [...added].filter((key) => revoked.has(key)).sort(compareStrings);
  return both.length === 0 ? undefined : `Assignor supporting the COOPERATIVE protocol violates its requirements (${both.join(', ')})`;
}

function sortedUnique(partitions: readonly TopicPartition[]): TopicPartition[] {
  const byKey = new Map(partitions.map((tp) => [partitionKey(tp), { topic: tp.topic, partition: tp.partition }]));
  return [...byKey.values()].sort(compareTopicPartitions);
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

export type { RebalanceCallback };

/**
 * The range-assignor-overlapping-ranges mutant (test-only, `sim/mutants/`): each consumer's run of
 * partitions of a topic also takes the first partition of the next consumer's run, an off-by-one
 * in the range's end.
 */
function overlappingRanges(assignments: GroupAssignment): GroupAssignment {
  const memberIds = [...assignments.keys()].sort(compareStrings);
  const overlapped = new Map<string, Assignment>();
  for (const [index, memberId] of memberIds.entries()) {
    const own = assignments.get(memberId) as Assignment;
    const next = assignments.get(memberIds[index + 1] ?? '');
    const extra = next === undefined ? [] : next.partitions.filter((partition, at) => at === next.partitions.findIndex((other) => other.topic === partition.topic));
    overlapped.set(memberId, { ...own, partitions: [...own.partitions, ...extra.filter((partition) => !own.partitions.some((mine) => mine.topic === partition.topic && mine.partition === partition.partition))] });
  }
  return overlapped;
}

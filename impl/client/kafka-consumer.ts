import { assert, assertNever } from '../common/assert.ts';
import { ConfigView } from '../config/config-view.ts';
import type { HistoryRecord, NodeEffect, NodeEnvironment, NodeId, NodeInput, SimulatedNode } from '../env/node-environment.ts';
import { NO_LEADER } from '../metadata/metadata-records.ts';
import type { GroupRequest, GroupResponse } from '../protocol/group-messages.ts';
import { ConsumerApplication, POLL_TIMEOUT_MS } from './consumer-application.ts';
import { MAX_IN_FLIGHT_REQUESTS } from './consumer-coordinator-io.ts';
import { Fetcher, unknownPosition, type PartitionPosition, type PolledRecord, type ReportedHighWatermark } from './fetcher.ts';
import { OffsetFetcher, type OffsetRequest } from './offset-fetcher.ts';
import { ConsumerMetadata } from './consumer-metadata.ts';
import type { KafkaConsumerOptions } from './consumer-options.ts';
import { ConsumerNetworkClient } from './consumer-network-client.ts';
import { GROUP_TIMER_PREFIX, GroupMembership, type GroupMemberView } from './group-membership.ts';
import {
  brokerIdOf,
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  type KafkaMessage,
  type PartitionMetadata,
} from '../protocol/messages.ts';

/** A request on the wire, by kind (the part of Kafka's `InFlightRequests` the consumer needs). */
type InFlightRequest =
  | { readonly kind: 'metadata'; readonly broker: number }
  /** ListOffsets and OffsetsForLeaderEpoch (offset-fetcher.ts). */
  | OffsetRequest
  /** `fetchOffsets`: each partition asked for, with the position it was fetched from. */
  | { readonly kind: 'fetch'; readonly broker: number; readonly fetchOffsets: ReadonlyMap<number, number> }
  /** A group coordinator request, on the wire under the node's id; `coreCorrelationId` is the core's. */
  | { readonly kind: 'group'; readonly broker: number; readonly coreCorrelationId: number };

/** How a poll operation ends in the history. */
type PollOutcome =
  | { readonly type: 'ok'; readonly records: readonly PolledRecord[]; readonly highWatermarks: readonly ReportedHighWatermark[] }
  /** Certainly nothing was read: the fetches answered with errors only. */
  | { readonly type: 'fail'; readonly error: string }
  /** A fetch was lost on the wire (timeout, disconnect); its outcome is unknown. */
  | { readonly type: 'info'; readonly error: string };

/**
 * A Kafka consumer with manual assignment of every partition of one topic (no group yet), shaped
 * like Kafka's `Fetcher`/`AbstractFetch` and `OffsetFetcher`. Each poll of the application's poll
 * loop is one Jepsen `poll` operation of the consumer's process. A poll drains the completed
 * fetches buffered so far, then sends one FetchRequest to every leader that has no fetch pending
 * (`prepareFetchRequests` groups the fetchable partitions by leader;
 * `nodesWithPendingFetchRequests` keeps a leader to one), carrying every partition that leader
 * leads with a known position and nothing buffered, at the current leader epoch (KIP-320). A
 * partition without a position is reset (`auto.offset.reset`) with one ListOffsets per leader.
 * Leaders answer up to their high watermark, after `fetch.min.bytes` or `fetch.max.wait.ms`;
 * answers are buffered per partition, and the open poll returns, `ok`, with the records of every
 * partition drained at once and the high watermark each partition's leader sent with them. A poll
 * that drains no records keeps waiting, up to its timeout (then `ok` with none), as Kafka's
 * `poll(Duration)` does; one whose fetches answered only errors `fail`s; one whose fetch was lost
 * on the wire ends `info`. A reset's ListOffsets answer is recorded as a `seek` operation of the
 * same process, so it first ends the open poll (the history's processes are single-threaded).
 */
export class KafkaConsumer implements SimulatedNode<KafkaMessage> {
  readonly kind = 'consumer';
  private readonly metadata: ConsumerMetadata;
  private readonly fetcher: Fetcher;
  private readonly offsetFetcher: OffsetFetcher;
  /** Group mode's membership (the hosted ConsumerCoordinator); undefined with manual assignment. */
  private readonly membership: GroupMembership | undefined;
  /** The consumer's own config: the run's, with `configOverrides` and `group.id` over it in group mode. */
  private readonly config: ConfigView;
  private readonly client: ConsumerNetworkClient<InFlightRequest>;
  /** The workload's application around the consumer: its schedule, stalls and fence exit (not Kafka). */
  private readonly application: ConsumerApplication;
  private pollOpen = false;
  /**
   * `close()` was called: the application thread waits in it (no more polls) while the core
   * finishes its final commit and leaves; `closed` once the core reports it done.
   */
  private closeCalled = false;
  private effects: NodeEffect<KafkaMessage>[] = [];

  constructor(
    private readonly environment: NodeEnvironment,
    private readonly options: KafkaConsumerOptions,
  ) {
    assert(options.brokers.length > 0, 'a consumer needs brokers to bootstrap from');
    this.client = new ConsumerNetworkClient<InFlightRequest>(environment.clock.nowMs() * 1000 + 1, (effect) => this.effects.push(effect), () => this.config.number('request.timeout.ms'));
    this.application = new ConsumerApplication(options, {
      nowMs: () => this.environment.clock.nowMs(),
      timer: (name, delayMs) => this.timer(name, delayMs),
      effect: (effect) => this.effects.push(effect),
    });
    this.metadata = new ConsumerMetadata(options.topic);
    this.fetcher = new Fetcher(options.topic, options.rules);
    this.offsetFetcher = new OffsetFetcher(options.topic, this.fetcher, {
      nowMs: () => this.environment.clock.nowMs(),
      groupByLeader: (partitions, kind, wanted) => this.groupByLeader(partitions, kind, wanted),
      send: (broker, correlationId, request, message) => this.client.send(broker, correlationId, request, message),
      nextCorrelationId: () => this.client.nextCorrelationId(),
      seek: (partition, offset, offsetEpoch, detail) => this.seek(partition, offset, offsetEpoch, detail),
      requestMetadataUpdate: () => this.metadata.requestUpdate(),
      mark: (name) => this.effects.push({ type: 'mark', name }),
      retryBackoffMs: () => this.retryBackoffMs(),
      requestTimeoutMs: () => this.config.number('request.timeout.ms'),
    });
    if (options.groupId === undefined) {
      assert(options.configOverrides === undefined, 'per-consumer config overrides are for group members');
      this.config = options.config;
      this.membership = undefined;
    } else {
      assert(options.groupId !== '', 'a group member needs a non-empty group id');
      this.config = new ConfigView({ ...options.config.overrides, ...options.configOverrides, 'group.id': options.groupId });
      this.membership = new GroupMembership(options.name, options.topic, this.config, options.brokers, this.membershipHost(), options.rules);
      // The subscription itself emits nothing to carry out yet: no coordinator is known.
      assert(this.effects.length === 0, 'subscribing emitted effects before the consumer started');
    }
  }

  /** The assigned partitions' positions (every partition with manual assignment; the owned ones in a group). */
  get positions(): ReadonlyMap<number, PartitionPosition> {
    return this.fetcher.positions;
  }

  /**
   * For the checkers: the member's group, generation, model state and owned partitions (sorted);
   * undefined with manual assignment.
   */
  get group(): GroupMemberView | undefined {
    return this.membership?.view;
  }

  /** Whether this consumer is a group member (subscribed with a `group.id`); allocates nothing. */
  get inGroup(): boolean {
    return this.membership !== undefined;
  }

  /** Whether `close()` has finished: the member has left (or, static, stopped) and does nothing more. */
  get closed(): boolean {
    return this.membership?.closed === true;
  }

  /** Offsets consumed so far, by partition (the next offset to read). */
  consumedUpTo(partition: number): number | undefined {
    return this.fetcher.positions.get(partition)?.offset;
  }

  handle(input: NodeInput<KafkaMessage>): readonly NodeEffect<KafkaMessage>[] {
    this.effects = [];
    switch (input.type) {
      case 'start':
        this.application.start();
        break;
      case 'timer':
        this.onTimer(input.name);
        break;
      case 'receive':
        this.onResponse(input.message);
        break;
      case 'disconnected': {
        const broker = brokerIdOf(input.peer);
        if (broker !== undefined) this.onDisconnect(broker, 'disconnected', 'all');
        break;
      }
      case 'signal':
        break;
      case 'application-stall':
        this.application.stall(input.durationMs, this.pollOpen);
        break;
      default:
        assertNever(input, 'consumer input');
    }
    if (!this.pollOpen && this.membership?.awaitsMetadata === true) this.refreshForLeader();
    this.checkInvariants();
    return this.effects;
  }

  /**
   * A leader waiting in `ensureFreshMetadata` with no poll open: Kafka's thread blocked there polls
   * the network client itself (`awaitMetadataUpdate`), so the metadata request goes out (or its
   * backoff is waited for) without the application's poll. Seed 11038: a stalled application's
   * request lost with a powered-off broker would otherwise never be sent again.
   */
  private refreshForLeader(): void {
    assert(this.metadata.updateWanted, 'a leader waits for metadata nobody asked for');
    const allowedAtMs = this.maybeUpdateMetadata();
    if (allowedAtMs !== undefined) this.timer('backoff', Math.max(1, allowedAtMs - this.environment.clock.nowMs()));
  }

  private checkInvariants(): void {
    // An open poll drains every completed fetch the moment it arrives.
    if (this.pollOpen) assert(this.fetcher.bufferedCount === 0, 'an open poll left completed fetches buffered');
    assert(this.fetcher.bufferedCount <= this.fetcher.positions.size, 'more completed fetches than partitions');
    // One metadata request, and per broker one fetch, one ListOffsets and one
    // OffsetsForLeaderEpoch at most; a group member
    // adds the core's requests, and those the core abandoned (markCoordinatorUnknown) until they
    // are answered or time out.
    const groupLimit = this.membership === undefined ? 0 : 4 * MAX_IN_FLIGHT_REQUESTS;
    assert(this.client.inFlightCount <= 3 * this.options.brokers.length + 1 + groupLimit, 'too many requests in flight');
    this.fetcher.checkInvariants();
    assert(this.client.backoffCount <= this.options.brokers.length, 'backoff for an unknown broker');
    if (this.closeCalled) assert(!this.pollOpen, 'a poll open after close');
    if (this.membership !== undefined) {
      this.membership.checkInvariants();
      if (this.membership.closed) assert(this.fetcher.positions.size === 0, 'a closed consumer still has positions');
      for (const partition of this.fetcher.positions.keys()) assert(this.membership.view.owned.some((tp) => tp.partition === partition), `a position for unowned partition ${partition}`);
    }
  }

  private timer(name: string, delayMs: number): void {
    this.effects.push({ type: 'set-timer', name, delayMs });
  }

  private history(record: HistoryRecord): void {
    this.effects.push({ type: 'history', record });
  }

  private onTimer(name: string): void {
    if (name === 'close') return this.close();
    // The application thread is inside close() (or done): it polls no more.
    if (this.closeCalled && (name === 'poll' || name === 'poll-timeout' || name === 'backoff')) return;
    if (name === 'poll') {
      if (this.application.pollDue()) this.startPoll();
      return;
    }
    if (name.startsWith(GROUP_TIMER_PREFIX)) {
      (this.membership as GroupMembership).onTimer(name.slice(GROUP_TIMER_PREFIX.length));
      if (this.pollOpen) this.pollStep();
      return;
    }
    if (name === 'poll-timeout') {
      // Kafka's poll(Duration) returns no records once its timer expires.
      assert(this.pollOpen, 'a poll timed out that was not open');
      return this.completePoll({ type: 'ok', records: [], highWatermarks: [] });
    }
    if (name === 'backoff') {
      if (this.pollOpen) this.pollStep();
      return;
    }
    const request = this.client.timedOut(name);
    // Kafka's NetworkClient.handleTimedOutRequests closes the connection of a request that timed
    // out, failing every request in flight on it. The consumer talks to its group coordinator on
    // a connection of its own (AbstractCoordinator's coordinator node id), so a group request's
    // timeout closes only that one, and a fetch's timeout only the data connection.
    this.onDisconnect(request.broker, 'REQUEST_TIMED_OUT', request.kind === 'group' ? 'group' : 'data');
  }

  /**
   * The application calls `KafkaConsumer.close()`: the open poll returns first (one thread), then
   * the coordinator commits the positions reached (auto-commit), revokes the partitions and
   * leaves: a dynamic member with LeaveGroup, a static one (KIP-345) without, so that its
   * partitions wait for it until its session times out or another process takes its
   * `group.instance.id`. Nothing is fetched once close is called.
   */
  private close(): void {
    assert(this.membership !== undefined, 'only a group member is closed by the workload');
    if (this.closeCalled) return;
    const positions = this.fetcher.allConsumed();
    this.endOpenPoll();
    this.closeCalled = true;
    for (const name of ['poll', 'poll-timeout', 'backoff']) this.effects.push({ type: 'cancel-timer', name });
    this.membership.close(positions);
  }

  /** The application calls poll: one Jepsen `poll` operation opens. */
  private startPoll(): void {
    assert(!this.pollOpen, 'a poll started while one was open');
    assert(!this.closeCalled, 'a poll after close');
    // Kafka's poll first runs the coordinator (join, rebalance callbacks, auto-commit of the
    // positions earlier polls reached), then fetches: group events it records come first.
    if (this.membership !== undefined) {
      this.membership.poll(this.fetcher.allConsumed());
      // KIP-345: FencedInstanceIdException means the coordinator maps this consumer's
      // group.instance.id to another member id (a replacement that joined after it, an old process
      // that rejoined after its replacement, or a coordinator that failed over to a state that
      // never saw this member's id). The exception is fatal and poll throws it from then on; the
      // application does what one should, and closes the consumer (a static member's close sends
      // no LeaveGroup, so the holder stays), then exits if it is a supervised process.
      if (this.membership.fatalError?.exception === 'FencedInstanceIdException') return this.application.closeOnFence(this.membership, () => this.close());
    }
    this.pollOpen = true;
    this.history({ type: 'invoke', process: this.options.name, f: 'poll', value: { consumer: this.options.name } });
    this.timer('poll-timeout', POLL_TIMEOUT_MS);
    this.pollStep();
  }

  /**
   * One turn of the open poll (Kafka's `pollForFetches`): drain what is buffered, send the next
   * round of requests (before returning, so that fetches are pipelined), and return the records
   * if there are any.
   */
  private pollStep(): void {
    assert(this.pollOpen, 'a poll step without an open poll');
    const membership = this.membership;
    const fetch = membership === undefined ? this.fetcher.collectFetch() : this.fetcher.collectFetch(() => membership.fetching);
    if (fetch.metadataUpdateNeeded) this.metadata.requestUpdate();
    this.sendRequests();
    if (fetch.records.length > 0) this.completePoll({ type: 'ok', records: fetch.records, highWatermarks: fetch.highWatermarks });
    else if (fetch.error !== undefined) this.completePoll({ type: 'fail', error: fetch.error });
  }

  private completePoll(outcome: PollOutcome): void {
    assert(this.pollOpen, 'a poll completed that was not open');
    assert(this.fetcher.bufferedCount === 0, 'a poll completed with completed fetches undrained');
    this.pollOpen = false;
    this.application.pollReturned();
    this.effects.push({ type: 'cancel-timer', name: 'poll-timeout' });
    const process = this.options.name;
    switch (outcome.type) {
      case 'ok':
        this.history({ type: 'ok', process, f: 'poll', value: { consumer: process, records: outcome.records, highWatermarks: outcome.highWatermarks } });
        this.timer('poll', 0);
        return;
      case 'fail':
      case 'info':
        this.history({ type: outcome.type, process, f: 'poll', value: { consumer: process, error: outcome.error } });
        this.timer('poll', this.retryBackoffMs());
        return;
      default:
        assertNever(outcome, 'poll outcome');
    }
  }

  private retryBackoffMs(): number {
    return this.config.number('retry.backoff.ms');
  }

  /**
   * Sends what the poll needs and nothing is already asking for (Kafka's `updateFetchPositions`,
   * then `sendFetches`): metadata, OffsetsForLeaderEpoch for positions awaiting validation,
   * ListOffsets for partitions without a position, fetches. Where a backoff holds a request back,
   * the `backoff` timer brings the poll back when the earliest one ends.
   */
  private sendRequests(): void {
    const topic = this.metadata.topic();
    if (topic === undefined) this.metadata.requestUpdate();
    else this.updatePositions(topic.partitions);
    const waits = [this.maybeUpdateMetadata()];
    if (topic !== undefined) {
      const membership = this.membership;
      // A group member resets and fetches only what it owns; a partition waiting for its
      // committed offset is neither, and nothing is fetched while a revocation is under way.
      const assigned = membership === undefined ? topic.partitions : topic.partitions.filter((partition) => this.fetcher.positions.has(partition.partition));
      const resettable = membership === undefined ? assigned : assigned.filter((partition) => !membership.isAwaitingCommitted(partition.partition));
      waits.push(this.offsetFetcher.validatePositions(assigned));
      waits.push(this.resetPositions(resettable));
      waits.push(this.sendFetches(membership === undefined || membership.fetching ? assigned : []));
    }
    const nowMs = this.environment.clock.nowMs();
    const until = waits.filter((wait): wait is number => wait !== undefined);
    if (until.length > 0) this.timer('backoff', Math.max(1, Math.min(...until) - nowMs));
  }

  /**
   * With manual assignment every partition of the topic is assigned; a group member's positions
   * are its owned partitions. The metadata's leader epochs only ever raise ours, and a raised one
   * makes the position await validation (KIP-320).
   */
  private updatePositions(partitions: readonly PartitionMetadata[]): void {
    for (const partition of partitions) {
      const position = this.fetcher.positions.get(partition.partition);
      if (position === undefined) {
        if (this.membership !== undefined) continue;
        this.fetcher.positions.set(partition.partition, unknownPosition(partition.leaderEpoch));
      } else {
        this.fetcher.maybeValidatePosition(partition.partition, partition.leaderEpoch);
      }
      // A partition without a leader in our metadata needs fresh metadata: ask for it rather
      // than wait for an error that will never come from a partition we cannot fetch.
      if (partition.leader === NO_LEADER) this.metadata.requestUpdate();
    }
  }

  /** Returns when a backoff ends that held the refresh back, if one did. */
  private maybeUpdateMetadata(): number | undefined {
    if (!this.metadata.updateWanted || this.client.hasInFlight('metadata')) return undefined;
    const allowedAtMs = this.metadata.refreshAllowedAtMs;
    if (this.environment.clock.nowMs() < allowedAtMs) return allowedAtMs;
    const broker = this.environment.random.pick(this.options.brokers);
    const correlationId = this.client.nextCorrelationId();
    this.client.send(broker, correlationId, { kind: 'metadata', broker }, { type: 'MetadataRequest', correlationId, topics: [this.options.topic] });
    return undefined;
  }

  /** The client's `groupByLeader`, asking `wanted` of each partition's position. */
  private groupByLeader(
    partitions: readonly PartitionMetadata[],
    kind: 'fetch' | OffsetRequest['kind'],
    wanted: (position: PartitionPosition, partition: number) => boolean,
  ): { byLeader: Map<number, PartitionMetadata[]>; backoffUntilMs: number | undefined } {
    return this.client.groupByLeader(partitions, kind, this.environment.clock.nowMs(), (partition) => {
      const position = this.fetcher.positions.get(partition.partition);
      assert(position !== undefined, `partition ${partition.partition} has no position entry`);
      return wanted(position, partition.partition);
    });
  }

  /** Kafka's `OffsetFetcher.resetPositionsIfNeeded`, by the reset policy in force. */
  private resetPositions(partitions: readonly PartitionMetadata[]): number | undefined {
    const configured = this.options.autoOffsetReset ?? this.config.string('auto.offset.reset');
    // The mutant group-reset-uses-default-policy resets a group member by Kafka's default, latest.
    const policy = this.membership !== undefined && !(this.options.rules?.groupResetUsesConfiguredPolicy ?? true) ? 'latest' : configured;
    return this.offsetFetcher.resetPositions(partitions, policy === 'latest' ? LATEST_TIMESTAMP : EARLIEST_TIMESTAMP);
  }

  /** Kafka's `AbstractFetch.sendFetches`: one fetch per leader (the Fetcher prepares each). */
  private sendFetches(partitions: readonly PartitionMetadata[]): number | undefined {
    const fetchable = (_: PartitionPosition, partition: number): boolean => this.fetcher.isFetchable(partition);
    const { byLeader, backoffUntilMs } = this.groupByLeader(partitions, 'fetch', fetchable);
    for (const [broker, led] of byLeader) {
      const correlationId = this.client.nextCorrelationId();
      const { fetchOffsets, request } = this.fetcher.prepareFetchRequest(led, correlationId, this.config.number('fetch.max.wait.ms'), this.config.number('fetch.min.bytes'));
      this.client.send(broker, correlationId, { kind: 'fetch', broker, fetchOffsets }, request);
    }
    return backoffUntilMs;
  }

  /**
   * The connection to `broker` failed: every request on it is abandoned, nothing more goes to it
   * for `retry.backoff.ms`, and metadata is refreshed (Kafka's `handleServerDisconnect`). A lost
   * fetch ends the open poll with an unknown outcome. `connection` says which connections broke:
   * the data connection, the group coordinator's, or (the link itself) both. A group request
   * lost is reported to the core as failed; the core does its own backoff.
   */
  private onDisconnect(broker: number, error: string, connection: 'data' | 'group' | 'all'): void {
    let abandoned = 0;
    let fetchLost = false;
    const groupFailed: [number, number][] = [];
    const onConnection = (request: InFlightRequest): boolean => (request.kind === 'group' ? connection !== 'data' : connection !== 'group');
    for (const [correlationId, request] of this.client.abandon(broker, onConnection)) {
      if (request.kind === 'group') {
        groupFailed.push([correlationId, request.coreCorrelationId]);
        continue;
      }
      abandoned++;
      if (request.kind === 'fetch') fetchLost = true;
      if (request.kind === 'offsets-for-leader-epoch') this.offsetFetcher.onValidationFailed(request);
      if (request.kind === 'metadata') this.metadata.requestLost(this.environment.clock.nowMs(), this.retryBackoffMs());
    }
    const reason = error === 'REQUEST_TIMED_OUT' ? 'request-timed-out' : 'disconnected';
    for (const [correlationId, core] of groupFailed) (this.membership as GroupMembership).onRequestFailed(correlationId, core, reason);
    if (abandoned === 0) {
      if (groupFailed.length > 0 && this.pollOpen) this.pollStep();
      return;
    }
    this.client.backoff(broker, this.environment.clock.nowMs() + this.retryBackoffMs());
    this.metadata.requestUpdate();
    if (!this.pollOpen) return;
    if (fetchLost) this.completePoll({ type: 'info', error });
    else this.pollStep();
  }

  private onResponse(message: KafkaMessage): void {
    const correlationId = (message as { correlationId?: number }).correlationId;
    const request = this.client.complete(correlationId);
    // A late answer to a request abandoned on timeout or disconnect is dropped.
    if (correlationId === undefined || request === undefined) return;
    switch (message.type) {
      case 'MetadataResponse':
        assert(request.kind === 'metadata', `a MetadataResponse answered a ${request.kind} request`);
        this.metadata.onResponse(message, this.environment.clock.nowMs(), this.retryBackoffMs());
        // The leader's assignment and its rejoin check read the partition counts from here.
        this.membership?.onMetadata(message, this.metadata.updateWanted);
        break;
      case 'ListOffsetsResponse':
        assert(request.kind === 'list-offsets', `a ListOffsetsResponse answered a ${request.kind} request`);
        // A group member's partition that waits for its committed offset takes no reset begun
        // under an earlier ownership.
        this.offsetFetcher.onListOffsets(message, (partition) => this.membership?.isAwaitingCommitted(partition) === true);
        break;
      case 'OffsetsForLeaderEpochResponse':
        assert(request.kind === 'offsets-for-leader-epoch', `an OffsetsForLeaderEpochResponse answered a ${request.kind} request`);
        this.offsetFetcher.onOffsetsForLeaderEpoch(request, message);
        break;
      case 'FetchResponse':
        assert(request.kind === 'fetch', `a FetchResponse answered a ${request.kind} request`);
        this.fetcher.bufferFetch(request.fetchOffsets, message);
        break;
      case 'FindCoordinatorResponse':
      case 'JoinGroupResponse':
      case 'SyncGroupResponse':
      case 'HeartbeatResponse':
      case 'LeaveGroupResponse':
      case 'OffsetCommitResponse':
      case 'OffsetFetchResponse':
        assert(request.kind === 'group', `a ${message.type} answered a ${request.kind} request`);
        (this.membership as GroupMembership).onResponse(correlationId, request.coreCorrelationId, message satisfies GroupResponse);
        break;
      default:
        assert(false, `a ${request.kind} request was answered by ${message.type}`);
    }
    if (this.pollOpen) this.pollStep();
  }

  /**
   * Sets a position and records it as a `seek` operation of the consumer's process: the open
   * poll returns first (the history's processes are single-threaded). A committed offset's
   * position is validated before use when it came with an epoch (Kafka's `seekUnvalidated`); a
   * reset's, or the divergence point a validation found, is used as it is.
   */
  private seek(partition: number, offset: number, offsetEpoch: number | undefined, detail: { readonly committed?: true; readonly truncated?: true }): void {
    this.endOpenPoll();
    const process = this.options.name;
    if (detail.committed === true) this.fetcher.seekUnvalidated(partition, offset, offsetEpoch);
    else this.fetcher.seekValidated(partition, offset, offsetEpoch);
    const value = { consumer: process, topic: this.options.topic, partition, offset, ...detail };
    this.history({ type: 'invoke', process, f: 'seek', value });
    this.history({ type: 'ok', process, f: 'seek', value });
  }

  private endOpenPoll(): void {
    if (this.pollOpen) this.completePoll({ type: 'ok', records: [], highWatermarks: [] });
  }

  /** How the membership reaches the node: its requests, timers, history and positions. */
  private membershipHost(): ConstructorParameters<typeof GroupMembership>[4] {
    return {
      nowMs: () => this.environment.clock.nowMs(),
      sendGroupRequest: (broker: number, request: GroupRequest, timeoutMs: number | undefined) => {
        const correlationId = this.client.nextCorrelationId();
        this.client.send(broker, correlationId, { kind: 'group', broker, coreCorrelationId: request.correlationId }, { ...request, correlationId }, timeoutMs);
        return correlationId;
      },
      effect: (effect) => this.effects.push(effect),
      consumerOperation: (record) => {
        this.endOpenPoll();
        this.history(record);
      },
      partitionsRemoved: (partitions) => {
        for (const partition of partitions) this.fetcher.drop(partition);
      },
      partitionsAdded: (partitions) => {
        for (const partition of partitions) {
          assert(!this.fetcher.positions.has(partition), `partition ${partition} assigned twice`);
          const known = this.metadata.topic()?.partitions.find((candidate) => candidate.partition === partition);
          this.fetcher.positions.set(partition, unknownPosition(known?.leaderEpoch ?? -1));
        }
      },
      committedOffsets: (offsets) => {
        for (const { partition, offset, leaderEpoch } of offsets) {
          // No committed offset: the position stays unknown, and auto.offset.reset applies.
          if (offset !== null) this.seek(partition, offset, leaderEpoch < 0 ? undefined : leaderEpoch, { committed: true });
        }
      },
    };
  }

  /** The partitions' high watermarks as last seen (for convergence). */
  highWatermarks(): ReadonlyMap<number, number> {
    return this.fetcher.highWatermarks();
  }

  unusedPeer(peer: NodeId): void {
    void peer;
  }
}

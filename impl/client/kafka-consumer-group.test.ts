import { describe, expect, it } from 'vitest';
import { ConfigView } from '../config/config-view.ts';
import type { HistoryRecord, NodeDisk, NodeEffect, NodeEnvironment, NodeInput, RandomStream } from '../env/node-environment.ts';
import { buildRecordBatch, DEFAULT_BATCH_SPEC } from '../log/record-batch.ts';
import type { GroupRequest, JoinGroupRequest, OffsetCommitRequest, OffsetFetchRequest, SyncGroupRequest } from '../protocol/group-messages.ts';
import type { FetchRequest, KafkaMessage, ListOffsetsRequest, OffsetsForLeaderEpochRequest } from '../protocol/messages.ts';
import { deserializeAssignment, serializeAssignment } from './consumer-protocol.ts';
import { coordinatorOptions } from './group-membership.ts';
import { KafkaConsumer } from './kafka-consumer.ts';

// KafkaConsumer in group mode, driven by hand: the test plays the brokers (broker 1 is the
// group's coordinator) and the clock, and reads the effects. Four partitions, 0 and 2 led by
// broker 0, 1 and 3 by broker 1; the member is given 0 and 2.

const RANDOM: RandomStream = { name: 'test', next: () => 0, int: (min) => min, chance: () => false, pick: (items) => items[0] as never, exponential: (mean) => mean };
const UTF8 = new TextEncoder();

class Harness {
  nowMs = 5;
  readonly consumer: KafkaConsumer;
  readonly timers = new Map<string, number>();
  readonly history: HistoryRecord[] = [];
  readonly transitions: { instance: string; event: string; to: string }[] = [];
  sent: { to: string; message: KafkaMessage }[] = [];

  readonly halts: { reason: string; failed: boolean }[] = [];

  constructor(overrides: Record<string, string> = {}, onFencedInstanceId?: 'close' | 'exit') {
    const environment: NodeEnvironment = { nodeId: 'consumer-0', clock: { nowMs: () => this.nowMs }, random: RANDOM, disk: {} as NodeDisk };
    this.consumer = new KafkaConsumer(environment, {
      name: 'consumer-0', brokers: [0, 1], config: new ConfigView({}), topic: 't', autoOffsetReset: 'earliest', groupId: 'g', configOverrides: overrides,
      ...(onFencedInstanceId === undefined ? {} : { onFencedInstanceId }),
    });
  }

  input(input: NodeInput<KafkaMessage>): readonly NodeEffect<KafkaMessage>[] {
    const effects = this.consumer.handle(input);
    for (const effect of effects) {
      if (effect.type === 'set-timer') this.timers.set(effect.name, this.nowMs + effect.delayMs);
      else if (effect.type === 'cancel-timer') this.timers.delete(effect.name);
      else if (effect.type === 'history') this.history.push(effect.record);
      else if (effect.type === 'send') this.sent.push({ to: effect.to, message: effect.message });
      else if (effect.type === 'transition') this.transitions.push({ instance: effect.instance, event: effect.event.type, to: effect.to });
      else if (effect.type === 'halt') this.halts.push({ reason: effect.reason, failed: effect.failed });
    }
    return effects;
  }

  fire(name: string): void {
    const atMs = this.timers.get(name);
    expect(atMs, `timer ${name} is armed`).toBeDefined();
    this.nowMs = Math.max(this.nowMs, atMs as number);
    this.timers.delete(name);
    this.input({ type: 'timer', name });
  }

  /** Ends the open poll (if any) by its timeout, and starts the next one. */
  repoll(): void {
    if (this.timers.has('poll-timeout')) this.fire('poll-timeout');
    this.fire('poll');
  }

  timer(prefix: string): string {
    const name = [...this.timers.keys()].find((candidate) => candidate.startsWith(prefix));
    expect(name, `a timer ${prefix}*`).toBeDefined();
    return name as string;
  }

  take(type?: string): { to: string; message: KafkaMessage }[] {
    const taken = type === undefined ? this.sent : this.sent.filter((sent) => sent.message.type === type);
    this.sent = this.sent.filter((sent) => !taken.includes(sent));
    return taken;
  }

  one<T extends KafkaMessage>(type: T['type']): { to: string; message: T } {
    const taken = this.take(type);
    expect(taken.map((sent) => sent.message.type)).toEqual([type]);
    return taken[0] as { to: string; message: T };
  }

  reply(from: string, message: KafkaMessage): void {
    this.input({ type: 'receive', from, message });
  }

  /** Joins as the group's only member (leader) at generation 1, and is given partitions 0 and 2. */
  joined(): void {
    this.input({ type: 'start' });
    this.fire('poll');
    const metadata = this.one('MetadataRequest');
    const partitions = [0, 1, 2, 3].map((partition) => ({ partition, error: 'NONE' as const, leader: partition % 2, leaderEpoch: 5, replicas: [0, 1], isr: [0, 1] }));
    this.reply(metadata.to, { type: 'MetadataResponse', correlationId: id(metadata.message), brokers: [0, 1], controllerId: 2, topics: [{ name: 't', error: 'NONE', partitions }] });
    const find = this.one('FindCoordinatorRequest');
    this.reply(find.to, { type: 'FindCoordinatorResponse', correlationId: id(find.message), error: 'NONE', nodeId: 1 });
    const join = this.one<JoinGroupRequest>('JoinGroupRequest');
    expect(join.to).toBe('broker-1');
    const range = join.message.protocols.find((protocol) => protocol.name === 'range');
    this.reply('broker-1', {
      type: 'JoinGroupResponse', correlationId: id(join.message), error: 'NONE', generationId: 1, protocolType: 'consumer', protocolName: 'range',
      leader: 'm1', skipAssignment: false, memberId: 'm1', members: [{ memberId: 'm1', groupInstanceId: null, metadata: (range as { metadata: Uint8Array }).metadata }],
    });
    const sync = this.one('SyncGroupRequest');
    const assignment = serializeAssignment({ assignedPartitions: [{ topic: 't', partition: 0 }, { topic: 't', partition: 2 }], userData: null });
    this.reply('broker-1', { type: 'SyncGroupResponse', correlationId: id(sync.message), error: 'NONE', protocolType: 'consumer', protocolName: 'range', assignment });
  }
}

function id(message: KafkaMessage | GroupRequest): number {
  return (message as { correlationId: number }).correlationId;
}

function batch(baseOffset: number, values: readonly string[], partitionLeaderEpoch = 0): Uint8Array {
  return buildRecordBatch({ ...DEFAULT_BATCH_SPEC, baseOffset, partitionLeaderEpoch }, values.map((value) => ({ timestamp: 0, key: null, value: UTF8.encode(value), headers: [] })));
}

describe('KafkaConsumer in a group', () => {
  it('reads its options from its own config view, by Kafka keys', () => {
    const config = new ConfigView({ 'group.id': 'g', 'group.instance.id': 'static-1', 'partition.assignment.strategy': 'org.apache.kafka.clients.consumer.CooperativeStickyAssignor', 'session.timeout.ms': '10000' });
    const options = coordinatorOptions('consumer-0', config, [1, 0]);
    expect(options).toMatchObject({ groupId: 'g', groupInstanceId: 'static-1', partitionAssignmentStrategy: ['cooperative-sticky'], sessionTimeoutMs: 10_000, heartbeatIntervalMs: 3_000, maxPollIntervalMs: 300_000, enableAutoCommit: true, retryBackoffMaxMs: 1_000, defaultApiTimeoutMs: 60_000 });
    expect(coordinatorOptions('consumer-0', new ConfigView({ 'group.id': 'g' }), [0]).groupInstanceId).toBeNull();
  });

  it('joins through its coordinator under its own correlation ids, and reports its lifecycle as <group>/<name>', () => {
    const harness = new Harness();
    harness.joined();
    expect(harness.consumer.group).toEqual({ groupId: 'g', memberId: 'm1', generationId: 1, state: 'STABLE.assigned', owned: [{ topic: 't', partition: 0 }, { topic: 't', partition: 2 }], assignedInGeneration: 1 });
    expect(harness.transitions.map((transition) => transition.instance)).toEqual(Array(harness.transitions.length).fill('g/consumer-0'));
    expect(harness.transitions.map((transition) => `${transition.event} -> ${transition.to}`)).toEqual([
      'JOIN_GROUP_SENT -> PREPARING_REBALANCE',
      'JOIN_GROUP_COMPLETED -> COMPLETING_REBALANCE',
      'SYNC_GROUP_COMPLETED -> STABLE.assigned',
    ]);
    // The core's timers run as node timers prefixed group:.
    expect(harness.timer('group:heartbeat#')).toMatch(/^group:heartbeat#\d+$/);
    // Only the owned partitions have positions; they wait for their committed offsets.
    expect([...harness.consumer.positions.keys()]).toEqual([0, 2]);
    const assign = harness.history.filter((record) => record.f === 'assign');
    expect(assign.map((record) => record.type)).toEqual(['invoke', 'ok']);
    expect(assign[1]?.value).toEqual({ consumer: 'consumer-0', groupId: 'g', memberId: 'm1', generationId: 1, partitions: [{ topic: 't', partition: 0 }, { topic: 't', partition: 2 }] });
    expect(harness.take('ListOffsetsRequest')).toEqual([]);
    expect(harness.take('FetchRequest')).toEqual([]);
  });

  it('seeks to committed offsets, resets the others, fetches only what it owns, and commits <memberId>@<generationId>', () => {
    const harness = new Harness({ 'auto.commit.interval.ms': '1000' });
    harness.joined();
    const offsetFetch = harness.one<OffsetFetchRequest>('OffsetFetchRequest');
    expect(offsetFetch.message.topics).toEqual([{ name: 't', partitionIndexes: [0, 2] }]);
    // The node's correlation ids go on the wire (they start at nowMs * 1000 + 1), not the core's.
    expect(id(offsetFetch.message)).toBeGreaterThan(5000);
    harness.reply('broker-1', {
      type: 'OffsetFetchResponse', correlationId: id(offsetFetch.message), error: 'NONE',
      topics: [{ name: 't', partitions: [
        { partitionIndex: 0, committedOffset: 7, committedLeaderEpoch: -1, metadata: 'old@0', error: 'NONE' },
        { partitionIndex: 2, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', error: 'NONE' },
      ] }],
    });
    expect(harness.consumer.positions.get(0)?.offset).toBe(7);
    expect(harness.history.filter((record) => record.f === 'seek').at(-1)?.value).toEqual({ consumer: 'consumer-0', topic: 't', partition: 0, offset: 7, committed: true });
    // Partition 2 has no committed offset: auto.offset.reset asks its leader, at the next poll
    // (the seek, an operation of the consumer's process, ended the open one).
    harness.repoll();
    const resets = harness.take('ListOffsetsRequest');
    expect(resets.map(({ to, message }) => [to, (message as ListOffsetsRequest).partitions.map((query) => query.partition)])).toEqual([['broker-0', [2]]]);
    const reset = resets[0]?.message as ListOffsetsRequest;
    harness.reply('broker-0', { type: 'ListOffsetsResponse', correlationId: reset.correlationId, partitions: [{ topic: 't', partition: 2, error: 'NONE', offset: 0, leaderEpoch: 5 }] });
    harness.repoll();
    const fetches = harness.take('FetchRequest').map(({ to, message }) => [to, (message as FetchRequest).partitions.map((fetch) => [fetch.partition, fetch.fetchOffset])]);
    // Only broker 0 leads an owned partition; its one fetch went out with partition 0 while
    // partition 2 was still being reset, and partition 2 waits for that fetch to answer.
    expect(fetches).toEqual([['broker-0', [[0, 7]]]]);
    // A poll after auto.commit.interval.ms commits the positions reached, tagged with the generation.
    harness.nowMs += 1_500;
    harness.repoll();
    const commit = harness.one<OffsetCommitRequest>('OffsetCommitRequest');
    expect(commit.message.topics).toEqual([{ name: 't', partitions: [
      { partitionIndex: 0, committedOffset: 7, committedLeaderEpoch: -1, committedMetadata: 'm1@1' },
      { partitionIndex: 2, committedOffset: 0, committedLeaderEpoch: -1, committedMetadata: 'm1@1' },
    ] }]);
    harness.reply('broker-1', { type: 'OffsetCommitResponse', correlationId: id(commit.message), topics: [{ name: 't', partitions: [{ partitionIndex: 0, error: 'NONE' }, { partitionIndex: 2, error: 'NONE' }] }] });
    const commits = harness.history.filter((record) => record.f === 'commit');
    expect(commits.map((record) => [record.type, record.process])).toEqual([['invoke', `consumer-0:commit:${id(commit.message)}`], ['ok', `consumer-0:commit:${id(commit.message)}`]]);
    expect(commits[0]?.value).toMatchObject({ consumer: 'consumer-0', groupId: 'g', memberId: 'm1', generationId: 1 });
  });

  it('validates a committed offset that came with its epoch before fetching from it, and commits the epoch of what it read (KIP-320)', () => {
    const harness = new Harness({ 'auto.commit.interval.ms': '1000' });
    harness.joined();
    const offsetFetch = harness.one<OffsetFetchRequest>('OffsetFetchRequest');
    harness.reply('broker-1', {
      type: 'OffsetFetchResponse', correlationId: id(offsetFetch.message), error: 'NONE',
      topics: [{ name: 't', partitions: [
        { partitionIndex: 0, committedOffset: 7, committedLeaderEpoch: 4, metadata: 'old@0', error: 'NONE' },
        { partitionIndex: 2, committedOffset: 3, committedLeaderEpoch: -1, metadata: 'old@0', error: 'NONE' },
      ] }],
    });
    harness.repoll();
    // Partition 0's commit names epoch 4: its leader is asked where epoch 4 ends before anything
    // is fetched from it. Partition 2's commit has no epoch, and is fetched from as it is.
    const asked = harness.one<OffsetsForLeaderEpochRequest>('OffsetsForLeaderEpochRequest');
    expect(asked.to).toBe('broker-0');
    expect(asked.message.partitions).toEqual([{ topic: 't', partition: 0, currentLeaderEpoch: 5, leaderEpoch: 4 }]);
    const fetch = harness.one<FetchRequest>('FetchRequest');
    expect(fetch.message.partitions.map((asked) => [asked.partition, asked.fetchOffset])).toEqual([[2, 3]]);
    // Epoch 4 ends at 6 in the leader's log: the log the commit was made against diverged there.
    harness.reply('broker-0', { type: 'OffsetsForLeaderEpochResponse', correlationId: id(asked.message), partitions: [{ topic: 't', partition: 0, error: 'NONE', leaderEpoch: 4, endOffset: 6 }] });
    expect(harness.consumer.positions.get(0)?.offset).toBe(6);
    expect(harness.history.filter((record) => record.f === 'seek').at(-1)?.value).toEqual({ consumer: 'consumer-0', topic: 't', partition: 0, offset: 6, truncated: true });
    // Partition 2's fetch brings a batch of epoch 5; the next commit carries each position's epoch.
    harness.reply('broker-0', { type: 'FetchResponse', correlationId: id(fetch.message), error: 'NONE', partitions: [{ topic: 't', partition: 2, error: 'NONE', highWatermark: 5, logStartOffset: 0, records: [batch(3, ['a', 'b'], 5)] }] });
    // The next poll returns those records; the one after auto.commit.interval.ms commits.
    harness.repoll();
    harness.nowMs += 1_500;
    harness.repoll();
    const commit = harness.one<OffsetCommitRequest>('OffsetCommitRequest');
    expect(commit.message.topics).toEqual([{ name: 't', partitions: [
      { partitionIndex: 0, committedOffset: 6, committedLeaderEpoch: 4, committedMetadata: 'm1@1' },
      { partitionIndex: 2, committedOffset: 5, committedLeaderEpoch: 5, committedMetadata: 'm1@1' },
    ] }]);
  });

  it('drops revoked partitions and their buffered fetches at once, returning nothing while it revokes', () => {
    const harness = new Harness();
    harness.joined();
    const offsetFetch = harness.one<OffsetFetchRequest>('OffsetFetchRequest');
    harness.reply('broker-1', {
      type: 'OffsetFetchResponse', correlationId: id(offsetFetch.message), error: 'NONE',
      topics: [{ name: 't', partitions: [0, 2].map((partitionIndex) => ({ partitionIndex, committedOffset: 3, committedLeaderEpoch: -1, metadata: '', error: 'NONE' as const })) }],
    });
    harness.repoll();
    const [fetch] = harness.take('FetchRequest');
    // The coordinator starts a rebalance: the heartbeat says so, and the next poll begins the
    // eager join prepare, whose auto-commit the member waits for in STABLE.revoking.
    harness.fire(harness.timer('group:heartbeat#'));
    const heartbeat = harness.one('HeartbeatRequest');
    harness.reply('broker-1', { type: 'HeartbeatResponse', correlationId: id(heartbeat.message), error: 'REBALANCE_IN_PROGRESS' });
    harness.repoll();
    expect(harness.consumer.group?.state).toBe('STABLE.revoking');
    const commit = harness.one<OffsetCommitRequest>('OffsetCommitRequest');
    // The fetch answers now: its records are not returned while the revocation is under way.
    harness.reply('broker-0', { type: 'FetchResponse', correlationId: id((fetch as { message: KafkaMessage }).message), error: 'NONE', partitions: [{ topic: 't', partition: 0, error: 'NONE', highWatermark: 4, logStartOffset: 0, records: [batch(3, ['a'])] }] });
    const polls = harness.history.filter((record) => record.f === 'poll' && record.type === 'ok');
    expect(polls.every((record) => (record.value as { records: unknown[] }).records.length === 0)).toBe(true);
    expect(harness.consumer.positions.get(0)?.offset).toBe(3);
    harness.reply('broker-1', { type: 'OffsetCommitResponse', correlationId: id(commit.message), topics: [{ name: 't', partitions: [0, 2].map((partitionIndex) => ({ partitionIndex, error: 'NONE' as const })) }] });
    // Revoked: no positions, and a revoke entry naming the generation they were owned in.
    expect(harness.consumer.positions.size).toBe(0);
    expect(harness.consumer.group?.owned).toEqual([]);
    expect(harness.history.filter((record) => record.f === 'revoke' && record.type === 'ok').map((record) => record.value)).toEqual([
      { consumer: 'consumer-0', groupId: 'g', memberId: 'm1', generationId: 1, partitions: [{ topic: 't', partition: 0 }, { topic: 't', partition: 2 }], lost: false },
    ]);
    expect(harness.take('JoinGroupRequest')).toHaveLength(1);
  });

  // Seeds 301, 311 and 397: a coordinator answered a static member's JoinGroup (no write before
  // the answer outside Stable, in Kafka too) and lost its partition before the SyncGroup's write
  // committed; the next coordinator loaded the older member id and fenced the member's next
  // request. FencedInstanceIdException is fatal, so a supervised application exits, and its
  // supervisor's new process joins with no member id and takes the instance back.
  it.each([
    ['exit', [{ reason: 'FencedInstanceIdException: group.instance.id g-a was fenced', failed: true }]],
    ['close', []],
  ] as const)('closes a static member fenced by a failed-over coordinator at the next poll, and exits if supervised (%s)', (onFenced, halts) => {
    const harness = new Harness({ 'group.instance.id': 'g-a' }, onFenced);
    harness.joined();
    harness.take();
    // The coordinator that answered moved away; the new one maps g-a to the member id it loaded.
    harness.fire(harness.timer('group:heartbeat#'));
    const heartbeat = harness.one('HeartbeatRequest');
    harness.reply('broker-1', { type: 'HeartbeatResponse', correlationId: id(heartbeat.message), error: 'FENCED_INSTANCE_ID' });
    expect(harness.consumer.closed).toBe(false);
    harness.repoll();
    expect(harness.consumer.closed).toBe(true);
    expect(harness.halts).toEqual(halts);
    // Closed on the fatal error: no final commit, no LeaveGroup (static), no rejoin.
    expect(harness.take().map((sent) => sent.message.type)).toEqual([]);
  });

  // Seed 11038: the answer that came before the brokers had loaded topic t said
  // UNKNOWN_TOPIC_OR_PARTITION; g2's leader, its application stalled, assigned nothing from it.
  it('a leader elected after an answer that did not know the topic waits for the next, and asks for it with no poll open', () => {
    const harness = new Harness();
    harness.input({ type: 'start' });
    harness.fire('poll');
    const first = harness.one('MetadataRequest');
    harness.reply(first.to, { type: 'MetadataResponse', correlationId: id(first.message), brokers: [0, 1], controllerId: 2, topics: [{ name: 't', error: 'UNKNOWN_TOPIC_OR_PARTITION', partitions: [] }] });
    const find = harness.one('FindCoordinatorRequest');
    harness.reply(find.to, { type: 'FindCoordinatorResponse', correlationId: id(find.message), error: 'NONE', nodeId: 1 });
    const join = harness.one<JoinGroupRequest>('JoinGroupRequest');
    // The poll returns empty and the application does not poll again (a stall): the leader's wait
    // for metadata, not the poll, sends what follows.
    harness.fire('poll-timeout');
    harness.timers.delete('poll');
    harness.timers.delete('backoff');
    harness.take('MetadataRequest');
    harness.nowMs += 200;
    const range = join.message.protocols.find((protocol) => protocol.name === 'range');
    harness.reply('broker-1', {
      type: 'JoinGroupResponse', correlationId: id(join.message), error: 'NONE', generationId: 1, protocolType: 'consumer', protocolName: 'range',
      leader: 'm1', skipAssignment: false, memberId: 'm1', members: [{ memberId: 'm1', groupInstanceId: null, metadata: (range as { metadata: Uint8Array }).metadata }],
    });
    expect(harness.take('SyncGroupRequest')).toEqual([]);
    expect(harness.consumer.group?.state).toBe('COMPLETING_REBALANCE');
    // The request is lost with its connection: after retry.backoff.ms the leader asks again.
    const lost = harness.one('MetadataRequest');
    harness.input({ type: 'disconnected', peer: lost.to, brokenAtMs: harness.nowMs });
    expect(harness.take('MetadataRequest')).toEqual([]);
    harness.fire('backoff');
    const again = harness.one('MetadataRequest');
    const partitions = [0, 1, 2, 3].map((partition) => ({ partition, error: 'NONE' as const, leader: partition % 2, leaderEpoch: 5, replicas: [0, 1], isr: [0, 1] }));
    harness.reply(again.to, { type: 'MetadataResponse', correlationId: id(again.message), brokers: [0, 1], controllerId: 2, topics: [{ name: 't', error: 'NONE', partitions }] });
    const sync = harness.one<SyncGroupRequest>('SyncGroupRequest');
    expect(sync.message.assignments.map((assignment) => [assignment.memberId, deserializeAssignment(assignment.assignment).assignedPartitions.map((tp) => tp.partition)])).toEqual([['m1', [0, 1, 2, 3]]]);
  });
});

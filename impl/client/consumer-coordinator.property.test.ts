import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { KafkaError } from '../protocol/errors.ts';
import type { GroupResponse, JoinGroupRequest } from '../protocol/group-messages.ts';
import type { AssignorName, TopicPartition } from './assignors/consumer-partition-assignor.ts';
import { CoordinatorDriver, type OutstandingRequest } from './consumer-coordinator-test-support.ts';
import { DEFAULT_CONSUMER_COORDINATOR_OPTIONS, type PartitionOffset } from './consumer-coordinator-io.ts';
import { serializeAssignment, serializeSubscription } from './consumer-protocol.ts';

/**
 * Goal: whatever the coordinator answers and whenever timers fire or the application polls, the
 * core keeps its promises. Method: fast-check drives one member through random sequences of
 * polls, clock advances (timers fire in order), responses to any outstanding request (success or
 * an error Kafka can return for that request), lost requests, commits, subscription and metadata
 * changes and close. CoordinatorDriver checks after every input: model conformance, the owned set
 * changing only through callbacks, no partition revoked and assigned in one cooperative step, the
 * generation and member id in every request, timers scheduled once and fired at most once, and
 * the bounds. The core's own assertions (invariants after every input) run as well.
 */

// Fatal errors (FENCED_INSTANCE_ID on JoinGroup or Heartbeat, GROUP_MAX_SIZE_REACHED) end a member's
// part in the group; they are left to the scenario tests so that random runs stay in the group.
const ERRORS: Readonly<Record<string, readonly KafkaError[]>> = {
  FindCoordinatorRequest: ['COORDINATOR_NOT_AVAILABLE'],
  JoinGroupRequest: ['MEMBER_ID_REQUIRED', 'UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS', 'COORDINATOR_LOAD_IN_PROGRESS', 'NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE'],
  SyncGroupRequest: ['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR'],
  HeartbeatRequest: ['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE'],
  LeaveGroupRequest: ['UNKNOWN_MEMBER_ID'],
  OffsetCommitRequest: ['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'COORDINATOR_LOAD_IN_PROGRESS', 'NOT_COORDINATOR', 'FENCED_INSTANCE_ID', 'INVALID_COMMIT_OFFSET_SIZE'],
  OffsetFetchRequest: ['COORDINATOR_LOAD_IN_PROGRESS', 'NOT_COORDINATOR'],
};

const ALL_PARTITIONS: readonly TopicPartition[] = [0, 1, 2, 3].map((partition) => ({ topic: 't', partition })).concat([{ topic: 'u', partition: 0 }, { topic: 'u', partition: 1 }]);

type Action =
  | { readonly type: 'poll'; readonly advanceMs: number }
  | { readonly type: 'advance'; readonly advanceMs: number }
  | { readonly type: 'respond'; readonly pick: number; readonly error: number; readonly success: boolean; readonly choice: number; readonly subset: readonly boolean[] }
  | { readonly type: 'fail'; readonly pick: number }
  | { readonly type: 'commit'; readonly sync: boolean; readonly offset: number }
  | { readonly type: 'subscribe'; readonly topics: readonly string[] }
  | { readonly type: 'unsubscribe' }
  | { readonly type: 'metadata'; readonly partitions: number }
  | { readonly type: 'close' };

const actionArbitrary: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ type: fc.constant('poll' as const), advanceMs: fc.integer({ min: 0, max: 4_000 }) }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant('advance' as const), advanceMs: fc.integer({ min: 0, max: 20_000 }) }) },
  {
    weight: 8,
    arbitrary: fc.record({
      type: fc.constant('respond' as const),
      pick: fc.nat(),
      error: fc.nat(),
      // Three in four answers succeed, so that runs get past the join often.
      success: fc.integer({ min: 0, max: 3 }).map((draw) => draw !== 0),
      choice: fc.nat(),
      subset: fc.array(fc.boolean(), { minLength: ALL_PARTITIONS.length, maxLength: ALL_PARTITIONS.length }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('fail' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('commit' as const), sync: fc.boolean(), offset: fc.nat({ max: 1000 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('subscribe' as const), topics: fc.constantFrom(['t'], ['t', 'u'], ['u']) }) },
  { weight: 1, arbitrary: fc.constant({ type: 'unsubscribe' as const }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('metadata' as const), partitions: fc.integer({ min: 1, max: 4 }) }) },
);

/** A run's actions, ending (half the time) with close and some answers to what is still on the wire. */
const runArbitrary: fc.Arbitrary<readonly Action[]> = fc
  .tuple(fc.array(actionArbitrary, { minLength: 10, maxLength: 150, size: 'max' }), fc.boolean(), fc.array(actionArbitrary, { maxLength: 10 }))
  .map(([actions, close, after]) => (close ? [...actions, { type: 'close' as const }, ...after] : actions));

const configArbitrary = fc.record({
  strategy: fc.constantFrom<readonly AssignorName[]>(['range'], ['cooperative-sticky'], ['cooperative-sticky'], ['range', 'cooperative-sticky'], ['sticky'], ['cooperative-sticky']),
  instance: fc.constantFrom<string | null>(null, 'i-1'),
  autoCommit: fc.boolean(),
});

class RandomCoordinatorServer {
  private generation = 0;
  private memberCounter = 0;

  constructor(private readonly driver: CoordinatorDriver) {}

  respond(entry: OutstandingRequest, action: Extract<Action, { type: 'respond' }>): GroupResponse {
    const request = entry.request;
    const errors = ERRORS[request.type] ?? [];
    const error: KafkaError = action.success || errors.length === 0 ? 'NONE' : (errors[action.error % errors.length] as KafkaError);
    const correlationId = request.correlationId;
    switch (request.type) {
      case 'FindCoordinatorRequest':
        return { type: 'FindCoordinatorResponse', correlationId, error, nodeId: error === 'NONE' ? 1 + (action.choice % 2) : -1 };
      case 'JoinGroupRequest':
        return this.joinResponse(request, error, action);
      case 'SyncGroupRequest': {
        // Mostly partitions of t (always subscribed at first); sometimes of u too, which a member
        // subscribed to t alone must refuse (it rejoins instead).
        const assigned = ALL_PARTITIONS.filter((tp, index) => action.subset[index] === true && (tp.topic === 't' || action.choice % 4 === 0));
        const assignment = serializeAssignment({ assignedPartitions: assigned, userData: null });
        return { type: 'SyncGroupResponse', correlationId, error, protocolType: 'consumer', protocolName: null, assignment: error === 'NONE' ? assignment : new Uint8Array() };
      }
      case 'HeartbeatRequest':
        return { type: 'HeartbeatResponse', correlationId, error };
      case 'LeaveGroupRequest':
        return { type: 'LeaveGroupResponse', correlationId, error, members: [] };
      case 'OffsetCommitRequest':
        return {
          type: 'OffsetCommitResponse',
          correlationId,
          topics: request.topics.map((topic) => ({ name: topic.name, partitions: topic.partitions.map((p) => ({ partitionIndex: p.partitionIndex, error })) })),
        };
      case 'OffsetFetchRequest':
        return {
          type: 'OffsetFetchResponse',
          correlationId,
          error,
          topics: (request.topics ?? []).map((topic) => ({
            name: topic.name,
            partitions: topic.partitionIndexes.map((partitionIndex) => ({
              partitionIndex,
              committedOffset: (action.choice + partitionIndex) % 3 === 0 ? -1 : action.choice % 100,
              committedLeaderEpoch: -1,
              metadata: '',
              error: (action.choice % 5 === 0 ? 'UNSTABLE_OFFSET_COMMIT' : 'NONE') as KafkaError,
            })),
          })),
        };
      default:
        throw new Error(`unknown request ${JSON.stringify(request)}`);
    }
  }

  private joinResponse(request: JoinGroupRequest, error: KafkaError, action: Extract<Action, { type: 'respond' }>): GroupResponse {
    const base = { type: 'JoinGroupResponse' as const, correlationId: request.correlationId, protocolType: 'consumer', skipAssignment: false, members: [] };
    if (error === 'MEMBER_ID_REQUIRED') return { ...base, error, generationId: -1, protocolName: null, leader: '', memberId: `m-${++this.memberCounter}` };
    if (error !== 'NONE') return { ...base, error, generationId: -1, protocolName: null, leader: '', memberId: '' };
    const memberId = request.memberId === '' ? `m-${++this.memberCounter}` : request.memberId;
    const protocol = request.protocols[action.choice % request.protocols.length];
    if (protocol === undefined) throw new Error('JoinGroup without protocols');
    const leader = action.choice % 3 === 0 ? 'other' : memberId;
    const other = serializeSubscription({ topics: ['t'], userData: null, ownedPartitions: action.subset[0] === true ? [{ topic: 't', partition: 3 }] : [], generationId: this.generation, rackId: null });
    const members = leader !== memberId ? [] : [
      { memberId, groupInstanceId: request.groupInstanceId, metadata: protocol.metadata },
      { memberId: 'other', groupInstanceId: null, metadata: other },
    ];
    this.generation++;
    return { ...base, error, generationId: this.generation, protocolName: protocol.name, leader, memberId, members, skipAssignment: action.choice % 7 === 6 };
  }

  positions(offset: number): PartitionOffset[] {
    return this.driver.ownedView.map((tp) => ({ ...tp, offset, leaderEpoch: -1, metadata: '' }));
  }
}

interface RunConfig {
  readonly strategy: readonly AssignorName[];
  readonly instance: string | null;
  readonly autoCommit: boolean;
}

function run(config: RunConfig, actions: readonly Action[]): void {
  const driver = new CoordinatorDriver({
    ...DEFAULT_CONSUMER_COORDINATOR_OPTIONS,
    clientId: 'c1',
    groupId: 'g',
    bootstrapBrokers: [1, 2],
    groupInstanceId: config.instance,
    partitionAssignmentStrategy: config.strategy,
    enableAutoCommit: config.autoCommit,
    sessionTimeoutMs: 10_000,
    maxPollIntervalMs: 30_000,
  });
  const server = new RandomCoordinatorServer(driver);
  // As a consumer starts: subscribe asks for metadata, which comes (a leader assigns only after it).
  driver.input({ type: 'subscribe', topics: ['t'] });
  driver.input({ type: 'metadata-update', brokers: [1, 2], partitionsPerTopic: new Map([['t', 4], ['u', 2]]), updateRequested: false });
  let closed = false;
  let commitId = 0;
  for (const action of actions) {
    if (closed && action.type !== 'respond' && action.type !== 'fail') continue;
    switch (action.type) {
      case 'poll':
        driver.advance(driver.nowMs + action.advanceMs);
        driver.input({ type: 'poll', positions: server.positions(Math.floor(driver.nowMs / 100)) });
        break;
      case 'advance':
        if (!closed) driver.advance(driver.nowMs + action.advanceMs);
        break;
      case 'respond': {
        if (driver.outstanding.length === 0) break;
        const entry = driver.outstanding.splice(action.pick % driver.outstanding.length, 1)[0] as OutstandingRequest;
        driver.input({ type: 'response', response: server.respond(entry, action) });
        break;
      }
      case 'fail': {
        if (driver.outstanding.length === 0) break;
        const entry = driver.outstanding.splice(action.pick % driver.outstanding.length, 1)[0] as OutstandingRequest;
        driver.input({ type: 'request-failed', correlationId: entry.request.correlationId, reason: 'disconnected' });
        break;
      }
      case 'commit':
        driver.input({ type: action.sync ? 'commit-sync' : 'commit-async', commitId: ++commitId, offsets: server.positions(action.offset) });
        break;
      case 'subscribe':
        driver.input({ type: 'subscribe', topics: action.topics });
        break;
      case 'unsubscribe':
        driver.input({ type: 'unsubscribe' });
        break;
      case 'metadata':
        driver.input({ type: 'metadata-update', brokers: [1, 2], partitionsPerTopic: new Map([['t', action.partitions], ['u', 2]]), updateRequested: false });
        break;
      case 'close':
        driver.input({ type: 'close', positions: server.positions(7) });
        closed = true;
        break;
    }
    // No unbounded growth: what the host holds for the core stays small.
    if (driver.outstanding.length > 200) throw new Error(`${driver.outstanding.length} requests outstanding`);
  }
}

describe('consumer coordinator under random responses, timers and polls', () => {
  it('keeps the model, the callbacks, the generations, the timers and the bounds right', () => {
    fc.assert(fc.property(configArbitrary, runArbitrary, run), { numRuns: 200 });
  });
});

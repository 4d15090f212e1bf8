import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataDrivenError, intArg, runDataDrivenFile, type DataDrivenCase } from '../../sim/testkit/datadriven.ts';
import type { KafkaError } from '../protocol/errors.ts';
import type { GroupRequest, JoinGroupRequest } from '../protocol/group-messages.ts';
import { isAssignorName } from './assignors/assignors.ts';
import type { AssignorName, TopicPartition } from './assignors/consumer-partition-assignor.ts';
import { CoordinatorDriver, partitionList } from './consumer-coordinator-test-support.ts';
import { DEFAULT_CONSUMER_COORDINATOR_OPTIONS, type ConsumerCoordinatorEffect, type PartitionOffset } from './consumer-coordinator-io.ts';
import { deserializeAssignment, deserializeAssignorUserData, deserializeSubscription, serializeAssignment, serializeSubscription } from './consumer-protocol.ts';
import { KAFKA_RULES } from '../variants/protocol-rules.ts';
import { isVariantName, rulesForVariants } from '../variants/variant-registry.ts';

// Scenario scripts for the consumer's group coordinator, in etcd raft's datadriven style: each
// file under testdata/consumer-coordinator/ is a story of one member against scripted coordinator
// responses, with every effect printed after each step. Refresh the expected outputs with
// `REFKA_REWRITE=1 npx vitest run impl/client/consumer-coordinator-datadriven.test.ts` and review
// the diff. Every step also passes the checks of CoordinatorDriver (model conformance included).
// `new ... variant=NAME` runs the member under a historical variant's protocol rules
// (impl/variants/variant-registry.ts); without it, Kafka's.

const TESTDATA = join(import.meta.dirname, 'testdata', 'consumer-coordinator');

class CoordinatorHarness {
  private driver: CoordinatorDriver | undefined;

  constructor(private readonly file: string) {}

  handle(testCase: DataDrivenCase): string {
    const command = testCase.command;
    if (command === 'new') return this.create(testCase);
    const driver = this.current(testCase);
    switch (command) {
      case 'metadata': {
        const topics = new Map<string, number>();
        for (const [key, value] of testCase.args) if (key !== 'brokers' && key !== 'requested') topics.set(key, Number(value));
        // requested=true: the answer carried an InvalidMetadataException error, so another is asked for.
        const requested = testCase.args.get('requested');
        if (requested !== undefined && requested !== 'true' && requested !== 'false') throw new DataDrivenError(this.file, testCase.line, `requested must be true or false, not ${requested}`);
        return this.show(driver.input({ type: 'metadata-update', brokers: numbers(testCase.args.get('brokers') ?? '1'), partitionsPerTopic: topics, updateRequested: requested === 'true' }));
      }
      case 'subscribe':
        return this.show(driver.input({ type: 'subscribe', topics: [...testCase.args.keys()] }));
      case 'unsubscribe':
        return this.show(driver.input({ type: 'unsubscribe' }));
      case 'poll':
        return this.show(driver.input({ type: 'poll', positions: this.positions(testCase) }));
      case 'close':
        return this.show(driver.input({ type: 'close', positions: this.positions(testCase) }));
      case 'commit-sync':
      case 'commit-async':
        return this.show(driver.input({ type: command, commitId: intArg(this.file, testCase, 'id'), offsets: this.positions(testCase) }));
      case 'advance': {
        const lines: string[] = [];
        for (const fired of driver.advance(driver.nowMs + intArg(this.file, testCase, 'by'))) {
          lines.push(`fire ${fired.key} @${fired.atMs}`, ...fired.effects.map((effect) => `  ${format(effect)}`));
        }
        return lines.length === 0 ? `now ${driver.nowMs}` : [...lines, `now ${driver.nowMs}`].join('\n');
      }
      case 'fail': {
        const type = `${testCase.args.get('type') ?? ''}Request` as GroupRequest['type'];
        const outstanding = driver.take(type);
        const reason = testCase.args.has('timeout') ? 'request-timed-out' : 'disconnected';
        return this.show(driver.input({ type: 'request-failed', correlationId: outstanding.request.correlationId, reason }));
      }
      case 'find-coordinator':
      case 'join':
      case 'sync':
      case 'heartbeat':
      case 'commit':
      case 'offset-fetch':
      case 'leave':
        return this.respond(driver, testCase);
      case 'state':
        return this.state(driver);
      default:
        throw new DataDrivenError(this.file, testCase.line, `unknown command '${command}'`);
    }
  }

  private create(testCase: DataDrivenCase): string {
    const strategy = (testCase.args.get('strategy') ?? 'range').split(',');
    if (!strategy.every(isAssignorName)) throw new DataDrivenError(this.file, testCase.line, `bad strategy ${strategy.join(',')}`);
    const variant = testCase.args.get('variant');
    if (variant !== undefined && !isVariantName(variant)) throw new DataDrivenError(this.file, testCase.line, `unknown variant ${variant}`);
    const rules = variant === undefined ? KAFKA_RULES : rulesForVariants([variant]);
    const options = {
      rangeAssignorRangesDisjoint: rules.rangeAssignorRangesDisjoint,
      cooperativeStickyValidatesOwnedPartitions: rules.cooperativeStickyValidatesOwnedPartitions,
      generationResetClearsOwnedPartitions: rules.generationResetClearsOwnedPartitions,
      ...DEFAULT_CONSUMER_COORDINATOR_OPTIONS,
      clientId: testCase.args.get('client') ?? 'c1',
      groupId: testCase.args.get('group') ?? 'g',
      groupInstanceId: testCase.args.get('instance') ?? null,
      bootstrapBrokers: numbers(testCase.args.get('brokers') ?? '1'),
      partitionAssignmentStrategy: strategy as AssignorName[],
      enableAutoCommit: testCase.args.get('auto-commit') !== 'false',
      sessionTimeoutMs: intArg(this.file, testCase, 'session', 45_000),
      heartbeatIntervalMs: intArg(this.file, testCase, 'heartbeat', 3_000),
      maxPollIntervalMs: intArg(this.file, testCase, 'poll-interval', 300_000),
      autoCommitIntervalMs: intArg(this.file, testCase, 'auto-commit-interval', 5_000),
    };
    this.driver = new CoordinatorDriver(options, 0);
    const under = variant === undefined ? '' : `, variant ${variant}`;
    return `${options.clientId} in group ${options.groupId}: protocol ${this.driver.coordinator.protocol}, state ${this.driver.coordinator.state}${under}`;
  }

  private respond(driver: CoordinatorDriver, testCase: DataDrivenCase): string {
    const error = (testCase.args.get('error') ?? 'NONE') as KafkaError;
    const args = testCase.args;
    switch (testCase.command) {
      case 'find-coordinator': {
        const { request } = driver.take('FindCoordinatorRequest');
        const nodeId = error === 'NONE' ? intArg(this.file, testCase, 'node') : -1;
        return this.show(driver.input({ type: 'response', response: { type: 'FindCoordinatorResponse', correlationId: request.correlationId, error, nodeId } }));
      }
      case 'join': {
        const request = driver.take('JoinGroupRequest').request as JoinGroupRequest;
        const memberId = args.get('member') ?? request.memberId;
        const protocolName = args.get('protocol') ?? (request.protocols[0]?.name as string);
        const leader = args.get('leader') ?? '';
        const own = request.protocols.find((protocol) => protocol.name === protocolName);
        const members = leader !== memberId || own === undefined ? [] : [
          { memberId, groupInstanceId: request.groupInstanceId, metadata: own.metadata },
          ...testCase.input.map((line) => this.otherMember(line, testCase)),
        ];
        return this.show(driver.input({
          type: 'response',
          response: {
            type: 'JoinGroupResponse', correlationId: request.correlationId, error, generationId: intArg(this.file, testCase, 'generation', -1),
            protocolType: 'consumer', protocolName: error === 'NONE' ? protocolName : null, leader, skipAssignment: args.has('skip'), memberId, members,
          },
        }));
      }
      case 'sync': {
        const { request } = driver.take('SyncGroupRequest');
        // `empty`: no assignment bytes at all (what the coordinator holds for a member the leader's assignment did not name).
        const assignment = args.has('empty') ? new Uint8Array() : serializeAssignment({ assignedPartitions: partitions(args.get('assign') ?? ''), userData: null });
        return this.show(driver.input({
          type: 'response',
          response: { type: 'SyncGroupResponse', correlationId: request.correlationId, error, protocolType: 'consumer', protocolName: null, assignment: error === 'NONE' ? assignment : new Uint8Array() },
        }));
      }
      case 'heartbeat': {
        const { request } = driver.take('HeartbeatRequest');
        return this.show(driver.input({ type: 'response', response: { type: 'HeartbeatResponse', correlationId: request.correlationId, error } }));
      }
      case 'commit': {
        const { request } = driver.take('OffsetCommitRequest');
        if (request.type !== 'OffsetCommitRequest') throw new Error('not a commit');
        const topics = request.topics.map((topic) => ({ name: topic.name, partitions: topic.partitions.map((p) => ({ partitionIndex: p.partitionIndex, error })) }));
        return this.show(driver.input({ type: 'response', response: { type: 'OffsetCommitResponse', correlationId: request.correlationId, topics } }));
      }
      case 'offset-fetch': {
        const { request } = driver.take('OffsetFetchRequest');
        if (request.type !== 'OffsetFetchRequest') throw new Error('not an offset fetch');
        const committed = new Map(this.positions(testCase).map((position) => [`${position.topic}-${position.partition}`, position.offset]));
        const topics = (request.topics ?? []).map((topic) => ({
          name: topic.name,
          partitions: topic.partitionIndexes.map((partitionIndex) => ({
            partitionIndex, committedOffset: committed.get(`${topic.name}-${partitionIndex}`) ?? -1, committedLeaderEpoch: -1, metadata: '', error: 'NONE' as KafkaError,
          })),
        }));
        return this.show(driver.input({ type: 'response', response: { type: 'OffsetFetchResponse', correlationId: request.correlationId, error, topics } }));
      }
      case 'leave': {
        const { request } = driver.take('LeaveGroupRequest');
        return this.show(driver.input({ type: 'response', response: { type: 'LeaveGroupResponse', correlationId: request.correlationId, error, members: [] } }));
      }
      default:
        throw new DataDrivenError(this.file, testCase.line, `no response for '${testCase.command}'`);
    }
  }

  /** `memberId topics=t,u owned=t-0 generation=1 instance=i2`: another member's subscription. */
  private otherMember(line: string, testCase: DataDrivenCase): { memberId: string; groupInstanceId: string | null; metadata: Uint8Array } {
    const [memberId, ...words] = line.trim().split(/\s+/);
    if (memberId === undefined) throw new DataDrivenError(this.file, testCase.line, 'empty member line');
    const fields = new Map(words.map((word) => word.split('=') as [string, string]));
    const metadata = serializeSubscription({
      topics: (fields.get('topics') ?? '').split(',').filter((topic) => topic !== ''),
      userData: null,
      ownedPartitions: partitions(fields.get('owned') ?? ''),
      generationId: Number(fields.get('generation') ?? '-1'),
      rackId: null,
    });
    return { memberId, groupInstanceId: fields.get('instance') ?? null, metadata };
  }

  /** Positions as `t-0=5` words on the command line. */
  private positions(testCase: DataDrivenCase): PartitionOffset[] {
    const result: PartitionOffset[] = [];
    for (const [key, value] of testCase.args) {
      const match = /^(.+)-(\d+)$/.exec(key);
      if (match === null || value === '') continue;
      result.push({ topic: match[1] as string, partition: Number(match[2]), offset: Number(value), leaderEpoch: -1, metadata: '' });
    }
    return result;
  }

  private state(driver: CoordinatorDriver): string {
    const coordinator = driver.coordinator;
    const generation = coordinator.currentGeneration;
    return [
      `now ${driver.nowMs}, state ${coordinator.state}, coordinator ${coordinator.coordinatorId ?? 'unknown'}`,
      `generation ${generation.generationId} member "${generation.memberId}" protocol ${generation.protocolName ?? 'none'}`,
      `owned ${partitionList(coordinator.assignment)}`,
      `outstanding ${driver.outstanding.map((entry) => entry.request.type.replace('Request', '')).join(', ') || 'none'}`,
    ].join('\n');
  }

  private show(effects: readonly ConsumerCoordinatorEffect[]): string {
    return effects.length === 0 ? 'ok' : effects.map(format).join('\n');
  }

  private current(testCase: DataDrivenCase): CoordinatorDriver {
    if (this.driver === undefined) throw new DataDrivenError(this.file, testCase.line, `'${testCase.command}' before 'new'`);
    return this.driver;
  }
}

function format(effect: ConsumerCoordinatorEffect): string {
  switch (effect.type) {
    case 'send':
      return `send ->${effect.destination} ${formatRequest(effect.request)}`;
    case 'schedule-timer':
      return `timer+ ${effect.key} @${effect.atMs}`;
    case 'cancel-timer':
      return `timer- ${effect.key}`;
    case 'callback':
      return `callback ${effect.callback} ${partitionList(effect.partitions)}`;
    case 'assignment-changed':
      return `assignment ${partitionList(effect.partitions)}`;
    case 'transition':
      return `transition ${effect.event.type} -> ${effect.to}`;
    case 'commit-completed':
      return `commit ${effect.commitId}: ${effect.result.type}${'error' in effect.result ? ` ${effect.result.error}` : ''}`;
    case 'committed-offsets':
      return `committed-offsets ${effect.offsets.map((o) => `${o.topic}-${o.partition}=${o.committed?.offset ?? 'none'}`).join(' ')}`;
    case 'fatal-error':
      return `fatal ${effect.error.exception}: ${effect.error.message}`;
    case 'mark':
      return `mark ${effect.name}`;
    case 'closed':
      return 'closed';
    default:
      throw new Error(`unknown effect ${JSON.stringify(effect)}`);
  }
}

function formatRequest(request: GroupRequest): string {
  switch (request.type) {
    case 'FindCoordinatorRequest':
      return `FindCoordinator key=${request.key}`;
    case 'JoinGroupRequest': {
      const protocols = request.protocols.map((protocol) => {
        const subscription = deserializeSubscription(protocol.metadata);
        const userData = deserializeAssignorUserData(protocol.name as AssignorName, subscription.userData);
        const extra = userData === undefined ? '' : ` userData=${JSON.stringify(userData)}`;
        return `${protocol.name}(topics=${subscription.topics.join(',')} owned=${partitionList(subscription.ownedPartitions)} gen=${subscription.generationId}${extra})`;
      });
      return `JoinGroup member="${request.memberId}" instance=${request.groupInstanceId ?? '-'} session=${request.sessionTimeoutMs} rebalance=${request.rebalanceTimeoutMs} protocols=${protocols.join(' ')} reason="${request.reason}"`;
    }
    case 'SyncGroupRequest': {
      const assignments = request.assignments.map((a) => `${a.memberId}=${partitionList(deserializeAssignment(a.assignment).assignedPartitions)}`);
      return `SyncGroup gen=${request.generationId} member=${request.memberId} instance=${request.groupInstanceId ?? '-'} protocol=${request.protocolName} assignments={${assignments.join(' ')}}`;
    }
    case 'HeartbeatRequest':
      return `Heartbeat gen=${request.generationId} member=${request.memberId} instance=${request.groupInstanceId ?? '-'}`;
    case 'LeaveGroupRequest':
      return `LeaveGroup ${request.members.map((m) => `member=${m.memberId} reason="${m.reason}"`).join(' ')}`;
    case 'OffsetCommitRequest': {
      const offsets = request.topics.flatMap((t) => t.partitions.map((p) => `${t.name}-${p.partitionIndex}=${p.committedOffset}`));
      return `OffsetCommit gen=${request.generationIdOrMemberEpoch} member="${request.memberId}" instance=${request.groupInstanceId ?? '-'} ${offsets.join(' ')}`;
    }
    case 'OffsetFetchRequest':
      return `OffsetFetch ${(request.topics ?? []).flatMap((t) => t.partitionIndexes.map((p) => `${t.name}-${p}`)).join(' ')}`;
    default:
      throw new Error(`unknown request ${JSON.stringify(request)}`);
  }
}

function numbers(text: string): number[] {
  return text.split(',').filter((word) => word !== '').map(Number);
}

function partitions(text: string): TopicPartition[] {
  return text.split(',').filter((word) => word !== '').map((word) => {
    const match = /^(.+)-(\d+)$/.exec(word);
    if (match === null) throw new Error(`bad partition ${word}`);
    return { topic: match[1] as string, partition: Number(match[2]) };
  });
}

describe('consumer coordinator scenarios', () => {
  for (const name of readdirSync(TESTDATA).filter((file) => file.endsWith('.txt')).sort()) {
    it(name, () => {
      const path = join(TESTDATA, name);
      const harness = new CoordinatorHarness(path);
      runDataDrivenFile(path, (testCase) => harness.handle(testCase), (actual, expected, where) => expect(actual, where).toBe(expected));
    });
  }
});

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataDrivenError, intArg, runDataDrivenFile, type DataDrivenCase } from '../../sim/testkit/datadriven.ts';
import type { GroupResponse, JoinGroupProtocol } from '../protocol/group-messages.ts';
import { CONSUMER_PROTOCOL_TYPE } from '../protocol/group-messages.ts';
import { DEFAULT_GROUP_COORDINATOR_CONFIG } from './coordinator-result.ts';
import type { GroupCoordinatorRecord } from './group-coordinator-records.ts';
import type { ShardEffect } from './group-coordinator-shard.ts';
import { GroupCoordinatorHarness } from './group-coordinator-harness.ts';
import { rulesChangedFromKafka } from '../variants/protocol-rules.ts';
import { isVariantName, rulesForVariants, variantByName } from '../variants/variant-registry.ts';

// Scenario scripts for the group coordinator shard, in etcd raft's datadriven style: each file
// under testdata/coordinator/ is a story (joins, syncs, heartbeats, timers, commits, failover)
// with every effect the shard emits after each step. Refresh the expected outputs with
// `REFKA_REWRITE=1 npx vitest run impl/group/group-coordinator-datadriven.test.ts` and review the diff.
// A file may start with `setup variant=NAME max=N` to run the shard under a historical variant's
// rules, or with another group.max.size.

const TESTDATA = join(import.meta.dirname, 'testdata', 'coordinator');
const text = new TextEncoder();
const decode = (bytes: Uint8Array): string => (bytes.length === 0 ? '-' : new TextDecoder().decode(bytes));

class CoordinatorScript {
  private harness = new GroupCoordinatorHarness({ ...DEFAULT_GROUP_COORDINATOR_CONFIG, groupMaxSize: 3 });
  private stepped = false;

  constructor(private readonly file: string) {}

  handle(testCase: DataDrivenCase): string {
    const h = this.harness;
    const arg = (key: string, fallback?: string): string => {
      const value = testCase.args.get(key) ?? fallback;
      if (value === undefined) throw new DataDrivenError(this.file, testCase.line, `'${testCase.command}' needs ${key}=`);
      return value;
    };
    const client = (): number => Number(arg('client').replace(/^c/, ''));
    const correlationId = testCase.line;
    if (testCase.command === 'setup') return this.setup(testCase.args.get('variant'), intArg(this.file, testCase, 'max', 3), testCase.line);
    this.stepped = true;
    switch (testCase.command) {
      case 'load':
        return this.effects(h.load(intArg(this.file, testCase, 'epoch'), testCase.args.has('fresh')));
      case 'unload':
        return this.effects(h.step({ type: 'schedule-unload', partitionEpoch: intArg(this.file, testCase, 'epoch'), nowMs: h.nowMs }));
      case 'join':
        return this.effects(h.request({
          type: 'JoinGroupRequest', correlationId, groupId: arg('group', 'g'), memberId: arg('member', ''),
          groupInstanceId: testCase.args.get('instance') ?? null, sessionTimeoutMs: intArg(this.file, testCase, 'session', 10_000),
          rebalanceTimeoutMs: intArg(this.file, testCase, 'rebalance', 30_000), protocolType: CONSUMER_PROTOCOL_TYPE,
          protocols: protocols(arg('protocols', 'range:s')), reason: '',
        }, client(), arg('client')));
      case 'sync':
        return this.effects(h.request({
          type: 'SyncGroupRequest', correlationId, groupId: arg('group', 'g'), generationId: intArg(this.file, testCase, 'gen'),
          memberId: arg('member'), groupInstanceId: testCase.args.get('instance') ?? null, protocolType: CONSUMER_PROTOCOL_TYPE,
          protocolName: null, assignments: list(testCase.args.get('assign')).map((entry) => {
            const [memberId, assignment] = entry.split(':') as [string, string];
            return { memberId, assignment: text.encode(assignment) };
          }),
        }, client()));
      case 'heartbeat':
        return this.effects(h.request({
          type: 'HeartbeatRequest', correlationId, groupId: arg('group', 'g'), generationId: intArg(this.file, testCase, 'gen'),
          memberId: arg('member'), groupInstanceId: testCase.args.get('instance') ?? null,
        }, client()));
      case 'leave':
        return this.effects(h.request({
          type: 'LeaveGroupRequest', correlationId, groupId: arg('group', 'g'),
          members: testCase.args.has('instance')
            ? [{ memberId: '', groupInstanceId: arg('instance'), reason: '' }]
            : list(arg('members')).map((memberId) => ({ memberId, groupInstanceId: null, reason: '' })),
        }, client()));
      case 'commit':
        return this.effects(h.request({
          type: 'OffsetCommitRequest', correlationId, groupId: arg('group', 'g'), generationIdOrMemberEpoch: intArg(this.file, testCase, 'gen'),
          memberId: arg('member', ''), groupInstanceId: testCase.args.get('instance') ?? null,
          topics: topicPartitions(arg('offsets')).map(({ name, partitions }) => ({
            name, partitions: partitions.map(([partitionIndex, committedOffset]) => ({ partitionIndex, committedOffset, committedLeaderEpoch: -1, committedMetadata: '' })),
          })),
        }, client()));
      case 'fetch':
        return this.effects(h.request({
          type: 'OffsetFetchRequest', correlationId, groupId: arg('group', 'g'), requireStable: testCase.args.has('stable'),
          topics: testCase.args.has('parts')
            ? topicPartitions(arg('parts')).map(({ name, partitions }) => ({ name, partitionIndexes: partitions.map(([index]) => index) }))
            : null,
        }, client()));
      case 'tick':
        return this.effects(h.advance(intArg(this.file, testCase, 'ms')));
      case 'replicate':
        return this.effects(h.replicate(testCase.args.has('offset') ? intArg(this.file, testCase, 'offset') : undefined));
      case 'fail-append':
        return this.effects(h.failOldestAppend());
      case 'group':
        return this.describeGroup(arg('group', 'g'));
      case 'offsets':
        return `committed: ${h.shard.offsets.committedSnapshot().join(' ') || '(none)'}\n` +
          `log end ${h.log.length}, high watermark ${h.highWatermark}, shard ${h.shard.state} epoch ${h.shard.partitionEpoch}`;
      default:
        throw new DataDrivenError(this.file, testCase.line, `unknown command '${testCase.command}'`);
    }
  }

  /**
   * `setup [variant=NAME] [max=N]`, before any other command: the shard follows that historical
   * variant's protocol rules (`impl/variants/variant-registry.ts`) as a broker of a run with
   * `--variant` does (`GroupCoordinatorService`), and `group.max.size` is N (3 otherwise).
   */
  private setup(name: string | undefined, groupMaxSize: number, line: number): string {
    if (this.stepped) throw new DataDrivenError(this.file, line, "'setup' must come before every other command");
    if (name !== undefined && !isVariantName(name)) throw new DataDrivenError(this.file, line, `unknown variant ${name}`);
    const rules = rulesForVariants(name === undefined ? [] : [name]);
    this.harness = new GroupCoordinatorHarness({
      ...DEFAULT_GROUP_COORDINATOR_CONFIG,
      groupMaxSize,
      offsetCommitChecksGeneration: rules.offsetCommitChecksGeneration,
      joinReplacesStaticMemberInEveryState: rules.joinReplacesStaticMemberInEveryState,
    });
    this.stepped = true;
    const changed = name === undefined ? [] : rulesChangedFromKafka(variantByName(name).rules);
    return `group.max.size ${groupMaxSize}; rules: ${changed.length === 0 ? "Kafka's" : changed.map((rule) => `${rule}=${String(rules[rule])}`).join(' ')}`;
  }

  private effects(effects: readonly ShardEffect[]): string {
    const lines = effects.map(formatEffect);
    return lines.length === 0 ? 'ok' : lines.join('\n');
  }

  private describeGroup(groupId: string): string {
    const group = this.harness.shard.group(groupId);
    if (group === undefined) return `${groupId}: absent`;
    const members = [...group.members.values()].map((member) =>
      `${member.memberId}${member.groupInstanceId === null ? '' : `(${member.groupInstanceId})`}${group.isLeader(member.memberId) ? '*' : ''}` +
      `${member.isAwaitingJoin ? ' awaiting-join' : ''}${member.isAwaitingSync ? ' awaiting-sync' : ''} assignment=${decode(member.assignment)}`);
    const pending = [...group.pendingJoinMembers];
    return [
      `${groupId}: ${group.state} generation ${group.generationId} protocol ${group.protocolName ?? '-'} leader ${group.leaderId ?? '-'}`,
      ...members.map((line) => `  member ${line}`),
      ...(pending.length === 0 ? [] : [`  pending ${pending.join(',')}`]),
    ].join('\n');
  }
}

function list(value: string | undefined): string[] {
  return value === undefined || value === '' ? [] : value.split(',');
}

function protocols(spec: string): JoinGroupProtocol[] {
  return list(spec).map((entry) => {
    const [name, metadata] = entry.split(':') as [string, string | undefined];
    return { name, metadata: text.encode(metadata ?? '') };
  });
}

/** `t-0:10,t-1:5` (or `t-0,t-1`): partitions grouped by topic, in order of first appearance. */
function topicPartitions(spec: string): { name: string; partitions: [number, number][] }[] {
  const topics = new Map<string, [number, number][]>();
  for (const entry of list(spec)) {
    const [topicPartition, offset] = entry.split(':') as [string, string | undefined];
    const dash = topicPartition.lastIndexOf('-');
    const name = topicPartition.slice(0, dash);
    const partitions = topics.get(name) ?? [];
    partitions.push([Number(topicPartition.slice(dash + 1)), Number(offset ?? -1)]);
    topics.set(name, partitions);
  }
  return [...topics].map(([name, partitions]) => ({ name, partitions }));
}

function formatEffect(effect: ShardEffect): string {
  switch (effect.type) {
    case 'load':
      return `load partition epoch ${effect.partitionEpoch}`;
    case 'append':
      return `append #${effect.appendId} at ${effect.baseOffset}: ${effect.records.map(formatRecord).join('; ')}`;
    case 'respond':
      return `c${effect.destination} <- ${formatResponse(effect.response)}`;
    case 'schedule-timer':
      return `timer ${effect.key} at ${effect.deadlineMs}`;
    case 'cancel-timer':
      return `cancel ${effect.key}`;
    case 'mark':
      return effect.groupId === undefined ? `mark ${effect.name}` : `mark ${effect.name} ${effect.groupId}`;
    case 'transition':
      return effect.machine === 'consumer-group'
        ? `group ${effect.groupId}#${effect.instance}: ${effect.from} -> ${effect.to} (${effect.event})`
        : `shard: ${effect.from} -> ${effect.to} (${effect.event})`;
    default:
      throw new Error('unknown effect');
  }
}

function formatRecord(record: GroupCoordinatorRecord): string {
  if (record.type === 'OffsetCommit') {
    return `OffsetCommit ${record.key.group} ${record.key.topic}-${record.key.partition}=${record.value?.message.offset ?? 'tombstone'}`;
  }
  const value = record.value?.message;
  if (value === undefined) return `GroupMetadata ${record.key.group} tombstone`;
  const members = value.members.map((member) => `${member.memberId}=${decode(member.assignment)}`).join(',');
  return `GroupMetadata ${record.key.group} generation ${value.generation} protocol ${value.protocol ?? '-'} leader ${value.leader ?? '-'} members [${members}]`;
}

function formatResponse(response: GroupResponse): string {
  switch (response.type) {
    case 'JoinGroupResponse': {
      if (response.error !== 'NONE') return `JoinGroup ${response.error} member=${response.memberId || "''"}`;
      const members = response.members.length === 0 ? '' : ` members=${response.members.map((member) => member.memberId).join(',')}`;
      return `JoinGroup NONE member=${response.memberId} generation=${response.generationId} protocol=${response.protocolName} leader=${response.leader}${members}${response.skipAssignment ? ' skipAssignment' : ''}`;
    }
    case 'SyncGroupResponse':
      return `SyncGroup ${response.error}${response.error === 'NONE' ? ` assignment=${decode(response.assignment)}` : ''}`;
    case 'HeartbeatResponse':
      return `Heartbeat ${response.error}`;
    case 'LeaveGroupResponse':
      return `LeaveGroup ${response.error} ${response.members.map((member) => `${member.memberId || member.groupInstanceId}:${member.error}`).join(' ')}`.trimEnd();
    case 'OffsetCommitResponse':
      return `OffsetCommit ${response.topics.flatMap((topic) => topic.partitions.map((partition) => `${topic.name}-${partition.partitionIndex}:${partition.error}`)).join(' ')}`;
    case 'OffsetFetchResponse':
      return `OffsetFetch ${response.error} ${response.topics.flatMap((topic) => topic.partitions.map((partition) => `${topic.name}-${partition.partitionIndex}=${partition.committedOffset}`)).join(' ')}`.trimEnd();
    case 'FindCoordinatorResponse':
      return `FindCoordinator ${response.error}`;
    default:
      throw new Error('unknown response');
  }
}

describe('group coordinator scenarios (testdata/coordinator/*.txt)', () => {
  const files = readdirSync(TESTDATA).filter((name) => name.endsWith('.txt')).sort();
  it('has scenario files', () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const name of files) {
    it(name, () => {
      const path = join(TESTDATA, name);
      const script = new CoordinatorScript(path);
      runDataDrivenFile(path, (testCase) => script.handle(testCase), (actual, expected, where) => {
        expect(actual, where).toBe(expected);
      });
    });
  }
});

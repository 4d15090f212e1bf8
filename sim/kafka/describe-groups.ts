import { assertNever } from '../../impl/common/assert.ts';
import { GROUP_METADATA_TOPIC_NAME, partitionFor } from '../../impl/group/coordinator-partition.ts';
import { currentCoordinatorGroups } from '../../properties/invariants/groups/current-coordinators.ts';
import type { CoordinatorGroupView, KafkaClusterView } from './kafka-view.ts';

/** Kafka's `ConsumerGroupCommand.MISSING_COLUMN_VALUE`. */
const MISSING_COLUMN_VALUE = '-';

/** One row of the offsets table (Kafka's `PartitionAssignmentState`, without the coordinator). */
interface PartitionAssignmentState {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: number | undefined;
  readonly logEndOffset: number | undefined;
  readonly consumerId: string;
  readonly host: string;
  readonly clientId: string;
}

/**
 * The groups as `kafka-consumer-groups.sh --describe --group G ...` prints them (Kafka's
 * `ConsumerGroupCommand.describeGroups` without `--members` or `--state`: `printOffsets`), group by
 * group in id order (Kafka collects them in a `TreeMap`). `groupIds` are the groups asked for;
 * groups the current coordinators hold beyond those are described too, as `--all-groups` would.
 *
 * Each group is read from its current coordinator (`currentCoordinatorGroups`): its state, its
 * members with the assignment the leader's SyncGroup gave each, and its committed offsets. The
 * tool's notes go to stderr in Kafka; here they sit in the output where a terminal shows them.
 */
export function describeGroups(view: KafkaClusterView, groupIds: readonly string[] = [], only = false): string[] {
  return describeEach(view, groupIds, only, (group, lines) => {
    const rows = collectGroupOffsets(view, group);
    if (shouldPrintMemberState(lines, group, rows.length)) lines.push(...printOffsets(rows));
  });
}

/**
 * The groups as `kafka-consumer-groups.sh --describe --members --group G ...` prints them
 * (`ConsumerGroupCommand.printMembers`, without `--verbose`): a row per member of the group, with
 * the number of partitions the leader's SyncGroup gave it, so that an idle member (0) shows, which
 * the offsets table leaves out. Groups and notes as `describeGroups`; `only` leaves out the groups
 * not asked for (`--group G` instead of `--all-groups`).
 */
export function describeGroupMembers(view: KafkaClusterView, groupIds: readonly string[] = [], only = false): string[] {
  return describeEach(view, groupIds, only, (group, lines) => {
    if (shouldPrintMemberState(lines, group, group.members.length)) lines.push(...printMembers(group));
  });
}

/**
 * The groups asked for, and unless `only` every other group the current coordinators hold, in id
 * order: each found group rendered by `render`, each missing one as the tool's error.
 */
function describeEach(view: KafkaClusterView, groupIds: readonly string[], only: boolean, render: (group: CoordinatorGroupView, lines: string[]) => void): string[] {
  const groups = currentCoordinatorGroups(view);
  const lines: string[] = [];
  for (const groupId of [...new Set([...groupIds, ...(only ? [] : groups.keys())])].sort()) {
    const group = groups.get(groupId);
    if (group === undefined) lines.push('', groupUnavailable(view, groupId));
    else render(group, lines);
  }
  return lines;
}

/**
 * Kafka's `printMembers` format: GROUP, CONSUMER-ID, HOST and CLIENT-ID as wide as their longest
 * value and at least 15 characters (GROUP-INSTANCE-ID, 17, only when a member has one), then
 * #PARTITIONS padded to 15 and followed by a space, as Kafka's format string ends (`%-15s `). A
 * classic group's DescribeGroups carries assignments only while Stable (`ClassicGroup.describe`),
 * so a rebalancing group's members show 0.
 */
function printMembers(group: CoordinatorGroupView): string[] {
  const width = (minimum: number, values: readonly string[]): number => Math.max(minimum, ...values.map((value) => value.length));
  const includeGroupInstanceId = group.members.some((member) => member.groupInstanceId !== null);
  const widths = [
    width(15, [group.groupId]),
    width(15, group.members.map((member) => member.memberId)),
    ...(includeGroupInstanceId ? [width(17, group.members.map((member) => member.groupInstanceId ?? MISSING_COLUMN_VALUE))] : []),
    width(15, group.members.map((member) => member.clientHost)),
    width(15, group.members.map((member) => member.clientId)),
    15,
  ];
  const format = (columns: readonly string[]): string => columns.map((column, index) => `${column.padEnd(widths[index] as number)} `).join('');
  const lines = ['', format(['GROUP', 'CONSUMER-ID', ...(includeGroupInstanceId ? ['GROUP-INSTANCE-ID'] : []), 'HOST', 'CLIENT-ID', '#PARTITIONS'])];
  for (const member of group.members) {
    const partitions = group.state === 'Stable' ? member.assignment.length : 0;
    const instance = includeGroupInstanceId ? [member.groupInstanceId ?? MISSING_COLUMN_VALUE] : [];
    lines.push(format([group.groupId, member.memberId, ...instance, member.clientHost, member.clientId, String(partitions)]));
  }
  return lines;
}

/**
 * Why a group asked for is not at a current coordinator: its coordinator is there and does not
 * know it (Kafka's describe then answers a Dead group: "does not exist"), or its
 * `__consumer_offsets` partition has no loaded leader now, where Kafka's admin client would retry
 * FindCoordinator until its timeout and the tool would fail.
 */
function groupUnavailable(view: KafkaClusterView, groupId: string): string {
  const topic = view.controller?.topics.find((candidate) => candidate.name === GROUP_METADATA_TOPIC_NAME);
  const partition = topic === undefined ? undefined : partitionFor(groupId, topic.partitions);
  const registration = view.controller?.partitions.find((candidate) => candidate.topicName === GROUP_METADATA_TOPIC_NAME && candidate.partitionId === partition);
  const active = registration !== undefined && (view.groups?.shards ?? []).some((shard) =>
    shard.partition === partition && shard.brokerId === registration.leader && shard.epoch === registration.leaderEpoch && shard.state === 'ACTIVE');
  if (active) return `Error: Consumer group '${groupId}' does not exist.`;
  return `Error: Executing consumer group command failed due to COORDINATOR_NOT_AVAILABLE (group '${groupId}')`;
}

/**
 * Kafka's `shouldPrintMemberState`: a note for an Empty or rebalancing group, an error for a Dead
 * one; the table is printed only for a live group with at least one row.
 */
function shouldPrintMemberState(lines: string[], group: CoordinatorGroupView, rows: number): boolean {
  switch (group.state) {
    case 'Dead':
      lines.push('', `Error: Consumer group '${group.groupId}' does not exist.`);
      return false;
    case 'Empty':
      lines.push('', `Consumer group '${group.groupId}' has no active members.`);
      break;
    case 'PreparingRebalance':
    case 'CompletingRebalance':
      lines.push('', `Warning: Consumer group '${group.groupId}' is rebalancing.`);
      break;
    case 'Stable':
      break;
    default:
      assertNever(group.state, 'classic group state');
  }
  return rows > 0;
}

/**
 * Kafka's `collectGroupOffsets`: a row per partition assigned to a member, members with more
 * partitions first (a stable sort, so members keep the coordinator's order otherwise), then a row
 * with `-` for consumer, host and client per partition the group has an offset for that no member
 * is assigned. A classic group's DescribeGroups carries assignments only while it is Stable
 * (`ClassicGroup.describe` gives the other states' members without metadata or assignment), so a
 * rebalancing group shows its committed offsets only.
 */
function collectGroupOffsets(view: KafkaClusterView, group: CoordinatorGroupView): PartitionAssignmentState[] {
  const committed = new Map((group.committedOffsets ?? []).map((row) => [`${row.topic}-${row.partition}`, row]));
  const row = (topic: string, partition: number, member: { consumerId: string; host: string; clientId: string }): PartitionAssignmentState => ({
    group: group.groupId,
    topic,
    partition,
    offset: committed.get(`${topic}-${partition}`)?.committedOffset,
    logEndOffset: logEndOffset(view, topic, partition),
    ...member,
  });
  const members = group.state === 'Stable' ? group.members.filter((member) => member.assignment.length > 0) : [];
  const ordered = [...members].sort((left, right) => right.assignment.length - left.assignment.length);
  const assigned = new Set<string>();
  const rows: PartitionAssignmentState[] = [];
  for (const member of ordered) {
    const partitions = [...member.assignment].sort((left, right) => (left.topic === right.topic ? left.partition - right.partition : left.topic < right.topic ? -1 : 1));
    for (const { topic, partition } of partitions) {
      assigned.add(`${topic}-${partition}`);
      rows.push(row(topic, partition, { consumerId: member.memberId, host: member.clientHost, clientId: member.clientId }));
    }
  }
  for (const offset of group.committedOffsets ?? []) {
    if (assigned.has(`${offset.topic}-${offset.partition}`)) continue;
    rows.push(row(offset.topic, offset.partition, { consumerId: MISSING_COLUMN_VALUE, host: MISSING_COLUMN_VALUE, clientId: MISSING_COLUMN_VALUE }));
  }
  return rows;
}

/**
 * What the tool prints as LOG-END-OFFSET: the answer of ListOffsets for the latest offset, which
 * at the admin client's isolation level (read_uncommitted) is the partition leader's high
 * watermark, not its log end. Unknown (`-`) for a partition without a leader, or whose leader is
 * not running or does not act as leader.
 */
function logEndOffset(view: KafkaClusterView, topic: string, partition: number): number | undefined {
  const registration = view.controller?.partitions.find((candidate) => candidate.topicName === topic && candidate.partitionId === partition);
  if (registration === undefined || registration.leader < 0) return undefined;
  const broker = view.brokers.find((candidate) => candidate.brokerId === registration.leader);
  if (broker === undefined || broker.status !== 'running') return undefined;
  const replica = broker.replicas.find((candidate) => candidate.name === `${topic}-${partition}`);
  return replica?.role === 'leader' ? replica.highWatermark : undefined;
}

/**
 * Kafka's `printOffsets` with `printOffsetFormat`: columns as wide as their longest value and at
 * least 15 characters (PARTITION 10, the offsets 15), left-aligned, the last one unpadded; each
 * line starts with a line break, so the table follows an empty line. LAG is the log end minus
 * the committed offset (`getLag`), `-` when either is unknown.
 */
function printOffsets(rows: readonly PartitionAssignmentState[]): string[] {
  const width = (values: readonly string[]): number => Math.max(15, ...values.map((value) => value.length));
  const groupWidth = width(rows.map((row) => row.group));
  const topicWidth = width(rows.map((row) => row.topic));
  const consumerWidth = width(rows.map((row) => row.consumerId));
  const hostWidth = width(rows.map((row) => row.host));
  const format = (columns: readonly string[]): string => {
    const widths = [groupWidth, topicWidth, 10, 15, 15, 15, consumerWidth, hostWidth];
    return columns.map((column, index) => (index < widths.length ? column.padEnd(widths[index] as number) : column)).join(' ');
  };
  const shown = (value: number | undefined): string => (value === undefined ? MISSING_COLUMN_VALUE : String(value));
  const lines = ['', format(['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'])];
  for (const row of rows) {
    const lag = row.offset === undefined || row.offset === -1 || row.logEndOffset === undefined ? undefined : row.logEndOffset - row.offset;
    lines.push(format([row.group, row.topic, String(row.partition), shown(row.offset), shown(row.logEndOffset), shown(lag), row.consumerId, row.host, row.clientId]));
  }
  return lines;
}

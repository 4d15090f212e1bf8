import { assertNever } from '../../impl/common/assert.ts';
import type { TraceEntry } from '../core/trace.ts';
import type { Explanation, FindingSubject, InvariantDefinition, RecordSubject } from '../invariants/invariant.ts';
import type { Violation } from '../run/run-result.ts';
import type { ExplainContext } from '../run/system.ts';
import { KAFKA_HISTORY_INDEX } from '../../properties/invariants/history/kafka-history-index.ts';
import { recordOf } from '../../properties/invariants/history/kafka-history.ts';
import type { KafkaClusterView } from './kafka-view.ts';
import { brokerList, describeBrokerChange, describeGroupChange, type StateTimeline, type TimelineChange } from './state-timeline.ts';

/**
 * A violation explained the way a Kafka engineer reads an incident (issue 14, "an explanation with
 * every failure"): the claim and its statement; the record it is about (producer, key, value,
 * partition, offset, when and with which acks it was acknowledged); every replica's log end offset
 * and high watermark for that partition and the controller's leader, ISR and ELR, as they were
 * when the violation was found; then what happened to the partition before, oldest first: faults,
 * brokers and the controller stopping and starting, fencing, leader / ISR / ELR changes, replica
 * truncations and high watermark moves. The high watermark is Kafka's: offsets below it are
 * committed (replicated to the ISR) and visible to consumers.
 */

/** Lines of history an explanation shows at most (plus a line for what it left out). */
export const HISTORY_LINES = 30;
/** When the acknowledgement is older than that window: lines shown around it. */
const AROUND_ACK_LINES = 16;
/**
 * Of those, the lines before the acknowledgement: fewer than after it, since what follows an
 * acknowledgement (the faults, elections and truncations) is what loses a record.
 */
const BEFORE_ACK_LINES = 5;

export interface KafkaExplainOptions {
  readonly timeline: StateTimeline;
  readonly claims: readonly InvariantDefinition<KafkaClusterView>[];
  /** The producers' `acks` setting (the run's config). */
  readonly acks: string;
}

export function explainKafkaViolation(violation: Violation, view: KafkaClusterView, context: ExplainContext, options: KafkaExplainOptions): Explanation {
  const lines: string[] = [];
  const claim = options.claims.find((candidate) => candidate.name === violation.invariant);
  if (claim !== undefined) lines.push(`claim       ${claim.statement} (${claim.source})`);
  const subject = violation.subject;
  const record = recordFor(subject, view, context, options.acks);
  const partition = subject?.partition ?? record?.partition;
  const offset = subject?.offset ?? record?.offset;
  if (record !== undefined) {
    lines.push(`record      ${describeRecord(record)}`);
  } else if (partition !== undefined) {
    const value = subject?.value;
    lines.push(`subject     ${subject?.group === undefined ? '' : `group ${subject.group}, `}${partition}${offset === undefined ? '' : ` offset ${offset}`}${value === undefined ? '' : ` value ${value}`}${subject?.nodes === undefined ? '' : ` (${subject.nodes.join(', ')})`}`);
  } else if (subject?.nodes !== undefined || subject?.group !== undefined) {
    lines.push(`subject     ${[...(subject.group === undefined ? [] : [`group ${subject.group}`]), ...(subject.nodes ?? [])].join(', ')}`);
  }
  if (partition !== undefined) {
    lines.push(...replicaLines(view, partition, context.nowMs));
    lines.push(...historyLines(partition, subject, context, options, record));
  } else {
    lines.push(...historyLines(undefined, subject, context, options, record));
  }
  const completed = completeSubject(subject, record);
  return completed === undefined ? { lines } : { lines, subject: completed };
}

/** The subject with the record the explanation found, when the claim had not named one. */
function completeSubject(subject: FindingSubject | undefined, record: RecordSubject | undefined): FindingSubject | undefined {
  if (record === undefined) return subject;
  return { ...subject, partition: subject?.partition ?? record.partition, offset: subject?.offset ?? record.offset, value: subject?.value ?? record.value, record };
}

/**
 * The record the violation is about: the claim's, with the run's acks; else the one at the
 * subject's offset, as a replica's log holds it, matched with its acknowledgement in the history.
 */
function recordFor(subject: FindingSubject | undefined, view: KafkaClusterView, context: ExplainContext, acks: string): RecordSubject | undefined {
  if (subject?.record !== undefined) return { ...subject.record, acks: subject.record.acks ?? acks };
  const partition = subject?.partition;
  const offset = subject?.offset;
  if (partition === undefined || offset === undefined) return undefined;
  const stored = storedRecord(view, partition, offset, subject?.value);
  const value = subject?.value ?? stored?.value;
  if (value === undefined) return undefined;
  const history = context.history(KAFKA_HISTORY_INDEX);
  const ack = history?.acked.find((candidate) => candidate.offset === offset && candidate.value === value && `${candidate.topic}-${candidate.partition}` === partition);
  if (ack !== undefined) return { ...recordOf(ack), acks };
  // A record no producer was (yet) told about: named by what the log holds.
  return { producer: producerOf(value), ...(stored?.key === undefined ? {} : { key: stored.key }), value, partition, offset };
}

/** The workload's values are `<producer>:<seq>`. */
function producerOf(value: string): string {
  const colon = value.lastIndexOf(':');
  return colon > 0 ? value.slice(0, colon) : '(unknown producer)';
}

/** The record at `offset` of `partition` on the first broker whose log holds it (the leader's first). */
function storedRecord(view: KafkaClusterView, partition: string, offset: number, value: string | undefined): { readonly key: string; readonly value: string } | undefined {
  const leader = view.controller?.partitions.find((candidate) => `${candidate.topicName}-${candidate.partitionId}` === partition)?.leader;
  const brokers = [...view.brokers].sort((a, b) => (a.brokerId === leader ? -1 : b.brokerId === leader ? 1 : a.brokerId - b.brokerId));
  for (const broker of brokers) {
    for (const batch of view.logs.records(broker.brokerId, partition)) {
      if (batch.lastOffset < offset || batch.baseOffset > offset) continue;
      const found = batch.records.find((candidate) => candidate.offset === offset && (value === undefined || candidate.value === value));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function describeRecord(record: RecordSubject): string {
  const key = record.key === undefined ? '' : ` key ${record.key}`;
  const acked = record.acknowledgedAtMs === undefined
    ? 'no acknowledgement of it in the history'
    : `acknowledged to ${record.producer} at ${record.acknowledgedAtMs} ms${record.acks === undefined ? '' : ` with acks=${record.acks}`}`;
  return `${record.partition} offset ${record.offset}: value ${record.value}${key} from ${record.producer}, ${acked}`;
}

/** Each replica's log end and high watermark, and the controller's registration, at `nowMs`. */
function replicaLines(view: KafkaClusterView, partition: string, nowMs: number): string[] {
  const registration = view.controller?.partitions.find((candidate) => `${candidate.topicName}-${candidate.partitionId}` === partition);
  const lines = [`replicas    of ${partition} when this was found, at ${nowMs} ms (high watermark H: offsets below H are committed, replicated to the ISR, and visible to consumers)`];
  const ids = registration?.replicas ?? view.brokers.filter((broker) => broker.replicas.some((replica) => replica.name === partition)).map((broker) => broker.brokerId);
  for (const id of ids) {
    const broker = view.brokers.find((candidate) => candidate.brokerId === id);
    const membership = registration === undefined ? '' : registration.isr.includes(id) ? ', in ISR' : registration.elr.includes(id) ? ', in ELR' : ', not in ISR';
    if (broker === undefined) {
      lines.push(`  broker ${id}  unknown${membership}`);
      continue;
    }
    const replica = broker.replicas.find((candidate) => candidate.name === partition);
    if (broker.status !== 'running' || replica === undefined) {
      const why = broker.status === 'running' ? 'running, no replica loaded' : `${broker.status} (last stop: ${broker.lastStop})`;
      lines.push(`  broker ${id}  ${why}${membership}`);
      continue;
    }
    lines.push(`  broker ${id}  ${`${replica.role},`.padEnd(9)} leader epoch ${replica.leaderEpoch}, log end ${replica.logEndOffset}, high watermark ${replica.highWatermark}, log start ${replica.logStartOffset}${membership} (process ${broker.incarnation}, ${broker.lifecycle ?? 'starting'})`);
  }
  if (registration === undefined) {
    lines.push(`  controller  ${view.controller === undefined ? 'down' : `no registration of ${partition}`}`);
  } else {
    const leader = registration.leader < 0 ? 'none' : String(registration.leader);
    lines.push(`  controller  leader ${leader}, leader epoch ${registration.leaderEpoch}, ISR ${brokerList(registration.isr)}, ELR ${brokerList(registration.elr)} (partition epoch ${registration.partitionEpoch})`);
  }
  return lines;
}

/** One line of the merged history: when it happened (for ordering) and what it says. */
interface HistoryLine {
  readonly atMs: number;
  readonly text: string;
  /** The acknowledgement's own line, kept in view when the history is cut. */
  readonly ack?: true;
}

type Progress = Extract<TimelineChange, { type: 'progress' }>;

/**
 * The timeline's changes with each replica's growth between two other lines told as one: a log
 * end and high watermark moving on is the background, the lines between are the story.
 * `breaks` are the times of the other lines the history shows (run events, the acknowledgement).
 */
function withGrowthMerged(changes: readonly TimelineChange[], breaks: readonly number[]): TimelineChange[] {
  const sortedBreaks = [...breaks].sort((a, b) => a - b);
  const out: TimelineChange[] = [];
  const pending = new Map<number, Progress>();
  const flush = (): void => {
    for (const progress of [...pending.values()].sort((a, b) => a.atMs - b.atMs)) out.push(progress);
    pending.clear();
  };
  let nextBreak = 0;
  for (const change of changes) {
    while (nextBreak < sortedBreaks.length && (sortedBreaks[nextBreak] as number) <= change.atMs) {
      flush();
      nextBreak++;
    }
    if (change.type !== 'progress') {
      flush();
      out.push(change);
      continue;
    }
    const open = pending.get(change.brokerId);
    pending.set(change.brokerId, open === undefined ? change : {
      ...open,
      toMs: change.toMs,
      logEndOffset: [open.logEndOffset[0], change.logEndOffset[1]],
      highWatermark: [open.highWatermark[0], change.highWatermark[1]],
      changes: open.changes + change.changes,
    });
  }
  flush();
  return out;
}

function historyLines(partition: string | undefined, subject: FindingSubject | undefined, context: ExplainContext, options: KafkaExplainOptions, record: RecordSubject | undefined): string[] {
  const merged: HistoryLine[] = [];
  let dropped = context.eventsDropped;
  for (const event of context.events) {
    if (event.atMs > context.nowMs) continue;
    const text = describeRunEvent(event);
    if (text !== undefined) merged.push({ atMs: event.atMs, text });
  }
  for (const change of options.timeline.brokerChanges.toArray()) {
    if (change.atMs <= context.nowMs) merged.push({ atMs: change.atMs, text: `${column('controller')}${describeBrokerChange(change)}` });
  }
  dropped += options.timeline.brokerChanges.dropped;
  if (record?.acknowledgedAtMs !== undefined && record.acknowledgedAtMs <= context.nowMs) {
    merged.push({ atMs: record.acknowledgedAtMs, text: `${column(record.producer)}acknowledged ${record.partition} offset ${record.offset} (${record.value})${record.acks === undefined ? '' : ` with acks=${record.acks}`}`, ack: true });
  }
  if (partition !== undefined) {
    const history = options.timeline.history(partition);
    dropped += history.dropped;
    let previous: Extract<TimelineChange, { type: 'registration' }> | undefined;
    const changes = history.changes.filter((change) => change.atMs <= context.nowMs);
    for (const change of withGrowthMerged(changes, merged.map((line) => line.atMs))) {
      merged.push({ atMs: change.atMs, text: describeChange(change, previous) });
      if (change.type === 'registration') previous = change;
    }
  }
  const group = subject?.group;
  if (group !== undefined) {
    const history = options.timeline.groupHistory(group);
    dropped += history.dropped;
    for (const change of history.changes) {
      if (change.atMs <= context.nowMs) merged.push({ atMs: change.atMs, text: `${column(change.type === 'coordinator' ? `broker ${change.brokerId}` : change.consumer)}${describeGroupChange(change)}` });
    }
  }
  // Stable: lines of one moment keep the order they were recorded in (run events first), faults
  // before what they did.
  merged.sort((a, b) => a.atMs - b.atMs || (b.text.startsWith('fault ') ? 1 : 0) - (a.text.startsWith('fault ') ? 1 : 0));
  const what = [partition, group === undefined ? undefined : `group ${group}`].filter((part) => part !== undefined).join(' and ') || 'the cluster';
  const groupLines = group === undefined ? '' : `, the group's generations as its coordinators held them and its consumers' own views`;
  const header = `history     of ${what} up to ${context.nowMs} ms, oldest first: faults, processes, fencing, leader / ISR / ELR changes, log ends and high watermarks${groupLines}`;
  return [header, ...cut(merged, dropped).map((line) => `  ${line}`)];
}

/**
 * The last {@link HISTORY_LINES} lines, or, when the acknowledgement is older than those, the
 * lines around it and the last ones before the violation, saying what was left out.
 */
function cut(merged: readonly HistoryLine[], dropped: number): string[] {
  const render = (line: HistoryLine): string => `${String(line.atMs).padStart(7)} ms  ${line.text}`;
  const earlier = (count: number): string[] => (count + dropped > 0 ? [`(${count + dropped} earlier lines left out${dropped > 0 ? `, ${dropped} of them no longer kept` : ''})`] : []);
  if (merged.length <= HISTORY_LINES) return [...earlier(0), ...merged.map(render)];
  const ackIndex = merged.findIndex((line) => line.ack === true);
  const lastStart = merged.length - HISTORY_LINES;
  if (ackIndex < 0 || ackIndex >= lastStart) return [...earlier(lastStart), ...merged.slice(lastStart).map(render)];
  const aroundStart = Math.max(0, ackIndex - BEFORE_ACK_LINES);
  const aroundEnd = aroundStart + AROUND_ACK_LINES;
  const tailStart = Math.max(aroundEnd, merged.length - (HISTORY_LINES - AROUND_ACK_LINES));
  return [
    ...earlier(aroundStart),
    ...merged.slice(aroundStart, aroundEnd).map(render),
    ...(tailStart > aroundEnd ? [`(${tailStart - aroundEnd} lines left out)`] : []),
    ...merged.slice(tailStart).map(render),
  ];
}

/** How the simulator names what happened to a process, as a history line says it. */
const PROCESS_EVENTS: Readonly<Record<string, string>> = {
  'start': 'started', 'crash': 'crashed (SIGKILL)', 'power-loss': 'lost power', 'shutdown': 'shut down', 'halt': 'exited',
  'pause': 'paused (SIGSTOP)', 'resume': 'resumed (SIGCONT)', 'replace-disk': 'disk replaced by an empty one',
};

/** The first column of a history line: who or what. */
function column(who: string): string {
  return who.padEnd(12);
}

/** `broker 2` for `broker-2`, `controller` for `controller-0`: the names the other lines use. */
function nodeName(node: string): string {
  if (node.startsWith('broker-')) return `broker ${node.slice('broker-'.length)}`;
  return node.startsWith('controller-') ? 'controller' : node;
}

/** A run event as a history line; undefined for events no partition's story needs (clients starting). */
function describeRunEvent(event: TraceEntry): string | undefined {
  switch (event.kind) {
    case 'fault':
      return `${column('fault')}${event.name}${event.detail === '' ? '' : ` ${event.detail}`}`;
    case 'heal':
      return `${column('heal')}${event.name}${event.node === '' ? '' : ` ${event.node}`}${event.peer === '' ? '' : ` -> ${event.peer}`}`;
    case 'node': {
      // Client processes start with the run and stop only under client faults, which the fault lines name.
      if (!event.node.startsWith('broker-') && !event.node.startsWith('controller-')) return undefined;
      const what = PROCESS_EVENTS[event.name] ?? event.name;
      return `${column(nodeName(event.node))}${what} (process ${event.value})${event.detail === '' ? '' : `: ${event.detail}`}`;
    }
    case 'phase':
      return `${column('phase')}${event.name}${event.detail === '' ? '' : ` (${event.detail})`}`;
    case 'send':
    case 'deliver':
    case 'drop':
    case 'disconnect':
    case 'timer':
    case 'disk-write':
    case 'disk-fsync':
    case 'disk-op':
    case 'transition':
    case 'mark':
    case 'history':
      return undefined;
    default:
      return assertNever(event.kind, 'trace kind');
  }
}

function describeChange(change: TimelineChange, previous: Extract<TimelineChange, { type: 'registration' }> | undefined): string {
  switch (change.type) {
    case 'registration': {
      const leader = (id: number): string => (id < 0 ? 'none' : String(id));
      const moved = <T>(label: string, before: T | undefined, after: T, show: (value: T) => string): string =>
        before === undefined || show(before) === show(after) ? `${label} ${show(after)}` : `${label} ${show(before)} -> ${show(after)}`;
      return `${column('controller')}${moved('leader', previous?.leader, change.leader, leader)}, ${moved('leader epoch', previous?.leaderEpoch, change.leaderEpoch, String)}, ${moved('ISR', previous?.isr, change.isr, brokerList)}, ${moved('ELR', previous?.elr, change.elr, brokerList)}${change.lastKnownElr.length > 0 ? `, LastKnownElr ${brokerList(change.lastKnownElr)}` : ''}`;
    }
    case 'replica': {
      const who = column(`broker ${change.brokerId}`);
      const before = change.before;
      if (before === undefined) return `${who}replica loaded: ${change.role}, leader epoch ${change.leaderEpoch}, log end ${change.logEndOffset}, high watermark ${change.highWatermark}`;
      const role = before.role === change.role ? change.role : `${before.role} -> ${change.role}`;
      const epoch = before.leaderEpoch === change.leaderEpoch ? `${change.leaderEpoch}` : `${before.leaderEpoch} -> ${change.leaderEpoch}`;
      const end = before.logEndOffset === change.logEndOffset ? `${change.logEndOffset}` : `${before.logEndOffset} -> ${change.logEndOffset}${change.logEndOffset < before.logEndOffset ? ' (truncated)' : ''}`;
      const hw = before.highWatermark === change.highWatermark ? `${change.highWatermark}` : `${before.highWatermark} -> ${change.highWatermark}${change.highWatermark < before.highWatermark ? ' (moved back)' : ''}`;
      return `${who}${role}, leader epoch ${epoch}, log end ${end}, high watermark ${hw}`;
    }
    case 'progress': {
      const who = column(`broker ${change.brokerId}`);
      const span = change.toMs === change.atMs ? '' : ` until ${change.toMs} ms`;
      const [endFrom, endTo] = change.logEndOffset;
      const [hwFrom, hwTo] = change.highWatermark;
      return `${who}log end ${endFrom === endTo ? `${endTo}` : `${endFrom} -> ${endTo}`}, high watermark ${hwFrom === hwTo ? `${hwTo}` : `${hwFrom} -> ${hwTo}`}${span} (${change.changes} ${change.changes === 1 ? 'move' : 'moves'})`;
    }
    default:
      return assertNever(change, 'timeline change');
  }
}

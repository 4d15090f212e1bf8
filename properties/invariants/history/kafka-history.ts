import { pairOperations, type HistoryEntry } from '../../../sim/run/history.ts';
import type { Applicability, Finding, InvariantDefinition, RunContext } from '../../../sim/invariants/invariant.ts';
import { FINAL_READER, type KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';

/**
 * Jepsen's Kafka checkers (jepsen.tests.kafka) over refka's workload history: producer sends are
 * processes `<producer>:<seq>` with `f: 'send'`; consumer polls are `f: 'poll'` operations of
 * the consumer's process, and ListOffsets resets `f: 'seek'`. See `spec/replication.md`.
 *
 * Durability is judged per record: where a record the claims need is gone, the copy ledger
 * (`sim/kafka/replica-logs.ts`, read from the brokers' disks) says whether every copy any replica
 * ever held was destroyed by faults on those disks. Only then is the finding excused, naming the
 * faults; a copy the protocol truncated makes it a violation, whatever else the run did.
 */

type Found = Finding & { readonly atMs: number };

/** Whether the topic's `cleanup.policy` includes `compact`. */
function compacts(view: KafkaClusterView, topic: string): boolean {
  return (view.controller?.topics.find((candidate) => candidate.name === topic)?.configs['cleanup.policy'] ?? 'delete').includes('compact');
}

/** Whether the loss of `value` at `offset` of `partition` is excused by the copy ledger. */
function judged(view: KafkaClusterView, topic: string, partition: number, offset: number, value: string, message: string, atMs: number): Found {
  const judgement = view.logs.judgeLoss(`${topic}-${partition}`, offset, value, compacts(view, topic));
  if (judgement.excused) return { atMs, message: `${message}: ${judgement.reason}`, excusedBy: judgement.faults.length > 0 ? judgement.faults : [judgement.reason] };
  // Beyond the promise only (swarm-beyond): a flip no checksum sees, on a replica that held the
  // record, moves records unseen.
  const flips = view.logs.uncheckedFlipsOn(`${topic}-${partition}`, offset, value);
  if (flips.length > 0) return { atMs, message: `${message}: bit flips no checksum covers changed the logs of replicas that held it`, excusedBy: flips };
  return { atMs, message: `${message} (${judgement.story})` };
}

interface SendValue {
  readonly topic: string;
  readonly key?: string;
  readonly producer: string;
  readonly seq: number;
  readonly value: string;
  readonly partition?: number;
  readonly offset?: number;
}

interface PolledRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
}

interface Acked {
  readonly topic: string;
  readonly key: string | undefined;
  readonly producer: string;
  readonly seq: number;
  readonly value: string;
  readonly partition: number;
  readonly offset: number;
  readonly atMs: number;
}

/**
 * What the history checkers read of a history, built once per history and shared by all of them
 * (issue 12: the read index was rebuilt by each checker, 4-5 times per run): the acknowledged
 * sends, and the consumers' polls and seeks in history order.
 */
interface HistoryIndex {
  readonly length: number;
  readonly acked: readonly Acked[];
  readonly consumerEvents: readonly ConsumerEvent[];
}

const INDEXES = new WeakMap<readonly HistoryEntry[], HistoryIndex>();

function indexOf(history: readonly HistoryEntry[]): HistoryIndex {
  const known = INDEXES.get(history);
  // A history only grows: an index of a shorter one is stale.
  if (known !== undefined && known.length === history.length) return known;
  const index: HistoryIndex = { length: history.length, acked: buildAcknowledged(history), consumerEvents: buildConsumerEvents(history) };
  INDEXES.set(history, index);
  return index;
}

function acknowledged(history: readonly HistoryEntry[]): readonly Acked[] {
  return indexOf(history).acked;
}

/** Polls and seeks in history order, per consumer. */
function consumerEvents(history: readonly HistoryEntry[]): readonly ConsumerEvent[] {
  return indexOf(history).consumerEvents;
}

function buildAcknowledged(history: readonly HistoryEntry[]): Acked[] {
  const acked: Acked[] = [];
  for (const operation of pairOperations(history)) {
    if (operation.invoke.f !== 'send' || operation.completion?.type !== 'ok') continue;
    const value = operation.completion.value as SendValue;
    if (value.partition === undefined || value.offset === undefined || value.offset < 0) continue;
    acked.push({ topic: value.topic, key: value.key, producer: value.producer, seq: value.seq, value: value.value, partition: value.partition, offset: value.offset, atMs: operation.completion.atMs });
  }
  return acked;
}

interface Poll {
  readonly consumer: string;
  readonly atMs: number;
  readonly records: readonly PolledRecord[];
}

type ConsumerEvent = { readonly type: 'poll'; readonly poll: Poll } | { readonly type: 'seek'; readonly consumer: string; readonly partition: number; readonly offset: number };

function buildConsumerEvents(history: readonly HistoryEntry[]): ConsumerEvent[] {
  const events: ConsumerEvent[] = [];
  for (const entry of history) {
    if (entry.type !== 'ok') continue;
    if (entry.f === 'poll') {
      const value = entry.value as { consumer: string; records: readonly PolledRecord[] };
      events.push({ type: 'poll', poll: { consumer: value.consumer, atMs: entry.atMs, records: value.records } });
    } else if (entry.f === 'seek') {
      const value = entry.value as { consumer: string; partition: number; offset: number };
      events.push({ type: 'seek', consumer: value.consumer, partition: value.partition, offset: value.offset });
    }
  }
  return events;
}

function idempotent(context: RunContext): boolean {
  return context.config['enable.idempotence'] !== 'false';
}

/** Idempotence's promises rest on durability too: a lost tail takes producer state with it. */
function idempotentAndDurable(context: RunContext, what: string): Applicability {
  if (!idempotent(context)) return { applies: false, reason: `enable.idempotence=false: retries may ${what}` };
  return lostWriteApplicability(context);
}

/**
 * `lost-write` applies where Kafka promises it, as whole-run conditions of the configuration:
 * acks=all, min.insync.replicas >= 2, no unclean elections. Faults never switch it off for the
 * run: a loss whose every copy faults destroyed is excused per record (see `judged`).
 */
export function lostWriteApplicability(context: RunContext): Applicability {
  const config = context.config;
  const acks = config['acks'] ?? 'all';
  if (acks !== 'all' && acks !== '-1') return { applies: false, reason: `acks=${acks}: only acks=all writes are promised to survive` };
  const minIsr = Number(config['min.insync.replicas'] ?? '1');
  if (minIsr < 2) return { applies: false, reason: `min.insync.replicas=${minIsr}: an acknowledged write may sit on one replica only` };
  if (config['unclean.leader.election.enable'] === 'true') return { applies: false, reason: 'unclean leader election may elect a replica without acknowledged writes' };
  return { applies: true };
}

export const lostWrite: InvariantDefinition<KafkaClusterView> = {
  name: 'lost-write',
  kind: 'always',
  source: 'Jepsen jepsen.tests.kafka (lost-write); Kafka acks=all with min.insync.replicas',
  statement: 'Every acknowledged write is read at its acknowledged offset: by any consumer, or by the final reads from each partition\'s log start to its end; excused only where faults destroyed every copy any replica held.',
  applicability: lostWriteApplicability,
  checker: {
    type: 'history',
    check(history, view) {
      const read = new Map<string, string>();
      const highest = new Map<number, number>();
      for (const event of consumerEvents(history)) {
        if (event.type !== 'poll') continue;
        for (const record of event.poll.records) {
          read.set(`${record.partition}:${record.offset}`, record.value);
          highest.set(record.partition, Math.max(highest.get(record.partition) ?? -1, record.offset));
        }
      }
      const finalReadEnd = finalReadEnds(view);
      const leaderLogStarts = new Map<number, number>();
      for (const partition of view.controller?.partitions ?? []) {
        const name = `${partition.topicName}-${partition.partitionId}`;
        const leader = view.brokers.find((broker) => broker.brokerId === partition.leader)?.replicas.find((replica) => replica.name === name && replica.role === 'leader');
        if (leader !== undefined) leaderLogStarts.set(partition.partitionId, leader.logStartOffset);
      }
      const found: Found[] = [];
      const acks = acknowledged(history);
      // Kafka's compaction guarantee: a record may go once a later record with its key is in the log.
      const lastOffsetOfKey = new Map<string, number>();
      for (const ack of acks) {
        if (ack.key === undefined) continue;
        const key = `${ack.topic}/${ack.partition}/${ack.key}`;
        lastOffsetOfKey.set(key, Math.max(lastOffsetOfKey.get(key) ?? -1, ack.offset));
      }
      for (const ack of acks) {
        const seen = read.get(`${ack.partition}:${ack.offset}`);
        if (seen === ack.value) continue;
        // Judged where some consumer read past the offset, or the final reads covered the partition.
        if ((highest.get(ack.partition) ?? -1) < ack.offset && (finalReadEnd.get(ack.partition) ?? -1) < 0) continue;
        const message = `${ack.producer} write ${ack.value}, acknowledged at partition ${ack.partition} offset ${ack.offset}, was never read there (consumers read ${seen === undefined ? 'nothing' : seen} at that offset)`;
        // Below the leader's log start: retention deleted it, as the topic's retention promises.
        const logStart = leaderLogStarts.get(ack.partition);
        const copies = view.logs.copies(`${ack.topic}-${ack.partition}`, ack.offset, ack.value);
        const retained = copies !== undefined && (copies.holders.size > 0 || copies.endings.some((ending) => ending.how === 'deleted'));
        if (seen === undefined && logStart !== undefined && ack.offset < logStart && retained) {
          found.push({ atMs: ack.atMs, message: `${message}: below the leader's log start ${logStart}, deleted by retention`, excusedBy: ['retention (retention.ms / retention.bytes)'] });
          continue;
        }
        const superseded = ack.key === undefined ? undefined : lastOffsetOfKey.get(`${ack.topic}/${ack.partition}/${ack.key}`);
        if (seen === undefined && compacts(view, ack.topic) && superseded !== undefined && superseded > ack.offset) {
          found.push({ atMs: ack.atMs, message: `${message}: compacted away, key ${ack.key} was written again at offset ${superseded}`, excusedBy: ['cleanup.policy=compact'] });
          continue;
        }
        found.push(judged(view, ack.topic, ack.partition, ack.offset, ack.value, message, ack.atMs));
      }
      return found;
    },
  },
};

/**
 * Per partition, the end the final reader reached, when it read the partition to the end of the
 * leader's log (its position at or past the leader's log end); partitions it did not finish are
 * absent (a run that did not converge judges only what consumers read past).
 */
function finalReadEnds(view: KafkaClusterView): Map<number, number> {
  const ends = new Map<number, number>();
  const reader = view.clients.consumers.find((consumer) => consumer.name === FINAL_READER);
  if (reader === undefined) return ends;
  for (const partition of view.controller?.partitions ?? []) {
    const name = `${partition.topicName}-${partition.partitionId}`;
    const leader = view.brokers.find((broker) => broker.brokerId === partition.leader)?.replicas.find((replica) => replica.name === name && replica.role === 'leader');
    const position = reader.positions.get(partition.partitionId);
    if (leader === undefined || position === undefined || position < leader.logEndOffset) continue;
    ends.set(partition.partitionId, position);
  }
  return ends;
}

export const duplicate: InvariantDefinition<KafkaClusterView> = {
  name: 'duplicate',
  kind: 'always',
  source: 'Jepsen jepsen.tests.kafka (duplicate); KIP-98 idempotent producer',
  statement: 'With idempotence, no value appears at two different offsets of the log.',
  applicability: (context) => idempotentAndDurable(context, 'write a record twice'),
  checker: {
    type: 'history',
    check(history, view) {
      const where = new Map<string, PolledRecord>();
      const found: Found[] = [];
      for (const event of consumerEvents(history)) {
        if (event.type !== 'poll') continue;
        for (const record of event.poll.records) {
          const first = where.get(record.value);
          if (first === undefined) where.set(record.value, record);
          else if (first.partition !== record.partition || first.offset !== record.offset) {
            // A retry lands twice only where the first copy, and the producer state with it, was lost.
            const message = `value ${record.value} was read at ${first.partition}:${first.offset} and again at ${record.partition}:${record.offset}`;
            found.push(judged(view, first.topic, first.partition, first.offset, first.value, message, event.poll.atMs));
          }
        }
      }
      return found;
    },
  },
};

export const inconsistentOffsets: InvariantDefinition<KafkaClusterView> = {
  name: 'inconsistent-offsets',
  kind: 'always',
  source: 'Jepsen jepsen.tests.kafka (inconsistent-offsets)',
  statement: 'No two different values are ever read or acknowledged at the same partition and offset.',
  // An offset gets a second value only after the first was lost (or diverged): the same
  // conditions as lost-write decide whether that is promised not to happen.
  applicability: lostWriteApplicability,
  checker: {
    type: 'history',
    check(history, view) {
      const at = new Map<string, string>();
      const found: Found[] = [];
      const note = (topic: string, partition: number, offset: number, value: string, atMs: number, what: string): void => {
        const key = `${partition}:${offset}`;
        const known = at.get(key);
        if (known === undefined) {
          at.set(key, value);
          return;
        }
        if (known === value) return;
        // The offset took a second value only after the first one's copies were gone.
        const message = `offset ${key} holds ${known} and also ${value} (${what})`;
        const first = judged(view, topic, partition, offset, known, message, atMs);
        found.push(first.excusedBy !== undefined ? first : judged(view, topic, partition, offset, value, message, atMs));
      };
      for (const event of consumerEvents(history)) {
        if (event.type !== 'poll') continue;
        for (const record of event.poll.records) note(record.topic, record.partition, record.offset, record.value, event.poll.atMs, 'read');
      }
      for (const ack of acknowledged(history)) note(ack.topic, ack.partition, ack.offset, ack.value, ack.atMs, `acknowledged to ${ack.producer}`);
      return found;
    },
  },
};

export const nonmonotonicSend: InvariantDefinition<KafkaClusterView> = {
  name: 'nonmonotonic-send',
  kind: 'always',
  source: 'Jepsen jepsen.tests.kafka (nonmonotonic-send); Kafka ordering with idempotence',
  statement: 'Per producer and partition, acknowledged offsets follow the order the records were sent.',
  applicability: (context) => idempotentAndDurable(context, 'reorder a producer\'s records'),
  checker: {
    type: 'history',
    check(history, view) {
      const byKey = new Map<string, Acked[]>();
      for (const ack of acknowledged(history)) {
        const key = `${ack.producer}/${ack.partition}`;
        const list = byKey.get(key) ?? [];
        list.push(ack);
        byKey.set(key, list);
      }
      const found: Found[] = [];
      for (const key of [...byKey.keys()].sort()) {
        const list = byKey.get(key) as Acked[];
        list.sort((a, b) => a.seq - b.seq);
        for (let index = 1; index < list.length; index++) {
          const previous = list[index - 1] as Acked;
          const current = list[index] as Acked;
          if (current.offset <= previous.offset) {
            // Order breaks only after the earlier record (and the producer state) was lost.
            const message = `${current.producer} sent ${previous.value} before ${current.value} but partition ${current.partition} has them at offsets ${previous.offset} and ${current.offset}`;
            found.push(judged(view, previous.topic, previous.partition, previous.offset, previous.value, message, current.atMs));
          }
        }
      }
      return found;
    },
  },
};

/** Per consumer and partition, the offsets polled in order, restarting at each seek. */
function pollRuns(history: readonly HistoryEntry[]): { consumer: string; partition: number; atMs: number; offset: number; afterSeek: boolean }[][] {
  const runs = new Map<string, { consumer: string; partition: number; atMs: number; offset: number; afterSeek: boolean }[]>();
  const seeked = new Set<string>();
  for (const event of consumerEvents(history)) {
    if (event.type === 'seek') {
      seeked.add(`${event.consumer}/${event.partition}`);
      continue;
    }
    for (const record of event.poll.records) {
      const key = `${event.poll.consumer}/${record.partition}`;
      const list = runs.get(key) ?? [];
      list.push({ consumer: event.poll.consumer, partition: record.partition, atMs: event.poll.atMs, offset: record.offset, afterSeek: seeked.delete(key) });
      runs.set(key, list);
    }
  }
  return [...runs.keys()].sort().map((key) => runs.get(key) as { consumer: string; partition: number; atMs: number; offset: number; afterSeek: boolean }[]);
}

export const pollSkip: InvariantDefinition<KafkaClusterView> = {
  name: 'poll-skip',
  kind: 'always',
  source: 'Jepsen jepsen.tests.kafka (poll-skip)',
  statement: 'Per consumer and partition, successive polls never skip an offset that holds a record, except across a seek.',
  checker: {
    type: 'history',
    check(history, view) {
      const known = new Map<number, number[]>();
      const valuesAt = new Map<string, { topic: string; value: string }[]>();
      const remember = (topic: string, partition: number, offset: number, value: string): void => {
        const list = known.get(partition) ?? [];
        list.push(offset);
        known.set(partition, list);
        const key = `${partition}:${offset}`;
        const values = valuesAt.get(key) ?? [];
        if (!values.some((entry) => entry.value === value)) values.push({ topic, value });
        valuesAt.set(key, values);
      };
      for (const event of consumerEvents(history)) if (event.type === 'poll') for (const record of event.poll.records) remember(record.topic, record.partition, record.offset, record.value);
      for (const ack of acknowledged(history)) remember(ack.topic, ack.partition, ack.offset, ack.value);
      for (const list of known.values()) list.sort((a, b) => a - b);
      const found: Found[] = [];
      for (const run of pollRuns(history)) {
        for (let index = 1; index < run.length; index++) {
          const previous = run[index - 1] as (typeof run)[number];
          const current = run[index] as (typeof run)[number];
          if (current.afterSeek || current.offset <= previous.offset + 1) continue;
          const offsets = known.get(current.partition) ?? [];
          const between = firstAbove(offsets, previous.offset);
          if (between !== undefined && between < current.offset) {
            const message = `${current.consumer} jumped in partition ${current.partition} from offset ${previous.offset} to ${current.offset}, skipping offset ${between}, which holds a record`;
            // A fetch skips what compaction or retention removed, or what faults destroyed everywhere.
            const values = valuesAt.get(`${current.partition}:${between}`) ?? [];
            const judgements = values.map((entry) => judgedSkip(view, entry.topic, current.partition, between, entry.value, message, current.atMs));
            found.push(judgements.find((judgement) => judgement.excusedBy !== undefined) ?? judgements[0] ?? { atMs: current.atMs, message });
          }
        }
      }
      return found;
    },
  },
};

/** As {@link judged}, but a skip is also excused where retention or compaction removed the record. */
function judgedSkip(view: KafkaClusterView, topic: string, partition: number, offset: number, value: string, message: string, atMs: number): Found {
  const copies = view.logs.copies(`${topic}-${partition}`, offset, value);
  const cleaned = copies?.endings.find((ending) => ending.how === 'deleted' || (compacts(view, topic) && ending.how === 'compacted'));
  if (cleaned !== undefined) return { atMs, message: `${message}: broker ${cleaned.brokerId}'s log cleanup removed it`, excusedBy: [`${cleaned.how} by the topic's cleanup.policy`] };
  return judged(view, topic, partition, offset, value, message, atMs);
}

function firstAbove(sorted: readonly number[], value: number): number | undefined {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((sorted[middle] as number) <= value) low = middle + 1;
    else high = middle;
  }
  return sorted[low];
}

export const KAFKA_HISTORY_INVARIANTS: readonly InvariantDefinition<KafkaClusterView>[] = [lostWrite, duplicate, inconsistentOffsets, nonmonotonicSend, pollSkip];

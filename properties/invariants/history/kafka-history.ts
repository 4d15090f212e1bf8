import { historyChecker, type Applicability, type Finding, type FindingSubject, type InvariantDefinition, type RecordSubject, type RunContext } from '../../../sim/invariants/invariant.ts';
import { FINAL_READER, type KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
import { KAFKA_HISTORY_INDEX, type Acked, type KafkaHistory, type PartitionReads } from './kafka-history-index.ts';

/**
 * Jepsen's Kafka checkers (jepsen.tests.kafka) over refka's workload history: producer sends are
 * processes `<producer>:<seq>` with `f: 'send'`; consumer polls are `f: 'poll'` operations of
 * the consumer's process, and ListOffsets resets `f: 'seek'`. See `spec/replication.md`. They
 * judge the run's index of its history (`kafka-history-index.ts`), built as the run goes.
 *
 * Durability is judged per record: where a record the claims need is gone, the copy ledger
 * (`sim/kafka/replica-logs.ts`, read from the brokers' disks) says whether every copy any replica
 * ever held was destroyed by faults on those disks. Only then is the finding excused, naming the
 * faults; a copy the protocol truncated makes it a violation, whatever else the run did.
 */

export type Found = Finding & { readonly atMs: number };

/** Whether the topic's `cleanup.policy` includes `compact`. */
/** Whether `topic`'s `cleanup.policy` compacts it (the controller's topic configs). */
export function compacts(view: KafkaClusterView, topic: string): boolean {
  return (view.controller?.topics.find((candidate) => candidate.name === topic)?.configs['cleanup.policy'] ?? 'delete').includes('compact');
}

/** The acknowledged record a finding is about (the run's `acks` is the explanation's to add). */
export function recordOf(ack: Acked): RecordSubject {
  return { producer: ack.producer, ...(ack.key === undefined ? {} : { key: ack.key }), value: ack.value, partition: `${ack.topic}-${ack.partition}`, offset: ack.offset, acknowledgedAtMs: ack.atMs };
}

/**
 * Whether the loss of `value` at `offset` of `partition` is excused by the copy ledger. A finding
 * that is not excused is about `value` at that offset (and `record`, the acknowledged send, when
 * the claim has it).
 */
export function judged(view: KafkaClusterView, topic: string, partition: number, offset: number, value: string, message: string, atMs: number, record?: RecordSubject): Found {
  const judgement = view.logs.judgeLoss(`${topic}-${partition}`, offset, value, compacts(view, topic));
  if (judgement.excused) return { atMs, message: `${message}: ${judgement.reason}`, excusedBy: judgement.faults.length > 0 ? judgement.faults : [judgement.reason] };
  // Beyond the promise only (swarm-beyond): a flip no checksum sees, on a replica that held the
  // record, moves records unseen.
  const flips = view.logs.uncheckedFlipsOn(`${topic}-${partition}`, offset, value);
  if (flips.length > 0) return { atMs, message: `${message}: bit flips no checksum covers changed the logs of replicas that held it`, excusedBy: flips };
  const subject: FindingSubject = { partition: `${topic}-${partition}`, offset, value, ...(record === undefined ? {} : { record }) };
  return { atMs, message: `${message} (${judgement.story})`, subject };
}

function idempotent(context: RunContext): boolean {
  return context.config['enable.idempotence'] !== 'false';
}

/** Idempotence's promises rest on durability too: a lost tail takes producer state with it. */
function idempotentAndDurable(context: RunContext, what: string): Applicability {
  if (!idempotent(context)) return { applies: false, reason: `enable.idempotence=false: retries may ${what}` };
  return lostWriteApplicability(context);
}

/** Whether an acknowledgement with this `acks` setting says the write was committed (acks=all). */
export function acknowledgedIsCommitted(acks: string): boolean {
  return acks === 'all' || acks === '-1';
}

/**
 * `lost-write` applies where Kafka promises it, as whole-run conditions of the configuration:
 * acks=all, min.insync.replicas >= 2, no unclean elections. Faults never switch it off for the
 * run: a loss whose every copy faults destroyed is excused per record (see `judged`).
 */
export function lostWriteApplicability(context: RunContext): Applicability {
  const config = context.config;
  const acks = config['acks'] ?? 'all';
  if (!acknowledgedIsCommitted(acks)) return { applies: false, reason: `acks=${acks}: only acks=all writes are promised to survive` };
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
  checker: historyChecker(KAFKA_HISTORY_INDEX, (history: KafkaHistory, view: KafkaClusterView) => {
    const finalReadEnd = finalReadEnds(view, history.acked.first()?.topic);
    const leaderLogStarts = new Map<number, number>();
    for (const partition of view.controller?.partitions ?? []) {
      const name = `${partition.topicName}-${partition.partitionId}`;
      const leader = view.brokers.find((broker) => broker.brokerId === partition.leader)?.replicas.find((replica) => replica.name === name && replica.role === 'leader');
      if (leader !== undefined) leaderLogStarts.set(partition.partitionId, leader.logStartOffset);
    }
    const found: Found[] = [];
    // Kafka's compaction guarantee: a record may go once a later record with its key is in the log.
    const lastOffsetOfKey = new Map<string, number>();
    for (const ack of history.acked) {
      if (ack.key === undefined) continue;
      const key = `${ack.topic}/${ack.partition}/${ack.key}`;
      lastOffsetOfKey.set(key, Math.max(lastOffsetOfKey.get(key) ?? -1, ack.offset));
    }
    for (const ack of history.acked) {
      const reads = history.reads.get(ack.partition);
      const seen = reads?.lastRead(ack.offset);
      if (seen === ack.value) continue;
      // Judged where some consumer read past the offset, or the final reads covered the partition.
      if ((reads?.highest ?? -1) < ack.offset && (finalReadEnd.get(ack.partition) ?? -1) < 0) continue;
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
      found.push(judged(view, ack.topic, ack.partition, ack.offset, ack.value, message, ack.atMs, recordOf(ack)));
    }
    return found;
  }),
};

/**
 * Per partition of `topic` (the one the writes went to and the final reader reads), the end the
 * final reader reached, when it read the partition to the end of the leader's log (its position at
 * or past the leader's log end); partitions it did not finish are absent (a run that did not
 * converge judges only what consumers read past). The reader's positions are by partition number
 * alone, so another topic's partition of the same number (`__consumer_offsets-0`) must not be
 * compared with them: it once stood in for t-0 (pre-kip-996, seed 5, 20 s: the reader at t-0's
 * position 180 counted as past `__consumer_offsets-0`'s log end, and t-0's offset 180, committed
 * but above its new leader's high watermark, was reported lost).
 */
function finalReadEnds(view: KafkaClusterView, topic: string | undefined): Map<number, number> {
  const ends = new Map<number, number>();
  const reader = view.clients.consumers.find((consumer) => consumer.name === FINAL_READER);
  if (reader === undefined) return ends;
  for (const partition of view.controller?.partitions ?? []) {
    if (partition.topicName !== topic) continue;
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
  checker: historyChecker(KAFKA_HISTORY_INDEX, (history: KafkaHistory, view: KafkaClusterView) =>
    history.repeatedValues.map((repeat) => {
      // A retry lands twice only where the first copy, and the producer state with it, was lost.
      const message = `value ${repeat.value} was read at ${repeat.first.partition}:${repeat.first.offset} and again at ${repeat.partition}:${repeat.offset}`;
      return judged(view, repeat.first.topic, repeat.first.partition, repeat.first.offset, repeat.value, message, repeat.atMs);
    })),
};

export const inconsistentOffsets: InvariantDefinition<KafkaClusterView> = {
  name: 'inconsistent-offsets',
  kind: 'always',
  source: 'Jepsen jepsen.tests.kafka (inconsistent-offsets)',
  statement: 'No two different values are ever read or acknowledged at the same partition and offset.',
  // An offset gets a second value only after the first was lost (or diverged): the same
  // conditions as lost-write decide whether that is promised not to happen.
  applicability: lostWriteApplicability,
  checker: historyChecker(KAFKA_HISTORY_INDEX, (history: KafkaHistory, view: KafkaClusterView) => {
    const found: Found[] = [];
    const conflict = (topic: string, partition: number, offset: number, known: string, value: string, atMs: number, what: string, record?: RecordSubject): void => {
      // The offset took a second value only after the first one's copies were gone.
      const message = `offset ${partition}:${offset} holds ${known} and also ${value} (${what})`;
      const first = judged(view, topic, partition, offset, known, message, atMs, record);
      found.push(first.excusedBy !== undefined ? first : judged(view, topic, partition, offset, value, message, atMs, record));
    };
    // Reads first, in the order they happened: each against the first value read at its offset.
    for (const read of history.conflictingReads) conflict(read.topic, read.partition, read.offset, read.known, read.value, read.atMs, 'read');
    // Then acknowledgements, in send order: against what was read there, else what was acknowledged there first.
    const acknowledgedAt = new Map<string, string>();
    for (const ack of history.acked) {
      const key = `${ack.partition}:${ack.offset}`;
      const known = history.reads.get(ack.partition)?.first.get(ack.offset) ?? acknowledgedAt.get(key);
      if (known === undefined) acknowledgedAt.set(key, ack.value);
      else if (known !== ack.value) conflict(ack.topic, ack.partition, ack.offset, known, ack.value, ack.atMs, `acknowledged to ${ack.producer}`, recordOf(ack));
    }
    return found;
  }),
};

export const nonmonotonicSend: InvariantDefinition<KafkaClusterView> = {
  name: 'nonmonotonic-send',
  kind: 'always',
  source: 'Jepsen jepsen.tests.kafka (nonmonotonic-send); Kafka ordering with idempotence',
  statement: 'Per producer and partition, acknowledged offsets follow the order the records were sent.',
  applicability: (context) => idempotentAndDurable(context, 'reorder a producer\'s records'),
  checker: historyChecker(KAFKA_HISTORY_INDEX, (history: KafkaHistory, view: KafkaClusterView) => {
    const byKey = new Map<string, Acked[]>();
    for (const ack of history.acked) {
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
          found.push(judged(view, previous.topic, previous.partition, previous.offset, previous.value, message, current.atMs, recordOf(previous)));
        }
      }
    }
    return found;
  }),
};

/**
 * `poll-skip`. `acknowledgedIsCommitted` (acks=all): an acknowledged write is known to hold its
 * offset; with acks=1 only a read proves a record there, since an acknowledged write may be
 * truncated before it was committed and its offset taken by another record.
 */
export function pollSkip(acknowledgedIsCommitted: boolean): InvariantDefinition<KafkaClusterView> {
  return {
    name: 'poll-skip',
    kind: 'always',
    source: 'Jepsen jepsen.tests.kafka (poll-skip)',
    statement: 'Per consumer and partition, successive polls never skip an offset that holds a record, except across a seek.',
    checker: historyChecker(KAFKA_HISTORY_INDEX, (history: KafkaHistory, view: KafkaClusterView) => {
      const found: Found[] = [];
      // Per partition, every offset known to hold a record, ascending: read there, or acknowledged
      // there where that means committed.
      const known = new Map<number, number[]>();
      const knownOffsets = (partition: number): number[] => {
        let offsets = known.get(partition);
        if (offsets === undefined) {
          offsets = history.reads.get(partition)?.first.offsets() ?? [];
          if (acknowledgedIsCommitted) for (const ack of history.acked) if (ack.partition === partition) offsets.push(ack.offset);
          offsets.sort((a, b) => a - b);
          known.set(partition, offsets);
        }
        return offsets;
      };
      for (const jump of history.jumps) {
        const between = firstAbove(knownOffsets(jump.partition), jump.from);
        if (between === undefined || between >= jump.to) continue;
        const message = `${jump.consumer} jumped in partition ${jump.partition} from offset ${jump.from} to ${jump.to}, skipping offset ${between}, which holds a record`;
        // A fetch skips what compaction or retention removed, or what faults destroyed everywhere.
        const reads = history.reads.get(jump.partition);
        const values = (reads?.valuesRead(between) ?? []).map((value) => ({ topic: (reads as PartitionReads).topic, value }));
        for (const ack of acknowledgedIsCommitted ? history.acked : []) {
          if (ack.partition === jump.partition && ack.offset === between && !values.some((entry) => entry.value === ack.value)) values.push({ topic: ack.topic, value: ack.value });
        }
        found.push(judgedSkipOfAny(view, jump.partition, between, values, message, jump.atMs));
      }
      return found;
    }),
  };
}

/** The finding with the consumer group it is about in its subject (the group claims' findings). */
export function aboutGroup(group: string, found: Found): Found {
  return { ...found, subject: { ...found.subject, group } };
}

/** As {@link judged}, but a skip is also excused where retention or compaction removed the record. */
export function judgedSkip(view: KafkaClusterView, topic: string, partition: number, offset: number, value: string, message: string, atMs: number): Found {
  const copies = view.logs.copies(`${topic}-${partition}`, offset, value);
  const cleaned = copies?.endings.find((ending) => ending.how === 'deleted' || (compacts(view, topic) && ending.how === 'compacted'));
  if (cleaned !== undefined) return { atMs, message: `${message}: broker ${cleaned.brokerId}'s log cleanup removed it`, excusedBy: [`${cleaned.how} by the topic's cleanup.policy`] };
  return judged(view, topic, partition, offset, value, message, atMs);
}

/**
 * A skip of `offset`, judged against each record known there (several where a loss replaced one):
 * excused if the removal of any of them excuses it, else the first one's finding.
 */
export function judgedSkipOfAny(view: KafkaClusterView, partition: number, offset: number, records: readonly { readonly topic: string; readonly value: string }[], message: string, atMs: number): Found {
  const judgements = records.map((record) => judgedSkip(view, record.topic, partition, offset, record.value, message, atMs));
  return judgements.find((judgement) => judgement.excusedBy !== undefined) ?? judgements[0] ?? { atMs, message };
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

/** The Jepsen history claims of a run whose producers' acknowledgements mean committed (acks=all) or not. */
export function kafkaHistoryInvariants(acknowledgedIsCommitted: boolean): readonly InvariantDefinition<KafkaClusterView>[] {
  return [lostWrite, duplicate, inconsistentOffsets, nonmonotonicSend, pollSkip(acknowledgedIsCommitted)];
}

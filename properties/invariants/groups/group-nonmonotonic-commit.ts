import { deserialize } from '../../../impl/group/group-coordinator-records.ts';
import { uncheckedFlipApplicability, type InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
import { firstOffsetsReplicaFinding, offsetsFinding } from './current-coordinators.ts';
import type { ScannedBatch } from '../../../sim/kafka/segment-reader.ts';
import { compacts } from '../history/kafka-history.ts';
import { groupReadsVersion } from '../reads-versions.ts';

/** A commit in force: its offset and the metadata (`memberId@generation`) it came with. */
interface Committed {
  readonly offset: number;
  readonly metadata: string;
  readonly logOffset: number;
  /** When its record was first seen in any replica: the moment the commit was made, as near as a check knows. */
  readonly seenAtMs: number;
}

/** Per replica of a `__consumer_offsets` partition: how far its records were judged, and what they committed. */
interface ReplicaProgress {
  readonly batches: readonly ScannedBatch[];
  upTo: number;
  /** `group/topic-partition` -> the last commit of it in this log. */
  readonly committed: Map<string, Committed>;
}

/**
 * `group-nonmonotonic-commit`: Jepsen's `nonmonotonic-poll` (jepsen.tests.kafka) for what a group
 * commits. A group's committed offset for a partition never moves back: Kafka allows that only
 * by an explicit seek and commit, which the workload never makes, and its generation fencing
 * (`ClassicGroup.validateOffsetCommit`) exists so that a zombie member's stale position cannot
 * land over its successor's. One seek the consumer makes itself: KIP-320's truncation detection
 * moves a position back to where the partition's log diverged, so that what replaced a lost tail
 * is read. A commit back is excused per record, where the partition's first record at or past the
 * new committed offset (and below the old one) is one whose every copy faults destroyed (the copy
 * ledger, as `lost-write` judges it): the records the old commit covered from there are gone.
 *
 * Judged on the real state, as `NoZombieCommit` is: the coordinator accepts a commit exactly when
 * it appends its `OffsetCommit` record, so in every replica's `__consumer_offsets` log, read from
 * the brokers' disks, each group's commits of a partition must not decrease in log order. A
 * tombstone (offsets expired or deleted) ends the sequence. A replica read again from its files
 * (a restart, a truncation) is judged again from its start, each record only once: compaction
 * keeps a key's last records only, which leaves a non-decreasing sequence non-decreasing, and a
 * commit whose every copy faults destroyed is simply absent from the log.
 */
export function groupNonmonotonicCommit(): InvariantDefinition<KafkaClusterView> {
  /** Per broker, per partition: how far its replica's records were judged. */
  const progress = new Map<number, Map<string, ReplicaProgress>>();
  /** Per partition, the records (`offset/value`) already judged, and when each was first seen. */
  const judged = new Map<string, Map<string, number>>();
  return {
    name: 'group-nonmonotonic-commit',
    kind: 'always',
    source: 'Jepsen jepsen.tests.kafka (nonmonotonic-poll), for a group\'s commits; Kafka ClassicGroup.validateOffsetCommit (generation fencing); issue 13',
    statement: 'In every replica of __consumer_offsets, each group\'s commits of a partition never decrease in log order (until a tombstone deletes them).',
    applicability(context) {
      // An unclean election truncates committed records by design, with no fault to name, and
      // KIP-320 then moves the group back over them: the configuration promises no monotony.
      if (context.config['unclean.leader.election.enable'] === 'true') return { applies: false, reason: 'unclean leader election may truncate records a commit covered, and the consumer then moves back (KIP-320)' };
      return uncheckedFlipApplicability(context, 'a committed offset may read as one never committed');
    },
    checker: {
      type: 'state',
      readsVersion: groupReadsVersion,
      check(view) {
        return firstOffsetsReplicaFinding(view, (brokerId, partition) => {
          const found = judgeReplica(view, brokerId, partition);
          if (found === undefined) return undefined;
          const finding = offsetsFinding(`broker ${brokerId}'s ${found.text}`, found.group, partition, brokerId);
          return found.excusedBy === undefined ? finding : { ...finding, excusedBy: found.excusedBy };
        });
      },
    },
  };

  function judgeReplica(view: KafkaClusterView, brokerId: number, name: string): GroupFinding | undefined {
    const batches = view.logs.records(brokerId, name);
    let ofBroker = progress.get(brokerId);
    if (ofBroker === undefined) {
      ofBroker = new Map();
      progress.set(brokerId, ofBroker);
    }
    let state = ofBroker.get(name);
    if (state === undefined || state.batches !== batches || state.upTo > batches.length) {
      state = { batches, upTo: 0, committed: new Map() };
      ofBroker.set(name, state);
    }
    let seen = judged.get(name);
    if (seen === undefined) {
      seen = new Map();
      judged.set(name, seen);
    }
    let first: GroupFinding | undefined;
    // Whole batches are applied, so the commits in force stay exact past a finding. An unexcused
    // finding wins over an excused one: each record is judged once.
    while (state.upTo < batches.length) {
      for (const record of (batches[state.upTo] as ScannedBatch).records) {
        const key = `${record.offset}/${record.value}`;
        let seenAtMs = seen.get(key);
        const fresh = seenAtMs === undefined;
        if (seenAtMs === undefined) {
          seenAtMs = view.nowMs;
          seen.set(key, seenAtMs);
        }
        const finding = applyRecord(state.committed, name, record.offset, record.value, seenAtMs, fresh ? view : undefined);
        if (finding !== undefined && fresh && (first === undefined || (first.excusedBy !== undefined && finding.excusedBy === undefined))) first = finding;
      }
      state.upTo++;
    }
    return first;
  }
}

/** What a replica's records showed, and the group it is about; `excusedBy` the faults that excuse it. */
interface GroupFinding {
  readonly text: string;
  readonly group: string;
  readonly excusedBy?: readonly string[];
}

/**
 * Applies one record (`hex(key)/hex(value)`); a finding when it commits below the commit in force,
 * judged against `view` (the record is new: undefined when it was judged already).
 */
function applyRecord(committed: Map<string, Committed>, name: string, logOffset: number, value: string, seenAtMs: number, view: KafkaClusterView | undefined): GroupFinding | undefined {
  const slash = value.indexOf('/');
  const keyHex = value.slice(0, slash);
  if (keyHex === 'null') return undefined;
  const valueHex = value.slice(slash + 1);
  const decoded = deserialize(fromHex(keyHex), valueHex === 'null' ? null : fromHex(valueHex));
  if (decoded.type !== 'record') return undefined;
  const record = decoded.record;
  if (record.type === 'GroupMetadata') {
    // A deleted group takes its offsets with it.
    if (record.value === null) for (const key of [...committed.keys()]) if (key.startsWith(`${record.key.group}/`)) committed.delete(key);
    return undefined;
  }
  const key = `${record.key.group}/${record.key.topic}-${record.key.partition}`;
  if (record.value === null) {
    committed.delete(key);
    return undefined;
  }
  const commit = record.value.message;
  const previous = committed.get(key);
  committed.set(key, { offset: commit.offset, metadata: commit.metadata, logOffset, seenAtMs });
  if (previous === undefined || commit.offset >= previous.offset || view === undefined) return undefined;
  const text = `${name} offset ${logOffset}: group ${record.key.group} committed offset ${commit.offset} of ${record.key.topic}-${record.key.partition} (${commit.metadata || 'no metadata'}), below offset ${previous.offset} committed at log offset ${previous.logOffset} (${previous.metadata || 'no metadata'})`;
  const excuse = truncationExcuse(view, record.key.topic, record.key.partition, commit.offset, previous);
  return excuse === undefined ? { text, group: record.key.group } : { text: `${text}: ${excuse.reason}`, group: record.key.group, excusedBy: excuse.faults };
}

/**
 * Why a commit may move back from `previous` to `offset` (KIP-320): the data partition's first
 * record in [offset, previous.offset), one the old commit covered, was lost with every copy, so the
 * consumer found the log diverged there. Only a value that still had a copy when the old commit was
 * made counts: one lost before it (an earlier truncation at that offset) is not what it covered.
 * Named by the faults that destroyed the copies; undefined when nothing excuses it (the record is
 * still held, or was lost in a way no fault explains).
 */
function truncationExcuse(view: KafkaClusterView, topic: string, partition: number, offset: number, previous: Committed): { readonly reason: string; readonly faults: readonly string[] } | undefined {
  const name = `${topic}-${partition}`;
  const first = view.logs.firstRecordsFrom(name, offset, previous.offset);
  if (first === undefined) return undefined;
  for (const value of first.values) {
    const copies = view.logs.copies(name, first.offset, value);
    if (copies === undefined || !copies.endings.some((ending) => ending.atMs >= previous.seenAtMs)) continue;
    const judgement = view.logs.judgeLoss(name, first.offset, value, compacts(view, topic));
    if (judgement.excused) {
      const reason = `the record at ${name} offset ${first.offset} it had covered (${value}) was lost, so the log diverged there (KIP-320 truncation detection): ${judgement.reason}`;
      return { reason, faults: judgement.faults.length > 0 ? judgement.faults : [judgement.reason] };
    }
  }
  return undefined;
}

function fromHex(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length / 2);
  for (let index = 0; index < bytes.length; index++) bytes[index] = Number.parseInt(text.slice(2 * index, 2 * index + 2), 16);
  return bytes;
}

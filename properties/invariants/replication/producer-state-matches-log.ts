import { incrementSequence } from '../../../impl/log/record-batch.ts';
import type { InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { BatchDigest } from '../../../sim/kafka/batch-digests.ts';
import { topicOfPartition, type BrokerView, type KafkaClusterView, type ReplicaView } from '../../../sim/kafka/kafka-view.ts';
import type { TopicInfo } from '../../../impl/controller/controller-state.ts';
import { JudgedPartitions } from './judged-partitions.ts';
import { uncheckedFlipsIn } from './unchecked-flips-in.ts';

/**
 * `ProducerStateMatchesLog`: every replica's producer state (`ProducerStateManager`, KIP-98) agrees
 * with the producer fields of the batches in its own log, as read from its disk. Kafka keeps the
 * state in step with the log on every path: the leader's append, the follower's
 * (`UnifiedLog.appendAsFollower` updates it too, so that a follower elected leader dedupes a retry
 * of what the old leader acknowledged), and truncation and recovery (`UnifiedLog.loadProducerState`
 * rebuilds it from the log). A replica whose state lags its log answers a retry as a new batch
 * (a duplicate) or rejects it as out of order; one whose state is ahead of its log dedupes a
 * batch it no longer holds (a loss).
 *
 * Judged per replica, each producer by its last batch in the log:
 * - the state knows the producer, at the batch's producer epoch or a later one;
 * - at the same epoch its last batch is that batch (same last offset and last sequence), except
 *   on a compacted topic, where the cleaner may have removed the log's later batches of it (the
 *   state may be ahead there, never behind);
 * - no producer's last batch in the state lies at or above the log end.
 * A replica whose log holds a batch that fails its checksum is not judged while it does (the
 * broker finds the damage when it reads the batch).
 */
export function producerStateMatchesLog(): InvariantDefinition<KafkaClusterView> {
  /** Per replica: the digest scanned, how far, and each producer's last batch in it. */
  const scans = new PerReplica<{ digest: readonly BatchDigest[]; scanned: number; last: Map<number, BatchDigest> }>();
  /** Per replica: what it was last judged on, when it held; a replica whose log and state did not change since holds still. */
  const held = new PerReplica<{ digest: readonly BatchDigest[]; length: number; logStart: number; logEnd: number; version: number; compacted: boolean }>();
  const judged = new JudgedPartitions();
  /**
   * Per broker: the broker view all of whose replicas the last pass over it found to hold (or
   * excused), with the compacted topics it judged them under. A broker view is never changed once
   * built and is shown again while nothing in the broker moved, so its replicas hold as they did.
   */
  const heldBrokers = new Map<number, { readonly view: BrokerView; readonly compacted: ReadonlySet<string> }>();
  return {
    name: 'ProducerStateMatchesLog',
    kind: 'always',
    source: 'KIP-98 ProducerStateManager; UnifiedLog.appendAsFollower, UnifiedLog.loadProducerState',
    statement: 'Each replica\'s producer state knows every producer in its log at the epoch and last batch its log holds, and nothing past its log end.',
    checker: {
      type: 'state',
      check(view) {
        judged.begin(view);
        const compacted = compactedTopics(view);
        for (const broker of view.brokers) {
          if (broker.status !== 'running') continue;
          const before = heldBrokers.get(broker.brokerId);
          if (before !== undefined && before.view === broker && before.compacted === compacted) continue;
          heldBrokers.delete(broker.brokerId);
          for (const replica of broker.replicas) {
            if (judged.unchanged(view, replica.name)) continue;
            judged.judging(replica.name);
            // A batch that fails its checksum hides what follows it: not judged (the broker finds
            // the damage when it reads the batch).
            if (replica.digest.at(-1)?.intact === false) continue;
            const isCompacted = compacted.has(topicOfPartition(replica.name));
            const last = held.get(broker.brokerId, replica.name);
            if (last !== undefined && last.digest === replica.digest && last.length === replica.digest.length && last.logStart === replica.logStartOffset
              && last.logEnd === replica.logEndOffset && last.version === replica.producerState.version && last.compacted === isCompacted) continue;
            const problem = judge(replica, lastBatches(scans, broker.brokerId, replica.name, replica.digest), isCompacted);
            const state = { digest: replica.digest, length: replica.digest.length, logStart: replica.logStartOffset, logEnd: replica.logEndOffset, version: replica.producerState.version, compacted: isCompacted };
            if (problem !== undefined) {
              const message = `${replica.name} on broker ${broker.brokerId}: ${problem}`;
              // Beyond the promise only (swarm-beyond): a flip in a batch's base offset, which no
              // checksum covers, moves the batch in the log behind the producer state's back.
              // Excused for this replica as it is now, naming the flips in files its log still
              // has; judged again once its log or state changes.
              const flips = uncheckedFlipsIn(broker, replica.name);
              if (flips.length === 0) return { message, subject: { partition: replica.name, nodes: [`broker-${broker.brokerId}`] } };
              held.set(broker.brokerId, replica.name, state);
              return { message, excusedBy: flips };
            }
            held.set(broker.brokerId, replica.name, state);
          }
          heldBrokers.set(broker.brokerId, { view: broker, compacted });
        }
        judged.held(view);
        return undefined;
      },
    },
  };
}

/** The topics array `compactedTopics` last read, and the compacted ones among them. */
let lastTopics: readonly TopicInfo[] | undefined;
let lastCompacted: ReadonlySet<string> = new Set();

/**
 * The names of the compacted topics (`cleanup.policy` with `compact`). The controller's topics are
 * a new array after every metadata record replayed (`ControllerRegistrationsCache`), the only way
 * a topic's configs change, so the set is kept while the array is the same object.
 */
function compactedTopics(view: KafkaClusterView): ReadonlySet<string> {
  const topics = view.controller?.topics ?? [];
  if (topics !== lastTopics) {
    lastTopics = topics;
    const compacted = new Set(topics.filter((topic) => (topic.configs['cleanup.policy'] ?? 'delete').includes('compact')).map((topic) => topic.name));
    // The same set object while its names are the same, so that callers may compare by identity.
    if (compacted.size !== lastCompacted.size || [...compacted].some((name) => !lastCompacted.has(name))) lastCompacted = compacted;
  }
  return lastCompacted;
}

/** Each producer's last intact batch in `digest`, kept up to date while the digest only grows. */
function lastBatches(scans: PerReplica<{ digest: readonly BatchDigest[]; scanned: number; last: Map<number, BatchDigest> }>, brokerId: number, name: string, digest: readonly BatchDigest[]): Map<number, BatchDigest> {
  let scan = scans.get(brokerId, name);
  if (scan === undefined || scan.digest !== digest || scan.scanned > digest.length) {
    scan = { digest, scanned: 0, last: new Map() };
    scans.set(brokerId, name, scan);
  }
  for (; scan.scanned < digest.length; scan.scanned++) {
    const batch = digest[scan.scanned] as BatchDigest;
    if (!batch.intact) break;
    if (batch.producer !== undefined) scan.last.set(batch.producer.id, batch);
  }
  return scan.last;
}

/** Values per replica, by broker id, then partition name: no text key is built per lookup. */
class PerReplica<T> {
  private readonly byBroker = new Map<number, Map<string, T>>();

  get(brokerId: number, name: string): T | undefined {
    return this.byBroker.get(brokerId)?.get(name);
  }

  set(brokerId: number, name: string, value: T): void {
    let ofBroker = this.byBroker.get(brokerId);
    if (ofBroker === undefined) {
      ofBroker = new Map();
      this.byBroker.set(brokerId, ofBroker);
    }
    ofBroker.set(name, value);
  }
}

function judge(replica: ReplicaView, last: ReadonlyMap<number, BatchDigest>, compacted: boolean): string | undefined {
  for (const [producerId, batch] of last) {
    const producer = batch.producer;
    if (producer === undefined || batch.baseOffset < replica.logStartOffset) continue;
    const lastSeq = incrementSequence(producer.baseSequence, batch.lastOffset - batch.baseOffset);
    const state = replica.producerState.lastBatchOf(producerId);
    const where = `producer ${producerId}'s last batch in the log is ${batch.baseOffset}..${batch.lastOffset} (epoch ${producer.epoch}, last sequence ${lastSeq})`;
    if (state === undefined) return `${where}, but the producer state does not know the producer`;
    if (state.epoch < producer.epoch) return `${where}, but the producer state is at producer epoch ${state.epoch}`;
    if (state.epoch > producer.epoch) continue;
    if (compacted ? state.lastOffset < batch.lastOffset : state.lastOffset !== batch.lastOffset || state.lastSeq !== lastSeq) {
      return `${where}, but the producer state's last batch ends at offset ${state.lastOffset} with sequence ${state.lastSeq}`;
    }
  }
  for (const producerId of replica.producerState.producerIds()) {
    const state = replica.producerState.lastBatchOf(producerId);
    if (state !== undefined && state.lastOffset >= replica.logEndOffset) {
      return `the producer state's last batch of producer ${producerId} ends at offset ${state.lastOffset}, at or past the log end ${replica.logEndOffset}`;
    }
  }
  return undefined;
}

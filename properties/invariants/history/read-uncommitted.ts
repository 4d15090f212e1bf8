import type { HistoryEntry } from '../../../sim/run/history.ts';
import { historyChecker, type HistoryFinding, type HistoryIndexDefinition, type InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';

/**
 * `read-uncommitted`: a consumer is only ever given committed records. Kafka's design (docs §4.7,
 * "Replication": "only committed messages are ever given out to the consumer") has the leader read
 * a consumer's fetch with `FetchIsolation.HIGH_WATERMARK` (`ReplicaManager.readFromLocalLog`), so
 * every record it returns lies below its high watermark, and the FetchResponse carries that high
 * watermark with the records. refka has no transactions: every consumer reads `read_uncommitted`,
 * whose bound is the high watermark (the last stable offset bounds `read_committed` only), so the
 * claim applies to every run.
 *
 * It is judged on what each consumer actually received, the final reader included: every record
 * of an `ok` poll (`impl/client/kafka-consumer.ts`) must sit below the high watermark that the
 * same response reported for its partition. Nothing else can be compared: a later leader may
 * report a lower high watermark (it learns the committed end from its followers' fetches,
 * KAFKA-7128) without uncommitting what the earlier one served.
 */

interface PolledRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly value: string;
}

interface ReportedHighWatermark {
  readonly topic: string;
  readonly partition: number;
  readonly highWatermark: number;
}

interface PollValue {
  readonly consumer: string;
  readonly records: readonly PolledRecord[];
  /** Absent in histories recorded before the consumer reported it: nothing is judged then. */
  readonly highWatermarks?: readonly ReportedHighWatermark[];
}

/** A record a consumer was given at or above the high watermark its response reported. */
interface UncommittedRead {
  readonly name: string;
  readonly offset: number;
  readonly value: string;
  readonly message: string;
  readonly atMs: number;
}

/**
 * The reads to judge, found as the run goes: every record of an `ok` poll not below the high
 * watermark its response reported. Only these are kept; the flips that may excuse them are looked
 * up in the final cluster.
 */
const UNCOMMITTED_READS: HistoryIndexDefinition<readonly UncommittedRead[]> = {
  name: 'uncommitted-reads',
  create() {
    const reads: UncommittedRead[] = [];
    return {
      observe(entry: HistoryEntry): void {
        if (entry.type !== 'ok' || entry.f !== 'poll') return;
        const poll = entry.value as PollValue;
        if (poll.highWatermarks === undefined) return;
        const reported = new Map(poll.highWatermarks.map((answer) => [`${answer.topic}-${answer.partition}`, answer.highWatermark]));
        for (const record of poll.records) {
          const name = `${record.topic}-${record.partition}`;
          const highWatermark = reported.get(name);
          if (highWatermark !== undefined && record.offset < highWatermark) continue;
          const message = highWatermark === undefined
            ? `${poll.consumer} read ${name} offset ${record.offset} from a fetch response that reported no high watermark for ${name}`
            : `${poll.consumer} read ${name} offset ${record.offset} ${record.offset === highWatermark ? 'at' : 'above'} the high watermark ${highWatermark} its leader reported`;
          reads.push({ name, offset: record.offset, value: record.value, message, atMs: entry.atMs });
        }
      },
      finish: () => reads,
    };
  },
};

export const readUncommitted: InvariantDefinition<KafkaClusterView> = {
  name: 'read-uncommitted',
  kind: 'always',
  source: 'Kafka docs §4.7 Replication ("only committed messages are ever given out to the consumer"); ReplicaManager.readFromLocalLog with FetchIsolation.HIGH_WATERMARK',
  statement: 'Every record a consumer is given lies below the high watermark its leader reported in the same fetch response.',
  checker: historyChecker(UNCOMMITTED_READS, (reads: readonly UncommittedRead[], view: KafkaClusterView): HistoryFinding[] =>
    reads.map((read) => {
      // Beyond the promise only (swarm-beyond): a flip no checksum covers, in a batch's base
      // offset on a replica that held the record, moves records to offsets the log never gave them.
      const flips = view.logs.uncheckedFlipsOn(read.name, read.offset, read.value);
      return flips.length > 0
        ? { atMs: read.atMs, message: `${read.message}: bit flips no checksum covers changed the logs of replicas that held it`, excusedBy: flips }
        : { atMs: read.atMs, message: read.message, subject: { partition: read.name, offset: read.offset, value: read.value } };
    })),
};

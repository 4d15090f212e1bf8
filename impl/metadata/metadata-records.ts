/**
 * KRaft metadata records (`metadata/src/main/resources/common/metadata/*.json`), the subset refka
 * uses. The controller appends them to its metadata log; brokers fetch and replay them in order,
 * so a broker's view of the cluster is exactly a prefix of the log.
 *
 * Departure: Kafka's `PartitionChangeRecord` leaves the new leader and partition epochs implied
 * (replay increments them); refka writes them into the record, so that replay is a plain
 * assignment and a broker never has to recompute what the controller decided.
 */

/** `-1`: no leader (Kafka's `LeaderConstants.NO_LEADER`). */
export const NO_LEADER = -1;

export type MetadataRecord =
  | {
      readonly type: 'RegisterBrokerRecord';
      readonly brokerId: number;
      /** The offset of this record in the metadata log, as Kafka assigns broker epochs. */
      readonly brokerEpoch: number;
      readonly incarnationId: string;
      readonly fenced: boolean;
    }
  | { readonly type: 'FenceBrokerRecord'; readonly brokerId: number; readonly brokerEpoch: number }
  | { readonly type: 'UnfenceBrokerRecord'; readonly brokerId: number; readonly brokerEpoch: number }
  | {
      /** KIP-841: a broker in controlled shutdown is neither a leader candidate nor added to ISRs. */
      readonly type: 'BrokerRegistrationChangeRecord';
      readonly brokerId: number;
      readonly brokerEpoch: number;
      readonly inControlledShutdown: boolean;
    }
  | { readonly type: 'TopicRecord'; readonly name: string; readonly topicId: string }
  | {
      /** A topic's configuration overrides (Kafka's `ConfigRecord` with resource type TOPIC). */
      readonly type: 'ConfigRecord';
      readonly topicName: string;
      readonly name: string;
      readonly value: string;
    }
  | {
      readonly type: 'PartitionRecord';
      readonly topicId: string;
      readonly partitionId: number;
      readonly replicas: readonly number[];
      readonly isr: readonly number[];
      readonly leader: number;
      readonly leaderEpoch: number;
      readonly partitionEpoch: number;
      /**
       * KIP-966 `EligibleLeaderReplicas`: replicas that left the ISR while it was below
       * min.insync.replicas and so hold every record up to the high watermark. Kafka makes it a
       * tagged field, absent meaning empty; refka does the same.
       */
      readonly elr?: readonly number[];
      /** KIP-966 `LastKnownElr`: replicas that lost their ELR place to an unclean shutdown; absent means empty. */
      readonly lastKnownElr?: readonly number[];
    }
  | {
      readonly type: 'PartitionChangeRecord';
      readonly topicId: string;
      readonly partitionId: number;
      readonly isr: readonly number[];
      readonly leader: number;
      readonly leaderEpoch: number;
      readonly partitionEpoch: number;
      /** KIP-966: the whole new ELR (Kafka leaves an unchanged one out; refka writes it always). */
      readonly elr: readonly number[];
      readonly lastKnownElr: readonly number[];
      /** Set when the leader was elected from outside the ISR (unclean election). */
      readonly unclean: boolean;
    }
  | {
      /** KIP-730: the next block of producer ids handed to a broker. */
      readonly type: 'ProducerIdsRecord';
      readonly brokerId: number;
      readonly brokerEpoch: number;
      readonly nextProducerId: number;
    };

/** A record with its offset in the metadata log. */
export interface MetadataEntry {
  readonly offset: number;
  readonly record: MetadataRecord;
}

export function encodeMetadataRecord(record: MetadataRecord): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(record));
}

export function decodeMetadataRecord(bytes: Uint8Array | null): MetadataRecord {
  if (bytes === null) throw new Error('a metadata record has a value');
  return JSON.parse(new TextDecoder().decode(bytes)) as MetadataRecord;
}

import type { BrokerRegistration, PartitionRegistration, TopicInfo } from '../../impl/controller/controller-state.ts';
import type { BatchDigest } from '../../impl/broker/log-digest.ts';
import type { BrokerLifecycle } from '../../impl/broker/kafka-broker.ts';
import type { IsrState, Role } from '../../impl/broker/partition.ts';
import type { ProcessStatus } from '../run/system.ts';

/** One replica of one partition on one broker, as the invariants read it. */
export interface ReplicaView {
  readonly brokerId: number;
  /** `topic-partition`. */
  readonly name: string;
  readonly role: Role;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly logEndOffset: number;
  readonly isrState: IsrState;
  readonly maximalIsr: readonly number[];
  readonly digest: readonly BatchDigest[];
}

export interface BrokerView {
  readonly brokerId: number;
  readonly status: ProcessStatus;
  readonly incarnation: number;
  /** Undefined while the broker is down. */
  readonly lifecycle: BrokerLifecycle | undefined;
  readonly brokerEpoch: number;
  readonly replicas: readonly ReplicaView[];
}

/** What the replication invariants read: the controller's registrations and every broker's replicas. */
export interface KafkaClusterView {
  readonly nowMs: number;
  readonly controller:
    | {
        readonly brokers: readonly BrokerRegistration[];
        readonly partitions: readonly PartitionRegistration[];
        /** Topics with their own config overrides (`min.insync.replicas`, ...). */
        readonly topics: readonly TopicInfo[];
        readonly metadataOffset: number;
      }
    | undefined;
  readonly brokers: readonly BrokerView[];
  readonly clients: {
    readonly producersDone: boolean;
    readonly adminDone: boolean;
    /** Per consumer: partition -> next offset to read. */
    readonly consumers: readonly { readonly name: string; readonly positions: ReadonlyMap<number, number | undefined> }[];
  };
}

import { assert } from '../../impl/common/assert.ts';
import type { QuorumNodeView } from './quorum-view.ts';
import type { BrokerRegistration, PartitionRegistration, TopicInfo } from '../../impl/controller/controller-state.ts';
import type { BatchDigest } from './batch-digests.ts';
import type { ReplicaLogs } from './replica-logs.ts';
import type { BrokerLifecycle } from '../../impl/broker/broker-lifecycle-manager.ts';
import type { IsrState, Role } from '../../impl/broker/partition.ts';
import type { EpochEntry } from '../../impl/log/leader-epoch-file-cache.ts';
import type { DiskReader } from '../disk/sim-disk.ts';
import type { DataDamage, ProcessStatus, ProcessStop } from '../run/system.ts';
import type { BrokerRegistrationShutdown } from '../../impl/controller/quorum-controller.ts';
import type { ClassicGroupState } from '../../model/consumer-group.machine.ts';
import type { CoordinatorState } from '../../model/coordinator-shard.machine.ts';
import type { TopicPartitionRef } from '../../impl/protocol/messages.ts';

/**
 * The consumer of Jepsen's final reads: it starts when the faults heal and reads every partition
 * from its log start to its end (convergence waits for it), so that `lost-write` judges every
 * acknowledged record, a lost tail included.
 */
export const FINAL_READER = 'final-reader';

const NAMES = new WeakMap<object, string>();

/**
 * A registration's partition name, `topic-partition`, built once per registration object (the
 * controller replaces registrations, never changes them): checks look partitions up by name at
 * every check, and a name built anew each time is a new string to hash each time.
 */
export function partitionName(registration: { readonly topicName: string; readonly partitionId: number }): string {
  let name = NAMES.get(registration);
  if (name === undefined) {
    name = `${registration.topicName}-${registration.partitionId}`;
    NAMES.set(registration, name);
  }
  return name;
}

const TOPICS = new Map<string, string>();

/**
 * The topic of a partition name `topic-partition` (the part before the last dash), cut once per
 * name: the version counters and the claims ask for it at every change they see.
 */
export function topicOfPartition(name: string): string {
  let topic = TOPICS.get(name);
  if (topic === undefined) {
    const dash = name.lastIndexOf('-');
    assert(dash > 0, `partition name '${name}' has no topic`);
    topic = name.slice(0, dash);
    TOPICS.set(name, topic);
  }
  return topic;
}

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
  /** The replica's log as read from the broker's disk (`ReplicaLogs`), batch by batch. */
  readonly digest: readonly BatchDigest[];
  /** The replica's leader epoch cache as its broker holds it (`LeaderEpochFileCache`). */
  readonly epochCache: readonly EpochEntry[];
  /** The replica's producer state as its broker holds it (`ProducerStateManager`), read-only. */
  readonly producerState: ProducerStateReader;
}

/** What the checkers may ask of a replica's `ProducerStateManager`. */
export interface ProducerStateReader {
  /** Changes whenever the state does. */
  readonly version: number;
  lastBatchOf(producerId: number): { readonly epoch: number; readonly lastSeq: number; readonly lastOffset: number } | undefined;
  producerIds(): readonly number[];
}

export interface BrokerView {
  readonly brokerId: number;
  readonly status: ProcessStatus;
  readonly incarnation: number;
  /** How its last ended process ended, as the host saw it (while it runs: the one before). */
  readonly lastStop: ProcessStop;
  /** Undefined while the broker is down. */
  readonly lifecycle: BrokerLifecycle | undefined;
  /**
   * Whether the running process found a clean-shutdown marker at startup and loaded its logs as
   * after a clean shutdown; undefined while down or when loading failed.
   */
  readonly loadedAsClean: boolean | undefined;
  readonly brokerEpoch: number;
  readonly replicas: readonly ReplicaView[];
  /** The broker's disk, read-only (the fault budget asks what a power loss would take). */
  readonly disk: DiskReader;
  /** Faults that took data off its disk so far, and unchecked flips in what it read (`DataDamage.onRead`). */
  readonly damage: readonly DataDamage[];
}

/** A classic group as a coordinator shard holds it (Kafka's `ClassicGroup`), as the group claims read it. */
export interface CoordinatorGroupView {
  readonly groupId: string;
  readonly state: ClassicGroupState;
  readonly generationId: number;
  readonly protocolName: string | null;
  readonly leaderId: string | null;
  /** The members of the current generation, with the partitions the leader's SyncGroup gave each (empty until then). */
  readonly members: readonly {
    readonly memberId: string;
    readonly groupInstanceId: string | null;
    /** The client id and host of the member's JoinGroup, as DescribeGroups reports them. */
    readonly clientId: string;
    readonly clientHost: string;
    readonly assignment: readonly TopicPartitionRef[];
  }[];
  /**
   * The group's committed offsets as its shard's committed view holds them (what an OffsetFetch
   * without `requireStable` answers: records below the `__consumer_offsets` high watermark),
   * sorted by topic and partition. Read from the shard when first asked for (only the end-of-run
   * `describe` asks), so it shows the shard as it is then; absent in a view built by hand.
   */
  readonly committedOffsets?: readonly { readonly topic: string; readonly partition: number; readonly committedOffset: number }[];
}

/** One `__consumer_offsets` partition's coordinator shard on one broker. */
export interface CoordinatorShardView {
  readonly brokerId: number;
  /** The `__consumer_offsets` partition. */
  readonly partition: number;
  /** The leader epoch the shard was loaded for. */
  readonly epoch: number;
  readonly state: CoordinatorState;
  readonly groups: readonly CoordinatorGroupView[];
}

/** A group consumer as it sees its own membership (Kafka's `ConsumerCoordinator` with its `SubscriptionState`). */
export interface GroupMemberClientView {
  /** The consumer's node name. */
  readonly name: string;
  readonly groupId: string;
  /** Empty before its first join. */
  readonly memberId: string;
  /** -1 when it knows no generation. */
  readonly generationId: number;
  /** The member model's leaf state (`model/group-member.machine.ts`). */
  readonly state: string;
  /** The partitions it consumes from now, sorted. */
  readonly owned: readonly TopicPartitionRef[];
  /** The generation whose assignment `owned` is part of, -1 before the first. */
  readonly assignedInGeneration: number;
}

/** What the group claims read: every broker's coordinator shards and every group consumer. */
export interface GroupsView {
  readonly shards: readonly CoordinatorShardView[];
  readonly members: readonly GroupMemberClientView[];
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
        /** Per broker, whether this controller process took its latest registration as after a clean shutdown (KIP-966). */
        readonly registrationShutdowns: readonly BrokerRegistrationShutdown[];
      }
    | undefined;
  readonly brokers: readonly BrokerView[];
  /** Every controller of the quorum, by controller id; absent in a view built by hand (a test). */
  readonly quorum?: readonly QuorumNodeView[];
  /** Every replica's log as read from disk, and the ledger of every record's copies. */
  readonly logs: ReplicaLogs;
  /** The coordinators' groups and the group consumers; absent in a view built by hand (a test), empty when no group runs. */
  readonly groups?: GroupsView;
  readonly clients: {
    readonly producersDone: boolean;
    readonly adminDone: boolean;
    /** Per consumer that reads every partition: partition -> next offset to read. */
    readonly consumers: readonly { readonly name: string; readonly positions: ReadonlyMap<number, number | undefined> }[];
    /** Per group consumer: its owned partitions -> next offset to read (absent in a view built by hand). */
    readonly groupConsumers?: readonly { readonly name: string; readonly positions: ReadonlyMap<number, number | undefined> }[];
  };
  /**
   * Per partition (`topic-partition`): a number that moves whenever anything a check reads of that
   * partition moves (its replicas on every broker, the controller's registration of it); see
   * `ViewVersions`. A claim may skip a partition it judged to hold while this and
   * `clusterVersion` are as they were. Absent (a view built by hand, in a test): everything
   * counts as changed.
   */
  readonly partitionVersions?: ReadonlyMap<string, number>;
  /** Per topic: moves whenever any of its partitions' versions moves. Absent: everything counts as changed. */
  readonly topicVersions?: ReadonlyMap<string, number>;
  /** Moves whenever `quorum` differs from the last view's (`QuorumViewMemory`). Absent: always counts as changed. */
  readonly quorumVersion?: number;
  /** Moves whenever anything outside single partitions moves (brokers' processes, registrations, topics); every view under `--full-checks`. */
  readonly clusterVersion?: number;
  /** Moves whenever `groups` differs from the last view's, field by field (`ViewVersions.groups`). Absent: always counts as changed. */
  readonly groupsVersion?: number;
  /** Moves whenever either of the above does: equal values mean nothing any state check reads has changed. */
  readonly stateVersion?: number;
}

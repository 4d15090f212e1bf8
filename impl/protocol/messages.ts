import type { MetadataEntry, MetadataRecord } from '../metadata/metadata-records.ts';
import type { KafkaError } from './errors.ts';
import type { GroupRequest, GroupResponse } from './group-messages.ts';
import type { RaftMessage } from '../raft/raft-messages.ts';

/**
 * The Kafka protocol as refka's nodes speak it: Kafka's APIs and field names, carried as objects
 * rather than bytes (record batches stay bytes: RecordBatch v2, as on disk). Every request has a
 * `correlationId` its response echoes, as Kafka's request header does.
 *
 * Node ids: brokers are `broker-<id>`, the controller `controller-<id>`, clients their own names.
 */

/** Kafka's replica id for a fetch from a consumer (`FetchRequest.CONSUMER_REPLICA_ID`). */
export const CONSUMER_REPLICA_ID = -1;
/** ListOffsets timestamps (`ListOffsetsRequest.EARLIEST_TIMESTAMP`, `LATEST_TIMESTAMP`). */
export const EARLIEST_TIMESTAMP = -2;
export const LATEST_TIMESTAMP = -1;
/** Kafka's `RecordBatch.NO_PARTITION_LEADER_EPOCH`: a request that does not say its epoch. */
export const NO_LEADER_EPOCH = -1;

export interface TopicPartitionRef {
  readonly topic: string;
  readonly partition: number;
}

// ---- Controller APIs (KRaft) ----------------------------------------------------------------------

export interface BrokerRegistrationRequest {
  readonly type: 'BrokerRegistrationRequest';
  readonly correlationId: number;
  readonly brokerId: number;
  /** A fresh id per process start (Kafka's `incarnationId`), so the controller tells restarts apart. */
  readonly incarnationId: string;
  /**
   * KIP-966 `PreviousBrokerEpoch`: the broker epoch its clean-shutdown file names, proving the last
   * shutdown was clean; -1 when there was no file (an unclean shutdown, or a first start).
   */
  readonly previousBrokerEpoch: number;
}

export interface BrokerRegistrationResponse {
  readonly type: 'BrokerRegistrationResponse';
  readonly correlationId: number;
  readonly error: KafkaError;
  readonly brokerEpoch: number;
}

export interface BrokerHeartbeatRequest {
  readonly type: 'BrokerHeartbeatRequest';
  readonly correlationId: number;
  readonly brokerId: number;
  readonly brokerEpoch: number;
  /** The offset of the last metadata record the broker applied, plus one. */
  readonly currentMetadataOffset: number;
  readonly wantFence: boolean;
  /** Controlled shutdown (KIP-631): move my leaderships away, then let me go. */
  readonly wantShutDown: boolean;
}

export interface BrokerHeartbeatResponse {
  readonly type: 'BrokerHeartbeatResponse';
  readonly correlationId: number;
  readonly error: KafkaError;
  readonly isCaughtUp: boolean;
  readonly isFenced: boolean;
  readonly shouldShutDown: boolean;
}

/** A broker fetching the metadata log (KRaft brokers fetch `__cluster_metadata` from the controller). */
export interface FetchMetadataRequest {
  readonly type: 'FetchMetadataRequest';
  readonly correlationId: number;
  readonly brokerId: number;
  readonly fetchOffset: number;
  readonly maxRecords: number;
}

export interface FetchMetadataResponse {
  readonly type: 'FetchMetadataResponse';
  readonly correlationId: number;
  readonly error: KafkaError;
  readonly entries: readonly MetadataEntry[];
  /** The controller's committed end of the metadata log. */
  readonly highWatermark: number;
  /**
   * The entries cover every metadata record in [fetchOffset, endOffset): the Raft log's control
   * records (LeaderChange) hold offsets no entry has, so the broker moves past them to here.
   */
  readonly endOffset: number;
  /**
   * The active controller as the answering controller knows it (its Raft leader), with the Raft
   * epoch, or -1: how brokers find the controller after a failover, as Kafka brokers learn it
   * from the quorum (`RaftClient.leaderAndEpoch`).
   */
  readonly activeControllerId: number;
  readonly controllerEpoch: number;
  /**
   * When the fetch offset is below the controller's latest metadata snapshot (KIP-630): the
   * snapshot's records, holding everything below `endOffset`, which the broker loads in place of
   * its image (Kafka's brokers fetch the snapshot with FetchSnapshot).
   */
  readonly snapshot?: readonly MetadataRecord[];
}

export interface AlterPartitionRequest {
  readonly type: 'AlterPartitionRequest';
  readonly correlationId: number;
  readonly brokerId: number;
  readonly brokerEpoch: number;
  readonly topicId: string;
  readonly partitionId: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  /** KIP-903: each proposed ISR member with the broker epoch the leader saw it fetch with. */
  readonly newIsrWithEpochs: readonly { readonly brokerId: number; readonly brokerEpoch: number }[];
}

export interface AlterPartitionResponse {
  readonly type: 'AlterPartitionResponse';
  readonly correlationId: number;
  readonly error: KafkaError;
  readonly topicId: string;
  readonly partitionId: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly partitionEpoch: number;
}

export interface CreatableTopic {
  readonly name: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
  readonly configs: Readonly<Record<string, string>>;
}

export interface CreateTopicsRequest {
  readonly type: 'CreateTopicsRequest';
  readonly correlationId: number;
  readonly topics: readonly CreatableTopic[];
}

export interface CreateTopicsResponse {
  readonly type: 'CreateTopicsResponse';
  readonly correlationId: number;
  readonly topics: readonly { readonly name: string; readonly error: KafkaError; readonly message: string }[];
}

/** KIP-730: a broker asks the controller for a block of producer ids. */
export interface AllocateProducerIdsRequest {
  readonly type: 'AllocateProducerIdsRequest';
  readonly correlationId: number;
  readonly brokerId: number;
  readonly brokerEpoch: number;
}

export interface AllocateProducerIdsResponse {
  readonly type: 'AllocateProducerIdsResponse';
  readonly correlationId: number;
  readonly error: KafkaError;
  readonly producerIdStart: number;
  readonly producerIdLen: number;
}

// ---- Broker APIs ------------------------------------------------------------------------------------

export interface MetadataRequest {
  readonly type: 'MetadataRequest';
  readonly correlationId: number;
  /** Undefined: all topics. */
  readonly topics: readonly string[] | undefined;
}

export interface PartitionMetadata {
  readonly partition: number;
  readonly error: KafkaError;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

export interface MetadataResponse {
  readonly type: 'MetadataResponse';
  readonly correlationId: number;
  readonly brokers: readonly number[];
  readonly controllerId: number;
  readonly topics: readonly { readonly name: string; readonly error: KafkaError; readonly partitions: readonly PartitionMetadata[] }[];
}

export interface ProduceRequest {
  readonly type: 'ProduceRequest';
  readonly correlationId: number;
  /** 0, 1 or -1 (all). */
  readonly acks: 0 | 1 | -1;
  readonly timeoutMs: number;
  readonly partitions: readonly { readonly topic: string; readonly partition: number; readonly records: Uint8Array }[];
}

export interface ProducePartitionResponse {
  readonly topic: string;
  readonly partition: number;
  readonly error: KafkaError;
  readonly baseOffset: number;
  readonly logAppendTime: number;
  readonly logStartOffset: number;
  readonly errorMessage: string;
}

export interface ProduceResponse {
  readonly type: 'ProduceResponse';
  readonly correlationId: number;
  readonly responses: readonly ProducePartitionResponse[];
}

export interface FetchPartition {
  readonly topic: string;
  readonly partition: number;
  /** KIP-320: the epoch the fetcher believes current; NO_LEADER_EPOCH skips the check. */
  readonly currentLeaderEpoch: number;
  readonly fetchOffset: number;
  readonly logStartOffset: number;
  readonly partitionMaxBytes: number;
}

export interface FetchRequest {
  readonly type: 'FetchRequest';
  readonly correlationId: number;
  /** The follower's broker id, or CONSUMER_REPLICA_ID. */
  readonly replicaId: number;
  /** KIP-903: the follower's broker epoch (-1 from consumers). */
  readonly replicaEpoch: number;
  readonly maxWaitMs: number;
  readonly minBytes: number;
  readonly maxBytes: number;
  readonly partitions: readonly FetchPartition[];
}

export interface FetchPartitionResponse {
  readonly topic: string;
  readonly partition: number;
  readonly error: KafkaError;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  /** Whole record batches (RecordBatch v2 bytes). */
  readonly records: readonly Uint8Array[];
}

export interface FetchResponse {
  readonly type: 'FetchResponse';
  readonly correlationId: number;
  readonly error: KafkaError;
  readonly partitions: readonly FetchPartitionResponse[];
}

export interface OffsetsForLeaderEpochRequest {
  readonly type: 'OffsetsForLeaderEpochRequest';
  readonly correlationId: number;
  readonly replicaId: number;
  readonly partitions: readonly { readonly topic: string; readonly partition: number; readonly currentLeaderEpoch: number; readonly leaderEpoch: number }[];
}

export interface OffsetsForLeaderEpochResponse {
  readonly type: 'OffsetsForLeaderEpochResponse';
  readonly correlationId: number;
  readonly partitions: readonly { readonly topic: string; readonly partition: number; readonly error: KafkaError; readonly leaderEpoch: number; readonly endOffset: number }[];
}

export interface ListOffsetsRequest {
  readonly type: 'ListOffsetsRequest';
  readonly correlationId: number;
  readonly partitions: readonly { readonly topic: string; readonly partition: number; readonly currentLeaderEpoch: number; readonly timestamp: number }[];
}

export interface ListOffsetsResponse {
  readonly type: 'ListOffsetsResponse';
  readonly correlationId: number;
  readonly partitions: readonly { readonly topic: string; readonly partition: number; readonly error: KafkaError; readonly offset: number; readonly leaderEpoch: number }[];
}

export interface InitProducerIdRequest {
  readonly type: 'InitProducerIdRequest';
  readonly correlationId: number;
}

export interface InitProducerIdResponse {
  readonly type: 'InitProducerIdResponse';
  readonly correlationId: number;
  readonly error: KafkaError;
  readonly producerId: number;
  readonly producerEpoch: number;
}

export type KafkaRequest =
  | BrokerRegistrationRequest
  | BrokerHeartbeatRequest
  | FetchMetadataRequest
  | AlterPartitionRequest
  | CreateTopicsRequest
  | AllocateProducerIdsRequest
  | MetadataRequest
  | ProduceRequest
  | FetchRequest
  | OffsetsForLeaderEpochRequest
  | ListOffsetsRequest
  | InitProducerIdRequest
  | GroupRequest;

export type KafkaResponse =
  | BrokerRegistrationResponse
  | BrokerHeartbeatResponse
  | FetchMetadataResponse
  | AlterPartitionResponse
  | CreateTopicsResponse
  | AllocateProducerIdsResponse
  | MetadataResponse
  | ProduceResponse
  | FetchResponse
  | OffsetsForLeaderEpochResponse
  | ListOffsetsResponse
  | InitProducerIdResponse
  | GroupResponse;

/**
 * A message of the controller quorum's Raft protocol (`impl/raft/raft-messages.ts`) between
 * controllers. Kafka sends these as its own APIs (Vote, BeginQuorumEpoch, EndQuorumEpoch, Fetch
 * on `__cluster_metadata`); refka wraps them, because the Raft Fetch and the replica Fetch are
 * different shapes here.
 */
export interface RaftEnvelope {
  readonly type: 'RaftEnvelope';
  readonly message: RaftMessage;
}

export type KafkaMessage = KafkaRequest | KafkaResponse | RaftEnvelope;

export function brokerNodeId(brokerId: number): string {
  return `broker-${brokerId}`;
}

export function controllerNodeId(controllerId: number): string {
  return `controller-${controllerId}`;
}

/** The controller id in a node id `controller-<id>`, or undefined. */
export function controllerIdOf(nodeId: string): number | undefined {
  const match = /^controller-(\d+)$/.exec(nodeId);
  return match === null ? undefined : Number(match[1]);
}

/** The broker id in a node id `broker-<id>`, or undefined. */
export function brokerIdOf(nodeId: string): number | undefined {
  const match = /^broker-(\d+)$/.exec(nodeId);
  return match === null ? undefined : Number(match[1]);
}

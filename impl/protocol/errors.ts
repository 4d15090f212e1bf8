/**
 * Kafka's error codes (`org.apache.kafka.common.protocol.Errors`) that refka's protocol uses,
 * by their wire names. Protocol rejections are values, never exceptions.
 */
export type KafkaError =
  | 'NONE'
  | 'OFFSET_OUT_OF_RANGE'
  | 'CORRUPT_MESSAGE'
  | 'UNKNOWN_TOPIC_OR_PARTITION'
  | 'LEADER_NOT_AVAILABLE'
  | 'NOT_LEADER_OR_FOLLOWER'
  | 'REQUEST_TIMED_OUT'
  | 'RECORD_TOO_LARGE'
  | 'NOT_CONTROLLER'
  | 'INVALID_TOPIC_EXCEPTION'
  | 'NOT_ENOUGH_REPLICAS'
  | 'NOT_ENOUGH_REPLICAS_AFTER_APPEND'
  | 'INVALID_REQUIRED_ACKS'
  | 'INVALID_PARTITIONS'
  | 'INVALID_REPLICATION_FACTOR'
  | 'TOPIC_ALREADY_EXISTS'
  | 'INVALID_RECORD'
  | 'KAFKA_STORAGE_ERROR'
  | 'OUT_OF_ORDER_SEQUENCE_NUMBER'
  | 'DUPLICATE_SEQUENCE_NUMBER'
  | 'INVALID_PRODUCER_EPOCH'
  | 'UNKNOWN_PRODUCER_ID'
  | 'FENCED_LEADER_EPOCH'
  | 'UNKNOWN_LEADER_EPOCH'
  | 'STALE_BROKER_EPOCH'
  | 'BROKER_ID_NOT_REGISTERED'
  | 'INVALID_UPDATE_VERSION'
  | 'INELIGIBLE_REPLICA'
  | 'NEW_LEADER_ELECTED'
  | 'OPERATION_NOT_ATTEMPTED'
  | 'INVALID_REQUEST'
  | 'UNKNOWN_SERVER_ERROR'
  // Group coordinator errors (classic protocol), with Kafka's codes in `Errors.java`.
  | 'COORDINATOR_LOAD_IN_PROGRESS' // 14
  | 'COORDINATOR_NOT_AVAILABLE' // 15
  | 'NOT_COORDINATOR' // 16
  | 'ILLEGAL_GENERATION' // 22
  | 'INCONSISTENT_GROUP_PROTOCOL' // 23
  | 'INVALID_GROUP_ID' // 24
  | 'UNKNOWN_MEMBER_ID' // 25
  | 'INVALID_SESSION_TIMEOUT' // 26
  | 'REBALANCE_IN_PROGRESS' // 27
  | 'INVALID_COMMIT_OFFSET_SIZE' // 28
  | 'GROUP_ID_NOT_FOUND' // 69
  | 'MEMBER_ID_REQUIRED' // 79
  | 'GROUP_MAX_SIZE_REACHED' // 81
  | 'FENCED_INSTANCE_ID' // 82
  | 'UNSTABLE_OFFSET_COMMIT'; // 88

/** Errors after which a client refreshes its metadata before retrying (Kafka's `InvalidMetadataException` family). */
export const METADATA_ERRORS: ReadonlySet<KafkaError> = new Set<KafkaError>([
  'NOT_LEADER_OR_FOLLOWER',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'KAFKA_STORAGE_ERROR',
]);

/** Errors a producer retries (Kafka's `RetriableException` subclasses). */
export const RETRIABLE_ERRORS: ReadonlySet<KafkaError> = new Set<KafkaError>([
  ...METADATA_ERRORS,
  'CORRUPT_MESSAGE',
  'REQUEST_TIMED_OUT',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'NOT_CONTROLLER',
]);

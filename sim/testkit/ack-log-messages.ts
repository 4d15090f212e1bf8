/**
 * Messages of the simulator's self-test system, "ack-log": clients append unique values to a
 * server's write-ahead log and the server acknowledges each append. It is small on purpose; it
 * exists to exercise the simulator (network, disk, faults, history, checks) until the Kafka
 * cluster of the replication issue takes its place as the default system.
 */
export type AckLogMessage =
  | { readonly type: 'AppendRequest'; readonly requestId: number; readonly value: number }
  /** `offset` is where the value went in the server's log, or -1 with an error. */
  | { readonly type: 'AppendResponse'; readonly requestId: number; readonly error: 'NONE' | 'KAFKA_STORAGE_ERROR'; readonly offset: number };

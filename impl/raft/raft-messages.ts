import { assertNever } from '../common/assert.ts';

/**
 * The KRaft RPCs between controllers (KIP-595, with KIP-996's PreVote flag), as discriminated
 * unions on `type`. Field names follow Kafka's JSON message definitions (`VoteRequest.json`,
 * `BeginQuorumEpochRequest.json`, `EndQuorumEpochRequest.json`, `FetchRequest.json` and their
 * responses), flattened to the one partition KRaft replicates (`__cluster_metadata-0`).
 *
 * refka drops what a single-cluster quorum does not need: cluster ids, endpoints, topic ids,
 * ApiVersions and kraft.version ranges. It keeps KIP-853's replica keys (directory ids in Vote,
 * BeginQuorumEpoch, Fetch and FetchSnapshot) and its AddRaftVoter and RemoveRaftVoter RPCs, sent
 * to the leader by an observer that joins by itself (KAFKA-19078). Every request carries a
 * `correlationId` so that the sender can match a response to the one request it has in flight to
 * that peer (Kafka's `RequestManager` keys in-flight requests by destination and correlation id).
 */

/** Kafka's `Errors` as KRaft uses them; partition-level and top-level errors share the names. */
export type RaftErrorCode =
  | 'NONE'
  /** The request's epoch is older than the receiver's. */
  | 'FENCED_LEADER_EPOCH'
  /** The request's epoch is newer than the receiver's: the receiver is the stale one. */
  | 'UNKNOWN_LEADER_EPOCH'
  /** A Fetch sent to a replica that is not the leader of the epoch. */
  | 'NOT_LEADER_OR_FOLLOWER'
  /** A voter-only request from a replica the receiver does not count as a voter, or to an observer. */
  | 'INCONSISTENT_VOTER_SET'
  /** A malformed request, e.g. a Vote whose last epoch is not below its candidate epoch. */
  | 'INVALID_REQUEST'
  /** FetchSnapshot for a snapshot the leader does not have (any more): fetch again (KIP-630). */
  | 'SNAPSHOT_NOT_FOUND'
  /** FetchSnapshot at a position outside the snapshot (KIP-630). */
  | 'POSITION_OUT_OF_RANGE'
  /** KIP-853: the request names this replica's id with another directory id: it is not meant for this replica. */
  | 'INVALID_VOTER_KEY'
  /** KIP-853: AddRaftVoter for an id that is a voter already. */
  | 'DUPLICATE_VOTER'
  /** KIP-853: RemoveRaftVoter for a key that is not a voter. */
  | 'VOTER_NOT_FOUND'
  /** KIP-853: a voter change cannot be made now (another is pending, the leader's HW is unknown, the new voter lags) or did not commit in time. */
  | 'REQUEST_TIMED_OUT'
  /** KIP-853: a voter change on a kraft.version 0 quorum. */
  | 'UNSUPPORTED_VERSION';

/** Kafka's "no leader" on the wire. */
export const NO_LEADER_ID = -1;

/** Kafka's `FetchResponse.DivergingEpoch`: where the follower's log stops agreeing with the leader's. */
export interface DivergingEpoch {
  readonly epoch: number;
  readonly endOffset: number;
}

/** Kafka's `VoteRequest` (KIP-595, KIP-996). A PreVote asks "would you vote for me?". */
export interface VoteRequest {
  readonly type: 'VoteRequest';
  readonly correlationId: number;
  /** The candidate's epoch: its current epoch for a PreVote, the epoch it campaigns in otherwise. */
  readonly candidateEpoch: number;
  readonly candidateId: number;
  /** KIP-853: the candidate's directory id (undefined from a kraft.version 0 replica). */
  readonly candidateDirectoryId: string | undefined;
  /** KIP-853: the directory id of the voter the request is for, as the candidate's voter set has it. */
  readonly voterDirectoryId: string | undefined;
  /** The epoch of the last batch in the candidate's log (0 for an empty log). */
  readonly lastOffsetEpoch: number;
  /** The candidate's log end offset. */
  readonly lastOffset: number;
  /** KIP-996: a non-binding vote; the receiver records nothing. */
  readonly preVote: boolean;
}

export interface VoteResponse {
  readonly type: 'VoteResponse';
  readonly correlationId: number;
  readonly errorCode: RaftErrorCode;
  /** The receiver's view of the leader of its epoch, or {@link NO_LEADER_ID}. */
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly voteGranted: boolean;
  /** Echoes the request, so that a late PreVote response is not counted as a vote. */
  readonly preVote: boolean;
}

/** Sent by a new leader so that voters learn of it without waiting for a timeout. */
export interface BeginQuorumEpochRequest {
  readonly type: 'BeginQuorumEpochRequest';
  readonly correlationId: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  /** KIP-853: the directory id of the voter the request is for, as the leader's voter set has it. */
  readonly voterDirectoryId: string | undefined;
}

export interface BeginQuorumEpochResponse {
  readonly type: 'BeginQuorumEpochResponse';
  readonly correlationId: number;
  readonly errorCode: RaftErrorCode;
  readonly leaderId: number;
  readonly leaderEpoch: number;
}

/** Sent by a resigning leader; `preferredSuccessors` is ordered by end offset, best first. */
export interface EndQuorumEpochRequest {
  readonly type: 'EndQuorumEpochRequest';
  readonly correlationId: number;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly preferredSuccessors: readonly number[];
}

export interface EndQuorumEpochResponse {
  readonly type: 'EndQuorumEpochResponse';
  readonly correlationId: number;
  readonly errorCode: RaftErrorCode;
  readonly leaderId: number;
  readonly leaderEpoch: number;
}

/** Pull-based replication: followers and observers fetch from the leader (KIP-595). */
export interface FetchRequest {
  readonly type: 'FetchRequest';
  readonly correlationId: number;
  readonly replicaId: number;
  /** KIP-853 (Fetch v17 `ReplicaDirectoryId`): the fetch counts as a voter's only if (replicaId, this) is a voter. */
  readonly replicaDirectoryId: string | undefined;
  /** The epoch the fetcher believes current; the leader fences older and newer ones. */
  readonly currentLeaderEpoch: number;
  readonly fetchOffset: number;
  /** The epoch of the batch just below `fetchOffset` in the fetcher's log (0 when empty). */
  readonly lastFetchedEpoch: number;
  /** How long the leader may hold the fetch when it has nothing new (Kafka's long poll). */
  readonly maxWaitMs: number;
}

export interface FetchResponse {
  readonly type: 'FetchResponse';
  readonly correlationId: number;
  readonly errorCode: RaftErrorCode;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  /** The leader's high watermark, or -1 while the leader does not know it yet. */
  readonly highWatermark: number;
  /** Set when (fetchOffset, lastFetchedEpoch) is not on the leader's log: truncate first. */
  readonly divergingEpoch: DivergingEpoch | undefined;
  /** Whole record batches as they sit in the leader's segments, starting at fetchOffset. */
  readonly records: readonly Uint8Array[];
  /**
   * Kafka's `FetchResponse.SnapshotId` (KIP-630): the fetch offset is below the leader's log start
   * (or the fetcher's log is empty and the leader has a snapshot): fetch this snapshot first.
   */
  readonly snapshotId?: SnapshotIdWire;
}

/** Kafka's `SnapshotId` struct: the snapshot's end offset (exclusive) and the epoch of the record before it. */
export interface SnapshotIdWire {
  readonly endOffset: number;
  readonly epoch: number;
}

/** Kafka's `FetchSnapshotRequest` (KIP-630), for the one partition: a chunk of a snapshot file. */
export interface FetchSnapshotRequest {
  readonly type: 'FetchSnapshotRequest';
  readonly correlationId: number;
  readonly replicaId: number;
  readonly replicaDirectoryId: string | undefined;
  readonly currentLeaderEpoch: number;
  readonly snapshotId: SnapshotIdWire;
  /** The byte position in the snapshot file to read from (what the fetcher has written so far). */
  readonly position: number;
  /** The most bytes the leader may return. */
  readonly maxBytes: number;
}

export interface FetchSnapshotResponse {
  readonly type: 'FetchSnapshotResponse';
  readonly correlationId: number;
  readonly errorCode: RaftErrorCode;
  readonly leaderId: number;
  readonly leaderEpoch: number;
  readonly snapshotId: SnapshotIdWire;
  /** The whole snapshot file's size in bytes. */
  readonly size: number;
  readonly position: number;
  /** Kafka's `UnalignedRecords`: raw bytes of the file from `position`, not whole batches. */
  readonly bytes: Uint8Array;
}

/**
 * Kafka's `AddRaftVoterRequest` (KIP-853): add this key to the voters. refka's replicas send it
 * only to join by themselves (KAFKA-19078), to the leader they fetch from; Kafka's admin client
 * (`kafka-metadata-quorum add-controller`) sends it too, with the new voter's endpoints.
 */
export interface AddRaftVoterRequest {
  readonly type: 'AddRaftVoterRequest';
  readonly correlationId: number;
  readonly voterId: number;
  readonly voterDirectoryId: string;
}

/** Kafka's `AddRaftVoterResponse`: NONE once the new voter set has committed. */
export interface AddRaftVoterResponse {
  readonly type: 'AddRaftVoterResponse';
  readonly correlationId: number;
  readonly errorCode: RaftErrorCode;
}

/** Kafka's `RemoveRaftVoterRequest` (KIP-853): remove this key from the voters. */
export interface RemoveRaftVoterRequest {
  readonly type: 'RemoveRaftVoterRequest';
  readonly correlationId: number;
  readonly voterId: number;
  readonly voterDirectoryId: string;
}

export interface RemoveRaftVoterResponse {
  readonly type: 'RemoveRaftVoterResponse';
  readonly correlationId: number;
  readonly errorCode: RaftErrorCode;
}

export type RaftRequest = VoteRequest | BeginQuorumEpochRequest | EndQuorumEpochRequest | FetchRequest | FetchSnapshotRequest | AddRaftVoterRequest | RemoveRaftVoterRequest;
export type RaftResponse = VoteResponse | BeginQuorumEpochResponse | EndQuorumEpochResponse | FetchResponse | FetchSnapshotResponse | AddRaftVoterResponse | RemoveRaftVoterResponse;
export type RaftMessage = RaftRequest | RaftResponse;

/** Which request a response answers; a request manager keys in-flight requests by it. */
export type RaftApi = 'Vote' | 'BeginQuorumEpoch' | 'EndQuorumEpoch' | 'Fetch' | 'FetchSnapshot' | 'AddRaftVoter' | 'RemoveRaftVoter';

export function apiOf(message: RaftMessage): RaftApi {
  switch (message.type) {
    case 'VoteRequest':
    case 'VoteResponse':
      return 'Vote';
    case 'BeginQuorumEpochRequest':
    case 'BeginQuorumEpochResponse':
      return 'BeginQuorumEpoch';
    case 'EndQuorumEpochRequest':
    case 'EndQuorumEpochResponse':
      return 'EndQuorumEpoch';
    case 'FetchRequest':
    case 'FetchResponse':
      return 'Fetch';
    case 'FetchSnapshotRequest':
    case 'FetchSnapshotResponse':
      return 'FetchSnapshot';
    case 'AddRaftVoterRequest':
    case 'AddRaftVoterResponse':
      return 'AddRaftVoter';
    case 'RemoveRaftVoterRequest':
    case 'RemoveRaftVoterResponse':
      return 'RemoveRaftVoter';
    default:
      return assertNever(message, 'raft message');
  }
}

export function isRequest(message: RaftMessage): message is RaftRequest {
  switch (message.type) {
    case 'VoteRequest':
    case 'BeginQuorumEpochRequest':
    case 'EndQuorumEpochRequest':
    case 'FetchRequest':
    case 'FetchSnapshotRequest':
    case 'AddRaftVoterRequest':
    case 'RemoveRaftVoterRequest':
      return true;
    case 'VoteResponse':
    case 'BeginQuorumEpochResponse':
    case 'EndQuorumEpochResponse':
    case 'FetchResponse':
    case 'FetchSnapshotResponse':
    case 'AddRaftVoterResponse':
    case 'RemoveRaftVoterResponse':
      return false;
    default:
      return assertNever(message, 'raft message');
  }
}

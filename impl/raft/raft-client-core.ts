import type { ControllerQuorumEventType } from '../../model/controller-quorum.machine.ts';
import type { NodeEffect, NodeId, RandomStream } from '../env/node-environment.ts';
import type { KafkaMetadataLog } from './kafka-metadata-log.ts';
import type { KRaftControlRecordStateMachine } from './kraft-control-record-state-machine.ts';
import type { VoterSet } from './voter-set.ts';
import type { QuorumState } from './quorum-state.ts';
import type { RaftConfig } from './raft-config.ts';
import type { RaftErrorCode, RaftMessage } from './raft-messages.ts';
import type { InFlightRequest, RequestManager } from './request-manager.ts';

export type RaftEffect = NodeEffect<RaftMessage>;

/**
 * What the parts of Kafka's `KafkaRaftClient` that refka keeps in their own files (the vote
 * handling, the follower's fetch side) share with the client: its log, quorum state, request
 * manager, and the steps every handler takes the same way (a state transition, the common
 * response handling, sending a request). Kafka has one 3 000-line class; refka splits it along
 * its own section comments and passes this view instead of the class.
 */
export interface RaftClientCore {
  readonly config: RaftConfig;
  readonly log: KafkaMetadataLog;
  /** The voter set as the log holds it (KIP-853). */
  readonly controlRecords: KRaftControlRecordStateMachine;
  readonly quorum: QuorumState;
  readonly requests: RequestManager;
  readonly random: RandomStream;
  readonly nodeAddress: NodeId;
  nowMs(): number;
  /** The leader id (or `NO_LEADER_ID`) and epoch this replica puts in its responses. */
  leaderInfo(): { leaderId: number; leaderEpoch: number };
  /** Runs one quorum transition and what every transition implies (see `KafkaRaftClient.transition`). */
  transition(effects: RaftEffect[], cause: ControllerQuorumEventType, change: () => void): void;
  transitionToUnattached(epoch: number, effects: RaftEffect[], cause: 'HIGHER_EPOCH' | 'ELECTION_TIMEOUT'): void;
  /** Kafka's `maybeHandleCommonResponse`: true when the response was fully handled. */
  maybeHandleCommonResponse(errorCode: RaftErrorCode, leaderId: number, epoch: number, effects: RaftEffect[]): boolean;
  sendRequest(destination: number, api: InFlightRequest['api'], effects: RaftEffect[], fetchOffset: number, build: (correlationId: number) => RaftMessage): number;
  /** Kafka's `onBecomeLeader`. */
  becomeLeader(effects: RaftEffect[]): void;
  electionBackoffMs(retries: number): number;
  /**
   * The log changed under a follower (an append, a truncation, a snapshot it fetched): the voter
   * set is read again from it (KIP-853: a VotersRecord counts once appended, and stops counting
   * once truncated), and a change of this replica's membership is reported.
   */
  onLogChanged(effects: RaftEffect[], change: LogChange): void;
  /** On the leader: appends `voters` as a VotersRecord and counts them at once; returns the record's offset. */
  appendVotersRecord(voters: VoterSet, effects: RaftEffect[]): number;
}

export type LogChange = { readonly type: 'appended' } | { readonly type: 'truncated'; readonly endOffset: number } | { readonly type: 'snapshot' };

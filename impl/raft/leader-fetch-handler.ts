import { assert } from '../common/assert.ts';
import type { NodeEffect, NodeId } from '../env/node-environment.ts';
import type { FetchPurgatory, ParkedFetch } from './fetch-purgatory.ts';
import type { KafkaMetadataLog } from './kafka-metadata-log.ts';
import type { EpochState } from './quorum-state.ts';
import type { FetchRequest, FetchResponse, RaftErrorCode, RaftMessage } from './raft-messages.ts';

/** What the fetch handler reads of its client at the moment it answers. */
export interface FetchHandlerView {
  state(): EpochState;
  /** The leader id and epoch the client knows, and its high watermark (-1 when unknown). */
  responseHeader(): { readonly leaderId: number; readonly leaderEpoch: number; readonly highWatermark: number };
  nowMs(): number;
}

/**
 * The leader side of Fetch in Kafka's `KafkaRaftClient` (`handleFetchRequest`,
 * `tryCompleteFetchRequest` and the fetch purgatory): fence stale and future epochs, count the
 * fetch for check-quorum, validate (fetchOffset, lastFetchedEpoch) against the epoch cache, and
 * answer with a DivergingEpoch, with records, or hold an empty fetch for the long poll until there
 * is data, the high watermark moves, or `maxWaitMs` passes.
 */
export class LeaderFetchHandler {
  constructor(
    private readonly localId: number,
    private readonly log: KafkaMetadataLog,
    private readonly purgatory: FetchPurgatory,
    private readonly view: FetchHandlerView,
  ) {}

  /** Answers or holds `request`; returns whether this leader accepted it (epoch and form valid). */
  handleFetchRequest(from: NodeId, request: FetchRequest, effects: NodeEffect<RaftMessage>[]): boolean {
    assert(request.replicaId !== this.localId, 'a replica does not fetch from itself');
    const state = this.view.state();
    const error = fetchError(state, request);
    if (error !== undefined || state.type !== 'Leader') {
      this.sendError(from, request, error ?? 'NOT_LEADER_OR_FOLLOWER', effects);
      return false;
    }
    const nowMs = this.view.nowMs();
    const leader = state.leader;
    if (leader.isVoter(request.replicaId)) leader.updateCheckQuorumForFollowingVoter(request.replicaId, nowMs);
    const validated = this.log.validateOffsetAndEpoch(request.fetchOffset, request.lastFetchedEpoch);
    if (validated.kind === 'DIVERGING') {
      // Only a valid fetch moves the replica's progress (Kafka's `tryCompleteFetchRequest`).
      effects.push({ type: 'mark', name: 'raft-diverging-epoch' });
      const divergingEpoch = { epoch: validated.offsetAndEpoch.epoch, endOffset: validated.offsetAndEpoch.offset };
      effects.push({ type: 'send', to: from, message: { ...this.responseBase(request, 'NONE'), divergingEpoch } });
      return true;
    }
    const highWatermarkMoved = leader.updateReplicaState(request.replicaId, request.fetchOffset, nowMs);
    const parked: ParkedFetch = { from, request, deadlineMs: nowMs + request.maxWaitMs };
    if (request.fetchOffset < this.log.endOffset() || request.maxWaitMs <= 0) {
      this.sendResponse(parked, effects);
    } else {
      // A newer fetch from the same replica supersedes a held one, which is answered now.
      const superseded = this.purgatory.park(request.replicaId, parked);
      if (superseded !== undefined) this.sendResponse(superseded, effects);
    }
    if (highWatermarkMoved) this.completeParkedFetches(effects, false);
    return true;
  }

  /** Answers held fetches: all of them (new data, a HW move, a resignation), or the expired ones. */
  completeParkedFetches(effects: NodeEffect<RaftMessage>[], expiredOnly: boolean): void {
    for (const parked of this.purgatory.takeAll(this.view.nowMs(), expiredOnly)) this.sendResponse(parked, effects);
  }

  private sendResponse(parked: ParkedFetch, effects: NodeEffect<RaftMessage>[]): void {
    const state = this.view.state();
    if (state.type !== 'Leader' || state.epoch !== parked.request.currentLeaderEpoch) {
      return this.sendError(parked.from, parked.request, 'NOT_LEADER_OR_FOLLOWER', effects);
    }
    const records = this.log.read(parked.request.fetchOffset);
    effects.push({ type: 'send', to: parked.from, message: { ...this.responseBase(parked.request, 'NONE'), records } });
  }

  private sendError(to: NodeId, request: FetchRequest, errorCode: RaftErrorCode, effects: NodeEffect<RaftMessage>[]): void {
    effects.push({ type: 'send', to, message: this.responseBase(request, errorCode) });
  }

  private responseBase(request: FetchRequest, errorCode: RaftErrorCode): FetchResponse {
    return { type: 'FetchResponse', correlationId: request.correlationId, errorCode, ...this.view.responseHeader(), divergingEpoch: undefined, records: [] };
  }
}

/** Kafka's `validateLeaderOnlyRequest` plus the request's own sanity; undefined when valid. */
function fetchError(state: EpochState, request: FetchRequest): RaftErrorCode | undefined {
  if (request.currentLeaderEpoch < state.epoch) return 'FENCED_LEADER_EPOCH';
  if (request.currentLeaderEpoch > state.epoch) return 'UNKNOWN_LEADER_EPOCH';
  if (state.type !== 'Leader') return 'NOT_LEADER_OR_FOLLOWER';
  if (request.fetchOffset < 0 || request.lastFetchedEpoch < 0 || request.lastFetchedEpoch > state.epoch) return 'INVALID_REQUEST';
  return undefined;
}

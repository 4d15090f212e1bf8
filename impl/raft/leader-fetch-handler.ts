import { assert } from '../common/assert.ts';
import type { NodeEffect, NodeId } from '../env/node-environment.ts';
import type { FetchPurgatory, ParkedFetch } from './fetch-purgatory.ts';
import type { KafkaMetadataLog, ValidOffsetAndEpoch } from './kafka-metadata-log.ts';
import type { EpochState } from './quorum-state.ts';
import type { FetchRequest, FetchResponse, FetchSnapshotRequest, FetchSnapshotResponse, RaftErrorCode, RaftMessage } from './raft-messages.ts';

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
 * answer with a DivergingEpoch, with a SnapshotId (KIP-630: the fetcher is below the log start),
 * with records, or hold an empty fetch for the long poll until there is data, the high watermark
 * moves, or `maxWaitMs` passes. And FetchSnapshot (`handleFetchSnapshotRequest`): a chunk of a
 * stored snapshot, which counts for check-quorum like a Fetch.
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
    leader.updateCheckQuorumForFollowingVoter(request.replicaId, nowMs, request.replicaDirectoryId);
    // An empty log with a snapshot on the leader loads the snapshot rather than the whole log.
    const latestSnapshot = this.log.latestSnapshotId();
    const validated: ValidOffsetAndEpoch =
      request.fetchOffset === 0 && latestSnapshot !== undefined ? { kind: 'SNAPSHOT', offsetAndEpoch: latestSnapshot } : this.log.validateOffsetAndEpoch(request.fetchOffset, request.lastFetchedEpoch);
    if (validated.kind === 'SNAPSHOT') {
      effects.push({ type: 'mark', name: 'raft-fetch-snapshot-id' });
      const snapshotId = { endOffset: validated.offsetAndEpoch.offset, epoch: validated.offsetAndEpoch.epoch };
      effects.push({ type: 'send', to: from, message: { ...this.responseBase(request, 'NONE'), snapshotId } });
      return true;
    }
    if (validated.kind === 'DIVERGING') {
      // Only a valid fetch moves the replica's progress (Kafka's `tryCompleteFetchRequest`).
      effects.push({ type: 'mark', name: 'raft-diverging-epoch' });
      const divergingEpoch = { epoch: validated.offsetAndEpoch.epoch, endOffset: validated.offsetAndEpoch.offset };
      effects.push({ type: 'send', to: from, message: { ...this.responseBase(request, 'NONE'), divergingEpoch } });
      return true;
    }
    const highWatermarkMoved = leader.updateReplicaState(request.replicaId, request.fetchOffset, nowMs, request.replicaDirectoryId);
    const parked: ParkedFetch = { from, request, deadlineMs: nowMs + request.maxWaitMs, arrivedAtMs: nowMs };
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

  /**
   * Kafka's `handleFetchSnapshotRequest`: the bytes of the stored snapshot from `position`, at most
   * `maxBytes`. A snapshot the leader no longer has is SNAPSHOT_NOT_FOUND (the fetcher starts over
   * with a Fetch), a position outside it POSITION_OUT_OF_RANGE. Returns whether a chunk was served.
   */
  handleFetchSnapshotRequest(from: NodeId, request: FetchSnapshotRequest, effects: NodeEffect<RaftMessage>[]): boolean {
    assert(request.replicaId !== this.localId, 'a replica does not fetch a snapshot from itself');
    const state = this.view.state();
    const respond = (errorCode: RaftErrorCode, size = -1, bytes: Uint8Array = new Uint8Array()): void => {
      const message: FetchSnapshotResponse = { type: 'FetchSnapshotResponse', correlationId: request.correlationId, errorCode, ...leaderIdAndEpoch(this.view), snapshotId: request.snapshotId, size, position: request.position, bytes };
      effects.push({ type: 'send', to: from, message });
    };
    const error = leaderOnlyError(state, request.currentLeaderEpoch);
    if (error !== undefined || state.type !== 'Leader') {
      respond(error ?? 'NOT_LEADER_OR_FOLLOWER');
      return false;
    }
    if (request.maxBytes <= 0) {
      respond('INVALID_REQUEST');
      return false;
    }
    const snapshot = this.log.readSnapshot({ offset: request.snapshotId.endOffset, epoch: request.snapshotId.epoch });
    if (snapshot === undefined) {
      respond('SNAPSHOT_NOT_FOUND');
      return false;
    }
    if (request.position < 0 || request.position >= snapshot.sizeInBytes) {
      respond('POSITION_OUT_OF_RANGE');
      return false;
    }
    state.leader.updateCheckQuorumForFollowingVoter(request.replicaId, this.view.nowMs(), request.replicaDirectoryId);
    effects.push({ type: 'mark', name: 'raft-fetch-snapshot-served' });
    respond('NONE', snapshot.sizeInBytes, snapshot.slice(request.position, request.maxBytes));
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

/** Kafka's `validateLeaderOnlyRequest`; undefined when the request may be served. */
function leaderOnlyError(state: EpochState, currentLeaderEpoch: number): RaftErrorCode | undefined {
  if (currentLeaderEpoch < state.epoch) return 'FENCED_LEADER_EPOCH';
  if (currentLeaderEpoch > state.epoch) return 'UNKNOWN_LEADER_EPOCH';
  if (state.type !== 'Leader') return 'NOT_LEADER_OR_FOLLOWER';
  return undefined;
}

function leaderIdAndEpoch(view: FetchHandlerView): { leaderId: number; leaderEpoch: number } {
  const { leaderId, leaderEpoch } = view.responseHeader();
  return { leaderId, leaderEpoch };
}

/** `validateLeaderOnlyRequest` plus the fetch's own sanity; undefined when valid. */
function fetchError(state: EpochState, request: FetchRequest): RaftErrorCode | undefined {
  const leaderOnly = leaderOnlyError(state, request.currentLeaderEpoch);
  if (leaderOnly !== undefined) return leaderOnly;
  if (request.fetchOffset < 0 || request.lastFetchedEpoch < 0 || request.lastFetchedEpoch > state.epoch) return 'INVALID_REQUEST';
  return undefined;
}

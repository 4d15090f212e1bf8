import { assert } from '../common/assert.ts';
import type { RaftClientCore, RaftEffect } from './raft-client-core.ts';
import type { FetchResponse, FetchSnapshotResponse } from './raft-messages.ts';
import { MAX_SNAPSHOT_BYTES, sameSnapshotId, type SnapshotId } from './raft-snapshots.ts';
import type { InFlightRequest } from './request-manager.ts';

/** How long an observer without a leader waits between discovery fetches to random voters. */
export const OBSERVER_DISCOVERY_BACKOFF_MS = 100;

/**
 * The follower side of Fetch in Kafka's `KafkaRaftClient` (`pollFollower`'s fetch,
 * `handleFetchResponse`, `updateFollowerHighWatermark`), for voters and observers: send a Fetch
 * at the log end with the last fetched epoch, truncate on a DivergingEpoch, append what came,
 * and keep the high watermark a replica that is not leader knows. KIP-630: a fetch answered with
 * a SnapshotId starts a download; FetchSnapshot requests take its chunks in order until it is
 * whole, when the log is truncated to it and fetching goes on from its end offset.
 */
export class FollowerFetcher {
  /** The high watermark outside the Leader state (the leader's lives in its LeaderState). */
  private followerHighWatermark: number | undefined;
  private observerNextDiscoveryMs = 0;

  constructor(private readonly core: RaftClientCore) {}

  get highWatermark(): number | undefined {
    return this.followerHighWatermark;
  }

  /** When an observer without a leader next asks a voter. */
  get nextDiscoveryMs(): number {
    return this.observerNextDiscoveryMs;
  }

  maybeSendFetch(leaderId: number, effects: RaftEffect[]): void {
    const { log, quorum, requests, config } = this.core;
    if (!requests.isReady(leaderId, this.core.nowMs())) return;
    const state = quorum.state;
    const snapshot = state.type === 'Follower' ? state.fetchingSnapshot : undefined;
    if (snapshot !== undefined) {
      // Kafka's `maybeSendFetchOrFetchSnapshot`: the next chunk, from what is written so far.
      const snapshotId = { endOffset: snapshot.snapshotId.offset, epoch: snapshot.snapshotId.epoch };
      const position = snapshot.sizeInBytes();
      this.core.sendRequest(leaderId, 'FetchSnapshot', effects, -1, (correlationId) => ({
        type: 'FetchSnapshotRequest',
        correlationId,
        replicaId: config.nodeId,
        replicaDirectoryId: config.directoryId,
        currentLeaderEpoch: quorum.epoch,
        snapshotId,
        position,
        maxBytes: config.fetchSnapshotMaxBytes,
      }));
      return;
    }
    const fetchOffset = log.endOffset();
    const lastFetchedEpoch = log.lastFetchedEpoch();
    const currentLeaderEpoch = quorum.epoch;
    this.core.sendRequest(leaderId, 'Fetch', effects, fetchOffset, (correlationId) => ({
      type: 'FetchRequest',
      correlationId,
      replicaId: config.nodeId,
      replicaDirectoryId: config.directoryId,
      currentLeaderEpoch,
      fetchOffset,
      lastFetchedEpoch,
      maxWaitMs: config.timeouts.fetchMaxWaitMs,
    }));
  }

  /** An observer with no leader asks a random voter; the answer names the leader (Kafka's bootstrap fetch). */
  maybeSendDiscoveryFetch(effects: RaftEffect[]): void {
    const nowMs = this.core.nowMs();
    if (nowMs < this.observerNextDiscoveryMs) return;
    // The next try is due after the backoff whether or not this one can go, so that a voter
    // with a request still in flight does not make the poll spin.
    this.observerNextDiscoveryMs = nowMs + OBSERVER_DISCOVERY_BACKOFF_MS;
    // A controller observing (its directory is no voter's) is one of the bootstrap servers itself.
    const others = this.core.config.voters.filter((voter) => voter !== this.core.config.nodeId);
    if (others.length === 0) return;
    const voter = this.core.random.pick(others);
    this.maybeSendFetch(voter, effects);
  }

  /**
   * Kafka's `handleFetchResponse`: truncate on a DivergingEpoch (never below the high watermark),
   * else append what came and take min(leader HW, log end) as the high watermark.
   */
  handleFetchResponse(fromId: number, response: FetchResponse, request: InFlightRequest, effects: RaftEffect[]): void {
    const { log, quorum } = this.core;
    assert(request.api === 'Fetch' && request.fetchOffset >= 0, 'a fetch response answers a fetch');
    if (this.core.maybeHandleCommonResponse(response.errorCode, response.leaderId, response.leaderEpoch, effects)) return;
    const state = quorum.state;
    if (state.type !== 'Follower' || state.leaderId !== fromId || state.epoch !== response.leaderEpoch) return;
    // An error was already scheduled for a retry; a late answer to an older fetch is dropped.
    if (response.errorCode !== 'NONE' || request.fetchOffset !== log.endOffset()) return;
    // Records below the log start are in a snapshot, so committed, even before the HW is known again.
    const highWatermark = Math.max(this.followerHighWatermark ?? 0, log.startOffset());
    if (response.divergingEpoch !== undefined) {
      const { epoch, endOffset } = response.divergingEpoch;
      assert(endOffset >= highWatermark, `leader asked to truncate to ${endOffset}, below the high watermark ${highWatermark}`);
      const end = log.truncateToEndOffset({ offset: endOffset, epoch });
      assert(end >= highWatermark, `truncation to ${end} went below the high watermark ${highWatermark}`);
      this.core.onLogChanged(effects, { type: 'truncated', endOffset: end });
      effects.push({ type: 'mark', name: 'raft-follower-truncated' });
    } else if (response.snapshotId !== undefined) {
      const { endOffset, epoch } = response.snapshotId;
      assert(endOffset > 0 && epoch >= 0, `the leader named snapshot (${endOffset}, ${epoch})`);
      // Not checked against the local log: the snapshot lies past its end (Kafka's `createNewSnapshotUnchecked`).
      // A snapshot already stored gives no writer, and fetching goes on from the log (Kafka logs it).
      state.fetchingSnapshot = log.createNewSnapshotUnchecked({ offset: endOffset, epoch });
      effects.push({ type: 'mark', name: 'raft-snapshot-fetch-started' });
    } else {
      if (response.records.length > 0) {
        const appended = log.appendAsFollower(response.records);
        assert(!('error' in appended), `follower append failed: ${'error' in appended ? appended.error : ''}`);
        this.core.onLogChanged(effects, { type: 'appended' });
      }
      if (response.highWatermark >= 0) this.updateFollowerHighWatermark(Math.min(response.highWatermark, log.endOffset()));
    }
    state.hasFetchedFromLeader = true;
    state.fetchDeadlineMs = this.core.nowMs() + this.core.config.timeouts.fetchTimeoutMs;
  }

  /**
   * Kafka's `handleFetchSnapshotResponse`: append the chunk; when the snapshot is whole, freeze it,
   * truncate the log to it, and take its end offset as the high watermark (a snapshot holds only
   * committed records). SNAPSHOT_NOT_FOUND (the leader deleted it) and POSITION_OUT_OF_RANGE start
   * over with a Fetch.
   */
  handleFetchSnapshotResponse(fromId: number, response: FetchSnapshotResponse, effects: RaftEffect[]): void {
    const { log, quorum } = this.core;
    if (this.core.maybeHandleCommonResponse(response.errorCode, response.leaderId, response.leaderEpoch, effects)) return;
    const state = quorum.state;
    if (state.type !== 'Follower' || state.leaderId !== fromId || state.epoch !== response.leaderEpoch) return;
    const writer = state.fetchingSnapshot;
    if (writer === undefined) return;
    if (response.errorCode === 'SNAPSHOT_NOT_FOUND' || response.errorCode === 'POSITION_OUT_OF_RANGE') {
      state.fetchingSnapshot = undefined;
      state.fetchDeadlineMs = this.core.nowMs() + this.core.config.timeouts.fetchTimeoutMs;
      effects.push({ type: 'mark', name: 'raft-snapshot-fetch-restarted' });
      return;
    }
    if (response.errorCode !== 'NONE') return;
    const snapshotId: SnapshotId = { offset: response.snapshotId.endOffset, epoch: response.snapshotId.epoch };
    // One request in flight, matched by correlation id: the answer is to the chunk asked for (Kafka throws otherwise).
    assert(sameSnapshotId(writer.snapshotId, snapshotId), `a chunk of snapshot (${snapshotId.offset}, ${snapshotId.epoch}) for a download of (${writer.snapshotId.offset}, ${writer.snapshotId.epoch})`);
    assert(response.position === writer.sizeInBytes(), `a snapshot chunk at ${response.position}, expected ${writer.sizeInBytes()}`);
    assert(response.size <= MAX_SNAPSHOT_BYTES && response.position + response.bytes.length <= response.size && response.bytes.length > 0, `a snapshot chunk of ${response.bytes.length} bytes at ${response.position} of ${response.size}`);
    writer.append(response.bytes);
    if (writer.sizeInBytes() === response.size) {
      writer.freeze();
      state.fetchingSnapshot = undefined;
      log.onSnapshotFrozen(snapshotId);
      if (!log.truncateToLatestSnapshot()) log.deleteBeforeSnapshot(snapshotId);
      assert(log.startOffset() === snapshotId.offset, `after loading snapshot ${snapshotId.offset} the log starts at ${log.startOffset()}`);
      this.core.onLogChanged(effects, { type: 'snapshot' });
      if ((this.followerHighWatermark ?? 0) < snapshotId.offset) this.updateFollowerHighWatermark(snapshotId.offset);
      effects.push({ type: 'mark', name: 'raft-snapshot-fetched' });
    }
    state.fetchDeadlineMs = this.core.nowMs() + this.core.config.timeouts.fetchTimeoutMs;
  }

  updateFollowerHighWatermark(highWatermark: number): void {
    const previous = this.followerHighWatermark;
    if (previous !== undefined) assert(highWatermark >= previous, `follower high watermark went back from ${previous} to ${highWatermark}`);
    assert(highWatermark <= this.core.log.endOffset(), 'a follower high watermark past its log end');
    this.followerHighWatermark = highWatermark;
  }
}

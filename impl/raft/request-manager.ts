import { assert } from '../common/assert.ts';
import type { RaftApi } from './raft-messages.ts';

/** One request this replica is waiting on an answer to. */
export interface InFlightRequest {
  readonly api: RaftApi;
  readonly correlationId: number;
  readonly epoch: number;
  readonly deadlineMs: number;
  /** When it was sent: a connection that broke later did not carry it. */
  readonly sentAtMs: number;
  /** For a Fetch: the log end it was sent at, so that a late response is not applied twice. */
  readonly fetchOffset: number;
}

/**
 * Kafka's `RequestManager`: at most one request in flight per destination (the limit on
 * outstanding requests), a request timeout, and a retry backoff after a failure. Destinations are
 * replica ids; the maps are keyed by id and only looked up, never iterated for a decision, except
 * in {@link nextDeadlineMs} (a minimum, which does not depend on order).
 */
export class RequestManager {
  private readonly inFlight = new Map<number, InFlightRequest>();
  private readonly backoffUntilMs = new Map<number, number>();

  constructor(
    private readonly requestTimeoutMs: number,
    private readonly retryBackoffMs: number,
  ) {
    assert(requestTimeoutMs > 0, 'the request timeout must be positive');
    assert(retryBackoffMs >= 0, 'the retry backoff must not be negative');
  }

  /** Whether a new request may go to `destination` now. */
  isReady(destination: number, nowMs: number): boolean {
    if (this.inFlight.has(destination)) return false;
    return (this.backoffUntilMs.get(destination) ?? 0) <= nowMs;
  }

  hasInFlight(destination: number): boolean {
    return this.inFlight.has(destination);
  }

  onRequestSent(destination: number, request: Omit<InFlightRequest, 'deadlineMs' | 'sentAtMs'>, nowMs: number): void {
    assert(this.isReady(destination, nowMs), `a request to ${destination} while one is in flight or backing off`);
    this.inFlight.set(destination, { ...request, deadlineMs: nowMs + this.requestTimeoutMs, sentAtMs: nowMs });
  }

  /**
   * The connection to `destination` that was open at `brokenAtMs` broke: a request sent by then
   * is lost with it and fails; one sent later went over the connection the peer's new process
   * opened, and its answer still comes.
   */
  onDisconnected(destination: number, brokenAtMs: number, nowMs: number): void {
    const request = this.inFlight.get(destination);
    if (request !== undefined && request.sentAtMs > brokenAtMs) return;
    this.onRequestFailed(destination, nowMs);
  }

  /** The in-flight request `correlationId` answers, removed; undefined for a stale or unknown one. */
  onResponseReceived(destination: number, api: RaftApi, correlationId: number): InFlightRequest | undefined {
    const request = this.inFlight.get(destination);
    if (request === undefined || request.correlationId !== correlationId) return undefined;
    assert(request.api === api, `response ${api} to a ${request.api} request`);
    this.inFlight.delete(destination);
    this.backoffUntilMs.delete(destination);
    return request;
  }

  /** The request failed (a disconnect, a timeout, an error answer): retry after the backoff. */
  onRequestFailed(destination: number, nowMs: number): void {
    this.inFlight.delete(destination);
    this.backoffUntilMs.set(destination, nowMs + this.retryBackoffMs);
  }

  /** Backs off from `destination` for `delayMs` (a fetch answered with nothing to do). */
  backoff(destination: number, nowMs: number, delayMs: number): void {
    assert(!this.inFlight.has(destination), 'backing off from a destination with a request in flight');
    this.backoffUntilMs.set(destination, nowMs + delayMs);
  }

  /** Fails every request whose timeout has passed. */
  expire(nowMs: number): void {
    const expired: number[] = [];
    for (const [destination, request] of this.inFlight) if (request.deadlineMs <= nowMs) expired.push(destination);
    for (const destination of expired) this.onRequestFailed(destination, nowMs);
  }

  /** Forgets every in-flight request: after a state change their answers no longer apply. */
  resetAll(): void {
    this.inFlight.clear();
    this.backoffUntilMs.clear();
  }

  /** The earliest request timeout or backoff end after `nowMs`, or infinity. */
  nextDeadlineMs(nowMs: number): number {
    let next = Number.POSITIVE_INFINITY;
    for (const request of this.inFlight.values()) next = Math.min(next, request.deadlineMs);
    for (const until of this.backoffUntilMs.values()) if (until > nowMs) next = Math.min(next, until);
    return next;
  }
}

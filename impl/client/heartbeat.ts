import { assert } from '../common/assert.ts';
import { MAX_CONSECUTIVE_FAILURES, type ConsumerCoordinatorOptions } from './consumer-coordinator-io.ts';

/**
 * Kafka's `Heartbeat` (clients/.../consumer/internals/Heartbeat.java): the heartbeat thread's three
 * timers, as deadlines. The heartbeat timer says when the next heartbeat is due (backed off after a
 * failure), the session timer when the coordinator is presumed gone without a heartbeat answer, the
 * poll timer when the application has not polled for `max.poll.interval.ms`. Kafka's `Timer`s read
 * a clock; here every call carries `nowMs`.
 */
export class Heartbeat {
  private heartbeatInFlight = false;
  private heartbeatAttempts = 0;
  private heartbeatDeadlineMs = 0;
  private sessionDeadlineMs = 0;
  private pollDeadlineMs = 0;

  constructor(
    private readonly config: Pick<ConsumerCoordinatorOptions, 'heartbeatIntervalMs' | 'sessionTimeoutMs' | 'maxPollIntervalMs'>,
    /** Kafka's `retryBackoff` (an `ExponentialBackoff`): the coordinator's `backoffMs`. */
    private readonly retryBackoffMs: (attempts: number) => number,
  ) {
    assert(config.heartbeatIntervalMs < config.sessionTimeoutMs, 'Heartbeat must be set lower than the session timeout');
  }

  /** `poll`: the application polled, so the poll timer restarts. */
  poll(nowMs: number): void {
    this.pollDeadlineMs = nowMs + this.config.maxPollIntervalMs;
  }

  hasInflight(): boolean {
    return this.heartbeatInFlight;
  }

  sentHeartbeat(nowMs: number): void {
    this.heartbeatInFlight = true;
    this.heartbeatDeadlineMs = nowMs + this.config.heartbeatIntervalMs;
  }

  failHeartbeat(nowMs: number): void {
    this.heartbeatInFlight = false;
    this.heartbeatDeadlineMs = nowMs + this.retryBackoffMs(this.heartbeatAttempts);
    this.heartbeatAttempts = Math.min(this.heartbeatAttempts + 1, MAX_CONSECUTIVE_FAILURES);
  }

  receiveHeartbeat(nowMs: number): void {
    this.heartbeatInFlight = false;
    this.heartbeatAttempts = 0;
    this.sessionDeadlineMs = nowMs + this.config.sessionTimeoutMs;
  }

  /** Whether a heartbeat is due; unlike Kafka's, never while one is in flight (refka sends one at a time). */
  shouldHeartbeat(nowMs: number): boolean {
    return !this.heartbeatInFlight && nowMs >= this.heartbeatDeadlineMs;
  }

  sessionTimeoutExpired(nowMs: number): boolean {
    return nowMs >= this.sessionDeadlineMs;
  }

  pollTimeoutExpired(nowMs: number): boolean {
    return nowMs >= this.pollDeadlineMs;
  }

  /** The heartbeat thread's wait (Kafka's `timeToNextHeartbeat`, as a time): the earliest deadline, the heartbeat's only when none is in flight. */
  wakeupMs(): number {
    const next = this.heartbeatInFlight ? Infinity : this.heartbeatDeadlineMs;
    return Math.min(next, this.sessionDeadlineMs, this.pollDeadlineMs);
  }

  /** `resetTimeouts`, as `heartbeatThread.enable()` calls it; refka also forgets a heartbeat in flight. */
  resetTimeouts(nowMs: number): void {
    this.heartbeatInFlight = false;
    this.heartbeatDeadlineMs = nowMs + this.config.heartbeatIntervalMs;
    this.sessionDeadlineMs = nowMs + this.config.sessionTimeoutMs;
    this.pollDeadlineMs = nowMs + this.config.maxPollIntervalMs;
  }

  resetSessionTimeout(nowMs: number): void {
    this.sessionDeadlineMs = nowMs + this.config.sessionTimeoutMs;
  }
}

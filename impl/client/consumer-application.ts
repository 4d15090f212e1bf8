import { assert } from '../common/assert.ts';
import type { NodeEffect } from '../env/node-environment.ts';
import type { KafkaMessage } from '../protocol/messages.ts';
import type { KafkaConsumerOptions } from './consumer-options.ts';
import type { GroupMembership } from './group-membership.ts';

/*
 * Not Kafka: the workload's application around its `KafkaConsumer` (kafka-consumer.ts), the
 * thread that calls `poll` in a loop. Its schedule (when it starts polling, when it calls
 * `close()`), its stalls, when the loop's next poll may start, and what it does when poll throws
 * FencedInstanceIdException. The consumer's poll, close and requests are Kafka's and stay there.
 */

/**
 * How long the workload's `poll(Duration)` waits for records before it returns none. Longer
 * than `fetch.max.wait.ms`'s default, so that an idle poll normally sees its fetches answered.
 */
export const POLL_TIMEOUT_MS = 1000;

/** What the application may do to its node: read the clock, set timers, emit effects. */
export interface ConsumerApplicationHost {
  nowMs(): number;
  timer(name: string, delayMs: number): void;
  effect(effect: NodeEffect<KafkaMessage>): void;
}

/** The workload's application thread around one consumer (see the file's comment). */
export class ConsumerApplication {
  /**
   * The application's stall (`application-stall`): no poll starts before this time. A stall that
   * comes while a poll is open waits in `pendingStallMs` until the poll returns.
   */
  private stalledUntilMs = 0;
  private pendingStallMs = 0;

  constructor(
    private readonly options: KafkaConsumerOptions,
    private readonly host: ConsumerApplicationHost,
  ) {
    if (options.groupId === undefined) assert(options.closeAtMs === undefined, 'only a group member is closed by the workload');
    else assert(options.closeAtMs === undefined || options.closeAtMs >= (options.startAtMs ?? 0), 'a consumer closes before it starts');
  }

  /** The node starts: the first poll at `startAtMs`, and `close()` at `closeAtMs` if it has one. */
  start(): void {
    const nowMs = this.host.nowMs();
    this.host.timer('poll', Math.max(1, (this.options.startAtMs ?? 0) - nowMs));
    if (this.options.closeAtMs !== undefined) this.host.timer('close', Math.max(1, this.options.closeAtMs - nowMs));
  }

  /**
   * The application is stuck for `durationMs` (the `client-stall` fault): Kafka's poll loop calls
   * poll() again only once the handler of the last poll's records returns. A stall that comes
   * during a poll is the processing of what that poll returns; between polls it holds the next
   * one. The heartbeats go on (Kafka's background thread; here the group timers, which need no
   * poll), so a stall past `max.poll.interval.ms` makes the member leave the group (KIP-62).
   */
  stall(durationMs: number, pollOpen: boolean): void {
    assert(Number.isSafeInteger(durationMs) && durationMs >= 0, `bad application stall ${durationMs}`);
    if (pollOpen) {
      this.pendingStallMs = Math.max(this.pendingStallMs, durationMs);
      return;
    }
    this.stalledUntilMs = Math.max(this.stalledUntilMs, this.host.nowMs() + durationMs);
  }

  /** The `poll` timer fired: whether the poll starts now; a stalled application sets it again. */
  pollDue(): boolean {
    const stalledMs = this.stalledUntilMs - this.host.nowMs();
    if (stalledMs > 0) {
      this.host.timer('poll', stalledMs);
      return false;
    }
    return true;
  }

  /** The open poll returned: a stall that came during it begins now, holding the next poll. */
  pollReturned(): void {
    if (this.pendingStallMs > 0) {
      this.stalledUntilMs = Math.max(this.stalledUntilMs, this.host.nowMs() + this.pendingStallMs);
      this.pendingStallMs = 0;
    }
  }

  /**
   * The application's poll threw FencedInstanceIdException: it closes the consumer (no final
   * commit: the coordinator is fatal, `ConsumerCoordinator.close` commits nothing), and a
   * supervised process then exits with the exception, as a Java `main` it propagated out of does.
   */
  closeOnFence(membership: GroupMembership, close: () => void): void {
    close();
    if (this.options.onFencedInstanceId !== 'exit') return;
    assert(membership.closed, 'a fenced consumer finishes close() at once');
    this.host.effect({ type: 'halt', reason: `FencedInstanceIdException: ${membership.fatalError?.message ?? ''}`, failed: true });
  }
}

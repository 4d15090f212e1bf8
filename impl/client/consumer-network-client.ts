import { assert } from '../common/assert.ts';
import type { NodeEffect } from '../env/node-environment.ts';
import { NO_LEADER } from '../metadata/metadata-records.ts';
import { brokerNodeId, type KafkaMessage, type PartitionMetadata } from '../protocol/messages.ts';

/** The timer that bounds one request: its name ends in the request's correlation id. */
export const REQUEST_TIMEOUT_TIMER = 'request-timeout:';

/** What the client needs to know of a request in flight: what kind it is and where it went. */
export interface TrackedRequest {
  readonly kind: string;
  readonly broker: number;
}

/**
 * The consumer's side of Kafka's `ConsumerNetworkClient` and `NetworkClient`: correlation ids, the
 * requests in flight with a `request.timeout.ms` timer each, and the reconnect backoff per broker
 * after a connection failed. It sends what it is given and forgets what is answered or
 * abandoned; what a request means, and what its loss means, is the consumer's to decide.
 */
export class ConsumerNetworkClient<R extends TrackedRequest> {
  private readonly inFlight = new Map<number, R>();
  /** By broker: no request until then after its connection failed (a reconnect backoff). */
  private readonly nodeBackoffUntilMs = new Map<number, number>();
  private nextId: number;

  constructor(
    firstCorrelationId: number,
    private readonly effect: (effect: NodeEffect<KafkaMessage>) => void,
    private readonly requestTimeoutMs: () => number,
  ) {
    assert(Number.isSafeInteger(firstCorrelationId) && firstCorrelationId > 0, `bad first correlation id ${firstCorrelationId}`);
    this.nextId = firstCorrelationId;
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  get backoffCount(): number {
    return this.nodeBackoffUntilMs.size;
  }

  nextCorrelationId(): number {
    return this.nextId++;
  }

  /** Sends `message` to `broker` under `correlationId`, tracked as `request` until answered, abandoned or timed out. */
  send(broker: number, correlationId: number, request: R, message: KafkaMessage, timeoutMs?: number): void {
    assert(!this.inFlight.has(correlationId), `correlation id ${correlationId} reused`);
    assert(request.broker === broker, 'a request recorded for another broker');
    this.inFlight.set(correlationId, request);
    this.effect({ type: 'send', to: brokerNodeId(broker), message });
    this.effect({ type: 'set-timer', name: `${REQUEST_TIMEOUT_TIMER}${correlationId}`, delayMs: timeoutMs ?? this.requestTimeoutMs() });
  }

  /** The request an answer with `correlationId` answers, no longer in flight; undefined for one abandoned already. */
  complete(correlationId: number | undefined): R | undefined {
    if (correlationId === undefined) return undefined;
    const request = this.inFlight.get(correlationId);
    if (request === undefined) return undefined;
    this.inFlight.delete(correlationId);
    this.effect({ type: 'cancel-timer', name: `${REQUEST_TIMEOUT_TIMER}${correlationId}` });
    return request;
  }

  /** The request whose timeout timer `name` fired (still in flight: the timer is cancelled with it). */
  timedOut(name: string): R {
    assert(name.startsWith(REQUEST_TIMEOUT_TIMER), `unknown consumer timer ${name}`);
    const request = this.inFlight.get(Number(name.slice(REQUEST_TIMEOUT_TIMER.length)));
    assert(request !== undefined, `${name} fired for a request no longer in flight`);
    return request;
  }

  /** Whether a request of `kind` is in flight (to any broker). */
  hasInFlight(kind: R['kind']): boolean {
    for (const request of this.inFlight.values()) if (request.kind === kind) return true;
    return false;
  }

  /**
   * Abandons the requests in flight to `broker` that `which` selects, in the order they were sent,
   * cancelling their timers; returns them with their correlation ids.
   */
  abandon(broker: number, which: (request: R) => boolean): [number, R][] {
    const abandoned: [number, R][] = [];
    for (const [correlationId, request] of [...this.inFlight]) {
      if (request.broker !== broker || !which(request)) continue;
      this.inFlight.delete(correlationId);
      this.effect({ type: 'cancel-timer', name: `${REQUEST_TIMEOUT_TIMER}${correlationId}` });
      abandoned.push([correlationId, request]);
    }
    return abandoned;
  }

  /** No request goes to `broker` before `untilMs` (its connection failed). */
  backoff(broker: number, untilMs: number): void {
    this.nodeBackoffUntilMs.set(broker, untilMs);
  }

  /**
   * The leaders to send a request of `kind` to, each with its `partitions` in metadata order,
   * skipping leaders with one of `kind` pending (Kafka's `nodesWithPendingFetchRequests`) and those
   * `wanted` leaves out; also when a backoff ends that held a leader back.
   */
  groupByLeader(
    partitions: readonly PartitionMetadata[],
    kind: R['kind'],
    nowMs: number,
    wanted: (partition: PartitionMetadata) => boolean,
  ): { byLeader: Map<number, PartitionMetadata[]>; backoffUntilMs: number | undefined } {
    const pending = new Set<number>();
    for (const request of this.inFlight.values()) if (request.kind === kind) pending.add(request.broker);
    const byLeader = new Map<number, PartitionMetadata[]>();
    let backoffUntilMs: number | undefined;
    for (const partition of partitions) {
      if (partition.leader === NO_LEADER || pending.has(partition.leader)) continue;
      if (!wanted(partition)) continue;
      const until = this.nodeBackoffUntilMs.get(partition.leader);
      if (until !== undefined && nowMs < until) {
        backoffUntilMs = Math.min(backoffUntilMs ?? until, until);
        continue;
      }
      const list = byLeader.get(partition.leader) ?? [];
      list.push(partition);
      byLeader.set(partition.leader, list);
    }
    return { byLeader, backoffUntilMs };
  }
}

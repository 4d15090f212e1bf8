import { assert, assertNever } from '../../impl/common/assert.ts';
import type { NodeEffect, NodeEnvironment, NodeId, NodeInput, SimulatedNode } from '../../impl/env/node-environment.ts';
import type { AckLogMessage } from './ack-log-messages.ts';

export interface AckLogClientOptions {
  readonly clientIndex: number;
  readonly servers: readonly NodeId[];
  /** The client sends no new append from this time on (the end of the safety phase). */
  readonly stopAtMs: number;
  readonly requestTimeoutMs: number;
  /** Appends this client may make in one run: a limit on everything. */
  readonly appendsMax: number;
}

interface InFlight {
  readonly requestId: number;
  readonly server: NodeId;
  readonly value: number;
}

const PROCESS_VALUES = 1_000_000_000;

/**
 * An ack-log client: one Jepsen process that appends unique values, one at a time, each to a
 * server of its choice, and records every operation in the history. A request that times out or
 * whose connection breaks is recorded as `info`: the value may or may not be in the log.
 */
export class AckLogClient implements SimulatedNode<AckLogMessage> {
  readonly kind = 'client';
  private inFlight: InFlight | undefined;
  private appends = 0;
  private finished = false;
  private nextRequestId: number;

  constructor(
    private readonly environment: NodeEnvironment,
    private readonly options: AckLogClientOptions,
  ) {
    assert(options.servers.length > 0, 'a client needs servers');
    assert(options.appendsMax < PROCESS_VALUES, 'appendsMax would let values of two clients collide');
    // Request ids from an earlier incarnation must not match: start from the clock.
    this.nextRequestId = environment.clock.nowMs() * 1_000;
  }

  /** True once the client has stopped and has nothing in flight. */
  get done(): boolean {
    return this.finished && this.inFlight === undefined;
  }

  private get process(): string {
    return this.environment.nodeId;
  }

  handle(input: NodeInput<AckLogMessage>): readonly NodeEffect<AckLogMessage>[] {
    switch (input.type) {
      case 'start':
        return [this.thinkThenAppend()];
      case 'timer':
        if (input.name === 'append') return this.append();
        assert(input.name === 'request-timeout', `unknown client timer ${input.name}`);
        return this.complete('info', 'timeout');
      case 'disconnected':
        if (this.inFlight === undefined || this.inFlight.server !== input.peer) return [];
        return [...this.complete('info', 'disconnected'), { type: 'mark', name: 'client-saw-disconnect' }];
      case 'receive':
        return this.onResponse(input.message);
      case 'signal':
        return [];
      case 'application-stall':
        return [];
      default:
        return assertNever(input, 'client input');
    }
  }

  private onResponse(message: AckLogMessage): NodeEffect<AckLogMessage>[] {
    assert(message.type === 'AppendResponse', `client received ${message.type}`);
    // A response to a request the client already gave up on is late; the outcome was recorded.
    if (this.inFlight === undefined || this.inFlight.requestId !== message.requestId) return [];
    return this.complete(message.error === 'NONE' ? 'ok' : 'fail', message.error, message.offset);
  }

  private append(): NodeEffect<AckLogMessage>[] {
    assert(this.inFlight === undefined, 'append while another is in flight');
    const nowMs = this.environment.clock.nowMs();
    if (nowMs >= this.options.stopAtMs || this.appends >= this.options.appendsMax) {
      this.finished = true;
      return [];
    }
    const server = this.environment.random.pick(this.options.servers);
    const value = this.options.clientIndex * PROCESS_VALUES + this.appends;
    this.appends++;
    this.inFlight = { requestId: this.nextRequestId++, server, value };
    return [
      { type: 'history', record: { type: 'invoke', process: this.process, f: 'append', value: { value, server } } },
      { type: 'send', to: server, message: { type: 'AppendRequest', requestId: this.inFlight.requestId, value } },
      { type: 'set-timer', name: 'request-timeout', delayMs: this.options.requestTimeoutMs },
    ];
  }

  private complete(type: 'ok' | 'fail' | 'info', why: string, offset = -1): NodeEffect<AckLogMessage>[] {
    const inFlight = this.inFlight;
    assert(inFlight !== undefined, `completion '${why}' with nothing in flight`);
    this.inFlight = undefined;
    const value = { value: inFlight.value, server: inFlight.server, why, offset };
    return [
      { type: 'cancel-timer', name: 'request-timeout' },
      { type: 'history', record: { type, process: this.process, f: 'append', value } },
      this.thinkThenAppend(),
    ];
  }

  private thinkThenAppend(): NodeEffect<AckLogMessage> {
    return { type: 'set-timer', name: 'append', delayMs: this.environment.random.int(0, 20) };
  }
}

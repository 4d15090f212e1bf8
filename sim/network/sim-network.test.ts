import { describe, expect, it } from 'vitest';
import type { Message, NodeId } from '../../impl/env/node-environment.ts';
import { EventQueue } from '../core/event-queue.ts';
import type { Scheduler, SimEvent } from '../core/sim-event.ts';
import { Trace } from '../core/trace.ts';
import { AleaRandomStream } from '../random/random-stream.ts';
import { DEFAULT_NETWORK_OPTIONS, SimNetwork, type NetworkOptions, type Reachability } from './sim-network.ts';

interface Numbered extends Message {
  readonly type: 'Numbered';
  readonly n: number;
}

/**
 * A bare harness: the network schedules onto a real event queue, and `run` delivers what arrives.
 * Deliveries and disconnect notices are collected as readable strings.
 */
class Harness implements Scheduler {
  readonly queue = new EventQueue<SimEvent>();
  now = 0;
  readonly received: string[] = [];
  readonly notices: string[] = [];
  readonly status = new Map<NodeId, Reachability>();
  readonly network: SimNetwork;

  constructor(options: Partial<NetworkOptions> = {}, seed = 1) {
    this.network = new SimNetwork({ ...DEFAULT_NETWORK_OPTIONS, ...options }, this, new AleaRandomStream(seed, 'network'), new Trace(undefined), {
      reachability: (node) => this.status.get(node) ?? 'running',
      incarnation: () => 1,
    });
  }

  nowMs(): number {
    return this.now;
  }

  schedule(atMs: number, event: SimEvent): void {
    this.queue.push(atMs, event);
  }

  send(from: NodeId, to: NodeId, n: number): void {
    this.network.send(from, to, { type: 'Numbered', n } as Numbered);
  }

  run(untilMs = Number.MAX_SAFE_INTEGER): void {
    while (this.queue.size > 0 && (this.queue.peekTime() ?? 0) <= untilMs) {
      const { timeMs, event } = this.queue.pop();
      this.now = timeMs;
      if (event.type === 'deliver') {
        if (this.network.arrive(event)) this.received.push(`${event.from}->${event.to} ${(event.message as Numbered).n}`);
      } else if (event.type === 'disconnect-notify') {
        this.notices.push(`${event.node} lost ${event.peer} at ${timeMs}`);
      }
    }
    if (untilMs !== Number.MAX_SAFE_INTEGER) this.now = untilMs;
  }
}

const wideLatency: Partial<NetworkOptions> = { latency: { type: 'uniform', minMs: 1, maxMs: 200 } };

describe('SimNetwork', () => {
  it('delivers FIFO per connection even when latencies would reorder', () => {
    const harness = new Harness(wideLatency);
    for (let n = 0; n < 200; n++) harness.send('a', 'b', n);
    harness.run();
    expect(harness.received).toEqual(Array.from({ length: 200 }, (_, n) => `a->b ${n}`));
  });

  it('datagram chaos reorders and duplicates', () => {
    const harness = new Harness({ ...wideLatency, datagramChaos: { duplicateProbability: 0.2 } });
    for (let n = 0; n < 200; n++) harness.send('a', 'b', n);
    harness.run();
    const numbers = harness.received.map((line) => Number(line.split(' ')[1]));
    expect(numbers.length).toBeGreaterThan(200);
    expect(numbers).not.toEqual([...numbers].sort((x, y) => x - y));
  });

  it('a break loses everything in flight in both directions and both ends see it at once', () => {
    const harness = new Harness(wideLatency);
    harness.send('a', 'b', 1);
    harness.send('b', 'a', 2);
    harness.network.breakConnection('a', 'b', 'reset');
    harness.run();
    expect(harness.received).toEqual([]);
    expect(harness.notices).toEqual(['a lost b at 0', 'b lost a at 0']);
    // A message sent after the break travels on a fresh connection.
    harness.send('a', 'b', 3);
    harness.run();
    expect(harness.received).toEqual(['a->b 3']);
  });

  it('a partition drops messages silently; the ends notice only after the detection delay', () => {
    const harness = new Harness({ silentFailureDetectMs: 1_500 });
    harness.network.addPartition(1, [['a', 'b'], ['b', 'a']]);
    harness.send('a', 'b', 1);
    harness.run();
    expect(harness.received).toEqual([]);
    expect(harness.notices).toEqual(['a lost b at 1500', 'b lost a at 1500']);
    harness.network.removePartition(1);
    harness.send('a', 'b', 2);
    harness.run();
    expect(harness.received).toEqual(['a->b 2']);
  });

  it('a one-way partition blocks one direction; a loss on it kills the TCP connection both ways', () => {
    const harness = new Harness({ silentFailureDetectMs: 2_000, latency: { type: 'uniform', minMs: 5, maxMs: 5 } });
    harness.network.addPartition(1, [['a', 'b']]);
    harness.send('b', 'a', 1);
    harness.send('a', 'c', 2);
    harness.run(100);
    expect(harness.received).toEqual(['b->a 1', 'a->c 2']);
    // TCP cannot run over a one-way link: once a's segment is lost the connection is dead, so
    // b's next message is lost too, until both ends notice and reconnect.
    harness.send('a', 'b', 3);
    harness.send('b', 'a', 4);
    harness.run(1_000);
    expect(harness.received).toEqual(['b->a 1', 'a->c 2']);
    harness.run(2_200);
    harness.send('b', 'a', 5);
    harness.run();
    expect(harness.received).toEqual(['b->a 1', 'a->c 2', 'b->a 5']);
  });

  it('a partition that starts while a message is in flight drops it', () => {
    const harness = new Harness({ latency: { type: 'uniform', minMs: 100, maxMs: 100 } });
    harness.send('a', 'b', 1);
    harness.run(50);
    harness.network.addPartition(1, [['a', 'b']]);
    harness.run();
    expect(harness.received).toEqual([]);
  });

  it('a clogged link holds messages and delivers them in order when it clears', () => {
    const harness = new Harness(wideLatency);
    harness.network.addLinkFault('a', 'b', { faultId: 1, extraLatencyMs: 0, clogged: true });
    for (let n = 0; n < 5; n++) harness.send('a', 'b', n);
    harness.run(5_000);
    expect(harness.received).toEqual([]);
    harness.network.removeLinkFault('a', 'b', 1);
    harness.run();
    expect(harness.received).toEqual(['a->b 0', 'a->b 1', 'a->b 2', 'a->b 3', 'a->b 4']);
  });

  it('messages still in flight when a clog clears never overtake the ones it held', () => {
    // Found by seed 128 of the default sweep: a message sent during a clog, arriving just after it
    // cleared, overtook the messages the clog had held, and a server logged a client's values out
    // of order. Every message sent later must wait behind the held ones.
    const harness = new Harness({ latency: { type: 'uniform', minMs: 1, maxMs: 1 } });
    harness.network.addLinkFault('a', 'b', { faultId: 1, extraLatencyMs: 0, clogged: true });
    harness.send('a', 'b', 0);
    harness.run(50);
    harness.network.addLinkFault('a', 'b', { faultId: 2, extraLatencyMs: 100, clogged: false });
    harness.send('a', 'b', 1);
    harness.network.removeLinkFault('a', 'b', 2);
    harness.run(60);
    harness.network.removeLinkFault('a', 'b', 1);
    harness.send('a', 'b', 2);
    harness.run();
    expect(harness.received).toEqual(['a->b 0', 'a->b 1', 'a->b 2']);
  });

  it('a message arriving while a release is still in flight waits behind it', () => {
    const harness = new Harness({ latency: { type: 'uniform', minMs: 1, maxMs: 1 } });
    harness.network.addLinkFault('a', 'b', { faultId: 1, extraLatencyMs: 0, clogged: true });
    for (let n = 0; n < 3; n++) harness.send('a', 'b', n);
    harness.run(10);
    // Sent before the release, due at the very moment of it: it must still come after 0, 1, 2.
    harness.now = 9;
    harness.send('a', 'b', 3);
    harness.now = 10;
    harness.network.removeLinkFault('a', 'b', 1);
    harness.run();
    expect(harness.received).toEqual(['a->b 0', 'a->b 1', 'a->b 2', 'a->b 3']);
  });

  it('extra latency on a link delays delivery by at least that much', () => {
    const harness = new Harness({ latency: { type: 'uniform', minMs: 1, maxMs: 1 } });
    harness.network.addLinkFault('a', 'b', { faultId: 1, extraLatencyMs: 700, clogged: false });
    harness.send('a', 'b', 1);
    harness.run(700);
    expect(harness.received).toEqual([]);
    harness.run();
    expect(harness.received).toEqual(['a->b 1']);
  });

  it('a down process refuses at once; a host without power is noticed only after the timeout', () => {
    const harness = new Harness({ silentFailureDetectMs: 2_000 });
    harness.status.set('b', 'process-down');
    harness.status.set('c', 'host-down');
    harness.send('a', 'b', 1);
    harness.send('a', 'c', 2);
    harness.run();
    expect(harness.received).toEqual([]);
    expect(harness.notices).toEqual(['a lost b at 0', 'b lost a at 0', 'a lost c at 2000', 'c lost a at 2000']);
  });

  it('healAll repairs partitions and releases clogs', () => {
    const harness = new Harness();
    harness.network.addPartition(1, [['a', 'b']]);
    harness.network.addLinkFault('b', 'a', { faultId: 2, extraLatencyMs: 0, clogged: true });
    harness.send('b', 'a', 1);
    harness.network.healAll();
    harness.run();
    expect(harness.received).toEqual(['b->a 1']);
    expect(harness.network.isBlocked('a', 'b')).toBe(false);
  });
});

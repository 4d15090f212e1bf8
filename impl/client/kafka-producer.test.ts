// The producer's sender is event-driven (Kafka's `Sender` sleeping in `client.poll(pollTimeout)`
// until `wakeup()`): these tests drive one KafkaProducer by hand, with a timer table that behaves
// as the simulator's (a set-timer of the same name replaces, cancel-timer deletes), and check that
// the one `sender` timer is armed for exactly the earliest linger.ms, retry backoff or metadata
// refresh backoff, that inputs (an append, a response) run the sender at once, and that no timer
// is armed while nothing waits on time.
import { describe, expect, it } from 'vitest';
import { SimDisk } from '../../sim/disk/sim-disk.ts';
import { AleaRandomStream } from '../../sim/random/random-stream.ts';
import { assert } from '../common/assert.ts';
import { ConfigView } from '../config/config-view.ts';
import type { NodeEnvironment, NodeInput } from '../env/node-environment.ts';
import type { KafkaError } from '../protocol/errors.ts';
import type { KafkaMessage, ProduceRequest } from '../protocol/messages.ts';
import { KafkaProducer } from './kafka-producer.ts';

const TOPIC = 't';

class ProducerHarness {
  nowMs = 0;
  /** Timer name -> when it fires, as the simulator keeps them. */
  readonly timers = new Map<string, number>();
  readonly sent: { readonly to: string; readonly message: KafkaMessage }[] = [];
  readonly producer: KafkaProducer;

  constructor(overrides: Record<string, string>) {
    const clock = { nowMs: () => this.nowMs };
    const random = new AleaRandomStream(1, 'producer');
    const environment: NodeEnvironment = { nodeId: 'producer-0', clock, random, disk: new SimDisk({ clock, random }) };
    const workload = { topic: TOPIC, keys: 1, minIntervalMs: 10, maxIntervalMs: 10, stopAtMs: 10_000, maxSends: 100 };
    this.producer = new KafkaProducer(environment, { name: 'producer-0', brokers: [0], config: new ConfigView(overrides), workload });
  }

  handle(input: NodeInput<KafkaMessage>): void {
    for (const effect of this.producer.handle(input)) {
      if (effect.type === 'set-timer') this.timers.set(effect.name, this.nowMs + effect.delayMs);
      else if (effect.type === 'cancel-timer') this.timers.delete(effect.name);
      else if (effect.type === 'send') this.sent.push({ to: effect.to, message: effect.message });
    }
  }

  /** Moves the clock to the timer's deadline and fires it. */
  fire(name: string): void {
    const atMs = this.timers.get(name);
    assert(atMs !== undefined && atMs >= this.nowMs, `no timer ${name} pending`);
    this.nowMs = atMs;
    this.timers.delete(name);
    this.handle({ type: 'timer', name });
  }

  /** The last request of this type sent, taken off the list of sent messages. */
  take<T extends KafkaMessage['type']>(type: T): Extract<KafkaMessage, { type: T }> {
    let index = this.sent.length - 1;
    while (index >= 0 && this.sent[index]?.message.type !== type) index--;
    assert(index >= 0, `no ${type} was sent`);
    const [sent] = this.sent.splice(index, 1);
    return sent?.message as Extract<KafkaMessage, { type: T }>;
  }

  count(type: KafkaMessage['type']): number {
    return this.sent.filter((sent) => sent.message.type === type).length;
  }

  answerMetadata(leader: number): void {
    const { correlationId } = this.take('MetadataRequest');
    const partition = { partition: 0, error: 'NONE' as const, leader, leaderEpoch: 0, replicas: [0], isr: [0] };
    this.handle({ type: 'receive', from: 'broker-0', message: { type: 'MetadataResponse', correlationId, brokers: [0], controllerId: 1, topics: [{ name: TOPIC, error: 'NONE', partitions: [partition] }] } });
  }

  answerInitProducerId(): void {
    const { correlationId } = this.take('InitProducerIdRequest');
    this.handle({ type: 'receive', from: 'broker-0', message: { type: 'InitProducerIdResponse', correlationId, error: 'NONE', producerId: 7, producerEpoch: 0 } });
  }

  answerProduce(request: ProduceRequest, error: KafkaError): void {
    const responses = request.partitions.map((partition) => ({ topic: TOPIC, partition: partition.partition, error, baseOffset: 0, logAppendTime: -1, logStartOffset: 0, errorMessage: '' }));
    this.handle({ type: 'receive', from: 'broker-0', message: { type: 'ProduceResponse', correlationId: request.correlationId, responses } });
  }

  /** A started producer with its metadata and producer id. */
  static ready(overrides: Record<string, string>): ProducerHarness {
    const harness = new ProducerHarness(overrides);
    harness.handle({ type: 'start' });
    harness.answerMetadata(0);
    harness.answerInitProducerId();
    return harness;
  }
}

describe('KafkaProducer sender wakeups', () => {
  it('arms no sender timer while nothing waits on time', () => {
    const harness = new ProducerHarness({ 'linger.ms': '20' });
    harness.handle({ type: 'start' });
    // Metadata and a producer id are asked for at once, on the start input itself.
    expect(harness.count('MetadataRequest')).toBe(1);
    expect(harness.count('InitProducerIdRequest')).toBe(1);
    expect(harness.timers.has('sender')).toBe(false);
    harness.answerMetadata(0);
    harness.answerInitProducerId();
    expect(harness.timers.has('sender')).toBe(false);
  });

  it('runs the sender on an append and sleeps until linger.ms runs out', () => {
    const harness = ProducerHarness.ready({ 'linger.ms': '20' });
    harness.fire('send');
    const appendedAtMs = harness.nowMs;
    expect(harness.timers.get('sender')).toBe(appendedAtMs + 20);
    // A second record in the same batch leaves the deadline at the first record's linger.ms.
    harness.fire('send');
    expect(harness.timers.get('sender')).toBe(appendedAtMs + 20);
    expect(harness.count('ProduceRequest')).toBe(0);
    harness.fire('sender');
    const request = harness.take('ProduceRequest');
    expect(request.partitions).toHaveLength(1);
    // In flight, the batch waits on its response, not on time.
    expect(harness.timers.has('sender')).toBe(false);
    harness.answerProduce(request, 'NONE');
    expect(harness.timers.has('sender')).toBe(false);
    expect(harness.count('ProduceRequest')).toBe(0);
  });

  it('sends a full batch on the append that fills it, without waiting for linger.ms', () => {
    const harness = ProducerHarness.ready({ 'linger.ms': '1000', 'batch.size': '1000' });
    harness.fire('send');
    expect(harness.count('ProduceRequest')).toBe(1);
    expect(harness.timers.has('sender')).toBe(false);
  });

  it('sleeps a retriable error out for retry.backoff.ms and resends when it has passed', () => {
    const harness = ProducerHarness.ready({ 'linger.ms': '0', 'retry.backoff.ms': '100' });
    harness.fire('send');
    const first = harness.take('ProduceRequest');
    harness.nowMs += 200;
    harness.answerProduce(first, 'NOT_LEADER_OR_FOLLOWER');
    // The error asks for metadata at once: the last answer, at 0 ms, is older than the backoff.
    expect(harness.count('MetadataRequest')).toBe(1);
    expect(harness.timers.get('sender')).toBe(harness.nowMs + 100);
    harness.answerMetadata(0);
    harness.fire('sender');
    const retry = harness.take('ProduceRequest');
    expect(retry.partitions.map((partition) => partition.partition)).toEqual([0]);
  });

  it('asks for the metadata of a leaderless partition once per retry.backoff.ms, not on every answer', () => {
    const harness = new ProducerHarness({ 'linger.ms': '0', 'retry.backoff.ms': '100' });
    harness.handle({ type: 'start' });
    harness.answerMetadata(-1);
    harness.answerInitProducerId();
    harness.fire('send');
    const sentAtMs = harness.nowMs;
    // The batch waits on a leader; the metadata answer before was too recent to ask again.
    expect(harness.count('MetadataRequest')).toBe(0);
    expect(harness.timers.get('sender')).toBe(100);
    harness.fire('sender');
    expect(harness.count('MetadataRequest')).toBe(1);
    harness.answerMetadata(-1);
    expect(harness.count('MetadataRequest')).toBe(0);
    expect(harness.timers.get('sender')).toBe(harness.nowMs + 100);
    harness.fire('sender');
    harness.answerMetadata(0);
    expect(harness.count('ProduceRequest')).toBe(1);
    expect(harness.nowMs).toBeGreaterThan(sentAtMs);
  });
});

describe('KafkaProducer InitProducerId', () => {
  it('asks again after request.timeout.ms when the request is lost without a disconnect', () => {
    const harness = new ProducerHarness({ 'request.timeout.ms': '3000', 'retry.backoff.ms': '100' });
    harness.handle({ type: 'start' });
    harness.answerMetadata(0);
    harness.take('InitProducerIdRequest'); // lost: no answer, no disconnect
    expect(harness.timers.get('init-producer-id-timeout')).toBe(3000);
    harness.fire('init-producer-id-timeout');
    expect(harness.count('InitProducerIdRequest')).toBe(0);
    expect(harness.timers.get('sender')).toBe(3100);
    harness.fire('sender');
    expect(harness.count('InitProducerIdRequest')).toBe(1);
  });
});

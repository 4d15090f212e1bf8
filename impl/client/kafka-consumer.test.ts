import { describe, expect, it } from 'vitest';
import { ConfigView } from '../config/config-view.ts';
import type { HistoryRecord, NodeDisk, NodeEffect, NodeEnvironment, NodeInput, RandomStream } from '../env/node-environment.ts';
import { buildRecordBatch, DEFAULT_BATCH_SPEC } from '../log/record-batch.ts';
import type { FetchPartitionResponse, FetchRequest, KafkaMessage, ListOffsetsRequest } from '../protocol/messages.ts';
import { KafkaConsumer } from './kafka-consumer.ts';
import { KAFKA_RULES } from '../variants/protocol-rules.ts';

// The consumer's fetcher, driven by hand: the test plays the brokers and the clock, answers the
// requests the consumer sends, and reads the effects (sends, timers, history) it returns. Four
// partitions: 0 and 2 led by broker 0, 1 and 3 by broker 1.

const UTF8 = new TextEncoder();

const RANDOM: RandomStream = {
  name: 'test',
  next: () => 0,
  int: (minInclusive) => minInclusive,
  chance: () => false,
  pick: (items) => items[0] as never,
  exponential: (mean) => mean,
};

class Harness {
  nowMs = 0;
  readonly consumer: KafkaConsumer;
  readonly timers = new Map<string, number>();
  readonly history: HistoryRecord[] = [];
  sent: { to: string; message: KafkaMessage }[] = [];

  constructor(returnsAtPosition = true) {
    const environment: NodeEnvironment = { nodeId: 'consumer-0', clock: { nowMs: () => this.nowMs }, random: RANDOM, disk: {} as NodeDisk };
    this.consumer = new KafkaConsumer(environment, {
      name: 'consumer-0',
      brokers: [0, 1],
      config: new ConfigView({}),
      topic: 't',
      autoOffsetReset: 'earliest',
      rules: { ...KAFKA_RULES, consumerReturnsRecordAtPosition: returnsAtPosition },
    });
  }

  input(input: NodeInput<KafkaMessage>): readonly NodeEffect<KafkaMessage>[] {
    const effects = this.consumer.handle(input);
    for (const effect of effects) {
      if (effect.type === 'set-timer') this.timers.set(effect.name, this.nowMs + effect.delayMs);
      else if (effect.type === 'cancel-timer') this.timers.delete(effect.name);
      else if (effect.type === 'history') this.history.push(effect.record);
      else if (effect.type === 'send') this.sent.push({ to: effect.to, message: effect.message });
    }
    return effects;
  }

  fire(name: string): void {
    const atMs = this.timers.get(name);
    expect(atMs, `timer ${name} is armed`).toBeDefined();
    this.nowMs = Math.max(this.nowMs, atMs as number);
    this.timers.delete(name);
    this.input({ type: 'timer', name });
  }

  /** Takes the requests sent so far. */
  take(): { to: string; message: KafkaMessage }[] {
    const sent = this.sent;
    this.sent = [];
    return sent;
  }

  reply(from: string, message: KafkaMessage): void {
    this.input({ type: 'receive', from, message });
  }

  /** Starts, answers the metadata and the resets (every partition at offset 0), opens a poll. */
  started(): void {
    this.input({ type: 'start' });
    this.fire('poll');
    const [metadata] = this.take();
    expect(metadata?.message.type).toBe('MetadataRequest');
    const partitions = [0, 1, 2, 3].map((partition) => ({ partition, error: 'NONE' as const, leader: partition % 2, leaderEpoch: 5, replicas: [0, 1], isr: [0, 1] }));
    this.reply('broker-0', { type: 'MetadataResponse', correlationId: correlationId(metadata?.message), brokers: [0, 1], controllerId: 2, topics: [{ name: 't', error: 'NONE', partitions }] });
    for (const { to, message } of this.take()) {
      expect(message.type).toBe('ListOffsetsRequest');
      const request = message as ListOffsetsRequest;
      this.reply(to, { type: 'ListOffsetsResponse', correlationId: request.correlationId, partitions: request.partitions.map((query) => ({ topic: 't', partition: query.partition, error: 'NONE', offset: 0, leaderEpoch: 5 })) });
    }
    this.fire('poll');
  }
}

function correlationId(message: KafkaMessage | undefined): number {
  return (message as { correlationId: number }).correlationId;
}

function batch(baseOffset: number, values: readonly string[], lastOffsetDelta?: number): Uint8Array {
  const records = values.map((value) => ({ timestamp: 0, key: null, value: UTF8.encode(value), headers: [] }));
  const layout = lastOffsetDelta === undefined ? undefined : { offsetDeltas: values.map((_, index) => index), lastOffsetDelta };
  return buildRecordBatch({ ...DEFAULT_BATCH_SPEC, baseOffset }, records, layout);
}

function answer(partition: number, highWatermark: number, records: readonly Uint8Array[] = []): FetchPartitionResponse {
  return { topic: 't', partition, error: 'NONE', highWatermark, logStartOffset: 0, records };
}

function fetches(sent: readonly { to: string; message: KafkaMessage }[]): { to: string; partitions: number[]; correlationId: number }[] {
  return sent.map(({ to, message }) => {
    expect(message.type).toBe('FetchRequest');
    const request = message as FetchRequest;
    return { to, partitions: request.partitions.map((fetch) => fetch.partition), correlationId: request.correlationId };
  });
}

describe('KafkaConsumer fetcher', () => {
  it('resets positions with one ListOffsets per leader', () => {
    const harness = new Harness();
    harness.input({ type: 'start' });
    harness.fire('poll');
    const [metadata] = harness.take();
    const partitions = [0, 1, 2, 3].map((partition) => ({ partition, error: 'NONE' as const, leader: partition % 2, leaderEpoch: 5, replicas: [0, 1], isr: [0, 1] }));
    harness.reply('broker-0', { type: 'MetadataResponse', correlationId: correlationId(metadata?.message), brokers: [0, 1], controllerId: 2, topics: [{ name: 't', error: 'NONE', partitions }] });
    const resets = harness.take().map(({ to, message }) => ({ to, partitions: (message as ListOffsetsRequest).partitions.map((query) => [query.partition, query.currentLeaderEpoch]) }));
    expect(resets).toEqual([{ to: 'broker-0', partitions: [[0, 5], [2, 5]] }, { to: 'broker-1', partitions: [[1, 5], [3, 5]] }]);
  });

  it('sends one fetch per leader, to every leader at once, each with every partition it leads', () => {
    const harness = new Harness();
    harness.started();
    const sent = fetches(harness.take());
    expect(sent.map(({ to, partitions }) => ({ to, partitions }))).toEqual([{ to: 'broker-0', partitions: [0, 2] }, { to: 'broker-1', partitions: [1, 3] }]);
    // Each request has its own timeout timer.
    for (const { correlationId } of sent) expect(harness.timers.has(`request-timeout:${correlationId}`)).toBe(true);
  });

  it('returns one leader\'s records with its high watermarks, and refetches only from a leader with no fetch pending', () => {
    const harness = new Harness();
    harness.started();
    const [toBroker0, toBroker1] = fetches(harness.take());
    const opened = harness.history.length;
    harness.reply('broker-0', { type: 'FetchResponse', correlationId: toBroker0?.correlationId as number, error: 'NONE', partitions: [answer(0, 2, [batch(0, ['a', 'b'])]), answer(2, 0)] });
    expect(harness.timers.has(`request-timeout:${toBroker0?.correlationId}`)).toBe(false);
    expect(harness.timers.has(`request-timeout:${toBroker1?.correlationId}`)).toBe(true);
    const ok = harness.history.at(-1);
    expect(harness.history.length).toBe(opened + 1);
    expect(ok?.type).toBe('ok');
    expect(ok?.value).toEqual({
      consumer: 'consumer-0',
      records: [{ topic: 't', partition: 0, offset: 0, key: null, value: 'a' }, { topic: 't', partition: 0, offset: 1, key: null, value: 'b' }],
      highWatermarks: [{ topic: 't', partition: 0, highWatermark: 2 }, { topic: 't', partition: 2, highWatermark: 0 }],
    });
    expect(harness.consumer.consumedUpTo(0)).toBe(2);
    // Broker 0 was sent its next fetch before the poll returned; broker 1's is still pending.
    const next = fetches(harness.take());
    expect(next.map(({ to, partitions }) => ({ to, partitions }))).toEqual([{ to: 'broker-0', partitions: [0, 2] }]);
    harness.fire('poll');
    expect(harness.take()).toEqual([]);
    expect(harness.history.at(-1)?.type).toBe('invoke');
  });

  it('drains answers that arrived between polls into one poll, each partition once', () => {
    const harness = new Harness();
    harness.started();
    const [toBroker0, toBroker1] = fetches(harness.take());
    harness.reply('broker-0', { type: 'FetchResponse', correlationId: toBroker0?.correlationId as number, error: 'NONE', partitions: [answer(0, 1, [batch(0, ['a'])]), answer(2, 0)] });
    // The poll returned; broker 1 answers before the next one starts.
    harness.reply('broker-1', { type: 'FetchResponse', correlationId: toBroker1?.correlationId as number, error: 'NONE', partitions: [answer(1, 0), answer(3, 1, [batch(0, ['c'])])] });
    expect(harness.history.at(-1)?.type).toBe('ok');
    harness.fire('poll');
    const ok = harness.history.at(-1);
    expect(ok?.type).toBe('ok');
    expect((ok?.value as { records: unknown[] }).records).toEqual([{ topic: 't', partition: 3, offset: 0, key: null, value: 'c' }]);
  });

  it('a lost connection abandons only that broker\'s requests, and the poll ends info', () => {
    const harness = new Harness();
    harness.started();
    const [toBroker0, toBroker1] = fetches(harness.take());
    harness.input({ type: 'disconnected', peer: 'broker-1' });
    expect(harness.timers.has(`request-timeout:${toBroker1?.correlationId}`)).toBe(false);
    expect(harness.timers.has(`request-timeout:${toBroker0?.correlationId}`)).toBe(true);
    expect(harness.history.at(-1)).toMatchObject({ type: 'info', f: 'poll', value: { error: 'disconnected' } });
    // Broker 0's answer still counts.
    harness.fire('poll');
    harness.reply('broker-0', { type: 'FetchResponse', correlationId: toBroker0?.correlationId as number, error: 'NONE', partitions: [answer(0, 1, [batch(0, ['a'])]), answer(2, 0)] });
    expect(harness.history.at(-1)?.type).toBe('ok');
  });

  it('a request timeout abandons the requests on that broker\'s connection only', () => {
    const harness = new Harness();
    harness.started();
    const [toBroker0, toBroker1] = fetches(harness.take());
    harness.fire(`request-timeout:${toBroker1?.correlationId}`);
    expect(harness.timers.has(`request-timeout:${toBroker0?.correlationId}`)).toBe(true);
    expect(harness.history.at(-1)).toMatchObject({ type: 'info', f: 'poll', value: { error: 'REQUEST_TIMED_OUT' } });
  });

  it('fails a poll whose fetches answered errors only, and refreshes metadata', () => {
    const harness = new Harness();
    harness.started();
    const [toBroker0] = fetches(harness.take());
    const error = { ...answer(0, -1), error: 'NOT_LEADER_OR_FOLLOWER' as const };
    harness.reply('broker-0', { type: 'FetchResponse', correlationId: toBroker0?.correlationId as number, error: 'NONE', partitions: [error, answer(2, 0)] });
    expect(harness.history.at(-1)).toMatchObject({ type: 'fail', f: 'poll', value: { error: 'NOT_LEADER_OR_FOLLOWER' } });
    // The metadata answered just now: the refresh waits retry.backoff.ms.
    expect(harness.take().map(({ message }) => message.type)).not.toContain('MetadataRequest');
    harness.fire('poll');
    expect(harness.take().map(({ message }) => message.type)).toContain('MetadataRequest');
  });

  it('an empty answer keeps the poll open until its timeout, which returns no records', () => {
    const harness = new Harness();
    harness.started();
    const [toBroker0] = fetches(harness.take());
    const before = harness.history.length;
    harness.reply('broker-0', { type: 'FetchResponse', correlationId: toBroker0?.correlationId as number, error: 'NONE', partitions: [answer(0, 0), answer(2, 0)] });
    expect(harness.history.length).toBe(before);
    harness.fire('poll-timeout');
    expect(harness.history.at(-1)).toMatchObject({ type: 'ok', value: { records: [], highWatermarks: [] } });
  });

  it('a reset answer ends the open poll before it records the seek', () => {
    const harness = new Harness();
    harness.started();
    const [toBroker0] = fetches(harness.take());
    harness.reply('broker-0', { type: 'FetchResponse', correlationId: toBroker0?.correlationId as number, error: 'NONE', partitions: [{ ...answer(0, 5), error: 'OFFSET_OUT_OF_RANGE', logStartOffset: 3 }, answer(2, 0)] });
    expect(harness.history.at(-1)).toMatchObject({ type: 'fail', value: { error: 'OFFSET_OUT_OF_RANGE' } });
    expect(harness.consumer.consumedUpTo(0)).toBeUndefined();
    harness.fire('poll');
    const reset = harness.take().find(({ message }) => message.type === 'ListOffsetsRequest');
    expect((reset?.message as ListOffsetsRequest).partitions.map((query) => query.partition)).toEqual([0]);
    harness.reply('broker-0', { type: 'ListOffsetsResponse', correlationId: correlationId(reset?.message), partitions: [{ topic: 't', partition: 0, error: 'NONE', offset: 3, leaderEpoch: 5 }] });
    expect(harness.history.slice(-3).map((record) => `${record.type} ${record.f}`)).toEqual(['ok poll', 'invoke seek', 'ok seek']);
    expect(harness.consumer.consumedUpTo(0)).toBe(3);
  });

  it('moves past a batch whose last records compaction removed', () => {
    const harness = new Harness();
    harness.started();
    const [toBroker0] = fetches(harness.take());
    harness.reply('broker-0', { type: 'FetchResponse', correlationId: toBroker0?.correlationId as number, error: 'NONE', partitions: [answer(0, 10, [batch(0, ['a', 'b'], 4)]), answer(2, 0)] });
    expect(harness.consumer.consumedUpTo(0)).toBe(5);
  });

  it('under the consumer-skips-record-at-position rule, drops the record at the position', () => {
    const harness = new Harness(false);
    harness.started();
    const [toBroker0] = fetches(harness.take());
    harness.reply('broker-0', { type: 'FetchResponse', correlationId: toBroker0?.correlationId as number, error: 'NONE', partitions: [answer(0, 2, [batch(0, ['a', 'b'])]), answer(2, 0)] });
    expect((harness.history.at(-1)?.value as { records: { offset: number }[] }).records.map((record) => record.offset)).toEqual([1]);
  });
});

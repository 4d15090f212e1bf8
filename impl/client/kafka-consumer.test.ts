import { describe, expect, it } from 'vitest';
import { ConfigView } from '../config/config-view.ts';
import type { HistoryRecord, NodeDisk, NodeEffect, NodeEnvironment, NodeInput, RandomStream } from '../env/node-environment.ts';
import { buildRecordBatch, DEFAULT_BATCH_SPEC } from '../log/record-batch.ts';
import type { FetchPartitionResponse, FetchRequest, KafkaMessage, ListOffsetsRequest, MetadataRequest, OffsetsForLeaderEpochRequest } from '../protocol/messages.ts';
import { KAFKA_RULES } from '../variants/protocol-rules.ts';
import { KafkaConsumer } from './kafka-consumer.ts';

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

  constructor(returnsAtPosition = true, validatesPositions = true) {
    const environment: NodeEnvironment = { nodeId: 'consumer-0', clock: { nowMs: () => this.nowMs }, random: RANDOM, disk: {} as NodeDisk };
    this.consumer = new KafkaConsumer(environment, {
      name: 'consumer-0',
      brokers: [0, 1],
      config: new ConfigView({}),
      topic: 't',
      autoOffsetReset: 'earliest',
      rules: { ...KAFKA_RULES, consumerReturnsRecordAtPosition: returnsAtPosition, consumerValidatesPositions: validatesPositions },
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

function batch(baseOffset: number, values: readonly string[], lastOffsetDelta?: number, partitionLeaderEpoch = 0): Uint8Array {
  const records = values.map((value) => ({ timestamp: 0, key: null, value: UTF8.encode(value), headers: [] }));
  const layout = lastOffsetDelta === undefined ? undefined : { offsetDeltas: values.map((_, index) => index), lastOffsetDelta };
  return buildRecordBatch({ ...DEFAULT_BATCH_SPEC, baseOffset, partitionLeaderEpoch }, records, layout);
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
    harness.input({ type: 'disconnected', peer: 'broker-1', brokenAtMs: 0 });
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

describe('KafkaConsumer position validation (KIP-320)', () => {
  /**
   * Partition 0 read up to offset 5 from batches of leader epoch 5 on broker 0; then broker 0
   * answers NOT_LEADER_OR_FOLLOWER, and the metadata names broker 1 the leader in epoch 7.
   * Broker 1's first fetch is still pending. Returns the requests the consumer sent after that
   * metadata, and that fetch's correlation id.
   */
  function leaderMoved(harness: Harness): { to: string; message: KafkaMessage }[] {
    harness.started();
    const [toBroker0, toBroker1] = fetches(harness.take());
    pendingAtBroker1 = toBroker1?.correlationId as number;
    harness.reply('broker-0', { type: 'FetchResponse', correlationId: toBroker0?.correlationId as number, error: 'NONE', partitions: [answer(0, 5, [batch(0, ['a', 'b', 'c', 'd', 'e'], undefined, 5)]), answer(2, 0)] });
    expect(harness.consumer.consumedUpTo(0)).toBe(5);
    harness.fire('poll');
    const [again] = fetches(harness.take());
    harness.reply('broker-0', { type: 'FetchResponse', correlationId: again?.correlationId as number, error: 'NONE', partitions: [{ ...answer(0, -1), error: 'NOT_LEADER_OR_FOLLOWER' }, answer(2, 0)] });
    harness.fire('poll');
    const metadata = harness.take().find(({ message }) => message.type === 'MetadataRequest');
    const partitions = [0, 1, 2, 3].map((partition) => ({ partition, error: 'NONE' as const, leader: partition === 0 ? 1 : partition % 2, leaderEpoch: partition === 0 ? 7 : 5, replicas: [0, 1], isr: [0, 1] }));
    harness.reply('broker-1', { type: 'MetadataResponse', correlationId: correlationId(metadata?.message as MetadataRequest), brokers: [0, 1], controllerId: 2, topics: [{ name: 't', error: 'NONE', partitions }] });
    return harness.take();
  }

  let pendingAtBroker1 = 0;

  /** Broker 1 answers its pending fetch with nothing; the open poll sends the next one at once. */
  function broker1Answers(harness: Harness): void {
    harness.reply('broker-1', { type: 'FetchResponse', correlationId: pendingAtBroker1, error: 'NONE', partitions: [answer(1, 0), answer(3, 0)] });
  }

  function validation(sent: readonly { to: string; message: KafkaMessage }[]): { to: string; request: OffsetsForLeaderEpochRequest } | undefined {
    const found = sent.find(({ message }) => message.type === 'OffsetsForLeaderEpochRequest');
    return found === undefined ? undefined : { to: found.to, request: found.message as OffsetsForLeaderEpochRequest };
  }

  function fetchedFrom(sent: readonly { to: string; message: KafkaMessage }[], partition: number): number | undefined {
    for (const { message } of sent) {
      if (message.type !== 'FetchRequest') continue;
      const asked = message.partitions.find((fetch) => fetch.partition === partition);
      if (asked !== undefined) return asked.fetchOffset;
    }
    return undefined;
  }

  it('asks the new leader where the position\'s epoch ends, fetching nothing from it meanwhile', () => {
    const harness = new Harness();
    const sent = leaderMoved(harness);
    const asked = validation(sent);
    expect(asked?.to).toBe('broker-1');
    expect(asked?.request.partitions).toEqual([{ topic: 't', partition: 0, currentLeaderEpoch: 7, leaderEpoch: 5 }]);
    expect(fetchedFrom(sent, 0)).toBeUndefined();
  });

  it('moves back to the divergence point when the leader\'s log ends the epoch below the position, and records the seek', () => {
    const harness = new Harness();
    const asked = validation(leaderMoved(harness));
    const before = harness.history.length;
    harness.reply('broker-1', { type: 'OffsetsForLeaderEpochResponse', correlationId: asked?.request.correlationId as number, partitions: [{ topic: 't', partition: 0, error: 'NONE', leaderEpoch: 5, endOffset: 3 }] });
    const seek = harness.history.slice(before).filter((record) => record.f === 'seek');
    expect(seek.map((record) => [record.type, record.value])).toEqual([
      ['invoke', { consumer: 'consumer-0', topic: 't', partition: 0, offset: 3, truncated: true }],
      ['ok', { consumer: 'consumer-0', topic: 't', partition: 0, offset: 3, truncated: true }],
    ]);
    expect(harness.consumer.consumedUpTo(0)).toBe(3);
    broker1Answers(harness);
    harness.fire('poll');
    expect(fetchedFrom(harness.take(), 0)).toBe(3);
  });

  it('keeps the position when the epoch ends at or past it, and fetches from it', () => {
    const harness = new Harness();
    const asked = validation(leaderMoved(harness));
    const before = harness.history.length;
    harness.reply('broker-1', { type: 'OffsetsForLeaderEpochResponse', correlationId: asked?.request.correlationId as number, partitions: [{ topic: 't', partition: 0, error: 'NONE', leaderEpoch: 5, endOffset: 5 }] });
    expect(harness.history.slice(before).filter((record) => record.f === 'seek')).toEqual([]);
    expect(harness.consumer.consumedUpTo(0)).toBe(5);
    harness.take();
    broker1Answers(harness);
    expect(fetchedFrom(harness.take(), 0)).toBe(5);
  });

  it('asks again after retry.backoff.ms when the leader answers with an error', () => {
    const harness = new Harness();
    const asked = validation(leaderMoved(harness));
    harness.reply('broker-1', { type: 'OffsetsForLeaderEpochResponse', correlationId: asked?.request.correlationId as number, partitions: [{ topic: 't', partition: 0, error: 'FENCED_LEADER_EPOCH', leaderEpoch: -1, endOffset: -1 }] });
    expect(validation(harness.take())).toBeUndefined();
    harness.fire('backoff');
    expect(validation(harness.take())?.request.partitions.map((query) => query.partition)).toEqual([0]);
  });

  it('resets by auto.offset.reset when the leader no longer knows the epoch', () => {
    const harness = new Harness();
    const asked = validation(leaderMoved(harness));
    harness.reply('broker-1', { type: 'OffsetsForLeaderEpochResponse', correlationId: asked?.request.correlationId as number, partitions: [{ topic: 't', partition: 0, error: 'NONE', leaderEpoch: -1, endOffset: -1 }] });
    expect(harness.consumer.consumedUpTo(0)).toBeUndefined();
    expect(harness.take().some(({ message }) => message.type === 'ListOffsetsRequest')).toBe(true);
  });

  it('before KIP-320 (the variant) goes on fetching from its position at once', () => {
    const harness = new Harness(true, false);
    expect(validation(leaderMoved(harness))).toBeUndefined();
    broker1Answers(harness);
    expect(fetchedFrom(harness.take(), 0)).toBe(5);
  });
});

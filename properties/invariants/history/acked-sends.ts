import { assert } from '../../../impl/common/assert.ts';

/** A send the cluster acknowledged, with the partition and offset it was given. */
export interface Acked {
  readonly topic: string;
  readonly key: string | undefined;
  readonly producer: string;
  readonly seq: number;
  readonly value: string;
  readonly partition: number;
  readonly offset: number;
  /** When the acknowledgement came. */
  readonly atMs: number;
  /** The history index of the send's invoke. */
  readonly invokedAt: number;
}

/** What the checkers read of the acknowledged sends, in one order or the other. */
export interface AckedList extends Iterable<Acked> {
  readonly length: number;
  /** The first send in this order, if any. */
  first(): Acked | undefined;
  find(predicate: (ack: Acked) => boolean): Acked | undefined;
}

/** A history index larger than this means the workload is unbounded, a bug. */
const MAX_SENDS = 1_000_000;
/** Columns of an int chunk: topic, key (-1: none), producer (names' indexes), seq, partition. */
const INTS = 5;
/** Columns of a float chunk: offset, atMs, invokedAt. */
const FLOATS = 3;
const NO_KEY = -1;
/** Sends per chunk of the columns. */
const CHUNK = 4096;

/**
 * The run's acknowledged sends, kept as columns: an index holds every one, and an object each
 * (with its own key string, its value and its boxed numbers) was 9.3 MB of the 96 MB left after a
 * full collection at the end of a 600 s run (issue 12's memory bar). Topics, keys and producers
 * are kept as indexes into a table of names; a value of the workload's form `<producer>:<seq>`
 * is not kept at all when it is the send's own (it is made again when read).
 *
 * Read back in the order the sends were acknowledged, or, after {@link AckedSends.inInvokeOrder},
 * in the order they were sent.
 */
export class AckedSends implements AckedList {
  private readonly names: string[] = [];
  private readonly nameIndex = new Map<string, number>();
  /** Fixed-size chunks, not one array doubled: doubling left up to half of it empty (2.6 MB a run). */
  private readonly intChunks: Int32Array[] = [];
  private readonly floatChunks: Float64Array[] = [];
  /** Sends whose value is not `<producer>:<seq>` of their own producer and seq, by position. */
  private readonly unusualValues = new Map<number, string>();
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(ack: Acked): void {
    assert(this.count < MAX_SENDS, `a history index exceeded ${MAX_SENDS} acknowledged sends`);
    assert(Number.isInteger(ack.seq) && ack.seq >= 0 && ack.seq < 2 ** 31, `seq ${ack.seq} is a send's number`);
    assert(Number.isInteger(ack.partition) && ack.partition >= 0 && ack.partition < 2 ** 31, `partition ${ack.partition} is a partition number`);
    if (this.count % CHUNK === 0) {
      this.intChunks.push(new Int32Array(INTS * CHUNK));
      this.floatChunks.push(new Float64Array(FLOATS * CHUNK));
    }
    const intChunk = this.intChunks[this.intChunks.length - 1] as Int32Array;
    const ints = (this.count % CHUNK) * INTS;
    intChunk[ints] = this.nameOf(ack.topic);
    intChunk[ints + 1] = ack.key === undefined ? NO_KEY : this.nameOf(ack.key);
    intChunk[ints + 2] = this.nameOf(ack.producer);
    intChunk[ints + 3] = ack.seq;
    intChunk[ints + 4] = ack.partition;
    const floatChunk = this.floatChunks[this.floatChunks.length - 1] as Float64Array;
    const floats = (this.count % CHUNK) * FLOATS;
    floatChunk[floats] = ack.offset;
    floatChunk[floats + 1] = ack.atMs;
    floatChunk[floats + 2] = ack.invokedAt;
    if (ack.value !== `${ack.producer}:${ack.seq}`) this.unusualValues.set(this.count, ack.value);
    this.count++;
  }

  /** The `position`-th send acknowledged. */
  at(position: number): Acked {
    assert(Number.isInteger(position) && position >= 0 && position < this.count, `no acknowledged send ${position} of ${this.count}`);
    const intChunk = this.intChunks[Math.floor(position / CHUNK)] as Int32Array;
    const floatChunk = this.floatChunks[Math.floor(position / CHUNK)] as Float64Array;
    const ints = (position % CHUNK) * INTS;
    const floats = (position % CHUNK) * FLOATS;
    const key = intChunk[ints + 1] as number;
    const producer = this.names[intChunk[ints + 2] as number] as string;
    const seq = intChunk[ints + 3] as number;
    return {
      topic: this.names[intChunk[ints] as number] as string,
      key: key === NO_KEY ? undefined : this.names[key],
      producer,
      seq,
      value: this.unusualValues.get(position) ?? `${producer}:${seq}`,
      partition: intChunk[ints + 4] as number,
      offset: floatChunk[floats] as number,
      atMs: floatChunk[floats + 1] as number,
      invokedAt: floatChunk[floats + 2] as number,
    };
  }

  *[Symbol.iterator](): Iterator<Acked> {
    for (let position = 0; position < this.count; position++) yield this.at(position);
  }

  /** The first acknowledged send, if any. */
  first(): Acked | undefined {
    return this.count === 0 ? undefined : this.at(0);
  }

  find(predicate: (ack: Acked) => boolean): Acked | undefined {
    return findIn(this, predicate);
  }

  /** The sends in the order they were sent (invoked): a view over the same columns. */
  inInvokeOrder(): AckedList {
    const order = Array.from({ length: this.count }, (_, position) => position);
    const invokedAt = (position: number): number => (this.floatChunks[Math.floor(position / CHUNK)] as Float64Array)[(position % CHUNK) * FLOATS + 2] as number;
    order.sort((a, b) => invokedAt(a) - invokedAt(b) || a - b);
    const sends = this;
    const view: AckedList = {
      length: order.length,
      *[Symbol.iterator](): Iterator<Acked> {
        for (const position of order) yield sends.at(position);
      },
      first: (): Acked | undefined => (order.length === 0 ? undefined : sends.at(order[0] as number)),
      find: (predicate: (ack: Acked) => boolean): Acked | undefined => findIn(view, predicate),
    };
    return view;
  }

  private nameOf(name: string): number {
    let index = this.nameIndex.get(name);
    if (index === undefined) {
      index = this.names.length;
      this.names.push(name);
      this.nameIndex.set(name, index);
    }
    return index;
  }
}

function findIn(acks: Iterable<Acked>, predicate: (ack: Acked) => boolean): Acked | undefined {
  for (const ack of acks) if (predicate(ack)) return ack;
  return undefined;
}

import { assert } from '../../../impl/common/assert.ts';

/**
 * The workload's record values as numbers. Every value a producer of the workload writes is
 * `<producer>:<seq>` (impl/client/kafka-producer.ts), and the history indexes keep one for every
 * record written or read: as strings, one per read (each poll decodes its own copy), they were
 * 8.9 MB of the 96 MB left after a full collection at the end of a 600 s run (278,362 strings for
 * 71,930 acknowledged sends; issue 12's memory bar). A value of that form is kept as the number
 * `producer index * 2^32 + seq`, the index into the table of producers seen; any other value (a
 * bit flip no checksum covers can make one, beyond Kafka's promise) is kept as itself.
 */
export class ValueCodec {
  private readonly producers: string[] = [];

  /**
   * The value's code, or `undefined` if it is not of the form `<producer>:<seq>` with a canonical
   * seq. A new producer's name is added to the table: for values an index keeps.
   */
  encode(value: string): number | undefined {
    return this.code(value, true);
  }

  /**
   * The code `value` has if it was kept, or `undefined`: for lookups, which add no producer (a
   * value of a producer never kept cannot be in a table).
   */
  lookup(value: string): number | undefined {
    return this.code(value, false);
  }

  decode(code: number): string {
    assert(Number.isSafeInteger(code) && code >= 0, `${code} is not a value code`);
    const producer = this.producers[Math.floor(code / SEQ_LIMIT)];
    assert(producer !== undefined, `value code ${code} names no producer seen`);
    return `${producer}:${code % SEQ_LIMIT}`;
  }

  /** The seq of a code. */
  static seqOf(code: number): number {
    return code % SEQ_LIMIT;
  }

  /** The producer index of a code. */
  static producerOf(code: number): number {
    return Math.floor(code / SEQ_LIMIT);
  }

  private code(value: string, add: boolean): number | undefined {
    const colon = value.lastIndexOf(':');
    const digits = value.length - colon - 1;
    if (colon <= 0 || digits < 1 || digits > MAX_SEQ_DIGITS) return undefined;
    // A leading zero would decode to another string.
    if (digits > 1 && value.charCodeAt(colon + 1) === ZERO) return undefined;
    let seq = 0;
    for (let index = colon + 1; index < value.length; index++) {
      const digit = value.charCodeAt(index) - ZERO;
      if (digit < 0 || digit > 9) return undefined;
      seq = seq * 10 + digit;
    }
    assert(seq < SEQ_LIMIT, `seq ${seq} of ${value} fits ${MAX_SEQ_DIGITS} digits`);
    const producer = this.producerIndex(value, colon, add);
    return producer === undefined ? undefined : producer * SEQ_LIMIT + seq;
  }

  /**
   * A workload has a handful of producers, so a scan of their names beats hashing a slice of the
   * value on every read (no string is made unless the producer is new). Past `MAX_PRODUCERS`
   * names (bit flips in values can make new ones), values are kept as themselves.
   */
  private producerIndex(value: string, colon: number, add: boolean): number | undefined {
    for (let index = 0; index < this.producers.length; index++) {
      const producer = this.producers[index] as string;
      if (producer.length === colon && value.startsWith(producer)) return index;
    }
    if (!add || this.producers.length >= MAX_PRODUCERS) return undefined;
    this.producers.push(value.slice(0, colon));
    return this.producers.length - 1;
  }
}

const ZERO = 48;
/** Seqs below 10^9 < 2^32: the code stays a safe integer for up to 2^20 producers. */
const MAX_SEQ_DIGITS = 9;
const SEQ_LIMIT = 2 ** 32;
const MAX_PRODUCERS = 1024;
/** Seqs past this are kept in a `Map` by {@link ValueNumbers}: a flipped digit must not allocate gigabytes. */
const MAX_DENSE_SEQ = 2 ** 24;

/** Offsets per chunk of a {@link ValueTable}. */
const CHUNK = 1024;
/** In a chunk: no value at the offset. */
const ABSENT = -1;
/** In a chunk: a value not of the workload's form, kept in `unusual`. */
const UNUSUAL = -2;

/**
 * A map from a partition's offsets (whole numbers from 0) to values, in dense chunks of codes (8
 * bytes an offset, no string): what an index keeps for every record read. Offsets may come in any
 * order; iteration is in offset order.
 */
export class ValueTable {
  private readonly chunks = new Map<number, Float64Array>();
  private readonly unusual = new Map<number, string>();
  private count = 0;

  constructor(private readonly codec: ValueCodec) {}

  get size(): number {
    return this.count;
  }

  get(offset: number): string | undefined {
    const code = this.codeAt(offset);
    if (code === ABSENT) return undefined;
    return code === UNUSUAL ? this.unusual.get(offset) : this.codec.decode(code);
  }

  /** Whether the offset holds `value`; `undefined` if it holds none. Makes no string. */
  holds(offset: number, value: string): boolean | undefined {
    const code = this.codeAt(offset);
    if (code === ABSENT) return undefined;
    if (code === UNUSUAL) return this.unusual.get(offset) === value;
    return this.codec.lookup(value) === code;
  }

  set(offset: number, value: string): void {
    assert(Number.isSafeInteger(offset) && offset >= 0, `offset ${offset} is not a log offset`);
    const key = Math.floor(offset / CHUNK);
    let chunk = this.chunks.get(key);
    if (chunk === undefined) {
      chunk = new Float64Array(CHUNK).fill(ABSENT);
      this.chunks.set(key, chunk);
    }
    const slot = offset % CHUNK;
    if (chunk[slot] === ABSENT) this.count++;
    const code = this.codec.encode(value);
    if (code === undefined) {
      chunk[slot] = UNUSUAL;
      this.unusual.set(offset, value);
    } else {
      chunk[slot] = code;
      this.unusual.delete(offset);
    }
  }

  /** The offsets that hold a value, ascending. */
  offsets(): number[] {
    const offsets: number[] = [];
    for (const key of [...this.chunks.keys()].sort((a, b) => a - b)) {
      const chunk = this.chunks.get(key) as Float64Array;
      for (let slot = 0; slot < CHUNK; slot++) if (chunk[slot] !== ABSENT) offsets.push(key * CHUNK + slot);
    }
    return offsets;
  }

  private codeAt(offset: number): number {
    return this.chunks.get(Math.floor(offset / CHUNK))?.[offset % CHUNK] ?? ABSENT;
  }
}

/**
 * A map from values to numbers (where each value was first read), dense per producer and seq: the
 * workload's values are numbered without gaps per producer, so a value costs 8 bytes, not a hash
 * table entry and a boxed number. Other values are kept in a `Map`.
 */
export class ValueNumbers {
  private readonly byProducer: Float64Array[] = [];
  private readonly unusual = new Map<string, number>();

  constructor(private readonly codec: ValueCodec) {}

  get(value: string): number | undefined {
    const code = this.codec.lookup(value);
    if (code === undefined || ValueCodec.seqOf(code) >= MAX_DENSE_SEQ) return this.unusual.get(value);
    const stored = this.byProducer[ValueCodec.producerOf(code)]?.[ValueCodec.seqOf(code)];
    return stored === undefined || Number.isNaN(stored) ? undefined : stored;
  }

  set(value: string, number: number): void {
    assert(!Number.isNaN(number), 'a value number is a number');
    const code = this.codec.encode(value);
    if (code === undefined || ValueCodec.seqOf(code) >= MAX_DENSE_SEQ) {
      this.unusual.set(value, number);
      return;
    }
    const producer = ValueCodec.producerOf(code);
    const seq = ValueCodec.seqOf(code);
    let column = this.byProducer[producer];
    if (column === undefined || seq >= column.length) {
      const grown = new Float64Array(Math.max(64, (seq + 1) * 2)).fill(Number.NaN);
      if (column !== undefined) grown.set(column);
      while (this.byProducer.length < producer) this.byProducer.push(new Float64Array(0));
      this.byProducer[producer] = grown;
      column = grown;
    }
    column[seq] = number;
  }
}

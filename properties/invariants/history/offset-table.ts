import { assert } from '../../../impl/common/assert.ts';

/** Offsets per chunk: a chunk is one small dense array, so a table costs about a word per offset. */
const CHUNK = 1024;

/**
 * A map from a partition's offsets (whole numbers from 0) to values, stored in dense chunks: a
 * long run's history index holds one entry per record read, and a `Map` entry costs four to five
 * times a slot of an array. Offsets may come in any order; iteration is in offset order.
 */
export class OffsetTable<T> {
  private readonly chunks = new Map<number, (T | undefined)[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(offset: number): T | undefined {
    return this.chunks.get(Math.floor(offset / CHUNK))?.[offset % CHUNK];
  }

  set(offset: number, value: T): void {
    assert(Number.isSafeInteger(offset) && offset >= 0, `offset ${offset} is not a log offset`);
    assert(value !== undefined, 'an offset table holds no undefined values');
    const key = Math.floor(offset / CHUNK);
    let chunk = this.chunks.get(key);
    if (chunk === undefined) {
      chunk = new Array<T | undefined>(CHUNK).fill(undefined);
      this.chunks.set(key, chunk);
    }
    if (chunk[offset % CHUNK] === undefined) this.count++;
    chunk[offset % CHUNK] = value;
  }

  /** The offsets that hold a value, ascending. */
  offsets(): number[] {
    const offsets: number[] = [];
    for (const key of [...this.chunks.keys()].sort((a, b) => a - b)) {
      const chunk = this.chunks.get(key) as (T | undefined)[];
      for (let index = 0; index < CHUNK; index++) if (chunk[index] !== undefined) offsets.push(key * CHUNK + index);
    }
    return offsets;
  }
}

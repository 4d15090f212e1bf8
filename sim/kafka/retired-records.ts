import { assert } from '../../impl/common/assert.ts';
import { ValueCodec } from '../../properties/invariants/history/record-values.ts';

/** Offsets per chunk. */
const CHUNK = 1024;
/** In a chunk's codes: no record retired at the offset. */
const ABSENT = -1;

interface Chunk {
  /** Per offset, the retired value's code (`ValueCodec`), or ABSENT. */
  readonly codes: Float64Array;
  /** Per offset, the retired record's deletions: (broker, when) pairs. */
  readonly deletions: (readonly number[] | undefined)[];
}

/**
 * One partition's retired records (`ReplicaLogs.retired`): records every copy of which retention
 * deleted, each kept as its deletions alone, looked up by offset and value. A long run retires a
 * record per write, so they are kept in dense chunks by offset with the value as a number (16
 * bytes a record), not a map entry keyed by an `offset:value` string each (5.5 MB of the 80 MB
 * left after a full collection at the end of a 600 s run; issue 12's memory bar). A second value
 * retired at one offset (divergent logs, rare), or a value not of the workload's form, is kept in
 * a map by `offset:value`.
 */
export class RetiredRecords {
  private readonly chunks = new Map<number, Chunk>();
  private readonly others = new Map<string, readonly number[]>();

  constructor(private readonly codec: ValueCodec) {}

  get(offset: number, value: string): readonly number[] | undefined {
    const chunk = this.chunks.get(Math.floor(offset / CHUNK));
    const slot = offset % CHUNK;
    const code = chunk?.codes[slot] ?? ABSENT;
    if (code >= 0 && code === this.codec.lookup(value)) return chunk?.deletions[slot];
    return this.others.get(`${offset}:${value}`);
  }

  set(offset: number, value: string, deletions: readonly number[]): void {
    assert(Number.isSafeInteger(offset) && offset >= 0, `offset ${offset} is not a log offset`);
    const key = Math.floor(offset / CHUNK);
    let chunk = this.chunks.get(key);
    if (chunk === undefined) {
      chunk = { codes: new Float64Array(CHUNK).fill(ABSENT), deletions: new Array<readonly number[] | undefined>(CHUNK).fill(undefined) };
      this.chunks.set(key, chunk);
    }
    const slot = offset % CHUNK;
    const code = this.codec.encode(value);
    const current = chunk.codes[slot] as number;
    if (code !== undefined && (current === ABSENT || current === code)) {
      chunk.codes[slot] = code;
      chunk.deletions[slot] = deletions;
      return;
    }
    this.others.set(`${offset}:${value}`, deletions);
  }

  delete(offset: number, value: string): void {
    const chunk = this.chunks.get(Math.floor(offset / CHUNK));
    const slot = offset % CHUNK;
    const code = chunk?.codes[slot] ?? ABSENT;
    if (chunk !== undefined && code !== ABSENT && code === this.codec.lookup(value)) {
      chunk.codes[slot] = ABSENT;
      chunk.deletions[slot] = undefined;
      return;
    }
    this.others.delete(`${offset}:${value}`);
  }
}

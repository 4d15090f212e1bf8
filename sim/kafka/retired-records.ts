import { assert } from '../../impl/common/assert.ts';
import { ValueCodec } from '../../properties/invariants/history/record-values.ts';
import { type CopyEnding, Holders, type MutableCopies } from './record-copies.ts';

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
 * One partition's retired records (`RetiredLedger`): records every copy of which retention
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

/**
 * The copy ledger's retired records (`ReplicaLogs.retired`), every partition's: partition ->
 * `offset:value` -> (broker, when) of each deletion: records every copy of which retention
 * deleted, and nothing else ended. Their fate is sealed (no replica holds one to serve it again),
 * so they are kept as these pairs alone; a long run with retention writes far more records than
 * its logs hold, and a full ledger entry each took a third of a 600-second run's heap. `get`
 * gives them back whole.
 */
export class RetiredLedger {
  private readonly retired = new Map<string, RetiredRecords>();
  /** Numbers the values of retired records. */
  private readonly retiredValues = new ValueCodec();
  /** Deletions shared by retired records, by their `broker@atMs,...` signature (see `retire`). */
  private readonly deletionSets = new Map<string, readonly number[]>();

  /** Keeps a record that retention deleted everywhere (`copies`, of `partition`) as its deletions alone. */
  retire(partition: string, copies: MutableCopies): void {
    let retired = this.retired.get(partition);
    if (retired === undefined) {
      retired = new RetiredRecords(this.retiredValues);
      this.retired.set(partition, retired);
    }
    // A long run retires a record per write, and the records of one deleted segment share their
    // deletions (each broker deleted the segment once): they share one array of them.
    let signature = '';
    for (const ending of copies.endings) signature += `${ending.brokerId}@${ending.atMs},`;
    let deletions = this.deletionSets.get(signature);
    if (deletions === undefined) {
      const fresh = new Array<number>(copies.endings.length * 2);
      for (let index = 0; index < copies.endings.length; index++) {
        const ending = copies.endings[index] as CopyEnding;
        fresh[2 * index] = ending.brokerId;
        fresh[2 * index + 1] = ending.atMs;
      }
      // A cache, not state: emptied when full, the next records get arrays of their own.
      if (this.deletionSets.size >= DELETION_SETS_KEPT) this.deletionSets.clear();
      this.deletionSets.set(signature, fresh);
      deletions = fresh;
    }
    retired.set(copies.offset, copies.value, deletions);
  }

  /** The ledger entry of `value` at `offset` of `partition`, whole again, if it was retired. */
  get(partition: string, offset: number, value: string): MutableCopies | undefined {
    const deletions = this.retired.get(partition)?.get(offset, value);
    return deletions === undefined ? undefined : unretire(partition, offset, value, deletions);
  }

  /** The same, no longer retired: a replica holds a copy of it again. */
  take(partition: string, offset: number, value: string): MutableCopies | undefined {
    const retired = this.retired.get(partition);
    const deletions = retired?.get(offset, value);
    if (deletions === undefined) return undefined;
    const copies = unretire(partition, offset, value, deletions);
    retired?.delete(offset, value);
    return copies;
  }
}

/** A retired record's ledger entry, whole again: no holders, and its deletions as endings. */
function unretire(partition: string, offset: number, value: string, deletions: readonly number[]): MutableCopies {
  const endings: CopyEnding[] = [];
  for (let index = 0; index < deletions.length; index += 2) endings.push({ how: 'deleted', brokerId: deletions[index] as number, atMs: deletions[index + 1] as number });
  return { partition, offset, value, holders: new Holders(), endings };
}

/** Distinct deletion sets `RetiredLedger.retire` shares before it starts afresh. */
const DELETION_SETS_KEPT = 10_000;

import { assert } from '../../../impl/common/assert.ts';

/** A batch as a replica's digest gives it: its offsets, epoch and CRC. */
export interface BatchIdentity {
  readonly baseOffset: number;
  readonly lastOffset: number;
  readonly epoch: number;
  readonly crc: number;
}

/** Broker ids below this are bits of a batch's mask: at most 2^30 - 1, a small integer. */
const MASK_IDS = 30;
/** Columns of a batch in `columns`: last offset, base offset, epoch, CRC, holders mask. */
const STRIDE = 5;
const MAX_BATCHES = 50_000_000;

/** A batch kept aside (out of order, or one of several ending at one offset) and its holders. */
interface AsideBatch extends BatchIdentity {
  mask: number;
}

/**
 * The batches of one partition that replicas have ever held, and which brokers held each, for
 * `HighWatermarkOnMinIsr`: it is kept for every batch of the run, so it is kept as columns of
 * numbers (40 bytes a batch), not an object and a map entry each (4.9 MB of the 80 MB left after
 * a full collection at the end of a 600 s run; issue 12's memory bar). A partition's logs grow at
 * their end, so batches come in ascending last offset, found again by binary search; a batch that
 * does not (a divergent log's, rare) is kept aside by its last offset. Holders with ids below 30
 * are bits of a mask; others, in a set by batch.
 */
export class HeldBatches {
  private columns = new Float64Array(STRIDE * 64);
  private count = 0;
  /** Last offset -> batches kept aside. */
  private readonly aside = new Map<number, AsideBatch[]>();
  /** Holders with ids of 30 and more, by the batch (its column index, or its aside object). */
  private readonly bigIds = new Map<number | AsideBatch, Set<number>>();

  /** Notes that `brokerId` holds `batch`. */
  hold(batch: BatchIdentity, brokerId: number): void {
    assert(Number.isInteger(brokerId) && brokerId >= 0, `broker id ${brokerId}`);
    const found = this.find(batch);
    if (found !== undefined) {
      this.addHolder(found, brokerId);
      return;
    }
    const last = this.count === 0 ? -1 : (this.columns[(this.count - 1) * STRIDE] as number);
    if (batch.lastOffset > last) {
      assert(this.count < MAX_BATCHES, `more than ${MAX_BATCHES} batches held`);
      if ((this.count + 1) * STRIDE > this.columns.length) {
        const grown = new Float64Array(Math.ceil(this.columns.length * 1.5 / STRIDE) * STRIDE);
        grown.set(this.columns);
        this.columns = grown;
      }
      const at = this.count * STRIDE;
      this.columns[at] = batch.lastOffset;
      this.columns[at + 1] = batch.baseOffset;
      this.columns[at + 2] = batch.epoch;
      this.columns[at + 3] = batch.crc;
      this.columns[at + 4] = 0;
      this.count++;
      this.addHolder(this.count - 1, brokerId);
      return;
    }
    const entry: AsideBatch = { baseOffset: batch.baseOffset, lastOffset: batch.lastOffset, epoch: batch.epoch, crc: batch.crc, mask: 0 };
    const list = this.aside.get(batch.lastOffset);
    if (list === undefined) this.aside.set(batch.lastOffset, [entry]);
    else list.push(entry);
    this.addHolder(entry, brokerId);
  }

  /** The brokers that have ever held `batch`, or `undefined` if none did. */
  holders(batch: BatchIdentity): Set<number> | undefined {
    const found = this.find(batch);
    if (found === undefined) return undefined;
    const mask = typeof found === 'number' ? (this.columns[found * STRIDE + 4] as number) : found.mask;
    const ids = new Set<number>();
    for (let id = 0; id < MASK_IDS; id++) if ((mask & (1 << id)) !== 0) ids.add(id);
    for (const id of this.bigIds.get(found) ?? []) ids.add(id);
    return ids;
  }

  /** The batch's column index, or its aside entry. */
  private find(batch: BatchIdentity): number | AsideBatch | undefined {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.columns[middle * STRIDE] as number) < batch.lastOffset) low = middle + 1;
      else high = middle;
    }
    if (low < this.count && this.columns[low * STRIDE] === batch.lastOffset) {
      const at = low * STRIDE;
      if (this.columns[at + 1] === batch.baseOffset && this.columns[at + 2] === batch.epoch && this.columns[at + 3] === batch.crc) return low;
    }
    return this.aside.get(batch.lastOffset)?.find((known) => known.baseOffset === batch.baseOffset && known.epoch === batch.epoch && known.crc === batch.crc);
  }

  private addHolder(batch: number | AsideBatch, brokerId: number): void {
    if (brokerId >= MASK_IDS) {
      let ids = this.bigIds.get(batch);
      if (ids === undefined) {
        ids = new Set();
        this.bigIds.set(batch, ids);
      }
      ids.add(brokerId);
    } else if (typeof batch === 'number') {
      const at = batch * STRIDE + 4;
      this.columns[at] = (this.columns[at] as number) | (1 << brokerId);
    } else {
      batch.mask |= 1 << brokerId;
    }
  }
}

import { assert, assertIntegerInRange } from '../common/assert.ts';
import { crc32c } from '../common/crc32c.ts';
import type { NodeDisk } from '../env/node-environment.ts';

/**
 * Metadata snapshots on disk (KIP-630), after Kafka's `Snapshots`, `FileRawSnapshotWriter` and
 * `FileRawSnapshotReader`. A snapshot is named by its id, the (end offset, epoch) of the last
 * record it contains plus one: `00000000000000000123-0000000002.checkpoint` in the metadata log
 * directory. It is written to `<id>.checkpoint.part`, fsynced, and renamed, so a crash or power
 * loss leaves either no snapshot or a whole one (`freeze`); leftover `.part` files are deleted
 * when the log is opened, as Kafka's `KafkaMetadataLog.recoverSnapshots` does.
 *
 * Kafka's snapshot is a sequence of record batches framed by SnapshotHeader and SnapshotFooter
 * control records; refka's holds the application's bytes whole, behind an 8-byte header (the
 * CRC32C of the payload, then its length), which is what the reader checks.
 */

/** Kafka's `OffsetAndEpoch` as a snapshot id: `offset` is the snapshot's end offset (exclusive). */
export interface SnapshotId {
  readonly offset: number;
  readonly epoch: number;
}

export const SNAPSHOT_SUFFIX = '.checkpoint';
export const PARTIAL_SUFFIX = `${SNAPSHOT_SUFFIX}.part`;
const HEADER_BYTES = 8;
/** A bound on one snapshot: refka's state machines are small, and a chunked fetch must end. */
export const MAX_SNAPSHOT_BYTES = 64 << 20;

/** Kafka's `Snapshots.filenameFromSnapshotId`: the offset on 20 digits, the epoch on 10. */
export function snapshotFileName(id: SnapshotId): string {
  assertIntegerInRange(id.offset, 0, Number.MAX_SAFE_INTEGER, 'snapshot end offset');
  assertIntegerInRange(id.epoch, 0, 0x7fff_ffff, 'snapshot epoch');
  return `${String(id.offset).padStart(20, '0')}-${String(id.epoch).padStart(10, '0')}`;
}

export function snapshotPath(dir: string, id: SnapshotId): string {
  return `${dir}/${snapshotFileName(id)}${SNAPSHOT_SUFFIX}`;
}

export function partialSnapshotPath(dir: string, id: SnapshotId): string {
  return `${dir}/${snapshotFileName(id)}${PARTIAL_SUFFIX}`;
}

/** Kafka's `Snapshots.parse`: the id and kind of a snapshot file, or undefined for other files. */
export function parseSnapshotPath(dir: string, path: string): { id: SnapshotId; partial: boolean } | undefined {
  if (!path.startsWith(`${dir}/`)) return undefined;
  const name = path.slice(dir.length + 1);
  const partial = name.endsWith(PARTIAL_SUFFIX);
  if (!partial && !name.endsWith(SNAPSHOT_SUFFIX)) return undefined;
  const match = /^(\d{20})-(\d{10})\./.exec(name);
  if (match === null) return undefined;
  return { id: { offset: Number(match[1]), epoch: Number(match[2]) }, partial };
}

export function compareSnapshotIds(a: SnapshotId, b: SnapshotId): number {
  return a.offset !== b.offset ? a.offset - b.offset : a.epoch - b.epoch;
}

export function sameSnapshotId(a: SnapshotId | undefined, b: SnapshotId | undefined): boolean {
  return a !== undefined && b !== undefined && a.offset === b.offset && a.epoch === b.epoch;
}

/** The file image of a snapshot holding `payload`. */
export function encodeSnapshot(payload: Uint8Array): Uint8Array {
  assert(payload.length + HEADER_BYTES <= MAX_SNAPSHOT_BYTES, `a snapshot of ${payload.length} bytes exceeds ${MAX_SNAPSHOT_BYTES}`);
  const image = new Uint8Array(HEADER_BYTES + payload.length);
  const view = new DataView(image.buffer);
  view.setUint32(0, crc32c(payload));
  view.setUint32(4, payload.length);
  image.set(payload, HEADER_BYTES);
  return image;
}

/** The payload of a snapshot file image, or why it is not a whole, intact snapshot. */
export function decodeSnapshot(image: Uint8Array): { payload: Uint8Array } | { error: string } {
  if (image.length < HEADER_BYTES) return { error: `a snapshot of ${image.length} bytes has no header` };
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const length = view.getUint32(4);
  if (length !== image.length - HEADER_BYTES) return { error: `the snapshot header says ${length} bytes, the file holds ${image.length - HEADER_BYTES}` };
  const payload = image.subarray(HEADER_BYTES);
  if (crc32c(payload) !== view.getUint32(0)) return { error: 'the snapshot payload fails its CRC' };
  return { payload };
}

/**
 * Kafka's `FileRawSnapshotWriter`: appends to the `.part` file; `freeze` checks the image,
 * fsyncs and renames it to its final name. A writer that is dropped leaves a `.part` file, which
 * the next writer of the same id or the next open of the log removes.
 */
export class FileRawSnapshotWriter {
  private size = 0;
  private frozen = false;

  constructor(
    private readonly disk: NodeDisk,
    private readonly dir: string,
    readonly snapshotId: SnapshotId,
  ) {
    const partial = partialSnapshotPath(dir, snapshotId);
    if (disk.exists(partial)) disk.delete(partial);
  }

  sizeInBytes(): number {
    return this.size;
  }

  append(bytes: Uint8Array): void {
    assert(!this.frozen, 'append to a frozen snapshot');
    assert(this.size + bytes.length <= MAX_SNAPSHOT_BYTES, `a snapshot past ${MAX_SNAPSHOT_BYTES} bytes`);
    if (bytes.length === 0) return;
    this.disk.append(partialSnapshotPath(this.dir, this.snapshotId), bytes);
    this.size += bytes.length;
  }

  /** Makes the snapshot durable under its final name; asserts that the image is whole. */
  freeze(): void {
    assert(!this.frozen, 'a snapshot is frozen once');
    const partial = partialSnapshotPath(this.dir, this.snapshotId);
    const decoded = decodeSnapshot(this.disk.read(partial, 0, this.size));
    assert(!('error' in decoded), `snapshot ${snapshotFileName(this.snapshotId)}: ${'error' in decoded ? decoded.error : ''}`);
    this.disk.fsync(partial);
    this.disk.rename(partial, snapshotPath(this.dir, this.snapshotId));
    this.frozen = true;
  }
}

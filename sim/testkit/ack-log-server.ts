import { assert, assertNever } from '../../impl/common/assert.ts';
import { crc32c } from '../../impl/common/crc32c.ts';
import {
  DiskError,
  type NodeEffect,
  type NodeEnvironment,
  type NodeInput,
  type SimulatedNode,
} from '../../impl/env/node-environment.ts';
import type { AckLogMessage } from './ack-log-messages.ts';

export const WAL_PATH = 'wal.log';
/** Frame: length (4 bytes) | CRC-32C of length and payload (4 bytes) | payload (8-byte value). */
const HEADER_BYTES = 8;
const PAYLOAD_BYTES = 8;
const FRAME_BYTES = HEADER_BYTES + PAYLOAD_BYTES;

export interface AckLogServerOptions {
  /**
   * Fsync the log before acknowledging. Turning it off is the planted bug the self-test uses to
   * show that the durability checker has teeth: a power loss then loses acknowledged values.
   */
  readonly fsyncBeforeAck: boolean;
}

export function encodeFrame(value: number): Uint8Array {
  const frame = new Uint8Array(FRAME_BYTES);
  const view = new DataView(frame.buffer);
  view.setUint32(0, PAYLOAD_BYTES);
  view.setFloat64(HEADER_BYTES, value);
  view.setUint32(4, frameChecksum(frame));
  return frame;
}

/** The CRC covers the length field and the payload, so a torn length is caught too. */
function frameChecksum(frame: Uint8Array): number {
  const covered = new Uint8Array(4 + PAYLOAD_BYTES);
  covered.set(frame.subarray(0, 4), 0);
  covered.set(frame.subarray(HEADER_BYTES, FRAME_BYTES), 4);
  return crc32c(covered);
}

/** Decodes the frame at the start of `bytes`; undefined when it is incomplete or corrupt. */
export function decodeFrame(bytes: Uint8Array): number | undefined {
  if (bytes.length < FRAME_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, FRAME_BYTES);
  if (view.getUint32(0) !== PAYLOAD_BYTES) return undefined;
  if (frameChecksum(bytes) !== view.getUint32(4)) return undefined;
  return view.getFloat64(HEADER_BYTES);
}

/**
 * An ack-log server. On start it recovers its log from disk the way Kafka's `LogSegment.recover`
 * does: read every frame, check its CRC, and truncate at the first incomplete or corrupt one.
 */
export class AckLogServer implements SimulatedNode<AckLogMessage> {
  readonly kind = 'server';
  private readonly values: number[] = [];
  /** Bytes recovery cut off the log's tail at the last start. */
  private truncatedBytes = 0;

  constructor(
    private readonly environment: NodeEnvironment,
    private readonly options: AckLogServerOptions,
  ) {
    this.recover();
  }

  /** The values in the log, in log order. */
  get log(): readonly number[] {
    return this.values;
  }

  handle(input: NodeInput<AckLogMessage>): readonly NodeEffect<AckLogMessage>[] {
    switch (input.type) {
      case 'start':
        return this.truncatedBytes > 0 ? [{ type: 'mark', name: 'torn-tail-truncated' }] : [];
      case 'receive':
        return this.onMessage(input.from, input.message);
      case 'timer':
      case 'disconnected':
        return [];
      default:
        return assertNever(input, 'server input');
    }
  }

  private onMessage(from: string, message: AckLogMessage): NodeEffect<AckLogMessage>[] {
    switch (message.type) {
      case 'AppendRequest':
        return this.onAppend(from, message.requestId, message.value);
      case 'AppendResponse':
        assert(false, `server ${this.environment.nodeId} received an AppendResponse`);
        return [];
      default:
        return assertNever(message, 'server message');
    }
  }

  private onAppend(from: string, requestId: number, value: number): NodeEffect<AckLogMessage>[] {
    const disk = this.environment.disk;
    const sizeBefore = disk.exists(WAL_PATH) ? disk.size(WAL_PATH) : 0;
    assert(sizeBefore === this.values.length * FRAME_BYTES, 'log size and in-memory values disagree');
    try {
      disk.append(WAL_PATH, encodeFrame(value));
      if (this.options.fsyncBeforeAck) disk.fsync(WAL_PATH);
    } catch (error) {
      if (!(error instanceof DiskError)) throw error;
      // The append may have reached the page cache before the fsync failed: cut it off again so
      // that memory and disk agree, and tell the client its value was not stored.
      if (disk.exists(WAL_PATH) && disk.size(WAL_PATH) > sizeBefore) disk.truncate(WAL_PATH, sizeBefore);
      return [
        { type: 'send', to: from, message: { type: 'AppendResponse', requestId, error: 'KAFKA_STORAGE_ERROR' } },
        { type: 'mark', name: 'append-rejected-disk-full' },
      ];
    }
    this.values.push(value);
    return [{ type: 'send', to: from, message: { type: 'AppendResponse', requestId, error: 'NONE' } }];
  }

  private recover(): void {
    const disk = this.environment.disk;
    if (!disk.exists(WAL_PATH)) return;
    const size = disk.size(WAL_PATH);
    let position = 0;
    while (position + FRAME_BYTES <= size) {
      // A bit flipped on read is transient: read a frame that fails its CRC once more before
      // believing it is corrupt on disk.
      const value = decodeFrame(disk.read(WAL_PATH, position, FRAME_BYTES)) ?? decodeFrame(disk.read(WAL_PATH, position, FRAME_BYTES));
      if (value === undefined) break;
      this.values.push(value);
      position += FRAME_BYTES;
    }
    if (position < size) {
      this.truncatedBytes = size - position;
      disk.truncate(WAL_PATH, position);
      disk.fsync(WAL_PATH);
    }
    assert(disk.size(WAL_PATH) === this.values.length * FRAME_BYTES, 'recovered log size disagrees with its frames');
  }
}

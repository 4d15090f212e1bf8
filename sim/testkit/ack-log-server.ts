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
/**
 * Frame: length (4 bytes) | CRC-32C of length and payload (4 bytes) | payload: the 8-byte value
 * and filler to about 1 KiB, the record size of Kafka's own benchmarks. Frames of that size do
 * not tile 4 KiB pages, so a power loss can tear one across a page boundary.
 */
const HEADER_BYTES = 8;
const PAYLOAD_BYTES = 1_000;
const FRAME_BYTES = HEADER_BYTES + PAYLOAD_BYTES;

export interface AckLogServerOptions {
  /**
   * Fsync the log before acknowledging. Turning it off is the planted bug the self-test uses to
   * show that the durability checker has teeth: a power loss then loses acknowledged values.
   */
  readonly fsyncBeforeAck: boolean;
  /**
   * Group commit: appends wait up to this long for one shared fsync, as a log with `flush.ms`
   * does. The window between append and fsync is where power loss tears the tail.
   */
  readonly groupCommitMs: number;
}

/** Appends waiting for the next group fsync: a limit, so a stuck flush shows up as a crash. */
const PENDING_ACKS_MAX = 10_000;

export function encodeFrame(value: number): Uint8Array {
  const frame = new Uint8Array(FRAME_BYTES);
  const view = new DataView(frame.buffer);
  view.setUint32(0, PAYLOAD_BYTES);
  view.setFloat64(HEADER_BYTES, value);
  // Filler that depends on the value, so a frame stitched from two writes fails its CRC.
  frame.fill(value % 251, HEADER_BYTES + 8);
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
  /** Appended but not yet fsynced, so not yet acknowledged. */
  private pendingAcks: { readonly to: string; readonly requestId: number }[] = [];

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
        assert(input.name === 'group-commit', `unknown server timer ${input.name}`);
        return this.groupCommit();
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
    } catch (error) {
      if (!(error instanceof DiskError)) throw error;
      assert(disk.exists(WAL_PATH) ? disk.size(WAL_PATH) === sizeBefore : sizeBefore === 0, 'a failed append changed the log');
      return [
        { type: 'send', to: from, message: { type: 'AppendResponse', requestId, error: 'KAFKA_STORAGE_ERROR' } },
        { type: 'mark', name: 'append-rejected-disk-full' },
      ];
    }
    this.values.push(value);
    if (!this.options.fsyncBeforeAck) {
      return [{ type: 'send', to: from, message: { type: 'AppendResponse', requestId, error: 'NONE' } }];
    }
    assert(this.pendingAcks.length < PENDING_ACKS_MAX, 'too many appends waiting for a group commit');
    this.pendingAcks.push({ to: from, requestId });
    if (this.pendingAcks.length > 1) return [];
    return [{ type: 'set-timer', name: 'group-commit', delayMs: this.options.groupCommitMs }];
  }

  /** One fsync makes every pending append durable; only then are they acknowledged. */
  private groupCommit(): NodeEffect<AckLogMessage>[] {
    assert(this.pendingAcks.length > 0, 'group commit with nothing pending');
    this.environment.disk.fsync(WAL_PATH);
    const acks = this.pendingAcks;
    this.pendingAcks = [];
    return acks.map(({ to, requestId }) => ({
      type: 'send' as const,
      to,
      message: { type: 'AppendResponse' as const, requestId, error: 'NONE' as const },
    }));
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

import { assert, assertIntegerInRange } from '../common/assert.ts';
import { DiskError, type NodeDisk } from '../env/node-environment.ts';
import { METADATA_LOG_DIR } from './kafka-metadata-log.ts';
import { NO_LEADER_ID } from './raft-messages.ts';

/** Kafka's `FileQuorumStateStore.DEFAULT_FILE_NAME`, in the metadata log directory. */
export const QUORUM_STATE_PATH = `${METADATA_LOG_DIR}/quorum-state`;

/** Kafka's "no vote" on disk. */
export const NO_VOTED_ID = -1;

/**
 * Kafka's `ElectionState` as `FileQuorumStateStore` writes it: the epoch, the leader of the epoch
 * if known, and the candidate this replica voted for in the epoch if it did.
 */
export interface ElectionState {
  readonly epoch: number;
  readonly leaderId: number;
  readonly votedId: number;
}

export const INITIAL_ELECTION_STATE: ElectionState = { epoch: 0, leaderId: NO_LEADER_ID, votedId: NO_VOTED_ID };

/**
 * Kafka's `FileQuorumStateStore`: one small JSON file, replaced atomically. It is written to a
 * temporary file, fsynced, then renamed over the old one, so a crash or power loss leaves either
 * the old election state or the new one. Every write is durable when `writeElectionState`
 * returns, which is what lets a vote be granted only after it is remembered (KIP-595).
 */
export class FileQuorumStateStore {
  constructor(private readonly disk: NodeDisk) {}

  readElectionState(): ElectionState | undefined {
    return readElectionState(this.disk);
  }

  writeElectionState(state: ElectionState): void {
    assertIntegerInRange(state.epoch, 0, 0x7fff_ffff, 'epoch');
    assert(state.leaderId >= NO_LEADER_ID, `bad leader id ${state.leaderId}`);
    assert(state.votedId >= NO_VOTED_ID, `bad voted id ${state.votedId}`);
    const text = JSON.stringify({ leaderEpoch: state.epoch, leaderId: state.leaderId, votedId: state.votedId, data_version: 0 });
    const temporary = `${QUORUM_STATE_PATH}.tmp`;
    if (this.disk.exists(temporary)) this.disk.delete(temporary);
    this.disk.write(temporary, 0, new TextEncoder().encode(text));
    this.disk.fsync(temporary);
    this.disk.rename(temporary, QUORUM_STATE_PATH);
    const written = this.readElectionState();
    assert(written !== undefined && written.epoch === state.epoch, 'the quorum state reads back as written');
  }
}

/**
 * The election state on `disk`, or undefined when there is none. A malformed file is a fatal
 * error in Kafka too (`FileQuorumStateStore.readElectionState` throws): the atomic rename above
 * means only a disk fault can produce one. Checkers read the file through this function as well.
 */
export function readElectionState(disk: Pick<NodeDisk, 'exists' | 'read' | 'size'>): ElectionState | undefined {
  if (!disk.exists(QUORUM_STATE_PATH)) return undefined;
  const bytes = disk.read(QUORUM_STATE_PATH, 0, disk.size(QUORUM_STATE_PATH));
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    if (error instanceof DiskError) throw error;
    throw new DiskError('EIO', QUORUM_STATE_PATH, 'malformed quorum-state file');
  }
  const record = parsed as { leaderEpoch?: unknown; leaderId?: unknown; votedId?: unknown };
  const { leaderEpoch, leaderId, votedId } = record;
  if (typeof leaderEpoch !== 'number' || typeof leaderId !== 'number' || typeof votedId !== 'number') {
    throw new DiskError('EIO', QUORUM_STATE_PATH, 'quorum-state file lacks a field');
  }
  return { epoch: leaderEpoch, leaderId, votedId };
}

import { assert, assertIntegerInRange } from '../common/assert.ts';
import { majoritySize, MAX_VOTERS } from './raft-config.ts';

/**
 * Kafka's `ReplicaKey` (KIP-853): a replica's id and the directory id of the metadata log
 * directory it runs on (`directory.id` in that directory's `meta.properties`). A directory id is
 * drawn when the directory is formatted, so a replica whose disk was replaced and formatted again
 * has a new key under its old id. Undefined directory ids are KIP-595's static voters
 * (`controller.quorum.voters`, kraft.version 0), which name ids only.
 */
export interface ReplicaKey {
  readonly id: number;
  readonly directoryId: string | undefined;
}

export function replicaKeyString(key: ReplicaKey): string {
  return key.directoryId === undefined ? `${key.id}` : `${key.id}@${key.directoryId}`;
}

/**
 * Kafka's `VoterSet`: the voters of the metadata partition, by id, each with its directory id
 * (KIP-853). Ids are unique and kept in ascending order (every iteration over the set is in that
 * order). Immutable: `addVoter` and `removeVoter` return a new set.
 */
export class VoterSet {
  private readonly voters: readonly ReplicaKey[];

  constructor(voters: readonly ReplicaKey[]) {
    assert(voters.length <= MAX_VOTERS, `at most ${MAX_VOTERS} voters, got ${voters.length}`);
    const sorted = [...voters].sort((a, b) => a.id - b.id);
    for (const [index, voter] of sorted.entries()) {
      assertIntegerInRange(voter.id, 0, 0x7fff_ffff, 'voter id');
      assert(index === 0 || (sorted[index - 1] as ReplicaKey).id !== voter.id, `voter id ${voter.id} appears twice`);
    }
    this.voters = sorted;
  }

  /** KIP-595's static voter set (`controller.quorum.voters`): ids without directory ids. */
  static ofIds(ids: readonly number[]): VoterSet {
    return new VoterSet(ids.map((id) => ({ id, directoryId: undefined })));
  }

  get size(): number {
    return this.voters.length;
  }

  isEmpty(): boolean {
    return this.voters.length === 0;
  }

  /** The voters' ids, ascending. */
  voterIds(): number[] {
    return this.voters.map((voter) => voter.id);
  }

  voterKeys(): readonly ReplicaKey[] {
    return this.voters;
  }

  /** The voter with id `id`, if any. */
  voterKey(id: number): ReplicaKey | undefined {
    return this.voters.find((voter) => voter.id === id);
  }

  /**
   * Kafka's `VoterSet.isVoter`: a voter of this id whose directory id is the key's; a voter
   * recorded without a directory id (a static voter) matches any directory.
   */
  isVoter(key: ReplicaKey): boolean {
    const voter = this.voterKey(key.id);
    if (voter === undefined) return false;
    return voter.directoryId === undefined || voter.directoryId === key.directoryId;
  }

  /** Kafka's `isOnlyVoter`. */
  isOnlyVoter(key: ReplicaKey): boolean {
    return this.voters.length === 1 && this.isVoter(key);
  }

  majoritySize(): number {
    return majoritySize(this.voters.length);
  }

  /** Kafka's `addVoter`: undefined when the id is already a voter (DUPLICATE_VOTER). */
  addVoter(key: ReplicaKey): VoterSet | undefined {
    if (this.voterKey(key.id) !== undefined) return undefined;
    return new VoterSet([...this.voters, key]);
  }

  /** Kafka's `removeVoter`: undefined unless exactly this key is a voter (VOTER_NOT_FOUND). */
  removeVoter(key: ReplicaKey): VoterSet | undefined {
    const voter = this.voterKey(key.id);
    if (voter === undefined || voter.directoryId !== key.directoryId) return undefined;
    return new VoterSet(this.voters.filter((other) => other.id !== key.id));
  }

  equals(other: VoterSet): boolean {
    return this.voters.length === other.voters.length && this.voters.every((voter, index) => voter.id === other.voters[index]?.id && voter.directoryId === other.voters[index]?.directoryId);
  }

  toString(): string {
    return `{${this.voters.map(replicaKeyString).join(', ')}}`;
  }
}

const TEXT_ENCODER = new TextEncoder();
const TEXT_DECODER = new TextDecoder();

/**
 * Kafka's `VotersRecord` control record (KIP-853), as refka encodes it: JSON rather than Kafka's
 * binary schema, with Kafka's field names (`VoterId`, `VoterDirectoryId`), and without the
 * endpoints and kraft.version ranges refka's single-version simulated quorum does not use.
 */
export function encodeVotersRecord(voters: VoterSet): Uint8Array {
  assert(voters.voterKeys().every((voter) => voter.directoryId !== undefined), 'a VotersRecord names every voter\'s directory id');
  return TEXT_ENCODER.encode(JSON.stringify({ version: 0, voters: voters.voterKeys().map((voter) => ({ voterId: voter.id, voterDirectoryId: voter.directoryId })) }));
}

export function decodeVotersRecord(value: Uint8Array): VoterSet {
  const parsed: unknown = JSON.parse(TEXT_DECODER.decode(value));
  assert(typeof parsed === 'object' && parsed !== null && Array.isArray((parsed as { voters?: unknown }).voters), 'a VotersRecord lists its voters');
  const voters = (parsed as { voters: unknown[] }).voters.map((voter) => {
    const { voterId, voterDirectoryId } = voter as { voterId?: unknown; voterDirectoryId?: unknown };
    assert(typeof voterId === 'number' && typeof voterDirectoryId === 'string', 'a VotersRecord voter has an id and a directory id');
    return { id: voterId, directoryId: voterDirectoryId };
  });
  return new VoterSet(voters);
}

/** Kafka's `KRaftVersionRecord`: the finalized kraft.version, 1 once voters carry directory ids. */
export function encodeKRaftVersionRecord(kraftVersion: number): Uint8Array {
  return TEXT_ENCODER.encode(JSON.stringify({ version: 0, kRaftVersion: kraftVersion }));
}

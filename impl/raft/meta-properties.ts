import { assert, assertIntegerInRange } from '../common/assert.ts';
import { DiskError, type NodeDisk, type RandomStream } from '../env/node-environment.ts';
import { METADATA_LOG_DIR } from './kafka-metadata-log.ts';
import { decodeVotersRecord, encodeVotersRecord, VoterSet } from './voter-set.ts';

/**
 * A controller's metadata log directory as `kafka-storage format` leaves it (KIP-631, KIP-853):
 * `meta.properties` names the node and the directory's own id (`directory.id`, KIP-858), drawn at
 * random when the directory is formatted. Formatted with `--initial-controllers`, the directory
 * also holds the bootstrap voter set: every initial controller's id and directory id, which the
 * quorum starts from before its log holds a VotersRecord. Formatted with
 * `--no-initial-controllers` (a controller added later, or one whose disk was replaced) it holds
 * none: the controller learns the voters from the leader's log, as an observer.
 *
 * Kafka writes the bootstrap voters as control records of a bootstrap snapshot
 * (`00000000000000000000-0000000000.checkpoint`); refka keeps them in a file of their own, since
 * its snapshots (KIP-630) always hold at least one record (spec/kraft.md, departures). Both files
 * are written to a temporary name, fsynced and renamed, the bootstrap file first: a directory is
 * formatted once its `meta.properties` exists.
 */

/** Kafka's `MetaPropertiesEnsemble.META_PROPERTIES_NAME`, at the root of the metadata log directory. */
export const META_PROPERTIES_PATH = 'meta.properties';
export const BOOTSTRAP_VOTERS_PATH = `${METADATA_LOG_DIR}/bootstrap-voters.checkpoint`;

/** What `meta.properties` holds (Kafka's `MetaProperties`, version 1; refka has no cluster id). */
export interface MetaProperties {
  readonly nodeId: number;
  readonly directoryId: string;
}

const BASE64_URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Kafka's `Uuid.randomUuid().toString()`: 16 random bytes in URL-safe base64 without padding (22
 * characters), from the node's random stream. Like Kafka it draws again for an id whose text starts
 * with '-' (command-line tools would read it as an option).
 */
export function randomDirectoryId(random: RandomStream): string {
  for (let attempt = 0; attempt < 64; attempt++) {
    const bytes = Array.from({ length: 16 }, () => random.int(0, 255));
    let bits = 0;
    let value = 0;
    let text = '';
    for (const byte of bytes) {
      value = (value << 8) | byte;
      bits += 8;
      while (bits >= 6) {
        bits -= 6;
        text += BASE64_URL[(value >> bits) & 63];
      }
      value &= (1 << bits) - 1;
    }
    if (bits > 0) text += BASE64_URL[(value << (6 - bits)) & 63];
    assert(text.length === 22, 'a UUID is 22 base64 characters');
    if (!text.startsWith('-')) return text;
  }
  return assert(false, 'no directory id in 64 draws') as never;
}

/** The directory's `meta.properties`, or undefined when the directory is not formatted. */
export function readMetaProperties(disk: Pick<NodeDisk, 'exists' | 'read' | 'size'>): MetaProperties | undefined {
  if (!disk.exists(META_PROPERTIES_PATH)) return undefined;
  const text = new TextDecoder().decode(disk.read(META_PROPERTIES_PATH, 0, disk.size(META_PROPERTIES_PATH)));
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const equals = line.indexOf('=');
    if (equals > 0) values.set(line.slice(0, equals), line.slice(equals + 1));
  }
  const nodeId = Number(values.get('node.id'));
  const directoryId = values.get('directory.id');
  // Kafka refuses to start on a meta.properties it cannot read (`MetaPropertiesEnsemble.verify`).
  if (values.get('version') !== '1' || !Number.isSafeInteger(nodeId) || directoryId === undefined || directoryId.length !== 22) {
    throw new DiskError('EIO', META_PROPERTIES_PATH, 'malformed meta.properties');
  }
  return { nodeId, directoryId };
}

/** The bootstrap voter set of a directory formatted with `--initial-controllers`, if it has one. */
export function readBootstrapVoters(disk: Pick<NodeDisk, 'exists' | 'read' | 'size'>): VoterSet | undefined {
  if (!disk.exists(BOOTSTRAP_VOTERS_PATH)) return undefined;
  return decodeVotersRecord(disk.read(BOOTSTRAP_VOTERS_PATH, 0, disk.size(BOOTSTRAP_VOTERS_PATH)));
}

/**
 * `kafka-storage format`: writes `meta.properties` for `meta`, and with `initialControllers` (the
 * tool's `--initial-controllers`, which must name this node with this directory id) the bootstrap
 * voter set. The directory must not be formatted yet.
 */
export function formatMetadataDirectory(disk: NodeDisk, meta: MetaProperties, initialControllers?: VoterSet): void {
  assertIntegerInRange(meta.nodeId, 0, 0x7fff_ffff, 'node id');
  assert(!disk.exists(META_PROPERTIES_PATH), 'the metadata log directory is formatted already');
  if (initialControllers !== undefined) {
    assert(initialControllers.voterKey(meta.nodeId)?.directoryId === meta.directoryId, `--initial-controllers ${initialControllers.toString()} does not name node ${meta.nodeId} with directory ${meta.directoryId}`);
    writeAtomically(disk, BOOTSTRAP_VOTERS_PATH, encodeVotersRecord(initialControllers));
  }
  writeAtomically(disk, META_PROPERTIES_PATH, new TextEncoder().encode(`#\nversion=1\nnode.id=${meta.nodeId}\ndirectory.id=${meta.directoryId}\n`));
}

function writeAtomically(disk: NodeDisk, path: string, bytes: Uint8Array): void {
  const temporary = `${path}.tmp`;
  if (disk.exists(temporary)) disk.delete(temporary);
  disk.write(temporary, 0, bytes);
  disk.fsync(temporary);
  disk.rename(temporary, path);
}

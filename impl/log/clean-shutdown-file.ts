import type { NodeDisk } from '../env/node-environment.ts';

/** Kafka's `.kafka_cleanshutdown` marker (`CleanShutdownFileHandler.CLEAN_SHUTDOWN_FILE_NAME`). */
export const CLEAN_SHUTDOWN_FILENAME = '.kafka_cleanshutdown';
const CURRENT_VERSION = 0;

/**
 * Kafka's `CleanShutdownFileHandler`: a file in the log directory that says the broker shut down
 * cleanly (so the next start may skip log recovery), and since KIP-966 with which broker epoch, so
 * that the broker can prove the clean shutdown to the controller at registration
 * (`BrokerRegistrationRequest.PreviousBrokerEpoch`). Kafka writes it as JSON,
 * `{"version":0,"brokerEpoch":N}`, and fsyncs it; refka writes the same bytes.
 */
export function writeCleanShutdownFile(disk: NodeDisk, dir: string, brokerEpoch: number): void {
  const path = `${dir}/${CLEAN_SHUTDOWN_FILENAME}`;
  if (disk.exists(path)) disk.delete(path);
  disk.write(path, 0, new TextEncoder().encode(JSON.stringify({ version: CURRENT_VERSION, brokerEpoch })));
  disk.fsync(path);
}

/**
 * Reads and deletes the marker, as Kafka's `LogManager` does at startup: whether there was one, and
 * the broker epoch it names. A missing, unreadable or unknown-version file names no epoch (-1),
 * which the controller takes as an unclean shutdown: only proof counts as clean.
 */
export function readAndDeleteCleanShutdownFile(disk: NodeDisk, dir: string, deleteIt = true): { exists: boolean; brokerEpoch: number } {
  const path = `${dir}/${CLEAN_SHUTDOWN_FILENAME}`;
  if (!disk.exists(path)) return { exists: false, brokerEpoch: -1 };
  const bytes = disk.read(path, 0, disk.size(path));
  // `deleteIt` false is the clean-shutdown-marker-kept mutant only.
  if (deleteIt) disk.delete(path);
  let brokerEpoch = -1;
  try {
    const content = JSON.parse(new TextDecoder().decode(bytes)) as { version?: unknown; brokerEpoch?: unknown };
    if (content.version === CURRENT_VERSION && typeof content.brokerEpoch === 'number' && Number.isInteger(content.brokerEpoch)) brokerEpoch = content.brokerEpoch;
  } catch {
    // Not the JSON above (a torn write, or an older empty marker): the shutdown stays unproven.
  }
  return { exists: true, brokerEpoch };
}

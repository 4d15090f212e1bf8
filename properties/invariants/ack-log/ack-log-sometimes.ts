import { markInvariant } from '../../../sim/invariants/invariant.ts';
import type { AckLogView } from '../../../sim/testkit/ack-log-view.ts';

/**
 * Coverage marks of the self-test system: behaviours a sweep of seeds must reach at least once,
 * or the faults are not exercising what they are for.
 */
export const appendRejectedDiskFull = markInvariant<AckLogView>(
  'append-rejected-disk-full',
  'Kafka KAFKA_STORAGE_ERROR on an IOException while appending',
  'A server failed an append because its disk was full, said so to the client, and shut down as a Kafka broker whose only log directory failed.',
);

export const clientSawDisconnect = markInvariant<AckLogView>(
  'client-saw-disconnect',
  'Kafka NetworkClient: in-flight requests fail on disconnect',
  'A client had an append in flight when its connection broke.',
);

import { assert } from '../common/assert.ts';
import type { RandomStream } from '../env/node-environment.ts';

/** Kafka's `KafkaRaftClient.RETRY_BACKOFF_BASE_MS`, the unit of the election backoffs. */
export const RETRY_BACKOFF_BASE_MS = 100;

/** Retries beyond this add no more backoff slots (the cap is reached long before). */
const MAX_BACKOFF_EXPONENT = 16;

/**
 * Kafka's `binaryExponentialElectionBackoffMs`: after losing `retries` elections in a row, wait a
 * random number in [0, 2^retries) of base units, capped by `controller.quorum.election.backoff.max.ms`,
 * so that competing candidates spread out.
 */
export function binaryExponentialElectionBackoffMs(retries: number, electionBackoffMaxMs: number, random: RandomStream): number {
  assert(retries >= 1, `backoff after ${retries} retries`);
  const slots = 2 << (Math.min(retries, MAX_BACKOFF_EXPONENT) - 1);
  return Math.min(RETRY_BACKOFF_BASE_MS * random.int(0, slots - 1), electionBackoffMaxMs);
}

/**
 * Kafka's `strictExponentialElectionBackoffMs`, for EndQuorumEpoch: the first preferred successor
 * campaigns at once, the next ones after 100, 200, 400... ms, and voters not on the list after the
 * cap, so that the most caught-up voter wins the next election.
 */
export function strictExponentialElectionBackoffMs(position: number, successors: number, electionBackoffMaxMs: number): number {
  assert(position >= 0, `position ${position} in the successor list`);
  if (position === 0) return 0;
  if (position >= successors) return electionBackoffMaxMs;
  return Math.min(electionBackoffMaxMs, RETRY_BACKOFF_BASE_MS << Math.min(position - 1, MAX_BACKOFF_EXPONENT));
}

/**
 * The faults the scheduler (nemesis) can inject. The names are a command-line contract
 * (`--faults crash,partition`), so keep them.
 */
export const FAULT_KINDS = [
  /** `kill -9` of one node: memory is lost, the OS page cache survives. */
  'crash',
  /** One node loses power: every byte it had not fsynced is gone, the last write may be torn. */
  'power-loss',
  /** Every server node loses power at once (a data-centre outage). */
  'cluster-power-loss',
  /** Network partitions: isolate one node, split in halves, one-way, or a bridge. */
  'partition',
  /** One TCP connection resets: everything in flight on it is lost, both ends see a disconnect. */
  'connection-break',
  /** Extra latency on a link, or a link that holds every message until it unclogs. */
  'link-lag',
  /**
   * The channels between the metadata sources (Kafka's controllers, whichever is active) and one
   * other server are slow: metadata reaches the server late, and half the time its own requests
   * (heartbeats, AlterPartition) reach the controllers late too.
   */
  'slow-metadata',
  /** Bits flip on one node's disk, on read or on write. */
  'bitflip',
  /** One node's disk fills up: writes fail with ENOSPC. */
  'disk-full',
  /** A node restarts with an empty disk, as after a disk replacement. */
  'disk-loss',
  /** SIGTERM: the node shuts down cleanly (a Kafka broker first moves its leaderships away). */
  'controlled-shutdown',
  /**
   * What one server sends another is held for 2 to 30 s while the way back still works: a gray
   * failure. The receiver's requests keep arriving, the answers do not; for Kafka this is the
   * slow follower that `replica.lag.time.max.ms` exists for (its fetches reach the leader, it
   * never catches up). Added after the others, so it draws from a stream of its own
   * (`OWN_STREAM_KINDS`).
   */
  'link-stall',
  /**
   * `kill -9` of one client the system lets the nemesis fault (for Kafka, a consumer-group
   * member), restarted as a new process after 0.2 to 15 s: a member that leaves without a word and
   * comes back with a new member id, before or after its session times out. Own stream.
   */
  'client-crash',
  /**
   * SIGSTOP of one such client for 1 to 30 s, then SIGCONT (Jepsen's pause; a long GC pause):
   * nothing it receives or its timers bring is handled until it resumes, then all of it at once.
   * Past its session timeout it wakes up a zombie, believing it still owns what the group has
   * given to others. Own stream.
   */
  'client-pause',
  /**
   * The application of one such client is stuck for 5 to 30 s (a slow record handler) while the
   * client library's background work goes on: for a Kafka consumer, heartbeats continue but no
   * poll comes, so a stall past `max.poll.interval.ms` makes it leave its group. Own stream.
   */
  'client-stall',
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

export function isFaultKind(value: string): value is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(value);
}

/**
 * `none`, `swarm` (each seed picks its own mix), `swarm-beyond` (the same, without the fault
 * budget: data-destroying faults strike whatever the configuration promises, and bit flips land
 * where no checksum looks), or an explicit list of kinds (within the budget).
 */
export type FaultSelection =
  | { readonly type: 'none' }
  | { readonly type: 'swarm' }
  | { readonly type: 'swarm-beyond' }
  | { readonly type: 'kinds'; readonly kinds: readonly FaultKind[] };

/** Whether the selection keeps faults within what the system promises to survive. */
export function withinPromise(selection: FaultSelection): boolean {
  return selection.type !== 'swarm-beyond';
}

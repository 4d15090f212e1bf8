/**
 * The consumer-group workload of `--groups` (issue 13), beside the producers and the consumers
 * that read every partition: two groups subscribed to the workload topic, so that each group must
 * read every record and a partition is consumed by one member of a group at a time.
 *
 * - `g1`: 4 members on cooperative-sticky (incremental rebalancing, KIP-429), one more than the
 *   default 3 partitions, so one member sits idle.
 * - `g2`: 2 members on Kafka's default `partition.assignment.strategy`, range then
 *   cooperative-sticky: the vote picks range, and since range supports only eager rebalancing the
 *   members revoke everything before each rejoin.
 *
 * Timeouts are shorter than Kafka's defaults so that a lost member is noticed, and a rebalance
 * completes, well within a one-minute run: `session.timeout.ms` 10 s (Kafka: 45 s; the broker's
 * `group.min.session.timeout.ms` is 6 s), heartbeats every second, auto-commit every second
 * (Kafka: 5 s), and for g1 `max.poll.interval.ms` 20 s (Kafka: 5 min), which is also the join
 * phase's rebalance timeout.
 */
export const GROUP_WORKLOAD: readonly { readonly groupId: string; readonly members: number; readonly config: Readonly<Record<string, string>> }[] = [
  {
    groupId: 'g1',
    members: 4,
    config: { 'session.timeout.ms': '10000', 'heartbeat.interval.ms': '1000', 'max.poll.interval.ms': '20000', 'auto.commit.interval.ms': '1000', 'partition.assignment.strategy': 'cooperative-sticky' },
  },
  {
    groupId: 'g2',
    members: 2,
    config: { 'session.timeout.ms': '10000', 'heartbeat.interval.ms': '1000', 'auto.commit.interval.ms': '1000' },
  },
];

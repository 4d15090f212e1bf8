/**
 * When one group member runs, and as whom (issue 13: "members that join late and leave"). Times
 * are fractions of the safety phase (`stopAtMs`), so that a shorter or longer `--duration` keeps
 * the same story; every change happens before the heal, and the convergence check then judges the
 * group as the last members left it.
 */
export interface GroupMemberPlan {
  /** When the consumer subscribes and starts polling; from the start when absent. */
  readonly startAt?: number;
  /**
   * When the application calls `KafkaConsumer.close()`: a dynamic member sends LeaveGroup, a
   * static one does not (KIP-345). Never when absent.
   */
  readonly closeAt?: number;
  /** Static membership (KIP-345): the member's `group.instance.id`. Dynamic when absent. */
  readonly groupInstanceId?: string;
}

export interface GroupWorkloadEntry {
  readonly groupId: string;
  /** Consumers `group-<groupId>-<i>`, i from 0. */
  readonly members: number;
  readonly config: Readonly<Record<string, string>>;
  /** One plan per member, by index (as many as `members`); each member runs the whole run when absent. */
  readonly memberPlans?: readonly GroupMemberPlan[];
}

/**
 * The consumer-group workload of `--groups` (issue 13), beside the producers and the consumers
 * that read every partition: two groups subscribed to the workload topic, so that each group must
 * read every record and a partition is consumed by one member of a group at a time.
 *
 * - `g1`: dynamic members on cooperative-sticky (incremental rebalancing, KIP-429). Four start
 *   together on the default 3 partitions, so one member sits idle; a fifth joins late (at 30% of
 *   the safety phase; two idle), one of the first four closes at 50% (LeaveGroup: the group
 *   rebalances at once), and a sixth joins at 65%, in its place.
 * - `g2`: static members (KIP-345, `group.instance.id` `g2-a` and `g2-b`) on Kafka's default
 *   `partition.assignment.strategy`, range then cooperative-sticky: the vote picks range, and
 *   since range supports only eager rebalancing the members revoke everything before each rejoin.
 *   `g2-b` is replaced the way a Kubernetes rolling update with surge replaces a pod: the new
 *   process starts at 40% while the old one still runs (the coordinator gives the instance id the
 *   new member id, `replaceStaticMember`, and fences the old one), and the old one is closed at
 *   45%. `g2-a` is restarted the other way, stop then start: closed at 60% without a LeaveGroup,
 *   its new process starts at 70%, within the session timeout, so its partitions wait for it and
 *   no rebalance is needed.
 *
 * Every member is a supervised service: a process whose consumer is fenced out of its instance id
 * (`FencedInstanceIdException`, fatal) exits, and the simulation's supervisor starts it again 5 s
 * later; the new process joins with no member id and takes the instance back. Kafka fences more
 * than a replaced process: a static member answered by a coordinator that failed over before its
 * SyncGroup's write committed holds an id the next coordinator never loaded (seeds 301, 311, 397).
 *
 * Timeouts are shorter than Kafka's defaults so that a lost member is noticed, and a rebalance
 * completes, well within a one-minute run: `session.timeout.ms` 10 s (Kafka: 45 s; the broker's
 * `group.min.session.timeout.ms` is 6 s), heartbeats every second, auto-commit every second
 * (Kafka: 5 s), and for g1 `max.poll.interval.ms` 20 s (Kafka: 5 min), which is also the join
 * phase's rebalance timeout.
 */
export const GROUP_WORKLOAD: readonly GroupWorkloadEntry[] = [
  {
    groupId: 'g1',
    members: 6,
    config: { 'session.timeout.ms': '10000', 'heartbeat.interval.ms': '1000', 'max.poll.interval.ms': '20000', 'auto.commit.interval.ms': '1000', 'partition.assignment.strategy': 'cooperative-sticky' },
    memberPlans: [{}, { closeAt: 0.5 }, {}, {}, { startAt: 0.3 }, { startAt: 0.65 }],
  },
  {
    groupId: 'g2',
    members: 4,
    config: { 'session.timeout.ms': '10000', 'heartbeat.interval.ms': '1000', 'auto.commit.interval.ms': '1000' },
    memberPlans: [
      { groupInstanceId: 'g2-a', closeAt: 0.6 },
      { groupInstanceId: 'g2-b', closeAt: 0.45 },
      { groupInstanceId: 'g2-b', startAt: 0.4 },
      { groupInstanceId: 'g2-a', startAt: 0.7 },
    ],
  },
];

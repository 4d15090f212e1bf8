import { compareStrings, partitionKey, type GroupAssignment, type Subscription, type TopicPartition } from './assignors/consumer-partition-assignor.ts';

// The evidence for the `cooperative-two-step-move` sometimes claim (issue 13; KIP-429's two
// rebalances), which only a cooperative-sticky group leader sees: the members' subscriptions in two
// consecutive rebalances it led. ConsumerCoordinator calls these from its assignment step.

/** What a cooperative-sticky leader withheld in one generation: partition key -> the members that claimed it. */
export interface WithheldPartitions {
  readonly generationId: number;
  readonly claimants: ReadonlyMap<string, readonly string[]>;
}

export function withheldPartitions(
  generationId: number,
  subscriptions: ReadonlyMap<string, Subscription>,
  transferring: readonly { readonly partition: TopicPartition }[],
): WithheldPartitions {
  const claimants = new Map<string, string[]>();
  for (const { partition } of transferring) {
    const key = partitionKey(partition);
    const owners = [...subscriptions].filter(([, memberSubscription]) => memberSubscription.ownedPartitions.some((tp) => partitionKey(tp) === key));
    claimants.set(key, owners.map(([memberId]) => memberId).sort(compareStrings));
  }
  return { generationId, claimants };
}

/**
 * How many partitions this assignment completes a KIP-429 two-step move for: withheld by this
 * leader in the previous generation while a member claimed it; now that member is back with that
 * generation (it synced it) and no longer claims the partition (it revoked it), nobody claims it,
 * and the partition goes to another member. The evidence is the members' own subscriptions in both
 * rebalances, which only the leader sees.
 */
export function twoStepMoves(
  withheld: WithheldPartitions | undefined,
  generationId: number,
  subscriptions: ReadonlyMap<string, Subscription>,
  assignments: GroupAssignment,
): number {
  if (withheld === undefined || withheld.generationId !== generationId - 1) return 0;
  let moves = 0;
  for (const [memberId, assignment] of assignments) {
    for (const partition of assignment.partitions) {
      const key = partitionKey(partition);
      const claimants = withheld.claimants.get(key);
      if (claimants === undefined || claimants.length === 0 || claimants.includes(memberId)) continue;
      const claimedNow = [...subscriptions.values()].some((memberSubscription) => memberSubscription.ownedPartitions.some((tp) => partitionKey(tp) === key));
      const revokedInPlace = claimants.every((claimant) => subscriptions.get(claimant)?.generationId === withheld.generationId);
      if (!claimedNow && revokedInPlace) moves++;
    }
  }
  return moves;
}

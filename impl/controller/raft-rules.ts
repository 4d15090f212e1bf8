import type { RaftTestOnlyBugs } from '../raft/raft-config.ts';
import type { ProtocolRules } from '../variants/protocol-rules.ts';

/**
 * The test-only bugs of a controller's Raft client (`RaftTestOnlyBugs`, which the Raft core's own
 * simulation tests set directly) that the run's protocol rules switch on: each is a mutant's rule
 * (`sim/mutants/mutant-catalogue.ts`) set away from Kafka's. With Kafka's rules there are none, and
 * the client's config carries no `testOnlyBugs` at all.
 */
export function raftTestOnlyBugs(rules: ProtocolRules): { readonly testOnlyBugs?: RaftTestOnlyBugs } {
  const bugs: { -readonly [K in keyof RaftTestOnlyBugs]: RaftTestOnlyBugs[K] } = {};
  if (!rules.raftLogFsynced) bugs.skipLogFsync = true;
  if (!rules.raftEpochBumpDurable) bugs.epochBumpNotPersisted = true;
  if (!rules.raftHighWatermarkOverMajority) bugs.highWatermarkPastMajority = true;
  if (!rules.raftHighWatermarkPastEpochStart) bugs.highWatermarkBeforeEpochStart = true;
  return Object.keys(bugs).length === 0 ? {} : { testOnlyBugs: bugs };
}

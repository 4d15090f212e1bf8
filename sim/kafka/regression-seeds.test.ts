import { describe, expect, it } from 'vitest';
import type { VariantName } from '../../impl/variants/variant-registry.ts';
import type { FaultSelection } from '../nemesis/fault-kind.ts';
import { runSeed, type SeedRun } from '../run/run-seed.ts';

// Seeds of the default 60-second swarm run that once exposed a bug, each pinned here so that the
// bug stays fixed. The seeds on which a sweep catches a historical variant are
// `variant-catches.test.ts`.

/** One default run; `config` is what a variant brings, so the fixed protocol can run under it too. */
function run(seed: number, variants: readonly VariantName[] = [], config: Readonly<Record<string, string>> = {}, faults: FaultSelection = { type: 'swarm' }, groups = false, durationMs = 60_000): ReturnType<typeof runSeed> {
  // The variants' seeds outside the consumer groups were pinned before the groups joined the
  // default run: they run without them (--no-groups).
  const options: SeedRun = { seed, durationMs, brokers: 3, faults, config, variants, repro: `seed ${seed}${durationMs === 60_000 ? '' : ` --duration ${durationMs / 1000}s`}`, groups };
  return runSeed(options);
}

describe('the default Kafka run', () => {
  it.each([
    // A registration answer that arrived late over a slow controller link registered a running
    // broker a second time (the broker model refused REGISTERED in running).
    [173],
    // A bit flip in a batch's leader epoch made a follower refuse the leader's batches for good.
    [266],
    // A leader alone in its ISR (below min ISR, the others in the ELR) counted a replica it was
    // still adding toward min ISR and moved its high watermark past a record an ELR member lacked;
    // the controller refused the replica (shutting down), and the ELR member, elected once every
    // broker had shut down cleanly, lacked a committed record (CommittedRecordsSurvive). Kafka's
    // Partition.isUnderMinIsr counts the committed ISR.
    [214],
    // A bit flipped on write in broker 2's t-0 log; after its clean (controlled) shutdown it cut
    // the log where the CRC failed, losing committed records, yet registered as clean and was
    // elected from the ELR while the other holder was shut down (CommittedRecordsSurvive). A
    // broker whose log loading cut data now registers as after an unclean shutdown. Seed 287 too.
    [114],
    [287],
  ])('passes seed %i, which once failed', (seed) => {
    // Since faults wait for the topic (the setup phase), 173 and 266 draw different faults than
    // when they failed; they stay as two more seeds that must pass.
    expect(run(seed).verdict).toBe('pass');
  });

  // With the groups: controller-2's disk was replaced at 14.8 s while controller-1, stalled, lagged
  // at offset 25; controller-2, back as an observer, removed its old voter key (KIP-853 auto-join)
  // at 17.4 s, and the leader's high watermark 39 stood on one of the two voters left. Raft stayed
  // safe (controller-1 needs controller-0's vote), but the quorum claims excused the shortfall only
  // by replaced keys still in the voter set; the excuse now follows the copies disk losses
  // destroyed until the record is on a majority again (QuorumMajorityReachedHighWatermark,
  // QuorumDurability), and names them.
  it('passes seed 453 with the groups, which once failed', () => {
    const result = run(453, [], {}, { type: 'swarm' }, true);
    expect(result.verdict).toBe('pass');
    for (const name of ['QuorumDurability', 'QuorumMajorityReachedHighWatermark']) expect(result.invariants.find((stats) => stats.name === name)?.excused).toBeGreaterThan(0);
  });

  // With the groups: a coordinator answered g2's static members' JoinGroups (outside Stable Kafka
  // writes nothing before answering; only KAFKA-10284's Stable replacement waits for its append)
  // and lost __consumer_offsets-0 before their SyncGroup's write committed; the next coordinator
  // loaded the older member ids and fenced the members' rejoin (FENCED_INSTANCE_ID, fatal in Kafka's
  // consumer too). They closed and nothing started them again: g2 ended Empty. A fenced workload
  // process now exits and its supervisor starts it again, and the new process takes the instance back.
  it.each([[301], [311], [397]])('passes seed %i with the groups, whose fenced static members were never restarted', (seed) => {
    expect(run(seed, [], {}, { type: 'swarm' }, true).verdict).toBe('pass');
  });

  // With 48 partitions the metadata log outgrows one FetchMetadataResponse (500 records). A broker
  // restarted after a power loss applied the first 500, a past state in which it led t-12 at
  // epoch 2, and assigning that epoch's start wiped the later epochs from its leader epoch cache
  // (EpochCacheMatchesLog). Kafka's MetadataLoader publishes nothing before it has caught up to
  // the high watermark; neither does refka's broker now.
  it('passes seed 1 with 48 partitions (35 s), which once failed', () => {
    const options: SeedRun = { seed: 1, durationMs: 35_000, brokers: 3, partitions: 48, faults: { type: 'swarm' }, config: {}, variants: [], repro: 'seed 1 --partitions 48 --duration 35s --no-groups', groups: false };
    expect(runSeed(options).verdict).toBe('pass');
  });

  // Seeds of the default run with the groups that once failed, each with what it found.
  it.each([
    // The active controller that had fenced broker 0 crashed;
    // controller-0, left running, had not yet learned the high watermark over the fencing, and the
    // checks' view of the committed metadata stepped back to it, showing broker 0 unfenced and back
    // in t-1's ISR with a short log (StrongIsr, IsrHoldsCommitted). The view now keeps what was
    // committed until a running controller has replayed past it.
    [315],
    // Controller-1's disk went with its copy of the committed offset 34 while
    // controller-0's log ended at 38 in an older epoch's records; counted by its log end, the record
    // looked on a majority again and the destroyed copy was forgotten, so when controller-0 truncated
    // to 34 on following the new leader, nothing excused the shortfall (QuorumDurability). A copy is
    // now forgotten only once the voters' own high watermarks confirm the record on a majority.
    [110],
    // Broker 2 went on coordinating g2 (__consumer_offsets-0, epoch 2) long after it could commit
    // anything. g2-b's new process replaced the old member id there (33.2 s), then rejoined (52.1 s);
    // on unload (60.5 s) the failed replacement's revert dropped that parked JoinGroup before the
    // group's parked joins were failed, so nothing answered it, and the client rightly waited out its
    // 305 s join timeout (not converged at 120 s). Kafka fails a parked JoinGroup with its write event.
    [417],
    // A bit flipped on write in broker 2's __consumer_offsets-2 log (56.1 s);
    // broker 2 became the partition's leader after the heal, its group coordinator's load failed on
    // the damaged batch, and g1 had no coordinator to the end. A load that meets a batch still
    // failing its checksum now fails the log directory, as a fetch does: the broker stops, the
    // leadership moves, and the broker repairs its log when it starts again.
    [636],
    // g2-b's replacement (Stable) timed out after the group had begun a rebalance;
    // the coordinator reverted it while CompletingRebalance, so the leader's assignment named a
    // member id the group no longer had, and g2-b's member got no assignment bytes. Its next process
    // inherited them; the consumer made Kafka's IllegalStateException fatal, stopped heartbeating
    // and never rejoined (not converged at 120 s). The revert now waits for an unchanged Stable
    // group, and the exception ends only the poll, as in Kafka (spec/group-coordinator.md).
    [746],
    // Controller-0, re-added under its new directory by a VotersRecord it had not
    // fetched, took itself for an observer and refused every Vote; the leader that had written the
    // record lost its disk, and controller-1 could not be elected without controller-0 ("the
    // controller is down" after the heal). A replica now answers a Vote under its own key whatever
    // its voter set says, as Kafka does since KIP-853 (spec/kraft.md).
    [794],
    // Two replacements of static instance g2-a in a row each timed out and were
    // reverted, so the coordinator held the original member and accepted its commit. NoZombieCommit
    // judged it against the group of the first replacement's record only; it now replays the
    // replacements and their failures as the coordinator applied them (spec/group-coordinator.md).
    [995],
    // Group-g1-1's join prepare commit of 38 failed (COORDINATOR_NOT_AVAILABLE)
    // and was retried with the same offsets after close had committed 40, so the group's commits of
    // t-1 went back (group-nonmonotonic-commit). The join prepare's commit is asynchronous, as in
    // Kafka: a retry is a new commit of the positions consumed by then (spec/consumer-coordinator.md).
    [1135],
    // A bit flipped on read in a batch header's length field (no CRC covers it) sent the leader's
    // scan for its high watermark's position off the end of t-1's segment; the read bound became the
    // segment's end, and consumer-0 was given offset 1885 at the high watermark 1885
    // (read-uncommitted). Such a scan now counts as unreadable and is read again (local-log.ts).
    [33],
    // A leader's resend of an ISR expansion was answered INVALID_UPDATE_VERSION after its first
    // send had committed; the leader reset to the old ISR and moved its high watermark past a record
    // the added replica lacked (StrongIsr). As in Kafka, only INELIGIBLE_REPLICA resets a proposal.
    [2203],
    // A broker restarted after a power loss answered a consumer's Metadata from the
    // metadata it had not caught up with, without topic t; g2's leader assigned nothing, and its
    // replacement by a static member's new process kept that assignment (KIP-814), so no member
    // owned t-0 after the heal. Brokers now refuse clients until first unfenced, as Kafka's
    // BrokerServer enables its listeners only then (spec/replication.md).
    [1299],
    [1507],
    // The controller leader's held fetches from its two followers (restarted after power losses)
    // were dropped by the late notices of the connections their previous processes had; both
    // followers' fetch timeouts expired, one pre-voted the other, and its epoch deposed the healthy
    // leader (NoDisruptiveElection). A notice now drops only what came over the broken connection.
    [2894],
    // Two bit-flip windows were admitted 0.8 s apart (broker-1 at 1.81 s, broker-2 at 2.63 s) because
    // broker-1 had stored no damage yet; both later read their corrupt batches, halted, and recovery
    // cut their logs, and broker-2, elected as last known leader, lacked a committed record that only
    // broker-0 held (CommittedRecordsSurvive). The fault budget now counts an open disk window.
    [1332],
    // Bit flips stored in broker 1's t-2 segment 753 cut the copy ledger's walk of that file near
    // offset 1000; the leader's retention then moved broker 1's log start to 1465, inside the
    // segment, and the ledger dropped the damage mark below it, so broker 1's log read as intact
    // from 1649 and StrongIsr and LogMatching reported it lacking 1465..1648 (a checker bug: the
    // broker held them). The mark is kept while the file may hold offsets at or above the start.
    [3220],
    // Broker 2 stored t-0 offset 1 over a bit flip that broke its frame and fetched past it (the
    // leader counted it at log end 2), then lost power and came back with its replica not loaded
    // (metadata clogged); when broker 1 caught up, leader 0 moved its high watermark to 2 with ISR
    // 0,1,2 and min.insync.replicas=3, as Kafka does. HighWatermarkOnMinIsr counted broker 2's
    // damaged copy only while it could read it; it now counts one seen earlier in the leadership.
    [4246],
    // Group g2's coordinator wrote g2-a's static replacement at 46.2 s and, while it still waited,
    // g2-b's at 51.2 s; both timed out and were reverted, and g2-a's original member committed at
    // 58.6 s. NoZombieCommit walked back only through replacements reverted before the next was
    // written; it now replays overlapping ones and their failures in time order.
    [7732],
    // controller-0, restarted as a follower that had not fetched from leader 1 yet, granted
    // controller-2's PreVote at metadata offset 40 (KIP-996 lets it); its next fetch let leader 1
    // commit 45, and 3 ms later the grant made controller-2 a Candidate, whose epoch deposed
    // leader 1. NoDisruptiveElection judged the candidate against the commits at its candidacy; it
    // now holds it to those of when its PreVote round began.
    [8538],
    // The same race at 60.0 s: leader 1, a Candidate of epoch 2 a moment before, granted
    // controller-2's PreVote; the grant arrived 24 ms later, after leader 1 had committed in epoch 2.
    [8529],
  ])('passes seed %i with the groups, which once failed', (seed) => {
    expect(run(seed, [], {}, { type: 'swarm' }, true).verdict).toBe('pass');
  });

  // With acks=1 (idempotence off): a write acknowledged at t-0 offset 181 was truncated before it
  // was committed, and the record that took its offset was compacted away before group g1 reached
  // it; group-poll-skip judged the truncated write and reported the group's commit past 181. With
  // acks=1 an acknowledgement proves no record at its offset; a read does.
  it('passes seed 5 under acks=1 with the groups, which once failed', () => {
    const result = run(5, [], { acks: '1', 'enable.idempotence': 'false' }, { type: 'swarm' }, true);
    expect(result.verdict).toBe('pass');
    expect(result.excused.some((finding) => finding.invariant === 'group-poll-skip')).toBe(true);
  });

  // Under pre-kip-279's configuration (unclean elections, min.insync.replicas=1, acks=1): broker 2,
  // cut off from the controllers and fenced, still led __consumer_offsets-2 in epoch 2 with itself
  // alone in the ISR, and committed g1's generation 5 (t-1 to group-g1-2), while broker 0, elected
  // uncleanly in epoch 3, held generation 4 (t-1 to group-g1-3). Kafka promises nothing of a
  // record such a configuration lets go; SingleConsumerPerPartition excuses that moment, naming
  // the lost generation, and is a violation for the same pair under a safe configuration.
  it('passes seed 51 under unclean elections and min.insync.replicas=1 with the groups, which once failed', () => {
    const result = run(51, [], { 'min.insync.replicas': '1', 'unclean.leader.election.enable': 'true', acks: '1', 'enable.idempotence': 'false' }, { type: 'swarm' }, true);
    expect(result.verdict).toBe('pass');
    expect(result.excused.some((finding) => finding.invariant === 'SingleConsumerPerPartition' && finding.faults.some((fault) => fault.includes('generation 5 of g1')))).toBe(true);
  });

  // Beyond Kafka's promise (swarm-beyond: bit flips where no checksum looks, data-destroying faults
  // on every broker at once), losses are excused per record, each naming the faults that destroyed
  // every copy; the default swarm never lands such a flip.
  it('excuses seed 9\'s losses under swarm-beyond per record, naming the faults, and passes', () => {
    const result = run(9, [], {}, { type: 'swarm-beyond' });
    expect(result.verdict).toBe('pass');
    const lostWrite = result.invariants.find((stats) => stats.name === 'lost-write');
    expect(lostWrite?.applies).toBe(true);
    expect(lostWrite?.excused).toBeGreaterThan(0);
    const excused = result.excused.filter((entry) => entry.invariant === 'lost-write');
    expect(excused.length).toBeGreaterThan(0);
    // A copy forgone by a last-known-leader election (KIP-966) also names the unclean shutdown that
    // took its broker out of the ISR and ELR.
    for (const entry of excused) expect(entry.faults.every((fault) => /^(unchecked )?(bitflip|power-loss|disk-loss) at |^unclean shutdown \((crash|power-loss|failed-exit|disk-loss)\) of broker \d+, out of the ISR and ELR of /.test(fault))).toBe(true);
    expect(run(9).verdict).toBe('pass');
  });

  // Broker 1, leading t-1, read batch 766 with bit 16 of its leader epoch flipped where no
  // checksum looks and served it; broker 0's epoch cache took epoch 65536 from it, so every later
  // batch of epoch 0 read as misdescribed (EpochCacheMatchesLog). The flip was in what a read
  // returned, which the damage list did not keep; it now keeps unchecked read flips, and the claim
  // excuses such a batch naming the flip on the batch that started the cache entry covering it.
  it('excuses seed 51\'s epoch cache under swarm-beyond with the groups, naming the read flip, and passes', () => {
    const result = run(51, [], {}, { type: 'swarm-beyond' }, true);
    expect(result.verdict).toBe('pass');
    const excused = result.excused.filter((entry) => entry.invariant === 'EpochCacheMatchesLog');
    expect(excused.length).toBeGreaterThan(0);
    for (const entry of excused) expect(entry.faults).toContain('unchecked bitflip at 17.373 s (broker-1: bit 5528 of kafka-logs/t-1/00000000000000000758.log as read, unchecked)');
  });

  // Broker 0 stored t-2's batch 1429 with bit 12 of its base offset flipped (it reads as 5525);
  // elected at log end 1488, its cache's epoch 5 starts there, and the moved batch of epoch 4
  // read as misdescribed, at an offset where the ledger knows no record (EpochCacheMatchesLog).
  it('excuses seed 100\'s moved batch under swarm-beyond with the groups, naming the stored flip, and passes', () => {
    const result = run(100, [], {}, { type: 'swarm-beyond' }, true);
    expect(result.verdict).toBe('pass');
    expect(result.excused.some((entry) => entry.invariant === 'EpochCacheMatchesLog' && entry.message.includes('batch 5525..5525') && entry.faults.some((fault) => fault.includes('broker-0: bit 59860 of kafka-logs/t-2/00000000000000001195.log')))).toBe(true);
  });
});

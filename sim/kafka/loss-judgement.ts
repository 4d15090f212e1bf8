import { BROKER_LOG_DIR } from '../../impl/broker/kafka-broker.ts';
import type { DataDamage } from '../run/system.ts';
import type { Election, ElectionHistory, MembershipExit } from './election-history.ts';
import type { CopyEnding, RecordCopies } from './record-copies.ts';

/**
 * The per-record judgement of a lost write (`ReplicaLogs.judgeLoss`): from how every copy of the
 * record ended (the copy ledger, `replica-logs.ts`), whether faults outside Kafka's promise took
 * them all, naming those faults, or the story of a copy the protocol threw away. Kept apart from
 * the ledger, which records copies, because this is the policy read off them, with its one
 * exception, KIP-966's last-known-leader election, which needs the controller's history
 * (`election-history.ts`) as well.
 */

/** What a per-record judgement of a loss concludes. */
export type LossJudgement =
  | { readonly excused: true; readonly reason: string; readonly faults: readonly string[] }
  | { readonly excused: false; readonly story: string };

/** Judges losses on a record's copies, the controller's elections and the damage on the disks. */
export class LossJudge {
  constructor(
    private readonly history: ElectionHistory,
    /** The damage list last seen on a broker's disk (`ReplicaLogs.observe`). */
    private readonly damage: (brokerId: number) => readonly DataDamage[] | undefined,
  ) {}

  /**
   * Whether the loss of a record (its `copies` in `partition`, undefined if no replica ever held
   * it) is excused: no copy is left, and on every replica that ever held it the copy's last
   * ending was a fault on that replica's disk (or deletion by retention, or compaction where the
   * topic compacts). A copy the protocol truncated for good, or one lost on a restart that no
   * fault explains, makes it a violation.
   *
   * One exception, KIP-966's last-known-leader election: when ISR and ELR are both empty (every
   * member left them on an unclean shutdown), Kafka 4 elects the partition's last leader again,
   * uncleanly, and the others follow it, whatever they hold. A copy held by, or truncated on, a
   * replica that follows such a leader is excused where that leader had lost its own copy of the
   * record to named faults before it was elected, and that replica had left the ISR and ELR on an
   * unclean shutdown (named too) before the election. `leader` is the leader whose lack is judged
   * now (CommittedRecordsSurvive), so that copies still held are judged against it; truncated
   * copies are judged against the leader they followed when they were truncated.
   */
  judge(partition: string, copies: RecordCopies | undefined, compacts: boolean, leader?: { readonly brokerId: number; readonly leaderEpoch: number }): LossJudgement {
    if (copies === undefined) return { excused: false, story: 'no replica ever held it' };
    const faults = new Set<string>();
    const forgone: string[] = [];
    if (copies.holders.size > 0) {
      const holders = [...copies.holders.keys()].sort((a, b) => a - b);
      const still = `broker(s) ${holders.join(',')} still hold it`;
      if (leader === undefined || copies.holders.has(leader.brokerId)) return { excused: false, story: still };
      for (const holder of holders) {
        const excuse = this.lastKnownLeaderExcuse(copies, holder, leader.brokerId, leader.leaderEpoch, Number.POSITIVE_INFINITY);
        // Why the excuse fails is told only where a last-known-leader election happened at all.
        if (typeof excuse === 'string') return { excused: false, story: this.history.hadLastKnownLeaderElection(partition) ? `${still}; ${excuse}` : still };
        for (const fault of excuse.faults) faults.add(fault);
        forgone.push(excuse.story);
      }
    }
    let deleted = false;
    const unexcused: string[] = [];
    // Each broker's last ending is its copy's fate: a copy truncated and fetched back again
    // (a follower that truncated to a divergence point and refetched) ended later, another way.
    const last = new Map<number, CopyEnding>();
    for (const ending of copies.endings) last.set(ending.brokerId, ending);
    for (const ending of [...last.keys()].sort((a, b) => a - b).map((brokerId) => last.get(brokerId) as CopyEnding)) {
      if (copies.holders.has(ending.brokerId)) continue;
      switch (ending.how) {
        case 'destroyed':
          for (const fault of ending.faults) faults.add(fault);
          break;
        case 'deleted':
          deleted = true;
          break;
        case 'compacted':
          if (compacts) deleted = true;
          else unexcused.push(describeEnding(ending));
          break;
        case 'truncated': {
          const excuse = ending.leader === undefined || ending.leaderEpoch === undefined
            ? 'it followed no known leader'
            : this.lastKnownLeaderExcuse(copies, ending.brokerId, ending.leader, ending.leaderEpoch, ending.atMs);
          if (typeof excuse === 'string') {
            unexcused.push(describeEnding(ending));
          } else {
            for (const fault of excuse.faults) faults.add(fault);
            forgone.push(excuse.story);
          }
          break;
        }
        case 'lost-on-restart':
          unexcused.push(describeEnding(ending));
          break;
      }
    }
    if (unexcused.length > 0) return { excused: false, story: `copies ended: ${copies.endings.map(describeEnding).join('; ')}` };
    const named = [...faults].sort();
    const cause = forgone.length > 0 ? `${[...new Set(forgone.flatMap((story) => story.split('; ')))].join('; ')}; every other copy destroyed by faults${deleted ? ' or deleted' : ''}` : undefined;
    if (cause !== undefined) return { excused: true, reason: cause, faults: named };
    if (named.length === 0 && deleted) return { excused: true, reason: 'deleted by retention or compaction', faults: [] };
    return { excused: true, reason: deleted ? 'every copy destroyed by faults or deleted' : 'every copy destroyed by faults', faults: named };
  }

  /**
   * Whether `holder`'s copy (held at `atMs`, or truncated then, following `leader` in
   * `leaderEpoch`) is forgone by a last-known-leader election (see `judge`): the faults to name
   * and the story, or why not.
   */
  private lastKnownLeaderExcuse(copies: RecordCopies, holder: number, leader: number, leaderEpoch: number, atMs: number): { faults: string[]; story: string } | string {
    if (holder === leader) return `broker ${holder} is the leader itself`;
    const root = this.forgoingElection(copies, leader, leaderEpoch, atMs);
    if (typeof root === 'string') return root;
    const exit = this.uncleanExit(copies.partition, holder, root.atMs);
    if (typeof exit === 'string') return exit;
    return { faults: [...root.faults, exit.fault], story: `${root.story}; broker ${holder} had left the ISR and ELR on an unclean shutdown` };
  }

  /**
   * Why `leader`, leading `leaderEpoch` at `atMs`, lacks the record: the last last-known-leader
   * election (KIP-966) up to that epoch, of a leader that had lost its own copy to faults before
   * it (destroyed, or never held intact because a bit flip stored in the partition's files cut
   * its log at or below the record), and, when `leader` came later (elected from an ISR that
   * election started afresh), `leader`'s own copy, if it ever held one, lost before that election
   * with `leader` out of the ISR and ELR on an unclean shutdown. The story, the faults to name and
   * when that election was, or why not.
   */
  private forgoingElection(copies: RecordCopies, leader: number, leaderEpoch: number, atMs: number): { faults: string[]; story: string; atMs: number } | string {
    const elections = this.history.electionsOf(copies.partition);
    const election = elections?.get(leaderEpoch);
    if (elections === undefined || election === undefined || election.leader !== leader || election.atMs > atMs) return `leader ${leader}'s election in epoch ${leaderEpoch} was not seen before ${at(atMs)}`;
    let root: Election | undefined;
    for (const candidate of elections.values()) {
      if (candidate.lastKnownLeader && candidate.leaderEpoch <= leaderEpoch && (root === undefined || candidate.leaderEpoch > root.leaderEpoch)) root = candidate;
    }
    if (root === undefined) return `no last known leader was elected up to epoch ${leaderEpoch}`;
    const lost = this.lostBy(copies, root.leader, root);
    if (typeof lost === 'string') return lost;
    const faults = [...lost];
    let story = `leader ${root.leader}, elected in epoch ${root.leaderEpoch} at ${at(root.atMs)} as the last known leader (KIP-966: ISR and ELR empty), had lost its copy to faults`;
    if (leader !== root.leader && copies.endings.some((ending) => ending.brokerId === leader)) {
      let own: CopyEnding | undefined;
      for (const ending of copies.endings) if (ending.brokerId === leader && ending.atMs <= election.atMs) own = ending;
      if (own === undefined) return `leader ${leader} (epoch ${leaderEpoch}) still held its copy when it was elected`;
      const exit = this.uncleanExit(copies.partition, leader, root.atMs);
      if (typeof exit === 'string') return exit;
      faults.push(exit.fault);
      story += `; leader ${leader} (epoch ${leaderEpoch}), elected after it, had lost its copy and left the ISR and ELR on an unclean shutdown before it`;
    }
    return { faults, story, atMs: root.atMs };
  }

  /**
   * The faults by which `brokerId` had lost the record when `election` made it leader: its copy
   * destroyed, or never held intact with a bit flip stored in the partition's files on its disk
   * and its log ending at or below the record. Or why not.
   */
  private lostBy(copies: RecordCopies, brokerId: number, election: Election): string[] | string {
    let own: CopyEnding | undefined;
    for (const ending of copies.endings) if (ending.brokerId === brokerId && ending.atMs <= election.atMs) own = ending;
    if (own !== undefined) {
      if (own.how === 'destroyed') return [...own.faults];
      return `leader ${brokerId}, elected in epoch ${election.leaderEpoch} as the last known leader, had lost its own copy otherwise (${own.how})`;
    }
    if (copies.holders.has(brokerId) || copies.endings.some((ending) => ending.brokerId === brokerId)) return `leader ${brokerId} held its copy when it was elected in epoch ${election.leaderEpoch}`;
    if (election.leaderLogEnd > copies.offset) return `leader ${brokerId} never held it, yet its log went past offset ${copies.offset} when it was elected in epoch ${election.leaderEpoch}`;
    const dir = `${BROKER_LOG_DIR}/${copies.partition}/`;
    const flips = (this.damage(brokerId) ?? [])
      .filter((event) => event.kind === 'bitflip' && event.onRead !== true && event.atMs <= election.atMs && (event.paths ?? []).some((path) => path.startsWith(dir)))
      .map((event) => `${event.kind} at ${at(event.atMs)} (${event.detail})`);
    if (flips.length === 0) return `leader ${brokerId}, elected in epoch ${election.leaderEpoch} as the last known leader, never held it, and no bit flip was stored in its files`;
    return flips;
  }

  /** `brokerId`'s last exit from the partition's ISR and ELR by `atMs`, named, if it was on an unclean shutdown. */
  private uncleanExit(partition: string, brokerId: number, atMs: number): { fault: string } | string {
    let exit: MembershipExit | undefined;
    for (const candidate of this.history.exitsOf(partition, brokerId) ?? []) if (candidate.atMs <= atMs) exit = candidate;
    if (exit === undefined || !exit.unclean) return `broker ${brokerId} had not left the ISR and ELR on an unclean shutdown by ${at(atMs)}`;
    return { fault: `unclean shutdown (${exit.stop}) of broker ${brokerId}, out of the ISR and ELR of ${partition} at ${at(exit.atMs)}` };
  }
}

/** A moment of the run as the stories name it: seconds, to the millisecond. */
function at(ms: number): string {
  return `${(ms / 1000).toFixed(3)} s`;
}

/** How one copy ended, as a story tells it. */
function describeEnding(ending: CopyEnding): string {
  return ending.how === 'destroyed' ? `broker ${ending.brokerId} destroyed at ${at(ending.atMs)} by ${ending.faults.join(', ')}` : `broker ${ending.brokerId} ${ending.how} at ${at(ending.atMs)}`;
}

import type { InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';
import { quorumReadsVersion } from '../reads-versions.ts';

/** A controller's log end, as Kafka's vote compares logs: the last record's epoch, then the offset. */
interface LogEnd {
  readonly epoch: number;
  readonly offset: number;
}

/** Each Raft leader of a moment with what it had committed: node → (epoch, high watermark). */
type Leaders = ReadonlyMap<string, { readonly epoch: number; readonly highWatermark: number | undefined }>;

/** One campaign: a controller that became a Candidate in an epoch, as the quorum stood then. */
interface Campaign {
  readonly node: string;
  readonly log: LogEnd;
  /**
   * The leaders the campaign is judged against: as they stood when its PreVote round began (the
   * controller became Prospective), or, with no PreVote round seen (`pre-kip-996`), when it
   * became a Candidate.
   */
  readonly leaders: Leaders;
}

/** A PreVote round: a controller seen Prospective, with the leaders as they stood when it began. */
interface Round {
  /** The view's state object of the Prospective controller: the same object while its `EpochState` is (`quorum-view.ts`). */
  readonly state: object;
  readonly incarnation: number;
  readonly epoch: number;
  readonly leaders: Leaders;
}

/** What the checker last saw of a controller: a leader's epoch and high watermark, or nothing. */
interface Seen {
  readonly incarnation: number;
  readonly epoch: number;
  readonly leading: boolean;
  readonly highWatermark: number | undefined;
}

/** Campaigns kept: the epochs of one run are few (a handful per failover), this is a bound. */
const MAX_CAMPAIGN_EPOCHS = 10_000;

/**
 * `NoDisruptiveElection` (KIP-996's disruptive server): a Raft leader is deposed only by an epoch
 * that one of its candidates could win. A voter cut off from the leader times out and, before
 * KIP-996, campaigns at once in a new epoch, again after every lost election, so its epoch climbs
 * while it is away. When it can reach the others again, its Vote request carries an epoch above
 * the leader's, and the leader (like every voter) must move to that epoch: it steps down, and the
 * active controller is gone. The returning voter cannot win, since its log lacks what the quorum
 * committed while it was away and a majority holds that, so the whole quorum waits out another
 * election for nothing. With KIP-996 the voter first asks for a PreVote, which the leader and its
 * followers refuse, and its epoch does not move.
 *
 * Judged on each controller's real state: its Raft role and epoch, its log end (last epoch and
 * offset) and a leader's high watermark. When a controller becomes a Candidate the check records
 * its log end and what every leader had committed when its PreVote round began (when it became
 * Prospective; without PreVote, when it became a Candidate): a grant answers the granting voter's
 * log as it is then, so a grant that arrives after the leader committed more is Kafka's race, not
 * a disruption the PreVote rules let through. When a leader of epoch E moves to a higher epoch E'
 * without having resigned (a higher epoch reached it), some candidate of E' must have held, when
 * it campaigned, everything that leader had committed then: otherwise a majority held records the
 * candidate lacked and would have refused it its PreVote (or, without one, its vote). A controller that
 * resigned (check-quorum, SIGTERM) or restarted is not deposed. A controller whose disk was
 * replaced votes again only once the leader commits its new key (KIP-853), and the controllers'
 * fault budget keeps at most (voters - 1) / 2 of them impaired (`kafka-system.ts`), so a candidate
 * that lacks committed records still finds a majority that refuses it.
 */
export function noDisruptiveElection(): InvariantDefinition<KafkaClusterView> {
  const campaigns = new Map<number, Campaign[]>();
  const seen = new Map<string, Seen>();
  /** Per controller, its PreVote round in progress (the latest Prospective state seen). */
  const rounds = new Map<string, Round>();
  return {
    name: 'NoDisruptiveElection',
    kind: 'always',
    source: 'KIP-996 (Pre-Vote); the KRaft TLA+ specification of KIP-996',
    statement: 'A Raft leader is deposed by a newer epoch only if some candidate of that epoch held, when it campaigned, every metadata record the leader had committed then: a voter whose log lacks committed records cannot be elected, and the epoch it forces on the leader only takes the active controller away.',
    checker: {
      type: 'state',
      readsVersion: quorumReadsVersion,
      check(view) {
        const quorum = view.quorum ?? [];
        // New campaigns first: a candidate and the leader it deposes can change in one event.
        const leaders = new Map<string, { epoch: number; highWatermark: number | undefined }>();
        for (const node of quorum) {
          if (node.running && node.state?.type === 'Leader') leaders.set(node.node, { epoch: node.state.epoch, highWatermark: node.highWatermark });
        }
        for (const node of quorum) {
          if (!node.running || node.state === undefined) continue;
          if (node.state.type === 'Prospective') {
            // A new Prospective state is a new round, also when it follows a lost one in one event.
            if (rounds.get(node.node)?.state !== node.state) rounds.set(node.node, { state: node.state, incarnation: node.incarnation, epoch: node.state.epoch, leaders });
            continue;
          }
          if (node.state.type !== 'Candidate') continue;
          const epoch = node.state.epoch;
          const known = campaigns.get(epoch) ?? [];
          if (known.some((campaign) => campaign.node === node.node)) continue;
          if (!campaigns.has(epoch) && campaigns.size >= MAX_CAMPAIGN_EPOCHS) campaigns.delete(Math.min(...campaigns.keys()));
          // KIP-996's PreVote is granted on the voters' logs as they are when they answer, and a
          // grant may reach the prospective after the leader has committed more (default seed
          // 8538: controller-0, restarted and not yet fetched from leader 1, granted controller-2's
          // PreVote at offset 40; leader 1 committed 45 from controller-0's next fetch, 3 ms
          // before the grant made controller-2 a Candidate). Kafka's rules allow that race, so the
          // candidate is held to what the leaders had committed when its round began.
          const round = rounds.get(node.node);
          const fromRound = round !== undefined && round.incarnation === node.incarnation && round.epoch + 1 === epoch;
          known.push({ node: node.node, log: { epoch: node.logEndEpoch, offset: node.logEndOffset }, leaders: fromRound ? round.leaders : leaders });
          campaigns.set(epoch, known);
        }
        for (const node of quorum) if (!node.running || node.state?.type !== 'Prospective') rounds.delete(node.node);
        let found: { message: string; nodes: string[] } | undefined;
        for (const node of quorum) {
          const before = seen.get(node.node);
          const now: Seen | undefined = node.running && node.state !== undefined
            ? { incarnation: node.incarnation, epoch: node.state.epoch, leading: node.state.type === 'Leader', highWatermark: node.highWatermark }
            : undefined;
          if (now === undefined) seen.delete(node.node);
          else seen.set(node.node, now);
          if (found !== undefined || before === undefined || now === undefined || !before.leading || now.leading) continue;
          if (now.incarnation !== before.incarnation || now.epoch <= before.epoch) continue;
          const candidates = campaigns.get(now.epoch) ?? [];
          // A campaign the checker did not see (none should be) or before which this controller did
          // not lead yet names no commitment to hold: it is not judged.
          const judged = candidates.map((campaign) => ({ campaign, committed: campaign.leaders.get(node.node) }));
          if (judged.length === 0 || judged.some(({ committed }) => committed === undefined || committed.epoch !== before.epoch || committed.highWatermark === undefined)) continue;
          if (judged.some(({ campaign, committed }) => holds(campaign.log, before.epoch, committed?.highWatermark ?? 0))) continue;
          const described = judged.map(({ campaign, committed }) => `${campaign.node}, whose log ended at offset ${campaign.log.offset} (epoch ${campaign.log.epoch}) when it campaigned, while ${node.node} had committed up to ${committed?.highWatermark ?? '?'}`);
          found = {
            message: `${node.node}, Raft leader of epoch ${before.epoch} (high watermark ${before.highWatermark ?? 'unknown'}), was deposed by epoch ${now.epoch} of ${described.join('; ')}: that candidate could not win`,
            nodes: [node.node, ...judged.map(({ campaign }) => campaign.node)],
          };
        }
        return found === undefined ? undefined : { message: found.message, subject: { nodes: found.nodes } };
      },
    },
  };
}

/**
 * Whether a log ending at `log` holds a leader's committed records: the leader of `epoch` commits
 * only past its epoch's start (Raft's "commit in your own term", `LeaderState`), so the record
 * below its high watermark is of `epoch`. A log that ends in an earlier epoch lacks it; one that
 * ends in that epoch holds the leader's records up to its end (a single leader per epoch, Log
 * Matching); a later epoch (a newer leader's records) ranks above it, as Kafka's vote ranks logs.
 */
function holds(log: LogEnd, epoch: number, highWatermark: number): boolean {
  if (log.epoch !== epoch) return log.epoch > epoch;
  return log.offset >= highWatermark;
}

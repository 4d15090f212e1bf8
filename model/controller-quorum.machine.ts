import { setup } from 'xstate';

/**
 * The events a KRaft replica (a controller voter, or a broker observing the metadata quorum)
 * reports about its place in the quorum: Kafka's `QuorumState` with KIP-996's Prospective state
 * and KAFKA-17067's removal of Voted (a binding vote is now a `votedKey` recorded while
 * Unattached). Each event names the cause `KafkaRaftClient` acts on, so the trace says why the
 * replica moved. Facts: `../shared/research/kafka-groups-kraft-wire.md` section 4.1.
 */
export type ControllerQuorumEvent =
  /**
   * `QuorumState.initialize` read the quorum-state file and the log: the process starts in the
   * state they name. A leader restarts Resigned in its epoch (it must not vote again in that epoch,
   * and an (offset, epoch) pair stays unique even if unflushed records were lost); a candidate
   * that had voted for itself restarts Candidate in that epoch and campaigns again; a replica that
   * knew its leader restarts its Follower; the rest, and any
   * replica whose file is behind its log's last epoch, restart Unattached.
   */
  | { readonly type: 'LOADED_UNATTACHED' }
  | { readonly type: 'LOADED_CANDIDATE' }
  | { readonly type: 'LOADED_FOLLOWER' }
  | { readonly type: 'LOADED_RESIGNED' }
  /**
   * An observer starts, knowing its leader or not: a replica that is not a voter (a broker in
   * Kafka), or a controller whose directory id is no voter's (KIP-853: formatted after its disk was
   * replaced, it is not a voter until the voters are changed to name its new directory).
   */
  | { readonly type: 'OBSERVER_LOADED_UNATTACHED' }
  | { readonly type: 'OBSERVER_LOADED_FOLLOWER' }
  /** A request or response carried a higher epoch with no leader known in it: `transitionToUnattached`. */
  | { readonly type: 'HIGHER_EPOCH' }
  /** A binding Vote was granted in this epoch: `votedKey` is written to the quorum-state file before the answer. */
  | { readonly type: 'VOTE_GRANTED' }
  /** A leader was discovered (BeginQuorumEpoch, a Fetch response, a Vote response naming it): `transitionToFollower`. */
  | { readonly type: 'LEADER_DISCOVERED' }
  /** The election timer expired: an Unattached voter starts a pre-vote (KIP-996). */
  | { readonly type: 'ELECTION_TIMEOUT' }
  /** A follower heard nothing from its leader for `controller.quorum.fetch.timeout.ms`. */
  | { readonly type: 'FETCH_TIMEOUT' }
  /**
   * A majority granted the PreVote: the replica bumps its epoch, votes for itself and asks for
   * binding votes.
   */
  | { readonly type: 'PREVOTE_WON' }
  /** The pre-vote was rejected by a majority or timed out, and no leader is known in the epoch. */
  | { readonly type: 'PREVOTE_FAILED' }
  /** The same, while a last-known leader of the epoch exists: back to following it. */
  | { readonly type: 'PREVOTE_FAILED_LEADER_KNOWN' }
  /**
   * A campaign without a pre-vote: the epoch is bumped at once. Kafka does this for a quorum of one
   * voter (PR #18240: its own PreVote is a majority), and the `pre-kip-996` variant, which has no
   * pre-vote, does it for every election.
   */
  | { readonly type: 'CAMPAIGNED' }
  /** A majority granted the binding Vote: `transitionToLeader`, with the epoch start offset at the log end. */
  | { readonly type: 'VOTE_WON' }
  /** The binding election was lost or timed out: after a backoff, a new pre-vote. */
  | { readonly type: 'ELECTION_FAILED' }
  /**
   * The leader gave up its leadership without a higher epoch: a graceful shutdown (it sends
   * EndQuorumEpoch), or check-quorum (KAFKA-15489: no majority fetched within 1.5 x the fetch timeout).
   */
  | { readonly type: 'RESIGNED' }
  /**
   * KIP-853: the follower appended a VotersRecord that names its key (AddRaftVoter, which an
   * observer asks for itself with `controller.quorum.auto.join.enable`, KAFKA-19078): it is a voter
   * from that append on, in the same state (Kafka's `QuorumState.isVoter` reads the latest voter set).
   */
  | { readonly type: 'VOTER_ADDED' }
  /**
   * KIP-853: the follower truncated the VotersRecord that made it a voter (it was not committed
   * and the new leader does not have it), or appended one without its key: an observer again.
   */
  | { readonly type: 'VOTER_REMOVED' };

export type ControllerQuorumEventType = ControllerQuorumEvent['type'];

/** Kafka's `EpochState` kinds, as `QuorumState.toString` names them. */
export type QuorumStateName = 'Unattached' | 'Prospective' | 'Candidate' | 'Leader' | 'Follower' | 'Resigned';

/** The machine's leaf states, as a `transition` effect's `to` names them. */
export type ControllerQuorumState = 'Starting' | `voter.${QuorumStateName}` | 'observer.Unattached' | 'observer.Follower';

/**
 * One KRaft replica's place in the quorum, per process: `QuorumState` is built anew by each
 * process from its quorum-state file (`Starting` is refka's: Kafka constructs the first
 * `EpochState` in `initialize` rather than moving into it). Voters move among Kafka's six states;
 * observers only between Unattached and Follower (`QuorumState`'s class comment). Only Prospective
 * enters Candidate (KAFKA-17067: a replica that is not a voter must never start an election).
 */
export const controllerQuorumMachine = setup({
  types: { events: {} as ControllerQuorumEvent },
}).createMachine({
  id: 'controller-quorum',
  description:
    'A KRaft replica in the metadata quorum (Kafka QuorumState, KIP-595 with KIP-996 pre-vote): ' +
    'voters elect a leader by Vote among a majority; every replica fetches from the leader.',
  initial: 'Starting',
  states: {
    Starting: {
      description: 'The process has not yet read its quorum-state file (refka\'s, not a Kafka state).',
      on: {
        LOADED_UNATTACHED: { target: '#controller-quorum.voter.Unattached', description: 'No leader known in the persisted epoch (a recorded vote stays recorded), or the file is behind the log.' },
        LOADED_CANDIDATE: { target: '#controller-quorum.voter.Candidate', description: 'It had voted for itself in the persisted epoch: it campaigns again in that epoch (QuorumState.initialize).' },
        LOADED_FOLLOWER: { target: '#controller-quorum.voter.Follower', description: 'The file names another voter as the epoch\'s leader.' },
        LOADED_RESIGNED: { target: '#controller-quorum.voter.Resigned', description: 'It was the epoch\'s leader: it restarts Resigned in that epoch and votes for no one in it.' },
        OBSERVER_LOADED_UNATTACHED: { target: '#controller-quorum.observer.Unattached', description: 'An observer that knows no leader yet.' },
        OBSERVER_LOADED_FOLLOWER: { target: '#controller-quorum.observer.Follower', description: 'An observer that knows the epoch\'s leader.' },
      },
    },
    voter: {
      description: 'A member of controller.quorum.voters.',
      initial: 'Unattached',
      states: {
        Unattached: {
          description: 'No leader known in this epoch. It may have granted one binding vote in it (its votedKey).',
          on: {
            HIGHER_EPOCH: { target: 'Unattached', description: 'A higher epoch with no leader in it: its vote, if any, is forgotten with the old epoch.' },
            VOTE_GRANTED: { target: 'Unattached', description: 'A binding vote for a candidate whose log is at least as up to date; persisted before the answer.' },
            LEADER_DISCOVERED: { target: 'Follower', description: 'A leader of this epoch or a higher one made itself known.' },
            ELECTION_TIMEOUT: { target: 'Prospective', description: 'No leader within the randomized election timeout: a pre-vote starts.' },
            CAMPAIGNED: { target: 'Candidate', description: 'The election timeout expired where no pre-vote applies (one voter, or the pre-kip-996 variant).' },
          },
        },
        Prospective: {
          description: 'Asking the voters for a PreVote in epoch + 1 without bumping its epoch (KIP-996): a rejoining voter cannot disrupt a healthy leader.',
          on: {
            PREVOTE_WON: { target: 'Candidate', description: 'A majority would vote for it: the epoch is bumped and binding votes are asked.' },
            PREVOTE_FAILED: { target: 'Unattached', description: 'Rejected or timed out, no leader known.' },
            PREVOTE_FAILED_LEADER_KNOWN: { target: 'Follower', description: 'Rejected or timed out while the epoch\'s leader is known: it follows it again.' },
            HIGHER_EPOCH: { target: 'Unattached', description: 'A higher epoch with no leader in it.' },
            LEADER_DISCOVERED: { target: 'Follower', description: 'A leader made itself known.' },
            VOTE_GRANTED: {
              target: 'Unattached',
              description:
                'A binding vote, in its own epoch, for a candidate of that epoch, while it had not voted in it: persisted, and its pre-vote is given up. ' +
                'Kafka 4 keeps the replica Prospective with the vote (`QuorumState.prospectiveAddVotedState`); refka makes it Unattached with the vote (spec/kraft.md, departures).',
            },
          },
        },
        Candidate: {
          description: 'In a new epoch, voted for itself (persisted), asking the voters for binding votes.',
          on: {
            VOTE_WON: { target: 'Leader', description: 'A majority granted the vote.' },
            ELECTION_FAILED: { target: 'Prospective', description: 'Lost or timed out: after an exponential backoff from its random stream, a new pre-vote.' },
            CAMPAIGNED: { target: 'Candidate', description: 'Lost or timed out where no pre-vote applies: after the backoff, a new epoch at once.' },
            HIGHER_EPOCH: { target: 'Unattached', description: 'A higher epoch with no leader in it.' },
            LEADER_DISCOVERED: { target: 'Follower', description: 'Another candidate won this epoch (or a later one) and sent BeginQuorumEpoch.' },
          },
        },
        Leader: {
          description:
            'The epoch\'s leader: appends a leader-change record at its epoch start offset, serves Fetch, ' +
            'and moves the high watermark to what a majority holds, only past its epoch start offset.',
          on: {
            RESIGNED: { target: 'Resigned', description: 'Graceful shutdown (EndQuorumEpoch to the voters), or check-quorum found no majority fetching.' },
            HIGHER_EPOCH: { target: 'Unattached', description: 'A higher epoch with no leader in it: it lost its leadership.' },
            LEADER_DISCOVERED: { target: 'Follower', description: 'A leader of a higher epoch made itself known.' },
          },
        },
        Follower: {
          description: 'Fetching from the epoch\'s leader; its high watermark is the leader\'s, bounded by its own log end.',
          on: {
            FETCH_TIMEOUT: { target: 'Prospective', description: 'Nothing from the leader for controller.quorum.fetch.timeout.ms: a pre-vote starts.' },
            CAMPAIGNED: { target: 'Candidate', description: 'The fetch timeout expired where no pre-vote applies (the pre-kip-996 variant).' },
            HIGHER_EPOCH: { target: 'Unattached', description: 'A higher epoch with no leader in it.' },
            LEADER_DISCOVERED: { target: 'Follower', description: 'A leader of a higher epoch made itself known.' },
            VOTER_REMOVED: { target: '#controller-quorum.observer.Follower', description: 'KIP-853: the VotersRecord that made it a voter was truncated (or one without its key appended): it follows on as an observer.' },
          },
        },
        Resigned: {
          description: 'A former leader of this epoch, in memory only: it serves no writes and votes for no one in the epoch.',
          on: {
            HIGHER_EPOCH: { target: 'Unattached', description: 'A higher epoch with no leader in it.' },
            ELECTION_TIMEOUT: { target: 'Unattached', description: 'Its election timeout expired with no successor known.' },
            LEADER_DISCOVERED: { target: 'Follower', description: 'A successor of a higher epoch made itself known.' },
          },
        },
      },
    },
    observer: {
      description: 'A replica that is not a voter (a broker, or a controller whose directory id is no voter\'s, KIP-853): it only follows.',
      initial: 'Unattached',
      states: {
        Unattached: {
          description: 'No leader known in this epoch.',
          on: {
            HIGHER_EPOCH: { target: 'Unattached', description: 'A higher epoch with no leader in it.' },
            LEADER_DISCOVERED: { target: 'Follower', description: 'A leader of this epoch or a higher one made itself known.' },
            VOTE_GRANTED: {
              target: 'Unattached',
              description: 'KIP-853: a binding vote for a candidate whose voter set names this replica\'s key although its own does not yet (it has not fetched that VotersRecord); persisted before the answer.',
            },
          },
        },
        Follower: {
          description: 'Fetching the metadata log from the leader.',
          on: {
            HIGHER_EPOCH: { target: 'Unattached', description: 'A higher epoch with no leader in it.' },
            FETCH_TIMEOUT: {
              target: 'Unattached',
              description: 'Its leader went quiet for a fetch timeout: it looks for the leader again among the voters (refka\'s; Kafka\'s observer stays Follower and retries its bootstrap servers).',
            },
            LEADER_DISCOVERED: { target: 'Follower', description: 'A leader of a higher epoch made itself known.' },
            VOTER_ADDED: { target: '#controller-quorum.voter.Follower', description: 'KIP-853: it appended a VotersRecord naming its key (the leader added it, AddRaftVoter): a voter from then on, still following.' },
          },
        },
      },
    },
  },
});

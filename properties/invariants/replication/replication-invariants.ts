import { fail } from '../../../impl/common/assert.ts';
import { batchEndingAt, lastBatchBelow } from '../../../sim/kafka/batch-digests.ts';
import { uncheckedFlipApplicability, type Finding, type InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import { partitionName, topicOfPartition } from '../../../sim/kafka/kafka-view.ts';
import type { BrokerView, KafkaClusterView, ReplicaView } from '../../../sim/kafka/kafka-view.ts';
import { sameItems } from '../../../sim/kafka/view-versions.ts';
import { HeldBatches } from './held-batches.ts';
import { JudgedPartitions } from './judged-partitions.ts';
import { brokerById, registrationsById, replicaOn } from './view-lookups.ts';
import type { BrokerRegistration } from '../../../impl/controller/controller-state.ts';

/**
 * The replication invariants of Kafka's TLA+ specification (`KafkaReplication.tla`,
 * `KafkaTruncation.tla` in the kafka-specification repository), checked over the cluster state
 * after every event. Some must remember earlier states (a leader epoch seen before), so each is
 * built fresh per run by its factory: nothing carries over between runs.
 */

/**
 * The broker views `applied` and `actingLeaders` last read, and what they made of them: a broker
 * view is never changed once built and is shown again while nothing in the broker moved, so a view
 * whose brokers are the same objects has the same replicas and leaders. Only object identity is
 * kept: a later run's views are new objects, so nothing of one run's judgement reaches another.
 */
let lastBrokers: readonly BrokerView[] = [];
let lastReplicas: Map<string, ReplicaView[]> | undefined;
let lastLeaders: { broker: BrokerView; replica: ReplicaView }[] | undefined;

function sameBrokers(brokers: readonly BrokerView[]): boolean {
  return sameItems(brokers, lastBrokers);
}

function rememberBrokers(brokers: readonly BrokerView[]): void {
  if (sameBrokers(brokers)) return;
  lastBrokers = [...brokers];
  lastReplicas = undefined;
  lastLeaders = undefined;
}

function applied(view: KafkaClusterView): { replicas: ReadonlyMap<string, readonly ReplicaView[]> } {
  rememberBrokers(view.brokers);
  if (lastReplicas === undefined) {
    const replicas = new Map<string, ReplicaView[]>();
    for (const broker of view.brokers) {
      if (broker.status !== 'running') continue;
      for (const replica of broker.replicas) {
        const list = replicas.get(replica.name);
        if (list === undefined) replicas.set(replica.name, [replica]);
        else list.push(replica);
      }
    }
    lastReplicas = replicas;
  }
  return { replicas: lastReplicas };
}

/** Every replica that a running broker is acting as leader of. */
function actingLeaders(view: KafkaClusterView): readonly { readonly broker: BrokerView; readonly replica: ReplicaView }[] {
  rememberBrokers(view.brokers);
  if (lastLeaders === undefined) {
    const leaders: { broker: BrokerView; replica: ReplicaView }[] = [];
    for (const broker of view.brokers) {
      if (broker.status !== 'running') continue;
      for (const replica of broker.replicas) if (replica.role === 'leader') leaders.push({ broker, replica });
    }
    lastLeaders = leaders;
  }
  return lastLeaders;
}

/**
 * The broker views and the broker epoch the controller has registered for each, as the claims
 * below read them (`view-lookups.ts`: found by scans and kept maps, nothing built per check).
 */
interface Registrations {
  readonly brokers: readonly BrokerView[];
  readonly registered: ReadonlyMap<number, BrokerRegistration>;
}

function registrations(view: KafkaClusterView): Registrations {
  return { brokers: view.brokers, registered: registrationsById(view) };
}

/** Each partition whose controller-chosen leader runs and acts as leader in the controller's epoch. */
function controllerLeaders(view: KafkaClusterView, brokers: readonly BrokerView[], skip?: JudgedPartitions): { partition: NonNullable<KafkaClusterView['controller']>['partitions'][number]; name: string; leader: ReplicaView }[] {
  const found: { partition: NonNullable<KafkaClusterView['controller']>['partitions'][number]; name: string; leader: ReplicaView }[] = [];
  for (const partition of view.controller?.partitions ?? []) {
    const name = partitionName(partition);
    // Partitions a claim judged to hold and that have not changed since are left out for it.
    if (skip?.unchanged(view, name) === true) continue;
    const leaderBroker = brokerById(brokers, partition.leader);
    if (leaderBroker === undefined || leaderBroker.status !== 'running') continue;
    const leader = replicaOn(leaderBroker, name);
    if (leader !== undefined && leader.role === 'leader' && leader.leaderEpoch === partition.leaderEpoch) found.push({ partition, name, leader });
  }
  return found;
}

/**
 * The first ISR member (other than the leader, of the incarnation the controller registered, with
 * the leader's log start) that does not hold `boundary` with the same epoch and prefix, if any.
 */
function isrMemberWithout(
  partition: { readonly isr: readonly number[]; readonly leader: number; readonly topicName: string; readonly partitionId: number },
  leader: ReplicaView,
  boundary: ReplicaView['digest'][number],
  brokers: readonly BrokerView[],
  registered: ReadonlyMap<number, BrokerRegistration>,
): ReplicaView | undefined {
  const name = partitionName(partition);
  for (const member of partition.isr) {
    if (member === partition.leader) continue;
    const broker = brokerById(brokers, member);
    if (broker === undefined || broker.status !== 'running' || registered.get(member)?.brokerEpoch !== broker.brokerEpoch) continue;
    const replica = replicaOn(broker, name);
    if (replica === undefined || replica.logStartOffset !== leader.logStartOffset) continue;
    // A copy holding a batch that fails its checksum was damaged by a bit flip on that broker's
    // disk (its header may be what flipped); the broker finds out when it reads the batch.
    if (damaged(replica)) continue;
    const match = batchEndingAt(replica.digest, boundary.lastOffset);
    if (match === undefined || match.epoch !== boundary.epoch || match.prefixHash !== boundary.prefixHash) return replica;
  }
  return undefined;
}

/**
 * One leadership of a partition (a broker's process in one leader epoch) as one number: these
 * claims look one up for every leader a check judges, and a text key built each time cost more
 * than the lookup.
 */
function leadershipKey(brokerId: number, incarnation: number, leaderEpoch: number): number {
  if (!(brokerId >= 0 && brokerId < 1024 && incarnation >= 0 && incarnation < 65_536 && leaderEpoch >= 0 && leaderEpoch < 2 ** 26)) {
    fail(`leadership of broker ${brokerId}, incarnation ${incarnation}, epoch ${leaderEpoch} is out of leadershipKey's range`);
  }
  return (leaderEpoch * 65_536 + incarnation) * 1024 + brokerId;
}

/** The partition's map of leaderships, made on first use. */
function leaderships(byPartition: Map<string, Map<number, number>>, partition: string): Map<number, number> {
  let found = byPartition.get(partition);
  if (found === undefined) {
    found = new Map();
    byPartition.set(partition, found);
  }
  return found;
}

/** A finding about `partition` (at `offset`, where there is one), naming brokers `brokerIds`. */
function about(message: string, partition: string, offset: number | undefined, brokerIds: readonly number[]): Finding {
  return { message, subject: { partition, ...(offset === undefined ? {} : { offset }), nodes: brokerIds.map((id) => `broker-${id}`) } };
}

/** `SingleLeaderPerEpoch`: two brokers never act as leader of one partition in the same epoch. */
export function singleLeaderPerEpoch(): InvariantDefinition<KafkaClusterView> {
  /** Per partition, per leader epoch: the broker seen leading it. */
  const leaders = new Map<string, Map<number, number>>();
  const judged = new JudgedPartitions();
  return {
    name: 'SingleLeaderPerEpoch',
    kind: 'always',
    source: 'Kafka TLA+ spec KafkaReplication.tla (LeaderEpochUnique); Raft election safety',
    statement: 'For each partition and leader epoch, at most one broker ever acts as leader.',
    checker: {
      type: 'state',
      check(view) {
        judged.begin(view);
        for (const { broker, replica } of actingLeaders(view)) {
          if (judged.unchanged(view, replica.name)) continue;
          judged.judging(replica.name);
          let byEpoch = leaders.get(replica.name);
          if (byEpoch === undefined) {
            byEpoch = new Map();
            leaders.set(replica.name, byEpoch);
          }
          const known = byEpoch.get(replica.leaderEpoch);
          if (known === undefined) byEpoch.set(replica.leaderEpoch, broker.brokerId);
          else if (known !== broker.brokerId) return about(`${replica.name}: brokers ${known} and ${broker.brokerId} both led epoch ${replica.leaderEpoch}`, replica.name, undefined, [known, broker.brokerId]);
        }
        judged.held(view);
        return undefined;
      },
    },
  };
}

// LeaderInIsr and MonotonicLeaderEpoch (KafkaReplication.tla) are not claims here: the metadata
// state asserts both on every record it replays (`MetadataState.replay`), on the controller and
// on every broker, so a run that broke either would crash there before any claim could see it;
// a claim that no run can fail is no check (DEVELOPERS.md).

/**
 * `StrongIsr`: every replica in the controller's ISR holds everything below the leader's high
 * watermark, with the same offsets and epochs. Only incarnations the controller has registered
 * are judged: a restarted broker is out of every ISR by the time its registration is committed.
 */
export function strongIsr(): InvariantDefinition<KafkaClusterView> {
  const judged = new JudgedPartitions();
  return {
    name: 'StrongIsr',
    kind: 'always',
    source: 'Kafka TLA+ spec KafkaReplication.tla (StrongIsr)',
    statement: 'Every replica in a partition\'s ISR holds every record below the leader\'s high watermark, at the same offsets and epochs.',
    // A replaced disk or a power loss does not excuse a violation: the broker restarts as a new
    // incarnation, which the controller takes out of every ISR before it is judged here (KIP-903).
    applicability(context) {
      return uncheckedFlipApplicability(context, 'copies stop matching');
    },
    checker: {
      type: 'state',
      check(view) {
        judged.begin(view);
        const { brokers, registered } = registrations(view);
        for (const { partition, name, leader } of controllerLeaders(view, brokers, judged)) {
          judged.judging(name);
          if (leader.highWatermark <= leader.logStartOffset) continue;
          const index = lastBatchBelow(leader.digest, leader.highWatermark);
          if (index < 0) continue;
          const boundary = leader.digest[index] as ReplicaView['digest'][number];
          if (!boundary.intact) continue;
          const missing = isrMemberWithout(partition, leader, boundary, brokers, registered);
          if (missing !== undefined) {
            return about(`${name}: ISR member ${missing.brokerId} does not hold the leader ${partition.leader}'s log below the high watermark ${leader.highWatermark} (leader epoch ${partition.leaderEpoch}; member's log end ${missing.logEndOffset})`, name, boundary.lastOffset, [missing.brokerId, partition.leader]);
          }
        }
        judged.held(view);
        return undefined;
      },
    },
  };
}

/**
 * `IsrHoldsCommitted`: every replica in the ISR holds every record ever committed, that is below
 * the highest high watermark any leader of the partition has exposed, not only below the current
 * leader's. A new leader learns the high watermark from its old leader's fetch answers, so its own
 * lags behind what was committed (KAFKA-7128); a follower admitted on that lagging mark can lack
 * committed records, and lose them if it is elected. Judged only while the current leader still
 * holds the committed batch: a leader that lost it to a power loss is a fault, not this bug.
 */
export function isrHoldsCommitted(): InvariantDefinition<KafkaClusterView> {
  /** Per partition: the last batch below the highest high watermark seen so far. */
  const committed = new Map<string, ReplicaView['digest'][number]>();
  const judged = new JudgedPartitions();
  return {
    name: 'IsrHoldsCommitted',
    kind: 'always',
    source: 'KAFKA-7128 (lagging high watermark); Kafka TLA+ spec KafkaReplication.tla (StrongIsr over committed records)',
    statement: 'Every replica in a partition\'s ISR holds every record below the highest high watermark any of its leaders has exposed, while the current leader holds it.',
    applicability(context) {
      return uncheckedFlipApplicability(context, 'copies stop matching');
    },
    checker: {
      type: 'state',
      check(view) {
        judged.begin(view);
        for (const { replica } of actingLeaders(view)) {
          if (judged.unchanged(view, replica.name)) continue;
          const index = lastBatchBelow(replica.digest, replica.highWatermark);
          if (index < 0) continue;
          const boundary = replica.digest[index] as ReplicaView['digest'][number];
          if (!boundary.intact) continue;
          const known = committed.get(replica.name);
          if (known === undefined || boundary.lastOffset > known.lastOffset) committed.set(replica.name, boundary);
        }
        const { brokers, registered } = registrations(view);
        for (const { partition, name, leader } of controllerLeaders(view, brokers, judged)) {
          judged.judging(name);
          const boundary = committed.get(name);
          if (boundary === undefined) continue;
          const held = batchEndingAt(leader.digest, boundary.lastOffset);
          if (held === undefined || held.epoch !== boundary.epoch || held.prefixHash !== boundary.prefixHash) continue;
          const missing = isrMemberWithout(partition, leader, boundary, brokers, registered);
          if (missing !== undefined) {
            return about(`${name}: ISR member ${missing.brokerId} lacks committed offset ${boundary.lastOffset} (epoch ${boundary.epoch}), which leader ${partition.leader} holds at high watermark ${leader.highWatermark} (leader epoch ${partition.leaderEpoch}; member's log end ${missing.logEndOffset})`, name, boundary.lastOffset, [missing.brokerId, partition.leader]);
          }
        }
        judged.held(view);
        return undefined;
      },
    },
  };
}

/**
 * `LogMatching`: two replicas that hold a batch with the same offset and leader epoch agree on
 * everything up to it. Replicas whose logs start at different offsets are not compared.
 */
export function logMatching(): InvariantDefinition<KafkaClusterView> {
  const judged = new JudgedPartitions();
  return {
    name: 'LogMatching',
    kind: 'always',
    source: 'Kafka TLA+ spec KafkaTruncation.tla (LogMatching); Raft Log Matching',
    statement: 'If two replicas hold a batch with the same last offset and leader epoch, their logs are identical up to and including it.',
    applicability(context) {
      return uncheckedFlipApplicability(context, 'copies stop matching');
    },
    checker: {
      type: 'state',
      check(view) {
        judged.begin(view);
        for (const [name, replicas] of applied(view).replicas) {
          if (judged.unchanged(view, name)) continue;
          judged.judging(name);
          for (let a = 0; a < replicas.length; a++) {
            for (let b = a + 1; b < replicas.length; b++) {
              const left = replicas[a] as ReplicaView;
              const right = replicas[b] as ReplicaView;
              if (left.logStartOffset !== right.logStartOffset) continue;
              const problem = compareLogs(left, right);
              if (problem !== undefined) return about(`${name}: brokers ${left.brokerId} and ${right.brokerId} ${problem.message}`, name, problem.offset, [left.brokerId, right.brokerId]);
            }
          }
        }
        judged.held(view);
        return undefined;
      },
    },
  };
}

/**
 * Bit flips stored in `partition`'s files on the other brokers whose copy is damaged now: down
 * (a broker halts when it reads a batch that fails its checksum) or holding such a batch. Named.
 */
function flipsOnOthers(view: KafkaClusterView, partition: string, leader: number, held: ReadonlySet<number>): string[] {
  const dir = `/${partition}/`;
  const flips: string[] = [];
  for (const broker of view.brokers) {
    if (broker.brokerId === leader || held.has(broker.brokerId)) continue;
    const copy = broker.replicas.find((replica) => replica.name === partition);
    if (broker.status === 'running' && (copy === undefined || !damaged(copy))) continue;
    for (const damage of broker.damage) {
      if (damage.kind === 'bitflip' && damage.onRead !== true && (damage.paths ?? []).some((path) => path.includes(dir))) flips.push(`bitflip at ${(damage.atMs / 1000).toFixed(3)} s (${damage.detail})`);
    }
  }
  return flips;
}

/** Whether the replica's log holds a batch that fails its checksum (see `BatchDigest.intact`). */
function damaged(replica: ReplicaView): boolean {
  return replica.digest.at(-1)?.intact === false;
}

function compareLogs(left: ReplicaView, right: ReplicaView): { readonly message: string; readonly offset: number } | undefined {
  if (damaged(left) || damaged(right)) return undefined;
  // The highest batch both hold with the same offset and epoch decides: equal prefix hashes there
  // mean every earlier batch matches too; unequal ones are the violation.
  for (let index = left.digest.length - 1; index >= 0; index--) {
    const batch = left.digest[index] as ReplicaView['digest'][number];
    const other = batchEndingAt(right.digest, batch.lastOffset);
    if (other === undefined || other.epoch !== batch.epoch) continue;
    // Prefixes holding a batch that fails its checksum are damaged copies, not a divergence.
    if (!batch.intact || !other.intact) continue;
    if (other.prefixHash === batch.prefixHash && other.baseOffset === batch.baseOffset && other.crc === batch.crc) return undefined;
    return { message: `both hold offset ${batch.lastOffset} in epoch ${batch.epoch} but their logs differ up to it`, offset: batch.lastOffset };
  }
  return undefined;
}

/** `MonotonicHighWatermark`: within one leader epoch, a leader's high watermark never goes back. */
export function monotonicHighWatermark(): InvariantDefinition<KafkaClusterView> {
  /** Per partition, per leadership (`leadershipKey`): the high watermark last seen. */
  const seen = new Map<string, Map<number, number>>();
  const judged = new JudgedPartitions();
  return {
    name: 'MonotonicHighWatermark',
    kind: 'always',
    source: 'Kafka TLA+ spec KafkaReplication.tla; Kafka Partition.maybeIncrementLeaderHW',
    statement: 'While a broker leads a partition in one leader epoch, the high watermark it exposes never decreases.',
    checker: {
      type: 'state',
      check(view) {
        judged.begin(view);
        for (const { broker, replica } of actingLeaders(view)) {
          if (judged.unchanged(view, replica.name)) continue;
          judged.judging(replica.name);
          const ofPartition = leaderships(seen, replica.name);
          const key = leadershipKey(broker.brokerId, broker.incarnation, replica.leaderEpoch);
          const previous = ofPartition.get(key) ?? -1;
          if (replica.highWatermark < previous) return about(`${replica.name}: leader ${broker.brokerId} in epoch ${replica.leaderEpoch} moved its high watermark back from ${previous} to ${replica.highWatermark}`, replica.name, replica.highWatermark, [broker.brokerId]);
          ofPartition.set(key, replica.highWatermark);
        }
        judged.held(view);
        return undefined;
      },
    },
  };
}

/**
 * `HighWatermarkOnMinIsr`: a leader moves its high watermark past a record only once at least
 * `min.insync.replicas` replicas (the leader included) hold it, KIP-966's rule ("the high
 * watermark will only advance if all the messages below it have been replicated to at least
 * min.insync.replicas ISR members"). A replica counts if it has held the batch, with the same
 * prefix, at any time: a copy later lost to a power loss or a replaced disk was still a copy when
 * the record was committed, so those faults do not make the claim inapplicable.
 */
export function highWatermarkOnMinIsr(defaultMinInsyncReplicas: number): InvariantDefinition<KafkaClusterView> {
  /** Per broker, per partition: the digest array last scanned and how far. */
  const scanned = new Map<number, Map<string, { digest: readonly ReplicaView['digest'][number][]; upTo: number }>>();
  /** Per partition: the batches replicas have ever held and who held each (`held-batches.ts`). */
  const holders = new Map<string, HeldBatches>();
  /** Per partition, per leadership (`leadershipKey`): the high watermark last seen. */
  const highWatermarks = new Map<string, Map<number, number>>();
  const judged = new JudgedPartitions();
  /** Per broker: the broker view whose replicas were last remembered. */
  const rememberedBrokers = new Map<number, BrokerView>();
  // A batch is known by its offsets, epoch and CRC, not its prefix hash: prefix hashes are
  // anchored at the replicas' common log start, which retention moves, and a replica down when
  // it moves would never be seen holding the batch under the new hash.
  const holdersOf = (partition: string, batch: ReplicaView['digest'][number]): Set<number> | undefined => holders.get(partition)?.holders(batch);
  /**
   * Per partition, per broker, per leader epoch the broker's replica was in: the furthest log end
   * it reached while its copy was damaged (a batch that fails its checksum, or a frame a bit flip
   * broke). Such a copy hides from `holders` the batches it fetched, and so acknowledged, from the
   * damage on; it may be unreadable by the time the leader's high watermark moves (default seed
   * 4246: the follower lost power and came back with its replica not loaded yet).
   */
  const damagedReach = new Map<string, Map<number, Map<number, number>>>();

  function rememberDamage(replica: ReplicaView): void {
    if (!damaged(replica)) return;
    let ofPartition = damagedReach.get(replica.name);
    if (ofPartition === undefined) {
      ofPartition = new Map();
      damagedReach.set(replica.name, ofPartition);
    }
    let ofBroker = ofPartition.get(replica.brokerId);
    if (ofBroker === undefined) {
      ofBroker = new Map();
      ofPartition.set(replica.brokerId, ofBroker);
    }
    ofBroker.set(replica.leaderEpoch, Math.max(ofBroker.get(replica.leaderEpoch) ?? 0, replica.logEndOffset));
  }

  /**
   * The brokers not in `held` whose damaged copy reached past `offset` while they followed the
   * leadership in `leaderEpoch`: a follower's log in the leader's own epoch was fetched from that
   * leader (or truncated to agree with it), so it held the leader's batch there, and its fetches
   * past it told the leader so.
   */
  function damagedHolders(partition: string, leaderEpoch: number, offset: number, held: ReadonlySet<number>): number[] {
    const found: number[] = [];
    for (const [brokerId, reach] of damagedReach.get(partition) ?? []) {
      if (!held.has(brokerId) && (reach.get(leaderEpoch) ?? 0) > offset) found.push(brokerId);
    }
    return found;
  }

  function remember(replica: ReplicaView): void {
    rememberDamage(replica);
    let ofBroker = scanned.get(replica.brokerId);
    if (ofBroker === undefined) {
      ofBroker = new Map();
      scanned.set(replica.brokerId, ofBroker);
    }
    const previous = ofBroker.get(replica.name);
    const from = previous !== undefined && previous.digest === replica.digest && previous.upTo <= replica.digest.length ? previous.upTo : 0;
    if (from === replica.digest.length && previous?.digest === replica.digest) return;
    let batches = holders.get(replica.name);
    if (batches === undefined) {
      batches = new HeldBatches();
      holders.set(replica.name, batches);
    }
    for (let index = from; index < replica.digest.length; index++) batches.hold(replica.digest[index] as ReplicaView['digest'][number], replica.brokerId);
    if (previous === undefined) ofBroker.set(replica.name, { digest: replica.digest, upTo: replica.digest.length });
    else {
      previous.digest = replica.digest;
      previous.upTo = replica.digest.length;
    }
  }

  return {
    name: 'HighWatermarkOnMinIsr',
    kind: 'always',
    source: 'KIP-966 (the high watermark advances only over records replicated to min.insync.replicas ISR members)',
    statement: 'A leader\'s high watermark moves past a record only once at least min.insync.replicas replicas, the leader included, have held it.',
    applicability(context) {
      return uncheckedFlipApplicability(context, 'copies stop matching');
    },
    checker: {
      type: 'state',
      check(view) {
        judged.begin(view);
        for (const broker of view.brokers) {
          // A broker view is never changed once built and is shown again while nothing in the
          // broker moved: its replicas are remembered already.
          if (broker.status !== 'running' || rememberedBrokers.get(broker.brokerId) === broker) continue;
          for (const replica of broker.replicas) if (!judged.unchanged(view, replica.name)) remember(replica);
          rememberedBrokers.set(broker.brokerId, broker);
        }
        for (const { broker, replica } of actingLeaders(view)) {
          if (judged.unchanged(view, replica.name)) continue;
          judged.judging(replica.name);
          const ofPartition = leaderships(highWatermarks, replica.name);
          const key = leadershipKey(broker.brokerId, broker.incarnation, replica.leaderEpoch);
          const previous = ofPartition.get(key);
          ofPartition.set(key, replica.highWatermark);
          // A new leadership's first high watermark was committed before it; only moves are judged.
          if (previous === undefined || replica.highWatermark <= previous) continue;
          const index = lastBatchBelow(replica.digest, replica.highWatermark);
          if (index < 0) continue;
          const boundary = replica.digest[index] as ReplicaView['digest'][number];
          // The leader's own copy holds a batch that fails its checksum (a bit flip on its disk,
          // which it finds when it reads it): its prefix is not what it acknowledged.
          if (!boundary.intact) continue;
          const held = holdersOf(replica.name, boundary) ?? new Set<number>();
          const topic = topicOfPartition(replica.name);
          const override = view.controller?.topics.find((candidate) => candidate.name === topic)?.configs['min.insync.replicas'];
          const minIsr = override === undefined ? defaultMinInsyncReplicas : Number(override);
          if (held.size < minIsr) {
            // A follower whose stored copy a bit flip damaged, now or earlier in this leadership,
            // still fetched past the batch and so acknowledged it: the fault broke its copy, not
            // the leader's rule.
            if (held.size + damagedHolders(replica.name, replica.leaderEpoch, boundary.lastOffset, held).length >= minIsr) continue;
            const brokers = [...held].sort((a, b) => a - b).join(',');
            const message = `${replica.name}: leader ${broker.brokerId} in epoch ${replica.leaderEpoch} moved its high watermark from ${previous} to ${replica.highWatermark}, but only broker(s) ${brokers} ever held offset ${boundary.lastOffset} (min.insync.replicas=${minIsr})`;
            // A follower that fetched the batch (and so acknowledged it) may have stored it over a
            // bit flip that broke its log, so that no intact copy of it is ever read: excused, per
            // moment, by the flips in this partition's files on brokers whose copy is damaged now.
            const flips = flipsOnOthers(view, replica.name, broker.brokerId, held);
            if (flips.length > 0) return { message, excusedBy: flips };
            return about(message, replica.name, boundary.lastOffset, [broker.brokerId]);
          }
        }
        judged.held(view);
        return undefined;
      },
    },
  };
}

/**
 * `CommittedRecordsSurvive`, in the spirit of the Kafka TLA+ specs' `LeaderCompleteness` /
 * `NoCommittedRecordLostGlobally`: a record that was below some leader's high watermark stays in
 * the log of every later leader. Judged on each partition's highest committed batch (from the
 * logs read off the brokers' disks), against the leader the controller has chosen, as soon as it
 * acts. A leader that lacks it is excused only where every copy of the record any replica held
 * was destroyed by faults on their disks (the copy ledger, naming them); if any replica still
 * holds it, or the protocol truncated a copy, it is a violation. Below the log start (retention)
 * nothing is judged.
 */
export function committedRecordsSurvive(): InvariantDefinition<KafkaClusterView> {
  /** Per partition: the highest committed batch seen, and the record value at its last offset. */
  const committed = new Map<string, { batch: ReplicaView['digest'][number]; value: string | undefined }>();
  /** `partition/leader/epoch/offset` already reported, so that one loss is one finding. */
  const reported = new Set<string>();
  const judged = new JudgedPartitions();
  return {
    name: 'CommittedRecordsSurvive',
    kind: 'always',
    source: 'Kafka TLA+ specs (LeaderCompleteness, NoCommittedRecordLostGlobally); Raft Leader Completeness',
    statement: 'A record once below some leader\'s high watermark is in the log of every later leader, unless faults destroyed every copy of it.',
    // Unclean leader election gives up exactly this, as Kafka documents it: a whole-run condition.
    applicability(context) {
      if (context.config['unclean.leader.election.enable'] === 'true') return { applies: false, reason: 'unclean leader election may elect a replica without committed records' };
      return { applies: true };
    },
    checker: {
      type: 'state',
      check(view) {
        judged.begin(view);
        for (const { broker, replica } of actingLeaders(view)) {
          if (judged.unchanged(view, replica.name)) continue;
          const index = lastBatchBelow(replica.digest, replica.highWatermark);
          if (index < 0) continue;
          const boundary = replica.digest[index] as ReplicaView['digest'][number];
          if (!boundary.intact) continue;
          const known = committed.get(replica.name);
          if (known === undefined || boundary.lastOffset > known.batch.lastOffset) {
            committed.set(replica.name, { batch: boundary, value: view.logs.valueAt(broker.brokerId, replica.name, boundary.lastOffset) });
          }
        }
        const { brokers } = registrations(view);
        for (const { partition, name, leader } of controllerLeaders(view, brokers, judged)) {
          judged.judging(name);
          const known = committed.get(name);
          if (known === undefined || known.batch.lastOffset < leader.logStartOffset) continue;
          if (known.value === undefined) continue;
          // The very digest entry the value was read with, still in the leader's digest: the same
          // read of the same bytes (a replica read again gets new entries), so the same record.
          if (batchEndingAt(leader.digest, known.batch.lastOffset) === known.batch) continue;
          if (view.logs.valueAt(partition.leader, name, known.batch.lastOffset) === known.value) continue;
          if (leader.digest.at(-1)?.intact === false) continue;
          const key = `${name}/${partition.leader}/${partition.leaderEpoch}/${known.batch.lastOffset}`;
          if (reported.has(key)) continue;
          reported.add(key);
          const message = `${name}: leader ${partition.leader} (epoch ${partition.leaderEpoch}) lacks committed offset ${known.batch.lastOffset} (epoch ${known.batch.epoch}); its log ends at ${leader.logEndOffset}`;
          const compacts = (view.controller?.topics.find((topic) => topic.name === partition.topicName)?.configs['cleanup.policy'] ?? 'delete').includes('compact');
          const judgement = view.logs.judgeLoss(name, known.batch.lastOffset, known.value, compacts, { brokerId: partition.leader, leaderEpoch: partition.leaderEpoch });
          if (judgement.excused) return { message: `${message}: ${judgement.reason}`, excusedBy: judgement.faults.length > 0 ? judgement.faults : [judgement.reason] };
          const finding = about(`${message} (${judgement.story})`, name, known.batch.lastOffset, [partition.leader]);
          return { ...finding, subject: { ...finding.subject, value: known.value } };
        }
        judged.held(view);
        return undefined;
      },
    },
  };
}

export function replicationStateInvariants(defaultMinInsyncReplicas: number): InvariantDefinition<KafkaClusterView>[] {
  return [singleLeaderPerEpoch(), strongIsr(), committedRecordsSurvive(), isrHoldsCommitted(), logMatching(), monotonicHighWatermark(), highWatermarkOnMinIsr(defaultMinInsyncReplicas)];
}

import { assert } from '../../impl/common/assert.ts';
import { BROKER_LOG_DIR } from '../../impl/broker/kafka-broker.ts';
import { LOG_START_OFFSET_CHECKPOINT_FILENAME, parseTopicPartitionDir } from '../../impl/log/log-manager.ts';
import { LOG_FILE_SUFFIX } from '../../impl/log/log-segment.ts';
import type { DiskReader } from '../disk/sim-disk.ts';
import type { DataDamage } from '../run/system.ts';
import { appendDigests, type BatchDigest } from './batch-digests.ts';
import { type ControllerRegistrations, ElectionHistory } from './election-history.ts';
import { heldChange } from './held-change.ts';
import { LossJudge, type LossJudgement } from './loss-judgement.ts';
import { type CopyEnding, Holders, type MutableCopies, type RecordCopies } from './record-copies.ts';
import { RetiredLedger } from './retired-records.ts';
import { type FileScan, type ScannedBatch, SegmentReader } from './segment-reader.ts';

/**
 * What the checkers know of every replica: read from the brokers' disks, not from anything the
 * brokers keep for the checkers. After each event the simulator builds a view; for every running
 * broker whose disk changed, this reads the partition logs' segment files (`.log`) the way log
 * recovery walks them (length, magic, CRC-32C), so that what the invariants compare is the real
 * log, byte for byte. A copy ledger follows every record from the replica that first held it to
 * the last copy that ends, and says how each copy ended: truncated by the protocol, deleted by
 * retention, removed by compaction, or destroyed by a fault that took data off a disk. That
 * ledger is what lets a lost write be excused per record and per moment, never per run.
 *
 * Its parts live beside it, one concept a file: `segment-reader.ts` turns a segment file's bytes
 * into batches, `batch-digests.ts` turns batches into the digests the invariants compare,
 * `held-change.ts` finds what changed between two reads of a replica, `record-copies.ts` is one
 * record's entry, `retired-records.ts` keeps the records retention deleted everywhere,
 * `election-history.ts` what the controller's records showed, and `loss-judgement.ts` judges a
 * lost record on all of that. This file keeps the replicas as read and the ledger itself.
 */

interface ReplicaScan {
  readonly brokerId: number;
  readonly name: string;
  /** Segment files by path. */
  readonly files: Map<string, FileScan>;
  /** `files`' paths sorted, built when asked for; undefined after a path comes or goes. */
  sortedPaths: readonly string[] | undefined;
  batches: BatchDigest[];
  /** Records currently held, `offset:value`, in log order. */
  held: Set<string>;
  /** The batches `held` was read from (after the log start filter), in log order; owned here. */
  scanned: ScannedBatch[];
  /** The log start offset at the last scan. */
  logStart: number | undefined;
  /** The replica's directory, and its disk's `directoryVersion` at the last scan (-1: never scanned). */
  readonly dir: string;
  dirVersion: number;
}

interface BrokerScan {
  diskVersion: number;
  incarnation: number;
  readonly replicas: Map<string, ReplicaScan>;
  /** When this process was first seen running; at a restart, the previous process's (see `damageSince`). */
  startedAtMs: number;
  previousStartMs: number | undefined;
  /** The disk's segment files by partition directory, and the replicas to scan, as of `namesVersion`. */
  layout: { readonly namesVersion: number; readonly byPartition: ReadonlyMap<string, readonly string[]>; readonly names: readonly string[] } | undefined;
}

/** The records a broker's running process has loaded, and their log start offsets. */
export interface BrokerLogs {
  readonly brokerId: number;
  readonly incarnation: number;
  readonly running: boolean;
  readonly disk: DiskReader;
  readonly damage: readonly DataDamage[];
  /** `topic-partition` -> the log start offset the broker's log reports (absent: not loaded). */
  logStartOffset(name: string): number | undefined;
  /** `topic-partition` -> the leader and leader epoch the broker's replica follows, if it follows one. */
  following?(name: string): { readonly leader: number; readonly leaderEpoch: number } | undefined;
}

export class ReplicaLogs {
  /**
   * @param compacted whether a partition's topic is compacted (`cleanup.policy` includes
   * `compact`): each replica's cleaner rewrites batches on its own schedule, as Kafka's does, so
   * copies of one batch keep its offsets and epoch but not its records or CRC. Its batches then
   * compare by offsets and epoch only (CRC 0), and copies removed from the middle of its log are
   * `compacted`.
   */
  constructor(
    private readonly compacted: (partition: string) => boolean = () => false,
    /** Whether a partition's records are binary (the group coordinator's): their values are read as hex. */
    private readonly binary: (partition: string) => boolean = () => false,
    /**
     * For tests: also check the headers of a file whose rewritten version did not move, and fail
     * if the disk's version let a changed header through. Costs what the version saves.
     */
    checkSkippedHeaders = false,
  ) {
    this.reader = new SegmentReader(checkSkippedHeaders);
  }

  /** Reads the replicas' segment files (`segment-reader.ts`). */
  private readonly reader: SegmentReader;

  private readonly brokers = new Map<number, BrokerScan>();
  /** partition -> `offset:value` -> copies. */
  private readonly ledger = new Map<string, Map<string, MutableCopies>>();
  /**
   * Records every copy of which retention deleted, and nothing else ended, kept as their
   * deletions alone (`retired-records.ts`): they leave `ledger`. `copies` gives them back whole.
   */
  private readonly retired = new RetiredLedger();

  /** Per broker, the damage list last seen (the simulator's, append-only). */
  private readonly damage = new Map<number, readonly DataDamage[]>();

  /** How each leader was elected and how each broker left each partition's ISR and ELR. */
  private readonly history = new ElectionHistory((brokerId, name) => this.batches(brokerId, name));
  /** Judges a record's loss on its copies, the elections and the damage on the disks. */
  private readonly judge = new LossJudge(this.history, (brokerId) => this.damage.get(brokerId));

  /**
   * Follows the controller's records (after each event, like `observe`): see
   * `ElectionHistory.observe`.
   */
  observeController(nowMs: number, controller: ControllerRegistrations | undefined, stopOf: (brokerId: number) => string | undefined): void {
    this.history.observe(nowMs, controller, stopOf);
  }

  /** Whether `observeController` would learn anything from `controller`. */
  learnsFrom(controller: ControllerRegistrations | undefined): controller is ControllerRegistrations {
    return this.history.learnsFrom(controller);
  }

  /** Brings every running broker's replicas up to date with its disk. */
  observe(nowMs: number, brokers: readonly BrokerLogs[]): void {
    for (const broker of brokers) {
      this.damage.set(broker.brokerId, broker.damage);
      if (!broker.running) continue;
      let scan = this.brokers.get(broker.brokerId);
      if (scan !== undefined && scan.diskVersion === broker.disk.version && scan.incarnation === broker.incarnation) continue;
      const restarted = scan !== undefined && scan.incarnation !== broker.incarnation;
      if (scan === undefined) {
        scan = { diskVersion: -1, incarnation: broker.incarnation, replicas: new Map(), startedAtMs: nowMs, previousStartMs: undefined, layout: undefined };
        this.brokers.set(broker.brokerId, scan);
      }
      if (restarted) {
        scan.previousStartMs = scan.startedAtMs;
        scan.startedAtMs = nowMs;
      }
      this.scanBroker(nowMs, broker, scan, restarted);
      scan.diskVersion = broker.disk.version;
      scan.incarnation = broker.incarnation;
    }
  }

  /**
   * Whether `observe` would leave this running broker's replicas as they are: they were read at
   * its disk's current version, in this process. Reads nothing.
   */
  current(broker: Pick<BrokerLogs, 'brokerId' | 'incarnation' | 'disk'>): boolean {
    const scan = this.brokers.get(broker.brokerId);
    return scan !== undefined && scan.diskVersion === broker.disk.version && scan.incarnation === broker.incarnation;
  }

  /** The batches of `name` on `brokerId` as last read from its disk (empty if none). */
  batches(brokerId: number, name: string): readonly BatchDigest[] {
    return this.brokers.get(brokerId)?.replicas.get(name)?.batches ?? [];
  }

  /**
   * The batches of `name` on `brokerId`, with their records, as last read from its disk (after
   * the log start filter). The array only grows while it is the same object; a full read of the
   * replica replaces it.
   */
  records(brokerId: number, name: string): readonly ScannedBatch[] {
    return this.brokers.get(brokerId)?.replicas.get(name)?.scanned ?? [];
  }

  /** The value `brokerId`'s copy of `name` holds at `offset`, as last read from its disk. */
  valueAt(brokerId: number, name: string, offset: number): string | undefined {
    const replica = this.brokers.get(brokerId)?.replicas.get(name);
    if (replica === undefined) return undefined;
    for (const scan of replica.files.values()) {
      const batches = scan.batches;
      let low = 0;
      let high = batches.length - 1;
      while (low <= high) {
        const middle = (low + high) >> 1;
        const batch = batches[middle] as ScannedBatch;
        if (batch.lastOffset < offset) low = middle + 1;
        else if (batch.baseOffset > offset) high = middle - 1;
        else return batch.records.find((record) => record.offset === offset)?.value;
      }
    }
    return undefined;
  }

  /** The copies of `value` at `offset` of `partition`, if any replica ever held it. */
  copies(partition: string, offset: number, value: string): RecordCopies | undefined {
    const copies = this.ledger.get(partition)?.get(`${offset}:${value}`);
    if (copies !== undefined) return copies;
    return this.retired.get(partition, offset, value);
  }

  /**
   * The lowest offset in [`from`, `below`) of `partition` at which any replica ever held a record
   * (retention's retired records aside), with every value held there, sorted; undefined if none.
   * A scan of the partition's ledger: for the rare finding that needs it, not for every check.
   */
  firstRecordsFrom(partition: string, from: number, below: number): { readonly offset: number; readonly values: readonly string[] } | undefined {
    let offset = Number.POSITIVE_INFINITY;
    let values: string[] = [];
    for (const copies of this.ledger.get(partition)?.values() ?? []) {
      if (copies.offset < from || copies.offset >= below || copies.offset > offset) continue;
      if (copies.offset < offset) {
        offset = copies.offset;
        values = [];
      }
      values.push(copies.value);
    }
    return values.length === 0 ? undefined : { offset, values: values.sort() };
  }

  /**
   * Bit flips that no checksum covers (only `swarm-beyond` injects them) in `partition`'s files on
   * the brokers that ever held `value` at `offset`: such a flip changes a batch's offsets or epoch
   * unseen, so a copy can move to another offset with nothing lost that the ledger could see.
   * Named, for a per-record excuse; none when no replica ever held the record.
   */
  uncheckedFlipsOn(partition: string, offset: number, value: string): string[] {
    const copies = this.copies(partition, offset, value);
    if (copies === undefined) return [];
    const holders = new Set([...copies.holders.keys(), ...copies.endings.map((ending) => ending.brokerId)]);
    const dir = `${BROKER_LOG_DIR}/${partition}/`;
    const flips: string[] = [];
    for (const brokerId of [...holders].sort((a, b) => a - b)) {
      for (const event of this.damage.get(brokerId) ?? []) {
        if (event.kind === 'bitflip' && event.checked === false && (event.paths ?? []).some((path) => path.startsWith(dir))) {
          flips.push(`unchecked bitflip at ${(event.atMs / 1000).toFixed(3)} s (${event.detail})`);
        }
      }
    }
    return flips;
  }

  /**
   * Whether the loss of `value` at `offset` of `partition` is excused, judged on the record's
   * copies (see `LossJudge.judge`). `leader` is the leader whose lack is judged now
   * (CommittedRecordsSurvive).
   */
  judgeLoss(partition: string, offset: number, value: string, compacts: boolean, leader?: { readonly brokerId: number; readonly leaderEpoch: number }): LossJudgement {
    return this.judge.judge(partition, this.copies(partition, offset, value), compacts, leader);
  }

  private scanBroker(nowMs: number, broker: BrokerLogs, scan: BrokerScan, restarted: boolean): void {
    if (scan.layout === undefined || scan.layout.namesVersion !== broker.disk.namesVersion) scan.layout = this.layoutOf(broker, scan);
    const { byPartition, names } = scan.layout;
    for (const name of names) {
      let replica = scan.replicas.get(name);
      if (replica === undefined) {
        replica = { brokerId: broker.brokerId, name, files: new Map(), sortedPaths: undefined, batches: [], held: new Set(), scanned: [], logStart: undefined, dir: `${BROKER_LOG_DIR}/${name}`, dirVersion: -1 };
        scan.replicas.set(name, replica);
      }
      // A directory nothing touched since the last scan, with the same log start, reads the same:
      // a check costs the partitions whose files changed.
      const dirVersion = broker.disk.directoryVersion(replica.dir);
      if (!restarted && replica.dirVersion === dirVersion && replica.logStart === broker.logStartOffset(name)) continue;
      this.scanReplica(nowMs, broker, replica, byPartition.get(name) ?? [], restarted);
      replica.dirVersion = dirVersion;
    }
  }

  /** The broker's segment files by partition directory, and the replicas to scan: those with files and those known before. */
  private layoutOf(broker: BrokerLogs, scan: BrokerScan): NonNullable<BrokerScan['layout']> {
    const prefix = `${BROKER_LOG_DIR}/`;
    const byPartition = new Map<string, string[]>();
    for (const path of broker.disk.list(prefix)) {
      if (!path.endsWith(LOG_FILE_SUFFIX)) continue;
      const rest = path.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash <= 0 || rest.indexOf('/', slash + 1) >= 0) continue;
      const dir = rest.slice(0, slash);
      if (parseTopicPartitionDir(dir) === undefined) continue;
      const list = byPartition.get(dir) ?? [];
      list.push(path);
      byPartition.set(dir, list);
    }
    // Replicas whose directory is gone (a replaced disk) end with nothing left.
    const names = [...new Set([...byPartition.keys(), ...scan.replicas.keys()])].sort();
    return { namesVersion: broker.disk.namesVersion, byPartition, names };
  }

  private scanReplica(nowMs: number, broker: BrokerLogs, replica: ReplicaScan, paths: readonly string[], restarted: boolean): void {
    const disk = broker.disk;
    const logStart = broker.logStartOffset(replica.name);
    // The common case, an append to the active segment (or a roll), is read incrementally; any
    // other change (truncation, deleted or rewritten segments, a new log start, a restart) makes
    // the replica be read again from its files.
    if (!restarted) {
      const appended = this.appendedBatches(disk, replica, paths, logStart);
      if (appended !== undefined) {
        this.extend(nowMs, replica, appended);
        return;
      }
    }
    const present = new Set(paths);
    for (const path of [...replica.files.keys()]) {
      if (present.has(path)) continue;
      replica.files.delete(path);
      replica.sortedPaths = undefined;
    }
    for (const path of paths) {
      const size = disk.size(path);
      const known = replica.files.get(path);
      if (known !== undefined && size >= known.size && this.reader.unchanged(disk, path, known)) {
        if (size > known.size) this.reader.readFrom(disk, path, known, known.size, size, this.binary(replica.name));
        continue;
      }
      const fresh: FileScan = { size: 0, batches: [], positions: [], rewritten: disk.rewrittenVersion(path) };
      this.reader.readFrom(disk, path, fresh, 0, size, this.binary(replica.name));
      if (known === undefined) replica.sortedPaths = undefined;
      replica.files.set(path, fresh);
    }
    // Segments in base-offset order (their names are zero-padded offsets), batches in file order.
    const scanned: ScannedBatch[] = [];
    const sorted = sortedPaths(replica);
    for (let index = 0; index < sorted.length; index++) {
      for (const batch of (replica.files.get(sorted[index] as string) as FileScan).batches) {
        if (logStart !== undefined && batch.lastOffset < logStart && !unreadAtOrAbove(batch, logStart, sorted, index)) continue;
        scanned.push(batch);
      }
    }
    const before = { held: replica.held, scanned: replica.scanned, logStart: replica.logStart };
    replica.logStart = logStart;
    replica.scanned = scanned;
    replica.batches = [];
    appendDigests(replica.batches, scanned, this.compacted(replica.name));
    this.settle(nowMs, broker, replica, before, restarted);
  }

  /**
   * The batches appended since the last scan, when nothing else changed: every known segment
   * but the last has its size, the last grew (or kept its size) with its batches where they were,
   * new segments follow it, and the log start is the same. Undefined otherwise.
   */
  private appendedBatches(disk: DiskReader, replica: ReplicaScan, paths: readonly string[], logStart: number | undefined): ScannedBatch[] | undefined {
    if (logStart !== replica.logStart || replica.files.size === 0) return undefined;
    const known = sortedPaths(replica);
    if (paths.length < known.length) return undefined;
    for (let index = 0; index < known.length; index++) if (paths[index] !== known[index]) return undefined;
    const last = known[known.length - 1] as string;
    for (let index = 0; index < known.length - 1; index++) {
      const path = known[index] as string;
      if (disk.size(path) !== (replica.files.get(path) as FileScan).size) return undefined;
    }
    const lastScan = replica.files.get(last) as FileScan;
    const lastSize = disk.size(last);
    if (lastSize < lastScan.size || !this.reader.unchanged(disk, last, lastScan)) return undefined;
    const appended: ScannedBatch[] = [];
    const before = lastScan.batches.length;
    if (lastSize > lastScan.size) this.reader.readFrom(disk, last, lastScan, lastScan.size, lastSize, this.binary(replica.name));
    keepAbove(appended, lastScan.batches, before, logStart, paths, known.length - 1);
    for (let index = known.length; index < paths.length; index++) {
      const path = paths[index] as string;
      const fresh: FileScan = { size: 0, batches: [], positions: [], rewritten: disk.rewrittenVersion(path) };
      this.reader.readFrom(disk, path, fresh, 0, disk.size(path), this.binary(replica.name));
      replica.files.set(path, fresh);
      replica.sortedPaths = undefined;
      keepAbove(appended, fresh.batches, 0, logStart, paths, index);
    }
    return appended;
  }

  private extend(nowMs: number, replica: ReplicaScan, appended: readonly ScannedBatch[]): void {
    if (appended.length === 0) return;
    const before = replica.batches.length;
    appendDigests(replica.batches, appended, this.compacted(replica.name));
    replica.scanned.push(...appended);
    const records = this.ledgerOf(replica.name);
    for (const batch of appended) {
      for (const record of batch.records) {
        if (replica.logStart !== undefined && record.offset < replica.logStart) continue;
        const key = record.key;
        if (replica.held.has(key)) continue;
        replica.held.add(key);
        this.gain(records, replica, key, nowMs);
      }
    }
    assert(replica.batches.length === before + appended.length, 'an append extends the replica batch for batch');
  }

  private ledgerOf(name: string): Map<string, MutableCopies> {
    let records = this.ledger.get(name);
    if (records === undefined) {
      records = new Map();
      this.ledger.set(name, records);
    }
    return records;
  }

  private gain(records: Map<string, MutableCopies>, replica: ReplicaScan, key: string, nowMs: number): void {
    let copies = records.get(key);
    if (copies === undefined) {
      const colon = key.indexOf(':');
      const offset = Number(key.slice(0, colon));
      const value = key.slice(colon + 1);
      // A copy back from a deletion (a deleted segment a power loss brought back): whole again.
      copies = this.retired.take(replica.name, offset, value) ?? { partition: replica.name, offset, value, holders: new Holders(), endings: [] };
      records.set(key, copies);
    }
    copies.holders.set(replica.brokerId, nowMs);
  }

  /**
   * Updates the ledger after a full read: `before` is what the replica held (and the batches and
   * log start it was read from), `replica.scanned` what it holds now. Each record no longer held
   * ends its copy, and the ending says how. Only the records of batches that changed are visited
   * when the logs read in offset order (see {@link heldChange}); otherwise every record is.
   */
  private settle(nowMs: number, broker: BrokerLogs, replica: ReplicaScan, before: { readonly held: Set<string>; readonly scanned: ScannedBatch[]; readonly logStart: number | undefined }, restarted: boolean): void {
    const records = this.ledgerOf(replica.name);
    const scanned = replica.scanned;
    const previous = before.held;
    const change = heldChange(before.scanned, before.logStart, scanned, replica.logStart);
    let removed: string[];
    let added: string[];
    let occupied: ReadonlySet<number>;
    if (change !== undefined) {
      // Every record below the divergence is held before and after; the log order makes a record
      // that left the tail one whose offset only the new tail can hold again.
      removed = change.removed;
      added = change.added;
      occupied = change.tailOffsets;
      for (const key of removed) previous.delete(key);
      for (const key of added) previous.add(key);
      replica.held = previous;
    } else {
      const held = new Set<string>();
      for (const batch of scanned) {
        for (const record of batch.records) {
          if (replica.logStart !== undefined && record.offset < replica.logStart) continue;
          held.add(record.key);
        }
      }
      // Offsets that hold a record now: a lost copy whose offset holds another value was replaced,
      // which only truncation and a new append do (compaction keeps offsets or leaves them empty).
      const offsets = new Set<number>();
      for (const key of held) offsets.add(Number(key.slice(0, key.indexOf(':'))));
      removed = [];
      for (const key of previous) if (!held.has(key)) removed.push(key);
      added = [];
      for (const key of held) if (!previous.has(key)) added.push(key);
      occupied = offsets;
      replica.held = held;
    }
    const firstOffset = scanned[0]?.baseOffset ?? Number.POSITIVE_INFINITY;
    const lastOffset = scanned.at(-1)?.lastOffset ?? -1;
    for (const key of removed) {
      const copies = records.get(key);
      assert(copies !== undefined, `${replica.name}: a held record ${key} is missing from the ledger`);
      const gainedMs = copies.holders.sinceMs(replica.brokerId);
      assert(gainedMs !== undefined, `${replica.name}: broker ${replica.brokerId} held ${key} without a holder entry`);
      copies.holders.delete(replica.brokerId);
      const offset = copies.offset;
      // Below the log start a restart read, the checkpoint it was read from may have been flipped.
      const checkpointSinceMs = restarted && replica.logStart !== undefined && offset < replica.logStart ? this.brokers.get(replica.brokerId)?.previousStartMs : undefined;
      const faults = damageSince(broker.damage, gainedMs, replica.name, restarted, checkpointSinceMs);
      let ending: CopyEnding;
      if (faults.length > 0) ending = { how: 'destroyed', brokerId: replica.brokerId, atMs: nowMs, faults };
      else if (restarted) ending = { how: 'lost-on-restart', brokerId: replica.brokerId, atMs: nowMs };
      else if (replica.logStart !== undefined ? offset < replica.logStart : offset < firstOffset) ending = { how: 'deleted', brokerId: replica.brokerId, atMs: nowMs };
      else if (offset > lastOffset || occupied.has(offset)) {
        const followed = broker.following?.(replica.name);
        ending = followed === undefined
          ? { how: 'truncated', brokerId: replica.brokerId, atMs: nowMs }
          : { how: 'truncated', brokerId: replica.brokerId, atMs: nowMs, leader: followed.leader, leaderEpoch: followed.leaderEpoch };
      }
      else ending = { how: 'compacted', brokerId: replica.brokerId, atMs: nowMs };
      copies.endings.push(ending);
      if (copies.holders.size === 0 && copies.endings.every((each) => each.how === 'deleted')) {
        this.retired.retire(replica.name, copies);
        records.delete(key);
      }
    }
    for (const key of added) this.gain(records, replica, key, nowMs);
  }
}

/**
 * Whether an unframeable placeholder below the log start may hide offsets at or above it: what
 * follows it in its file (`paths[index]`) was never read, and the file runs up to the next
 * segment's base offset (none for the last segment), read from its name only for a placeholder. Default seed 3220: bit flips stored in broker 1's
 * segment 753 cut its scan near offset 1000; the leader's retention moved the log start to 1465,
 * inside that segment, and without the placeholder the replica's log read as starting intact at
 * the next segment (1649), as if it lacked 1465..1648. Kept, it marks the copy as damaged there.
 */
function unreadAtOrAbove(batch: ScannedBatch, logStart: number, paths: readonly string[], index: number): boolean {
  if (batch.unframed !== true) return false;
  const next = paths[index + 1];
  return next === undefined || segmentBase(next) > logStart;
}

/** A segment file's base offset, from its zero-padded name. */
function segmentBase(path: string): number {
  const base = Number(path.slice(path.lastIndexOf('/') + 1, path.length - LOG_FILE_SUFFIX.length));
  assert(Number.isSafeInteger(base) && base >= 0, `segment file ${path} does not name a base offset`);
  return base;
}

/**
 * Appends to `appended` the batches of segment `paths[index]` from `from` on that are not below
 * the log start (`appendedBatches`; a function, not a closure made per append).
 */
function keepAbove(appended: ScannedBatch[], batches: readonly ScannedBatch[], from: number, logStart: number | undefined, paths: readonly string[], index: number): void {
  for (let at = from; at < batches.length; at++) {
    const batch = batches[at] as ScannedBatch;
    if (logStart === undefined || batch.lastOffset >= logStart || unreadAtOrAbove(batch, logStart, paths, index)) appended.push(batch);
  }
}

/** The replica's segment files in base-offset order (zero-padded names), built once per change. */
function sortedPaths(replica: ReplicaScan): readonly string[] {
  replica.sortedPaths ??= [...replica.files.keys()].sort();
  return replica.sortedPaths;
}

/**
 * The faults on a broker's disk that can have taken a copy gained at `sinceMs`: at a restart,
 * power losses since then that lost bytes of this partition's files, disk replacements since
 * then, and bit flips in its files at any earlier time (recovery cuts a log at the first corrupt
 * batch); at any time, bit flips no checksum covers (the broker cannot notice them, so they
 * change its log as it runs). With `checkpointSinceMs` (a copy below the log start a restart
 * read), also bit flips no checksum covers stored since then in the broker's log-start-offset
 * checkpoint (Kafka's text file, `topic partition offset` per line, has none): a changed digit
 * moves a log start up, and the broker deletes what is below it (`--faults swarm-beyond` seed
 * 207). `checkpointSinceMs` is when the process that ended began: it rewrote the file every
 * checkpoint interval, so a flip from before it was read by it, not by this restart.
 */
function damageSince(damage: readonly DataDamage[], sinceMs: number, partition: string, restarted: boolean, checkpointSinceMs?: number): string[] {
  const faults: string[] = [];
  const dir = `${BROKER_LOG_DIR}/${partition}/`;
  const checkpoint = `${BROKER_LOG_DIR}/${LOG_START_OFFSET_CHECKPOINT_FILENAME}`;
  for (const event of damage) {
    // A flip in what the broker read changed nothing it stored.
    if (event.onRead === true) continue;
    if (checkpointSinceMs !== undefined && event.kind === 'bitflip' && event.checked === false && event.atMs >= checkpointSinceMs
      && (event.paths ?? []).some((path) => path === checkpoint || path === `${checkpoint}.tmp`)) {
      faults.push(describeDamage(event));
      continue;
    }
    const touches = event.paths === undefined || event.paths.some((path) => path.startsWith(dir));
    if (!touches) continue;
    // A flipped batch anywhere before the copy cuts it too: recovery truncates the log at the
    // first batch that fails its checksum, however long the flip went unnoticed.
    if (event.atMs < sinceMs && event.kind !== 'bitflip') continue;
    if (!restarted && !(event.kind === 'bitflip' && event.checked === false)) continue;
    faults.push(describeDamage(event));
  }
  return faults;
}

/** A fault on a disk as an excuse names it. */
function describeDamage(event: DataDamage): string {
  return `${event.kind} at ${(event.atMs / 1000).toFixed(3)} s (${event.detail})`;
}

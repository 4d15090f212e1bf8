import { assertNever } from '../../impl/common/assert.ts';
import type { NodeId } from '../../impl/env/node-environment.ts';
import type { FaultKind } from './fault-kind.ts';

/**
 * A fault schedule: what the nemesis decided, as data. Each entry is one moment at which a fault
 * of one kind was due, and what came of it. A drawn run records its schedule as it goes; a
 * scripted run (`--schedule FILE`) executes one, drawing nothing from the fault streams, so the
 * rest of the run (workload, network, disks, every node's randomness) is the seed's. The schedule
 * of a seed's run, replayed, is that run: same trace, same digest.
 *
 * A fault entry carries its own repair (`end`), so deleting an entry deletes the fault and its
 * repair together and leaves a valid schedule: the unit a shrinker removes is one entry.
 */
export type ScheduleEntry = FaultEntry | HeldBackEntry | SkippedEntry | IdleEntry;

export type PartitionShape = 'isolate' | 'halves' | 'one-way' | 'bridge';
export const PARTITION_SHAPES: readonly PartitionShape[] = ['isolate', 'halves', 'one-way', 'bridge'];

/** A link, as `[from, to]`: what `from` sends `to`. */
export type Link = readonly [NodeId, NodeId];

/** Kinds whose fault strikes one node: a server, except the client kinds. */
export type NodeFaultKind = 'crash' | 'power-loss' | 'disk-loss' | 'controlled-shutdown' | 'bitflip' | 'disk-full' | 'client-crash' | 'client-pause' | 'client-stall';
export const NODE_FAULT_KINDS: readonly NodeFaultKind[] = ['crash', 'power-loss', 'disk-loss', 'controlled-shutdown', 'bitflip', 'disk-full', 'client-crash', 'client-pause', 'client-stall'];

/**
 * A fault that struck, at `at` (ms of simulated time), repaired at `end`: the node restarts (or,
 * for `client-pause`, continues; `controlled-shutdown` restarts once the node has stopped), the
 * partition or lag ends, the disk's faults clear, the stall ends. A repair due after the heal is
 * the heal's. `connection-break` is over at once and has no `end`.
 */
export type FaultEntry =
  | { readonly at: number; readonly type: 'fault'; readonly kind: NodeFaultKind; readonly node: NodeId; readonly end: number }
  /** Every server loses power; those that were running restart at `end`. */
  | { readonly at: number; readonly type: 'fault'; readonly kind: 'cluster-power-loss'; readonly end: number }
  /** `blocked`: every link the partition cuts. */
  | { readonly at: number; readonly type: 'fault'; readonly kind: 'partition'; readonly shape: PartitionShape; readonly blocked: readonly Link[]; readonly end: number }
  | { readonly at: number; readonly type: 'fault'; readonly kind: 'connection-break'; readonly nodes: Link }
  /** Extra latency on one link, or (`clogged`, `latencyMs` 0) everything held until `end`. */
  | { readonly at: number; readonly type: 'fault'; readonly kind: 'link-lag'; readonly from: NodeId; readonly to: NodeId; readonly latencyMs: number; readonly clogged: boolean; readonly end: number }
  | { readonly at: number; readonly type: 'fault'; readonly kind: 'link-stall'; readonly from: NodeId; readonly to: NodeId; readonly end: number }
  /**
   * The links from every metadata source in `from` (Kafka's controllers, whichever is active) to
   * the server `to` lag (and the ways back, if `bothWays`).
   */
  | {
      readonly at: number;
      readonly type: 'fault';
      readonly kind: 'slow-metadata';
      readonly from: readonly NodeId[];
      readonly to: NodeId;
      readonly bothWays: boolean;
      readonly latencyMs: number;
      readonly clogged: boolean;
      readonly end: number;
    };

/** A data-destroying fault the fault budget held back (traced as `<kind>-held-back`). */
export interface HeldBackEntry {
  readonly at: number;
  readonly type: 'held-back';
  readonly kind: FaultKind;
  readonly reason: string;
}

/**
 * A scripted fault whose target could not take it when its time came (a crash of a node that is
 * down, because an earlier entry was deleted), or that was due before the faults started. Traced
 * as `<kind>-skipped`; replayed as skipped again, so a replay's own schedule replays to it.
 */
export interface SkippedEntry {
  readonly at: number;
  readonly type: 'skipped';
  readonly kind: FaultKind;
  readonly reason: string;
}

/**
 * A fault was due and nothing came of it: no target (every server down, no client running), or
 * the heal had come. Untraced, as the nemesis always left it; kept because the event it was is
 * part of the run (it counts, and it orders what shares its millisecond).
 */
export interface IdleEntry {
  readonly at: number;
  readonly type: 'idle';
  readonly kind: FaultKind;
  readonly reason: string;
}

/** The version of the schedule file format (`--emit-schedule`, `--schedule`). */
export const SCHEDULE_FILE_VERSION = 1;

/** The most entries a schedule may have: a 24-hour run of every kind at 1 s holds about 1.3 million. */
export const MAX_SCHEDULE_ENTRIES = 2_000_000;

/**
 * A schedule file: the run it belongs to (`args`: the command line that builds it, seed first),
 * the plan that drew it (for the reader), and the entries in time order.
 */
export interface ScheduleFile {
  readonly version: typeof SCHEDULE_FILE_VERSION;
  readonly args: readonly string[];
  readonly plan: string;
  readonly entries: readonly ScheduleEntry[];
}

/** Whether a fault of this kind is repaired by an event of its own (and so takes a fault id). */
export function hasRepairEvent(entry: FaultEntry): boolean {
  return entry.kind !== 'connection-break' && entry.kind !== 'client-stall';
}

/** The `detail` of a fault's trace line, exactly as the nemesis has always written it. */
export function faultDetail(entry: FaultEntry, servers: readonly NodeId[]): string {
  switch (entry.kind) {
    case 'crash':
    case 'power-loss':
    case 'disk-loss':
    case 'controlled-shutdown':
    case 'bitflip':
    case 'disk-full':
    case 'client-crash':
    case 'client-pause':
      return entry.node;
    case 'client-stall':
      return `${entry.node} ${entry.end - entry.at}ms`;
    case 'cluster-power-loss':
      return servers.join(',');
    case 'partition':
      return `${entry.shape} ${entry.blocked.map(([a, b]) => `${a}->${b}`).join(' ')}`;
    case 'connection-break':
      return `${entry.nodes[0]}<->${entry.nodes[1]}`;
    case 'link-lag':
      return `${entry.from}->${entry.to} ${lag(entry)}`;
    case 'link-stall':
      return `${entry.from}->${entry.to}`;
    case 'slow-metadata':
      return `${entry.from.join(',')}->${entry.to}${entry.bothWays ? ' and back' : ''} ${lag(entry)}`;
    default:
      return assertNever(entry, 'fault entry');
  }
}

function lag(entry: { readonly clogged: boolean; readonly latencyMs: number }): string {
  return entry.clogged ? 'clogged' : `+${entry.latencyMs}ms`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** One entry in a few words, for the human output: `21.3s crash broker-1 for 4.2s`. */
export function describeEntry(entry: ScheduleEntry): string {
  switch (entry.type) {
    case 'fault': {
      const target = shortTarget(entry);
      const lasting = entry.kind === 'connection-break' ? '' : ` for ${seconds(entry.end - entry.at)}`;
      return `${seconds(entry.at)} ${entry.kind}${target === '' ? '' : ` ${target}`}${lasting}`;
    }
    case 'held-back':
      return `${seconds(entry.at)} ${entry.kind} held back`;
    case 'skipped':
      return `${seconds(entry.at)} ${entry.kind} skipped`;
    case 'idle':
      return `${seconds(entry.at)} ${entry.kind} idle`;
    default:
      return assertNever(entry, 'schedule entry');
  }
}

function shortTarget(entry: FaultEntry): string {
  switch (entry.kind) {
    case 'partition':
      return entry.shape;
    case 'link-lag':
      return `${entry.from}->${entry.to} ${lag(entry)}`;
    case 'slow-metadata':
      return `${entry.from.join(',')}->${entry.to}${entry.bothWays ? ' and back' : ''} ${lag(entry)}`;
    case 'client-stall':
      return entry.node;
    case 'cluster-power-loss':
      return '';
    default:
      return faultDetail(entry, []);
  }
}

/**
 * The schedule file's text: a header, then one entry per line, so that deleting a fault is
 * deleting a line (and the comma before it, for the last).
 */
export function scheduleFileText(file: ScheduleFile): string {
  const header = `{\n  "version": ${file.version},\n  "args": ${JSON.stringify(file.args)},\n  "plan": ${JSON.stringify(file.plan)},\n  "entries": [`;
  const entries = file.entries.map((entry) => `    ${JSON.stringify(entry)}`).join(',\n');
  return `${header}${entries === '' ? '' : `\n${entries}\n  `}]\n}\n`;
}

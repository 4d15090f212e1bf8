import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the time of a run goes, from a V8 CPU profile (the `.cpuprofile` format that
 * `node --cpu-prof` writes and the inspector's `Profiler.stop` returns). Every sample is put in
 * exactly one share by the frames on its stack; the shares are weighed by sampled time, not by
 * sample count, because V8's sampling intervals are uneven on a loaded machine.
 */

/** The parts of a run the bench tells apart. */
export type Share = 'checkers' | 'kafka' | 'simCore' | 'gc' | 'other';
export const SHARES: readonly Share[] = ['checkers', 'kafka', 'simCore', 'gc', 'other'];

/** One frame of a sampled stack: its function and its file relative to the repository root. */
export interface Frame {
  readonly functionName: string;
  /** Repository-relative path with `/` separators (`impl/log/unified-log.ts`); '' for none. */
  readonly path: string;
}

/** Folders and files whose code is checking the run rather than running it. */
const CHECKER_PREFIXES: readonly string[] = [
  'properties/',
  'sim/invariants/',
  'sim/conformance/',
  'sim/kafka/replica-logs.ts',
  // The copy ledger's parts (see replica-logs.ts), all of them checking.
  'sim/kafka/segment-reader.ts',
  'sim/kafka/batch-digests.ts',
  'sim/kafka/held-change.ts',
  'sim/kafka/record-copies.ts',
  'sim/kafka/retired-records.ts',
  'sim/kafka/election-history.ts',
  'sim/kafka/loss-judgement.ts',
  'sim/kafka/kafka-view.ts',
  'sim/kafka/cluster-view-builder.ts',
  'sim/kafka/view-versions.ts',
  'sim/run/history.ts',
];

function isCheckerFrame(frame: Frame): boolean {
  if (CHECKER_PREFIXES.some((prefix) => frame.path.startsWith(prefix))) return true;
  // The simulator's side of a cluster view: the node views it hands the system's view builder.
  return frame.path === 'sim/run/simulation.ts' && frame.functionName === 'view';
}

/**
 * The share of one sample, from its stack ordered root first, leaf last.
 *
 * - `checkers` when any frame is checker code: whatever a checker calls (impl/ getters, xstate,
 *   the digest) is time spent checking.
 * - Otherwise the leaf-most frame of the project decides: `kafka` when it is in impl/, `simCore`
 *   when it is in sim/. Library and built-in frames (seedrandom, Map.get) count for the project
 *   code that called them, and a simulator function a broker calls through its environment (the
 *   network's send, the disk's write) counts for the simulator.
 * - `gc` for V8's `(garbage collector)` pseudo-frame, and `other` for the rest: module loading,
 *   `(program)`, `(idle)`, the bench itself.
 */
export function classifySample(stack: readonly Frame[]): Share {
  if (stack.some(isCheckerFrame)) return 'checkers';
  for (let index = stack.length - 1; index >= 0; index--) {
    const frame = stack[index] as Frame;
    if (frame.functionName === '(garbage collector)' && frame.path === '') return 'gc';
    if (frame.path.startsWith('impl/')) return 'kafka';
    if (frame.path.startsWith('sim/') && !frame.path.startsWith('sim/bench/')) return 'simCore';
  }
  return 'other';
}

/** The part of the V8 CPU profile format the shares read. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string };
    readonly children?: readonly number[];
  }[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface ProfileShares {
  /** Sampled microseconds per share. */
  readonly micros: Readonly<Record<Share, number>>;
  /** Each share as a percent of the total sampled time, one decimal. */
  readonly percent: Readonly<Record<Share, number>>;
  readonly totalMicros: number;
  readonly samples: number;
}

/** A frame's URL as a repository-relative path, '' when it is not a file under `root`. */
export function repositoryPath(url: string, root: string): string {
  if (!url.startsWith('file://')) return '';
  const path = relative(root, fileURLToPath(url)).split('\\').join('/');
  return path.startsWith('..') || path.startsWith('/') ? '' : path;
}

/**
 * The shares of a profile. Sample i stands for the time until sample i + 1 (the next delta), and
 * the last one for the time until the profile ended, as Chrome's profiler panel counts them.
 */
export function profileShares(profile: CpuProfile, root: string): ProfileShares {
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  if (samples.length !== deltas.length) throw new Error(`profile: ${samples.length} samples but ${deltas.length} time deltas`);
  const shareOfNode = nodeShares(profile, root);
  const micros: Record<Share, number> = { checkers: 0, kafka: 0, simCore: 0, gc: 0, other: 0 };
  let at = profile.startTime;
  for (const delta of deltas) at += delta;
  const lastSampleAt = at;
  for (let index = 0; index < samples.length; index++) {
    const share = shareOfNode.get(samples[index] as number);
    if (share === undefined) throw new Error(`profile: sample ${index} names node ${samples[index]}, which the profile lacks`);
    const next = deltas[index + 1];
    micros[share] += Math.max(0, next ?? profile.endTime - lastSampleAt);
  }
  const totalMicros = SHARES.reduce((sum, share) => sum + micros[share], 0);
  const percent = {} as Record<Share, number>;
  for (const share of SHARES) percent[share] = totalMicros === 0 ? 0 : Math.round((micros[share] / totalMicros) * 1000) / 10;
  return { micros, percent, totalMicros, samples: samples.length };
}

/** The share of every node's stack, walked once from the root. */
function nodeShares(profile: CpuProfile, root: string): Map<number, Share> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node] as const));
  const isChild = new Set(profile.nodes.flatMap((node) => node.children ?? []));
  const shares = new Map<number, Share>();
  const pending: { id: number; stack: readonly Frame[] }[] = profile.nodes
    .filter((node) => !isChild.has(node.id))
    .map((node) => ({ id: node.id, stack: [] }));
  // Bounded: each node is visited once, since a profile's nodes form a tree.
  while (pending.length > 0) {
    const { id, stack: parentStack } = pending.pop() as { id: number; stack: readonly Frame[] };
    const node = byId.get(id);
    if (node === undefined) throw new Error(`profile: node ${id} is named as a child but missing`);
    if (shares.has(id)) throw new Error(`profile: node ${id} is reached twice; the nodes are not a tree`);
    const stack = [...parentStack, { functionName: node.callFrame.functionName, path: repositoryPath(node.callFrame.url, root) }];
    shares.set(id, classifySample(stack));
    for (const child of node.children ?? []) pending.push({ id: child, stack });
  }
  return shares;
}

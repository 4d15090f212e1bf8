import type { TraceLine } from './trace-line.ts';

/** What `npm run trace` shows; every field absent shows everything. */
export interface TraceFilter {
  /** Lines about these nodes: as the node, as the peer (the other end of a message), or named by a fault. */
  readonly nodes?: ReadonlySet<string>;
  /** Lines that name one of these partitions (`t-2`): see {@link namesPartition}. */
  readonly partitions?: readonly string[];
  readonly kinds?: ReadonlySet<string>;
  /** Simulated milliseconds, inclusive. */
  readonly fromMs?: number;
  readonly toMs?: number;
  /** Lines whose text (as printed) contains this. */
  readonly grep?: string;
}

/**
 * Whether `line` passes the filter; `text` is the line as printed (for `grep`). The header passes
 * every filter but `kinds`: it says which run the other lines are from.
 */
export function passes(filter: TraceFilter, line: TraceLine, text: string): boolean {
  if (filter.kinds !== undefined && !filter.kinds.has(line.kind)) return false;
  if (line.kind === 'header') return true;
  if (filter.fromMs !== undefined && line.atMs < filter.fromMs) return false;
  if (filter.toMs !== undefined && line.atMs > filter.toMs) return false;
  if (filter.nodes !== undefined && !aboutNodes(line, filter.nodes)) return false;
  if (filter.partitions !== undefined && !filter.partitions.some((partition) => namesPartition(line, partition))) return false;
  if (filter.grep !== undefined && !text.includes(filter.grep)) return false;
  return true;
}

/** The node or peer is one of `nodes`, or the line is a fault whose detail names one (`power-loss broker-2`). */
function aboutNodes(line: TraceLine, nodes: ReadonlySet<string>): boolean {
  if (nodes.has(line.node) || nodes.has(line.peer)) return true;
  if (line.kind !== 'fault') return false;
  for (const node of nodes) if (containsWord(line.detail, node)) return true;
  return false;
}

/**
 * Whether a line is about `partition`: its name is the partition (a `state` line), its node is a
 * replica's state machine (`2/t-2`), a violation's subject names it, or its detail or message
 * summary names it as a word (`ProduceRequest t-2 acks=-1 ...`, a path `kafka-logs/t-2/...`).
 */
export function namesPartition(line: TraceLine, partition: string): boolean {
  if (line.name === partition || line.node.endsWith(`/${partition}`)) return true;
  if (line.subject?.partition === partition || line.subject?.record?.partition === partition) return true;
  return containsWord(line.detail, partition) || (line.summary !== undefined && containsWord(line.summary, partition));
}

/** `word` in `text`, not as part of a longer name (`t-2` is not in `t-20` or `at-2`). */
function containsWord(text: string, word: string): boolean {
  let from = 0;
  for (;;) {
    const index = text.indexOf(word, from);
    if (index < 0) return false;
    const before = index === 0 ? '' : (text[index - 1] as string);
    const after = text[index + word.length] ?? '';
    if (!/[\w.-]/.test(before) && !/[\w-]/.test(after)) return true;
    from = index + 1;
  }
}

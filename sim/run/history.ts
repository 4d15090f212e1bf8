import { assert } from '../../impl/common/assert.ts';
import type { HistoryRecord } from '../../impl/env/node-environment.ts';

/**
 * A Jepsen-style history: client operations as `invoke` entries completed by `ok`, `fail` or
 * `info` (the outcome is unknown, e.g. a request timed out) entries. The history checks pairing
 * and numbering as entries are recorded and hands each entry on (to the history checkers'
 * indexes, `HistoryIndexDefinition`); it keeps none of them, so that a long run's memory does not
 * grow with every operation it made (issue 12). An index pairs an operation's entries by their
 * `process`, which is single-threaded: its invoke is the last one before the completion.
 */
export interface HistoryEntry extends HistoryRecord {
  /** Position in the history, from 0. */
  readonly index: number;
  readonly atMs: number;
  /** The node that recorded it. */
  readonly node: string;
}

export class History {
  private length = 0;
  /** process -> its open invoke; Jepsen processes are single-threaded. */
  private readonly open = new Map<string, { readonly index: number; readonly node: string; readonly f: string; readonly value: unknown }>();

  constructor(private readonly limit: number) {
    assert(limit > 0, 'a history needs a positive size limit');
  }

  append(atMs: number, node: string, record: HistoryRecord): HistoryEntry {
    // A history larger than the limit means the workload is unbounded: a bug in the workload.
    assert(this.length < this.limit, `history exceeded its limit of ${this.limit} entries`);
    const open = this.open.get(record.process);
    if (record.type === 'invoke') {
      assert(open === undefined, `process ${record.process} invoked ${record.f} with an operation still open`);
      this.open.set(record.process, { index: this.length, node, f: record.f, value: record.value });
    } else {
      assert(open !== undefined, `process ${record.process} completed ${record.f} without an invoke`);
      this.open.delete(record.process);
    }
    const entry: HistoryEntry = { type: record.type, process: record.process, f: record.f, value: record.value, index: this.length, atMs, node };
    this.length++;
    return entry;
  }

  /**
   * The records that close every operation `node` left open when its process died: each completes
   * `info` (its outcome unknown) with its invoke's value, as Jepsen completes a crashed process's
   * operation, so that the restarted process, whose processes have the same names, starts clean.
   * In the order the operations were invoked.
   */
  abandoned(node: string): HistoryRecord[] {
    const records: HistoryRecord[] = [];
    for (const [process, open] of this.open) {
      if (open.node === node) records.push({ type: 'info', process, f: open.f, value: open.value });
    }
    return records;
  }
}

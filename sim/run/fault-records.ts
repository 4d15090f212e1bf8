/**
 * What the nemesis did to a run, as the run keeps it: faults struck, held back by the fault budget
 * or skipped, by kind, and the schedule as decided or played. Apart from the engine
 * (`simulation.ts`) because it is bookkeeping the nemesis reports through `ClusterControl` and the
 * result reads, with nothing of the loop in it; its trace lines are written at the run's time.
 */
import { assert } from '../../impl/common/assert.ts';
import type { Clock } from '../../impl/env/node-environment.ts';
import type { Trace } from '../core/trace.ts';
import { FAULT_KINDS, type FaultKind } from '../nemesis/fault-kind.ts';
import { MAX_SCHEDULE_ENTRIES, type ScheduleEntry } from '../nemesis/fault-schedule.ts';

function zeroPerKind(): Record<FaultKind, number> {
  return Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
}

export class FaultRecords {
  /** Faults struck, by kind (`RunContext.faults` reads this very object). */
  readonly counts = zeroPerKind();
  /** Data-destroying faults the fault budget held back, by kind. */
  readonly heldBackCounts = zeroPerKind();
  /** Scripted faults whose targets could not take them, by kind. */
  readonly skippedCounts = zeroPerKind();
  /** The run's schedule, as the nemesis decided or played it (`recordDecision`). */
  private readonly scheduleEntries: ScheduleEntry[] = [];

  constructor(private readonly trace: Trace, private readonly clock: Clock) {}

  recordHeldBack(kind: FaultKind, reason: string): void {
    this.heldBackCounts[kind]++;
    this.trace.record({ atMs: this.clock.nowMs(), kind: 'fault', node: '', peer: '', name: `${kind}-held-back`, value: this.heldBackCounts[kind], detail: reason });
  }

  recordSkipped(kind: FaultKind, reason: string): void {
    this.skippedCounts[kind]++;
    this.trace.record({ atMs: this.clock.nowMs(), kind: 'fault', node: '', peer: '', name: `${kind}-skipped`, value: this.skippedCounts[kind], detail: reason });
  }

  recordDecision(entry: ScheduleEntry): void {
    assert(this.scheduleEntries.length < MAX_SCHEDULE_ENTRIES, `more than ${MAX_SCHEDULE_ENTRIES} schedule entries`);
    this.scheduleEntries.push(entry);
    // Written to the trace file, not digested: the digested fault lines already say what struck,
    // and every seed's digest stays what it was before runs recorded their schedules.
    // Built only while a trace file is written: a sweep's runs pay nothing for it.
    if (this.trace.annotating) this.trace.annotate({ atMs: this.clock.nowMs(), kind: 'schedule', node: '', peer: '', name: entry.type, value: this.scheduleEntries.length - 1, detail: JSON.stringify(entry) });
  }

  recordFault(kind: FaultKind, detail: string): void {
    this.counts[kind]++;
    this.trace.record({ atMs: this.clock.nowMs(), kind: 'fault', node: '', peer: '', name: kind, value: this.counts[kind], detail });
  }

  /** The schedule for the result, in time order: a scripted entry skipped as due before the faults started is recorded late. */
  schedule(): ScheduleEntry[] {
    return [...this.scheduleEntries].sort((a, b) => a.at - b.at);
  }
}

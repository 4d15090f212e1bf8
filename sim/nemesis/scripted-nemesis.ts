import { assert, assertNever, fail } from '../../impl/common/assert.ts';
import type { NodeId } from '../../impl/env/node-environment.ts';
import type { Scheduler } from '../core/sim-event.ts';
import type { DataFault } from '../run/system.ts';
import type { FaultAction } from './fault-action.ts';
import { FaultExecutor } from './fault-executor.ts';
import { FAULT_KINDS, type FaultKind } from './fault-kind.ts';
import { hasRepairEvent, type FaultEntry, type ScheduleEntry } from './fault-schedule.ts';
import type { ClusterControl, FaultInjector } from './nemesis.ts';

/**
 * The nemesis of `--schedule FILE`: it plays a schedule's entries at their times and draws
 * nothing. Its events are scheduled as the drawing nemesis scheduled them (each kind's first
 * entry when the faults start, in `FAULT_KINDS` order; each next one when the one before it of
 * its kind comes due; each repair when its fault strikes), so that events sharing a millisecond
 * come in the same order and the schedule of a seed's run replays to that run, digest and all.
 *
 * An entry that cannot be played as written (its target is down, paused or held by another fault,
 * since an entry before it was deleted; or it is due before the faults started) is skipped,
 * counted and traced, never a failure. A fault over the fault budget is held back, as the
 * drawing nemesis would have held it, so that a shortened schedule stays within the promise.
 */
export class ScriptedNemesis implements FaultInjector {
  private nextFaultId = 1;
  private readonly executor: FaultExecutor;
  /** Per kind, the indexes of its entries in time order, and how many have been scheduled. */
  private readonly byKind = new Map<FaultKind, { readonly indexes: number[]; next: number }>();

  constructor(
    private readonly entries: readonly ScheduleEntry[],
    private readonly scheduler: Scheduler,
    private readonly control: ClusterControl,
    private readonly servers: readonly NodeId[],
  ) {
    assert(servers.length > 0, 'the nemesis needs at least one server to fault');
    this.executor = new FaultExecutor(scheduler, control, servers);
    for (const kind of FAULT_KINDS) this.byKind.set(kind, { indexes: [], next: 0 });
    for (const [index, entry] of entries.entries()) {
      assert(index === 0 || (entries[index - 1] as ScheduleEntry).at <= entry.at, `schedule entry ${index} is out of time order`);
      this.byKind.get(entry.kind)?.indexes.push(index);
    }
  }

  start(): void {
    for (const kind of FAULT_KINDS) this.scheduleNext(kind);
  }

  holdsDown(node: NodeId): boolean {
    return this.executor.holdsDown(node);
  }

  heal(): void {
    this.executor.heal();
  }

  handle(action: FaultAction): void {
    switch (action.type) {
      case 'scripted': {
        const entry = this.entries[action.index];
        assert(entry !== undefined, `no schedule entry ${action.index}`);
        if (this.executor.healed) {
          // As the drawing nemesis: ignored after the heal, and its kind's later entries with it.
          this.control.recordDecision({ at: entry.at, type: 'idle', kind: entry.kind, reason: 'after the heal' });
          return;
        }
        this.play(entry);
        this.scheduleNext(entry.kind);
        return;
      }
      case 'inject':
        return fail('a scripted nemesis was handed a drawn fault');
      default:
        return this.executor.repair(action);
    }
  }

  /** Schedules the next entry of `kind`; one due before now (the faults started later) is skipped. */
  private scheduleNext(kind: FaultKind): void {
    const chain = this.byKind.get(kind);
    assert(chain !== undefined, `no entries of ${kind}`);
    const nowMs = this.scheduler.nowMs();
    while (chain.next < chain.indexes.length) {
      const index = chain.indexes[chain.next++] as number;
      const entry = this.entries[index] as ScheduleEntry;
      if (entry.at >= nowMs) {
        this.scheduler.schedule(entry.at, { type: 'fault', action: { type: 'scripted', index } });
        return;
      }
      this.skip(entry, `due at ${entry.at} ms, before the faults started at ${nowMs} ms`);
    }
  }

  private play(entry: ScheduleEntry): void {
    switch (entry.type) {
      case 'fault':
        return this.playFault(entry);
      case 'held-back':
        this.control.recordDecision(entry);
        return this.control.recordHeldBack(entry.kind, entry.reason);
      case 'skipped':
        return this.skip(entry, entry.reason);
      case 'idle':
        return this.control.recordDecision(entry);
      default:
        assertNever(entry, 'schedule entry');
    }
  }

  private playFault(entry: FaultEntry): void {
    const unfit = this.executor.unfit(entry);
    if (unfit !== undefined) return this.skip(entry, unfit);
    const over = this.overBudget(entry);
    if (over !== undefined) {
      this.control.recordDecision({ at: entry.at, type: 'held-back', kind: entry.kind, reason: over });
      return this.control.recordHeldBack(entry.kind, over);
    }
    this.control.recordDecision(entry);
    this.executor.strike(entry, hasRepairEvent(entry) ? this.nextFaultId++ : undefined);
  }

  /** The fault budget's answer for a data-destroying fault, worded as the drawing nemesis words it. */
  private overBudget(entry: FaultEntry): string | undefined {
    switch (entry.kind) {
      case 'crash':
      case 'power-loss':
      case 'disk-loss':
      case 'bitflip':
      case 'disk-full': {
        const kind: DataFault['kind'] = entry.kind;
        const over = this.control.dataFaultBudget(kind, [entry.node]);
        return over === undefined ? undefined : `${entry.node}: ${over}`;
      }
      case 'cluster-power-loss':
        return this.control.dataFaultBudget('cluster-power-loss', this.servers);
      case 'controlled-shutdown':
      case 'client-crash':
      case 'client-pause':
      case 'client-stall':
      case 'partition':
      case 'connection-break':
      case 'link-lag':
      case 'link-stall':
      case 'slow-metadata':
        return undefined;
      default:
        return assertNever(entry, 'fault entry');
    }
  }

  private skip(entry: ScheduleEntry, reason: string): void {
    this.control.recordDecision({ at: entry.at, type: 'skipped', kind: entry.kind, reason });
    this.control.recordSkipped(entry.kind, reason);
  }
}

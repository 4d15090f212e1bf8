import { assert, assertNever } from '../../impl/common/assert.ts';
import type { NodeId } from '../../impl/env/node-environment.ts';
import type { Scheduler } from '../core/sim-event.ts';
import type { FaultAction, RepairAction } from './fault-action.ts';
import { faultDetail, hasRepairEvent, type FaultEntry, type Link } from './fault-schedule.ts';
import type { ClusterControl } from './nemesis.ts';

/** The chance that a byte read or written on a disk under a `bitflip` fault has a bit flipped. */
const BITFLIP_PROBABILITY = 0.01;

/**
 * Carries out fault entries, whoever decided them (the drawing nemesis or a script): applies each
 * to the cluster, traces it, schedules its repair at its `end`, and carries the repairs out. The
 * order of its calls into the cluster is the order the nemesis has always made them, since each
 * call may trace and the trace is digested.
 */
export class FaultExecutor {
  private healedFlag = false;
  /** node -> the fault that took it down; only that fault's restart brings it back. */
  private readonly downBy = new Map<NodeId, number>();
  /** node -> the `client-pause` that stopped it; only that fault's resume continues it. */
  private readonly pausedBy = new Map<NodeId, number>();
  /** fault id -> the links a `link-lag`, `link-stall` or `slow-metadata` slowed. */
  private readonly lags = new Map<number, readonly Link[]>();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly control: ClusterControl,
    private readonly servers: readonly NodeId[],
  ) {}

  get healed(): boolean {
    return this.healedFlag;
  }

  /** Whether a fault holds the node down (its own restart will bring it back). */
  holdsDown(node: NodeId): boolean {
    return this.downBy.has(node);
  }

  /** The heal repairs everything itself: later repairs and faults are ignored. */
  heal(): void {
    this.healedFlag = true;
    this.downBy.clear();
    this.pausedBy.clear();
  }

  /**
   * Why the fault's target cannot take it now, or undefined if it can: the same conditions under
   * which the nemesis picks a target (a running server to take down; a running server no fault
   * holds down to shut down; a running, unpaused client no fault holds down).
   */
  unfit(entry: FaultEntry): string | undefined {
    switch (entry.kind) {
      case 'crash':
      case 'power-loss':
      case 'disk-loss':
        return this.control.isRunning(entry.node) ? undefined : `${entry.node} is not running`;
      case 'controlled-shutdown':
        if (!this.control.isRunning(entry.node)) return `${entry.node} is not running`;
        return this.downBy.has(entry.node) ? `${entry.node} is already held down by a fault` : undefined;
      case 'client-crash':
      case 'client-pause':
      case 'client-stall':
        if (!this.control.isRunning(entry.node)) return `${entry.node} is not running`;
        if (this.downBy.has(entry.node)) return `${entry.node} is held down by a fault`;
        return this.control.isPaused(entry.node) ? `${entry.node} is paused` : undefined;
      case 'cluster-power-loss':
      case 'partition':
      case 'connection-break':
      case 'link-lag':
      case 'link-stall':
      case 'slow-metadata':
      case 'bitflip':
      case 'disk-full':
        return undefined;
      default:
        return assertNever(entry, 'fault entry');
    }
  }

  /** Applies the fault now (its `at`); `faultId` joins it to its repair, for kinds that have one. */
  strike(entry: FaultEntry, faultId: number | undefined): void {
    assert(entry.at === this.scheduler.nowMs(), `fault due at ${entry.at} struck at ${this.scheduler.nowMs()}`);
    assert((faultId !== undefined) === hasRepairEvent(entry), `${entry.kind}: fault id ${faultId}`);
    const id = faultId ?? 0;
    const record = (): void => this.control.recordFault(entry.kind, faultDetail(entry, this.servers));
    switch (entry.kind) {
      case 'crash':
      case 'power-loss':
      case 'disk-loss':
      case 'client-crash':
        if (entry.kind === 'power-loss') this.control.powerLoss(entry.node);
        else this.control.crash(entry.node);
        if (entry.kind === 'disk-loss') this.control.replaceDisk(entry.node);
        record();
        this.downBy.set(entry.node, id);
        return this.at(entry.end, { type: 'restart', node: entry.node, faultId: id });
      case 'controlled-shutdown':
        record();
        this.control.requestShutdown(entry.node);
        this.downBy.set(entry.node, id);
        return this.at(entry.end, { type: 'restart', node: entry.node, faultId: id, waitForShutdown: true });
      case 'cluster-power-loss': {
        for (const node of this.servers) {
          const stillDown = !this.control.isRunning(node);
          this.control.powerLoss(node);
          if (!stillDown) this.downBy.set(node, id);
        }
        record();
        for (const node of this.servers) {
          if (this.downBy.get(node) === id) this.at(entry.end, { type: 'restart', node, faultId: id });
        }
        return;
      }
      case 'partition':
        this.control.addPartition(id, entry.shape, entry.blocked);
        record();
        return this.at(entry.end, { type: 'partition-end', faultId: id });
      case 'connection-break':
        this.control.breakConnection(entry.nodes[0], entry.nodes[1]);
        return record();
      case 'link-lag':
      case 'link-stall':
      case 'slow-metadata': {
        const links: Link[] = [];
        if (entry.kind === 'slow-metadata') {
          for (const source of entry.from) {
            links.push([source, entry.to]);
            if (entry.bothWays) links.push([entry.to, source]);
          }
        } else {
          links.push([entry.from, entry.to]);
        }
        const [latencyMs, clogged] = entry.kind === 'link-stall' ? [0, true] : [entry.latencyMs, entry.clogged];
        this.lags.set(id, links);
        for (const [from, to] of links) this.control.addLinkLag(id, from, to, latencyMs, clogged);
        record();
        return this.at(entry.end, { type: 'link-lag-end', faultId: id });
      }
      case 'bitflip':
      case 'disk-full':
        if (entry.kind === 'bitflip') this.control.setBitflip(entry.node, BITFLIP_PROBABILITY);
        else this.control.setDiskFull(entry.node);
        record();
        return this.at(entry.end, { type: 'disk-fault-end', node: entry.node, faultId: id });
      case 'client-pause':
        this.control.pause(entry.node);
        record();
        this.pausedBy.set(entry.node, id);
        return this.at(entry.end, { type: 'resume', node: entry.node, faultId: id });
      case 'client-stall':
        this.control.stallApplication(entry.node, entry.end - entry.at);
        return record();
      default:
        assertNever(entry, 'fault entry');
    }
  }

  /** Carries out a repair (ignored after the heal, which repaired everything). */
  repair(action: RepairAction): void {
    if (this.healedFlag) return;
    switch (action.type) {
      case 'restart':
        if (this.downBy.get(action.node) !== action.faultId) return;
        if (action.waitForShutdown === true && this.control.isRunning(action.node)) {
          // Still shutting down: look again shortly (the heal restarts it at the latest).
          this.at(this.scheduler.nowMs() + 1_000, action);
          return;
        }
        this.downBy.delete(action.node);
        if (!this.control.isRunning(action.node)) this.control.start(action.node);
        return;
      case 'partition-end':
        this.control.removePartition(action.faultId);
        return;
      case 'link-lag-end': {
        const links = this.lags.get(action.faultId);
        assert(links !== undefined, `link lag ${action.faultId} ended twice`);
        this.lags.delete(action.faultId);
        for (const [from, to] of links) this.control.removeLinkLag(action.faultId, from, to);
        return;
      }
      case 'disk-fault-end':
        this.control.clearDiskFaults(action.node);
        return;
      case 'resume':
        if (this.pausedBy.get(action.node) !== action.faultId) return;
        this.pausedBy.delete(action.node);
        this.control.resume(action.node);
        return;
      default:
        assertNever(action, 'repair action');
    }
  }

  private at(atMs: number, action: FaultAction): void {
    this.scheduler.schedule(atMs, { type: 'fault', action });
  }
}

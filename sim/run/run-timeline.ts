import type { NodeId } from '../../impl/env/node-environment.ts';
import type { ProcessStatus } from './system.ts';

/**
 * What a run's timeline page (`--report`, `sim/report/timeline-svg.ts`) draws beside the faults
 * (`RunResult.schedule`) and violations (`RunResult.violations`) the result already carries: each
 * node's process up and down, the system's own rows (for Kafka: per partition the leader and ISR
 * as bands, the high watermark as a line) and the clients' operations. Built only when asked
 * (`SimulationOptions.timeline`), and bounded by the caps below, so that a 60 s run's page stays
 * about half a megabyte whatever the workload did.
 */
export interface RunTimeline {
  readonly endMs: number;
  readonly nodes: readonly NodeLane[];
  readonly rows: readonly TimelineRow[];
  readonly ops: readonly TimelineOp[];
  /** Operations completed after the cap ({@link TIMELINE_OPS_KEPT}) was reached, not drawn. */
  readonly opsDropped: number;
}

/** One node's process: spans of status, in time order, the last one open until the run's end. */
export interface NodeLane {
  readonly node: NodeId;
  readonly server: boolean;
  readonly spans: readonly NodeSpan[];
}

export interface NodeSpan {
  readonly fromMs: number;
  readonly status: ProcessStatus;
}

/** A stretch of time in which a system-defined state held (e.g. `leader 1, ISR 1,2`). */
export interface TimelineBand {
  readonly fromMs: number;
  readonly label: string;
  /** For the colour: bands with the same key look alike (e.g. the leader's id); -1 for "none". */
  readonly key: number;
}

/** A value over time (e.g. a high watermark), as a step line. */
export interface TimelineSeries {
  readonly label: string;
  readonly points: readonly (readonly [atMs: number, value: number])[];
}

/** A system's row: its bands (each lasting until the next), and an optional series drawn over them. */
export interface TimelineRow {
  readonly name: string;
  readonly bands: readonly TimelineBand[];
  readonly series?: TimelineSeries;
  /**
   * The node the row is about, when it is about one (a broker's registration): its bands with key
   * -1 (e.g. fenced) are drawn on that node's lane too, beside up and down.
   */
  readonly node?: NodeId;
  /** Changes older than what the system kept (its bounded history), so not drawn. */
  readonly dropped: number;
}

/** What a system hands the simulator for the timeline (`SystemDefinition.timeline`). */
export interface SystemTimeline {
  readonly rows: readonly TimelineRow[];
}

/** One completed client operation. */
export interface TimelineOp {
  readonly node: NodeId;
  readonly f: string;
  readonly outcome: 'ok' | 'fail' | 'info';
  readonly invokeMs: number;
  readonly completeMs: number;
}

/** Operations a timeline keeps; a minute's workload makes a few thousand. */
export const TIMELINE_OPS_KEPT = 5_000;
/** Status changes kept per node: far more than a minute's faults can cause. */
export const TIMELINE_SPANS_KEPT = 1_000;
/** Points kept per series: a minute at one per 100 ms. */
export const TIMELINE_POINTS_KEPT = 600;

/**
 * Keeps at most `limit` points of a step series, in time order: when there are more, the last
 * point of each of `limit` equal time buckets, so the line keeps its shape and its final value.
 */
export function capSeries(points: readonly (readonly [number, number])[], limit: number, endMs: number): (readonly [number, number])[] {
  if (points.length <= limit) return [...points];
  const kept: (readonly [number, number])[] = [];
  const bucketMs = Math.max(1, endMs / limit);
  let bucket = -1;
  for (const point of points) {
    const index = Math.floor(point[0] / bucketMs);
    if (index === bucket) kept[kept.length - 1] = point;
    else kept.push(point);
    bucket = index;
  }
  return kept;
}

/** Records node status changes and completed operations while a run goes (`Simulation`). */
export class TimelineRecorder {
  private readonly lanes = new Map<NodeId, { server: boolean; spans: NodeSpan[] }>();
  private readonly invoked = new Map<string, number>();
  private readonly ops: TimelineOp[] = [];
  private opsDropped = 0;

  addNode(node: NodeId, server: boolean): void {
    this.lanes.set(node, { server, spans: [{ fromMs: 0, status: 'stopped' }] });
  }

  status(node: NodeId, atMs: number, status: ProcessStatus): void {
    const lane = this.lanes.get(node);
    if (lane === undefined) return;
    const last = lane.spans[lane.spans.length - 1];
    if (last !== undefined && last.status === status) return;
    // Two changes in one instant (a crash and its restart): only the later shows.
    if (last !== undefined && last.fromMs === atMs) lane.spans.pop();
    const before = lane.spans[lane.spans.length - 1];
    if (before !== undefined && before.status === status) return;
    if (lane.spans.length < TIMELINE_SPANS_KEPT) lane.spans.push({ fromMs: atMs, status });
  }

  history(entry: { readonly type: string; readonly process: string; readonly f: string; readonly node: NodeId; readonly atMs: number }): void {
    if (entry.type === 'invoke') {
      this.invoked.set(entry.process, entry.atMs);
      return;
    }
    const invokeMs = this.invoked.get(entry.process);
    this.invoked.delete(entry.process);
    if (invokeMs === undefined || (entry.type !== 'ok' && entry.type !== 'fail' && entry.type !== 'info')) return;
    if (this.ops.length >= TIMELINE_OPS_KEPT) {
      this.opsDropped++;
      return;
    }
    this.ops.push({ node: entry.node, f: entry.f, outcome: entry.type, invokeMs, completeMs: entry.atMs });
  }

  build(endMs: number, system: SystemTimeline | undefined): RunTimeline {
    const nodes: NodeLane[] = [];
    for (const [node, lane] of this.lanes) nodes.push({ node, server: lane.server, spans: lane.spans });
    return { endMs, nodes, rows: system?.rows ?? [], ops: this.ops, opsDropped: this.opsDropped };
  }
}

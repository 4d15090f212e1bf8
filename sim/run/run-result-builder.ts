/**
 * Builds a run's result once it has ended: the verdict and what it rests on (violations, faults,
 * the schedule, the invariants' and machines' coverage), the system's summary and timeline read
 * from a last view. Apart from the engine (`simulation.ts`) because it runs once, after the loop,
 * and only reads what the run kept; its field order is the order of the `--json` output.
 */
import type { Message, SimulatedNode } from '../../impl/env/node-environment.ts';
import type { ConformanceMonitor } from '../conformance/conformance-monitor.ts';
import type { Trace } from '../core/trace.ts';
import type { InvariantMonitor } from '../invariants/invariant-monitor.ts';
import type { RunContext } from '../invariants/invariant.ts';
import type { FaultRecords } from './fault-records.ts';
import type { RunResult, Verdict } from './run-result.ts';
import type { SystemTimeline, TimelineRecorder } from './run-timeline.ts';
import type { SimulationOptions } from './simulation-options.ts';
import type { SystemDefinition } from './system.ts';

/** What a run kept that its result reads. */
export interface RunRecord<M extends Message, N extends SimulatedNode<M>, View> {
  readonly options: SimulationOptions;
  readonly system: SystemDefinition<M, N, View>;
  readonly trace: Trace;
  readonly nowMs: number;
  readonly events: number;
  readonly invariants: InvariantMonitor<View>;
  readonly context: RunContext;
  readonly faults: FaultRecords;
  readonly conformance: ConformanceMonitor;
  readonly faultPlan: string;
  readonly livenessExplanation: readonly string[] | undefined;
  readonly timeline: TimelineRecorder | undefined;
  /** The cluster as it is now, for the system's summary and timeline rows. */
  readonly view: () => View;
}

export function buildRunResult<M extends Message, N extends SimulatedNode<M>, View>(
  run: RunRecord<M, N, View>,
  verdict: Verdict,
  crash: RunResult['crash'],
  liveness: string | undefined,
): RunResult {
  const base: RunResult = {
    seed: run.options.seed,
    digest: run.trace.digest.hex(),
    simulatedMs: run.nowMs,
    events: run.events,
    traceEntries: run.trace.entries,
    verdict,
    violations: run.invariants.violations,
    excused: run.invariants.excused,
    faults: { ...run.faults.counts },
    faultsHeldBack: { ...run.faults.heldBackCounts },
    faultsSkipped: { ...run.faults.skippedCounts },
    schedule: run.faults.schedule(),
    config: run.system.config,
    variants: run.system.variants,
    repro: run.options.repro,
    system: run.system.name,
    invariants: run.invariants.stats(run.context),
    machines: run.conformance.coverage(),
    faultPlan: run.faultPlan,
    summary: summary(run),
  };
  return {
    ...base,
    ...(crash === undefined ? {} : { crash }),
    ...(liveness === undefined ? {} : { liveness }),
    ...(liveness === undefined || run.livenessExplanation === undefined ? {} : { livenessExplanation: run.livenessExplanation }),
    ...(run.timeline === undefined ? {} : { timeline: run.timeline.build(run.nowMs, systemTimeline(run)) }),
  };
}

function summary<M extends Message, N extends SimulatedNode<M>, View>(run: RunRecord<M, N, View>): string[] {
  if (run.system.summary === undefined) return [];
  try {
    return run.system.summary(run.view());
  } catch (error) {
    return [`(no summary: ${error instanceof Error ? error.message : String(error)})`];
  }
}

/** The system's timeline rows, or none when it has none or fails to build them (the report still shows the rest). */
function systemTimeline<M extends Message, N extends SimulatedNode<M>, View>(run: RunRecord<M, N, View>): SystemTimeline | undefined {
  if (run.system.timeline === undefined) return undefined;
  try {
    return run.system.timeline(run.view());
  } catch {
    return undefined;
  }
}

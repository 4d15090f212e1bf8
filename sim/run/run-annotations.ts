import type { TraceAnnotation } from '../core/trace.ts';
import type { Explanation } from '../invariants/invariant.ts';
import type { Violation } from './run-result.ts';
import type { ExplainContext } from './system.ts';

/**
 * Run events (faults, heals, process starts and stops, phases) a run keeps for its explanations.
 * A 60 s swarm run records a few dozen; a ring of a thousand covers any run's recent past while
 * its memory stays fixed however long the run.
 */
export const RUN_EVENTS_KEPT = 1_000;

/**
 * The system's explanation of a violation. An explanation that throws is a bug in the explainer,
 * not in the system under test: it becomes a line saying so, and the run's verdict stands.
 */
export function explainSafely<View>(
  explain: ((violation: Violation, view: View, context: ExplainContext) => Explanation | undefined) | undefined,
  violation: Violation,
  view: View,
  context: ExplainContext,
): Explanation | undefined {
  if (explain === undefined) return undefined;
  try {
    return explain(violation, view, context);
  } catch (error) {
    return { lines: [`(no explanation: ${error instanceof Error ? error.message : String(error)})`] };
  }
}

/** The trace's first line: what ran, so that a trace file says which run it is. */
export function headerAnnotation(system: string, header: Readonly<Record<string, unknown>>): TraceAnnotation {
  const version = typeof header['version'] === 'string' ? `refka ${header['version']}` : 'refka';
  const seed = typeof header['seed'] === 'number' ? ` seed ${header['seed']}` : '';
  return { atMs: 0, kind: 'header', node: '', peer: '', name: 'refka', value: 0, detail: `${version}${seed}: ${system}`, header: { ...header, system } };
}

/**
 * A violation's trace line, written when it was found (`nowMs`); `value` is the time the claim
 * dates it to, earlier for a history claim judged at the end (an acknowledgement's time).
 */
export function violationAnnotation(violation: Violation, nowMs: number): TraceAnnotation {
  const subject = violation.subject;
  return {
    atMs: nowMs,
    kind: 'violation',
    node: '',
    peer: '',
    name: violation.invariant,
    value: violation.atMs,
    detail: `${violation.applies ? '' : '(not applicable) '}${violation.message}`,
    ...(subject === undefined ? {} : { subject }),
    ...(violation.explanation === undefined ? {} : { explanation: violation.explanation }),
  };
}

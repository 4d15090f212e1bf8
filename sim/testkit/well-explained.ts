import { expect } from 'vitest';
import type { RunResult } from '../run/run-result.ts';

/**
 * An explainer that throws leaves "(no explanation: ...)" and the verdict as it was (a run is not
 * failed for its explanation): the runs that fail claims on purpose (mutants, variants) are where
 * such a throw must show. Every applicable violation of each claim that got an explanation got a
 * real one, with the record's history.
 */
export function expectWellExplained(result: RunResult): void {
  const explained = result.violations.filter((violation) => violation.explanation !== undefined);
  expect(explained.length).toBeGreaterThan(0);
  for (const violation of explained) {
    expect(violation.explanation?.join('\n'), violation.invariant).not.toMatch(/\(no explanation: /);
    expect(violation.explanation?.some((line) => line.startsWith('history     ')), violation.invariant).toBe(true);
  }
  for (const line of result.livenessExplanation ?? []) expect(line).not.toMatch(/^\(no explanation: /);
}

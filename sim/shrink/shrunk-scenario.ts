import { assert } from '../../impl/common/assert.ts';
import { describeEntry, type ScheduleEntry } from '../nemesis/fault-schedule.ts';
import type { RunResult } from '../run/run-result.ts';
import { seedRunOutput } from '../scenario/seed-run-step.ts';

/** What a shrunk scenario says about where it came from. */
export interface ShrunkScenario {
  /** The command line whose run was shrunk. */
  readonly shrunkFrom: string;
  /** The options of the shrunk run (`--seed N ...`), as a `seed-run` step's `args`. */
  readonly args: readonly string[];
  readonly entries: readonly ScheduleEntry[];
  /** The shrunk run's result: its verdict and violations are the step's expected output. */
  readonly result: RunResult;
  /** Lines of the header comment after the first: the shrink's figures, the twin's name. */
  readonly notes: readonly string[];
}

/**
 * A shrunk run as a scenario script (`spec/scenario-language.md`, "Seed runs"): a header that
 * says where it came from and lists its faults in words, then one `seed-run` step whose input
 * lines are the faults, one schedule entry each, and whose expected output is the failure. Run
 * with `npm run sim -- --scenario FILE`, it replays that run exactly and compares the outcome.
 */
export function shrunkScenarioText(scenario: ShrunkScenario): string {
  for (const word of scenario.args) assert(!/[\s"\\]/.test(word), `a seed-run argument cannot hold spaces or quotes: ${word}`);
  const faults = scenario.entries.filter((entry) => entry.type === 'fault');
  const lines = [
    `# Shrunk from: ${scenario.shrunkFrom}`,
    ...scenario.notes.map((note) => `# ${note}`),
    faults.length === 0 ? '# It fails with no fault at all.' : `# Its ${faults.length === 1 ? 'fault' : `${faults.length} faults`}, in time order:`,
    ...faults.map((entry) => `#   ${describeEntry(entry)}`),
    `seed-run args="${scenario.args.join(' ')}"`,
    ...scenario.entries.map((entry) => JSON.stringify(entry)),
    '----',
    ...seedRunOutput(scenario.result),
    '',
  ];
  return lines.join('\n');
}

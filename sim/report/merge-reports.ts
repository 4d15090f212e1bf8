import { assert } from '../../impl/common/assert.ts';
import { FAULT_KINDS, type FaultKind } from '../nemesis/fault-kind.ts';
import { VERDICT_SEVERITY, worseVerdict, type Verdict } from '../run/run-result.ts';
import {
  COVERAGE_REPORT_FORMAT,
  MAX_FAILURES_LISTED,
  MAX_REASONS_LISTED,
  MAX_RUNS_LISTED,
  MAX_SEEDS_LISTED,
  MAX_VIOLATING_SEEDS_LISTED,
  compareStrings,
  invariantStatusOf,
  type CoverageReport,
  type InvariantCoverage,
  type InvariantStatus,
  type MachineCoverageSummary,
} from './coverage-report.ts';

/**
 * The coverage report of a sweep, from the reports of its shards (`--shard I/N`): equal to the
 * report of the whole sweep run in one place, field for field (a test compares the bytes). Every
 * field of a report is a sum, a worst, a union or a "first K in ascending order" of its runs, and
 * the first K of a union are among the first K of its parts, so the shards' truncated lists are
 * enough. Shards of one sweep hold disjoint seeds; reports of different refka versions (another
 * format, or a model with other states) are refused.
 */
export function mergeCoverageReports(reports: readonly CoverageReport[]): CoverageReport {
  for (const report of reports) {
    if (report.format !== COVERAGE_REPORT_FORMAT) throw new MergeError(`a report of format ${JSON.stringify(report.format)}, not ${COVERAGE_REPORT_FORMAT}`);
  }
  const count = reports.reduce((sum, report) => sum + report.seeds.count, 0);
  const list = firstAscending(reports.flatMap((report) => report.seeds.list), MAX_SEEDS_LISTED);
  const verdicts: Record<Verdict, number> = { pass: 0, liveness: 0, safety: 0, crash: 0 };
  for (const report of reports) for (const verdict of Object.keys(verdicts) as Verdict[]) verdicts[verdict] += report.verdicts[verdict];
  const faults = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
  for (const report of reports) for (const kind of FAULT_KINDS) faults[kind] += report.faults[kind] ?? 0;
  const systems = [...new Set(reports.flatMap((report) => report.systems))].sort(compareStrings);
  return {
    format: COVERAGE_REPORT_FORMAT,
    system: systems.join(', '),
    systems,
    seeds: { count, list, truncated: count > list.length },
    verdicts,
    worstVerdict: reports.reduce<Verdict>((worst, report) => worseVerdict(worst, report.worstVerdict), 'pass'),
    invariants: mergeInvariants(reports),
    machines: mergeMachines(reports),
    faults,
    failures: reports
      .flatMap((report) => report.failures)
      .sort((a, b) => a.seed - b.seed || VERDICT_SEVERITY[a.verdict] - VERDICT_SEVERITY[b.verdict] || compareStrings(a.repro, b.repro))
      .slice(0, MAX_FAILURES_LISTED),
    // Shards hold disjoint seeds, and each lists its own first rows in seed order.
    runs: reports
      .flatMap((report) => report.runs)
      .sort((a, b) => a.seed - b.seed || VERDICT_SEVERITY[a.verdict] - VERDICT_SEVERITY[b.verdict])
      .slice(0, MAX_RUNS_LISTED),
  };
}

/** Shard reports that cannot be merged: one line for the command line. */
export class MergeError extends Error {
  override readonly name = 'MergeError';
}

/** The items grouped by name, each group in the order given. */
function byName<T>(items: readonly T[], name: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(name(item));
    if (group === undefined) groups.set(name(item), [item]);
    else group.push(item);
  }
  return groups;
}

function firstAscending(values: readonly number[], limit: number): number[] {
  return [...new Set(values)].sort((a, b) => a - b).slice(0, limit);
}

function mergeInvariants(reports: readonly CoverageReport[]): InvariantCoverage[] {
  const parts = byName(reports.flatMap((report) => report.invariants), (invariant) => invariant.name);
  return [...parts.keys()].sort(compareStrings).map((name) => {
    const each = parts.get(name) as InvariantCoverage[];
    const first = each[0] as InvariantCoverage;
    const sum = (field: 'runsChecked' | 'timesChecked' | 'timesHit' | 'runsHit' | 'violations' | 'runsViolated' | 'notApplicableRuns' | 'excused' | 'runsExcused' | 'ignoredViolations'): number =>
      each.reduce((total, part) => total + part[field], 0);
    const reasons = new Map<string, { runs: number; seeds: number[] }>();
    for (const part of each) {
      for (const reason of part.notApplicableReasons) {
        const merged = reasons.get(reason.reason) ?? { runs: 0, seeds: [] };
        merged.runs += reason.runs;
        merged.seeds.push(...reason.seeds);
        reasons.set(reason.reason, merged);
      }
    }
    const counts = { violations: sum('violations'), timesChecked: sum('timesChecked'), timesHit: sum('timesHit') };
    // The status as buildCoverageReport derives it: not applicable where no part applied.
    const applied = each.some((part) => part.status !== 'not-applicable');
    // Fields in the builder's order, so that the JSON is byte for byte the same.
    return {
      name,
      kind: first.kind,
      source: first.source,
      statement: first.statement,
      status: invariantStatusOf(first.kind, applied, counts),
      runsChecked: sum('runsChecked'),
      timesChecked: sum('timesChecked'),
      timesHit: sum('timesHit'),
      runsHit: sum('runsHit'),
      violations: sum('violations'),
      runsViolated: sum('runsViolated'),
      violatingSeeds: firstAscending(each.flatMap((part) => part.violatingSeeds), MAX_VIOLATING_SEEDS_LISTED),
      hitSeeds: firstAscending(each.flatMap((part) => part.hitSeeds), MAX_VIOLATING_SEEDS_LISTED),
      notApplicableRuns: sum('notApplicableRuns'),
      notApplicableReasons: [...reasons.keys()].sort(compareStrings).slice(0, MAX_REASONS_LISTED).map((reason) => {
        const entry = reasons.get(reason) as { runs: number; seeds: number[] };
        return { reason, runs: entry.runs, seeds: firstAscending(entry.seeds, MAX_VIOLATING_SEEDS_LISTED) };
      }),
      ignoredViolations: sum('ignoredViolations'),
      excused: sum('excused'),
      runsExcused: sum('runsExcused'),
    };
  });
}

function mergeMachines(reports: readonly CoverageReport[]): MachineCoverageSummary[] {
  const parts = byName(reports.flatMap((report) => report.machines), (machine) => machine.machine);
  return [...parts.keys()].sort(compareStrings).map((machine) => {
    const each = parts.get(machine) as MachineCoverageSummary[];
    const first = each[0] as MachineCoverageSummary;
    for (const part of each) {
      if (part.states.total !== first.states.total || part.transitions.total !== first.transitions.total) {
        throw new MergeError(`machine ${machine} has ${part.states.total} states in one report and ${first.states.total} in another: reports of different refka versions`);
      }
    }
    // Reached somewhere is reached: what stays unreached is what no part reached.
    const unreached = each.slice(1).reduce((left, part) => left.filter((state) => part.states.unreached.includes(state)), [...first.states.unreached]);
    const untaken = each.slice(1).reduce((left, part) => left.filter((transition) => part.transitions.untaken.includes(transition)), [...first.transitions.untaken]);
    assert(unreached.length <= first.states.total && untaken.length <= first.transitions.total, 'merged coverage larger than the model');
    return {
      machine,
      states: { reached: first.states.total - unreached.length, total: first.states.total, unreached },
      transitions: { taken: first.transitions.total - untaken.length, total: first.transitions.total, untaken },
      rejected: each.reduce((total, part) => total + part.rejected, 0),
    };
  });
}

import { FAULT_KINDS, type FaultKind } from '../nemesis/fault-kind.ts';
import type { InvariantKind } from '../invariants/invariant.ts';
import { VERDICT_SEVERITY, worseVerdict, type RunResult, type Verdict } from '../run/run-result.ts';

/**
 * The coverage report of one run or a sweep of seeds: what `npm run sim -- --report DIR` writes
 * as `coverage.json` (and renders as `index.html`). It answers "which invariants and which model
 * states did these runs actually exercise, and which runs failed".
 *
 * The report is a pure function of the run results and never depends on the order they are
 * given in: runs are put in a canonical order first, every list is sorted, and nothing in it
 * reads a clock. The same results therefore always give a byte-identical report.
 *
 * All string ordering is by UTF-16 code unit (`<`), never `localeCompare`, whose answer depends
 * on the machine's locale.
 */
export interface CoverageReport {
  /** Version of this JSON shape; bumped when a field is added, changes meaning or is removed (a merge refuses other versions). 2 added `runs` and `hitSeeds`. */
  readonly format: typeof COVERAGE_REPORT_FORMAT;
  /** The system under test. Runs of several systems are listed sorted and joined with `, `. */
  readonly system: string;
  /** The same systems as a sorted list (a system's own description may hold `, `). */
  readonly systems: readonly string[];
  readonly seeds: SeedSummary;
  /** How many runs ended with each verdict (every verdict present, zero included). */
  readonly verdicts: Readonly<Record<Verdict, number>>;
  /** The worst verdict of all runs (`pass` when there are none): the sweep's exit status. */
  readonly worstVerdict: Verdict;
  /** Every invariant that appears in any run, sorted by name. */
  readonly invariants: readonly InvariantCoverage[];
  /** Every model machine that appears in any run, sorted by name. */
  readonly machines: readonly MachineCoverageSummary[];
  /** Faults injected over all runs, by kind, for every kind in `FAULT_KINDS` (zero included). */
  readonly faults: Readonly<Record<FaultKind, number>>;
  /**
   * Runs whose verdict is not `pass`, sorted by seed, at most {@link MAX_FAILURES_LISTED}.
   * The total number of failed runs is `seeds.count - verdicts.pass`.
   */
  readonly failures: readonly FailureSummary[];
  /**
   * One row per run, in seed order, the first {@link MAX_RUNS_LISTED}: what happened to each seed
   * (its verdict, the faults that actually happened, which claims applied, which `sometimes`
   * claims it hit).
   */
  readonly runs: readonly RunRow[];
}

export const COVERAGE_REPORT_FORMAT = 'refka-coverage/2';

/** Seeds listed in full up to this many; a sweep of a million seeds stays a readable file. */
export const MAX_SEEDS_LISTED = 1000;
/** Violating seeds listed per invariant. */
export const MAX_VIOLATING_SEEDS_LISTED = 100;
/** Failed runs listed. */
export const MAX_FAILURES_LISTED = 100;
/** Runs listed one row each (`CoverageReport.runs`). */
export const MAX_RUNS_LISTED = 1000;
/** Distinct not-applicable reasons listed per invariant. */
export const MAX_REASONS_LISTED = 20;

export interface SeedSummary {
  /** Number of runs. */
  readonly count: number;
  /** The runs' seeds in ascending order, the first {@link MAX_SEEDS_LISTED} of them. */
  readonly list: readonly number[];
  /** True when `list` stops short of `count`. */
  readonly truncated: boolean;
}

/**
 * `always` and `eventually`: `violated` (an applicable violation in some run), `held` (checked
 * at least once where it applies, never violated) or `not-checked`.
 * `sometimes`: `seen` (hit in some run where it applies) or `never-seen`.
 * Any kind: `not-applicable` when it applied in no run.
 */
export type InvariantStatus = 'violated' | 'held' | 'not-checked' | 'seen' | 'never-seen' | 'not-applicable';

/**
 * One invariant over all runs. Every counter covers only the runs where the invariant applies;
 * runs where it does not are counted in `notApplicableRuns`, and what its checker still found
 * there in `ignoredViolations`.
 */
export interface InvariantCoverage {
  readonly name: string;
  readonly kind: InvariantKind;
  readonly source: string;
  readonly statement: string;
  readonly status: InvariantStatus;
  /** Runs where it applies and its checker ran at least once. */
  readonly runsChecked: number;
  /** Times its checker ran, summed. */
  readonly timesChecked: number;
  /** `sometimes`: times the behaviour was seen. The others: times it held. Summed. */
  readonly timesHit: number;
  /** Runs with at least one hit. */
  readonly runsHit: number;
  /** Violations, summed. */
  readonly violations: number;
  /** Runs with at least one violation. */
  readonly runsViolated: number;
  /** Seeds of the runs with a violation, ascending, at most {@link MAX_VIOLATING_SEEDS_LISTED}. */
  readonly violatingSeeds: readonly number[];
  /**
   * `sometimes`: seeds of the runs where it applies and the behaviour was seen, ascending, at most
   * {@link MAX_VIOLATING_SEEDS_LISTED}. Empty for the other kinds, whose hits are checks that held.
   */
  readonly hitSeeds: readonly number[];
  /** Runs where the invariant does not apply to the configuration or faults. */
  readonly notApplicableRuns: number;
  /**
   * Why it did not apply, grouped: each distinct reason with how many runs gave it and their seeds
   * (ascending, at most {@link MAX_VIOLATING_SEEDS_LISTED}); at most {@link MAX_REASONS_LISTED}
   * reasons, by reason.
   */
  readonly notApplicableReasons: readonly { readonly reason: string; readonly runs: number; readonly seeds: readonly number[] }[];
  /** Findings excused per record or moment (faults beyond the promise, named in each run), summed. */
  readonly excused: number;
  /** Runs where it applies with at least one excused finding. */
  readonly runsExcused: number;
  /** Violations found in runs where the invariant does not apply; they judge nothing. */
  readonly ignoredViolations: number;
}

/** An internal tally: covered / total, and what was missed. */
interface CoverageCount {
  /** How many of the model's states (or transitions) some run reached (or took). */
  readonly covered: number;
  readonly total: number;
  /** The ones no run reached (or took), sorted. */
  readonly missed: readonly string[];
}

/** One model machine over all runs: the union of what each run reached. */
export interface MachineCoverageSummary {
  readonly machine: string;
  readonly states: { readonly reached: number; readonly total: number; readonly unreached: readonly string[] };
  readonly transitions: { readonly taken: number; readonly total: number; readonly untaken: readonly string[] };
  /** Transitions the implementation reported and the model rejected, summed over runs. */
  readonly rejected: number;
}

/** One run of the report (`CoverageReport.runs`). */
export interface RunRow {
  readonly seed: number;
  readonly verdict: Verdict;
  /** The faults that happened, by kind, the kinds with none left out, in `FAULT_KINDS` order. */
  readonly faults: readonly { readonly kind: FaultKind; readonly count: number }[];
  /** The run's fault mix, as swarm testing chose it (the plan; `faults` is what happened). */
  readonly faultPlan: string;
  /** How many of the run's claims applied to its configuration and faults, of how many. */
  readonly claimsApplied: number;
  readonly claims: number;
  /** The claims that did not apply, sorted by name. */
  readonly claimsNotApplied: readonly string[];
  /** The `sometimes` claims that applied and were seen, sorted by name. */
  readonly sometimesSeen: readonly string[];
}

export interface FailureSummary {
  readonly seed: number;
  readonly verdict: Exclude<Verdict, 'pass'>;
  /** The command line that reproduces the run. */
  readonly repro: string;
  /** The run's fault mix. */
  readonly faultPlan: string;
  /** The earliest violation of an invariant that applies, when there is one, with its explanation when it has one. */
  readonly firstViolation?: { readonly invariant: string; readonly atMs: number; readonly message: string; readonly explanation?: readonly string[] };
  /** For `crash`: the exception's message (the stack is left out: it names local file paths). */
  readonly crash?: string;
  /** For `liveness`: what did not converge. */
  readonly liveness?: string;
  /** For `liveness`: its explanation, when the system gave one. */
  readonly livenessExplanation?: readonly string[];
}

/** Builds the coverage report of a set of runs. Pure: the same runs, in any order, give the same report. */
export function buildCoverageReport(results: readonly RunResult[]): CoverageReport {
  const runs = [...results].sort(compareRuns);
  return {
    format: COVERAGE_REPORT_FORMAT,
    system: sortedDistinct(runs.map((run) => run.system)).join(', '),
    systems: sortedDistinct(runs.map((run) => run.system)),
    seeds: summarizeSeeds(runs),
    verdicts: countVerdicts(runs),
    worstVerdict: runs.reduce<Verdict>((worst, run) => worseVerdict(worst, run.verdict), 'pass'),
    invariants: summarizeInvariants(runs),
    machines: summarizeMachines(runs),
    faults: totalFaults(runs),
    failures: summarizeFailures(runs),
    runs: runs.slice(0, MAX_RUNS_LISTED).map(runRow),
  };
}

function runRow(run: RunResult): RunRow {
  const applied = run.invariants.filter((stats) => stats.applies);
  return {
    seed: run.seed,
    verdict: run.verdict,
    faults: FAULT_KINDS.filter((kind) => (run.faults[kind] ?? 0) > 0).map((kind) => ({ kind, count: run.faults[kind] ?? 0 })),
    faultPlan: run.faultPlan,
    claimsApplied: applied.length,
    claims: run.invariants.length,
    claimsNotApplied: run.invariants.filter((stats) => !stats.applies).map((stats) => stats.name).sort(compareStrings),
    sometimesSeen: applied.filter((stats) => stats.kind === 'sometimes' && stats.hit > 0).map((stats) => stats.name).sort(compareStrings),
  };
}

/** Ascending by code unit; the one string order used throughout the report. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The canonical order of runs: by seed, then by whatever else tells two runs of one seed apart. */
function compareRuns(a: RunResult, b: RunResult): number {
  return (
    a.seed - b.seed ||
    compareStrings(a.digest, b.digest) ||
    VERDICT_SEVERITY[a.verdict] - VERDICT_SEVERITY[b.verdict] ||
    compareStrings(a.repro, b.repro) ||
    compareStrings(a.system, b.system)
  );
}

function sortedDistinct(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareStrings);
}

function sortedDistinctNumbers(values: Iterable<number>): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

function summarizeSeeds(runs: readonly RunResult[]): SeedSummary {
  // Runs are already in seed order.
  const list = runs.slice(0, MAX_SEEDS_LISTED).map((run) => run.seed);
  return { count: runs.length, list, truncated: runs.length > list.length };
}

function countVerdicts(runs: readonly RunResult[]): Record<Verdict, number> {
  // Listed from best to worst, the order a reader scans them in.
  const counts: Record<Verdict, number> = { pass: 0, liveness: 0, safety: 0, crash: 0 };
  for (const run of runs) counts[run.verdict]++;
  return counts;
}

interface InvariantTally {
  readonly name: string;
  readonly kind: InvariantKind;
  readonly source: string;
  readonly statement: string;
  runsApplicable: number;
  runsChecked: number;
  timesChecked: number;
  timesHit: number;
  runsHit: number;
  violations: number;
  runsViolated: number;
  readonly violatingSeeds: Set<number>;
  readonly hitSeeds: Set<number>;
  notApplicableRuns: number;
  readonly reasons: Map<string, Set<number>>;
  ignoredViolations: number;
  excused: number;
  runsExcused: number;
}

function summarizeInvariants(runs: readonly RunResult[]): InvariantCoverage[] {
  const tallies = new Map<string, InvariantTally>();
  for (const run of runs) {
    for (const stats of run.invariants) {
      let tally = tallies.get(stats.name);
      if (tally === undefined) {
        // The catalogue defines each invariant once, so its description is the same in every
        // run; the first run in canonical order supplies it.
        tally = {
          name: stats.name,
          kind: stats.kind,
          source: stats.source,
          statement: stats.statement,
          runsApplicable: 0,
          runsChecked: 0,
          timesChecked: 0,
          timesHit: 0,
          runsHit: 0,
          violations: 0,
          runsViolated: 0,
          violatingSeeds: new Set(),
          hitSeeds: new Set(),
          notApplicableRuns: 0,
          reasons: new Map(),
          ignoredViolations: 0,
          excused: 0,
          runsExcused: 0,
        };
        tallies.set(stats.name, tally);
      }
      if (!stats.applies) {
        tally.notApplicableRuns++;
        tally.ignoredViolations += stats.violations;
        const reason = stats.notApplicableReason ?? 'by configuration';
        const seeds = tally.reasons.get(reason) ?? new Set<number>();
        seeds.add(run.seed);
        tally.reasons.set(reason, seeds);
        continue;
      }
      tally.excused += stats.excused;
      if (stats.excused > 0) tally.runsExcused++;
      tally.runsApplicable++;
      if (stats.checked > 0) tally.runsChecked++;
      tally.timesChecked += stats.checked;
      tally.timesHit += stats.hit;
      if (stats.hit > 0) {
        tally.runsHit++;
        if (stats.kind === 'sometimes') tally.hitSeeds.add(run.seed);
      }
      tally.violations += stats.violations;
      if (stats.violations > 0) {
        tally.runsViolated++;
        tally.violatingSeeds.add(run.seed);
      }
    }
  }
  return [...tallies.values()]
    .sort((a, b) => compareStrings(a.name, b.name))
    .map((tally) => ({
      name: tally.name,
      kind: tally.kind,
      source: tally.source,
      statement: tally.statement,
      status: invariantStatus(tally),
      runsChecked: tally.runsChecked,
      timesChecked: tally.timesChecked,
      timesHit: tally.timesHit,
      runsHit: tally.runsHit,
      violations: tally.violations,
      runsViolated: tally.runsViolated,
      violatingSeeds: sortedDistinctNumbers(tally.violatingSeeds).slice(0, MAX_VIOLATING_SEEDS_LISTED),
      hitSeeds: sortedDistinctNumbers(tally.hitSeeds).slice(0, MAX_VIOLATING_SEEDS_LISTED),
      notApplicableRuns: tally.notApplicableRuns,
      notApplicableReasons: sortedDistinct(tally.reasons.keys()).slice(0, MAX_REASONS_LISTED).map((reason) => {
        const seeds = tally.reasons.get(reason) as Set<number>;
        return { reason, runs: seeds.size, seeds: sortedDistinctNumbers(seeds).slice(0, MAX_VIOLATING_SEEDS_LISTED) };
      }),
      ignoredViolations: tally.ignoredViolations,
      excused: tally.excused,
      runsExcused: tally.runsExcused,
    }));
}

function invariantStatus(tally: InvariantTally): InvariantStatus {
  return invariantStatusOf(tally.kind, tally.runsApplicable > 0, tally);
}

/** An invariant's status over runs, from whether it applied in any and its summed counts. */
export function invariantStatusOf(kind: InvariantKind, applied: boolean, counts: { readonly violations: number; readonly timesChecked: number; readonly timesHit: number }): InvariantStatus {
  if (!applied) return 'not-applicable';
  switch (kind) {
    case 'always':
    case 'eventually':
      if (counts.violations > 0) return 'violated';
      return counts.timesChecked > 0 ? 'held' : 'not-checked';
    case 'sometimes':
      return counts.timesHit > 0 ? 'seen' : 'never-seen';
    default:
      return unknownKind(kind);
  }
}

/**
 * Run results may come from a file written by another version of refka, so a kind this version
 * does not know is reported as a clear error rather than an assertion about refka's own code.
 */
function unknownKind(kind: never): never {
  throw new Error(`unknown invariant kind ${JSON.stringify(kind)} in a run result`);
}

interface MachineTally {
  readonly states: Set<string>;
  readonly reached: Set<string>;
  readonly transitions: Set<string>;
  readonly taken: Set<string>;
  rejected: number;
}

function summarizeMachines(runs: readonly RunResult[]): MachineCoverageSummary[] {
  const tallies = new Map<string, MachineTally>();
  for (const run of runs) {
    for (const coverage of run.machines) {
      let tally = tallies.get(coverage.machine);
      if (tally === undefined) {
        tally = { states: new Set(), reached: new Set(), transitions: new Set(), taken: new Set(), rejected: 0 };
        tallies.set(coverage.machine, tally);
      }
      addAll(tally.states, coverage.states);
      addAll(tally.reached, coverage.statesReached);
      addAll(tally.transitions, coverage.transitions);
      addAll(tally.taken, coverage.transitionsTaken);
      tally.rejected += coverage.rejected;
    }
  }
  return [...tallies.keys()].sort(compareStrings).map((machine) => {
    const tally = tallies.get(machine);
    if (tally === undefined) throw new Error(`machine '${machine}' lost while summarizing coverage`);
    // Every run of one model lists the same states and transitions; taking the union of the
    // full lists and of what was reached keeps reached <= total even if one did not.
    const states = count(tally.states, tally.reached);
    const transitions = count(tally.transitions, tally.taken);
    return {
      machine,
      states: { reached: states.covered, total: states.total, unreached: states.missed },
      transitions: { taken: transitions.covered, total: transitions.total, untaken: transitions.missed },
      rejected: tally.rejected,
    };
  });
}

function addAll(target: Set<string>, values: readonly string[]): void {
  for (const value of values) target.add(value);
}

function count(all: ReadonlySet<string>, covered: ReadonlySet<string>): CoverageCount {
  const total = new Set([...all, ...covered]);
  const missed = [...total].filter((name) => !covered.has(name)).sort(compareStrings);
  return { covered: covered.size, total: total.size, missed };
}

function totalFaults(runs: readonly RunResult[]): Record<FaultKind, number> {
  const totals = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;
  for (const run of runs) {
    for (const kind of FAULT_KINDS) totals[kind] += run.faults[kind] ?? 0;
  }
  return totals;
}

function summarizeFailures(runs: readonly RunResult[]): FailureSummary[] {
  const failures: FailureSummary[] = [];
  for (const run of runs) {
    if (failures.length >= MAX_FAILURES_LISTED) break;
    const verdict = run.verdict;
    if (verdict === 'pass') continue;
    const first = firstApplicableViolation(run);
    failures.push({
      seed: run.seed,
      verdict,
      repro: run.repro,
      faultPlan: run.faultPlan,
      ...(first === undefined ? {} : { firstViolation: first }),
      ...(run.crash === undefined ? {} : { crash: run.crash.message }),
      ...(run.liveness === undefined ? {} : { liveness: run.liveness }),
      ...(run.liveness === undefined || run.livenessExplanation === undefined ? {} : { livenessExplanation: run.livenessExplanation }),
    });
  }
  return failures;
}

function firstApplicableViolation(run: RunResult): FailureSummary['firstViolation'] {
  let first: FailureSummary['firstViolation'];
  for (const violation of run.violations) {
    if (!violation.applies) continue;
    // Strictly earlier only: of two at the same time, the one recorded first stays.
    if (first === undefined || violation.atMs < first.atMs) {
      first = { invariant: violation.invariant, atMs: violation.atMs, message: violation.message, ...(violation.explanation === undefined ? {} : { explanation: violation.explanation }) };
    }
  }
  return first;
}

import { assert } from '../../impl/common/assert.ts';
import { parseSimArgs, reproArgs, formatDuration, type SimCommand } from '../../sim/cli/args.ts';
import { SCHEDULE_FILE_VERSION, scheduleFileText } from '../../sim/nemesis/fault-schedule.ts';
import type { MutantName } from '../../sim/mutants/mutant-catalogue.ts';
import type { RunResult, Verdict, Violation } from '../../sim/run/run-result.ts';
import { runSeed, type SeedRun } from '../../sim/run/run-seed.ts';
import { seedRunOf } from '../../sim/scenario/seed-run-step.ts';
import type { InvariantKind } from '../../sim/invariants/invariant.ts';
import type { ClusterCase } from './arbitraries.ts';

/**
 * One generated case as a real run: the case is written as the command line's own options and
 * read back by the command line's own parser (`parseSimArgs`), and the run is built from them as a
 * schedule file's replay builds it (`seedRunOf`), so the schedule file of a counterexample
 * (`scheduleFileOf`) replays, with `npm run sim -- --schedule FILE`, to the very run that failed.
 */

/** The plan a case's schedule file names: fast-check drew it, not a nemesis. */
export const CLUSTER_CASE_PLAN = 'fast-check (properties/cluster)';

/** The command-line options of a case's run, seed first, as a schedule file's `args` has them. */
export function caseArgs(testCase: ClusterCase): string[] {
  return reproArgs(caseCommand(testCase), testCase.workload.seed);
}

/** What the command line makes of a case's options. */
export function caseCommand(testCase: ClusterCase): SimCommand {
  const { config, workload } = testCase;
  const argv = [
    '--seed', String(workload.seed),
    '--duration', formatDuration(config.durationMs),
    '--brokers', String(config.brokers),
    '--partitions', String(config.partitions),
    '--replication-factor', String(config.replicationFactor),
    '--config', `min.insync.replicas=${config.minInsyncReplicas}`,
    ...(config.groups ? [] : ['--no-groups']),
  ];
  const outcome = parseSimArgs(argv, { chooseSeed: () => workload.seed });
  assert(outcome.type === 'run', `a generated case's options are not a run: ${outcome.type === 'error' ? outcome.message : outcome.type}`);
  return outcome.command;
}

/** The run of a case, with test-only mutants planted if given (the command line offers none). */
export function caseSeedRun(testCase: ClusterCase, mutants: readonly MutantName[] = []): SeedRun {
  const command = caseCommand(testCase);
  const run = seedRunOf(command, testCase.workload.seed, testCase.schedule);
  return {
    ...run,
    repro: `npm run sim -- --schedule FILE, FILE the case's schedule file (args ${caseArgs(testCase).join(' ')})`,
    schedule: { entries: testCase.schedule, plan: CLUSTER_CASE_PLAN },
    ...(mutants.length === 0 ? {} : { mutants }),
  };
}

/** The schedule file of a case: `npm run sim -- --schedule FILE` replays its run. */
export function scheduleFileOf(testCase: ClusterCase): string {
  return scheduleFileText({ version: SCHEDULE_FILE_VERSION, args: caseArgs(testCase), plan: CLUSTER_CASE_PLAN, entries: testCase.schedule });
}

/** What a property reads of a run: small, so that many can be kept. */
export interface CaseOutcome {
  readonly verdict: Verdict;
  readonly digest: string;
  /** Violations of claims that apply to the run, in the order the run found them. */
  readonly violations: readonly Violation[];
  /** Every claim the run registered, with its kind and whether it applied. */
  readonly claims: readonly { readonly name: string; readonly kind: InvariantKind; readonly applies: boolean }[];
  readonly crash?: string;
  /** Faults that struck, were held back by the fault budget, or were skipped (target down). */
  readonly struck: number;
  readonly heldBack: number;
  readonly skipped: number;
}

export function outcomeOf(result: RunResult): CaseOutcome {
  const count = (counts: Readonly<Record<string, number>>): number => Object.values(counts).reduce((sum, n) => sum + n, 0);
  return {
    verdict: result.verdict,
    digest: result.digest,
    violations: result.violations.filter((violation) => violation.applies),
    claims: result.invariants.map(({ name, kind, applies }) => ({ name, kind, applies })),
    ...(result.crash === undefined ? {} : { crash: result.crash.message }),
    struck: result.schedule.filter((entry) => entry.type === 'fault').length,
    heldBack: count(result.faultsHeldBack),
    skipped: count(result.faultsSkipped),
  };
}

/**
 * Runs are deterministic, so the properties share them: each property over the same fast-check
 * seed draws the same cases, and the second property to meet a case reads the first one's run.
 * The key is everything the run is made of; the cache keeps the most recent `CACHE_LIMIT` runs.
 */
const CACHE_LIMIT = 1_000;
const cache = new Map<string, CaseOutcome>();

/** Runs a case (or reads its run from the cache). */
export function runCase(testCase: ClusterCase, mutants: readonly MutantName[] = []): CaseOutcome {
  const key = JSON.stringify([caseArgs(testCase), testCase.schedule, [...mutants].sort()]);
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const outcome = outcomeOf(runSeed(caseSeedRun(testCase, mutants)));
  cache.set(key, outcome);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  return outcome;
}

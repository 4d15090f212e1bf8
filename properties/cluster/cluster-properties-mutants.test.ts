import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { describeEntry } from '../../sim/nemesis/fault-schedule.ts';
import { parseScheduleFile } from '../../sim/nemesis/schedule-file.ts';
import type { MutantName } from '../../sim/mutants/mutant-catalogue.ts';
import { clusterCaseArbitrary, type ClusterCase, type ClusterConfig } from './arbitraries.ts';
import { ClusterPropertyFailure, guaranteeByName, clusterProperty, type GuaranteeName } from './cluster-properties.ts';
import { propertiesMain, type PropertiesPlant } from './properties-cli.ts';

// Each cluster property shown failing: a test-only mutant planted in every run (sim/mutants/),
// fast-check finds a failing case and shrinks it, and the counterexample has fewer faults than the
// first failing case. To keep `npm test` cheap the cases are drawn for one small cluster (a 10 s run
// of three brokers; the consumer groups only where the mutant is in them) and up to four faults;
// the property, the schedule arbitrary and the shrinking are the ones `npm run properties` runs.
// The fast-check seeds were chosen (measured) so that a failure comes within the first few cases;
// each case is a real run, and a change to the simulator may move them: then pick another seed
// whose first failing case has faults, and say so here.

const SMALL: ClusterConfig = { brokers: 3, partitions: 1, replicationFactor: 3, minInsyncReplicas: 2, groups: false, durationMs: 10_000 };
/** The range assignor's overlap needs two partitions to overlap on, and a group. */
const SMALL_GROUPS: ClusterConfig = { ...SMALL, partitions: 2, groups: true };

/** [property, mutant, the claim the failure names, configuration, fast-check seed]. */
const SHOWN: readonly (readonly [GuaranteeName, MutantName, string, ClusterConfig, number])[] = [
  // The leader goes down; its successor truncates to its own high watermark, which lags the one
  // the old leader exposed, and throws committed records away. (`acks-all-on-local-append`, an
  // acks=all write answered before its followers had it, fails this property too, as lost-write
  // at seed 2 after a controlled shutdown of the leader, but its runs go on to the final reads and
  // cost four times as much.)
  ['no-loss', 'new-leader-truncates-to-high-watermark', 'CommittedRecordsSurvive', SMALL, 3],
  // The overlap needs no fault at all: the counterexample shrinks to an empty schedule.
  ['single-consumer', 'range-assignor-overlapping-ranges', 'SingleConsumerPerPartition', SMALL_GROUPS, 7],
];

/**
 * Shown with the single controller of the time, at these fast-check seeds; the three-controller
 * run (the default since the controller quorum joined) draws other cases from them, and their
 * seeds are to be found again. Skipped, and listed, until then.
 */
const REMEASURE: readonly (readonly [GuaranteeName, MutantName, string])[] = [
  // A retry after a leader change takes new sequence numbers, so the new leader appends the batch
  // it already holds a second time, after later ones.
  ['order', 'producer-retry-new-sequence', 'duplicate'],
  // A controlled shutdown of the leader moves leadership without a new epoch.
  ['other-always', 'failover-keeps-leader-epoch', 'SingleLeaderPerEpoch'],
];

const scratch = mkdtempSync(join(tmpdir(), 'refka-properties-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** At most this many cases are tried for a failure; the pinned seeds fail within the first few. */
const MAX_RUNS = 20;

function cli(argv: readonly string[], plant: PropertiesPlant): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = propertiesMain(argv, { chooseSeed: () => 7, stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), nowMs: () => 0 }, plant);
  return { code, stdout, stderr };
}

function faults(testCase: ClusterCase): string {
  return testCase.schedule.length === 0 ? 'no faults' : testCase.schedule.map(describeEntry).join(', ');
}

describe('each cluster property fails against a test-only mutant, with a shrunk counterexample', () => {
  it.skip.each(REMEASURE)('%s failed with %s planted (claim %s) with one controller: seed to be found again', () => undefined);

  it.each(SHOWN)('%s fails with %s planted (claim %s)', (name, mutant, claim, config, seed) => {
    const guarantee = guaranteeByName(name);
    const cases = clusterCaseArbitrary({ config: fc.constant(config), maxFaults: 4 });
    const details = fc.check(clusterProperty(guarantee, { mutants: [mutant], cases }), { seed, numRuns: MAX_RUNS, verbose: fc.VerbosityLevel.Verbose });
    expect(details.failed).toBe(true);
    const first = details.failures[0]?.[0];
    const shrunk = details.counterexample?.[0];
    if (first === undefined || shrunk === undefined) throw new Error('a failed check has a first failure and a counterexample');
    // Shrunk: fewer faults than the first failing case, and still failing, on the same claim.
    expect(details.numShrinks).toBeGreaterThan(0);
    expect(shrunk.schedule.length).toBeLessThan(first.schedule.length);
    const error = details.errorInstance;
    expect(error).toBeInstanceOf(ClusterPropertyFailure);
    expect((error as ClusterPropertyFailure).reason).toMatch(new RegExp(`^claim ${claim} violated at \\d+ ms: `));
    expect((error as ClusterPropertyFailure).testCase).toEqual(shrunk);
    // The report gives fast-check's seed and path (they replay it) and the run's schedule file.
    const report = fc.defaultReportMessage(details) ?? '';
    expect(report).toContain(`seed: ${seed}, path: "${details.counterexamplePath ?? ''}"`);
    const file = parseScheduleFile((error as ClusterPropertyFailure).message.slice((error as ClusterPropertyFailure).message.indexOf('{')));
    expect(typeof file === 'string' ? file : file.entries).toEqual(shrunk.schedule);
    console.log(
      `${name} x ${mutant}: failed at case ${details.numRuns} of seed ${seed} with ${first.schedule.length} fault(s), shrunk in ${details.numShrinks} step(s) ` +
        `to ${shrunk.schedule.length} (${faults(shrunk)}); replay { seed: ${seed}, path: "${details.counterexamplePath ?? ''}" }; ${(error as ClusterPropertyFailure).reason.slice(0, 160)}`,
    );
  });

  it('npm run properties prints fast-check\'s seed and path on a failure, how to replay it, and writes the counterexample\'s schedule file', () => {
    // The single-consumer failure above, through the command line: the same cases, so the same
    // (cached) runs.
    const plant = { mutants: ['range-assignor-overlapping-ranges'] as const, cases: clusterCaseArbitrary({ config: fc.constant(SMALL_GROUPS), maxFaults: 4 }) };
    const { code, stdout, stderr } = cli(['--runs', '3', '--seed', '7', '--property', 'single-consumer', '--emit-schedule', scratch], plant);
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(stdout).toContain('single-consumer: FAILED');
    expect(stdout).toMatch(/\{ seed: 7, path: "0(:\d+)*"/);
    expect(stdout).toMatch(/replay: npm run properties -- --seed=7 --path 0(:\d+)* --property single-consumer\n/);
    expect(stdout).toContain('claim SingleConsumerPerPartition violated at ');
    const file = parseScheduleFile(readFileSync(join(scratch, 'single-consumer.json'), 'utf8'));
    if (typeof file === 'string') throw new Error(file);
    expect(file.args).toContain('--partitions');
    expect(file.entries).toEqual([]);
  });
});

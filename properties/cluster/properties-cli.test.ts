import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScheduleFile } from '../../sim/nemesis/schedule-file.ts';
import { clusterCaseArbitrary } from './arbitraries.ts';
import { GUARANTEES } from './cluster-properties.ts';
import { DEFAULT_RUNS, parsePropertiesArgs, propertiesMain, type PropertiesPlant } from './properties-cli.ts';

// The command line of `npm run properties`. Only the last test runs a property (each case is a
// real run): a planted group mutant makes it fail as a user would see it.

const scratch = mkdtempSync(join(tmpdir(), 'refka-properties-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function usage(argv: readonly string[], plant?: PropertiesPlant): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = propertiesMain(argv, { chooseSeed: () => 7, stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), nowMs: () => 0 }, plant);
  return { code, stdout, stderr };
}

describe('npm run properties: its options', () => {
  it('defaults to every property at DEFAULT_RUNS with a chosen seed', () => {
    expect(parsePropertiesArgs([], () => 42)).toEqual({
      type: 'run',
      command: { runs: DEFAULT_RUNS, seed: 42, seedChosen: true, properties: GUARANTEES, shrinkFaults: false },
    });
  });

  it('reads every option', () => {
    const parsed = parsePropertiesArgs(['--runs', '500', '--seed=-12', '--property', 'no-loss', '--path', '3:0:1', '--shrink-faults', '--emit-schedule', 'out'], () => 0);
    expect(parsed).toEqual({
      type: 'run',
      command: { runs: 500, seed: -12, seedChosen: false, properties: [GUARANTEES[1]], path: '3:0:1', shrinkFaults: true, emitScheduleDir: 'out' },
    });
  });

  it.each([
    [['--runs', '0'], "--runs must be a whole number from 1 to 1000000, got '0'"],
    [['--runs', '1.5'], "--runs must be a whole number from 1 to 1000000, got '1.5'"],
    [['--seed', 'x'], "--seed must be an integer from -2147483648 to 2147483647 (fast-check's seeds), got 'x'"],
    [['--seed', '2147483648'], "--seed must be an integer from -2147483648 to 2147483647 (fast-check's seeds), got '2147483648'"],
    [['--property', 'speed'], "--property: unknown property 'speed'; the properties are order, no-loss, single-consumer, other-always"],
    [['--property', 'order', '--property', 'order'], '--property order is given twice'],
    [['--seed', '1', '--property', 'order', '--path', 'a:b'], "--path must be fast-check's path, numbers joined by ':' such as 3:0:1, got 'a:b'"],
    [['--path', '1:2', '--property', 'order'], '--path replays one failure: give the --seed and the one --property it was printed with'],
    [['--emit-schedule', ''], '--emit-schedule needs a directory'],
  ])('rejects %j with one line and exit 2', (argv, message) => {
    const { code, stdout, stderr } = usage(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`refka properties: ${message} (see --help)\n`);
  });

  it('rejects an unknown option or a positional argument with one line', () => {
    for (const argv of [['--bogus'], ['order']]) {
      const { code, stderr } = usage(argv);
      expect(code).toBe(2);
      expect(stderr.split('\n')).toHaveLength(2);
      expect(stderr).toMatch(/^refka properties: /);
    }
  });

  it('prints its help', () => {
    const { code, stdout } = usage(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: npm run properties -- \[options\]/);
    for (const guarantee of GUARANTEES) expect(stdout).toContain(guarantee.name);
  });

  it('prints fast-check\'s seed and path on a failure, how to replay it, and writes the counterexample\'s schedule file', () => {
    // The range assignor's overlap fails the group property in the first case (cluster-properties-mutants.test.ts, seed 7).
    const config = { brokers: 3, partitions: 2, replicationFactor: 3, minInsyncReplicas: 2, groups: true, durationMs: 10_000 };
    const plant = { mutants: ['range-assignor-overlapping-ranges'] as const, cases: clusterCaseArbitrary({ config: fc.constant(config), maxFaults: 4 }) };
    const { code, stdout, stderr } = usage(['--runs', '3', '--seed', '7', '--property', 'single-consumer', '--emit-schedule', scratch], plant);
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

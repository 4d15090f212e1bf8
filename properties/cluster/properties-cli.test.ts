import { describe, expect, it } from 'vitest';
import { GUARANTEES } from './cluster-properties.ts';
import { DEFAULT_RUNS, parsePropertiesArgs, propertiesMain } from './properties-cli.ts';

// The command line of `npm run properties`; nothing here runs a property (each case is a real
// run). Its report of a failure is tested in cluster-properties-mutants.test.ts, beside the
// planted failure whose runs it reuses.

function usage(argv: readonly string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = propertiesMain(argv, { chooseSeed: () => 7, stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), nowMs: () => 0 });
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
});

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ScenarioCrash } from '../scenario/scenario-runner.ts';
import { main } from './main.ts';
import { scenarioMain } from './scenario-main.ts';

// `npm run sim -- --scenario FILE [--rewrite] [--trace FILE]`: the outputs, or one line and exit 2
// (the script's or the command line's problem) or 4 (refka crashed); never a stack trace.

const scratch = mkdtempSync(join(tmpdir(), 'refka-scenario-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(argv: readonly string[], run?: Parameters<typeof scenarioMain>[2]): Captured {
  let stdout = '';
  let stderr = '';
  const io = { chooseSeed: () => 1, stdout: (text: string) => void (stdout += text), stderr: (text: string) => void (stderr += text), stderrIsTty: false };
  const code = run === undefined ? main(argv, io) : scenarioMain(argv, io, run);
  if (typeof code !== 'number') throw new Error('a scenario answers at once');
  return { code, stdout, stderr };
}

/** Writes a script of these steps (empty expected outputs) and returns its path. */
function scriptFile(name: string, ...steps: string[]): string {
  const path = join(scratch, name);
  writeFileSync(path, steps.map((step) => `${step}\n----\n\n`).join(''));
  return path;
}

function expectOneLineError(result: Captured, code: number, line: string): void {
  expect(result.stderr).toBe(`refka sim: ${line}\n`);
  expect(result.stdout).toBe('');
  expect(result.code).toBe(code);
}

describe('scenario command line: the problems users hit (issue 14), each one line and exit 2', () => {
  it.each([
    ['crash brokr=1', ['cluster brokers=3', 'crash brokr=1'], ":2: unknown argument 'brokr' for 'crash' (did you mean 'broker'?)"],
    ['produce partiton=1', ['cluster brokers=3', 'produce topic=t value=v partiton=1'], ":2: unknown argument 'partiton' for 'produce' (did you mean 'partition'?)"],
    ['crash broker=7 of 3', ['cluster brokers=3', 'crash broker=7'], ':2: broker=7 is not one of the 3 brokers (0 to 2)'],
    ['brokers=100', ['cluster brokers=100'], ':1: brokers=100 is out of range: 1 to 9 (brokers)'],
    ['brokers=0', ['cluster brokers=0'], ':1: brokers=0 is out of range: 1 to 9 (brokers)'],
    ['wait ms=90000000', ['cluster brokers=1', 'wait ms=90000000'], ':2: ms=90000000 is out of range: 0 to 3600000 (milliseconds)'],
    ['an unterminated quote', ['cluster brokers=1', 'produce topic=t value="hello world'], `:2: unterminated quote in 'value="hello world'`],
  ])('%s', (name, steps, problem) => {
    const path = scriptFile(`${name.replace(/\W+/g, '-')}.txt`, ...steps);
    expectOneLineError(cli(['--scenario', path]), 2, `${path}${problem.replace(/^:(\d+):/, (_, line: string) => `:${(Number(line) - 1) * 3 + 1}:`)}`);
  });

  it('an empty script', () => {
    const path = join(scratch, 'empty.txt');
    writeFileSync(path, '# nothing but a comment\n');
    expectOneLineError(cli(['--scenario', path]), 2, `${path}:1: the script has no commands: a scenario starts with a 'cluster' line`);
  });

  it('a file it cannot read, and options it does not take', () => {
    expectOneLineError(cli(['--scenario', join(scratch, 'missing.txt')]), 2, `--scenario: cannot read ${JSON.stringify(join(scratch, 'missing.txt'))} (ENOENT)`);
    expectOneLineError(cli(['--scenario', scratch]), 2, `--scenario: cannot read ${JSON.stringify(scratch)} (EISDIR)`);
    const path = scriptFile('ok.txt', 'cluster brokers=1');
    expectOneLineError(cli(['--scenario', path, '--seed', '1']), 2, '--scenario takes a file, and optionally --rewrite and --trace FILE, nothing else; got "--seed" (see --help)');
    expectOneLineError(cli(['--scenario', path, '--trace', 'a', '--trace=b']), 2, '--trace given twice (see --help)');
    expectOneLineError(cli(['--scenario', path, '--trace']), 2, '--trace needs a file name (see --help)');
    expectOneLineError(cli(['--scenario', path, '--trace', path]), 2, '--trace would overwrite the scenario file itself (see --help)');
    expectOneLineError(cli(['--scenario', path, '--trace', join(scratch, 'no-dir', 't.jsonl')]), 2, `--trace: cannot write ${JSON.stringify(join(scratch, 'no-dir', 't.jsonl'))} (ENOENT)`);
  });

  it('a script error comes before the trace file is opened', () => {
    const trace = join(scratch, 'never.jsonl');
    const result = cli(['--scenario', scriptFile('bad.txt', 'cluster brokers=1', 'crash broker=1'), '--trace', trace]);
    expect(result.code).toBe(2);
    expect(existsSync(trace)).toBe(false);
  });
});

describe('scenario command line: running', () => {
  it('--trace writes the scenario simulation\'s trace as JSON lines, the same for the same script', () => {
    const path = scriptFile('traced.txt', 'cluster brokers=1', 'create-topic name=t', 'produce topic=t value="hello world"', 'wait ms=2000');
    const traces = [join(scratch, 'a.jsonl'), join(scratch, 'b.jsonl')].map((trace) => {
      const result = cli(['--scenario', path, `--trace=${trace}`]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(1); // the script's expected outputs are empty, so all 4 steps differ
      expect(result.stdout).toContain(`${path}: 4 steps, 4 differ`);
      expect(result.stdout).toContain('+++ actual\nok partition 0 offset 0\n');
      return readFileSync(trace, 'utf8');
    });
    const lines = (traces[0] ?? '').trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(100);
    // Every line is an entry, with a message summary on sends, deliveries and drops (outside the
    // digest), or a line describing the run (the header, a state change, a violation with its subject and
    // explanation).
    for (const line of lines) {
      const keys = Object.keys(JSON.parse(line) as object);
      expect(keys.slice(0, 7)).toEqual(['atMs', 'kind', 'node', 'peer', 'name', 'value', 'detail']);
      expect(keys.slice(7).filter((key) => !['summary', 'subject', 'explanation', 'header'].includes(key))).toEqual([]);
    }
    expect(traces[1]).toBe(traces[0]);
  });

  it('a crash of refka on a valid script is one line naming the step, exit 4', () => {
    const path = scriptFile('crash.txt', 'cluster brokers=1');
    const crash = cli(['--scenario', path], () => {
      throw new ScenarioCrash(path, 1, 'cluster', new Error('planted'));
    });
    expectOneLineError(crash, 4, `${path}:1: 'cluster' crashed: Error: planted`);
  });
});

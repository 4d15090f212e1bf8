import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ScheduleEntry } from '../nemesis/fault-schedule.ts';
import type { RunResult } from '../run/run-result.ts';
import { runSeed, type SeedRun } from '../run/run-seed.ts';
import { main } from './main.ts';

const scratch = mkdtempSync(join(tmpdir(), 'refka-schedule-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
  runs: number;
}

function cli(argv: readonly string[]): Captured {
  let stdout = '';
  let stderr = '';
  let runs = 0;
  const runner = (run: SeedRun): RunResult => {
    runs += 1;
    return runSeed(run);
  };
  const io = { chooseSeed: () => 12_345, stdout: (text: string) => void (stdout += text), stderr: (text: string) => void (stderr += text), stderrIsTty: false };
  const code = main(argv, io, runner);
  if (typeof code !== 'number') throw new Error('one run answers at once');
  return { code, stdout, stderr, runs };
}

interface Json {
  digest: string;
  verdict: string;
  events: number;
  repro: string;
  schedule: ScheduleEntry[];
  faults: Record<string, number>;
}

// Seed 2's faults start within half a second: a 3 s run has a dozen of them, of six kinds.
const RUN = ['--seed', '2', '--duration', '3s'];

describe('--emit-schedule and --schedule', () => {
  const emitted = join(scratch, 'seed-2.json');
  let drawn: Json;

  it('write a run\'s schedule, and replay it to the same run', () => {
    const first = cli([...RUN, '--json', '--emit-schedule', emitted]);
    expect(first.code).toBe(0);
    drawn = JSON.parse(first.stdout) as Json;
    expect(drawn.schedule.filter((entry) => entry.type === 'fault').length).toBeGreaterThanOrEqual(5);
    const text = readFileSync(emitted, 'utf8');
    expect(JSON.parse(text)).toEqual({ version: 1, args: RUN, plan: expect.any(String) as unknown, entries: drawn.schedule });

    const again = join(scratch, 'again.json');
    const replayed = cli(['--schedule', emitted, '--json', '--emit-schedule', again]);
    expect(replayed.code).toBe(0);
    const json = JSON.parse(replayed.stdout) as Json;
    expect({ ...json, repro: '' }).toEqual({ ...drawn, repro: '', faultPlan: expect.stringMatching(/^schedule of \d+ entries, drawn by /) as unknown });
    expect(json.repro).toBe(`npm run sim -- --schedule ${emitted}`);
    // The schedule of a replay is the schedule it replayed.
    expect(readFileSync(again, 'utf8')).toBe(text);

    const human = cli(['--schedule', emitted]);
    expect(human.stdout).toContain(`digest      ${drawn.digest}`);
    expect(human.stdout).toMatch(/\nschedule {4}\d+\.\d+s [a-z-]+ /);
  });

  it('replay a schedule with a line deleted to the end, without that fault', () => {
    const lines = readFileSync(emitted, 'utf8').split('\n');
    const at = lines.findIndex((line) => line.includes('"kind":"controlled-shutdown"') && line.includes('"type":"fault"'));
    expect(at).toBeGreaterThan(0);
    const deleted = JSON.parse((lines[at] as string).trim().replace(/,$/, '')) as ScheduleEntry;
    const edited = join(scratch, 'edited.json');
    writeFileSync(edited, [...lines.slice(0, at), ...lines.slice(at + 1)].join('\n').replace(/,\n {2}\]/, '\n  ]'));
    const result = cli(['--schedule', edited, '--json']);
    expect(result.stderr).toBe('');
    const json = JSON.parse(result.stdout) as Json & { crash?: unknown };
    expect(json.crash).toBeUndefined();
    expect(json.schedule).not.toContainEqual(deleted);
    expect(json.schedule).toHaveLength(drawn.schedule.length - 1);
    expect(json.faults['controlled-shutdown']).toBe((drawn.faults['controlled-shutdown'] ?? 0) - 1);
    expect(json.digest).not.toBe(drawn.digest);
  });

  it('answer a bad schedule file or command line with one line and exit 2, running nothing', () => {
    const text = readFileSync(emitted, 'utf8');
    const write = (name: string, contents: string): string => {
      const path = join(scratch, name);
      writeFileSync(path, contents);
      return path;
    };
    const firstFault = drawn.schedule.find((entry) => entry.type === 'fault' && 'node' in entry) as ScheduleEntry & { node: string };
    const cases: [readonly string[], RegExp][] = [
      [['--schedule', write('bad-json.json', text.slice(0, 40))], /--schedule: .*bad-json\.json: not JSON: /],
      [['--schedule', write('bad-kind.json', text.replace(`"kind":"${firstFault.kind}"`, '"kind":"meteor"'))], /entries\[\d+\]\.kind: unknown fault kind 'meteor'; the kinds are /],
      [['--schedule', write('bad-node.json', text.replace(`"node":"${firstFault.node}"`, '"node":"broker-9"'))], /entries\[\d+\]\.node: .* 'broker-9' is not one/],
      [['--schedule', write('bad-time.json', text.replace(`{"at":${drawn.schedule[0]?.at ?? 0},`, '{"at":-1,'))], /entries\[0\]\.at must be a whole number of milliseconds, 0 or more, got -1/],
      [['--schedule', write('bad-version.json', text.replace('"version": 1', '"version": 0'))], /version must be 1 .*got 0/],
      [['--schedule', write('bad-args.json', text.replace('"--duration","3s"', '"--duration","3 s"'))], /args: --duration must be a whole number with a unit/],
      [['--schedule', write('no-seed.json', text.replace('"--seed","2",', ''))], /args must give the run's seed, as --seed N/],
      [['--schedule', write('late.json', text.replace('"3s"', '"1s"'))], /is not before the heal at 1000 ms/],
      [['--schedule', join(scratch, 'missing.json')], /--schedule: cannot read ".*missing\.json" \(ENOENT\)/],
      [['--schedule', emitted, '--seed', '3'], /--seed cannot be given with it/],
      [['--schedule', emitted, '--faults', 'crash'], /--faults cannot be given with it/],
      [['--seeds', '1..2', '--emit-schedule', join(scratch, 'two.json')], /--emit-schedule writes one run's schedule; give it a single --seed/],
      [[...RUN, '--emit-schedule', join(scratch, 'no-such-dir', 's.json')], /--emit-schedule: cannot write ".*no-such-dir\/s\.json" \(ENOENT\)/],
    ];
    for (const [argv, expected] of cases) {
      const result = cli(argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^refka sim: [^\n]*\n$/);
      expect(result.stderr).toMatch(expected);
      expect(result.stdout).toBe('');
      expect(result.runs).toBe(0);
    }
  });
});

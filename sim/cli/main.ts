import { accessSync, closeSync, constants, mkdirSync } from 'node:fs';
import { writeReport } from '../report/write-report.ts';
import { EXIT_CODES, worseVerdict, type RunResult, type Verdict } from '../run/run-result.ts';
import { runSeed, type SeedRun } from '../run/run-seed.ts';
import { InOrder } from '../run/worker-pool.ts';
import { parseSimArgs, reproCommand, shellQuote, type SimCommand } from './args.ts';
import type { FaultScript } from '../run/fault-injector.ts';
import { loadSchedule, openScheduleOutput, writeScheduleOutput } from './schedule-io.ts';
import { fileProblem, openTraceSink, type FileTraceSink } from './file-output.ts';
import { formatRun, formatSweepLine, runJson } from './format.ts';
import { scenarioMain } from './scenario-main.ts';
import { shrinkFailures } from './shrink-command.ts';
import { seedRunOf } from '../scenario/seed-run-step.ts';
import { SweepSummary } from './sweep-summary.ts';

export interface CliIo {
  /** Entropy for a seed when the user gave none; injected so this module stays deterministic. */
  chooseSeed(): number;
  stdout(text: string): void;
  stderr(text: string): void;
  stderrIsTty: boolean;
  /** The machine's cores: a sweep's default `--jobs`. Absent: 1 (a sweep runs in this thread). */
  cores?: number;
  /** Runs a sweep on threads; absent, every sweep runs in this thread, whatever --jobs says. */
  pool?: SweepPool;
}

/**
 * Runs a sweep's seeds on `jobs` threads, calling `result` with each (in any order) until it answers
 * 'stop'; resolves when done. The host provides it (`bin/sweep-pool.ts`: worker threads), since
 * waiting on threads is real asynchrony, which nothing under sim/ may use.
 */
export type SweepPool = (runs: readonly SeedRun[], jobs: number, result: (index: number, result: RunResult) => 'continue' | 'stop') => Promise<void>;

/**
 * `npm run sim -- [options]`: returns the exit code (0 pass, 1 safety, 2 usage, 3 liveness,
 * 4 crash), at once, or as a promise when a sweep runs on worker threads.
 */
export function main(argv: readonly string[], io: CliIo, runner: (run: SeedRun) => RunResult = runSeed): number | Promise<number> {
  if (argv.includes('--scenario') || argv.some((word) => word.startsWith('--scenario='))) return scenarioMain(argv, io);
  const outcome = parseSimArgs(argv, { chooseSeed: io.chooseSeed });
  switch (outcome.type) {
    case 'help':
      io.stdout(outcome.text);
      return EXIT_CODES.pass;
    case 'error':
      io.stderr(`refka sim: ${outcome.message} (see --help)\n`);
      return EXIT_CODES.usage;
    case 'run':
    case 'replay':
      break;
  }
  let command: SimCommand;
  let replay: { readonly file: string; readonly script: FaultScript } | undefined;
  if (outcome.type === 'replay') {
    const loaded = loadSchedule(outcome.replay.scheduleFile);
    if (typeof loaded === 'string') {
      io.stderr(`refka sim: --schedule: ${loaded}\n`);
      return EXIT_CODES.usage;
    }
    const { scheduleFile, ...output } = outcome.replay;
    command = { ...loaded.command, ...output };
    replay = { file: scheduleFile, script: loaded.script };
  } else {
    command = outcome.command;
  }
  for (const [flag, given] of [['--trace', command.traceFile], ['--emit-schedule', command.emitScheduleFile]] as const) {
    if (given !== undefined && command.seeds.length !== 1) {
      io.stderr(`refka sim: ${flag} writes one run's ${flag === '--trace' ? 'trace' : 'schedule'}; give it a single --seed (see --help)\n`);
      return EXIT_CODES.usage;
    }
  }
  if (command.seedSource === 'chosen' && !command.json) io.stdout(`no --seed given; chose seed ${command.seeds[0]}\n`);
  // Files are opened before the first seed runs, so a bad --trace or --report path costs nothing
  // and ends with one line and the usage exit code rather than a stack trace.
  let sink: FileTraceSink | undefined;
  if (command.traceFile !== undefined) {
    const opened = openTraceSink(command.traceFile);
    if (typeof opened === 'string') {
      io.stderr(`refka sim: --trace: ${opened}\n`);
      return EXIT_CODES.usage;
    }
    sink = opened;
  }
  let scheduleOutput: number | undefined;
  if (command.emitScheduleFile !== undefined) {
    const opened = openScheduleOutput(command.emitScheduleFile);
    if (typeof opened === 'string') {
      sink?.close();
      io.stderr(`refka sim: --emit-schedule: ${opened}\n`);
      return EXIT_CODES.usage;
    }
    scheduleOutput = opened;
  }
  if (command.reportDir !== undefined) {
    const problem = prepareReportDir(command.reportDir);
    if (problem !== undefined) {
      sink?.close();
      if (scheduleOutput !== undefined) closeSync(scheduleOutput);
      io.stderr(`refka sim: --report: ${problem}\n`);
      return EXIT_CODES.usage;
    }
  }
  const results: RunResult[] = [];
  let worst: Verdict = 'pass';
  // A shard prints sweep lines even when its slice holds one seed, or none.
  const sweep = command.seeds.length > 1 || command.shard !== undefined;
  let failed = 0;
  let emitted = 0;
  const toShrink: { seed: number; run: SeedRun }[] = [];
  const summary = new SweepSummary();
  // Every result goes through here in seed order, whichever thread ran it, so that the output,
  // the report and the exit code of a sweep do not depend on --jobs.
  const emit = (index: number, result: RunResult): 'continue' | 'stop' => {
    worst = worseVerdict(worst, result.verdict);
    // One seed only (checked above): its schedule is written before its result is printed.
    if (scheduleOutput !== undefined) writeScheduleOutput(scheduleOutput, command, result, replay?.script);
    emitted += 1;
    if (result.verdict !== 'pass') failed += 1;
    if (command.shrink === true && (result.verdict === 'safety' || result.verdict === 'liveness')) toShrink.push({ seed: result.seed, run: seedRun(command, result.seed, undefined) });
    // A sweep's report draws the timeline of its failing seeds only: a passing seed's would
    // only make the report's results larger.
    if (command.reportDir !== undefined) results.push(sweep && result.verdict === 'pass' ? withoutTimeline(result) : result);
    summary.add(result);
    if (command.json) io.stdout(runJson(result));
    else io.stdout(sweep ? formatSweepLine(result) : formatRun(result));
    // A failing seed of a sweep is replayed alone with the command that reproduces it.
    if (sweep && !command.json && result.verdict !== 'pass') io.stdout(`  repro     ${result.repro}\n`);
    if (sweep && io.stderrIsTty) {
      io.stderr(`\r${index + 1}/${command.seeds.length} seeds, ${failed} failed, worst verdict so far: ${worst}   `);
    }
    return command.stopOnFailure && result.verdict !== 'pass' ? 'stop' : 'continue';
  };
  const finish = (): number => {
    if (sweep && io.stderrIsTty) io.stderr('\n');
    // Said only when seeds were left unrun: a sweep whose last seed failed simply ended.
    if (command.stopOnFailure && failed > 0 && emitted < command.seeds.length && !command.json) {
      io.stdout(`stopped at the first failing seed (--stop-on-failure)\n`);
    }
    // The closing summary; under --json on stderr, so that stdout stays one JSON object per seed.
    if (sweep) {
      const text = summary.lines(command.seeds.length).map((line) => `${line}\n`).join('');
      if (command.json) io.stderr(text);
      else io.stdout(text);
    }
    if (command.reportDir !== undefined) {
      const problem = tryWriteReport(command.reportDir, results, sweep);
      if (problem !== undefined) {
        io.stderr(`refka sim: --report: ${problem}\n`);
        return EXIT_CODES.usage;
      }
      if (!command.json) io.stdout(`report written to ${command.reportDir}/index.html and coverage.json\n`);
    }
    if (command.emitScheduleFile !== undefined && !command.json) io.stdout(`schedule written to ${command.emitScheduleFile}\n`);
    // The exit code stays the runs' verdict: a shrink explains a failure, it does not change it.
    if (command.shrink === true && !shrinkFailures(command, toShrink, io.stdout, io.stderr)) return EXIT_CODES.usage;
    return EXIT_CODES[worst];
  };
  const jobs = Math.min(command.jobs ?? Math.max(1, io.cores ?? 1), command.seeds.length);
  const pool = io.pool;
  if (jobs > 1 && pool !== undefined) {
    // A trace is written for a single seed only (checked above), so no sink crosses a thread.
    const ordered = new InOrder<RunResult>(emit);
    const runs = command.seeds.map((seed) => seedRun(command, seed, undefined));
    return pool(runs, jobs, (index, result) => ordered.push(index, result)).then(finish);
  }
  try {
    for (const [index, seed] of command.seeds.entries()) {
      if (emit(index, runner(seedRun(command, seed, sink, replay))) === 'stop') break;
    }
  } finally {
    sink?.close();
  }
  return finish();
}

function seedRun(command: SimCommand, seed: number, sink: FileTraceSink | undefined, replay?: { readonly file: string; readonly script: FaultScript }): SeedRun {
  return {
    ...seedRunOf(command, seed),
    ...(replay === undefined ? {} : { schedule: replay.script }),
    repro: replay === undefined ? reproCommand(command, seed) : `npm run sim -- --schedule ${shellQuote(replay.file)}`,
    ...(sink === undefined ? {} : { traceSink: sink }),
    ...(command.fullChecks === true ? { fullChecks: true } : {}),
    // Recorded for every seed, as which will fail is not known before it runs.
    ...(command.reportDir === undefined ? {} : { timeline: true }),
  };
}

function withoutTimeline(result: RunResult): RunResult {
  const { timeline: _timeline, ...rest } = result;
  return rest;
}

function prepareReportDir(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return undefined;
  } catch (error) {
    return fileProblem(dir, error);
  }
}

function tryWriteReport(dir: string, results: readonly RunResult[], sweep: boolean): string | undefined {
  try {
    writeReport(dir, results, sweep);
    return undefined;
  } catch (error) {
    return fileProblem(dir, error);
  }
}

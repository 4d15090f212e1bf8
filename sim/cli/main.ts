import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { runScenarioFile, type ScenarioOutcome } from '../scenario/scenario-runner.ts';
import { DataDrivenError } from '../testkit/datadriven.ts';
import type { TraceSink } from '../core/trace.ts';
import { writeReport } from '../report/write-report.ts';
import { EXIT_CODES, worseVerdict, type RunResult, type Verdict } from '../run/run-result.ts';
import { runSeed, type SeedRun } from '../run/run-seed.ts';
import { InOrder } from '../run/worker-pool.ts';
import { toVariantNames } from '../../impl/variants/variant-registry.ts';
import { parseSimArgs, reproCommand, type SimCommand } from './args.ts';
import { formatRun, formatSweepLine, runJson } from './format.ts';
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
      break;
  }
  const command = outcome.command;
  if (command.traceFile !== undefined && command.seeds.length !== 1) {
    io.stderr('refka sim: --trace writes one run\'s trace; give it a single --seed (see --help)\n');
    return EXIT_CODES.usage;
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
  if (command.reportDir !== undefined) {
    const problem = prepareReportDir(command.reportDir);
    if (problem !== undefined) {
      sink?.close();
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
  const summary = new SweepSummary();
  // Every result goes through here in seed order, whichever thread ran it, so that the output,
  // the report and the exit code of a sweep do not depend on --jobs.
  const emit = (index: number, result: RunResult): 'continue' | 'stop' => {
    worst = worseVerdict(worst, result.verdict);
    emitted += 1;
    if (result.verdict !== 'pass') failed += 1;
    if (command.reportDir !== undefined) results.push(result);
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
      const problem = tryWriteReport(command.reportDir, results);
      if (problem !== undefined) {
        io.stderr(`refka sim: --report: ${problem}\n`);
        return EXIT_CODES.usage;
      }
      if (!command.json) io.stdout(`report written to ${command.reportDir}/index.html and coverage.json\n`);
    }
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
      if (emit(index, runner(seedRun(command, seed, sink))) === 'stop') break;
    }
  } finally {
    sink?.close();
  }
  return finish();
}

function seedRun(command: SimCommand, seed: number, sink: FileTraceSink | undefined): SeedRun {
  return {
    seed,
    durationMs: command.durationMs,
    brokers: command.brokers,
    partitions: command.partitions,
    replicationFactor: command.replicationFactor,
    faults: command.faults,
    config: command.runConfig,
    variants: toVariantNames(command.variants),
    repro: reproCommand(command, seed),
    ...(sink === undefined ? {} : { traceSink: sink }),
    ...(command.fullChecks === true ? { fullChecks: true } : {}),
    groups: command.groups,
  };
}

function openTraceSink(path: string): FileTraceSink | string {
  try {
    return new FileTraceSink(path);
  } catch (error) {
    return fileProblem(path, error);
  }
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

function tryWriteReport(dir: string, results: readonly RunResult[]): string | undefined {
  try {
    writeReport(dir, results);
    return undefined;
  } catch (error) {
    return fileProblem(dir, error);
  }
}

/** One line from a file-system error: the path and the system's reason, such as `EACCES`. */
function fileProblem(path: string, error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'error';
  return `cannot write ${JSON.stringify(path)} (${code})`;
}

/** JSON lines to a file, written in 64 KiB chunks: traces of long runs have millions of lines. */
class FileTraceSink implements TraceSink {
  private readonly descriptor: number;
  private buffered: string[] = [];
  private bufferedChars = 0;

  constructor(path: string) {
    this.descriptor = openSync(path, 'w');
  }

  write(line: string): void {
    this.buffered.push(line);
    this.bufferedChars += line.length + 1;
    if (this.bufferedChars >= 65_536) this.flush();
  }

  close(): void {
    this.flush();
    closeSync(this.descriptor);
  }

  private flush(): void {
    if (this.buffered.length === 0) return;
    writeSync(this.descriptor, `${this.buffered.join('\n')}\n`);
    this.buffered = [];
    this.bufferedChars = 0;
  }
}

/** `--scenario FILE [--rewrite]`: runs a scenario script and compares (or rewrites) its outputs. */
function scenarioMain(argv: readonly string[], io: CliIo): number {
  let file: string | undefined;
  let rewrite = false;
  for (let index = 0; index < argv.length; index++) {
    const word = argv[index] as string;
    if (word === '--rewrite') rewrite = true;
    else if (word === '--scenario' && file === undefined && index + 1 < argv.length) file = argv[++index];
    else if (word.startsWith('--scenario=') && file === undefined) file = word.slice('--scenario='.length);
    else {
      io.stderr(`refka sim: --scenario takes a file and optionally --rewrite, nothing else; got ${JSON.stringify(word)} (see --help)\n`);
      return EXIT_CODES.usage;
    }
  }
  if (file === undefined || file === '') {
    io.stderr('refka sim: --scenario needs a file name (see --help)\n');
    return EXIT_CODES.usage;
  }
  if (!existsSync(file)) {
    io.stderr(`refka sim: --scenario: no such file ${JSON.stringify(file)}\n`);
    return EXIT_CODES.usage;
  }
  let outcome: ScenarioOutcome;
  try {
    outcome = runScenarioFile(file, rewrite);
  } catch (error) {
    if (error instanceof DataDrivenError) {
      io.stderr(`refka sim: ${error.message}\n`);
      return EXIT_CODES.usage;
    }
    throw error;
  }
  if (outcome.rewritten) {
    io.stdout(`rewrote the expected output of ${outcome.cases} steps in ${file}\n`);
    return EXIT_CODES.pass;
  }
  for (const mismatch of outcome.mismatches) {
    io.stdout(`${file}:${mismatch.line}: '${mismatch.command}' output differs\n--- expected\n${mismatch.expected}\n+++ actual\n${mismatch.actual}\n`);
  }
  io.stdout(`${file}: ${outcome.cases} steps, ${outcome.mismatches.length} differ\n`);
  return outcome.mismatches.length === 0 ? EXIT_CODES.pass : EXIT_CODES.safety;
}

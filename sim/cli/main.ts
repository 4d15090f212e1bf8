import { closeSync, openSync, writeSync } from 'node:fs';
import type { TraceSink } from '../core/trace.ts';
import { writeReport } from '../report/write-report.ts';
import { EXIT_CODES, worseVerdict, type RunResult, type Verdict } from '../run/run-result.ts';
import { runSeed } from '../run/run-seed.ts';
import { parseSimArgs, reproCommand, type SimCommand } from './args.ts';
import { formatRun, formatSweepLine, runJson } from './format.ts';

export interface CliIo {
  /** Entropy for a seed when the user gave none; injected so this module stays deterministic. */
  chooseSeed(): number;
  stdout(text: string): void;
  stderr(text: string): void;
  stderrIsTty: boolean;
}

/** `npm run sim -- [options]`: returns the exit code (0 pass, 1 safety, 2 usage, 3 liveness, 4 crash). */
export function main(argv: readonly string[], io: CliIo): number {
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
  const results: RunResult[] = [];
  let worst: Verdict = 'pass';
  const sweep = command.seeds.length > 1;
  for (const [index, seed] of command.seeds.entries()) {
    const result = runOne(command, seed);
    worst = worseVerdict(worst, result.verdict);
    if (command.reportDir !== undefined) results.push(result);
    if (command.json) io.stdout(runJson(result));
    else io.stdout(sweep ? formatSweepLine(result) : formatRun(result));
    if (sweep && io.stderrIsTty) {
      const failed = results.filter((run) => run.verdict !== 'pass').length;
      io.stderr(`\r${index + 1}/${command.seeds.length} seeds, worst verdict so far: ${worst}${command.reportDir === undefined ? '' : `, ${failed} failed`}   `);
    }
  }
  if (sweep && io.stderrIsTty) io.stderr('\n');
  if (command.reportDir !== undefined) {
    writeReport(command.reportDir, results);
    if (!command.json) io.stdout(`report written to ${command.reportDir}/index.html and coverage.json\n`);
  }
  return EXIT_CODES[worst];
}

function runOne(command: SimCommand, seed: number): RunResult {
  const sink = command.traceFile === undefined ? undefined : new FileTraceSink(command.traceFile);
  try {
    return runSeed({
      seed,
      durationMs: command.durationMs,
      brokers: command.brokers,
      faults: command.faults,
      config: command.config,
      variants: command.variants,
      repro: reproCommand(command, seed),
      ...(sink === undefined ? {} : { traceSink: sink }),
    });
  } finally {
    sink?.close();
  }
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

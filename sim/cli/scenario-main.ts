import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runScenario, ScenarioCrash, type ScenarioOutcome } from '../scenario/scenario-runner.ts';
import { validateScenario, type ScenarioScript } from '../scenario/scenario-validate.ts';
import { EXIT_CODES } from '../run/run-result.ts';
import { DataDrivenError } from '../testkit/datadriven.ts';
import { fileProblem, openTraceSink, type FileTraceSink } from './file-output.ts';
import type { CliIo } from './main.ts';

/**
 * `--scenario FILE [--rewrite] [--trace FILE]`: runs a scenario script (`spec/scenario-language.md`)
 * and compares (or rewrites) its outputs. Whatever the script holds, the answer is the outputs, or
 * one line and an exit code: 2 for a problem of the script or the command line, 4 when refka or
 * the simulator crashed on a valid script. Never a stack trace. `run` is replaceable for tests.
 */
export function scenarioMain(argv: readonly string[], io: Pick<CliIo, 'stdout' | 'stderr'>, run: typeof runScenario = runScenario): number {
  const usage = (message: string): number => {
    io.stderr(`refka sim: ${message}\n`);
    return EXIT_CODES.usage;
  };
  const parsed = parseScenarioArgs(argv);
  if (typeof parsed === 'string') return usage(`${parsed} (see --help)`);
  const { file, rewrite, traceFile } = parsed;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return usage(`--scenario: ${fileProblem(file, error, 'read')}`);
  }
  // The whole script is checked before the trace file is opened or the cluster started.
  let script: ScenarioScript;
  try {
    script = validateScenario(file, text);
  } catch (error) {
    if (error instanceof DataDrivenError) return usage(error.message);
    throw error;
  }
  let sink: FileTraceSink | undefined;
  if (traceFile !== undefined) {
    const opened = openTraceSink(traceFile);
    if (typeof opened === 'string') return usage(`--trace: ${opened}`);
    sink = opened;
  }
  let outcome: ScenarioOutcome;
  try {
    outcome = run(script, rewrite, sink === undefined ? {} : { traceSink: sink });
  } catch (error) {
    if (error instanceof DataDrivenError) return usage(error.message);
    if (error instanceof ScenarioCrash) {
      io.stderr(`refka sim: ${error.message}\n`);
      return EXIT_CODES.crash;
    }
    // Writing the rewritten file is the one step outside the script's steps that can fail.
    if (rewrite && error instanceof Error && 'code' in error) return usage(`--rewrite: ${fileProblem(file, error)}`);
    throw error;
  } finally {
    sink?.close();
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

interface ScenarioArgs {
  readonly file: string;
  readonly rewrite: boolean;
  readonly traceFile: string | undefined;
}

/** The scenario options, each at most once, or the one-line problem with them. */
function parseScenarioArgs(argv: readonly string[]): ScenarioArgs | string {
  let file: string | undefined;
  let rewrite = false;
  let traceFile: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const word = argv[index] as string;
    const [name, inline] = word.startsWith('--') && word.includes('=') ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)] : [word, undefined];
    if (name === '--rewrite' && inline === undefined) {
      if (rewrite) return '--rewrite given twice';
      rewrite = true;
      continue;
    }
    if (name === '--scenario' || name === '--trace') {
      const value = inline ?? argv[++index];
      if (value === undefined || value === '') return `${name} needs a file name`;
      if ((name === '--scenario' ? file : traceFile) !== undefined) return `${name} given twice`;
      if (name === '--scenario') file = value;
      else traceFile = value;
      continue;
    }
    return `--scenario takes a file, and optionally --rewrite and --trace FILE, nothing else; got ${JSON.stringify(word)}`;
  }
  if (file === undefined) return '--scenario needs a file name';
  if (traceFile !== undefined && resolve(traceFile) === resolve(file)) return '--trace would overwrite the scenario file itself';
  return { file, rewrite, traceFile };
}

import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Scenario scripts in the style of etcd raft's datadriven tests (cockroachdb/datadriven): a file
 * of test cases, each a command line, optional input lines, a `----` separator and the expected
 * output, ended by a blank line:
 *
 * ```
 * # comments start with '#'
 * append-leader epoch=1
 * k1=v1 k2=v2
 * ----
 * appended offsets 0..1 in epoch 1
 * ```
 *
 * The runner executes every case in order against one handler (so cases build on each other) and
 * compares outputs. With `REFKA_REWRITE=1` it writes the actual outputs back into the file instead,
 * which is how expected outputs are refreshed after an intended change; review the diff.
 */

export interface DataDrivenCase {
  /** 1-based line of the command, for error messages. */
  readonly line: number;
  readonly command: string;
  /** `key=value` arguments; a bare word is a key with the value `''`. */
  readonly args: ReadonlyMap<string, string>;
  readonly input: readonly string[];
  readonly expected: string;
}

export class DataDrivenError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
  }
}

interface ParsedCase extends DataDrivenCase {
  /** Line indexes (0-based) of the expected output block, to rewrite it. */
  readonly expectedStart: number;
  readonly expectedEnd: number;
}

export function parseDataDriven(file: string, text: string): ParsedCase[] {
  const lines = text.split('\n');
  const cases: ParsedCase[] = [];
  let index = 0;
  while (index < lines.length) {
    const raw = lines[index] as string;
    if (raw.trim() === '' || raw.startsWith('#')) {
      index++;
      continue;
    }
    const commandLine = index + 1;
    const words = raw.trim().split(/\s+/);
    const command = words[0] as string;
    const args = new Map<string, string>();
    for (const word of words.slice(1)) {
      const equals = word.indexOf('=');
      const key = equals < 0 ? word : word.slice(0, equals);
      if (args.has(key)) throw new DataDrivenError(file, commandLine, `argument ${key} given twice`);
      args.set(key, equals < 0 ? '' : word.slice(equals + 1));
    }
    index++;
    const input: string[] = [];
    while (index < lines.length && lines[index] !== '----') {
      if ((lines[index] as string).trim() === '') throw new DataDrivenError(file, index + 1, `'${command}' has a blank line before its '----'`);
      input.push(lines[index] as string);
      index++;
    }
    if (index >= lines.length) throw new DataDrivenError(file, commandLine, `'${command}' has no '----' line`);
    index++;
    const expectedStart = index;
    while (index < lines.length && (lines[index] as string) !== '') index++;
    const expected = lines.slice(expectedStart, index).join('\n');
    cases.push({ line: commandLine, command, args, input, expected, expectedStart, expectedEnd: index });
  }
  return cases;
}

/** Runs a file's cases through `handle` (which returns the output text, no blank lines). */
export function runDataDrivenFile(path: string, handle: (testCase: DataDrivenCase) => string, check: (actual: string, expected: string, where: string) => void): void {
  const text = readFileSync(path, 'utf8');
  const cases = parseDataDriven(path, text);
  const rewrite = process.env['REFKA_REWRITE'] === '1';
  const outputs: string[] = [];
  for (const testCase of cases) {
    let actual: string;
    try {
      actual = handle(testCase).replace(/\n+$/, '');
    } catch (error) {
      if (error instanceof DataDrivenError) throw error;
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new DataDrivenError(path, testCase.line, `'${testCase.command}' threw ${message}`);
    }
    if (actual.split('\n').some((line) => line.trim() === '')) {
      throw new DataDrivenError(path, testCase.line, `'${testCase.command}' produced a blank line, which the format cannot hold`);
    }
    outputs.push(actual);
    if (!rewrite) check(actual, testCase.expected, `${path}:${testCase.line} ${testCase.command}`);
  }
  if (rewrite) {
    const lines = text.split('\n');
    for (let index = cases.length - 1; index >= 0; index--) {
      const testCase = cases[index] as ParsedCase;
      lines.splice(testCase.expectedStart, testCase.expectedEnd - testCase.expectedStart, ...(outputs[index] as string).split('\n'));
    }
    writeFileSync(path, lines.join('\n'), 'utf8');
  }
}

/** A required integer argument, or a script error naming the file and line. */
export function intArg(file: string, testCase: DataDrivenCase, key: string, fallback?: number): number {
  const raw = testCase.args.get(key);
  if (raw === undefined) {
    if (fallback !== undefined) return fallback;
    throw new DataDrivenError(file, testCase.line, `'${testCase.command}' needs ${key}=<integer>`);
  }
  if (!/^-?\d+$/.test(raw)) throw new DataDrivenError(file, testCase.line, `${key}=${raw} is not an integer`);
  return Number(raw);
}

import { readFileSync, writeFileSync } from 'node:fs';
import { quoteForMessage } from '../../impl/config/quote-for-message.ts';

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
 *
 * A command line is words separated by spaces or tabs: the command, then arguments, each `key`,
 * `key=value` or `key="a value with spaces"` (in quotes, `\"` is a quote and `\\` a backslash).
 * A quote anywhere else, an unterminated quote, text right after a closing quote, an argument
 * with no name and a repeated argument are errors naming the file and line.
 */

export interface DataDrivenCase {
  /** 1-based line of the command, for error messages. */
  readonly line: number;
  readonly command: string;
  /** `key=value` arguments; a bare word is a key with the value `''`. */
  readonly args: ReadonlyMap<string, string>;
  /** The arguments written as a bare word (`members`), not as `key=...`, even `key=""`. */
  readonly bare: ReadonlySet<string>;
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

export interface ParsedCase extends DataDrivenCase {
  /** Line indexes (0-based) of the expected output block, to rewrite it. */
  readonly expectedStart: number;
  readonly expectedEnd: number;
}

export function parseDataDriven(file: string, text: string): ParsedCase[] {
  const lines = text.split('\n');
  // A file saved with Windows line ends would fail later and obscurely (`----\r` is no separator).
  const withReturn = lines.findIndex((line) => line.includes('\r'));
  if (withReturn >= 0) throw new DataDrivenError(file, withReturn + 1, 'carriage return in the file: save it with \\n line ends');
  const cases: ParsedCase[] = [];
  let index = 0;
  while (index < lines.length) {
    const raw = lines[index] as string;
    if (raw.trim() === '' || raw.startsWith('#')) {
      index++;
      continue;
    }
    const commandLine = index + 1;
    const [first, ...rest] = splitCommandLine(raw, (message) => new DataDrivenError(file, commandLine, message));
    if (first === undefined || first.value !== undefined) throw new DataDrivenError(file, commandLine, `a command line starts with a command name, not ${quoteForMessage(raw.trim())}`);
    const command = first.key;
    const args = new Map<string, string>();
    const bare = new Set<string>();
    for (const word of rest) {
      if (args.has(word.key)) throw new DataDrivenError(file, commandLine, `argument ${quoteForMessage(word.key)} given twice`);
      args.set(word.key, word.value ?? '');
      if (word.value === undefined) bare.add(word.key);
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
    cases.push({ line: commandLine, command, args, bare, input, expected, expectedStart, expectedEnd: index });
  }
  return cases;
}

/** One word of a command line: `key` (value undefined) or `key=value`. */
interface Word {
  readonly key: string;
  readonly value: string | undefined;
}

/**
 * Splits a command line into words at spaces and tabs, keeping the spaces of a quoted value
 * (`value="hello world"`). Quotes may only enclose a whole value: anything else is an error, never
 * a guess, since a half-quoted word would otherwise be read as some other value (issue 14).
 */
function splitCommandLine(line: string, error: (message: string) => DataDrivenError): Word[] {
  const words: Word[] = [];
  const isSpace = (char: string | undefined): boolean => char === ' ' || char === '\t';
  let at = 0;
  for (;;) {
    while (isSpace(line[at])) at++;
    if (at >= line.length) return words;
    const start = at;
    while (at < line.length && !isSpace(line[at]) && line[at] !== '=' && line[at] !== '"') at++;
    const key = line.slice(start, at);
    if (line[at] === '"') throw error(`stray '"' in ${quoteForMessage(wordAt(line, start))}: only a whole value may be quoted, as key="a b"`);
    if (key === '') throw error(`${quoteForMessage(wordAt(line, start))} has no argument name before its '='`);
    if (line[at] !== '=') {
      words.push({ key, value: undefined });
      continue;
    }
    at++;
    if (line[at] !== '"') {
      const valueStart = at;
      while (at < line.length && !isSpace(line[at])) {
        if (line[at] === '"') throw error(`stray '"' in ${quoteForMessage(wordAt(line, start))}: only a whole value may be quoted, as key="a b"`);
        at++;
      }
      words.push({ key, value: line.slice(valueStart, at) });
      continue;
    }
    at++;
    let value = '';
    for (;;) {
      const char = line[at];
      if (char === undefined) throw error(`unterminated quote in ${quoteForMessage(line.slice(start))}`);
      at++;
      if (char === '"') break;
      if (char === '\\') {
        const escaped = line[at];
        if (escaped !== '"' && escaped !== '\\') throw error(`in a quoted value '\\' may only escape '"' or '\\': ${quoteForMessage(line.slice(start, at + 1))}`);
        value += escaped;
        at++;
        continue;
      }
      value += char;
    }
    if (at < line.length && !isSpace(line[at])) throw error(`text right after a closing quote: ${quoteForMessage(wordAt(line, start))}`);
    words.push({ key, value });
  }
}

/** The unquoted word of `line` that starts at `start`, for an error message. */
function wordAt(line: string, start: number): string {
  const match = /^[^ \t]*/.exec(line.slice(start));
  return match?.[0] ?? '';
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

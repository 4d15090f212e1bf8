import { closeSync, openSync, readSync } from 'node:fs';
import { assertNever } from '../../impl/common/assert.ts';
import { parseArgs } from 'node:util';
import { TRACE_LINE_KINDS } from '../core/trace.ts';
import { EXIT_CODES } from '../run/run-result.ts';
import { passes, type TraceFilter } from './trace-filter.ts';
import { formatTraceLine } from './trace-format.ts';
import { parseTraceLine } from './trace-line.ts';

export const TRACE_USAGE = `Usage: npm run trace -- FILE [filters]

Prints a trace written by npm run sim -- --trace FILE as lines a person reads: time, kind, node
(and the other end of a message), name, and the message's summary or the entry's detail. The
header (version, seed, options) comes first; violations carry their explanation.

Filters (each comma list matches any of its items; filters combine with AND):
  --node N[,N...]        lines about these nodes (broker-0, producer-1): as the node, as the other
                         end of a message, or named by a fault
  --partition P[,P...]   lines that name these partitions (t-2): state changes, messages, paths,
                         violations, a replica's state machine
  --kind K[,K...]        these kinds: ${TRACE_LINE_KINDS.join(', ')}
  --from MS, --to MS     simulated milliseconds, inclusive
  --grep TEXT            lines whose printed text contains TEXT
  -h, --help             print this help and exit

Exit codes: 0 printed, 2 bad input (one line on stderr: an unknown option, a missing file, a
line that is not a trace entry, with its line number; the lines before it are printed).
`;

export interface TraceIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** `npm run trace -- FILE [filters]`: 0 when printed, 2 for bad input (one line). */
export function traceMain(argv: readonly string[], io: TraceIo): number {
  const outcome = parseTraceArgs(argv);
  switch (outcome.type) {
    case 'error':
      return usage(io, outcome.message);
    case 'help':
      io.stdout(TRACE_USAGE);
      return EXIT_CODES.pass;
    case 'run':
      break;
    default:
      return assertNever(outcome, 'trace arguments');
  }
  const parsed = outcome.command;
  let out: string[] = [];
  let outChars = 0;
  const flush = (): void => {
    if (out.length > 0) io.stdout(`${out.join('\n')}\n`);
    out = [];
    outChars = 0;
  };
  const problem = forEachLine(parsed.file, (text, lineNumber) => {
    if (text === '') return undefined;
    const line = parseTraceLine(text);
    if (typeof line === 'string') return `${parsed.file}:${lineNumber}: not a trace line (${line})`;
    const printed = formatTraceLine(line);
    if (!passes(parsed.filter, line, printed)) return undefined;
    out.push(printed);
    outChars += printed.length;
    // Printed in chunks: a 60 s run's trace has hundreds of thousands of lines.
    if (outChars >= 65_536) flush();
    return undefined;
  });
  flush();
  if (problem !== undefined) return usage(io, problem);
  return EXIT_CODES.pass;
}

interface TraceCommand {
  readonly file: string;
  readonly filter: TraceFilter;
}

export type TraceArgs = { readonly type: 'run'; readonly command: TraceCommand } | { readonly type: 'help' } | { readonly type: 'error'; readonly message: string };

/** The command, help, or the one-line problem. */
export function parseTraceArgs(argv: readonly string[]): TraceArgs {
  const parsed = parseCommand(argv);
  if (typeof parsed === 'string') return { type: 'error', message: parsed };
  return parsed === undefined ? { type: 'help' } : { type: 'run', command: parsed };
}

/** The command, undefined for help, or the problem. */
function parseCommand(argv: readonly string[]): TraceCommand | undefined | string {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        node: { type: 'string' },
        partition: { type: 'string' },
        kind: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        grep: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    return (error as Error).message;
  }
  const values = parsed.values;
  if (values.help === true) return undefined;
  if (parsed.positionals.length === 0) return 'name the trace file (npm run sim -- --seed N --trace FILE writes one)';
  if (parsed.positionals.length > 1) return `one trace file at a time; got ${parsed.positionals.map((word) => JSON.stringify(word)).join(' ')}`;
  const file = parsed.positionals[0] as string;
  const filter: { -readonly [K in keyof TraceFilter]: TraceFilter[K] } = {};
  if (values.node !== undefined) {
    const nodes = list(values.node);
    if (nodes.length === 0) return '--node needs node names, e.g. --node broker-0,producer-1';
    filter.nodes = new Set(nodes);
  }
  if (values.partition !== undefined) {
    const partitions = list(values.partition);
    const bad = partitions.find((partition) => !/^[\w.-]+-\d+$/.test(partition));
    if (partitions.length === 0 || bad !== undefined) return `--partition takes topic-partition names such as t-2${bad === undefined ? '' : `; got ${JSON.stringify(bad)}`}`;
    filter.partitions = partitions;
  }
  if (values.kind !== undefined) {
    const kinds = list(values.kind);
    const known = new Set<string>(TRACE_LINE_KINDS);
    const bad = kinds.find((kind) => !known.has(kind));
    if (kinds.length === 0 || bad !== undefined) return `--kind takes ${TRACE_LINE_KINDS.join(', ')}${bad === undefined ? '' : `; got ${JSON.stringify(bad)}`}`;
    filter.kinds = new Set(kinds);
  }
  for (const bound of ['from', 'to'] as const) {
    const text = values[bound];
    if (text === undefined) continue;
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) return `--${bound} takes simulated milliseconds, a whole number; got ${JSON.stringify(text)}`;
    if (bound === 'from') filter.fromMs = Number(text);
    else filter.toMs = Number(text);
  }
  if (filter.fromMs !== undefined && filter.toMs !== undefined && filter.fromMs > filter.toMs) return `--from ${filter.fromMs} is after --to ${filter.toMs}`;
  if (values.grep !== undefined) {
    if (values.grep === '') return '--grep needs the text to look for';
    filter.grep = values.grep;
  }
  return { file, filter };
}

function list(text: string): string[] {
  return text.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

function usage(io: TraceIo, message: string): number {
  // One line, whatever the message: node:util's parseArgs explains some errors over two.
  io.stderr(`refka trace: ${message.replace(/\s*\n\s*/g, ' ')} (see --help)\n`);
  return EXIT_CODES.usage;
}

/** Bytes read at a time: a trace of a long run is hundreds of megabytes, never read whole. */
const CHUNK_BYTES = 1 << 20;

/**
 * Calls `visit` with each line of `path` and its number (from 1), reading the file in chunks;
 * stops at the first problem `visit` returns, or that opening or reading the file meets.
 */
function forEachLine(path: string, visit: (text: string, lineNumber: number) => string | undefined): string | undefined {
  let descriptor: number;
  try {
    descriptor = openSync(path, 'r');
  } catch (error) {
    return `cannot read ${JSON.stringify(path)} (${errorCode(error)})`;
  }
  try {
    const decoder = new TextDecoder('utf-8');
    const buffer = new Uint8Array(CHUNK_BYTES);
    let carry = '';
    let lineNumber = 0;
    for (;;) {
      let read: number;
      try {
        read = readSync(descriptor, buffer, 0, buffer.length, null);
      } catch (error) {
        return `cannot read ${JSON.stringify(path)} (${errorCode(error)})`;
      }
      const text = carry + decoder.decode(buffer.subarray(0, read), { stream: read > 0 });
      const lines = text.split('\n');
      carry = read > 0 ? (lines.pop() as string) : '';
      for (const line of lines) {
        const problem = visit(line, ++lineNumber);
        if (problem !== undefined) return problem;
      }
      if (read === 0) return undefined;
    }
  } finally {
    closeSync(descriptor);
  }
}

function errorCode(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'error';
}

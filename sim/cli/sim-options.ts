/**
 * The option table of `npm run sim` as `node:util` parseArgs reads it, and what is checked on the
 * raw tokens before any option's value: a repeated option, and parseArgs' own failures turned into
 * one line.
 */
import { parseArgs } from 'node:util';
import { assertNever } from '../../impl/common/assert.ts';
import { closest } from '../../impl/config/closest-name.ts';
import { quoteForMessage } from '../../impl/config/quote-for-message.ts';
import { UsageError } from './option-value.ts';

export const OPTIONS = {
  seed: { type: 'string' },
  seeds: { type: 'string' },
  duration: { type: 'string' },
  brokers: { type: 'string' },
  controllers: { type: 'string' },
  partitions: { type: 'string' },
  'replication-factor': { type: 'string' },
  config: { type: 'string', multiple: true },
  variant: { type: 'string', multiple: true },
  faults: { type: 'string' },
  trace: { type: 'string' },
  report: { type: 'string' },
  json: { type: 'boolean' },
  jobs: { type: 'string' },
  'stop-on-failure': { type: 'boolean' },
  shard: { type: 'string' },
  'full-checks': { type: 'boolean' },
  groups: { type: 'boolean' },
  'no-groups': { type: 'boolean' },
  schedule: { type: 'string' },
  'emit-schedule': { type: 'string' },
  shrink: { type: 'boolean' },
  'emit-scenario': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type OptionName = keyof typeof OPTIONS;

const OPTION_NAMES = Object.keys(OPTIONS) as OptionName[];

function isOptionName(name: string): name is OptionName {
  return Object.hasOwn(OPTIONS, name);
}

export type ParsedValues = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; tokens: true }>>['values'];
export type ParsedTokens = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; tokens: true }>>['tokens'];

/** parseArgs keeps the last of a repeated single-valued option silently; a contract should not. */
export function rejectRepeatedOptions(tokens: ParsedTokens): void {
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option' || !isOptionName(token.name)) {
      continue;
    }
    const def = OPTIONS[token.name];
    if ('multiple' in def && def.multiple) {
      continue;
    }
    if (seen.has(token.name)) {
      throw new UsageError(`option '--${token.name}' is given more than once`);
    }
    seen.add(token.name);
  }
}

/**
 * Turns a `parseArgs` failure into one line. Node's own messages can span lines (the "ambiguous"
 * one does) and repeat raw user input, so the failing token is found again in a lenient parse and
 * described here.
 */
export function describeParseArgsError(argv: readonly string[], error: unknown): string {
  let tokens: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; tokens: true; strict: false }>>['tokens'] = [];
  try {
    tokens = parseArgs({ args: [...argv], options: OPTIONS, strict: false, allowPositionals: true, tokens: true }).tokens;
  } catch {
    // Fall through to Node's own message.
  }
  for (const token of tokens) {
    switch (token.kind) {
      case 'positional':
        return `unexpected argument ${quoteForMessage(token.value)}: npm run sim takes options only`;
      case 'option-terminator':
        continue;
      case 'option': {
        if (!isOptionName(token.name)) {
          const suggestion = closest(token.name, OPTION_NAMES);
          const hint = suggestion === undefined ? '' : ` (did you mean '--${suggestion}'?)`;
          return `unknown option ${quoteForMessage(token.rawName)}${hint}`;
        }
        const type: 'string' | 'boolean' = OPTIONS[token.name].type;
        if (type === 'boolean') {
          if (token.value !== undefined) {
            return `option '--${token.name}' does not take a value`;
          }
          continue;
        }
        if (token.value === undefined) {
          return `option '--${token.name}' needs a value`;
        }
        if (!token.inlineValue && token.value.length > 1 && token.value.startsWith('-')) {
          return `option '--${token.name}' needs a value, but the next argument ${quoteForMessage(token.value)} looks like an option; write --${token.name}=VALUE for a value that starts with '-'`;
        }
        continue;
      }
      default:
        return assertNever(token, 'parseArgs token');
    }
  }
  const message = error instanceof Error ? error.message : String(error);
  return `bad command line: ${quoteForMessage(message.split('\n')[0] ?? '', 200)}`;
}

/**
 * What every option's check shares: {@link UsageError}, the one-line complaint a bad command line
 * gets (exit 2), and the readers of plain values (decimal counts, paths) that raise it.
 */
import { quoteForMessage } from '../../impl/config/quote-for-message.ts';

/** A bad command line, caught in `parseSimArgs` (args.ts) and returned as an `error` outcome. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const DIGITS = /^[0-9]+$/;

/** A decimal integer in [min, max]; anything else (signs, exponents, hex, fractions) is undefined. */
export function decimalInRange(raw: string, min: number, max: number): number | undefined {
  if (!DIGITS.test(raw)) {
    return undefined;
  }
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    return undefined;
  }
  return value;
}

export function parseCount(flag: string, raw: string, min: number, max: number): number {
  const value = decimalInRange(raw, min, max);
  if (value === undefined) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got ${quoteForMessage(raw)}`);
  }
  return value;
}

/** Control characters and line breaks would make the repro line span lines or garble a terminal. */
const UNPRINTABLE_IN_PATH = /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}]/u;

export function parsePath(flag: string, raw: string, what: string): string {
  if (raw === '') {
    throw new UsageError(`${flag} needs ${what}, got an empty string`);
  }
  if (UNPRINTABLE_IN_PATH.test(raw)) {
    throw new UsageError(`${flag} ${quoteForMessage(raw)} contains a control character or line break`);
  }
  return raw;
}

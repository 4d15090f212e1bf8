/**
 * Assertions in the TigerBeetle style: a failed assertion is a bug in refka, never an expected
 * outcome. The simulator catches {@link AssertionError} (and any other exception thrown by node
 * code), stops the run and reports it with its seed as a `crash` verdict.
 *
 * Protocol rejections are not assertions: they are Kafka error codes returned as values.
 */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

/** Crashes the run when `condition` is false. Split compound conditions into separate calls. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) {
    throw new AssertionError(message);
  }
}

/**
 * Crashes the run; for hot paths, where `if (!ok) fail(\`...\`)` builds its message only when the
 * check fails, unlike `assert(ok, \`...\`)`, which formats a template string on every call.
 */
export function fail(message: string): never {
  throw new AssertionError(message);
}

/** Closes every exhaustive switch over a discriminated union. */
export function assertNever(value: never, what = 'value'): never {
  throw new AssertionError(`unexpected ${what}: ${JSON.stringify(value)}`);
}

/** Asserts that `value` is an integer in [min, max]; used for offsets, epochs, times and sizes. */
export function assertIntegerInRange(value: number, min: number, max: number, what: string): void {
  // On every disk read and many appends: the messages are built only when a check fails.
  if (!Number.isSafeInteger(value)) fail(`${what} must be a safe integer, got ${value}`);
  if (value < min) fail(`${what} must be >= ${min}, got ${value}`);
  if (value > max) fail(`${what} must be <= ${max}, got ${value}`);
}

/**
 * Quotes a value that came from the user (a command-line argument, a config value) for an error
 * message. Error messages are one line (DEVELOPERS.md: "a clear one-line error"), and the value may
 * hold anything a shell can pass: newlines, terminal escapes, bidirectional overrides, lone
 * surrogates, or a megabyte of text. So control and format characters, line and paragraph
 * separators and lone surrogates are written as `\u{...}` escapes, and long values are cut short.
 */
export function quoteForMessage(value: string, maxCodePoints = 80): string {
  let quoted = "'";
  let count = 0;
  for (const char of value) {
    if (count === maxCodePoints) {
      quoted += '…';
      break;
    }
    count += 1;
    quoted += escapeChar(char);
  }
  return `${quoted}'`;
}

/** Control (Cc), format (Cf), line (Zl) and paragraph (Zp) separators, lone surrogates (Cs). */
const UNPRINTABLE = /^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]$/u;

function escapeChar(char: string): string {
  if (char === '\\') {
    return '\\\\';
  }
  if (char === "'") {
    return "\\'";
  }
  if (UNPRINTABLE.test(char)) {
    const codePoint = char.codePointAt(0) ?? 0;
    return `\\u{${codePoint.toString(16)}}`;
  }
  return char;
}

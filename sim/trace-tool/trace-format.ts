import type { TraceLine } from './trace-line.ts';

/** Arrows for a message's two ends: a send goes to its peer, a delivery comes from it. */
const ARROW: Readonly<Partial<Record<TraceLine['kind'], string>>> = { send: '->', drop: '-x', deliver: '<-' };

/**
 * One trace line as a person reads it: time, kind, who (node, and the peer of a message), what
 * (message type, timer, fault, claim, partition...), then the message summary or the detail.
 * A violation's explanation follows on its own indented lines; the header reads as a title.
 */
export function formatTraceLine(line: TraceLine): string {
  if (line.kind === 'header') return formatHeader(line);
  const arrow = ARROW[line.kind];
  const who = line.peer === '' ? line.node : `${line.node} ${arrow ?? '/'} ${line.peer}`;
  const text = line.summary ?? line.detail;
  const head = `${String(line.atMs).padStart(9)} ms  ${line.kind.padEnd(10)} ${who.padEnd(28)} ${line.name.padEnd(26)} ${text}`.trimEnd();
  if (line.kind !== 'violation' || line.explanation === undefined) return head;
  return [head, ...line.explanation.map((explained) => `${' '.repeat(14)}${explained}`)].join('\n');
}

function formatHeader(line: TraceLine): string {
  const header = line.header ?? {};
  const lines = [line.detail];
  const repro = header['repro'];
  if (typeof repro === 'string') lines.push(`  repro   ${repro}`);
  const config = header['config'];
  if (typeof config === 'object' && config !== null) {
    lines.push(`  config  ${Object.entries(config).map(([key, value]) => `${key}=${String(value)}`).join(' ')}`);
  }
  const variants = header['variants'];
  if (Array.isArray(variants) && variants.length > 0) lines.push(`  variants ${variants.join(', ')}`);
  return lines.join('\n');
}

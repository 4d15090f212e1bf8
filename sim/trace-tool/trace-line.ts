import { TRACE_LINE_KINDS, type AnnotationKind, type TraceKind } from '../core/trace.ts';

/** One line of a trace file (`--trace FILE`): an entry or an annotation, as JSON. */
export interface TraceLine {
  readonly atMs: number;
  readonly kind: TraceKind | AnnotationKind;
  readonly node: string;
  readonly peer: string;
  readonly name: string;
  readonly value: number;
  readonly detail: string;
  /** A message's one-line summary (sends, deliveries, drops). */
  readonly summary?: string;
  readonly header?: Readonly<Record<string, unknown>>;
  readonly subject?: { readonly partition?: string; readonly record?: { readonly partition?: string } };
  readonly explanation?: readonly string[];
}

const KINDS = new Set<string>(TRACE_LINE_KINDS);

/** The line parsed, or why it is not a trace line. */
export function parseTraceLine(text: string): TraceLine | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'not a JSON object';
  const line = parsed as Record<string, unknown>;
  if (typeof line['atMs'] !== 'number' || !Number.isFinite(line['atMs'])) return 'no numeric atMs';
  if (typeof line['kind'] !== 'string' || !KINDS.has(line['kind'])) return `unknown kind ${JSON.stringify(line['kind'])}`;
  for (const field of ['node', 'peer', 'name', 'detail'] as const) {
    if (typeof line[field] !== 'string') return `no string ${field}`;
  }
  if (typeof line['value'] !== 'number') return 'no numeric value';
  if (line['summary'] !== undefined && typeof line['summary'] !== 'string') return 'a summary that is not a string';
  return parsed as TraceLine;
}

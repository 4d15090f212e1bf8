import { fail } from '../../impl/common/assert.ts';
import type { BoundedRing } from './bounded-ring.ts';

/** The kinds of thing the trace records; the list plus the few the simulator adds. */
export type TraceKind =
  | 'send'
  | 'deliver'
  | 'drop'
  | 'disconnect'
  | 'timer'
  | 'disk-write'
  | 'disk-fsync'
  | 'disk-op'
  | 'fault'
  | 'heal'
  | 'node'
  | 'transition'
  | 'mark'
  | 'history'
  | 'phase';

/**
 * One trace entry, in a fixed shape so that hashing it needs no serialisation. Fields that do not
 * apply to a kind are the empty string or zero; `detail` carries free text such as a fault's
 * parameters or a history value in JSON.
 */
export interface TraceEntry {
  readonly atMs: number;
  readonly kind: TraceKind;
  /** The node the entry is about (the sender, the receiver, the disk's owner...). */
  readonly node: string;
  /** The other party, when there is one (the destination of a send, the source of a deliver). */
  readonly peer: string;
  /** The message type, timer name, fault kind, lifecycle event... */
  readonly name: string;
  /** A number that identifies or measures: message id, byte count, sequence... */
  readonly value: number;
  readonly detail: string;
}

/**
 * Lines a trace file holds beside the entries, describing the run rather than being part of it:
 * the header (version, seed, options), each violation when it was found, and the system's state
 * changes (for Kafka: leader, ISR and high watermark). Written to the sink only, never mixed into
 * the digest, so that describing a run better never changes what the run did.
 */
export type AnnotationKind = 'header' | 'violation' | 'state'
  /** A fault schedule entry as the nemesis decided or played it (its effects are in the digested lines). */
  | 'schedule';

/** Every kind of line a trace file may hold. */
export const TRACE_LINE_KINDS: readonly (TraceKind | AnnotationKind)[] = [
  'header', 'send', 'deliver', 'drop', 'disconnect', 'timer', 'disk-write', 'disk-fsync', 'disk-op', 'fault', 'heal', 'node', 'transition', 'mark', 'history', 'phase', 'violation', 'state', 'schedule',
];

/** An annotation line: the entry's shape, plus the structured content of a header or a violation. */
export interface TraceAnnotation {
  readonly atMs: number;
  readonly kind: AnnotationKind;
  readonly node: string;
  readonly peer: string;
  readonly name: string;
  readonly value: number;
  readonly detail: string;
  /** For `header`: the run's version, seed, options, config and variants. */
  readonly header?: Readonly<Record<string, unknown>>;
  /** For `violation`: what the finding is about, and its explanation when it has one. */
  readonly subject?: unknown;
  readonly explanation?: readonly string[];
}

/**
 * Entry kinds the run's explanations read back (faults, heals, processes starting and stopping,
 * phases): kept in a small ring as they are recorded, whether or not a sink is attached.
 */
const RUN_EVENT_KINDS: Readonly<Partial<Record<TraceKind, true>>> = { fault: true, heal: true, node: true, phase: true };

/**
 * A running 64-bit digest over the canonical form of the trace (the fields of each entry, in
 * order). Two lanes of a multiply-xorshift hash keep it fast enough to run on every event without
 * building strings; the result is printed as 16 hex digits.
 */
export class TraceDigest {
  private high = 0x811c9dc5;
  private low = 0x2545f491;

  mixNumber(value: number): void {
    // Integers are mixed as two 32-bit halves so that values above 2^32 are not folded together.
    const lowBits = value >>> 0;
    const highBits = Math.floor(value / 0x1_0000_0000) >>> 0;
    this.mix32(lowBits);
    this.mix32(highBits);
  }

  mixString(value: string): void {
    this.mix32(value.length);
    for (let index = 0; index < value.length; index++) this.mix32(value.charCodeAt(index));
  }

  private mix32(word: number): void {
    this.high = Math.imul(this.high ^ word, 0x01000193);
    this.low = Math.imul(this.low ^ word, 0x5bd1e995);
    this.low ^= this.low >>> 15;
  }

  hex(): string {
    // A final avalanche so that the last few words influence every output bit.
    let high = this.high ^ (this.low >>> 7);
    let low = this.low ^ Math.imul(this.high, 0x27d4eb2d);
    high = Math.imul(high ^ (high >>> 16), 0x85ebca6b);
    low = Math.imul(low ^ (low >>> 13), 0xc2b2ae35);
    high ^= high >>> 16;
    low ^= low >>> 16;
    return (high >>> 0).toString(16).padStart(8, '0') + (low >>> 0).toString(16).padStart(8, '0');
  }
}

/** Where trace lines go when the user asked for them (`--trace FILE`). */
export interface TraceSink {
  write(line: string): void;
}

export interface TraceOptions {
  /** Collects the run events (faults, heals, process starts and stops, phases) as they are recorded. */
  readonly runEvents?: BoundedRing<TraceEntry>;
  /**
   * A one-line summary of a message (`ProduceRequest t-0 acks=-1 3 records`), added to the line of
   * each send, delivery and drop as `summary`: asked only while a sink is attached, and never part
   * of the digest.
   */
  readonly summarize?: (message: unknown) => string | undefined;
}

/**
 * The run's trace: every entry is folded into the digest; the entries themselves are kept only
 * when a sink is attached, so that sweeps do not pay for lines nobody reads. Notes (`note`) go to
 * the sink only: neither digested nor counted in `entries`.
 */
export class Trace {
  readonly digest = new TraceDigest();
  private count = 0;
  private lastAtMs = 0;

  constructor(private readonly sink: TraceSink | undefined, private readonly options: TraceOptions = {}) {}

  get entries(): number {
    return this.count;
  }

  /** Whether lines are written anywhere: annotations and summaries are built only then. */
  get annotating(): boolean {
    return this.sink !== undefined;
  }

  /**
   * Writes a line that describes the run (see {@link AnnotationKind}) to the sink, if any: not
   * counted, not in the digest.
   */
  annotate(annotation: TraceAnnotation): void {
    if (annotation.atMs < this.lastAtMs) fail(`trace annotation went back in time: ${annotation.atMs} < ${this.lastAtMs}`);
    if (this.sink !== undefined) this.sink.write(JSON.stringify(annotation));
  }

  /** Records an entry; `message`, for a send, delivery or drop, is summarised on its line (not in the digest). */
  record(entry: TraceEntry, message?: unknown): void {
    if (entry.atMs < this.lastAtMs) fail(`trace went back in time: ${entry.atMs} < ${this.lastAtMs}`);
    this.lastAtMs = entry.atMs;
    this.count++;
    const digest = this.digest;
    digest.mixNumber(entry.atMs);
    digest.mixString(entry.kind);
    digest.mixString(entry.node);
    digest.mixString(entry.peer);
    digest.mixString(entry.name);
    digest.mixNumber(entry.value);
    digest.mixString(entry.detail);
    if (RUN_EVENT_KINDS[entry.kind] === true) this.options.runEvents?.push(entry);
    if (this.sink === undefined) return;
    const summary = message === undefined ? undefined : this.options.summarize?.(message);
    this.sink.write(JSON.stringify(summary === undefined ? entry : { ...entry, summary }));
  }

}

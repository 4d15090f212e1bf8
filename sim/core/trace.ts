import { assert, fail } from '../../impl/common/assert.ts';

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
  | 'phase'
  /** A schedule entry as the nemesis decided or played it (`Trace.note`: written, not digested). */
  | 'schedule';

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

/**
 * The run's trace: every entry is folded into the digest; the entries themselves are kept only
 * when a sink is attached, so that sweeps do not pay for lines nobody reads. Notes (`note`) go to
 * the sink only: neither digested nor counted in `entries`.
 */
export class Trace {
  readonly digest = new TraceDigest();
  private count = 0;
  private lastAtMs = 0;

  constructor(private readonly sink: TraceSink | undefined) {}

  get entries(): number {
    return this.count;
  }

  record(entry: TraceEntry): void {
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
    if (this.sink !== undefined) this.sink.write(JSON.stringify(entry));
  }

  /**
   * A line for the reader of the trace file that is no part of the run's behaviour (the schedule
   * entries, whose effects the digested lines already show): left out of the digest and of
   * `entries`, so that adding notes changed no seed's digest.
   */
  note(entry: TraceEntry): void {
    if (entry.atMs < this.lastAtMs) fail(`trace note went back in time: ${entry.atMs} < ${this.lastAtMs}`);
    if (this.sink !== undefined) this.sink.write(JSON.stringify(entry));
  }
}

import { assertNever } from '../../impl/common/assert.ts';
import type { NodeId } from '../../impl/env/node-environment.ts';
import { quoteForMessage } from '../../impl/config/quote-for-message.ts';
import { FAULT_KINDS, isFaultKind, type FaultKind } from './fault-kind.ts';
import {
  MAX_SCHEDULE_ENTRIES,
  PARTITION_SHAPES,
  SCHEDULE_FILE_VERSION,
  type FaultEntry,
  type Link,
  type NodeFaultKind,
  type PartitionShape,
  type ScheduleEntry,
  type ScheduleFile,
} from './fault-schedule.ts';

/**
 * Reading a schedule file (`--schedule FILE`): every problem is one line naming the field, so the
 * command line can print it and exit 2. The parser builds each entry afresh, fields in their
 * canonical order, so a file read and written again is the same file.
 */

/** A bad schedule file; `parseScheduleFile` and `checkScheduleTargets` return its message. */
class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
}

type Json = unknown;

/** The file's contents, or what is wrong with them (one line). */
export function parseScheduleFile(text: string): ScheduleFile | string {
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return `not JSON: ${quoteForMessage((error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '', 120)}`;
  }
  try {
    return readFile(json);
  } catch (error) {
    if (error instanceof ScheduleError) return error.message;
    throw error;
  }
}

const FILE_FIELDS = ['version', 'args', 'plan', 'entries'];

function readFile(json: Json): ScheduleFile {
  const file = object(json, 'the file');
  onlyFields(file, FILE_FIELDS, 'the file');
  if (file.version !== SCHEDULE_FILE_VERSION) {
    throw new ScheduleError(`version must be ${SCHEDULE_FILE_VERSION} (the schedule format this refka reads), got ${describe(file.version)}`);
  }
  const args = file.args;
  if (!Array.isArray(args) || !args.every((word) => typeof word === 'string')) throw new ScheduleError('args must be a list of strings: the options of the run, such as ["--seed", "42"]');
  const plan = file.plan === undefined ? '' : file.plan;
  if (typeof plan !== 'string') throw new ScheduleError(`plan must be a string, got ${describe(plan)}`);
  const raw = file.entries;
  if (!Array.isArray(raw)) throw new ScheduleError(`entries must be a list, got ${describe(raw)}`);
  if (raw.length > MAX_SCHEDULE_ENTRIES) throw new ScheduleError(`entries has ${raw.length} entries; at most ${MAX_SCHEDULE_ENTRIES} are allowed`);
  const entries: ScheduleEntry[] = [];
  for (const [index, item] of raw.entries()) {
    const entry = readEntry(item, `entries[${index}]`);
    const before = entries.at(-1);
    if (before !== undefined && entry.at < before.at) {
      throw new ScheduleError(`entries[${index}].at ${entry.at} is before entries[${index - 1}].at ${before.at}: entries must be in time order`);
    }
    entries.push(entry);
  }
  return { version: SCHEDULE_FILE_VERSION, args, plan, entries };
}

const KIND_FIELDS: Readonly<Record<FaultKind, readonly string[]>> = {
  crash: ['node', 'end'],
  'power-loss': ['node', 'end'],
  'disk-loss': ['node', 'end'],
  'controlled-shutdown': ['node', 'end'],
  bitflip: ['node', 'end'],
  'disk-full': ['node', 'end'],
  'client-crash': ['node', 'end'],
  'client-pause': ['node', 'end'],
  'client-stall': ['node', 'end'],
  'cluster-power-loss': ['end'],
  partition: ['shape', 'blocked', 'end'],
  'connection-break': ['nodes'],
  'link-lag': ['from', 'to', 'latencyMs', 'clogged', 'end'],
  'link-stall': ['from', 'to', 'end'],
  'slow-metadata': ['from', 'to', 'bothWays', 'latencyMs', 'clogged', 'end'],
};

function readEntry(item: Json, where: string): ScheduleEntry {
  const entry = object(item, where);
  const at = wholeMs(entry.at, `${where}.at`, 0);
  const kind = entry.kind;
  if (typeof kind !== 'string' || !isFaultKind(kind)) {
    throw new ScheduleError(`${where}.kind: unknown fault kind ${describe(kind)}; the kinds are ${FAULT_KINDS.join(', ')}`);
  }
  const type = entry.type;
  switch (type) {
    case 'held-back':
    case 'skipped':
    case 'idle': {
      onlyFields(entry, ['at', 'type', 'kind', 'reason'], where);
      const reason = entry.reason;
      if (typeof reason !== 'string') throw new ScheduleError(`${where}.reason must be a string, got ${describe(reason)}`);
      return type === 'held-back' ? { at, type, kind, reason } : type === 'skipped' ? { at, type, kind, reason } : { at, type, kind, reason };
    }
    case 'fault':
      onlyFields(entry, ['at', 'type', 'kind', ...KIND_FIELDS[kind]], where);
      return readFault(entry, where, at, kind);
    default:
      throw new ScheduleError(`${where}.type must be fault, held-back, skipped or idle, got ${describe(type)}`);
  }
}

function readFault(entry: Record<string, Json>, where: string, at: number, kind: FaultKind): FaultEntry {
  const end = (): number => wholeMs(entry.end, `${where}.end`, at + 1, `after its at, ${at}`);
  const node = (field: string): NodeId => nodeName(entry[field], `${where}.${field}`);
  const link = (): Link => {
    const from = node('from');
    const to = node('to');
    if (from === to) throw new ScheduleError(`${where}: from and to are both ${quoteForMessage(from)}; a link joins two nodes`);
    return [from, to];
  };
  const lag = (): { latencyMs: number; clogged: boolean } => {
    const latencyMs = wholeMs(entry.latencyMs, `${where}.latencyMs`, 0);
    const clogged = bool(entry.clogged, `${where}.clogged`);
    if (clogged && latencyMs !== 0) throw new ScheduleError(`${where}: a clogged link holds everything, so its latencyMs must be 0, got ${latencyMs}`);
    return { latencyMs, clogged };
  };
  switch (kind) {
    case 'crash':
    case 'power-loss':
    case 'disk-loss':
    case 'controlled-shutdown':
    case 'bitflip':
    case 'disk-full':
    case 'client-crash':
    case 'client-pause':
    case 'client-stall':
      return { at, type: 'fault', kind, node: node('node'), end: end() };
    case 'cluster-power-loss':
      return { at, type: 'fault', kind, end: end() };
    case 'partition': {
      const shape = entry.shape;
      if (typeof shape !== 'string' || !(PARTITION_SHAPES as readonly string[]).includes(shape)) {
        throw new ScheduleError(`${where}.shape must be one of ${PARTITION_SHAPES.join(', ')}, got ${describe(shape)}`);
      }
      const blocked = entry.blocked;
      if (!Array.isArray(blocked)) throw new ScheduleError(`${where}.blocked must be a list of links [from, to], got ${describe(blocked)}`);
      return { at, type: 'fault', kind, shape: shape as PartitionShape, blocked: blocked.map((pair, index) => pairOf(pair, `${where}.blocked[${index}]`)), end: end() };
    }
    case 'connection-break':
      return { at, type: 'fault', kind, nodes: pairOf(entry.nodes, `${where}.nodes`) };
    case 'link-lag': {
      const [from, to] = link();
      const { latencyMs, clogged } = lag();
      return { at, type: 'fault', kind, from, to, latencyMs, clogged, end: end() };
    }
    case 'link-stall': {
      const [from, to] = link();
      return { at, type: 'fault', kind, from, to, end: end() };
    }
    case 'slow-metadata': {
      const from = entry.from;
      if (!Array.isArray(from) || from.length === 0) throw new ScheduleError(`${where}.from must be a list of the metadata sources (for Kafka, its controllers), got ${describe(from)}`);
      const sources = from.map((name, index) => nodeName(name, `${where}.from[${index}]`));
      if (new Set(sources).size !== sources.length) throw new ScheduleError(`${where}.from names a node twice`);
      const to = node('to');
      if (sources.includes(to)) throw new ScheduleError(`${where}: to, ${quoteForMessage(to)}, is one of the metadata sources; slow-metadata slows their links to another server`);
      const bothWays = bool(entry.bothWays, `${where}.bothWays`);
      const { latencyMs, clogged } = lag();
      return { at, type: 'fault', kind, from: sources, to, bothWays, latencyMs, clogged, end: end() };
    }
    default:
      return assertNever(kind, 'fault kind');
  }
}

/** The nodes a run has, for `checkScheduleTargets`. */
export interface ScheduleTargets {
  readonly servers: readonly NodeId[];
  /** Every node that is not a server. */
  readonly clients: readonly NodeId[];
  readonly faultableClients: readonly NodeId[];
  /** Where servers learn metadata (Kafka's controllers); empty when the system has none. */
  readonly metadataSources: readonly NodeId[];
  /** The heal: only idle entries may be due at or after it. */
  readonly durationMs: number;
}

const CLIENT_KINDS: ReadonlySet<NodeFaultKind> = new Set(['client-crash', 'client-pause', 'client-stall']);

/** Whether every entry names nodes the run has, in the roles its kind strikes; or what is wrong. */
export function checkScheduleTargets(entries: readonly ScheduleEntry[], targets: ScheduleTargets): string | undefined {
  const all = [...targets.servers, ...targets.clients];
  const list = (nodes: readonly NodeId[]): string => (nodes.length === 0 ? 'none' : nodes.join(', '));
  const known = (node: NodeId, where: string): string | undefined =>
    all.includes(node) ? undefined : `${where}: unknown node ${quoteForMessage(node)}; this run's nodes are ${list(all)}`;
  const server = (node: NodeId, where: string, kind: FaultKind): string | undefined =>
    targets.servers.includes(node) ? undefined : `${where}: ${kind} strikes a server, and ${quoteForMessage(node)} is not one (servers: ${list(targets.servers)})`;
  for (const [index, entry] of entries.entries()) {
    const where = `entries[${index}]`;
    if (entry.type === 'idle') continue;
    if (entry.at >= targets.durationMs) {
      return `${where}.at ${entry.at} is not before the heal at ${targets.durationMs} ms (the run's --duration); only idle entries may come after it`;
    }
    if (entry.type !== 'fault') continue;
    const problem = checkFault(entry, where, targets, known, server);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function checkFault(
  entry: FaultEntry,
  where: string,
  targets: ScheduleTargets,
  known: (node: NodeId, where: string) => string | undefined,
  server: (node: NodeId, where: string, kind: FaultKind) => string | undefined,
): string | undefined {
  switch (entry.kind) {
    case 'crash':
    case 'power-loss':
    case 'disk-loss':
    case 'controlled-shutdown':
    case 'bitflip':
    case 'disk-full':
    case 'client-crash':
    case 'client-pause':
    case 'client-stall':
      if (!CLIENT_KINDS.has(entry.kind)) return server(entry.node, `${where}.node`, entry.kind);
      if (targets.faultableClients.includes(entry.node)) return undefined;
      return `${where}.node: ${entry.kind} strikes a client the run lets faults strike, and ${quoteForMessage(entry.node)} is not one (they are: ${targets.faultableClients.length === 0 ? 'none' : targets.faultableClients.join(', ')})`;
    case 'cluster-power-loss':
      return undefined;
    case 'partition':
      for (const [index, [from, to]] of entry.blocked.entries()) {
        const problem = known(from, `${where}.blocked[${index}]`) ?? known(to, `${where}.blocked[${index}]`);
        if (problem !== undefined) return problem;
      }
      return undefined;
    case 'connection-break':
      return known(entry.nodes[0], `${where}.nodes`) ?? known(entry.nodes[1], `${where}.nodes`);
    case 'link-lag':
      return known(entry.from, `${where}.from`) ?? known(entry.to, `${where}.to`);
    case 'link-stall':
      return server(entry.from, `${where}.from`, entry.kind) ?? server(entry.to, `${where}.to`, entry.kind);
    case 'slow-metadata':
      if (targets.metadataSources.length === 0) return `${where}: slow-metadata needs a metadata source, and this run's system has none`;
      if (entry.from.length !== targets.metadataSources.length || entry.from.some((node, index) => node !== targets.metadataSources[index])) {
        return `${where}.from: slow-metadata slows the links from all the metadata sources, ${targets.metadataSources.join(', ')}, not from ${entry.from.map((node) => quoteForMessage(node)).join(', ')}`;
      }
      return server(entry.to, `${where}.to`, entry.kind);
    default:
      return assertNever(entry, 'fault entry');
  }
}

function object(json: Json, where: string): Record<string, Json> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ScheduleError(`${where} must be a JSON object, got ${describe(json)}`);
  return json as Record<string, Json>;
}

function onlyFields(json: Record<string, Json>, fields: readonly string[], where: string): void {
  for (const key of Object.keys(json)) {
    if (!fields.includes(key)) throw new ScheduleError(`${where} has an unknown field ${quoteForMessage(key)} (its fields: ${fields.join(', ')})`);
  }
}

function wholeMs(json: Json, where: string, min: number, minText = String(min)): number {
  if (typeof json !== 'number' || !Number.isSafeInteger(json) || json < min) {
    throw new ScheduleError(`${where} must be a whole number of milliseconds, ${minText} or more, got ${describe(json)}`);
  }
  return json;
}

function bool(json: Json, where: string): boolean {
  if (typeof json !== 'boolean') throw new ScheduleError(`${where} must be true or false, got ${describe(json)}`);
  return json;
}

function nodeName(json: Json, where: string): NodeId {
  if (typeof json !== 'string' || json === '') throw new ScheduleError(`${where} must be a node's name, such as "broker-1", got ${describe(json)}`);
  return json;
}

function pairOf(json: Json, where: string): Link {
  if (!Array.isArray(json) || json.length !== 2) throw new ScheduleError(`${where} must be two nodes' names, [a, b], got ${describe(json)}`);
  const a = nodeName(json[0], `${where}[0]`);
  const b = nodeName(json[1], `${where}[1]`);
  if (a === b) throw new ScheduleError(`${where} names ${quoteForMessage(a)} twice; it joins two nodes`);
  return [a, b];
}

/** A value, short, for a message: a string quoted, anything else as JSON, cut to 60 characters. */
function describe(json: Json): string {
  if (json === undefined) return 'nothing';
  if (typeof json === 'string') return quoteForMessage(json, 60);
  const text = JSON.stringify(json) ?? String(json);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

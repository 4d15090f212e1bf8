import { assert } from '../../impl/common/assert.ts';
import type { NodeId, RandomStream } from '../../impl/env/node-environment.ts';
import type { Scheduler } from '../core/sim-event.ts';
import type { FaultKind, FaultSelection } from '../nemesis/fault-kind.ts';
import type { ScheduleEntry } from '../nemesis/fault-schedule.ts';
import { CLIENT_FAULT_KINDS, Nemesis, OWN_STREAM_KINDS, describeFaultPlan, planFaults, type ClusterControl, type FaultInjector } from '../nemesis/nemesis.ts';
import { ScriptedNemesis } from '../nemesis/scripted-nemesis.ts';
import type { RandomStreams } from '../random/random-stream.ts';
import type { DiskFaultServers } from './system.ts';

/** A schedule to play instead of drawing faults (`--schedule FILE`). */
export interface FaultScript {
  readonly entries: readonly ScheduleEntry[];
  /** The plan that drew the schedule, as its file says (for the reader only). */
  readonly plan: string;
}

/** What the nemesis needs to know of the system it faults. */
export interface FaultTargets {
  readonly servers: readonly NodeId[];
  readonly clients: readonly NodeId[];
  readonly faultableClients?: readonly NodeId[];
  readonly metadataSources?: readonly NodeId[];
  readonly diskFaultServers?: DiskFaultServers;
}

/**
 * The run's nemesis: the one that draws its faults from the seed's `faults` streams (planned by
 * swarm testing), or, given a script, the one that plays it and draws nothing (no fault stream is
 * even issued; every other stream is named apart, so the rest of the run draws what it always did).
 */
export function buildFaultInjector(
  faults: FaultSelection,
  script: FaultScript | undefined,
  system: FaultTargets,
  streams: RandomStreams,
  scheduler: Scheduler,
  control: ClusterControl,
): { readonly injector: FaultInjector; readonly faultPlan: string } {
  const faultableClients = system.faultableClients ?? [];
  for (const id of faultableClients) assert(system.clients.includes(id), `faultable client '${id}' is not a client of the system`);
  if (script !== undefined) {
    return { injector: new ScriptedNemesis(script.entries, scheduler, control, system.servers), faultPlan: `schedule of ${script.entries.length} entries, drawn by ${script.plan}` };
  }
  const faultsRandom = streams.stream('faults');
  // Kinds added after seeds were published draw from streams of their own (OWN_STREAM_KINDS).
  const ownStreams = new Map([...OWN_STREAM_KINDS].map((kind) => [kind, streams.stream(`faults:${kind}`)] as const));
  const streamOf = (kind: FaultKind): RandomStream => ownStreams.get(kind) ?? faultsRandom;
  const unavailable: FaultKind[] = [];
  const metadataSources = system.metadataSources ?? [];
  if (metadataSources.length === 0 || system.servers.every((node) => metadataSources.includes(node))) unavailable.push('slow-metadata');
  if (system.servers.length < 2) unavailable.push('link-stall');
  if (faultableClients.length === 0) unavailable.push(...CLIENT_FAULT_KINDS);
  const plan = planFaults(faults, faultsRandom, unavailable, streamOf);
  const nodeIds = [...system.servers, ...system.clients];
  const injector = new Nemesis(plan, faultsRandom, scheduler, control, system.servers, nodeIds, metadataSources, streamOf, faultableClients, system.diskFaultServers);
  return { injector, faultPlan: describeFaultPlan(plan) };
}

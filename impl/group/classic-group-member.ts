import { assert } from '../common/assert.ts';
import type { GroupResponse, JoinGroupProtocol, JoinGroupResponse, SyncGroupResponse } from '../protocol/group-messages.ts';

/**
 * Kafka's `CompletableFuture` for a response: a request the coordinator answers later (a JoinGroup
 * parked during PreparingRebalance, a SyncGroup during CompletingRebalance, a static member's
 * JoinGroup waiting for its record). Completing it sends the response through `send`, which emits a
 * `respond` effect; completing it again does nothing, as with a Java future.
 */
export class ResponseFuture<R extends GroupResponse = GroupResponse> {
  private done = false;

  constructor(
    readonly correlationId: number,
    /** The node the request came from; opaque to the coordinator. */
    readonly destination: number,
    private readonly send: (destination: number, response: GroupResponse) => void,
  ) {}

  get isDone(): boolean {
    return this.done;
  }

  /** Returns whether this call completed it. */
  complete(response: R): boolean {
    if (this.done) return false;
    assert(response.correlationId === this.correlationId, `response ${response.correlationId} completes request ${this.correlationId}`);
    this.done = true;
    this.send(this.destination, response);
    return true;
  }
}

/** Kafka's `ClassicGroup.EMPTY_ASSIGNMENT`. */
export const EMPTY_ASSIGNMENT: Uint8Array = new Uint8Array(0);

/**
 * Kafka's `ClassicGroupMember` (group-coordinator/.../classic/ClassicGroupMember.java): one member
 * of a classic group as the coordinator holds it, with the JoinGroup or SyncGroup it may have
 * parked.
 */
export class ClassicGroupMember {
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  supportedProtocols: readonly JoinGroupProtocol[];
  assignment: Uint8Array;
  awaitingJoin: ResponseFuture<JoinGroupResponse> | null = null;
  awaitingSync: ResponseFuture<SyncGroupResponse> | null = null;
  /**
   * Kafka's `isNew`: set when a member is added, cleared when its first join phase completes. A
   * new member's heartbeat expiry removes it even while it waits for the join to complete
   * (`hasSatisfiedHeartbeat`), which bounds defunct joiners (CLASSIC_GROUP_NEW_MEMBER_JOIN_TIMEOUT_MS).
   */
  isNew = false;

  constructor(
    readonly memberId: string,
    readonly groupInstanceId: string | null,
    readonly clientId: string,
    readonly clientHost: string,
    rebalanceTimeoutMs: number,
    sessionTimeoutMs: number,
    readonly protocolType: string,
    supportedProtocols: readonly JoinGroupProtocol[],
    assignment: Uint8Array = EMPTY_ASSIGNMENT,
  ) {
    assert(memberId !== '', 'a member id is never empty');
    assert(supportedProtocols.length > 0, `member ${memberId} supports no protocol`);
    this.rebalanceTimeoutMs = rebalanceTimeoutMs;
    this.sessionTimeoutMs = sessionTimeoutMs;
    this.supportedProtocols = supportedProtocols;
    this.assignment = assignment;
  }

  get isStaticMember(): boolean {
    return this.groupInstanceId !== null;
  }

  get isAwaitingJoin(): boolean {
    return this.awaitingJoin !== null;
  }

  get isAwaitingSync(): boolean {
    return this.awaitingSync !== null;
  }

  /** Kafka's `hasSatisfiedHeartbeat`: a member parked in a rebalance counts as alive, unless new. */
  hasSatisfiedHeartbeat(): boolean {
    if (this.isNew) return false;
    return this.isAwaitingJoin || this.isAwaitingSync;
  }

  /**
   * Kafka's `matches`: the same protocols, in the same order, with the same metadata bytes
   * (`JoinGroupRequestProtocolCollection.equals`).
   */
  matches(protocols: readonly JoinGroupProtocol[]): boolean {
    if (protocols.length !== this.supportedProtocols.length) return false;
    return protocols.every((protocol, index) => {
      const mine = this.supportedProtocols[index];
      return mine !== undefined && mine.name === protocol.name && bytesEqual(mine.metadata, protocol.metadata);
    });
  }

  /** Kafka's `vote`: the first protocol, in the member's order of preference, that is a candidate. */
  vote(candidates: ReadonlySet<string>): string {
    for (const protocol of this.supportedProtocols) {
      if (candidates.has(protocol.name)) return protocol.name;
    }
    throw new Error(`member ${this.memberId} supports none of the candidate protocols`);
  }

  /** Kafka's `metadata(protocolName)`: the member's subscription bytes for the group's protocol. */
  metadata(protocolName: string | null): Uint8Array {
    const protocol = this.supportedProtocols.find((candidate) => candidate.name === protocolName);
    assert(protocol !== undefined, `member ${this.memberId} has no metadata for protocol ${protocolName}`);
    return protocol.metadata;
  }

  /** The protocol names, as Kafka's `plainProtocolSet`. */
  protocolNames(): ReadonlySet<string> {
    return new Set(this.supportedProtocols.map((protocol) => protocol.name));
  }
}

export function bytesEqual(left: Uint8Array, right: Uint8Array): boolean {
  if (left.length !== right.length) return false;
  for (let index = 0; index < left.length; index++) {
    if (left[index] !== right[index]) return false;
  }
  return true;
}

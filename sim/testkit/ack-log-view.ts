import type { NodeId } from '../../impl/env/node-environment.ts';
import type { ProcessStatus } from '../run/system.ts';

/** What the ack-log invariants read: each server's log (while it runs) and each client's state. */
export interface AckLogView {
  readonly nowMs: number;
  readonly servers: readonly {
    readonly id: NodeId;
    readonly status: ProcessStatus;
    /** The server's log records in offset order; undefined while the server is down. */
    readonly log: readonly { readonly offset: number; readonly value: number }[] | undefined;
    /** Offsets below it were deleted by retention. */
    readonly logStartOffset: number;
  }[];
  readonly clients: readonly { readonly id: NodeId; readonly done: boolean }[];
}

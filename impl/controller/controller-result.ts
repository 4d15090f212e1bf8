import type { ConfigView } from '../config/config-view.ts';
import type { MetadataEntry, MetadataRecord } from '../metadata/metadata-records.ts';
import type { KafkaResponse } from '../protocol/messages.ts';
import type { ProtocolRules } from '../variants/protocol-rules.ts';
import type { MetadataState } from './controller-state.ts';

/** What a request handler decides: records to commit, then the response (Kafka's `ControllerResult`). */
export interface ControllerResult {
  readonly records: readonly MetadataRecord[];
  readonly response?: KafkaResponse;
  /** Coverage marks for behaviours a sweep should reach (see `replication-sometimes.ts`). */
  readonly marks?: readonly string[];
}

/** What the control managers read of the controller they decide for. */
export interface ControlContext {
  readonly options: { readonly config: ConfigView; readonly rules: ProtocolRules };
  /** The active state: the committed metadata plus the records this controller appended. */
  state(): MetadataState;
  /** The entries of `state()`, in offset order (committed, then appended). */
  entries(): readonly MetadataEntry[];
  /** A new state holding what `entries()` start after (the latest snapshot), to replay them onto. */
  base(): MetadataState;
  nowMs(): number;
}

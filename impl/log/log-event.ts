import { assertNever } from '../common/assert.ts';

/**
 * What the log did that a report or a sometimes-invariant may want to know. Not a Kafka class
 * (Kafka logs these as lines); it has a file of its own because `UnifiedLog`, `LocalLog`,
 * `LogLoader` and the `Cleaner` all report them, and all drain through `UnifiedLog.drainEvents`.
 */
export type LogEvent =
  | { readonly type: 'segment-rolled'; readonly baseOffset: number; readonly reason: string }
  | { readonly type: 'retention-deleted-segment'; readonly baseOffset: number; readonly reason: 'retention.ms' | 'retention.bytes' }
  | { readonly type: 'recovery-truncated'; readonly segmentBaseOffset: number; readonly bytes: number; readonly reason: string }
  | { readonly type: 'index-rebuilt'; readonly segmentBaseOffset: number; readonly reason: string }
  | { readonly type: 'epoch-cache-rebuilt'; readonly reason: string }
  | { readonly type: 'compaction-removed-records'; readonly records: number }
  | { readonly type: 'corrupt-batch-detected'; readonly segmentBaseOffset: number; readonly reason: string }
  | { readonly type: 'flushed'; readonly upToOffset: number };

/** Exhaustiveness helper for consumers of {@link LogEvent}. */
export function describeLogEvent(event: LogEvent): string {
  switch (event.type) {
    case 'segment-rolled':
      return `rolled a new segment at ${event.baseOffset} (${event.reason})`;
    case 'retention-deleted-segment':
      return `deleted segment ${event.baseOffset} by ${event.reason}`;
    case 'recovery-truncated':
      return `recovery truncated ${event.bytes} bytes of segment ${event.segmentBaseOffset}: ${event.reason}`;
    case 'index-rebuilt':
      return `rebuilt the indexes of segment ${event.segmentBaseOffset}: ${event.reason}`;
    case 'epoch-cache-rebuilt':
      return `rebuilt the leader epoch cache: ${event.reason}`;
    case 'compaction-removed-records':
      return `compaction removed ${event.records} records`;
    case 'corrupt-batch-detected':
      return `corrupt batch in segment ${event.segmentBaseOffset}: ${event.reason}`;
    case 'flushed':
      return `flushed up to ${event.upToOffset}`;
    default:
      return assertNever(event, 'log event');
  }
}

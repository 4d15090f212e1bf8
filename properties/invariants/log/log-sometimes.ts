import type { InvariantDefinition } from '../../../sim/invariants/invariant.ts';

/**
 * Behaviours of the partition log (`impl/log/`) a sweep of seeds must reach at least once, or the
 * faults and workload are not exercising the log's machinery. Nodes that keep a `UnifiedLog`
 * report them as marks when the log's events say they happened. They are generic over the view:
 * any system with a log can register them.
 */
export const segmentRolled: InvariantDefinition<unknown> = {
  name: 'segment-rolled',
  kind: 'sometimes',
  source: 'Kafka UnifiedLog.maybeRoll (segment.bytes, segment.ms, full index)',
  statement: 'A log rolled its active segment and started a new one.',
  checker: { type: 'mark' },
};

export const retentionDeletedSegment: InvariantDefinition<unknown> = {
  name: 'retention-deleted-segment',
  kind: 'sometimes',
  source: 'Kafka UnifiedLog.deleteOldSegments (retention.ms, retention.bytes)',
  statement: 'Retention deleted a whole segment and advanced the log start offset.',
  checker: { type: 'mark' },
};

export const recoveryTruncatedTornTail: InvariantDefinition<unknown> = {
  name: 'recovery-truncated-torn-tail',
  kind: 'sometimes',
  source: 'Kafka LogSegment.recover: truncate at the first invalid batch',
  statement: 'A log recovering at startup found a torn or corrupt batch and truncated the log there.',
  checker: { type: 'mark' },
};

export const compactionRemovedRecord: InvariantDefinition<unknown> = {
  name: 'compaction-removed-record',
  kind: 'sometimes',
  source: 'Kafka LogCleaner (cleanup.policy=compact)',
  statement: 'Compaction removed a record superseded by a later record with the same key.',
  checker: { type: 'mark' },
};

export const corruptBatchDetected: InvariantDefinition<unknown> = {
  name: 'corrupt-batch-detected',
  kind: 'sometimes',
  source: 'Kafka CorruptRecordException: CRC-32C checked on read',
  statement: 'A read met a batch that failed its CRC check and reported it instead of serving it.',
  checker: { type: 'mark' },
};

export const LOG_SOMETIMES_INVARIANTS = [segmentRolled, retentionDeletedSegment, recoveryTruncatedTornTail, compactionRemovedRecord, corruptBatchDetected];

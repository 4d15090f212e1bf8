import { assert } from '../common/assert.ts';
import { KAFKA_LONG_MAX, resolveConfig } from '../config/kafka-config.ts';
import type { TimestampType } from './record-batch.ts';

/**
 * The topic configuration a log runs with (Kafka's `LogConfig`), as numbers. Kafka's
 * `Long.MAX_VALUE` defaults ("never") become `Infinity`; every other value fits a safe integer.
 */
export interface LogConfig {
  /**
   * The topic's `min.insync.replicas` (Kafka's `LogConfig.minInSyncReplicas`): the partition
   * reads it from its leader log for acks=all and for the high watermark (KIP-966).
   */
  readonly minInSyncReplicas: number;
  readonly segmentBytes: number;
  readonly segmentMs: number;
  readonly segmentIndexBytes: number;
  readonly indexIntervalBytes: number;
  readonly flushMessages: number;
  readonly flushMs: number;
  readonly retentionMs: number;
  readonly retentionBytes: number;
  readonly cleanupPolicy: { readonly delete: boolean; readonly compact: boolean };
  readonly maxMessageBytes: number;
  readonly messageTimestampType: TimestampType;
  readonly deleteRetentionMs: number;
}

function longValue(resolved: Readonly<Record<string, string>>, key: string): number {
  const raw = resolved[key];
  assert(raw !== undefined, `log config: ${key} is not resolved`);
  if (raw === KAFKA_LONG_MAX) return Number.POSITIVE_INFINITY;
  const value = Number(raw);
  assert(Number.isSafeInteger(value), `log config: ${key}=${raw} is beyond what refka represents`);
  return value;
}

/** The log configuration from Kafka config overrides (unknown keys are an assertion failure). */
export function logConfigFrom(overrides: Readonly<Record<string, string>> = {}): LogConfig {
  const resolved = resolveConfig(overrides);
  const policy = resolved['cleanup.policy'] ?? 'delete';
  const timestampType = resolved['message.timestamp.type'];
  assert(timestampType === 'CreateTime' || timestampType === 'LogAppendTime', `log config: message.timestamp.type=${timestampType}`);
  return {
    minInSyncReplicas: longValue(resolved, 'min.insync.replicas'),
    segmentBytes: longValue(resolved, 'segment.bytes'),
    segmentMs: longValue(resolved, 'segment.ms'),
    segmentIndexBytes: longValue(resolved, 'segment.index.bytes'),
    indexIntervalBytes: longValue(resolved, 'index.interval.bytes'),
    flushMessages: longValue(resolved, 'flush.messages'),
    flushMs: longValue(resolved, 'flush.ms'),
    retentionMs: longValue(resolved, 'retention.ms'),
    retentionBytes: longValue(resolved, 'retention.bytes'),
    cleanupPolicy: { delete: policy.split(',').includes('delete'), compact: policy.split(',').includes('compact') },
    maxMessageBytes: longValue(resolved, 'max.message.bytes'),
    messageTimestampType: timestampType,
    deleteRetentionMs: longValue(resolved, 'delete.retention.ms'),
  };
}

import { assert } from '../common/assert.ts';
import { KAFKA_INT_MAX, KAFKA_LONG_MAX, resolveConfig } from './kafka-config.ts';

/**
 * Typed reads of a run's Kafka configuration: overrides resolved against Kafka's defaults once,
 * then read by key. `Long.MAX_VALUE` and `Integer.MAX_VALUE` defaults read as `Infinity` where
 * Kafka uses them to mean "never" or "unbounded".
 */
export class ConfigView {
  private readonly resolved: Readonly<Record<string, string>>;

  constructor(readonly overrides: Readonly<Record<string, string>> = {}) {
    this.resolved = resolveConfig(overrides);
  }

  string(key: string): string {
    const value = this.resolved[key];
    assert(value !== undefined, `config key ${key} is not registered`);
    return value;
  }

  number(key: string): number {
    const raw = this.string(key);
    if (raw === KAFKA_LONG_MAX || raw === KAFKA_INT_MAX) return Number.POSITIVE_INFINITY;
    const value = Number(raw);
    assert(Number.isSafeInteger(value), `config ${key}=${raw} is not a safe integer`);
    return value;
  }

  boolean(key: string): boolean {
    const raw = this.string(key);
    assert(raw === 'true' || raw === 'false', `config ${key}=${raw} is not a boolean`);
    return raw === 'true';
  }

  /** A `list` key's canonical items, in order. */
  list(key: string): string[] {
    return this.string(key).split(',');
  }

  /** The topic-level overrides among the run's overrides (for a log's configuration). */
  get all(): Readonly<Record<string, string>> {
    return this.resolved;
  }
}

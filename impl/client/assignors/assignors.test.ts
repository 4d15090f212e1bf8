import { describe, expect, it } from 'vitest';
import { ASSIGNORS, DEFAULT_PARTITION_ASSIGNMENT_STRATEGY, isAssignorName } from './assignors.ts';
import { REBALANCE_PROTOCOL_ID } from './consumer-partition-assignor.ts';
import { findConfig } from '../../config/kafka-config.ts';

describe('the built-in assignors', () => {
  it('are registered under their Kafka names, and only cooperative-sticky supports COOPERATIVE', () => {
    for (const [name, assignor] of Object.entries(ASSIGNORS)) expect(assignor.name).toBe(name);
    expect(Object.keys(ASSIGNORS).sort()).toEqual(['cooperative-sticky', 'range', 'roundrobin', 'sticky']);
    const cooperative = Object.values(ASSIGNORS).filter((assignor) => assignor.supportedProtocols.includes('COOPERATIVE'));
    expect(cooperative.map((assignor) => assignor.name)).toEqual(['cooperative-sticky']);
    expect(REBALANCE_PROTOCOL_ID).toEqual({ EAGER: 0, COOPERATIVE: 1 });
  });

  it("default to Kafka's partition.assignment.strategy, and know their names", () => {
    expect(DEFAULT_PARTITION_ASSIGNMENT_STRATEGY).toEqual(['range', 'cooperative-sticky']);
    expect(isAssignorName('roundrobin')).toBe(true);
    expect(isAssignorName('RoundRobinAssigner')).toBe(false);
    expect(isAssignorName('toString')).toBe(false);
  });

  it('are exactly the values partition.assignment.strategy accepts, with the same default', () => {
    const def = findConfig('partition.assignment.strategy');
    expect(def?.type).toBe('list');
    if (def?.type !== 'list') return;
    expect([...def.values].sort()).toEqual(Object.keys(ASSIGNORS).sort());
    expect(def.defaultValue).toBe(DEFAULT_PARTITION_ASSIGNMENT_STRATEGY.join(','));
  });
});

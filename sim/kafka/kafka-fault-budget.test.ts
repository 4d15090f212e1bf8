import { describe, expect, it } from 'vitest';
import { kafkaFaultBudget } from './kafka-system.ts';
import type { KafkaClusterView } from './kafka-view.ts';

// The brokers' fault budget: fewer than min.insync.replicas brokers impaired at once. Judged on a
// hand-made view whose brokers all look whole (none listed), so that only the fault itself and the
// disk windows open count.

const view = { brokers: [], controller: { topics: [], brokers: [], partitions: [] } } as unknown as KafkaClusterView;

describe('kafkaFaultBudget', () => {
  it('lets one broker of min.insync.replicas=2 be struck', () => {
    expect(kafkaFaultBudget(view, { kind: 'bitflip', nodes: ['broker-2'], diskFaulted: [] }, 2)).toBeUndefined();
    expect(kafkaFaultBudget(view, { kind: 'crash', nodes: ['broker-2'], diskFaulted: ['broker-2'] }, 2)).toBeUndefined();
  });

  it('counts a broker under an open bit-flip or full-disk window as impaired, though it shows no damage yet', () => {
    // Default seed 1332: broker-2's bit-flip window was admitted while broker-1's was open.
    expect(kafkaFaultBudget(view, { kind: 'bitflip', nodes: ['broker-2'], diskFaulted: ['broker-1'] }, 2)).toBe('brokers 1,2 would be impaired at once, more than min.insync.replicas=2 - 1');
    expect(kafkaFaultBudget(view, { kind: 'power-loss', nodes: ['broker-0'], diskFaulted: ['broker-1'] }, 2)).toMatch(/^brokers 0,1 /);
    // Controllers take no disk faults in the broker budget, and min.insync.replicas=3 allows two.
    expect(kafkaFaultBudget(view, { kind: 'bitflip', nodes: ['broker-2'], diskFaulted: ['controller-0'] }, 2)).toBeUndefined();
    expect(kafkaFaultBudget(view, { kind: 'bitflip', nodes: ['broker-2'], diskFaulted: ['broker-1'] }, 3)).toBeUndefined();
  });

  it('counts a broker with damage on its disk as impaired, but not one whose only flip was in what it read', () => {
    // Broker 1 runs its first process; the controller names no broker, so it is not judged whole.
    const withDamage = (damage: unknown[]): KafkaClusterView => ({ ...view, brokers: [{ brokerId: 1, status: 'running', lifecycle: 'running', incarnation: 1, damage, replicas: [] }] }) as unknown as KafkaClusterView;
    const stored = { kind: 'bitflip', atMs: 1, detail: 'broker-1: bit 9 of kafka-logs/t-0/00000000000000000000.log', checked: true, paths: ['kafka-logs/t-0/00000000000000000000.log'] };
    const read = { ...stored, checked: false, onRead: true };
    expect(kafkaFaultBudget(withDamage([stored]), { kind: 'crash', nodes: ['broker-2'], diskFaulted: [] }, 2)).toMatch(/^brokers 1,2 /);
    expect(kafkaFaultBudget(withDamage([read]), { kind: 'crash', nodes: ['broker-2'], diskFaulted: [] }, 2)).toBeUndefined();
  });
});

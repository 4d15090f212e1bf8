import { describe, expect, it } from 'vitest';
import { AleaRandomStream } from '../random/random-stream.ts';
import { runSeed } from '../run/run-seed.ts';
import {
  DRAWN_RETENTION_BYTES,
  DRAWN_RETENTION_MS,
  DRAWN_SEGMENT_BYTES,
  DRAWN_TOPIC_CONFIG_KEYS,
  TOPIC_CONFIGS_STREAM,
  drawTopicConfigs,
} from './topic-configs.ts';

const draw = (seed: number, replicationFactor = 3, fixed: ReadonlySet<string> = new Set()): Record<string, string> =>
  drawTopicConfigs(new AleaRandomStream(seed, TOPIC_CONFIGS_STREAM), replicationFactor, fixed);

describe('drawTopicConfigs', () => {
  it('draws the same configs for the same seed', () => {
    for (let seed = 1; seed <= 20; seed++) expect(draw(seed)).toEqual(draw(seed));
  });

  it('draws every value at least once over seeds 1..50, and nothing outside the documented ranges', () => {
    const seen = new Map<string, Set<string>>(DRAWN_TOPIC_CONFIG_KEYS.map((key) => [key, new Set<string>()]));
    for (let seed = 1; seed <= 50; seed++) {
      const configs = draw(seed);
      // Always present: min.insync.replicas, segment.bytes and cleanup.policy.
      expect(Object.keys(configs)).toEqual(expect.arrayContaining(['cleanup.policy', 'min.insync.replicas', 'segment.bytes']));
      for (const key of DRAWN_TOPIC_CONFIG_KEYS) seen.get(key)?.add(configs[key] ?? 'absent');
    }
    const sorted = (key: string): string[] => [...(seen.get(key) ?? [])].sort();
    expect(sorted('min.insync.replicas')).toEqual(['2', '3']);
    expect(sorted('segment.bytes')).toEqual([...DRAWN_SEGMENT_BYTES].sort());
    expect(sorted('flush.messages')).toEqual(['1', 'absent']);
    expect(sorted('retention.ms')).toEqual([...DRAWN_RETENTION_MS, 'absent'].sort());
    expect(sorted('retention.bytes')).toEqual([...DRAWN_RETENTION_BYTES, 'absent'].sort());
    expect(sorted('cleanup.policy')).toEqual(['compact', 'compact,delete', 'delete']);
  });

  it('never draws min.insync.replicas below 2 nor above the replication factor', () => {
    for (let seed = 1; seed <= 50; seed++) {
      expect(Number(draw(seed)['min.insync.replicas'])).toBeGreaterThanOrEqual(2);
      expect(draw(seed, 2)['min.insync.replicas']).toBe('2');
      expect(draw(seed, 1)['min.insync.replicas']).toBe('1');
    }
  });

  it('leaves out keys the command line fixes, and draws the others as it would have', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { 'min.insync.replicas': _fixed, ...rest } = draw(seed);
      expect(draw(seed, 3, new Set(['min.insync.replicas']))).toEqual(rest);
    }
  });
});

describe('the default run\'s workload topic', () => {
  const short = { durationMs: 2_000, brokers: 3, faults: { type: 'none' } as const, variants: [], repro: 'test' };

  it('is created with the configs drawn for its seed, which the run header and config show', () => {
    const seed = 5;
    const drawn = draw(seed);
    const result = runSeed({ ...short, seed, config: {} });
    for (const [key, value] of Object.entries(drawn)) {
      expect(result.config[key]).toBe(value);
      expect(result.system).toContain(`${key}=${value}`);
    }
  });

  it('takes a --config value over the drawn one', () => {
    // Seed 5 draws min.insync.replicas=3 (see the test above's draw); the command line says 2.
    expect(draw(5)['min.insync.replicas']).toBe('3');
    const result = runSeed({ ...short, seed: 5, config: { 'min.insync.replicas': '2' } });
    expect(result.config['min.insync.replicas']).toBe('2');
    expect(result.system).not.toContain('min.insync.replicas=3');
    expect(result.verdict).toBe('pass');
  });
});

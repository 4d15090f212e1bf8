import { describe, expect, it } from 'vitest';
import { classifySample, profileShares, repositoryPath, type CpuProfile, type Frame } from './profile-shares.ts';

/**
 * The bench's time shares rest on one classification of stacks; these tests pin it on hand-built
 * stacks and on a synthetic profile whose sampled times are known.
 */
const ROOT = '/repo';

function frame(path: string, functionName = 'f'): Frame {
  return { functionName, path };
}

describe('classifySample', () => {
  it('counts a sample as checkers when any frame is checker code, wherever it sits', () => {
    expect(classifySample([frame('sim/run/simulation.ts'), frame('sim/invariants/invariant-monitor.ts'), frame('impl/log/unified-log.ts')])).toBe('checkers');
    expect(classifySample([frame('sim/run/simulation.ts'), frame('properties/invariants/strong-isr.ts')])).toBe('checkers');
    expect(classifySample([frame('sim/conformance/conformance-monitor.ts'), frame('', 'transition')])).toBe('checkers');
    expect(classifySample([frame('sim/kafka/replica-logs.ts')])).toBe('checkers');
    for (const part of ['segment-reader', 'batch-digests', 'held-change', 'record-copies', 'retired-records', 'election-history', 'loss-judgement']) {
      expect(classifySample([frame(`sim/kafka/${part}.ts`)])).toBe('checkers');
    }
    expect(classifySample([frame('sim/kafka/kafka-view.ts')])).toBe('checkers');
    expect(classifySample([frame('sim/run/history.ts')])).toBe('checkers');
    expect(classifySample([frame('sim/kafka/cluster-view-builder.ts', 'kafkaView'), frame('impl/server/broker.ts')])).toBe('checkers');
    expect(classifySample([frame('sim/run/simulation.ts', 'view'), frame('sim/kafka/view-versions.ts', 'replica')])).toBe('checkers');
    expect(classifySample([frame('sim/run/simulation.ts', 'step'), frame('sim/run/simulation.ts', 'dispatch')])).toBe('simCore');
  });

  it('counts the rest of kafka-system.ts as the simulator, not as checking', () => {
    expect(classifySample([frame('sim/kafka/kafka-system.ts', 'createNode')])).toBe('simCore');
  });

  it('lets the leaf-most project frame decide between Kafka logic and the simulator', () => {
    expect(classifySample([frame('sim/run/simulation.ts'), frame('impl/server/broker.ts'), frame('', 'Map.get')])).toBe('kafka');
    // A broker sending through its environment: the network's time is the simulator's.
    expect(classifySample([frame('sim/run/simulation.ts'), frame('impl/server/broker.ts'), frame('sim/network/sim-network.ts')])).toBe('simCore');
    expect(classifySample([frame('sim/core/event-queue.ts'), frame('node_modules/seedrandom/lib/alea.js')])).toBe('simCore');
  });

  it('names the garbage collector, and leaves loading, idle time and the bench as other', () => {
    expect(classifySample([frame('', '(root)'), frame('', '(garbage collector)')])).toBe('gc');
    expect(classifySample([frame('', '(root)'), frame('', '(idle)')])).toBe('other');
    expect(classifySample([frame('', '(root)'), frame('', '(program)')])).toBe('other');
    expect(classifySample([frame('sim/bench/main.ts'), frame('', 'JSON.stringify')])).toBe('other');
    expect(classifySample([])).toBe('other');
  });
});

describe('repositoryPath', () => {
  it('turns file URLs under the root into relative paths and everything else into none', () => {
    expect(repositoryPath('file:///repo/impl/log/unified-log.ts', ROOT)).toBe('impl/log/unified-log.ts');
    expect(repositoryPath('file:///elsewhere/x.ts', ROOT)).toBe('');
    expect(repositoryPath('node:internal/modules/esm/module_job', ROOT)).toBe('');
    expect(repositoryPath('', ROOT)).toBe('');
  });
});

describe('profileShares', () => {
  // root ─ loop (sim) ─┬─ broker (impl) ─── send (sim network)
  //                    ├─ monitor (checkers)
  //                    └─ (garbage collector) is a child of the root, as V8 reports it
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '' }, children: [2, 6, 7] },
      { id: 2, callFrame: { functionName: 'run', url: 'file:///repo/sim/run/simulation.ts' }, children: [3, 5] },
      { id: 3, callFrame: { functionName: 'handle', url: 'file:///repo/impl/server/broker.ts' }, children: [4] },
      { id: 4, callFrame: { functionName: 'send', url: 'file:///repo/sim/network/sim-network.ts' } },
      { id: 5, callFrame: { functionName: 'check', url: 'file:///repo/sim/invariants/invariant-monitor.ts' } },
      { id: 6, callFrame: { functionName: '(garbage collector)', url: '' } },
      { id: 7, callFrame: { functionName: '(program)', url: '' } },
    ],
    startTime: 1000,
    // Samples at 1010, 1050, 1060, 1160, 1170, 1190; the profile ends at 1200.
    samples: [3, 3, 4, 5, 6, 7],
    timeDeltas: [10, 40, 10, 100, 10, 20],
    endTime: 1200,
  };

  it('weighs each sample by the time until the next one, and the last by the time until the end', () => {
    const shares = profileShares(profile, ROOT);
    expect(shares.micros).toEqual({ kafka: 50, simCore: 100, checkers: 10, gc: 20, other: 10 });
    expect(shares.totalMicros).toBe(190);
    expect(shares.samples).toBe(6);
    expect(shares.percent.simCore).toBe(52.6);
    expect(shares.percent.kafka).toBe(26.3);
  });

  it('rejects a sample that names a node the profile lacks', () => {
    expect(() => profileShares({ ...profile, samples: [3, 3, 4, 5, 6, 99] }, ROOT)).toThrow(/node 99/);
  });
});

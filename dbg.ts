import { AleaRandomStream } from './sim/random/random-stream.ts';
import { drawTopicConfigs, TOPIC_CONFIGS_STREAM } from './sim/kafka/topic-configs.ts';
import { kafkaSystem } from './sim/kafka/kafka-system.ts';
import { DEFAULT_SIMULATION_OPTIONS, Simulation } from './sim/run/simulation.ts';
import { DEFAULT_NETWORK_OPTIONS } from './sim/network/sim-network.ts';
const seed = Number(process.argv[2]); const at = Number(process.argv[3]); const part = process.argv[4]; const off = Number(process.argv[5]);
const config = { 'leader.imbalance.check.interval.seconds': '5', 'log.retention.check.interval.ms': '5000', 'min.insync.replicas': '2', 'replica.lag.time.max.ms': '10000' };
const topicConfigs = drawTopicConfigs(new AleaRandomStream(seed, TOPIC_CONFIGS_STREAM), 3, new Set());
const system = kafkaSystem({ brokers: 3, partitions: 3, replicationFactor: 3, producers: 2, consumers: 1, stopAtMs: 60000, config, variants: [], topicConfigs });
const sim = new Simulation({ ...DEFAULT_SIMULATION_OPTIONS, seed, durationMs: 60000, faults: { type: 'swarm' }, network: DEFAULT_NETWORK_OPTIONS, repro: '' }, { ...system, config: { ...config, ...topicConfigs }, variants: [] } as any);
sim.beginScenario();
for (const t of [at - 300, at - 100, at - 20, at - 1, at]) {
  sim.advanceTo(t);
  const view: any = sim.currentView();
  console.log('t=', t, 'controller', JSON.stringify(view.controller.partitions.find((p: any) => `${p.topicName}-${p.partitionId}` === part)));
  for (const b of view.brokers) {
    const r = b.replicas.find((x: any) => x.name === part);
    const d = r?.digest.filter((x: any) => x.lastOffset >= off - 3 && x.baseOffset <= off + 2);
    console.log(' broker', b.brokerId, b.status, 'inc', b.incarnation, r?.role, 'hw', r?.highWatermark, 'les', r?.logStartOffset, 'leo', r?.logEndOffset, JSON.stringify(d), 'damage', b.damage.length);
  }
}

import { ConfigView } from '../../../impl/config/config-view.ts';
import { elrEnabled } from '../../../impl/controller/eligible-leader-replicas.ts';
import { rulesForVariants, toVariantNames } from '../../../impl/variants/variant-registry.ts';
import type { InvariantDefinition } from '../../../sim/invariants/invariant.ts';
import type { KafkaClusterView } from '../../../sim/kafka/kafka-view.ts';

/**
 * `UncleanShutdownDetected`: the controller takes a broker's registration as following a clean
 * shutdown only when the broker's previous process really did finish a controlled shutdown.
 *
 * KIP-966 part 1 rests on this. A broker proves a clean shutdown by naming, in
 * `BrokerRegistrationRequest.PreviousBrokerEpoch`, the broker epoch it wrote into its
 * clean-shutdown marker (`CleanShutdownFileHandler`) as its last act; the controller
 * (`ClusterControlManager.registerBroker`) believes it when that epoch is the one it holds for the
 * broker, and otherwise calls `ReplicationControlManager.handleBrokerUncleanShutdown`, which takes
 * the broker out of every ISR and ELR because its log may have lost acknowledged records. A broker
 * taken as clean after a crash, a power loss, a failed exit or a replaced disk keeps its ISR and
 * ELR places and may be elected with a log that lacks committed records.
 *
 * The claim judges the real world, not the broker's belief: the host's record of how the broker's
 * previous process ended (`BrokerView.lastStop`). It judges a registration only while the
 * incarnation that made it runs with the epoch it was given, so that the controller's decision is
 * compared with the end of the process before that very incarnation (the controller may still hold
 * the registration of an earlier incarnation, and the broker may be down).
 */
export function uncleanShutdownDetected(): InvariantDefinition<KafkaClusterView> {
  return {
    name: 'UncleanShutdownDetected',
    kind: 'always',
    source: 'KIP-966 (BrokerRegistrationRequest PreviousBrokerEpoch, ClusterControlManager.registerBroker, ReplicationControlManager.handleBrokerUncleanShutdown)',
    statement: 'Whenever a broker loads its logs as cleanly shut down, or the controller accepts its registration as following a clean shutdown, that broker\'s previous process really ended by completing a controlled shutdown, not by a crash, a power loss, a failed exit or a replaced disk.',
    // Without ELR (the pre-kip-966 variant, or the eligible.leader.replicas.version feature off)
    // the controller does not act on the proof: every restarted broker leaves its ISRs alike.
    applicability(context) {
      if (!elrEnabled(new ConfigView(context.config), rulesForVariants(toVariantNames(context.variants)))) {
        return { applies: false, reason: 'eligible leader replicas are off (KIP-966 part 1 not in force): the controller does not act on clean-shutdown proofs' };
      }
      return { applies: true };
    },
    checker: {
      type: 'state',
      check(view) {
        // The broker's own conclusion: a running process that found the clean-shutdown marker
        // loads its logs as cleanly shut down (no recovery) and names the marker's epoch at
        // registration. The marker exists only if the process before it completed a controlled
        // shutdown (it is written as that process's last act and deleted when the next starts).
        for (const broker of view.brokers) {
          if (broker.status !== 'running' || broker.loadedAsClean !== true || broker.lastStop === 'clean-exit') continue;
          const message = `broker ${broker.brokerId} (incarnation ${broker.incarnation}) loaded its logs as after a clean shutdown, but ${broker.lastStop === 'none' ? 'it had no previous process' : `its previous process ended by ${broker.lastStop}`}`;
          return { message, subject: { nodes: [`broker-${broker.brokerId}`] } };
        }
        for (const decision of view.controller?.registrationShutdowns ?? []) {
          if (!decision.cleanShutdown) continue;
          const broker = view.brokers.find((candidate) => candidate.brokerId === decision.brokerId);
          // Judged only while the registering incarnation runs with the epoch it was given.
          if (broker === undefined || broker.status !== 'running' || broker.brokerEpoch !== decision.brokerEpoch) continue;
          if (broker.lastStop === 'clean-exit') continue;
          const message = `broker ${decision.brokerId} (incarnation ${broker.incarnation}, broker epoch ${decision.brokerEpoch}) was registered as after a clean shutdown (PreviousBrokerEpoch ${decision.previousBrokerEpoch}), but ${broker.lastStop === 'none' ? 'it had no previous process' : `its previous process ended by ${broker.lastStop}`}`;
          return { message, subject: { nodes: [`broker-${decision.brokerId}`] } };
        }
        return undefined;
      },
    },
  };
}

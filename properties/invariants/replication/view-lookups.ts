import type { BrokerRegistration } from '../../../impl/controller/controller-state.ts';
import type { BrokerView, KafkaClusterView, ReplicaView } from '../../../sim/kafka/kafka-view.ts';

/**
 * Lookups the replication claims make many times per check, shared so that each costs what it
 * finds, not a map built per check (issue 12). A check follows the change of one broker view in
 * most views, so a map of the brokers by id, rebuilt whenever any broker view is new, was built
 * once per check per claim; the brokers are few, and a scan of them allocates nothing.
 */

/** The view of broker `brokerId`, if the view shows one. */
export function brokerById(brokers: readonly BrokerView[], brokerId: number): BrokerView | undefined {
  // Broker views are listed in broker id order from 0 (`kafkaView`): its slot is tried first.
  const slot = brokers[brokerId];
  if (slot !== undefined && slot.brokerId === brokerId) return slot;
  for (const broker of brokers) if (broker.brokerId === brokerId) return broker;
  return undefined;
}

/**
 * Each broker view's replicas by name. A broker view is never changed after it is built, and the
 * view builder shows the same object again while nothing in the broker moved, so the map is kept
 * per broker view, across views: a check after one broker's replica moved builds one map, not one
 * per broker.
 */
const BY_NAME = new WeakMap<BrokerView, Map<string, ReplicaView>>();

/** The broker's replica of `name`, if it hosts one. */
export function replicaOn(broker: BrokerView, name: string): ReplicaView | undefined {
  let replicas = BY_NAME.get(broker);
  if (replicas === undefined) {
    replicas = new Map();
    for (const replica of broker.replicas) replicas.set(replica.name, replica);
    BY_NAME.set(broker, replicas);
  }
  return replicas.get(name);
}

/** The controller's broker registrations by id, kept while its array (replaced, never changed in place) is the same. */
let lastRegistrations: readonly BrokerRegistration[] | undefined;
let lastById: ReadonlyMap<number, BrokerRegistration> = new Map();

export function registrationsById(view: KafkaClusterView): ReadonlyMap<number, BrokerRegistration> {
  const registrations = view.controller?.brokers ?? [];
  if (registrations !== lastRegistrations) {
    lastRegistrations = registrations;
    lastById = new Map(registrations.map((registration) => [registration.brokerId, registration]));
  }
  return lastById;
}

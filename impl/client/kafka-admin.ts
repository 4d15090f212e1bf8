import { assertNever } from '../common/assert.ts';
import type { NodeEffect, NodeEnvironment, NodeInput, SimulatedNode } from '../env/node-environment.ts';
import { ControllerNodeProvider } from '../common/controller-node-provider.ts';
import { controllerNodeId, type CreatableTopic, type KafkaMessage } from '../protocol/messages.ts';

const RETRY_MS = 250;

/**
 * The workload's admin client: creates the run's topics at startup (Kafka's `Admin.createTopics`,
 * sent straight to the controller as a forwarded request would reach it) and retries until the
 * controller answers for every topic. It records what it did as marks and history.
 */
export class KafkaAdmin implements SimulatedNode<KafkaMessage> {
  readonly kind = 'admin';
  private pending: CreatableTopic[];
  private correlationId = 0;
  readonly results = new Map<string, string>();
  private readonly controllers: ControllerNodeProvider;
  /** The controller the request in flight went to, until it is answered. */
  private askedController: number | undefined;

  constructor(
    private readonly environment: NodeEnvironment,
    controllerQuorumVoters: readonly number[],
    topics: readonly CreatableTopic[],
  ) {
    this.pending = [...topics];
    this.controllers = new ControllerNodeProvider(controllerQuorumVoters);
  }

  get done(): boolean {
    return this.pending.length === 0;
  }

  handle(input: NodeInput<KafkaMessage>): readonly NodeEffect<KafkaMessage>[] {
    switch (input.type) {
      case 'start':
        return [{ type: 'set-timer', name: 'create', delayMs: RETRY_MS }];
      case 'timer':
        return this.create();
      case 'receive': {
        const message = input.message;
        if (message.type !== 'CreateTopicsResponse' || message.correlationId !== this.correlationId) return [];
        const effects: NodeEffect<KafkaMessage>[] = [];
        if (message.topics.some((topic) => topic.error === 'NOT_CONTROLLER') && this.askedController !== undefined) this.controllers.failed(this.askedController);
        this.askedController = undefined;
        for (const topic of message.topics) {
          if (topic.error === 'NONE' || topic.error === 'TOPIC_ALREADY_EXISTS') {
            this.results.set(topic.name, topic.error);
            this.pending = this.pending.filter((candidate) => candidate.name !== topic.name);
          }
        }
        return effects;
      }
      case 'disconnected':
      case 'signal':
      case 'application-stall':
        return [];
      default:
        return assertNever(input, 'admin input');
    }
  }

  private create(): NodeEffect<KafkaMessage>[] {
    if (this.pending.length === 0) return [];
    // Unanswered since the last try: that controller may be down or cut off; ask the next one.
    if (this.askedController !== undefined) this.controllers.failed(this.askedController);
    this.correlationId = this.environment.clock.nowMs() * 1000 + 1;
    this.askedController = this.controllers.target;
    return [
      { type: 'send', to: controllerNodeId(this.askedController), message: { type: 'CreateTopicsRequest', correlationId: this.correlationId, topics: this.pending } },
      { type: 'set-timer', name: 'create', delayMs: RETRY_MS },
    ];
  }
}

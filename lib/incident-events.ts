import { Duration, Stack } from 'aws-cdk-lib';
import type { IEventBus, Archive } from 'aws-cdk-lib/aws-events';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { SubscriptionFilter } from 'aws-cdk-lib/aws-sns';
import { LambdaSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENTBRIDGE_FORWARDER_ENV } from '../lambdas/commons/env';
import { INCIDENT_DETAIL_TYPES, INCIDENT_EVENT_SOURCE } from '../lambdas/core/export/incident-event';
import { deadLetterQueue } from './dead-letter-queue';
import { NodeFunction } from './node-function';

export interface IncidentEventsProps {
  /** The alerts topic: its incident alerts become events. */
  readonly topic: ITopic;
  /** Put the events on this existing bus (a name, in this stack's account and region). @default - a new bus, `<stack name>-incidents`, with an archive */
  readonly existingEventBusName?: string;
  /** How long the archive of a created bus keeps events (replay). @default 90 */
  readonly archiveRetentionDays?: number;
  /** Encrypts the dead-letter queue. */
  readonly encryptionKey: IKey;
  readonly logRetentionDays: number;
}

/**
 * One EventBridge event per incident change (docs/integrations.md): a forwarder subscribed to the
 * alerts topic (incident alerts only, by the `kind` attribute) puts each on a custom bus, allowed
 * `events:PutEvents` on that bus alone. SNS invokes it asynchronously: Lambda retries a refused
 * put twice, then the event waits in the dead-letter queue. A bus this construct creates gets an
 * archive of the analyzer's events (a few KB per incident change: cents a year), so a rule added
 * later can be replayed over past incidents.
 */
export class IncidentEvents extends Construct {
  public readonly eventBus: IEventBus;
  public readonly archive?: Archive;
  public readonly function: NodeFunction<typeof EVENTBRIDGE_FORWARDER_ENV>;
  public readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: IncidentEventsProps) {
    super(scope, id);
    if (props.existingEventBusName !== undefined) {
      this.eventBus = EventBus.fromEventBusName(this, 'Bus', props.existingEventBusName);
    } else {
      const bus = new EventBus(this, 'Bus', { eventBusName: `${Stack.of(this).stackName}-incidents`, description: 'k8s-audit-analyzer incident events' });
      this.eventBus = bus;
      this.archive = bus.archive('Archive', {
        description: 'k8s-audit-analyzer incident events, for replay',
        eventPattern: { source: [INCIDENT_EVENT_SOURCE] },
        retention: Duration.days(props.archiveRetentionDays ?? 90),
      });
    }
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetters', props.encryptionKey);
    this.function = new NodeFunction(this, 'Forwarder', {
      entry: 'lambdas/eventbridge-forwarder/handler.ts',
      description: 'k8s-audit-analyzer: puts incident alerts on EventBridge',
      memorySize: 256,
      timeout: Duration.seconds(30),
      logRetentionDays: props.logRetentionDays,
      deadLetterQueue: this.deadLetterQueue,
      contract: EVENTBRIDGE_FORWARDER_ENV,
    });
    this.function.bind(
      'EVENT_BUS_NAME',
      this.eventBus.eventBusName,
      new PolicyStatement({ sid: 'PutIncidentEvents', actions: ['events:PutEvents'], resources: [this.eventBus.eventBusArn] }),
    );
    // The dead-letter queue is encrypted with the pipeline key: Lambda sends to it as this role.
    this.function.role.addToPrincipalPolicy(
      new PolicyStatement({ sid: 'DeadLettersKey', actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [props.encryptionKey.keyArn] }),
    );
    props.topic.addSubscription(
      new LambdaSubscription(this.function.fn, {
        filterPolicy: { kind: SubscriptionFilter.stringFilter({ allowlist: Object.keys(INCIDENT_DETAIL_TYPES) }) },
      }),
    );
  }
}

import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { DeploySeverity } from './deploy-settings';
import { severityFilterPolicy } from './severity-filter';

export interface AlertsTopicProps {
  readonly displayName: string;
  readonly masterKey: IKey;
  readonly emails?: readonly string[];
  /** Applied to the email subscriptions; omit for a topic that takes every message (the ops topic). */
  readonly emailMinSeverity?: DeploySeverity;
}

/** An SNS topic encrypted with the pipeline's key, TLS only, with its email subscriptions. */
export class AlertsTopic extends Construct {
  public readonly topic: Topic;

  constructor(scope: Construct, id: string, props: AlertsTopicProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', { displayName: props.displayName, masterKey: props.masterKey, enforceSSL: true });
    for (const email of props.emails ?? []) {
      this.topic.addSubscription(new EmailSubscription(email, props.emailMinSeverity ? { filterPolicy: severityFilterPolicy(props.emailMinSeverity) } : {}));
    }
  }
}

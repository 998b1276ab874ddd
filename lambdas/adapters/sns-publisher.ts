import type { SNSClient } from '@aws-sdk/client-sns';
import { PublishCommand } from '@aws-sdk/client-sns';
import type { AlertMessage } from '../core/alert/sns-message';
import type { Publisher } from '../core/ports';

/** Publishes alerts to one SNS topic. Any error (throttling, KMS, 5xx after the SDK's retries) propagates. */
export class SnsPublisher implements Publisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(alert: AlertMessage): Promise<void> {
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: alert.Subject,
        Message: alert.Message,
        MessageStructure: alert.MessageStructure,
        MessageAttributes: alert.MessageAttributes,
      }),
    );
  }
}

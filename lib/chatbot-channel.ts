import { SlackChannelConfiguration } from 'aws-cdk-lib/aws-chatbot';
import { ManagedPolicy } from 'aws-cdk-lib/aws-iam';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

export interface ChatbotChannelProps {
  readonly slackWorkspaceId: string;
  readonly slackChannelId: string;
  readonly topics: readonly ITopic[];
}

/**
 * An Amazon Q Developer in chat applications (AWS Chatbot) Slack channel for the topics: an
 * alternative to the webhook notifier for teams that already use it. Notifications only: the
 * channel's guardrail denies every action, so nobody can run AWS commands from Slack through it.
 */
export class ChatbotChannel extends Construct {
  public readonly channel: SlackChannelConfiguration;

  constructor(scope: Construct, id: string, props: ChatbotChannelProps) {
    super(scope, id);
    this.channel = new SlackChannelConfiguration(this, 'Channel', {
      slackChannelConfigurationName: `k8s-audit-analyzer-${props.slackChannelId}`.slice(0, 128),
      slackWorkspaceId: props.slackWorkspaceId,
      slackChannelId: props.slackChannelId,
      notificationTopics: [...props.topics],
      guardrailPolicies: [ManagedPolicy.fromAwsManagedPolicyName('AWSDenyAll')],
    });
  }
}

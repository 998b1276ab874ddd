import { DEPLOY_CONTEXT_KEYS, parseDeploySettings } from '../../lib/deploy-settings';

describe('deploy settings from CDK context', () => {
  it('has sane defaults', () => {
    expect(parseDeploySettings({})).toEqual({
      stackName: 'K8sAuditAnalyzer',
      acceptResponsibilityForImportedBucket: false,
      logPrefixes: [],
      alertEmails: [],
      emailMinSeverity: 'medium',
      slackMinSeverity: 'medium',
      alertCooldownMinutes: 60,
      analyzerMemoryMb: 1024,
      analyzerTimeoutSeconds: 180,
      analyzerMaxConcurrency: 10,
      findingsRetentionDays: 400,
      logRetentionDays: 365,
      reportSchedule: 'weekly',
      reportLinkTtlHours: 12,
      reportClusters: [],
      silenceMinutes: 30,
      watchedClusters: [],
      eksClusters: [],
      eksIngestionMode: 'extract',
      eksBufferSeconds: 60,
    });
  });

  it('takes `-c key=value` strings and JSON values alike', () => {
    const fromCli = parseDeploySettings({
      alertEmails: 'a@example.com, b@example.com',
      alertCooldownMinutes: '0',
      acceptResponsibilityForImportedBucket: 'true',
      existingLogBucketName: 'logs',
    });
    const fromJson = parseDeploySettings({
      alertEmails: ['a@example.com', 'b@example.com'],
      alertCooldownMinutes: 0,
      acceptResponsibilityForImportedBucket: true,
      existingLogBucketName: 'logs',
    });
    expect(fromCli).toEqual(fromJson);
    expect(fromCli.alertEmails).toEqual(['a@example.com', 'b@example.com']);
    expect(fromCli.alertCooldownMinutes).toBe(0);
  });

  it('names every bad key at once', () => {
    let message = '';
    try {
      parseDeploySettings({
        alertEmails: 'not-an-email',
        slackMinSeverity: 'urgent',
        analyzerTimeoutSeconds: '5000',
        chatbotSlackWorkspaceId: 'T1',
        slackWebhookSecretArn: 'https://hooks.slack.com/services/x',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/-c alertEmails\.0: not an email address/);
    expect(message).toMatch(/-c slackMinSeverity/);
    expect(message).toMatch(/-c analyzerTimeoutSeconds/);
    expect(message).toMatch(/-c slackWebhookSecretArn: a Secrets Manager secret ARN/);
    expect(message).not.toMatch(/hooks\.slack\.com/);
  });

  it('checks the chatbot keys after the others are valid too', () => {
    expect(() => parseDeploySettings({ chatbotSlackWorkspaceId: 'T1' })).toThrow(/chatbotSlackWorkspaceId and chatbotSlackChannelId go together/);
  });

  it('ignores context that is not its own', () => {
    expect(parseDeploySettings({ '@aws-cdk/core:checkSecretUsage': true, 'aws:cdk:bundling-stacks': [] })).toEqual(parseDeploySettings({}));
    expect(DEPLOY_CONTEXT_KEYS).toContain('slackWebhookSecretArn');
  });
});

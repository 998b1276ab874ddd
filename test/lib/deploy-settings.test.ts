import { DEPLOY_CONTEXT_KEYS, DeploySettingsError, closestKey, parseDeployContext, parseDeploySettings } from '../../lib/deploy-settings';

describe('deploy settings from CDK context', () => {
  it('has sane defaults', () => {
    expect(parseDeploySettings({})).toEqual({
      stackName: 'K8sAuditAnalyzer',
      acceptResponsibilityForImportedBucket: false,
      logPrefixes: [],
      alertEmails: [],
      emailMinSeverity: 'medium',
      slackMinSeverity: 'medium',
      eventBus: false,
      alertCooldownMinutes: 60,
      incidentSummary: false,
      analyzerMemoryMb: 1024,
      analyzerTimeoutSeconds: 180,
      analyzerMaxConcurrency: 10,
      findingsRetentionDays: 400,
      forwarderAccounts: [],
      logRetentionDays: 365,
      reportSchedule: 'weekly',
      reportLinkTtlHours: 12,
      reportClusters: [],
      securityHub: false,
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

  it('takes a rules documentation URL only as https, without a fragment', () => {
    expect(parseDeploySettings({ rulesDocUrl: 'https://github.com/acme/k8s-audit-analyzer/blob/main/docs/rules.md' }).rulesDocUrl).toBe(
      'https://github.com/acme/k8s-audit-analyzer/blob/main/docs/rules.md',
    );
    for (const bad of ['http://intranet/docs/rules.md', 'https://x/docs/rules.md#exec', 'docs/rules.md', 'javascript:alert(1)'])
      expect(() => parseDeploySettings({ rulesDocUrl: bad })).toThrow(/-c rulesDocUrl: an https:\/\/ URL/);
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

describe('the whole context, as bin/app.ts checks it', () => {
  const messageOf = (context: Record<string, unknown>): string => {
    try {
      parseDeployContext(context);
    } catch (error) {
      expect(error).toBeInstanceOf(DeploySettingsError);
      return (error as Error).message;
    }
    throw new Error('parseDeployContext accepted the context');
  };
  // What `cdk synth` hands the app besides the user's keys (cdk.json, cdk.context.json, the CLI).
  const CDK_CONTEXT = {
    '@aws-cdk/core:checkSecretUsage': true,
    'aws:cdk:bundling-stacks': ['**'],
    'aws:cdk:enable-path-metadata': true,
    'availability-zones:account=123456789012:region=eu-west-1': ['eu-west-1a'],
    'acknowledged-issue-numbers': [32775],
    'cli-telemetry': false,
  };

  it("takes any one destination, with CDK's own keys beside it", () => {
    expect(parseDeployContext({ ...CDK_CONTEXT, alertEmails: 'secops@example.com' }).alertEmails).toEqual(['secops@example.com']);
    expect(parseDeployContext({ slackWebhookSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack-AbCdEf' }).slackWebhookSecretArn).toMatch(
      /^arn:/,
    );
    expect(parseDeployContext({ chatbotSlackWorkspaceId: 'T1', chatbotSlackChannelId: 'C1' }).chatbotSlackChannelId).toBe('C1');
  });

  it('refuses a deploy that alerts nobody, saying what to add', () => {
    const message = messageOf(CDK_CONTEXT);
    expect(message).toMatch(/no alert destination/);
    expect(message).toMatch(/-c alertEmails=/);
    expect(message).toMatch(/-c slackWebhookSecretArn=/);
    expect(message).toMatch(/-c chatbotSlackWorkspaceId=.* -c chatbotSlackChannelId=/);
    expect(message).toMatch(/-c noAlertDestination=acknowledged/);
    // Email to the ops topic only is not an alert destination.
    expect(messageOf({ opsEmails: 'platform@example.com' })).toMatch(/no alert destination/);
  });

  it('deploys with no destination when acknowledged in those words, and only those', () => {
    expect(parseDeployContext({ noAlertDestination: 'acknowledged' }).alertEmails).toEqual([]);
    const message = messageOf({ noAlertDestination: 'true' });
    expect(message).toMatch(/-c noAlertDestination: the only value is `acknowledged`/);
  });

  it('refuses a key it does not know, with the nearest it does', () => {
    const message = messageOf({ ...CDK_CONTEXT, alertEmail: 'secops@example.com', slackminseverity: 'high', region: 'eu-west-1' });
    expect(message).toMatch(/-c alertEmail: not a context key of this app; did you mean alertEmails\?/);
    expect(message).toMatch(/-c slackminseverity: not a context key of this app; did you mean slackMinSeverity\?/);
    expect(message).toMatch(/-c region: not a context key of this app \(all keys/);
    expect(message).not.toMatch(/@aws-cdk|aws:cdk|availability-zones|acknowledged-issue|cli-telemetry/);
    // Named together with the other problems, not one run at a time.
    expect(message).toMatch(/no alert destination/);
  });

  it('names bad values and unknown keys at once', () => {
    const message = messageOf({ alertEmails: 'secops', analyzerConfigFil: 'x.yaml' });
    expect(message).toMatch(/-c analyzerConfigFil: .*did you mean analyzerConfigFile\?/);
    expect(message).toMatch(/-c alertEmails\.0: not an email address/);
  });

  it('suggests a key only when it is near', () => {
    expect(closestKey('emailMinSeverty')).toBe('emailMinSeverity');
    expect(closestKey('stackname')).toBe('stackName');
    expect(closestKey('noAlertDestinations')).toBe('noAlertDestination');
    expect(closestKey('profile')).toBeUndefined();
  });
});

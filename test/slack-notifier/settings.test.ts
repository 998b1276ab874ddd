import { DEFAULT_ALERT_MINIMUM } from '../../lambdas/core/finding';
import { SlackNotifierSettingsError, slackNotifierSettingsFromEnv } from '../../lambdas/slack-notifier/settings';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack-webhook-AbCdEf';

describe('slack notifier settings from the environment', () => {
  it('needs the secret ARN; the minimum severity defaults to the default alert minimum', () => {
    expect(slackNotifierSettingsFromEnv({ SLACK_WEBHOOK_SECRET_ARN: SECRET_ARN })).toEqual({ webhookSecretId: SECRET_ARN, minSeverity: DEFAULT_ALERT_MINIMUM });
    expect(slackNotifierSettingsFromEnv({ SLACK_WEBHOOK_SECRET_ARN: SECRET_ARN, MIN_SEVERITY: 'critical' })).toEqual({
      webhookSecretId: SECRET_ARN,
      minSeverity: 'critical',
    });
  });

  it('treats empty variables as unset (CDK and consoles write empty strings)', () => {
    expect(slackNotifierSettingsFromEnv({ SLACK_WEBHOOK_SECRET_ARN: SECRET_ARN, MIN_SEVERITY: '' })).toEqual({
      webhookSecretId: SECRET_ARN,
      minSeverity: DEFAULT_ALERT_MINIMUM,
    });
    expect(() => slackNotifierSettingsFromEnv({ SLACK_WEBHOOK_SECRET_ARN: '  ' })).toThrow('SLACK_WEBHOOK_SECRET_ARN is required');
  });

  it('names every problem at once', () => {
    let error: unknown;
    try {
      slackNotifierSettingsFromEnv({ MIN_SEVERITY: 'severe' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SlackNotifierSettingsError);
    expect((error as SlackNotifierSettingsError).problems).toEqual([
      'SLACK_WEBHOOK_SECRET_ARN is required',
      'MIN_SEVERITY must be one of info, low, medium, high, critical',
    ]);
    expect((error as Error).message).toMatch(
      /^invalid slack-notifier environment:\n {2}- SLACK_WEBHOOK_SECRET_ARN is required\n {2}- MIN_SEVERITY must be one of/,
    );
  });
});

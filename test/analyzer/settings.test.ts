import { ConfigError } from '../../lambdas/core/config/schema';
import { DEFAULT_CONFIG } from '../../lambdas/core/detect/engine';
import { DEFAULT_ALERT_MINIMUM } from '../../lambdas/core/finding';
import { SettingsError, settingsFromEnv } from '../../lambdas/analyzer/settings';

const base = { FINDINGS_TABLE: 'findings', ALERTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:alerts' };

describe('analyzer settings from the environment', () => {
  it('needs only the table and the topic; everything else has a default', () => {
    expect(settingsFromEnv(base)).toEqual({
      findingsTable: 'findings',
      alertsTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts',
      minAlertSeverity: DEFAULT_ALERT_MINIMUM,
      alertCooldownMinutes: 60,
      findingsRetentionDays: 400,
      archivePrefix: 'alerts/',
      incidentWindowMinutes: 60,
      rulesDocUrl: 'docs/rules.md',
    });
  });

  it('treats empty variables as unset (CDK and consoles write empty strings)', () => {
    const s = settingsFromEnv({
      ...base,
      MIN_ALERT_SEVERITY: '',
      ALERT_COOLDOWN_MINUTES: '',
      FINDINGS_RETENTION_DAYS: '',
      ARCHIVE_BUCKET: '',
      ARCHIVE_PREFIX: '',
      ANALYZER_CONFIG: '',
    });
    expect(s).toEqual(settingsFromEnv(base));
  });

  it('reads every variable', () => {
    const s = settingsFromEnv({
      ...base,
      MIN_ALERT_SEVERITY: 'critical',
      ALERT_COOLDOWN_MINUTES: '15',
      FINDINGS_RETENTION_DAYS: '30',
      ARCHIVE_BUCKET: 'my-alert-archive',
      ARCHIVE_PREFIX: 'k8s/alerts/',
      ANALYZER_CONFIG: 'rules:\n  disabled: [exec]\n',
    });
    expect(s).toMatchObject({
      minAlertSeverity: 'critical',
      alertCooldownMinutes: 15,
      findingsRetentionDays: 30,
      archiveBucket: 'my-alert-archive',
      archivePrefix: 'k8s/alerts/',
    });
    expect(s.config?.disabled).toEqual(['exec']);
    expect(s.config?.settings).toEqual(DEFAULT_CONFIG.settings);
  });

  it('takes the cooldown from 0 (off) to 10080 minutes (7 days), whole numbers only', () => {
    expect(settingsFromEnv({ ...base, ALERT_COOLDOWN_MINUTES: '0' }).alertCooldownMinutes).toBe(0);
    expect(settingsFromEnv({ ...base, ALERT_COOLDOWN_MINUTES: '10080' }).alertCooldownMinutes).toBe(10080);
    for (const bad of ['10081', '-1', '1.5', '1e3', '0x10', 'sixty', '60m']) {
      expect(() => settingsFromEnv({ ...base, ALERT_COOLDOWN_MINUTES: bad })).toThrow(
        /ALERT_COOLDOWN_MINUTES must be a whole number of minutes \(0 switches the cooldown off\) from 0 to 10080/,
      );
    }
  });

  it('checks the retention, the severity, the bucket name and the prefix', () => {
    expect(() => settingsFromEnv({ ...base, FINDINGS_RETENTION_DAYS: '0' })).toThrow(/FINDINGS_RETENTION_DAYS must be a whole number of days from 1 to 3650/);
    expect(() => settingsFromEnv({ ...base, MIN_ALERT_SEVERITY: 'HIGH' })).toThrow(/MIN_ALERT_SEVERITY must be one of info, low, medium, high, critical/);
    expect(() => settingsFromEnv({ ...base, ARCHIVE_BUCKET: 'arn:aws:s3:::my-bucket' })).toThrow(/ARCHIVE_BUCKET must be a bucket name/);
    expect(() => settingsFromEnv({ ...base, ARCHIVE_BUCKET: 's3://my-bucket' })).toThrow(/ARCHIVE_BUCKET must be a bucket name/);
    expect(() => settingsFromEnv({ ...base, ARCHIVE_PREFIX: '/alerts/' })).toThrow(/ARCHIVE_PREFIX must not start with "\/"/);
  });

  it('names every problem at once, required variables included', () => {
    let error: unknown;
    try {
      settingsFromEnv({ ALERT_COOLDOWN_MINUTES: 'x', FINDINGS_RETENTION_DAYS: 'y' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    const { problems, message } = error as SettingsError;
    expect(problems).toEqual([
      'FINDINGS_TABLE is required',
      'ALERTS_TOPIC_ARN is required',
      expect.stringMatching(/^ALERT_COOLDOWN_MINUTES/),
      expect.stringMatching(/^FINDINGS_RETENTION_DAYS/),
    ]);
    expect(message).toMatch(/^invalid analyzer environment:\n {2}- FINDINGS_TABLE is required\n/);
  });

  it('rejects an invalid ANALYZER_CONFIG with the field paths, as the CLI does for --config', () => {
    const check = (text: string): ConfigError => {
      try {
        settingsFromEnv({ ...base, ANALYZER_CONFIG: text });
      } catch (error) {
        if (error instanceof ConfigError) return error;
        throw error;
      }
      throw new Error('expected a ConfigError');
    };
    expect(check('{"rules": {"disabled": ["no.such-rule"]}}').message).toMatch(
      /invalid configuration in ANALYZER_CONFIG:\n {2}- rules\.disabled\[0\]: unknown rule id or category "no\.such-rule"/,
    );
    expect(check('exceptions:\n  - rules: ["*"]\n    users: [ci]\n').problems).toEqual([
      'exceptions[0].reason: Invalid input: expected string, received undefined',
    ]);
    expect(check('rules: [unclosed').message).toMatch(/invalid configuration in ANALYZER_CONFIG/);
  });
});

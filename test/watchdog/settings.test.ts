import { settingsFromEnv, WatchdogSettingsError } from '../../lambdas/watchdog/settings';
import { ConfigError } from '../../lambdas/core/config/schema';
import { DEFAULT_CONFIG } from '../../lambdas/core/detect/engine';
import { reporterSettingsFromEnv } from '../../lambdas/reporter/settings';

const base = { FINDINGS_TABLE: 'findings', ALERTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:alerts' };

const problems = (env: Record<string, string>): string[] => {
  try {
    settingsFromEnv(env);
  } catch (error) {
    if (error instanceof WatchdogSettingsError) return error.problems;
    throw error;
  }
  return [];
};

describe('watchdog settings from the environment', () => {
  it('needs only the table and the topic; everything else has a default', () => {
    expect(settingsFromEnv(base)).toEqual({
      findingsTable: 'findings',
      alertsTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts',
      silenceMinutes: 30,
      watchedClusters: [],
      findingsRetentionDays: 400,
      config: DEFAULT_CONFIG,
      incidentWindowMinutes: 60,
      incidentSummary: false,
      rulesDocUrl: 'docs/rules.md',
    });
  });

  it('treats empty variables as unset (CDK and consoles write empty strings)', () => {
    expect(settingsFromEnv({ ...base, SILENCE_MINUTES: '', WATCHED_CLUSTERS: '', FINDINGS_RETENTION_DAYS: '' })).toEqual(settingsFromEnv(base));
  });

  it('reads every variable; the watched clusters trimmed, without empties or repeats', () => {
    expect(
      settingsFromEnv({ ...base, SILENCE_MINUTES: '45', WATCHED_CLUSTERS: ' prod-eu, staging ,,prod-eu,eks_dev-2', FINDINGS_RETENTION_DAYS: '90' }),
    ).toEqual({
      findingsTable: 'findings',
      alertsTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts',
      silenceMinutes: 45,
      watchedClusters: ['prod-eu', 'staging', 'eks_dev-2'],
      findingsRetentionDays: 90,
      config: DEFAULT_CONFIG,
      incidentWindowMinutes: 60,
      incidentSummary: false,
      rulesDocUrl: 'docs/rules.md',
    });
  });

  it('takes the silence from 5 minutes (the schedule) to 10080 (7 days), whole numbers only', () => {
    expect(settingsFromEnv({ ...base, SILENCE_MINUTES: '5' }).silenceMinutes).toBe(5);
    expect(settingsFromEnv({ ...base, SILENCE_MINUTES: '10080' }).silenceMinutes).toBe(10_080);
    for (const bad of ['4', '10081', '0', '-5', '1e2', '30.5', 'thirty', ' ']) {
      expect(problems({ ...base, SILENCE_MINUTES: bad })).toEqual(['SILENCE_MINUTES must be a whole number of minutes from 5 to 10080']);
    }
  });

  it('refuses cluster names with spaces or slashes, and names every problem at once', () => {
    expect(problems({ ...base, WATCHED_CLUSTERS: 'prod eu' })).toEqual([expect.stringContaining('WATCHED_CLUSTERS must be cluster names')]);
    expect(problems({ ...base, WATCHED_CLUSTERS: 'clusters/prod' })).toHaveLength(1);
    expect(problems({ SILENCE_MINUTES: '1', FINDINGS_RETENTION_DAYS: '0' })).toEqual([
      'FINDINGS_TABLE is required',
      'ALERTS_TOPIC_ARN is required',
      'SILENCE_MINUTES must be a whole number of minutes from 5 to 10080',
      'FINDINGS_RETENTION_DAYS must be a whole number of days from 1 to 3650',
    ]);
    expect(() => settingsFromEnv({})).toThrow(/invalid watchdog environment:\n {2}- FINDINGS_TABLE is required/);
  });

  it('reads ANALYZER_CONFIG exactly as the reporter does, so the watchdog applies the same configuration', () => {
    const text =
      'rules:\n  disabled: [audit-tampering.log-silence]\n  severity: { audit-tampering.eks-audit-logging-disabled: medium }\nexceptions:\n  - rules: ["*"]\n    users: [ci]\n    reason: the CI cluster is torn down nightly\n';
    const watchdog = settingsFromEnv({ ...base, ANALYZER_CONFIG: text }).config;
    expect(watchdog.disabled).toEqual(['audit-tampering.log-silence']);
    expect(watchdog.severity).toEqual({ 'audit-tampering.eks-audit-logging-disabled': 'medium' });
    expect(watchdog.exceptions).toEqual([{ rules: ['*'], users: ['ci'], reason: 'the CI cluster is torn down nightly' }]);
    expect(watchdog).toEqual(reporterSettingsFromEnv({ ...base, REPORTS_BUCKET: 'artifacts', ANALYZER_CONFIG: text }).config);
    expect(settingsFromEnv({ ...base, ANALYZER_CONFIG: '' }).config).toEqual(DEFAULT_CONFIG);
  });

  it('rejects an invalid ANALYZER_CONFIG with the field paths', () => {
    expect(() => settingsFromEnv({ ...base, ANALYZER_CONFIG: 'rules:\n  disabled: [no.such-rule]\n' })).toThrow(ConfigError);
    expect(() => settingsFromEnv({ ...base, ANALYZER_CONFIG: 'rules:\n  disabled: [no.such-rule]\n' })).toThrow(
      /rules\.disabled\[0\]: unknown rule id or category "no\.such-rule"/,
    );
  });

  it('reads the incident window the analyzer has and the summary switch, refusing anything but true or false', () => {
    expect(settingsFromEnv({ ...base, INCIDENT_WINDOW_MINUTES: '0', INCIDENT_SUMMARY: 'true' })).toMatchObject({
      incidentWindowMinutes: 0,
      incidentSummary: true,
    });
    expect(settingsFromEnv({ ...base, INCIDENT_SUMMARY: 'false' }).incidentSummary).toBe(false);
    expect(problems({ ...base, INCIDENT_SUMMARY: 'yes' })).toEqual(['INCIDENT_SUMMARY must be true or false']);
  });
});

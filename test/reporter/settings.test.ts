import { ConfigError } from '../../lambdas/core/config/schema';
import { ReporterSettingsError, reporterSettingsFromEnv } from '../../lambdas/reporter/settings';

const base = { FINDINGS_TABLE: 'findings', REPORTS_BUCKET: 'my-artifacts', ALERTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:alerts' };

describe('reporter settings from the environment', () => {
  it('needs the table, the bucket and the topic; everything else has a default', () => {
    expect(reporterSettingsFromEnv(base)).toEqual({
      findingsTable: 'findings',
      reportsBucket: 'my-artifacts',
      reportsPrefix: 'reports/',
      alertsTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts',
      cadence: 'weekly',
      linkTtlHours: 24,
      clusters: [],
    });
  });

  it('treats empty variables as unset (CDK and consoles write empty strings)', () => {
    const empty = { REPORTS_PREFIX: '', REPORT_CADENCE: '', REPORT_LINK_TTL_HOURS: '', REPORT_CLUSTERS: '', ANALYZER_CONFIG: '' };
    expect(reporterSettingsFromEnv({ ...base, ...empty })).toEqual(reporterSettingsFromEnv(base));
  });

  it('reads every variable', () => {
    const s = reporterSettingsFromEnv({
      ...base,
      REPORTS_PREFIX: 'k8s/reports/',
      REPORT_CADENCE: 'Daily',
      REPORT_LINK_TTL_HOURS: '168',
      REPORT_CLUSTERS: ' prod-eu, staging ,,prod-eu',
      ANALYZER_CONFIG: 'rules:\n  disabled: [exec]\n',
    });
    expect(s).toMatchObject({ reportsPrefix: 'k8s/reports/', cadence: 'daily', linkTtlHours: 168, clusters: ['prod-eu', 'staging'] });
    expect(s.config?.disabled).toEqual(['exec']);
  });

  it('names every problem at once', () => {
    let error: unknown;
    try {
      reporterSettingsFromEnv({
        REPORTS_BUCKET: 's3://my-artifacts',
        REPORT_CADENCE: 'monthly',
        REPORT_LINK_TTL_HOURS: '169',
        REPORTS_PREFIX: '/reports/',
        REPORT_CLUSTERS: 'a b',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ReporterSettingsError);
    expect((error as ReporterSettingsError).problems).toEqual([
      'FINDINGS_TABLE is required',
      'REPORTS_BUCKET must be a bucket name (not an ARN or s3:// URI)',
      'REPORTS_PREFIX must not start with "/" (S3 keys have no leading slash)',
      'ALERTS_TOPIC_ARN is required',
      'REPORT_CADENCE must be weekly or daily',
      'REPORT_LINK_TTL_HOURS must be a whole number of hours from 1 to 168',
      'REPORT_CLUSTERS must be cluster names separated by commas (no spaces or "#" in a name)',
    ]);
    for (const bad of ['0', '1.5', '1e2', 'day'])
      expect(() => reporterSettingsFromEnv({ ...base, REPORT_LINK_TTL_HOURS: bad })).toThrow(/REPORT_LINK_TTL_HOURS/);
  });

  it('checks ANALYZER_CONFIG as the analyzer does', () => {
    expect(() => reporterSettingsFromEnv({ ...base, ANALYZER_CONFIG: 'rules:\n  disabled: [no.such-rule]\n' })).toThrow(ConfigError);
  });
});

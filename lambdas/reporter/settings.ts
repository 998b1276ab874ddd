import { configFromEnvironment } from '../commons/analyzer-config';
import { parseEnvironment, REPORTER_ENV } from '../commons/env';
import type { ReportCadence } from '../core/compliance/types';
import type { Config } from '../core/config/types';

export { DEFAULT_LINK_TTL_HOURS, DEFAULT_REPORTS_PREFIX, MAX_LINK_TTL_HOURS } from '../commons/env';

/** The reporter's settings, read once per execution environment from its environment variables (REPORTER_ENV). */
export interface ReporterSettings {
  /** `FINDINGS_TABLE` (required): the analyzer's table (findings, coverage, the cluster registry). */
  findingsTable: string;
  /** `REPORTS_BUCKET` (required): where the HTML, CSV and JSON reports are written. */
  reportsBucket: string;
  /** `REPORTS_PREFIX` (default `reports/`): key prefix in the reports bucket. */
  reportsPrefix: string;
  /** `ALERTS_TOPIC_ARN` (required): where the summary is published. */
  alertsTopicArn: string;
  /** `REPORT_CADENCE` (`weekly`, the default, or `daily`): the period each run reports on. */
  cadence: ReportCadence;
  /** `REPORT_LINK_TTL_HOURS` (default 24, 1 to 168): how long the pre-signed link to the HTML report is valid at most. */
  linkTtlHours: number;
  /** `REPORT_CLUSTERS` (optional, comma-separated): clusters reported on besides those in the registry. */
  clusters: string[];
  /** `ANALYZER_CONFIG` (optional): the analyzer's config, so switched-off rules show as not assessed. */
  config?: Config;
}

export class ReporterSettingsError extends Error {
  override readonly name = 'ReporterSettingsError';
  constructor(readonly problems: string[]) {
    super(`invalid reporter environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Reads and checks every variable at once, so a bad deployment names all its problems together:
 * a `ReporterSettingsError` for the variables, a `ConfigError` (with field paths) for `ANALYZER_CONFIG`.
 */
export function reporterSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): ReporterSettings {
  const result = parseEnvironment(REPORTER_ENV, env);
  if (!result.ok) throw new ReporterSettingsError(result.problems);
  const e = result.value;
  const config = configFromEnvironment(e.ANALYZER_CONFIG, (message) => new ReporterSettingsError([message]));
  return {
    findingsTable: e.FINDINGS_TABLE,
    reportsBucket: e.REPORTS_BUCKET,
    reportsPrefix: e.REPORTS_PREFIX,
    alertsTopicArn: e.ALERTS_TOPIC_ARN,
    cadence: e.REPORT_CADENCE,
    linkTtlHours: e.REPORT_LINK_TTL_HOURS,
    clusters: e.REPORT_CLUSTERS,
    ...(config ? { config } : {}),
  };
}

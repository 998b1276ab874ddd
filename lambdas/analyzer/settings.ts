import { configFromEnvironment } from '../commons/analyzer-config';
import { ANALYZER_ENV, parseEnvironment } from '../commons/env';
import type { Config } from '../core/config/types';
import type { Severity } from '../core/finding';

// The defaults live with the contract (lambdas/commons/env.ts); the handler and the watchdog read them here.
export { DEFAULT_ARCHIVE_PREFIX, DEFAULT_COOLDOWN_MINUTES, DEFAULT_RETENTION_DAYS, MAX_COOLDOWN_MINUTES, MAX_RETENTION_DAYS } from '../commons/env';

/** The analyzer's settings, read once per execution environment from its environment variables (ANALYZER_ENV). */
export interface AnalyzerSettings {
  /** `FINDINGS_TABLE` (required): findings, detector state and alert cooldowns. */
  findingsTable: string;
  /** `ALERTS_TOPIC_ARN` (required). */
  alertsTopicArn: string;
  /** `MIN_ALERT_SEVERITY` (default `high`): findings below it are stored, not alerted. */
  minAlertSeverity: Severity;
  /** `ALERT_COOLDOWN_MINUTES` (default 60, `0` off): a finding group alerts once per window. */
  alertCooldownMinutes: number;
  /** `FINDINGS_RETENTION_DAYS` (default 400): stored findings expire this long after their event. */
  findingsRetentionDays: number;
  /** `ARCHIVE_BUCKET` (optional): where an alert too large for SNS keeps its full findings. */
  archiveBucket?: string;
  /** `ARCHIVE_PREFIX` (default `alerts/`): key prefix in the archive bucket. */
  archivePrefix: string;
  /** `ANALYZER_CONFIG` (optional): the CLI's `--config` file, YAML or JSON, as the variable's value. */
  config?: Config;
  /** `INCIDENT_WINDOW_MINUTES` (default 60, `0` off): a principal's findings join its incident within this many minutes of its last one. */
  incidentWindowMinutes: number;
  /** `RULES_DOC_URL` (default `docs/rules.md`): where alerts link each rule's documentation. */
  rulesDocUrl: string;
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  constructor(readonly problems: string[]) {
    super(`invalid analyzer environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Reads and checks every variable at once, so a cold start names all the problems together:
 * a `SettingsError` for the variables, a `ConfigError` (with field paths) for `ANALYZER_CONFIG`.
 */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): AnalyzerSettings {
  const result = parseEnvironment(ANALYZER_ENV, env);
  if (!result.ok) throw new SettingsError(result.problems);
  const e = result.value;
  const config = configFromEnvironment(e.ANALYZER_CONFIG, (message) => new SettingsError([message]));
  return {
    findingsTable: e.FINDINGS_TABLE,
    alertsTopicArn: e.ALERTS_TOPIC_ARN,
    minAlertSeverity: e.MIN_ALERT_SEVERITY,
    alertCooldownMinutes: e.ALERT_COOLDOWN_MINUTES,
    findingsRetentionDays: e.FINDINGS_RETENTION_DAYS,
    ...(e.ARCHIVE_BUCKET !== undefined ? { archiveBucket: e.ARCHIVE_BUCKET } : {}),
    archivePrefix: e.ARCHIVE_PREFIX,
    ...(config ? { config } : {}),
    incidentWindowMinutes: e.INCIDENT_WINDOW_MINUTES,
    rulesDocUrl: e.RULES_DOC_URL,
  };
}

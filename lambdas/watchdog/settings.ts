import { configFromEnvironment } from '../commons/analyzer-config';
import { parseEnvironment, WATCHDOG_ENV } from '../commons/env';
import { DEFAULT_CONFIG } from '../core/detect/engine';
import type { Config } from '../core/config/types';

export { DEFAULT_SILENCE_MINUTES, MAX_SILENCE_MINUTES, MIN_SILENCE_MINUTES } from '../commons/env';

/** The watchdog's settings, read once per execution environment from its environment variables (WATCHDOG_ENV). */
export interface WatchdogSettings {
  /** `FINDINGS_TABLE` (required): the analyzer's table (coverage, findings, the watchdog's state). */
  findingsTable: string;
  /** `ALERTS_TOPIC_ARN` (required). */
  alertsTopicArn: string;
  /** `SILENCE_MINUTES` (default 30, 5 to 10080): a cluster with no new object for longer is silent. */
  silenceMinutes: number;
  /** `WATCHED_CLUSTERS` (optional, comma-separated): clusters expected even if the analyzer never saw them. */
  watchedClusters: string[];
  /** `FINDINGS_RETENTION_DAYS` (default 400): the watchdog's findings expire this long after their time, as the analyzer's do. */
  findingsRetentionDays: number;
  /**
   * `ANALYZER_CONFIG` (optional): the analyzer's configuration, parsed as the analyzer and reporter
   * parse it, so switched-off rules, severity overrides and exceptions apply to the watchdog's
   * findings too. The defaults when unset.
   */
  config: Config;
  /** `INCIDENT_WINDOW_MINUTES` (default 60, `0`: no incidents to end): the analyzer's window; an incident idle longer (plus a grace) goes quiet. */
  incidentWindowMinutes: number;
  /** `INCIDENT_SUMMARY` (default false): publish a final summary when an alerted incident goes quiet. */
  incidentSummary: boolean;
  /** `RULES_DOC_URL` (default `docs/rules.md`): where the summary links each rule's documentation, as the analyzer's alerts do. */
  rulesDocUrl: string;
}

export class WatchdogSettingsError extends Error {
  override readonly name = 'WatchdogSettingsError';
  constructor(readonly problems: string[]) {
    super(`invalid watchdog environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Reads and checks every variable at once, so a cold start names all the problems together:
 * a `WatchdogSettingsError` for the variables, a `ConfigError` (with field paths) for `ANALYZER_CONFIG`.
 */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): WatchdogSettings {
  const result = parseEnvironment(WATCHDOG_ENV, env);
  if (!result.ok) throw new WatchdogSettingsError(result.problems);
  const e = result.value;
  const config = configFromEnvironment(e.ANALYZER_CONFIG, (message) => new WatchdogSettingsError([message]));
  return {
    findingsTable: e.FINDINGS_TABLE,
    alertsTopicArn: e.ALERTS_TOPIC_ARN,
    silenceMinutes: e.SILENCE_MINUTES,
    watchedClusters: e.WATCHED_CLUSTERS,
    findingsRetentionDays: e.FINDINGS_RETENTION_DAYS,
    config: config ?? DEFAULT_CONFIG,
    incidentWindowMinutes: e.INCIDENT_WINDOW_MINUTES,
    incidentSummary: e.INCIDENT_SUMMARY,
    rulesDocUrl: e.RULES_DOC_URL,
  };
}

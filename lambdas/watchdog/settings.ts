import { z } from 'zod';
import { DEFAULT_RETENTION_DAYS, MAX_RETENTION_DAYS, required, unset, wholeNumber } from '../analyzer/settings';
import { configFromEnvironment } from '../core/config/environment';
import type { Config } from '../core/config/types';

/** The watchdog's settings, read once per execution environment from its environment variables. */
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
  /** `ANALYZER_CONFIG` (optional): the analyzer's config; its switched-off rules, exceptions and severity overrides apply to the watchdog's findings. */
  config?: Config;
}

export class WatchdogSettingsError extends Error {
  override readonly name = 'WatchdogSettingsError';
  constructor(readonly problems: string[]) {
    super(`invalid watchdog environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export const DEFAULT_SILENCE_MINUTES = 30;
/** The schedule runs every 5 minutes: a shorter threshold could not be told from one missed check. */
export const MIN_SILENCE_MINUTES = 5;
export const MAX_SILENCE_MINUTES = 10_080; // 7 days

/** A cluster name as the analyzer files it (the `clusters/<name>/` key segment, an EKS cluster name). */
const CLUSTER_NAME = /^[^\s/,]{1,100}$/;

const clusterList = z.preprocess(
  unset,
  z
    .string()
    .optional()
    .transform((text) => (text ?? '').split(',').map((c) => c.trim()).filter((c) => c !== ''))
    .refine((names) => names.every((n) => CLUSTER_NAME.test(n)), 'WATCHED_CLUSTERS must be cluster names separated by commas (no spaces or slashes in a name, at most 100 characters each)')
    .transform((names) => [...new Set(names)]),
);

const envSchema = z.object({
  FINDINGS_TABLE: required('FINDINGS_TABLE'),
  ALERTS_TOPIC_ARN: required('ALERTS_TOPIC_ARN'),
  SILENCE_MINUTES: wholeNumber('SILENCE_MINUTES', MIN_SILENCE_MINUTES, MAX_SILENCE_MINUTES, DEFAULT_SILENCE_MINUTES, 'minutes'),
  WATCHED_CLUSTERS: clusterList,
  FINDINGS_RETENTION_DAYS: wholeNumber('FINDINGS_RETENTION_DAYS', 1, MAX_RETENTION_DAYS, DEFAULT_RETENTION_DAYS, 'days'),
  ANALYZER_CONFIG: z.preprocess(unset, z.string().optional()),
});

/** Reads and checks every variable at once, so a cold start names all the problems together. */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): WatchdogSettings {
  const result = envSchema.safeParse(env);
  if (!result.success) throw new WatchdogSettingsError(result.error.issues.map((issue) => issue.message));
  const e = result.data;
  const config = configFromEnvironment(e.ANALYZER_CONFIG, (message) => new WatchdogSettingsError([message]));
  return {
    findingsTable: e.FINDINGS_TABLE,
    alertsTopicArn: e.ALERTS_TOPIC_ARN,
    silenceMinutes: e.SILENCE_MINUTES,
    watchedClusters: e.WATCHED_CLUSTERS,
    findingsRetentionDays: e.FINDINGS_RETENTION_DAYS,
    ...(config ? { config } : {}),
  };
}

import { z } from 'zod';
import { configFromEnvironment } from '../core/config/environment';
import type { Config } from '../core/config/types';
import type { Severity } from '../core/finding';
import { SEVERITIES } from '../core/finding';

/** The analyzer's settings, read once per execution environment from its environment variables. */
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
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  constructor(readonly problems: string[]) {
    super(`invalid analyzer environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export const DEFAULT_COOLDOWN_MINUTES = 60;
export const MAX_COOLDOWN_MINUTES = 10_080; // 7 days
export const DEFAULT_RETENTION_DAYS = 400;
export const MAX_RETENTION_DAYS = 3650;
export const DEFAULT_ARCHIVE_PREFIX = 'alerts/';

/** An unset or empty variable takes the default (CDK and consoles write empty strings). */
export const unset = (value: unknown): unknown => (value === '' ? undefined : value);

export const required = (name: string) => z.preprocess(unset, z.string({ error: `${name} is required` }).trim().min(1, `${name} is required`));

/** A whole number in decimal digits only: `Number()` would take `1e3`, `0x10` and ` `. */
export const wholeNumber = (name: string, min: number, max: number, fallback: number, unit: string) =>
  z.preprocess(
    unset,
    z
      .string()
      .trim()
      .regex(/^\d{1,9}$/, `${name} must be a whole number of ${unit} from ${min} to ${max}`)
      .transform(Number)
      .refine((n) => n >= min && n <= max, `${name} must be a whole number of ${unit} from ${min} to ${max}`)
      .optional()
      .transform((n) => n ?? fallback),
  );

const envSchema = z.object({
  FINDINGS_TABLE: required('FINDINGS_TABLE'),
  ALERTS_TOPIC_ARN: required('ALERTS_TOPIC_ARN'),
  MIN_ALERT_SEVERITY: z.preprocess(
    unset,
    z.enum(SEVERITIES, { error: `MIN_ALERT_SEVERITY must be one of ${SEVERITIES.join(', ')}` }).default('high'),
  ),
  ALERT_COOLDOWN_MINUTES: wholeNumber('ALERT_COOLDOWN_MINUTES', 0, MAX_COOLDOWN_MINUTES, DEFAULT_COOLDOWN_MINUTES, 'minutes (0 switches the cooldown off)'),
  FINDINGS_RETENTION_DAYS: wholeNumber('FINDINGS_RETENTION_DAYS', 1, MAX_RETENTION_DAYS, DEFAULT_RETENTION_DAYS, 'days'),
  ARCHIVE_BUCKET: z.preprocess(
    unset,
    z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'ARCHIVE_BUCKET must be a bucket name (not an ARN or s3:// URI)')
      .optional(),
  ),
  ARCHIVE_PREFIX: z.preprocess(
    unset,
    z
      .string()
      .max(512, 'ARCHIVE_PREFIX must be at most 512 characters')
      .refine((p) => !p.startsWith('/'), 'ARCHIVE_PREFIX must not start with "/" (S3 keys have no leading slash)')
      .default(DEFAULT_ARCHIVE_PREFIX),
  ),
  ANALYZER_CONFIG: z.preprocess(unset, z.string().optional()),
});

/**
 * Reads and checks every variable at once, so a cold start names all the problems together:
 * a `SettingsError` for the variables, a `ConfigError` (with field paths) for `ANALYZER_CONFIG`.
 */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): AnalyzerSettings {
  const result = envSchema.safeParse(env);
  if (!result.success) throw new SettingsError(result.error.issues.map((issue) => issue.message));
  const e = result.data;
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
  };
}

import { z } from 'zod';
import { configFromEnvironment } from '../core/config/environment';
import type { Config } from '../core/config/types';
import type { ReportCadence } from '../core/compliance/types';

/** The reporter's settings, read once per execution environment from its environment variables. */
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

export const DEFAULT_REPORTS_PREFIX = 'reports/';
export const DEFAULT_LINK_TTL_HOURS = 24;
/** A SigV4 pre-signed URL lasts 7 days at most. */
export const MAX_LINK_TTL_HOURS = 168;

/** An unset or empty variable takes the default (CDK and consoles write empty strings). */
const unset = (value: unknown): unknown => (value === '' ? undefined : value);

const required = (name: string) => z.preprocess(unset, z.string({ error: `${name} is required` }).trim().min(1, `${name} is required`));

const envSchema = z.object({
  FINDINGS_TABLE: required('FINDINGS_TABLE'),
  REPORTS_BUCKET: z.preprocess(
    unset,
    z
      .string({ error: 'REPORTS_BUCKET is required' })
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'REPORTS_BUCKET must be a bucket name (not an ARN or s3:// URI)'),
  ),
  REPORTS_PREFIX: z.preprocess(
    unset,
    z
      .string()
      .max(512, 'REPORTS_PREFIX must be at most 512 characters')
      .refine((p) => !p.startsWith('/'), 'REPORTS_PREFIX must not start with "/" (S3 keys have no leading slash)')
      .default(DEFAULT_REPORTS_PREFIX),
  ),
  ALERTS_TOPIC_ARN: required('ALERTS_TOPIC_ARN'),
  REPORT_CADENCE: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim().toLowerCase() : undefined),
    z.enum(['weekly', 'daily'], { error: 'REPORT_CADENCE must be weekly or daily' }).default('weekly'),
  ),
  REPORT_LINK_TTL_HOURS: z.preprocess(
    unset,
    z
      .string()
      .trim()
      .regex(/^\d{1,4}$/, `REPORT_LINK_TTL_HOURS must be a whole number of hours from 1 to ${MAX_LINK_TTL_HOURS}`)
      .transform(Number)
      .refine((n) => n >= 1 && n <= MAX_LINK_TTL_HOURS, `REPORT_LINK_TTL_HOURS must be a whole number of hours from 1 to ${MAX_LINK_TTL_HOURS}`)
      .optional()
      .transform((n) => n ?? DEFAULT_LINK_TTL_HOURS),
  ),
  REPORT_CLUSTERS: z.preprocess(
    unset,
    z
      .string()
      .optional()
      .transform((list) => [...new Set((list ?? '').split(',').map((c) => c.trim()).filter((c) => c !== ''))])
      .refine((list) => list.every((c) => c.length <= 200 && !/[\s#]/.test(c)), 'REPORT_CLUSTERS must be cluster names separated by commas (no spaces or "#" in a name)'),
  ),
  ANALYZER_CONFIG: z.preprocess(unset, z.string().optional()),
});

/**
 * Reads and checks every variable at once, so a bad deployment names all its problems together:
 * a `ReporterSettingsError` for the variables, a `ConfigError` (with field paths) for `ANALYZER_CONFIG`.
 */
export function reporterSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): ReporterSettings {
  const result = envSchema.safeParse(env);
  if (!result.success) throw new ReporterSettingsError(result.error.issues.map((issue) => issue.message));
  const e = result.data;
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

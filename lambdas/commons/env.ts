/**
 * The environment contract between `lib/` (which sets each function's variables) and the
 * handlers' `settings.ts` (which parse them): every variable's name and zod schema, written once,
 * per function. `lib/` imports the contracts to type the environment it sets, and to check at
 * synth that every required variable is set; a renamed variable breaks the compile on both sides.
 *
 * Pure (zod and the core's severity list only): CDK code imports it at synth time.
 */
import { z } from 'zod';
import { DEFAULT_ALERT_MINIMUM, SEVERITIES } from '../core/finding';

const REQUIRED: unique symbol = Symbol('required environment variable');

/** A variable the function cannot start without; `lib/` must set it. */
export type RequiredVariable<T extends z.ZodType = z.ZodType> = T & { readonly [REQUIRED]: true };

/** A function's variables by name. */
export type EnvContract = Readonly<Record<string, z.ZodType>>;

/** The names of the variables of `C` marked required. */
export type RequiredName<C extends EnvContract> = { [K in keyof C]: C[K] extends { readonly [REQUIRED]: true } ? K : never }[keyof C] & string;

/** The environment `lib/` sets for a function: every value a string, the required ones present. */
export type EnvironmentOf<C extends EnvContract> = { readonly [K in RequiredName<C>]: string } & {
  readonly [K in Exclude<keyof C, RequiredName<C>> & string]?: string;
};

export function isRequired(schema: z.ZodType): boolean {
  return (schema as Partial<RequiredVariable>)[REQUIRED] === true;
}

/** The names of a contract's required variables. */
export function requiredNames<C extends EnvContract>(contract: C): Array<RequiredName<C>> {
  return Object.keys(contract).filter((name) => isRequired(contract[name])) as Array<RequiredName<C>>;
}

/** An unset or empty variable takes the default (CDK and consoles write empty strings). */
export const unset = (value: unknown): unknown => (value === '' ? undefined : value);

function markRequired<T extends z.ZodType>(schema: T): RequiredVariable<T> {
  return Object.assign(schema, { [REQUIRED]: true as const });
}

/** A required, non-blank string. */
export const required = (name: string) =>
  markRequired(
    z.preprocess(
      unset,
      z
        .string({ error: `${name} is required` })
        .trim()
        .min(1, `${name} is required`),
    ),
  );

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

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** A key prefix in a bucket: S3 keys have no leading slash. */
const keyPrefix = (name: string, fallback: string) =>
  z.preprocess(
    unset,
    z
      .string()
      .max(512, `${name} must be at most 512 characters`)
      .refine((p) => !p.startsWith('/'), `${name} must not start with "/" (S3 keys have no leading slash)`)
      .default(fallback),
  );

const severity = (name: string) =>
  z.preprocess(unset, z.enum(SEVERITIES, { error: `${name} must be one of ${SEVERITIES.join(', ')}` }).default(DEFAULT_ALERT_MINIMUM));

/** The rules' configuration, the CLI's `--config` text (parsed by commons/analyzer-config.ts). */
const analyzerConfig = z.preprocess(unset, z.string().optional());

/** Read by Powertools itself in every function. */
export const POWERTOOLS_ENV = { POWERTOOLS_LOG_LEVEL: 'INFO' } as const;

export const DEFAULT_COOLDOWN_MINUTES = 60;
export const DEFAULT_INCIDENT_WINDOW_MINUTES = 60;
export const MAX_INCIDENT_WINDOW_MINUTES = 10_080; // 7 days
/** Where alerts link a rule's documentation when the deployment names no other (`#<rule anchor>` is appended). */
export const DEFAULT_RULES_DOC_URL = 'docs/rules.md';
export const MAX_COOLDOWN_MINUTES = 10_080; // 7 days
export const DEFAULT_RETENTION_DAYS = 400;
export const MAX_RETENTION_DAYS = 3650;
export const DEFAULT_ARCHIVE_PREFIX = 'alerts/';
export const DEFAULT_REPORTS_PREFIX = 'reports/';
export const DEFAULT_LINK_TTL_HOURS = 24;
/** A SigV4 pre-signed URL lasts 7 days at most. */
export const MAX_LINK_TTL_HOURS = 168;
export const DEFAULT_SILENCE_MINUTES = 30;
/** The schedule runs every 5 minutes: a shorter threshold could not be told from one missed check. */
export const MIN_SILENCE_MINUTES = 5;
export const MAX_SILENCE_MINUTES = 10_080; // 7 days

const findingsRetention = wholeNumber('FINDINGS_RETENTION_DAYS', 1, MAX_RETENTION_DAYS, DEFAULT_RETENTION_DAYS, 'days');

/** The analyzer groups incidents over it and the watchdog's sweep ends them after it: lib/ gives both the same value. */
const incidentWindow = wholeNumber(
  'INCIDENT_WINDOW_MINUTES',
  0,
  MAX_INCIDENT_WINDOW_MINUTES,
  DEFAULT_INCIDENT_WINDOW_MINUTES,
  'minutes (0: one alert per object, with the cooldown, instead of incidents)',
);
const rulesDocUrl = z.preprocess(unset, z.string().trim().max(1000, 'RULES_DOC_URL must be at most 1000 characters').default(DEFAULT_RULES_DOC_URL));

/** The analyzer (lambdas/analyzer). */
export const ANALYZER_ENV = {
  FINDINGS_TABLE: required('FINDINGS_TABLE'),
  ALERTS_TOPIC_ARN: required('ALERTS_TOPIC_ARN'),
  MIN_ALERT_SEVERITY: severity('MIN_ALERT_SEVERITY'),
  ALERT_COOLDOWN_MINUTES: wholeNumber('ALERT_COOLDOWN_MINUTES', 0, MAX_COOLDOWN_MINUTES, DEFAULT_COOLDOWN_MINUTES, 'minutes (0 switches the cooldown off)'),
  FINDINGS_RETENTION_DAYS: findingsRetention,
  ARCHIVE_BUCKET: z.preprocess(unset, z.string().regex(BUCKET_NAME, 'ARCHIVE_BUCKET must be a bucket name (not an ARN or s3:// URI)').optional()),
  ARCHIVE_PREFIX: keyPrefix('ARCHIVE_PREFIX', DEFAULT_ARCHIVE_PREFIX),
  ANALYZER_CONFIG: analyzerConfig,
  INCIDENT_WINDOW_MINUTES: incidentWindow,
  RULES_DOC_URL: rulesDocUrl,
} satisfies EnvContract;

/** The compliance reporter (lambdas/reporter). */
export const REPORTER_ENV = {
  FINDINGS_TABLE: required('FINDINGS_TABLE'),
  REPORTS_BUCKET: markRequired(
    z.preprocess(unset, z.string({ error: 'REPORTS_BUCKET is required' }).regex(BUCKET_NAME, 'REPORTS_BUCKET must be a bucket name (not an ARN or s3:// URI)')),
  ),
  REPORTS_PREFIX: keyPrefix('REPORTS_PREFIX', DEFAULT_REPORTS_PREFIX),
  ALERTS_TOPIC_ARN: required('ALERTS_TOPIC_ARN'),
  REPORT_CADENCE: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() !== '' ? v.trim().toLowerCase() : undefined),
    z.enum(['weekly', 'daily'], { error: 'REPORT_CADENCE must be weekly or daily' }).default('weekly'),
  ),
  REPORT_LINK_TTL_HOURS: wholeNumber('REPORT_LINK_TTL_HOURS', 1, MAX_LINK_TTL_HOURS, DEFAULT_LINK_TTL_HOURS, 'hours'),
  REPORT_CLUSTERS: z.preprocess(
    unset,
    z
      .string()
      .optional()
      .transform((list) => [
        ...new Set(
          (list ?? '')
            .split(',')
            .map((c) => c.trim())
            .filter((c) => c !== ''),
        ),
      ])
      .refine(
        (list) => list.every((c) => c.length <= 200 && !/[\s#]/.test(c)),
        'REPORT_CLUSTERS must be cluster names separated by commas (no spaces or "#" in a name)',
      ),
  ),
  ANALYZER_CONFIG: analyzerConfig,
} satisfies EnvContract;

/** A cluster name as the analyzer files it (the `clusters/<name>/` key segment, an EKS cluster name). */
const CLUSTER_NAME = /^[^\s/,]{1,100}$/;

/** The watchdog (lambdas/watchdog). */
export const WATCHDOG_ENV = {
  FINDINGS_TABLE: required('FINDINGS_TABLE'),
  ALERTS_TOPIC_ARN: required('ALERTS_TOPIC_ARN'),
  SILENCE_MINUTES: wholeNumber('SILENCE_MINUTES', MIN_SILENCE_MINUTES, MAX_SILENCE_MINUTES, DEFAULT_SILENCE_MINUTES, 'minutes'),
  WATCHED_CLUSTERS: z.preprocess(
    unset,
    z
      .string()
      .optional()
      .transform((text) =>
        (text ?? '')
          .split(',')
          .map((c) => c.trim())
          .filter((c) => c !== ''),
      )
      .refine(
        (names) => names.every((n) => CLUSTER_NAME.test(n)),
        'WATCHED_CLUSTERS must be cluster names separated by commas (no spaces or slashes in a name, at most 100 characters each)',
      )
      .transform((names) => [...new Set(names)]),
  ),
  FINDINGS_RETENTION_DAYS: findingsRetention,
  ANALYZER_CONFIG: analyzerConfig,
  INCIDENT_WINDOW_MINUTES: incidentWindow,
  /** `true`: an incident that had been alerted gets a final summary when it goes quiet. */
  INCIDENT_SUMMARY: z.preprocess(
    unset,
    z
      .enum(['true', 'false'], { error: 'INCIDENT_SUMMARY must be true or false' })
      .default('false')
      .transform((v) => v === 'true'),
  ),
  RULES_DOC_URL: rulesDocUrl,
} satisfies EnvContract;

/** The Slack notifier (lambdas/slack-notifier). */
export const SLACK_NOTIFIER_ENV = {
  SLACK_WEBHOOK_SECRET_ARN: required('SLACK_WEBHOOK_SECRET_ARN'),
  MIN_SEVERITY: severity('MIN_SEVERITY'),
} satisfies EnvContract;

/** The Security Hub forwarder (lambdas/securityhub-forwarder). */
export const SECURITYHUB_FORWARDER_ENV = {
  SECURITY_HUB_PRODUCT_ARN: markRequired(
    z.preprocess(
      unset,
      z
        .string({ error: 'SECURITY_HUB_PRODUCT_ARN is required' })
        .regex(
          /^arn:aws[a-z-]*:securityhub:[a-z0-9-]+:(\d{12}):product\/\1\/default$/,
          "SECURITY_HUB_PRODUCT_ARN must be the account's default product ARN (arn:<partition>:securityhub:<region>:<account>:product/<account>/default)",
        ),
    ),
  ),
} satisfies EnvContract;

/** The EventBridge forwarder (lambdas/eventbridge-forwarder). */
export const EVENTBRIDGE_FORWARDER_ENV = {
  EVENT_BUS_NAME: required('EVENT_BUS_NAME'),
} satisfies EnvContract;

/**
 * Parses `env` against a contract: every problem at once, each message naming its variable.
 * Variables outside the contract are ignored (Lambda sets its own).
 */
export function parseEnvironment<C extends EnvContract>(
  contract: C,
  env: Readonly<Record<string, string | undefined>>,
): { ok: true; value: z.output<z.ZodObject<C>> } | { ok: false; problems: string[] } {
  const result = z.object(contract).safeParse(env);
  return result.success ? { ok: true, value: result.data } : { ok: false, problems: result.error.issues.map((issue) => issue.message) };
}

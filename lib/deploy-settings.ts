import { z } from 'zod';
import { SEVERITIES } from '../lambdas/core/finding';

export type DeploySeverity = (typeof SEVERITIES)[number];

// `cdk deploy -c key=value` hands every value over as a string; cdk.json and `--context` files
// may give real JSON. Each field accepts both.
const text = z.string().trim().min(1);
const severity = z.enum(SEVERITIES);
const list = z
  .union([z.array(z.string()), z.string()])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter((s) => s.length > 0));
const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const email = z.string().regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'not an email address');

const schema = z
  .object({
    stackName: text.default('K8sAuditAnalyzer'),
    existingLogBucketName: text.optional(),
    acceptResponsibilityForImportedBucket: flag.default(false),
    logPrefixes: list.default([]),
    alertEmails: list.pipe(z.array(email)).default([]),
    opsEmails: list.pipe(z.array(email)).optional(),
    emailMinSeverity: severity.default('high'),
    slackWebhookSecretArn: z.string().regex(/^arn:aws[\w-]*:secretsmanager:[\w-]+:\d{12}:secret:.+$/, 'a Secrets Manager secret ARN').optional(),
    slackMinSeverity: severity.default('high'),
    chatbotSlackWorkspaceId: text.optional(),
    chatbotSlackChannelId: text.optional(),
    alertCooldownMinutes: integer(0, 10_080).default(60),
    analyzerMemoryMb: integer(128, 10_240).default(1024),
    analyzerTimeoutSeconds: integer(30, 900).default(180),
    analyzerReservedConcurrency: integer(1, 1000).optional(),
    analyzerMaxConcurrency: integer(2, 1000).default(10),
    findingsRetentionDays: integer(1, 3650).default(400),
    logRetentionDays: integer(1, 3653).default(365),
    analyzerConfig: z.string().optional(),
    reportSchedule: z
      .string()
      .trim()
      .regex(/^(weekly|daily|cron\([^)]+\))$/, 'weekly, daily, or an EventBridge cron(...) expression')
      .default('weekly'),
    reportCadence: z.enum(['weekly', 'daily']).optional(),
    reportLinkTtlHours: integer(1, 168).default(12),
    reportClusters: list.default([]),
    silenceMinutes: integer(5, 10_080).default(30),
    watchedClusters: list.default([]),
    eksClusters: list.pipe(z.array(z.string().regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, 'not an EKS cluster name'))).default([]),
    eksIngestionMode: z.enum(['extract', 'raw']).default('extract'),
    eksBufferSeconds: integer(0, 900).default(60),
  })
  .superRefine((s, ctx) => {
    if ((s.chatbotSlackWorkspaceId === undefined) !== (s.chatbotSlackChannelId === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'chatbotSlackWorkspaceId and chatbotSlackChannelId go together', path: ['chatbotSlackChannelId'] });
    }
    if (s.reportSchedule.startsWith('cron(') && s.reportCadence === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a cron(...) schedule needs reportCadence (weekly or daily): the period each report covers', path: ['reportCadence'] });
    }
    if (s.existingLogBucketName === undefined && s.acceptResponsibilityForImportedBucket) {
      ctx.addIssue({ code: 'custom', message: 'set only together with existingLogBucketName', path: ['acceptResponsibilityForImportedBucket'] });
    }
  });

/** What `cdk deploy` is told through context, validated and with defaults filled in. */
export type DeploySettings = z.output<typeof schema>;

/** The report's EventBridge schedule: 06:00 UTC, on Mondays for weekly reports, and the period it covers. */
export function reportScheduleOf(settings: Pick<DeploySettings, 'reportSchedule' | 'reportCadence'>): { expression: string; cadence: 'weekly' | 'daily' } {
  if (settings.reportSchedule === 'daily') return { expression: 'cron(0 6 * * ? *)', cadence: settings.reportCadence ?? 'daily' };
  if (settings.reportSchedule === 'weekly') return { expression: 'cron(0 6 ? * MON *)', cadence: settings.reportCadence ?? 'weekly' };
  return { expression: settings.reportSchedule, cadence: settings.reportCadence ?? 'weekly' };
}

/** The context keys this app reads; anything else in the context belongs to CDK itself. */
export const DEPLOY_CONTEXT_KEYS = Object.keys(schema.shape) as Array<keyof DeploySettings>;

export class DeploySettingsError extends Error {
  override readonly name = 'DeploySettingsError';
}

/** Validates the app's context values; every problem is named with its key, all at once. */
export function parseDeploySettings(context: Record<string, unknown>): DeploySettings {
  const picked = Object.fromEntries(DEPLOY_CONTEXT_KEYS.filter((k) => context[k] !== undefined).map((k) => [k, context[k]]));
  const result = schema.safeParse(picked);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `  -c ${i.path.join('.') || '(context)'}: ${i.message}`);
  throw new DeploySettingsError(`invalid context for k8s-audit-analyzer:\n${problems.join('\n')}`);
}

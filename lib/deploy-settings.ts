import { z } from 'zod';
import { DEFAULT_ALERT_MINIMUM, SEVERITIES } from '../lambdas/core/finding';

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

export const deploySettingsSchema = z
  .object({
    stackName: text.default('K8sAuditAnalyzer').describe('the CloudFormation stack name'),
    existingLogBucketName: text
      .optional()
      .describe(
        "use this bucket instead of creating one; needs `acceptResponsibilityForImportedBucket=true` (this stack cannot enforce encryption, TLS, versioning or logging on a bucket it does not own). Notifications are added next to the bucket's existing ones",
      ),
    acceptResponsibilityForImportedBucket: flag
      .default(false)
      .describe("the explicit opt-in for `existingLogBucketName`: you manage that bucket's encryption, TLS, versioning and logging"),
    logPrefixes: list
      .default([])
      .describe(
        'key prefixes to analyze, e.g. `clusters/prod-eu/,clusters/prod-us/`: one notification and one read grant per prefix. Empty: the whole bucket (only `clusters/` with `eksClusters` or `forwarderAccounts`)',
      ),
    alertEmails: list.pipe(z.array(email)).default([]).describe('addresses subscribed to the alerts topic'),
    opsEmails: list.pipe(z.array(email)).optional().describe('addresses for the operations alarms; `alertEmails` when unset'),
    emailMinSeverity: severity
      .default(DEFAULT_ALERT_MINIMUM)
      .describe("the lowest severity emailed (an SNS filter policy on the message's `severity` attribute)"),
    slackWebhookSecretArn: z
      .string()
      .regex(/^arn:aws[\w-]*:secretsmanager:[\w-]+:\d{12}:secret:.+$/, 'a Secrets Manager secret ARN')
      .optional()
      .describe('the Secrets Manager secret holding the Slack incoming-webhook URL; adds the notifier. No Slack when unset'),
    slackMinSeverity: severity
      .default(DEFAULT_ALERT_MINIMUM)
      .describe('the lowest severity posted to Slack (filter policy, and rows below it are left out of the post)'),
    chatbotSlackWorkspaceId: text
      .optional()
      .describe(
        'with `chatbotSlackChannelId`: an Amazon Q Developer in chat applications (AWS Chatbot) Slack channel for the alerts and ops topics, with the `AWSDenyAll` guardrail (notifications only). The workspace must be authorized in the console once',
      ),
    chatbotSlackChannelId: text.optional().describe('the Slack channel of the Chatbot channel; goes with `chatbotSlackWorkspaceId`'),
    securityHub: flag
      .default(false)
      .describe(
        "import incident alerts into Security Hub CSPM (enabled in the stack's account and region) as ASFF findings, one per finding group, through the account's default product ([integrations](../integrations.md#security-hub))",
      ),
    eventBus: flag
      .default(false)
      .describe(
        'one EventBridge event per incident change on a new custom bus `<stackName>-incidents` with an archive ([integrations.md](../integrations.md#eventbridge)); or use `eventBusName`',
      ),
    eventBusName: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,256}$/, 'an event bus name in this account and region (not an ARN)')
      .optional()
      .describe('put the incident events on this existing bus instead of creating one (the forwarder may put events on it and nowhere else)'),
    alertCooldownMinutes: integer(0, 10_080)
      .default(60)
      .describe('a finding group (rule, actor, target) alerts once per window; later hits are counted and shown in its next alert. `0` turns it off'),
    rulesDocUrl: z
      .string()
      .trim()
      .max(1000)
      .regex(/^https:\/\/[^\s#]+$/, "an https:// URL without a #fragment (the rule's anchor is appended)")
      .optional()
      .describe(
        "where alerts link each rule's documentation: the URL of this project's `docs/rules.md` as your team reads it (your fork or mirror), e.g. `https://github.com/<org>/k8s-audit-analyzer/blob/main/docs/rules.md`; the rule's anchor is appended. Unset: alerts name the path `docs/rules.md`",
      ),
    incidentSummary: flag
      .default(false)
      .describe(
        'publish a final summary of an incident once it goes quiet (no finding for its 60-minute window plus 15 minutes for late logs), only for incidents that were alerted. Off by default: the opening alert and its updates already told everything; a summary is one more message per incident, for teams that track incidents to their end',
      ),
    analyzerMemoryMb: integer(128, 10_240).default(1024).describe('analyzer memory (and so CPU share)'),
    analyzerTimeoutSeconds: integer(30, 900).default(180).describe("analyzer timeout; the queue's visibility timeout is six times this"),
    analyzerReservedConcurrency: integer(1, 1000)
      .optional()
      .describe('reserve concurrency for the analyzer (at least `analyzerMaxConcurrency`); unreserved when unset'),
    analyzerMaxConcurrency: integer(2, 1000).default(10).describe('the most concurrent analyzer invocations the queue drives'),
    findingsRetentionDays: integer(1, 3650)
      .default(400)
      .describe('findings expire from the table (TTL) and alert archives and reports from the artifacts bucket after this'),
    logRetentionDays: integer(1, 3653).default(365).describe("the functions' CloudWatch log retention (rounded up to an allowed value)"),
    analyzerConfig: z
      .string()
      .optional()
      .describe(
        "the rules' configuration text (YAML or JSON), as the CLI's `--config` takes it; usually given as a file with `analyzerConfigFile`. At most 3 KB: it travels in the functions' environment",
      ),
    reportSchedule: z
      .string()
      .trim()
      .regex(/^(weekly|daily|cron\([^)]+\))$/, 'weekly, daily, or an EventBridge cron(...) expression')
      .default('weekly')
      .describe('when the compliance report runs: `weekly`, `daily`, or an EventBridge `cron(...)` expression with `reportCadence`'),
    reportCadence: z
      .enum(['weekly', 'daily'])
      .optional()
      .describe('`weekly` or `daily`: the period each report covers; from the schedule when unset, required with a `cron(...)` schedule'),
    reportLinkTtlHours: integer(1, 168).default(12).describe('how long the pre-signed link in the report summary is meant to work'),
    reportClusters: list.default([]).describe('clusters always listed in the report, even with no objects in the period'),
    silenceMinutes: integer(5, 10_080).default(30).describe('a cluster with no new object for this long raises `audit-tampering.log-silence`'),
    watchedClusters: list.default([]).describe('clusters watched for silence even before their first object'),
    eksClusters: list
      .pipe(z.array(z.string().regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, 'not an EKS cluster name')))
      .default([])
      .describe('EKS clusters whose audit log the stack ships to the bucket (CloudWatch Logs → Firehose); they are watched for silence too'),
    eksIngestionMode: z.enum(['extract', 'raw']).default('extract').describe('`extract` (JSON lines) or `raw` (CloudWatch records as they come)'),
    eksBufferSeconds: integer(0, 900).default(60).describe('Firehose buffering interval, 0–900 s: latency against objects (and cost) per hour'),
    forwarderAccounts: list
      .pipe(z.array(z.string().regex(/^\d{12}(:[a-z]{2}(-[a-z]+)+-\d{1,2})?$/, 'an account id, or <account>:<region>')))
      .default([])
      .describe(
        'accounts whose `EksAuditLogForwarder`s write to the created bucket, e.g. `111111111111,222222222222:us-east-1` (an account alone: every region). Each may write only `clusters/<account>/` (and `errors/<account>/`), from roles under `/k8s-audit-forwarder/`; the bucket is then named `k8s-audit-logs-<account>-<region>` and encrypted with its own key (docs/multi-account.md)',
      ),
  })
  .superRefine((s, ctx) => {
    if ((s.chatbotSlackWorkspaceId === undefined) !== (s.chatbotSlackChannelId === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'chatbotSlackWorkspaceId and chatbotSlackChannelId go together', path: ['chatbotSlackChannelId'] });
    }
    if (s.reportSchedule.startsWith('cron(') && s.reportCadence === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'a cron(...) schedule needs reportCadence (weekly or daily): the period each report covers',
        path: ['reportCadence'],
      });
    }
    if (s.eventBus && s.eventBusName !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'eventBus creates a bus, eventBusName uses an existing one: set one of them', path: ['eventBusName'] });
    }
    if (s.existingLogBucketName !== undefined && s.forwarderAccounts.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: 'forwarders write to the bucket this stack creates; not with existingLogBucketName',
        path: ['forwarderAccounts'],
      });
    }
    if (s.existingLogBucketName === undefined && s.acceptResponsibilityForImportedBucket) {
      ctx.addIssue({ code: 'custom', message: 'set only together with existingLogBucketName', path: ['acceptResponsibilityForImportedBucket'] });
    }
  });

/** What `cdk deploy` is told through context, validated and with defaults filled in. */
export type DeploySettings = z.output<typeof deploySettingsSchema>;

/** The report's EventBridge schedule: 06:00 UTC, on Mondays for weekly reports, and the period it covers. */
export function reportScheduleOf(settings: Pick<DeploySettings, 'reportSchedule' | 'reportCadence'>): { expression: string; cadence: 'weekly' | 'daily' } {
  if (settings.reportSchedule === 'daily') return { expression: 'cron(0 6 * * ? *)', cadence: settings.reportCadence ?? 'daily' };
  if (settings.reportSchedule === 'weekly') return { expression: 'cron(0 6 ? * MON *)', cadence: settings.reportCadence ?? 'weekly' };
  return { expression: settings.reportSchedule, cadence: settings.reportCadence ?? 'weekly' };
}

/**
 * A context key bin/app.ts reads besides the settings: a file whose text becomes `analyzerConfig`,
 * checked at synth.
 */
export const CONFIG_FILE_CONTEXT_KEY = {
  key: 'analyzerConfigFile',
  description:
    "a YAML or JSON [configuration file](../configuration.md), the one the CLI takes with `--config` (allowlists, exceptions, thresholds, switched-off rules); checked at synth, at most 3 KB (it travels in the functions' environment). Sets `analyzerConfig`",
} as const;

/**
 * The app's opt-out of the destination check: a stack that alerts nobody is refused unless the
 * deployer says, in these words, that they will subscribe to the topic themselves. A deploy-time
 * word rather than a construct prop: a construct user adds subscriptions in their own code.
 */
export const NO_ALERT_DESTINATION_CONTEXT_KEY = {
  key: 'noAlertDestination',
  value: 'acknowledged',
  description:
    'set to `acknowledged` to deploy with none of `alertEmails`, `slackWebhookSecretArn` or `chatbotSlackWorkspaceId`: the alerts topic then reaches nobody until you subscribe to it yourself (its ARN is the stack output `AlertsTopicArn`). Synth fails without it',
} as const;

/** The context keys this app reads; anything else in the context belongs to CDK itself. */
export const DEPLOY_CONTEXT_KEYS = Object.keys(deploySettingsSchema.shape) as Array<keyof DeploySettings>;

/** Every key `-c` may name for this app: the settings and the app's own switches. */
export const APP_CONTEXT_KEYS: readonly string[] = [...DEPLOY_CONTEXT_KEYS, CONFIG_FILE_CONTEXT_KEY.key, NO_ALERT_DESTINATION_CONTEXT_KEY.key];

// CDK's own context: feature flags (`@aws-cdk/...`), `aws:cdk:...` and lookup keys (all with a
// colon), and the two plain keys the CLI writes to cdk.json and cdk.context.json itself.
const CDK_PLAIN_CONTEXT_KEYS: ReadonlySet<string> = new Set(['acknowledged-issue-numbers', 'cli-telemetry']);
const isCdkContextKey = (key: string): boolean => key.startsWith('@') || key.includes(':') || CDK_PLAIN_CONTEXT_KEYS.has(key);

export class DeploySettingsError extends Error {
  override readonly name = 'DeploySettingsError';
}

/**
 * Validates the app's context values (or, `from: 'props'`, the construct's props, which share the
 * keys); every problem is named with its key, all at once.
 */
export function parseDeploySettings(context: Record<string, unknown>, from: 'context' | 'props' = 'context'): DeploySettings {
  const result = settingsOrProblems(context);
  if ('settings' in result) return result.settings;
  throw settingsError(result.problems, from);
}

/**
 * What bin/app.ts runs on the whole context (`app.node.getAllContext()`, the config file's text
 * already in `analyzerConfig`): the settings' checks, and also a key the app does not know (with
 * the closest key it does) and a deploy with no alert destination, all named at once. CDK's own
 * keys pass.
 */
export function parseDeployContext(context: Record<string, unknown>): DeploySettings {
  const problems = unknownKeyProblems(Object.keys(context));
  const acknowledgement = context[NO_ALERT_DESTINATION_CONTEXT_KEY.key];
  const acknowledged = acknowledgement === NO_ALERT_DESTINATION_CONTEXT_KEY.value;
  if (acknowledgement !== undefined && !acknowledged) {
    problems.push({ key: NO_ALERT_DESTINATION_CONTEXT_KEY.key, message: `the only value is \`${NO_ALERT_DESTINATION_CONTEXT_KEY.value}\`` });
  }
  const result = settingsOrProblems(context);
  if ('problems' in result) problems.push(...result.problems);
  else if (!acknowledged && !hasAlertDestination(result.settings)) problems.push(NO_DESTINATION_PROBLEM);
  if (problems.length > 0 || !('settings' in result)) throw settingsError(problems, 'context');
  return result.settings;
}

/** Whether anyone hears an alert: an email subscription, the Slack notifier, a Chatbot channel or Security Hub. */
export function hasAlertDestination(
  settings: Pick<DeploySettings, 'alertEmails' | 'slackWebhookSecretArn' | 'chatbotSlackWorkspaceId' | 'securityHub'>,
): boolean {
  return (
    settings.alertEmails.length > 0 || settings.slackWebhookSecretArn !== undefined || settings.chatbotSlackWorkspaceId !== undefined || settings.securityHub
  );
}

interface Problem {
  /** The context key (or settings path) at fault; none for a problem of the whole deploy. */
  key?: string;
  message: string;
}

const NO_DESTINATION_PROBLEM: Problem = {
  message: [
    'no alert destination: the stack would detect and tell nobody. Add at least one of',
    '      -c alertEmails=secops@example.com',
    '      -c slackWebhookSecretArn=arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME',
    '      -c chatbotSlackWorkspaceId=T… -c chatbotSlackChannelId=C…',
    '      -c securityHub=true',
    `    or, to subscribe to the topic yourself, -c ${NO_ALERT_DESTINATION_CONTEXT_KEY.key}=${NO_ALERT_DESTINATION_CONTEXT_KEY.value}`,
  ].join('\n'),
};

function settingsOrProblems(context: Record<string, unknown>): { settings: DeploySettings } | { problems: Problem[] } {
  const picked = Object.fromEntries(DEPLOY_CONTEXT_KEYS.filter((k) => context[k] !== undefined).map((k) => [k, context[k]]));
  const result = deploySettingsSchema.safeParse(picked);
  if (result.success) return { settings: result.data };
  return { problems: result.error.issues.map((i) => ({ key: i.path.join('.'), message: i.message })) };
}

function settingsError(problems: readonly Problem[], from: 'context' | 'props'): DeploySettingsError {
  const flag = from === 'context' ? '-c ' : '';
  const lines = problems.map((p) => (p.key === undefined ? `  ${p.message}` : `  ${flag}${p.key || `(${from})`}: ${p.message}`));
  return new DeploySettingsError(
    `${from === 'context' ? 'invalid context for k8s-audit-analyzer' : 'invalid KubernetesAuditAnalyzer props'}:\n${lines.join('\n')}`,
  );
}

/** A key neither this app's nor CDK's is a typo until shown otherwise: `cdk` would ignore it silently. */
function unknownKeyProblems(keys: readonly string[]): Problem[] {
  return keys
    .filter((key) => !APP_CONTEXT_KEYS.includes(key) && !isCdkContextKey(key))
    .sort()
    .map((key) => {
      const near = closestKey(key);
      return { key, message: `not a context key of this app${near ? `; did you mean ${near}?` : ''} (all keys: docs/reference/deploy-context.md)` };
    });
}

/** The app's key nearest to a mistyped one, when it is near enough to be what was meant. */
export function closestKey(typed: string, known: readonly string[] = APP_CONTEXT_KEYS): string | undefined {
  let best: { key: string; distance: number } | undefined;
  for (const key of known) {
    // Case slips (`alertemails`) cost nothing extra: they are the commonest typo on a command line.
    const distance = editDistance(typed.toLowerCase(), key.toLowerCase());
    if (best === undefined || distance < best.distance) best = { key, distance };
  }
  // Up to a third of the key may differ: `alertEmail` and `slackMinSeverty` are found, `region` is not.
  return best && best.distance <= Math.max(2, Math.floor(best.key.length / 3)) ? best.key : undefined;
}

/** Levenshtein distance: insertions, deletions and substitutions, one each. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

import { Logger } from '@aws-lambda-powertools/logger';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { snsRecord } from '../../devkit/lambda-events';
import type { Context, SNSEvent, SNSEventRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { SlackPostError, WebhookSecretError } from '../../lambdas/adapters/slack-webhook';
import { buildAlert } from '../../lambdas/core/alert/sns-message';
import { buildIncidentAlert } from '../../lambdas/core/alert/incident-message';
import { slackMessageFor } from '../../lambdas/core/alert/slack-message';
import type { Severity } from '../../lambdas/core/finding';
import { DEFAULT_ALERT_MINIMUM } from '../../lambdas/core/finding';
import type { AggregatedRow } from '../../lambdas/core/report/aggregate';
import type { SlackNotifierDeps, SlackNotifierHandler } from '../../lambdas/slack-notifier/handler';
import { makeHandler } from '../../lambdas/slack-notifier/handler';
import type { LocalWebhook } from '../../devkit/local-webhook';
import { STORY_LINKS, storyAlert } from '../../devkit/incident-story';
import { startLocalWebhook } from '../../devkit/local-webhook';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack-webhook-AbCdEf';
const TOKEN = 'XXXXsecretTOKENvalue';
const context = {
  functionName: 'slack-notifier',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:slack-notifier',
  memoryLimitInMB: '256',
  functionVersion: '$LATEST',
} as unknown as Context;

const row = (i: number, severity: Severity): AggregatedRow => ({
  ruleId: i === 0 ? 'rbac.cluster-admin-binding' : 'exec.pod-exec',
  title: 'A rule',
  category: i === 0 ? 'rbac-change' : 'exec',
  severity,
  actor: `user-${i}@example.com`,
  target: { resource: 'clusterrolebindings', name: `backdoor-${i}` },
  count: 1,
  firstSeen: '2026-11-20T10:00:00Z',
  lastSeen: '2026-11-20T10:05:00Z',
  exampleAuditID: `audit-${i}`,
  summary: `user-${i}@example.com bound cluster-admin to backdoor-${i}`,
  sources: ['s3://audit-logs/clusters/prod-eu/a.gz'],
  clusters: ['prod-eu'],
});

/** An SNS record as Lambda receives it from the alerts topic: the `lambda` body of the analyzer's alert. */
function alertRecord(rows: AggregatedRow[], messageId = 'msg-1'): SNSEventRecord {
  const bySeverity = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const r of rows) bySeverity[r.severity] += r.count;
  const alert = buildAlert({
    rows,
    summary: { objects: 1, bytes: 100, events: 10, skipped: 0, malformed: 0, incomplete: 0, findings: rows.length, bySeverity },
    source: 's3://audit-logs/clusters/prod-eu/a.gz',
    cluster: 'prod-eu',
  });
  const message = (JSON.parse(alert.Message) as { lambda: string }).lambda;
  return topicRecord(message, alert.Subject, messageId, alert.MessageAttributes.severity.StringValue);
}

/** The alerts topic's message with the attributes the notifier's subscription filters on. */
const topicRecord = (message: string, subject: string, messageId = 'msg-1', severity = 'critical'): SNSEventRecord =>
  snsRecord(message, { subject, messageId, attributes: { severity, cluster: 'prod-eu' } });

const event = (...records: SNSEventRecord[]): SNSEvent => ({ Records: records });

const secrets = mockClient(SecretsManagerClient);
let webhook: LocalWebhook;
let clock: number;
let sleeps: number[];
let output: string[];

const now = (): number => clock;
const sleep = (ms: number): Promise<void> => {
  sleeps.push(ms);
  clock += ms;
  return Promise.resolve();
};

function notifier(extra: Partial<SlackNotifierDeps> = {}): SlackNotifierHandler {
  return makeHandler({
    secrets: new SecretsManagerClient({ region: 'eu-west-1' }),
    webhookSecretId: SECRET_ARN,
    allowedHosts: ['127.0.0.1'],
    logger: new Logger({ serviceName: 'slack-notifier-test', logLevel: 'DEBUG' }),
    now,
    sleep,
    ...extra,
  });
}

/** What the handler logged, one parsed JSON object per line. */
const logged = (): Record<string, unknown>[] =>
  output
    .join('')
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const secretCalls = (): number => secrets.commandCalls(GetSecretValueCommand).length;

beforeEach(async () => {
  clock = 1_800_000_000_000;
  sleeps = [];
  output = [];
  secrets.reset();
  webhook = await startLocalWebhook(now, TOKEN);
  secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: webhook.url });
  // The Logger writes through a Console on process.stdout/stderr; capture everything it prints.
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
  }
});

afterEach(async () => {
  jest.restoreAllMocks();
  await webhook.stop();
  // Whatever happened in the test, the webhook URL (the credential) was never logged.
  const all = output.join('');
  expect(all).not.toContain(TOKEN);
  expect(all).not.toContain(webhook.url);
});

/** Runs the handler and returns what it threw (failing the test if it did not throw). */
async function thrown(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the handler to throw');
}

describe('the Slack notifier', () => {
  it('posts the rendered alert as JSON to the webhook from the secret, and logs the outcome without the URL', async () => {
    const record = alertRecord([row(0, 'critical'), row(1, 'high'), row(2, 'low')]);
    await notifier()(event(record), context);

    expect(webhook.received).toHaveLength(1);
    const [post] = webhook.received;
    expect(post.method).toBe('POST');
    expect(post.path).toBe(`/services/T0000/B0000/${TOKEN}`);
    expect(post.contentType).toMatch(/^application\/json\b/);
    const body = JSON.parse(post.body) as unknown;
    expect(body).toEqual(slackMessageFor({ subject: record.Sns.Subject, message: record.Sns.Message }, { minSeverity: DEFAULT_ALERT_MINIMUM })?.body);
    expect(post.body).toContain('rbac.cluster-admin-binding');
    expect(post.body).not.toContain('backdoor-2'); // the low row is below the default minimum

    const done = logged().find((l) => l.message === 'posted to Slack');
    expect(done).toMatchObject({
      messageId: 'msg-1',
      subject: record.Sns.Subject,
      kind: 'findings',
      rowsPosted: 2,
      rowsLeftOut: 0,
      attempts: 1,
      function_request_id: 'req-1',
    });
  });

  it('posts an incident alert as top-level text and Block Kit blocks', async () => {
    const alert = buildIncidentAlert(storyAlert(), STORY_LINKS);
    const record = topicRecord((JSON.parse(alert.Message) as { lambda: string }).lambda, alert.Subject);
    await notifier()(event(record), context);

    expect(webhook.received).toHaveLength(1);
    const body = JSON.parse(webhook.received[0].body) as { text: string; blocks: { type: string }[]; attachments?: unknown };
    expect(body.attachments).toBeUndefined();
    expect(body.text).toMatch(/^jordan\.lee \(arn:aws:iam::…:user\/jordan\.lee\) requested a token/);
    expect(body.blocks[0].type).toBe('header');
    expect(body.blocks.filter((b) => b.type === 'actions')).toHaveLength(4);
    expect(logged().find((l) => l.message === 'posted to Slack')).toMatchObject({ kind: 'incident', attempts: 1 });
  });

  it('reads the webhook URL from a JSON secret too', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ webhookUrl: webhook.url, note: 'rotated 2026-11' }) });
    await notifier()(event(alertRecord([row(0, 'critical')])), context);
    expect(webhook.received).toHaveLength(1);
  });

  it('posts nothing when no row reaches the minimum severity, and says so in the log', async () => {
    await notifier({ minSeverity: 'critical' })(event(alertRecord([row(0, 'high'), row(1, 'medium')])), context);
    expect(webhook.received).toHaveLength(0);
    expect(logged().find((l) => l.message === 'nothing at or above the minimum severity; not posted')).toMatchObject({
      messageId: 'msg-1',
      minSeverity: 'critical',
    });
  });

  it('posts a plain notice from the subject for a message kind it does not render', async () => {
    const digest = JSON.stringify({ kind: 'digest', period: '2026-11', link: 'https://reports.example.com/r.html' });
    await notifier({ minSeverity: 'critical' })(event(topicRecord(digest, 'k8s-audit-analyzer monthly report <!channel>', 'msg-r', 'info')), context);
    expect(webhook.received).toHaveLength(1);
    expect(JSON.parse(webhook.received[0].body)).toEqual({
      text: 'k8s-audit-analyzer monthly report &lt;!channel&gt;',
      unfurl_links: false,
      unfurl_media: false,
    });
    expect(logged().find((l) => l.level === 'WARN')).toMatchObject({ messageId: 'msg-r', reason: 'kind "digest" is not rendered' });
  });

  it('waits out a 429 for Retry-After seconds and posts once more', async () => {
    webhook.script({ status: 429, headers: { 'retry-after': '7' }, body: 'rate_limited' });
    await notifier()(event(alertRecord([row(0, 'critical')])), context);
    expect(webhook.received).toHaveLength(2);
    expect(webhook.received[1].body).toBe(webhook.received[0].body);
    expect(webhook.received[1].at - webhook.received[0].at).toBe(7000);
    expect(sleeps).toEqual([7000]);
    expect(logged().find((l) => l.message === 'posted to Slack')).toMatchObject({ attempts: 2 });
  });

  it('throws after a bounded number of retries when Slack keeps failing with 5xx, naming the status but not the URL', async () => {
    webhook.always = { status: 500, body: 'internal_error' };
    const error = await thrown(notifier()(event(alertRecord([row(0, 'critical')])), context));
    expect(error).toBeInstanceOf(SlackPostError);
    expect(error.message).toBe('Slack webhook failed after 4 attempts: HTTP 500 internal_error');
    expect(error.message).not.toContain('127.0.0.1');
    expect(error.stack ?? '').not.toContain(TOKEN);
    expect(webhook.received).toHaveLength(4);
    expect(sleeps).toEqual([1000, 2000, 4000]);
    expect(logged().find((l) => l.level === 'ERROR')).toMatchObject({ messageId: 'msg-1', error: { name: 'SlackPostError' } });
  });

  it("does not retry other 4xx and reports Slack's error text", async () => {
    webhook.script({ status: 400, body: 'invalid_payload' });
    const error = await thrown(notifier()(event(alertRecord([row(0, 'critical')])), context));
    expect(error).toMatchObject({ name: 'SlackPostError', status: 400, slackError: 'invalid_payload', attempts: 1 });
    expect(error.message).toBe('Slack webhook refused the message: HTTP 400 invalid_payload (not retried)');
    expect(webhook.received).toHaveLength(1);
  });

  it('spaces posts at least a second apart, across records and invocations', async () => {
    const handler = notifier();
    await handler(event(alertRecord([row(0, 'critical')], 'a'), alertRecord([row(1, 'high')], 'b')), context);
    clock += 300;
    await handler(event(alertRecord([row(2, 'critical')], 'c')), context);
    const times = webhook.received.map((r) => r.at);
    expect(times).toHaveLength(3);
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(1000);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(1000);
    expect(sleeps).toEqual([1000, 700]);
  });

  it('throws a clear error when the secret cannot be read, and posts nothing', async () => {
    secrets.on(GetSecretValueCommand).rejects(
      Object.assign(new Error('User: arn:aws:sts::123456789012:assumed-role/notifier is not authorized to perform: secretsmanager:GetSecretValue'), {
        name: 'AccessDeniedException',
      }),
    );
    const error = await thrown(notifier()(event(alertRecord([row(0, 'critical')])), context));
    expect(error).toBeInstanceOf(WebhookSecretError);
    expect(error.message).toMatch(new RegExp(`^could not read the Slack webhook secret ${SECRET_ARN}: AccessDeniedException: User: .* is not authorized`));
    expect(webhook.received).toHaveLength(0);
    // A failed read is not cached: the retry reads again.
    secrets.on(GetSecretValueCommand).resolves({ SecretString: webhook.url });
    await notifier()(event(alertRecord([row(0, 'critical')])), context);
    expect(webhook.received).toHaveLength(1);
  });

  it('refuses a webhook URL on another host or over http, without echoing it', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: `https://attacker.example.com/services/${TOKEN}` });
    const wrongHost = await thrown(notifier()(event(alertRecord([row(0, 'critical')])), context));
    expect(wrongHost.message).toBe(`the Slack webhook URL in ${SECRET_ARN} is not on an allowed host (127.0.0.1)`);

    secrets.on(GetSecretValueCommand).resolves({ SecretString: `http://hooks.slack.com/services/${TOKEN}` });
    const plainHttp = await thrown(notifier({ allowedHosts: undefined })(event(alertRecord([row(0, 'critical')])), context));
    expect(plainHttp.message).toBe(`the Slack webhook URL in ${SECRET_ARN} must use https`);

    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ url: TOKEN }) });
    const noField = await thrown(notifier()(event(alertRecord([row(0, 'critical')])), context));
    expect(noField.message).toBe(`the Slack webhook secret ${SECRET_ARN} is JSON without a "webhookUrl" string`);

    for (const e of [wrongHost, plainHttp, noField]) expect(`${e.message}\n${e.stack ?? ''}`).not.toContain(TOKEN);
    expect(webhook.received).toHaveLength(0);
  });

  it('caches the URL for five minutes, then reads the secret again and follows a rotation', async () => {
    const handler = notifier();
    await handler(event(alertRecord([row(0, 'critical')], 'a')), context);
    clock += 60_000;
    await handler(event(alertRecord([row(0, 'critical')], 'b')), context);
    expect(secretCalls()).toBe(1);
    expect(webhook.received).toHaveLength(2);

    const rotated = await startLocalWebhook(now, 'ROTATEDtokenVALUE');
    try {
      secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ webhookUrl: rotated.url }) });
      clock += 4 * 60_000 - 1; // 5 minutes after the read, less 1 ms: still cached
      await handler(event(alertRecord([row(0, 'critical')], 'c')), context);
      expect(secretCalls()).toBe(1);
      clock += 1;
      await handler(event(alertRecord([row(0, 'critical')], 'd')), context);
      expect(secretCalls()).toBe(2);
      expect(webhook.received).toHaveLength(3);
      expect(rotated.received).toHaveLength(1);
      expect(output.join('')).not.toContain('ROTATEDtokenVALUE');
    } finally {
      await rotated.stop();
    }
  });

  it('reads the secret again after Slack refused the URL (a revoked webhook, a rotated secret)', async () => {
    const handler = notifier();
    webhook.script({ status: 404, body: 'no_service' });
    await expect(handler(event(alertRecord([row(0, 'critical')])), context)).rejects.toThrow('HTTP 404 no_service');
    await handler(event(alertRecord([row(0, 'critical')])), context);
    expect(secretCalls()).toBe(2);
    expect(webhook.received).toHaveLength(2);
  });
});

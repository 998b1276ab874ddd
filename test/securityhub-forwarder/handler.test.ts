import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { SNSEvent, SNSEventRecord } from 'aws-lambda';
import { FindingsRefusedError, SecurityHubImporter } from '../../lambdas/adapters/securityhub-importer';
import { buildIncidentAlert } from '../../lambdas/core/alert/incident-message';
import { ASFF_LIMITS, ASFF_REQUIRED_ATTRIBUTES } from '../../lambdas/core/export/asff';
import type { IncidentAlert } from '../../lambdas/core/incident/types';
import type { SecurityHubForwarderHandler } from '../../lambdas/securityhub-forwarder/handler';
import { makeHandler, UnreadableIncidentError } from '../../lambdas/securityhub-forwarder/handler';
import { lambdaContext } from '../../devkit/lambda-events';
import { STORY_GROUPS, STORY_LINKS, storyAlert } from '../../devkit/incident-story';

const TARGET = { partition: 'aws', region: 'eu-west-1', accountId: '123456789012' };
const PRODUCT_ARN = 'arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default';

interface Stored {
  Id: string;
  CreatedAt: string;
  UpdatedAt: string;
  RecordState: string;
}

/**
 * Security Hub's `BatchImportFindings` (REST-JSON `POST /findings/import`) on 127.0.0.1: it checks
 * what the real service checks before it stores anything (the route, at most 100 findings and 6 MB
 * a call, 240 KB a finding, the required attributes, our account and product), refuses a finding
 * that breaks them in `FailedFindings`, keeps the rest by Id, and records every import as a
 * creation or an update.
 */
async function startLocalSecurityHub() {
  const findings = new Map<string, Stored>();
  const log: Array<{ op: 'created' | 'updated'; id: string; updatedAt: string; recordState: string }> = [];
  const calls: Array<{ count: number; bytes: number }> = [];
  const problems: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== '/findings/import') return answer(404, { message: `no route ${req.method} ${req.url}` });
      const body = JSON.parse(raw.toString('utf8')) as { Findings?: Array<Record<string, unknown>> };
      const batch = body.Findings ?? [];
      calls.push({ count: batch.length, bytes: raw.length });
      if (batch.length === 0 || batch.length > ASFF_LIMITS.findingsPerCall || raw.length > 6 * 1024 * 1024) {
        problems.push(`call of ${batch.length} findings, ${raw.length} bytes`);
        return answer(400, { message: 'Invalid request' });
      }
      const failed: Array<{ Id: string; ErrorCode: string; ErrorMessage: string }> = [];
      for (const f of batch) {
        const missing = ASFF_REQUIRED_ATTRIBUTES.filter((k) => f[k] === undefined);
        const id = String(f.Id);
        const wrong = [
          ...missing.map((k) => `missing ${k}`),
          ...(Buffer.byteLength(JSON.stringify(f)) > 240 * 1024 ? ['over 240 KB'] : []),
          ...(f.AwsAccountId !== TARGET.accountId ? ['another account'] : []),
          ...(f.ProductArn !== PRODUCT_ARN ? ['another product'] : []),
          ...(String(f.Title).length > 256 || String(f.Description).length > 1024 ? ['Title or Description too long'] : []),
        ];
        if (wrong.length > 0) {
          failed.push({ Id: id, ErrorCode: 'InvalidInput', ErrorMessage: wrong.join(', ') });
          continue;
        }
        const stored = { Id: id, CreatedAt: String(f.CreatedAt), UpdatedAt: String(f.UpdatedAt), RecordState: String(f.RecordState) };
        log.push({ op: findings.has(id) ? 'updated' : 'created', id, updatedAt: stored.UpdatedAt, recordState: stored.RecordState });
        findings.set(id, stored);
      }
      return answer(200, { FailedCount: failed.length, SuccessCount: batch.length - failed.length, FailedFindings: failed });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    findings,
    log,
    calls,
    problems,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The `lambda` body of the analyzer's SNS message for an alert, as the subscription delivers it. */
function alertRecord(alert: IncidentAlert, messageId: string): SNSEventRecord {
  const built = buildIncidentAlert(alert, STORY_LINKS);
  return snsRecord((JSON.parse(built.Message) as { lambda: string }).lambda, built.Subject, messageId);
}

function snsRecord(message: string, subject: string, messageId: string): SNSEventRecord {
  return {
    EventVersion: '1.0',
    EventSubscriptionArn: 'arn:aws:sns:eu-west-1:123456789012:k8s-audit-alerts:sub',
    EventSource: 'aws:sns',
    Sns: {
      SignatureVersion: '1',
      Timestamp: '2026-11-20T09:01:00.000Z',
      Signature: 'sig',
      SigningCertUrl: 'https://sns.eu-west-1.amazonaws.com/cert.pem',
      MessageId: messageId,
      Message: message,
      MessageAttributes: {},
      Type: 'Notification',
      UnsubscribeUrl: 'https://sns.eu-west-1.amazonaws.com/unsubscribe',
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:k8s-audit-alerts',
      Subject: subject,
    },
  };
}

const event = (...records: SNSEventRecord[]): SNSEvent => ({ Records: records });

/** The story's incident after its first group grew by a later finding: the update tells it again. */
function grownAlert(): IncidentAlert {
  const alert = storyAlert('updated');
  const first = { ...STORY_GROUPS[0], count: 2, lastSeen: '2026-11-20T09:30:00Z' };
  return { ...alert, incident: { ...alert.incident, lastSeen: '2026-11-20T09:30:00Z', version: 2 }, told: [first], whatsNew: '1 more finding' };
}

describe('Security Hub forwarder against a local Security Hub', () => {
  let hub: Awaited<ReturnType<typeof startLocalSecurityHub>>;
  let handler: SecurityHubForwarderHandler;
  let info: jest.SpyInstance;

  beforeEach(async () => {
    hub = await startLocalSecurityHub();
    const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
    info = jest.spyOn(logger, 'info');
    const client = new SecurityHubClient({
      endpoint: hub.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    handler = makeHandler({ importer: new SecurityHubImporter(client), target: TARGET, logger });
  });
  afterEach(() => hub.stop());

  it('creates one finding per group on the opening, then updates the same finding when the incident grows', async () => {
    await handler(event(alertRecord(storyAlert('opened'), 'm-1')), lambdaContext);
    expect(hub.log.map((l) => l.op)).toEqual(STORY_GROUPS.map(() => 'created'));
    const first = hub.log[0];

    await handler(event(alertRecord(grownAlert(), 'm-2')), lambdaContext);
    expect(hub.log).toHaveLength(STORY_GROUPS.length + 1);
    const update = hub.log[STORY_GROUPS.length];
    expect(update).toMatchObject({ op: 'updated', id: first.id, recordState: 'ACTIVE' });
    expect(update.updatedAt > first.updatedAt).toBe(true);
    expect(hub.findings.size).toBe(STORY_GROUPS.length);
    expect(hub.problems).toEqual([]);
    expect(hub.calls.every((c) => c.count <= 100)).toBe(true);
  });

  it('archives the findings when a person closes the incident', async () => {
    await handler(event(alertRecord(storyAlert('opened'), 'm-1')), lambdaContext);
    const closing = storyAlert('closed');
    const closed: IncidentAlert = {
      ...closing,
      incident: { ...closing.incident, state: 'closed', ended: { at: '2026-11-20T12:00:00.000Z', how: 'closed', by: 'secops', reason: 'keys revoked' } },
    };
    await handler(event(alertRecord(closed, 'm-3')), lambdaContext);
    expect([...hub.findings.values()].map((f) => [f.RecordState, f.UpdatedAt])).toEqual(STORY_GROUPS.map(() => ['ARCHIVED', '2026-11-20T12:00:00.000Z']));
  });

  it('imports nothing for a test alert or a message that is not an incident, and says so', async () => {
    await handler(
      event(
        alertRecord(storyAlert('test'), 'm-4'),
        snsRecord('Weekly compliance report: 3 controls violated', 'report', 'm-5'),
        snsRecord('{"kind":"watchdog"}', 'silence', 'm-6'),
      ),
      lambdaContext,
    );
    expect(hub.calls).toEqual([]);
    expect(info.mock.calls.map((c: unknown[]) => c[0])).toEqual([
      'incident alert not imported',
      'not an incident alert (a report, a watchdog notice or a findings table); nothing imported',
      'not an incident alert (a report, a watchdog notice or a findings table); nothing imported',
    ]);
  });

  it('fails the invocation (retry, then DLQ) for an incident body that breaks the contract', async () => {
    await expect(handler(event(snsRecord('{"kind":"incident","version":1}', 's', 'm-7')), lambdaContext)).rejects.toBeInstanceOf(UnreadableIncidentError);
    expect(hub.calls).toEqual([]);
  });

  it('fails the invocation naming the findings Security Hub refused', async () => {
    const other = makeHandler({
      importer: new SecurityHubImporter(
        new SecurityHubClient({
          endpoint: hub.endpoint,
          region: 'eu-west-1',
          credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
          maxAttempts: 1,
        }),
      ),
      target: { ...TARGET, accountId: '210987654321' }, // not the account the local hub belongs to
      logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
    });
    const error = await other(event(alertRecord(storyAlert('opened'), 'm-8')), lambdaContext).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FindingsRefusedError);
    expect((error as FindingsRefusedError).refused).toHaveLength(STORY_GROUPS.length);
    expect((error as Error).message).toMatch(
      /^Security Hub refused 4 finding\(s\): k8s-audit-analyzer\/incident\/prod-eu-jordan\.lee-20261120T090004Z\/group\/[0-9a-f]{32} \(InvalidInput: another account, another product\)/,
    );
  });
});

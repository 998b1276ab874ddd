import { Logger } from '@aws-lambda-powertools/logger';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import type { SNSEvent, SNSEventRecord } from 'aws-lambda';
import { FindingsRefusedError, SecurityHubImporter } from '../../lambdas/adapters/securityhub-importer';
import { buildIncidentAlert } from '../../lambdas/core/alert/incident-message';
import type { IncidentAlert } from '../../lambdas/core/incident/types';
import type { SecurityHubForwarderHandler } from '../../lambdas/securityhub-forwarder/handler';
import { makeHandler, UnreadableIncidentError } from '../../lambdas/securityhub-forwarder/handler';
import { lambdaContext, snsRecord } from '../../devkit/lambda-events';
import { startLocalSecurityHub } from '../../devkit/local-securityhub';
import { STORY_GROUPS, STORY_LINKS, storyAlert } from '../../devkit/incident-story';

const TARGET = { partition: 'aws', region: 'eu-west-1', accountId: '123456789012' };
const PRODUCT_ARN = 'arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/default';

/** The `lambda` body of the analyzer's SNS message for an alert, as the subscription delivers it. */
function alertRecord(alert: IncidentAlert, messageId: string): SNSEventRecord {
  const built = buildIncidentAlert(alert, STORY_LINKS);
  return hubRecord((JSON.parse(built.Message) as { lambda: string }).lambda, built.Subject, messageId);
}

const hubRecord = (message: string, subject: string, messageId: string): SNSEventRecord =>
  snsRecord(message, { subject, messageId, timestamp: '2026-11-20T09:01:00.000Z' });

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
    hub = await startLocalSecurityHub(TARGET.accountId, PRODUCT_ARN);
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
        hubRecord('Weekly compliance report: 3 controls violated', 'report', 'm-5'),
        hubRecord('{"kind":"watchdog"}', 'silence', 'm-6'),
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
    await expect(handler(event(hubRecord('{"kind":"incident","version":1}', 's', 'm-7')), lambdaContext)).rejects.toBeInstanceOf(UnreadableIncidentError);
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

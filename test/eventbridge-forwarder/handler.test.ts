import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { snsRecord } from '../../devkit/lambda-events';
import type { Context, SNSEvent, SNSEventRecord } from 'aws-lambda';
import { STORY_LINKS, storyAlert } from '../../devkit/incident-story';
import { EventBridgePublisher } from '../../lambdas/adapters/eventbridge-publisher';
import { buildIncidentAlert } from '../../lambdas/core/alert/incident-message';
import { incidentEventDetailSchema } from '../../lambdas/core/export/incident-event';
import type { IncidentAlert } from '../../lambdas/core/incident/types';
import { makeHandler } from '../../lambdas/eventbridge-forwarder/handler';
import { EventBridgeForwarderSettingsError, eventBridgeForwarderSettingsFromEnv } from '../../lambdas/eventbridge-forwarder/settings';

const context = { functionName: 'eventbridge-forwarder', awsRequestId: 'req-1' } as unknown as Context;
const BUS = 'k8s-audit-incidents';

interface Received {
  target: string | undefined;
  contentType: string | undefined;
  authorization: string | undefined;
  body: { Entries: Array<{ Source: string; DetailType: string; Detail: string; EventBusName: string }> };
}

/** A local endpoint playing EventBridge's PutEvents (JSON 1.1 protocol): records each request, fails the entries `failWith` names. */
async function localEventBridge(failWith?: string): Promise<{ server: Server; endpoint: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Received['body'];
      received.push({
        target: req.headers['x-amz-target'] as string,
        contentType: req.headers['content-type'],
        authorization: req.headers.authorization,
        body,
      });
      const entries = body.Entries.map((e, i) =>
        failWith && e.DetailType === failWith ? { ErrorCode: 'InternalFailure', ErrorMessage: 'try later' } : { EventId: `id-${i}` },
      );
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ FailedEntryCount: entries.filter((e) => 'ErrorCode' in e).length, Entries: entries }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const record = (message: string, messageId: string): SNSEventRecord => snsRecord(message, { messageId });

/** The `lambda` body of the analyzer's SNS message, as Lambda receives it. */
const incidentRecord = (alert: IncidentAlert, id: string): SNSEventRecord =>
  record((JSON.parse(buildIncidentAlert(alert, STORY_LINKS).Message) as { lambda: string }).lambda, id);

describe('the EventBridge forwarder, end to end through the SDK client against a local endpoint', () => {
  let bridge: Awaited<ReturnType<typeof localEventBridge>>;
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  const handlerFor = () =>
    makeHandler({
      sink: new EventBridgePublisher(
        new EventBridgeClient({
          endpoint: bridge.endpoint,
          region: 'eu-west-1',
          credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
          maxAttempts: 1,
        }),
        BUS,
      ),
      logger,
    });
  afterEach(() => new Promise<void>((resolve) => bridge.server.close(() => resolve())));

  it('puts one event per incident alert, with the documented detail, and ignores other messages', async () => {
    bridge = await localEventBridge();
    const event: SNSEvent = {
      Records: [
        incidentRecord(storyAlert('opened'), 'm1'),
        record('{"kind":"report","version":1}', 'm2'),
        record('plain text', 'm3'),
        incidentRecord({ ...storyAlert('closed'), incident: { ...storyAlert().incident, state: 'closed' } }, 'm4'),
      ],
    };
    await handlerFor()(event, context);
    expect(bridge.received).toHaveLength(1);
    const [request] = bridge.received;
    expect(request.target).toBe('AWSEvents.PutEvents');
    expect(request.contentType).toBe('application/x-amz-json-1.1');
    expect(request.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/eu-west-1\/events\/aws4_request/);
    expect(request.body.Entries.map((e) => [e.Source, e.DetailType, e.EventBusName])).toEqual([
      ['k8s-audit-analyzer', 'Incident Opened', BUS],
      ['k8s-audit-analyzer', 'Incident Closed', BUS],
    ]);
    const details = request.body.Entries.map((e) => incidentEventDetailSchema.parse(JSON.parse(e.Detail)));
    expect(details.map((d) => [d.kind, d.incident.state])).toEqual([
      ['opened', 'open'],
      ['closed', 'closed'],
    ]);
  });

  it('puts nothing when no message is an incident alert', async () => {
    bridge = await localEventBridge();
    await handlerFor()({ Records: [record('{"kind":"incident","version":2}', 'm1')] }, context);
    expect(bridge.received).toHaveLength(0);
  });

  it('throws when EventBridge refuses an entry, so Lambda retries and then dead-letters the event', async () => {
    bridge = await localEventBridge('Incident Updated');
    const event: SNSEvent = { Records: [incidentRecord(storyAlert('opened'), 'm1'), incidentRecord({ ...storyAlert('updated'), whatsNew: 'more' }, 'm2')] };
    await expect(handlerFor()(event, context)).rejects.toThrow(/#1 Incident Updated of incident prod-eu-jordan\.lee-20261120T090004Z: InternalFailure/);
  });
});

describe('the forwarder settings', () => {
  it('needs the bus name', () => {
    expect(eventBridgeForwarderSettingsFromEnv({ EVENT_BUS_NAME: BUS })).toEqual({ eventBusName: BUS });
    expect(() => eventBridgeForwarderSettingsFromEnv({ EVENT_BUS_NAME: ' ' })).toThrow(EventBridgeForwarderSettingsError);
    expect(() => eventBridgeForwarderSettingsFromEnv({})).toThrow(/EVENT_BUS_NAME is required/);
  });
});

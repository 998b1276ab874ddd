import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SNSClient } from '@aws-sdk/client-sns';

/** One `Publish` the local endpoint accepted, decoded from the AWS query protocol. */
export interface ReceivedPublish {
  messageId: string;
  topicArn?: string;
  subject?: string;
  message?: string;
  messageStructure?: string;
  /** Message attributes by name: data type and string value. */
  attributes: Record<string, { dataType?: string; value?: string }>;
  /** Every form field as sent. */
  params: Record<string, string>;
}

/**
 * A minimal SNS endpoint for the real SNSClient: it answers `Publish` (query protocol: a
 * form-encoded POST) with a `PublishResponse`, records what it received, and can be told to fail.
 */
export interface LocalSns {
  client: SNSClient;
  endpoint: string;
  published: ReceivedPublish[];
  /** While set, every request is answered with this HTTP status and an SNS error body (and not recorded). */
  failWith: number | undefined;
  /** Requests answered with a failure. */
  failedRequests: number;
  stop(): Promise<void>;
}

export async function startLocalSns(): Promise<LocalSns> {
  const state: LocalSns = {
    client: undefined as unknown as SNSClient,
    endpoint: '',
    published: [],
    failWith: undefined,
    failedRequests: 0,
    stop: () => Promise.resolve(),
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      if (state.failWith !== undefined) {
        state.failedRequests++;
        res.writeHead(state.failWith, { 'content-type': 'text/xml' });
        res.end(errorXml('InternalError', 'local SNS told to fail'));
        return;
      }
      if (params.Action !== 'Publish') {
        res.writeHead(400, { 'content-type': 'text/xml' });
        res.end(errorXml('InvalidAction', `unsupported action ${params.Action ?? '(none)'}`));
        return;
      }
      const messageId = randomUUID();
      state.published.push({
        messageId,
        topicArn: params.TopicArn,
        subject: params.Subject,
        message: params.Message,
        messageStructure: params.MessageStructure,
        attributes: attributesOf(params),
        params,
      });
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${messageId}</MessageId></PublishResult>` +
          `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.client = new SNSClient({
    endpoint: state.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1, // a failure reaches the caller at once; the queue is the retry
  });
  state.stop = async () => {
    state.client.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}

/** `MessageAttributes.entry.N.Name`, `.Value.DataType`, `.Value.StringValue` → by name. */
function attributesOf(params: Record<string, string>): ReceivedPublish['attributes'] {
  const attributes: ReceivedPublish['attributes'] = {};
  for (let n = 1; params[`MessageAttributes.entry.${n}.Name`] !== undefined; n++) {
    attributes[params[`MessageAttributes.entry.${n}.Name`]] = {
      dataType: params[`MessageAttributes.entry.${n}.Value.DataType`],
      value: params[`MessageAttributes.entry.${n}.Value.StringValue`],
    };
  }
  return attributes;
}

function errorXml(code: string, message: string): string {
  return `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Receiver</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}

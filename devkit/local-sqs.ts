import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * A minimal SQS endpoint for the real SQSClient. @aws-sdk/client-sqs 3.1169.0 speaks the AWS JSON
 * 1.0 protocol: a POST to `/` with `Content-Type: application/x-amz-json-1.0`,
 * `X-Amz-Target: AmazonSQS.<Operation>`, `x-amzn-query-mode: true` and a JSON body. Errors come
 * back as a JSON body `{"__type", "message"}` plus the `x-amzn-query-error: <Code>;<Sender|Receiver>`
 * header, from which the client names the error (`AccessDenied`, `QueueDoesNotExist`, ...).
 *
 * Answers `SendMessageBatch` (with SQS's own checks: 1 to 10 entries, distinct valid ids),
 * `SendMessage`, `GetQueueUrl` and `GetQueueAttributes`; records the messages with the MD5 digests
 * SQS computes (the client checks `MD5OfMessageBody`), and can be told to fail single entries
 * (a partial batch failure) or whole requests.
 */
export interface LocalSqs {
  client: SQSClient;
  endpoint: string;
  /** Creates a queue; returns its URL. */
  createQueue(name: string): string;
  /** Messages accepted, in order. */
  messages: ReceivedMessage[];
  /** Every request that reached the server, answered or failed. */
  requests: ReceivedRequest[];
  /** Called for each batch entry before it is accepted; a failure it returns goes in `Failed`. */
  failEntry: ((entry: { id: string; body: string; queueUrl: string }) => EntryFailure | undefined) | undefined;
  /** Called for each request; an error it returns answers the whole request. */
  failRequest: ((request: ReceivedRequest) => RequestFailure | undefined) | undefined;
  stop(): Promise<void>;
}

export interface ReceivedMessage {
  messageId: string;
  queueUrl: string;
  body: string;
  attributes: Record<string, { dataType: string; stringValue?: string }>;
  md5OfBody: string;
}

export interface ReceivedRequest {
  /** The operation, from `X-Amz-Target` (`SendMessageBatch`, ...). */
  operation: string;
  headers: IncomingMessage['headers'];
  input: Record<string, unknown>;
  /** For SendMessageBatch: how many entries the call carried. */
  entries?: number;
}

export interface EntryFailure {
  code: string;
  message: string;
  senderFault: boolean;
}

export interface RequestFailure {
  status: number;
  /** The query-protocol code (x-amzn-query-error), e.g. `AccessDenied`. */
  code: string;
  /** The JSON `__type`. */
  type: string;
  message: string;
  fault?: 'Sender' | 'Receiver';
}

/** What SQS answers when IAM does not allow sqs:SendMessage. */
export function accessDenied(queueUrl = 'the queue'): RequestFailure {
  return {
    status: 400,
    code: 'AccessDenied',
    type: 'com.amazon.coral.service#AccessDeniedException',
    message: `User: arn:aws:iam::000000000000:user/operator is not authorized to perform: sqs:sendmessage on resource: ${queueUrl} because no identity-based policy allows the sqs:sendmessage action`,
  };
}

export function internalError(): RequestFailure {
  return {
    status: 500,
    code: 'InternalError',
    type: 'com.amazonaws.sqs#InternalError',
    message: 'We encountered an internal error. Please try again.',
    fault: 'Receiver',
  };
}

const ACCOUNT = '000000000000';

export async function startLocalSqs(): Promise<LocalSqs> {
  const queues = new Set<string>();
  const state: LocalSqs = {
    client: undefined as unknown as SQSClient,
    endpoint: '',
    createQueue: (name) => {
      queues.add(name);
      return `${state.endpoint}/${ACCOUNT}/${name}`;
    },
    messages: [],
    requests: [],
    failEntry: undefined,
    failRequest: undefined,
    stop: () => Promise.resolve(),
  };

  const queueOf = (url: unknown): string | undefined => {
    if (typeof url !== 'string') return undefined;
    const match = /\/(\d{12})\/([^/]+)$/.exec(url);
    return match && queues.has(match[2]) ? match[2] : undefined;
  };

  const accept = (queueUrl: string, body: string, attributes: unknown): { MessageId: string; MD5OfMessageBody: string; MD5OfMessageAttributes?: string } => {
    const attrs = decodeAttributes(attributes);
    const message: ReceivedMessage = { messageId: randomUUID(), queueUrl, body, attributes: attrs, md5OfBody: md5(body) };
    state.messages.push(message);
    return {
      MessageId: message.messageId,
      MD5OfMessageBody: message.md5OfBody,
      ...(Object.keys(attrs).length > 0 ? { MD5OfMessageAttributes: md5OfAttributes(attrs) } : {}),
    };
  };

  const handle = (operation: string, input: Record<string, unknown>): { status: number; body: unknown; queryError?: string } => {
    const clientError = (code: string, type: string, message: string) => ({ status: 400, body: { __type: type, message }, queryError: `${code};Sender` });
    if (operation === 'GetQueueUrl') {
      const name = input.QueueName;
      if (typeof name !== 'string' || !queues.has(name))
        return clientError('AWS.SimpleQueueService.NonExistentQueue', 'com.amazonaws.sqs#QueueDoesNotExist', 'The specified queue does not exist.');
      return { status: 200, body: { QueueUrl: `${state.endpoint}/${ACCOUNT}/${name}` } };
    }
    const queue = queueOf(input.QueueUrl);
    if (!queue) return clientError('AWS.SimpleQueueService.NonExistentQueue', 'com.amazonaws.sqs#QueueDoesNotExist', 'The specified queue does not exist.');
    const queueUrl = input.QueueUrl as string;
    switch (operation) {
      case 'GetQueueAttributes':
        return {
          status: 200,
          body: {
            Attributes: {
              QueueArn: `arn:aws:sqs:eu-west-1:${ACCOUNT}:${queue}`,
              ApproximateNumberOfMessages: String(state.messages.filter((m) => m.queueUrl === queueUrl).length),
            },
          },
        };
      case 'SendMessage':
        if (typeof input.MessageBody !== 'string' || input.MessageBody === '')
          return clientError('MissingParameter', 'com.amazonaws.sqs#MissingParameter', 'The request must contain the parameter MessageBody.');
        return { status: 200, body: accept(queueUrl, input.MessageBody, input.MessageAttributes) };
      case 'SendMessageBatch': {
        const entries = Array.isArray(input.Entries) ? (input.Entries as Array<{ Id?: unknown; MessageBody?: unknown; MessageAttributes?: unknown }>) : [];
        if (entries.length === 0)
          return clientError(
            'AWS.SimpleQueueService.EmptyBatchRequest',
            'com.amazonaws.sqs#EmptyBatchRequest',
            'There should be at least one SendMessageBatchRequestEntry in the request.',
          );
        if (entries.length > 10)
          return clientError(
            'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
            'com.amazonaws.sqs#TooManyEntriesInBatchRequest',
            `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
          );
        const ids = entries.map((e) => e.Id);
        if (ids.some((id) => typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(id)))
          return clientError(
            'AWS.SimpleQueueService.InvalidBatchEntryId',
            'com.amazonaws.sqs#InvalidBatchEntryId',
            'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
          );
        if (new Set(ids).size !== ids.length)
          return clientError(
            'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
            'com.amazonaws.sqs#BatchEntryIdsNotDistinct',
            'Two or more batch entries in the request have the same Id.',
          );
        const total = entries.reduce((n, e) => n + Buffer.byteLength(typeof e.MessageBody === 'string' ? e.MessageBody : ''), 0);
        if (total > 1024 * 1024)
          return clientError(
            'AWS.SimpleQueueService.BatchRequestTooLong',
            'com.amazonaws.sqs#BatchRequestTooLong',
            'Batch requests cannot be longer than 1048576 bytes.',
          );
        const successful: unknown[] = [];
        const failed: unknown[] = [];
        for (const entry of entries) {
          const id = entry.Id as string;
          const body = typeof entry.MessageBody === 'string' ? entry.MessageBody : '';
          if (body === '') {
            failed.push({ Id: id, SenderFault: true, Code: 'MissingParameter', Message: 'The request must contain the parameter MessageBody.' });
            continue;
          }
          const failure = state.failEntry?.({ id, body, queueUrl });
          if (failure) failed.push({ Id: id, SenderFault: failure.senderFault, Code: failure.code, Message: failure.message });
          else successful.push({ Id: id, ...accept(queueUrl, body, entry.MessageAttributes) });
        }
        return { status: 200, body: { Successful: successful, Failed: failed } };
      }
      default:
        return { status: 400, body: { __type: 'com.amazon.coral.service#UnknownOperationException', message: `local SQS does not answer ${operation}` } };
    }
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown, queryError?: string): void => {
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-requestid': randomUUID(),
          ...(queryError ? { 'x-amzn-query-error': queryError } : {}),
        });
        res.end(JSON.stringify(body));
      };
      const target = String(req.headers['x-amz-target'] ?? '');
      if (req.method !== 'POST' || !target.startsWith('AmazonSQS.') || !String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.0')) {
        reply(400, {
          __type: 'com.amazon.coral.service#UnknownOperationException',
          message: `expected an AWS JSON 1.0 POST with X-Amz-Target AmazonSQS.*, got ${req.method} ${target || '(no target)'}`,
        });
        return;
      }
      if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
        reply(
          400,
          { __type: 'com.amazon.coral.service#MissingAuthenticationTokenException', message: 'Request is missing Authentication Token' },
          'MissingAuthenticationToken;Sender',
        );
        return;
      }
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        reply(400, { __type: 'com.amazon.coral.service#SerializationException', message: 'body is not JSON' });
        return;
      }
      const operation = target.slice('AmazonSQS.'.length);
      const request: ReceivedRequest = {
        operation,
        headers: req.headers,
        input,
        ...(operation === 'SendMessageBatch' && Array.isArray(input.Entries) ? { entries: input.Entries.length } : {}),
      };
      state.requests.push(request);
      const failure = state.failRequest?.(request);
      if (failure) {
        reply(failure.status, { __type: failure.type, message: failure.message }, `${failure.code};${failure.fault ?? 'Sender'}`);
        return;
      }
      const { status, body, queryError } = handle(operation, input);
      reply(status, body, queryError);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.client = localSqsClient(state.endpoint);
  state.stop = async () => {
    state.client.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}

/** A client for the local endpoint: fixed credentials, and one retry of a failed call (quick tests). */
export function localSqsClient(endpoint: string, maxAttempts = 2): SQSClient {
  return new SQSClient({ endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts });
}

function md5(text: string | Buffer): string {
  return createHash('md5').update(text).digest('hex');
}

function decodeAttributes(value: unknown): ReceivedMessage['attributes'] {
  const attributes: ReceivedMessage['attributes'] = {};
  if (typeof value !== 'object' || value === null) return attributes;
  for (const [name, v] of Object.entries(value as Record<string, { DataType?: string; StringValue?: string }>)) {
    attributes[name] = { dataType: v.DataType ?? 'String', ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}) };
  }
  return attributes;
}

/**
 * SQS's MD5 of message attributes: for each attribute by name, the name, the data type (each as a
 * 4-byte big-endian length and UTF-8 bytes), a transport byte (1 for strings) and the value.
 */
function md5OfAttributes(attributes: ReceivedMessage['attributes']): string {
  const parts: Buffer[] = [];
  const field = (s: string): void => {
    const bytes = Buffer.from(s, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    field(name);
    field(attributes[name].dataType);
    parts.push(Buffer.from([1]));
    field(attributes[name].stringValue ?? '');
  }
  return md5(Buffer.concat(parts));
}

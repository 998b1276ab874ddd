import { MAX_BATCH, SqsWorkSender, WorkQueueError } from '../../lambdas/adapters/sqs-work-sender';
import type { LocalSqs } from '../../devkit/local-sqs';
import { accessDenied, internalError, startLocalSqs } from '../../devkit/local-sqs';

describe('sending work to SQS with SendMessageBatch', () => {
  let sqs: LocalSqs;
  let queueUrl: string;
  const noWait = { retryDelayMs: 0, sleep: () => Promise.resolve() };
  const messages = (n: number) => Array.from({ length: n }, (_, i) => ({ body: `message ${i}`, attributes: { source: 'backfill' } }));

  beforeAll(async () => {
    sqs = await startLocalSqs();
    queueUrl = sqs.createQueue('work');
  });
  afterAll(() => sqs.stop());
  beforeEach(() => {
    sqs.messages.length = 0;
    sqs.requests.length = 0;
    sqs.failEntry = undefined;
    sqs.failRequest = undefined;
  });

  it('sends up to ten messages in one call, with their attributes, and the SDK checks the digests', async () => {
    const outcome = await new SqsWorkSender(sqs.client, queueUrl, noWait).send(messages(10));
    expect(outcome).toEqual({ accepted: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], rejected: [] });
    expect(sqs.requests.map((r) => [r.operation, r.entries])).toEqual([['SendMessageBatch', 10]]);
    expect(sqs.requests[0].headers['x-amz-target']).toBe('AmazonSQS.SendMessageBatch');
    expect(sqs.messages.map((m) => m.body)).toEqual(messages(10).map((m) => m.body));
    expect(sqs.messages[0].attributes).toEqual({ source: { dataType: 'String', stringValue: 'backfill' } });
    await expect(new SqsWorkSender(sqs.client, queueUrl, noWait).send(messages(MAX_BATCH + 1))).rejects.toThrow(RangeError);
  });

  it('sends again the entries a call reports as failed, with backoff, until SQS takes them', async () => {
    const failures = new Map<string, number>([
      ['message 2', 2],
      ['message 7', 1],
    ]);
    sqs.failEntry = ({ body }) => {
      const left = failures.get(body) ?? 0;
      if (left === 0) return undefined;
      failures.set(body, left - 1);
      return { code: 'InternalError', message: 'try again', senderFault: false };
    };
    const waits: number[] = [];
    const sender = new SqsWorkSender(sqs.client, queueUrl, { retryDelayMs: 100, sleep: (ms) => (waits.push(ms), Promise.resolve()) });
    const outcome = await sender.send(messages(10));
    expect(outcome).toEqual({ accepted: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], rejected: [] });
    expect(sqs.requests.map((r) => r.entries)).toEqual([10, 2, 1]);
    // Ids are unique per call: positions in it.
    expect(sqs.requests[1].input.Entries).toEqual([
      expect.objectContaining({ Id: '0', MessageBody: 'message 2' }),
      expect.objectContaining({ Id: '1', MessageBody: 'message 7' }),
    ]);
    expect(sqs.messages).toHaveLength(10);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(50);
    expect(waits[0]).toBeLessThanOrEqual(100);
    expect(waits[1]).toBeGreaterThanOrEqual(100);
    expect(waits[1]).toBeLessThanOrEqual(200);
  });

  it('gives up on an entry after the attempts, and at once on one SQS blames on the sender', async () => {
    sqs.failEntry = ({ body }) =>
      body === 'message 1'
        ? { code: 'InternalError', message: 'still failing', senderFault: false }
        : body === 'message 3'
          ? { code: 'InvalidParameterValue', message: 'bad body', senderFault: true }
          : undefined;
    const outcome = await new SqsWorkSender(sqs.client, queueUrl, { ...noWait, attempts: 3 }).send(messages(4));
    expect(outcome.accepted).toEqual([0, 2]);
    expect(outcome.rejected).toEqual([
      { index: 1, code: 'InternalError', message: 'still failing', senderFault: false },
      { index: 3, code: 'InvalidParameterValue', message: 'bad body', senderFault: true },
    ]);
    expect(sqs.requests.map((r) => r.entries)).toEqual([4, 1, 1]);
  });

  it('throws a WorkQueueError naming the SDK error when a whole call fails, with what earlier attempts got through', async () => {
    sqs.failEntry = ({ body }) => (body === 'message 0' ? { code: 'InternalError', message: 'x', senderFault: false } : undefined);
    sqs.failRequest = (request) => (sqs.requests.indexOf(request) > 0 ? accessDenied(queueUrl) : undefined);
    const error = (await new SqsWorkSender(sqs.client, queueUrl, noWait).send(messages(3)).catch((e: unknown) => e)) as WorkQueueError;
    expect(error).toBeInstanceOf(WorkQueueError);
    expect(error.code).toBe('AccessDenied');
    expect(error.message).toMatch(/not authorized to perform: sqs:sendmessage/);
    expect(error.accepted).toEqual([1, 2]);
  });

  it('lets the SDK retry a server error of a whole call, and reports one that persists', async () => {
    let failures = 1;
    sqs.failRequest = () => (failures-- > 0 ? internalError() : undefined);
    await expect(new SqsWorkSender(sqs.client, queueUrl, noWait).send(messages(2))).resolves.toEqual({ accepted: [0, 1], rejected: [] });
    expect(sqs.requests).toHaveLength(2);

    sqs.failRequest = () => internalError();
    await expect(new SqsWorkSender(sqs.client, queueUrl, noWait).send(messages(2))).rejects.toMatchObject({ name: 'WorkQueueError', code: 'InternalError' });
  });

  it('names a queue that does not exist', async () => {
    await expect(new SqsWorkSender(sqs.client, `${sqs.endpoint}/000000000000/nope`, noWait).send(messages(1))).rejects.toMatchObject({
      code: 'QueueDoesNotExist',
      message: 'The specified queue does not exist.',
    });
  });
});

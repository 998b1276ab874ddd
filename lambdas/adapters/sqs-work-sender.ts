import type { SQSClient } from '@aws-sdk/client-sqs';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { RejectedMessage, SendOutcome } from '../core/ports';
import { WorkQueueError } from '../core/ports';

// Declared by the core (the backfill reads them); the adapter's users name them from here too.
export type { RejectedMessage, SendOutcome } from '../core/ports';
export { WorkQueueError } from '../core/ports';

/** One message for the work queue: its body and string message attributes. */
export interface WorkMessage {
  body: string;
  attributes?: Record<string, string>;
}

export interface SqsWorkSenderOptions {
  /** Calls per message before it counts as rejected (the first included). Default 5. */
  attempts?: number;
  /** Wait before the first retry, doubled for each further one (with jitter), at most 10 s. Default 200 ms. */
  retryDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** SendMessageBatch takes at most ten entries. */
export const MAX_BATCH = 10;

/**
 * Sends messages to an SQS queue with `SendMessageBatch`. The entries a call reports as failed
 * are sent again with backoff (those SQS blames on the sender only once: they would fail the same
 * way); a call that fails as a whole throws a `WorkQueueError`. The SDK client retries throttling
 * and server errors of whole calls on its own.
 */
export class SqsWorkSender {
  private readonly attempts: number;
  private readonly retryDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: SQSClient,
    readonly queueUrl: string,
    options: SqsWorkSenderOptions = {},
  ) {
    this.attempts = Math.max(1, options.attempts ?? 5);
    this.retryDelayMs = options.retryDelayMs ?? 200;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Sends up to ten messages; resolves with what SQS accepted and what it would not take. */
  async send(messages: readonly WorkMessage[]): Promise<SendOutcome> {
    if (messages.length > MAX_BATCH) throw new RangeError(`SendMessageBatch takes at most ${MAX_BATCH} messages (got ${messages.length})`);
    const accepted: number[] = [];
    const rejected: RejectedMessage[] = [];
    let pending = messages.map((_, index) => index);
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) await this.sleep(this.backoff(attempt - 1));
      let response;
      try {
        response = await this.client.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            // Ids need only be unique within a call: the position in it.
            Entries: pending.map((index, position) => ({
              Id: String(position),
              MessageBody: messages[index].body,
              ...(messages[index].attributes ? { MessageAttributes: stringAttributes(messages[index].attributes) } : {}),
            })),
          }),
        );
      } catch (error) {
        const e = error as Error;
        throw new WorkQueueError(
          e.name || 'Error',
          e.message || String(error),
          accepted.sort((a, b) => a - b),
          { cause: error },
        );
      }
      const retry: number[] = [];
      const answered = new Set<number>();
      for (const entry of response.Successful ?? []) {
        const index = pending[Number(entry.Id)];
        if (index === undefined) continue;
        answered.add(index);
        accepted.push(index);
      }
      for (const entry of response.Failed ?? []) {
        const index = pending[Number(entry.Id)];
        if (index === undefined) continue;
        answered.add(index);
        const failure = { index, code: entry.Code ?? 'Unknown', message: entry.Message ?? '', senderFault: entry.SenderFault === true };
        if (failure.senderFault || attempt >= this.attempts) rejected.push(failure);
        else retry.push(index);
      }
      // An entry the response does not mention was not accepted: send it again.
      for (const index of pending) {
        if (answered.has(index)) continue;
        if (attempt >= this.attempts)
          rejected.push({ index, code: 'NoResult', message: 'SQS reported neither success nor failure for this entry', senderFault: false });
        else retry.push(index);
      }
      pending = retry;
    }
    return { accepted: accepted.sort((a, b) => a - b), rejected: rejected.sort((a, b) => a.index - b.index) };
  }

  private backoff(retry: number): number {
    const base = Math.min(10_000, this.retryDelayMs * 2 ** (retry - 1));
    return Math.round(base / 2 + Math.random() * (base / 2));
  }
}

function stringAttributes(attributes: Record<string, string>): Record<string, { DataType: 'String'; StringValue: string }> {
  return Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, { DataType: 'String' as const, StringValue: value }]));
}

/**
 * The reader pool's worker thread: stage one of the split reader (inflate, framing, pre-check)
 * for one object at a time, fed the stored bytes through a MessagePort and answering with
 * batches of the documents to parse (see `reader-pool.ts` for the protocol).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { MessagePort } from 'node:worker_threads';
import { parentPort } from 'node:worker_threads';
import type { FramingOptions } from '../core/read/framing';
import { frameAuditLog } from '../core/read/framing';
import { setReadAheadChunks } from '../core/read/gunzip';
import { CollectionSchedule } from './collection-schedule';
import type { ReadRequest, ToReader, ToWorker } from './reader-protocol';
import { BATCHES_AHEAD, FULL_COLLECTION_EVERY_DECODED_BYTES, MINOR_COLLECTION_EVERY_DECODED_BYTES } from './reader-protocol';

/**
 * A collection of this thread's heap, minor (the young generation only) or full. This thread
 * allocates few JS objects but hundreds of MiB of buffers (zlib's output, the batches), and V8
 * frees a buffer only when a collection finds it dead: with so little allocation its own trigger
 * (about 64 MiB of external memory, then marking paced by allocation) lets each thread hold
 * 60–80 MiB of dead buffers. Most of them die young, so a minor collection every few MiB takes
 * them for about a millisecond; the few that outlive one (a chunk in use at the time) are promoted
 * and wait for the next full collection, a few milliseconds on a heap of a few MiB. `gc` is
 * exposed only long enough to take it (`--expose-gc` is not allowed in a worker's execArgv);
 * without it the thread reads the same, only fatter.
 */
function takeCollector(): Collector | undefined {
  const exposed = (globalThis as { gc?: unknown }).gc;
  if (typeof exposed === 'function') return exposed as Collector;
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as Collector) : undefined;
  } catch {
    return undefined;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

/** V8's `gc` extension: a full collection unless asked for a minor one. */
type Collector = (options?: { type: 'minor' }) => void;

const collect = takeCollector();
// Framing keeps up with zlib here: a deeper read-ahead only holds more per thread.
setReadAheadChunks(1);

/** The source's chunks as main posts them; a posted error is thrown where the reader would see it. */
class PortSource implements AsyncIterable<Buffer> {
  private readonly queue: Buffer[] = [];
  private ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly port: MessagePort) {}

  push(chunk: Buffer): void {
    this.queue.push(chunk);
    this.notify();
  }

  end(failure?: Error): void {
    this.ended = true;
    this.failure = failure;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    for (;;) {
      const chunk = this.queue.shift();
      if (chunk) {
        this.port.postMessage({ type: 'ack', bytes: chunk.length } satisfies ToReader);
        yield chunk;
        continue;
      }
      if (this.failure) throw this.failure;
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

async function read(port: MessagePort, options: FramingOptions): Promise<void> {
  const source = new PortSource(port);
  let credits = BATCHES_AHEAD;
  let cancelled = false;
  let creditWaiter: (() => void) | undefined;
  const cancel = (): void => {
    cancelled = true;
    source.end(new Error('reading cancelled'));
  };
  // Main closes its end when it stops reading; a cancel message may not arrive before that.
  port.on('close', () => {
    cancel();
    creditWaiter?.();
  });
  port.on('message', (message: ToWorker) => {
    if (message.type === 'chunk') source.push(Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength));
    else if (message.type === 'end') source.end();
    else if (message.type === 'error') source.end(Object.assign(new Error(message.message), message.code === undefined ? {} : { code: message.code }));
    else if (message.type === 'credit') credits++;
    else if (message.type === 'cancel') cancel();
    const waiter = creditWaiter;
    creditWaiter = undefined;
    waiter?.();
  });
  const schedule = new CollectionSchedule(MINOR_COLLECTION_EVERY_DECODED_BYTES, FULL_COLLECTION_EVERY_DECODED_BYTES);
  for await (const batch of frameAuditLog(source, options)) {
    while (credits === 0 && !cancelled) await new Promise<void>((resolve) => (creditWaiter = resolve));
    if (cancelled) break;
    credits--;
    port.postMessage({ type: 'batch', batch } satisfies ToReader, [batch.bytes.buffer as ArrayBuffer, batch.records.buffer as ArrayBuffer]);
    if (collect) {
      const due = schedule.after(batch.counters.bytesDecoded);
      if (due) collect(due === 'minor' ? { type: 'minor' } : undefined);
    }
  }
  port.close();
}

parentPort?.on('message', (request: ReadRequest) => {
  read(request.port, request.options).then(
    () => parentPort?.postMessage({ type: 'idle' }),
    (error: unknown) =>
      // Stage one never throws on bad input: this is a bug or an exhausted heap. Uncaught, it ends
      // the thread, and the pool fails the reading and replaces the thread.
      queueMicrotask(() => {
        throw error;
      }),
  );
});

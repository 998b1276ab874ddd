/**
 * Reading on worker threads: each object's inflate, framing and pre-check run on a thread of the
 * pool (`reader-worker.ts`), the parsing of the documents a rule wants and everything after it on
 * the caller's thread, in stream order (so stateful detectors see what they see inline). Same
 * events, same stats as `readAuditLog`; the caller picks either (`ReadAuditLog`).
 *
 * Protocol, per object, on a MessageChannel of its own: main posts the stored bytes (at most
 * STORED_BYTES_AHEAD unacknowledged), the worker answers with batches (at most BATCHES_AHEAD not
 * yet consumed), so memory stays bounded on both sides however fast either one is.
 */
import { availableParallelism } from 'node:os';
import { extname, join } from 'node:path';
import type { MessagePort } from 'node:worker_threads';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { AuditLogReading, ReadAuditLog, ReadEvent, ReadOptions } from '../core/read';
import type { FramedBatch } from '../core/read/framing';
import { FramedAcceptor } from '../core/read/framing';
import type { ReadRequest, ToReader, ToWorker } from './reader-protocol';
import { STORED_BYTES_AHEAD } from './reader-protocol';

/**
 * A reader thread's young generation, in MiB (V8's default is 16–48): stage one allocates few
 * JS objects, and each thread's heap counts against the scan's RSS once per thread.
 */
const THREAD_YOUNG_GENERATION_MB = 4;

export interface ReaderPoolOptions {
  /** Worker threads at most (objects read at once beyond this wait for a thread). Default: the cores. */
  size?: number;
  /** The worker script. Default: `reader-worker` beside this module (tests substitute a failing one). */
  script?: string;
}

interface Slot {
  worker: Worker;
  /** The reading using this thread hears its failure here. */
  fail?: (error: Error) => void;
}

export class ReaderPool {
  /** Reads an object with a thread of this pool; a drop-in for `readAuditLog`. */
  readonly read: ReadAuditLog = (source, options) => this.readInWorker(source, options);
  private readonly size: number;
  private readonly script: string;
  private readonly idle: Slot[] = [];
  private readonly waiting: Array<(slot: Slot) => void> = [];
  /** Every live thread, idle or reading. */
  private readonly live = new Set<Slot>();
  private closed = false;

  constructor(options: ReaderPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? availableParallelism());
    this.script = options.script ?? join(__dirname, `reader-worker${extname(__filename)}`);
  }

  /**
   * Milliseconds the live threads' event loops have been busy since they started: with the
   * caller's own (`performance.eventLoopUtilization`), which thread a reading waits on.
   */
  busyMilliseconds(): number {
    let busy = 0;
    for (const slot of this.live) busy += slot.worker.performance.eventLoopUtilization().active;
    return busy;
  }

  /** Ends every thread; readings still running end with a problem. */
  async close(): Promise<void> {
    this.closed = true;
    const slots = this.idle.splice(0);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private readInWorker(source: AsyncIterable<Buffer | Uint8Array | string>, options: ReadOptions = {}): AuditLogReading {
    const { shouldStop, ...framing } = options;
    const acceptor = new FramedAcceptor(framing);
    const acquire = (): Promise<Slot> => this.acquire();

    async function* events(): AsyncGenerator<ReadEvent, void, undefined> {
      const slot = await acquire();
      const { port1, port2 } = new MessageChannel();
      const inbox = new Inbox();
      const pump = new Pump(source, port1);
      slot.fail = (error) => inbox.fail(error);
      port1.on('message', (message: ToReader) => (message.type === 'batch' ? inbox.push(message.batch) : pump.acknowledged(message.bytes)));
      slot.worker.postMessage({ port: port2, options: framing } satisfies ReadRequest, [port2]);
      void pump.run();
      const out: ReadEvent[] = [];
      let done = false;
      try {
        while (!done) {
          const next = await inbox.next();
          if ('failure' in next) {
            acceptor.reportProblem('source-error', `reading failed: the reader thread stopped (${next.failure.message})`);
            break;
          }
          if (shouldStop?.()) {
            const stored = acceptor.stats.bytesIn;
            acceptor.reportProblem('deadline', `stopped before the end of the object: the deadline came (after ${stored} stored bytes)`);
            break;
          }
          acceptor.accept(next.batch, out);
          done = next.batch.done;
          if (!done) port1.postMessage({ type: 'credit' } satisfies ToWorker);
          yield* out;
          out.length = 0;
        }
      } finally {
        if (!done) port1.postMessage({ type: 'cancel' } satisfies ToWorker);
        pump.stop();
        port1.close();
        // A live thread says `idle` when it has let go of the object (the pool then hands it on); a failed one is gone.
        slot.fail = undefined;
      }
    }
    return { events: events(), stats: acceptor.stats };
  }

  private acquire(): Promise<Slot> {
    if (this.closed) return Promise.reject(new Error('the reader pool is closed'));
    const slot = this.idle.pop();
    if (slot) {
      slot.worker.ref();
      return Promise.resolve(slot);
    }
    if (this.live.size < this.size) return Promise.resolve(this.spawn());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(slot: Slot): void {
    const waiter = this.waiting.shift();
    if (waiter) return waiter(slot);
    if (this.closed) {
      void slot.worker.terminate();
      return;
    }
    slot.worker.unref(); // an idle pool does not keep the process alive
    this.idle.push(slot);
  }

  private spawn(): Slot {
    // Tests and `tsx` run the TypeScript source: the thread needs the same loader.
    const execArgv = this.script.endsWith('.ts') ? ['--require', require.resolve('tsx/cjs')] : [];
    const slot: Slot = { worker: new Worker(this.script, { execArgv, resourceLimits: { maxYoungGenerationSizeMb: THREAD_YOUNG_GENERATION_MB } }) };
    this.live.add(slot);
    let gone = false;
    const lost = (error: Error): void => {
      if (gone) return;
      gone = true;
      this.live.delete(slot);
      const index = this.idle.indexOf(slot);
      if (index >= 0) this.idle.splice(index, 1);
      slot.fail?.(error);
      // A reading waiting for a thread gets a fresh one.
      const waiter = this.closed ? undefined : this.waiting.shift();
      if (waiter) waiter(this.spawn());
    };
    slot.worker.on('message', (message: { type?: string }) => {
      if (message.type === 'idle') this.release(slot);
    });
    slot.worker.on('error', (error) => lost(error));
    slot.worker.on('exit', (code) => lost(new Error(`the thread exited with code ${code}`)));
    return slot;
  }
}

/** Batches as they arrive, or the thread's failure. */
class Inbox {
  private readonly batches: FramedBatch[] = [];
  private failure: Error | undefined;
  private waiter: (() => void) | undefined;

  push(batch: FramedBatch): void {
    this.batches.push(batch);
    this.wake();
  }

  fail(error: Error): void {
    this.failure ??= error;
    this.wake();
  }

  async next(): Promise<{ batch: FramedBatch } | { failure: Error }> {
    for (;;) {
      const batch = this.batches.shift();
      if (batch) return { batch };
      if (this.failure) return { failure: this.failure };
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}

/** Posts the source's stored bytes to the worker, a bounded amount ahead of what it has consumed. */
class Pump {
  private ahead = 0;
  private stopped = false;
  private waiter: (() => void) | undefined;

  constructor(
    private readonly source: AsyncIterable<Buffer | Uint8Array | string>,
    private readonly port: MessagePort,
  ) {}

  acknowledged(bytes: number): void {
    this.ahead -= bytes;
    this.wake();
  }

  stop(): void {
    this.stopped = true;
    this.wake();
  }

  async run(): Promise<void> {
    try {
      for await (const chunk of this.source) {
        if (this.stopped) return; // leaving the loop releases the source (an S3 socket)
        // A copy the worker owns: the source may reuse its buffers, and these are compressed bytes (a tenth of the work).
        const bytes = typeof chunk === 'string' ? new Uint8Array(Buffer.from(chunk)) : new Uint8Array(chunk);
        this.ahead += bytes.length;
        this.port.postMessage({ type: 'chunk', bytes } satisfies ToWorker, [bytes.buffer]);
        while (this.ahead > STORED_BYTES_AHEAD && !this.stopped) await new Promise<void>((resolve) => (this.waiter = resolve));
      }
      if (!this.stopped) this.port.postMessage({ type: 'end' } satisfies ToWorker);
    } catch (error) {
      const e = error as { message?: unknown; code?: unknown };
      const code = typeof e.code === 'string' || typeof e.code === 'number' ? e.code : undefined;
      const message = typeof e.message === 'string' ? e.message : String(error);
      if (!this.stopped) this.port.postMessage({ type: 'error', message, ...(code === undefined ? {} : { code }) } satisfies ToWorker);
    }
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}

/** Messages between the reader pool (main thread) and its worker threads. */
import type { MessagePort } from 'node:worker_threads';
import type { FramedBatch, FramingOptions } from '../core/read/framing';

/** Pool → worker, once per object: the port the object's messages go through. */
export interface ReadRequest {
  port: MessagePort;
  options: FramingOptions;
}

/** Main → worker, on the object's port. */
export type ToWorker =
  | { type: 'chunk'; bytes: Uint8Array }
  | { type: 'end' }
  /** The source failed: thrown inside the reader, which reports it as the inline reader would. */
  | { type: 'error'; message: string; code?: string | number }
  /** One batch was consumed: the worker may send one more. */
  | { type: 'credit' }
  /** The consumer stopped early. */
  | { type: 'cancel' };

/** Worker → main, on the object's port. */
export type ToReader = { type: 'batch'; batch: FramedBatch } | { type: 'ack'; bytes: number };

/** Batches a worker sends before waiting for main to consume one: bounds memory, keeps both threads busy. */
export const BATCHES_AHEAD = 4;
/** Stored (compressed) bytes main posts ahead of the worker's consumption. */
export const STORED_BYTES_AHEAD = 4 * 1024 * 1024;
/** Decoded bytes a worker reads between two minor collections of its heap (see `reader-worker.ts`). */
export const MINOR_COLLECTION_EVERY_DECODED_BYTES = 4 * 1024 * 1024;
/** Decoded bytes between two full collections, which take the buffers that outlived a minor one. */
export const FULL_COLLECTION_EVERY_DECODED_BYTES = 64 * 1024 * 1024;

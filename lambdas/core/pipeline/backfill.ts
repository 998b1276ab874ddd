import type { BackfillRecord, BackfillStateStore, ListedObject, ObjectLister, RejectedMessage, WorkQueue } from '../ports';
import { WorkQueueError } from '../ports';

export interface BackfillOptions {
  locations: string[];
  /** The queue the work goes to, kept in the record (required unless a dry run). */
  queueUrl?: string;
  /** Only objects last modified in [since, until). */
  since?: Date;
  until?: Date;
  /** The range as typed, for the record. */
  sinceText?: string;
  untilText?: string;
  dryRun: boolean;
  /** Ignore what the record says was sent, and start over. */
  restart: boolean;
  /** Objects per `WorkQueue.send`. */
  batchSize: number;
}

export interface BackfillDeps {
  lister: ObjectLister;
  /** Not needed for a dry run. */
  queue?: WorkQueue;
  /** Where the record is kept; without it nothing is skipped (a dry run without a state). Needed to send. */
  state?: BackfillStateStore;
  now: () => Date;
  /** Least time between two saves of the record (it is always saved when the run ends). Default 1000 ms. */
  flushIntervalMs?: number;
  /** True once the run should stop after the batch in flight. */
  interrupted?: () => boolean;
  onProgress?: (p: { objects: number; totalObjects: number; bytes: number; totalBytes: number }) => void;
}

export interface BackfillResult {
  /** Objects listed under the locations (folder markers left out, duplicates counted once). */
  listed: number;
  /** Listed objects last modified outside [since, until). */
  outOfRange: number;
  /** In range and already sent with the same ETag, per the record. */
  skipped: number;
  /** In range and not yet sent: what this run sends (or would send). */
  toSend: number;
  toSendBytes: number;
  sent: number;
  sentBytes: number;
  /** Messages the queue would not take after the retries. */
  rejected: Array<{ uri: string; code: string; message: string }>;
  /** The send that failed as a whole, when one did: the run stopped there. */
  error?: { name: string; message: string };
  interrupted: boolean;
}

/** A location could not be listed: nothing was sent. */
export class ListingError extends Error {
  override readonly name = 'ListingError';
}

/**
 * Lists the objects under the locations, keeps those last modified in the range and not sent
 * before with the same ETag, and sends them (or, dry, counts them) a batch at a time. The record
 * is saved once before anything is sent (a record that cannot be saved stops the run there), then
 * as the queue accepts objects, and when the run ends however it ends; a rerun resumes from it.
 */
export async function backfill(options: BackfillOptions, deps: BackfillDeps): Promise<BackfillResult> {
  const kept = deps.state && !options.restart ? await deps.state.load() : undefined;
  const previously = kept?.sent ?? {};

  const objects = await listObjects(deps.lister, options.locations, deps.interrupted);
  const since = options.since?.getTime() ?? -Infinity;
  const until = options.until?.getTime() ?? Infinity;
  const inRange = objects.filter((o) => o.lastModified.getTime() >= since && o.lastModified.getTime() < until);
  const pending = inRange.filter((o) => previously[uriOf(o)] !== o.eTag);
  const result: BackfillResult = {
    listed: objects.length,
    outOfRange: objects.length - inRange.length,
    skipped: inRange.length - pending.length,
    toSend: pending.length,
    toSendBytes: pending.reduce((n, o) => n + o.size, 0),
    sent: 0,
    sentBytes: 0,
    rejected: [],
    interrupted: false,
  };
  if (deps.interrupted?.()) return { ...result, interrupted: true };
  if (options.dryRun || pending.length === 0) return result;
  const { queue, state } = deps;
  if (!queue || !state || !options.queueUrl) throw new Error('backfill needs the queue URL, a work queue and a state store to send');

  const now = deps.now().toISOString();
  const current: BackfillRecord = {
    queueUrl: options.queueUrl,
    locations: options.locations,
    since: options.sinceText ?? null,
    until: options.untilText ?? null,
    createdAt: kept?.createdAt ?? now,
    updatedAt: now,
    sent: { ...previously },
  };
  // Real elapsed time, not the injected clock: the interval only spaces the writes.
  const flushInterval = deps.flushIntervalMs ?? 1000;
  let flushedAt = Date.now();
  let dirty = false;
  const flush = async (): Promise<void> => {
    current.updatedAt = deps.now().toISOString();
    await state.save(current);
    flushedAt = Date.now();
    dirty = false;
  };

  const progress = () =>
    deps.onProgress?.({ objects: result.sent + result.rejected.length, totalObjects: result.toSend, bytes: result.sentBytes, totalBytes: result.toSendBytes });
  await flush();
  progress();
  try {
    for (let start = 0; start < pending.length; start += options.batchSize) {
      if (deps.interrupted?.()) {
        result.interrupted = true;
        break;
      }
      const batch = pending.slice(start, start + options.batchSize);
      let accepted: number[];
      let rejected: RejectedMessage[] = [];
      try {
        ({ accepted, rejected } = await queue.send(batch));
      } catch (error) {
        if (!(error instanceof WorkQueueError)) throw error;
        accepted = error.accepted;
        result.error = { name: error.code, message: error.message };
      }
      for (const index of accepted) {
        const o = batch[index];
        current.sent[uriOf(o)] = o.eTag;
        result.sent++;
        result.sentBytes += o.size;
        dirty = true;
      }
      for (const r of rejected) result.rejected.push({ uri: uriOf(batch[r.index]), code: r.code, message: r.message });
      progress();
      if (result.error) break;
      if (dirty && Date.now() - flushedAt >= flushInterval) await flush();
    }
  } finally {
    if (dirty) await flush();
  }
  return result;
}

function uriOf(o: { bucket: string; key: string }): string {
  return `s3://${o.bucket}/${o.key}`;
}

/** Every object under the locations (all pages), each once, in listing order; cut short when interrupted. */
async function listObjects(lister: ObjectLister, locations: readonly string[], interrupted: () => boolean = () => false): Promise<ListedObject[]> {
  const seen = new Set<string>();
  const objects: ListedObject[] = [];
  for (const location of locations) {
    try {
      for await (const page of lister.pages(location)) {
        for (const object of page) {
          if (seen.has(uriOf(object))) continue;
          seen.add(uriOf(object));
          objects.push(object);
        }
        if (interrupted()) return objects;
      }
    } catch (error) {
      const e = error as Error;
      throw new ListingError(`cannot list ${location}: ${e.name}: ${e.message}`, { cause: error });
    }
  }
  return objects;
}

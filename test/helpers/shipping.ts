import type { ReadEvent, ReadOptions, ReadStats } from '../../lambdas/core/read';
import { readAuditLog } from '../../lambdas/core/read';

export * from '../../devkit/shipping';

/** Splits bytes at the given cut points, as a network or a file system might deliver them. */
export function cut(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    parts.push(bytes.subarray(last, p));
    last = p;
  }
  parts.push(bytes.subarray(last));
  return parts;
}

export async function* chunksFrom(parts: Buffer[]): AsyncGenerator<Buffer> {
  for (const p of parts) {
    await Promise.resolve();
    yield p;
  }
}

export async function readAll(input: Buffer | Buffer[] | AsyncIterable<Buffer>, options: ReadOptions = {}): Promise<{ events: ReadEvent[]; stats: ReadStats }> {
  const source = Buffer.isBuffer(input) ? chunksFrom([input]) : Array.isArray(input) ? chunksFrom(input) : input;
  const reading = readAuditLog(source, options);
  const events: ReadEvent[] = [];
  for await (const e of reading.events) events.push(e);
  return { events, stats: reading.stats };
}

export const ids = (events: ReadEvent[]): string[] => events.map((e) => `${e.event.auditID}/${e.event.stage ?? ''}`);

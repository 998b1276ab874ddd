/**
 * Writes samples/: a few hours of one generated EKS cluster's audit log, cut into the shapes it
 * reaches S3 in. Deterministic (fixed seeds), so the committed files only change when the
 * generator does. Run with `npm run samples`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { auditLines } from '../bench/generate';
import type { Ev } from '../bench/shipping';
import { eventList, firehoseGzip, fluentBit, jsonLines } from '../bench/shipping';

const root = join(__dirname, '..', 'samples');
const events = (n: number, seed: number, start: string): Ev[] =>
  [...auditLines({ events: n, seed, startTime: new Date(start) })].map((l) => JSON.parse(l) as Ev);

function write(relative: string, bytes: Buffer): void {
  const path = join(root, relative);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, bytes);
  console.log(`${relative}: ${bytes.length} bytes`);
}

// EKS: CloudWatch Logs subscription → Firehose (GZIP on) → S3, partitioned by hour.
write('eks/prod-eu/2026/11/20/09/audit-firehose-1-2026-11-20-09-00-00.gz', firehoseGzip(events(1000, 11, '2026-11-20T09:00:00Z'), 40, 'prod-eu'));
// A self-managed cluster: --audit-log-path JSON lines, gzip-rotated, and the live plain file.
write('self-managed/kube-apiserver-audit-2026-11-20T10.log.gz', gzipSync(jsonLines(events(1000, 12, '2026-11-20T10:00:00Z'))));
write('self-managed/kube-apiserver-audit.log', jsonLines(events(100, 13, '2026-11-20T11:00:00Z')));
// Fluent Bit without a JSON parser: each line wrapped as {"date":…,"log":"<event>"}.
write('fluent-bit/audit-2026-11-20T12.jsonl.gz', gzipSync(fluentBit(events(600, 14, '2026-11-20T12:00:00Z'))));
// The webhook audit backend: EventList batches.
write('webhook/eventlist-2026-11-20T13.json', Buffer.concat([eventList(events(50, 15, '2026-11-20T13:00:00Z')), eventList(events(50, 16, '2026-11-20T13:05:00Z'))]));

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { listFiles } from '../../lambdas/adapters/object-source';
import { ReaderPool } from '../../lambdas/adapters/reader-pool';
import { FULL_COLLECTION_EVERY_DECODED_BYTES } from '../../lambdas/adapters/reader-protocol';
import type { ReadAuditLog, ReadEvent, ReadStats } from '../../lambdas/core/read';
import { readAuditLog } from '../../lambdas/core/read';
import type { ScanResult } from '../../lambdas/core/pipeline/scan-objects';
import { scanObjects } from '../../lambdas/core/pipeline/scan-objects';
import { interestOf } from '../../lambdas/core/rules';
import { CORPUS_DIR } from '../../devkit/corpus';
import { repoRoot } from '../../devkit/paths';
import { auditEvent } from '../helpers/events';

/** JSON with keys sorted at every level: equal values, equal text. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function findingsOf(result: ScanResult): string[] {
  return result.findings.map((f) => canonical(f)).sort();
}

async function readAll(read: ReadAuditLog, source: AsyncIterable<Buffer>): Promise<{ events: ReadEvent[]; stats: ReadStats }> {
  const reading = read(source, { interest: interestOf() });
  const events: ReadEvent[] = [];
  for await (const event of reading.events) events.push(event);
  return { events, stats: reading.stats };
}

/** Stats that do not depend on how far the decoder had read ahead when a problem was seen. */
function settled(stats: ReadStats): unknown {
  return { ...stats, samples: stats.samples.map(({ kind, line }) => ({ kind, line })) };
}

const SAMPLES = join(repoRoot(), 'samples');
const ZSTD_FIXTURE = join(repoRoot(), 'test', 'fixtures', 'falco-first-10.jsonl.zst');

describe('reading on worker threads', () => {
  const pool = new ReaderPool({ size: 2 });
  afterAll(() => pool.close());

  it.each([
    ['the corpus', [CORPUS_DIR]],
    ['the samples', [SAMPLES]],
    ['the zstd fixture', [ZSTD_FIXTURE]],
  ])('finds the same findings with the same stats as the inline reader on %s', async (_name, paths) => {
    const objects = await listFiles(paths);
    const inline = await scanObjects(objects, { concurrency: 1 });
    const threaded = await scanObjects(objects, { concurrency: 1, reader: pool.read });
    expect(inline.findings.length).toBeGreaterThan(0);
    expect(findingsOf(threaded)).toEqual(findingsOf(inline));
    expect(threaded.stats).toEqual(inline.stats);
    expect(threaded.summary).toEqual(inline.summary);
  });

  it('reads several objects at once on the pool, each as the inline reader does', async () => {
    const objects = await listFiles([SAMPLES, CORPUS_DIR]);
    const inline = await scanObjects(objects, { concurrency: 1 });
    const threaded = await scanObjects(objects, { concurrency: 4, reader: pool.read });
    expect(threaded.stats.objects).toEqual(inline.stats.objects);
  });

  it('says how long its threads have been busy: more after a reading than before, nothing for a pool that never read', async () => {
    const unused = new ReaderPool({ size: 1 });
    expect(unused.busyMilliseconds()).toBe(0);
    await unused.close();
    const before = pool.busyMilliseconds();
    await scanObjects(await listFiles([SAMPLES]), { concurrency: 1, reader: pool.read });
    expect(pool.busyMilliseconds()).toBeGreaterThan(before);
  });

  it('reads an object past the interval of its collections as the inline reader does, and leaves `gc` unexposed', async () => {
    // Unique events with a 2 KiB body: about 80 MiB of text, past the first full collection.
    const pad = 'x'.repeat(2048);
    const lines = Array.from({ length: 32_000 }, (_, i) =>
      JSON.stringify({ ...auditEvent({ requestURI: `/api/v1/namespaces/big/pods/p-${i}` }), requestObject: { pad } }),
    );
    const bytes = gzipSync(lines.join('\n') + '\n', { level: 1 });
    expect(lines.join('\n').length).toBeGreaterThan(FULL_COLLECTION_EVERY_DECODED_BYTES);
    const inline = await readAll(readAuditLog, Readable.from([bytes]));
    const threaded = await readAll(pool.read, Readable.from([bytes]));
    expect(threaded.events.map((e) => e.event.auditID)).toEqual(inline.events.map((e) => e.event.auditID));
    expect(threaded.stats).toEqual(inline.stats);
    // The thread took `gc` for itself: contexts made afterwards (vm, other libraries) do not get it.
    if (typeof (globalThis as { gc?: unknown }).gc !== 'function') expect(runInNewContext('typeof gc')).toBe('undefined');
  });

  describe('failures', () => {
    const gzipped = gzipSync(readFileSync(join(CORPUS_DIR, 'falco-trace-files.jsonl')));

    it.each([
      ['a truncated gzip', gzipped.subarray(0, Math.floor(gzipped.length / 2)), 'truncated-input'],
      ['a corrupt gzip', Buffer.concat([gzipped.subarray(0, 200), Buffer.alloc(64, 0xa5), gzipped.subarray(264)]), 'corrupt-input'],
    ] as const)('reports %s as the inline reader does: counted, incomplete', async (_name, bytes, kind) => {
      const inline = await readAll(readAuditLog, Readable.from([bytes]));
      const threaded = await readAll(pool.read, Readable.from([bytes]));
      expect(threaded.stats.complete).toBe(false);
      expect(threaded.stats.problems[kind]).toBeGreaterThan(0);
      expect(settled(threaded.stats)).toEqual(settled(inline.stats));
      expect(threaded.events.map((e) => e.event.auditID)).toEqual(inline.events.map((e) => e.event.auditID));
    });

    it('reports a source that fails as the inline reader does', async () => {
      async function* failing(): AsyncGenerator<Buffer> {
        yield await Promise.resolve(gzipped.subarray(0, 1000));
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      }
      const inline = await readAll(readAuditLog, failing());
      const threaded = await readAll(pool.read, failing());
      expect(threaded.stats.problems['source-error']).toBe(1);
      expect(threaded.stats.complete).toBe(false);
      expect(settled(threaded.stats)).toEqual(settled(inline.stats));
    });

    it.each([
      ['throws', "parentPort.on('message', () => { throw new Error('boom'); })", 'boom'],
      ['exits midway', "parentPort.on('message', () => process.exit(3))", 'code 3'],
    ])('ends a reading whose thread %s with a counted, incomplete outcome, and replaces the thread', async (_name, body, detail) => {
      const script = join(mkdtempSync(join(tmpdir(), 'reader-pool-')), 'broken-worker.js');
      writeFileSync(script, `const { parentPort } = require('node:worker_threads');\n${body};\n`);
      const broken = new ReaderPool({ size: 1, script });
      try {
        for (let attempt = 0; attempt < 2; attempt++) {
          const { events, stats } = await readAll(broken.read, Readable.from([gzipped]));
          expect(events).toEqual([]);
          expect(stats.complete).toBe(false);
          expect(stats.problems['source-error']).toBe(1);
          expect(stats.samples[0].detail).toContain(detail);
        }
      } finally {
        await broken.close();
      }
    });

    it('lets go of the thread when the consumer stops early, so the next reading gets it', async () => {
      const single = new ReaderPool({ size: 1 });
      try {
        const first = single.read(Readable.from([gzipped]), {});
        for await (const _ of first.events) break;
        const { events, stats } = await readAll(single.read, Readable.from([gzipped]));
        const inline = await readAll(readAuditLog, Readable.from([gzipped]));
        expect(stats.complete).toBe(true);
        expect(events.length).toBe(inline.events.length);
      } finally {
        await single.close();
      }
    });
  });
});

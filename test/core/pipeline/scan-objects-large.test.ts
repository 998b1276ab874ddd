import { gzipSync } from 'node:zlib';
import type { SourceObject } from '../../../lambdas/core/ports';
import type { ReadAuditLog } from '../../../lambdas/core/read';
import { readAuditLog } from '../../../lambdas/core/read';
import { LARGE_OBJECT_BYTES, LARGE_OBJECTS_AT_ONCE_INLINE, scanObjects } from '../../../lambdas/core/pipeline/scan-objects';
import { Slots } from '../../../lambdas/core/pipeline/slots';
import { auditEvent } from '../../helpers/events';
import { jsonLines } from '../../helpers/shipping';

/** Objects whose readings count how many are open at once; `size` is what a listing would say. */
function counted(count: number, size: number): { objects: SourceObject[]; most: () => number; order: number[] } {
  let open = 0;
  let most = 0;
  const order: number[] = [];
  const objects = Array.from({ length: count }, (_, i): SourceObject => {
    const bytes = gzipSync(jsonLines(Array.from({ length: 50 }, (_, j) => auditEvent({ requestURI: `/api/v1/namespaces/o${i}/pods/p-${j}` }))));
    async function* body(): AsyncGenerator<Buffer> {
      open++;
      most = Math.max(most, open);
      order.push(i);
      try {
        for (let at = 0; at < bytes.length; at += 512) {
          await new Promise((resolve) => setImmediate(resolve)); // a socket's pace: the others get turns
          yield bytes.subarray(at, at + 512);
        }
      } finally {
        open--;
      }
    }
    return { name: `o${i}`, size, open: () => Promise.resolve(body()) };
  });
  return { objects, most: () => most, order };
}

describe('objects read at once', () => {
  it(`large objects read on this thread: at most ${LARGE_OBJECTS_AT_ONCE_INLINE} at once whatever the concurrency, in their order, every event read`, async () => {
    const { objects, most, order } = counted(5, LARGE_OBJECT_BYTES);
    const result = await scanObjects(objects, { concurrency: 5 });
    expect(most()).toBe(LARGE_OBJECTS_AT_ONCE_INLINE);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(result.summary.events).toBe(250);
    expect(result.stats.objects.map((o) => o.stats.complete)).toEqual([true, true, true, true, true]);
  });

  it('small objects keep the full concurrency', async () => {
    const { objects, most } = counted(5, LARGE_OBJECT_BYTES - 1);
    await scanObjects(objects, { concurrency: 5 });
    expect(most()).toBe(5);
  });

  it('a reader of its own (a reader pool, which bounds its readings by its threads) keeps the full concurrency', async () => {
    const { objects, most } = counted(4, LARGE_OBJECT_BYTES);
    const elsewhere: ReadAuditLog = (source, options) => readAuditLog(source, options);
    const result = await scanObjects(objects, { concurrency: 4, reader: elsewhere });
    expect(most()).toBe(4);
    expect(result.summary.events).toBe(200);
  });
});

describe('Slots', () => {
  it('runs at most its size at once, first come first served, and frees the slot of a task that fails', async () => {
    const slots = new Slots(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const task = (i: number) => async (): Promise<number> => {
      started.push(i);
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      if (i === 1) throw new Error('task 1 failed');
      return i;
    };
    const results = await Promise.allSettled([0, 1, 2, 3, 4].map((i) => slots.run(task(i))));
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    await expect(slots.run(() => Promise.resolve('after'))).resolves.toBe('after');
  });
});

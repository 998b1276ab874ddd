import { Readable } from 'node:stream';
import { readAuditLog } from '../../../lambdas/core/read';
import { interestOf } from '../../../lambdas/core/rules';
import { clusterAdminBinding } from '../../helpers/events';

describe('the reader and the deadline', () => {
  it('asks for the deadline within a large decoded chunk, not only between chunks, and stops there', async () => {
    // One 8 MiB chunk: an event, then junk lines that take long to parse (a decompression bomb's output).
    const chunk = Buffer.concat([Buffer.from(JSON.stringify(clusterAdminBinding()) + '\n'), Buffer.alloc(8 << 20, '{}\n')]);
    let asked = 0;
    const { events, stats } = readAuditLog(Readable.from([chunk]), { interest: interestOf(), shouldStop: () => ++asked > 3 });
    const read = [];
    for await (const event of events) read.push(event);
    expect(read).toHaveLength(1); // the event before the stop is kept
    expect(asked).toBe(4);
    expect(stats.bytesDecoded).toBeLessThan(chunk.length / 8); // stopped inside the chunk
    expect(stats.complete).toBe(false);
    expect(stats.problems.deadline).toBe(1);
  });

  it('reads a chunk whole, in slices, when the deadline does not come', async () => {
    const lines = Array.from({ length: 3000 }, () => JSON.stringify(clusterAdminBinding())).join('\n') + '\n';
    const chunk = Buffer.from(lines); // several slices; events cross slice boundaries
    const { events, stats } = readAuditLog(Readable.from([chunk]), { interest: interestOf(), shouldStop: () => false });
    let n = 0;
    for await (const _ of events) n++;
    expect(n).toBe(3000);
    expect(stats.complete).toBe(true);
    expect(stats.bytesDecoded).toBe(chunk.length);
  });
});

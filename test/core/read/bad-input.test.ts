import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { auditEvent, clusterAdminBinding, execViaGet, leaseUpdate } from '../../helpers/events';
import { ids, jsonLines, readAll } from '../../helpers/shipping';
import { readAuditLog } from '../../../lambdas/core/read';
import { PRUNED } from '../../../lambdas/core/read/event-check';

const good = [clusterAdminBinding(), execViaGet(), leaseUpdate()];
const line = (e: Record<string, unknown>): string => JSON.stringify(e) + '\n';

describe('bad input is counted, located and survived', () => {
  it('counts a malformed line with its line number and reads on', async () => {
    const bytes = Buffer.from(line(good[0]) + '{"kind":"Event","auditID":\n' + 'not json at all\n' + line(good[1]));
    const { events, stats } = await readAll(bytes);
    expect(ids(events)).toEqual(ids((await readAll(jsonLines([good[0], good[1]]))).events));
    expect(stats.problems['malformed-json']).toBe(2);
    expect(stats.samples.map((s) => [s.kind, s.line])).toEqual([
      ['malformed-json', 2],
      ['malformed-json', 3],
    ]);
    expect(stats.samples[0].offset).toBe(line(good[0]).length);
  });

  it('keeps an event with invalid UTF-8 (replaced), so one bad byte cannot hide it, and counts it', async () => {
    const text = line(clusterAdminBinding());
    const at = text.indexOf('kubectl');
    const bytes = Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(text.slice(at))]);
    const { events, stats } = await readAll(bytes);
    expect(events).toHaveLength(1);
    expect(events[0].event.userAgent).toContain('\ufffd');
    expect(stats.problems['invalid-utf8']).toBe(1);
  });

  it('skips a line over the limit without buffering it whole, judges it from its head, and reads the next one', async () => {
    const huge = auditEvent({ requestObject: { blob: 'x'.repeat(300_000) } });
    const bytes = jsonLines([good[0], huge, good[1]]);
    // Delivered in 16 KiB chunks, as a stream would: the oversize line is dropped as it streams by.
    const parts: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 16_384) parts.push(bytes.subarray(i, i + 16_384));
    const { events, stats } = await readAll(parts, { maxDocumentBytes: 64 * 1024 });
    expect(events.map((e) => e.event.auditID)).toEqual([good[0].auditID, huge.auditID, good[1].auditID]);
    expect(events[1]).toMatchObject({ line: 2, offset: line(good[0]).length, oversize: line(huge).length - 1 });
    expect(events[1].event.requestObject).toBeUndefined();
    expect(stats.problems.oversize).toBe(1);
    expect(stats.samples[0]).toMatchObject({ kind: 'oversize', line: 2, offset: line(good[0]).length });
  });

  it('skips an oversize document in a concatenated stream and resumes at the next `}{`', async () => {
    const record = (e: Record<string, unknown>): string =>
      JSON.stringify({ messageType: 'DATA_MESSAGE', logGroup: '/aws/eks/c/cluster', logEvents: [{ id: '1', timestamp: 1, message: JSON.stringify(e) }] });
    const big = auditEvent({ requestObject: { blob: 'y'.repeat(200_000) } });
    const bytes = Buffer.from(record(good[0]) + record(big) + record(good[1]));
    const parts: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 8192) parts.push(bytes.subarray(i, i + 8192));
    const { events, stats } = await readAll(parts, { maxDocumentBytes: 32 * 1024 });
    expect(events.map((e) => e.event.auditID)).toEqual([good[0].auditID, good[1].auditID]);
    expect(stats.problems.oversize).toBe(1);
  });

  it('prunes request bodies nested deeper than the limit but keeps the event', async () => {
    const e = auditEvent({ verb: 'create', level: 'Request', requestObject: 'DEEP' });
    const deep = '{"spec":'.repeat(5000) + '{"leaf":true}' + '}'.repeat(5000);
    const bytes = Buffer.from(JSON.stringify(e).replace('"DEEP"', deep) + '\n');
    const { events, stats } = await readAll(bytes, { maxDepth: 50 });
    expect(events).toHaveLength(1);
    expect(stats.problems['deep-nesting']).toBe(1);
    expect(JSON.stringify(events[0].event)).toContain(PRUNED); // would overflow the stack unpruned
    let depth = 0;
    for (let node = events[0].event.requestObject as Record<string, unknown>; typeof node === 'object'; node = node.spec as Record<string, unknown>) depth++;
    expect(depth).toBe(50);
  });

  it('prunes arrays nested deeper than the limit, in either body, at the same depth as objects', async () => {
    const e = auditEvent({ verb: 'create', level: 'RequestResponse', requestObject: 'DEEP', responseObject: 'SHALLOW' });
    // Arrays inside objects inside arrays: both kinds of node count one level each.
    const deep = '{"items":['.repeat(30) + '[true]' + ']}'.repeat(30);
    const shallow = '{"items":['.repeat(10) + '[true]' + ']}'.repeat(10);
    const bytes = Buffer.from(JSON.stringify(e).replace('"DEEP"', deep).replace('"SHALLOW"', shallow) + '\n');
    const { events, stats } = await readAll(bytes, { maxDepth: 50 });
    expect(stats.problems['deep-nesting']).toBe(1);
    let depth = 0;
    let node: unknown = events[0].event.requestObject;
    while (typeof node === 'object' && node !== null) {
      depth++;
      node = Array.isArray(node) ? node[0] : (node as { items: unknown }).items;
    }
    expect(depth).toBe(50);
    expect(node).toBe(PRUNED);
    expect(events[0].event.responseObject).toEqual(JSON.parse(shallow));
  });

  it('keeps the events before a gzip stream breaks off and reports the truncation', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => auditEvent({ verb: i % 2 ? 'get' : 'create' }));
    const gz = gzipSync(jsonLines(many));
    const { events, stats } = await readAll(gz.subarray(0, Math.floor(gz.length * 0.5)));
    expect(events.length).toBeGreaterThan(1000);
    expect(events.length).toBeLessThan(3000);
    expect(events.map((e) => e.event.auditID)).toEqual(many.slice(0, events.length).map((e) => e.auditID));
    expect(stats.complete).toBe(false);
    expect(stats.problems['truncated-input']).toBe(1);
    const sample = stats.samples.find((s) => s.kind === 'truncated-input');
    expect(sample?.detail).toMatch(/ends early/);
    expect(sample?.line).toBe(events.length + 1); // the line cut off mid-way
  });

  it('reports a truncated zstd stream', async () => {
    const zst = readFileSync(join(__dirname, '..', '..', 'fixtures', 'falco-first-10.jsonl.zst'));
    const { stats } = await readAll(zst.subarray(0, zst.length - 100));
    expect(stats.complete).toBe(false);
    expect(stats.problems['truncated-input']).toBe(1);
  });

  it('reports corrupt gzip data as corrupt, with what was read before it kept', async () => {
    const gz = gzipSync(jsonLines(good));
    const corrupt = Buffer.concat([gz, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0])]);
    const { stats } = await readAll(corrupt);
    expect(stats.complete).toBe(false);
    expect(stats.problems['corrupt-input'] + stats.problems['truncated-input']).toBe(1);
  });

  it('reports a source that fails mid-stream and keeps what it read', async () => {
    const bytes = jsonLines(good);
    async function* failing(): AsyncGenerator<Buffer> {
      yield bytes.subarray(0, bytes.indexOf('\n') + 1);
      await Promise.resolve();
      throw new Error('socket hang up');
    }
    const { events, stats } = await readAll(failing());
    expect(events.map((e) => e.event.auditID)).toEqual([good[0].auditID]);
    expect(stats.problems['source-error']).toBe(1);
    expect(stats.samples[0].detail).toContain('socket hang up');
    expect(stats.complete).toBe(false);
  });

  it('reports a failing source inside a gzip layer the same way', async () => {
    const gz = gzipSync(jsonLines(Array.from({ length: 2000 }, () => auditEvent())));
    const source = new Readable({ read() {} });
    source.push(gz.subarray(0, 4096));
    setImmediate(() => source.destroy(new Error('connection reset')));
    const { stats } = await readAll(source);
    expect(stats.complete).toBe(false);
    expect(stats.problems['source-error'] + stats.problems['truncated-input']).toBe(1);
  });

  it('counts documents that are not audit events as unknown envelopes', async () => {
    const bytes = Buffer.from('{"hello":"world"}\n42\n"text"\n' + line(good[0]));
    const { events, stats } = await readAll(bytes);
    expect(events).toHaveLength(1);
    expect(stats.problems['unknown-envelope']).toBe(3);
  });

  it('counts events that miss what every rule needs as invalid', async () => {
    const noId = auditEvent({ auditID: undefined });
    const nowhere = auditEvent({ objectRef: undefined, requestURI: undefined });
    const wrongApi = auditEvent({ apiVersion: 'v1' });
    const { events, stats } = await readAll(jsonLines([noId, nowhere, wrongApi, good[0]]));
    expect(events).toHaveLength(1);
    expect(stats.problems['invalid-event']).toBe(3);
    expect(stats.samples.map((s) => s.detail)).toEqual(['auditID missing', 'neither objectRef nor requestURI', 'apiVersion v1 is not audit.k8s.io']);
  });

  it('survives blank lines, CRLF line ends and a last line without a newline', async () => {
    const text = '\n\r\n' + JSON.stringify(good[0]) + '\r\n\n  \n' + JSON.stringify(good[1]);
    const { events, stats } = await readAll(Buffer.from(text));
    expect(events).toHaveLength(2);
    expect(stats.documents).toBe(2);
    expect(stats.problems['malformed-json']).toBe(0);
  });

  it('keeps at most five samples of a kind while counting them all', async () => {
    const { stats } = await readAll(Buffer.from('x\n'.repeat(50)));
    expect(stats.problems['malformed-json']).toBe(50);
    expect(stats.samples).toHaveLength(5);
  });

  it('releases the source when the consumer stops early', async () => {
    let released = false;
    async function* source(): AsyncGenerator<Buffer> {
      try {
        for (;;) {
          await Promise.resolve();
          yield jsonLines([auditEvent()]);
        }
      } finally {
        released = true;
      }
    }
    const reading = readAuditLog(source());
    for await (const _ of reading.events) break;
    expect(released).toBe(true);
  });
});

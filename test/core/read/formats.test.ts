import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { auditEvent, clusterAdminBinding, execViaGet, leaseUpdate } from '../../helpers/events';
import {
  aksDiagnostics,
  eventList,
  firehoseConcatenated,
  firehoseGzip,
  firehoseRaw,
  fluentBit,
  fluentdText,
  ids,
  jsonLines,
  readAll,
  vectorObjects,
} from '../../helpers/shipping';

const events = [clusterAdminBinding(), execViaGet(), leaseUpdate(), auditEvent({ verb: 'list', objectRef: { resource: 'secrets', namespace: 'prod' } })];
const expected = events.map((e) => `${e.auditID as string}/${e.stage as string}`);

describe('compression is detected from the bytes', () => {
  it('reads plain JSON lines', async () => {
    const { events: out, stats } = await readAll(jsonLines(events));
    expect(ids(out)).toEqual(expected);
    expect(stats.compression).toEqual(['plain']);
    expect(stats.bytesIn).toBe(stats.bytesDecoded);
    expect(stats.complete).toBe(true);
  });

  it('reads gzip and counts stored and decoded bytes apart', async () => {
    const plain = jsonLines(events);
    const { events: out, stats } = await readAll(gzipSync(plain));
    expect(ids(out)).toEqual(expected);
    expect(stats.compression).toEqual(['gzip']);
    expect(stats.bytesDecoded).toBe(plain.length);
    expect(stats.bytesIn).toBeLessThan(plain.length);
  });

  it('reads multi-member gzip (one member per line, as some shippers append)', async () => {
    const members = Buffer.concat(events.map((e) => gzipSync(JSON.stringify(e) + '\n')));
    expect(ids((await readAll(members)).events)).toEqual(expected);
  });

  it('reads zstd', async () => {
    const zst = readFileSync(join(__dirname, '..', '..', 'fixtures', 'falco-first-10.jsonl.zst'));
    const { events: out, stats } = await readAll(zst);
    expect(stats.compression).toEqual(['zstd']);
    expect(out).toHaveLength(10);
    expect(out[0].event.auditID).toBe('841d3e6d-90d2-43df-8da4-684738bee3d5');
  });

  it.each([
    ['xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0, 0, 0, 0, 0])],
    ['bzip2', Buffer.from('BZh91AY&SY')],
    ['zip', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 0, 0])],
  ])('names unsupported compression (%s) instead of reading garbage', async (name, bytes) => {
    const { events: out, stats } = await readAll(bytes);
    expect(out).toEqual([]);
    expect(stats.complete).toBe(false);
    expect(stats.problems['unsupported-compression']).toBe(1);
    expect(stats.samples[0].detail).toContain(`unsupported compression: ${name}`);
  });

  it('treats empty input as an empty, complete log', async () => {
    const { events: out, stats } = await readAll(Buffer.alloc(0));
    expect(out).toEqual([]);
    expect(stats).toMatchObject({ documents: 0, events: 0, complete: true });
  });
});

describe('envelopes', () => {
  it('reads an EventList from the webhook backend, also with items that omit their kind', async () => {
    const items = events.map(({ kind: _kind, apiVersion: _apiVersion, ...rest }) => rest);
    expect(ids((await readAll(eventList(items))).events)).toEqual(expected);
  });

  it('reads Firehose objects of CloudWatch Logs records: concatenated gzip members, control messages counted', async () => {
    const { events: out, stats } = await readAll(firehoseRaw(events));
    expect(ids(out)).toEqual(expected);
    expect(stats.controlMessages).toBe(1);
    expect(stats.compression).toEqual(['gzip']);
    expect(out.every((e) => e.cluster === 'prod-eu')).toBe(true);
    expect(stats.clusters).toEqual(['prod-eu']);
  });

  it('reads gzip around concatenated gzip members (Firehose GZIP on top of CloudWatch compression)', async () => {
    const { events: out, stats } = await readAll(firehoseGzip(events));
    expect(ids(out)).toEqual(expected);
    expect(stats.compression).toEqual(['gzip', 'gzip']);
  });

  it('reads decompressed CloudWatch records concatenated with no separator (`}{`)', async () => {
    const { events: out, stats } = await readAll(firehoseConcatenated(events, 1));
    expect(ids(out)).toEqual(expected);
    expect(stats.documents).toBe(events.length);
  });

  it('splits `}{` correctly when the same bytes sit inside a string', async () => {
    const tricky = auditEvent({ annotations: { note: 'a}{b}{c}{d}{e}{f' }, userAgent: '}{"verb":"x"}{' });
    const { events: out, stats } = await readAll(firehoseConcatenated([tricky, ...events], 1));
    expect(ids(out)).toEqual([`${tricky.auditID as string}/ResponseComplete`, ...expected]);
    expect(stats.problems['malformed-json']).toBe(0);
  });

  it('unwraps Fluent Bit `log` strings and Vector `message` objects once', async () => {
    expect(ids((await readAll(fluentBit(events))).events)).toEqual(expected);
    expect(ids((await readAll(vectorObjects(events))).events)).toEqual(expected);
  });

  it('unwraps AKS diagnostic records (`properties.log` as string or object) and names the cluster', async () => {
    for (const asString of [true, false]) {
      const { events: out } = await readAll(aksDiagnostics(events, asString));
      expect(ids(out)).toEqual(expected);
      expect(out[0].cluster).toBe('AKS-PROD');
    }
  });

  it('strips the Fluentd time and tag prefix', async () => {
    const { events: out, stats } = await readAll(fluentdText(events));
    expect(ids(out)).toEqual(expected);
    expect(stats.problems['malformed-json']).toBe(0);
  });

  it('reads audit.k8s.io/v1beta1 events', async () => {
    const old = auditEvent({ apiVersion: 'audit.k8s.io/v1beta1', timestamp: '2019-01-01T00:00:00Z' });
    expect((await readAll(jsonLines([old]))).events[0].event.apiVersion).toBe('audit.k8s.io/v1beta1');
  });

  it('reads a JSON array of events', async () => {
    expect(ids((await readAll(Buffer.from(JSON.stringify(events)))).events)).toEqual(expected);
  });

  it('uses the configured cluster where the envelope names none, and the envelope where it does', async () => {
    expect((await readAll(jsonLines(events), { cluster: 'from-key' })).events[0].cluster).toBe('from-key');
    expect((await readAll(firehoseRaw(events), { cluster: 'from-key' })).events[0].cluster).toBe('prod-eu');
  });

  it('does not unwrap twice: a wrapper inside a wrapper is an unknown envelope', async () => {
    const doubly = Buffer.from(JSON.stringify({ log: JSON.stringify({ log: JSON.stringify(events[0]) }) }) + '\n');
    const { events: out, stats } = await readAll(doubly);
    expect(out).toEqual([]);
    expect(stats.problems['unknown-envelope']).toBe(1);
  });
});

describe('event handling', () => {
  it('drops RequestReceived, keeps ResponseStarted and ResponseComplete, counts each', async () => {
    const id = 'a1b2';
    const stages = ['RequestReceived', 'ResponseStarted', 'ResponseComplete'].map((stage) => auditEvent({ auditID: id, stage }));
    const { events: out, stats } = await readAll(jsonLines(stages));
    expect(out.map((e) => e.event.stage)).toEqual(['ResponseStarted', 'ResponseComplete']);
    expect(stats.skippedByStage).toEqual({ RequestReceived: 1 });
    expect(stats.events).toBe(3);
  });

  it('drops repeats of the same (auditID, stage), as shipper retries produce', async () => {
    const e = auditEvent();
    const { events: out, stats } = await readAll(jsonLines([e, leaseUpdate(), e, e]));
    expect(out).toHaveLength(2);
    expect(stats.duplicates).toBe(2);
  });

  it('keeps events the API server truncated and says so', async () => {
    const cut = auditEvent({ annotations: { 'audit.k8s.io/truncated': 'true' } });
    const { events: out, stats } = await readAll(jsonLines([cut]));
    expect(out[0].truncated).toBe(true);
    expect(stats.truncatedEvents).toBe(1);
  });

  it('reports where each event was found', async () => {
    const bytes = jsonLines(events);
    const { events: out } = await readAll(bytes);
    expect(out.map((e) => e.line)).toEqual([1, 2, 3, 4]);
    expect(out[1].offset).toBe(bytes.indexOf('\n') + 1);
  });

  it('keeps an event with no verb (some exporters drop it) with verb set to the empty string', async () => {
    const { verb: _verb, ...noVerb } = auditEvent({ user: { username: 'system:anonymous' } });
    const { events: out } = await readAll(jsonLines([noVerb]));
    expect(out[0].event.verb).toBe('');
  });
});

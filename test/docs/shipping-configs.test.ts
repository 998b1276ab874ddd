import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { clusterFromKey } from '../../lambdas/analyzer/s3-event';
import { auditEvent, clusterAdminBinding, execViaGet, leaseUpdate } from '../helpers/events';
import type { Ev } from '../helpers/shipping';
import { readAll } from '../helpers/shipping';
import { DEFAULT_MAX_DOCUMENT_BYTES } from '../../lambdas/core/read/parser';

/**
 * The shipping examples in docs/ are configuration people copy. These tests read them as the
 * shippers would, check the settings that decide what lands in S3, then build an object exactly as
 * each shipper writes one with those settings and read it back with the analyzer's reader.
 */

const DOCS = join(__dirname, '..', '..', 'docs');
const AUDIT_LOG = '/var/log/kubernetes/audit/audit.log';
const CLUSTER_PREFIX = /^\/?clusters\/([A-Za-z0-9][A-Za-z0-9_-]*)\//;

// ---------------------------------------------------------------------------------------------
// Fluent Bit's classic format, as far as this file uses it: `[SECTION]` headers, indented
// `key value` entries (keys case-insensitive, the value is the rest of the line, comments only on
// lines of their own). Anything else is an error, so the file stays within what is checked here.

interface Section {
  name: string;
  entries: Map<string, string>;
}

function parseFluentBitClassic(text: string): Section[] {
  const sections: Section[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const where = `fluent-bit.conf line ${index + 1}`;
    const line = raw.trimEnd();
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    if (trimmed.startsWith('@')) throw new Error(`${where}: directives (@SET, @INCLUDE) are not used in this example`);
    const header = /^\[([A-Z]+)\]$/.exec(line);
    if (header) {
      sections.push({ name: header[1], entries: new Map() });
      return;
    }
    const section = sections.at(-1);
    if (!section) throw new Error(`${where}: an entry before any [SECTION]`);
    const entry = /^\s+(\S+)\s+(\S.*)$/.exec(line);
    if (!entry) throw new Error(`${where}: not an indented "key value" entry: ${line}`);
    const key = entry[1].toLowerCase();
    if (section.entries.has(key)) throw new Error(`${where}: ${key} set twice in [${section.name}]`);
    section.entries.set(key, entry[2]);
  });
  return sections;
}

function sectionOf(sections: Section[], name: string, plugin?: string): Map<string, string> {
  const found = sections.filter((s) => s.name === name && (plugin === undefined || s.entries.get('name') === plugin));
  expect(found).toHaveLength(1);
  return found[0].entries;
}

/** Fluent Bit sizes: `256k`, `4M`, `50M` (binary multiples). */
function bytesOf(size: string): number {
  const m = /^(\d+)([kKmMgG]?)[bB]?$/.exec(size);
  if (!m) throw new Error(`not a size: ${size}`);
  return Number(m[1]) * 1024 ** ' kmg'.indexOf((m[2] || ' ').toLowerCase());
}

const on = (value: string | undefined): boolean => /^(on|true|yes)$/i.test(value ?? '');
const off = (value: string | undefined): boolean => /^(off|false|no)$/i.test(value ?? '');

/** strftime's `%Y %m %d %H` in UTC, as both shippers render key templates. */
const strftime = (template: string, at: Date): string =>
  template
    .replace(/%Y/g, String(at.getUTCFullYear()))
    .replace(/%m/g, String(at.getUTCMonth() + 1).padStart(2, '0'))
    .replace(/%d/g, String(at.getUTCDate()).padStart(2, '0'))
    .replace(/%H/g, String(at.getUTCHours()).padStart(2, '0'));

// ---------------------------------------------------------------------------------------------
// The audit log the API server writes: one JSON event per line.

const bigConfigMap = (): Ev =>
  auditEvent({
    level: 'RequestResponse',
    verb: 'update',
    requestURI: '/api/v1/namespaces/kube-system/configmaps/coredns',
    objectRef: { resource: 'configmaps', namespace: 'kube-system', name: 'coredns', apiVersion: 'v1' },
    requestObject: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'coredns', namespace: 'kube-system' }, data: { Corefile: 'x'.repeat(300 * 1024) } },
  });
const nonAscii = (): Ev =>
  auditEvent({
    user: { username: 'zoë@example.com', groups: ['développeurs', 'system:authenticated'] },
    annotations: { 'example.com/note': 'ünïcödé ✓ 🚀 </script>' },
  });

function auditLogEvents(): Ev[] {
  return [
    auditEvent(),
    leaseUpdate(),
    execViaGet(),
    clusterAdminBinding(),
    bigConfigMap(),
    nonAscii(),
    auditEvent({ verb: 'delete', stage: 'ResponseComplete' }),
  ];
}
const linesOf = (events: Ev[]): string[] => events.map((e) => JSON.stringify(e));

async function expectReadBack(object: Buffer, events: Ev[]): Promise<void> {
  const { events: read, stats } = await readAll(object);
  expect(stats.compression).toEqual(['gzip']);
  expect(read.map((r) => r.event)).toEqual(events);
  expect(Object.entries(stats.problems).filter(([, n]) => n > 0)).toEqual([]);
  expect(stats.complete).toBe(true);
}

// ---------------------------------------------------------------------------------------------

describe('docs/fluent-bit.conf', () => {
  const sections = parseFluentBitClassic(readFileSync(join(DOCS, 'fluent-bit.conf'), 'utf8'));
  const service = sectionOf(sections, 'SERVICE');
  const input = sectionOf(sections, 'INPUT', 'tail');
  const output = sectionOf(sections, 'OUTPUT', 's3');

  it('tails the API server’s audit log with the stock json parser, keeping offsets and long lines', () => {
    expect(input.get('path')).toBe(AUDIT_LOG);
    expect(input.get('parser')).toBe('json');
    expect(service.get('parsers_file')).toBe('parsers.conf');
    expect(input.get('db')).toMatch(/^\/var\/lib\//);
    expect(bytesOf(input.get('buffer_max_size') ?? '32k')).toBeGreaterThanOrEqual(4 * 1024 * 1024);
    expect(on(input.get('skip_long_lines'))).toBe(true); // off, one long line stops the file being read
  });

  it('sends that input to an s3 output: the bucket, gzip objects under clusters/<cluster>/, whole objects with PutObject, no added date', () => {
    expect(output.get('match')).toBe(input.get('tag'));
    expect(output.get('bucket')).toBe('my-audit-logs');
    expect(output.get('region')).toMatch(/^[a-z]{2}(-[a-z]+)+-\d$/);
    expect(output.get('s3_key_format')).toMatch(/^\/clusters\/[A-Za-z0-9][A-Za-z0-9_-]*\/%Y\/%m\/%d\/%H\/\$UUID\.gz$/);
    expect(output.get('compression')).toBe('gzip');
    expect(on(output.get('use_put_object'))).toBe(true);
    expect(output.get('total_file_size')).toBe('50M');
    expect(output.get('upload_timeout')).toBe('1m');
    expect(off(output.get('json_date_key'))).toBe(true);
    expect(output.get('log_key')).toBeUndefined(); // the whole record is written, not one field of it
  });

  /** What the s3 output uploads: each record as a JSON line (msgpack → JSON, non-ASCII and `/` escaped as Fluent Bit may), gzip'd. */
  function fluentBitObject(records: Ev[]): Buffer {
    const json = (record: Ev): string =>
      JSON.stringify(record)
        .replace(/\//g, '\\/')
        .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    return gzipSync(records.map((r) => json(r) + '\n').join(''));
  }

  it('makes objects the reader turns back into the same events, under a key that names the cluster', async () => {
    const events = auditLogEvents();
    const lines = linesOf(events);
    // tail: a line longer than Buffer_Max_Size would be skipped; the default (32k) would skip the ConfigMap update.
    const maxLine = Math.max(...lines.map((l) => Buffer.byteLength(l)));
    expect(maxLine).toBeGreaterThan(32 * 1024);
    expect(maxLine).toBeLessThanOrEqual(bytesOf(input.get('buffer_max_size')!));
    // A line over the reader's limit must reach it, to be judged from its head, not be skipped here.
    expect(bytesOf(input.get('buffer_max_size')!)).toBeGreaterThan(DEFAULT_MAX_DOCUMENT_BYTES);
    // parser json: the line's fields become the record. The stock parser's Time_Key is `time`,
    // which audit events do not have, so nothing is taken out of them.
    for (const event of events) expect(event).not.toHaveProperty('time');
    const records = lines.map((line) => JSON.parse(line) as Ev);
    // s3 with json_date_key false: the record as is, one JSON line each; compression gzip.
    const object = fluentBitObject(records);
    const firstRecordTime = new Date('2026-11-20T10:59:59Z');
    const key = strftime(output.get('s3_key_format')!, firstRecordTime).replace('$UUID', 'AbCd1234').replace(/^\//, ''); // Fluent Bit requests /<bucket><key>: the object key starts after the slash
    expect(key).toBe('clusters/prod-eu/2026/11/20/10/AbCd1234.gz');
    expect(clusterFromKey(key)).toBe('prod-eu');
    await expectReadBack(object, events);
  });

  it('a line the parser cannot take stays {"log": "<line>"}: its neighbours read back, and it shows as malformed instead of vanishing', async () => {
    const events = auditLogEvents();
    const lines = linesOf(events);
    const cut = lines[2].slice(0, 200); // e.g. a line the API server was writing when the disk filled
    const records: Ev[] = lines.map((line, i) => (i === 2 ? { log: cut } : (JSON.parse(line) as Ev)));
    const { events: read, stats } = await readAll(fluentBitObject(records));
    expect(read.map((r) => r.event)).toEqual(events.filter((_, i) => i !== 2));
    expect(stats.problems['malformed-json']).toBe(1);
  });

  it('without the parser and with the date key left on, records are {"date", "log"}: the reader still gets every event', async () => {
    const events = auditLogEvents();
    const records = linesOf(events).map((line, i) => ({ date: `2026-11-20T10:00:${String(i).padStart(2, '0')}.000000Z`, log: line }));
    await expectReadBack(fluentBitObject(records), events);
  });
});

describe('docs/vector.yaml', () => {
  type VectorConfig = {
    data_dir: string;
    sources: Record<string, Record<string, unknown>>;
    transforms: Record<string, { type: string; inputs: string[]; source: string }>;
    sinks: Record<string, Record<string, unknown>>;
  };
  const config = parseYaml(readFileSync(join(DOCS, 'vector.yaml'), 'utf8')) as VectorConfig;
  const [sourceId, source] = Object.entries(config.sources)[0];
  const [transformId, remap] = Object.entries(config.transforms)[0];
  const sink = Object.values(config.sinks)[0];

  it('reads the API server’s audit log from its start, long lines included', () => {
    expect(Object.keys(config.sources)).toHaveLength(1);
    expect(source).toMatchObject({ type: 'file', include: [AUDIT_LOG], read_from: 'beginning' });
    // A line over the reader's limit must reach it, to be judged from its head, not be dropped here.
    expect(source.max_line_bytes).toBeGreaterThan(DEFAULT_MAX_DOCUMENT_BYTES);
    expect(config.data_dir).toMatch(/^\/var\/lib\//);
  });

  it('passes it through a remap that does not parse the line: the event stays, byte for byte, in `message`', () => {
    expect(remap).toMatchObject({ type: 'remap', inputs: [sourceId] });
    const program = remap.source
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(program).toEqual(['del(.source_type)']); // the simulation below applies exactly this
  });

  it('writes gzip objects of JSON lines under clusters/<cluster>/yyyy/mm/dd/ in the bucket, batched', () => {
    expect(Object.keys(config.sinks)).toHaveLength(1);
    expect(sink).toMatchObject({
      type: 'aws_s3',
      inputs: [transformId],
      bucket: 'my-audit-logs',
      compression: 'gzip',
      encoding: { codec: 'json' },
      framing: { method: 'newline_delimited' },
      filename_extension: 'json.gz',
      healthcheck: { enabled: false }, // HeadBucket would need s3:ListBucket
      buffer: { type: 'disk', when_full: 'block' },
    });
    expect(sink.key_prefix).toMatch(/^clusters\/[A-Za-z0-9][A-Za-z0-9_-]*\/%Y\/%m\/%d\/$/);
    expect(sink.batch).toEqual({ max_bytes: 50 * 1024 * 1024, timeout_secs: 60 });
  });

  /** Vector's log event from the file source, after the remap, as the json codec writes it: keys in sorted order (Vector's maps are ordered), one per line. */
  function vectorObject(lines: string[]): Buffer {
    const encoded = lines.map((line, i) => {
      const event: Ev = {
        file: AUDIT_LOG,
        host: 'cp-1.example.internal',
        message: line,
        source_type: 'file',
        timestamp: `2026-11-20T10:00:0${i % 10}.123456789Z`,
      };
      delete event.source_type; // del(.source_type)
      const sorted = Object.fromEntries(Object.entries(event).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
      return JSON.stringify(sorted) + '\n';
    });
    return gzipSync(encoded.join(''));
  }

  it('makes objects the reader turns back into the same events, under a key that names the cluster', async () => {
    const events = auditLogEvents();
    const lines = linesOf(events);
    // file source: longer lines than max_line_bytes are dropped; Vector's default (100 KiB) would drop the ConfigMap update.
    const maxLine = Math.max(...lines.map((l) => Buffer.byteLength(l)));
    expect(maxLine).toBeGreaterThan(102_400);
    expect(maxLine).toBeLessThanOrEqual(source.max_line_bytes as number);
    const key = `${strftime(sink.key_prefix as string, new Date('2026-11-20T10:00:00Z'))}1763632800-${randomUUID()}.${sink.filename_extension as string}`;
    expect(key).toMatch(/^clusters\/prod-eu\/2026\/11\/20\/1763632800-[0-9a-f-]{36}\.json\.gz$/);
    expect(clusterFromKey(key)).toBe('prod-eu');
    await expectReadBack(vectorObject(lines), events);
  });
});

describe('both examples', () => {
  const fluentBit = parseFluentBitClassic(readFileSync(join(DOCS, 'fluent-bit.conf'), 'utf8'));
  const vector = parseYaml(readFileSync(join(DOCS, 'vector.yaml'), 'utf8')) as {
    sinks: Record<string, { key_prefix: string; bucket: string; region: string }>;
  };
  const s3 = sectionOf(fluentBit, 'OUTPUT', 's3');
  const sink = Object.values(vector.sinks)[0];

  it('name the same bucket, region and cluster, so docs/shipping.md’s IAM policy fits either', () => {
    expect(sink.bucket).toBe(s3.get('bucket'));
    expect(sink.region).toBe(s3.get('region'));
    expect(CLUSTER_PREFIX.exec(sink.key_prefix)?.[1]).toBe(CLUSTER_PREFIX.exec(s3.get('s3_key_format')!)?.[1]);
    const doc = readFileSync(join(DOCS, 'shipping.md'), 'utf8');
    expect(doc).toContain(`arn:aws:s3:::${sink.bucket}/clusters/${CLUSTER_PREFIX.exec(sink.key_prefix)?.[1]}/*`);
  });
});

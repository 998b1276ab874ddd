import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../lambdas/cli/main';
import { OCSF_VERSION, renderOcsf, toOcsfDetectionFinding } from '../../../lambdas/core/export/ocsf';
import type { Finding } from '../../../lambdas/core/finding';
import { CATEGORIES } from '../../../lambdas/core/finding';
import { auditEvent } from '../../helpers/events';
import { jsonLines } from '../../helpers/shipping';

async function scan(...argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await main(['scan', ...argv, '--quiet'], { out: (s) => (out += s + '\n'), err: () => undefined, env: {} });
  return { code, out };
}

const dir = mkdtempSync(join(tmpdir(), 'ocsf-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The samples hold 13 of the 15 categories; these two requests add the others.
const person = { username: 'mallory@example.com', groups: ['system:authenticated'] };
const extra = join(dir, 'extra.jsonl');
writeFileSync(
  extra,
  jsonLines([
    auditEvent({
      verb: 'delete',
      user: person,
      requestURI: '/apis/apps/v1/namespaces/logging/daemonsets/fluent-bit',
      objectRef: { resource: 'daemonsets', namespace: 'logging', name: 'fluent-bit', apiGroup: 'apps', apiVersion: 'v1' },
    }),
    auditEvent({
      level: 'RequestResponse',
      verb: 'create',
      user: person,
      requestURI: '/apis/snapshot.storage.k8s.io/v1/namespaces/db/volumesnapshots',
      objectRef: { resource: 'volumesnapshots', namespace: 'db', name: 'grab', apiGroup: 'snapshot.storage.k8s.io', apiVersion: 'v1' },
      responseStatus: { metadata: {}, code: 201 },
      requestObject: {
        apiVersion: 'snapshot.storage.k8s.io/v1',
        kind: 'VolumeSnapshot',
        metadata: { name: 'grab', namespace: 'db' },
        spec: { source: { persistentVolumeClaimName: 'data-postgres-0' } },
      },
    }),
  ]),
);

type OcsfRecord = ReturnType<typeof toOcsfDetectionFinding>;

/** What OCSF 1.1.0 requires of a Detection Finding (base event, finding, and the objects they hold), with the type of each. */
const REQUIRED: Array<[path: string, type: 'number' | 'string' | 'object']> = [
  ['activity_id', 'number'],
  ['category_uid', 'number'],
  ['class_uid', 'number'],
  ['type_uid', 'number'],
  ['severity_id', 'number'],
  ['time', 'number'],
  ['metadata', 'object'],
  ['metadata.version', 'string'],
  ['metadata.product', 'object'],
  ['metadata.product.vendor_name', 'string'],
  ['finding_info', 'object'],
  ['finding_info.uid', 'string'],
  ['finding_info.title', 'string'],
];

const at = (record: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), record);

let records: OcsfRecord[];
beforeAll(async () => {
  const { code, out } = await scan('samples', extra, '--format', 'ocsf');
  expect(code).toBe(0);
  records = out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as OcsfRecord);
}, 60_000);

describe('scan --format ocsf', () => {
  it('writes one Detection Finding a line, for findings of every category', () => {
    const categories = new Set(records.map((r) => r.finding_info.types[0]));
    expect([...categories].sort()).toEqual([...CATEGORIES].sort());
  });

  it('has every attribute OCSF 1.1.0 requires, of the right type, in every record', () => {
    for (const record of records) {
      for (const [path, type] of REQUIRED) expect([path, typeof at(record, path)]).toEqual([path, type]);
      expect(record).toMatchObject({ class_uid: 2004, category_uid: 2, activity_id: 1, type_uid: 200401, metadata: { version: OCSF_VERSION } });
      expect(record.severity_id).toBeGreaterThanOrEqual(1);
      expect(record.severity_id).toBeLessThanOrEqual(5);
      expect(Number.isInteger(record.time) && record.time > Date.parse('2020-01-01')).toBe(true);
      expect(record.finding_info.first_seen_time).toBe(record.time);
      expect(record.evidences[0].api.request.uid).toBe(record.unmapped.auditID);
      expect(record.resources.length).toBeGreaterThan(0);
      expect(record.remediation?.desc.length).toBeGreaterThan(0);
      expect(record.remediation?.references?.[0]).toMatch(/rules\.md#/);
    }
  });

  it('maps the severities onto severity_id', () => {
    const pairs = new Set(records.map((r) => `${r.severity}=${r.severity_id}`));
    for (const pair of pairs) expect(['Informational=1', 'Low=2', 'Medium=3', 'High=4', 'Critical=5']).toContain(pair);
  });
});

describe('an OCSF record of a hostile finding', () => {
  const hostile: Finding = {
    ruleId: 'rbac.cluster-admin-binding',
    category: 'rbac-change',
    severity: 'critical',
    title: 'Binding to cluster-admin',
    summary: '"},"class_uid":1,"x":{"\n\u2028\u202e',
    auditID: '"]}\u0000',
    time: 'not a time',
    cluster: 'prod\u200b',
    actor: { username: 'mallory"}', sourceIPs: ['not-an-ip', '203.0.113.9'], groups: ['"'] },
    target: { resource: 'clusterrolebindings', name: '../../x' },
    verb: 'create',
    evidence: { nested: { a: ['\u0085'] } },
  };

  it('keeps attacker text as values: the JSON parses back to the same record, with no raw invisible character', () => {
    const record = toOcsfDetectionFinding(hostile, { productVersion: '0.1.0' });
    expect(record.class_uid).toBe(2004);
    expect(record.message).toBe(hostile.summary);
    expect(record.time).toBe(0);
    expect(record.src_endpoint).toEqual({ ip: '203.0.113.9' });
    expect(record.unmapped.sourceIPs).toEqual(['not-an-ip', '203.0.113.9']);
    const line = renderOcsf([hostile], { productVersion: '0.1.0' });
    expect(line.split('\n')).toHaveLength(2);
    expect(line).not.toMatch(/[\u2028\u202e\u200b\u0085]/);
    expect(JSON.parse(line)).toEqual(JSON.parse(JSON.stringify(record)));
  });
});

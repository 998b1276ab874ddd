import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { auditLines, mulberry32, writeAuditLog } from '../../devkit/generate';
import { interestOf } from '../../lambdas/core/rules';
import { readAuditLog } from '../../lambdas/core/read';

const RULES_INTEREST = interestOf();

interface Parsed {
  kind?: unknown;
  apiVersion?: unknown;
  level?: string;
  auditID?: unknown;
  stage?: string;
  requestURI?: unknown;
  verb?: unknown;
  objectRef?: { resource?: string; subresource?: string; apiGroup?: string };
  requestObject?: unknown;
  responseObject?: unknown;
  stageTimestamp?: string;
}

const FIELD_ORDER = [
  'kind',
  'apiVersion',
  'level',
  'auditID',
  'stage',
  'requestURI',
  'verb',
  'user',
  'sourceIPs',
  'userAgent',
  'objectRef',
  'responseStatus',
  'requestObject',
  'responseObject',
  'requestReceivedTimestamp',
  'stageTimestamp',
  'annotations',
];
const N = 6000;
const lines = [...auditLines({ events: N, seed: 1 })];
const events = lines.map((l) => JSON.parse(l) as Parsed);
const resourceOf = (e: Parsed): string => (e.objectRef ? `${e.objectRef.resource}${e.objectRef.subresource ? `/${e.objectRef.subresource}` : ''}` : '');
const share = (predicate: (e: Parsed, i: number) => boolean): number => events.filter(predicate).length / N;

describe('mulberry32', () => {
  it('is deterministic and spreads over [0, 1)', () => {
    const a = mulberry32(9);
    const b = mulberry32(9);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.filter((x) => x < 0.5).length).toBeGreaterThan(400);
  });
});

describe('auditLines', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    expect([...auditLines({ events: 500, seed: 1 })]).toEqual(lines.slice(0, 500));
    expect([...auditLines({ events: 500, seed: 2 })]).not.toEqual(lines.slice(0, 500));
    const start = new Date('2024-01-01T00:00:00Z');
    const [first] = auditLines({ events: 1, seed: 1, startTime: start });
    expect((JSON.parse(first) as Parsed).stageTimestamp?.startsWith('2024-01-01T00:00:00.')).toBe(true);
  });

  it('produces exactly the requested number of compact, single-line audit events', () => {
    expect(lines).toHaveLength(N);
    const wrong: string[] = [];
    for (const [i, line] of lines.entries()) {
      const e = events[i];
      // Fields in the API server's order.
      const positions = Object.keys(e).map((k) => FIELD_ORDER.indexOf(k));
      const ordered = positions.every((p, j) => p >= 0 && (j === 0 || p > positions[j - 1]));
      const valid =
        e.kind === 'Event' &&
        e.apiVersion === 'audit.k8s.io/v1' &&
        typeof e.auditID === 'string' &&
        e.auditID !== '' &&
        typeof e.verb === 'string' &&
        (e.objectRef !== undefined || typeof e.requestURI === 'string');
      if (line.includes('\n') || !ordered || !valid) wrong.push(line.slice(0, 300));
    }
    expect(wrong).toEqual([]);
  });

  it('writes stages in stage-timestamp order, with unique (auditID, stage) pairs', () => {
    const stamps = events.map((e) => e.stageTimestamp ?? '');
    expect(stamps).toEqual([...stamps].sort());
    expect(new Set(events.map((e) => `${String(e.auditID)} ${e.stage}`)).size).toBe(N);
  });

  it('has realistic sizes: mostly 0.8-3 KB, a few over 10 KB', () => {
    const sizes = lines.map((l) => l.length).sort((a, b) => a - b);
    expect(sizes[Math.floor(N / 2)]).toBeGreaterThan(800);
    expect(sizes[Math.floor(N / 2)]).toBeLessThan(3000);
    const big = sizes.filter((s) => s > 10_000).length / N;
    expect(big).toBeGreaterThan(0.002);
    expect(big).toBeLessThan(0.05);
  });

  it('is mostly lease and status chatter', () => {
    expect(share((e) => resourceOf(e) === 'leases')).toBeGreaterThan(0.25);
    expect(share((e) => e.verb === 'patch' && resourceOf(e) === 'pods/status')).toBeGreaterThan(0.05);
    expect(share((e) => e.verb === 'patch' && resourceOf(e) === 'nodes/status')).toBeGreaterThan(0.02);
    expect(share((e) => e.verb === 'create' && resourceOf(e) === 'events')).toBeGreaterThan(0.03);
    expect(share((e) => e.verb === 'watch' && e.stage === 'ResponseStarted')).toBeGreaterThan(0.02);
    expect(share((e) => e.verb === 'list')).toBeGreaterThan(0.01);
    for (const r of ['configmaps', 'endpoints', 'endpointslices']) expect(share((e) => e.verb === 'update' && resourceOf(e) === r)).toBeGreaterThan(0.003);
  });

  it('logs TokenReviews and SubjectAccessReviews with both bodies at RequestResponse', () => {
    for (const r of ['tokenreviews', 'subjectaccessreviews']) {
      const reviews = events.filter((e) => e.verb === 'create' && resourceOf(e) === r && e.stage === 'ResponseComplete');
      expect(reviews.length).toBeGreaterThan(50);
      for (const e of reviews) {
        expect(e.level).toBe('RequestResponse');
        expect(e.requestObject).toBeDefined();
        expect(e.responseObject).toBeDefined();
      }
    }
  });

  it('has 5-10% RequestReceived stages, without response or annotations', () => {
    const received = events.filter((e) => e.stage === 'RequestReceived');
    expect(received.length / N).toBeGreaterThan(0.05);
    expect(received.length / N).toBeLessThan(0.1);
    for (const e of received) expect(Object.keys(e)).not.toContain('responseStatus');
  });

  it('has kubelet pod status patches reporting a terminated container', () => {
    const terminated = lines.filter(
      (l, i) => resourceOf(events[i]) === 'pods/status' && events[i].verb === 'patch' && l.includes('"lastState":{"terminated":{'),
    );
    expect(terminated.length).toBeGreaterThan(10);
    expect(terminated.every((l) => l.includes('"username":"system:node:ip-10-0-'))).toBe(true);
  });

  it('has the few writes that matter: exec over websockets, pods, deployments, rolebindings, secrets at Metadata', () => {
    const exec = events.filter((e) => e.verb === 'get' && resourceOf(e) === 'pods/exec');
    expect(exec.length).toBeGreaterThan(0);
    const pods = events.filter((e) => e.verb === 'create' && resourceOf(e) === 'pods' && e.stage === 'ResponseComplete');
    expect(pods.length).toBeGreaterThan(5);
    expect(JSON.stringify(pods[0].responseObject)).toContain('"managedFields"');
    expect(events.some((e) => e.verb === 'patch' && resourceOf(e) === 'deployments' && e.responseObject !== undefined)).toBe(true);
    expect(events.some((e) => e.verb === 'create' && resourceOf(e) === 'rolebindings')).toBe(true);
    const secretWrites = events.filter((e) => resourceOf(e) === 'secrets' && ['create', 'update', 'patch'].includes(String(e.verb)));
    expect(secretWrites.length).toBeGreaterThan(0);
    for (const e of secretWrites) {
      expect(e.level).toBe('Metadata');
      expect(e.requestObject).toBeUndefined();
    }
  });

  it('reads and writes Secrets the way a cluster does: own namespace, or cluster-wide by the informers that do; none written in kube-system', () => {
    type WithUser = Parsed & { user?: { username?: string }; objectRef?: { namespace?: string } };
    const secretEvents = (events as WithUser[]).filter((e) => resourceOf(e) === 'secrets');
    const foreign = secretEvents
      .filter((e) => e.user?.username?.startsWith('system:serviceaccount:'))
      .map((e) => ({ sa: e.user?.username?.split(':')[2], name: e.user?.username?.split(':')[3], namespace: e.objectRef?.namespace }))
      .filter((r) => r.namespace !== undefined && r.namespace !== r.sa && !['cert-manager', 'argocd-application-controller'].includes(String(r.name)));
    expect(foreign).toEqual([]);
    const clusterWide = new Set(secretEvents.filter((e) => e.objectRef?.namespace === undefined).map((e) => e.user?.username?.split(':')[3]));
    for (const name of clusterWide) expect(['cert-manager', 'ingress-nginx-controller', 'kube-state-metrics', 'prometheus-operator']).toContain(name);
    const writesInKubeSystem = secretEvents.filter((e) => e.objectRef?.namespace === 'kube-system' && ['create', 'update', 'patch'].includes(String(e.verb)));
    expect(writesInKubeSystem).toEqual([]);
    const execsInKubeSystem = (events as WithUser[]).filter((e) => resourceOf(e) === 'pods/exec' && e.objectRef?.namespace === 'kube-system');
    expect(execsInKubeSystem).toEqual([]);
  });

  it('restarts containers rarely, except one pod that crash-loops every 5-6 minutes', () => {
    // Only the pod status patches are parsed: 60,000 events is ~9 minutes of traffic.
    const long = [...auditLines({ events: 60_000, seed: 1 })]
      .filter((l) => l.includes('"subresource":"status"') && l.includes('"containerStatuses"'))
      .map((l) => JSON.parse(l) as Parsed & { objectRef?: { name?: string } });
    const rises = new Map<string, number>();
    const counts = new Map<string, number>();
    for (const e of long) {
      if (resourceOf(e) !== 'pods/status' || e.stage !== 'ResponseComplete') continue;
      const statuses = (e.requestObject as { status?: { containerStatuses?: Array<{ name: string; restartCount: number }> } }).status?.containerStatuses ?? [];
      for (const c of statuses) {
        const key = `${e.objectRef?.name}/${c.name}`;
        const before = counts.get(key);
        if (before !== undefined && c.restartCount > before) rises.set(key, (rises.get(key) ?? 0) + c.restartCount - before);
        counts.set(key, c.restartCount);
      }
    }
    const looping = [...rises].filter(([, n]) => n >= 2);
    expect(looping).toHaveLength(1);
    expect(looping[0][0]).toMatch(/^image-resizer-/);
    expect(looping[0][1]).toBeLessThanOrEqual(3); // ~9 minutes of traffic
  });

  it('is read by the reader without problems, most of it filtered by the persistence interest', async () => {
    const reading = readAuditLog(Readable.from([Buffer.from(lines.join('\n') + '\n')]), { interest: RULES_INTEREST });
    let emitted = 0;
    for await (const read of reading.events) if (read.event.kind === 'Event') emitted++;
    const s = reading.stats;
    expect(s.complete).toBe(true);
    expect(Object.values(s.problems).every((n) => n === 0)).toBe(true);
    expect(s.events).toBe(N);
    expect(emitted).toBe(s.emitted);
    expect(s.filtered / N).toBeGreaterThan(0.6);
  });
});

describe('writeAuditLog', () => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-gen-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('streams the same lines to gzip, and compresses about as well as real logs', async () => {
    const path = join(dir, 'a.jsonl.gz');
    const written = await writeAuditLog(path, { events: 3000, gzip: true, seed: 1 });
    const text = gunzipSync(readFileSync(path)).toString('utf8');
    expect(text).toBe(lines.slice(0, 3000).join('\n') + '\n');
    expect(written).toMatchObject({ events: 3000, bytes: text.length });
    const ratio = written.bytes / written.storedBytes;
    expect(ratio).toBeGreaterThan(6);
    expect(ratio).toBeLessThan(14);
  });

  it('stops at a target size in plain JSON lines', async () => {
    const path = join(dir, 'b.jsonl');
    const written = await writeAuditLog(path, { bytes: 1_000_000, seed: 3 });
    const text = readFileSync(path, 'utf8');
    expect(text.length).toBe(written.bytes);
    expect(written.bytes).toBeGreaterThanOrEqual(1_000_000);
    expect(written.bytes).toBeLessThan(1_000_000 + 60_000);
    expect(text.split('\n')).toHaveLength(written.events + 1);
  });
});

import { createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { PreviewedAlert } from '../../lambdas/cli/alerts-preview';
import { MemoryFindingsStore } from '../../lambdas/cli/alerts-preview';
import { main } from '../../lambdas/cli/main';
import type { IncidentBody } from '../../lambdas/core/alert/incident-body';
import { leaseUpdate } from '../helpers/events';
import { registryFinding } from '../helpers/findings';
import { jsonLines } from '../helpers/shipping';

const SAMPLES = join(__dirname, '..', '..', 'samples');

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s + '\n'), err: (s) => (err += s + '\n'), env: {} });
  return { code, out, err };
}

const dir = mkdtempSync(join(tmpdir(), 'preview-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('k8s-audit-analyzer alerts preview', () => {
  let alerts: PreviewedAlert[];
  beforeAll(async () => {
    // The samples' cluster, as the analyzer reads it from keys under clusters/prod-eu/.
    const { code, out, err } = await run('alerts', 'preview', SAMPLES, '--cluster', 'prod-eu', '--format', 'json', '--region', 'eu-west-1');
    expect(err).toBe('');
    expect(code).toBe(0);
    alerts = JSON.parse(out) as PreviewedAlert[];
  });
  const machine = (a: PreviewedAlert) => a.machine as IncidentBody;

  it("tells Jordan Lee's intrusion as one incident: an opening alert, then updates naming it, not an alert per object", () => {
    const jordan = alerts.filter((a) => machine(a).incident.principal.key === 'jordan.lee');
    expect(new Set(jordan.map((a) => machine(a).incident.id)).size).toBe(1);
    expect(jordan.map((a) => a.attributes.kind)).toEqual(['opened', ...Array<string>(jordan.length - 1).fill('updated')]);
    expect(jordan.length).toBeGreaterThan(1);
    expect(jordan[0].attributes).toMatchObject({ severity: 'critical', cluster: 'prod-eu' });
    expect(jordan[0].subject).toMatch(/^jordan\.lee .* in prod-eu$/);
    expect(machine(jordan[0]).told.length).toBeGreaterThan(1);
    // Each update tells only what is new.
    const told = jordan.flatMap((a) => machine(a).told.map((g) => g.key));
    expect(new Set(told).size).toBe(told.length);
    expect(machine(jordan.at(-1)!).incident.chain).toMatch(/persistence chain/);
  });

  it('opens each incident once and updates it as later objects add to it', () => {
    const opened = alerts.filter((a) => a.attributes.kind === 'opened').map((a) => machine(a).incident.id);
    expect(new Set(opened).size).toBe(opened.length);
    const updates = alerts.filter((a) => a.attributes.kind === 'updated');
    expect(updates.length).toBeGreaterThan(0);
    for (const update of updates) {
      const first = alerts.findIndex((a) => machine(a).incident.id === machine(update).incident.id);
      expect(alerts[first].attributes.kind).toBe('opened');
      expect(alerts.indexOf(update)).toBeGreaterThan(first);
      expect(update.subject).toMatch(/^Update: /);
    }
  });

  it('renders every destination: email within 72 columns, the Slack message, the machine body, the filter attributes', () => {
    for (const alert of alerts) {
      for (const line of alert.email.split('\n')) expect([...line].length).toBeLessThanOrEqual(72);
      expect(alert.email).toContain(machine(alert).incident.principal.display);
      expect(alert.slack).toMatchObject({ blocks: expect.any(Array) as unknown[] });
      expect(machine(alert)).toMatchObject({ kind: 'incident', alert: alert.attributes.kind });
      expect(alert.attributes.incident).toBe(machine(alert).incident.id);
      expect(Array.isArray(alert.attributes.categories)).toBe(true);
    }
    // --region reaches the links.
    expect(alerts.some((a) => a.email.includes('eu-west-1'))).toBe(true);
  });

  it('prints the same alerts as text: a header line each, then the email, the Slack message and the machine JSON', async () => {
    const { code, out } = await run('alerts', 'preview', SAMPLES, '--cluster', 'prod-eu', '--region', 'eu-west-1');
    expect(code).toBe(0);
    const headers = out.split('\n').filter((l) => l.startsWith('=== '));
    expect(headers).toEqual(alerts.map((a, i) => `=== alert ${i + 1} of ${alerts.length}: ${String(a.attributes.kind)} · ${a.subject}`));
    for (const part of ['--- email', '--- slack', '--- machine']) expect(out.split('\n').filter((l) => l.startsWith(part))).toHaveLength(alerts.length);
  });

  it('--min-severity critical previews only the incidents that reach it', async () => {
    const critical = JSON.parse(
      (await run('alerts', 'preview', SAMPLES, '--cluster', 'prod-eu', '--format', 'json', '--min-severity', 'critical')).out,
    ) as PreviewedAlert[];
    expect(critical.length).toBeGreaterThan(0);
    expect(critical.length).toBeLessThan(alerts.length);
    for (const a of critical) expect(a.attributes.severity).toBe('critical');
  });

  it('says nothing would be sent for logs with no finding, and exits 0', async () => {
    const quiet = join(dir, 'quiet');
    rmSync(quiet, { recursive: true, force: true });
    mkdirSync(quiet);
    writeFileSync(join(quiet, 'audit.jsonl'), jsonLines([leaseUpdate(), leaseUpdate()]));
    const { code, out } = await run('alerts', 'preview', quiet);
    expect(code).toBe(0);
    expect(out).toBe('nothing would be sent: 0 findings in 1 object, no incident at or above medium to tell\n');
    expect((await run('alerts', 'preview', quiet, '--format', 'json')).out).toBe('[]\n');
  });

  it.each([
    [['alerts', 'preview'], /^error: missing required argument 'locations'$/m],
    [['alerts', 'preview', SAMPLES, '--format', 'yaml'], /^error: option '--format <format>' argument 'yaml' is invalid\. Allowed choices are text, json\.$/m],
    [
      ['alerts', 'preview', SAMPLES, '--min-severity', 'severe'],
      /'--min-severity <level>' argument 'severe' is invalid\. Allowed choices are info, low, medium, high, critical\./,
    ],
    [['alerts', 'preview', SAMPLES, '--clsuter', 'prod'], /^error: unknown option '--clsuter'\n\(Did you mean --cluster\?\)$/m],
    [['alerts', 'preview', SAMPLES, '-', '-'], /standard input \('-'\) can be read only once/],
    [['alerts', 'preview', SAMPLES, '--incident-window', '0'], /--incident-window must be whole minutes/],
    [['alerts', 'preview', SAMPLES, '--cluster', 'a/b'], /--cluster must be a cluster name/],
    [['alerts', 'preview', SAMPLES, '--config', '/nonexistent.yaml'], /cannot read --config/],
  ])('usage errors exit 2: %j', async (argv, message) => {
    const { code, out, err } = await run(...argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(message);
    expect(err).toContain("Run 'k8s-audit-analyzer alerts preview --help' for usage.");
  });

  it('exits 3 when the locations held no audit event at all: a wrong path is not a quiet cluster', async () => {
    const empty = join(dir, 'empty');
    rmSync(empty, { recursive: true, force: true });
    mkdirSync(empty);
    const none = await run('alerts', 'preview', empty);
    expect(none.code).toBe(3);
    expect(none.out).toBe('nothing would be sent: 0 findings in 0 objects, no incident at or above medium to tell\n');
    expect(none.err).toBe(`error: no audit event read: no object found under ${empty} (check the path or the S3 prefix)\n`);
    writeFileSync(join(empty, 'notes.txt'), 'not an audit log\n');
    const notLogs = await run('alerts', 'preview', empty, '--format', 'json');
    expect(notLogs.code).toBe(3);
    expect(notLogs.err).toMatch(/^error: no audit event read: the object \(\d+ B\) under .* held none/);
  });
});

it("reads standard input as '-', compressed or not, as it reads a file", async () => {
  const file = join(SAMPLES, 'eks', 'prod-eu', '2026', '11', '20', '09', 'audit-firehose-1-2026-11-20-09-00-00.gz');
  const fromFile = await run('alerts', 'preview', file, '--cluster', 'prod-eu', '--format', 'json');
  let out = '';
  const code = await main(['alerts', 'preview', '-', '--cluster', 'prod-eu', '--format', 'json'], {
    out: (s) => (out += s + '\n'),
    err: () => undefined,
    env: {},
    stdin: createReadStream(file),
  });
  expect(code).toBe(0);
  // The same alerts; only where they were read from (the object's name) differs.
  const told = (text: string) => (JSON.parse(text) as PreviewedAlert[]).map((a) => [a.subject, a.attributes]);
  expect(told(out).length).toBeGreaterThan(0);
  expect(told(out)).toEqual(told(fromFile.out));
  expect(out).toContain('Read from: (stdin)');
});

it("refuses '-' when standard input is the terminal, as a usage error that says so", async () => {
  let err = '';
  const terminal = Object.assign(Readable.from([]), { isTTY: true });
  const code = await main(['alerts', 'preview', '-'], { out: () => undefined, err: (s) => (err += s + '\n'), env: {}, stdin: terminal });
  expect(code).toBe(2);
  expect(err).toMatch(/^error: '-' reads standard input, but nothing is piped into it \(it is the terminal\)/);
  expect(err).toContain("Run 'k8s-audit-analyzer alerts preview --help' for usage.");
});

it('without --cluster, objects whose path names no cluster are read as the scan reads them: their incidents have no cluster', async () => {
  const alerts = JSON.parse((await run('alerts', 'preview', SAMPLES, '--format', 'json')).out) as PreviewedAlert[];
  const clusters = new Set(alerts.map((a) => a.attributes.cluster));
  expect(clusters).toContain('prod-eu');
  expect(clusters).toContain('-');
});

describe('MemoryFindingsStore', () => {
  it('stores a finding once, by its fingerprint, and queries a cluster by time', async () => {
    const store = new MemoryFindingsStore();
    const a = registryFinding('secret.write', { fingerprint: 'fp-a', cluster: 'c', time: '2026-11-20T10:00:00Z' });
    const b = registryFinding('secret.write', { fingerprint: 'fp-b', cluster: 'c', time: '2026-11-20T09:00:00Z' });
    expect(await store.putNew([a, b])).toEqual([a, b]);
    expect(await store.putNew([{ ...a, auditID: 'another-id' }, b])).toEqual([]);
    const range = { cluster: 'c', from: new Date('2026-11-20T09:00:00Z'), to: new Date('2026-11-20T10:00:00Z') };
    expect(await store.query(range)).toEqual([b]);
    expect(await store.query({ ...range, to: new Date('2026-11-21T00:00:00Z') })).toEqual([b, a]);
    expect(await store.query({ ...range, cluster: 'other' })).toEqual([]);
  });
});

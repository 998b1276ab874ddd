import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ReadStats } from '../../lambdas/core/read';
import { main } from '../../lambdas/cli/main';
import { auditEvent, execViaGet } from '../helpers/events';
import { jsonLines } from '../helpers/shipping';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s + '\n'), err: (s) => (err += s + '\n') });
  return { code, out, err };
}

const samples = join(__dirname, '..', '..', 'samples');

describe('k8s-audit-analyzer stats', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stats-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads every sample object, whatever its format, with no problem', async () => {
    const { code, out } = await run('stats', samples, '--json');
    expect(code).toBe(0);
    const result = JSON.parse(out) as { objects: Array<{ source: string; stats: ReadStats }>; total: ReadStats };
    expect(result.objects.length).toBeGreaterThanOrEqual(5);
    expect(new Set(result.objects.map((o) => o.stats.compression.join('+')))).toEqual(new Set(['plain', 'gzip', 'gzip+gzip']));
    for (const o of result.objects) {
      expect(o.stats.complete).toBe(true);
      expect(o.stats.events).toBeGreaterThan(0);
      expect(Object.values(o.stats.problems).every((n) => n === 0)).toBe(true);
    }
    expect(result.total.events).toBe(result.objects.reduce((n, o) => n + o.stats.events, 0));
    expect(result.total.clusters).toEqual(['prod-eu']);
  });

  it('prints a table with a row per object and a total', async () => {
    const { code, out } = await run('stats', samples);
    expect(code).toBe(0);
    expect(out).toMatch(/^object\s+format\s+stored\s+decoded\s+events\s+emitted\s+filtered/m);
    expect(out).toMatch(/eks\/prod-eu\/.*gzip\+gzip/);
    expect(out).toMatch(/^total \(\d+ objects\)/m);
  });

  it('--all parses every event: nothing is filtered', async () => {
    const { out } = await run('stats', join(samples, 'self-managed'), '--json', '--all');
    expect((JSON.parse(out) as { total: ReadStats }).total.filtered).toBe(0);
  });

  it('lists problems with where they are, and exits 3 when an object could not be read whole', async () => {
    const broken = join(dir, 'broken.jsonl.gz');
    const gz = gzipSync(
      Buffer.concat([jsonLines([execViaGet(), auditEvent()]), Buffer.from('{"not":"closed"\n'), jsonLines(Array.from({ length: 500 }, () => auditEvent()))]),
    );
    writeFileSync(broken, gz.subarray(0, gz.length - 40));
    const { code, out } = await run('stats', broken);
    expect(code).toBe(3);
    expect(out).toMatch(/INCOMPLETE/);
    expect(out).toMatch(/malformed-json at line 3, byte \d+/);
    expect(out).toMatch(/truncated-input/);
  });

  it.each([
    [[], /Usage: k8s-audit-analyzer \[options\] \[command\]/],
    [['scna', 'x'], /unknown command 'scna'\n\(Did you mean scan\?\)/],
    [['stats'], /missing required argument 'locations'/],
    [['stats', '/nonexistent/audit.log'], /cannot read input: .*nonexistent/],
    [['stats', '--bogus', 'x'], /unknown option '--bogus'/],
    [['stats', 's3://bucket/logs/'], /stats reads files, directories and '-'; for S3 use 'scan'/],
  ])('usage errors exit 2 with a reason: %j', async (argv, message) => {
    const { code, err } = await run(...argv);
    expect(code).toBe(2);
    expect(err).toMatch(message);
  });

  it('--help prints the help on stdout and exits 0', async () => {
    const { code, out } = await run('--help');
    expect(code).toBe(0);
    expect(out).toMatch(/^Usage: k8s-audit-analyzer/);
    expect(out).toMatch(/Exit codes:/);
  });
});

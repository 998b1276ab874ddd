import { join } from 'node:path';
import { listFiles } from '../../../lambdas/adapters/object-source';
import type { Severity } from '../../../lambdas/core/finding';
import { severityRank } from '../../../lambdas/core/finding';
import type { ScanOptions } from '../../../lambdas/core/pipeline/scan-objects';
import { anyAtOrAbove, anyCountAtOrAbove, scanObjects } from '../../../lambdas/core/pipeline/scan-objects';
import type { AggregatedRow, LocatedFinding } from '../../../lambdas/core/report/aggregate';
import { groupIntoIncidents } from '../../../lambdas/core/incident/incidents';

const SAMPLES = join(__dirname, '..', '..', '..', 'samples');
const INCIDENTS = { windowMinutes: 60, minimum: 'low' as Severity };

/** The rows with their lists in a fixed order: a streamed scan sees objects' findings interleaved, so sources and ties come in arrival order. */
const canonical = (rows: readonly AggregatedRow[]): string[] =>
  rows.map((r) => JSON.stringify({ ...r, sources: [...r.sources].sort(), clusters: [...r.clusters].sort() })).sort();

async function scan(options: ScanOptions): Promise<{ result: Awaited<ReturnType<typeof scanObjects>>; streamed: LocatedFinding[] }> {
  const streamed: LocatedFinding[] = [];
  const result = await scanObjects(await listFiles([SAMPLES]), { ...options, onFinding: (l) => streamed.push(l) });
  return { result, streamed };
}

describe('scanObjects streaming its findings', () => {
  let kept: Awaited<ReturnType<typeof scan>>;
  let streaming: Awaited<ReturnType<typeof scan>>;
  beforeAll(async () => {
    kept = await scan({ incidents: INCIDENTS });
    streaming = await scan({ incidents: INCIDENTS, keepFindings: false });
  });

  it('keeps no finding, yet hands every one to the sink as it is raised', () => {
    expect(kept.result.findings.length).toBeGreaterThan(20);
    expect(streaming.result.findings).toEqual([]);
    const byTime = [...streaming.streamed].sort((a, b) => a.finding.time.localeCompare(b.finding.time));
    expect(byTime.map((l) => l.finding.fingerprint).sort()).toEqual(kept.result.findings.map((l) => l.finding.fingerprint).sort());
    expect(kept.streamed).toHaveLength(kept.result.findings.length);
  });

  it('gives the same table, summary and counts as the scan that keeps its findings', () => {
    expect(canonical(streaming.result.table)).toEqual(canonical(kept.result.table));
    expect(streaming.result.table.map((r) => r.severity)).toEqual(kept.result.table.map((r) => r.severity));
    expect(streaming.result.summary).toEqual(kept.result.summary);
    expect(streaming.result.raised).toEqual(kept.result.raised);
    expect(streaming.result.dropped).toEqual({ rows: { rows: 0, findings: 0 }, incidents: { incidents: 0, findings: 0 }, lateFindings: 0 });
  });

  it('gives the incidents the CLI groups from the kept findings', () => {
    const expected = groupIntoIncidents(
      kept.result.findings.filter((l) => severityRank(l.finding.severity) >= severityRank('low')),
      60,
    );
    expect(expected.length).toBeGreaterThan(1);
    expect(JSON.stringify(kept.result.incidents)).toBe(JSON.stringify(expected));
    expect(JSON.stringify(streaming.result.incidents)).toBe(JSON.stringify(expected));
  });

  it('leaves findings below --min-severity out of what it shows, but counts them as raised', async () => {
    const { result, streamed } = await scan({ keepFindings: false, minSeverity: 'high', incidents: INCIDENTS });
    const all = kept.result.findings;
    const shown = all.filter((l) => severityRank(l.finding.severity) >= severityRank('high'));
    expect(shown.length).toBeLessThan(all.length);
    expect(streamed).toHaveLength(shown.length);
    expect(result.summary.findings).toBe(shown.length);
    expect(result.summary.bySeverity.low).toBe(0);
    expect(result.raised).toEqual(kept.result.raised);
    expect(result.table.every((r) => severityRank(r.severity) >= severityRank('high'))).toBe(true);
    expect(result.incidents.flatMap((i) => i.groups).every((g) => severityRank(g.severity) >= severityRank('high'))).toBe(true);
    // --fail-on reads every raised finding, shown or not.
    for (const level of ['info', 'low', 'medium', 'high', 'critical'] as const) expect(anyCountAtOrAbove(result.raised, level)).toBe(anyAtOrAbove(all, level));
  });
});

describe('scanObjects time ranges', () => {
  const parsed = (coverage: ReadonlyArray<{ byLevel: Partial<Record<string, number>> }>): number =>
    coverage.reduce((n, c) => n + Object.values(c.byLevel).reduce((a: number, b) => a + (b ?? 0), 0), 0);
  let whole: Awaited<ReturnType<typeof scan>>['result'];
  let times: number[];
  beforeAll(async () => {
    whole = (await scan({})).result;
    times = whole.findings.map((l) => Date.parse(l.finding.time)).sort((a, b) => a - b);
  });

  it('analyzes and counts every event when neither range is bounded', () => {
    expect(parsed(whole.coverage)).toBeGreaterThan(0);
    expect(times.length).toBeGreaterThan(20);
  });

  it('counts coverage in its own range only, and still analyzes every event, when only the coverage range is given', async () => {
    const middle = times[Math.floor(times.length / 2)];
    const { result } = await scan({ coverageRange: { since: new Date(middle), until: new Date(8.64e15) } });
    expect(result.findings.map((l) => l.finding.fingerprint).sort()).toEqual(whole.findings.map((l) => l.finding.fingerprint).sort());
    expect(parsed(result.coverage)).toBeGreaterThan(0);
    expect(parsed(result.coverage)).toBeLessThan(parsed(whole.coverage));
  });

  it('analyzes and counts only the events in --since/--until when no coverage range is given', async () => {
    const middle = times[Math.floor(times.length / 2)];
    const { result } = await scan({ since: new Date(middle) });
    expect(result.findings.length).toBeGreaterThan(0);
    expect(result.findings.length).toBeLessThan(whole.findings.length);
    expect(result.findings.every((l) => Date.parse(l.finding.time) >= middle)).toBe(true);
    expect(parsed(result.coverage)).toBeLessThan(parsed(whole.coverage));
  });
});

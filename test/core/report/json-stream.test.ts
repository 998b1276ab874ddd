import fc from 'fast-check';
import type { Finding } from '../../../lambdas/core/finding';
import { groupIntoIncidents } from '../../../lambdas/core/incident/incidents';
import { aggregate } from '../../../lambdas/core/report/aggregate';
import { JsonScanWriter, ndjsonLine } from '../../../lambdas/core/report/json-stream';
import { renderJson, renderNdjson } from '../../../lambdas/core/report/terminal';
import { locatedFinding } from '../../helpers/finding-arbitrary';

/** Text an attacker may log: what JSON escapes, what `jsonText` escapes, and lone surrogates. */
const hostileText = fc.string({
  unit: fc.constantFrom('a', 'é', '"', '\\', '\n', '\t', '\u001b', '\u007f', '\u0085', '\u2028', '\u202e', '\u200b', '\ud800', '\udc00', '😀'),
});

const hostileFinding = fc
  .record({ located: locatedFinding, summary: hostileText, name: hostileText, evidence: fc.jsonValue({ maxDepth: 3 }) })
  .map(({ located, summary, name, evidence }): Finding => ({
    ...located.finding,
    summary,
    target: { ...located.finding.target, name },
    evidence: { evidence },
  }));

function streamed(findings: readonly Finding[], rest: Parameters<JsonScanWriter['end']>[0]): string {
  const chunks: string[] = [];
  const writer = new JsonScanWriter((chunk) => chunks.push(chunk));
  for (const f of findings) writer.finding(f);
  writer.end(rest);
  return chunks.join('');
}

describe('JsonScanWriter', () => {
  it('writes exactly what renderJson writes for the same findings, incidents, table and stats', () => {
    fc.assert(
      fc.property(fc.array(hostileFinding, { maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), (findings, stats) => {
        const located = findings.map((finding) => ({ finding, source: 'a.log' }));
        const data = { findings, incidents: groupIntoIncidents(located, 60), table: aggregate(located), stats };
        const text = streamed(findings, data);
        expect(text).toBe(renderJson(data));
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(data)));
      }),
      { numRuns: 200 },
    );
  });

  it('writes incidents as [] and stats as null when there are none, as renderJson', () => {
    expect(streamed([], { table: [], stats: undefined })).toBe(renderJson({ findings: [], table: [], stats: undefined }));
    expect(JSON.parse(streamed([], { table: [], stats: undefined }))).toEqual({ findings: [], incidents: [], table: [], stats: null });
  });

  it('hands each finding over as it comes, before the document ends', () => {
    const chunks: string[] = [];
    const writer = new JsonScanWriter((chunk) => chunks.push(chunk));
    const [a, b] = fc.sample(hostileFinding, { numRuns: 2, seed: 7 });
    writer.finding(a);
    expect(chunks.join('')).toContain(`"auditID": ${JSON.stringify(a.auditID)}`);
    writer.finding(b);
    expect(chunks).toHaveLength(3);
    writer.end({ table: [], stats: null });
    expect(() => writer.finding(a)).toThrow(/after end/);
  });
});

describe('ndjsonLine', () => {
  it('makes renderNdjson line by line: one line a finding, no raw line separator inside', () => {
    fc.assert(
      fc.property(fc.array(hostileFinding, { maxLength: 8 }), (findings) => {
        const lines = findings.map(ndjsonLine);
        expect(lines.join('')).toBe(renderNdjson(findings));
        for (const line of lines) {
          expect(line.indexOf('\n')).toBe(line.length - 1);
          expect(line).not.toMatch(/[\u2028\u2029\u0085]/);
        }
      }),
      { numRuns: 100 },
    );
  });
});

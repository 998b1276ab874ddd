import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv-draft-04';
import type { ValidateFunction } from 'ajv-draft-04';
import { listFiles } from '../../../lambdas/adapters/file-objects';
import type { Finding } from '../../../lambdas/core/finding';
import { scanObjects } from '../../../lambdas/core/pipeline/scan-objects';
import { aggregate } from '../../../lambdas/core/report/aggregate';
import { renderSarif } from '../../../lambdas/core/report/sarif';
import { RULES } from '../../../lambdas/core/rules';
import { registryFinding } from '../../helpers/findings';

/*
 * Every SARIF document the renderer writes is valid against the SARIF 2.1.0 JSON schema (the
 * rtm.5 schema @microsoft/jest-sarif ships; it is draft-04, hence ajv-draft-04).
 */

const SCHEMA_PATH = join(__dirname, '../../../node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
const SAMPLES = join(__dirname, '../../../samples');
const OPTIONS = { toolVersion: '0.1.0', informationUri: 'https://example.com/k8s-audit-analyzer' };

/**
 * The schema's three formats, checked here rather than ignored (ajv-formats is not installed):
 * what WHATWG URL parsing accepts, and RFC 3339 date-times.
 */
const FORMATS = {
  uri: (value: string) => URL.canParse(value),
  'uri-reference': (value: string) => URL.canParse(value, 'file:///base/'),
  'date-time': (value: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i.test(value) && !Number.isNaN(Date.parse(value)),
};

function sarifValidator(): ValidateFunction {
  // unicodeRegExp off: the schema's language pattern (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`)
  // has a stray `]` that only a non-unicode RegExp accepts. strict off: ajv's strict mode rejects the
  // schema itself (`required` naming a property an `anyOf` branch does not define), not our output.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false, formats: FORMATS });
  return ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as object);
}

const validate = sarifValidator();

/** The schema's complaints, one line each (empty when valid). */
function problems(document: unknown): string[] {
  return validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

const HOSTILE = `"quoted" 'single' \\back\\slash\nnew line\r\n\ttab \u0000\u0007\u001b[31m\u007f\u0085 \u2028\u2029 \u202e reversed \ud800 [link](javascript:alert(1)) <script>`;
const LONG = `name-${'x'.repeat(200 * 1024)}`;

function hostileFinding(): Finding {
  return registryFinding('rbac.privileged-role-bound', {
    summary: `${HOSTILE} bound ${LONG}`,
    auditID: HOSTILE,
    time: HOSTILE,
    cluster: HOSTILE,
    actor: { username: HOSTILE, groups: [HOSTILE], sourceIPs: [HOSTILE], userAgent: HOSTILE },
    target: { resource: HOSTILE, namespace: HOSTILE, name: LONG, subresource: HOSTILE },
  });
}

describe('SARIF output against the SARIF 2.1.0 schema', () => {
  it('is valid for the samples, with results for their findings', async () => {
    const result = await scanObjects(await listFiles([SAMPLES]));
    expect(result.table.length).toBeGreaterThan(0);
    const document = JSON.parse(renderSarif(result.table, RULES, OPTIONS)) as { runs: Array<{ results: unknown[] }> };
    expect(document.runs[0].results).toHaveLength(result.table.length);
    expect(problems(document)).toEqual([]);
  });

  it('is valid with no findings at all', () => {
    const document = JSON.parse(renderSarif([], RULES, OPTIONS)) as { runs: Array<{ results: unknown[] }> };
    expect(document.runs[0].results).toEqual([]);
    expect(problems(document)).toEqual([]);
  });

  it('is valid for a finding whose every field is hostile, from sources named as hostilely, and a rule no registry knows', () => {
    const unknownRule = { ...hostileFinding(), ruleId: `${HOSTILE}${LONG}`, title: HOSTILE };
    const rows = aggregate([
      { finding: hostileFinding(), source: `s3://bucket/${HOSTILE}/${LONG}` },
      { finding: hostileFinding(), source: `/var/log/${HOSTILE}` },
      { finding: unknownRule, source: `C:\\logs\\${HOSTILE}` },
      { finding: hostileFinding(), source: `https://host/${HOSTILE}` },
    ]);
    const text = renderSarif(rows, RULES, OPTIONS);
    expect(problems(JSON.parse(text))).toEqual([]);
    // Escaped even inside JSON strings (only the indentation's line breaks are raw).
    // eslint-disable-next-line no-control-regex -- control characters are what this looks for
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u2028\u2029\u202e]/);
  });

  it('rejects what the schema forbids (the check can fail)', () => {
    const valid = JSON.parse(renderSarif([], RULES, OPTIONS)) as { version: string; runs: Array<{ tool: { driver: Record<string, unknown> } }> };
    expect(problems({ ...valid, version: '2.0.0' })).not.toEqual([]);
    const badUri = structuredClone(valid);
    badUri.runs[0].tool.driver.informationUri = 'not a uri';
    expect(problems(badUri).join('\n')).toMatch(/informationUri must match format "uri"/);
    const badLevel = structuredClone(valid);
    (badLevel.runs[0].tool.driver.rules as Array<{ defaultConfiguration: { level: string } }>)[0].defaultConfiguration.level = 'fatal';
    expect(problems(badLevel)).not.toEqual([]);
  });
});

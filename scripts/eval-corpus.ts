/**
 * Scores the rules against the labelled corpus of real audit events (devkit/corpus), the way
 * its README defines: a positive is found when a finding for its auditID has an expected
 * category; a false alarm is a finding at or above the alert minimum on a `none` line whose
 * category is not tolerated. The events go through the real reader (pre-check on) and engine.
 * Finding an attack is not alerting on it: each positive is also scored at the default alert
 * minimum (DEFAULT_ALERT_MINIMUM), the severity email and Slack page at.
 *
 * False alarms are attributed to the line whose event raised them: the corpus reuses a few
 * auditIDs for different events (falco lines 1 and 51), and an anonymous request on line 1
 * must not count as an alarm on line 51's `none`.
 *
 *   npm run eval            # table by category, misses and false alarms listed
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONFIG, DetectionEngine } from '../lambdas/core/detect/engine';
import type { Category, Finding } from '../lambdas/core/finding';
import type { Severity } from '../lambdas/core/finding';
import { DEFAULT_ALERT_MINIMUM, SEVERITIES, severityRank } from '../lambdas/core/finding';
import { readAuditLog } from '../lambdas/core/read';
import { EVENT_RULES } from '../lambdas/core/rules';
import type { CorpusLabel } from '../devkit/corpus';
import { CORPUS_DIR, corpusLabels } from '../devkit/corpus';

/** Positives found at any severity, and found at or above the alert minimum. */
export interface Tally {
  positives: number;
  found: number;
  alerted: number;
}

export interface CorpusScore {
  /** The alert minimum the score was taken at. */
  minimum: Severity;
  byCategory: Array<{ category: string } & Tally>;
  positives: number;
  found: number;
  /** Found by a finding at or above `minimum`. */
  alerted: number;
  recall: number;
  /** `alerted / positives`: the share of attacks that would page someone. */
  alertRecall: number;
  misses: Array<CorpusLabel & { got: string[] }>;
  /** Found, but only below the minimum: they wait for the report instead of paging. */
  quiet: Array<CorpusLabel & { got: string[] }>;
  falseAlarms: Array<CorpusLabel & { finding: Pick<Finding, 'ruleId' | 'category' | 'severity' | 'summary'> }>;
}

export async function scoreCorpus(dir = CORPUS_DIR, minimum: Severity = DEFAULT_ALERT_MINIMUM): Promise<CorpusScore> {
  const labels = corpusLabels(dir);
  // The corpus is other projects' test events, years apart and from no one cluster: there is no
  // history for a first-seen baseline to learn, so the score is of the rules and the rubric alone.
  const engine = new DetectionEngine(EVENT_RULES, {
    ...DEFAULT_CONFIG,
    settings: { ...DEFAULT_CONFIG.settings, baseline: { ...DEFAULT_CONFIG.settings.baseline, enabled: false } },
  });
  const findings = new Map<string, Finding[]>(); // by file + auditID
  const findingsByLine = new Map<string, Finding[]>(); // by file + line of the event that raised them
  for (const file of [...new Set(labels.map((l) => l.file))]) {
    const reading = readAuditLog(createReadStream(join(dir, file)), { interest: engine.interest });
    for await (const read of reading.events) {
      for (const f of await engine.analyze(read, reading.stats)) {
        const key = `${file}\n${f.auditID}`;
        findings.set(key, [...(findings.get(key) ?? []), f]);
        const lineKey = `${file}\n${read.line}`;
        findingsByLine.set(lineKey, [...(findingsByLine.get(lineKey) ?? []), f]);
      }
    }
  }
  const atMinimum = (f: Finding) => severityRank(f.severity) >= severityRank(minimum);
  const byCategory = new Map<string, Tally>();
  const misses: CorpusScore['misses'] = [];
  const quiet: CorpusScore['quiet'] = [];
  const falseAlarms: CorpusScore['falseAlarms'] = [];
  const describe = (got: Finding[]) => got.map((f) => `${f.ruleId} (${f.category}, ${f.severity})`);
  for (const label of labels) {
    const got = findings.get(`${label.file}\n${label.auditID}`) ?? [];
    if (label.expect.includes('none')) {
      for (const f of findingsByLine.get(`${label.file}\n${label.line}`) ?? []) {
        if (atMinimum(f) && !label.tolerate.includes(f.category)) {
          falseAlarms.push({ ...label, finding: { ruleId: f.ruleId, category: f.category, severity: f.severity, summary: f.summary } });
        }
      }
      continue;
    }
    const expected = got.filter((f) => label.expect.includes(f.category));
    for (const category of label.expect) {
      const c = byCategory.get(category) ?? { positives: 0, found: 0, alerted: 0 };
      c.positives++;
      const ofCategory = got.filter((f) => f.category === (category as Category));
      if (ofCategory.length > 0) c.found++;
      if (ofCategory.some(atMinimum)) c.alerted++;
      byCategory.set(category, c);
    }
    if (expected.length === 0) misses.push({ ...label, got: describe(got) });
    else if (!expected.some(atMinimum)) quiet.push({ ...label, got: describe(expected) });
  }
  const positives = labels.filter((l) => !l.expect.includes('none')).length;
  const found = positives - misses.length;
  const alerted = found - quiet.length;
  return {
    minimum,
    byCategory: [...byCategory].map(([category, c]) => ({ category, ...c })).sort((a, b) => a.category.localeCompare(b.category)),
    positives,
    found,
    alerted,
    recall: positives === 0 ? 1 : found / positives,
    alertRecall: positives === 0 ? 1 : alerted / positives,
    misses,
    quiet,
    falseAlarms,
  };
}

const percent = (part: number, whole: number, digits = 0) => `${((whole === 0 ? 1 : part / whole) * 100).toFixed(digits)}%`;

export function renderScore(score: CorpusScore): string {
  const min = score.minimum;
  const lines = [
    `alert minimum: ${min}`,
    '',
    `| category | labelled | found (any severity) | recall | found at ${min}+ | alert recall |`,
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const c of score.byCategory) {
    lines.push(`| ${c.category} | ${c.positives} | ${c.found} | ${percent(c.found, c.positives)} | ${c.alerted} | ${percent(c.alerted, c.positives)} |`);
  }
  lines.push(
    `| **all** | **${score.positives}** | **${score.found}** | **${percent(score.found, score.positives, 1)}** | **${score.alerted}** | **${percent(score.alerted, score.positives, 1)}** |`,
  );
  lines.push('', `false alarms (${min} or higher on a \`none\` line, category not tolerated): ${score.falseAlarms.length}`);
  for (const f of score.falseAlarms) lines.push(`  - ${f.file}:${f.line} ${f.finding.ruleId} ${f.finding.severity}: ${f.finding.summary}`);
  if (score.quiet.length > 0) {
    lines.push('', `found below ${min} (no alert): ${score.quiet.length}`);
    for (const q of score.quiet) lines.push(`  - ${q.file}:${q.line} expected ${q.expect.join(', ')}; got ${q.got.join('; ')}`);
  }
  if (score.misses.length > 0) {
    lines.push('', `missed positives: ${score.misses.length}`);
    for (const m of score.misses) lines.push(`  - ${m.file}:${m.line} expected ${m.expect.join(', ')}; got ${m.got.join('; ') || 'nothing'}`);
  }
  return lines.join('\n');
}

/** `npm run eval -- '' low` scores at another minimum, to compare choices. */
function minimumArgument(text: string | undefined): Severity {
  if (text === undefined || text === '') return DEFAULT_ALERT_MINIMUM;
  const known: readonly string[] = SEVERITIES;
  if (!known.includes(text)) throw new Error(`the alert minimum must be one of ${SEVERITIES.join(', ')}, not ${text}`);
  return text as Severity;
}

if (require.main === module) {
  scoreCorpus(process.argv[2] || undefined, minimumArgument(process.argv[3])).then(
    (score) => console.log(renderScore(score)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}

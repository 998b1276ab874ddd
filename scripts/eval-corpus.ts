/**
 * Scores the rules against the labelled corpus of real audit events (devkit/corpus), the way
 * its README defines: a positive is found when a finding for its auditID has an expected
 * category; a false alarm is a medium-or-higher finding on a `none` line whose category is not
 * tolerated. The events go through the real reader (pre-check on) and engine.
 *
 * False alarms are attributed to the line whose event raised them: the corpus reuses a few
 * auditIDs for different events (falco lines 1 and 51), and an anonymous request on line 1
 * must not count as an alarm on line 51's `none`.
 *
 *   npm run eval            # table by category, misses and false alarms listed
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { DetectionEngine } from '../lambdas/core/detect/engine';
import type { Category, Finding } from '../lambdas/core/finding';
import { severityRank } from '../lambdas/core/finding';
import { readAuditLog } from '../lambdas/core/read';
import { EVENT_RULES } from '../lambdas/core/rules';
import type { CorpusLabel } from '../devkit/corpus';
import { CORPUS_DIR, corpusLabels } from '../devkit/corpus';

export interface CorpusScore {
  byCategory: Array<{ category: string; positives: number; found: number }>;
  positives: number;
  found: number;
  recall: number;
  misses: Array<CorpusLabel & { got: string[] }>;
  falseAlarms: Array<CorpusLabel & { finding: Pick<Finding, 'ruleId' | 'category' | 'severity' | 'summary'> }>;
}

export async function scoreCorpus(dir = CORPUS_DIR): Promise<CorpusScore> {
  const labels = corpusLabels(dir);
  const engine = new DetectionEngine(EVENT_RULES);
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
  const byCategory = new Map<string, { positives: number; found: number }>();
  const misses: CorpusScore['misses'] = [];
  const falseAlarms: CorpusScore['falseAlarms'] = [];
  for (const label of labels) {
    const got = findings.get(`${label.file}\n${label.auditID}`) ?? [];
    if (label.expect.includes('none')) {
      for (const f of findingsByLine.get(`${label.file}\n${label.line}`) ?? []) {
        if (severityRank(f.severity) >= severityRank('medium') && !label.tolerate.includes(f.category)) {
          falseAlarms.push({ ...label, finding: { ruleId: f.ruleId, category: f.category, severity: f.severity, summary: f.summary } });
        }
      }
      continue;
    }
    const hit = got.some((f) => label.expect.includes(f.category));
    for (const category of label.expect) {
      const c = byCategory.get(category) ?? { positives: 0, found: 0 };
      c.positives++;
      if (got.some((f) => f.category === (category as Category))) c.found++;
      byCategory.set(category, c);
    }
    if (!hit) misses.push({ ...label, got: got.map((f) => `${f.ruleId} (${f.category}, ${f.severity})`) });
  }
  const positives = labels.filter((l) => !l.expect.includes('none')).length;
  const found = positives - misses.length;
  return {
    byCategory: [...byCategory].map(([category, c]) => ({ category, ...c })).sort((a, b) => a.category.localeCompare(b.category)),
    positives,
    found,
    recall: positives === 0 ? 1 : found / positives,
    misses,
    falseAlarms,
  };
}

export function renderScore(score: CorpusScore): string {
  const lines = ['| category | labelled | found | recall |', '| --- | ---: | ---: | ---: |'];
  for (const c of score.byCategory) lines.push(`| ${c.category} | ${c.positives} | ${c.found} | ${((c.found / c.positives) * 100).toFixed(0)}% |`);
  lines.push(`| **all** | **${score.positives}** | **${score.found}** | **${(score.recall * 100).toFixed(1)}%** |`);
  lines.push('', `false alarms (medium or higher on a \`none\` line, category not tolerated): ${score.falseAlarms.length}`);
  for (const f of score.falseAlarms) lines.push(`  - ${f.file}:${f.line} ${f.finding.ruleId} ${f.finding.severity}: ${f.finding.summary}`);
  if (score.misses.length > 0) {
    lines.push('', `missed positives: ${score.misses.length}`);
    for (const m of score.misses) lines.push(`  - ${m.file}:${m.line} expected ${m.expect.join(', ')}; got ${m.got.join('; ') || 'nothing'}`);
  }
  return lines.join('\n');
}

if (require.main === module) {
  scoreCorpus(process.argv[2]).then(
    (score) => console.log(renderScore(score)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}

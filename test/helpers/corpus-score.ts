import type { Rule } from '../../lambdas/core/detect/rule';
import type { Category } from '../../lambdas/core/finding';
import { severityRank } from '../../lambdas/core/finding';
import { CORPUS_FILES, corpusEvents, corpusLabels } from '../../devkit/corpus';
import { hitsOf } from './rules';

/** The corpus score for one category: labelled positives found, and medium+ hits on `none` lines that do not tolerate it. */
export function corpusScore(rules: readonly Rule[], category: Category): { positives: number; missed: string[]; falseAlarms: string[] } {
  const labels = corpusLabels();
  const missed: string[] = [];
  const falseAlarms: string[] = [];
  let positives = 0;
  for (const file of CORPUS_FILES) {
    corpusEvents(file).forEach((event, i) => {
      // match by line: falco-trace-files.jsonl repeats auditIDs (lines 1/51, 21/24)
      const label = labels.find((l) => l.file === file && l.line === i + 1);
      if (!label) throw new Error(`no label for ${file}:${i + 1}`);
      const hits = rules.filter((r) => r.category === category).flatMap((r) => hitsOf(r, event).map((h) => `${r.id} ${h.severity}: ${h.summary}`));
      if (label.expect.includes(category)) {
        positives++;
        if (hits.length === 0) missed.push(`${file}:${label.line}`);
      } else if (label.expect.includes('none') && !label.tolerate.includes(category)) {
        const loud = rules
          .filter((r) => r.category === category)
          .flatMap((r) => hitsOf(r, event))
          .filter((h) => severityRank(h.severity) >= severityRank('medium'));
        if (loud.length > 0) falseAlarms.push(`${file}:${label.line} ${hits.join(' | ')}`);
      }
    });
  }
  return { positives, missed, falseAlarms };
}

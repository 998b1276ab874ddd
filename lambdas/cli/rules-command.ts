import type { DetectionMetadata } from '../core/detect/rule';
import { isExternal } from '../core/detect/rule';
import type { RegisteredDetection } from '../core/rules';

/** `rules`: one line per rule, aligned. */
export function renderRuleList(rules: readonly DetectionMetadata[]): string {
  const rows = [['ID', 'CATEGORY', 'SEVERITY', 'ATT&CK', 'TITLE'], ...rules.map((r) => [r.id, r.category, r.severity, r.attack.join(','), r.title])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return (
    rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n') +
    `\n\n${rules.length} rules. 'k8s-audit-analyzer rules show ID' prints one in full.`
  );
}

/**
 * `rules show ID`: everything a person needs to act on a finding of this rule. A detection from
 * outside the log names where its evidence comes from instead of an audit level: no audit policy
 * level limits what it sees.
 */
export function renderRuleDetails(rule: RegisteredDetection): string {
  return [
    `${rule.id}: ${rule.title}`,
    `category: ${rule.category}    severity: up to ${rule.severity}`,
    `ATT&CK: ${rule.attack.join(', ') || '-'} (MITRE ATT&CK v16)`,
    `controls: ${rule.controls.join(', ') || '-'}`,
    ...(isExternal(rule)
      ? [`source: ${rule.source}`, 'audit level: outside the log']
      : [`audit level needed: ${rule.evidenceLevel ?? 'Request'} (below it, the compliance report shows its controls as not assessed)`]),
    '',
    wrap(rule.description),
    '',
    `False positives: ${wrap(rule.falsePositives)}`,
    '',
    `Remediation: ${wrap(rule.remediation)}`,
  ].join('\n');
}

function wrap(text: string, width = 100): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line.length + word.length + 1 > width && line) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

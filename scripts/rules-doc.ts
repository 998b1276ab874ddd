/**
 * Writes docs/rules.md from the rule registry, so the reference cannot drift from the code
 * (a test fails when the file is stale). Run with `npm run docs`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CATEGORIES } from '../lambdas/core/finding';
import { isExternal } from '../lambdas/core/detect/rule';
import type { RegisteredDetection } from '../lambdas/core/rules';
import { RULES } from '../lambdas/core/rules';

export const RULES_DOC = join(__dirname, '..', 'docs', 'rules.md');

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderRulesDoc(rules: readonly RegisteredDetection[] = RULES): string {
  const external = rules.filter(isExternal).length;
  const out = [
    '# Rules',
    '',
    '<!-- Generated from lambdas/core/rules by `npm run docs`; do not edit by hand. -->',
    '',
    `${rules.length} rules, ${external} of them detections from outside the audit log. ATT&CK ids are from MITRE ATT&CK v16 (Enterprise and Containers). Severity is the highest a rule raises;`,
    'each finding carries its own, which depends on who acted, on what, where and on how sure the evidence is ([severity.md](severity.md)). Switch a rule off, change its severity or add',
    'exceptions in the configuration file (see [configuration.md](configuration.md)). The audit level is the lowest at which a rule sees what it looks for:',
    'Metadata rules decide from who did what to which object; Request rules need the request body for their main case, so the',
    'audit policy should log the resources they watch at Request level (or RequestResponse). Detections from outside the log read no',
    "audit event: their findings come from S3 notifications, CloudTrail or the analyzer's coverage records, as each one says.",
    '',
    '| id | category | severity | audit level | title | ATT&CK |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rules.map((r) => `| [\`${r.id}\`](#${anchor(r.id)}) | ${r.category} | ${r.severity} | ${level(r)} | ${cell(r.title)} | ${r.attack.join(', ')} |`),
  ];
  for (const category of CATEGORIES) {
    const inCategory = rules.filter((r) => r.category === category);
    if (inCategory.length === 0) continue;
    out.push('', `## ${category}`);
    for (const r of inCategory) {
      out.push(
        '',
        `### ${r.id}`,
        '',
        `**${r.title}** · severity up to **${r.severity}** · audit level ${level(r)} · ATT&CK ${r.attack.join(', ') || '-'} · controls ${r.controls.join(', ') || '-'}`,
        '',
        r.description,
        '',
        `*Severity reasons* ([rubric](severity.md)): ${r.severityReasons ?? '-'}`,
        '',
        ...(isExternal(r) ? [] : [`*What it finds, for the [baseline](baselines.md):* ${r.what ?? 'takeover (not said: never routine below medium)'}`, '']),
        ...(isExternal(r) ? [`*Source:* ${r.source}.`, ''] : []),
        `*False positives:* ${r.falsePositives}`,
        '',
        `*Remediation:* ${r.remediation}`,
      );
    }
  }
  return out.join('\n') + '\n';
}

/** The audit level a rule needs; detections from outside the log read none. */
function level(r: RegisteredDetection): string {
  return isExternal(r) ? 'outside the log' : (r.evidenceLevel ?? '-');
}

function anchor(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9 -]/g, '');
}

if (require.main === module) {
  writeFileSync(RULES_DOC, renderRulesDoc());
  console.log(`wrote ${RULES_DOC}`);
}

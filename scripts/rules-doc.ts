/**
 * Writes docs/rules.md from the rule registry, so the reference cannot drift from the code
 * (a test fails when the file is stale). Run with `npm run docs`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Detection } from '../lambdas/core/detect/engine';
import { CATEGORIES } from '../lambdas/core/finding';
import { RULES } from '../lambdas/core/rules';

export const RULES_DOC = join(__dirname, '..', 'docs', 'rules.md');

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderRulesDoc(rules: readonly Detection[] = RULES): string {
  const out = [
    '# Rules',
    '',
    '<!-- Generated from lambdas/core/rules by `npm run docs`; do not edit by hand. -->',
    '',
    `${rules.length} rules. ATT&CK ids are from MITRE ATT&CK v16 (Enterprise and Containers). Severity is the highest a rule raises;`,
    'each finding carries its own, which depends on who acted and on what. Switch a rule off, change its severity or add',
    'exceptions in the configuration file (see [configuration.md](configuration.md)). The audit level is the lowest at which a rule sees what it looks for:',
    'Metadata rules decide from who did what to which object; Request rules need the request body for their main case, so the',
    'audit policy should log the resources they watch at Request level (or RequestResponse).',
    '',
    '| id | category | severity | audit level | title | ATT&CK |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rules.map((r) => `| [\`${r.id}\`](#${anchor(r.id)}) | ${r.category} | ${r.severity} | ${r.evidenceLevel ?? '-'} | ${cell(r.title)} | ${r.attack.join(', ')} |`),
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
        `**${r.title}** · severity up to **${r.severity}** · audit level ${r.evidenceLevel ?? '-'} · ATT&CK ${r.attack.join(', ') || '-'} · controls ${r.controls.join(', ') || '-'}`,
        '',
        r.description,
        '',
        `*False positives:* ${r.falsePositives}`,
        '',
        `*Remediation:* ${r.remediation}`,
      );
    }
  }
  return out.join('\n') + '\n';
}

function anchor(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9 -]/g, '');
}

if (require.main === module) {
  writeFileSync(RULES_DOC, renderRulesDoc());
  console.log(`wrote ${RULES_DOC}`);
}

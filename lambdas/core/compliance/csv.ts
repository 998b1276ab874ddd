import type { DetectionMetadata } from '../detect/rule';
import type { Finding } from '../finding';
import { displayText } from '../report/display-text';
import { resolveControl } from './controls';

/** The columns of the findings CSV, in order. Lists inside a cell are joined with `;`. */
export const FINDINGS_CSV_COLUMNS = [
  'time',
  'cluster',
  'severity',
  'rule_id',
  'category',
  'title',
  'actor',
  'actor_groups',
  'impersonated_user',
  'verb',
  'resource',
  'subresource',
  'api_group',
  'namespace',
  'name',
  'summary',
  'audit_id',
  'source_ips',
  'user_agent',
  'attack',
  'controls',
] as const;

export type FindingsCsvColumn = (typeof FINDINGS_CSV_COLUMNS)[number];

/**
 * The findings as CSV (RFC 4180: CRLF line ends, a header row, fields with commas, quotes or line
 * breaks quoted and their quotes doubled), in the order given. `controls` holds the catalogue ids
 * of the rule's CIS and NSA/CISA controls (`CIS-5.1.1;NSA-CISA:authentication-authorization`),
 * looked up in `rules` (the finding's own list when the rule is not there); `attack` its ATT&CK ids.
 *
 * Summaries, names and user agents come from the audit log, which an attacker writes: control,
 * invisible and bidirectional characters are shown as `\u{…}` (`displayText`), so every record is
 * one line and every cell reads as what it is; and a cell that a spreadsheet would run as a formula
 * (starting with `=`, `+`, `-` or `@`, also after spaces or in their full-width forms) is prefixed
 * with `'` so it shows as text.
 */
export function renderFindingsCsv(findings: readonly Finding[], rules: readonly DetectionMetadata[]): string {
  const line = findingsCsvLine(rules);
  return findingsCsvHeader() + findings.map(line).join('');
}

/** The header row, CRLF included. */
export function findingsCsvHeader(): string {
  return `${FINDINGS_CSV_COLUMNS.map(csvCell).join(',')}\r\n`;
}

/** One finding's row, CRLF included: what `renderFindingsCsv` writes for it, so a scan can stream the rows. */
export function findingsCsvLine(rules: readonly DetectionMetadata[]): (finding: Finding) => string {
  const byId = new Map(rules.map((r) => [r.id, r]));
  return (f) => {
    const rule = byId.get(f.ruleId);
    const row: Record<FindingsCsvColumn, string> = {
      time: f.time,
      cluster: f.cluster ?? '',
      severity: f.severity,
      rule_id: f.ruleId,
      category: f.category,
      title: f.title,
      actor: f.actor.username,
      actor_groups: list(f.actor.groups),
      impersonated_user: f.actor.impersonatedUser ?? '',
      verb: f.verb,
      resource: f.target.resource,
      subresource: f.target.subresource ?? '',
      api_group: f.target.apiGroup ?? '',
      namespace: f.target.namespace ?? '',
      name: f.target.name ?? '',
      summary: f.summary,
      audit_id: f.auditID,
      source_ips: list(f.actor.sourceIPs),
      user_agent: f.actor.userAgent ?? '',
      attack: list(rule?.attack ?? f.attack),
      controls: list(controlIds(rule?.controls ?? f.controls ?? [])),
    };
    return `${FINDINGS_CSV_COLUMNS.map((column) => csvCell(row[column])).join(',')}\r\n`;
  };
}

/** One field: unsafe characters shown, guarded against formula injection, then quoted when RFC 4180 requires it. */
export function csvCell(value: string): string {
  const shown = displayText(value);
  const text = /^\s*[=+\-@\uff1d\uff0b\uff0d\uff20]/.test(shown) ? `'${shown}` : shown;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const list = (values: readonly string[] | undefined): string => (values ?? []).join(';');

/** Catalogue ids of control references, each once; a reference the catalogue does not know is kept as written. */
function controlIds(references: readonly string[]): string[] {
  return [...new Set(references.map((ref) => resolveControl(ref)?.id ?? ref))];
}

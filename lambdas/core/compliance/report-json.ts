import type { Finding } from '../finding';
import { jsonText } from '../report/display-text';
import { inPeriod } from './period';
import type { ComplianceReport } from './types';

/** Names the document's shape; a change that breaks readers gets a new number. */
export const COMPLIANCE_REPORT_SCHEMA = 'k8s-audit-analyzer/compliance-report@1';

export interface ComplianceReportDocument {
  schema: typeof COMPLIANCE_REPORT_SCHEMA;
  report: ComplianceReport;
  /** The findings of the report's period, in the order given. */
  findings: Finding[];
}

/**
 * The report as one JSON document, pretty-printed with a final newline: the model and the findings
 * of its period. Findings outside [report.period.from, report.period.to) are left out, as the
 * model left them out of its counts. Values are as logged; characters a viewer would act on are
 * `\u` escapes in the text (`jsonText`).
 */
export function renderReportJson(report: ComplianceReport, findings: readonly Finding[]): string {
  const document: ComplianceReportDocument = {
    schema: COMPLIANCE_REPORT_SCHEMA,
    report,
    findings: findings.filter((f) => inPeriod(report.period, f.time)),
  };
  return `${jsonText(document, 2)}\n`;
}

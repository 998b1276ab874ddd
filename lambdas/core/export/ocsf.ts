/**
 * A finding as an OCSF Detection Finding (class 2004, category Findings), OCSF 1.1.0: the version
 * Amazon Security Lake's custom sources accept, and what SIEMs that read OCSF map. Required by
 * 1.1.0 for this class: activity_id, category_uid, class_uid, type_uid, severity_id, time,
 * metadata (product with vendor_name, version) and finding_info (uid); the recommended ones we
 * can fill are filled too (names of every id, message, status, resources, evidences, actor,
 * src_endpoint). What OCSF has no place for (the auditID, the rule's evidence fields, controls)
 * goes in `unmapped`, as the schema intends.
 *
 * Values are as logged (attacker-controlled): they are only ever values of a JSON document, and
 * the text it is written as keeps invisible characters escaped (jsonText).
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { Finding, Severity } from '../finding';
import { jsonText } from '../report/display-text';

export const OCSF_VERSION = '1.1.0';
export const OCSF_PRODUCT_NAME = 'k8s-audit-analyzer';

const CLASS = { uid: 2004, name: 'Detection Finding' } as const;
const CATEGORY = { uid: 2, name: 'Findings' } as const;
/** A finding read from a log is a new detection: Create. (Update and Close belong to the incident's life, told through EventBridge.) */
const ACTIVITY = { id: 1, name: 'Create' } as const;

/** OCSF's severity_id: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical. */
const SEVERITY: Record<Severity, { id: number; name: string }> = {
  info: { id: 1, name: 'Informational' },
  low: { id: 2, name: 'Low' },
  medium: { id: 3, name: 'Medium' },
  high: { id: 4, name: 'High' },
  critical: { id: 5, name: 'Critical' },
};

export interface OcsfOptions {
  /** The analyzer's version (package.json), as metadata.product.version. */
  productVersion: string;
  /** Base URL of docs/rules.md; a rule's anchor is appended for remediation.references. */
  ruleDocUrlOf?: (ruleId: string) => string;
  /** The rule's remediation text, by rule id. */
  remediationOf?: (ruleId: string) => string | undefined;
  /** When the record is written (epoch ms), metadata.processed_time; absent when not given (records stay reproducible). */
  processedTime?: number;
}

/** The attributes we write, in OCSF's names: every value JSON-safe, times in epoch milliseconds. */
export interface OcsfDetectionFinding {
  activity_id: number;
  activity_name: string;
  category_uid: number;
  category_name: string;
  class_uid: number;
  class_name: string;
  type_uid: number;
  type_name: string;
  severity_id: number;
  severity: string;
  time: number;
  message: string;
  status_id: number;
  status: string;
  metadata: {
    version: string;
    product: { name: string; vendor_name: string; version: string };
    processed_time?: number;
    log_name: string;
  };
  finding_info: {
    uid: string;
    title: string;
    desc: string;
    types: string[];
    first_seen_time: number;
    last_seen_time: number;
    analytic: { uid: string; name: string; type_id: number; type: string; category: string };
    attacks?: Array<{ technique: { uid: string } }>;
  };
  resources: Array<{ type: string; name?: string; namespace?: string; group?: { name: string }; data?: Record<string, string> }>;
  actor: { user: { name: string; type_id: number; type: string; groups?: Array<{ name: string }> } };
  src_endpoint?: { ip: string };
  evidences: Array<{ api: { operation: string; request: { uid: string } }; src_endpoint?: { ip: string } }>;
  remediation?: { desc: string; references?: string[] };
  unmapped: Record<string, unknown>;
}

/** One finding as an OCSF 1.1.0 Detection Finding. */
export function toOcsfDetectionFinding(finding: Finding, options: OcsfOptions): OcsfDetectionFinding {
  const time = epochMs(finding.time);
  const severity = SEVERITY[finding.severity];
  const ip = (finding.actor.sourceIPs ?? []).find((a) => isIP(a) !== 0);
  const remediation = options.remediationOf?.(finding.ruleId);
  const reference = options.ruleDocUrlOf?.(finding.ruleId);
  const { resource, subresource, apiGroup, namespace, name } = finding.target;
  return {
    activity_id: ACTIVITY.id,
    activity_name: ACTIVITY.name,
    category_uid: CATEGORY.uid,
    category_name: CATEGORY.name,
    class_uid: CLASS.uid,
    class_name: CLASS.name,
    type_uid: CLASS.uid * 100 + ACTIVITY.id,
    type_name: `${CLASS.name}: ${ACTIVITY.name}`,
    severity_id: severity.id,
    severity: severity.name,
    time,
    message: finding.summary,
    status_id: 1,
    status: 'New',
    metadata: {
      version: OCSF_VERSION,
      product: { name: OCSF_PRODUCT_NAME, vendor_name: OCSF_PRODUCT_NAME, version: options.productVersion },
      log_name: 'kubernetes-audit',
      ...(options.processedTime !== undefined ? { processed_time: options.processedTime } : {}),
    },
    finding_info: {
      uid: findingUid(finding),
      title: finding.title,
      desc: finding.summary,
      types: [finding.category],
      first_seen_time: time,
      last_seen_time: time,
      analytic: { uid: finding.ruleId, name: finding.title, type_id: 1, type: 'Rule', category: finding.category },
      ...(finding.attack && finding.attack.length > 0 ? { attacks: finding.attack.map((uid) => ({ technique: { uid } })) } : {}),
    },
    resources: [
      {
        type: `kubernetes:${apiGroup ? `${apiGroup}/` : ''}${resource}${subresource ? `/${subresource}` : ''}`,
        ...(name !== undefined ? { name } : {}),
        ...(namespace !== undefined ? { namespace } : {}),
        ...(finding.cluster !== undefined ? { group: { name: finding.cluster } } : {}),
      },
      ...(finding.cluster !== undefined ? [{ type: 'kubernetes:cluster', name: finding.cluster }] : []),
    ],
    actor: {
      user: {
        name: finding.actor.username,
        // 99 Other: a Kubernetes identity is neither OCSF's User (1) nor Admin (2) nor System (3) by its name alone.
        type_id: 99,
        type: 'Other',
        ...(finding.actor.groups && finding.actor.groups.length > 0 ? { groups: finding.actor.groups.map((g) => ({ name: g })) } : {}),
      },
    },
    ...(ip !== undefined ? { src_endpoint: { ip } } : {}),
    evidences: [{ api: { operation: finding.verb, request: { uid: finding.auditID } }, ...(ip !== undefined ? { src_endpoint: { ip } } : {}) }],
    ...(remediation !== undefined ? { remediation: { desc: remediation, ...(reference !== undefined ? { references: [reference] } : {}) } } : {}),
    unmapped: {
      auditID: finding.auditID,
      ruleId: finding.ruleId,
      ...(finding.cluster !== undefined ? { cluster: finding.cluster } : {}),
      ...(finding.actor.impersonatedUser !== undefined ? { impersonatedUser: finding.actor.impersonatedUser } : {}),
      ...(finding.actor.userAgent !== undefined ? { userAgent: finding.actor.userAgent } : {}),
      // Addresses as logged, valid or not: only a valid one can be src_endpoint.ip.
      ...(finding.actor.sourceIPs && finding.actor.sourceIPs.length > 0 ? { sourceIPs: finding.actor.sourceIPs } : {}),
      ...(finding.controls && finding.controls.length > 0 ? { controls: finding.controls } : {}),
      evidence: finding.evidence,
    },
  };
}

/** The event time in epoch ms; an unparseable time (the log's, attacker-written) becomes 0 rather than NaN, which JSON cannot carry. */
function epochMs(iso: string): number {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : 0;
}

/** The finding's fingerprint, stable across re-deliveries; for findings stored before it existed, a hash of rule and auditID. */
function findingUid(finding: Finding): string {
  return (
    finding.fingerprint ??
    createHash('sha256')
      .update(JSON.stringify([finding.ruleId, finding.auditID, finding.time]))
      .digest('hex')
      .slice(0, 32)
  );
}

/**
 * Findings as OCSF JSON Lines, one record a line: what Security Lake's ingestion (a Glue job or
 * Firehose converting to Parquet), Athena's JSON SerDe and `jq -c` read record by record, and what
 * can be streamed and concatenated (one JSON array would have to be read whole).
 */
export function renderOcsf(findings: readonly Finding[], options: OcsfOptions): string {
  return findings.map((f) => ocsfLine(f, options)).join('');
}

/** One finding's record, newline included: what `renderOcsf` writes for it, so a scan can stream them. */
export function ocsfLine(finding: Finding, options: OcsfOptions): string {
  return `${jsonText(toOcsfDetectionFinding(finding, options))}\n`;
}

/**
 * Incident alerts as AWS Security Finding Format (ASFF) findings, for Security Hub CSPM's
 * `BatchImportFindings`. One finding per told group (rule + target) of an incident, with an Id
 * derived from the incident id and the group key: the same group told again (its incident grew,
 * quiet, closed) replaces the same finding, and a new group becomes a new finding. One finding per
 * incident would not work: an update alert tells only the new groups, and an import replaces the
 * finding whole, so the earlier groups' resources and evidence would be lost.
 *
 * Every value from the log is attacker-written: each is cut to the ASFF limit of its field, on a
 * code-point boundary, with invisible characters shown escaped (displayText), so no finding is
 * refused for its length or breaks its JSON. Times that are not valid timestamps fall back to the
 * time the alert was received.
 */
import { createHash } from 'node:crypto';
import type { IncidentBody, ToldGroup } from '../alert/incident-body';
import type { Category, Severity } from '../finding';
import { displayText } from '../report/display-text';

/** The parts of ASFF this project writes (the SDK's `AwsSecurityFinding` is structurally wider). */
export interface AsffFinding {
  SchemaVersion: '2018-10-08';
  Id: string;
  ProductArn: string;
  ProductName: string;
  CompanyName: string;
  GeneratorId: string;
  AwsAccountId: string;
  Region: string;
  Types: string[];
  CreatedAt: string;
  UpdatedAt: string;
  FirstObservedAt: string;
  LastObservedAt: string;
  Severity: { Label: AsffSeverityLabel; Original: string };
  /** How a finding provider updates severity and types after creation (top-level ones are the customer's then). */
  FindingProviderFields: { Severity: { Label: AsffSeverityLabel; Original: string }; Types: string[] };
  Title: string;
  Description: string;
  SourceUrl?: string;
  Remediation: { Recommendation: { Text: string; Url?: string } };
  ProductFields: Record<string, string>;
  Resources: AsffResource[];
  RecordState: 'ACTIVE' | 'ARCHIVED';
}

export type AsffSeverityLabel = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

export interface AsffResource {
  Type: 'AwsEksCluster' | 'Other';
  Id: string;
  Partition: string;
  Region: string;
  Details?: { AwsEksCluster?: { Name: string }; Other?: Record<string, string> };
}

/** The port the forwarder imports through (adapters/securityhub-importer.ts implements it). */
export interface FindingsImporter {
  /** Imports every finding, or throws naming the ones Security Hub refused. */
  import(findings: readonly AsffFinding[]): Promise<{ imported: number; calls: number }>;
}

/** ASFF's limits (Security Hub user guide, "AWS Security Finding Format"), written once. */
export const ASFF_LIMITS = {
  findingsPerCall: 100,
  /** 240 KB per finding, 6 MB per call: the budgets leave room for the request's own JSON. */
  findingBytes: 240_000,
  callBytes: 5_000_000,
  id: 512,
  title: 256,
  description: 1024,
  remediationText: 512,
  url: 1024,
  resourceId: 512,
  /** Keys of `Other` and `ProductFields`: fewer than 128 characters. */
  fieldKey: 127,
  /** Values of `Resources[].Details.Other`: fewer than 1024 characters. */
  otherValue: 1023,
  /** Values of `ProductFields`: fewer than 2048 characters. */
  productFieldValue: 2047,
  /** 50 key-value pairs at most in `ProductFields` and `Other`; Security Hub adds a few `aws/securityhub/*` fields of its own. */
  fields: 50,
  types: 50,
  resources: 32,
} as const;

/** The attributes every imported finding must have (ASFF's "required attributes"). */
export const ASFF_REQUIRED_ATTRIBUTES = [
  'SchemaVersion',
  'Id',
  'ProductArn',
  'GeneratorId',
  'AwsAccountId',
  'Types',
  'CreatedAt',
  'UpdatedAt',
  'Severity',
  'Title',
  'Description',
  'Resources',
] as const satisfies ReadonlyArray<keyof AsffFinding>;

/** The product of a custom integration in one account: every account has this one. */
export interface SecurityHubTarget {
  partition: string;
  region: string;
  accountId: string;
}

export function defaultProductArn(t: SecurityHubTarget): string {
  return `arn:${t.partition}:securityhub:${t.region}:${t.accountId}:product/${t.accountId}/default`;
}

const PRODUCT_ARN = /^arn:(aws[a-z-]*):securityhub:([a-z0-9-]+):(\d{12}):product\/(\d{12})\/default$/;

/** The target of a default product ARN, `undefined` when it is not one (another account's product, a typo). */
export function targetOfProductArn(arn: string): SecurityHubTarget | undefined {
  const m = PRODUCT_ARN.exec(arn);
  if (!m || m[3] !== m[4]) return undefined;
  return { partition: m[1], region: m[2], accountId: m[3] };
}

const SEVERITY_LABEL: Record<Severity, AsffSeverityLabel> = {
  info: 'INFORMATIONAL',
  low: 'LOW',
  medium: 'MEDIUM',
  high: 'HIGH',
  critical: 'CRITICAL',
};

/**
 * ASFF `Types` (namespace/category/classifier) of each category: the tactic the change serves
 * (ATT&CK's, as ASFF's TTPs categories are), the Kubernetes mechanism as the classifier.
 */
export const CATEGORY_TYPES: Record<Category, readonly string[]> = {
  'rbac-change': ['TTPs/Privilege Escalation/Kubernetes RBAC change', 'TTPs/Persistence/Kubernetes RBAC change'],
  'privileged-workload': ['TTPs/Privilege Escalation/Kubernetes privileged workload'],
  'admission-webhook': ['TTPs/Persistence/Kubernetes admission webhook'],
  'container-restart': ['TTPs/Persistence/Kubernetes container restarted with changes'],
  daemonset: ['TTPs/Persistence/Kubernetes DaemonSet'],
  cronjob: ['TTPs/Persistence/Kubernetes CronJob'],
  'service-account': ['TTPs/Persistence/Kubernetes service account', 'TTPs/Credential Access/Kubernetes service account token'],
  secret: ['TTPs/Credential Access/Kubernetes Secret'],
  'untrusted-image': ['TTPs/Execution/Kubernetes untrusted image'],
  controller: ['TTPs/Persistence/Kubernetes controller or static pod'],
  exec: ['TTPs/Execution/Kubernetes exec into container'],
  credential: ['TTPs/Credential Access/Kubernetes credential'],
  'anonymous-access': ['TTPs/Initial Access/Kubernetes anonymous access'],
  storage: ['TTPs/Privilege Escalation/Kubernetes storage'],
  'audit-tampering': ['TTPs/Defense Evasion/Kubernetes audit trail'],
};

/** A category newer than this code (the body carries it as written) still gets a valid type. */
const UNKNOWN_CATEGORY_TYPES = ['Unusual Behaviors/Kubernetes audit finding'];

/** The body carries a category as written: one newer than this reader is typed, at run time, as any string. */
export function typesOf(category: string): string[] {
  const known: Partial<Record<string, readonly string[]>> = CATEGORY_TYPES;
  return [...(known[category] ?? UNKNOWN_CATEGORY_TYPES)];
}

export interface AsffOptions {
  target: SecurityHubTarget;
  /** When the alert was received (the SNS timestamp): the fallback for times that are not timestamps. */
  receivedAt: string;
}

/** Why an alert yields no findings: said in the forwarder's log. */
export type AsffSkip = 'test alert' | 'no told groups';

/**
 * The findings of one incident alert (`opened`, `updated`, `quiet`, `closed`). A `test` alert is
 * a labelled sample: importing it would put a made-up incident into compliance scores and
 * automation rules, so none is made. `closed` (a person closed the incident) archives the told
 * groups' findings; `quiet` leaves them active, told as ended, since no one has judged them yet.
 */
export function asffFindings(body: IncidentBody, options: AsffOptions): { findings: AsffFinding[] } | { skipped: AsffSkip } {
  if (body.alert === 'test') return { skipped: 'test alert' };
  if (body.told.length === 0) return { skipped: 'no told groups' };
  return { findings: body.told.map((group) => asffFinding(body, group, options)) };
}

const PREFIX = 'k8s-audit-analyzer';

function asffFinding(body: IncidentBody, group: ToldGroup, options: AsffOptions): AsffFinding {
  const { incident } = body;
  const { target } = options;
  const received = timestamp(options.receivedAt, new Date(0).toISOString());
  const firstSeen = timestamp(group.firstSeen, received);
  const lastSeen = latest(firstSeen, timestamp(group.lastSeen, received));
  // The finding moves whenever its incident does: new findings, its end. Times from the events keep
  // a redelivered alert idempotent (the same UpdatedAt), which the clock would not.
  const updatedAt = [incident.lastSeen, incident.ended?.at ?? ''].reduce((t, v) => latest(t, timestamp(v, t)), lastSeen);
  const severity = { Label: SEVERITY_LABEL[group.severity], Original: group.severity };
  const types = typesOf(group.category);
  const docUrl = httpsUrl(group.guide.ruleDocUrl);
  return {
    SchemaVersion: '2018-10-08',
    Id: findingId(incident.id, group.key),
    ProductArn: defaultProductArn(target),
    ProductName: 'k8s-audit-analyzer',
    CompanyName: 'k8s-audit-analyzer',
    GeneratorId: cut(`${PREFIX}/${group.ruleId}`, ASFF_LIMITS.id),
    AwsAccountId: target.accountId,
    Region: target.region,
    Types: types,
    CreatedAt: firstSeen,
    UpdatedAt: updatedAt,
    FirstObservedAt: firstSeen,
    LastObservedAt: lastSeen,
    Severity: severity,
    FindingProviderFields: { Severity: severity, Types: types },
    Title: cut(`${group.title} in ${incident.cluster || 'an unnamed cluster'}`, ASFF_LIMITS.title),
    Description: cut(description(body, group), ASFF_LIMITS.description),
    ...(docUrl ? { SourceUrl: docUrl } : {}),
    Remediation: {
      Recommendation: { Text: cut(group.guide.remediation || 'See the rule documentation.', ASFF_LIMITS.remediationText), ...(docUrl ? { Url: docUrl } : {}) },
    },
    ProductFields: productFields(body, group),
    Resources: resources(incident.cluster, group, target),
    RecordState: body.alert === 'closed' ? 'ARCHIVED' : 'ACTIVE',
  };
}

/** Stable for the group's life, within ASFF's 512 characters and a plain alphabet whatever the incident id holds. */
export function findingId(incidentId: string, groupKey: string): string {
  const incident = /^[\w.:@-]{1,200}$/.test(incidentId) ? incidentId : `h-${digest(incidentId)}`;
  return `${PREFIX}/incident/${incident}/group/${digest(groupKey)}`;
}

function description(body: IncidentBody, group: ToldGroup): string {
  const { incident } = body;
  const parts = [
    group.summary,
    `${group.count} finding(s) from ${group.firstSeen} to ${group.lastSeen}.`,
    `Incident ${incident.id} of ${incident.principal.display} in ${incident.cluster}: ${incident.severity}, ${incident.groupCount} group(s), ${incident.findingCount} finding(s).`,
    incident.chain ? `${incident.chain}.` : '',
    incident.ended ? `Incident ${incident.ended.how} at ${incident.ended.at}${incident.ended.reason ? `: ${incident.ended.reason}` : ''}.` : '',
  ];
  return parts.filter((p) => p !== '').join(' ');
}

function productFields(body: IncidentBody, group: ToldGroup): Record<string, string> {
  const { incident } = body;
  const fields: Array<[string, string]> = [
    ['alert', body.alert],
    ['incident/id', incident.id],
    ['incident/severity', incident.severity],
    ['incident/state', incident.state],
    ['incident/version', String(incident.version)],
    ['incident/chain', incident.chain ?? ''],
    ['principal', incident.principal.display],
    ['principal/key', incident.principal.key],
    ['principal/usernames', list(incident.principal.usernames)],
    ['principal/impersonated', list(incident.principal.impersonated ?? [])],
    ['cluster', incident.cluster],
    ['rule/id', group.ruleId],
    ['rule/category', group.category],
    ['verb', group.verb],
    ['findings', String(group.count)],
    ['auditIDs', list(group.auditIDs)],
    ['sourceIPs', list(group.sourceIPs)],
    ['userAgents', list(group.userAgents)],
    ['usernames', list(group.usernames)],
    ['identityGroups', list(group.identityGroups)],
    ['sources', list(group.sources)],
    ['ended/by', incident.ended?.by ?? ''],
    ['ended/reason', incident.ended?.reason ?? ''],
  ];
  return Object.fromEntries(
    fields.filter(([, v]) => v !== '').map(([k, v]) => [cut(`${PREFIX}/${k}`, ASFF_LIMITS.fieldKey), cut(v, ASFF_LIMITS.productFieldValue)]),
  );
}

const EKS_CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;

function resources(cluster: string, group: ToldGroup, target: SecurityHubTarget): AsffResource[] {
  const where = { Partition: target.partition, Region: target.region };
  // A name EKS would accept is taken as this account's EKS cluster; anything else stays an `Other`.
  const clusterResource: AsffResource = EKS_CLUSTER_NAME.test(cluster)
    ? {
        Type: 'AwsEksCluster',
        Id: `arn:${target.partition}:eks:${target.region}:${target.accountId}:cluster/${cluster}`,
        ...where,
        Details: { AwsEksCluster: { Name: cluster } },
      }
    : { Type: 'Other', Id: cut(`kubernetes-cluster/${cluster || '-'}`, ASFF_LIMITS.resourceId), ...where };
  const t = group.target;
  const path = [t.apiGroup || 'core', t.namespace ?? '-', t.resource, t.name ?? '-'].concat(t.subresource ? [t.subresource] : []).join('/');
  const details: Array<[string, string | undefined]> = [
    ['cluster', cluster],
    ['apiGroup', t.apiGroup],
    ['resource', t.resource],
    ['subresource', t.subresource],
    ['namespace', t.namespace],
    ['name', t.name],
    ['verb', group.verb],
  ];
  const other = Object.fromEntries(
    details.filter((d): d is [string, string] => d[1] !== undefined && d[1] !== '').map(([k, v]) => [k, cut(v, ASFF_LIMITS.otherValue)]),
  );
  return [clusterResource, { Type: 'Other', Id: cut(`kubernetes://${cluster || '-'}/${path}`, ASFF_LIMITS.resourceId), ...where, Details: { Other: other } }];
}

/** Whole items, in order, while they fit one field; how many were left out is said. */
function list(items: readonly string[]): string {
  let text = '';
  for (let i = 0; i < items.length; i++) {
    const next = text === '' ? displayText(items[i]) : `${text}, ${displayText(items[i])}`;
    const rest = items.length - i - 1;
    if (next.length + (rest > 0 ? 20 : 0) > ASFF_LIMITS.productFieldValue) return `${text} (+${items.length - i} more)`;
    text = next;
  }
  return text;
}

/** At most `max` UTF-16 units, cut between code points, invisible characters escaped first. */
export function cut(value: string, max: number): string {
  const shown = displayText(value);
  if (shown.length <= max) return shown;
  let out = '';
  for (const ch of shown) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return `${out}…`;
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 32);
}

/** An RFC 3339 UTC time as ASFF takes it, or the fallback when the value is not a time. */
function timestamp(value: string, fallback: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(value)) return fallback;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? fallback : new Date(ms).toISOString();
}

function latest(a: string, b: string): string {
  return a >= b ? a : b;
}

/** Only an absolute https URL is a link Security Hub's console can open (the default rules doc URL is relative). */
function httpsUrl(value: string): string | undefined {
  if (value.length > ASFF_LIMITS.url) return undefined;
  try {
    return new URL(value).protocol === 'https:' ? value : undefined;
  } catch {
    return undefined;
  }
}

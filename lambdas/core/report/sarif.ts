import { createHash } from 'node:crypto';
import type {
  ArtifactLocation,
  Location,
  LogicalLocation,
  Log,
  Message,
  PhysicalLocation,
  PropertyBag,
  ReportingConfiguration,
  ReportingDescriptor,
  Result,
  Run,
  Tool,
  ToolComponent,
} from 'sarif';
import type { Rule } from '../detect/rule';
import type { Category, Severity } from '../finding';
import type { AggregatedRow } from './aggregate';
import { UNSAFE_CHARACTERS, displayText, jsonText } from './display-text';
import { formatNumber } from './summary-line';

/**
 * SARIF 2.1.0, so findings show up in code-scanning UIs (GitHub code scanning, the SARIF viewers
 * of editors): one result per row of the aggregated table, rule metadata from the registry. The
 * subject of a finding is a Kubernetes object, not a line of code, so each result's location is
 * a logical one (`namespace/resource/name`), plus the audit-log object it was read from.
 *
 * Every value from the logs is shown through `displayText` (controls, invisible and bidirectional
 * characters as `\u{…}`): JSON keeps them valid, but the viewers that show SARIF would print them
 * raw (JSON.stringify leaves U+2028, U+2029 and the bidi controls as they are).
 */

/** The registry metadata SARIF carries; every Detection (Rule or StatefulDetector) has it. */
export type RuleMetadata = Pick<Rule, 'id' | 'title' | 'category' | 'severity' | 'description' | 'attack' | 'controls' | 'falsePositives' | 'remediation'>;

export interface SarifOptions {
  /** The analyzer's version (package.json), as `semanticVersion`. */
  toolVersion: string;
  informationUri?: string;
}

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const TOOL_NAME = 'k8s-audit-analyzer';
/** The key of each result's fingerprint; the version changes if what is hashed ever does. */
export const FINGERPRINT_KEY = 'ruleActorTarget/v1';

type Level = Extract<Result.level, 'error' | 'warning' | 'note'>;

const LEVEL: Record<Severity, Level> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };

/**
 * GitHub ranks security alerts by this number (critical above 9.0, high 7.0 to 8.9, medium 4.0
 * to 6.9, low below 4.0); the value sits inside each band so it reads as the severity we meant.
 */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '1.0' };

/**
 * SARIF's type `T` with the members in `F` as this renderer always writes them (required, narrowed).
 * The constraint keeps `F` honest: each member must exist in `T` and fit its type there.
 */
type Written<T, F extends { [K in keyof F]: K extends keyof T ? T[K] : never }> = Omit<T, keyof F> & F;

type Text = Written<Message, { text: string }>;

type Descriptor = Written<
  ReportingDescriptor,
  {
    name: string;
    shortDescription: Text;
    defaultConfiguration: Written<ReportingConfiguration, { level: Level }>;
    properties: PropertyBag & { category: Category; tags: string[]; 'security-severity': string; controls?: string[] };
  }
>;

type ResultLocation = Written<
  Location,
  { physicalLocation?: Written<PhysicalLocation, { artifactLocation: Written<ArtifactLocation, { uri: string }> }>; logicalLocations: LogicalLocation[] }
>;

type SarifResult = Written<
  Result,
  {
    ruleId: string;
    ruleIndex: number;
    level: Level;
    message: Text;
    locations: ResultLocation[];
    partialFingerprints: Record<string, string>;
    properties: PropertyBag & {
      severity: Severity;
      count: number;
      firstSeen: string;
      lastSeen: string;
      actor: string;
      exampleAuditID: string;
      clusters: string[];
      sources: string[];
    };
  }
>;

type Driver = Written<ToolComponent, { semanticVersion: string; version: string; rules: Descriptor[] }>;

/** The log `buildSarif` returns: one run, which always lists its rules and its results. */
export type SarifLog = Written<Log, { $schema: string; runs: Array<Written<Run, { tool: Written<Tool, { driver: Driver }>; results: SarifResult[] }>> }>;

export function renderSarif(rows: readonly AggregatedRow[], rules: readonly RuleMetadata[], options: SarifOptions): string {
  return jsonText(buildSarif(rows, rules, options), 2);
}

/** The document as an object, for callers (and tests) that look inside before writing it. */
export function buildSarif(rows: readonly AggregatedRow[], rules: readonly RuleMetadata[], options: SarifOptions): SarifLog {
  // Every registry rule is listed, not only those that fired: code-scanning UIs show the rule set,
  // and a rule with no results is how they close an alert that no longer occurs.
  const descriptors: Descriptor[] = [];
  const index = new Map<string, number>();
  for (const rule of rules) {
    if (index.has(rule.id)) continue;
    index.set(rule.id, descriptors.length);
    descriptors.push(descriptorOf(rule));
  }
  // A row from a rule this build does not know (findings read back from a store, say) still needs
  // a rule for its ruleIndex to point at: a minimal one from what the row carries.
  for (const row of rows) {
    if (index.has(row.ruleId)) continue;
    index.set(row.ruleId, descriptors.length);
    descriptors.push({
      id: displayText(row.ruleId),
      name: ruleName(row.ruleId),
      shortDescription: { text: displayText(row.title) },
      defaultConfiguration: { level: LEVEL[row.severity] },
      properties: { category: row.category, tags: ['security', row.category], 'security-severity': SECURITY_SEVERITY[row.severity] },
    });
  }

  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: TOOL_NAME,
            semanticVersion: options.toolVersion,
            version: options.toolVersion,
            ...(options.informationUri !== undefined ? { informationUri: options.informationUri } : {}),
            rules: descriptors,
          },
        },
        results: rows.map((row) => resultOf(row, index.get(row.ruleId) ?? -1)),
      },
    ],
  };
}

function descriptorOf(rule: RuleMetadata): Descriptor {
  return {
    id: rule.id,
    name: ruleName(rule.id),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.description },
    help: {
      text: `Remediation: ${rule.remediation}\n\nFalse positives: ${rule.falsePositives}`,
      markdown: `**Remediation**\n\n${rule.remediation}\n\n**False positives**\n\n${rule.falsePositives}`,
    },
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: {
      category: rule.category,
      tags: [...new Set(['security', rule.category, ...rule.attack])],
      'security-severity': SECURITY_SEVERITY[rule.severity],
      ...(rule.controls.length > 0 ? { controls: [...rule.controls] } : {}),
    },
  };
}

function resultOf(row: AggregatedRow, ruleIndex: number): SarifResult {
  const occurrences = `${formatNumber(row.count)} ${row.count === 1 ? 'occurrence' : 'occurrences'}`;
  return {
    ruleId: displayText(row.ruleId),
    ruleIndex,
    level: LEVEL[row.severity] ?? 'warning',
    message: { text: messageText(displayText(`${row.summary} (${occurrences})`)) },
    locations: [
      {
        ...(row.sources.length > 0 ? { physicalLocation: { artifactLocation: { uri: sourceUri(row.sources[0]) } } } : {}),
        logicalLocations: [{ name: displayText(row.target.name || row.target.resource), fullyQualifiedName: displayText(objectPath(row)), kind: 'resource' }],
      },
    ],
    partialFingerprints: { [FINGERPRINT_KEY]: fingerprint(row) },
    properties: {
      severity: row.severity,
      count: row.count,
      firstSeen: displayText(row.firstSeen),
      lastSeen: displayText(row.lastSeen),
      actor: displayText(row.actor),
      exampleAuditID: displayText(row.exampleAuditID),
      clusters: row.clusters.map(displayText),
      sources: row.sources.map(displayText),
    },
  };
}

/**
 * What identifies the alert across runs: the same fields the table groups by, so a rerun over
 * more logs updates the alert instead of opening a new one. Counts and times are left out on purpose.
 */
export function fingerprint(row: Pick<AggregatedRow, 'ruleId' | 'actor' | 'target'>): string {
  const key = JSON.stringify([row.ruleId, row.actor, row.target.resource, row.target.namespace ?? '', row.target.name ?? '']);
  return createHash('sha256').update(key).digest('hex');
}

/** `team-a/pods/web/exec`, `clusterrolebindings/pwn`: the object's path as its API URL has it. */
function objectPath(row: AggregatedRow): string {
  const t = row.target;
  return [t.namespace, t.resource, t.name, t.subresource].filter((x) => x !== undefined && x !== '').join('/');
}

/** `rbac.cluster-admin-binding` → `RbacClusterAdminBinding`, the identifier style SARIF's examples use. */
function ruleName(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}

/**
 * SARIF reads `[text](target)` in a plain-text message as a link (§3.11.6), and summaries hold
 * values like `rules[0]` or an attacker's object name: literal brackets are escaped.
 */
function messageText(value: string): string {
  return value.replace(/[[\]]/g, (c) => `\\${c}`);
}

/**
 * `artifactLocation.uri` must be a URI reference: S3 objects keep their `s3://` form with the
 * key percent-encoded, absolute paths become `file://` URLs, relative paths stay relative
 * (resolved against wherever the SARIF is uploaded from), and other URIs pass as they are.
 */
export function sourceUri(source: string): string {
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(source);
  if (s3) return `s3://${encodeUnsafe(s3[1])}/${encodePath(s3[2])}`;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) return encodeUnsafe(source);
  const path = source.replace(/\\/g, '/');
  if (/^[A-Za-z]:\//.test(path)) return `file:///${path.slice(0, 2)}${encodePath(path.slice(2))}`;
  if (path.startsWith('/')) return `file://${encodePath(path)}`;
  return encodePath(path);
}

/** Lone surrogates have no UTF-8 form (encodeURIComponent throws on them): U+FFFD instead. */
const wellFormed = (text: string): string => text.replace(/[\ud800-\udfff]/gu, '\ufffd');

/** A URI with its unsafe characters (and spaces) percent-encoded, the rest as it is. */
function encodeUnsafe(uri: string): string {
  return wellFormed(uri).replace(new RegExp(`${UNSAFE_CHARACTERS.source}| `, 'gu'), encodeURIComponent);
}

function encodePath(path: string): string {
  return wellFormed(path).split('/').map(encodeURIComponent).join('/');
}

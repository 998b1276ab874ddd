import { parseYaml } from '../k8s/lazy-yaml';
import { createHash } from 'node:crypto';
import type { EventView, JsonObject } from '../detect/event-view';
import { asArray, asObject, asString } from '../detect/event-view';
import { isPlatform } from '../detect/identity';
import { digest } from '../detect/fingerprint';
import { redactEvidence, redactText } from '../detect/redact';
import type { ExternalDetection, Rule, RuleHit } from '../detect/rule';
import type { Finding, Severity } from '../finding';
import { patchedFields, removedPaths } from '../k8s/patch';
import { hasNameWord } from './support/names';
import { actorText, changedFields, forActor, isWrite, pastTense, raise, requestPath } from './support/common';

/*
 * audit-tampering: attackers switch the audit trail off before they dig in, so the trail watches
 * itself. Two rules read the audit log: the trail turned down from inside the cluster (the audit
 * policy, the API server's audit flags), and an event too large to read. Three detections come
 * from outside it and never match an audit event (ExternalDetection: metadata, nothing to
 * evaluate): log objects deleted from the bucket (the analyzer, from S3's ObjectRemoved
 * notifications), a cluster whose logs stopped arriving, and EKS control-plane audit logging
 * switched off (both the watchdog Lambda). They are in the registry all the same, so `rules`, the
 * docs, the configuration and the compliance report know them; the functions that build their
 * findings are here, next to their metadata. ATT&CK ids are v16.
 */
const NSA_LOGGING = 'NSA-CISA-k8s: Audit logging and threat detection';
const AUDIT_GROUP = 'audit.k8s.io';

const DID: Record<string, string> = { create: 'created', update: 'updated', patch: 'patched', delete: 'deleted' };

// ---------------------------------------------------------------------------------------------
// The audit policy in a ConfigMap

/**
 * Names a ConfigMap holding an audit policy goes by: `audit-policy`, `kas-audit-policy`,
 * `apiserver-audit-policy-config`, ... (hosted control planes such as HyperShift, Gardener and
 * Kamaji run the API server as a Deployment and mount its policy from a ConfigMap).
 */
const POLICY_NAME = /audit[-_.]?polic(?:y|ies)/;
/** A name with `audit` as a word (`audit`, `apiserver-audit`, `audit-config`): suggestive in kube-system only. */
const AUDIT_WORD = /(?:^|[-_.])audit(?:[-_.]|$)/;
/** Data keys a policy file is mounted from: `audit-policy.yaml`, `policy.yaml` beside an audit name, `audit.yaml`. */
const POLICY_KEY = /audit[-_.]?polic|^audit\.ya?ml$|^audit\.json$/i;
/** A policy document in YAML or JSON: `kind: Policy` (or `"kind":"Policy"`) and the audit API group. */
const POLICY_KIND = /["']?kind["']?\s*:\s*["']?Policy["']?\s*(?:[,}\n\r]|$)/m;
/** Policies larger than this are not parsed (a ConfigMap holds at most 1 MiB; real policies are a few KiB). */
const MAX_POLICY_CHARS = 256 * 1024;
/** Rule fields that narrow whom or what a policy rule matches; a rule with none matches every request. */
const POLICY_RULE_SELECTORS = ['users', 'userGroups', 'verbs', 'resources', 'namespaces', 'nonResourceURLs'];

const CONFIGMAP_VERBS = ['update', 'patch', 'delete'];
/**
 * The pre-check's narrowing for ConfigMap writes: the name or body must say `audit` as a word or
 * `policy`. (`audit` alone would pass every event: `auditID` and `audit.k8s.io/v1` are in all of them.)
 */
const CONFIGMAP_NEEDLES = ['audit-', '-audit', 'audit_', '_audit', 'audit.y', 'audit.j', '"audit"', 'olic'];

interface PolicyDocument {
  key: string;
  /** Rules in the document, when it could be read. */
  rules?: number;
  /** The index of the first rule that sets level None for every request, if any. */
  catchAllNone?: number;
  unreadable?: boolean;
}

function isPolicyText(text: string): boolean {
  return text.includes(AUDIT_GROUP) && POLICY_KIND.test(text);
}

/** The audit policy documents among a ConfigMap's data values, read as far as they can be. */
function policyDocuments(data: JsonObject | undefined): PolicyDocument[] {
  if (!data) return [];
  const docs: PolicyDocument[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string' || !isPolicyText(value)) continue;
    docs.push(readPolicy(key, value));
  }
  return docs;
}

function readPolicy(key: string, text: string): PolicyDocument {
  if (text.length > MAX_POLICY_CHARS) return { key, unreadable: true };
  let parsed: unknown;
  try {
    parsed = parseYaml(text, { maxAliasCount: 10 }); // JSON is YAML too
  } catch {
    return { key, unreadable: true };
  }
  const policy = asObject(parsed);
  if (!policy || asString(policy.kind) !== 'Policy') return { key, unreadable: true };
  const rules = asArray(policy.rules);
  const catchAllNone = rules.findIndex((r) => {
    const rule = asObject(r);
    return rule !== undefined && asString(rule.level) === 'None' && POLICY_RULE_SELECTORS.every((field) => rule[field] === undefined);
  });
  return { key, rules: rules.length, ...(catchAllNone >= 0 ? { catchAllNone } : {}) };
}

/** What a policy document now does, in words, and whether that is the trail switched off. */
function describePolicy(doc: PolicyDocument): { text: string; off: boolean } {
  if (doc.unreadable) return { text: `key ${doc.key} holds an audit policy that could not be read`, off: false };
  if (doc.rules === 0) return { text: `the policy in key ${doc.key} has no rules: the API server logs nothing`, off: true };
  if (doc.catchAllNone === 0) return { text: `the policy in key ${doc.key} logs nothing (its first rule sets level None for every request)`, off: true };
  if (doc.catchAllNone !== undefined) {
    return {
      text: `the policy in key ${doc.key} stops logging every request its first ${doc.catchAllNone} rule${doc.catchAllNone === 1 ? '' : 's'} do not match (a catch-all level None rule)`,
      off: false,
    };
  }
  return { text: `key ${doc.key} holds an audit policy of ${doc.rules ?? '?'} rules`, off: false };
}

/** A patch that only touches metadata (labels, annotations): it changes nothing the API server reads. */
function metadataOnlyPatch(view: EventView): boolean {
  if (view.verb !== 'patch' || view.patch === undefined || removedPaths(view.patch).some((p) => !p.startsWith('/metadata'))) return false;
  if (Array.isArray(view.patch))
    return view.patch.every((op) => /^\/metadata(\/|$)/.test(asString(asObject(op)?.path) ?? '') || asString(asObject(op)?.op) === 'test');
  const fields = patchedFields(view.patch);
  return fields !== undefined && Object.keys(fields).every((k) => k === 'metadata' || k === 'apiVersion' || k === 'kind');
}

function configMapHit(view: EventView): RuleHit | undefined {
  if (view.resource !== 'configmaps' || view.subresource !== '' || !view.name || isPlatform(view.actor) || metadataOnlyPatch(view)) return undefined;
  const changed = view.verb === 'delete' ? undefined : changedFields(view);
  const data = asObject(changed?.data);
  const docs = policyDocuments(data);
  const keys = Object.keys(data ?? {}).filter((k) => POLICY_KEY.test(k));
  const byName = POLICY_NAME.test(view.name) || (view.namespace === 'kube-system' && AUDIT_WORD.test(view.name));
  if (docs.length === 0 && keys.length === 0 && !byName) return undefined;

  const head = `${actorText(view)} ${DID[view.verb] ?? view.verb} ConfigMap ${view.namespace}/${view.name}`;
  const evidence: Record<string, unknown> = {
    ...(keys.length > 0 ? { policyKeys: keys } : {}),
    ...(docs.length > 0 ? { policies: docs } : {}),
  };
  if (view.verb === 'delete') {
    return { severity: 'critical', summary: `${head}, which by its name holds the API server's audit policy: the policy it mounts is gone`, evidence };
  }
  if (docs.length > 0) {
    const described = docs.map(describePolicy);
    const off = described.some((d) => d.off);
    return {
      severity: forActor(view, off ? 'critical' : 'high'),
      summary: `${head}: ${described[0].text}${docs.length > 1 ? ` (and ${docs.length - 1} more)` : ''}`,
      evidence,
    };
  }
  let why: string;
  if (data === undefined) why = view.missingEvidence ? `body not logged (${view.missingEvidence})` : 'the data it set is not in the log';
  else if (keys.length > 0) why = `key ${keys[0]} no longer holds a readable audit policy`;
  else why = 'whose name says it holds the audit policy; the data it set holds none';
  return { severity: forActor(view, 'high'), summary: `${head}, ${why}`, evidence };
}

// ---------------------------------------------------------------------------------------------
// The API server's audit flags, from its static (mirror) pod

/** The flags that say whether and where the API server writes its audit log. */
const AUDIT_FLAGS = [
  'audit-policy-file',
  'audit-log-path',
  'audit-webhook-config-file',
  'audit-log-maxage',
  'audit-log-maxbackup',
  'audit-log-maxsize',
  'audit-log-mode',
  'audit-webhook-mode',
] as const;
type AuditFlag = (typeof AUDIT_FLAGS)[number];
const FLAG_SET: ReadonlySet<string> = new Set(AUDIT_FLAGS);

/** CIS 1.2.17-1.2.19: the on-node retention the benchmark recommends at least (0 means no limit). */
const CIS_RETENTION: ReadonlyArray<{ flag: AuditFlag; min: number; unit: string; control: string }> = [
  { flag: 'audit-log-maxage', min: 30, unit: 'days', control: 'CIS-1.2.17' },
  { flag: 'audit-log-maxbackup', min: 10, unit: 'files', control: 'CIS-1.2.18' },
  { flag: 'audit-log-maxsize', min: 100, unit: 'MB', control: 'CIS-1.2.19' },
];

const NULL_DEVICES = new Set(['/dev/null', 'nul']);

interface ApiServerInvocation {
  container: string;
  /** The audit flags as the command and args set them (the last occurrence wins, as in pflag). */
  flags: Partial<Record<AuditFlag, string>>;
}

/**
 * The kube-apiserver container's command line: `command` and `args` (kubeadm writes
 * `--flag=value` items, others `--flag value` pairs or one shell string), and the audit flags it sets.
 */
function apiServerInvocation(pod: JsonObject | undefined): ApiServerInvocation | undefined {
  const spec = asObject(pod?.spec);
  for (const c of asArray(spec?.containers)) {
    const container = asObject(c);
    if (!container) continue;
    const tokens = [...asArray(container.command), ...asArray(container.args)].flatMap((t) => (typeof t === 'string' ? t.split(/\s+/).filter(Boolean) : []));
    const name = asString(container.name) ?? '';
    const runsApiServer = name === 'kube-apiserver' || tokens.some((t) => /(^|\/)kube-apiserver$/.test(t));
    if (!runsApiServer || !tokens.some((t) => t.startsWith('--'))) continue;
    const flags: ApiServerInvocation['flags'] = {};
    tokens.forEach((token, i) => {
      if (!token.startsWith('--')) return;
      const eq = token.indexOf('=');
      const flag = eq >= 0 ? token.slice(2, eq) : token.slice(2);
      if (!FLAG_SET.has(flag)) return;
      const next = tokens[i + 1];
      const value = eq >= 0 ? token.slice(eq + 1) : next !== undefined && !next.startsWith('--') ? next : '';
      flags[flag as AuditFlag] = value.replace(/^["']|["']$/g, '');
    });
    return { container: name, flags };
  }
  return undefined;
}

interface FlagJudgement {
  severity: Severity;
  problems: string[];
}

function judgeFlags(flags: ApiServerInvocation['flags']): FlagJudgement | undefined {
  const logPath = flags['audit-log-path'];
  const webhook = flags['audit-webhook-config-file'];
  const policy = flags['audit-policy-file'];
  const hasLog = logPath !== undefined && logPath !== '';
  const hasWebhook = webhook !== undefined && webhook !== '';
  const problems: string[] = [];
  let severity: Severity | undefined;
  if (!hasLog && !hasWebhook) {
    problems.push('no audit backend (neither --audit-log-path nor --audit-webhook-config-file): audit logging is off');
    severity = 'critical';
  } else if (hasLog && NULL_DEVICES.has(logPath.toLowerCase()) && !hasWebhook) {
    problems.push(`--audit-log-path=${logPath}: the audit log is thrown away`);
    severity = 'critical';
  }
  if ((hasLog || hasWebhook) && (policy === undefined || policy === '')) {
    problems.push('no --audit-policy-file: without a policy the API server logs no events');
    severity = 'critical';
  }
  if (hasLog && !NULL_DEVICES.has(logPath.toLowerCase()) && logPath !== '-') {
    for (const { flag, min, unit } of CIS_RETENTION) {
      const raw = flags[flag];
      if (raw === undefined || !/^\d+$/.test(raw)) continue;
      const n = Number(raw);
      // 0 is the default and means no limit; a small non-zero value deletes old audit files early.
      if (n > 0 && n < min) {
        problems.push(`--${flag}=${n} keeps less than the ${min} ${unit} CIS recommends`);
        severity ??= 'medium';
      }
    }
  }
  return severity === undefined ? undefined : { severity, problems };
}

function apiServerPodHit(view: EventView): RuleHit | undefined {
  if (view.resource !== 'pods' || view.subresource !== '' || view.namespace !== 'kube-system' || !view.name.startsWith('kube-apiserver')) return undefined;
  const head = `${actorText(view)} ${view.actor.class === 'node' && view.verb === 'create' ? 'registered' : (DID[view.verb] ?? view.verb)} pod kube-system/${view.name}`;
  const written = view.verb === 'patch' ? patchedFields(view.patch) : view.object;
  const invocation = apiServerInvocation(written);
  if (!invocation) {
    // Pod specs are immutable: the flags change only when the kubelet re-registers the mirror pod
    // for an edited manifest, a create. At Metadata level that create is all the log shows.
    if (view.verb !== 'create' || view.object !== undefined) return undefined;
    return {
      severity: forActor(view, 'low'),
      summary: `${head}: the API server restarted from a new manifest; its audit flags are not logged (${view.missingEvidence ?? 'no body'})`,
      evidence: {},
    };
  }
  const judged = judgeFlags(invocation.flags);
  if (!judged) return undefined;
  return {
    severity: forActor(view, judged.severity),
    summary: `${head}, which runs the API server with ${judged.problems[0]}${judged.problems.length > 1 ? ` (and ${judged.problems.length - 1} more)` : ''}`,
    evidence: { container: invocation.container, auditFlags: invocation.flags, problems: judged.problems },
  };
}

const policyChanged: Rule = {
  id: 'audit-tampering.policy-changed',
  title: 'Audit policy or API server audit flags changed',
  category: 'audit-tampering',
  severity: 'critical',
  severityReasons:
    "who: anyone but the platform; what: weakening the API server's audit policy blinds detection (takeover of defences): high, critical when logging is switched off; where: the control plane's own configuration; anonymous: critical.",
  description:
    'The audit trail was turned down from inside the cluster, as the audit log itself records it. A ConfigMap holding the audit policy ' +
    '(by its name, such as audit-policy, by a data key such as audit-policy.yaml or audit.yaml, or by an audit.k8s.io Policy in its body) ' +
    'was updated, patched or deleted: hosted control planes mount the policy from one, and a policy whose first rule logs level None ' +
    'for everything switches auditing off without touching a flag. Or the kubelet registered a kube-apiserver static pod whose command ' +
    'line has no audit backend (--audit-log-path, --audit-webhook-config-file), no --audit-policy-file (no policy, no events), a log path ' +
    'of /dev/null, or on-node retention (--audit-log-maxage, --audit-log-maxbackup, --audit-log-maxsize) below the CIS values (medium; 0 ' +
    'means no limit and is not raised). A pod spec is immutable, so new flags arrive as a new mirror pod; the rule judges the flags the ' +
    'new API server runs with, not the difference from the old ones (a policy file swapped for another at the same path is invisible to ' +
    'the API). Deleting the policy, or a policy that logs nothing, is critical.',
  attack: ['T1562.008'],
  controls: ['CIS-3.2.1', 'CIS-3.2.2', 'CIS-1.2.16', 'CIS-1.2.17', 'CIS-1.2.18', 'CIS-1.2.19', NSA_LOGGING],
  evidenceLevel: 'Metadata', // ConfigMap writes and deletes are raised by name; the policy's content and the API server's flags need the body (at Metadata a re-registered kube-apiserver pod is raised low)
  falsePositives:
    'Platform teams tuning the audit policy (often to cut volume), control-plane upgrades that rewrite the manifests, and operators of hosted ' +
    'control planes reconciling their policy ConfigMap. Changes by the control plane and its controllers are not raised, nor label-only patches.',
  remediation:
    'Compare the policy and the kube-apiserver manifest (/etc/kubernetes/manifests/kube-apiserver.yaml on each control-plane node) with ' +
    'their source of truth and restore them; find who edited them and what they did while the trail was down (node logs, CloudTrail, the ' +
    "other API servers' audit logs).",
  // Beside CONFIGMAP_NEEDLES, the names AUDIT_WORD reads with a dot: `x.audit`, and `audit.x` as a
  // whole name (`audit.` alone is in every event: its apiVersion is audit.k8s.io/v1).
  interest: [
    ...[...CONFIGMAP_NEEDLES, '.audit', '"name":"audit.'].map((needle) => ({ verbs: CONFIGMAP_VERBS, resources: ['configmaps'], contains: [needle] })),
    { verbs: ['create', 'update', 'patch'], resources: ['pods'], contains: ['kube-apiserver'] },
  ],
  evaluate(view) {
    if (view.apiGroup !== '') return undefined; // ConfigMaps and Pods are in the core group
    return view.resource === 'configmaps' ? configMapHit(view) : view.resource === 'pods' ? apiServerPodHit(view) : undefined;
  },
};

// ---------------------------------------------------------------------------------------------
// An event too large to read
//
// The reader does not buffer a document past its limit (4 MiB by default); it judges the event
// from the fields the API server writes before the bodies (who, verb, objectRef, response status)
// and hands it over with `oversize` set. The metadata rules still run on it; this rule says that
// the others could not, and by how much the request matters. Padding is the cheapest evasion there
// is: an annotation of junk costs the attacker nothing, and Go's JSON encoder writes each `<`, `>`
// and `&` as six bytes.

/** What a write to these can do, in the words of the summary: the objects persistence is made of. */
const SENSITIVE: Readonly<Record<string, string>> = {
  roles: 'RBAC',
  clusterroles: 'RBAC',
  rolebindings: 'RBAC',
  clusterrolebindings: 'RBAC',
  pods: 'workloads',
  deployments: 'workloads',
  daemonsets: 'workloads',
  statefulsets: 'workloads',
  replicasets: 'workloads',
  replicationcontrollers: 'workloads',
  jobs: 'workloads',
  cronjobs: 'workloads',
  mutatingwebhookconfigurations: 'admission control',
  validatingwebhookconfigurations: 'admission control',
  validatingadmissionpolicies: 'admission control',
  validatingadmissionpolicybindings: 'admission control',
  mutatingadmissionpolicies: 'admission control',
  mutatingadmissionpolicybindings: 'admission control',
  customresourcedefinitions: 'API extensions',
  apiservices: 'API extensions',
  secrets: 'credentials',
  serviceaccounts: 'credentials',
  certificatesigningrequests: 'credentials',
  nodes: 'nodes',
};

const READS = new Set(['get', 'list', 'watch']);

/** Why a write matters, or undefined for an ordinary one. Status updates are reports, not changes to what runs. */
function sensitivity(view: EventView): string | undefined {
  if (view.subresource === 'status') return undefined;
  if (Object.hasOwn(SENSITIVE, view.resource)) return SENSITIVE[view.resource];
  // aws-auth and audit policies live in kube-system ConfigMaps
  if (view.resource === 'configmaps' && view.namespace === 'kube-system') return 'kube-system configuration';
  return undefined;
}

function objectText(view: EventView): string {
  const resource = view.subresource ? `${view.resource}/${view.subresource}` : view.resource || 'a non-resource URL';
  const name = view.name ? ` ${view.namespace ? `${view.namespace}/` : ''}${view.name}` : view.namespace ? ` in namespace ${view.namespace}` : '';
  const path = view.resource === '' ? ` ${requestPath(view).slice(0, 200)}` : '';
  return `${resource}${name}${path}`;
}

function judge(view: EventView): { severity: Severity; reasons: string[] } {
  const reasons: string[] = [];
  const verb = view.verb;
  let severity: Severity;
  if (READS.has(verb)) {
    severity = 'low';
    reasons.push('a read');
  } else {
    const what = sensitivity(view);
    severity = what ? 'high' : 'medium';
    reasons.push(what ? `a write to ${what}` : isWrite(verb) ? 'a write' : `a ${verb || 'request with no verb'} (treated as a write)`);
  }
  if (isPlatform(view.actor)) {
    reasons.push('by the control plane');
    return { severity: 'info', reasons };
  }
  if (view.actor.class === 'anonymous') reasons.push('by an anonymous caller');
  else if (view.actor.username === '') {
    severity = raise(severity);
    reasons.push('by an identity the log does not name');
  }
  return { severity: forActor(view, severity), reasons };
}

const oversizeEvent: Rule = {
  id: 'audit-tampering.oversize-event',
  title: 'Audit event too large to read: judged from its metadata only',
  category: 'audit-tampering',
  severity: 'critical',
  severityReasons:
    'who: any identity; what: an event too large to read whole can hide what it did, rated by the verb and the kind of object its head shows, raised in system namespaces; evidence: judged from the head of the document, and the finding says what it could not see.',
  description:
    "An audit event was longer than the reader's limit (4 MiB by default), so its request and response bodies were not read: it was " +
    'judged from the fields the API server writes before them (who, verb, object, response status), the rules that decide from those ' +
    'still ran, and the rules that need a body did not see it. Padding a request (an annotation or a ConfigMap value of junk, thousands ' +
    'of dummy RBAC entries) until its audit event is too large for the detection pipeline is a cheap way to slip a privileged pod or a ' +
    "binding past it; the API server's JSON encoder writes each `<`, `>` and `&` as six bytes, so a body under the API server's own " +
    'request limit can still make a larger event. Rated by what is known: a successful write (create, update, patch, delete) to RBAC, ' +
    'workloads, admission webhooks and policies, CRDs and API services, Secrets, service accounts, CSRs, nodes or kube-system ConfigMaps ' +
    'is high, in any namespace; any other write medium; a read low; failed and dry-run requests raise nothing. A request with no ' +
    "username is raised one step, an anonymous one is critical; the control plane's own large writes are info.",
  attack: ['T1027.001'],
  controls: ['CIS-3.2.2', NSA_LOGGING],
  evidenceLevel: 'Metadata', // made for events whose bodies were not read
  includeFailures: false,
  oversizeEvents: true,
  falsePositives:
    'Large legitimate objects: Helm release Secrets near the 1 MiB object limit, CRDs with large OpenAPI schemas, lists of many objects ' +
    'logged at RequestResponse level, big custom resources. Add exceptions for the identities that write them, scoped to their namespaces, ' +
    'or log those resources at Metadata level in the audit policy.',
  remediation:
    'Find the event in the log object by its auditID and read it by hand to judge what the request did; a field full of junk is a ' +
    'red flag. Check the object as it is now (`kubectl get -o yaml`). Keep audit events small enough ' +
    'to be read whole: run the API server with `--audit-log-truncate-enabled=true` and `--audit-log-truncate-max-event-size` (bytes, 100 KiB by ' +
    'default once enabled; the webhook backend has the same `--audit-webhook-truncate-*` flags), which makes it drop the bodies of larger ' +
    'events itself and mark them `audit.k8s.io/truncated`, and log bulky resources at Metadata level in the audit policy.',
  interest: [], // the reader hands over every oversize event whatever the rules' interest; see `oversizeEvents`
  evaluate(view): RuleHit | undefined {
    if (view.oversize === undefined) return undefined;
    const { severity, reasons } = judge(view);
    const sizeMiB = (view.oversize / (1024 * 1024)).toFixed(1);
    return {
      severity,
      summary: `${actorText(view)} ${pastTense(view.verb)} ${objectText(view)}; the audit event was too large to read (at least ${sizeMiB} MiB), so its body was not checked`,
      evidence: {
        oversizeBytes: view.oversize,
        verb: view.verb,
        ...(view.code !== undefined ? { code: view.code } : {}),
        ...(view.event.level ? { level: view.event.level } : {}),
        ...(view.event.stage ? { stage: view.event.stage } : {}),
        requestURI: (view.event.requestURI ?? '').slice(0, 500),
        reasons,
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Detections from outside the audit log: metadata here, findings built by the functions below.

const logObjectDeleted: ExternalDetection = {
  source: "the analyzer, from the log bucket's S3 ObjectRemoved notifications",
  id: 'audit-tampering.log-object-deleted',
  title: 'Audit log object deleted from the log bucket',
  category: 'audit-tampering',
  severity: 'critical',
  severityReasons:
    'who: the AWS principal that deleted it; what: removing audit log objects destroys evidence (takeover of defences): critical; evidence: S3 event notifications, outside the audit log.',
  description:
    'An audit log object was deleted from the bucket the logs land in (S3 ObjectRemoved:Delete, or ObjectRemoved:DeleteMarkerCreated on a ' +
    'versioned bucket, which hides the object behind a delete marker). Deleting the record of what they did is what an intruder does ' +
    "once they can. Raised by the analyzer from the bucket's event notifications, one finding per object, with the S3 principal and " +
    'source IP; not from the audit log. Lifecycle expirations are other S3 events (LifecycleExpiration:*) and raise nothing.',
  attack: ['T1070'],
  controls: [NSA_LOGGING, 'CIS-EKS-2.1.2'], // EKS: the audit log's keeping is the user's
  evidenceLevel: 'Metadata', // needs no audit body: it reads S3 event notifications
  falsePositives:
    'Retention jobs that delete objects through the API instead of a lifecycle rule, and people cleaning up a test bucket. Use lifecycle ' +
    'rules for retention; they raise nothing.',
  remediation:
    'Restore the object from its previous version (versioned buckets) or a replica; find the principal in CloudTrail data events and ' +
    'revoke its access; turn on versioning and Object Lock on the log bucket and deny s3:DeleteObject* to everyone but a break-glass role.',
};

const logSilence: ExternalDetection = {
  source: "the watchdog, from the analyzer's coverage records and the clock",
  id: 'audit-tampering.log-silence',
  title: 'Audit logs stopped arriving',
  category: 'audit-tampering',
  severity: 'high',
  severityReasons:
    'who: unknown (no events arrive); what: a cluster that stops logging may have had its logging turned off: high; evidence: the absence of events, so not critical.',
  description:
    'No audit log object from a cluster reached the analyzer for longer than the silence threshold (30 minutes by default). A busy API ' +
    'server writes audit events every second; when they stop, audit logging was switched off, its shipping broke or was broken (a ' +
    'subscription filter, a Firehose stream, a bucket policy), or the cluster is gone. Raised by the watchdog once per silence, for every ' +
    'cluster the analyzer has seen and every cluster it was told to expect, and resolved with a notice when objects resume. Not from the ' +
    'audit log.',
  attack: ['T1562.008', 'T1562.006'],
  controls: [NSA_LOGGING, 'CIS-EKS-2.1.2'], // EKS: the audit log's keeping is the user's
  evidenceLevel: 'Metadata', // needs no audit body: it reads the analyzer's coverage records
  falsePositives:
    'Clusters that were deleted or scaled to nothing, very quiet test clusters (raise the threshold), and an analyzer backlog longer than ' +
    'the threshold (the time is that of the last object analyzed).',
  remediation:
    "Check the cluster's audit logging (EKS: the cluster's logging configuration; self-managed: the kube-apiserver flags), then each hop " +
    'of the shipping path; find who changed it and what happened while the trail was down.',
};

const eksAuditLoggingDisabled: ExternalDetection = {
  source: "the watchdog, from CloudTrail's UpdateClusterConfig events (EventBridge)",
  id: 'audit-tampering.eks-audit-logging-disabled',
  title: 'EKS control-plane audit logging switched off',
  category: 'audit-tampering',
  severity: 'critical',
  severityReasons:
    'who: the AWS principal in CloudTrail; what: switching off EKS audit logging blinds every other rule (takeover of defences): critical; evidence: CloudTrail, outside the audit log.',
  description:
    "An UpdateClusterConfig call switched off the audit log type of an EKS cluster's control-plane logging (clusterLogging with " +
    "enabled: false for types including audit): from then on the API server's audit events go nowhere. Raised by the watchdog from the " +
    "CloudTrail event EventBridge delivers, with the caller's ARN and source IP; calls that enable logging, that only touch other log " +
    'types, or that failed raise nothing. Not from the audit log.',
  attack: ['T1562.008'],
  controls: [NSA_LOGGING, 'CIS-EKS-2.1.1'], // EKS: audit logging is switched on per cluster, not by API-server flags
  evidenceLevel: 'Metadata', // needs no audit body: it reads CloudTrail
  falsePositives: 'Cost cutting on test clusters, and infrastructure-as-code runs that were not meant to change logging.',
  remediation:
    'Switch audit logging back on (aws eks update-cluster-config --logging \'{"clusterLogging":[{"types":["audit"],"enabled":true}]}\'), ' +
    'ask the caller, and review what the cluster did while it was off (CloudTrail, the other log types).',
};

export const LOG_OBJECT_DELETED = logObjectDeleted.id;
export const LOG_SILENCE = logSilence.id;
export const EKS_AUDIT_LOGGING_DISABLED = eksAuditLoggingDisabled.id;

// ---------------------------------------------------------------------------------------------
// Findings of the detections outside the log

function findingOf(rule: ExternalDetection, fields: Omit<Finding, 'ruleId' | 'category' | 'title' | 'attack' | 'controls'>): Finding {
  return {
    ruleId: rule.id,
    category: rule.category,
    title: rule.title,
    attack: rule.attack,
    controls: rule.controls,
    ...fields,
    summary: redactText(fields.summary),
    evidence: redactEvidence(fields.evidence),
  };
}

/** A stable id from parts that name one occurrence, so a redelivery makes the same finding. */
export function derivedAuditID(kind: string, ...parts: string[]): string {
  return `${kind}-${createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32)}`;
}

/** One removed object, as an S3 ObjectRemoved notification names it. */
export interface LogObjectRemoval {
  bucket: string;
  key: string;
  /** `ObjectRemoved:Delete` or `ObjectRemoved:DeleteMarkerCreated`. */
  eventName: string;
  eventTime?: string;
  versionId?: string;
  /** S3's per-key ordering value: two removals of one key differ in it. */
  sequencer?: string;
  /** `userIdentity.principalId`, e.g. `AWS:AROAEXAMPLE:mallory`. */
  principalId?: string;
  /** `requestParameters.sourceIPAddress`. */
  sourceIPAddress?: string;
  region?: string;
  cluster?: string;
}

/**
 * The finding for one deleted log object; deterministic, so a redelivered notification stores
 * nothing new. Its fingerprint is what names the removal: the object (bucket, key, version), the
 * kind of removal, and when S3 says it happened (event time and sequencer), so each removal of a
 * key is its own finding and a redelivery is the same one.
 */
export function logObjectDeletedFinding(removal: LogObjectRemoval, now: () => number = Date.now): Finding {
  const marker = removal.eventName.endsWith('DeleteMarkerCreated');
  const principal = removal.principalId || '(unknown principal)';
  const uri = `s3://${removal.bucket}/${removal.key}`;
  const what = marker
    ? `deleted audit log object ${uri}: a delete marker now hides it (its earlier versions can still be restored)`
    : removal.versionId
      ? `permanently deleted version ${removal.versionId} of audit log object ${uri}`
      : `deleted audit log object ${uri}`;
  const time = removal.eventTime && !Number.isNaN(Date.parse(removal.eventTime)) ? removal.eventTime : new Date(now()).toISOString();
  const occurrence = removal.sequencer ?? `${removal.eventTime ?? ''}#${removal.eventName}`;
  return findingOf(logObjectDeleted, {
    severity: 'critical',
    summary: `${principal} ${what}${removal.sourceIPAddress ? ` from ${removal.sourceIPAddress}` : ''}`,
    auditID: derivedAuditID('s3-removal', removal.bucket, removal.key, removal.versionId ?? '', occurrence),
    fingerprint: digest([
      logObjectDeleted.id,
      removal.bucket,
      removal.key,
      removal.versionId ?? null,
      removal.eventName,
      removal.eventTime ?? null,
      removal.sequencer ?? null,
    ]),
    time,
    ...(removal.cluster ? { cluster: removal.cluster } : {}),
    actor: { username: principal, ...(removal.sourceIPAddress ? { sourceIPs: [removal.sourceIPAddress] } : {}) },
    target: { resource: 's3-objects', namespace: removal.bucket, name: removal.key },
    verb: 'delete',
    evidence: {
      bucket: removal.bucket,
      key: removal.key,
      ...(removal.versionId ? { versionId: removal.versionId } : {}),
      eventName: removal.eventName,
      ...(removal.sourceIPAddress ? { sourceIPAddress: removal.sourceIPAddress } : {}),
      ...(removal.sequencer ? { sequencer: removal.sequencer } : {}),
      ...(removal.region ? { region: removal.region } : {}),
    },
  });
}

/** A cluster whose audit logs stopped: since when, and how long at the check. */
export interface LogSilence {
  cluster: string;
  /** ISO time of the last object analyzed, or when the watchdog first looked for a cluster never seen. */
  since: string;
  /** True when no object of the cluster was ever analyzed (a cluster the watchdog was told to expect). */
  neverSeen: boolean;
  /** ISO time of the check that found the silence. */
  checkedAt: string;
  thresholdMinutes: number;
}

/**
 * The finding for one silence. Its time is the silence's start and its auditID and fingerprint
 * are derived from the cluster and that start, so every check of the same silence makes the same
 * finding.
 */
export function logSilenceFinding(silence: LogSilence): Finding {
  const minutes = Math.max(0, Math.floor((Date.parse(silence.checkedAt) - Date.parse(silence.since)) / 60_000));
  const summary = silence.neverSeen
    ? `no audit log object from cluster ${silence.cluster} has arrived since the watchdog started expecting it at ${silence.since} (${durationText(minutes)}; threshold ${silence.thresholdMinutes} min)`
    : `no audit log object from cluster ${silence.cluster} since ${silence.since} (${durationText(minutes)} at ${silence.checkedAt}; threshold ${silence.thresholdMinutes} min)`;
  return findingOf(logSilence, {
    severity: 'high',
    summary,
    auditID: derivedAuditID('silence', silence.cluster, silence.since),
    fingerprint: digest([logSilence.id, silence.cluster, silence.since]),
    time: silence.since,
    cluster: silence.cluster,
    actor: { username: '(unknown)' },
    target: { resource: 'audit-logs', name: silence.cluster },
    verb: 'stopped',
    evidence: {
      since: silence.since,
      checkedAt: silence.checkedAt,
      silentMinutes: minutes,
      thresholdMinutes: silence.thresholdMinutes,
      neverSeen: silence.neverSeen,
    },
  });
}

/** `47 min`, `3 h 5 min`, `2 d 4 h`. */
export function durationText(minutes: number): string {
  const m = Math.max(0, Math.round(minutes));
  if (m < 120) return `${m} min`;
  if (m < 2 * 1440) return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
  const h = Math.floor((m % 1440) / 60);
  return `${Math.floor(m / 1440)} d${h ? ` ${h} h` : ''}`;
}

/** An EKS `UpdateClusterConfig` call as CloudTrail records it (the parts the decision reads). */
export interface EksClusterConfigCall {
  /** CloudTrail `eventID`. */
  eventID: string;
  eventTime: string;
  /** `requestParameters.name`. */
  cluster: string;
  /** `requestParameters.logging.clusterLogging`. */
  clusterLogging: unknown;
  /** `userIdentity.arn` (or its principalId when it has none). */
  actor: string;
  sourceIPAddress?: string;
  userAgent?: string;
  region?: string;
  account?: string;
  /** CloudTrail `errorCode`: the call failed and changed nothing. */
  errorCode?: string;
}

/** The finding when the call switched the audit log type off; undefined for enabling calls, other types and failed calls. */
export function eksAuditLoggingDisabledFinding(call: EksClusterConfigCall): Finding | undefined {
  if (call.errorCode) return undefined;
  const disabling = asArray(call.clusterLogging).filter((entry) => {
    const o = asObject(entry);
    return o !== undefined && o.enabled === false && asArray(o.types).includes('audit');
  });
  if (disabling.length === 0) return undefined;
  const types = [...new Set(disabling.flatMap((e) => asArray(asObject(e)?.types).filter((t): t is string => typeof t === 'string')))];
  return findingOf(eksAuditLoggingDisabled, {
    severity: 'critical',
    summary: `${call.actor} switched off audit logging (${types.join(', ')}) of EKS cluster ${call.cluster}${call.sourceIPAddress ? ` from ${call.sourceIPAddress}` : ''}`,
    auditID: call.eventID,
    // CloudTrail's eventID names the call; the cluster and time with it, as the call logged them.
    fingerprint: digest([eksAuditLoggingDisabled.id, call.eventID, call.cluster, call.eventTime]),
    time: call.eventTime,
    cluster: call.cluster,
    actor: {
      username: call.actor,
      ...(call.sourceIPAddress ? { sourceIPs: [call.sourceIPAddress] } : {}),
      ...(call.userAgent ? { userAgent: call.userAgent } : {}),
    },
    target: { resource: 'eks-clusters', name: call.cluster },
    verb: 'UpdateClusterConfig',
    evidence: {
      eventName: 'UpdateClusterConfig',
      cloudTrailEventID: call.eventID,
      clusterLogging: call.clusterLogging,
      disabledTypes: types,
      ...(call.region ? { region: call.region } : {}),
      ...(call.account ? { account: call.account } : {}),
    },
  });
}

// ---------------------------------------------------------------------------------------------
// The audit flags kubeadm will apply: the ClusterConfiguration in kube-system/kubeadm-config

/** Longer than any real ClusterConfiguration: a bigger one is not parsed. */
const MAX_CLUSTER_CONFIGURATION = 256 * 1024;

/** The API server's extra arguments in a ClusterConfiguration: a map (v1beta3) or a list of name/value pairs (v1beta4). */
export function kubeadmApiServerFlags(text: string): ApiServerInvocation['flags'] | undefined {
  if (text.length > MAX_CLUSTER_CONFIGURATION) return undefined;
  let config: unknown;
  try {
    config = parseYaml(text, { maxAliasCount: 10 });
  } catch {
    return undefined;
  }
  const apiServer = asObject(asObject(config)?.apiServer);
  if (!apiServer) return undefined;
  const extra = apiServer.extraArgs;
  const pairs: Array<[string, unknown]> = Array.isArray(extra)
    ? extra.map((e) => [asString(asObject(e)?.name) ?? '', asObject(e)?.value])
    : Object.entries(asObject(extra) ?? {});
  const flags: ApiServerInvocation['flags'] = {};
  for (const [name, value] of pairs)
    if (FLAG_SET.has(name)) flags[name as AuditFlag] = typeof value === 'string' || typeof value === 'number' ? String(value) : '';
  return flags;
}

const kubeadmConfigAudit: Rule = {
  id: 'audit-tampering.kubeadm-config-audit-off',
  title: 'kubeadm cluster configuration no longer enables auditing',
  category: 'audit-tampering',
  severity: 'critical',
  severityReasons:
    'who: a person or unknown identity; what: apiserver audit flags removed from kubeadm-config or a static pod manifest switch the audit log off at the next upgrade or restart: tampering, critical; where: the control plane; evidence: the ConfigMap or manifest body compared with the flags it must hold.',
  description:
    'The ClusterConfiguration in the kube-system/kubeadm-config ConfigMap was updated or patched so that the API server arguments it holds ' +
    'have no audit backend, no audit policy, or a log path of /dev/null. kubeadm regenerates the kube-apiserver static pod manifest from this ' +
    'ConfigMap on every `kubeadm upgrade` and control-plane join, so the change switches auditing off at the next upgrade, long after the edit ' +
    'and without anyone touching a manifest. High; critical when it throws the log away or keeps a backend with no policy. The flags the ' +
    'running API server has are judged by audit-tampering.policy-changed when its mirror pod is registered.',
  attack: ['T1562.008', 'T1562.001'],
  controls: ['CIS-1.2.16', 'CIS-3.2.1', NSA_LOGGING],
  evidenceLevel: 'Request', // the ClusterConfiguration is in the body
  falsePositives:
    'Clusters that configure auditing by editing the kube-apiserver manifest by hand rather than through kubeadm: every `kubeadm upgrade` ' +
    'uploads a ClusterConfiguration without audit flags (and the upgrade removes the hand edits). Move the audit flags into the ClusterConfiguration.',
  remediation:
    'Restore the audit arguments (audit-policy-file, audit-log-path or audit-webhook-config-file) and their extraVolumes in the ClusterConfiguration ' +
    '(`kubectl -n kube-system edit cm kubeadm-config`), check the manifests on every control-plane node, and find who made the change.',
  interest: [{ verbs: ['update', 'patch'], resources: ['configmaps'], contains: ['kubeadm-config'] }],
  evaluate(view) {
    if (view.apiGroup !== '' || view.resource !== 'configmaps' || view.namespace !== 'kube-system' || view.name !== 'kubeadm-config') return undefined;
    if (isPlatform(view.actor) || view.actor.class === 'node') return undefined;
    const text = asString(asObject(changedFields(view)?.data)?.ClusterConfiguration);
    if (text === undefined) return undefined;
    const flags = kubeadmApiServerFlags(text);
    if (!flags) return undefined;
    const judged = judgeFlags(flags);
    if (!judged || judged.severity !== 'critical') return undefined;
    const off = judged.problems[0].startsWith('no audit backend');
    return {
      severity: forActor(view, off ? 'high' : 'critical'),
      summary: `${actorText(view)} ${pastTense(view.verb)} ConfigMap kube-system/kubeadm-config: the next kubeadm upgrade runs the API server with ${judged.problems[0]}`,
      evidence: { auditFlags: flags, problems: judged.problems },
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Events wiped: the cluster's own record of what happened (scheduling, pulls, kills, probes)

const eventsDeleted: Rule = {
  id: 'audit-tampering.events-deleted',
  title: 'Kubernetes Events deleted',
  category: 'audit-tampering',
  severity: 'high',
  severityReasons:
    'who: a person or unknown identity (the event TTL controller is the platform); what: deleting Events in bulk removes the record of what happened in a namespace: tampering, high; where: one step up in system namespaces; evidence: the delete or deletecollection request (Metadata level is enough).',
  description:
    'Someone other than the control plane deleted Kubernetes Events: every Event of a namespace (or of the cluster) at once with ' +
    '`deletecollection` (high), or one by one (low each). Events are where image pulls, killed containers, failed mounts and evictions are ' +
    'recorded; they expire by themselves within an hour, so deleting them early is wiping the tracks of what a workload just did.',
  attack: ['T1070', 'T1562.006'],
  controls: [NSA_LOGGING],
  evidenceLevel: 'Metadata', // verb, resource and actor decide
  falsePositives: "Cleanup scripts on test clusters. The namespace controller removing a deleted namespace's Events is not reported.",
  remediation:
    'Find who deleted them and what they did just before (this audit log still has it); ship Events to durable storage (an event exporter) if they matter.',
  interest: [{ verbs: ['delete', 'deletecollection'], resources: ['events'] }],
  evaluate(view) {
    if (view.resource !== 'events' || view.subresource !== '' || (view.apiGroup !== '' && view.apiGroup !== 'events.k8s.io')) return undefined;
    if (isPlatform(view.actor) || view.actor.class === 'node') return undefined;
    const all = view.verb === 'deletecollection';
    const where = view.namespace ? `namespace ${view.namespace}` : 'every namespace';
    return {
      severity: forActor(view, all ? 'high' : 'low'),
      summary: all
        ? `${actorText(view)} deleted all Events of ${where}`
        : `${actorText(view)} deleted Event ${view.namespace ? `${view.namespace}/` : ''}${view.name}`,
      evidence: { verb: view.verb, ...(view.namespace ? { namespace: view.namespace } : {}) },
    };
  },
};

// ---------------------------------------------------------------------------------------------
// The log shipper removed or starved

const SHIPPER_RESOURCES = ['daemonsets', 'deployments', 'statefulsets'];

/** What a write does to the shipper: deletes it, scales it to zero, or moves its pods off the nodes. Undefined when none. */
function shipperHarm(view: EventView): { severity: Severity; what: string } | undefined {
  if (view.verb === 'delete') return { severity: 'high', what: 'deleted' };
  const changed = changedFields(view);
  const replicas = asObject(changed?.spec)?.replicas;
  if ((view.subresource === 'scale' || view.subresource === '') && replicas === 0) return { severity: 'high', what: 'scaled to zero' };
  if (view.subresource !== '' || view.verb !== 'patch' || view.resource !== 'daemonsets') return undefined;
  const template = asObject(asObject(asObject(changed?.spec)?.template)?.spec);
  if (template?.nodeSelector !== undefined || template?.affinity !== undefined)
    return { severity: 'medium', what: 'given a new nodeSelector or affinity (a DaemonSet whose selector matches no node runs nowhere)' };
  return undefined;
}

const logShipperRemoved: Rule = {
  id: 'audit-tampering.log-shipper-removed',
  title: 'Log shipper deleted or scaled away',
  category: 'audit-tampering',
  severity: 'critical',
  severityReasons:
    "who: a person or unknown identity; what: the log shipper's DaemonSet deleted or scaled away stops audit and container logs leaving the cluster: tampering, critical; where: the shipper's namespace; evidence: the delete, or the change that scales it away (settings.logShippers.names).",
  description:
    "The log shipper's DaemonSet, Deployment or StatefulSet (settings.logShippers.names: Fluent Bit, Fluentd, Vector and the CloudWatch agent by " +
    'default) was deleted or scaled to zero (high), or a patch gave its DaemonSet a new nodeSelector or affinity (medium): the classic way to ' +
    'stop a DaemonSet without deleting it is a nodeSelector no node matches. With the shipper gone, container and node logs stop leaving ' +
    'the cluster while the attacker works. Changes by the control plane (the namespace controller, the garbage collector) are not reported.',
  attack: ['T1562.001', 'T1562.006'],
  controls: [NSA_LOGGING],
  evidenceLevel: 'Metadata', // deletions by name; scaling and scheduling changes need the body
  falsePositives:
    'Uninstalling or replacing the logging stack (helm uninstall); node-pool migrations that move the shipper. Add an exception for the deploying identity.',
  remediation:
    "Restore the shipper from its chart or manifests, check its pods run on every node (`kubectl get ds -A`), and review what happened in the gap from the other sources (this audit log, the nodes' journals).",
  interest: [
    { verbs: ['delete'], resources: SHIPPER_RESOURCES },
    { verbs: ['update', 'patch'], resources: ['daemonsets', 'deployments', 'statefulsets', 'deployments/scale', 'statefulsets/scale'] },
  ],
  evaluate(view, context) {
    if (
      !SHIPPER_RESOURCES.includes(view.resource) ||
      (view.apiGroup !== '' && view.apiGroup !== 'apps') ||
      isPlatform(view.actor) ||
      view.actor.class === 'node'
    )
      return undefined;
    if (!hasNameWord(view.name, context.settings.logShippers.names)) return undefined;
    const harm = shipperHarm(view);
    if (!harm) return undefined;
    const kind = view.resource === 'daemonsets' ? 'DaemonSet' : view.resource === 'deployments' ? 'Deployment' : 'StatefulSet';
    return {
      severity: forActor(view, harm.severity),
      summary: `${actorText(view)} left log shipper ${kind} ${view.namespace}/${view.name} ${harm.what}`,
      evidence: { shipper: view.name, change: harm.what },
    };
  },
};

export const auditTamperingRules: ReadonlyArray<Rule | ExternalDetection> = [
  policyChanged,
  kubeadmConfigAudit,
  eventsDeleted,
  logShipperRemoved,
  oversizeEvent,
  logObjectDeleted,
  logSilence,
  eksAuditLoggingDisabled,
];

import type { Settings } from '../../../../lambdas/core/config/settings';
import { DEFAULT_SETTINGS } from '../../../../lambdas/core/config/settings';
import type { Rule, RuleHit } from '../../../../lambdas/core/detect/rule';
import { severityRank } from '../../../../lambdas/core/finding';
import type { Severity } from '../../../../lambdas/core/finding';
import { CompiledInterest } from '../../../../lambdas/core/read/interest';
import { auditEvent } from '../../../helpers/events';
import { hitsOf } from '../../../helpers/rules';
import type { Ev } from '../../../helpers/shipping';

/* Workload events as the API server audits them, and the checks the tests of the categories about what runs share. */

/** Checks a rule by id in its category's list, so a test names the rule it specifies. */
export function ruleById(rules: readonly Rule[], id: string): Rule {
  const found = rules.find((r) => r.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
}

/** Hits of a rule, checking that its interest would let the event through the reader's pre-check. */
export function fire(r: Rule, event: Ev, settings: Settings = DEFAULT_SETTINGS): RuleHit[] {
  const hits = hitsOf(r, event, settings);
  if (hits.length > 0) {
    const ref = (event.objectRef ?? {}) as { resource?: string; subresource?: string };
    const interest = new CompiledInterest({ selectors: r.interest });
    expect(interest.matches(String(event.verb), ref.resource ?? '', ref.subresource ?? '', () => true)).toBe(true);
  }
  return hits;
}

export const severity = (r: Rule, event: Ev, settings?: Settings): Severity | undefined => {
  const hits = fire(r, event, settings);
  return hits.length ? hits.map((h) => h.severity).sort((a, b) => severityRank(b) - severityRank(a))[0] : undefined;
};

// --- real-shaped events ------------------------------------------------------------------------

export const GROUPS: Record<string, [string, string]> = {
  pods: ['', 'Pod'],
  deployments: ['apps', 'Deployment'],
  daemonsets: ['apps', 'DaemonSet'],
  statefulsets: ['apps', 'StatefulSet'],
  replicasets: ['apps', 'ReplicaSet'],
  jobs: ['batch', 'Job'],
  cronjobs: ['batch', 'CronJob'],
};

export const HUMAN = { username: 'alice@example.com', groups: ['developers', 'system:authenticated'] };
export const FOREIGN_SA = {
  username: 'system:serviceaccount:ci:deployer',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'],
};
export const ANONYMOUS = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
export const controllerSA = (name: string) => ({
  username: `system:serviceaccount:kube-system:${name}`,
  groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
});
export const NODE = { username: 'system:node:ip-10-0-1-5.ec2.internal', groups: ['system:nodes', 'system:authenticated'] };

/** The object of a workload kind wrapping a pod spec where that kind keeps it. */
export function objectOf(
  resource: string,
  namespace: string,
  name: string,
  podSpec: Record<string, unknown>,
  metadata: Record<string, unknown> = {},
): Record<string, unknown> {
  const [group, kind] = GROUPS[resource];
  const apiVersion = group ? `${group}/v1` : 'v1';
  const meta = { name, namespace, ...metadata };
  if (resource === 'pods') return { kind, apiVersion, metadata: meta, spec: podSpec };
  if (resource === 'cronjobs')
    return { kind, apiVersion, metadata: meta, spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: { spec: podSpec } } } } };
  return {
    kind,
    apiVersion,
    metadata: meta,
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: podSpec } },
  };
}

export interface WriteOptions {
  verb?: 'create' | 'update' | 'patch';
  namespace?: string;
  name?: string;
  user?: Record<string, unknown>;
  /** Request: the request body only; RequestResponse: both; Metadata: neither. */
  level?: 'Metadata' | 'Request' | 'RequestResponse';
  patch?: unknown;
  metadata?: Record<string, unknown>;
  extra?: Ev;
}

/** A create/update/patch of a workload as the API server audits it. */
export function workloadWrite(resource: string, podSpec: Record<string, unknown>, o: WriteOptions = {}): Ev {
  const verb = o.verb ?? 'create';
  const namespace = o.namespace ?? 'default';
  const name = o.name ?? 'web';
  const level = o.level ?? 'RequestResponse';
  const [group] = GROUPS[resource];
  const prefix = group ? `/apis/${group}/v1` : '/api/v1';
  const object = objectOf(resource, namespace, name, podSpec, o.metadata);
  const request = verb === 'patch' ? o.patch : object;
  return auditEvent({
    level,
    verb,
    user: o.user ?? HUMAN,
    requestURI: `${prefix}/namespaces/${namespace}/${resource}${verb === 'create' ? '' : `/${name}`}`,
    objectRef: { resource, namespace, name, apiVersion: 'v1', ...(group ? { apiGroup: group } : {}) },
    responseStatus: { metadata: {}, code: verb === 'create' ? 201 : 200 },
    ...(level !== 'Metadata' ? { requestObject: request } : {}),
    ...(level === 'RequestResponse' ? { responseObject: object } : {}),
    ...o.extra,
  });
}

export const privileged = (name = 'app', image = 'registry.example.com/app:1.2') => ({ containers: [{ name, image, securityContext: { privileged: true } }] });
export const plain = (image = 'registry.example.com/app:1.2') => ({ containers: [{ name: 'app', image }] });
export const failed = (e: Ev): Ev => ({ ...e, responseStatus: { metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403 } });
export const dryRun = (e: Ev): Ev => ({ ...e, requestURI: `${String(e.requestURI)}?dryRun=All` });
export const requestReceived = (e: Ev): Ev => ({ ...e, stage: 'RequestReceived', responseStatus: undefined, responseObject: undefined });

import type { EventView, JsonObject } from '../../detect/event-view';
import { asObject, asString } from '../../detect/event-view';
import type { RuleHit } from '../../detect/rule';
import type { Severity } from '../../finding';
import { maxSeverity, severityRank } from '../../finding';
import { patchedFields } from '../../k8s/patch';
import type { PodRisk } from '../../k8s/pod-security';
import { COMMAND_KINDS, PRIVILEGE_KINDS, analyzePodSpec } from '../../k8s/pod-security';
import { RESOURCE_KIND, containersOf, isBuiltInWorkload, writtenPodSpec } from '../../k8s/pod-spec';
import { actorText, inSystemNamespace, isBaseline, raise } from './common';

/*
 * Helpers the rules about what runs share (privileged-workload, daemonset, cronjob, controller,
 * untrusted-image): how summaries name a workload and its risks, which writes carry a pod
 * template, and how persistence by DaemonSets, CronJobs and Jobs is judged.
 *
 * Who acted decides severity. The control plane and kube-system controllers are the baseline:
 * a ReplicaSet controller creating a privileged pod is the cluster doing what someone asked, so
 * the rules name that someone where the template was written (the Deployment, DaemonSet, ...).
 * Nodes create only their own mirror pods (NodeRestriction), judged by their own rule.
 */

/** The verbs that write a pod template. */
export const TEMPLATE_WRITES = ['create', 'update', 'patch'] as const;
const MAX_LISTED = 4;

// --- wording ---------------------------------------------------------------------------------

export function did(verb: string): string {
  return verb === 'create' ? 'created' : verb === 'update' ? 'updated' : verb === 'patch' ? 'patched' : `${verb} on`;
}

/** `DaemonSet kube-system/agent`; generated names show their prefix. */
export function target(view: EventView, written?: JsonObject): string {
  const metadata = asObject(written?.metadata);
  const generate = asString(metadata?.generateName);
  const name = view.name || asString(metadata?.name) || (generate ? `${generate}*` : '(unnamed)');
  const kind = RESOURCE_KIND[view.resource] ?? view.resource;
  return `${kind} ${view.namespace ? `${view.namespace}/` : ''}${name}`;
}

export function listed(texts: readonly string[]): string {
  const unique = [...new Set(texts)];
  const head = unique.slice(0, MAX_LISTED).join(', ');
  return unique.length > MAX_LISTED ? `${head} and ${unique.length - MAX_LISTED} more` : head;
}

export function riskEvidence(risks: readonly PodRisk[]): JsonObject[] {
  return risks.map((r) => ({
    kind: r.kind,
    severity: r.severity,
    ...(r.container ? { container: r.container, containerKind: r.containerKind } : {}),
    ...r.evidence,
  }));
}

export function imagesOf(spec: JsonObject | undefined): string[] {
  return spec ? [...new Set(containersOf(spec).flatMap((c) => asString(c.container.image) ?? []))] : [];
}

// --- who acted ------------------------------------------------------------------------------

export const isAnonymous = (view: EventView): boolean => view.actor.class === 'anonymous';
export const isHuman = (view: EventView): boolean => view.actor.class === 'user';

/** The plain (no subresource) built-in workload a rule is about. */
export function isWorkloadWrite(view: EventView, resources: readonly string[]): boolean {
  return view.subresource === '' && resources.includes(view.resource) && isBuiltInWorkload(view) && (TEMPLATE_WRITES as readonly string[]).includes(view.verb);
}

export const privilegeRisks = (spec: JsonObject): PodRisk[] => analyzePodSpec(spec).filter((r) => PRIVILEGE_KINDS.has(r.kind));

// --- persistence: daemonset, cronjob (and jobs) ----------------------------------------------

export interface PersistenceProfile {
  /** What running this kind means, for summaries. */
  reach: string;
  /** Benign creations: by a person, by a service account (undefined: not reported). */
  createdByHuman?: Severity;
  createdByServiceAccount?: Severity;
  /** Benign template changes by a person (service accounts: not reported). */
  changedByHuman?: Severity;
  /** What tolerating every taint adds: for a DaemonSet, control-plane and tainted nodes. */
  toleratesAll: Severity;
  extraEvidence?: (object: JsonObject | undefined) => JsonObject;
}

/**
 * DaemonSets, CronJobs and Jobs are how code is kept running: on every node, or again on a
 * schedule after someone cleans up. A benign one written by a person is worth a line; the
 * severity grows with what the template does and where it runs.
 */
export function persistentWorkloadHit(view: EventView, profile: PersistenceProfile): RuleHit | undefined {
  if (isBaseline(view)) return undefined;
  const written = writtenPodSpec(view);
  const object = view.object ?? patchedFields(view.patch);
  const what = target(view, object);
  const systemNs = inSystemNamespace(view.namespace);
  const creating = view.verb === 'create';
  let base: Severity | undefined = creating
    ? isHuman(view)
      ? profile.createdByHuman
      : profile.createdByServiceAccount
    : isHuman(view)
      ? profile.changedByHuman
      : undefined;
  if (isAnonymous(view)) base = 'critical';

  if (!written) {
    // A patch that sets nothing under the pod template changed no code (labels, replicas, schedule).
    if (view.verb === 'patch' && view.patch !== undefined) return undefined;
    if (!view.missingEvidence && view.object) return undefined; // logged, but carries no template: nothing runs
    const floor: Severity = creating ? 'low' : 'info';
    const severity = systemNs ? maxSeverity(raise(base ?? floor), creating ? 'medium' : 'low') : base;
    if (!severity) return undefined;
    return {
      severity,
      summary: `${actorText(view)} ${did(view.verb)} ${what}${systemNs ? ` in system namespace ${view.namespace}` : ''}; pod template not logged (${view.missingEvidence ?? 'no body'})`,
      evidence: { systemNamespace: systemNs },
    };
  }

  const risks = analyzePodSpec(written.spec).filter((r) => r.kind !== 'node-name');
  const reasons: string[] = [];
  const factors = new Set<string>();
  let severity: Severity | undefined = base;
  const add = (s: Severity, reason: string, factor?: string): void => {
    severity = severity === undefined ? s : maxSeverity(severity, s);
    reasons.push(reason);
    if (factor) factors.add(factor);
  };
  for (const r of risks) {
    if (r.kind === 'tolerates-all-taints') add(profile.toleratesAll, r.text, 'tolerates-all');
    else if (COMMAND_KINDS.has(r.kind)) add(r.severity, r.text, 'command');
    else add(r.severity, r.text, severityRank(r.severity) >= severityRank('high') ? 'host-escape' : undefined);
  }
  if (systemNs) add('medium', `in system namespace ${view.namespace}`, 'system-namespace');
  if (severity === undefined) return undefined;
  // Several at once is the shape of an implant: a privileged agent in kube-system on every node.
  if (factors.size >= 2 && severityRank(severity) >= severityRank('high')) severity = 'critical';
  const partial = written.source === 'patch' ? ' (as far as the patch shows)' : '';
  return {
    severity,
    summary: `${actorText(view)} ${did(view.verb)} ${what} (${profile.reach})${reasons.length ? `: ${listed(reasons)}` : ''}${partial}`,
    evidence: {
      images: imagesOf(written.spec),
      ...(risks.length ? { risks: riskEvidence(risks) } : {}),
      systemNamespace: systemNs,
      ...profile.extraEvidence?.(object),
    },
  };
}

import type { EventView, JsonObject } from '../../detect/event-view';
import { asArray, asObject, asString } from '../../detect/event-view';
import type { RuleHit } from '../../detect/rule';
import type { Severity } from '../../finding';
import { maxSeverity, severityRank } from '../../finding';
import { patchedFields } from '../../k8s/patch';
import type { PodRisk } from '../../k8s/pod-security';
import { COMMAND_KINDS, PRIVILEGE_KINDS, analyzePodSpec } from '../../k8s/pod-security';
import type { WrittenPodSpec } from '../../k8s/pod-spec';
import { RESOURCE_KIND, containersOf, isBuiltInWorkload, podSpecOf, writtenPodSpec } from '../../k8s/pod-spec';
import { isGitOpsController } from '../../detect/identity';
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

// --- what a write changed --------------------------------------------------------------------

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * How the risks a write introduced were told apart from those the workload already had:
 * - `create`: everything is new;
 * - `patch`: the patch body names what changed (JSON, merge and strategic-merge patches);
 * - `unchanged`: the API server's response shows the spec did not move (generation equals the
 *   observed generation, which an update of the object itself cannot set);
 * - `last-applied`: compared with kubectl's last-applied configuration the request carried (the
 *   requester wrote it, so only risks it already shows are lowered, never hidden);
 * - `full-object`: the whole object was re-sent (update, server-side apply) and the log does not
 *   show the previous one: every risk may be new, rated one step lower.
 */
export type ChangeBasis = 'create' | 'patch' | 'unchanged' | 'last-applied' | 'full-object';

export interface SpecChange {
  written: WrittenPodSpec;
  basis: ChangeBasis;
  /** Risks of the written spec this request introduced, or may have (`full-object`). */
  added: PodRisk[];
  /** Risks of the written spec the request is known not to have introduced. */
  kept: PodRisk[];
  /** Whether the request changed what runs (images, commands) without adding risks: a tag bump. */
  changedCode: boolean;
  /** For summaries: why severity is not that of the whole spec. */
  note?: string;
}

const PLACEHOLDER_NAME = /^(containers|initContainers|ephemeralContainers)\[(\d+)\]$/;

/** A risk's identity across two views of one spec, so the same risk in a patch and in the response match. */
function riskKey(r: PodRisk, full?: JsonObject): string {
  let container = r.container ?? '';
  const placeholder = PLACEHOLDER_NAME.exec(container);
  if (placeholder && full) {
    // a JSON patch addresses containers by index; the response names them
    const named = asObject(([] as unknown[]).concat(full[placeholder[1]] ?? [])[Number(placeholder[2])]);
    container = asString(named?.name) ?? container;
  }
  const detail = r.kind === 'host-path' ? asString(r.evidence.volume) : JSON.stringify(r.evidence);
  return `${r.kind}|${r.containerKind ?? ''}|${container}|${detail ?? ''}`;
}

/** Names of the containers a partial spec touches (resolved against the full spec for JSON patches). */
export function touchedContainers(partial: JsonObject, full: JsonObject): ContainerTouch[] {
  return containersOf(partial).map((ref) => {
    const placeholder = PLACEHOLDER_NAME.exec(ref.name);
    const resolved = placeholder ? asString(asObject(([] as unknown[]).concat(full[placeholder[1]] ?? [])[ref.index])?.name) : undefined;
    return { name: resolved ?? ref.name, container: ref.container };
  });
}

export interface ContainerTouch {
  name: string;
  container: JsonObject;
}

/** A server-side apply patch is the whole intended object (with apiVersion and kind), not a diff. */
function isWholeObjectPatch(patch: unknown): boolean {
  const o = asObject(patch);
  return o !== undefined && typeof o.apiVersion === 'string' && typeof o.kind === 'string';
}

function generationUnchanged(view: EventView): boolean {
  const response = asObject(view.event.responseObject);
  const generation = asObject(response?.metadata)?.generation;
  const observed = asObject(response?.status)?.observedGeneration;
  return typeof generation === 'number' && generation === observed;
}

function lastAppliedSpec(view: EventView): JsonObject | undefined {
  const request = asObject(view.event.requestObject);
  const text = asString(asObject(asObject(request?.metadata)?.annotations)?.[LAST_APPLIED]);
  if (!text || text.length > 1_000_000) return undefined;
  try {
    return podSpecOf(view.resource, asObject(JSON.parse(text) as unknown));
  } catch {
    return undefined; // not JSON: nothing to compare with
  }
}

/**
 * What a create, update or patch of a workload changed in its pod spec, as far as the log shows.
 * Undefined when no pod spec was written (see `writtenPodSpec`).
 */
export function specChange(view: EventView, kinds: (risk: PodRisk) => boolean = () => true): SpecChange | undefined {
  const written = writtenPodSpec(view);
  if (!written) return undefined;
  const all = analyzePodSpec(written.spec).filter(kinds);
  const split = (basis: ChangeBasis, isNew: (r: PodRisk) => boolean, changedCode: boolean, note?: string): SpecChange => ({
    written,
    basis,
    added: all.filter(isNew),
    kept: all.filter((r) => !isNew(r)),
    changedCode,
    ...(note ? { note } : {}),
  });
  if (view.verb === 'create') return split('create', () => true, true);
  if (view.verb === 'patch' && written.patched && !isWholeObjectPatch(view.patch)) {
    const touched = touchedContainers(written.patched, written.spec);
    const fromPatch = new Set(analyzePodSpec(written.patched).map((r) => riskKey(r, written.spec)));
    // Mounting a host volume the spec already declares is new host access too.
    const mounted = new Set(touched.flatMap((t) => asArray(t.container.volumeMounts).flatMap((m) => asString(asObject(m)?.name) ?? [])));
    const changedCode = touched.some((t) => t.container.image !== undefined || t.container.command !== undefined || t.container.args !== undefined);
    return split(
      'patch',
      (r) => fromPatch.has(riskKey(r, written.spec)) || (r.kind === 'host-path' && mounted.has(asString(r.evidence.volume) ?? '')),
      changedCode,
    );
  }
  if (generationUnchanged(view))
    return split('unchanged', () => false, false, 'the response shows the pod template did not change (generation equals observedGeneration)');
  const previous = view.verb === 'update' ? lastAppliedSpec(view) : undefined;
  if (previous) {
    const before = new Set(analyzePodSpec(previous).map((r) => riskKey(r)));
    return split('last-applied', (r) => !before.has(riskKey(r)), true, 'compared with the last-applied configuration the request carried');
  }
  return split('full-object', () => true, true, 'the whole object was re-sent and the log does not show the previous one, so what changed is unknown');
}

/** Severity for risks that may be new but could not be told apart from old ones. */
export const lowerOneStep = (s: Severity): Severity => (s === 'critical' ? 'high' : s === 'high' ? 'medium' : s === 'medium' ? 'low' : 'info');

/** A GitOps controller re-applying a workload whose privileges did not change: its Git history shows the change. */
export const isGitOpsRollout = (view: EventView, change: SpecChange): boolean => isGitOpsController(view.actor) && change.added.length === 0;

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

  // Judged by what the request changed: a tag bump of a privileged DaemonSet adds no privilege.
  const change = specChange(view, (r) => r.kind !== 'node-name');
  const risks = change?.added ?? [];
  const kept = change?.kept ?? [];
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
  // Where it runs is news when it starts running there, or when new risks are added there.
  if (systemNs && (creating || risks.length > 0)) add('medium', `in system namespace ${view.namespace}`, 'system-namespace');
  if (severity === undefined) return undefined;
  // Several at once is the shape of an implant: a privileged agent in kube-system on every node.
  if (factors.size >= 2 && severityRank(severity) >= severityRank('high')) severity = 'critical';
  if (change?.basis === 'full-object' && risks.length > 0 && !isAnonymous(view)) severity = lowerOneStep(severity);
  const note = change && risks.length > 0 && (change.basis === 'full-object' || change.basis === 'last-applied') ? ` (${change.note})` : '';
  const already = kept.length > 0 && reasons.length === 0 ? `; risks it already had: ${listed(kept.map((r) => r.text))}` : '';
  const partial = written.source === 'patch' ? ' (as far as the patch shows)' : '';
  return {
    severity,
    summary: `${actorText(view)} ${did(view.verb)} ${what} (${profile.reach})${reasons.length ? `: ${listed(reasons)}` : ''}${partial}${note}${already}`,
    evidence: {
      images: imagesOf(written.spec),
      ...(risks.length ? { risks: riskEvidence(risks) } : {}),
      ...(kept.length ? { alreadyThere: riskEvidence(kept) } : {}),
      ...(change ? { changeBasis: change.basis } : {}),
      systemNamespace: systemNs,
      ...profile.extraEvidence?.(object),
    },
  };
}

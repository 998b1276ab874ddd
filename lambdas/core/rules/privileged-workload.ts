import type { EventView, JsonObject } from '../detect/event-view';
import { asArray, asObject, asString } from '../detect/event-view';
import { isGitOpsController, isPlatform } from '../detect/identity';
import type { Rule, RuleHit } from '../detect/rule';
import type { Severity } from '../finding';
import { maxSeverity, severityRank } from '../finding';
import { patchedFields } from '../k8s/patch';
import { PRIVILEGE_KINDS, highestSeverity } from '../k8s/pod-security';
import { TEMPLATE_RESOURCES, containersOf, podSpecOf } from '../k8s/pod-spec';
import { actorText, inSystemNamespace, isBaseline } from './support/common';
import type { SpecChange } from './support/pod-templates';
import {
  TEMPLATE_WRITES,
  did,
  imagesOf,
  isAnonymous,
  isGitOpsRollout,
  isWorkloadWrite,
  listed,
  lowerOneStep,
  privilegeRisks,
  riskEvidence,
  specChange,
  target,
  touchedContainers,
} from './support/pod-templates';
import { rate, whereOf } from '../detect/rubric';

/*
 * privileged-workload: pods and pod templates with privileged or host access, and ephemeral
 * containers injected into running pods. ATT&CK v16 technique ids. Who acted decides severity
 * (see support/pod-templates.ts): a controller making a pod from a template is the baseline, and
 * the template's author is reported where it was written.
 */

/** Scheduling context an analyst wants beside a privileged spec: where it lands. */
function placement(spec: JsonObject): JsonObject {
  const out: JsonObject = {};
  if (asString(spec.nodeName)) out.nodeName = spec.nodeName;
  if (asObject(spec.nodeSelector)) out.nodeSelector = spec.nodeSelector;
  const tolerateAll = asArray(spec.tolerations).filter((t) => asObject(t)?.operator === 'Exists' && !asString(asObject(t)?.key));
  if (tolerateAll.length > 0) out.tolerations = tolerateAll;
  return out;
}

const PRIVILEGE_CONTROLS = [
  'CIS-5.2.2',
  'CIS-5.2.3',
  'CIS-5.2.4',
  'CIS-5.2.5',
  'CIS-5.2.6',
  'CIS-5.2.7',
  'CIS-5.2.8',
  'CIS-5.2.9',
  'CIS-5.2.11',
  'CIS-5.2.12',
  'CIS-5.7.3',
  'NSA-CISA-k8s: Kubernetes Pod security',
];

/** The hit for a privileged spec written by a non-baseline identity, judged by what the request changed. */
function privilegedSpecHit(view: EventView, change: SpecChange, what: string): RuleHit | undefined {
  const { written } = change;
  const risks = change.added;
  const highest = highestSeverity(risks);
  if (!highest) return alreadyPrivileged(view, change, what);
  const lowered = change.basis === 'full-object' ? lowerOneStep(highest) : highest;
  const severity = isAnonymous(view) ? 'critical' : lowered;
  const partial = written.source === 'patch' ? ' (as far as the patch shows)' : '';
  // The summary names what matters; minor findings (root user, NET_RAW) stay in the evidence.
  const notable = risks.filter((r) => severityRank(r.severity) >= severityRank('medium'));
  const shown = notable.length > 0 ? notable : risks;
  const setByPatch = written.patched ? privilegeRisks(written.patched).map((r) => r.text) : undefined;
  const note = change.basis === 'full-object' || change.basis === 'last-applied' ? ` (${change.note})` : '';
  return {
    severity,
    summary: `${actorText(view)} ${did(view.verb)} ${what} with ${listed(shown.map((r) => r.text))}${partial}${note}`,
    evidence: {
      risks: riskEvidence(risks),
      images: imagesOf(written.spec),
      ...placement(written.spec),
      ...(setByPatch ? { setByThisPatch: setByPatch } : {}),
      ...(change.kept.length > 0 ? { alreadyThere: change.kept.map((r) => r.text) } : {}),
      changeBasis: change.basis,
    },
  };
}

/**
 * A change that adds no privilege to a workload that already has it: no new privilege, but new
 * code may now run with the old one (an image or command swapped). Low for people and unknown
 * identities; a GitOps controller rolling out a new image is how deployments work.
 */
function alreadyPrivileged(view: EventView, change: SpecChange, what: string): RuleHit | undefined {
  const notable = change.kept.filter((r) => severityRank(r.severity) >= severityRank('medium'));
  if (notable.length === 0 || !change.changedCode || change.basis === 'unchanged' || isGitOpsRollout(view, change)) return undefined;
  return {
    severity: isAnonymous(view) ? 'critical' : 'low',
    summary: `${actorText(view)} ${did(view.verb)} ${what}, changing what runs with privileges it already had (${listed(notable.map((r) => r.text))}); the request added none`,
    evidence: { alreadyThere: riskEvidence(notable), images: imagesOf(change.written.spec), changeBasis: change.basis },
  };
}

const privilegedPod: Rule = {
  id: 'workload.privileged-pod',
  title: 'Pod with privileged or host access created',
  category: 'privileged-workload',
  severity: 'critical',
  severityReasons:
    "who: a person or unknown identity writing the pod; a controller's pod outside system namespaces speaks for the template's unseen author (medium; a DaemonSet's pods are node agents, info); what: the worst pod security risk decides (privileged, host namespaces and paths, capabilities); anonymous: critical.",
  description:
    'A pod was created with a spec that breaks or weakens the container boundary: privileged containers, the host PID, network or IPC ' +
    "namespace, hostPath volumes (the root filesystem, the container runtime socket, /etc, the kubelet's directory rate highest), dangerous " +
    'added capabilities (SYS_ADMIN, SYS_MODULE, BPF, SYS_PTRACE, ...), allowPrivilegeEscalation or an explicit root user, in any of its ' +
    'containers, init containers or ephemeral containers. Such a pod is one command away from root on the node, and from there from every ' +
    'credential the node holds. Pods created by the kube-system controllers from a template are reported as information only outside system ' +
    'namespaces: the person who wrote the template is named by workload.privileged-template.',
  attack: ['T1610', 'T1611'],
  controls: PRIVILEGE_CONTROLS,
  evidenceLevel: 'Request', // the pod spec is in the body
  falsePositives:
    'Node agents (CNI, CSI drivers, log and metrics collectors, security agents) and `kubectl debug node/...` need host access. Except their ' +
    'deploying identity and namespace with a reason, never their image name.',
  remediation:
    'Confirm who created the pod and why; delete it if unexpected and look at what it did on its node (exec, files under the mounted paths, new ' +
    'static pods or SSH keys). Enforce the Pod Security Admission `baseline` or `restricted` level on namespaces that do not run node agents.',
  interest: [{ verbs: TEMPLATE_WRITES, resources: ['pods'] }],
  evaluate(view) {
    if (!isWorkloadWrite(view, ['pods']) || view.actor.class === 'node') return undefined;
    if (isPlatform(view.actor)) return controllerMadePod(view);
    // A pod's spec is immutable once created, apart from images, tolerations, activeDeadlineSeconds
    // and ephemeral containers (their own subresource, workload.ephemeral-container): an update or
    // patch never makes a privileged pod, whatever the response shows. It can swap the image of a
    // container that already was privileged, which a patch body shows.
    if (view.verb !== 'create') return imageSwapInPrivilegedPod(view);
    const change = specChange(view, (r) => PRIVILEGE_KINDS.has(r.kind));
    if (!change) return undefined;
    return privilegedSpecHit(view, change, target(view, view.object ?? patchedFields(view.patch)));
  },
};

/** A patch of an existing pod that replaces the image of a container the response shows privileged. */
function imageSwapInPrivilegedPod(view: EventView): RuleHit | undefined {
  if (view.verb !== 'patch') return undefined;
  const change = specChange(view, (r) => PRIVILEGE_KINDS.has(r.kind));
  if (!change || change.written.source !== 'object' || !change.written.patched) return undefined;
  const swapped = new Set(
    touchedContainers(change.written.patched, change.written.spec)
      .filter((t) => t.container.image !== undefined)
      .map((t) => t.name),
  );
  const privileged = change.kept.filter((r) => severityRank(r.severity) >= severityRank('medium') && (r.container === undefined || swapped.has(r.container)));
  if (swapped.size === 0 || privileged.length === 0 || isGitOpsController(view.actor)) return undefined;
  return {
    severity: isAnonymous(view) ? 'critical' : 'low',
    summary: `${actorText(view)} replaced an image in ${target(view, view.object)}, which already ran with ${listed(privileged.map((r) => r.text))}; a pod's privileges cannot change after creation`,
    evidence: { alreadyThere: riskEvidence(privileged), images: imagesOf(change.written.spec), changeBasis: change.basis },
  };
}

/**
 * Baseline: a controller made this pod from a template someone else wrote. Outside system
 * namespaces a risky one is noted (info), so the pod is findable; inside them it is how stock
 * node agents (kube-proxy, aws-node, CSI drivers) run.
 */
function controllerMadePod(view: EventView): RuleHit | undefined {
  if (view.verb !== 'create' || inSystemNamespace(view.namespace)) return undefined;
  const spec = podSpecOf('pods', view.object);
  if (!spec) return undefined;
  const risks = privilegeRisks(spec).filter((r) => severityRank(r.severity) >= severityRank('medium'));
  if (risks.length === 0) return undefined;
  const owner = asObject(asArray(asObject(view.object?.metadata)?.ownerReferences)[0]);
  const from = owner ? ` from ${asString(owner.kind) ?? 'owner'} ${asString(owner.name) ?? ''}`.trimEnd() : '';
  return {
    // A DaemonSet's pods are how node agents run; any other owner's template author is not in this
    // event, so the pod speaks for an unknown identity creating a privileged workload.
    severity:
      asString(owner?.kind) === 'DaemonSet' ? 'info' : rate({ who: 'unknown', what: 'persistence', where: whereOf(view), evidence: 'body', judged: 'low' }),
    summary: `${actorText(view)} created ${target(view, view.object)}${from} with ${listed(risks.map((r) => r.text))} (controller baseline; the template's author is reported where it was written)`,
    evidence: { risks: riskEvidence(risks), ...(owner ? { owner: { kind: owner.kind, name: owner.name } } : {}) },
  };
}

const privilegedTemplate: Rule = {
  id: 'workload.privileged-template',
  title: 'Workload with a privileged pod template created or changed',
  category: 'privileged-workload',
  severity: 'critical',
  severityReasons:
    'who: a person or unknown identity (the platform is the baseline); what: the worst pod security risk in the template decides, up to critical for host escapes; evidence: needs the body, a patch is judged as far as it shows; anonymous: critical.',
  description:
    'A Deployment, DaemonSet, StatefulSet, ReplicaSet, ReplicationController, Job or CronJob was created, replaced or patched so that its pod ' +
    'template is privileged, shares host namespaces, mounts host paths or adds dangerous capabilities (see workload.privileged-pod). The pods ' +
    'themselves are created by controllers; this names the person or service account that wrote the template. Patches are read from the ' +
    'response when it was logged and from the patch body otherwise, so a patch that flips one container to privileged is caught.',
  attack: ['T1610', 'T1611'],
  controls: PRIVILEGE_CONTROLS,
  evidenceLevel: 'Request', // the pod template is in the body
  falsePositives:
    'Deploying or upgrading node agents (CNI, CSI, monitoring, security agents) by their operators or GitOps controllers. Except the deploying ' +
    'identity and namespace, with a reason and an expiry.',
  remediation:
    'Check the change against the deployment pipeline; roll it back if unexpected and inspect the nodes its pods ran on. Enforce Pod Security ' +
    'Admission on the namespace, and restrict who may write workloads there.',
  interest: [{ verbs: TEMPLATE_WRITES, resources: TEMPLATE_RESOURCES }],
  evaluate(view) {
    if (!isWorkloadWrite(view, TEMPLATE_RESOURCES) || isBaseline(view)) return undefined;
    const change = specChange(view, (r) => PRIVILEGE_KINDS.has(r.kind));
    if (!change) return undefined;
    return privilegedSpecHit(view, change, target(view, view.object ?? patchedFields(view.patch)));
  },
};

const ephemeralContainer: Rule = {
  id: 'workload.ephemeral-container',
  title: 'Ephemeral container injected into a running pod',
  category: 'privileged-workload',
  severity: 'critical',
  severityReasons:
    "who: anyone but the platform; what: running any image inside a running pod's namespaces with its identity: high, critical when the injected container is privileged or the pod shares the host's namespaces; anonymous: critical.",
  description:
    'An ephemeral container was added to a running pod through the pods/ephemeralcontainers subresource (`kubectl debug`). It runs any image ' +
    "and command inside the pod's namespaces, with the pod's service account and volumes, and can target another container's process " +
    'namespace: a way to run code in a workload without changing its spec or image, and to read its secrets. Raised to critical when the ' +
    "injected container is privileged or the pod shares the host's namespaces.",
  attack: ['T1609', 'T1610', 'T1611'],
  controls: ['CIS-5.2.2', 'NSA-CISA-k8s: Kubernetes Pod security'],
  evidenceLevel: 'Metadata', // any injection is raised from the subresource; the container spec needs the body
  falsePositives: 'Engineers debugging production pods with `kubectl debug`. Except the on-call group for the namespaces they own.',
  remediation:
    'Ask the actor what they debugged and why; compare the image and command with your debug tooling. Restrict `pods/ephemeralcontainers` ' +
    'update and patch to a break-glass role.',
  interest: [{ verbs: ['update', 'patch'], resources: ['pods/ephemeralcontainers'] }],
  evaluate(view) {
    if (view.resource !== 'pods' || view.subresource !== 'ephemeralcontainers' || isPlatform(view.actor)) return undefined;
    if (view.verb !== 'update' && view.verb !== 'patch') return undefined;
    const pod = target(view);
    const base: Severity = isAnonymous(view) ? 'critical' : 'high';
    const spec = podSpecOf('pods', view.object);
    const patched = podSpecOf('pods', patchedFields(view.patch));
    const injectedNames = new Set(
      containersOf(patched ?? {})
        .filter((c) => c.kind === 'ephemeralContainer')
        .map((c) => c.name),
    );
    // Full definitions from the response when logged; the patch's own entries otherwise. An update
    // re-sends every ephemeral container, so without a patch all of them are listed.
    const all = containersOf(spec ?? patched ?? {}).filter((c) => c.kind === 'ephemeralContainer');
    const named = injectedNames.size > 0 && spec ? all.filter((c) => injectedNames.has(c.name)) : all;
    const injected = named.length > 0 ? named : containersOf(patched ?? {}).filter((c) => c.kind === 'ephemeralContainer');
    if (injected.length === 0) {
      return { severity: base, summary: `${actorText(view)} injected an ephemeral container into ${pod}; the container spec was not logged` };
    }
    const names = new Set(injected.map((c) => c.name));
    const podSpec = spec ?? patched ?? {};
    const risks = privilegeRisks({ ...podSpec, containers: [], initContainers: [], ephemeralContainers: injected.map((c) => c.container) }).filter(
      (r) => r.kind !== 'host-path' || asArray(r.evidence.mounts).some((m) => names.has(asString(asObject(m)?.container) ?? '')),
    );
    const severity = maxSeverity(base, risks.some((r) => severityRank(r.severity) >= severityRank('high')) ? 'critical' : base);
    const described = injected.map((c) => {
      const image = asString(c.container.image);
      const targetName = asString(c.container.targetContainerName);
      return `${c.name}${image ? ` (image ${image})` : ''}${targetName ? ` targeting container ${targetName}` : ''}`;
    });
    return {
      severity,
      summary: `${actorText(view)} injected ephemeral container ${listed(described)} into ${pod}${risks.length ? ` with ${listed(risks.map((r) => r.text))}` : ''}`,
      evidence: {
        containers: injected.map((c) => ({
          name: c.name,
          image: c.container.image,
          ...(c.container.command ? { command: c.container.command } : {}),
          ...(c.container.args ? { args: c.container.args } : {}),
          ...(c.container.targetContainerName ? { targetContainerName: c.container.targetContainerName } : {}),
          ...(c.container.securityContext ? { securityContext: c.container.securityContext } : {}),
        })),
        ...(risks.length ? { risks: riskEvidence(risks) } : {}),
      },
    };
  },
};

export const privilegedWorkloadRules: readonly Rule[] = [privilegedPod, privilegedTemplate, ephemeralContainer];

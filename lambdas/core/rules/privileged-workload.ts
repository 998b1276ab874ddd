import type { EventView, JsonObject } from '../detect/event-view';
import { asArray, asObject, asString } from '../detect/event-view';
import { isPlatform } from '../detect/identity';
import type { Rule, RuleHit } from '../detect/rule';
import type { Severity } from '../finding';
import { maxSeverity, severityRank } from '../finding';
import { patchedFields } from '../k8s/patch';
import { highestSeverity } from '../k8s/pod-security';
import type { WrittenPodSpec } from '../k8s/pod-spec';
import { TEMPLATE_RESOURCES, containersOf, podSpecOf, writtenPodSpec } from '../k8s/pod-spec';
import { actorText, inSystemNamespace, isBaseline } from './support/common';
import { TEMPLATE_WRITES, did, imagesOf, isAnonymous, isHuman, isWorkloadWrite, listed, privilegeRisks, riskEvidence, target } from './support/pod-templates';
import { rate, whereOf } from './support/rubric';

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

/** The hit for a privileged spec written by a non-baseline identity. */
function privilegedSpecHit(view: EventView, written: WrittenPodSpec, what: string): RuleHit | undefined {
  const risks = privilegeRisks(written.spec);
  const highest = highestSeverity(risks);
  if (!highest) return undefined;
  const severity = isAnonymous(view) ? 'critical' : highest;
  const partial = written.source === 'patch' ? ' (as far as the patch shows)' : '';
  // The summary names what matters; minor findings (root user, NET_RAW) stay in the evidence.
  const notable = risks.filter((r) => severityRank(r.severity) >= severityRank('medium'));
  const shown = notable.length > 0 ? notable : risks;
  const setByPatch = written.patched ? privilegeRisks(written.patched).map((r) => r.text) : undefined;
  return {
    severity,
    summary: `${actorText(view)} ${did(view.verb)} ${what} with ${listed(shown.map((r) => r.text))}${partial}`,
    evidence: {
      risks: riskEvidence(risks),
      images: imagesOf(written.spec),
      ...placement(written.spec),
      ...(setByPatch ? { setByThisPatch: setByPatch } : {}),
    },
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
    // A pod's spec is immutable apart from its images: an update can only swap what runs inside an
    // already privileged container. Service accounts re-send whole pods to change labels, so their
    // updates are left to the template rules; people rarely replace pods.
    if (view.verb === 'update' && !isHuman(view) && !isAnonymous(view)) return undefined;
    const written = writtenPodSpec(view);
    if (!written) return undefined;
    return privilegedSpecHit(view, written, target(view, view.object ?? patchedFields(view.patch)));
  },
};

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
    const written = writtenPodSpec(view);
    if (!written) return undefined;
    return privilegedSpecHit(view, written, target(view, view.object ?? patchedFields(view.patch)));
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

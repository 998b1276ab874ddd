import type { EventView, JsonObject } from '../detect/event-view';
import { asArray, asObject, asString } from '../detect/event-view';
import { SYSTEM_NAMESPACES, isPlatform } from '../detect/identity';
import type { Rule, RuleContext, RuleHit } from '../detect/rule';
import type { Severity } from '../finding';
import { maxSeverity, severityRank } from '../finding';
import type { ImageReference } from '../k8s/images';
import { isFromAllowedRegistry, isMutableTag, parseImage } from '../k8s/images';
import { patchedFields } from '../k8s/patch';
import type { PodRisk } from '../k8s/pod-security';
import { COMMAND_KINDS, PRIVILEGE_KINDS, analyzePodSpec, highestSeverity } from '../k8s/pod-security';
import type { WrittenPodSpec } from '../k8s/pod-spec';
import { RESOURCE_KIND, TEMPLATE_RESOURCES, WORKLOAD_RESOURCES, containersOf, isBuiltInWorkload, podSpecOf, writtenPodSpec } from '../k8s/pod-spec';
import { actorText, isBaseline, raise } from './shared';

/*
 * Rules about what runs in the cluster: privileged pods and pod templates, ephemeral containers,
 * DaemonSets, CronJobs and Jobs, workloads in system namespaces, static pods, CRDs, and images.
 * ATT&CK v16 technique ids.
 *
 * Who acted decides severity. The control plane and kube-system controllers are the baseline:
 * a ReplicaSet controller creating a privileged pod is the cluster doing what someone asked, so
 * the rules name that someone where the template was written (the Deployment, DaemonSet, ...).
 * Nodes create only their own mirror pods (NodeRestriction), judged by their own rule.
 */

const WRITES = ['create', 'update', 'patch'] as const;
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
const MAX_LISTED = 4;

// --- wording ---------------------------------------------------------------------------------

function did(verb: string): string {
  return verb === 'create' ? 'created' : verb === 'update' ? 'updated' : verb === 'patch' ? 'patched' : `${verb} on`;
}

/** `DaemonSet kube-system/agent`; generated names show their prefix. */
function target(view: EventView, written?: JsonObject): string {
  const metadata = asObject(written?.metadata);
  const generate = asString(metadata?.generateName);
  const name = view.name || asString(metadata?.name) || (generate ? `${generate}*` : '(unnamed)');
  const kind = RESOURCE_KIND[view.resource] ?? view.resource;
  return `${kind} ${view.namespace ? `${view.namespace}/` : ''}${name}`;
}

function listed(texts: readonly string[]): string {
  const unique = [...new Set(texts)];
  const head = unique.slice(0, MAX_LISTED).join(', ');
  return unique.length > MAX_LISTED ? `${head} and ${unique.length - MAX_LISTED} more` : head;
}

function riskEvidence(risks: readonly PodRisk[]): JsonObject[] {
  return risks.map((r) => ({
    kind: r.kind,
    severity: r.severity,
    ...(r.container ? { container: r.container, containerKind: r.containerKind } : {}),
    ...r.evidence,
  }));
}

function imagesOf(spec: JsonObject | undefined): string[] {
  return spec ? [...new Set(containersOf(spec).flatMap((c) => asString(c.container.image) ?? []))] : [];
}

// --- who acted ------------------------------------------------------------------------------

const isAnonymous = (view: EventView): boolean => view.actor.class === 'anonymous';
const isHuman = (view: EventView): boolean => view.actor.class === 'user';
const inSystemNamespace = (view: EventView): boolean => SYSTEM_NAMESPACES.has(view.namespace);

/** The plain (no subresource) built-in workload a rule is about. */
function isWorkloadWrite(view: EventView, resources: readonly string[]): boolean {
  return view.subresource === '' && resources.includes(view.resource) && isBuiltInWorkload(view) && (WRITES as readonly string[]).includes(view.verb);
}

const privilegeRisks = (spec: JsonObject): PodRisk[] => analyzePodSpec(spec).filter((r) => PRIVILEGE_KINDS.has(r.kind));

/** Scheduling context an analyst wants beside a privileged spec: where it lands. */
function placement(spec: JsonObject): JsonObject {
  const out: JsonObject = {};
  if (asString(spec.nodeName)) out.nodeName = spec.nodeName;
  if (asObject(spec.nodeSelector)) out.nodeSelector = spec.nodeSelector;
  const tolerateAll = asArray(spec.tolerations).filter((t) => asObject(t)?.operator === 'Exists' && !asString(asObject(t)?.key));
  if (tolerateAll.length > 0) out.tolerations = tolerateAll;
  return out;
}

// --- privileged-workload ---------------------------------------------------------------------

const PRIVILEGE_CONTROLS = ['CIS-5.2.2', 'CIS-5.2.3', 'CIS-5.2.4', 'CIS-5.2.5', 'CIS-5.2.6', 'CIS-5.2.7', 'CIS-5.2.8', 'CIS-5.2.9', 'CIS-5.2.11', 'CIS-5.2.12', 'CIS-5.7.3', 'NSA-CISA-k8s: Kubernetes Pod security'];

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
  description:
    'A pod was created with a spec that breaks or weakens the container boundary: privileged containers, the host PID, network or IPC ' +
    'namespace, hostPath volumes (the root filesystem, the container runtime socket, /etc, the kubelet\'s directory rate highest), dangerous ' +
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
  interest: [{ verbs: WRITES, resources: ['pods'] }],
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
  if (view.verb !== 'create' || inSystemNamespace(view)) return undefined;
  const spec = podSpecOf('pods', view.object);
  if (!spec) return undefined;
  const risks = privilegeRisks(spec).filter((r) => severityRank(r.severity) >= severityRank('medium'));
  if (risks.length === 0) return undefined;
  const owner = asObject(asArray(asObject(view.object?.metadata)?.ownerReferences)[0]);
  const from = owner ? ` from ${asString(owner.kind) ?? 'owner'} ${asString(owner.name) ?? ''}`.trimEnd() : '';
  return {
    severity: 'info',
    summary: `${actorText(view)} created ${target(view, view.object)}${from} with ${listed(risks.map((r) => r.text))} (controller baseline; the template's author is reported where it was written)`,
    evidence: { risks: riskEvidence(risks), ...(owner ? { owner: { kind: owner.kind, name: owner.name } } : {}) },
  };
}

const privilegedTemplate: Rule = {
  id: 'workload.privileged-template',
  title: 'Workload with a privileged pod template created or changed',
  category: 'privileged-workload',
  severity: 'critical',
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
  interest: [{ verbs: WRITES, resources: TEMPLATE_RESOURCES }],
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
  description:
    'An ephemeral container was added to a running pod through the pods/ephemeralcontainers subresource (`kubectl debug`). It runs any image ' +
    'and command inside the pod\'s namespaces, with the pod\'s service account and volumes, and can target another container\'s process ' +
    'namespace: a way to run code in a workload without changing its spec or image, and to read its secrets. Raised to critical when the ' +
    'injected container is privileged or the pod shares the host\'s namespaces.',
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
    const injectedNames = new Set(containersOf(patched ?? {}).filter((c) => c.kind === 'ephemeralContainer').map((c) => c.name));
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

// --- daemonset, cronjob (and jobs) -----------------------------------------------------------

interface PersistenceProfile {
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
function persistentWorkloadHit(view: EventView, profile: PersistenceProfile): RuleHit | undefined {
  if (isBaseline(view)) return undefined;
  const written = writtenPodSpec(view);
  const object = view.object ?? patchedFields(view.patch);
  const what = target(view, object);
  const systemNs = inSystemNamespace(view);
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

const daemonSet: Rule = {
  id: 'daemonset.created-or-changed',
  title: 'DaemonSet created or its pod template changed',
  category: 'daemonset',
  severity: 'critical',
  description:
    'A DaemonSet was created, or its pod template replaced or patched, by someone other than the platform. A DaemonSet runs a pod on every ' +
    'node, including nodes added later, and is recreated when deleted pod by pod: the classic way to keep an implant on the whole cluster. ' +
    'A plain one written by a person is low; the finding rises when the template is privileged or mounts the host, runs in a system ' +
    'namespace, tolerates every taint (so it also lands on control-plane nodes), or runs a shell that downloads code, and becomes critical ' +
    'when several of these come together. When the audit level did not log the template, the finding says so instead of passing it as clean.',
  attack: ['T1543.005', 'T1610', 'T1611'],
  controls: ['CIS-5.2.2', 'CIS-5.2.12', 'CIS-5.7.1', 'NSA-CISA-k8s: Kubernetes Pod security'],
  evidenceLevel: 'Request', // creations by people and service accounts are seen at Metadata, but what the template does and template changes by service accounts need the body
  falsePositives:
    'Installing or upgrading node agents (CNI, CSI, logging, monitoring, security agents). Except the deploying identity and the namespace ' +
    'the agent lives in, with a reason and an expiry.',
  remediation:
    'Confirm the change with its owner; if unexpected, delete the DaemonSet, and on every node it ran look for what its pods touched through ' +
    'their host mounts. Restrict DaemonSet writes to the deployment pipeline.',
  interest: [{ verbs: WRITES, resources: ['daemonsets'] }],
  evaluate(view) {
    if (!isWorkloadWrite(view, ['daemonsets'])) return undefined;
    return persistentWorkloadHit(view, {
      reach: 'runs on every node',
      createdByHuman: 'low',
      createdByServiceAccount: 'info',
      changedByHuman: 'info',
      toleratesAll: 'medium',
    });
  },
};

const cronJob: Rule = {
  id: 'cronjob.created-or-changed',
  title: 'CronJob created or its job template changed',
  category: 'cronjob',
  severity: 'critical',
  description:
    'A CronJob was created, or its job template replaced or patched, by someone other than the platform. A CronJob brings code back on a ' +
    'schedule however often its pods are cleaned up, which makes it a favourite for persistence and for miners. A plain one written by a ' +
    'person is low; the finding rises when the template is privileged or mounts the host, runs in a system namespace, tolerates every ' +
    'taint, or runs a shell that downloads code. The schedule is part of the evidence.',
  attack: ['T1053.007', 'T1610'],
  controls: ['CIS-5.2.2', 'CIS-5.7.1', 'NSA-CISA-k8s: Kubernetes Pod security'],
  evidenceLevel: 'Request', // creations are seen at Metadata, but what the template does and template changes by service accounts need the body
  falsePositives: 'Backups, reports and maintenance jobs deployed by their owners. Except the deploying identity and namespace.',
  remediation:
    'Check the schedule, image and command with the owner; suspend (`spec.suspend: true`) or delete it if unexpected and look at what its ' +
    'past jobs did. Restrict CronJob writes to the deployment pipeline.',
  interest: [{ verbs: WRITES, resources: ['cronjobs'] }],
  evaluate(view) {
    if (!isWorkloadWrite(view, ['cronjobs'])) return undefined;
    return persistentWorkloadHit(view, {
      reach: 'runs on a schedule',
      createdByHuman: 'low',
      createdByServiceAccount: 'info',
      changedByHuman: 'info',
      toleratesAll: 'low',
      extraEvidence: (object) => {
        const spec = asObject(object?.spec);
        return spec?.schedule !== undefined ? { schedule: spec.schedule } : {};
      },
    });
  },
};

const job: Rule = {
  id: 'cronjob.job-created-or-changed',
  title: 'Job with a risky pod template created',
  category: 'cronjob',
  severity: 'critical',
  description:
    'A Job was created or changed by someone other than the platform (the CronJob controller\'s own Jobs are baseline). Jobs run to ' +
    'completion and are everyday tooling, so a plain one is information only when a person creates it; the finding rises like a ' +
    'CronJob\'s when the template is privileged, mounts the host, runs in a system namespace or downloads code at start.',
  attack: ['T1053.007', 'T1610'],
  controls: ['CIS-5.2.2', 'CIS-5.7.1', 'NSA-CISA-k8s: Kubernetes Pod security'],
  evidenceLevel: 'Request', // a Job is raised for what its template does
  falsePositives: 'Migrations and maintenance jobs run by their owners or CI. Except the deploying identity and namespace.',
  remediation: 'Check the image and command with the owner; delete the Job if unexpected and look at what its pods did.',
  interest: [{ verbs: WRITES, resources: ['jobs'] }],
  evaluate(view) {
    if (!isWorkloadWrite(view, ['jobs'])) return undefined;
    return persistentWorkloadHit(view, { reach: 'runs to completion', createdByHuman: 'info', toleratesAll: 'low' });
  },
};

// --- controller ------------------------------------------------------------------------------

const systemNamespaceWorkload: Rule = {
  id: 'controller.system-namespace-workload',
  title: 'Workload created in a system namespace',
  category: 'controller',
  severity: 'critical',
  description:
    'A pod or workload (Deployment, DaemonSet, StatefulSet, ReplicaSet, ReplicationController, Job, CronJob) was created in kube-system, ' +
    'kube-public or kube-node-lease by an identity that is not part of the platform. System namespaces hold the most privileged service ' +
    'accounts and the pods nobody questions: attackers hide there under a plausible name. On its own this is low (installing add-ons ' +
    'into kube-system by hand is common, and the labelled corpus counts a plain pod there as no alarm); what the spec does is rated by ' +
    'the privileged-workload, daemonset and image rules, and an anonymous creator is critical.',
  attack: ['T1610', 'T1036.005', 'T1543.005'],
  controls: ['CIS-5.7.1', 'NSA-CISA-k8s: Namespaces'],
  evidenceLevel: 'Metadata', // namespace, resource and actor decide; the spec only adds evidence
  falsePositives:
    'Installing add-ons into kube-system by hand or with Helm. Except the installing identity for kube-system with a reason and an expiry, ' +
    'or install add-ons into their own namespaces.',
  remediation:
    'Confirm the workload with the platform team; delete it if unknown and check the service account it runs as. Restrict create rights in ' +
    'system namespaces to the platform\'s own identities.',
  interest: [{ verbs: ['create'], resources: WORKLOAD_RESOURCES }],
  evaluate(view) {
    if (view.verb !== 'create' || !isWorkloadWrite(view, WORKLOAD_RESOURCES) || !inSystemNamespace(view) || isBaseline(view)) return undefined;
    const severity: Severity = isAnonymous(view) ? 'critical' : 'low';
    const spec = podSpecOf(view.resource, view.object);
    const metadata = asObject(view.object?.metadata);
    return {
      severity,
      summary: `${actorText(view)} created ${target(view, view.object)} in system namespace ${view.namespace}${spec ? '' : '; spec not logged'}`,
      evidence: {
        ...(spec ? { images: imagesOf(spec), serviceAccountName: spec.serviceAccountName ?? 'default' } : {}),
        ...(metadata?.ownerReferences ? { ownerReferences: metadata.ownerReferences } : {}),
      },
    };
  },
};

const mirrorPod: Rule = {
  id: 'controller.mirror-pod',
  title: 'Static (mirror) pod registered',
  category: 'controller',
  severity: 'critical',
  description:
    'A pod carrying the kubernetes.io/config.mirror annotation was created. Kubelets register the static pods they run from manifest files ' +
    'on the node as mirror pods; no admission control stops the kubelet from running them, and deleting the mirror pod does not stop the ' +
    'container. A static pod outside the system namespaces, a privileged or host-escaping one, or one registered for another node means ' +
    'someone wrote a manifest on the node: persistence below the API. A non-node identity creating a pod that claims to be a mirror pod is ' +
    'impersonating one.',
  attack: ['T1543.005', 'T1610'],
  controls: ['CIS-5.2.2', 'NSA-CISA-k8s: Kubernetes Pod security'],
  evidenceLevel: 'Request', // the mirror annotation, the node binding and the spec are in the body; at Metadata only node-registered pods outside the system namespaces are seen
  falsePositives:
    'kubeadm\'s control-plane static pods (etcd, kube-apiserver, ...) are baseline and not reported; distributions that run privileged ' +
    'components as static pods (kube-proxy on RKE2) are reported as medium once per node registration.',
  remediation:
    'On the node named by the actor, look in the kubelet\'s static pod directory (`staticPodPath`, often /etc/kubernetes/manifests) for the ' +
    'manifest and how it got there; remove it and rotate the node\'s credentials.',
  interest: [{ verbs: ['create'], resources: ['pods'] }],
  evaluate(view) {
    if (view.verb !== 'create' || view.resource !== 'pods' || view.subresource !== '' || isPlatform(view.actor)) return undefined;
    const metadata = asObject(view.object?.metadata);
    const annotations = asObject(metadata?.annotations) ?? {};
    const mirror = annotations[MIRROR_ANNOTATION] !== undefined;
    const pod = target(view, view.object);
    const spec = podSpecOf('pods', view.object);
    if (view.actor.class !== 'node') {
      if (!mirror) return undefined;
      return {
        severity: isAnonymous(view) ? 'critical' : 'medium',
        summary: `${actorText(view)} created ${pod} posing as a static pod (annotation ${MIRROR_ANNOTATION}) without being a node`,
        evidence: { annotations: { [MIRROR_ANNOTATION]: annotations[MIRROR_ANNOTATION] }, images: imagesOf(spec) },
      };
    }
    const node = view.actor.nodeName ?? '';
    if (!spec) {
      // Nodes can only create mirror pods; the level did not log which.
      return inSystemNamespace(view) ? undefined : { severity: 'low', summary: `node ${node} registered static pod ${pod} outside the system namespaces; spec not logged` };
    }
    const boundTo = asString(spec.nodeName);
    const risks = analyzePodSpec(spec).filter((r) => r.kind !== 'node-name' && r.kind !== 'tolerates-all-taints');
    const escaping = risks.filter((r) => r.kind === 'privileged' || r.kind === 'host-process' || COMMAND_KINDS.has(r.kind) || r.severity === 'critical' || (r.kind === 'host-namespace' && r.evidence.hostPID === true));
    let severity: Severity | undefined;
    const reasons: string[] = [];
    if (boundTo !== undefined && boundTo !== node) {
      severity = 'high';
      reasons.push(`bound to another node (${boundTo})`);
    }
    if (!inSystemNamespace(view)) {
      const highRisk = risks.some((r) => severityRank(r.severity) >= severityRank('high'));
      severity = maxSeverity(severity ?? 'medium', highRisk ? 'high' : 'medium');
      reasons.push('outside the system namespaces');
    }
    if (escaping.length > 0) {
      severity = maxSeverity(severity ?? 'medium', 'medium');
      reasons.push(listed(escaping.map((r) => r.text)));
    }
    if (!severity) return undefined;
    return {
      severity,
      summary: `node ${node} registered static pod ${pod}: ${listed(reasons)}`,
      evidence: {
        annotations: { [MIRROR_ANNOTATION]: annotations[MIRROR_ANNOTATION], 'kubernetes.io/config.source': annotations['kubernetes.io/config.source'] },
        images: imagesOf(spec),
        ...(boundTo ? { nodeName: boundTo } : {}),
        ...(risks.length ? { risks: riskEvidence(risks) } : {}),
      },
    };
  },
};

const customResourceDefinition: Rule = {
  id: 'controller.crd-created',
  title: 'CustomResourceDefinition created or given a conversion webhook',
  category: 'controller',
  severity: 'critical',
  description:
    'A CustomResourceDefinition was created by someone other than the platform, or a CRD was given a conversion webhook. New CRDs usually ' +
    'arrive with an operator: a controller that will act on the cluster with its own rights. A conversion webhook makes the API server send ' +
    'every object of that type to a server of the author\'s choosing, which can read and rewrite them; one pointing at a URL rather than an ' +
    'in-cluster service is medium.',
  attack: ['T1543.005', 'T1557'],
  controls: ['NSA-CISA-k8s: Audit logging and threat detection'],
  evidenceLevel: 'Metadata', // creations are raised from verb and actor; conversion webhooks need the body
  falsePositives: 'Installing or upgrading operators. Except the installing identity with a reason.',
  remediation:
    'Identify the operator the CRD belongs to and who installed it; remove both if unknown. For conversion webhooks, check the endpoint and ' +
    'its certificate authority.',
  interest: [{ verbs: WRITES, resources: ['customresourcedefinitions'] }],
  evaluate(view) {
    if (view.resource !== 'customresourcedefinitions' || view.subresource !== '' || isBaseline(view)) return undefined;
    if (!(WRITES as readonly string[]).includes(view.verb) || (view.apiGroup !== '' && view.apiGroup !== 'apiextensions.k8s.io')) return undefined;
    const changed = view.verb === 'patch' ? patchedFields(view.patch) : view.object;
    const conversion = asObject(asObject(changed?.spec)?.conversion);
    const webhook = asObject(conversion?.webhook) ?? asObject(conversion?.webhookClientConfig);
    const clientConfig = asObject(webhook?.clientConfig) ?? webhook;
    const url = asString(clientConfig?.url);
    const service = asObject(clientConfig?.service);
    const group = asString(asObject(view.object?.spec)?.group) ?? asString(asObject(changed?.spec)?.group);
    const what = `CustomResourceDefinition ${view.name || asString(asObject(changed?.metadata)?.name) || '(unnamed)'}`;
    let severity: Severity | undefined;
    if (view.verb === 'create') severity = isHuman(view) ? 'low' : 'info';
    let detail = '';
    if (url) {
      severity = 'medium';
      detail = ` with a conversion webhook at ${url}`;
    } else if (service) {
      severity = maxSeverity(severity ?? 'info', 'low');
      detail = ` with a conversion webhook served by ${asString(service.namespace) ?? '?'}/${asString(service.name) ?? '?'}`;
    }
    if (isAnonymous(view)) severity = 'critical';
    if (!severity) return undefined;
    return {
      severity,
      summary: `${actorText(view)} ${did(view.verb)} ${what}${detail}${!changed && view.missingEvidence ? '; body not logged' : ''}`,
      evidence: { ...(group ? { group } : {}), ...(url || service ? { conversionClientConfig: { ...(url ? { url } : {}), ...(service ? { service } : {}) } } : {}) },
    };
  },
};

// --- untrusted-image -------------------------------------------------------------------------

const IMAGE_RESOURCES = [...WORKLOAD_RESOURCES, 'pods/ephemeralcontainers'] as const;

/** The images a request introduced: a patch's own images when it sets some, else the whole spec's. */
function introducedImages(view: EventView): { refs: ImageReference[]; written: WrittenPodSpec } | undefined {
  const ephemeral = view.resource === 'pods' && view.subresource === 'ephemeralcontainers';
  if (!ephemeral && !isWorkloadWrite(view, WORKLOAD_RESOURCES)) return undefined;
  if (ephemeral && view.verb !== 'update' && view.verb !== 'patch') return undefined;
  if (isBaseline(view)) return undefined;
  const written = writtenPodSpec(view);
  if (!written) return undefined;
  const spec = written.patched ?? written.spec;
  const containers = containersOf(spec).filter((c) => !ephemeral || c.kind === 'ephemeralContainer');
  const refs = containers.flatMap((c) => {
    const image = asString(c.container.image);
    const ref = image === undefined ? undefined : parseImage(image);
    return ref ? [ref] : [];
  });
  return refs.length ? { refs, written } : undefined;
}

const registryNotAllowed: Rule = {
  id: 'image.registry-not-allowed',
  title: 'Image from a registry outside the allowlist',
  category: 'untrusted-image',
  severity: 'critical',
  description:
    'A pod, pod template or ephemeral container was given an image from a registry that is not in settings.images.allowedRegistries. ' +
    'Reports only when the allowlist is set. Images from unknown registries are how attackers bring their tools in (and how typosquatted ' +
    'public images get run); high when the same spec is also privileged. Registry names are compared after Docker Hub\'s defaults are applied ' +
    '(`nginx` is docker.io/library/nginx).',
  attack: ['T1204.003', 'T1525', 'T1610'],
  controls: ['CIS-5.5.1', 'NSA-CISA-k8s: Kubernetes Pod security'],
  evidenceLevel: 'Request', // the images are in the body
  falsePositives: 'A new legitimate registry not yet added to the allowlist.',
  remediation:
    'Add the registry to the allowlist if it is trusted; otherwise remove the workload and check what the image did. Enforce the allowlist ' +
    'at admission (ValidatingAdmissionPolicy, Kyverno, Gatekeeper) rather than only detecting it.',
  interest: [{ verbs: WRITES, resources: IMAGE_RESOURCES }],
  evaluate(view, context: RuleContext) {
    const allowed = context.settings.images.allowedRegistries;
    if (allowed.length === 0) return undefined;
    const found = introducedImages(view);
    if (!found) return undefined;
    const outside = found.refs.filter((r) => !isFromAllowedRegistry(r, allowed));
    if (outside.length === 0) return undefined;
    const privileged = privilegeRisks(found.written.spec).some((r) => severityRank(r.severity) >= severityRank('high'));
    const severity: Severity = isAnonymous(view) ? 'critical' : privileged ? 'high' : 'medium';
    return {
      severity,
      summary: `${actorText(view)} ${did(view.verb)} ${target(view, view.object ?? patchedFields(view.patch))} with image${outside.length > 1 ? 's' : ''} ${listed(outside.map((r) => r.original))} from outside the allowed registries`,
      evidence: { images: outside.map((r) => ({ image: r.original, registry: r.registry })), allowedRegistries: allowed, privileged },
    };
  },
};

const mutableTag: Rule = {
  id: 'image.mutable-tag',
  title: 'New workload uses a mutable image tag',
  category: 'untrusted-image',
  severity: 'low',
  description:
    'A new pod or workload uses an image by a tag that can be moved (`latest`, or no tag at all) and no digest: what runs tomorrow is ' +
    'whatever someone pushes under that tag, reviewed or not, which is how a compromised registry account implants every restart. Reported ' +
    'when settings.images.flagMutableTags is on.',
  attack: ['T1525', 'T1204.003'],
  controls: ['CIS-5.5.1', 'NSA-CISA-k8s: Kubernetes Pod security'],
  evidenceLevel: 'Request', // the images are in the body
  falsePositives: 'Throwaway test pods. Switch the setting off for clusters where that is the norm.',
  remediation: 'Pin images by digest (`image@sha256:...`) or by an immutable version tag in a registry with tag immutability on.',
  interest: [{ verbs: ['create'], resources: WORKLOAD_RESOURCES }],
  evaluate(view, context: RuleContext) {
    if (!context.settings.images.flagMutableTags || view.verb !== 'create') return undefined;
    const found = introducedImages(view);
    if (!found) return undefined;
    const mutable = found.refs.filter(isMutableTag);
    if (mutable.length === 0) return undefined;
    return {
      severity: 'low',
      summary: `${actorText(view)} created ${target(view, view.object)} with mutable image tag${mutable.length > 1 ? 's' : ''} ${listed(mutable.map((r) => r.original))}`,
      evidence: { images: mutable.map((r) => r.original) },
    };
  },
};

const fetchesCode: Rule = {
  id: 'image.fetches-code-at-start',
  title: 'Container downloads and runs code at start',
  category: 'untrusted-image',
  severity: 'critical',
  description:
    'A pod, pod template or ephemeral container was written with a command that downloads code and runs it (`curl | sh`, `wget -O- | bash`, ' +
    '`base64 -d | sh`, download then `chmod +x`, `python -c` with urllib) or opens a reverse shell (/dev/tcp, `nc -e`, socat exec). What such ' +
    'a container runs is not in any image, so image scanning, signing and registry allowlists never see it. Reverse shells are critical.',
  attack: ['T1105', 'T1059.004', 'T1204.003', 'T1610'],
  controls: ['CIS-5.5.1', 'NSA-CISA-k8s: Kubernetes Pod security'],
  evidenceLevel: 'Request', // the commands are in the body
  falsePositives: 'Installer-style init containers that fetch tools at start. Bake the tools into the image instead.',
  remediation: 'Fetch the script from where the command points (safely) and see what it does; remove the workload and find who wrote it.',
  interest: [{ verbs: WRITES, resources: IMAGE_RESOURCES }],
  evaluate(view) {
    const ephemeral = view.resource === 'pods' && view.subresource === 'ephemeralcontainers';
    if (!ephemeral && !isWorkloadWrite(view, WORKLOAD_RESOURCES)) return undefined;
    if (isBaseline(view)) return undefined;
    const written = writtenPodSpec(view);
    if (!written) return undefined;
    const risks = analyzePodSpec(written.patched ?? written.spec).filter((r) => COMMAND_KINDS.has(r.kind));
    const highest = highestSeverity(risks);
    if (!highest) return undefined;
    return {
      severity: isAnonymous(view) ? 'critical' : highest,
      summary: `${actorText(view)} ${did(view.verb)} ${target(view, view.object ?? patchedFields(view.patch))}: ${listed(risks.map((r) => r.text))}`,
      evidence: { risks: riskEvidence(risks) },
    };
  },
};

export const workloadRules: Rule[] = [
  privilegedPod,
  privilegedTemplate,
  ephemeralContainer,
  daemonSet,
  cronJob,
  job,
  systemNamespaceWorkload,
  mirrorPod,
  customResourceDefinition,
  registryNotAllowed,
  mutableTag,
  fetchesCode,
];

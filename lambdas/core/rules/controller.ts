import { asObject, asString } from '../detect/event-view';
import { isPlatform } from '../detect/identity';
import type { Rule } from '../detect/rule';
import type { Severity } from '../finding';
import { maxSeverity, severityRank } from '../finding';
import { patchedFields } from '../k8s/patch';
import { COMMAND_KINDS, analyzePodSpec } from '../k8s/pod-security';
import { WORKLOAD_RESOURCES, podSpecOf } from '../k8s/pod-spec';
import { actorText, inApiGroups, inSystemNamespace, isBaseline } from './support/common';
import { GITOPS_GROUPS, GITOPS_RESOURCES, gitopsPointing, isGitOpsController, touchesPointing } from './support/gitops';
import { TEMPLATE_WRITES, did, imagesOf, isAnonymous, isHuman, isWorkloadWrite, listed, riskEvidence, target } from './support/pod-templates';

/*
 * controller: what extends or impersonates the control plane: workloads created in system
 * namespaces, static (mirror) pods, and CustomResourceDefinitions. ATT&CK v16 technique ids.
 */

const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

const systemNamespaceWorkload: Rule = {
  id: 'controller.system-namespace-workload',
  title: 'Workload created in a system namespace',
  category: 'controller',
  severity: 'critical',
  severityReasons:
    'who: a person or unknown identity (controllers are the baseline); what: a workload in a system namespace runs beside the platform with its trust: low by itself (its privileges are judged by the privileged-workload rules); where: system namespace; anonymous: critical.',
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
    "system namespaces to the platform's own identities.",
  interest: [{ verbs: ['create'], resources: WORKLOAD_RESOURCES }],
  evaluate(view) {
    if (view.verb !== 'create' || !isWorkloadWrite(view, WORKLOAD_RESOURCES) || !inSystemNamespace(view.namespace) || isBaseline(view)) return undefined;
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
  severityReasons:
    'who: a node registering a static pod; what: static pods bypass admission, so a privileged or host-mounting one is persistence on the node: medium, high for host escapes; where: outside the system namespaces only; evidence: low when the spec was not logged; anonymous: critical.',
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
    "kubeadm's control-plane static pods (etcd, kube-apiserver, ...) are baseline and not reported; distributions that run privileged " +
    'components as static pods (kube-proxy on RKE2) are reported as medium once per node registration.',
  remediation:
    "On the node named by the actor, look in the kubelet's static pod directory (`staticPodPath`, often /etc/kubernetes/manifests) for the " +
    "manifest and how it got there; remove it and rotate the node's credentials.",
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
      return inSystemNamespace(view.namespace)
        ? undefined
        : { severity: 'low', summary: `node ${node} registered static pod ${pod} outside the system namespaces; spec not logged` };
    }
    const boundTo = asString(spec.nodeName);
    const risks = analyzePodSpec(spec).filter((r) => r.kind !== 'node-name' && r.kind !== 'tolerates-all-taints');
    const escaping = risks.filter(
      (r) =>
        r.kind === 'privileged' ||
        r.kind === 'host-process' ||
        COMMAND_KINDS.has(r.kind) ||
        r.severity === 'critical' ||
        (r.kind === 'host-namespace' && r.evidence.hostPID === true),
    );
    let severity: Severity | undefined;
    const reasons: string[] = [];
    if (boundTo !== undefined && boundTo !== node) {
      severity = 'high';
      reasons.push(`bound to another node (${boundTo})`);
    }
    if (!inSystemNamespace(view.namespace)) {
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
  what: 'change',
  severity: 'critical',
  severityReasons:
    'who: a person (low) or a service account (info) creating a CustomResourceDefinition; what: a new API type adds no privilege by itself; medium when a CRD is deleted or its conversion webhook changed (it then intercepts requests); anonymous: critical.',
  description:
    'A CustomResourceDefinition was created by someone other than the platform, or a CRD was given a conversion webhook. New CRDs usually ' +
    'arrive with an operator: a controller that will act on the cluster with its own rights. A conversion webhook makes the API server send ' +
    "every object of that type to a server of the author's choosing, which can read and rewrite them; one pointing at a URL rather than an " +
    'in-cluster service is medium.',
  attack: ['T1543.005', 'T1557'],
  controls: ['NSA-CISA-k8s: Audit logging and threat detection'],
  evidenceLevel: 'Metadata', // creations are raised from verb and actor; conversion webhooks need the body
  falsePositives: 'Installing or upgrading operators. Except the installing identity with a reason.',
  remediation:
    'Identify the operator the CRD belongs to and who installed it; remove both if unknown. For conversion webhooks, check the endpoint and ' +
    'its certificate authority.',
  interest: [{ verbs: TEMPLATE_WRITES, resources: ['customresourcedefinitions'] }],
  evaluate(view) {
    if (view.resource !== 'customresourcedefinitions' || view.subresource !== '' || isBaseline(view)) return undefined;
    if (!(TEMPLATE_WRITES as readonly string[]).includes(view.verb) || (view.apiGroup !== '' && view.apiGroup !== 'apiextensions.k8s.io')) return undefined;
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
      evidence: {
        ...(group ? { group } : {}),
        ...(url || service ? { conversionClientConfig: { ...(url ? { url } : {}), ...(service ? { service } : {}) } } : {}),
      },
    };
  },
};

const gitopsSource: Rule = {
  id: 'controller.gitops-source',
  title: 'GitOps application or source created or re-pointed',
  category: 'controller',
  what: 'persistence',
  severity: 'critical',
  severityReasons:
    "who: a person or unknown identity (the GitOps controller syncing its own objects is not rated here); what: a GitOps object created or re-pointed to a new source deploys whatever that source holds, indefinitely: persistence, critical into system namespaces or with cluster-admin rights, high otherwise; where: the destination namespace and the project's rights; evidence: the Application or Kustomization body (Request level).",
  description:
    'An Argo CD Application, ApplicationSet or AppProject, or a Flux GitRepository, OCIRepository, HelmRepository, Kustomization or HelmRelease ' +
    'was created, or a patch changed its source, destination or rights. A GitOps controller re-applies whatever its source holds, with its own ' +
    'rights (cluster-admin in a default install), every few minutes: pointing one at a repository the attacker controls is persistence that ' +
    "survives deleting every workload it deployed. Medium; high when it deploys into a system namespace, applies with the controller's " +
    'cluster-admin rights, opens an AppProject to any source, namespace or cluster-scoped resource, or re-points the source Flux reconciles ' +
    'itself from. One lower when the GitOps controller itself wrote it (app-of-apps, ApplicationSet generators); full updates by the ' +
    'controllers (status and operation bookkeeping) are not reported.',
  attack: ['T1543', 'T1195.002', 'T1610'],
  controls: ['NSA-CISA-k8s: Audit logging and threat detection'],
  evidenceLevel: 'Metadata', // creations are raised from verb and actor; sources, destinations and rights need the body
  falsePositives:
    'Platform teams onboarding applications by hand or through the Argo CD UI (argocd-server). Flux installs where every Kustomization runs ' +
    "with the controller's rights: give tenants a serviceAccountName (Flux multi-tenancy lockdown) or except the bootstrap identity.",
  remediation:
    'Check the repository, path and revision it now follows and who controls them; suspend it (`flux suspend`, or remove the automated sync ' +
    'policy in Argo CD) before deleting it, since deletion may prune what it deployed. Restrict AppProjects to known repositories and ' +
    'namespaces, and give Flux Kustomizations and HelmReleases a least-privilege serviceAccountName.',
  interest: [{ verbs: TEMPLATE_WRITES, resources: GITOPS_RESOURCES }],
  evaluate(view) {
    if (view.subresource !== '' || !GITOPS_RESOURCES.includes(view.resource) || isBaseline(view)) return undefined;
    const byController = isGitOpsController(view.actor.serviceAccount);
    if (view.verb === 'update' && byController) return undefined;
    if (view.verb === 'patch' && !touchesPointing(view.resource, patchedFields(view.patch))) return undefined;
    if (view.verb !== 'create' && view.verb !== 'update' && view.verb !== 'patch') return undefined;
    const written = view.object ?? patchedFields(view.patch);
    const pointing = written
      ? gitopsPointing(view.resource, view.name || asString(asObject(written?.metadata)?.name) || '', written)
      : { sources: [], reach: [] };
    let severity: Severity = pointing.reach.length > 0 ? 'high' : 'medium';
    if (byController) severity = severity === 'high' ? 'medium' : 'low';
    if (isAnonymous(view)) severity = 'critical';
    const from = pointing.sources.length ? ` from ${listed(pointing.sources)}` : written ? '' : '; body not logged';
    const reach = pointing.reach.length ? `: ${listed(pointing.reach)}` : '';
    return {
      severity,
      summary: `${actorText(view)} ${did(view.verb)} ${gitopsKind(view.resource)} ${view.namespace ? `${view.namespace}/` : ''}${view.name || '(unnamed)'}${from}${reach}`,
      evidence: { sources: pointing.sources, reach: pointing.reach, ...(byController ? { writtenBy: 'the GitOps controller' } : {}) },
    };
  },
};

const GITOPS_KINDS: Readonly<Record<string, string>> = {
  applications: 'Application',
  applicationsets: 'ApplicationSet',
  appprojects: 'AppProject',
  gitrepositories: 'GitRepository',
  ocirepositories: 'OCIRepository',
  helmrepositories: 'HelmRepository',
  kustomizations: 'Kustomization',
  helmreleases: 'HelmRelease',
};
const gitopsKind = (resource: string): string => GITOPS_KINDS[resource] ?? resource;

export const controllerRules: readonly Rule[] = [systemNamespaceWorkload, mirrorPod, customResourceDefinition, ...inApiGroups(GITOPS_GROUPS, [gitopsSource])];

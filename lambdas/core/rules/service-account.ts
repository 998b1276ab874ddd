import { asArray, asObject, asString } from '../detect/event-view';
import { classifyActor, isPlatform } from '../detect/identity';
import { podSpecOf } from '../k8s/pod-spec';
import type { Rule, RuleHit } from '../detect/rule';
import type { Severity } from '../finding';
import { actorText, field, inSystemNamespace, isBaseline, raise } from './support/common';
import { evidenceOf, rate, whereOf } from '../detect/rubric';

/** Audiences whose tokens a cloud exchanges for its own credentials (IRSA, EKS Pod Identity, Azure, GCP). */
const CLOUD_AUDIENCE = /^(sts\.amazonaws\.com|pods\.eks\.amazonaws\.com|api:\/\/AzureADTokenExchange)$|iam\.googleapis\.com|\.svc\.id\.goog/;

export function durationText(seconds: number): string {
  if (seconds % 86400 === 0 && seconds >= 86400) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

const numberAt = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);

export const tokenRequestRule: Rule = {
  id: 'service-account.token-request',
  title: 'Service account token minted (TokenRequest)',
  category: 'service-account',
  what: 'persistence',
  severity: 'critical',
  severityReasons:
    'who: a person or unknown identity; the control plane minting a token for a workload is off its role and rated as unknown; what: a token is lasting access (persistence): never below medium; raised for long lifetimes, system namespaces and cloud audiences.',
  description:
    'A token was requested for a service account (`kubectl create token`, `create` on `serviceaccounts/token`) by a person or a workload. Such a token works from anywhere until it expires, ' +
    'so minting one for a powerful service account is a quiet way to keep access: no Secret, no binding, nothing to see in the cluster. ' +
    'Severity rises for a lifetime above the configured maximum (`serviceAccountTokens.maxExpirationSeconds`), for service accounts in system namespaces, ' +
    'and for cloud audiences (sts.amazonaws.com, pods.eks.amazonaws.com), whose tokens are exchanged for cloud credentials. ' +
    'Kubelets requesting tokens for the pods they run are the baseline; the control plane minting tokens outside system namespaces is reported as info because it does not normally do so.',
  attack: ['T1528', 'T1098.001', 'T1550.001'],
  controls: ['CIS-5.1.13', 'CIS-5.1.6', 'NSA-CISA-k8s: Authentication and authorization'],
  evidenceLevel: 'Metadata', // every token request is raised; lifetime and audiences need the body
  falsePositives:
    "Operators creating short-lived tokens for debugging, CI systems that mint deploy tokens. Add exceptions by identity and by the target service account's namespace.",
  remediation:
    'Tokens cannot be revoked one by one: delete and recreate the service account (which invalidates its tokens) if the request was not expected, and remove `create` on `serviceaccounts/token` from roles that do not need it (CIS 5.1.13).',
  interest: [{ verbs: ['create'], resources: ['serviceaccounts/token'], exceptNodeAgents: true }], // nodes are not judged here
  evaluate(view, context): RuleHit | undefined {
    if (view.resource !== 'serviceaccounts' || view.subresource !== 'token' || view.verb !== 'create' || view.actor.class === 'node') return undefined;
    const target = view.namespace || view.name ? `ServiceAccount ${view.namespace}/${view.name}` : 'a ServiceAccount (not logged)';
    const who = actorText(view);
    if (isPlatform(view.actor)) {
      if (inSystemNamespace(view.namespace) || view.namespace === '') return undefined;
      return {
        // Platform credentials used for what the platform does not do: an unknown identity minting a token.
        severity: rate({ who: 'unknown', what: 'persistence', where: whereOf(view), evidence: evidenceOf(view), judged: 'low' }),
        summary: `${who} requested a token for ${target}`,
        evidence: { reasons: ['the control plane mints tokens for its own controllers in kube-system, not for workloads'] },
      };
    }
    const spec = asObject(view.object?.spec);
    const requested = numberAt(field(asObject(view.event.requestObject), 'spec', 'expirationSeconds'));
    const expiration = numberAt(spec?.expirationSeconds) ?? requested;
    const audiences = asArray(spec?.audiences).filter((a): a is string => typeof a === 'string');
    const boundTo = asObject(spec?.boundObjectRef);
    const max = context.settings.serviceAccountTokens.maxExpirationSeconds;
    const reasons: string[] = [];
    let severity: Severity = 'medium';
    if (expiration !== undefined && expiration > max) {
      severity = raise(severity);
      reasons.push(`valid ${durationText(expiration)}, above the ${durationText(max)} maximum`);
    }
    if (inSystemNamespace(view.namespace)) {
      severity = raise(severity);
      reasons.push(`service account in system namespace ${view.namespace}`);
    }
    const cloud = audiences.filter((a) => CLOUD_AUDIENCE.test(a));
    if (cloud.length > 0) {
      severity = raise(severity);
      reasons.push(`audience ${cloud.join(', ')}: exchangeable for cloud credentials`);
    }
    const sa = view.actor.serviceAccount;
    if (sa !== undefined && (sa.namespace !== view.namespace || sa.name !== view.name)) reasons.push('a workload minting a token for another identity');
    const validity = expiration !== undefined ? ` valid ${durationText(expiration)}` : '';
    return {
      severity,
      summary: `${who} requested a token for ${target}${validity}${spec && !boundTo ? ' (not bound to a pod)' : ''}`,
      evidence: {
        expirationSeconds: expiration ?? 'not logged',
        ...(requested !== undefined && requested !== expiration ? { requestedExpirationSeconds: requested } : {}),
        ...(audiences.length > 0 ? { audiences } : {}),
        ...(boundTo ? { boundObjectRef: { kind: boundTo.kind, name: boundTo.name } } : {}),
        ...(reasons.length > 0 ? { reasons } : {}),
      },
    };
  },
};

export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';

export const tokenSecretRule: Rule = {
  id: 'service-account.token-secret',
  title: 'Long-lived service account token Secret created',
  category: 'service-account',
  what: 'persistence',
  severity: 'critical',
  severityReasons: 'who: a person or unknown identity; what: a legacy token Secret never expires (persistence), raised in system namespaces.',
  description:
    'A Secret of type `kubernetes.io/service-account-token` was created by a person or a workload. The token controller fills it with a token for the named service account that never expires, ' +
    "the classic way to keep a credential for a powerful service account after the attacker's own access is gone. Since Kubernetes 1.24 nothing creates these automatically. " +
    "High, critical in system namespaces (where the controllers' own service accounts live).",
  attack: ['T1528', 'T1098.001'],
  controls: ['CIS-5.1.13', 'CIS-5.1.6', 'NSA-CISA-k8s: Authentication and authorization'],
  evidenceLevel: 'Request', // the Secret type is in the body
  falsePositives:
    'Legacy integrations that still need a non-expiring token (older CI systems, some dashboards). Prefer TokenRequest; add an exception per service account.',
  remediation:
    'Delete the Secret (which invalidates the token) unless it is a known integration, and check what the token was used for: requests by the service account from unusual source IPs.',
  interest: [{ verbs: ['create'], resources: ['secrets'], contains: [SERVICE_ACCOUNT_TOKEN_TYPE], exceptNodeAgents: true }], // nodes are baseline
  evaluate(view): RuleHit | undefined {
    if (view.resource !== 'secrets' || view.subresource !== '' || view.verb !== 'create' || isBaseline(view)) return undefined;
    if (asString(view.object?.type) !== SERVICE_ACCOUNT_TOKEN_TYPE) return undefined;
    const serviceAccount = asString(field(view.object, 'metadata', 'annotations', 'kubernetes.io/service-account.name')) ?? '(unnamed)';
    const system = inSystemNamespace(view.namespace);
    return {
      severity: system ? 'critical' : 'high',
      summary: `${actorText(view)} created a non-expiring token Secret ${view.namespace}/${view.name} for ServiceAccount ${view.namespace}/${serviceAccount}`,
      evidence: { type: SERVICE_ACCOUNT_TOKEN_TYPE, serviceAccount, ...(system ? { reasons: [`system namespace ${view.namespace}`] } : {}) },
    };
  },
};

export const systemNamespaceServiceAccountRule: Rule = {
  id: 'service-account.created-in-system-namespace',
  title: 'Service account created in a system namespace',
  category: 'service-account',
  what: 'persistence',
  severity: 'low',
  severityReasons:
    'who: a person or unknown identity; what: a new identity where the platform lives, a home for a later binding; where: system namespaces only.',
  description:
    "A service account was created in kube-system (or kube-public, kube-node-lease) by someone other than the control plane. An identity there blends in with the platform's own controllers, " +
    'which is where an attacker hides the account a backdoor binding or token will use. On its own it grants nothing, so it is low; the binding that follows is reported by the RBAC rules.',
  attack: ['T1136', 'T1036.005'],
  controls: ['CIS-5.1.5', 'CIS-5.7.1', 'NSA-CISA-k8s: Authentication and authorization'],
  evidenceLevel: 'Metadata',
  falsePositives:
    'Installing cluster add-ons (CNI, CSI drivers, ingress controllers) into kube-system with kubectl or Helm. Add exceptions for the deploying identity.',
  remediation: 'Check which add-on the service account belongs to; delete it and any bindings to it if none does.',
  interest: [{ verbs: ['create'], resources: ['serviceaccounts'] }],
  evaluate(view): RuleHit | undefined {
    if (view.resource !== 'serviceaccounts' || view.subresource !== '' || view.verb !== 'create' || !inSystemNamespace(view.namespace) || isBaseline(view))
      return undefined;
    const automount = view.object?.automountServiceAccountToken;
    return {
      severity: 'low',
      summary: `${actorText(view)} created ServiceAccount ${view.namespace}/${view.name}`,
      evidence: { namespace: view.namespace, ...(typeof automount === 'boolean' ? { automountServiceAccountToken: automount } : {}) },
    };
  },
};

export const controllerIdentityWorkloadRule: Rule = {
  id: 'service-account.controller-identity-workload',
  title: "Workload runs as a built-in controller's service account",
  category: 'service-account',
  severity: 'critical',
  severityReasons:
    "who: a person or a workload, not the controller itself; what: a pod that carries a built-in controller's token is a takeover of the control plane's rights: critical; where: kube-system; evidence: the pod spec's serviceAccountName (Request level), else the rule cannot see it.",
  description:
    'A person or a workload created a pod or workload in kube-system that runs as one of the service accounts kube-controller-manager ' +
    'uses for its controllers (clusterrole-aggregation-controller, generic-garbage-collector, namespace-controller, daemon-set-controller, ...). ' +
    'Those accounts hold some of the widest rights in the cluster (escalate on every ClusterRole, delete anything, create pods anywhere) and ' +
    'their tokens are mounted into the pod, so whoever runs the pod acts as the control plane, and the platform baseline hides what it does. ' +
    'Nobody but the control plane runs as them. High; critical for anonymous requests.',
  attack: ['T1078', 'T1528', 'T1036.005'],
  controls: ['CIS-5.1.6', 'NSA-CISA-k8s: Authentication and authorization'],
  evidenceLevel: 'Request', // the service account is in the pod spec
  falsePositives: 'None expected: controllers run inside kube-controller-manager, not as pods of their own.',
  remediation:
    "Delete the workload, rotate the service account's tokens (delete its token Secrets, restart kube-controller-manager), and review what the " +
    'account did since the pod started (its actions look like the platform working).',
  interest: [{ verbs: ['create', 'update'], resources: ['pods', 'deployments', 'daemonsets', 'statefulsets', 'replicasets', 'jobs', 'cronjobs'] }],
  evaluate(view): RuleHit | undefined {
    if (view.namespace !== 'kube-system' || view.subresource !== '' || (view.verb !== 'create' && view.verb !== 'update') || isBaseline(view)) return undefined;
    if (view.apiGroup !== '' && view.apiGroup !== 'apps' && view.apiGroup !== 'batch') return undefined;
    const spec = podSpecOf(view.resource, view.object);
    const name = asString(spec?.serviceAccountName) ?? asString(spec?.serviceAccount);
    if (name === undefined || !isPlatform(classifyActor(`system:serviceaccount:kube-system:${name}`))) return undefined;
    return {
      severity: view.actor.class === 'anonymous' ? 'critical' : 'high',
      summary: `${actorText(view)} ${view.verb === 'create' ? 'created' : 'updated'} ${view.resource === 'pods' ? 'pod' : view.resource.replace(/s$/, '')} kube-system/${view.name} running as controller service account ${name}`,
      evidence: { serviceAccountName: name },
    };
  },
};

export const serviceAccountRules: Rule[] = [tokenRequestRule, tokenSecretRule, systemNamespaceServiceAccountRule, controllerIdentityWorkloadRule];

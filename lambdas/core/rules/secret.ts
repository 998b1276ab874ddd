import type { EventView } from '../detect/event-view';
import { asObject, asString } from '../detect/event-view';
import type { Rule, RuleHit } from '../detect/rule';
import type { Severity } from '../finding';
import { actorText, actsInOwnNamespace, inSystemNamespace, isBaseline, isWrite, pastTense, writtenObject } from './support/common';

const isSecret = (view: EventView): boolean => view.resource === 'secrets' && view.subresource === '';

/** Key names only: which keys a Secret holds is evidence, their values never are. */
function keyNames(body: Record<string, unknown> | undefined): string[] {
  return [...new Set([...Object.keys(asObject(body?.data) ?? {}), ...Object.keys(asObject(body?.stringData) ?? {})])];
}

function isBootstrapToken(view: EventView, type: string | undefined): boolean {
  return type === 'bootstrap.kubernetes.io/token' || (view.namespace === 'kube-system' && view.name.startsWith('bootstrap-token-'));
}

export const secretWriteRule: Rule = {
  id: 'secret.write',
  title: 'Secret created, changed or deleted by a person or a foreign workload',
  category: 'secret',
  what: 'persistence',
  severity: 'high',
  severityReasons:
    'who: a person or unknown identity (a service account in its own namespace is info); what: a Secret stores credentials but grants nothing by itself: low in ordinary namespaces; where: medium in system namespaces, high in kube-system and for bootstrap tokens (persistence); evidence: usually Metadata only, so the type is often unknown.',
  description:
    'A Secret was created, updated, patched or deleted by someone other than the control plane. In kube-system this is how long-lived access is planted: ' +
    'bootstrap tokens (`bootstrap-token-*`, which let their holder join nodes and obtain kubelet credentials), legacy service-account tokens, cloud credentials read by system add-ons. ' +
    'Changes there are high (deletions medium), in other system namespaces medium, elsewhere low; a service account writing Secrets in its own namespace is info. ' +
    'Secrets are usually logged at Metadata level, so the type and keys are reported only when the body was logged.',
  attack: ['T1098.001', 'T1552.007', 'T1485'],
  controls: ['CIS-5.1.2', 'CIS-5.4.2', 'NSA-CISA-k8s: Authentication and authorization'],
  evidenceLevel: 'Metadata', // verb, namespace and name decide; type and keys need the body
  falsePositives:
    'Deployments by people (Helm stores releases in Secrets, `kubectl apply` of app config), certificate and external-secret operators. Add exceptions for the deploying identities and their namespaces.',
  remediation:
    'Check who wrote the Secret and why. In kube-system, delete unexpected bootstrap tokens (`kubeadm token list`) and token Secrets, and rotate any credential the Secret held. Keep secrets in an external store where possible (CIS 5.4.2).',
  interest: [{ verbs: ['create', 'update', 'patch', 'delete', 'deletecollection'], resources: ['secrets'], exceptNodeAgents: true }], // nodes are baseline
  evaluate(view): RuleHit | undefined {
    if (!isSecret(view) || !isWrite(view.verb) || isBaseline(view)) return undefined;
    const deletion = view.verb === 'delete' || view.verb === 'deletecollection';
    const body = deletion ? undefined : writtenObject(view);
    const type = asString(body?.type);
    const reasons: string[] = [];
    let severity: Severity;
    if (view.namespace === 'kube-system') {
      severity = deletion ? 'medium' : 'high';
      reasons.push("kube-system holds the platform's own credentials");
    } else if (inSystemNamespace(view.namespace)) {
      severity = 'medium';
      reasons.push(`system namespace ${view.namespace}`);
    } else {
      severity = actsInOwnNamespace(view) ? 'info' : 'low';
    }
    if (!deletion && isBootstrapToken(view, type)) {
      severity = 'high';
      reasons.push('bootstrap token: lets its holder join nodes and request kubelet client certificates');
    }
    const target = view.verb === 'deletecollection' ? `all Secrets in namespace ${view.namespace}` : `Secret ${view.namespace}/${view.name}`;
    const keys = keyNames(body);
    const serviceAccount = asString(asObject(asObject(body?.metadata)?.annotations)?.['kubernetes.io/service-account.name']);
    return {
      severity,
      summary: `${actorText(view)} ${view.verb === 'deletecollection' ? 'deleted' : pastTense(view.verb)} ${target}${type ? ` (type ${type})` : ''}`,
      evidence: {
        ...(type ? { type } : {}),
        ...(keys.length > 0 ? { keys } : {}),
        ...(serviceAccount ? { serviceAccount } : {}),
        ...(reasons.length > 0 ? { reasons } : {}),
      },
    };
  },
};

export const secretReadRule: Rule = {
  id: 'secret.read',
  title: 'Secret read by a person or from another namespace',
  category: 'secret',
  what: 'access',
  severity: 'medium',
  severityReasons:
    'who: a person, or a service account outside its own namespace; what: reading one Secret is access, not persistence: low; where: medium in system namespaces.',
  description:
    'A Secret was read (`get`) by a person, or by a service account outside its own namespace. Reading one Secret is often legitimate debugging, so this is low, ' +
    'and medium in system namespaces, where Secrets hold bootstrap tokens, legacy service-account tokens and cloud credentials of add-ons. ' +
    'Nodes reading the Secrets of their pods and controllers are the baseline and not reported.',
  attack: ['T1552.007'],
  controls: ['CIS-5.1.2', 'NSA-CISA-k8s: Authentication and authorization'],
  evidenceLevel: 'Metadata',
  falsePositives: 'Operators debugging applications; operators reading TLS secrets across namespaces. Add exceptions by identity and namespace.',
  remediation: 'Limit `get` on Secrets to the workloads that need them (CIS 5.1.2) and rotate the Secret if the reader had no reason to see it.',
  interest: [{ verbs: ['get'], resources: ['secrets'], exceptNodeAgents: true }], // nodes are baseline
  evaluate(view): RuleHit | undefined {
    if (!isSecret(view) || view.verb !== 'get' || isBaseline(view) || actsInOwnNamespace(view)) return undefined;
    const system = inSystemNamespace(view.namespace);
    return {
      severity: system ? 'medium' : 'low',
      summary: `${actorText(view)} read Secret ${view.namespace}/${view.name}`,
      evidence: system ? { reasons: [`system namespace ${view.namespace}`] } : {},
    };
  },
};

/** A watch or list narrowed to one Secret by name is how informers read a single Secret. */
function singleSecret(view: EventView): string | undefined {
  const match = /(?:^|,)metadata\.name==?([^,]+)/.exec(view.query.get('fieldSelector') ?? '');
  return match?.[1];
}

export const secretBulkReadRule: Rule = {
  id: 'secret.bulk-read',
  title: 'Secrets listed or watched in bulk',
  category: 'secret',
  what: 'access',
  severity: 'high',
  severityReasons:
    'who: a person, or a service account beyond its own namespace (a known cluster-wide reader, by namespace and name, stays low); what: listing or watching Secrets reads every credential in scope (access): low, raised with its reach (across namespaces, system namespaces).',
  description:
    'Secrets were listed or watched: every Secret in a namespace, or with no namespace, in the whole cluster. Listing returns the values, so this is secret enumeration and theft in one request ' +
    '(the first thing a stolen admin credential or an over-privileged service account token is used for). ' +
    'Cluster-wide reads by a person are high, by a service account medium (low for add-ons running in system namespaces and for the known cluster-wide readers of `settings.secrets.clusterWideReaders`), namespaced reads low (medium in system namespaces). ' +
    'A service account reading its own namespace, nodes and controllers are the baseline.',
  attack: ['T1552.007', 'T1613'],
  controls: ['CIS-5.1.2', 'NSA-CISA-k8s: Authentication and authorization'],
  evidenceLevel: 'Metadata', // verb, namespace and the selector in the request URI decide
  falsePositives:
    'Cluster operators and add-ons that watch all Secrets (cert-manager, external-secrets, backup tools, kube-state-metrics). Add exceptions for their service accounts.',
  remediation:
    'Find why the identity can list Secrets cluster-wide (`kubectl auth can-i list secrets -A --as …`), remove that grant, and rotate the Secrets it could read if the read was not expected.',
  interest: [{ verbs: ['list', 'watch'], resources: ['secrets'], exceptNodeAgents: true }], // nodes are baseline
  evaluate(view, { settings }): RuleHit | undefined {
    if (!isSecret(view) || (view.verb !== 'list' && view.verb !== 'watch') || isBaseline(view) || actsInOwnNamespace(view)) return undefined;
    const who = actorText(view);
    const one = singleSecret(view);
    if (one !== undefined) {
      return {
        severity: inSystemNamespace(view.namespace) ? 'medium' : 'low',
        summary: `${who} ${pastTense(view.verb)} Secret ${view.namespace ? `${view.namespace}/` : ''}${one}`,
        evidence: { fieldSelector: view.query.get('fieldSelector') },
      };
    }
    const selector = view.query.get('labelSelector') ?? view.query.get('fieldSelector');
    const evidence = { scope: view.namespace ? `namespace ${view.namespace}` : 'all namespaces', ...(selector ? { selector } : {}) };
    if (view.namespace === '') {
      const sa = view.actor.serviceAccount;
      const known = sa !== undefined && settings.secrets.clusterWideReaders.includes(`${sa.namespace}:${sa.name}`);
      const severity: Severity = sa === undefined ? 'high' : known || inSystemNamespace(sa.namespace) ? 'low' : 'medium';
      return {
        severity,
        summary: `${who} ${pastTense(view.verb)} Secrets in all namespaces`,
        evidence: known ? { ...evidence, reasons: ['a known cluster-wide Secret reader (settings.secrets.clusterWideReaders)'] } : evidence,
      };
    }
    return {
      severity: inSystemNamespace(view.namespace) ? 'medium' : 'low',
      summary: `${who} ${pastTense(view.verb)} Secrets in namespace ${view.namespace}`,
      evidence,
    };
  },
};

export const secretRules: Rule[] = [secretWriteRule, secretReadRule, secretBulkReadRule];

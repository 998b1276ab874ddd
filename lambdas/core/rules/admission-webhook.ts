import type { EventView, JsonObject } from '../detect/event-view';
import { asArray, asObject, asString } from '../detect/event-view';
import type { AddOn } from '../detect/identity';
import { addOnOf, isPlatform } from '../detect/identity';
import { actorText, forActor, inApiGroups, writtenObject } from './support/common';
import type { Rule } from '../detect/rule';
import { patchedFields, removedPaths } from '../k8s/patch';

/*
 * admission-webhook: code the API server calls on every matching request. A mutating webhook
 * can add a container to every new pod; any webhook receives the objects it matches (Secrets
 * included) and may send them anywhere; a validating webhook or policy that stops denying is a
 * defence switched off. APIService registrations put a foreign server behind an API group and
 * are listed here (the spec names them under both admission-webhook and controller; they are
 * raised once, in this category). ATT&CK ids are v16.
 */

const WRITES = ['create', 'update', 'patch'];
const WEBHOOK_CONFIGS = ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'];
const POLICIES = ['validatingadmissionpolicies', 'validatingadmissionpolicybindings', 'mutatingadmissionpolicies', 'mutatingadmissionpolicybindings'];

const KIND: Record<string, string> = {
  mutatingwebhookconfigurations: 'MutatingWebhookConfiguration',
  validatingwebhookconfigurations: 'ValidatingWebhookConfiguration',
  validatingadmissionpolicies: 'ValidatingAdmissionPolicy',
  validatingadmissionpolicybindings: 'ValidatingAdmissionPolicyBinding',
  mutatingadmissionpolicies: 'MutatingAdmissionPolicy',
  mutatingadmissionpolicybindings: 'MutatingAdmissionPolicyBinding',
  apiservices: 'APIService',
};

const DID: Record<string, string> = { create: 'created', update: 'updated', patch: 'patched', delete: 'deleted', deletecollection: 'deleted a collection of' };

const NSA_POD_SECURITY = 'NSA-CISA-k8s: Kubernetes Pod security';
const NSA_AUTHZ = 'NSA-CISA-k8s: Authentication and authorization';

function objectPhrase(view: EventView): string {
  const kind = KIND[view.resource] ?? view.resource;
  return view.verb === 'deletecollection' || !view.name ? `${kind}s` : `${kind} ${view.name}`;
}

/** Fields a patch sets (what this request decided), undefined for other verbs. */
function patchSets(view: EventView): JsonObject | undefined {
  return view.verb === 'patch' ? patchedFields(view.patch) : undefined;
}

/**
 * A patch that only rotates a CA bundle or edits labels and annotations: cert-manager's
 * cainjector and Helm do this all day, and it changes nothing the API server calls.
 * Removals and strategic-merge directives that delete (`$patch`, `$retainKeys`, ...) are never
 * cosmetic; `$setElementOrder` (kubectl apply) only orders lists.
 */
function cosmeticPatch(view: EventView, cosmetic: RegExp): boolean {
  if (view.verb !== 'patch' || view.patch === undefined) return false;
  if (removedPaths(view.patch).length > 0 || /"\$(patch|retainKeys|deleteFromPrimitiveList)/.test(JSON.stringify(view.patch))) return false;
  if (Array.isArray(view.patch)) {
    return view.patch.every((op) => {
      const o = asObject(op);
      return asString(o?.op) === 'test' || cosmetic.test((asString(o?.path) ?? '').replace(/\/\d+(?=\/|$)/g, '/#'));
    });
  }
  const fields = patchedFields(view.patch);
  return fields !== undefined && leafPaths(fields).every((p) => cosmetic.test(p));
}

function leafPaths(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.length === 0 ? [prefix] : value.flatMap((v) => leafPaths(v, `${prefix}/#`));
  const o = asObject(value);
  if (!o) return [prefix];
  const keys = Object.keys(o);
  return keys.length === 0 ? [prefix] : keys.flatMap((k) => leafPaths(o[k], `${prefix}/${k}`));
}

const COSMETIC_WEBHOOK = /^\/metadata(\/|$)|^\/webhooks\/#\/name$|^\/webhooks\/#\/clientConfig\/caBundle$/;
const COSMETIC_POLICY = /^\/metadata(\/|$)/;
const COSMETIC_APISERVICE = /^\/metadata(\/|$)|^\/spec\/caBundle$/;

// ---------------------------------------------------------------------------------------------
// Webhook configurations

interface Exemption {
  selector: 'namespaceSelector' | 'objectSelector' | 'matchResources.namespaceSelector' | 'matchConstraints.namespaceSelector';
  key: string;
  operator: string;
  values?: string[];
}

/** matchExpressions that carve objects out (NotIn, DoesNotExist): the way to exempt a namespace from a check. */
function exemptions(selector: unknown, name: Exemption['selector']): Exemption[] {
  return asArray(asObject(selector)?.matchExpressions).flatMap((e) => {
    const o = asObject(e);
    const operator = asString(o?.operator);
    const key = asString(o?.key);
    if (!o || key === undefined || (operator !== 'NotIn' && operator !== 'DoesNotExist')) return [];
    const values = asArray(o.values).filter((v): v is string => typeof v === 'string');
    return [{ selector: name, key, operator, ...(operator === 'NotIn' ? { values } : {}) }];
  });
}

function describeExemption(e: Exemption): string {
  const what = e.selector === 'objectSelector' ? 'objects' : 'namespaces';
  return e.operator === 'NotIn' ? `exempts ${what} whose ${e.key} is ${(e.values ?? []).join(', ')}` : `exempts ${what} without label ${e.key}`;
}

type RiskId = 'wildcard-rules' | 'receives-secrets' | 'external-url' | 'exempts' | 'fails-open' | 'stops-denying';

interface Risk {
  id: RiskId;
  label: string;
}

interface WebhookReport {
  name: string;
  risks: Risk[];
  evidence: Record<string, unknown>;
}

const strings = (v: unknown): string[] => asArray(v).filter((s): s is string => typeof s === 'string');

/** What an admission rule list (webhook `rules`, policy `resourceRules`) matches that makes it dangerous. */
function ruleRisks(rules: unknown): Risk[] {
  const risks: Risk[] = [];
  for (const r of asArray(rules)) {
    const o = asObject(r);
    if (!o) continue;
    const operations = strings(o.operations);
    const resources = strings(o.resources);
    const groups = strings(o.apiGroups);
    if (operations.includes('*') || resources.includes('*') || resources.includes('*/*')) {
      const ops = operations.includes('*') ? 'every operation' : operations.join(', ') || 'no operation';
      const res = resources.includes('*') || resources.includes('*/*') ? 'every resource' : resources.join(', ');
      if (!risks.some((x) => x.id === 'wildcard-rules')) risks.push({ id: 'wildcard-rules', label: `intercepts ${ops} on ${res}` });
    } else if (resources.includes('secrets') && (groups.includes('') || groups.includes('*'))) {
      if (!risks.some((x) => x.id === 'receives-secrets')) risks.push({ id: 'receives-secrets', label: 'receives Secret contents' });
    }
  }
  return risks;
}

function webhookReport(webhook: JsonObject, validating: boolean, patchedWebhook: JsonObject | undefined): WebhookReport {
  const risks = ruleRisks(webhook.rules);
  const client = asObject(webhook.clientConfig);
  const url = asString(client?.url);
  if (url !== undefined) risks.push({ id: 'external-url', label: `calls ${url} instead of an in-cluster Service` });
  const exempt = [...exemptions(webhook.namespaceSelector, 'namespaceSelector'), ...exemptions(webhook.objectSelector, 'objectSelector')];
  if (exempt.length > 0) risks.push({ id: 'exempts', label: exempt.map(describeExemption).join(', ') });
  // Failing open is how many webhooks ship; it matters when someone switches an existing check to it.
  if (validating && asString(patchedWebhook?.failurePolicy) === 'Ignore')
    risks.push({ id: 'fails-open', label: 'was switched to fail open (failurePolicy Ignore)' });
  const service = asObject(client?.service);
  return {
    name: asString(webhook.name) ?? '(unnamed)',
    risks,
    evidence: {
      name: asString(webhook.name),
      risks: risks.map((r) => r.id),
      clientConfig:
        url !== undefined
          ? { url }
          : service
            ? { service: { namespace: service.namespace, name: service.name, path: service.path, port: service.port } }
            : undefined,
      rules: webhook.rules,
      failurePolicy: webhook.failurePolicy,
      namespaceSelector: webhook.namespaceSelector,
      objectSelector: webhook.objectSelector,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Platform machinery rewriting its own objects

/** Annotations cert-manager's CA injector acts on: it only ever writes caBundle into objects carrying one. */
const CA_INJECTION = ['cert-manager.io/inject-ca-from', 'cert-manager.io/inject-ca-from-secret', 'cert-manager.io/inject-apiserver-ca'];

/** Webhook configurations policy engines and meshes own and reconcile (rules follow their policies; caBundle rotates). */
const OWN_CONFIGS: Partial<Record<AddOn, RegExp>> = {
  kyverno: /^kyverno-/,
  gatekeeper: /^gatekeeper-/,
  istio: /^istio-/,
};

const requestsCaInjection = (object: JsonObject | undefined): boolean => {
  const annotations = asObject(asObject(object?.metadata)?.annotations);
  return annotations !== undefined && CA_INJECTION.some((a) => asString(annotations[a]) !== undefined);
};

/**
 * Why a webhook configuration write is the platform reconciling its own configuration, or
 * undefined. Identity alone is never enough: the writer must be the add-on that owns the object
 * (by service account AND namespace), and the shape must be theirs: every webhook calls an
 * in-cluster Service (no URL), the owner's webhooks call their own namespace, and the CA injector's
 * writes carry no risky setting (a changed rule, URL or selector is raised as anyone's would be).
 */
function reconciledWebhooks(view: EventView, after: JsonObject, reports: WebhookReport[]): string | undefined {
  const addOn = addOnOf(view.actor);
  if (!addOn || view.verb === 'create') return undefined;
  const services = asArray(after.webhooks).map((w) => asObject(asObject(asObject(w)?.clientConfig)?.service));
  if (services.length === 0 || services.some((svc) => svc === undefined)) return undefined;
  if (addOn === 'cert-manager-cainjector') {
    if (!requestsCaInjection(view.object) || reports.some((r) => r.risks.length > 0)) return undefined;
    return "cert-manager's CA injector rewrote the configuration to fill caBundle; the log does not show the previous object";
  }
  const own = OWN_CONFIGS[addOn];
  const namespace = view.actor.serviceAccount?.namespace;
  if (!own?.test(view.name) || services.some((svc) => asString(svc?.namespace) !== namespace)) return undefined;
  if (reports.some((r) => r.risks.some((risk) => risk.id === 'external-url' || risk.id === 'fails-open'))) return undefined;
  return `${addOn} reconciled its own webhook configuration; every webhook calls a Service in ${namespace}`;
}

/** Webhooks a JSON patch or strategic-merge directive takes out of a configuration. */
function removedWebhookParts(view: EventView): string[] {
  if (view.verb !== 'patch') return [];
  const removed = removedPaths(view.patch).filter((p) => p.startsWith('/webhooks'));
  if (/"\$patch"\s*:\s*"delete"/.test(JSON.stringify(view.patch ?? null))) removed.push('a webhook ($patch: delete)');
  return removed;
}

const webhookConfigurationChanged: Rule = {
  id: 'admission.webhook-configuration-changed',
  title: 'Admission webhook configuration created or changed',
  category: 'admission-webhook',
  severity: 'critical',
  severityReasons:
    'who: a person or unknown identity (platform machinery is the baseline); what: a webhook sees or rewrites every matching request, persistence at cluster scope, so never below medium; high when it intercepts broadly, receives Secrets, calls outside the cluster, exempts namespaces or fails open; evidence: medium when the configuration was not logged; anonymous: critical.',
  description:
    'A MutatingWebhookConfiguration or ValidatingWebhookConfiguration was created or changed by an identity that is not part of the platform. ' +
    'The API server sends every matching request to the webhook: a mutating one can inject a container or a service-account token into every ' +
    'new pod, and any webhook sees the objects it matches, Secrets included. Raised higher for wildcard rules, a clientConfig.url (outside ' +
    'the cluster) instead of a Service, Secrets in scope, selectors that exempt namespaces or objects, a validating webhook switched to ' +
    'failurePolicy Ignore, or webhooks removed from a validating configuration.',
  attack: ['T1557', 'T1552.007', 'T1610', 'T1562.001'],
  controls: ['CIS-5.1.12', NSA_POD_SECURITY],
  evidenceLevel: 'Metadata', // every write is raised (medium when the body is not logged); the risky settings need the body
  falsePositives:
    'Installing or upgrading service meshes, policy engines and operators (Istio, Gatekeeper, Kyverno, cert-manager); Kyverno and similar ' +
    'controllers rewrite their own configurations. CA-bundle rotations and label-only patches are not raised.',
  remediation: 'Confirm the webhook belongs to a known component and its service or URL is yours; if not, delete it and look for pods it mutated.',
  interest: [{ verbs: WRITES, resources: WEBHOOK_CONFIGS }],
  evaluate(view) {
    if (isPlatform(view.actor) || cosmeticPatch(view, COSMETIC_WEBHOOK)) return undefined;
    const validating = view.resource === 'validatingwebhookconfigurations';
    const head = `${actorText(view)} ${DID[view.verb]} ${objectPhrase(view)}`;
    const after = writtenObject(view);
    if (!after)
      return { severity: forActor(view, 'medium'), summary: `${head}; configuration not logged (${view.missingEvidence ?? 'no body'})`, evidence: {} };
    const patched = asArray(patchSets(view)?.webhooks).map(asObject);
    const reports = asArray(after.webhooks).flatMap((w, i) => {
      const webhook = asObject(w);
      if (!webhook) return [];
      const name = asString(webhook.name);
      // a strategic-merge patch names the webhook it changes; a JSON patch addresses it by index
      const setHere =
        (name !== undefined ? patched.find((p) => p !== undefined && asString(p.name) === name) : undefined) ??
        (Array.isArray(view.patch) ? patched[i] : undefined);
      return [webhookReport(webhook, validating, setHere)];
    });
    const removed = validating ? removedWebhookParts(view) : [];
    const routine = removed.length === 0 ? reconciledWebhooks(view, after, reports) : undefined;
    if (routine) {
      // The CA injector's full rewrite cannot show its service is unchanged: low, saying so.
      return {
        severity: addOnOf(view.actor) === 'cert-manager-cainjector' ? 'low' : 'info',
        summary: `${head}: ${routine}`,
        evidence: { webhooks: reports.slice(0, 10).map((r) => r.evidence), platformReconcile: routine },
      };
    }
    const risky = reports.filter((r) => r.risks.length > 0);
    let detail = '';
    if (risky.length > 0) {
      detail = `: webhook ${risky[0].name} ${risky[0].risks.map((r) => r.label).join('; ')}`;
      if (risky.length > 1) detail += ` (and ${risky.length - 1} more risky webhook${risky.length > 2 ? 's' : ''})`;
    }
    if (removed.length > 0) detail += `${detail ? ';' : ':'} removes ${removed.join(', ')}`;
    const shown = (risky.length > 0 ? risky : reports).slice(0, 10);
    return {
      severity: forActor(view, risky.length > 0 || removed.length > 0 ? 'high' : 'medium'),
      summary: `${head}${detail}${view.missingEvidence ? `; ${view.missingEvidence}` : ''}`,
      evidence: { webhooks: shown.map((r) => r.evidence), ...(removed.length > 0 ? { removed } : {}) },
    };
  },
};

// ---------------------------------------------------------------------------------------------
// Admission policies (CEL, in-process)

const admissionPolicyChanged: Rule = {
  id: 'admission.policy-changed',
  title: 'Admission policy or policy binding created or changed',
  category: 'admission-webhook',
  severity: 'critical',
  severityReasons:
    'who: a person or unknown identity; what: an admission policy decides what the cluster admits (a defence), cluster scope: medium for any change, high when it stops denying, fails open or exempts; evidence: medium when the spec was not logged; anonymous: critical.',
  description:
    'A ValidatingAdmissionPolicy, MutatingAdmissionPolicy or one of their bindings was created or changed by an identity that is not part ' +
    'of the platform. Validating policies are guardrails: a binding switched from Deny to Audit or Warn, a policy set to fail open, or new ' +
    'exclusions turn a guardrail off without deleting it. A mutating policy rewrites matching objects inside the API server, no webhook needed, ' +
    'and with wildcard match rules it touches everything.',
  attack: ['T1562.001', 'T1610'],
  controls: ['CIS-5.1.12', NSA_POD_SECURITY],
  evidenceLevel: 'Metadata', // every write is raised (medium when the body is not logged); what weakens a policy needs the body
  falsePositives: 'Policy rollouts by the platform team; Kyverno generating policies from its own ClusterPolicies.',
  remediation: 'Compare the policy with its source of truth (Git); restore Deny, failurePolicy Fail and the intended scope.',
  interest: [{ verbs: WRITES, resources: POLICIES }],
  evaluate(view) {
    if (isPlatform(view.actor) || cosmeticPatch(view, COSMETIC_POLICY)) return undefined;
    const head = `${actorText(view)} ${DID[view.verb]} ${objectPhrase(view)}`;
    const after = writtenObject(view);
    if (!after) return { severity: forActor(view, 'medium'), summary: `${head}; spec not logged (${view.missingEvidence ?? 'no body'})`, evidence: {} };
    const spec = asObject(after.spec) ?? {};
    // Weakening is judged on what a patch sets: an update carries the whole object, old and new alike.
    const set = asObject(patchSets(view)?.spec);
    const risks: Risk[] = [];
    const mutating = view.resource.startsWith('mutating');
    const binding = view.resource.endsWith('bindings');
    if (mutating && !binding) risks.push(...ruleRisks(asObject(spec.matchConstraints)?.resourceRules).filter((r) => r.id === 'wildcard-rules'));
    if (set) {
      if (!mutating && asString(set.failurePolicy) === 'Ignore') risks.push({ id: 'fails-open', label: 'was switched to fail open (failurePolicy Ignore)' });
      const actions = set.validationActions;
      if (Array.isArray(actions) && !strings(actions).includes('Deny'))
        risks.push({ id: 'stops-denying', label: `no longer denies (validationActions ${strings(actions).join(', ') || 'none'})` });
      const match = asObject(set.matchResources) ?? asObject(set.matchConstraints);
      const exempt = exemptions(match?.namespaceSelector, binding ? 'matchResources.namespaceSelector' : 'matchConstraints.namespaceSelector');
      if (exempt.length > 0) risks.push({ id: 'exempts', label: exempt.map(describeExemption).join(', ') });
      if (asArray(match?.excludeResourceRules).length > 0) risks.push({ id: 'exempts', label: 'adds excludeResourceRules' });
    }
    return {
      severity: forActor(view, risks.length > 0 ? 'high' : 'medium'),
      summary: `${head}${risks.length > 0 ? `: ${risks.map((r) => r.label).join('; ')}` : ''}`,
      evidence: {
        risks: risks.map((r) => r.id),
        ...(binding
          ? { policyName: spec.policyName, validationActions: spec.validationActions, paramRef: spec.paramRef }
          : { failurePolicy: spec.failurePolicy }),
        matchResources: spec.matchResources ?? spec.matchConstraints,
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------

const admissionDefenceRemoved: Rule = {
  id: 'admission.defence-removed',
  title: 'Validating webhook or admission policy deleted',
  category: 'admission-webhook',
  severity: 'critical',
  severityReasons:
    'who: a person or unknown identity; what: removing an admission defence takes away a control (takeover of defences), cluster scope: medium, never lower; anonymous: critical.',
  description:
    'A ValidatingWebhookConfiguration, ValidatingAdmissionPolicy or ValidatingAdmissionPolicyBinding was deleted by an identity that is not ' +
    'part of the platform. These enforce what may run (Pod Security, image and registry policies, Gatekeeper and Kyverno rules); deleting ' +
    'one is the quickest way to deploy what they would have refused.',
  attack: ['T1562.001'],
  controls: ['CIS-5.1.12', NSA_POD_SECURITY],
  evidenceLevel: 'Metadata', // a delete is seen from verb and resource
  falsePositives: 'Uninstalling or reinstalling a policy engine; policy clean-ups by the platform team.',
  remediation: 'Restore the object from Git or the chart, then list what was created while it was missing.',
  interest: [
    {
      verbs: ['delete', 'deletecollection'],
      resources: ['validatingwebhookconfigurations', 'validatingadmissionpolicies', 'validatingadmissionpolicybindings'],
    },
  ],
  evaluate(view) {
    if (isPlatform(view.actor)) return undefined;
    return {
      severity: forActor(view, 'medium'),
      summary: `${actorText(view)} ${DID[view.verb]} ${objectPhrase(view)}: the checks it enforced no longer run`,
      evidence: view.verb === 'deletecollection' ? { query: view.query.toString() } : {},
    };
  },
};

// ---------------------------------------------------------------------------------------------
// APIService registrations

/** API groups the API server serves itself: an APIService claiming one is a takeover, not an extension. */
const BUILT_IN_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'autoscaling',
  'policy',
  'rbac.authorization.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'apiregistration.k8s.io',
  'certificates.k8s.io',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'networking.k8s.io',
  'node.k8s.io',
  'scheduling.k8s.io',
  'storage.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'resource.k8s.io',
  'internal.apiserver.k8s.io',
  'storagemigration.k8s.io',
]);

const apiServiceRegistered: Rule = {
  id: 'admission.apiservice-registered',
  title: 'Aggregated API server registered',
  category: 'admission-webhook',
  severity: 'critical',
  severityReasons:
    'who: a person or unknown identity; what: an aggregated API answers requests for a whole API group (persistence at cluster scope): medium, high when it takes over a built-in group or skips TLS verification; evidence: medium when the spec was not logged; anonymous: critical.',
  description:
    'An APIService (apiregistration.k8s.io) backed by a Service was created or re-pointed by an identity that is not part of the platform. ' +
    "The API server then proxies every request for that group and version to the Service, with the caller's identity in headers: a foreign " +
    'server inside the API surface that can answer, record or forge. Claiming a built-in group is raised high. APIServices are reported ' +
    'in the admission-webhook category (the spec also names them under controller; this is the only rule that raises them).',
  attack: ['T1557', 'T1098'],
  controls: ['CIS-5.1.12', NSA_AUTHZ],
  evidenceLevel: 'Metadata', // every write is raised (medium when the body is not logged); the backing Service needs the body
  falsePositives: 'Installing metrics-server, custom-metrics adapters, or other aggregated APIs by hand or with Helm.',
  remediation: 'Check that the group belongs to a component you run and the Service is its own; delete the APIService otherwise.',
  interest: [{ verbs: WRITES, resources: ['apiservices'] }],
  evaluate(view) {
    if (isPlatform(view.actor) || cosmeticPatch(view, COSMETIC_APISERVICE)) return undefined;
    const after = writtenObject(view);
    const head = `${actorText(view)} ${view.verb === 'create' ? 'registered' : DID[view.verb]} APIService ${view.name || '(unnamed)'}`;
    if (!after) return { severity: forActor(view, 'medium'), summary: `${head}; spec not logged (${view.missingEvidence ?? 'no body'})`, evidence: {} };
    const spec = asObject(after.spec) ?? {};
    const service = asObject(spec.service);
    const complete = view.object !== undefined;
    if (!service && complete) return undefined; // served by the API server itself (a local APIService)
    const group = asString(spec.group) ?? view.name.split('.').slice(1).join('.');
    const takeover = BUILT_IN_GROUPS.has(group) && service !== undefined;
    const known = knownAggregatedApi(view, group, service);
    if (known && complete && !takeover) {
      return {
        severity: forActor(view, 'low'),
        summary: `${head} served by Service ${asString(service?.namespace) ?? '?'}/${asString(service?.name) ?? '?'}: ${known}`,
        evidence: {
          group,
          version: spec.version,
          service: service ? { namespace: service.namespace, name: service.name, port: service.port } : undefined,
          insecureSkipTLSVerify: spec.insecureSkipTLSVerify,
          platformReconcile: known,
        },
      };
    }
    const target = service ? `Service ${asString(service.namespace) ?? '?'}/${asString(service.name) ?? '?'}` : 'a backend not in the patch';
    return {
      severity: forActor(view, takeover ? 'high' : 'medium'),
      summary: `${head} served by ${target}${takeover ? `, taking over built-in API group ${group || 'core'}` : ''}`,
      evidence: {
        group,
        version: spec.version,
        service: service ? { namespace: service.namespace, name: service.name, port: service.port } : undefined,
        insecureSkipTLSVerify: spec.insecureSkipTLSVerify,
      },
    };
  },
};

/**
 * Aggregated APIs every cluster installs, by group AND the Service that serves them: metrics-server
 * behind metrics.k8s.io. Anything else (a different Service, another namespace) is raised as any
 * registration is. The CA injector's rewrite of an APIService it was asked to fill is said too.
 */
const KNOWN_AGGREGATED_APIS: ReadonlyArray<{ group: string; service: string; namespaces: readonly string[]; what: string }> = [
  {
    group: 'metrics.k8s.io',
    service: 'metrics-server',
    namespaces: ['kube-system', 'metrics-server', 'monitoring'],
    what: "metrics-server's resource metrics API",
  },
];

function knownAggregatedApi(view: EventView, group: string, service: JsonObject | undefined): string | undefined {
  if (!service) return undefined;
  const ns = asString(service.namespace) ?? '';
  const name = asString(service.name) ?? '';
  const known = KNOWN_AGGREGATED_APIS.find((k) => k.group === group && k.service === name && k.namespaces.includes(ns));
  if (known) return `${known.what}, served by its own Service`;
  if (addOnOf(view.actor) === 'cert-manager-cainjector' && view.verb !== 'create' && requestsCaInjection(view.object)) {
    return "cert-manager's CA injector rewrote it to fill caBundle; the log does not show the previous object";
  }
  return undefined;
}

const API_GROUP_OF: Record<string, string> = {
  ...Object.fromEntries([...WEBHOOK_CONFIGS, ...POLICIES].map((r) => [r, 'admissionregistration.k8s.io'])),
  apiservices: 'apiregistration.k8s.io',
};

export const admissionWebhookRules: Rule[] = inApiGroups(API_GROUP_OF, [
  webhookConfigurationChanged,
  admissionPolicyChanged,
  admissionDefenceRemoved,
  apiServiceRegistered,
]);

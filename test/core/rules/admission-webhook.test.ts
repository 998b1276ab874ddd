import type { Rule } from '../../../lambdas/core/detect/rule';
import { admissionWebhookRules } from '../../../lambdas/core/rules/admission-webhook';
import { auditEvent } from '../../helpers/events';
import { corpusScore } from '../../helpers/corpus-score';
import { hitsOf, severityOf } from '../../helpers/rules';
import type { Ev } from '../../helpers/shipping';

const rule = (id: string): Rule => {
  const found = admissionWebhookRules.find((r) => r.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
};

const ADMISSION = 'admissionregistration.k8s.io';
const anonymous = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
const eksManager = { username: 'eks:addon-manager', groups: ['system:authenticated'] };
const cainjector = { username: 'system:serviceaccount:cert-manager:cert-manager-cainjector', groups: ['system:serviceaccounts', 'system:authenticated'] };

const KIND: Record<string, string> = {
  mutatingwebhookconfigurations: 'MutatingWebhookConfiguration',
  validatingwebhookconfigurations: 'ValidatingWebhookConfiguration',
  validatingadmissionpolicies: 'ValidatingAdmissionPolicy',
  validatingadmissionpolicybindings: 'ValidatingAdmissionPolicyBinding',
  mutatingadmissionpolicies: 'MutatingAdmissionPolicy',
  apiservices: 'APIService',
};

/** A write to a cluster-scoped admission object at RequestResponse level. */
function write(resource: string, name: string, body: Record<string, unknown> | undefined, overrides: Ev = {}): Ev {
  const group = resource === 'apiservices' ? 'apiregistration.k8s.io' : ADMISSION;
  const verb = (overrides.verb as string | undefined) ?? 'create';
  const object = body && { kind: KIND[resource], apiVersion: `${group}/v1`, metadata: { name }, ...body };
  return auditEvent({
    level: 'RequestResponse',
    verb,
    requestURI: `/apis/${group}/v1/${resource}${verb === 'create' ? '' : `/${name}`}`,
    objectRef: { resource, name, apiGroup: group, apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: verb === 'create' ? 201 : 200 },
    ...(object ? { requestObject: object, responseObject: object } : {}),
    ...overrides,
  });
}

function patchOf(event: Ev, patch: unknown, response: unknown): Ev {
  const { responseObject: _r, ...rest } = event;
  return {
    ...rest,
    verb: 'patch',
    level: response === undefined ? 'Request' : 'RequestResponse',
    requestObject: patch,
    ...(response !== undefined ? { responseObject: response } : {}),
  };
}

const failed = (e: Ev): Ev => ({ ...e, responseStatus: { metadata: {}, code: 403 }, responseObject: undefined });
const dryRun = (e: Ev): Ev => ({ ...e, requestURI: `${String(e.requestURI)}?dryRun=All` });
const received = (e: Ev): Ev => ({ ...e, stage: 'RequestReceived', responseStatus: undefined, responseObject: undefined });
const metadataOnly = (e: Ev): Ev => ({ ...e, level: 'Metadata', requestObject: undefined, responseObject: undefined });

const sidecarWebhook = {
  name: 'inject.sidecar.example.com',
  clientConfig: { service: { namespace: 'mesh', name: 'injector', path: '/inject', port: 443 }, caBundle: 'LS0tLS1CRUdJTi...' },
  rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
  failurePolicy: 'Fail',
  sideEffects: 'None',
  admissionReviewVersions: ['v1'],
};
const policyWebhook = {
  name: 'validate.policy.example.com',
  clientConfig: { service: { namespace: 'policy', name: 'webhook' } },
  rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'] }],
  failurePolicy: 'Fail',
  sideEffects: 'None',
  admissionReviewVersions: ['v1'],
};

describe('admission.webhook-configuration-changed', () => {
  const r = rule('admission.webhook-configuration-changed');
  const mutating = (webhooks: unknown[], overrides: Ev = {}): Ev => write('mutatingwebhookconfigurations', 'sidecar', { webhooks }, overrides);
  const validating = (webhooks: unknown[], overrides: Ev = {}): Ev => write('validatingwebhookconfigurations', 'policy', { webhooks }, overrides);

  it('raises a webhook configuration created by a human at medium, with the webhook as evidence (no CA bundle)', () => {
    const hits = hitsOf(r, mutating([sidecarWebhook]));
    expect(hits).toEqual([expect.objectContaining({ severity: 'medium', summary: 'alice@example.com created MutatingWebhookConfiguration sidecar' })]);
    expect(hits[0].evidence).toEqual({
      webhooks: [
        {
          name: 'inject.sidecar.example.com',
          risks: [],
          clientConfig: { service: { namespace: 'mesh', name: 'injector', path: '/inject', port: 443 } },
          rules: sidecarWebhook.rules,
          failurePolicy: 'Fail',
          namespaceSelector: undefined,
          objectSelector: undefined,
        },
      ],
    });
  });

  it('rates wildcard rules, a URL outside the cluster and Secrets in scope high', () => {
    const wildcard = { ...sidecarWebhook, rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }] };
    expect(hitsOf(r, mutating([wildcard]))[0]).toMatchObject({
      severity: 'high',
      summary:
        'alice@example.com created MutatingWebhookConfiguration sidecar: webhook inject.sidecar.example.com intercepts every operation on every resource',
    });
    const external = { ...policyWebhook, clientConfig: { url: 'https://203.0.113.9:8443/validate' } };
    expect(hitsOf(r, validating([external]))[0].summary).toBe(
      'alice@example.com created ValidatingWebhookConfiguration policy: webhook validate.policy.example.com calls https://203.0.113.9:8443/validate instead of an in-cluster Service',
    );
    const secrets = { ...policyWebhook, rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['secrets'] }] };
    expect(hitsOf(r, validating([secrets]))[0].summary).toMatch(/receives Secret contents$/);
  });

  it('rates selectors that exempt namespaces or objects high, and names them', () => {
    const exempt = {
      ...policyWebhook,
      namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'tools'] }] },
    };
    expect(hitsOf(r, validating([policyWebhook, exempt]))[0]).toMatchObject({
      severity: 'high',
      summary:
        'alice@example.com created ValidatingWebhookConfiguration policy: webhook validate.policy.example.com exempts namespaces whose kubernetes.io/metadata.name is kube-system, tools',
    });
    const optOut = { ...sidecarWebhook, objectSelector: { matchExpressions: [{ key: 'skip-policy', operator: 'DoesNotExist' }] } };
    expect(hitsOf(r, mutating([optOut]))[0].summary).toMatch(/exempts objects without label skip-policy$/);
    const optIn = { ...sidecarWebhook, namespaceSelector: { matchLabels: { injection: 'enabled' } } };
    expect(severityOf(r, mutating([optIn]))).toBe('medium');
  });

  it('rates a validating webhook switched to fail open high, but not one created that way', () => {
    const after = { kind: 'ValidatingWebhookConfiguration', metadata: { name: 'policy' }, webhooks: [{ ...policyWebhook, failurePolicy: 'Ignore' }] };
    const smp = patchOf(validating([policyWebhook]), { webhooks: [{ name: 'validate.policy.example.com', failurePolicy: 'Ignore' }] }, after);
    expect(hitsOf(r, smp)[0]).toMatchObject({
      severity: 'high',
      summary:
        'alice@example.com patched ValidatingWebhookConfiguration policy: webhook validate.policy.example.com was switched to fail open (failurePolicy Ignore)',
    });
    const jsonPatch = patchOf(validating([policyWebhook]), [{ op: 'replace', path: '/webhooks/0/failurePolicy', value: 'Ignore' }], undefined);
    expect(severityOf(r, jsonPatch)).toBe('high');
    expect(severityOf(r, validating([{ ...policyWebhook, failurePolicy: 'Ignore' }]))).toBe('medium');
    // a mutating webhook failing open weakens no check
    const mutatingAfter = { kind: 'MutatingWebhookConfiguration', metadata: { name: 'sidecar' }, webhooks: [{ ...sidecarWebhook, failurePolicy: 'Ignore' }] };
    expect(severityOf(r, patchOf(mutating([sidecarWebhook]), { webhooks: [{ name: sidecarWebhook.name, failurePolicy: 'Ignore' }] }, mutatingAfter))).toBe(
      'medium',
    );
  });

  it('rates webhooks removed from a validating configuration by a patch high', () => {
    const e = patchOf(validating([policyWebhook]), [{ op: 'remove', path: '/webhooks/0' }], {
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'policy' },
      webhooks: [],
    });
    expect(hitsOf(r, e)[0]).toMatchObject({
      severity: 'high',
      summary: 'alice@example.com patched ValidatingWebhookConfiguration policy: removes /webhooks/0',
    });
    const directive = patchOf(validating([policyWebhook]), { webhooks: [{ name: 'validate.policy.example.com', $patch: 'delete' }] }, undefined);
    expect(hitsOf(r, directive)[0].summary).toMatch(/removes a webhook \(\$patch: delete\)$/);
  });

  it('says when the configuration was not logged, and is critical for anonymous callers', () => {
    expect(hitsOf(r, metadataOnly(mutating([sidecarWebhook])))).toEqual([
      expect.objectContaining({
        severity: 'medium',
        summary: 'alice@example.com created MutatingWebhookConfiguration sidecar; configuration not logged (audit level Metadata recorded no request body)',
      }),
    ]);
    expect(severityOf(r, { ...mutating([sidecarWebhook]), user: anonymous })).toBe('critical');
  });

  it('ignores CA-bundle rotations and label edits, however the patch is written', () => {
    const after = {
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: 'sidecar' },
      webhooks: [{ ...sidecarWebhook, rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }] }],
    };
    const smp = patchOf(mutating([sidecarWebhook]), { webhooks: [{ name: sidecarWebhook.name, clientConfig: { caBundle: 'TkVX' } }] }, after);
    expect(hitsOf(r, { ...smp, user: cainjector })).toEqual([]);
    expect(hitsOf(r, patchOf(mutating([sidecarWebhook]), [{ op: 'replace', path: '/webhooks/0/clientConfig/caBundle', value: 'TkVX' }], after))).toEqual([]);
    expect(hitsOf(r, patchOf(mutating([sidecarWebhook]), { metadata: { labels: { 'app.kubernetes.io/version': '1.2.3' } } }, after))).toEqual([]);
    const applied = {
      '$setElementOrder/webhooks': [{ name: sidecarWebhook.name }],
      webhooks: [{ name: sidecarWebhook.name, clientConfig: { caBundle: 'TkVX' } }],
    };
    expect(hitsOf(r, patchOf(mutating([sidecarWebhook]), applied, after))).toEqual([]);
  });

  it('still raises a patch that rotates the CA bundle and points the webhook elsewhere', () => {
    const patch = { webhooks: [{ name: sidecarWebhook.name, clientConfig: { caBundle: 'TkVX', url: 'https://evil.example.net/mutate' } }] };
    expect(hitsOf(r, patchOf(mutating([sidecarWebhook]), patch, undefined))[0]).toMatchObject({
      severity: 'high',
      summary: expect.stringContaining('calls https://evil.example.net/mutate') as unknown,
    });
  });

  it("notes cert-manager's CA injector re-sending a whole configuration it was asked to fill as low, unless it carries a risky setting", () => {
    const injected = (webhooks: unknown[], annotations: Record<string, string> = { 'cert-manager.io/inject-ca-from': 'mesh/injector-tls' }): Ev => {
      const object = { kind: 'MutatingWebhookConfiguration', apiVersion: `${ADMISSION}/v1`, metadata: { name: 'sidecar', annotations }, webhooks };
      return mutating(webhooks, { verb: 'update', user: cainjector, requestObject: object, responseObject: object });
    };
    const [hit] = hitsOf(r, injected([sidecarWebhook]));
    expect(hit.severity).toBe('low');
    expect(hit.summary).toBe(
      "system:serviceaccount:cert-manager:cert-manager-cainjector updated MutatingWebhookConfiguration sidecar: cert-manager's CA injector rewrote the configuration to fill caBundle; the log does not show the previous object",
    );
    // Near misses: the same identity pointing the webhook at a URL, an object not asking for injection, a lookalike account.
    const external = { ...sidecarWebhook, clientConfig: { url: 'https://evil.example.net/mutate', caBundle: 'TkVX' } };
    expect(severityOf(r, injected([external]))).toBe('high');
    expect(severityOf(r, injected([sidecarWebhook], {}))).toBe('medium');
    const lookalike = { username: 'system:serviceaccount:dev:cert-manager-cainjector', groups: ['system:serviceaccounts', 'system:authenticated'] };
    expect(severityOf(r, { ...injected([sidecarWebhook]), user: lookalike })).toBe('medium');
  });

  it('takes policy engines and meshes reconciling their own configurations as information, and a foreign service as an attack', () => {
    const kyvernoSA = {
      username: 'system:serviceaccount:kyverno:kyverno-admission-controller',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:kyverno', 'system:authenticated'],
    };
    const kyvernoWebhook = {
      ...sidecarWebhook,
      name: 'mutate.kyverno.svc-fail',
      clientConfig: { service: { namespace: 'kyverno', name: 'kyverno-svc', path: '/mutate/fail' }, caBundle: 'TkVX' },
      // Kyverno's rules follow its policies: every resource when a policy matches everything.
      rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }],
      namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kyverno'] }] },
    };
    const reconcile = (webhooks: unknown[], name = 'kyverno-resource-mutating-webhook-cfg', user: Record<string, unknown> = kyvernoSA): Ev =>
      write('mutatingwebhookconfigurations', name, { webhooks }, { verb: 'update', user });
    const [hit] = hitsOf(r, reconcile([kyvernoWebhook]));
    expect(hit.severity).toBe('info');
    expect(hit.summary).toContain('kyverno reconciled its own webhook configuration; every webhook calls a Service in kyverno');
    const istiod = {
      username: 'system:serviceaccount:istio-system:istiod',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:istio-system', 'system:authenticated'],
    };
    const injector = { ...sidecarWebhook, clientConfig: { service: { namespace: 'istio-system', name: 'istiod', path: '/inject' } } };
    expect(severityOf(r, reconcile([injector], 'istio-sidecar-injector', istiod))).toBe('info');
    // The same identity sending its webhook to another namespace's service, or to a URL, or writing someone else's configuration.
    const moved = { ...kyvernoWebhook, clientConfig: { service: { namespace: 'default', name: 'kyverno-svc' } } };
    expect(severityOf(r, reconcile([moved]))).toBe('high');
    const url = { ...kyvernoWebhook, clientConfig: { url: 'https://203.0.113.9/mutate' } };
    expect(severityOf(r, reconcile([url]))).toBe('high');
    expect(severityOf(r, reconcile([{ ...kyvernoWebhook, clientConfig: { service: { namespace: 'kyverno', name: 'kyverno-svc' } } }], 'sidecar'))).toBe('high');
    // Creating one is an install, not a reconcile.
    expect(severityOf(r, write('mutatingwebhookconfigurations', 'kyverno-x', { webhooks: [kyvernoWebhook] }, { user: kyvernoSA }))).toBe('high');
  });

  it('stays quiet for the platform, failures, dry runs and earlier stages', () => {
    const e = mutating([sidecarWebhook]);
    expect(hitsOf(r, { ...e, user: eksManager })).toEqual([]);
    expect(hitsOf(r, failed(e))).toEqual([]);
    expect(hitsOf(r, dryRun(e))).toEqual([]);
    expect(hitsOf(r, received(e))).toEqual([]);
    expect(hitsOf(r, { ...e, verb: 'get' })).toEqual([]);
  });
});

describe('admission.policy-changed', () => {
  const r = rule('admission.policy-changed');
  const vapBinding = (spec: Record<string, unknown>, overrides: Ev = {}): Ev =>
    write('validatingadmissionpolicybindings', 'require-labels', { spec }, overrides);
  const bindingSpec = { policyName: 'require-labels', validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { env: 'prod' } } } };

  it('raises policy and binding changes at medium', () => {
    expect(hitsOf(r, vapBinding(bindingSpec))).toEqual([
      expect.objectContaining({ severity: 'medium', summary: 'alice@example.com created ValidatingAdmissionPolicyBinding require-labels' }),
    ]);
  });

  it('rates a binding patched to stop denying, or to exempt namespaces, high', () => {
    const after = { kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'require-labels' }, spec: { ...bindingSpec, validationActions: ['Audit'] } };
    expect(hitsOf(r, patchOf(vapBinding(bindingSpec), { spec: { validationActions: ['Audit'] } }, after))[0]).toMatchObject({
      severity: 'high',
      summary: 'alice@example.com patched ValidatingAdmissionPolicyBinding require-labels: no longer denies (validationActions Audit)',
    });
    const exempt = {
      spec: { matchResources: { namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['staging'] }] } } },
    };
    expect(severityOf(r, patchOf(vapBinding(bindingSpec), exempt, undefined))).toBe('high');
  });

  it('rates a policy patched to fail open high, and a mutating policy on every resource high', () => {
    const vap = write('validatingadmissionpolicies', 'require-labels', { spec: { failurePolicy: 'Fail', validations: [{ expression: 'true' }] } });
    expect(hitsOf(r, patchOf(vap, { spec: { failurePolicy: 'Ignore' } }, undefined))[0].summary).toBe(
      'alice@example.com patched ValidatingAdmissionPolicy require-labels: was switched to fail open (failurePolicy Ignore)',
    );
    const map = write('mutatingadmissionpolicies', 'add-sidecar', {
      spec: { matchConstraints: { resourceRules: [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['CREATE'], resources: ['*'] }] }, mutations: [] },
    });
    expect(severityOf(r, map)).toBe('high');
  });

  it('says when the spec was not logged; ignores label edits, the platform and failures', () => {
    expect(hitsOf(r, metadataOnly(vapBinding(bindingSpec)))[0].summary).toMatch(/; spec not logged \(audit level Metadata/);
    expect(hitsOf(r, patchOf(vapBinding(bindingSpec), { metadata: { labels: { owner: 'platform' } } }, undefined))).toEqual([]);
    expect(hitsOf(r, { ...vapBinding(bindingSpec), user: eksManager })).toEqual([]);
    expect(hitsOf(r, failed(vapBinding(bindingSpec)))).toEqual([]);
  });
});

describe('admission.defence-removed', () => {
  const r = rule('admission.defence-removed');
  const del = (resource: string, name: string): Ev => write(resource, name, undefined, { verb: 'delete' });

  it('raises deleting a validating webhook configuration or an admission policy', () => {
    expect(hitsOf(r, del('validatingwebhookconfigurations', 'gatekeeper-validating-webhook-configuration'))).toEqual([
      expect.objectContaining({
        severity: 'medium',
        summary: 'alice@example.com deleted ValidatingWebhookConfiguration gatekeeper-validating-webhook-configuration: the checks it enforced no longer run',
      }),
    ]);
    expect(severityOf(r, del('validatingadmissionpolicybindings', 'require-labels'))).toBe('medium');
    expect(severityOf(r, { ...del('validatingadmissionpolicies', 'require-labels'), user: anonymous })).toBe('critical');
  });

  it('leaves mutating webhooks, the platform and failed deletes alone', () => {
    expect(hitsOf(r, del('mutatingwebhookconfigurations', 'sidecar'))).toEqual([]);
    expect(hitsOf(r, { ...del('validatingwebhookconfigurations', 'vpc-resource-validating-webhook'), user: eksManager })).toEqual([]);
    expect(hitsOf(r, { ...del('validatingwebhookconfigurations', 'x'), responseStatus: { metadata: {}, code: 404 } })).toEqual([]);
  });
});

describe('admission.apiservice-registered', () => {
  const r = rule('admission.apiservice-registered');
  const apiService = (name: string, spec: Record<string, unknown>, overrides: Ev = {}): Ev => write('apiservices', name, { spec }, overrides);
  const metrics = {
    group: 'metrics.k8s.io',
    version: 'v1beta1',
    service: { namespace: 'kube-system', name: 'metrics-server', port: 443 },
    insecureSkipTLSVerify: true,
    groupPriorityMinimum: 100,
    versionPriority: 100,
  };

  it('raises an aggregated API registered by a human at medium, naming the backing Service', () => {
    const custom = { ...metrics, group: 'custom.metrics.k8s.io', service: { namespace: 'monitoring', name: 'prometheus-adapter', port: 443 } };
    expect(hitsOf(r, apiService('v1beta1.custom.metrics.k8s.io', custom))).toEqual([
      expect.objectContaining({
        severity: 'medium',
        summary: 'alice@example.com registered APIService v1beta1.custom.metrics.k8s.io served by Service monitoring/prometheus-adapter',
        evidence: {
          group: 'custom.metrics.k8s.io',
          version: 'v1beta1',
          service: { namespace: 'monitoring', name: 'prometheus-adapter', port: 443 },
          insecureSkipTLSVerify: true,
        },
      }),
    ]);
  });

  it("notes metrics-server's own APIService low, but not the metrics API served by anything else", () => {
    const [hit] = hitsOf(r, apiService('v1beta1.metrics.k8s.io', metrics));
    expect(hit.severity).toBe('low');
    expect(hit.summary).toBe(
      "alice@example.com registered APIService v1beta1.metrics.k8s.io served by Service kube-system/metrics-server: metrics-server's resource metrics API, served by its own Service",
    );
    const elsewhere = { ...metrics, service: { namespace: 'default', name: 'metrics-server', port: 443 } };
    expect(hitsOf(r, apiService('v1beta1.metrics.k8s.io', elsewhere))[0].severity).toBe('medium');
    const renamed = { ...metrics, service: { namespace: 'kube-system', name: 'metrics-proxy', port: 443 } };
    expect(hitsOf(r, apiService('v1beta1.metrics.k8s.io', renamed))[0].severity).toBe('medium');
    expect(
      hitsOf(r, { ...apiService('v1beta1.metrics.k8s.io', metrics), user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } })[0].severity,
    ).toBe('critical');
  });

  it('rates a built-in API group served from a Service high', () => {
    const hijack = apiService('v1.rbac.authorization.k8s.io', {
      ...metrics,
      group: 'rbac.authorization.k8s.io',
      version: 'v1',
      service: { namespace: 'default', name: 'shadow' },
    });
    expect(hitsOf(r, hijack)[0]).toMatchObject({
      severity: 'high',
      summary: expect.stringMatching(/taking over built-in API group rbac.authorization.k8s.io$/) as unknown,
    });
  });

  it('says when the spec was not logged', () => {
    expect(hitsOf(r, metadataOnly(apiService('v1beta1.metrics.k8s.io', metrics)))[0].summary).toMatch(/; spec not logged/);
  });

  it('leaves local APIServices, the API server, CA-bundle patches and status updates alone', () => {
    expect(hitsOf(r, apiService('v1.apps', { group: 'apps', version: 'v1', groupPriorityMinimum: 17800, versionPriority: 15 }))).toEqual([]);
    expect(hitsOf(r, { ...apiService('v1beta1.metrics.k8s.io', metrics), user: { username: 'system:apiserver', groups: ['system:authenticated'] } })).toEqual(
      [],
    );
    expect(hitsOf(r, patchOf(apiService('v1beta1.metrics.k8s.io', metrics), { spec: { caBundle: 'TkVX' } }, undefined))).toEqual([]);
    const status = {
      ...apiService('v1beta1.metrics.k8s.io', metrics, { verb: 'update' }),
      objectRef: { resource: 'apiservices', subresource: 'status', name: 'v1beta1.metrics.k8s.io', apiGroup: 'apiregistration.k8s.io', apiVersion: 'v1' },
    };
    expect(hitsOf(r, status)).toEqual([]);
  });
});

describe('admission rules metadata', () => {
  it('declare a family id, the admission-webhook category, ATT&CK ids, controls and their interest', () => {
    for (const r of admissionWebhookRules) {
      expect(r.id).toMatch(/^admission\.[a-z-]+$/);
      expect(r.category).toBe('admission-webhook');
      expect(r.attack.length).toBeGreaterThan(0);
      expect(r.controls.length).toBeGreaterThan(0);
      expect(r.interest.length).toBeGreaterThan(0);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('corpus: admission-webhook', () => {
  it('finds every labelled admission-webhook event and raises no medium+ false alarm', () => {
    const score = corpusScore(admissionWebhookRules, 'admission-webhook');
    expect(score.positives).toBe(2);
    expect(score.missed).toEqual([]);
    expect(score.falseAlarms).toEqual([]);
  });
});

import fc from 'fast-check';
import type { AuditEvent } from '../../../lambdas/core/audit-event';
import { DEFAULT_CONFIG, ruleApplies } from '../../../lambdas/core/detect/engine';
import type { Detection } from '../../../lambdas/core/detect/engine';
import { viewOf } from '../../../lambdas/core/detect/event-view';
import { MemoryStateStore } from '../../../lambdas/core/detect/state-store';
import { EVENT_RULES } from '../../../lambdas/core/rules';
import { auditEvent } from '../../helpers/events';

/*
 * Bodies are the one part of an event the reader does not type-check: every rule must read any
 * JSON there without throwing (the engine contains a rule that throws, but as a second line).
 * Keys are the ones the rules and the k8s helpers read, so wrong-typed values reach them.
 */

const KEYS = [
  'kind',
  'apiVersion',
  'metadata',
  'name',
  'namespace',
  'generateName',
  'labels',
  'annotations',
  'ownerReferences',
  'spec',
  'template',
  'jobTemplate',
  'containers',
  'initContainers',
  'ephemeralContainers',
  'image',
  'command',
  'args',
  'env',
  'value',
  'valueFrom',
  'securityContext',
  'privileged',
  'capabilities',
  'add',
  'drop',
  'runAsUser',
  'runAsNonRoot',
  'allowPrivilegeEscalation',
  'procMount',
  'seccompProfile',
  'appArmorProfile',
  'windowsOptions',
  'hostProcess',
  'type',
  'hostPID',
  'hostNetwork',
  'hostIPC',
  'hostPath',
  'path',
  'volumes',
  'volumeMounts',
  'mountPath',
  'readOnly',
  'nodeName',
  'nodeSelector',
  'tolerations',
  'operator',
  'key',
  'effect',
  'serviceAccountName',
  'automountServiceAccountToken',
  'rules',
  'verbs',
  'resources',
  'apiGroups',
  'resourceNames',
  'nonResourceURLs',
  'aggregationRule',
  'clusterRoleSelectors',
  'matchLabels',
  'matchExpressions',
  'subjects',
  'roleRef',
  'webhooks',
  'clientConfig',
  'url',
  'service',
  'caBundle',
  'failurePolicy',
  'namespaceSelector',
  'objectSelector',
  'operations',
  'matchConstraints',
  'matchResources',
  'resourceRules',
  'excludeResourceRules',
  'validationActions',
  'policyName',
  'paramRef',
  'status',
  'conditions',
  'reason',
  'message',
  'token',
  'data',
  'stringData',
  'secrets',
  'containerStatuses',
  'initContainerStatuses',
  'ephemeralContainerStatuses',
  'restartCount',
  'lastState',
  'terminated',
  'waiting',
  'state',
  'exitCode',
  'finishedAt',
  'usages',
  'signerName',
  'request',
  'groups',
  'username',
  'expirationSeconds',
  'audiences',
  'boundObjectRef',
  'group',
  'names',
  'versions',
  'scope',
  'conversion',
  'webhook',
  'schedule',
  'suspend',
  'storageClassName',
  'provisioner',
  'parameters',
  'reclaimPolicy',
  'claimRef',
  'mapRoles',
  'mapUsers',
  'rolearn',
  'userarn',
  'op',
  'from',
  'items',
  'targetContainerName',
  'selector',
  'mounts',
  'ports',
  'stdin',
  'tty',
  'container',
  'insecureSkipTLSVerify',
  'webhookClientConfig',
  'commonName',
  'organizations',
  'clusterLogging',
];

/** Names every object inherits, which a body can carry as its own keys. */
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'toJSON', 'hasOwnProperty', 'length'];

const { body } = fc.letrec<{ body: unknown; object: Record<string, unknown>; array: unknown[] }>((tie) => ({
  body: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.jsonValue({ maxDepth: 2 }), tie('object'), tie('array')),
  // Built like JSON.parse builds them: `__proto__` is an own key, not the prototype.
  object: fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...KEYS), fc.constantFrom(...PROTOTYPE_KEYS)), tie('body')), { maxLength: 6 })
    .map((entries) => Object.fromEntries(entries)),
  array: fc.array(tie('body'), { maxLength: 4 }),
}));

/** A JSON patch whose operations have the right keys and any values. */
const jsonPatch = fc.array(
  fc.record(
    {
      op: fc.oneof(fc.constantFrom('add', 'replace', 'remove', 'copy', 'move'), fc.jsonValue()),
      path: fc.oneof(
        fc.constantFrom(
          '/rules',
          '/rules/0',
          '/rules/-',
          '/spec/template/spec/containers/0',
          '/data/x',
          '/webhooks/0/clientConfig',
          '/subjects/-',
          '/metadata/annotations',
          '/',
          '',
          '/__proto__/polluted',
          '/spec/__proto__/polluted',
          '/constructor/prototype/polluted',
        ),
        fc.jsonValue(),
      ),
      value: body,
    },
    { requiredKeys: [] },
  ),
  { maxLength: 4 },
);

const USERS = [
  { username: 'alice@example.com', groups: ['system:authenticated'] },
  { username: 'system:anonymous', groups: ['system:unauthenticated'] },
  { username: 'system:serviceaccount:team-a:deployer', groups: ['system:serviceaccounts'] },
  { username: 'system:node:ip-10-0-0-1', groups: ['system:nodes'] },
  { username: 'system:kube-controller-manager', groups: [] },
];

const NAMESPACES = ['', 'default', 'kube-system', 'team-a'];
const NAMES = ['', 'x', 'aws-auth', 'cluster-admin', 'system:node', 'audit-policy'];
const URI_QUERIES = ['', '?command=sh&command=-c&command=cat%20/etc/shadow&stdin=true', '?dryRun=All', '?ports=8080', '?command='];

function resourcesOf(rule: Detection): Array<{ verb: string; resource: string; subresource: string }> {
  const out: Array<{ verb: string; resource: string; subresource: string }> = [];
  for (const s of rule.interest) {
    for (const verb of s.verbs ?? ['get', 'create', 'patch', 'delete']) {
      for (const r of s.resources ?? ['pods', 'configmaps', '']) {
        const [resource, sub = ''] = r.split('/');
        out.push({ verb, resource: resource === '*' ? 'pods' : resource, subresource: sub === '*' ? 'status' : sub });
      }
    }
  }
  return out;
}

function eventFor(
  target: { verb: string; resource: string; subresource: string },
  parts: { request: unknown; response: unknown; user: (typeof USERS)[number]; namespace: string; name: string; query: string; code: number; group: string },
): AuditEvent {
  const { verb, resource, subresource } = target;
  return auditEvent({
    level: 'RequestResponse',
    verb,
    stage: subresource === 'exec' || subresource === 'attach' || subresource === 'portforward' ? 'ResponseStarted' : 'ResponseComplete',
    requestURI: `/apis/x/v1/${resource}/${parts.name}${subresource ? `/${subresource}` : ''}${parts.query}`,
    user: parts.user,
    objectRef: {
      resource,
      ...(subresource ? { subresource } : {}),
      ...(parts.namespace ? { namespace: parts.namespace } : {}),
      ...(parts.name ? { name: parts.name } : {}),
      ...(parts.group ? { apiGroup: parts.group } : {}),
    },
    responseStatus: { code: parts.code },
    requestObject: parts.request,
    responseObject: parts.response,
  }) as unknown as AuditEvent;
}

describe('every rule reads hostile bodies without throwing', () => {
  const state = new MemoryStateStore();
  afterEach(() => {
    // A JSON patch path through `__proto__` once wrote into Object.prototype: every object in the process.
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  for (const rule of EVENT_RULES.filter((r) => r.interest.length > 0)) {
    const targets = resourcesOf(rule);
    it(`${rule.id}`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...targets),
          fc.oneof(body, jsonPatch, fc.jsonValue()),
          fc.oneof(body, fc.jsonValue(), fc.constant(undefined)),
          fc.constantFrom(...USERS),
          fc.constantFrom(...NAMESPACES),
          fc.constantFrom(...NAMES),
          fc.constantFrom(...URI_QUERIES),
          fc.constantFrom(200, 201, 101, 403),
          fc.constantFrom('', 'rbac.authorization.k8s.io', 'apps', 'admissionregistration.k8s.io'),
          async (target, request, response, user, namespace, name, query, code, group) => {
            const view = viewOf(eventFor(target, { request, response, user, namespace, name, query, code, group }), 'prod');
            if (!ruleApplies(rule, view)) return;
            if ('observe' in rule) await rule.observe(view, DEFAULT_CONFIG.settings, state);
            else rule.evaluate(view, { settings: DEFAULT_CONFIG.settings });
          },
        ),
        { numRuns: Number(process.env.FUZZ_RUNS ?? 200) },
      );
    });
  }
});

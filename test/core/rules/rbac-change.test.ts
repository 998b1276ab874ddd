import type { Rule } from '../../../lambdas/core/detect/rule';
import { rbacChangeRules } from '../../../lambdas/core/rules/rbac-change';
import { auditEvent, clusterAdminBinding } from '../../helpers/events';
import { corpusScore } from '../../helpers/corpus-score';
import { hitsOf, severityOf } from '../../helpers/rules';
import type { Ev } from '../../helpers/shipping';

const rule = (id: string): Rule => {
  const found = rbacChangeRules.find((r) => r.id === id);
  if (!found) throw new Error(`no rule ${id}`);
  return found;
};

const RBAC = 'rbac.authorization.k8s.io';
const anonymous = { username: 'system:anonymous', groups: ['system:unauthenticated'] };
const apiserver = { username: 'system:apiserver', groups: ['system:authenticated'] };
const aggregationController = {
  username: 'system:serviceaccount:kube-system:clusterrole-aggregation-controller',
  groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
};

const PLURAL: Record<string, string> = { Role: 'roles', ClusterRole: 'clusterroles', RoleBinding: 'rolebindings', ClusterRoleBinding: 'clusterrolebindings' };

/** A write to an RBAC object as the API server logs it at RequestResponse level. */
function rbacWrite(kind: keyof typeof PLURAL, name: string, body: Record<string, unknown> | undefined, overrides: Ev = {}): Ev {
  const resource = PLURAL[kind];
  const namespace = kind === 'Role' || kind === 'RoleBinding' ? ((overrides.namespace as string | undefined) ?? 'team-a') : undefined;
  const verb = (overrides.verb as string | undefined) ?? 'create';
  const collection = `/apis/${RBAC}/v1/${namespace ? `namespaces/${namespace}/` : ''}${resource}`;
  const object = body && { kind, apiVersion: `${RBAC}/v1`, metadata: { name, ...(namespace ? { namespace } : {}) }, ...body };
  const { namespace: _ns, ...rest } = overrides;
  return auditEvent({
    level: 'RequestResponse',
    verb,
    requestURI: verb === 'create' ? collection : `${collection}/${name}`,
    objectRef: { resource, name, apiGroup: RBAC, apiVersion: 'v1', ...(namespace ? { namespace } : {}) },
    responseStatus: { metadata: {}, code: verb === 'create' ? 201 : 200 },
    ...(object ? { requestObject: object, responseObject: object } : {}),
    ...rest,
  });
}

const clusterRole = (name: string, rules: unknown[], overrides: Ev = {}): Ev => rbacWrite('ClusterRole', name, { rules }, overrides);
const role = (name: string, rules: unknown[], overrides: Ev = {}): Ev => rbacWrite('Role', name, { rules }, overrides);
const binding = (
  kind: 'RoleBinding' | 'ClusterRoleBinding',
  name: string,
  roleRef: { kind: string; name: string },
  subjects: unknown[],
  overrides: Ev = {},
): Ev => rbacWrite(kind, name, { roleRef: { apiGroup: RBAC, ...roleRef }, subjects }, overrides);

/** A patch: the request body is the patch, the response the object after it (omit it for Request level). */
function patchOf(event: Ev, patch: unknown, response: unknown): Ev {
  const { responseObject: _r, ...rest } = event;
  return {
    ...rest,
    level: response === undefined ? 'Request' : 'RequestResponse',
    requestObject: patch,
    ...(response !== undefined ? { responseObject: response } : {}),
  };
}

const failed = (e: Ev): Ev => ({ ...e, responseStatus: { metadata: {}, code: 403, reason: 'Forbidden' }, responseObject: undefined });
const dryRun = (e: Ev): Ev => ({ ...e, requestURI: `${String(e.requestURI)}?dryRun=All` });
const received = (e: Ev): Ev => ({ ...e, stage: 'RequestReceived', responseStatus: undefined, responseObject: undefined });
const metadataOnly = (e: Ev): Ev => ({ ...e, level: 'Metadata', requestObject: undefined, responseObject: undefined });

describe('rbac.role-or-binding-changed', () => {
  const r = rule('rbac.role-or-binding-changed');
  const created = clusterRole('reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]);

  it('records any RBAC write by a human at medium (the rubric: persistence is never below medium)', () => {
    expect(hitsOf(r, created)).toEqual([expect.objectContaining({ severity: 'medium', summary: 'alice@example.com created ClusterRole reader' })]);
    expect(hitsOf(r, binding('RoleBinding', 'readers', { kind: 'Role', name: 'reader' }, [{ kind: 'User', name: 'bob' }]))[0].summary).toBe(
      'alice@example.com created RoleBinding team-a/readers',
    );
  });

  it('says when the audit level hid the body instead of treating it as clean', () => {
    expect(hitsOf(r, metadataOnly(created))[0].summary).toMatch(/body not logged \(audit level Metadata/);
  });

  it('names deletes, and makes anything an anonymous caller got away with critical', () => {
    const deleted = rbacWrite('ClusterRoleBinding', 'ops', undefined, { verb: 'delete' });
    expect(hitsOf(r, deleted)[0].summary).toBe('alice@example.com deleted ClusterRoleBinding ops');
    expect(severityOf(r, { ...created, user: anonymous })).toBe('critical');
  });

  it('stays quiet for the platform, failures, dry runs, earlier stages and reads', () => {
    expect(hitsOf(r, { ...created, user: apiserver })).toEqual([]);
    expect(hitsOf(r, { ...created, user: aggregationController })).toEqual([]);
    expect(hitsOf(r, failed(created))).toEqual([]);
    expect(hitsOf(r, dryRun(created))).toEqual([]);
    expect(hitsOf(r, received(created))).toEqual([]);
    expect(hitsOf(r, { ...created, verb: 'get' })).toEqual([]);
  });

  it('ignores resources of other API groups that happen to be called roles (ACK IAM roles)', () => {
    const iamRole = {
      ...created,
      objectRef: { resource: 'roles', name: 'app', namespace: 'team-a', apiGroup: 'iam.services.k8s.aws', apiVersion: 'v1alpha1' },
    };
    expect(hitsOf(r, iamRole)).toEqual([]);
  });
});

describe('rbac.privileged-role-bound', () => {
  const r = rule('rbac.privileged-role-bound');

  it('names who bound cluster-admin to whom, through which binding', () => {
    expect(hitsOf(r, clusterAdminBinding())).toEqual([
      expect.objectContaining({
        severity: 'high',
        summary: 'alice@example.com bound cluster-admin to ServiceAccount kube-public/default via ClusterRoleBinding backdoor',
        evidence: expect.objectContaining({ roleRef: { kind: 'ClusterRole', name: 'cluster-admin' } }) as unknown,
      }),
    ]);
  });

  it('is critical when an anonymous caller made the grant', () => {
    expect(severityOf(r, { ...clusterAdminBinding(), user: anonymous })).toBe('critical');
  });

  it('rates admin and system:masters-equivalent roles high, edit medium, view not at all', () => {
    const to = (name: string): Ev => binding('RoleBinding', 'b', { kind: 'ClusterRole', name }, [{ kind: 'User', name: 'bob' }]);
    expect(severityOf(r, to('admin'))).toBe('high');
    expect(severityOf(r, to('system:kube-controller-manager'))).toBe('high');
    expect(severityOf(r, to('edit'))).toBe('medium');
    expect(severityOf(r, to('view'))).toBeUndefined();
  });

  it('does not mistake a namespaced Role that is merely called admin for the built-in ClusterRole', () => {
    expect(hitsOf(r, binding('RoleBinding', 'b', { kind: 'Role', name: 'admin' }, [{ kind: 'User', name: 'bob' }]))).toEqual([]);
  });

  it('reads a patch that adds subjects to a cluster-admin binding (roleRef from the response)', () => {
    const after = {
      kind: 'ClusterRoleBinding',
      metadata: { name: 'ops-admins' },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [
        { kind: 'User', name: 'ops' },
        { kind: 'User', name: 'mallory' },
      ],
    };
    const patch = [{ op: 'add', path: '/subjects/-', value: { kind: 'User', name: 'mallory' } }];
    const patched = patchOf(binding('ClusterRoleBinding', 'ops-admins', { kind: 'ClusterRole', name: 'cluster-admin' }, [], { verb: 'patch' }), patch, after);
    expect(hitsOf(r, patched)[0].summary).toBe('alice@example.com bound cluster-admin to User mallory via ClusterRoleBinding ops-admins');
  });

  it('does not re-raise the grant on a patch that only touches labels', () => {
    const after = {
      kind: 'ClusterRoleBinding',
      metadata: { name: 'ops-admins', labels: { team: 'ops' } },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'User', name: 'ops' }],
    };
    const patched = patchOf(
      binding('ClusterRoleBinding', 'ops-admins', { kind: 'ClusterRole', name: 'cluster-admin' }, [], { verb: 'patch' }),
      { metadata: { labels: { team: 'ops' } } },
      after,
    );
    expect(hitsOf(r, patched)).toEqual([]);
  });

  it('stays quiet for the platform, failures and dry runs', () => {
    expect(hitsOf(r, { ...clusterAdminBinding(), user: apiserver })).toEqual([]);
    expect(hitsOf(r, failed(clusterAdminBinding()))).toEqual([]);
    expect(hitsOf(r, dryRun(clusterAdminBinding()))).toEqual([]);
  });
});

describe('rbac.broad-subject-bound', () => {
  const r = rule('rbac.broad-subject-bound');

  it('is critical for a grant to every authenticated identity', () => {
    const e = binding('ClusterRoleBinding', 'everyone-view', { kind: 'ClusterRole', name: 'view' }, [
      { kind: 'Group', name: 'system:authenticated', apiGroup: RBAC },
    ]);
    expect(hitsOf(r, e)).toEqual([
      expect.objectContaining({
        severity: 'critical',
        summary: 'alice@example.com bound ClusterRole view to Group system:authenticated (every authenticated identity) via ClusterRoleBinding everyone-view',
      }),
    ]);
  });

  it("catches a namespace's default service account, written with or without its namespace, or as a user name", () => {
    const sa = binding('RoleBinding', 'ci', { kind: 'ClusterRole', name: 'edit' }, [{ kind: 'ServiceAccount', name: 'default' }], { namespace: 'build' });
    expect(hitsOf(r, sa)[0].summary).toBe(
      'alice@example.com bound ClusterRole edit to ServiceAccount build/default (every pod in namespace build that names no service account) via RoleBinding build/ci',
    );
    const asUser = binding('ClusterRoleBinding', 'x', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'User', name: 'system:serviceaccount:web:default' }]);
    expect(severityOf(r, asUser)).toBe('critical');
    const allSAs = binding('ClusterRoleBinding', 'x', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'Group', name: 'system:serviceaccounts:web' }]);
    expect(severityOf(r, allSAs)).toBe('critical');
  });

  it('sees system:unauthenticated added by a JSON patch even when the response was not logged', () => {
    const patch = [{ op: 'add', path: '/subjects/-', value: { kind: 'Group', name: 'system:unauthenticated', apiGroup: RBAC } }];
    const e = patchOf(binding('ClusterRoleBinding', 'readers', { kind: 'ClusterRole', name: 'view' }, [], { verb: 'patch' }), patch, undefined);
    expect(hitsOf(r, e)).toEqual([
      expect.objectContaining({ severity: 'critical', summary: expect.stringContaining('a role (roleRef not logged)') as unknown }),
    ]);
  });

  it("rates the API server's own discovery grants low", () => {
    const e = binding('ClusterRoleBinding', 'system:public-info-viewer', { kind: 'ClusterRole', name: 'system:public-info-viewer' }, [
      { kind: 'Group', name: 'system:authenticated' },
      { kind: 'Group', name: 'system:unauthenticated' },
    ]);
    expect(severityOf(r, e)).toBe('low');
  });

  it('leaves named service accounts, system:masters and the platform alone', () => {
    expect(
      hitsOf(r, binding('RoleBinding', 'ci', { kind: 'ClusterRole', name: 'edit' }, [{ kind: 'ServiceAccount', name: 'builder', namespace: 'build' }])),
    ).toEqual([]);
    expect(hitsOf(r, binding('ClusterRoleBinding', 'm', { kind: 'ClusterRole', name: 'cluster-admin' }, [{ kind: 'Group', name: 'system:masters' }]))).toEqual(
      [],
    );
    const bootstrap = binding(
      'ClusterRoleBinding',
      'system:discovery',
      { kind: 'ClusterRole', name: 'system:discovery' },
      [{ kind: 'Group', name: 'system:authenticated' }],
      { user: apiserver },
    );
    expect(hitsOf(r, bootstrap)).toEqual([]);
  });
});

describe('rbac.dangerous-role-permissions', () => {
  const r = rule('rbac.dangerous-role-permissions');

  it('raises each dangerous rules entry on its own, with the entry as evidence', () => {
    const secretsEntry = { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] };
    const execEntry = { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] };
    const hits = hitsOf(r, clusterRole('debugger', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }, secretsEntry, execEntry]));
    expect(hits).toHaveLength(2);
    expect(hits[0]).toEqual({
      severity: 'high',
      summary: 'alice@example.com created ClusterRole debugger: rules[1] lets holders read Secrets (verbs [get, list] on [secrets] in API groups [""])',
      evidence: { rulesIndex: 1, entry: secretsEntry, powers: ['read-secrets'] },
    });
    expect(hits[1].evidence).toEqual({ rulesIndex: 2, entry: execEntry, powers: ['exec-into-pods'] });
  });

  it('never joins verbs and resources across entries', () => {
    // flattened, this reads as "get secrets" and "create pods/exec"; entry by entry it grants neither
    const harmless = clusterRole('split', [
      { apiGroups: [''], resources: ['secrets', 'pods'], verbs: ['create', 'delete'] },
      { apiGroups: [''], resources: ['configmaps', 'pods/exec'], verbs: ['list'] },
    ]);
    expect(hitsOf(r, harmless)).toEqual([]);
  });

  it('summarises full wildcards as "do anything"', () => {
    const hits = hitsOf(r, clusterRole('super', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]));
    expect(hits[0].summary).toBe(
      'alice@example.com created ClusterRole super: rules[0] lets holders do anything (every verb on every resource in every API group) (verbs [*] on [*] in API groups [*])',
    );
    expect(hits[0].evidence?.powers).toEqual(expect.arrayContaining(['all-verbs', 'all-resources', 'all-api-groups', 'escalate', 'read-secrets']));
  });

  it('covers escalate, bind, impersonate, nodes/proxy, token minting, RBAC and webhook writes, and */exec', () => {
    const one = (entry: Record<string, unknown>): unknown => hitsOf(r, clusterRole('x', [entry]))[0]?.evidence?.powers;
    expect(one({ apiGroups: [RBAC], resources: ['clusterroles'], verbs: ['escalate'] })).toEqual(['escalate']);
    expect(one({ apiGroups: [RBAC], resources: ['clusterroles'], verbs: ['bind'] })).toEqual(['bind']);
    expect(one({ apiGroups: [''], resources: ['users', 'groups'], verbs: ['impersonate'] })).toEqual(['impersonate']);
    expect(one({ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] })).toEqual(['node-proxy']);
    expect(one({ apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] })).toEqual(['mint-tokens']);
    expect(one({ apiGroups: [RBAC], resources: ['clusterrolebindings'], verbs: ['create'] })).toEqual(['write-rbac']);
    expect(one({ apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], verbs: ['patch'] })).toEqual(['write-admission']);
    expect(one({ apiGroups: [''], resources: ['*/exec'], verbs: ['get'] })).toEqual(['exec-into-pods']);
    // the wrong group grants nothing: "secrets" of a CRD are not core Secrets
    expect(one({ apiGroups: ['example.com'], resources: ['secrets'], verbs: ['get'] })).toBeUndefined();
  });

  it('knows a namespaced Role cannot grant cluster-scoped powers', () => {
    expect(hitsOf(r, role('proxy', [{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] }]))).toEqual([]);
    expect(hitsOf(r, role('imp', [{ apiGroups: [''], resources: ['users'], verbs: ['impersonate'] }]))).toEqual([]);
    expect(hitsOf(r, role('imp', [{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] }]))[0].evidence?.powers).toEqual(['impersonate']);
  });

  it('lowers grants narrowed by resourceNames, except bind, escalate and impersonate', () => {
    expect(severityOf(r, clusterRole('tls', [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['web-tls'], verbs: ['get'] }]))).toBe('medium');
    expect(severityOf(r, clusterRole('binder', [{ apiGroups: [RBAC], resources: ['clusterroles'], resourceNames: ['cluster-admin'], verbs: ['bind'] }]))).toBe(
      'high',
    );
  });

  it('rates a wildcard API group on harmless resources medium, and ignores non-resource URLs', () => {
    expect(severityOf(r, clusterRole('deploy-reader', [{ apiGroups: ['*'], resources: ['deployments'], verbs: ['get', 'list'] }]))).toBe('medium');
    expect(hitsOf(r, clusterRole('urls', [{ nonResourceURLs: ['*'], verbs: ['*'] }]))).toEqual([]);
  });

  it('says when the role is aggregated into the built-in admin, edit or view roles', () => {
    const e = rbacWrite('ClusterRole', 'sneaky', {
      metadata: { name: 'sneaky', labels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' } },
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }],
    });
    expect(hitsOf(r, e)[0].summary).toMatch(/aggregated into the built-in view role$/);
  });

  it('reads merge patches of rules, and only the entries a JSON patch touches', () => {
    const base = clusterRole('app', [], { verb: 'patch' });
    const merge = patchOf(base, { rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['watch'] }] }, undefined);
    expect(hitsOf(r, merge)[0].evidence?.powers).toEqual(['read-secrets']);

    const after = {
      kind: 'ClusterRole',
      metadata: { name: 'app' },
      rules: [
        { apiGroups: [''], resources: ['secrets'], verbs: ['get'] }, // already there: not this request's doing
        { apiGroups: [RBAC], resources: ['clusterroles'], verbs: ['get', 'escalate'] },
      ],
    };
    const json = patchOf(base, [{ op: 'add', path: '/rules/1/verbs/-', value: 'escalate' }], after);
    const hits = hitsOf(r, json);
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ severity: 'high', evidence: { rulesIndex: 1, powers: ['escalate'], entry: after.rules[1] } });

    const appended = patchOf(base, [{ op: 'add', path: '/rules/-', value: after.rules[1] }], after);
    expect(hitsOf(r, appended).map((h) => h.evidence?.rulesIndex)).toEqual([1]);
  });

  it('judges a JSON patch without the response on what it shows, and says the rest is missing', () => {
    const base = clusterRole('app', [], { verb: 'patch' });
    const escalate = patchOf(base, [{ op: 'add', path: '/rules/0/verbs/-', value: 'escalate' }], undefined);
    expect(hitsOf(r, escalate)).toEqual([
      expect.objectContaining({ severity: 'medium', summary: expect.stringMatching(/escalate.*the rest of the entry is not in the log$/) as unknown }),
    ]);
    // "get" added to an entry whose resources are unknown proves nothing
    expect(hitsOf(r, patchOf(base, [{ op: 'add', path: '/rules/0/verbs/-', value: 'get' }], undefined))).toEqual([]);
  });

  it('does not re-raise existing rules on a patch that leaves them alone', () => {
    const after = { kind: 'ClusterRole', metadata: { name: 'app', labels: { a: 'b' } }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] };
    expect(hitsOf(r, patchOf(clusterRole('app', [], { verb: 'patch' }), { metadata: { labels: { a: 'b' } } }, after))).toEqual([]);
  });

  it('stays quiet for the aggregation controller, failures and dry runs; anonymous is critical', () => {
    const e = clusterRole('admin', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }], { verb: 'update' });
    expect(hitsOf(r, { ...e, user: aggregationController })).toEqual([]);
    expect(hitsOf(r, failed(e))).toEqual([]);
    expect(hitsOf(r, dryRun(e))).toEqual([]);
    expect(severityOf(r, { ...e, user: anonymous })).toBe('critical');
  });
});

describe('rbac.built-in-role-tampered', () => {
  const r = rule('rbac.built-in-role-tampered');

  it('raises a human updating a system: role', () => {
    const e = clusterRole('system:node', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }], { verb: 'update' });
    expect(hitsOf(r, e)).toEqual([expect.objectContaining({ severity: 'high', summary: 'alice@example.com updated built-in ClusterRole system:node' })]);
  });

  it('names the subjects added to the cluster-admin binding and a switched-off reconciliation', () => {
    const patch = {
      metadata: { annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } },
      subjects: [
        { kind: 'Group', name: 'system:masters' },
        { kind: 'User', name: 'mallory' },
      ],
    };
    const e = patchOf(binding('ClusterRoleBinding', 'cluster-admin', { kind: 'ClusterRole', name: 'cluster-admin' }, [], { verb: 'patch' }), patch, undefined);
    expect(hitsOf(r, e)[0].summary).toBe(
      'alice@example.com patched built-in ClusterRoleBinding cluster-admin (subjects now: Group system:masters, User mallory) and turned off its reconciliation (autoupdate=false)',
    );
  });

  it('raises deletes and body-less updates of built-ins', () => {
    expect(severityOf(r, rbacWrite('ClusterRole', 'system:kube-aggregator', undefined, { verb: 'delete' }))).toBe('high');
    expect(hitsOf(r, metadataOnly(clusterRole('eks:addon-manager', [], { verb: 'update' })))[0].summary).toMatch(/; body not logged$/);
  });

  it('leaves creations, namespaced roles that share a default name, and the platform alone', () => {
    expect(hitsOf(r, clusterRole('system:custom', []))).toEqual([]);
    expect(hitsOf(r, role('admin', [], { verb: 'update' }))).toEqual([]);
    expect(severityOf(r, clusterRole('admin', [], { verb: 'update' }))).toBe('high');
    expect(hitsOf(r, { ...clusterRole('admin', [], { verb: 'update' }), user: aggregationController })).toEqual([]);
    expect(hitsOf(r, { ...clusterRole('system:coredns', [], { verb: 'update' }), user: { username: 'eks:addon-manager', groups: [] } })).toEqual([]);
  });
});

describe('rbac.aws-auth-changed', () => {
  const r = rule('rbac.aws-auth-changed');
  const mapRoles = [
    '- rolearn: arn:aws:iam::111122223333:role/eks-nodes',
    '  username: system:node:{{EC2PrivateDNSName}}',
    '  groups: [system:bootstrappers, system:nodes]',
    '- rolearn: arn:aws:iam::444455556666:role/helper',
    '  username: helper',
    '  groups:',
    '    - system:masters',
  ].join('\n');
  const awsAuth = (verb: string, body: unknown, extra: Ev = {}): Ev =>
    auditEvent({
      level: 'RequestResponse',
      verb,
      requestURI: '/api/v1/namespaces/kube-system/configmaps/aws-auth',
      objectRef: { resource: 'configmaps', namespace: 'kube-system', name: 'aws-auth', apiVersion: 'v1' },
      requestObject: body,
      ...extra,
    });

  it('says which IAM principal a patch maps to system:masters', () => {
    expect(hitsOf(r, awsAuth('patch', { data: { mapRoles } }))).toEqual([
      expect.objectContaining({
        severity: 'high',
        summary:
          'alice@example.com patched ConfigMap kube-system/aws-auth: mapRoles maps arn:aws:iam::444455556666:role/helper (username helper) to system:masters',
        evidence: {
          mappings: [
            {
              section: 'mapRoles',
              arn: 'arn:aws:iam::111122223333:role/eks-nodes',
              username: 'system:node:{{EC2PrivateDNSName}}',
              groups: ['system:bootstrappers', 'system:nodes'],
            },
            { section: 'mapRoles', arn: 'arn:aws:iam::444455556666:role/helper', username: 'helper', groups: ['system:masters'] },
          ],
        },
      }),
    ]);
  });

  it('still raises edits without a masters mapping, body-less edits and deletion', () => {
    const nodesOnly = {
      kind: 'ConfigMap',
      metadata: { name: 'aws-auth', namespace: 'kube-system' },
      data: { mapRoles: mapRoles.split('\n').slice(0, 3).join('\n'), mapAccounts: '- "777788889999"' },
    };
    expect(hitsOf(r, awsAuth('update', nodesOnly))[0].summary).toBe(
      'alice@example.com updated ConfigMap kube-system/aws-auth: now maps 2 IAM identities, including whole account 777788889999; none to system:masters',
    );
    expect(hitsOf(r, metadataOnly(awsAuth('update', nodesOnly)))[0].summary).toMatch(/aws-auth; body not logged/);
    expect(hitsOf(r, awsAuth('delete', undefined))[0].summary).toBe(
      'alice@example.com deleted ConfigMap kube-system/aws-auth: every IAM mapping it held is gone',
    );
    expect(hitsOf(r, awsAuth('patch', { data: { mapRoles: '- rolearn: [unclosed' } }))[0].summary).toMatch(/mapRoles could not be read$/);
  });

  it('leaves other ConfigMaps and EKS itself alone', () => {
    expect(
      hitsOf(r, awsAuth('patch', { data: { mapRoles } }, { objectRef: { resource: 'configmaps', namespace: 'default', name: 'aws-auth', apiVersion: 'v1' } })),
    ).toEqual([]);
    expect(
      hitsOf(
        r,
        awsAuth('patch', { data: { mapRoles } }, { objectRef: { resource: 'configmaps', namespace: 'kube-system', name: 'coredns', apiVersion: 'v1' } }),
      ),
    ).toEqual([]);
    expect(hitsOf(r, awsAuth('patch', { data: { mapRoles } }, { user: { username: 'eks:node-manager', groups: ['system:authenticated'] } }))).toEqual([]);
    expect(hitsOf(r, failed(awsAuth('patch', { data: { mapRoles } })))).toEqual([]);
  });
});

describe('rbac.denied-write-attempt', () => {
  const r = rule('rbac.denied-write-attempt');

  it('counts a forbidden RBAC write by a human, higher when the escalation check refused it', () => {
    expect(hitsOf(r, failed(clusterAdminBinding()))).toEqual([
      expect.objectContaining({ severity: 'low', summary: 'alice@example.com was forbidden to create ClusterRoleBinding backdoor' }),
    ]);
    const escalation = {
      ...failed(clusterAdminBinding()),
      responseStatus: {
        metadata: {},
        code: 403,
        message:
          'clusterrolebindings.rbac.authorization.k8s.io "backdoor" is forbidden: user "alice@example.com" (groups=[...]) is attempting to grant RBAC permissions not currently held',
      },
    };
    expect(severityOf(r, escalation)).toBe('medium');
  });

  it('ignores successes, dry runs, other errors, earlier stages and the platform', () => {
    expect(hitsOf(r, clusterAdminBinding())).toEqual([]);
    expect(hitsOf(r, dryRun(clusterAdminBinding()))).toEqual([]);
    expect(hitsOf(r, { ...clusterAdminBinding(), responseStatus: { metadata: {}, code: 409 } })).toEqual([]);
    expect(hitsOf(r, { ...failed(clusterAdminBinding()), stage: 'RequestReceived' })).toEqual([]);
    expect(hitsOf(r, { ...failed(clusterAdminBinding()), user: apiserver })).toEqual([]);
  });
});

describe('rbac rules metadata', () => {
  it('declare a family id, ATT&CK ids, controls and their interest', () => {
    for (const r of rbacChangeRules) {
      expect(r.id).toMatch(/^rbac\.[a-z-]+$/);
      expect(r.category).toBe('rbac-change');
      expect(r.attack.length).toBeGreaterThan(0);
      expect(r.controls.length).toBeGreaterThan(0);
      expect(r.interest.length).toBeGreaterThan(0);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('corpus: rbac-change', () => {
  it('finds every labelled rbac-change event and raises no medium+ false alarm', () => {
    const score = corpusScore(rbacChangeRules, 'rbac-change');
    expect(score.positives).toBe(37);
    expect(score.missed).toEqual([]);
    expect(score.falseAlarms).toEqual([]);
  });
});

describe('kubeadm init/upgrade/join re-applying its own RBAC defaults', () => {
  // kubeadm runs with admin.conf: kubernetes-admin in kubeadm:cluster-admins (system:masters before 1.29).
  const kubeadm = {
    user: { username: 'kubernetes-admin', groups: ['kubeadm:cluster-admins', 'system:authenticated'] },
    userAgent: 'kubeadm/v1.31.2 (linux/amd64) kubernetes/5864a46',
  };
  const clusterAdmins = (subjects: unknown[], overrides: Ev = {}): Ev =>
    rbacWrite(
      'ClusterRoleBinding',
      'kubeadm:cluster-admins',
      { roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'cluster-admin' }, subjects },
      { verb: 'update', ...kubeadm, ...overrides },
    );
  const adminsGroup = { apiGroup: RBAC, kind: 'Group', name: 'kubeadm:cluster-admins' };
  const every = (e: Ev) => rbacChangeRules.flatMap((r) => hitsOf(r, e));

  it('takes the exact defaults as information on the audit trail, nothing more', () => {
    const hits = every(clusterAdmins([adminsGroup]));
    expect(hits.map((h) => h.severity)).toEqual(['info']);
    expect(hits[0].summary).toBe("kubernetes-admin updated ClusterRoleBinding kubeadm:cluster-admins (kubeadm's default, unchanged)");
    const clusterInfo = rbacWrite(
      'RoleBinding',
      'kubeadm:bootstrap-signer-clusterinfo',
      {
        roleRef: { apiGroup: RBAC, kind: 'Role', name: 'kubeadm:bootstrap-signer-clusterinfo' },
        subjects: [{ apiGroup: RBAC, kind: 'User', name: 'system:anonymous' }],
      },
      { ...kubeadm, namespace: 'kube-public' },
    );
    expect(every(clusterInfo).map((h) => h.severity)).toEqual(['info']);
    const getNodes = rbacWrite(
      'ClusterRole',
      'kubeadm:get-nodes',
      { rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }] },
      { verb: 'update', ...kubeadm },
    );
    expect(every(getNodes).map((h) => h.severity)).toEqual(['info']);
  });

  it('still raises a subject added to a kubeadm binding, a widened kubeadm role, or a body it cannot see', () => {
    const backdoor = every(clusterAdmins([adminsGroup, { kind: 'User', name: 'mallory' }]));
    expect(backdoor.map((h) => `${h.severity} ${h.summary}`)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^high kubernetes-admin bound cluster-admin to .*User mallory/)]),
    );
    const widened = rbacWrite(
      'ClusterRole',
      'kubeadm:get-nodes',
      { rules: [{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] }] },
      { verb: 'update', ...kubeadm },
    );
    expect(every(widened).some((h) => h.severity === 'high')).toBe(true);
    const { requestObject: _q, responseObject: _r, ...metadataOnly } = clusterAdmins([adminsGroup]);
    expect(every({ ...metadataOnly, level: 'Metadata' }).some((h) => h.severity === 'high')).toBe(true);
  });

  it('needs kubeadm with admin credentials: the user agent alone, or another user, is not kubeadm', () => {
    const claimed = clusterAdmins([adminsGroup], { user: { username: 'mallory', groups: ['system:authenticated'] } });
    expect(every(claimed).some((h) => h.severity === 'high')).toBe(true);
    const kubectl = clusterAdmins([adminsGroup], { userAgent: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46' });
    expect(every(kubectl).some((h) => h.severity === 'high')).toBe(true);
  });
});

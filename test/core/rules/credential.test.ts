import { clientCsrRule, csrApprovalRule, csrSubject, nodeCreatedRule, privilegedImpersonationRule } from '../../../lambdas/core/rules/credential';
import { hitsOf, severityOf } from '../../helpers/rules';
import type { Ev } from '../../helpers/shipping';
import { nearMisses, reaches, request, users } from './support/requests';

/** `openssl req -new -subj "/O=system:masters/CN=mallory"` (EC P-256), base64 of the PEM as a CSR carries it. */
const MASTERS_CSR =
  'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIbU1JR05BZ0VBTUNzeEZ6QVZCZ05WQkFvTURuTjVjM1JsYlRwdFlYTjBaWEp6TVJBd0RnWURWUVFEREFkdApZV3hzYjNKNU1Ga3dFd1lIS29aSXpqMENBUVlJS29aSXpqMERBUWNEUWdBRWd6M2p2QjJqUFE0WjVrQW1nUEF2Ckd5YUxKSWlKWTl1Yjl6THB0UjZFbWk1eUNKM2ZCODFzc1VPMkNhMEhBdEF3N1NqRTNsS3dTTE1VNk1oZXd6UE8KUmFBQU1Bb0dDQ3FHU000OUJBTUNBMGdBTUVVQ0lRQ1R1SXlFa2tzbTVYRTA3WG5LbEFLa1dHWUVpbHd5elMyYwpNMmhpTTdLTlBBSWdDU2kwdGJpeEpQRElIZ1FsSElZQVhsZGdBODZxRVpWd3dVeTQ1WUtid29vPQotLS0tLUVORCBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K';
/** `openssl req -new -subj "/O=developers/CN=bob"`. */
const DEVELOPER_CSR =
  'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0KTUlIZU1JR0ZBZ0VBTUNNeEV6QVJCZ05WQkFvTUNtUmxkbVZzYjNCbGNuTXhEREFLQmdOVkJBTU1BMkp2WWpCWgpNQk1HQnlxR1NNNDlBZ0VHQ0NxR1NNNDlBd0VIQTBJQUJNekM4L0lKVlo4ekc2Q2RiRVNpbTRwK0hLUElZNXYwCmZIM0ZjWitiODA0NmovNzc5TW5GZTNDekdVcExnQ2dGSnlibGE1czgvcmJqN3lWRzlpRHFCV3VnQURBS0JnZ3EKaGtqT1BRUURBZ05JQURCRkFpQUs4V2VFL205WC8wTUxYNFk3YmZNYjkrUFFySytzREI3R1dmaEo1RW14ZGdJaApBTFU0YVRVZE9hUzlVZE5nM1RYQU84MXE3d0tBL0tSYWZoM0loRXBpTGFoMgotLS0tLUVORCBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K';

function csr(name: string, request: string, signerName: string, conditions: Ev[] = []): Ev {
  return {
    kind: 'CertificateSigningRequest',
    apiVersion: 'certificates.k8s.io/v1',
    metadata: { name },
    spec: {
      request,
      signerName,
      usages: ['client auth'],
      username: 'alice@example.com',
      groups: ['developers', 'system:authenticated'],
      expirationSeconds: 31536000,
    },
    status: { conditions },
  };
}

const approved = { type: 'Approved', status: 'True', reason: 'KubectlApprove', message: 'This CSR was approved by kubectl certificate approve.' };
const denied = { type: 'Denied', status: 'True', reason: 'KubectlDeny' };

const approval = (object: Ev | undefined, user: Ev = users.alice, verb = 'update'): Ev =>
  request({
    verb,
    resource: 'certificatesigningrequests',
    subresource: 'approval',
    name: 'mallory',
    apiGroup: 'certificates.k8s.io',
    user,
    ...(object ? { requestObject: object, responseObject: object } : {}),
  });

describe('csrSubject', () => {
  it('reads the common name and organizations of a PEM CSR', () => {
    expect(csrSubject(MASTERS_CSR)).toEqual({ commonName: 'mallory', organizations: ['system:masters'] });
    expect(csrSubject(DEVELOPER_CSR)).toEqual({ commonName: 'bob', organizations: ['developers'] });
  });

  it('returns nothing for junk, without throwing', () => {
    expect(csrSubject('LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0=')).toBeUndefined();
    expect(csrSubject('not base64 at all!')).toBeUndefined();
    expect(csrSubject(undefined)).toBeUndefined();
  });
});

describe('credential.csr-approval', () => {
  it('rates approving a system:masters client certificate critical and names the subject', () => {
    const [hit] = hitsOf(csrApprovalRule, approval(csr('mallory', MASTERS_CSR, 'kubernetes.io/kube-apiserver-client', [approved])));
    expect(hit).toMatchObject({
      severity: 'critical',
      summary: 'alice@example.com approved CertificateSigningRequest mallory (kubernetes.io/kube-apiserver-client) for CN=mallory, O=system:masters',
      evidence: {
        signerName: 'kubernetes.io/kube-apiserver-client',
        subject: { commonName: 'mallory', organizations: ['system:masters'] },
        issues: 'client certificate',
      },
    });
  });

  it('rates other approvals high, also when sent as a patch', () => {
    expect(severityOf(csrApprovalRule, approval(csr('bob', DEVELOPER_CSR, 'kubernetes.io/kube-apiserver-client', [approved])))).toBe('high');
    const patch = request({
      verb: 'patch',
      resource: 'certificatesigningrequests',
      subresource: 'approval',
      name: 'bob',
      apiGroup: 'certificates.k8s.io',
      level: 'Request',
      requestObject: { status: { conditions: [approved] } },
    });
    expect(hitsOf(csrApprovalRule, patch)[0]).toMatchObject({
      severity: 'high',
      summary: 'alice@example.com approved CertificateSigningRequest bob (signer not logged)',
    });
  });

  it('says medium when the body was not logged: approval and denial look alike', () => {
    expect(hitsOf(csrApprovalRule, approval(undefined))[0]).toMatchObject({
      severity: 'medium',
      summary: expect.stringContaining('approved or denied: not logged') as unknown,
    });
  });

  it.each<[string, Ev]>([
    ...nearMisses(approval(csr('mallory', MASTERS_CSR, 'kubernetes.io/kube-apiserver-client', [approved]))),
    ['the CSR was denied', approval(csr('mallory', MASTERS_CSR, 'kubernetes.io/kube-apiserver-client', [denied]))],
    [
      "the control plane's approver approved a kubelet CSR",
      approval(
        csr('node-csr-x', DEVELOPER_CSR, 'kubernetes.io/kube-apiserver-client-kubelet', [approved]),
        users.serviceAccount('kube-system', 'certificate-controller'),
      ),
    ],
    [
      'EKS approved it',
      approval(csr('csr-x', DEVELOPER_CSR, 'kubernetes.io/kubelet-serving', [approved]), {
        username: 'eks:certificate-controller',
        groups: ['system:authenticated'],
      }),
    ],
  ])('raises nothing when %s', (_why, event) => {
    expect(hitsOf(csrApprovalRule, event)).toEqual([]);
  });

  it('declares the approval subresource, not the status one', () => {
    expect(reaches(csrApprovalRule, approval(undefined))).toBe(true);
    expect(
      reaches(
        csrApprovalRule,
        request({ verb: 'update', resource: 'certificatesigningrequests', subresource: 'status', name: 'x', apiGroup: 'certificates.k8s.io' }),
      ),
    ).toBe(false);
  });
});

describe('credential.client-csr-created', () => {
  const create = (object: Ev, user: Ev = users.alice): Ev =>
    request({
      verb: 'create',
      resource: 'certificatesigningrequests',
      name: String((object.metadata as Ev).name),
      apiGroup: 'certificates.k8s.io',
      user,
      requestObject: object,
    });

  it('rates a person requesting an API client certificate medium, high for system:masters', () => {
    expect(hitsOf(clientCsrRule, create(csr('bob', DEVELOPER_CSR, 'kubernetes.io/kube-apiserver-client')))[0]).toMatchObject({
      severity: 'medium',
      summary: 'alice@example.com requested a client certificate (CSR bob) for CN=bob, O=developers',
      evidence: { requestedBy: 'alice@example.com', expirationSeconds: 31536000 },
    });
    expect(
      severityOf(clientCsrRule, create(csr('mallory', MASTERS_CSR, 'kubernetes.io/kube-apiserver-client'), users.serviceAccount('default', 'compromised-sa'))),
    ).toBe('high');
  });

  it.each<[string, Ev]>([
    ...nearMisses(create(csr('bob', DEVELOPER_CSR, 'kubernetes.io/kube-apiserver-client'))),
    ['the signer serves kubelets', create(csr('x', DEVELOPER_CSR, 'kubernetes.io/kubelet-serving'))],
    ['a node renews its own client certificate', create(csr('csr-8x2lq', DEVELOPER_CSR, 'kubernetes.io/kube-apiserver-client-kubelet'), users.node('node-1'))],
    [
      'a bootstrap token joins a node',
      create(csr('node-csr-abc', DEVELOPER_CSR, 'kubernetes.io/kube-apiserver-client-kubelet'), {
        username: 'system:bootstrap:07401b',
        groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token', 'system:authenticated'],
      }),
    ],
  ])('raises nothing when %s', (_why, event) => {
    expect(hitsOf(clientCsrRule, event)).toEqual([]);
  });
});

describe('credential.node-created', () => {
  const node = (name: string, user: Ev = users.alice): Ev =>
    request({
      verb: 'create',
      resource: 'nodes',
      name,
      user,
      requestObject: { kind: 'Node', apiVersion: 'v1', metadata: { name, labels: { 'kubernetes.io/hostname': name } } },
    });

  it('rates a person creating a Node high', () => {
    expect(hitsOf(nodeCreatedRule, node('ip-10-0-9-9.ec2.internal'))[0]).toMatchObject({
      severity: 'high',
      summary: 'alice@example.com created Node ip-10-0-9-9.ec2.internal',
    });
  });

  it("rates a kubelet registering another node's name high, a workload medium", () => {
    expect(hitsOf(nodeCreatedRule, node('node-2', users.node('node-1')))[0]).toMatchObject({
      severity: 'high',
      summary: "system:node:node-1 created Node node-2 (a kubelet registering another node's name)",
    });
    expect(severityOf(nodeCreatedRule, node('virtual-node-aci', users.serviceAccount('vk', 'virtual-kubelet')))).toBe('medium');
  });

  it.each<[string, Ev]>([...nearMisses(node('fake')), ['a kubelet registers itself', node('node-1', users.node('node-1'))]])(
    'raises nothing when %s',
    (_why, event) => {
      expect(hitsOf(nodeCreatedRule, event)).toEqual([]);
    },
  );
});

describe('credential.privileged-impersonation', () => {
  const impersonating = (impersonatedUser: Ev, fields: { reason?: string; user?: Ev } = {}): Ev => ({
    ...request({ verb: 'list', resource: 'secrets', namespace: 'payments', user: fields.user ?? users.serviceAccount('ci', 'deployer') }),
    impersonatedUser,
    annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': fields.reason ?? '' },
  });
  const masters = { username: 'admin', groups: ['system:masters'] };

  it('rates impersonating system:masters critical and says what was done under it', () => {
    const event = impersonating(masters);
    expect(reaches(privilegedImpersonationRule, event)).toBe(true);
    const [hit] = hitsOf(privilegedImpersonationRule, event);
    expect(hit).toMatchObject({
      severity: 'critical',
      summary:
        'system:serviceaccount:ci:deployer (as admin) impersonated a privileged identity to list secrets in namespace payments: impersonates group system:masters',
      evidence: { impersonatedUser: masters, reasons: ['impersonates group system:masters'] },
    });
  });

  it('rates impersonating a cluster-admin holder, a controller, a kube-system account or a node high', () => {
    const clusterAdmin = 'RBAC: allowed by ClusterRoleBinding "ops-admins" of ClusterRole "cluster-admin" to User "ops@example.com"';
    expect(severityOf(privilegedImpersonationRule, impersonating({ username: 'ops@example.com', groups: ['ops'] }, { reason: clusterAdmin }))).toBe('high');
    expect(severityOf(privilegedImpersonationRule, impersonating({ username: 'system:kube-controller-manager' }))).toBe('high');
    expect(severityOf(privilegedImpersonationRule, impersonating({ username: 'system:serviceaccount:kube-system:clusterrole-aggregation-controller' }))).toBe(
      'high',
    );
    expect(severityOf(privilegedImpersonationRule, impersonating({ username: 'system:serviceaccount:kube-system:coredns' }))).toBe('high');
    expect(severityOf(privilegedImpersonationRule, impersonating({ username: 'system:node:ip-10-0-1-5', groups: ['system:nodes'] }))).toBe('high');
  });

  it('is not fooled by a group list that is not a list', () => {
    expect(severityOf(privilegedImpersonationRule, impersonating({ username: 'bob', groups: 'system:masters' }))).toBeUndefined();
  });

  it.each([
    [
      'an ordinary user is impersonated',
      impersonating({ username: 'bob@example.com', groups: ['developers'] }, { reason: 'RBAC: allowed by RoleBinding "view" of ClusterRole "view"' }),
    ],
    ['a workload service account is impersonated', impersonating({ username: 'system:serviceaccount:shop:web' })],
    ['nobody is impersonated', request({ verb: 'list', resource: 'secrets', namespace: 'payments' })],
    ...nearMisses(impersonating(masters)),
  ])('raises nothing when %s', (_why, event) => {
    expect(hitsOf(privilegedImpersonationRule, event)).toEqual([]);
  });

  it('lets the pre-check skip events with no impersonation', () => {
    expect(reaches(privilegedImpersonationRule, request({ verb: 'get', resource: 'configmaps', namespace: 'shop', name: 'settings' }))).toBe(false);
  });
});

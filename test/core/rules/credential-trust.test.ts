import type { Settings } from '../../../lambdas/core/config/settings';
import { DEFAULT_SETTINGS } from '../../../lambdas/core/config/settings';
import { nodeCredentialMisuseRule, workloadCredentialMisuseRule } from '../../../lambdas/core/rules/credential';
import { hitsOf, severityOf } from '../../helpers/rules';
import type { Ev } from '../../helpers/shipping';
import { nearMisses, reaches, request, users } from './support/requests';

const KUBELET = 'kubelet/v1.31.0 (linux/amd64) kubernetes/9edcffc';
const KUBECTL = 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46';
const CURL = 'curl/8.5.0';

/** Settings with these trust fields replaced. */
function withTrust(fields: Partial<Settings['trust']>): Settings {
  return { ...DEFAULT_SETTINGS, trust: { ...DEFAULT_SETTINGS.trust, ...fields } };
}

/** The worked example of docs/trust-boundaries.md: VPC and pod CIDR are node networks; VPN and CI runners trusted besides. */
const EKS = withTrust({
  nodeNetworks: ['10.0.0.0/16', '100.64.0.0/16'],
  trustedNetworks: ['10.0.0.0/16', '172.20.0.0/16', '192.0.2.0/24'],
  apiServerAddresses: ['10.0.200.10'],
});

const node = users.node('ip-10-0-3-4.eu-west-1.compute.internal');
const ciRunner = users.serviceAccount('ci', 'deployer');

/** A request with the client's user agent and addresses. */
const from = (event: Ev, userAgent: string | undefined, sourceIPs: string[] | undefined): Ev => {
  const out: Ev = { ...event, userAgent, sourceIPs };
  if (userAgent === undefined) delete out.userAgent;
  if (sourceIPs === undefined) delete out.sourceIPs;
  return out;
};

const secretRead = (user: Ev, userAgent: string | undefined, sourceIPs?: string[]): Ev =>
  from(request({ verb: 'get', resource: 'secrets', namespace: 'payments', name: 'db-password', user }), userAgent, sourceIPs ?? ['10.0.3.4']);

describe('credential.node-credential-misuse', () => {
  it("stays quiet for a kubelet's own agent from the node network", () => {
    expect(hitsOf(nodeCredentialMisuseRule, secretRead(node, KUBELET, ['10.0.3.4']), EKS)).toEqual([]);
    expect(hitsOf(nodeCredentialMisuseRule, secretRead(node, 'kubelet.exe/v1.31.0 (windows/amd64) kubernetes/9edcffc', ['10.0.3.4']), EKS)).toEqual([]);
  });

  it('rates node credentials driven by kubectl high, and says which boundary was crossed', () => {
    const [hit] = hitsOf(nodeCredentialMisuseRule, secretRead(node, KUBECTL, ['10.0.3.4']), EKS);
    expect(hit.severity).toBe('high');
    expect(hit.summary).toBe(
      `system:node:ip-10-0-3-4.eu-west-1.compute.internal made get secrets payments/db-password with "${KUBECTL}": node credentials used by an interactive client, not a node agent`,
    );
    expect(hit.evidence).toEqual({ userAgent: KUBECTL, sourceIPs: ['10.0.3.4'], crossed: ['used by an interactive client, not a node agent'] });
  });

  it('judges the user agent even when no networks are configured', () => {
    expect(severityOf(nodeCredentialMisuseRule, secretRead(node, KUBECTL, ['203.0.113.9']))).toBe('high');
    expect(hitsOf(nodeCredentialMisuseRule, secretRead(node, 'Go-http-client/2.0', ['10.0.3.4']))[0]?.evidence?.crossed).toEqual([
      'used by a client that is not a node agent',
    ]);
  });

  it("rates node credentials from outside the node networks high, even with the kubelet's agent", () => {
    const [hit] = hitsOf(nodeCredentialMisuseRule, secretRead(node, KUBELET, ['203.0.113.9']), EKS);
    expect(hit.severity).toBe('high');
    expect(hit.summary).toMatch(/node credentials used from 203\.0\.113\.9, outside the node networks$/);
    expect(hit.evidence).toMatchObject({ outsideNodeNetworks: ['203.0.113.9'] });
    // The VPN is trusted for people, not for node credentials.
    expect(severityOf(nodeCredentialMisuseRule, secretRead(node, KUBELET, ['172.20.5.6']), EKS)).toBe('high');
  });

  it('names both boundaries when both are crossed', () => {
    const [hit] = hitsOf(nodeCredentialMisuseRule, secretRead(node, CURL, ['203.0.113.9']), EKS);
    expect(hit.evidence?.crossed).toEqual(['used by an interactive client, not a node agent', 'used from 203.0.113.9, outside the node networks']);
  });

  it('judges every address of a forwarded request, and unparseable ones as outside', () => {
    expect(severityOf(nodeCredentialMisuseRule, secretRead(node, KUBELET, ['10.0.3.4', '203.0.113.9']), EKS)).toBe('high');
    expect(hitsOf(nodeCredentialMisuseRule, secretRead(node, KUBELET, ['not-an-ip', '10.0.3.4']), EKS)[0]?.evidence).toMatchObject({
      outsideNodeNetworks: ['not-an-ip'],
    });
    expect(hitsOf(nodeCredentialMisuseRule, secretRead(node, KUBELET, ['10.0.3.4', '100.64.7.8']), EKS)).toEqual([]);
  });

  it('reads IPv6 and IPv4-mapped IPv6 addresses', () => {
    const v6 = withTrust({ nodeNetworks: ['fd00:10::/56'] });
    expect(hitsOf(nodeCredentialMisuseRule, secretRead(node, KUBELET, ['fd00:10::2a']), v6)).toEqual([]);
    expect(severityOf(nodeCredentialMisuseRule, secretRead(node, KUBELET, ['2001:db8::1']), v6)).toBe('high');
    expect(hitsOf(nodeCredentialMisuseRule, secretRead(node, KUBELET, ['::ffff:10.0.3.4']), EKS)).toEqual([]);
    expect(severityOf(nodeCredentialMisuseRule, secretRead(node, KUBELET, ['::ffff:203.0.113.9']), EKS)).toBe('high');
  });

  it('counts the API server addresses and, when configured, private ranges as inside', () => {
    expect(
      hitsOf(
        nodeCredentialMisuseRule,
        secretRead(node, KUBELET, ['10.0.200.10']),
        withTrust({ nodeNetworks: ['10.1.0.0/16'], apiServerAddresses: ['10.0.200.10'] }),
      ),
    ).toEqual([]);
    const privateTrusted = withTrust({ privateRangesTrusted: true });
    expect(hitsOf(nodeCredentialMisuseRule, secretRead(node, KUBELET, ['192.168.4.5']), privateTrusted)).toEqual([]);
    expect(severityOf(nodeCredentialMisuseRule, secretRead(node, KUBELET, ['203.0.113.9']), privateTrusted)).toBe('high');
  });

  it('guesses nothing: no networks configured, no address, or no user agent is not judged on that ground', () => {
    expect(hitsOf(nodeCredentialMisuseRule, secretRead(node, KUBELET, ['203.0.113.9']))).toEqual([]);
    expect(hitsOf(nodeCredentialMisuseRule, from(secretRead(node, KUBELET), KUBELET, undefined), EKS)).toEqual([]);
    expect(hitsOf(nodeCredentialMisuseRule, secretRead(node, undefined, ['10.0.3.4']), EKS)).toEqual([]);
    expect(hitsOf(nodeCredentialMisuseRule, secretRead(node, '', ['10.0.3.4']), EKS)).toEqual([]);
  });

  it('judges only node credentials, and the configured node agents', () => {
    expect(hitsOf(nodeCredentialMisuseRule, secretRead(users.alice, KUBECTL, ['203.0.113.9']), EKS)).toEqual([]);
    // A node's name without the system:nodes group is not a node's credential.
    expect(hitsOf(nodeCredentialMisuseRule, secretRead({ username: 'system:node:fake', groups: ['system:authenticated'] }, KUBECTL), EKS)).toEqual([]);
    const k3s = withTrust({ userAgents: { node: ['k3s/'], interactive: DEFAULT_SETTINGS.trust.userAgents.interactive } });
    expect(hitsOf(nodeCredentialMisuseRule, secretRead(node, 'k3s/v1.30.4+k3s1 (linux/amd64) kubernetes/abcdef'), k3s)).toEqual([]);
    expect(severityOf(nodeCredentialMisuseRule, secretRead(node, KUBELET), k3s)).toBe('high');
  });

  it.each(nearMisses(secretRead(node, KUBECTL)))('raises nothing when %s', (_, event) => {
    expect(hitsOf(nodeCredentialMisuseRule, event, EKS)).toEqual([]);
  });

  it('judges the sensitive requests and lets the reader skip the rest', () => {
    const sensitive: Ev[] = [
      secretRead(node, KUBECTL),
      request({ verb: 'list', resource: 'secrets', namespace: 'payments', user: node }),
      request({ verb: 'create', resource: 'pods', namespace: 'default', name: 'x', user: node }),
      request({ verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'default', name: 'web-0', user: node }),
      request({ verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace: 'default', name: 'default', user: node }),
      request({ verb: 'create', resource: 'clusterrolebindings', name: 'x', apiGroup: 'rbac.authorization.k8s.io', user: node }),
      request({ verb: 'create', resource: 'certificatesigningrequests', name: 'x', apiGroup: 'certificates.k8s.io', user: node }),
      request({ verb: 'create', resource: 'selfsubjectrulesreviews', apiGroup: 'authorization.k8s.io', user: node }),
      request({ verb: 'get', resource: 'nodes', subresource: 'proxy', name: 'n1', user: node }),
    ];
    for (const event of sensitive) {
      const curl = from(event, CURL, ['10.0.3.4']);
      expect([event.verb, event.objectRef, reaches(nodeCredentialMisuseRule, curl)]).toEqual([event.verb, event.objectRef, true]);
      expect(severityOf(nodeCredentialMisuseRule, curl, EKS)).toBe('high');
    }
    const routine: Ev[] = [
      request({ verb: 'get', resource: 'pods', namespace: 'default', name: 'web-0', user: node }),
      request({ verb: 'list', resource: 'namespaces', user: node }),
      request({ verb: 'update', resource: 'leases', namespace: 'kube-node-lease', name: 'n1', apiGroup: 'coordination.k8s.io', user: node }),
      request({ verb: 'patch', resource: 'pods', subresource: 'status', namespace: 'default', name: 'web-0', user: node }),
    ];
    for (const event of routine) {
      const curl = from(event, CURL, ['203.0.113.9']);
      expect([event.objectRef, reaches(nodeCredentialMisuseRule, curl), hitsOf(nodeCredentialMisuseRule, curl, EKS)]).toEqual([event.objectRef, false, []]);
    }
  });
});

describe('credential.workload-credential-misuse', () => {
  it('rates a service account with kubectl from inside the pod network low, and says why', () => {
    const [hit] = hitsOf(workloadCredentialMisuseRule, secretRead(ciRunner, KUBECTL, ['100.64.7.8']), EKS);
    expect(hit.severity).toBe('low');
    expect(hit.summary).toBe(
      `system:serviceaccount:ci:deployer made get secrets payments/db-password with "${KUBECTL}": service account credentials used by an interactive client (from inside the node networks: a CI Job or kubectl image, or a token taken inside)`,
    );
    expect(hit.evidence).toEqual({ userAgent: KUBECTL, sourceIPs: ['100.64.7.8'], crossed: ['used by an interactive client'] });
    expect(workloadCredentialMisuseRule.falsePositives).toMatch(/CI Jobs/);
    expect(workloadCredentialMisuseRule.severityReasons).toMatch(/low for a service account with kubectl from inside/);
  });

  it('rates a service account with kubectl low when no networks are configured, and says the address was not judged', () => {
    const [hit] = hitsOf(workloadCredentialMisuseRule, secretRead(ciRunner, KUBECTL, ['203.0.113.9']));
    expect(hit.severity).toBe('low');
    expect(hit.summary).toMatch(/\(node networks not configured, address not judged: /);
  });

  it('rates a service account from outside the node and trusted networks high, whatever its agent', () => {
    for (const agent of [KUBECTL, 'Go-http-client/2.0', 'argocd-application-controller/v2.12.3']) {
      const [hit] = hitsOf(workloadCredentialMisuseRule, secretRead(ciRunner, agent, ['203.0.113.9']), EKS);
      expect([agent, hit?.severity]).toEqual([agent, 'high']);
      expect(hit.evidence).toMatchObject({ outsideNodeNetworks: ['203.0.113.9'] });
    }
    // Only the node check configured: outside it is outside everything the configuration names.
    expect(
      severityOf(workloadCredentialMisuseRule, secretRead(ciRunner, 'Go-http-client/2.0', ['203.0.113.9']), withTrust({ nodeNetworks: ['10.0.0.0/16'] })),
    ).toBe('high');
  });

  it('rates a service account from a trusted network outside the node networks (CI runners, VPN) medium', () => {
    const [hit] = hitsOf(workloadCredentialMisuseRule, secretRead(ciRunner, 'Go-http-client/2.0', ['192.0.2.15']), EKS);
    expect(hit.severity).toBe('medium');
    expect(hit.summary).toMatch(/used from 192\.0\.2\.15, outside the node networks \(inside the trusted networks\)$/);
  });

  it("tells the baseline what each rating is: access when low, persistence when medium, the rule's takeover when high", () => {
    expect(workloadCredentialMisuseRule.what).toBe('takeover');
    expect(nodeCredentialMisuseRule.what).toBe('takeover');
    expect(hitsOf(workloadCredentialMisuseRule, secretRead(ciRunner, KUBECTL, ['100.64.7.8']), EKS)[0]?.what).toBe('access');
    expect(hitsOf(workloadCredentialMisuseRule, secretRead(ciRunner, KUBECTL, ['192.0.2.15']), EKS)[0]?.what).toBe('persistence');
    expect(hitsOf(workloadCredentialMisuseRule, secretRead(ciRunner, KUBECTL, ['203.0.113.9']), EKS)[0]?.what).toBeUndefined();
  });

  it('rates control-plane and controller credentials with an interactive client high', () => {
    const controlPlane = secretRead(users.controllerManager, CURL, ['10.0.200.10']);
    const [hit] = hitsOf(workloadCredentialMisuseRule, controlPlane, EKS);
    expect(hit.severity).toBe('high');
    expect(hit.summary).toMatch(/: control-plane credentials used by an interactive client$/);
    expect(severityOf(workloadCredentialMisuseRule, secretRead(users.serviceAccount('kube-system', 'deployment-controller'), KUBECTL))).toBe('high');
  });

  it("stays quiet for the platform's own agents, wherever they run", () => {
    const kcm = 'kube-controller-manager/v1.31.0 (linux/amd64) kubernetes/9edcffc/system:serviceaccount:kube-system:generic-garbage-collector';
    expect(hitsOf(workloadCredentialMisuseRule, secretRead(users.controllerManager, kcm, ['203.0.113.9']), EKS)).toEqual([]);
    expect(
      hitsOf(workloadCredentialMisuseRule, secretRead(users.serviceAccount('kube-system', 'generic-garbage-collector'), kcm, ['203.0.113.9']), EKS),
    ).toEqual([]);
    expect(hitsOf(workloadCredentialMisuseRule, secretRead(ciRunner, 'Go-http-client/2.0', ['100.64.7.8']), EKS)).toEqual([]);
    expect(hitsOf(workloadCredentialMisuseRule, secretRead(ciRunner, 'Go-http-client/2.0', ['10.0.200.10']), EKS)).toEqual([]);
  });

  it('judges no address it cannot read from the event, and no other identity', () => {
    expect(hitsOf(workloadCredentialMisuseRule, from(secretRead(ciRunner, 'x'), 'Go-http-client/2.0', undefined), EKS)).toEqual([]);
    expect(hitsOf(workloadCredentialMisuseRule, secretRead(users.alice, KUBECTL, ['203.0.113.9']), EKS)).toEqual([]);
    expect(hitsOf(workloadCredentialMisuseRule, secretRead(node, KUBECTL, ['203.0.113.9']), EKS)).toEqual([]);
    // A service account whose every address is inside, one of several forwarded ones outside:
    expect(severityOf(workloadCredentialMisuseRule, secretRead(ciRunner, 'Go-http-client/2.0', ['100.64.7.8', '203.0.113.9']), EKS)).toBe('high');
  });

  it('reads the recon a stolen token starts with', () => {
    const canI = from(request({ verb: 'create', resource: 'selfsubjectrulesreviews', apiGroup: 'authorization.k8s.io', user: ciRunner }), KUBECTL, [
      '203.0.113.9',
    ]);
    expect(reaches(workloadCredentialMisuseRule, canI)).toBe(true);
    expect(severityOf(workloadCredentialMisuseRule, canI, EKS)).toBe('high');
  });

  // The usual near misses but one: the control plane with kubectl is this rule's own positive (above).
  it.each(nearMisses(secretRead(ciRunner, KUBECTL, ['203.0.113.9'])).filter(([why]) => !why.startsWith('the control plane')))(
    'raises nothing when %s',
    (_, event) => {
      expect(hitsOf(workloadCredentialMisuseRule, event, EKS)).toEqual([]);
    },
  );
});

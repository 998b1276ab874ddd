import { MemoryStateStore } from '../../../lambdas/core/detect/state-store';
import type { Finding } from '../../../lambdas/core/finding';
import { StateIncidentStore } from '../../../lambdas/core/incident/incident-store';
import type { AlertMessage } from '../../../lambdas/core/alert/sns-message';
import { raiseIncidents } from '../../../lambdas/core/pipeline/raise-incidents';

const JORDAN = 'arn:aws:iam::123456789012:user/jordan.lee';
const TOKEN_SA = 'system:serviceaccount:kube-system:node-health-agent';

function finding(overrides: Partial<Finding> & { time: string; username: string }): Finding {
  const { username, ...rest } = overrides;
  return {
    ruleId: 'exec.pod-exec',
    category: 'exec',
    severity: 'high',
    title: 'Command run in a container',
    summary: `${username} ran sh`,
    auditID: `a-${Math.random()}`,
    fingerprint: `f-${Math.random()}`,
    cluster: 'prod-eu',
    actor: { username, groups: ['system:authenticated'] },
    target: { resource: 'pods', subresource: 'exec', namespace: 'payments', name: 'postgres-0' },
    verb: 'create',
    evidence: {},
    ...rest,
  };
}
const tokenRequest = (time: string, username = JORDAN): Finding =>
  finding({
    time,
    username,
    ruleId: 'service-account.token-request',
    category: 'service-account',
    severity: 'critical',
    title: 'Service account token minted (TokenRequest)',
    target: { resource: 'serviceaccounts', subresource: 'token', namespace: 'kube-system', name: 'node-health-agent' },
  });

function setup() {
  const store = new StateIncidentStore(new MemoryStateStore());
  const sent: AlertMessage[] = [];
  const deps = {
    incidents: { store, windowMinutes: 60, links: { rulesDocUrl: 'docs/rules.md' } },
    publisher: { publish: (m: AlertMessage) => Promise.resolve(void sent.push(m)) },
    minAlertSeverity: 'medium' as const,
  };
  const incidentOf = (m: AlertMessage): { alert: string; principal: string } => {
    const body = JSON.parse((JSON.parse(m.Message) as { lambda: string }).lambda) as { alert: string; incident: { principal: { key: string } } };
    return { alert: body.alert, principal: body.incident.principal.key };
  };
  return { deps, sent, incidentOf };
}

describe('raiseIncidents: credentials a principal minted', () => {
  it("tells a service account's actions in the incident of the person who requested its token, hours later", async () => {
    const { deps, sent, incidentOf } = setup();
    await raiseIncidents([tokenRequest('2026-11-20T09:00:04Z')], 's3://b/1', deps);
    await raiseIncidents([finding({ time: '2026-11-20T11:00:00Z', username: TOKEN_SA })], 's3://b/2', deps);
    expect(sent.map(incidentOf)).toEqual([
      { alert: 'opened', principal: 'jordan.lee' },
      { alert: 'updated', principal: 'jordan.lee' },
    ]);
  });

  it('does not attribute what the service account did before the token was requested, or a week after', async () => {
    const { deps, sent, incidentOf } = setup();
    await raiseIncidents([tokenRequest('2026-11-20T09:00:04Z')], 's3://b/1', deps);
    await raiseIncidents([finding({ time: '2026-11-20T08:00:00Z', username: TOKEN_SA })], 's3://b/0', deps);
    await raiseIncidents(
      [finding({ time: '2026-11-28T09:00:00Z', username: TOKEN_SA, target: { resource: 'pods', subresource: 'exec', namespace: 'shop', name: 'web' } })],
      's3://b/9',
      deps,
    );
    expect(sent.map(incidentOf).map((i) => i.principal)).toEqual(['jordan.lee', 'sa:kube-system/node-health-agent', 'sa:kube-system/node-health-agent']);
  });

  it("treats a token one service account requested for another as the platform's own work, not a mint", async () => {
    const { deps, sent, incidentOf } = setup();
    await raiseIncidents([tokenRequest('2026-11-20T09:00:04Z', 'system:serviceaccount:kube-system:token-minter')], 's3://b/1', deps);
    await raiseIncidents([finding({ time: '2026-11-20T09:10:00Z', username: TOKEN_SA })], 's3://b/2', deps);
    expect(sent.map(incidentOf).map((i) => i.principal)).toEqual(['sa:kube-system/token-minter', 'sa:kube-system/node-health-agent']);
  });
});

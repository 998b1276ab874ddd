import { DEFAULT_SETTINGS } from '../../../lambdas/core/config/settings';
import type { Settings } from '../../../lambdas/core/config/settings';
import { DEFAULT_CONFIG, DetectionEngine } from '../../../lambdas/core/detect/engine';
import type { Finding } from '../../../lambdas/core/finding';
import { EVENT_RULES } from '../../../lambdas/core/rules';
import { auditEvent, clusterAdminBinding } from '../../helpers/events';
import type { Ev } from '../../helpers/shipping';

const trusted = (trust: Partial<Settings['trust']>): Settings => ({ ...DEFAULT_SETTINGS, trust: { ...DEFAULT_SETTINGS.trust, ...trust } });

async function findingsOf(event: Ev, settings: Settings = DEFAULT_SETTINGS): Promise<Finding[]> {
  const engine = new DetectionEngine(EVENT_RULES, { ...DEFAULT_CONFIG, settings });
  return engine.analyze({ event, cluster: 'prod', offset: 0, line: 1 } as never);
}
const bindingFrom = (ip: string): Ev => ({ ...clusterAdminBinding(), sourceIPs: [ip] });
const privilegedRoleBound = (findings: Finding[]): Finding => findings.find((f) => f.ruleId === 'rbac.privileged-role-bound')!;

describe('the engine with trust boundaries', () => {
  const vpn = trusted({ trustedNetworks: ['172.20.0.0/16'] });

  it("raises a person's privileged action from outside the trusted networks one step, and says from where", async () => {
    const event = bindingFrom('203.0.113.9');
    const alone = privilegedRoleBound(await findingsOf(event));
    const outside = privilegedRoleBound(await findingsOf(event, vpn));
    expect(alone.severity).toBe('high');
    expect(outside.severity).toBe('critical');
    expect(outside.evidence.network).toEqual({ note: 'from 203.0.113.9, outside the trusted networks', severityBefore: 'high' });
    expect(outside.fingerprint).toBe(alone.fingerprint);
  });

  it('leaves it as rated from inside the trusted networks, and when no networks are configured (nothing guessed)', async () => {
    const inside = privilegedRoleBound(await findingsOf(bindingFrom('172.20.3.4'), vpn));
    expect(inside.severity).toBe('high');
    expect(inside.evidence.network).toBeUndefined();
    expect(privilegedRoleBound(await findingsOf(bindingFrom('203.0.113.9'))).evidence.network).toBeUndefined();
  });

  it('does not raise what is below medium', async () => {
    const read = auditEvent({
      requestURI: '/api/v1/namespaces/payments/secrets/db-password',
      objectRef: { resource: 'secrets', namespace: 'payments', name: 'db-password', apiVersion: 'v1' },
      sourceIPs: ['203.0.113.9'],
    });
    const [finding] = (await findingsOf(read, vpn)).filter((f) => f.ruleId === 'secret.read');
    expect(finding.severity).toBe('low');
    expect(finding.evidence.network).toBeUndefined();
  });
});

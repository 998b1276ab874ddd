import { CONTROLS, controlsOf, resolveControl, unresolvedReferences } from '../../../lambdas/core/compliance/controls';
import { RULES } from '../../../lambdas/core/rules/index';

describe('the control catalogue', () => {
  it('resolves every control and ATT&CK reference of every rule (a typo in a new rule fails here)', () => {
    const unresolved = RULES.map((r) => ({ rule: r.id, unresolved: unresolvedReferences(r) })).filter((x) => x.unresolved.length > 0);
    expect(unresolved).toEqual([]);
  });

  it('maps every rule to at least one control of a framework other than ATT&CK', () => {
    for (const rule of RULES) expect({ rule: rule.id, ok: controlsOf(rule).some((c) => c.framework !== 'MITRE-ATTACK') }).toEqual({ rule: rule.id, ok: true });
  });

  it('has unique ids shaped by framework, a title for each and a link for each', () => {
    expect(new Set(CONTROLS.map((c) => c.id)).size).toBe(CONTROLS.length);
    for (const c of CONTROLS) {
      const shape = { CIS: /^CIS-\d+(\.\d+)+$/, 'CIS-EKS': /^CIS-EKS-\d+(\.\d+)+$/, 'NSA-CISA': /^NSA-CISA:[a-z-]+$/, 'MITRE-ATTACK': /^T\d{4}(\.\d{3})?$/ }[
        c.framework
      ];
      expect({ id: c.id, ok: shape.test(c.id) && c.title.length > 3 && /^https:\/\//.test(c.url ?? '') }).toEqual({ id: c.id, ok: true });
    }
  });

  it('names CIS recommendations as the benchmark does', () => {
    expect(resolveControl('CIS-5.1.1')?.title).toBe('Ensure that the cluster-admin role is only used where required');
    expect(resolveControl('CIS-5.1.2')?.title).toBe('Minimize access to secrets');
    expect(resolveControl('CIS-5.1.3')?.title).toBe('Minimize wildcard use in Roles and ClusterRoles');
    expect(resolveControl('CIS-5.1.10')?.title).toBe('Minimize access to the proxy sub-resource of nodes');
    expect(resolveControl('CIS-5.1.13')?.title).toBe('Minimize access to the service account token creation');
    expect(resolveControl('CIS-5.5.1')?.title).toBe('Configure Image Provenance using ImagePolicyWebhook admission controller');
    expect(resolveControl('CIS-1.2.1')?.title).toBe('Ensure that the --anonymous-auth argument is set to false');
    expect(resolveControl('CIS-5.1.1')?.framework).toBe('CIS');
  });

  it('names ATT&CK techniques as v16 does, with their page', () => {
    expect(resolveControl('T1078')).toEqual({
      id: 'T1078',
      framework: 'MITRE-ATTACK',
      title: 'Valid Accounts',
      url: 'https://attack.mitre.org/techniques/T1078/',
    });
    expect(resolveControl('T1053.007')).toEqual({
      id: 'T1053.007',
      framework: 'MITRE-ATTACK',
      title: 'Scheduled Task/Job: Container Orchestration Job',
      url: 'https://attack.mitre.org/techniques/T1053/007/',
    });
    expect(resolveControl('T1098.006')?.title).toBe('Account Manipulation: Additional Container Cluster Roles');
    expect(resolveControl('T1036.005')?.title).toBe('Masquerading: Match Legitimate Name or Location');
    expect(resolveControl('T1611')?.title).toBe('Escape to Host');
  });

  it('makes one control of the several spellings of an NSA/CISA section', () => {
    expect(resolveControl('NSA-CISA-k8s: Kubernetes Pod security')?.id).toBe('NSA-CISA:pod-security');
    expect(resolveControl('NSA-CISA-k8s: Pod security')?.id).toBe('NSA-CISA:pod-security');
    expect(resolveControl('NSA-CISA-k8s: Audit logging and threat detection')?.id).toBe('NSA-CISA:logging-threat-detection');
    expect(resolveControl('NSA-CISA-k8s: Logging and threat detection')?.id).toBe('NSA-CISA:logging-threat-detection');
    expect(resolveControl('NSA-CISA-k8s:  authentication   and Authorization')?.id).toBe('NSA-CISA:authentication-authorization');
    expect(resolveControl('NSA-CISA:pod-security')?.id).toBe('NSA-CISA:pod-security');
  });

  it('resolves nothing for references it does not know', () => {
    for (const typo of ['CIS-5.1.14', 'CIS 5.1.1', 'cis-5.1.1', 'NSA-CISA-k8s: Pod securty', 'NSA-CISA-k8s:', 'T1610.001', 'T161', ''])
      expect(resolveControl(typo)).toBeUndefined();
    expect(unresolvedReferences({ controls: ['CIS-5.1.1', 'CIS-5.1.99'], attack: ['T1610', 'T9999'] })).toEqual(['CIS-5.1.99', 'T9999']);
  });
});

describe('controlsOf', () => {
  it('gives a rule its controls, then its techniques, each once', () => {
    const controls = controlsOf({
      controls: ['CIS-5.2.2', 'NSA-CISA-k8s: Kubernetes Pod security', 'NSA-CISA-k8s: Pod security', 'CIS-5.2.2'],
      attack: ['T1610', 'T1610', 'T1611'],
    });
    expect(controls.map((c) => c.id)).toEqual(['CIS-5.2.2', 'CIS-EKS-4.2.1', 'NSA-CISA:pod-security', 'T1610', 'T1611']);
  });

  it('leaves out references the catalogue does not know', () => {
    expect(controlsOf({ controls: ['CIS-5.1.1', 'made up'], attack: ['T0000'] }).map((c) => c.id)).toEqual(['CIS-5.1.1', 'CIS-EKS-4.1.1']);
  });

  it('reads the real registry', () => {
    const rule = RULES.find((r) => r.id === 'restart.crash-loop');
    expect(rule && controlsOf(rule).map((c) => c.id)).toEqual(['NSA-CISA:logging-threat-detection', 'T1543', 'T1496']);
  });
});

describe('evidence levels', () => {
  it('are declared by every rule in the registry', () => {
    const undeclared = RULES.filter((r) => r.evidenceLevel !== 'Metadata' && r.evidenceLevel !== 'Request').map((r) => r.id);
    expect(undeclared).toEqual([]);
  });

  it('say Metadata for rules that decide from the request line and Request for rules that read bodies', () => {
    const level = (id: string): string | undefined => RULES.find((r) => r.id === id)?.evidenceLevel;
    expect(level('exec.pod-exec')).toBe('Metadata');
    expect(level('anonymous.allowed-request')).toBe('Metadata');
    expect(level('secret.bulk-read')).toBe('Metadata');
    expect(level('workload.privileged-pod')).toBe('Request');
    expect(level('rbac.privileged-role-bound')).toBe('Request');
    expect(level('restart.crash-loop')).toBe('Request');
  });
});

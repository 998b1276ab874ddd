import { ConfigError, parseConfig } from '../../../lambdas/core/config/schema';
import { DEFAULT_SETTINGS } from '../../../lambdas/core/config/settings';

const known = new Set(['rbac.cluster-admin-binding', 'exec.pod-exec', 'secret', 'rbac-change']);

function problemsOf(text: string, ids = known): string[] {
  try {
    parseConfig(text, 'test.yaml', ids);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration', () => {
  it('an empty file gives the defaults', () => {
    expect(parseConfig('', 'empty.yaml')).toEqual({ disabled: [], severity: {}, settings: DEFAULT_SETTINGS, exceptions: [] });
  });

  it('reads YAML and merges settings over the defaults field by field', () => {
    const config = parseConfig(
      `
rules:
  disabled: [exec.pod-exec]
  severity: { rbac.cluster-admin-binding: critical }
settings:
  restarts: { threshold: 10 }
  images: { allowedRegistries: [123456789012.dkr.ecr.eu-west-1.amazonaws.com, registry.k8s.io] }
exceptions:
  - rules: [exec.pod-exec]
    groups: [sre-oncall]
    namespaces: [staging]
    reason: on-call engineers debug staging pods
    expires: 2027-01-31
`,
      'c.yaml',
      known,
    );
    expect(config.disabled).toEqual(['exec.pod-exec']);
    expect(config.severity).toEqual({ 'rbac.cluster-admin-binding': 'critical' });
    expect(config.settings.restarts).toEqual({ threshold: 10, windowMinutes: DEFAULT_SETTINGS.restarts.windowMinutes });
    expect(config.settings.images.allowedRegistries).toHaveLength(2);
    expect(config.exceptions[0]).toMatchObject({ groups: ['sre-oncall'], namespaces: ['staging'], expires: '2027-01-31' });
  });

  it('reads JSON too', () => {
    expect(parseConfig('{"rules":{"disabled":["secret"]}}', 'c.json', known).disabled).toEqual(['secret']);
  });

  it('names the path of every bad field', () => {
    const problems = problemsOf(`
rules:
  severity: { exec.pod-exec: urgent }
settings:
  restarts: { threshold: 0 }
  colour: blue
exceptions:
  - rules: [exec.pod-exec]
    users: [alice]
    expires: next tuesday
    reason: x
  - rules: [exec.pod-exec]
    serviceAccounts: [ci-deployer]
    reason: ci
`);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^rules\.severity\.exec\.pod-exec: /),
        expect.stringMatching(/^settings\.restarts\.threshold: /),
        expect.stringMatching(/^settings: .*colour/),
        expect.stringMatching(/^exceptions\[0\]\.expires: /),
        expect.stringMatching(/^exceptions\[1\]\.serviceAccounts\[0\]: expected "namespace:name"/),
      ]),
    );
  });

  it('refuses an exception without a reason, or one that names no identity or scope', () => {
    expect(problemsOf('exceptions: [{ rules: [secret], users: [bob], reason: "  " }]')).toEqual([expect.stringMatching(/^exceptions\[0\]\.reason: say why/)]);
    expect(problemsOf('exceptions: [{ rules: [secret], reason: everyone }]')).toEqual([
      expect.stringMatching(/^exceptions\[0\]: an exception must name at least one of/),
    ]);
  });

  it('catches unknown rule ids, which would otherwise switch nothing off', () => {
    expect(problemsOf('rules: { disabled: [exec.pod-exce] }')).toEqual([
      'rules.disabled[0]: unknown rule id or category "exec.pod-exce" (see `k8s-audit-analyzer rules`)',
    ]);
  });

  it('reports YAML syntax errors and duplicate keys', () => {
    expect(problemsOf('rules: [unclosed')[0]).toMatch(/.+/);
    expect(problemsOf('rules: {}\nrules: {}')[0]).toMatch(/unique|duplicate/i);
  });

  it('says which file, in the error message', () => {
    expect(() => parseConfig('settings: 5', 'my-config.yaml')).toThrow(/invalid configuration in my-config\.yaml/);
  });
});

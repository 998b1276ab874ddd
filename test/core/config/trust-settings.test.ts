import { ConfigError, parseConfig } from '../../../lambdas/core/config/schema';
import { DEFAULT_SETTINGS } from '../../../lambdas/core/config/settings';

function problemsOf(text: string): string[] {
  try {
    parseConfig(text, 'trust.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('settings.trust', () => {
  it('defaults to no networks (every network check off) and the built-in user agents', () => {
    const { trust } = parseConfig('', 'empty.yaml').settings;
    expect(trust).toEqual(DEFAULT_SETTINGS.trust);
    expect(trust.nodeNetworks).toEqual([]);
    expect(trust.trustedNetworks).toEqual([]);
    expect(trust.apiServerAddresses).toEqual([]);
    expect(trust.privateRangesTrusted).toBe(false);
    expect(trust.userAgents.node).toEqual(['kubelet/', 'kubelet.exe/']);
    expect(trust.userAgents.interactive).toEqual(expect.arrayContaining(['kubectl/', 'curl/']));
  });

  it('reads the networks of the worked example and keeps the defaults of what it leaves out', () => {
    const { trust } = parseConfig(
      `
settings:
  trust:
    nodeNetworks: [10.0.0.0/16, 100.64.0.0/16, "fd00:10::/56"]
    trustedNetworks: [10.0.0.0/16, 172.20.0.0/16, 192.0.2.0/24]
    apiServerAddresses: [10.0.200.10]
`,
      'eks.yaml',
    ).settings;
    expect(trust).toEqual({
      nodeNetworks: ['10.0.0.0/16', '100.64.0.0/16', 'fd00:10::/56'],
      trustedNetworks: ['10.0.0.0/16', '172.20.0.0/16', '192.0.2.0/24'],
      apiServerAddresses: ['10.0.200.10'],
      privateRangesTrusted: false,
      userAgents: DEFAULT_SETTINGS.trust.userAgents,
    });
  });

  it('overrides one user-agent list and keeps the other', () => {
    const { userAgents } = parseConfig('settings: { trust: { userAgents: { node: ["k3s/"] } } }', 'k3s.yaml').settings.trust;
    expect(userAgents.node).toEqual(['k3s/']);
    expect(userAgents.interactive).toEqual(DEFAULT_SETTINGS.trust.userAgents.interactive);
  });

  it('reports every bad network with its path', () => {
    const problems = problemsOf(`
settings:
  trust:
    nodeNetworks: [10.0.0.0/16, 10.0.0.0/33]
    trustedNetworks: [vpn.example.com]
    apiServerAddresses: ["10.0.0.1/8/2", "fd00::/129"]
`);
    expect(problems).toEqual([
      expect.stringMatching(/^settings\.trust\.nodeNetworks\[1\]: expected a CIDR/),
      expect.stringMatching(/^settings\.trust\.trustedNetworks\[0\]: expected a CIDR/),
      expect.stringMatching(/^settings\.trust\.apiServerAddresses\[0\]: expected a CIDR/),
      expect.stringMatching(/^settings\.trust\.apiServerAddresses\[1\]: expected a CIDR/),
    ]);
  });

  it('refuses unknown keys, empty user agents and a flag that is not a boolean', () => {
    const problems = problemsOf(`
settings:
  trust:
    privateRangesTrusted: "yes"
    userAgents: { node: [""], browser: [Mozilla/] }
    vpn: [172.20.0.0/16]
`);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^settings\.trust\.privateRangesTrusted: /),
        expect.stringMatching(/^settings\.trust\.userAgents\.node\[0\]: /),
        expect.stringMatching(/^settings\.trust\.userAgents: .*browser/),
        expect.stringMatching(/^settings\.trust: .*vpn/),
      ]),
    );
    expect(problems).toHaveLength(4);
  });
});

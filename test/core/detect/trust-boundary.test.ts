import type { Settings } from '../../../lambdas/core/config/settings';
import { DEFAULT_SETTINGS } from '../../../lambdas/core/config/settings';
import { TrustBoundary, addressText } from '../../../lambdas/core/detect/trust-boundary';

/** The trust settings with these fields replaced. */
const trust = (fields: Partial<Settings['trust']> = {}): Settings['trust'] => ({ ...DEFAULT_SETTINGS.trust, ...fields });

/** An EKS-like cluster: VPC, pod CIDR, VPN and CI runners; the API server's ENIs. */
const configured = new TrustBoundary(
  trust({
    nodeNetworks: ['10.0.0.0/16', '100.64.0.0/16', 'fd00:10::/56'],
    trustedNetworks: ['10.0.0.0/16', '172.20.0.0/16', '192.0.2.0/24'],
    apiServerAddresses: ['10.0.200.10', '10.0.200.11'],
  }),
);

describe('TrustBoundary: nothing is guessed', () => {
  const empty = new TrustBoundary(trust());

  it('switches both network checks off when no networks are named and private ranges are not trusted', () => {
    expect(empty.nodeNetworkCheck).toBe(false);
    expect(empty.trustedNetworkCheck).toBe(false);
    expect(empty.outsideTrusted(['203.0.113.9'])).toBeUndefined();
    expect(empty.outsideNodeNetworks(['203.0.113.9'])).toBeUndefined();
    expect(empty.raiseForNetwork({ severity: 'high', who: 'person', sourceIPs: ['203.0.113.9'] })).toBeUndefined();
  });

  it('turns on only the check whose list is named', () => {
    const nodesOnly = new TrustBoundary(trust({ nodeNetworks: ['10.0.0.0/16'] }));
    expect(nodesOnly.nodeNetworkCheck).toBe(true);
    expect(nodesOnly.trustedNetworkCheck).toBe(false);
    expect(nodesOnly.outsideNodeNetworks(['203.0.113.9'])).toEqual(['203.0.113.9']);
    expect(nodesOnly.outsideTrusted(['203.0.113.9'])).toBeUndefined();
  });

  it('apiServerAddresses alone switch no check on (they only widen the boundaries)', () => {
    const apiOnly = new TrustBoundary(trust({ apiServerAddresses: ['10.0.200.10'] }));
    expect(apiOnly.nodeNetworkCheck).toBe(false);
    expect(apiOnly.outsideNodeNetworks(['203.0.113.9'])).toBeUndefined();
  });

  it('cannot judge an event that names no address', () => {
    expect(configured.outsideTrusted(undefined)).toBeUndefined();
    expect(configured.outsideTrusted([])).toBeUndefined();
    expect(configured.outsideNodeNetworks([])).toBeUndefined();
  });
});

describe('TrustBoundary: addresses', () => {
  it('finds the addresses outside each boundary', () => {
    expect(configured.outsideTrusted(['10.0.3.4'])).toBeUndefined();
    expect(configured.outsideTrusted(['172.20.5.6'])).toBeUndefined();
    expect(configured.outsideTrusted(['203.0.113.9'])).toEqual(['203.0.113.9']);
    // The VPN is trusted for people, but no node or pod lives there.
    expect(configured.outsideNodeNetworks(['172.20.5.6'])).toEqual(['172.20.5.6']);
    expect(configured.outsideNodeNetworks(['100.64.12.7'])).toBeUndefined();
  });

  it('puts the API server addresses inside every boundary', () => {
    expect(configured.outsideTrusted(['10.0.200.10'])).toBeUndefined();
    expect(configured.outsideNodeNetworks(['10.0.200.11'])).toBeUndefined();
    const apiOutsideVpc = new TrustBoundary(
      trust({ nodeNetworks: ['10.0.0.0/16'], trustedNetworks: ['172.20.0.0/16'], apiServerAddresses: ['198.51.100.10'] }),
    );
    expect(apiOutsideVpc.outsideNodeNetworks(['198.51.100.10'])).toBeUndefined();
    expect(apiOutsideVpc.outsideTrusted(['198.51.100.10'])).toBeUndefined();
    expect(apiOutsideVpc.outsideTrusted(['198.51.100.11'])).toEqual(['198.51.100.11']);
  });

  it('reads IPv6 and IPv4-mapped IPv6 addresses', () => {
    expect(configured.outsideNodeNetworks(['fd00:10::2a'])).toBeUndefined();
    expect(configured.outsideNodeNetworks(['fd00:11::2a'])).toEqual(['fd00:11::2a']);
    expect(configured.outsideNodeNetworks(['2001:db8::1'])).toEqual(['2001:db8::1']);
    expect(configured.outsideTrusted(['::ffff:10.0.3.4'])).toBeUndefined();
    expect(configured.outsideTrusted(['::ffff:203.0.113.9'])).toEqual(['::ffff:203.0.113.9']);
  });

  it('counts every address of a forwarded request: one outside is enough', () => {
    // X-Forwarded-For through a proxy the API server trusts: the client first, the proxy last.
    expect(configured.outsideTrusted(['203.0.113.9', '10.0.3.4'])).toEqual(['203.0.113.9']);
    expect(configured.outsideTrusted(['10.0.3.4', '203.0.113.9'])).toEqual(['203.0.113.9']);
    expect(configured.outsideTrusted(['10.0.3.4', '172.20.5.6'])).toBeUndefined();
  });

  it('counts anything that is not an address as outside', () => {
    expect(configured.outsideTrusted(['not-an-ip', '10.0.3.4'])).toEqual(['not-an-ip']);
    expect(configured.outsideTrusted(['10.0.3.4:443'])).toEqual(['10.0.3.4:443']);
    expect(configured.outsideTrusted(['10.0.0.0/8'])).toEqual(['10.0.0.0/8']);
    // The event is JSON from outside: a number where an address should be is no address.
    expect(configured.outsideTrusted([167772161 as unknown as string])).toEqual(['167772161']);
  });

  it('puts private ranges inside both boundaries only when privateRangesTrusted', () => {
    const privateTrusted = new TrustBoundary(trust({ privateRangesTrusted: true }));
    expect(privateTrusted.nodeNetworkCheck).toBe(true);
    expect(privateTrusted.trustedNetworkCheck).toBe(true);
    for (const inside of ['10.1.2.3', '172.31.0.9', '192.168.1.1', '100.100.1.1', '127.0.0.1', '::1', 'fd12:3456::1', '::ffff:192.168.1.1']) {
      expect(privateTrusted.outsideTrusted([inside])).toBeUndefined();
      expect(privateTrusted.outsideNodeNetworks([inside])).toBeUndefined();
    }
    expect(privateTrusted.outsideTrusted(['203.0.113.9'])).toEqual(['203.0.113.9']);
    expect(privateTrusted.outsideNodeNetworks(['172.32.0.1'])).toEqual(['172.32.0.1']);
    // Without the flag a private address outside the named networks is outside.
    expect(configured.outsideTrusted(['192.168.1.1'])).toEqual(['192.168.1.1']);
  });
});

describe('TrustBoundary: user agents', () => {
  const boundary = new TrustBoundary(trust());

  it('matches the configured prefixes exactly, case included', () => {
    expect(boundary.isNodeAgent('kubelet/v1.31.0 (linux/amd64) kubernetes/abcdef')).toBe(true);
    expect(boundary.isNodeAgent('kubelet.exe/v1.31.0 (windows/amd64) kubernetes/abcdef')).toBe(true);
    expect(boundary.isNodeAgent('Kubelet/v1.31.0')).toBe(false);
    expect(boundary.isNodeAgent('kubectl/v1.31.0 (linux/amd64) kubernetes/abcdef')).toBe(false);
    expect(boundary.isNodeAgent('my-kubelet/v1')).toBe(false);
    expect(boundary.isInteractive('kubectl/v1.31.0 (linux/amd64) kubernetes/abcdef')).toBe(true);
    expect(boundary.isInteractive('curl/8.5.0')).toBe(true);
    expect(boundary.isInteractive('python-requests/2.32.3')).toBe(true);
    expect(
      boundary.isInteractive('kube-controller-manager/v1.31.0 (linux/amd64) kubernetes/abcdef/system:serviceaccount:kube-system:deployment-controller'),
    ).toBe(false);
    expect(boundary.isInteractive(undefined)).toBe(false);
    expect(boundary.isNodeAgent(undefined)).toBe(false);
  });

  it('uses the configured lists, not built-in ones', () => {
    const k3s = new TrustBoundary(trust({ userAgents: { node: ['k3s/'], interactive: ['k9s/'] } }));
    expect(k3s.isNodeAgent('k3s/v1.30.4+k3s1 (linux/amd64) kubernetes/abcdef')).toBe(true);
    expect(k3s.isNodeAgent('kubelet/v1.31.0')).toBe(false);
    expect(k3s.isInteractive('k9s/v0.32.5')).toBe(true);
    expect(k3s.isInteractive('kubectl/v1.31.0')).toBe(false);
  });

  it('ignores an empty prefix rather than matching every agent', () => {
    const blank = new TrustBoundary(trust({ userAgents: { node: [''], interactive: [''] } }));
    expect(blank.isNodeAgent('curl/8.5.0')).toBe(false);
    expect(blank.isInteractive('kubelet/v1.31.0')).toBe(false);
  });
});

describe('TrustBoundary.raiseForNetwork', () => {
  it('raises a privileged action by a person from outside the trusted networks one step, and says from where', () => {
    expect(configured.raiseForNetwork({ severity: 'medium', who: 'person', sourceIPs: ['203.0.113.9'] })).toEqual({
      severity: 'high',
      note: 'from 203.0.113.9, outside the trusted networks',
    });
    expect(configured.raiseForNetwork({ severity: 'high', who: 'unknown', sourceIPs: ['10.0.3.4', '203.0.113.9'] })).toEqual({
      severity: 'critical',
      note: 'from 203.0.113.9, outside the trusted networks',
    });
  });

  it('keeps critical at critical, with the note', () => {
    expect(configured.raiseForNetwork({ severity: 'critical', who: 'person', sourceIPs: ['203.0.113.9'] })).toEqual({
      severity: 'critical',
      note: 'from 203.0.113.9, outside the trusted networks',
    });
  });

  it('leaves alone what is below medium, inside, unjudgeable, or done by the platform or anonymously', () => {
    expect(configured.raiseForNetwork({ severity: 'low', who: 'person', sourceIPs: ['203.0.113.9'] })).toBeUndefined();
    expect(configured.raiseForNetwork({ severity: 'info', who: 'unknown', sourceIPs: ['203.0.113.9'] })).toBeUndefined();
    expect(configured.raiseForNetwork({ severity: 'high', who: 'person', sourceIPs: ['172.20.5.6'] })).toBeUndefined();
    expect(configured.raiseForNetwork({ severity: 'high', who: 'person' })).toBeUndefined();
    expect(configured.raiseForNetwork({ severity: 'high', who: 'platform', sourceIPs: ['203.0.113.9'] })).toBeUndefined();
    // Anonymous and allowed is critical by the rubric already: where it came from changes nothing.
    expect(configured.raiseForNetwork({ severity: 'critical', who: 'anonymous', sourceIPs: ['203.0.113.9'] })).toBeUndefined();
  });

  it('names a few addresses of a long forwarded list and counts the rest', () => {
    const many = Array.from({ length: 8 }, (_, i) => `203.0.113.${i + 1}`);
    expect(configured.raiseForNetwork({ severity: 'medium', who: 'person', sourceIPs: many })?.note).toBe(
      'from 203.0.113.1, 203.0.113.2, 203.0.113.3, 203.0.113.4, 203.0.113.5 and 3 more, outside the trusted networks',
    );
    expect(addressText(['a', 'b'])).toBe('a, b');
  });
});

describe('TrustBoundary.of', () => {
  it('builds one boundary per settings object', () => {
    const settings = { trust: trust({ nodeNetworks: ['10.0.0.0/16'] }) };
    expect(TrustBoundary.of(settings)).toBe(TrustBoundary.of(settings));
    expect(TrustBoundary.of({ trust: trust() })).not.toBe(TrustBoundary.of(settings));
    expect(TrustBoundary.of(settings).nodeNetworkCheck).toBe(true);
  });
});

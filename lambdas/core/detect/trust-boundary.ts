/**
 * Trust boundaries (docs/trust-boundaries.md): where node and workload credentials belong, where
 * people and automation act from, and which clients each identity class runs as. Built once from
 * `Settings['trust']`; nothing is guessed, so a check whose networks the configuration does not
 * name is off and judges nothing. Addresses and user agents come from the event: the address is
 * what the API server saw (or a proxy it trusts said), the user agent is the client's own word, so
 * an agent that looks right proves nothing and one that looks wrong is evidence.
 */
import type { Settings } from '../config/settings';
import type { NodeAgents } from '../read/interest';
import type { Severity } from '../finding';
import { severityRank, stepSeverity } from '../finding';
import { NetworkSet, PRIVATE_RANGES } from './networks';
import type { Who } from './rubric';

/** At most this many addresses are named in a note: X-Forwarded-For is as long as a client makes it. */
export const MAX_NAMED_ADDRESSES = 5;

/** The addresses of a list, for a sentence: the first few, and how many more. */
export function addressText(addresses: readonly string[]): string {
  const named = addresses.slice(0, MAX_NAMED_ADDRESSES).join(', ');
  const more = addresses.length - MAX_NAMED_ADDRESSES;
  return more > 0 ? `${named} and ${more} more` : named;
}

export class TrustBoundary {
  /** Whether credentials' use is judged against the node and pod networks (nodeNetworks named, or private ranges trusted). */
  readonly nodeNetworkCheck: boolean;
  /** Whether privileged actions are judged against the trusted networks (trustedNetworks named, or private ranges trusted). */
  readonly trustedNetworkCheck: boolean;
  private readonly nodeNetworks: NetworkSet;
  private readonly trustedNetworks: NetworkSet;
  private readonly nodeAgents: readonly string[];
  private readonly interactiveAgents: readonly string[];

  constructor(trust: Settings['trust']) {
    const shared = [...trust.apiServerAddresses, ...(trust.privateRangesTrusted ? PRIVATE_RANGES : [])];
    this.nodeNetworkCheck = trust.nodeNetworks.length > 0 || trust.privateRangesTrusted;
    this.trustedNetworkCheck = trust.trustedNetworks.length > 0 || trust.privateRangesTrusted;
    this.nodeNetworks = new NetworkSet([...trust.nodeNetworks, ...shared]);
    this.trustedNetworks = new NetworkSet([...trust.trustedNetworks, ...shared]);
    this.nodeAgents = trust.userAgents.node.filter((a) => a !== '');
    this.interactiveAgents = trust.userAgents.interactive.filter((a) => a !== '');
  }

  /** The boundary of a settings object, built on first use and kept while the settings live. */
  static of(settings: Pick<Settings, 'trust'>): TrustBoundary {
    let boundary = built.get(settings.trust);
    if (!boundary) built.set(settings.trust, (boundary = new TrustBoundary(settings.trust)));
    return boundary;
  }

  /**
   * The source addresses outside the trusted networks; undefined when the check is off, when the
   * event names no address (nothing to judge), or when every address is inside. Every address
   * counts (a proxy's X-Forwarded-For lists the client first): one outside is enough. Anything
   * that is not an IP address is outside, since the API server writes only addresses.
   */
  outsideTrusted(sourceIPs: readonly string[] | undefined): string[] | undefined {
    return this.trustedNetworkCheck ? outside(this.trustedNetworks, sourceIPs) : undefined;
  }

  /** Like `outsideTrusted`, for the node and pod networks. */
  outsideNodeNetworks(sourceIPs: readonly string[] | undefined): string[] | undefined {
    return this.nodeNetworkCheck ? outside(this.nodeNetworks, sourceIPs) : undefined;
  }

  /** Whether the user agent starts with one of the interactive clients' prefixes (case-sensitive). */
  isInteractive(userAgent: string | undefined): boolean {
    return startsWithAny(userAgent, this.interactiveAgents);
  }

  /** Whether the user agent starts with one of the node agents' prefixes (case-sensitive). */
  isNodeAgent(userAgent: string | undefined): boolean {
    return startsWithAny(userAgent, this.nodeAgents);
  }

  /**
   * The agents by which the reader may skip a node's own requests unparsed (`exceptNodeAgents`):
   * none while nodes are judged by address too, which needs every request of theirs read.
   */
  readerNodeAgents(): NodeAgents | undefined {
    return this.nodeNetworkCheck ? undefined : { userAgents: this.nodeAgents, interactive: this.interactiveAgents };
  }

  /**
   * For any finding: a privileged action (medium or above) by a person or an unknown identity from
   * an address outside the trusted networks is one step more severe (critical stays critical, and
   * still gets the note). Platform and anonymous identities are rated by who they are, not by where
   * they are: undefined for them, for findings below medium, and when nothing is outside.
   */
  raiseForNetwork(input: { severity: Severity; who: Who; sourceIPs?: readonly string[] }): { severity: Severity; note: string } | undefined {
    if (input.who !== 'person' && input.who !== 'unknown') return undefined;
    if (severityRank(input.severity) < severityRank('medium')) return undefined;
    const out = this.outsideTrusted(input.sourceIPs);
    if (!out) return undefined;
    return {
      severity: stepSeverity(input.severity, 1),
      note: `from ${addressText(out)}, outside the trusted networks`,
    };
  }
}

const built = new WeakMap<Settings['trust'], TrustBoundary>();

function outside(networks: NetworkSet, sourceIPs: readonly string[] | undefined): string[] | undefined {
  if (!Array.isArray(sourceIPs) || sourceIPs.length === 0) return undefined;
  // The event is attacker-controlled JSON: an entry that is not a string is no address either.
  const out = sourceIPs.map((ip: unknown) => (typeof ip === 'string' ? ip : (JSON.stringify(ip) ?? String(ip)))).filter((ip) => !networks.has(ip));
  return out.length > 0 ? out : undefined;
}

function startsWithAny(userAgent: string | undefined, prefixes: readonly string[]): boolean {
  return typeof userAgent === 'string' && prefixes.some((p) => userAgent.startsWith(p));
}

/**
 * Credentials a principal minted: a service-account token a person or a role requested is
 * theirs, so the account's actions for a while after are told in the minter's incidents (the
 * analyzer through its store, the CLI over the findings at hand).
 */
import type { Finding } from '../finding';

/** How long after the request a service account's findings are the minter's. */
export const MINT_MEMORY_MS = 7 * 86_400_000;
/** How long those findings still join the minter's open incident (instead of the window). */
export const MINTED_WINDOW_MINUTES = 24 * 60;

/** `namespace/name` of a service account username. */
export function serviceAccountOf(username: string): string | undefined {
  const match = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(username);
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/** A token a person or a role requested for a service account (one account for another, or the control plane, is the platform's own work). */
export function mintOf(finding: Finding): { serviceAccount: string; at: number; until: number } | undefined {
  if (finding.ruleId !== 'service-account.token-request' || finding.target.resource !== 'serviceaccounts') return undefined;
  if (serviceAccountOf(finding.actor.username) !== undefined || finding.actor.username.startsWith('system:')) return undefined;
  const { namespace, name } = finding.target;
  if (!namespace || !name) return undefined;
  const parsed = Date.parse(finding.time);
  const at = Number.isNaN(parsed) ? Date.now() : parsed;
  return { serviceAccount: `${namespace}/${name}`, at, until: at + MINT_MEMORY_MS };
}

/** Whether a finding at `time` falls within a mint that lasts until `until`. */
export function withinMint(time: string, until: number): boolean {
  const at = Date.parse(time);
  return Number.isNaN(at) || (at < until && at >= until - MINT_MEMORY_MS);
}

/**
 * Who an incident is about. An audit event names the identity a request authenticated as; for an
 * assumed role the human is the session name (SSO and most federations put the person's name
 * there), for an impersonation it is the impersonator. Identities that stand for no person (a CI
 * role's generated sessions, a service account, a node) are their own principal, so one CI role's
 * runs group together.
 */
import { digest } from '../detect/fingerprint';
import type { Finding } from '../finding';
import type { Principal } from './types';
import { bounded } from './bounded';

/** Longer keys are digested: the key names a stored item and must stay short whatever the log says. */
export const MAX_PRINCIPAL_KEY = 200;
const MAX_DISPLAY = 300;
const MAX_ROLE_SHOWN = 32;
/** Past this, a name is cut before it is digested (no authenticator issues anything near it). */
const MAX_NAME_READ = 100_000;

/**
 * Session names tools generate, naming no person: the AWS SDKs' and CLIs' defaults, GitHub's
 * configure-aws-credentials, EKS Pod Identity and other templated names, EC2 instance ids, and
 * names without a letter (timestamps, numbers). Anchored; the session name is attacker-chosen, but
 * choosing a generic one only groups the caller with the role's other generic sessions.
 */
const GENERIC_SESSION = [
  /^github-?actions?(?:[-_.].*)?$/i,
  /^botocore-session-\d+$/i,
  /^boto3?(?:[-_].*)?$/i,
  /^aws-(?:go|sdk|cli)(?:-[a-z0-9]+)*-\d+$/i,
  /^aws-sdk-[a-z]+-\d+$/i,
  /^\d{10,}$/,
  /\{\{.*\}\}/,
  /^eks-[a-z0-9-]+$/i,
  /^i-[0-9a-f]{8,17}$/,
  /^(?:assumed-?role-?)?session(?:[-_]?\d+)?$/i,
  /^[0-9a-f-]{16,}$/i,
  /^[^a-zA-Z]*$/,
];

export function isGenericSession(session: string): boolean {
  return GENERIC_SESSION.some((pattern) => pattern.test(session));
}

/** The principal behind a finding's actor. Never throws: every field may be anything. */
export function principalOf(finding: Pick<Finding, 'actor'>): Principal {
  try {
    const actor = finding.actor as Partial<Finding['actor']> | undefined;
    // The whole name makes the key (two long names differing at the end are two principals); what is kept is cut.
    const whole = bounded(actor?.username, MAX_NAME_READ);
    const username = bounded(whole, MAX_DISPLAY);
    const principal = identityOf(whole);
    const impersonated = actor?.impersonatedUser;
    return {
      key: boundedKey(principal.key),
      display: bounded(principal.display, MAX_DISPLAY),
      usernames: [username],
      ...(typeof impersonated === 'string' && impersonated !== '' ? { impersonated: [bounded(impersonated, MAX_DISPLAY)] } : {}),
    };
  } catch {
    return { key: 'unknown', display: 'unknown', usernames: [] };
  }
}

function identityOf(username: string): { key: string; display: string } {
  if (username === '') return { key: 'unknown', display: 'unknown identity' };
  if (username === 'system:anonymous') return { key: 'anonymous', display: 'anonymous' };
  const serviceAccount = /^system:serviceaccount:([^:]+):(.+)$/.exec(username);
  if (serviceAccount) {
    const [, namespace, name] = serviceAccount;
    return { key: `sa:${namespace}/${name}`, display: `service account ${namespace}/${name}` };
  }
  const node = /^system:node:(.+)$/.exec(username);
  if (node) return { key: `node:${node[1]}`, display: `node ${node[1]}` };
  const user = /^arn:aws[a-z-]*:iam::\d*:user\/(?:.*\/)?([^/]+)$/.exec(username);
  if (user) return { key: user[1], display: user[1] };
  const session = /^arn:aws[a-z-]*:sts::\d*:assumed-role\/(?:.*\/)?([^/]+)\/([^/]+)$/.exec(username);
  if (session) {
    const [, role, name] = session;
    if (isGenericSession(name)) return { key: `role/${role}`, display: `role ${shortRole(role)}` };
    return { key: name, display: `${name} (role ${shortRole(role)})` };
  }
  const role = /^arn:aws[a-z-]*:iam::\d*:role\/(?:.*\/)?([^/]+)$/.exec(username);
  if (role) return { key: `role/${role[1]}`, display: `role ${shortRole(role[1])}` };
  return { key: username, display: username };
}

/** SSO role names end in a 16-hex-digit suffix nobody reads: `AWSReservedSSO_PlatformAdmin_3a03…`. */
function shortRole(role: string): string {
  const sso = /^(AWSReservedSSO_.+_)([0-9a-f]{16})$/.exec(role);
  if (sso) return `${sso[1]}${sso[2].slice(0, 4)}…`;
  return bounded(role, MAX_ROLE_SHOWN);
}

function boundedKey(key: string): string {
  if (key.length <= MAX_PRINCIPAL_KEY) return key;
  return `${bounded(key, 100)}#${digest(key)}`;
}

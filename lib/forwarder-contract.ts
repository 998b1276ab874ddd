/**
 * What the central stack and the forwarders in other accounts agree on without a reference between
 * them (they deploy to different accounts): the key layout, the forwarders' role path and the
 * central bucket's name. Each side builds its policies from these functions, so they cannot drift.
 */

/**
 * The IAM path of every forwarder's Firehose role. The central bucket and key trust
 * `arn:aws:iam::<account>:role/k8s-audit-forwarder/*` of each declared account (`aws:PrincipalArn`):
 * a pattern can be trusted before the roles exist, so the central stack deploys first.
 */
export const FORWARDER_ROLE_PATH = '/k8s-audit-forwarder/';

const ACCOUNT = /^\d{12}$/;
/** AWS region names: `eu-west-1`, `us-gov-west-1`, `ap-southeast-2`. */
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

/** An account that may forward, and the regions it may forward from (all when none are named). */
export interface ForwarderAccount {
  readonly account: string;
  /** @default - every region */
  readonly regions?: readonly string[];
}

/** `clusters/<account>/` or `clusters/<account>/<region>/`: where a forwarder's objects land (clusterFromKey reads `<account>/<region>/<cluster>`). */
export function forwardedPrefix(account: string, region?: string): string {
  return region === undefined ? `clusters/${account}/` : `clusters/${account}/${region}/`;
}

/** `errors/<account>/…`: Firehose's failures, outside `clusters/` so the analyzer does not read them. */
export function forwardedErrorPrefix(account: string, region?: string): string {
  return region === undefined ? `errors/${account}/` : `errors/${account}/${region}/`;
}

/**
 * The central audit-log bucket's name when forwarders write to it: fixed by the central account and
 * region, so a forwarder's app can name it before the central stack is deployed, and the key policy
 * can name the bucket without a reference to it (the bucket already refers to the key).
 */
export function centralLogBucketName(account: string, region: string): string {
  assertAccount(account, 'the central account');
  assertRegion(region, 'the central region');
  return `k8s-audit-logs-${account}-${region}`;
}

/**
 * The `forwarderAccounts` entries (`111111111111` or `111111111111:eu-west-1`) as accounts with
 * their regions: an account listed bare may forward from every region, whatever else names it.
 */
export function parseForwarderAccounts(entries: readonly string[]): ForwarderAccount[] {
  const byAccount = new Map<string, Set<string> | 'all'>();
  for (const entry of entries) {
    const [account, region, ...rest] = entry.split(':');
    assertAccount(account, `forwarderAccounts entry '${entry}'`);
    if (rest.length > 0) throw new Error(`forwarderAccounts entry '${entry}': expected <account> or <account>:<region>`);
    if (region !== undefined) assertRegion(region, `forwarderAccounts entry '${entry}'`);
    const known = byAccount.get(account);
    if (region === undefined || known === 'all') byAccount.set(account, 'all');
    else byAccount.set(account, new Set([...(known ?? []), region]));
  }
  return [...byAccount].map(([account, regions]) => (regions === 'all' ? { account } : { account, regions: [...regions].sort() }));
}

export function assertAccount(account: string, what: string): void {
  if (!ACCOUNT.test(account)) throw new Error(`${what}: '${account}' is not a 12-digit AWS account id`);
}

export function assertRegion(region: string, what: string): void {
  if (!REGION.test(region)) throw new Error(`${what}: '${region}' is not an AWS region name`);
}

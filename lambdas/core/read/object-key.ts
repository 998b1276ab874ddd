/**
 * Objects a forwarder in another account writes: `clusters/<account>/<region>/<cluster>/…`
 * (lib/audit-log-forwarder.ts). The account is 12 digits and the region an AWS region name, so a
 * time path (`clusters/<cluster>/2026/…`) never reads as one.
 */
const FORWARDED = /(?:^|\/)clusters\/(\d{12})\/([a-z]{2}(?:-[a-z]+)+-\d{1,2})\/([^/]+)\//;

/**
 * The cluster an object belongs to when its key (or file path) says so: `clusters/<name>/…` (the
 * layout the EKS ingestion writes), `clusters/<account>/<region>/<name>/…` (a forwarder in
 * another account: the cluster is `<account>/<region>/<name>`, one identity for findings,
 * incidents, reports and the watchdog) or EKS's CloudWatch log group in the key
 * (`/aws/eks/<name>/cluster`). The CLI and the analyzer both name clusters this way, so a finding
 * is the same whichever read the object.
 */
export function clusterFromKey(key: string): string | undefined {
  const forwarded = FORWARDED.exec(key);
  if (forwarded) return `${forwarded[1]}/${forwarded[2]}/${forwarded[3]}`;
  return /(?:^|\/)clusters\/([^/]+)\//.exec(key)?.[1] ?? /aws\/eks\/([^/]+)\/cluster/.exec(key)?.[1];
}

/** Whether a cluster identity is a forwarded one (`<account>/<region>/<name>`), named by where the object was written. */
export function isForwardedCluster(cluster: string): boolean {
  return FORWARDED.test(`clusters/${cluster}/`);
}

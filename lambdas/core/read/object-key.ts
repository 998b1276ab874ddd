/**
 * The cluster an object belongs to when its key (or file path) says so: `clusters/<name>/…` (the
 * layout the EKS ingestion writes) or EKS's CloudWatch log group in the key
 * (`/aws/eks/<name>/cluster`). The CLI and the analyzer both name clusters this way, so a finding
 * is the same whichever read the object.
 */
export function clusterFromKey(key: string): string | undefined {
  return /(?:^|\/)clusters\/([^/]+)\//.exec(key)?.[1] ?? /aws\/eks\/([^/]+)\/cluster/.exec(key)?.[1];
}

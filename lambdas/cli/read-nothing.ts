import type { ReadStats } from '../core/read';
import { shownDetail } from './problem-detail';
import { binaryBytes } from './units';

/**
 * Why a run read no audit event at all, or undefined when it read some. A gate that read nothing
 * must not pass: an empty directory, a README, a mistyped S3 prefix all look like "no findings".
 * When reading itself failed (S3 denied access, a reader thread could not start), that is the
 * answer, with the first failure's cause: "not audit logs" would send the user the wrong way.
 */
export function nothingReadMessage(
  objects: number,
  total: Pick<ReadStats, 'events' | 'bytesIn'> & Partial<Pick<ReadStats, 'problems' | 'samples'>>,
  locations: readonly string[],
): string | undefined {
  if (total.events > 0) return undefined;
  const where = locations.length === 1 ? locations[0] : `${locations.length} locations`;
  if (objects === 0) return `no audit event read: no object found under ${where} (check the path or the S3 prefix)`;
  if ((total.problems?.['source-error'] ?? 0) > 0) {
    const cause = total.samples?.find((s) => s.kind === 'source-error')?.detail;
    return `no audit event read under ${where}, and reading failed${cause === undefined ? '' : ` (first: ${shownDetail(cause)})`}`;
  }
  return `no audit event read: ${objects === 1 ? 'the object' : `all ${objects} objects`} (${binaryBytes(total.bytesIn)}) under ${where} held none (not audit logs, or empty)`;
}

import type { AwsSecurityFinding, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { BatchImportFindingsCommand } from '@aws-sdk/client-securityhub';
import type { AsffFinding, FindingsImporter } from '../core/export/asff';
import { ASFF_LIMITS } from '../core/export/asff';

/** Security Hub refused some findings: named, so the Lambda fails and the alert is retried, then dead-lettered. */
export class FindingsRefusedError extends Error {
  override readonly name = 'FindingsRefusedError';
  constructor(readonly refused: ReadonlyArray<{ id: string; code: string; message: string }>) {
    super(
      `Security Hub refused ${refused.length} finding(s): ${refused
        .slice(0, 10)
        .map((r) => `${r.id} (${r.code}: ${r.message})`)
        .join('; ')}${refused.length > 10 ? `; and ${refused.length - 10} more` : ''}`,
    );
  }
}

/**
 * Imports findings with `BatchImportFindings`: at most 100 per call and within the call's size
 * budget, calls in order. Throttling and transient errors are retried by the SDK client (its
 * `maxAttempts`); findings Security Hub refuses are collected over every call and thrown together.
 */
export class SecurityHubImporter implements FindingsImporter {
  constructor(private readonly client: SecurityHubClient) {}

  async import(findings: readonly AsffFinding[]): Promise<{ imported: number; calls: number }> {
    const refused: Array<{ id: string; code: string; message: string }> = [];
    let imported = 0;
    const batches = batchesOf(findings);
    for (const batch of batches) {
      // Our type is a structural subset of the SDK's; the cast only widens string literals to its enums.
      const out = await this.client.send(new BatchImportFindingsCommand({ Findings: batch as unknown as AwsSecurityFinding[] }));
      imported += out.SuccessCount ?? 0;
      for (const f of out.FailedFindings ?? []) refused.push({ id: f.Id ?? '?', code: f.ErrorCode ?? '?', message: f.ErrorMessage ?? '' });
    }
    if (refused.length > 0) throw new FindingsRefusedError(refused);
    return { imported, calls: batches.length };
  }
}

/** Findings in order, in batches of at most 100 and at most the call budget of JSON each. */
export function batchesOf(findings: readonly AsffFinding[]): AsffFinding[][] {
  const batches: AsffFinding[][] = [];
  let current: AsffFinding[] = [];
  let bytes = 0;
  for (const finding of findings) {
    const size = Buffer.byteLength(JSON.stringify(finding));
    if (size > ASFF_LIMITS.findingBytes) throw new Error(`finding ${finding.Id} is ${size} bytes, over Security Hub's 240 KB`);
    if (current.length === ASFF_LIMITS.findingsPerCall || (current.length > 0 && bytes + size > ASFF_LIMITS.callBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(finding);
    bytes += size + 1;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

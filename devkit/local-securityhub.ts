/**
 * A local stand-in for Security Hub's BatchImportFindings, for the forwarder's tests and the
 * end-to-end test of the integrations.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ASFF_LIMITS, ASFF_REQUIRED_ATTRIBUTES } from '../lambdas/core/export/asff';

export interface StoredFinding {
  Id: string;
  CreatedAt: string;
  UpdatedAt: string;
  RecordState: string;
}

/**
 * Security Hub's `BatchImportFindings` (REST-JSON `POST /findings/import`) on 127.0.0.1: it checks
 * what the real service checks before it stores anything (the route, at most 100 findings and 6 MB
 * a call, 240 KB a finding, the required attributes, our account and product), refuses a finding
 * that breaks them in `FailedFindings`, keeps the rest by Id, and records every import as a
 * creation or an update.
 */
export async function startLocalSecurityHub(accountId: string, productArn: string) {
  const findings = new Map<string, StoredFinding>();
  const log: Array<{ op: 'created' | 'updated'; id: string; updatedAt: string; recordState: string }> = [];
  const calls: Array<{ count: number; bytes: number }> = [];
  const problems: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'POST' || req.url !== '/findings/import') return answer(404, { message: `no route ${req.method} ${req.url}` });
      const body = JSON.parse(raw.toString('utf8')) as { Findings?: Array<Record<string, unknown>> };
      const batch = body.Findings ?? [];
      calls.push({ count: batch.length, bytes: raw.length });
      if (batch.length === 0 || batch.length > ASFF_LIMITS.findingsPerCall || raw.length > 6 * 1024 * 1024) {
        problems.push(`call of ${batch.length} findings, ${raw.length} bytes`);
        return answer(400, { message: 'Invalid request' });
      }
      const failed: Array<{ Id: string; ErrorCode: string; ErrorMessage: string }> = [];
      for (const f of batch) {
        const missing = ASFF_REQUIRED_ATTRIBUTES.filter((k) => f[k] === undefined);
        const id = String(f.Id);
        const wrong = [
          ...missing.map((k) => `missing ${k}`),
          ...(Buffer.byteLength(JSON.stringify(f)) > 240 * 1024 ? ['over 240 KB'] : []),
          ...(f.AwsAccountId !== accountId ? ['another account'] : []),
          ...(f.ProductArn !== productArn ? ['another product'] : []),
          ...(String(f.Title).length > 256 || String(f.Description).length > 1024 ? ['Title or Description too long'] : []),
        ];
        if (wrong.length > 0) {
          failed.push({ Id: id, ErrorCode: 'InvalidInput', ErrorMessage: wrong.join(', ') });
          continue;
        }
        const stored: StoredFinding = { Id: id, CreatedAt: String(f.CreatedAt), UpdatedAt: String(f.UpdatedAt), RecordState: String(f.RecordState) };
        log.push({ op: findings.has(id) ? 'updated' : 'created', id, updatedAt: stored.UpdatedAt, recordState: stored.RecordState });
        findings.set(id, stored);
      }
      return answer(200, { FailedCount: failed.length, SuccessCount: batch.length - failed.length, FailedFindings: failed });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    findings,
    log,
    calls,
    problems,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

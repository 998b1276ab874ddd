import { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { batchesOf, FindingsRefusedError, SecurityHubImporter } from '../../lambdas/adapters/securityhub-importer';
import { buildIncidentBody } from '../../lambdas/core/alert/incident-message';
import type { AsffFinding } from '../../lambdas/core/export/asff';
import { ASFF_LIMITS, asffFindings } from '../../lambdas/core/export/asff';
import { STORY_LINKS, storyAlert } from '../../devkit/incident-story';

function sampleFinding(): AsffFinding {
  const result = asffFindings(buildIncidentBody(storyAlert(), STORY_LINKS), {
    target: { partition: 'aws', region: 'eu-west-1', accountId: '123456789012' },
    receivedAt: '2026-11-20T09:01:00.000Z',
  });
  if (!('findings' in result)) throw new Error('skipped');
  return result.findings[0];
}

const many = (n: number, pad = ''): AsffFinding[] => Array.from({ length: n }, (_, i) => ({ ...sampleFinding(), Id: `finding-${i}`, Description: pad }));

describe('SecurityHubImporter', () => {
  const hub = mockClient(SecurityHubClient);
  beforeEach(() => hub.reset());

  it('imports 250 findings in 3 calls of at most 100, in order', async () => {
    hub
      .on(BatchImportFindingsCommand)
      .callsFake((input: { Findings: AsffFinding[] }) => ({ SuccessCount: input.Findings.length, FailedCount: 0, FailedFindings: [] }));
    const findings = many(250);
    const result = await new SecurityHubImporter(new SecurityHubClient({ region: 'eu-west-1' })).import(findings);
    expect(result).toEqual({ imported: 250, calls: 3 });
    const sent = hub.commandCalls(BatchImportFindingsCommand).map((c) => c.args[0].input.Findings ?? []);
    expect(sent.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(sent.flat().map((f) => f.Id)).toEqual(findings.map((f) => f.Id));
  });

  it('throws an error naming the findings Security Hub refused, after sending every batch', async () => {
    hub
      .on(BatchImportFindingsCommand)
      .resolvesOnce({ SuccessCount: 99, FailedCount: 1, FailedFindings: [{ Id: 'finding-7', ErrorCode: 'InvalidInput', ErrorMessage: 'Title too long' }] })
      .resolvesOnce({ SuccessCount: 20, FailedCount: 0, FailedFindings: [] });
    const error = await new SecurityHubImporter(new SecurityHubClient({ region: 'eu-west-1' })).import(many(120)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FindingsRefusedError);
    expect((error as FindingsRefusedError).refused).toEqual([{ id: 'finding-7', code: 'InvalidInput', message: 'Title too long' }]);
    expect((error as Error).message).toBe('Security Hub refused 1 finding(s): finding-7 (InvalidInput: Title too long)');
    expect(hub.commandCalls(BatchImportFindingsCommand)).toHaveLength(2);
  });

  it('lets an error of the call itself through (the client has retried throttling by then)', async () => {
    hub.on(BatchImportFindingsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(new SecurityHubImporter(new SecurityHubClient({ region: 'eu-west-1', maxAttempts: 1 })).import(many(1))).rejects.toThrow('Rate exceeded');
  });
});

describe('batchesOf', () => {
  it('starts a new batch before the call budget is passed', () => {
    // Findings of about 200 KB each: 24 fit in the 5 MB budget, far below 100.
    const big = many(60, 'd'.repeat(200_000));
    const batches = batchesOf(big);
    expect(batches.length).toBeGreaterThan(1);
    for (const b of batches) expect(b.reduce((n, f) => n + Buffer.byteLength(JSON.stringify(f)), 0)).toBeLessThanOrEqual(ASFF_LIMITS.callBytes);
    expect(batches.flat()).toEqual(big);
  });

  it('refuses a finding over 240 KB rather than sending it', () => {
    expect(() => batchesOf(many(1, 'd'.repeat(300_000)))).toThrow("over Security Hub's 240 KB");
  });

  it('makes no call for no findings', () => {
    expect(batchesOf([])).toEqual([]);
  });
});

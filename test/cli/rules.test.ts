import { main } from '../../lambdas/cli/main';
import { isExternal } from '../../lambdas/core/detect/rule';
import { RULES } from '../../lambdas/core/rules';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => (out += s + '\n'), err: (s) => (err += s + '\n') });
  return { code, out, err };
}

describe('k8s-audit-analyzer rules show', () => {
  it('names the audit level a rule over audit events needs', async () => {
    const { code, out } = await run('rules', 'show', 'audit-tampering.policy-changed');
    expect(code).toBe(0);
    expect(out).toMatch(/^audit level needed: (Metadata|Request) \(below it, the compliance report shows its controls as not assessed\)$/m);
    expect(out).not.toMatch(/^source: /m);
  });

  it('names where an external detection reads its evidence, and no audit level', async () => {
    const externals = RULES.filter(isExternal);
    expect(externals.map((r) => r.id)).toEqual(
      expect.arrayContaining(['audit-tampering.log-object-deleted', 'audit-tampering.log-silence', 'audit-tampering.eks-audit-logging-disabled']),
    );
    for (const rule of externals) {
      const { code, out } = await run('rules', 'show', rule.id);
      expect(code).toBe(0);
      expect(out).toContain(`\nsource: ${rule.source}\naudit level: outside the log\n`);
      expect(out).not.toMatch(/audit level needed/);
    }
    const { out } = await run('rules', 'show', 'audit-tampering.log-object-deleted');
    expect(out).toMatch(/^source: the analyzer, from the log bucket's S3 ObjectRemoved notifications$/m);
  });
});

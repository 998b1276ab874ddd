import { Readable } from 'node:stream';
import type { SourceObject } from '../../../lambdas/adapters/object-source';
import { scanObjects } from '../../../lambdas/cli/scan';
import type { Rule } from '../../../lambdas/core/detect/rule';
import { clusterAdminBinding } from '../../helpers/events';

/*
 * The CLI's call into the engine: each object's stats go with its events, so a rule that throws
 * is counted against the object it happened in; and problem details, which can quote the log,
 * leave redacted.
 */

function object(name: string, lines: string[]): SourceObject {
  const bytes = Buffer.from(lines.join('\n') + '\n');
  return {
    name,
    size: bytes.length,
    open: () => Promise.resolve(Readable.from([bytes])),
  };
}

const careless: Rule = {
  id: 'test.careless',
  title: 'Careless',
  category: 'rbac-change',
  severity: 'high',
  description: 'd',
  attack: [],
  controls: [],
  falsePositives: 'f',
  remediation: 'r',
  interest: [{ verbs: ['create'], resources: ['clusterrolebindings'] }],
  evaluate: (view) => ({ severity: 'high', summary: `subjects ${(view.object as { subjects: unknown[] }).subjects.length}` }),
};

describe('scanObjects and the engine', () => {
  it('counts a rule that threw in the stats of the object the event came from, and still reports the rest', async () => {
    const hostile = { ...clusterAdminBinding(), requestObject: { kind: 'ClusterRoleBinding', metadata: { name: 'x' } } };
    const result = await scanObjects(
      [object('a.log', [JSON.stringify(clusterAdminBinding())]), object('b.log', [JSON.stringify(hostile), JSON.stringify(clusterAdminBinding())])],
      { rules: [careless], concurrency: 1 },
    );
    expect(result.findings.map((f) => f.source)).toEqual(['a.log', 'b.log']);
    expect(result.stats.objects.map((o) => o.stats.problems['rule-error'])).toEqual([0, 1]);
    expect(result.stats.total.problems['rule-error']).toBe(1);
  });

  it('returns problem details redacted: no excerpt of a malformed line, no credential', async () => {
    const result = await scanObjects([object('c.log', ['{"kind":"Event","password": hunter2, "apiVersion":"audit.k8s.io/v1"}'])]);
    const details = result.stats.objects[0].stats.samples.map((s) => s.detail);
    expect(details.length).toBeGreaterThan(0);
    expect(details.join('\n')).not.toContain('hunter2');
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { listFiles } from '../../lambdas/adapters/object-source';
import type { ScanResult } from '../../lambdas/cli/scan';
import { scanObjects } from '../../lambdas/cli/scan';
import type { Finding } from '../../lambdas/core/finding';
import { ATTACKER_SERVER_IP, JORDAN, STOLEN_KEY_IP, STORIES } from '../../scripts/attack-stories';
import { buildSamples } from '../../scripts/make-samples';

const SAMPLES = join(__dirname, '..', '..', 'samples');

/** `namespace/name`, or `name` for cluster-scoped objects. */
const targetOf = (f: Finding): string => (f.target.namespace ? `${f.target.namespace}/${f.target.name ?? ''}` : (f.target.name ?? ''));
const key = (story: string, ruleId: string, severity: string, target: string): string => `${story} ${ruleId} ${severity} ${target}`;
const isHighOrCritical = (f: Finding): boolean => f.severity === 'high' || f.severity === 'critical';

/** The findings samples/README.md promises at high or critical, read from its table. */
function promised(): Array<{ story: string; ruleId: string; severity: string; target: string }> {
  const readme = readFileSync(join(SAMPLES, 'README.md'), 'utf8');
  return [...readme.matchAll(/^\|\s*([a-f])\s*\|\s*`([a-z0-9.-]+)`\s*\|\s*(critical|high|medium)\s*\|\s*`([^`]+)`\s*\|/gm)].map((m) => ({
    story: m[1],
    ruleId: m[2],
    severity: m[3],
    target: m[4],
  }));
}

/** The story each auditID belongs to. */
const storyOf = new Map(STORIES.flatMap((s) => s.parts.flatMap(([, events]) => events.map((e) => [String(e.auditID), s.id] as const))));

const BACKDOOR_TOKEN_USER = 'system:serviceaccount:kube-system:node-health-agent';

/** What each story's main finding must say beyond rule and target: who, from where, in which object. */
const STORY_CHECKS: Array<{ story: string; ruleId: string; target: string; actor: string; sourceIP?: string; object: string }> = [
  {
    story: 'a',
    ruleId: 'rbac.privileged-role-bound',
    target: 'node-health-agent',
    actor: String(JORDAN.username),
    sourceIP: STOLEN_KEY_IP,
    object: 'eks/prod-eu/',
  },
  {
    story: 'b',
    ruleId: 'daemonset.created-or-changed',
    target: 'kube-system/node-health-agent',
    actor: String(JORDAN.username),
    sourceIP: STOLEN_KEY_IP,
    object: 'eks/prod-eu/',
  },
  {
    story: 'c',
    ruleId: 'admission.webhook-configuration-changed',
    target: 'eks-pod-identity-cache',
    actor: BACKDOOR_TOKEN_USER,
    sourceIP: ATTACKER_SERVER_IP,
    object: 'webhook/',
  },
  {
    story: 'd',
    ruleId: 'cronjob.created-or-changed',
    target: 'kube-system/image-gc-helper',
    actor: BACKDOOR_TOKEN_USER,
    sourceIP: ATTACKER_SERVER_IP,
    object: 'fluent-bit/',
  },
  {
    story: 'e',
    ruleId: 'exec.pod-exec',
    target: 'payments/postgres-0',
    actor: BACKDOOR_TOKEN_USER,
    sourceIP: ATTACKER_SERVER_IP,
    object: 'self-managed/kube-apiserver-audit.log',
  },
  {
    story: 'f',
    ruleId: 'restart.crash-loop',
    target: 'kube-system/node-health-agent-q7x2m',
    actor: 'system:node:ip-10-0-77-12.us-west-2.compute.internal',
    object: 'self-managed/kube-apiserver-audit-2026-11-20T10.log.gz',
  },
];

describe('samples/', () => {
  let result: ScanResult;
  beforeAll(async () => {
    result = await scanObjects(await listFiles([SAMPLES]));
  });

  it('reads every object completely, in every shipping format, with no problem', () => {
    expect(result.stats.objects).toHaveLength(5);
    for (const { source, stats } of result.stats.objects) {
      expect({ source, complete: stats.complete, problems: Object.values(stats.problems).reduce((a, b) => a + b, 0) }).toEqual({
        source,
        complete: true,
        problems: 0,
      });
      expect(stats.events).toBeGreaterThan(0);
    }
    expect(new Set(result.stats.objects.map((o) => o.stats.compression.join('+')))).toEqual(new Set(['plain', 'gzip', 'gzip+gzip']));
    expect(result.stats.total.clusters).toEqual(['prod-eu']);
    expect(result.summary.malformed).toBe(0);
  });

  it('promises a finding at the alert minimum (medium) or above for every story', () => {
    expect(new Set(promised().map((p) => p.story))).toEqual(new Set(STORIES.map((s) => s.id)));
  });

  it('raises exactly the findings at high or critical that samples/README.md promises, each from its story', () => {
    const raised = result.findings
      .map(({ finding }) => finding)
      .filter(isHighOrCritical)
      .map((f) => key(storyOf.get(f.auditID) ?? 'benign traffic', f.ruleId, f.severity, targetOf(f)));
    expect([...new Set(raised)].sort()).toEqual(
      promised()
        .filter((p) => p.severity !== 'medium')
        .map((p) => key(p.story, p.ruleId, p.severity, p.target))
        .sort(),
    );
  });

  it.each(STORY_CHECKS)('finds story $story: $ruleId on $target', ({ story, ruleId, target, actor, sourceIP, object }) => {
    const found = result.findings.filter(
      ({ finding }) => finding.ruleId === ruleId && targetOf(finding) === target && finding.severity !== 'low' && finding.severity !== 'info',
    );
    expect(found.length).toBeGreaterThan(0);
    for (const { finding, source } of found) {
      expect(storyOf.get(finding.auditID)).toBe(story);
      expect(finding.actor.username).toBe(actor);
      if (sourceIP) expect(finding.actor.sourceIPs).toEqual([sourceIP]);
      expect(source).toContain(object);
      expect(finding.time.startsWith('2026-11-20T')).toBe(true);
    }
  });

  it('is what scripts/make-samples.ts writes today: run `npm run samples` after changing the stories or the generator', () => {
    // Compared decompressed, so that another zlib build compressing differently does not matter.
    const decoded = (bytes: Buffer): string => {
      let out = bytes;
      while (out.length >= 2 && out[0] === 0x1f && out[1] === 0x8b) out = gunzipSync(out);
      return out.toString('utf8');
    };
    for (const { path, bytes } of buildSamples()) {
      expect({ path, same: decoded(readFileSync(join(SAMPLES, path))) === decoded(bytes) }).toEqual({ path, same: true });
    }
  });
});

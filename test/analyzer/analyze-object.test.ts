import { Readable } from 'node:stream';
import type { AlertCooldown, AlertGroup, AlertLedger, CooldownDecision } from '../../lambdas/analyzer/analyze-object';
import { alertGroups, analyzeObject } from '../../lambdas/analyzer/analyze-object';
import type { AlertMessage } from '../../lambdas/core/alert/sns-message';
import type { AuditEvent } from '../../lambdas/core/audit-event';
import { DetectionEngine } from '../../lambdas/core/detect/engine';
import type { Finding } from '../../lambdas/core/finding';
import type { FindingsStore, Publisher } from '../../lambdas/core/ports';
import { aggregate } from '../../lambdas/core/report/aggregate';
import { RULES } from '../../lambdas/core/rules';
import { clusterAdminBinding, execViaGet } from '../helpers/events';
import type { Ev } from '../helpers/shipping';

const binding = (name: string, user = 'alice@example.com'): Ev => {
  const b = clusterAdminBinding();
  return { ...b, user: { username: user }, objectRef: { ...(b.objectRef as Record<string, unknown>), name } };
};

const REF = { bucket: 'audit-logs', key: 'clusters/prod-eu/2026/11/20/10/a.json' };

/** In-memory store, ledger and publisher, recording the order of what happened. */
function world(events: Ev[]) {
  const log: string[] = [];
  const stored = new Map<string, Finding>();
  const alerted = new Set<string>();
  const id = (f: Finding): string => `${f.ruleId}/${f.auditID}`;
  const store: FindingsStore = {
    putNew: (findings) => {
      const fresh = findings.filter((f) => !stored.has(id(f)));
      for (const f of fresh) stored.set(id(f), f);
      log.push(`stored ${fresh.length}`);
      return Promise.resolve(fresh);
    },
    query: () => Promise.resolve([]),
  };
  const ledger: AlertLedger = {
    pending: (findings) => Promise.resolve(findings.filter((f) => stored.has(id(f)) && !alerted.has(id(f)))),
    markAlerted: (findings) => {
      for (const f of findings) alerted.add(id(f));
      log.push(`marked ${findings.length}`);
      return Promise.resolve();
    },
  };
  const published: AlertMessage[] = [];
  const publisher: Publisher & { fail: boolean } = {
    fail: false,
    publish(alert) {
      if (this.fail) return Promise.reject(new Error('SNS is down'));
      published.push(alert);
      log.push('published');
      return Promise.resolve();
    },
  };
  const deps = {
    open: () => Promise.resolve(Readable.from([Buffer.from(events.map((e) => JSON.stringify(e)).join('\n') + '\n')])),
    engine: new DetectionEngine(RULES),
    store,
    ledger,
    publisher,
    minAlertSeverity: 'high' as const,
  };
  return { deps, log, published, publisher };
}

/** Suppresses the groups whose target name is in `held`; reports 3 earlier hits for the others. */
const cooldownHolding = (...held: string[]): AlertCooldown & { seen: AlertGroup[][] } => ({
  windowMinutes: 30,
  seen: [],
  claim(groups) {
    this.seen.push([...groups]);
    return Promise.resolve(groups.map((g): CooldownDecision => (held.includes(g.target.name ?? '') ? { alert: false } : { alert: true, suppressedBefore: 3 })));
  },
});

const machine = (alert: AlertMessage): { table: Array<{ target: { name?: string } }> } =>
  JSON.parse((JSON.parse(alert.Message) as { lambda: string }).lambda) as { table: Array<{ target: { name?: string } }> };

describe('analyzeObject with an alert cooldown', () => {
  it('groups findings exactly as the alert table does, and per cluster', async () => {
    const { deps } = world([]);
    const findings: Finding[] = [];
    for (const event of [binding('a'), binding('a'), binding('b'), binding('a', 'bob'), execViaGet()]) {
      for (const cluster of ['prod-eu', 'prod-us']) findings.push(...(await deps.engine.analyze({ event: event as unknown as AuditEvent, cluster, offset: 0, line: 1, truncated: false })));
    }
    const groups = alertGroups(findings);
    expect(groups.flatMap((g) => g.findings)).toHaveLength(findings.length);
    for (const g of groups) expect(aggregate(g.findings.map((finding) => ({ finding, source: 's' })))).toHaveLength(1);
    const perCluster = (cluster: string): number => aggregate(findings.filter((f) => f.cluster === cluster).map((finding) => ({ finding, source: 's' }))).length;
    expect(groups).toHaveLength(perCluster('prod-eu') + perCluster('prod-us'));
  });

  it('publishes the groups it may, marks the held ones alerted before publishing, and counts them', async () => {
    const { deps, log, published } = world([binding('held'), binding('sent')]);
    const cooldown = cooldownHolding('held');
    const result = await analyzeObject(REF, { ...deps, cooldown });
    expect(cooldown.seen[0].map((g) => g.target.name).sort()).toEqual(['held', 'held', 'sent', 'sent']);
    expect(result).toMatchObject({ published: true, alerted: 2, suppressed: 2, suppressedGroups: 2 });
    expect(machine(published[0]).table.map((r) => r.target.name)).toEqual(['sent', 'sent']);
    expect(log).toEqual(['stored 6', 'marked 2', 'published', 'marked 2']);
    const email = (JSON.parse(published[0].Message) as { email: string }).email;
    expect(email).toContain('once per 30 minutes');
    expect(email).toContain('6 hits of these groups counted without an alert');
  });

  it('publishes nothing when every group is held, and a redelivery neither alerts nor claims again', async () => {
    const { deps, log, published } = world([binding('held')]);
    const cooldown = cooldownHolding('held');
    expect(await analyzeObject(REF, { ...deps, cooldown })).toMatchObject({ published: false, alerted: 0, suppressed: 2 });
    expect(published).toHaveLength(0);
    expect(log).toEqual(['stored 3', 'marked 2']);
    await analyzeObject(REF, { ...deps, engine: new DetectionEngine(RULES), cooldown });
    expect(cooldown.seen).toHaveLength(1);
  });

  it('leaves the published groups pending when the publish fails, so the redelivery sends them', async () => {
    const { deps, log, published, publisher } = world([binding('held'), binding('sent')]);
    const cooldown = cooldownHolding('held');
    publisher.fail = true;
    await expect(analyzeObject(REF, { ...deps, cooldown })).rejects.toThrow('SNS is down');
    expect(log).toEqual(['stored 6', 'marked 2']);
    publisher.fail = false;
    const retried = await analyzeObject(REF, { ...deps, engine: new DetectionEngine(RULES), cooldown });
    expect(retried).toMatchObject({ published: true, alerted: 2, suppressed: 0 });
    expect(cooldown.seen[1].map((g) => g.target.name)).toEqual(['sent', 'sent']);
    expect(machine(published[0]).table.map((r) => r.target.name)).toEqual(['sent', 'sent']);
  });

  it('archives nothing when every row fits', async () => {
    const { deps } = world([binding('small')]);
    const put = jest.fn();
    const result = await analyzeObject(REF, { ...deps, archive: { put } });
    expect(put).not.toHaveBeenCalled();
    expect(result.archivedTo).toBeUndefined();
  });
});

import { Readable } from 'node:stream';
import { analyzeObject } from '../../../lambdas/core/pipeline/analyze-object';
import { alertGroups } from '../../../lambdas/core/pipeline/raise-findings';
import type { AlertMessage } from '../../../lambdas/core/alert/sns-message';
import type { AuditEvent } from '../../../lambdas/core/audit-event';
import { DEFAULT_CONFIG, DetectionEngine } from '../../../lambdas/core/detect/engine';
import { FindingPolicy } from '../../../lambdas/core/detect/finding-policy';
import type { Finding } from '../../../lambdas/core/finding';
import type { AlertCooldown, AlertGroup, AlertLedger, CooldownDecision, FindingsStore, Publisher, SourceObject } from '../../../lambdas/core/ports';
import { aggregate } from '../../../lambdas/core/report/aggregate';
import { EVENT_RULES } from '../../../lambdas/core/rules';
import { clusterAdminBinding, execViaGet } from '../../helpers/events';
import type { Ev } from '../../helpers/shipping';

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
  const claims = new Map<string, string>();
  const ledger: AlertLedger = {
    claim: (findings, attempt) => {
      const pending = findings.filter((f) => stored.has(id(f)) && !alerted.has(id(f)));
      const mine = pending.filter((f) => !claims.has(id(f)));
      for (const f of mine) claims.set(id(f), attempt.id);
      return Promise.resolve({ mine, held: pending.length - mine.length });
    },
    release: (findings, attempt) => {
      for (const f of findings) if (claims.get(id(f)) === attempt.id) claims.delete(id(f));
      log.push(`released ${findings.length}`);
      return Promise.resolve();
    },
    markAlerted: (findings) => {
      for (const f of findings) claims.delete(id(f));
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
    policy: new FindingPolicy(DEFAULT_CONFIG),
    engine: new DetectionEngine(EVENT_RULES),
    store,
    ledger,
    publisher,
    minAlertSeverity: 'high' as const,
  };
  const open = () => Promise.resolve(Readable.from([Buffer.from(events.map((e) => JSON.stringify(e)).join('\n') + '\n')]));
  /** The object at `ref`, holding the world's events. */
  const object = (ref: { bucket: string; key: string }): SourceObject => ({ name: `s3://${ref.bucket}/${ref.key}`, key: ref.key, size: 0, open });
  return { deps, object, log, published, publisher };
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
      for (const cluster of ['prod-eu', 'prod-us'])
        findings.push(...(await deps.engine.analyze({ event: event as unknown as AuditEvent, cluster, offset: 0, line: 1, truncated: false })));
    }
    const groups = alertGroups(findings);
    expect(groups.flatMap((g) => g.findings)).toHaveLength(findings.length);
    for (const g of groups) expect(aggregate(g.findings.map((finding) => ({ finding, source: 's' })))).toHaveLength(1);
    const perCluster = (cluster: string): number =>
      aggregate(findings.filter((f) => f.cluster === cluster).map((finding) => ({ finding, source: 's' }))).length;
    expect(groups).toHaveLength(perCluster('prod-eu') + perCluster('prod-us'));
  });

  it('publishes the groups it may, marks the held ones alerted before publishing, and counts them', async () => {
    const { deps, object, log, published } = world([binding('held'), binding('sent')]);
    const cooldown = cooldownHolding('held');
    const result = await analyzeObject(object(REF), { ...deps, cooldown });
    expect(cooldown.seen[0].map((g) => g.target.name).sort()).toEqual(['held', 'held', 'sent', 'sent']);
    expect(result).toMatchObject({ published: true, alerted: 2, suppressed: 2, suppressedGroups: 2 });
    expect(machine(published[0]).table.map((r) => r.target.name)).toEqual(['sent', 'sent']);
    expect(log).toEqual(['stored 6', 'marked 2', 'published', 'marked 2']);
    const email = (JSON.parse(published[0].Message) as { email: string }).email;
    expect(email).toContain('once per 30 minutes');
    expect(email).toContain('6 hits of these groups counted without an alert');
  });

  it('publishes nothing when every group is held, and a redelivery neither alerts nor claims again', async () => {
    const { deps, object, log, published } = world([binding('held')]);
    const cooldown = cooldownHolding('held');
    expect(await analyzeObject(object(REF), { ...deps, cooldown })).toMatchObject({ published: false, alerted: 0, suppressed: 2 });
    expect(published).toHaveLength(0);
    expect(log).toEqual(['stored 3', 'marked 2']);
    await analyzeObject(object(REF), { ...deps, engine: new DetectionEngine(EVENT_RULES), cooldown });
    expect(cooldown.seen).toHaveLength(1);
  });

  it('leaves the published groups pending when the publish fails, so the redelivery sends them', async () => {
    const { deps, object, log, published, publisher } = world([binding('held'), binding('sent')]);
    const cooldown = cooldownHolding('held');
    publisher.fail = true;
    await expect(analyzeObject(object(REF), { ...deps, cooldown })).rejects.toThrow('SNS is down');
    expect(log).toEqual(['stored 6', 'marked 2', 'released 4']);
    publisher.fail = false;
    const retried = await analyzeObject(object(REF), { ...deps, engine: new DetectionEngine(EVENT_RULES), cooldown });
    expect(retried).toMatchObject({ published: true, alerted: 2, suppressed: 0 });
    expect(cooldown.seen[1].map((g) => g.target.name)).toEqual(['sent', 'sent']);
    expect(machine(published[0]).table.map((r) => r.target.name)).toEqual(['sent', 'sent']);
  });

  it('archives nothing when every row fits', async () => {
    const { deps, object } = world([binding('small')]);
    const put = jest.fn();
    const result = await analyzeObject(object(REF), { ...deps, archive: { put } });
    expect(put).not.toHaveBeenCalled();
    expect(result.archivedTo).toBeUndefined();
  });
});

describe('analyzeObject coverage', () => {
  const at = (event: Ev, stageTimestamp: string): Ev => ({ ...event, stageTimestamp });
  const withoutLevel = (event: Ev): Ev => {
    const { level: _level, ...rest } = event;
    return rest;
  };

  it('counts the parsed events by level, in total and per cluster and UTC day of the events', async () => {
    const events = [
      at(binding('late'), '2026-11-20T23:59:59.999999Z'),
      at(execViaGet(), '2026-11-20T12:00:00Z'),
      at(execViaGet(), '2026-11-21T01:30:00+02:00'), // 2026-11-20T23:30Z
      at(execViaGet(), '2026-11-21T00:00:00.000001Z'),
      withoutLevel(at(binding('no-level'), '2026-11-21T00:00:01Z')), // a body proves Request
      withoutLevel(at(execViaGet(), '2026-11-21T00:00:02Z')), // metadata only
      at({ ...execViaGet(), level: 'Verbose' }, '2026-11-21T00:00:03Z'), // not a level: not counted
    ];
    const { deps, object } = world(events);
    const result = await analyzeObject(object(REF), deps);
    expect(result.stats.emitted).toBe(7);
    expect(result.levels).toEqual({ RequestResponse: 1, Metadata: 4, Request: 1 });
    expect(result.coverage).toEqual([
      { cluster: 'prod-eu', day: '2026-11-20', levels: { RequestResponse: 1, Metadata: 2 } },
      { cluster: 'prod-eu', day: '2026-11-21', levels: { Metadata: 2, Request: 1 } },
    ]);
  });

  it('files events without a readable time under the processing day, and an object with no events under its key and that day', async () => {
    const noTime = (event: Ev): Ev => {
      const { stageTimestamp: _s, requestReceivedTimestamp: _r, ...rest } = event;
      return rest;
    };
    const { deps, object } = world([noTime(execViaGet())]);
    const now = () => Date.parse('2026-11-22T08:00:00Z');
    const keyless = { bucket: 'audit-logs', key: 'logs/a.json' };
    expect((await analyzeObject(object(keyless), { ...deps, now })).coverage).toEqual([{ cluster: '-', day: '2026-11-22', levels: { Metadata: 1 } }]);
    const empty = world([]);
    expect(await analyzeObject(empty.object(REF), { ...empty.deps, now })).toMatchObject({
      levels: {},
      coverage: [{ cluster: 'prod-eu', day: '2026-11-22', levels: {} }],
    });
  });
});

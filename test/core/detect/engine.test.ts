import type { AuditEvent } from '../../../lambdas/core/audit-event';
import type { Config } from '../../../lambdas/core/config/types';
import { DEFAULT_CONFIG, DetectionEngine } from '../../../lambdas/core/detect/engine';
import { REDACTED } from '../../../lambdas/core/detect/redact';
import type { Rule } from '../../../lambdas/core/detect/rule';
import { MemoryStateStore } from '../../../lambdas/core/detect/state-store';
import { auditEvent, execViaGet } from '../../helpers/events';
import type { Ev } from '../../helpers/shipping';

/** A rule that fires on every event it sees, so the engine's own behaviour is what is tested. */
const everything: Rule = {
  id: 'test.everything',
  title: 'Everything',
  category: 'secret',
  severity: 'high',
  description: 'd',
  attack: ['T1552.007'],
  controls: ['CIS-5.1.2'],
  falsePositives: 'f',
  remediation: 'r',
  interest: [{ verbs: ['get', 'create', 'patch'], resources: ['secrets', 'pods/exec'] }],
  evaluate: (view) => ({
    severity: 'high',
    summary: `${view.actor.username} ${view.verb} ${view.resource}`,
    evidence: { object: view.object, uri: view.event.requestURI },
  }),
};

async function run(events: Ev[], config: Partial<Config> = {}, now = new Date('2026-11-23T00:00:00Z')) {
  const engine = new DetectionEngine([everything], { ...DEFAULT_CONFIG, ...config }, new MemoryStateStore(), now);
  const findings = [];
  for (const e of events)
    findings.push(...(await engine.analyze({ event: e as unknown as AuditEvent, cluster: 'prod', offset: 0, line: 1, truncated: false })));
  return { engine, findings };
}

const secretRead = (overrides: Ev = {}): Ev =>
  auditEvent({ verb: 'get', objectRef: { resource: 'secrets', namespace: 'prod', name: 'db', apiVersion: 'v1' }, ...overrides });

describe('the detection engine', () => {
  it('builds a Finding with the contract fields', async () => {
    const e = secretRead({ impersonatedUser: { username: 'system:serviceaccount:prod:app' } });
    const { findings } = await run([e]);
    expect(findings).toEqual([
      {
        ruleId: 'test.everything',
        category: 'secret',
        severity: 'high',
        title: 'Everything',
        summary: 'alice@example.com get secrets',
        auditID: e.auditID,
        fingerprint: expect.stringMatching(/^[\w-]{22}$/) as unknown,
        time: e.stageTimestamp,
        cluster: 'prod',
        actor: {
          username: 'alice@example.com',
          groups: ['developers', 'system:authenticated'],
          sourceIPs: ['203.0.113.7'],
          userAgent: e.userAgent,
          impersonatedUser: 'system:serviceaccount:prod:app',
        },
        target: { resource: 'secrets', namespace: 'prod', name: 'db' },
        verb: 'get',
        attack: ['T1552.007'],
        controls: ['CIS-5.1.2'],
        evidence: { uri: e.requestURI },
      },
    ]);
  });

  it('only counts what happened: not failed requests, dry runs, or non-final stages', async () => {
    const { findings } = await run([
      secretRead({ responseStatus: { code: 403 } }),
      secretRead({ requestURI: '/api/v1/namespaces/prod/secrets/db?dryRun=All' }),
      secretRead({ stage: 'RequestReceived' }),
      secretRead({ stage: 'ResponseStarted' }),
    ]);
    expect(findings).toEqual([]);
  });

  it('counts exec at ResponseStarted, once, even when the log holds ResponseComplete too', async () => {
    const started = execViaGet();
    const complete = { ...started, stage: 'ResponseComplete' };
    const { findings } = await run([started, complete]);
    expect(findings).toHaveLength(1);
  });

  it('switches rules off by id or category, and overrides severity', async () => {
    expect((await run([secretRead()], { disabled: ['test.everything'] })).findings).toEqual([]);
    expect((await run([secretRead()], { disabled: ['secret'] })).findings).toEqual([]);
    expect((await run([secretRead()], { severity: { 'test.everything': 'low' } })).findings[0].severity).toBe('low');
  });

  it('applies exceptions keyed on identity and scope, all given fields together', async () => {
    const exceptions = [{ rules: ['secret'], groups: ['developers'], namespaces: ['staging'], reason: 'developers own staging' }];
    const staging = secretRead({ objectRef: { resource: 'secrets', namespace: 'staging', name: 'x' } });
    const { findings } = await run([staging, secretRead()], { exceptions });
    expect(findings.map((f) => f.target.namespace)).toEqual(['prod']);
  });

  it('matches service-account exceptions on namespace:name', async () => {
    const sa = secretRead({ user: { username: 'system:serviceaccount:ci:deployer', groups: ['system:serviceaccounts'] } });
    const { findings } = await run([sa], { exceptions: [{ rules: ['*'], serviceAccounts: ['ci:deployer'], reason: 'CI deploys' }] });
    expect(findings).toEqual([]);
  });

  it('stops applying an expired exception and reports it', async () => {
    const expired = { rules: ['*'], users: ['alice@example.com'], reason: 'migration', expires: '2026-10-01' };
    const { engine, findings } = await run([secretRead()], { exceptions: [expired] });
    expect(findings).toHaveLength(1);
    expect(engine.expiredExceptions).toEqual([expired]);
  });

  it('says when evidence was missing rather than treating the event as clean', async () => {
    const { findings } = await run([auditEvent({ verb: 'create', level: 'Metadata', objectRef: { resource: 'secrets', namespace: 'prod', name: 'x' } })]);
    expect(findings[0].evidence.missingEvidence).toBe('audit level Metadata recorded no request body');
    const truncated = await run([secretRead({ annotations: { 'audit.k8s.io/truncated': 'true' } })]);
    expect(truncated.findings[0].evidence.missingEvidence).toBe('the API server truncated this event');
  });

  it('redacts secrets in evidence: Secret data, patches to secrets, tokens in URIs', async () => {
    const created = auditEvent({
      verb: 'create',
      level: 'RequestResponse',
      requestURI: '/api/v1/namespaces/prod/secrets?access_token=abcdef123456',
      objectRef: { resource: 'secrets', namespace: 'prod', name: 'db' },
      requestObject: {
        kind: 'Secret',
        metadata: { name: 'db', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"password":"aHVudGVyMg=="}}' } },
        data: { password: 'aHVudGVyMg==' },
      },
    });
    const patched = auditEvent({
      verb: 'patch',
      level: 'RequestResponse',
      objectRef: { resource: 'secrets', namespace: 'prod', name: 'db' },
      requestObject: { stringData: { password: 'hunter2' } },
    });
    const { findings } = await run([created, patched]);
    const text = JSON.stringify(findings);
    expect(text).not.toContain('aHVudGVyMg');
    expect(text).not.toContain('abcdef123456');
    expect(findings[0].evidence.object).toMatchObject({
      data: { password: REDACTED },
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': REDACTED } },
    });
    expect(findings[0].evidence.uri).toBe(`/api/v1/namespaces/prod/secrets?access_token=${REDACTED}`);
  });

  it('derives the reader interest from the enabled rules', () => {
    const engine = new DetectionEngine([everything]);
    expect(engine.interest.selectors).toEqual(everything.interest);
    expect(new DetectionEngine([everything], { ...DEFAULT_CONFIG, disabled: ['test.everything'] }).interest.selectors).toEqual([]);
  });

  it('remembers which rules an event kind concerns without letting names that hold separators stand for another kind', async () => {
    const anySubresource: Rule = { ...everything, id: 'test.pod-subresources', interest: [{ verbs: ['create'], resources: ['pods/*'] }] };
    const engine = new DetectionEngine([anySubresource]);
    const create = (resource: string, subresource: string): Ev =>
      auditEvent({ verb: 'create', objectRef: { resource, subresource, namespace: 'prod', name: 'web', apiVersion: 'v1' } });
    const analyze = (e: Ev) => engine.analyze({ event: e as unknown as AuditEvent, cluster: 'prod', offset: 0, line: 1, truncated: false });
    // Joined with a NUL, `pods\0x` + `y` and `pods` + `x\0y` would be one kind: the first is not a pod subresource, the second is.
    expect(await analyze(create('pods\u0000x', 'y'))).toEqual([]);
    expect(await analyze(create('pods', 'x\u0000y'))).toHaveLength(1);
    expect(await analyze(create('pods', 'exec'))).toHaveLength(1);
    expect(await analyze(create('pods\u0000x', 'y'))).toEqual([]);
  });
});

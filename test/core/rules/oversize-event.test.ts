import type { AuditEvent } from '../../../lambdas/core/audit-event';
import { DetectionEngine } from '../../../lambdas/core/detect/engine';
import { viewOf } from '../../../lambdas/core/detect/event-view';
import type { Finding } from '../../../lambdas/core/finding';
import type { ReadEvent } from '../../../lambdas/core/read/parser';
import { emptyStats } from '../../../lambdas/core/read/stats';
import { RULES } from '../../../lambdas/core/rules';
import { auditEvent } from '../../helpers/events';
import type { Ev } from '../../helpers/shipping';

const RULE = 'audit-tampering.oversize-event';
const SIZE = 5 * 1024 * 1024;

/** What the reader keeps of an oversize document: the fields the API server writes before the bodies. */
function head(overrides: Ev = {}): Ev {
  const { requestReceivedTimestamp: _r, stageTimestamp: _s, annotations: _a, ...rest } = auditEvent({ level: 'RequestResponse', ...overrides });
  return rest;
}

const write = (resource: string, extra: Ev = {}): Ev =>
  head({ verb: 'create', requestURI: `/apis/x/v1/${resource}`, objectRef: { resource, namespace: 'team-a', name: 'big' }, responseStatus: { code: 201 }, ...extra });

/** `oversize` null: an event that fit. */
function read(event: Ev, oversize: number | null = SIZE, line = 1): ReadEvent {
  return { event: event as unknown as AuditEvent, offset: 0, line, truncated: false, ...(oversize !== null ? { oversize } : {}) };
}

async function findings(events: ReadEvent[]): Promise<Finding[]> {
  const engine = new DetectionEngine(RULES);
  const stats = emptyStats();
  const out: Finding[] = [];
  for (const e of events) out.push(...(await engine.analyze(e, stats)));
  return out;
}

const oversize = async (event: Ev, size: number | null = SIZE): Promise<Finding | undefined> => (await findings([read(event, size)])).find((f) => f.ruleId === RULE);

describe('audit-tampering.oversize-event', () => {
  it('names who did what to which object, that the body was too large, and rates a write to RBAC high', async () => {
    const f = await oversize(write('clusterrolebindings', { objectRef: { resource: 'clusterrolebindings', name: 'pwn', apiGroup: 'rbac.authorization.k8s.io' } }));
    expect(f).toMatchObject({
      severity: 'high',
      category: 'audit-tampering',
      summary: 'alice@example.com created clusterrolebindings pwn; the audit event was too large to read (at least 5.0 MiB), so its body was not checked',
      target: { resource: 'clusterrolebindings', name: 'pwn' },
      evidence: { oversizeBytes: SIZE, verb: 'create', code: 201, reasons: ['a write to RBAC'] },
    });
    expect(f?.evidence.missingEvidence).toBe(`the event was over the reader's size limit (at least ${SIZE} bytes): its bodies were not read`);
  });

  it.each([
    ['pods', 'workloads'],
    ['daemonsets', 'workloads'],
    ['mutatingwebhookconfigurations', 'admission control'],
    ['customresourcedefinitions', 'API extensions'],
    ['secrets', 'credentials'],
    ['serviceaccounts', 'credentials'],
    ['certificatesigningrequests', 'credentials'],
    ['nodes', 'nodes'],
  ])('rates a successful write to %s high', async (resource, what) => {
    expect(await oversize(write(resource))).toMatchObject({ severity: 'high', evidence: { reasons: [`a write to ${what}`] } });
  });

  it('rates a write to a kube-system ConfigMap high (aws-auth, audit policies), elsewhere medium', async () => {
    expect((await oversize(write('configmaps', { objectRef: { resource: 'configmaps', namespace: 'kube-system', name: 'aws-auth' } })))?.severity).toBe('high');
    expect((await oversize(write('configmaps')))?.severity).toBe('medium');
  });

  it('rates another write medium, a status update medium, and a read low', async () => {
    expect((await oversize(write('widgets.example.com')))?.severity).toBe('medium');
    expect((await oversize(write('pods', { verb: 'patch', objectRef: { resource: 'pods', subresource: 'status', namespace: 'a', name: 'p' } })))?.severity).toBe('medium');
    expect(await oversize(head({ verb: 'list', objectRef: { resource: 'secrets' } }))).toMatchObject({ severity: 'low', summary: expect.stringMatching(/^alice@example\.com listed secrets; the audit event/) as unknown });
  });

  it('raises an unnamed actor one step and an anonymous one to critical; the control plane is info', async () => {
    const { user: _u, ...nobody } = write('configmaps');
    expect(await oversize(nobody)).toMatchObject({ severity: 'high', summary: expect.stringMatching(/^\(unknown user\) created/) as unknown });
    expect((await oversize(write('configmaps', { user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } })))?.severity).toBe('critical');
    expect((await oversize(write('pods', { user: { username: 'system:kube-controller-manager' } })))?.severity).toBe('info');
  });

  it('raises nothing for a failed or dry-run request, an earlier stage, or an event that fit', async () => {
    expect(await oversize(write('clusterroles', { responseStatus: { code: 403 } }))).toBeUndefined();
    expect(await oversize(write('clusterroles', { requestURI: '/apis/rbac.authorization.k8s.io/v1/clusterroles?dryRun=All' }))).toBeUndefined();
    expect(await oversize(write('clusterroles', { stage: 'RequestReceived' }))).toBeUndefined();
    expect(await oversize(auditEvent({ verb: 'create', objectRef: { resource: 'clusterroles', name: 'x' } }), null)).toBeUndefined();
  });

  it('still lets the rules that decide from metadata judge the event', async () => {
    const all = await findings([read(write('clusterrolebindings', { objectRef: { resource: 'clusterrolebindings', name: 'pwn', apiGroup: 'rbac.authorization.k8s.io' } }))]);
    const rbac = all.find((f) => f.ruleId === 'rbac.role-or-binding-changed');
    expect(rbac?.summary).toContain("body not logged (the event was over the reader's size limit");
    const exec = await findings([read(head({ verb: 'get', stage: 'ResponseStarted', requestURI: '/api/v1/namespaces/db/pods/pg/exec?command=sh&stdin=true&tty=true', objectRef: { resource: 'pods', subresource: 'exec', namespace: 'db', name: 'pg' }, responseStatus: { code: 101 } }))]);
    expect(exec.map((f) => f.ruleId).sort()).toEqual(['audit-tampering.oversize-event', 'exec.pod-exec']);
  });

  it('gives an event with no time the time of the event before it in the same object, and says so', async () => {
    const before = auditEvent({ verb: 'get', objectRef: { resource: 'pods', namespace: 'a', name: 'x' }, stageTimestamp: '2026-11-20T10:00:03.000000Z' });
    const [f] = (await findings([read(before, null, 1), read(write('pods'), SIZE, 2)])).filter((x) => x.ruleId === RULE);
    expect(f.time).toBe('2026-11-20T10:00:03.000000Z');
    expect(f.evidence.timeSource).toBe('the time of the event before it in the same object: its timestamps were past the size limit');
  });

  it('leaves the time empty, and says why, when no earlier event of the object has one', async () => {
    const f = await oversize(write('pods'));
    expect(f?.time).toBe('');
    expect(f?.evidence.timeSource).toBe('unknown: its timestamps were past the size limit and no earlier event of the object has a time');
  });

  it('marks the view of an oversize event as missing its bodies', () => {
    const view = viewOf(write('pods') as unknown as AuditEvent, undefined, SIZE);
    expect(view.oversize).toBe(SIZE);
    expect(view.missingEvidence).toMatch(/^the event was over the reader's size limit/);
    expect(viewOf(write('pods') as unknown as AuditEvent).missingEvidence).toBe('audit level RequestResponse recorded no request body');
  });
});

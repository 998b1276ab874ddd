import type { AuditEvent } from '../../../lambdas/core/audit-event';
import { DEFAULT_SETTINGS } from '../../../lambdas/core/config/settings';
import { DetectionEngine, DEFAULT_CONFIG } from '../../../lambdas/core/detect/engine';
import { MemoryStateStore } from '../../../lambdas/core/detect/state-store';
import { containerRestartDetector, securityAgentRestartDetector } from '../../../lambdas/core/rules/container-restart';
import { auditEvent } from '../../helpers/events';

const node = { username: 'system:node:ip-10-0-1-23.ec2.internal', groups: ['system:nodes', 'system:authenticated'] };

/** A kubelet status patch (strategic merge, Request level) reporting a container's restart count. */
function statusPatch(
  restartCount: number,
  minute: number,
  options: { namespace?: string; pod?: string; reason?: string; response?: boolean } = {},
): AuditEvent {
  const namespace = options.namespace ?? 'payments';
  const pod = options.pod ?? 'api-7d4b9-xk2lq';
  const time = new Date(Date.UTC(2026, 10, 20, 10, minute)).toISOString();
  const status = {
    containerStatuses: [
      {
        name: 'api',
        image: 'registry.example.com/api:1.4.2',
        restartCount,
        lastState: { terminated: { exitCode: 137, reason: options.reason ?? 'Error', finishedAt: time } },
        state: { waiting: { reason: 'CrashLoopBackOff' } },
      },
    ],
  };
  return auditEvent({
    level: options.response ? 'RequestResponse' : 'Request',
    verb: 'patch',
    user: node,
    requestURI: `/api/v1/namespaces/${namespace}/pods/${pod}/status`,
    objectRef: { resource: 'pods', subresource: 'status', namespace, name: pod, apiVersion: 'v1' },
    requestObject: options.response ? { status: { conditions: [] } } : { metadata: { uid: 'u' }, status },
    responseObject: options.response ? { kind: 'Pod', metadata: { name: pod, namespace }, status } : undefined,
    stageTimestamp: time,
  }) as unknown as AuditEvent;
}

async function findingsFor(events: AuditEvent[], settings = DEFAULT_SETTINGS) {
  const engine = new DetectionEngine([containerRestartDetector], { ...DEFAULT_CONFIG, settings }, new MemoryStateStore());
  const all = [];
  for (const event of events) all.push(...(await engine.analyze({ event, offset: 0, line: 1, truncated: false })));
  return all;
}

describe('restart.crash-loop', () => {
  // The pre-check only lets through status updates holding a terminated lastState; the detector
  // must count no others, or a parsed event and a skipped one would disagree.
  it('counts only container statuses that report a terminated last state', async () => {
    const withoutLastState = (count: number, minute: number): AuditEvent => {
      const event = statusPatch(count, minute);
      const body = event.requestObject as { status: { containerStatuses: Array<Record<string, unknown>> } };
      const entry = body.status.containerStatuses[0];
      delete entry.lastState;
      // The same container twice in one status, its count rising from 0 to 9.
      body.status.containerStatuses = [
        { ...entry, restartCount: 0 },
        { ...entry, restartCount: count },
      ];
      return event;
    };
    expect(await findingsFor([0, 9, 18, 27, 36, 45].map((count, i) => withoutLastState(count, i)))).toEqual([]);
  });

  it('raises once when restarts within the window reach the threshold', async () => {
    const events = [1, 2, 3, 4, 5, 6, 7, 8].map((count, i) => statusPatch(count, i * 3));
    const findings = await findingsFor(events);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'restart.crash-loop', category: 'container-restart', severity: 'low' });
    expect(findings[0].summary).toBe('container api of pod payments/api-7d4b9-xk2lq restarted 5 times in 60 min (last reason: Error)');
    expect(findings[0].auditID).toBe(events[5].auditID);
  });

  it('raises the same finding again when the raising event is read again (a redelivered object), and only that event', async () => {
    const events = [1, 2, 3, 4, 5, 6, 7, 8].map((count, i) => statusPatch(count, i * 3));
    const state = new MemoryStateStore();
    const run = async (): Promise<string[]> => {
      // A fresh engine per delivery, as the analyzer makes one per object; the state is shared.
      const engine = new DetectionEngine([containerRestartDetector], DEFAULT_CONFIG, state);
      const ids: string[] = [];
      for (const event of events) for (const f of await engine.analyze({ event, offset: 0, line: 1, truncated: false })) ids.push(f.auditID);
      return ids;
    };
    const first = await run();
    expect(first).toEqual([events[5].auditID]);
    expect(await run()).toEqual(first);
  });

  it('counts a jump of several restarts between two reports', async () => {
    expect(await findingsFor([statusPatch(2, 0), statusPatch(9, 5)])).toHaveLength(1);
  });

  it('does not raise for restarts spread wider than the window', async () => {
    const events = [1, 2, 3, 4, 5, 6, 7].map((count, i) => statusPatch(count, i * 20));
    expect(await findingsFor(events)).toEqual([]);
  });

  it('an OOM kill reported again with no rise of the count is not a restart', async () => {
    const events = Array.from({ length: 10 }, (_, i) => statusPatch(3, i, { reason: 'OOMKilled' }));
    expect(await findingsFor(events)).toEqual([]);
  });

  it('rates a crash loop in kube-system medium (an observation, where the platform runs), and reads the response body when the level has it', async () => {
    const events = [1, 2, 3, 4, 5, 6].map((count, i) => statusPatch(count, i, { namespace: 'kube-system', pod: 'aws-node-x', response: true }));
    const findings = await findingsFor(events);
    expect(findings).toHaveLength(1);
    expect(findings[0].severity).toBe('medium');
  });

  it('honours the configured threshold and keeps pods apart', async () => {
    const settings = { ...DEFAULT_SETTINGS, restarts: { threshold: 2, windowMinutes: 60 } };
    const events = [statusPatch(1, 0, { pod: 'a' }), statusPatch(1, 0, { pod: 'b' }), statusPatch(2, 1, { pod: 'a' }), statusPatch(3, 2, { pod: 'a' })];
    const findings = await findingsFor(events, settings);
    expect(findings.map((f) => f.target.name)).toEqual(['a']);
  });

  it('ignores failed status updates', async () => {
    const events: AuditEvent[] = [1, 2, 3, 4, 5, 6, 7].map((count, i) => ({ ...statusPatch(count, i), responseStatus: { code: 409 } }));
    expect(await findingsFor(events)).toEqual([]);
  });
});

describe('restart.security-agent-crash-loop', () => {
  async function agentFindings(events: AuditEvent[], settings = DEFAULT_SETTINGS) {
    const engine = new DetectionEngine([containerRestartDetector, securityAgentRestartDetector], { ...DEFAULT_CONFIG, settings }, new MemoryStateStore());
    const all = [];
    for (const event of events) all.push(...(await engine.analyze({ event, offset: 0, line: 1, truncated: false })));
    return all;
  }

  it('raises high after two restarts of an agent within 15 minutes, before the ordinary threshold', async () => {
    const events = [1, 2, 3].map((count, i) => statusPatch(count, i * 3, { namespace: 'falco', pod: 'falco-x7k2p' }));
    const findings = await agentFindings(events);
    expect(findings.map((f) => [f.ruleId, f.severity, f.auditID])).toEqual([['restart.security-agent-crash-loop', 'high', events[2].auditID]]);
    expect(findings[0].summary).toBe('security agent container api of pod falco/falco-x7k2p restarted 2 times in 15 min (last reason: Error)');
  });

  it('keeps its own count: the ordinary detector still raises at its threshold', async () => {
    const events = [1, 2, 3, 4, 5, 6].map((count, i) => statusPatch(count, i * 3, { namespace: 'kube-system', pod: 'cilium-4kq9z' }));
    const ids = (await agentFindings(events)).map((f) => f.ruleId);
    expect(ids).toEqual(['restart.security-agent-crash-loop', 'restart.crash-loop']);
  });

  it('is quiet for ordinary workloads, for slow restarts, and when the names are changed', async () => {
    expect(await agentFindings([1, 2, 3].map((count, i) => statusPatch(count, i * 3, { pod: 'falconry-api-0' })))).toEqual([]);
    expect(await agentFindings([1, 2, 3].map((count, i) => statusPatch(count, i * 20, { namespace: 'falco', pod: 'falco-x7k2p' })))).toEqual([]);
    const own = { ...DEFAULT_SETTINGS, securityAgents: { ...DEFAULT_SETTINGS.securityAgents, names: ['sysdig-agent'] } };
    expect(
      await agentFindings(
        [1, 2, 3].map((count, i) => statusPatch(count, i * 3, { namespace: 'falco', pod: 'falco-x7k2p' })),
        own,
      ),
    ).toEqual([]);
    expect(
      await agentFindings(
        [1, 2, 3].map((count, i) => statusPatch(count, i * 3, { pod: 'sysdig-agent-abcde' })),
        own,
      ),
    ).toHaveLength(1);
  });
});

import type { AlertMessage } from '../../../lambdas/core/alert/sns-message';
import type { Config } from '../../../lambdas/core/config/types';
import { DEFAULT_CONFIG } from '../../../lambdas/core/detect/engine';
import { FindingPolicy } from '../../../lambdas/core/detect/finding-policy';
import type { Finding } from '../../../lambdas/core/finding';
import type { FindingsStore, SilenceState, WatchdogState } from '../../../lambdas/core/ports';
import type { RaiseDeps, RaiseResult } from '../../../lambdas/core/pipeline/raise-findings';
import { NOTHING_READ, raiseFindings } from '../../../lambdas/core/pipeline/raise-findings';
import { raiseRemovals } from '../../../lambdas/core/pipeline/removals';
import { checkSilences } from '../../../lambdas/core/pipeline/silence-check';
import { eksAuditLoggingDisabledFinding } from '../../../lambdas/core/rules/audit-tampering';

/**
 * One finding policy for every source: the findings made outside the audit log (objects removed
 * from the bucket, a cluster's silence, EKS audit logging switched off) honour a switched-off
 * rule, a severity override and an exception (with its expiry) as the engine's findings do.
 */

const NOW = Date.parse('2026-11-20T12:00:00Z');
const MALLORY = 'AWS:AROAEXAMPLEROLEID:mallory';
const RETENTION_JOB = 'AWS:AROAEXAMPLEROLEID:retention-job';
const ADMIN_ARN = 'arn:aws:sts::123456789012:assumed-role/Admin/mallory';

function world(config: Partial<Config>) {
  const stored: Finding[] = [];
  const published: AlertMessage[] = [];
  const store: FindingsStore = {
    putNew(findings) {
      const fresh = findings.filter((f) => !stored.some((s) => s.fingerprint === f.fingerprint));
      stored.push(...fresh);
      return Promise.resolve(fresh);
    },
    query: () => Promise.resolve([]),
  };
  const deps: RaiseDeps = {
    policy: new FindingPolicy({ ...DEFAULT_CONFIG, ...config }, () => NOW),
    store,
    publisher: { publish: (alert) => Promise.resolve(void published.push(alert)) },
    minAlertSeverity: 'high',
  };
  return { deps, stored, published };
}

/** The three sources outside the log, each raising its one finding through the pipeline. */
const SOURCES: Record<string, (deps: RaiseDeps) => Promise<RaiseResult | { withheld: RaiseResult['withheld'] }>> = {
  'a removed log object': (deps) =>
    raiseRemovals(
      [
        {
          bucket: 'audit-logs',
          key: 'clusters/prod-eu/2026/11/20/10/a.json.gz',
          eventName: 'ObjectRemoved:Delete',
          eventTime: '2026-11-20T10:42:07Z',
          principalId: MALLORY,
        },
      ],
      { ...deps, now: () => NOW },
    ),
  'the EKS call that switches audit logging off': (deps) => {
    const finding = eksAuditLoggingDisabledFinding({
      eventID: 'e-1',
      eventTime: '2026-11-20T10:15:00Z',
      cluster: 'prod-eu',
      clusterLogging: [{ types: ['audit'], enabled: false }],
      actor: ADMIN_ARN,
    });
    return raiseFindings([finding!], deps, { source: 'cloudtrail:e-1', read: NOTHING_READ });
  },
  "a cluster's silence": async (deps) => {
    const memory = memoryState();
    const result = await checkSilences({
      clock: { clusters: () => Promise.resolve(['prod-eu']), lastObjectAt: () => Promise.resolve('2026-11-20T10:00:00Z') },
      memory,
      raise: deps,
      notices: deps.publisher,
      silenceMinutes: 30,
      watchedClusters: [],
      now: () => NOW,
    });
    const [outcome] = result.clusters;
    if (outcome.state !== 'silent') throw new Error(`expected a silence, got ${outcome.state}`);
    // A withheld silence is not marked alerted: no "resumed" notice may follow it.
    if (outcome.withheld) expect(await memory.get('prod-eu')).toBeUndefined();
    return { withheld: { disabled: outcome.withheld === 'disabled' ? 1 : 0, excepted: outcome.withheld === 'excepted' ? 1 : 0 } };
  },
};

/** The rule id each source raises, and an exception that names its finding's identity or scope. */
const RULE: Record<string, { id: string; exception: Config['exceptions'][number] }> = {
  'a removed log object': {
    id: 'audit-tampering.log-object-deleted',
    exception: { rules: ['audit-tampering.log-object-deleted'], users: [MALLORY], namespaces: ['audit-logs'], reason: 'retention job' },
  },
  'the EKS call that switches audit logging off': {
    id: 'audit-tampering.eks-audit-logging-disabled',
    exception: { rules: ['audit-tampering'], users: [ADMIN_ARN], reason: 'cost cutting on test clusters' },
  },
  "a cluster's silence": {
    id: 'audit-tampering.log-silence',
    exception: { rules: ['audit-tampering.log-silence'], names: ['prod-eu'], reason: 'cluster being retired' },
  },
};

function memoryState(): WatchdogState {
  const states = new Map<string, SilenceState>();
  return {
    get: (cluster) => Promise.resolve(states.get(cluster)),
    start: (s) => Promise.resolve(states.get(s.cluster) ?? (states.set(s.cluster, { ...s }), { ...s })),
    markAlerted: (s, auditID, alertedAt) => Promise.resolve(void states.set(s.cluster, { ...s, auditID, alertedAt })),
    clear: (cluster) => Promise.resolve(states.delete(cluster)),
  };
}

describe.each(Object.keys(SOURCES))('the finding policy on %s', (source) => {
  const raise = SOURCES[source];
  const { id, exception } = RULE[source];

  it('raises it when the configuration says nothing', async () => {
    const { deps, stored, published } = world({});
    await raise(deps);
    expect(stored.map((f) => f.ruleId)).toEqual([id]);
    expect(published).toHaveLength(1);
  });

  it.each([
    ['its rule id', id],
    ['its category', 'audit-tampering'],
  ])('stores and sends nothing when %s is switched off', async (_what, disabled) => {
    const { deps, stored, published } = world({ disabled: [disabled] });
    expect((await raise(deps)).withheld).toEqual({ disabled: 1, excepted: 0 });
    expect(stored).toEqual([]);
    expect(published).toEqual([]);
  });

  it('takes the severity override', async () => {
    const { deps, stored, published } = world({ severity: { [id]: 'critical' }, exceptions: [] });
    await raise(deps);
    expect(stored.map((f) => f.severity)).toEqual(['critical']);
    expect(published).toHaveLength(1);
    // Below the alert threshold, it is stored and not sent.
    const low = world({ severity: { [id]: 'low' } });
    await raise(low.deps);
    expect(low.stored.map((f) => f.severity)).toEqual(['low']);
    expect(low.published).toEqual([]);
  });

  it('honours an exception naming its identity or scope until the exception expires', async () => {
    const excepted = world({ exceptions: [exception] });
    expect((await raise(excepted.deps)).withheld).toEqual({ disabled: 0, excepted: 1 });
    expect(excepted.stored).toEqual([]);
    expect(excepted.published).toEqual([]);

    const expired = world({ exceptions: [{ ...exception, expires: '2026-11-20T11:59:59Z' }] });
    await raise(expired.deps);
    expect(expired.stored.map((f) => f.ruleId)).toEqual([id]);

    const other = world({ exceptions: [{ ...exception, users: ['someone-else'], names: undefined, namespaces: undefined }] });
    await raise(other.deps);
    expect(other.stored.map((f) => f.ruleId)).toEqual([id]);
  });
});

it('a removal by another principal is not covered by the retention job exception', async () => {
  const { deps, stored } = world({ exceptions: [{ rules: ['audit-tampering.log-object-deleted'], users: [RETENTION_JOB], reason: 'retention job' }] });
  await SOURCES['a removed log object'](deps);
  expect(stored.map((f) => f.actor.username)).toEqual([MALLORY]);
});

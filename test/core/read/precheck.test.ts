import fc from 'fast-check';
import { interestOf } from '../../../lambdas/core/rules';
import { CompiledInterest } from '../../../lambdas/core/read';
import { auditEvent, clusterAdminBinding, execViaGet, leaseUpdate } from '../../helpers/events';
import type { Ev } from '../../helpers/shipping';
import { cloudWatchRecord, fluentBit, ids, jsonLines, readAll } from '../../helpers/shipping';

const RULES_INTEREST = interestOf();

const interest = RULES_INTEREST;
const ref = (resource: string, extra: Ev = {}): Ev => ({ resource, namespace: 'default', name: 'x', apiVersion: 'v1', ...extra });
const node = { username: 'system:node:ip-10-0-1-23.ec2.internal', groups: ['system:nodes', 'system:authenticated'] };

const chatter: Ev[] = [
  leaseUpdate(),
  auditEvent({ verb: 'watch', stage: 'ResponseStarted', user: node, objectRef: ref('pods') }),
  auditEvent({ verb: 'list', objectRef: ref('configmaps') }),
  auditEvent({ verb: 'create', objectRef: ref('tokenreviews', { apiGroup: 'authentication.k8s.io' }) }),
  auditEvent({ verb: 'create', objectRef: ref('events') }),
  auditEvent({ verb: 'patch', user: node, objectRef: ref('nodes', { subresource: 'status' }) }),
  auditEvent({
    verb: 'patch',
    user: node,
    level: 'Request',
    objectRef: ref('pods', { subresource: 'status' }),
    requestObject: { status: { containerStatuses: [{ name: 'web', ready: true, restartCount: 0, state: { running: {} } }] } },
  }),
  auditEvent({ verb: 'get', requestURI: '/healthz', objectRef: undefined, user: { username: 'system:kube-controller-manager' } }),
];

const mustParse: Array<[string, Ev]> = [
  ['exec over websockets (get pods/exec)', execViaGet()],
  ['exec over SPDY (create pods/exec)', auditEvent({ verb: 'create', objectRef: ref('pods', { subresource: 'exec' }) })],
  ['attach', auditEvent({ verb: 'get', objectRef: ref('pods', { subresource: 'attach' }) })],
  ['port-forward', auditEvent({ verb: 'create', objectRef: ref('pods', { subresource: 'portforward' }) })],
  [
    'an anonymous read of a non-resource URL',
    auditEvent({ verb: 'get', requestURI: '/version', objectRef: undefined, user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } }),
  ],
  ['an anonymous list of pods', auditEvent({ verb: 'list', objectRef: ref('pods'), user: { username: 'system:anonymous' } })],
  ['a secret read', auditEvent({ verb: 'get', objectRef: ref('secrets') })],
  ['a secret list', auditEvent({ verb: 'list', objectRef: ref('secrets') })],
  ['a cluster-admin binding', clusterAdminBinding()],
  [
    'a pod status patch reporting a terminated container',
    auditEvent({
      verb: 'patch',
      user: node,
      objectRef: ref('pods', { subresource: 'status' }),
      requestObject: { status: { containerStatuses: [{ name: 'miner', restartCount: 7, lastState: { terminated: { exitCode: 1, reason: 'Error' } } }] } },
    }),
  ],
  [
    'a CSR approval',
    auditEvent({ verb: 'update', objectRef: ref('certificatesigningrequests', { subresource: 'approval', apiGroup: 'certificates.k8s.io' }) }),
  ],
  ['a token request', auditEvent({ verb: 'create', objectRef: ref('serviceaccounts', { subresource: 'token' }) })],
  ['an aws-auth edit', auditEvent({ verb: 'patch', objectRef: { resource: 'configmaps', namespace: 'kube-system', name: 'aws-auth', apiVersion: 'v1' } })],
  ['a RequestReceived-only event in another shape', auditEvent({ verb: 'create', objectRef: ref('daemonsets', { apiGroup: 'apps' }) })],
];

describe('the pre-check skips chatter without parsing it', () => {
  it('filters leases, watches, lists, token reviews, events and status patches', async () => {
    const { events, stats } = await readAll(jsonLines(chatter), { interest });
    expect(events).toEqual([]);
    expect(stats.filtered).toBe(chatter.length);
    expect(stats.events).toBe(chatter.length);
  });

  it('drops RequestReceived by its bytes, counted as a stage skip', async () => {
    const { stats } = await readAll(jsonLines([auditEvent({ stage: 'RequestReceived', verb: 'create', objectRef: ref('secrets') })]), { interest });
    expect(stats.skippedByStage).toEqual({ RequestReceived: 1 });
    expect(stats.emitted).toBe(0);
  });

  it('pre-checks events embedded as strings (CloudWatch messages, shipper wrappers)', async () => {
    const cw = Buffer.from(JSON.stringify(cloudWatchRecord([...chatter, execViaGet()])) + '\n');
    const viaCloudWatch = await readAll(cw, { interest });
    expect(viaCloudWatch.stats.filtered).toBe(chatter.length);
    expect(viaCloudWatch.events).toHaveLength(1);
    const viaFluentBit = await readAll(fluentBit([...chatter, execViaGet()]), { interest });
    expect(viaFluentBit.stats.filtered).toBe(chatter.length);
    expect(viaFluentBit.events).toHaveLength(1);
  });
});

describe('the pre-check never hides an event a rule needs', () => {
  it.each(mustParse)('keeps %s', async (_name, event) => {
    const { events } = await readAll(jsonLines([event]), { interest });
    expect(events).toHaveLength(1);
  });

  it('keeps interesting events whatever the key order (shippers re-serialize alphabetically)', async () => {
    const sorted = (e: Ev): Ev => Object.fromEntries(Object.entries(e).sort(([a], [b]) => a.localeCompare(b)));
    const { events } = await readAll(jsonLines(mustParse.map(([, e]) => sorted(e))), { interest });
    expect(events).toHaveLength(mustParse.length);
  });

  it('is not fooled by the same keys nested in a body (SubjectAccessReview) appearing first', async () => {
    const sar = { kind: 'SubjectAccessReview', spec: { resourceAttributes: { verb: 'list', resource: 'leases' } } };
    const exec = { ...execViaGet(), level: 'Request' };
    // Body first, so the nested "verb":"list"/"resource":"leases" precede the real ones.
    const bodyFirst = { requestObject: sar, ...exec };
    const { events } = await readAll(jsonLines([bodyFirst]), { interest });
    expect(events).toHaveLength(1);
  });

  it('reads the objectRef exactly, so a name holding `}` or quotes cannot cut the subresource off', async () => {
    const exec = execViaGet();
    const named = (name: string): Ev => ({
      ...exec,
      auditID: name,
      objectRef: { resource: 'pods', namespace: 'db', name, apiVersion: 'v1', subresource: 'exec' },
    });
    const { events } = await readAll(jsonLines([named('a}b'), named('a\\"}b'), named('{}')]), { interest });
    expect(events).toHaveLength(3);
  });

  it('parses an event whose keys it cannot read exactly (spaces, escapes) rather than guess', async () => {
    const spaced = Buffer.from(JSON.stringify(leaseUpdate(), null, 0).replace(/":"/g, '": "') + '\n');
    const escaped = Buffer.from(JSON.stringify(leaseUpdate()).replace('"verb":"update"', '"verb":"upd\\u0061te"') + '\n');
    expect((await readAll(spaced, { interest })).events).toHaveLength(1);
    expect((await readAll(escaped, { interest })).events).toHaveLength(1);
  });

  it('agrees with the interest evaluated on parsed events, for any event shape (property)', async () => {
    const compiled = new CompiledInterest(interest);
    const verbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'impersonate'];
    const resources = ['pods', 'secrets', 'leases', 'configmaps', 'clusterrolebindings', 'daemonsets', 'events', 'nodes'];
    const subresources = [undefined, 'exec', 'status', 'log', 'attach'];
    const users = ['alice', 'system:anonymous', 'system:node:n1', 'system:serviceaccount:ci:deployer'];
    const arbitraryEvent = fc.record({
      verb: fc.constantFrom(...verbs),
      resource: fc.option(fc.constantFrom(...resources), { nil: undefined }),
      subresource: fc.constantFrom(...subresources),
      user: fc.constantFrom(...users),
      decoy: fc.option(
        fc.record({ verb: fc.constantFrom(...verbs), resource: fc.constantFrom(...resources), subresource: fc.constantFrom('exec', 'status') }),
        { nil: undefined },
      ),
      terminated: fc.boolean(),
      bodyFirst: fc.boolean(),
      stage: fc.constantFrom('ResponseComplete', 'ResponseStarted', 'RequestReceived'),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(arbitraryEvent, { minLength: 1, maxLength: 12 }), async (specs) => {
        const events = specs.map((s) => {
          const base = auditEvent({
            verb: s.verb,
            stage: s.stage,
            user: { username: s.user },
            objectRef: s.resource ? ref(s.resource, s.subresource ? { subresource: s.subresource } : {}) : undefined,
            requestObject: s.terminated ? { status: { containerStatuses: [{ lastState: { terminated: { exitCode: 2 } } }] } } : undefined,
          });
          if (!s.decoy) return base;
          const body = {
            kind: 'SubjectAccessReview',
            spec: { resourceAttributes: s.decoy },
            objectRef: { resource: s.decoy.resource, subresource: s.decoy.subresource },
          };
          return s.bodyFirst ? { responseObject: body, ...base } : { ...base, responseObject: body };
        });
        const { events: out, stats } = await readAll(jsonLines(events), { interest });
        const emitted = new Set(ids(out));
        for (const e of events) {
          if (e.stage === 'RequestReceived') continue;
          const o = (e.objectRef ?? {}) as { resource?: string; subresource?: string };
          const raw = JSON.stringify(e);
          const wanted =
            (interest.markers ?? []).some((m) => raw.includes(m)) ||
            compiled.matches(e.verb as string, o.resource ?? '', o.subresource ?? '', (i) => raw.includes(compiled.substrings[i]));
          if (wanted) expect(emitted.has(`${e.auditID as string}/${e.stage as string}`)).toBe(true);
        }
        expect(stats.emitted + stats.filtered + (stats.skippedByStage.RequestReceived ?? 0) + stats.duplicates).toBe(stats.events);
      }),
      { numRuns: 200 },
    );
  });
});

describe('interest declarations', () => {
  const has = (): boolean => false;
  it('reads resources as RBAC does: `pods` is the pod, `pods/exec` one subresource, `pods/*` all', () => {
    const c = new CompiledInterest({ selectors: [{ verbs: ['get'], resources: ['pods', 'nodes/*', 'services/proxy'] }] });
    expect(c.matches('get', 'pods', '', has)).toBe(true);
    expect(c.matches('get', 'pods', 'log', has)).toBe(false);
    expect(c.matches('get', 'nodes', 'proxy', has)).toBe(true);
    expect(c.matches('get', 'services', 'proxy', has)).toBe(true);
    expect(c.matches('get', 'services', '', has)).toBe(false);
    expect(c.matches('list', 'pods', '', has)).toBe(false);
  });

  it('treats an omitted verb or resource list as "any", including requests without an objectRef', () => {
    const c = new CompiledInterest({ selectors: [{ verbs: ['escalate'] }, { resources: ['secrets'] }] });
    expect(c.matches('escalate', '', '', has)).toBe(true);
    expect(c.matches('watch', 'secrets', '', has)).toBe(true);
    expect(c.matches('watch', '', '', has)).toBe(false);
  });

  it("looks for a selector's substring inside the event only, wherever the log repeats or lacks it", async () => {
    const selectors = [{ verbs: ['update'], resources: ['configmaps'], contains: ['audit-policy'] }];
    const cm = (name: string): Ev => auditEvent({ verb: 'update', objectRef: { resource: 'configmaps', namespace: 'kube-system', name, apiVersion: 'v1' } });
    // The substring appears in the third event only: the two before it and the one after are not parsed.
    const log = [cm('coredns'), cm('kube-proxy'), cm('audit-policy'), cm('extension-apiserver-authentication'), cm('audit-policy')];
    for (const shipped of [jsonLines(log), Buffer.from(JSON.stringify(cloudWatchRecord(log)) + '\n')]) {
      const { events, stats } = await readAll(shipped, { interest: { selectors } });
      expect(events.map((e) => e.event.objectRef?.name)).toEqual(['audit-policy', 'audit-policy']);
      expect(stats.filtered).toBe(3);
    }
  });

  it('requires every `contains` substring of a selector', () => {
    const c = new CompiledInterest({ selectors: [{ verbs: ['patch'], resources: ['pods/status'], contains: ['a', 'b'] }] });
    expect(c.matches('patch', 'pods', 'status', (i) => c.substrings[i] === 'a')).toBe(false);
    expect(c.matches('patch', 'pods', 'status', () => true)).toBe(true);
  });
});

import fc from 'fast-check';
import { DEFAULT_SETTINGS } from '../../../lambdas/core/config/settings';
import type { Settings } from '../../../lambdas/core/config/settings';
import { DetectionEngine } from '../../../lambdas/core/detect/engine';
import { classifyActor } from '../../../lambdas/core/detect/identity';
import { TrustBoundary } from '../../../lambdas/core/detect/trust-boundary';
import type { Finding } from '../../../lambdas/core/finding';
import { CompiledInterest } from '../../../lambdas/core/read';
import { FILTER, PARSE, PreCheck } from '../../../lambdas/core/read/precheck';
import { EVENT_RULES, interestOf } from '../../../lambdas/core/rules';
import { tokenSecretRule } from '../../../lambdas/core/rules/service-account';
import { auditEvent, clusterAdminBinding, execViaGet, leaseUpdate } from '../../helpers/events';
import type { Ev } from '../../helpers/shipping';
import { readAll } from '../../helpers/shipping';

/*
 * The pre-check may skip only what it can prove no rule wants. Each case below is an event some
 * rule raises a finding on once JSON.parse has read it, written so that the raw bytes hide what
 * JSON.parse sees: escapes, letter case, whitespace, duplicate keys, look-alike keys, wrappers.
 */

const interest = new CompiledInterest(interestOf(EVENT_RULES));

/** What the rules make of one raw document when nothing is skipped: read by the reader, each event given to a fresh engine. */
async function findingsOf(raw: string): Promise<Finding[]> {
  const { events } = await readAll(Buffer.from(raw + '\n'));
  const findings: Finding[] = [];
  for (const read of events) findings.push(...(await new DetectionEngine(EVENT_RULES).analyze(read)));
  return findings;
}

/** Whether the pre-check lets the document through to JSON.parse, from its bytes and as an embedded string. */
function parsed(raw: string, by: CompiledInterest): { bytes: boolean; text: boolean } {
  const bytes = Buffer.from(raw);
  return {
    bytes: new PreCheck(by).decideBytes(bytes, 0, bytes.length) === PARSE,
    text: new PreCheck(by).decideText(raw) === PARSE,
  };
}

interface KeptOptions {
  /** Only the document's bytes are pre-checked (a wrapper is never an embedded string itself). */
  bytesOnly?: boolean;
  /** The interest pre-checked; default every rule's. */
  by?: CompiledInterest;
}

/** The case: some rule fires on it, and the pre-check parses it. */
async function expectKept(raw: string, ruleId: string, { bytesOnly = false, by = interest }: KeptOptions = {}): Promise<void> {
  expect((await findingsOf(raw)).map((f) => f.ruleId)).toContain(ruleId);
  const verdict = parsed(raw, by);
  expect(bytesOnly ? { bytes: verdict.bytes } : verdict).toEqual(bytesOnly ? { bytes: true } : { bytes: true, text: true });
}

/** Every occurrence of `text` in the serialised event written with escapes JSON.parse reads back as `text`. */
const escapeAll = (raw: string, text: string, escaped: string): string => raw.split(text).join(escaped);

const alice = { username: 'alice@example.com', groups: ['developers', 'system:authenticated'] };
const configMapPatch = (namespace: string, name: string, patch: Ev): Ev =>
  auditEvent({
    level: 'Request',
    verb: 'patch',
    user: alice,
    requestURI: `/api/v1/namespaces/${namespace}/configmaps/${name}`,
    objectRef: { resource: 'configmaps', namespace, name, apiVersion: 'v1' },
    requestObject: patch,
  });
const configMapUpdate = (namespace: string, name: string): Ev =>
  auditEvent({
    verb: 'update',
    user: alice,
    requestURI: `/api/v1/namespaces/${namespace}/configmaps/${name}`,
    objectRef: { resource: 'configmaps', namespace, name, apiVersion: 'v1' },
  });

/** A kubelet status patch on which the restart detector fires on its own: the same container seen at 0 and then at 7 restarts, each with a terminated last state. */
const crashLoop = (): Ev =>
  auditEvent({
    level: 'Request',
    verb: 'patch',
    user: { username: 'system:node:ip-10-0-1-23.ec2.internal', groups: ['system:nodes', 'system:authenticated'] },
    requestURI: '/api/v1/namespaces/default/pods/miner-0/status',
    objectRef: { resource: 'pods', namespace: 'default', name: 'miner-0', apiVersion: 'v1', subresource: 'status' },
    requestObject: {
      status: {
        containerStatuses: [
          { name: 'miner', restartCount: 0, lastState: { terminated: { exitCode: 1, reason: 'Error' } } },
          { name: 'miner', restartCount: 7, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled' } } },
        ],
      },
    },
  });

const tokenSecret = (): Ev =>
  auditEvent({
    level: 'Request',
    verb: 'create',
    user: alice,
    requestURI: '/api/v1/namespaces/kube-system/secrets',
    objectRef: { resource: 'secrets', namespace: 'kube-system', name: 'keep', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 201 },
    requestObject: {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name: 'keep', annotations: { 'kubernetes.io/service-account.name': 'admin' } },
      type: 'kubernetes.io/service-account-token',
    },
  });

const anonymousList = (user: Ev): Ev =>
  auditEvent({ verb: 'list', requestURI: '/api/v1/secrets', user, objectRef: { resource: 'configmaps', apiVersion: 'v1' } });

describe('contains needles: a miss proves nothing while an escape or another case could spell the needle', () => {
  it('keeps an audit-policy ConfigMap patch whose data key is \\u-escaped', async () => {
    const raw = JSON.stringify(configMapPatch('clusters-prod', 'kas-config', { data: { 'audit-policy.yaml': 'rules: []' } }));
    await expectKept(escapeAll(raw, 'audit-policy.yaml', 'aud\\u0069t-p\\u006flicy.yaml'), 'audit-tampering.policy-changed');
  });

  it('keeps an audit-policy ConfigMap patch whose data key is upper-case (the rule reads keys without case)', async () => {
    await expectKept(
      JSON.stringify(configMapPatch('clusters-prod', 'kas-config', { data: { 'AUDIT-POLICY.YAML': 'rules: []' } })),
      'audit-tampering.policy-changed',
    );
  });

  it('keeps an audit policy written with escapes inside the value', async () => {
    const policy = JSON.stringify({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'None' }] });
    const raw = JSON.stringify(configMapPatch('clusters-prod', 'kas-config', { data: { 'p.json': policy } }));
    await expectKept(escapeAll(raw, 'Policy', 'P\\u006flicy'), 'audit-tampering.policy-changed');
  });

  it("keeps an aws-auth ConfigMap created under an escaped name (the name is in the body: a create's objectRef has none)", async () => {
    const create = auditEvent({
      level: 'Request',
      verb: 'create',
      user: alice,
      requestURI: '/api/v1/namespaces/kube-system/configmaps',
      objectRef: { resource: 'configmaps', namespace: 'kube-system', apiVersion: 'v1' },
      responseStatus: { metadata: {}, code: 201 },
      requestObject: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'aws-auth', namespace: 'kube-system' }, data: { mapUsers: '[]' } },
    });
    await expectKept(escapeAll(JSON.stringify(create), 'aws-auth', 'aws-\\u0061uth'), 'rbac.aws-auth-changed');
  });

  it("keeps a service-account token Secret whose type escapes its slash (\\/), on the token rule's own interest", async () => {
    // Every Secret write is of interest to the Secret rules anyway: the needle is tested on its own.
    const raw = escapeAll(JSON.stringify(tokenSecret()), 'kubernetes.io/service-account-token', 'kubernetes.io\\/service-account-token');
    await expectKept(raw, 'service-account.token-secret', { by: new CompiledInterest(interestOf([tokenSecretRule])) });
  });

  // (An upper-case "LASTSTATE" is another key to the detector, which reads `lastState` exactly: nothing to keep.)
  it('keeps a kubelet status patch whose "lastState" key is escaped or spaced out', async () => {
    const raw = JSON.stringify(crashLoop());
    await expectKept(escapeAll(raw, '"lastState"', '"l\\u0061stState"'), 'restart.crash-loop');
    await expectKept(escapeAll(raw, '"lastState":{"terminated"', '"lastState" : { "terminated"'), 'restart.crash-loop');
  });
});

describe('markers: an escaped identity is the same identity', () => {
  it('keeps a request by an escaped system:anonymous', async () => {
    const raw = JSON.stringify(anonymousList({ username: 'system:anonymous', groups: ['system:unauthenticated'] }));
    await expectKept(
      escapeAll(escapeAll(raw, 'system:anonymous', 'system:\\u0061nonymous'), 'system:unauthenticated', 'system:un\\u0061uthenticated'),
      'anonymous.allowed-request',
    );
  });

  it('keeps a request whose only sign of being unauthenticated is its group', async () => {
    await expectKept(JSON.stringify(anonymousList({ username: 'scanner', groups: ['system:unauthenticated'] })), 'anonymous.allowed-request');
  });
});

describe("verbs and objectRefs: what JSON.parse reads as the event's own must be what the scan reads", () => {
  it('keeps an event whose real "verb" key is escaped behind a decoy', async () => {
    const raw = JSON.stringify(configMapPatch('kube-system', 'aws-auth', { data: { mapUsers: '[]' } }));
    await expectKept(raw.replace('"verb":"patch"', '"verb":"get","\\u0076erb":"patch"'), 'rbac.aws-auth-changed');
  });

  it('keeps an event whose real "objectRef" key is escaped behind a decoy', async () => {
    const raw = JSON.stringify(execViaGet());
    await expectKept(raw.replace('"objectRef":', '"objectRef":{"resource":"leases"},"objectR\\u0065f":'), 'exec.pod-exec');
  });

  it('keeps an event whose objectRef holds a look-alike of "resource" or "subresource" (same length, same first letter)', async () => {
    const exec = execViaGet();
    await expectKept(JSON.stringify({ ...exec, objectRef: { ...(exec.objectRef as Ev), rogue123: 'leases' } }), 'exec.pod-exec');
    await expectKept(JSON.stringify({ ...exec, objectRef: { ...(exec.objectRef as Ev), xxxxxxxxxxx: 'log' } }), 'exec.pod-exec');
  });

  it('keeps an event whose escaped "stage" key follows a RequestReceived one', async () => {
    const raw = JSON.stringify(execViaGet());
    await expectKept(raw.replace('"stage":"ResponseStarted"', '"stage":"RequestReceived","st\\u0061ge":"ResponseStarted"'), 'exec.pod-exec');
  });

  it("keeps a wrapper whose RequestReceived stage is its own, not the event's (an event with no stage is final)", async () => {
    const { stage: _stage, ...event } = execViaGet();
    await expectKept(JSON.stringify({ stage: 'RequestReceived', log: event }), 'exec.pod-exec', { bytesOnly: true });
  });

  it('keeps a wrapper whose own verb and objectRef are dull and whose event is a string inside it', async () => {
    const raw = JSON.stringify({ verb: 'get', objectRef: { resource: 'leases' }, requestURI: '/x', log: JSON.stringify(execViaGet()) });
    await expectKept(raw, 'exec.pod-exec', { bytesOnly: true });
  });
});

/** A kubelet asking for a pod's service account token, as EKS logs it: the chatter `exceptNodeAgents` lets the pre-check skip. */
const kubeletToken = (overrides: Ev = {}): Ev =>
  auditEvent({
    level: 'Request',
    verb: 'create',
    requestURI: '/api/v1/namespaces/web/serviceaccounts/web/token',
    user: {
      username: 'system:node:ip-10-0-1-23.ec2.internal',
      uid: 'aws-iam-authenticator:111122223333:AROAEXAMPLE',
      groups: ['system:bootstrappers', 'system:nodes', 'system:authenticated'],
      extra: { arn: ['arn:aws:sts::111122223333:assumed-role/node/i-0abc'], sessionName: ['i-0abc'] },
    },
    sourceIPs: ['10.0.1.23'],
    userAgent: 'kubelet/v1.31.0 (linux/amd64) kubernetes/abcdef',
    objectRef: { resource: 'serviceaccounts', namespace: 'web', name: 'web', apiVersion: 'v1', subresource: 'token' },
    responseStatus: { metadata: {}, code: 201 },
    requestObject: {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      spec: { audiences: ['https://kubernetes.default.svc'], expirationSeconds: 3607 },
    },
    ...overrides,
  });

/** A kubelet watching one Secret a pod mounts. */
const kubeletSecretWatch = (overrides: Ev = {}): Ev =>
  kubeletToken({
    level: 'Metadata',
    verb: 'watch',
    requestURI: '/api/v1/namespaces/web/secrets?fieldSelector=metadata.name%3Dregcred&watch=true',
    objectRef: { resource: 'secrets', namespace: 'web', apiVersion: 'v1' },
    responseStatus: { metadata: {}, code: 200 },
    requestObject: undefined,
    ...overrides,
  });

const withInterest = (settings: Partial<Settings['trust']>): CompiledInterest =>
  new CompiledInterest(interestOf(EVENT_RULES, { ...DEFAULT_SETTINGS, trust: { ...DEFAULT_SETTINGS.trust, ...settings } }));

describe("node agents: a node's own request is skipped only when the event's own user is the node and every user agent its agent", () => {
  it('skips a kubelet asking for a token or watching a Secret, on which no rule raises anything', async () => {
    for (const event of [kubeletToken(), kubeletSecretWatch()]) {
      const raw = JSON.stringify(event);
      expect(await findingsOf(raw)).toEqual([]);
      expect(parsed(raw, interest)).toEqual({ bytes: false, text: false });
    }
  });

  it('parses them while nodes are judged by address too (nodeNetworks named, or private ranges trusted)', () => {
    const raw = JSON.stringify(kubeletToken());
    expect(parsed(raw, withInterest({ nodeNetworks: ['10.0.0.0/16'] }))).toEqual({ bytes: true, text: true });
    expect(parsed(raw, withInterest({ privateRangesTrusted: true }))).toEqual({ bytes: true, text: true });
    expect(interestOf(EVENT_RULES, { ...DEFAULT_SETTINGS, trust: { ...DEFAULT_SETTINGS.trust, nodeNetworks: ['10.0.0.0/16'] } }).nodeAgents).toBeUndefined();
  });

  it("follows the settings' agents: a kubelet under another agent's name is no node agent", async () => {
    const raw = JSON.stringify(kubeletToken({ userAgent: 'k3s/v1.31.0' }));
    await expectKept(raw, 'credential.node-credential-misuse');
    expect(parsed(raw, withInterest({ userAgents: { node: ['k3s/'], interactive: DEFAULT_SETTINGS.trust.userAgents.interactive } }))).toEqual({
      bytes: false,
      text: false,
    });
    // An agent that is both a node's and an interactive one (by these settings) is judged interactive.
    const overlapping = withInterest({ userAgents: { node: ['kube'], interactive: ['kubectl'] } });
    expect(parsed(JSON.stringify(kubeletToken({ userAgent: 'kubectl/v1.31.0' })), overlapping)).toEqual({ bytes: true, text: true });
    expect(parsed(JSON.stringify(kubeletToken({ userAgent: 'kubelet/v1.31.0' })), overlapping)).toEqual({ bytes: false, text: false });
  });

  it.each([
    ['an interactive client', { userAgent: 'kubectl/v1.31.0 (linux/amd64)' }],
    ['a client that is not a node agent', { userAgent: 'python-requests/2.31' }],
  ])('keeps a node token request by %s', async (_what, overrides) => {
    await expectKept(JSON.stringify(kubeletToken(overrides)), 'credential.node-credential-misuse');
  });

  it('keeps a request whose user agent the node sent twice, the second an interactive one (JSON.parse keeps the last)', async () => {
    const raw = JSON.stringify(kubeletSecretWatch()).replace('"userAgent":"kubelet/', '"userAgent":"kubelet/x","userAgent":"curl/8.4.0 kubelet/');
    await expectKept(raw, 'credential.node-credential-misuse');
  });

  it('keeps a user agent that is not plain ASCII or holds an escape (the bytes are then not what JSON.parse reads)', () => {
    for (const agent of ['kubelet/v1.31 (\\u00e9)', 'kubelet\\/v1.31', 'kubelet/v1.31 é']) {
      const raw = JSON.stringify(kubeletToken()).replace('kubelet/v1.31.0 (linux/amd64) kubernetes/abcdef', agent);
      expect(parsed(raw, interest).bytes).toBe(true);
    }
  });

  it("keeps a request by a person whose body holds a node's user object (the event's own user is the person's)", async () => {
    const nested = kubeletToken({ user: alice, requestObject: { user: kubeletToken().user } });
    await expectKept(JSON.stringify(nested), 'service-account.token-request');
    const { user: _user, ...noUser } = kubeletToken();
    await expectKept(JSON.stringify({ ...noUser, requestObject: { user: kubeletToken().user } }), 'service-account.token-request');
  });

  it('parses a node request whose user is not where the API server writes it (right after the verb): no proof, though no rule fires', async () => {
    const { user, ...rest } = kubeletToken();
    const raw = JSON.stringify({ ...rest, user });
    expect(await findingsOf(raw)).toEqual([]);
    expect(parsed(raw, interest)).toEqual({ bytes: true, text: true });
  });

  it('keeps a request whose node user is a decoy before the real user (JSON.parse keeps the last), escaped or not', async () => {
    const node = JSON.stringify(kubeletToken().user);
    const raw = JSON.stringify(kubeletToken({ user: alice }));
    await expectKept(raw.replace('"user":{"username":"alice', `"user":${node},"user":{"username":"alice`), 'service-account.token-request');
    await expectKept(raw.replace('"user":{"username":"alice', `"user":${node},"us\\u0065r":{"username":"alice`), 'service-account.token-request');
    await expectKept(
      raw.replace('"verb":"create",', `"verb":"create","user":${node},`).replace(',"user":{"username":"alice', ',"user" :{"username":"alice'),
      'service-account.token-request',
    );
  });

  it('keeps a node name whose groups are replaced by a later duplicate without system:nodes', async () => {
    const raw = JSON.stringify(kubeletToken()).replace('"system:authenticated"]', '"system:authenticated"],"groups":["system:authenticated"]');
    await expectKept(raw, 'service-account.token-request');
  });

  it('keeps a node name outside the system:nodes group, and a node that is also unauthenticated', async () => {
    const outside = kubeletToken({ user: { username: 'system:node:ip-10-0-1-23.ec2.internal', groups: ['system:authenticated'] } });
    await expectKept(JSON.stringify(outside), 'service-account.token-request');
    const unauthenticated = kubeletToken({ user: { username: 'system:node:x', groups: ['system:nodes', 'system:unauthenticated'] } });
    await expectKept(JSON.stringify(unauthenticated), 'anonymous.allowed-request');
  });

  it('agrees with classifyActor and the trust boundary on every user and agent (property)', () => {
    const names = ['system:node:ip-10-0-1-23', 'system:node:', 'system:node', 'system:nodes', 'System:node:a', 'alice', 'system:serviceaccount:web:web'];
    const groups = ['system:nodes', 'system:unauthenticated', 'system:authenticated', 'system:nodes ', 'system:node', 'x'];
    const agents = ['kubelet/v1.31.0', 'kubelet.exe/v1.31.0', 'kubectl/v1.31.0', 'kubelet', 'curl/8 kubelet/', '', undefined];
    const boundary = TrustBoundary.of(DEFAULT_SETTINGS);
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.subarray(groups),
        fc.constantFrom(...agents),
        fc.boolean(),
        fc.boolean(),
        (username, userGroups, agent, extra, groupsFirst) => {
          const user: Ev = groupsFirst ? { groups: userGroups, username } : { username, groups: userGroups };
          if (extra) user.extra = { arn: ['arn:aws:sts::1:assumed-role/x'], empty: [] };
          const event = kubeletToken({ user, userAgent: agent });
          const raw = JSON.stringify(event);
          const byNodeAgent =
            classifyActor(username, userGroups).class === 'node' && (agent === undefined || (boundary.isNodeAgent(agent) && !boundary.isInteractive(agent)));
          expect(parsed(raw, interest)).toEqual({ bytes: !byNodeAgent, text: !byNodeAgent });
        },
      ),
      { seed: 7, numRuns: 400 },
    );
  });
});

describe('ConfigMap names the audit-policy rule reads as `audit` words', () => {
  it.each(['apiserver.audit', 'audit.conf'])('keeps kube-system/%s', async (name) => {
    await expectKept(JSON.stringify(configMapUpdate('kube-system', name)), 'audit-tampering.policy-changed');
  });
});

describe('what stays fast', () => {
  it('still filters chatter holding the escapes Go writes (\\u0026, \\u003c) and escaped quotes', async () => {
    const lease: Ev = {
      ...leaseUpdate(),
      requestURI: '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-scheduler?a=1&b=<2>',
      annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: allowed by ClusterRoleBinding "system:kube-scheduler"' },
    };
    const raw = JSON.stringify(lease).replace('&', '\\u0026').replace('<', '\\u003c').replace('>', '\\u003e');
    expect(raw).toContain('\\u0026');
    expect(raw).toContain('\\"system:kube-scheduler\\"');
    expect(parsed(raw, interest)).toEqual({ bytes: false, text: false });
    const { events, stats } = await readAll(Buffer.from(raw + '\n'), { interest: interestOf(EVENT_RULES) });
    expect([events.length, stats.filtered]).toEqual([0, 1]);
  });

  it('refuses a needle it could not match soundly', () => {
    expect(() => new PreCheck(new CompiledInterest({ selectors: [{ contains: ['a\\b'] }] }))).toThrow(/backslash/);
    expect(() => new PreCheck(new CompiledInterest({ selectors: [], markers: ['"alice"'] }))).toThrow(/quotes/);
    expect(() => new PreCheck(new CompiledInterest({ selectors: [{ contains: ['caf\u00e9'] }] }))).toThrow(/printable ASCII/);
  });
});

// ---------------------------------------------------------------------------------------------
// Soundness in general: events some rule fires on, rewritten the ways JSON allows.

/** A small seeded generator, so one fast-check value drives all the choices of a rewrite. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Rewrite {
  seed: number;
  /** Share of characters of keys and strings written as escapes. */
  escapes: number;
  /** Share of keys and strings whose letters change case (this changes what the event says). */
  cases: number;
  /** Share of members preceded by a decoy of the same key (JSON.parse keeps the last). */
  duplicates: number;
  /** Share of token boundaries given whitespace. */
  spaces: number;
  shuffle: boolean;
  envelope: Envelope;
}

/** The document the event travels in; the outer ones carry a dull verb, objectRef or stage of their own. */
const ENVELOPES = {
  none: (event: string): string => event,
  list: (event: string): string => `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[${event}]}`,
  array: (event: string): string => `[${event}]`,
  shipperString: (event: string): string => `{"verb":"get","objectRef":{"resource":"leases"},"requestURI":"/healthz","log":${JSON.stringify(event)}}`,
  shipperObject: (event: string): string => `{"stage":"RequestReceived","verb":"get","log":${event}}`,
  cloudWatch: (event: string): string =>
    `{"messageType":"DATA_MESSAGE","logGroup":"/aws/eks/prod/cluster","verb":"get","logEvents":[{"id":"1","timestamp":0,"message":${JSON.stringify(event)}}]}`,
};
type Envelope = keyof typeof ENVELOPES;

const DECOYS: unknown[] = ['get', 'watch', 'leases', 'RequestReceived', { resource: 'leases' }, { resource: 'pods', subresource: 'log' }, {}, 'x', 0, null];

function rewriteCase(text: string, pick: () => number): string {
  const how = pick();
  if (how < 0.4) return text.toUpperCase();
  if (how < 0.6) return text.toLowerCase();
  return [...text].map((c) => (pick() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join('');
}

/** JSON text for `value`, written with the rewrite's escapes, spaces, duplicate keys and key order; cases changed in the value first. */
function serialise(value: unknown, r: Rewrite, pick: () => number): string {
  const space = (): string => (pick() < r.spaces ? [' ', '\t', '\r', '  '][Math.floor(pick() * 4)] : '');
  const recase = (text: string): string => (pick() < r.cases ? rewriteCase(text, pick) : text);
  const str = (text: string): string => {
    let out = '"';
    for (const c of text) {
      if (pick() >= r.escapes) out += JSON.stringify(c).slice(1, -1);
      else if (c === '/' && pick() < 0.5) out += '\\/';
      else for (let k = 0; k < c.length; k++) out += '\\u' + rewriteCase(c.charCodeAt(k).toString(16).padStart(4, '0'), pick);
    }
    return out + '"';
  };
  const write = (v: unknown): string => {
    if (typeof v === 'string') return str(recase(v));
    if (Array.isArray(v)) return `[${space()}${v.map((item) => write(item)).join(`${space()},${space()}`)}${space()}]`;
    if (typeof v === 'object' && v !== null) {
      const keys = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined);
      if (r.shuffle) keys.sort(() => pick() - 0.5);
      const members: string[] = [];
      for (const k of keys) {
        const key = recase(k); // the decoy has the same key, so JSON.parse keeps the real member
        if (pick() < r.duplicates) members.push(`${str(key)}${space()}:${space()}${JSON.stringify(DECOYS[Math.floor(pick() * DECOYS.length)])}`);
        members.push(`${str(key)}${space()}:${space()}${write((v as Record<string, unknown>)[k])}`);
      }
      return `{${space()}${members.join(`${space()},${space()}`)}${space()}}`;
    }
    return JSON.stringify(v);
  };
  return write(value);
}

const node = { username: 'system:node:ip-10-0-1-23.ec2.internal', groups: ['system:nodes', 'system:authenticated'] };
const policyJson = JSON.stringify({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules: [{ level: 'None' }] });
const apiServerPod = auditEvent({
  level: 'RequestResponse',
  verb: 'create',
  user: node,
  requestURI: '/api/v1/namespaces/kube-system/pods',
  objectRef: { resource: 'pods', namespace: 'kube-system', name: 'kube-apiserver-cp-1', apiVersion: 'v1' },
  responseStatus: { metadata: {}, code: 201 },
  requestObject: {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: { name: 'kube-apiserver-cp-1', namespace: 'kube-system', annotations: { 'kubernetes.io/config.mirror': '6b5d1c0f' } },
    spec: {
      nodeName: 'cp-1',
      containers: [
        { name: 'kube-apiserver', image: 'registry.k8s.io/kube-apiserver:v1.31.0', command: ['kube-apiserver', '--etcd-servers=https://127.0.0.1:2379'] },
      ],
    },
  },
});

/** Events some rule raises a finding on, one per way a rule's interest is declared, and chatter no rule wants. */
const SEEDS: Ev[] = [
  configMapPatch('clusters-prod', 'kas-config', { data: { 'audit-policy.yaml': 'rules: []' } }),
  configMapPatch('clusters-prod', 'kas-config', { data: { 'p.json': policyJson } }),
  configMapUpdate('kube-system', 'audit'),
  configMapUpdate('kube-system', 'audit.conf'),
  configMapUpdate('kube-system', 'apiserver.audit'),
  configMapPatch('kube-system', 'aws-auth', { data: { mapUsers: '[]' } }),
  tokenSecret(),
  crashLoop(),
  anonymousList({ username: 'system:anonymous', groups: ['system:unauthenticated'] }),
  anonymousList({ username: 'scanner', groups: ['system:unauthenticated'] }),
  execViaGet(),
  clusterAdminBinding(),
  apiServerPod,
  leaseUpdate(),
  configMapUpdate('kube-system', 'coredns'),
  kubeletToken(),
  kubeletSecretWatch(),
  kubeletToken({ userAgent: 'kubectl/v1.31.0' }),
  kubeletSecretWatch({ userAgent: 'Go-http-client/2.0' }),
  auditEvent({
    verb: 'patch',
    user: node,
    level: 'Request',
    objectRef: { resource: 'pods', namespace: 'web', name: 'web-0', apiVersion: 'v1', subresource: 'status' },
    requestObject: { status: { containerStatuses: [{ name: 'web', restartCount: 0, lastState: {} }] } },
  }),
].map((e, i) => ({ ...e, auditID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }));

const arbitraryRewrite: fc.Arbitrary<Rewrite> = fc.record({
  seed: fc.nat(),
  escapes: fc.constantFrom(0, 0.01, 0.05, 0.3),
  cases: fc.constantFrom(0, 0.02, 0.1, 0.5),
  duplicates: fc.constantFrom(0, 0.1, 0.5),
  spaces: fc.constantFrom(0, 0.1, 0.5),
  shuffle: fc.boolean(),
  envelope: fc.constantFrom<Envelope>('none', 'none', 'none', 'list', 'array', 'shipperString', 'shipperObject', 'cloudWatch'),
});

describe('soundness in general (property)', () => {
  it('never filters or stage-skips a document on which some rule raises a finding once parsed', async () => {
    const seen = { fired: 0, filtered: 0 };
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: SEEDS.length - 1 }), arbitraryRewrite, async (which, r) => {
        const pick = random(r.seed);
        const event = serialise(SEEDS[which], r, pick);
        const raw = ENVELOPES[r.envelope](event);
        const bytes = Buffer.from(raw);
        const verdicts = [new PreCheck(interest).decideBytes(bytes, 0, bytes.length), new PreCheck(interest).decideText(event)];
        const fired = (await findingsOf(raw)).length > 0;
        if (fired) seen.fired++;
        if (verdicts[0] === FILTER) seen.filtered++;
        if (fired) expect(verdicts).toEqual([PARSE, PARSE]);
      }),
      { seed: 11, numRuns: 600 },
    );
    // Not vacuous: rules fired on many rewrites, and the pre-check still filtered others.
    expect(seen.fired).toBeGreaterThan(100);
    expect(seen.filtered).toBeGreaterThan(20);
  });
});

describe("a CloudWatch record's messages decided together", () => {
  // decideTexts puts the messages in one buffer: a needle's search may run from one message into the
  // next, and a read at a message's end may meet the next one's first byte. Each verdict must still be
  // the one the message gets alone, which the properties above prove sound.
  const fragments = ['', '"ver', 'b":"create"', '\\u00', '\\', '"objectRef":{"resource":"pods"', 'é€😀', '"auditID":"x","stage":"RequestReceived"', '}'];
  const arbitraryEvent = fc.tuple(fc.nat({ max: SEEDS.length - 1 }), arbitraryRewrite).map(([which, r]) => serialise(SEEDS[which], r, random(r.seed)));
  // Fragments before and after: what a message starts or ends with meets its neighbour's other end.
  const arbitraryMessage = fc
    .tuple(fc.constantFrom(...fragments), fc.oneof(arbitraryEvent, fc.constant('')), fc.constantFrom(...fragments))
    .map((parts) => parts.join(''));

  it('gives each message the verdict it gets alone (property)', () => {
    fc.assert(
      fc.property(fc.array(arbitraryMessage, { maxLength: 12 }), (messages) => {
        const together = new PreCheck(interest).decideTexts(messages);
        const alone = messages.map((m) => new PreCheck(interest).decideText(m));
        expect(together).toEqual(alone);
      }),
      { seed: 17, numRuns: 400 },
    );
  });

  it('skips the chatter of a record and parses the event a rule wants, read through the reader', async () => {
    const wanted = clusterAdminBinding();
    const record = {
      messageType: 'DATA_MESSAGE',
      owner: '111122223333',
      logGroup: '/aws/eks/prod/cluster',
      logStream: 'kube-apiserver-audit-0',
      subscriptionFilters: ['audit'],
      logEvents: [leaseUpdate(), wanted, { id: 'x' }, leaseUpdate()].map((e, i) => (i === 2 ? e : { id: String(i), timestamp: 0, message: JSON.stringify(e) })),
    };
    const { events, stats } = await readAll(Buffer.from(JSON.stringify(record) + '\n'), { interest: interestOf(EVENT_RULES) });
    expect(events.map((e) => e.event.auditID)).toEqual([wanted.auditID]);
    expect(stats.problems['unknown-envelope']).toBe(1);
    expect(stats.filtered).toBe(2);
  });
});

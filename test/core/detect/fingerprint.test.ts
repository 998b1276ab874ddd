import fc from 'fast-check';
import { createHash } from 'node:crypto';
import type { AuditEvent } from '../../../lambdas/core/audit-event';
import { DetectionEngine } from '../../../lambdas/core/detect/engine';
import { digest, hitFingerprint, requestDigest } from '../../../lambdas/core/detect/fingerprint';
import type { Finding } from '../../../lambdas/core/finding';
import { EVENT_RULES } from '../../../lambdas/core/rules';
import { auditEvent } from '../../helpers/events';
import type { Ev } from '../../helpers/shipping';

const ev = (e: Ev): AuditEvent => e as unknown as AuditEvent;

/** The same JSON with every object's keys in reverse order, as a shipper that re-serialises might write it. */
function reordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reordered);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reordered(v)]),
  );
}

const twoEntryRole = (): Ev =>
  auditEvent({
    level: 'RequestResponse',
    verb: 'create',
    requestURI: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
    objectRef: { resource: 'clusterroles', name: 'ops', apiGroup: 'rbac.authorization.k8s.io', apiVersion: 'v1' },
    responseStatus: { code: 201 },
    requestObject: {
      kind: 'ClusterRole',
      metadata: { name: 'ops' },
      rules: [
        { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] },
        { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
      ],
    },
  });

async function analyze(events: Ev[], cluster?: string, engine = new DetectionEngine(EVENT_RULES)): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const e of events) out.push(...(await engine.analyze({ event: ev(e), offset: 0, line: 1, truncated: false, ...(cluster ? { cluster } : {}) })));
  return out;
}

describe('the request identity behind fingerprints', () => {
  it('is the same at every stage of one request, whatever the server adds later (status, response, uid, resourceVersion)', () => {
    const received = twoEntryRole();
    const complete = {
      ...received,
      stage: 'ResponseComplete',
      stageTimestamp: '2026-11-20T10:00:01.000000Z',
      level: 'RequestResponse',
      objectRef: { ...(received.objectRef as object), uid: 'u-1', resourceVersion: '42' },
      responseStatus: { code: 201, metadata: {} },
      responseObject: { kind: 'ClusterRole', metadata: { name: 'ops', uid: 'u-1' } },
      annotations: { 'authorization.k8s.io/decision': 'allow' },
    };
    expect(requestDigest(ev({ ...received, stage: 'RequestReceived' }))).toBe(requestDigest(ev(complete)));
  });

  it('is the same for a re-delivery whose keys a shipper put in another order', () => {
    const e = twoEntryRole();
    expect(requestDigest(ev(reordered(e) as Ev))).toBe(requestDigest(ev(e)));
    expect(digest({ a: 1, b: [{ c: 2, d: 3 }] })).toBe(digest({ b: [{ d: 3, c: 2 }], a: 1 }));
    expect(digest([1, 2])).not.toBe(digest([2, 1]));
  });

  it('differs for any other request with the same auditID: another time, URI, body, caller, or cluster', () => {
    const e = twoEntryRole();
    const same = requestDigest(ev(e), 'prod');
    for (const other of [
      { ...e, requestReceivedTimestamp: '2026-11-20T10:00:00.000001Z' },
      { ...e, requestURI: '/apis/rbac.authorization.k8s.io/v1/clusterroles?dryRun=All' },
      { ...e, requestObject: { kind: 'ClusterRole', metadata: { name: 'ops' }, rules: [] } },
      { ...e, user: { username: 'mallory' } },
      { ...e, sourceIPs: ['198.51.100.1'] },
    ]) {
      expect(requestDigest(ev(other), 'prod')).not.toBe(same);
    }
    expect(requestDigest(ev(e), 'staging')).not.toBe(same);
  });

  it('gives two hits of one rule on one event two fingerprints', () => {
    const request = requestDigest(ev(twoEntryRole()));
    expect(hitFingerprint('r', request, { summary: 's', evidence: { rulesIndex: 0 } })).not.toBe(
      hitFingerprint('r', request, { summary: 's', evidence: { rulesIndex: 1 } }),
    );
  });
});

describe('fingerprints in the engine', () => {
  it('keeps both findings of a ClusterRole with two dangerous entries, each with its own fingerprint (defect 8)', async () => {
    const found = (await analyze([twoEntryRole()])).filter((f) => f.ruleId === 'rbac.dangerous-role-permissions');
    expect(found.map((f) => f.evidence.rulesIndex)).toEqual([0, 1]);
    expect(new Set(found.map((f) => f.fingerprint)).size).toBe(2);
  });

  it('gives a re-delivery in another key order the same fingerprints, so nothing is raised twice', async () => {
    const engine = new DetectionEngine(EVENT_RULES);
    const e = twoEntryRole();
    const first = await analyze([e], 'prod', engine);
    expect(first.length).toBeGreaterThan(0);
    expect(await analyze([reordered(e) as Ev], 'prod', engine)).toEqual([]);
    const again = await analyze([reordered(e) as Ev], 'prod');
    expect(again.map((f) => f.fingerprint)).toEqual(first.map((f) => f.fingerprint));
  });

  it('raises the real request after a failed decoy that carried its auditID, and the same request in another cluster', async () => {
    const engine = new DetectionEngine(EVENT_RULES);
    const real = twoEntryRole();
    const decoy = { ...real, requestReceivedTimestamp: '2026-11-20T09:59:59.000000Z', responseStatus: { code: 403 } };
    expect((await analyze([decoy], 'prod', engine)).map((f) => f.ruleId)).toEqual(['rbac.denied-write-attempt']);
    const found = await analyze([real], 'prod', engine);
    expect(found.some((f) => f.ruleId === 'rbac.dangerous-role-permissions')).toBe(true);
    expect((await analyze([real], 'staging', engine)).length).toBe(found.length);
  });
});

describe('the digest of a JSON value', () => {
  /** Canonical JSON as fingerprints have always been taken: JSON.stringify's spelling of each value, object keys sorted, undefined members left out. */
  function reference(value: unknown): string {
    if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return 'null';
    if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
    if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
    const members = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${reference((value as Record<string, unknown>)[k])}`);
    return `{${members.join(',')}}`;
  }
  const sha256 = (text: string): string => createHash('sha256').update(text).digest().subarray(0, 16).toString('base64url');

  it('is unchanged for a value with every kind of member (a fingerprint stored before must still match)', () => {
    const value = {
      b: [1, -0, 1e21, 2.5, true, false, null, 'a"b\\c\n\u0001', '\ud83d\ude00 ok', 'lone \ud800 surrogate', 'é\u2028'],
      a: { z: undefined, y: 'x', x: [undefined] },
      'k"ey': 'v',
    };
    // Taken with the implementation before this one (parts joined, JSON.stringify for every string and number).
    expect(digest(value)).toBe('OjbxeBeC2VCYXQhO2DNH_Q');
  });

  it('is the SHA-256 of the canonical JSON, for any JSON value and odd strings (property)', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('"', '\\', '\u0000', '\u001f', '\ud800', '\udc00x', '\u2028', '😀'));
    const member = fc.oneof(fc.jsonValue(), text, fc.constantFrom(undefined, -0, Infinity, NaN, 1e21, 5e-324));
    const value = fc.dictionary(text, fc.oneof(member, fc.array(member), fc.dictionary(text, member)));
    fc.assert(
      fc.property(value, (v) => expect(digest(v)).toBe(sha256(reference(v)))),
      { seed: 41, numRuns: 500 },
    );
  });

  it('is the same when a body is longer than one piece handed to the hash', () => {
    const body = { data: Array.from({ length: 5000 }, (_, i) => ({ name: `item-${i}`, value: 'x'.repeat(i % 97) })) };
    expect(digest(body)).toBe(sha256(reference(body)));
  });
});

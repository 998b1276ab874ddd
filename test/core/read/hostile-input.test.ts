/**
 * Issue 11's reader defects, one regression test each: what a client who chooses its Audit-ID,
 * its bodies and its field types (or a bucket writer) can do to the reader must not hide an
 * event from the rules.
 */
import { auditEvent, clusterAdminBinding, execViaGet, leaseUpdate } from '../../helpers/events';
import { cloudWatchRecord, jsonLines, readAll } from '../../helpers/shipping';

/** Go's encoder writes `<`, `>` and `&` as six bytes each, so a body of them grows sixfold. */
const goJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');

describe('a reused Audit-ID does not hide the real event', () => {
  const real = clusterAdminBinding();
  const variants: Array<[string, Record<string, unknown>]> = [
    ['a failed request (409)', { ...real, responseStatus: { metadata: {}, code: 409 } }],
    ['a dry run', { ...real, requestURI: `${String(real.requestURI)}?dryRun=All` }],
    ['another object', { ...real, objectRef: { ...(real.objectRef as object), name: 'decoy' } }],
    ['another verb', { ...real, verb: 'get' }],
    ['other timestamps', { ...real, stageTimestamp: '2020-01-01T00:00:00.000000Z' }],
  ];

  it.each(variants)('a decoy (%s) sharing its auditID and stage comes first: both reach the rules', async (_name, decoy) => {
    const { events, stats } = await readAll(jsonLines([decoy, real]));
    expect(events.map((e) => e.event)).toEqual([decoy, real]);
    expect(stats.duplicates).toBe(0);
  });

  it('a re-delivery of the same content is a duplicate, in whatever envelope it comes', async () => {
    const text = JSON.stringify(real);
    const bytes = Buffer.concat([jsonLines([real, real]), Buffer.from(`${JSON.stringify({ log: text })}\n${JSON.stringify(cloudWatchRecord([real]))}\n`)]);
    const { events, stats } = await readAll(bytes);
    expect(events).toHaveLength(1);
    expect(stats.duplicates).toBe(3);
  });

  it('in JSON lines, a line of two documents is two events named by their own texts', async () => {
    const text = JSON.stringify(real);
    const first = JSON.stringify({ ...real, auditID: 'another-request' });
    const { events, stats } = await readAll(Buffer.from(`${first}\n${text}${text}\n${text}\n`));
    expect(events.map((e) => e.event.auditID)).toEqual(['another-request', real.auditID]);
    expect(stats.duplicates).toBe(2);
  });
});

describe('an oversize event is judged from its head', () => {
  const limit = 64 * 1024;
  // 12,000 `<` are 72 KB as the API server writes them: over the limit, though the body is small.
  const padded = auditEvent({
    verb: 'create',
    objectRef: { resource: 'configmaps', namespace: 'kube-system', name: 'aws-auth', apiVersion: 'v1' },
    requestObject: { data: { x: '<'.repeat(12_000) } },
  });

  it('in JSON lines: who did what to which object reaches the rules, with its size, and is counted', async () => {
    const bytes = Buffer.from(`${goJson(leaseUpdate())}\n${goJson(padded)}\n${goJson(execViaGet())}\n`);
    const { events, stats } = await readAll(bytes, { maxDocumentBytes: limit });
    expect(events).toHaveLength(3);
    const big = events[1];
    expect(big.oversize).toBe(goJson(padded).length);
    expect(big.event).toMatchObject({ auditID: padded.auditID, verb: 'create', user: padded.user, objectRef: padded.objectRef });
    expect(big.event.requestObject).toBeUndefined();
    expect(stats.problems.oversize).toBe(1);
  });

  it('whatever the rules are interested in (the pre-check never sees it)', async () => {
    const bytes = Buffer.from(`${goJson(padded)}\n`);
    const { events } = await readAll(bytes, { maxDocumentBytes: limit, interest: { selectors: [{ verbs: ['get'], resources: ['pods'] }] } });
    expect(events.map((e) => e.oversize)).toEqual([goJson(padded).length]);
  });

  it('in a `}{`-concatenated stream, a `}{` inside its body is not taken for the next event', async () => {
    const trap = auditEvent({ requestObject: { data: { x: `${'}{'.repeat(40_000)}` } } });
    const next = execViaGet();
    const first = leaseUpdate();
    const bytes = Buffer.from(JSON.stringify(first) + JSON.stringify(trap) + JSON.stringify(next));
    for (const chunk of [bytes.length, 8192, 1000]) {
      const parts: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
      const { events, stats } = await readAll(parts, { maxDocumentBytes: 32 * 1024 });
      expect(events.map((e) => e.event.auditID)).toEqual([first.auditID, trap.auditID, next.auditID]);
      expect(stats.problems['malformed-json']).toBe(0);
    }
  });

  it('an oversize document that is no event is counted and skipped', async () => {
    const bytes = Buffer.from(`${JSON.stringify({ kind: 'ConfigMap', data: 'z'.repeat(100_000) })}\n${JSON.stringify(execViaGet())}\n`);
    const { events, stats } = await readAll(bytes, { maxDocumentBytes: limit });
    expect(events).toHaveLength(1);
    expect(stats.problems.oversize).toBe(1);
  });
});

describe('a wrong-typed field costs that event only', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['a numeric user.username', { user: { username: 42 } }],
    ['an object user.groups', { user: { username: 'u', groups: { admin: true } } }],
    ['an object requestURI', { requestURI: { path: '/' } }],
    ['a numeric stageTimestamp', { stageTimestamp: 1_700_000_000 }],
    ['a list objectRef.resource', { objectRef: { resource: ['pods'] } }],
    ['a numeric verb', { verb: 7 }],
    ['a string responseStatus.code', { responseStatus: { code: '201' } }],
    ['numeric annotations', { annotations: { 'authorization.k8s.io/decision': 1 } }],
    ['a string sourceIPs', { sourceIPs: '10.0.0.1' }],
  ];

  it.each(cases)('%s: counted as invalid-event where it is, its neighbours read', async (_name, change) => {
    const bad = { ...clusterAdminBinding(), ...change };
    const { events, stats } = await readAll(jsonLines([leaseUpdate(), bad, execViaGet()]));
    expect(events).toHaveLength(2);
    expect(stats.problems['invalid-event']).toBe(1);
    expect(stats.samples[0]).toMatchObject({ kind: 'invalid-event', line: 2 });
  });

  it('null where the API server would omit a field is read as absent', async () => {
    const e = { ...execViaGet(), impersonatedUser: null, userAgent: null };
    const { events, stats } = await readAll(jsonLines([e]));
    expect(events).toHaveLength(1);
    expect('userAgent' in events[0].event).toBe(false);
    expect(stats.problems['invalid-event']).toBe(0);
  });
});

describe('what leaves the reader', () => {
  it('a malformed line is counted without quoting its bytes (they may be a secret)', async () => {
    const { stats } = await readAll(Buffer.from('hunter2-is-the-password\n'));
    expect(stats.problems['malformed-json']).toBe(1);
    expect(stats.samples[0].detail).not.toContain('hunter2');
  });
});

describe('text encodings', () => {
  const events = [clusterAdminBinding(), execViaGet()];
  const utf8 = jsonLines(events);
  const utf16be = (text: Buffer): Buffer => {
    const le = Buffer.from(text.toString('utf8'), 'utf16le');
    for (let i = 0; i < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1], le[i]];
    return le;
  };

  it.each<[string, Buffer]>([
    ['UTF-16LE with a mark', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(utf8.toString('utf8'), 'utf16le')])],
    ['UTF-16LE without one', Buffer.from(utf8.toString('utf8'), 'utf16le')],
    ['UTF-16BE with a mark', Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(utf8)])],
    ['UTF-8 with a mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8])],
  ])('%s is decoded', async (_name, bytes) => {
    const parts = [bytes.subarray(0, 3), bytes.subarray(3, 1001), bytes.subarray(1001)]; // a character split across chunks
    const { events: out, stats } = await readAll(parts);
    expect(out.map((e) => e.event)).toEqual(events);
    expect(stats.complete).toBe(true);
  });

  it('UTF-32 is refused by name, not read as nothing', async () => {
    const { events: out, stats } = await readAll(Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.alloc(64)]));
    expect(out).toHaveLength(0);
    expect(stats.problems['unsupported-encoding']).toBe(1);
    expect(stats.complete).toBe(false);
  });
});
